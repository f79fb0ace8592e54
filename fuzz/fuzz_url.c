/*
 * The parsers of client-supplied strings: url_decode, url_query_find,
 * url_split, address_parse and address_domain_from_host, each on the
 * whole input. Results are checked against what the headers promise: a
 * decoded string has its stated length and encodes back to itself, a
 * parsed address and a normalized domain parse again to the same value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "harness.h"
#include "memory.h"
#include "url.h"

#define DECODED_MAX 4096

static void
check_decode(const char *text, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    char decoded[DECODED_MAX], again[DECODED_MAX], *encoded;
    long n, m;
    long i;

    n = url_decode(text, len, decoded, sizeof(decoded));
    if (n < 0)
        return;
    if ((size_t)n > len || strlen(decoded) != (size_t)n)
        harness_fail("url_decode returned %ld for %zu bytes", n, len);

    /* Every byte escaped must decode to the same bytes. */
    encoded = malloc((size_t)n * 3 + 1);
    if (encoded == NULL)
        harness_fail("malloc failed");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)decoded[i];

        encoded[i * 3] = '%';
        encoded[i * 3 + 1] = hex[c >> 4];
        encoded[i * 3 + 2] = hex[c & 15];
    }
    m = url_decode(encoded, (size_t)n * 3, again, sizeof(again));
    if (m != n || memcmp(again, decoded, (size_t)n) != 0)
        harness_fail("url_decode of the escaped result differs");
    free(encoded);
}

static void
check_query(const char *query)
{
    static const char *const names[] = {"emailaddress", "Email", "Protocol"};
    const char *value;
    size_t value_len, i;
    int count;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        value = NULL;
        count = url_query_find(query, names[i], &value, &value_len);
        if (count < 0)
            harness_fail("url_query_find returned %d", count);
        if (count == 0)
            continue;
        if (value < query || value + value_len > query + strlen(query))
            harness_fail("url_query_find value outside the query");
        if (value_len > 0 && memchr(value, '&', value_len) != NULL)
            harness_fail("url_query_find value contains '&'");
    }
}

static void
check_address(const char *text, size_t len)
{
    struct address address, again;
    size_t local_len, domain_len;

    if (address_parse(text, len, &address) == -1)
        return;
    local_len = strlen(address.local);
    domain_len = strlen(address.domain);
    if (local_len == 0 || local_len > ADDRESS_LOCAL_MAX || domain_len == 0 ||
        domain_len > ADDRESS_DOMAIN_MAX ||
        strlen(address.full) != local_len + 1 + domain_len)
        harness_fail("address_parse lengths are wrong: '%s'", address.full);
    if (memcmp(address.full, address.local, local_len) != 0 ||
        address.full[local_len] != '@' ||
        strcmp(address.full + local_len + 1, address.domain) != 0)
        harness_fail("full address '%s' is not local@domain", address.full);

    if (address_parse(address.full, strlen(address.full), &again) == -1 ||
        strcmp(again.full, address.full) != 0)
        harness_fail("address '%s' does not parse to itself", address.full);
}

static void
check_domain(const char *text, size_t len)
{
    char domain[ADDRESS_DOMAIN_MAX + 1], again[ADDRESS_DOMAIN_MAX + 1];
    size_t i, n;

    if (address_normalize_domain(text, len, domain) == -1)
        return;
    n = strlen(domain);
    for (i = 0; i < n; i++) {
        if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-.", domain[i]) == NULL)
            harness_fail("normalized domain '%s' has byte 0x%02x", domain,
                         (unsigned char)domain[i]);
    }
    if (address_normalize_domain(domain, n, again) == -1 ||
        strcmp(again, domain) != 0)
        harness_fail("domain '%s' does not normalize to itself", domain);
}

static void
check_host(const char *host)
{
    char domain[ADDRESS_DOMAIN_MAX + 1], again[ADDRESS_DOMAIN_MAX + 1];

    if (address_domain_from_host(host, "autoconfig.", domain) == -1)
        return;
    if (address_normalize_domain(domain, strlen(domain), again) == -1 ||
        strcmp(again, domain) != 0)
        harness_fail("domain '%s' from Host is not normalized", domain);
}

static void
check_split(const char *url)
{
    struct url_parts parts;

    if (url_split(url, &parts) == -1)
        return;
    if (parts.host[0] == '\0' || strpbrk(parts.host, "/:") != NULL)
        harness_fail("url_split host '%s' of '%s'", parts.host, url);
    if (parts.port < 1 || parts.port > 65535)
        harness_fail("url_split port %ld of '%s'", parts.port, url);
    if (parts.path[0] != '/')
        harness_fail("url_split path '%s' of '%s'", parts.path, url);
    if (parts.secure != (strncmp(url, "https://", 8) == 0))
        harness_fail("url_split secure %d of '%s'", parts.secure, url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    char decoded[DECODED_MAX];
    char *string;
    long n;

    memory_init();
    check_decode(text, size);
    check_address(text, size);
    check_domain(text, size);

    /* What a client sends percent-encoded, as autoconfig decodes it. */
    n = url_decode(text, size, decoded, sizeof(decoded));
    if (n >= 0)
        check_address(decoded, (size_t)n);

    /* The rest take C strings, as FastCGI parameters are. */
    string = malloc(size + 1);
    if (string == NULL)
        harness_fail("malloc failed");
    memcpy(string, data, size);
    string[size] = '\0';
    check_query(string);
    check_host(string);
    check_split(string);
    free(string);
    return 0;
}
