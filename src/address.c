#include "address.h"

#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "utf8.h"

/* The longest UTF-8 domain converted; its A-label form must still fit. */
#define UNICODE_DOMAIN_MAX 1024

static int
is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/*
 * Returns the length of the UTF-8 sequence at s (non-ASCII only), or 0 for
 * one that is not well-formed or is U+FFFE or U+FFFF, which XML 1.0
 * documents cannot contain.
 */
static size_t
utf8_sequence_length(const unsigned char *s, size_t left)
{
    unsigned long code;
    size_t len = utf8_decode(s, left, &code);

    return len == 0 || code == 0xfffe || code == 0xffff ? 0 : len;
}

static int
check_local_part(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    if (len == 0 || len > ADDRESS_LOCAL_MAX)
        return -1;
    if (s[0] == '.' || s[len - 1] == '.')
        return -1;
    while (i < len) {
        size_t n;

        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return -1;
            i++;
        } else if (is_atext(s[i])) {
            i++;
        } else {
            n = utf8_sequence_length(s + i, len - i);
            if (n == 0)
                return -1;
            i += n;
        }
    }
    return 0;
}

/*
 * Converts a domain that contains non-ASCII letters to A-labels in out
 * (size ADDRESS_DOMAIN_MAX + 1), with IDNA2008 and the UTS #46
 * non-transitional mapping that browsers use, so "bücher.example"
 * becomes "xn--bcher-kva.example". Returns 0, or -1 when libidn2 rejects
 * the name or the result is too long.
 */
static int
convert_to_a_labels(const char *text, size_t len, char *out)
{
    char input[UNICODE_DOMAIN_MAX + 1];
    char *ascii;
    int rc = -1;

    if (len > UNICODE_DOMAIN_MAX || memchr(text, '\0', len) != NULL)
        return -1;
    memcpy(input, text, len);
    input[len] = '\0';
    if (idn2_to_ascii_8z(input, &ascii,
                         IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
        return -1;
    if (strlen(ascii) <= ADDRESS_DOMAIN_MAX) {
        strcpy(out, ascii);
        rc = 0;
    }
    idn2_free(ascii);
    return rc;
}

static int
has_non_ascii(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if ((unsigned char)text[i] >= 0x80)
            return 1;
    }
    return 0;
}

/* Copies a name of LDH labels into out in lower case; 0 or -1. */
static int
copy_ldh_name(const char *text, size_t len, char *out)
{
    size_t i, label_len = 0;

    if (len == 0 || len > ADDRESS_DOMAIN_MAX)
        return -1;
    for (i = 0; i < len; i++) {
        char c = text[i];

        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.') {
            if (label_len == 0 || out[i - 1] == '-')
                return -1;
            label_len = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-') {
            if ((label_len == 0 && c == '-') || ++label_len > 63)
                return -1;
        } else {
            return -1;
        }
        out[i] = c;
    }
    if (label_len == 0 || out[len - 1] == '-')
        return -1;
    out[len] = '\0';
    return 0;
}

int
address_normalize_domain(const char *text, size_t len, char *out)
{
    char a_labels[ADDRESS_DOMAIN_MAX + 1];

    /* One trailing dot marks a fully qualified name; drop it. */
    if (len > 0 && text[len - 1] == '.')
        len--;
    if (has_non_ascii(text, len)) {
        if (convert_to_a_labels(text, len, a_labels) == -1) {
            out[0] = '\0';
            return -1;
        }
        text = a_labels;
        len = strlen(a_labels);
    }
    if (copy_ldh_name(text, len, out) == -1) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int
address_parse(const char *text, size_t len, struct address *out)
{
    const char *at;
    size_t local_len;

    if (len > ADDRESS_MAX || memchr(text, '\0', len) != NULL)
        return -1;
    at = NULL;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '@')
            at = text + i;
    }
    if (at == NULL)
        return -1;

    local_len = (size_t)(at - text);
    if (check_local_part(text, local_len) == -1)
        return -1;
    if (address_normalize_domain(at + 1, len - local_len - 1, out->domain) ==
        -1)
        return -1;
    /* A-labels are longer than the letters they encode. */
    if (local_len + 1 + strlen(out->domain) > ADDRESS_MAX)
        return -1;

    memcpy(out->local, text, local_len);
    out->local[local_len] = '\0';
    memcpy(out->full, text, local_len + 1);
    strcpy(out->full + local_len + 1, out->domain);
    return 0;
}

int
address_is_placeholder(const struct address *address)
{
    return strcmp(address->local, "EVOLUTIONUSER") == 0 ||
           strcmp(address->local, "%EMAILLOCALPART%") == 0;
}

int
address_is_numeric(const char *name)
{
    size_t len = strlen(name), start;

    if (len > 0 && name[len - 1] == '.')
        len--;
    start = len;
    while (start > 0 && name[start - 1] != '.')
        start--;
    return len > start && strspn(name + start, "0123456789") >= len - start;
}

int
address_domain_from_host(const char *host, const char *prefix, char *out)
{
    size_t len, prefix_len;
    const char *colon;

    if (host == NULL || host[0] == '[')
        return -1;
    colon = strchr(host, ':');
    len = colon == NULL ? strlen(host) : (size_t)(colon - host);
    if (colon != NULL && strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;

    prefix_len = prefix == NULL ? 0 : strlen(prefix);
    if (prefix_len > 0 && len > prefix_len &&
        strncasecmp(host, prefix, prefix_len) == 0) {
        host += prefix_len;
        len -= prefix_len;
    }
    return address_normalize_domain(host, len, out);
}
