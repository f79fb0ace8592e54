/*
 * Tests for address_parse, address_normalize_domain and
 * address_domain_from_host.
 */
#include <string.h>

#include "address.h"
#include "check.h"

struct parse_case {
    const char *input;
    int expected_rc;
    /* For valid input: the parts address_parse stores. */
    const char *full;
    const char *local;
    const char *domain;
};

static const struct parse_case parse_cases[] = {
    {"alice@example.com", 0, "alice@example.com", "alice", "example.com"},
    {"Alice@EXAMPLE.COM", 0, "Alice@example.com", "Alice", "example.com"},
    {"a.b.c@mail.example.com", 0, "a.b.c@mail.example.com", "a.b.c",
     "mail.example.com"},
    {"alice+tag@example.com", 0, "alice+tag@example.com", "alice+tag",
     "example.com"},
    {"!#$%&'*+-/=?^_`{|}~@example.com", 0, "!#$%&'*+-/=?^_`{|}~@example.com",
     "!#$%&'*+-/=?^_`{|}~", "example.com"},
    {"a@localhost", 0, "a@localhost", "a", "localhost"},
    {"a@x-y.example", 0, "a@x-y.example", "a", "x-y.example"},
    {"a@xn--bcher-kva.example", 0, "a@xn--bcher-kva.example", "a",
     "xn--bcher-kva.example"},
    {"a@123.example", 0, "a@123.example", "a", "123.example"},
    /* One trailing dot is the root label and is dropped. */
    {"a@example.com.", 0, "a@example.com", "a", "example.com"},
    /* UTF-8 local parts (RFC 6531): 2-, 3- and 4-byte sequences. */
    {"j\xc3\xb6rg@example.com", 0, "j\xc3\xb6rg@example.com", "j\xc3\xb6rg",
     "example.com"},
    {"\xe7\x94\xa8\xe6\x88\xb7@example.com", 0,
     "\xe7\x94\xa8\xe6\x88\xb7@example.com", "\xe7\x94\xa8\xe6\x88\xb7",
     "example.com"},
    {"\xf0\x9f\x98\x80@example.com", 0, "\xf0\x9f\x98\x80@example.com",
     "\xf0\x9f\x98\x80", "example.com"},
    {"\xf4\x8f\xbf\xbf@example.com", 0, "\xf4\x8f\xbf\xbf@example.com",
     "\xf4\x8f\xbf\xbf", "example.com"},

    {"", -1, NULL, NULL, NULL},
    {"alice", -1, NULL, NULL, NULL},
    {"alice.example.com", -1, NULL, NULL, NULL},
    {"@example.com", -1, NULL, NULL, NULL},
    {"alice@", -1, NULL, NULL, NULL},
    {"@", -1, NULL, NULL, NULL},
    /* The last '@' splits, so the local part "a@b" contains an '@'. */
    {"a@b@example.com", -1, NULL, NULL, NULL},
    {"alice@example.com@", -1, NULL, NULL, NULL},
    {".alice@example.com", -1, NULL, NULL, NULL},
    {"alice.@example.com", -1, NULL, NULL, NULL},
    {"al..ice@example.com", -1, NULL, NULL, NULL},
    {".@example.com", -1, NULL, NULL, NULL},
    {"al ice@example.com", -1, NULL, NULL, NULL},
    {" alice@example.com", -1, NULL, NULL, NULL},
    {"alice@example.com ", -1, NULL, NULL, NULL},
    {"\"alice\"@example.com", -1, NULL, NULL, NULL},
    {"\"a b\"@example.com", -1, NULL, NULL, NULL},
    {"<alice@example.com>", -1, NULL, NULL, NULL},
    {"<script>@example.com", -1, NULL, NULL, NULL},
    {"a(b)@example.com", -1, NULL, NULL, NULL},
    {"a,b@example.com", -1, NULL, NULL, NULL},
    {"a;b@example.com", -1, NULL, NULL, NULL},
    {"a:b@example.com", -1, NULL, NULL, NULL},
    {"a\\b@example.com", -1, NULL, NULL, NULL},
    {"a[b]@example.com", -1, NULL, NULL, NULL},
    {"a\x01@example.com", -1, NULL, NULL, NULL},
    {"a\n@example.com", -1, NULL, NULL, NULL},
    {"a\t@example.com", -1, NULL, NULL, NULL},
    {"a\x7f@example.com", -1, NULL, NULL, NULL},
    {"alice@exa\nmple.com", -1, NULL, NULL, NULL},
    /* Invalid UTF-8: a lone continuation byte, a truncated sequence,
       overlong forms, a surrogate, past U+10FFFF, bytes never used. */
    {"\x80@example.com", -1, NULL, NULL, NULL},
    {"a\xbf@example.com", -1, NULL, NULL, NULL},
    {"\xc3@example.com", -1, NULL, NULL, NULL},
    {"\xc3x@example.com", -1, NULL, NULL, NULL},
    {"\xe7\x94@example.com", -1, NULL, NULL, NULL},
    {"\xf0\x9f\x98@example.com", -1, NULL, NULL, NULL},
    {"\xc0\xaf@example.com", -1, NULL, NULL, NULL},
    {"\xc1\xbf@example.com", -1, NULL, NULL, NULL},
    {"\xe0\x80\xaf@example.com", -1, NULL, NULL, NULL},
    {"\xe0\x9f\xbf@example.com", -1, NULL, NULL, NULL},
    {"\xf0\x80\x80\xaf@example.com", -1, NULL, NULL, NULL},
    {"\xf0\x8f\xbf\xbf@example.com", -1, NULL, NULL, NULL},
    {"\xed\xa0\x80@example.com", -1, NULL, NULL, NULL},
    {"\xed\xbf\xbf@example.com", -1, NULL, NULL, NULL},
    {"\xf4\x90\x80\x80@example.com", -1, NULL, NULL, NULL},
    {"\xf5\x80\x80\x80@example.com", -1, NULL, NULL, NULL},
    {"\xfe@example.com", -1, NULL, NULL, NULL},
    {"\xff@example.com", -1, NULL, NULL, NULL},
    /* The domain follows address_normalize_domain. */
    {"a@-example.com", -1, NULL, NULL, NULL},
    {"a@example-.com", -1, NULL, NULL, NULL},
    {"a@example.-com", -1, NULL, NULL, NULL},
    {"a@example.com-", -1, NULL, NULL, NULL},
    {"a@.example.com", -1, NULL, NULL, NULL},
    {"a@example..com", -1, NULL, NULL, NULL},
    {"a@example.com..", -1, NULL, NULL, NULL},
    {"a@.", -1, NULL, NULL, NULL},
    {"a@exa_mple.com", -1, NULL, NULL, NULL},
    {"a@ex ample.com", -1, NULL, NULL, NULL},
    {"a@[192.0.2.1]", -1, NULL, NULL, NULL},
    /* A domain with non-ASCII letters is stored as A-labels. */
    {"a@ex\xc3\xa4mple.com", 0, "a@xn--exmple-cua.com", "a",
     "xn--exmple-cua.com"},
    {"J\xc3\xb6rg@B\xc3\x9c"
     "CHER.example",
     0, "J\xc3\xb6rg@xn--bcher-kva.example", "J\xc3\xb6rg",
     "xn--bcher-kva.example"},
    {"a@b\xff.example", -1, NULL, NULL, NULL},
    {"a@b\xc3.example", -1, NULL, NULL, NULL},
};

static void
test_parse_table(void)
{
    size_t i;

    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct address address;
        int rc;

        check_case("address_parse case %zu \"%s\"", i, c->input);
        memset(&address, 0, sizeof(address));
        rc = address_parse(c->input, strlen(c->input), &address);
        if (!CHECK_INT(rc, c->expected_rc) || rc == -1)
            continue;
        CHECK_STR(address.full, c->full);
        CHECK_STR(address.local, c->local);
        CHECK_STR(address.domain, c->domain);
    }
}

/* Writes n copies of c into out and a NUL after them. */
static char *
repeat(char *out, char c, size_t n)
{
    memset(out, c, n);
    out[n] = '\0';
    return out;
}

/*
 * Writes a DNS name of exactly len bytes into out: labels of 63 'd's
 * separated by dots, the last label shorter.
 */
static char *
make_domain(char *out, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        out[i] = i % 64 == 63 ? '.' : 'd';
    out[len] = '\0';
    return out;
}

static void
check_parse(const char *local, const char *domain, int expected_rc)
{
    char text[1024];
    struct address address;
    int rc;

    snprintf(text, sizeof(text), "%s@%s", local, domain);
    check_case("address_parse local %zu bytes, domain %zu bytes, total %zu",
               strlen(local), strlen(domain), strlen(text));
    rc = address_parse(text, strlen(text), &address);
    if (!CHECK_INT(rc, expected_rc) || rc == -1)
        return;
    CHECK_STR(address.full, text);
    CHECK_STR(address.local, local);
    CHECK_STR(address.domain, domain);
}

static void
test_parse_lengths(void)
{
    char local[300], domain[300], label[80];

    check_parse(repeat(local, 'l', 64), "example.com", 0);
    check_parse(repeat(local, 'l', 65), "example.com", -1);
    /* A 64-byte local part of 2-byte UTF-8 letters is 32 letters. */
    local[0] = '\0';
    while (strlen(local) < 64)
        strcat(local, "\xc3\xa9");
    check_parse(local, "example.com", 0);
    strcat(local, "a");
    check_parse(local, "example.com", -1);

    /* 64 + 1 + 189 = 254 bytes, the longest address; then 255. */
    check_parse(repeat(local, 'l', 64), make_domain(domain, 189), 0);
    check_parse(repeat(local, 'l', 64), make_domain(domain, 190), -1);
    check_parse("a", make_domain(domain, 252), 0);
    check_parse("a", make_domain(domain, 253), -1);

    repeat(label, 'd', 63);
    strcat(label, ".com");
    check_parse("a", label, 0);
    repeat(label, 'd', 64);
    strcat(label, ".com");
    check_parse("a", label, -1);
    snprintf(domain, sizeof(domain), "sub.%s.com", repeat(label, 'd', 64));
    check_parse("a", domain, -1);

    check_case("address_parse 64-byte local part and A-label growth");
    {
        struct address address;
        size_t i;

        /* Fourteen "bücher." labels and "de": 114 bytes, 198 as A-labels. */
        domain[0] = '\0';
        for (i = 0; i < 14; i++)
            strcat(domain, "b\xc3\xbc"
                           "cher.");
        strcat(domain, "de");
        snprintf(local, sizeof(local), "%s@%s", repeat(label, 'l', 50), domain);
        if (CHECK_INT(address_parse(local, strlen(local), &address), 0))
            CHECK_INT(strlen(address.domain), 198);
        /* 64 + 1 + 114 bytes as sent, 263 with A-labels. */
        snprintf(local, sizeof(local), "%s@%s", repeat(label, 'l', 64), domain);
        CHECK_INT(address_parse(local, strlen(local), &address), -1);
    }

    check_case("address_parse NUL byte inside the address");
    {
        struct address address;

        CHECK_INT(address_parse("al\0ice@example.com", 18, &address), -1);
        CHECK_INT(address_parse("alice@exam\0ple.com", 18, &address), -1);
    }
    check_case("address_parse takes len bytes only");
    {
        struct address address;

        CHECK_INT(address_parse("alice@example.comXYZ", 17, &address), 0);
        CHECK_STR(address.full, "alice@example.com");
    }
}

struct domain_case {
    const char *input;
    int expected_rc;
    const char *expected;
};

static const struct domain_case domain_cases[] = {
    {"example.com", 0, "example.com"},
    {"Example.COM", 0, "example.com"},
    {"EXAMPLE.COM.", 0, "example.com"},
    {"localhost", 0, "localhost"},
    {"a", 0, "a"},
    {"1.2.3.4", 0, "1.2.3.4"},
    {"a-b.c--d.example", 0, "a-b.c--d.example"},
    {"xn--bcher-kva.example", 0, "xn--bcher-kva.example"},
    {"", -1, NULL},
    {".", -1, NULL},
    {"..", -1, NULL},
    {".example.com", -1, NULL},
    {"example..com", -1, NULL},
    {"example.com..", -1, NULL},
    {"-example.com", -1, NULL},
    {"example-.com", -1, NULL},
    {"example.-com", -1, NULL},
    {"example.com-", -1, NULL},
    {"example.com-.", -1, NULL},
    {"-", -1, NULL},
    {"exa_mple.com", -1, NULL},
    {"exa mple.com", -1, NULL},
    {"example.com:443", -1, NULL},
    /* Names with non-ASCII letters become A-labels. */
    {"ex\xc3\xa4mple.com", 0, "xn--exmple-cua.com"},
    {"B\xc3\xbc"
     "cher.Example.",
     0, "xn--bcher-kva.example"},
    {"b\xff.example", -1, NULL},
    {"b\xc3\xbc"
     "cher..example",
     -1, NULL},
    {"[::1]", -1, NULL},
    {"*.example.com", -1, NULL},
};

static void
test_normalize_domain(void)
{
    char out[ADDRESS_DOMAIN_MAX + 1], name[300];
    size_t i;

    for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
        const struct domain_case *c = &domain_cases[i];
        int rc;

        check_case("address_normalize_domain \"%s\"", c->input);
        rc = address_normalize_domain(c->input, strlen(c->input), out);
        if (CHECK_INT(rc, c->expected_rc) && rc == 0)
            CHECK_STR(out, c->expected);
    }

    check_case("address_normalize_domain 253 bytes");
    make_domain(name, 253);
    CHECK_INT(address_normalize_domain(name, 253, out), 0);
    CHECK_STR(out, name);
    check_case("address_normalize_domain 253 bytes and the root dot");
    strcat(name, ".");
    CHECK_INT(address_normalize_domain(name, 254, out), 0);
    CHECK_INT(strlen(out), 253);
    check_case("address_normalize_domain 254 bytes");
    make_domain(name, 254);
    CHECK_INT(address_normalize_domain(name, 254, out), -1);
    check_case("address_normalize_domain labels of 63 and 64 bytes");
    snprintf(name, sizeof(name), "%s.example", repeat(out, 'd', 63));
    CHECK_INT(address_normalize_domain(name, strlen(name), out), 0);
    snprintf(name, sizeof(name), "example.%s", repeat(out, 'd', 64));
    CHECK_INT(address_normalize_domain(name, strlen(name), out), -1);
    check_case("address_normalize_domain takes len bytes only");
    CHECK_INT(address_normalize_domain("Example.comXYZ", 11, out), 0);
    CHECK_STR(out, "example.com");
}

struct host_case {
    const char *host;
    const char *prefix;
    int expected_rc;
    const char *expected;
};

static const struct host_case host_cases[] = {
    {"example.com", "autoconfig.", 0, "example.com"},
    {"Example.COM", "autoconfig.", 0, "example.com"},
    {"example.com:443", "autoconfig.", 0, "example.com"},
    {"example.com:8443", NULL, 0, "example.com"},
    {"autoconfig.example.com", "autoconfig.", 0, "example.com"},
    {"AutoConfig.Example.COM", "autoconfig.", 0, "example.com"},
    {"AUTOCONFIG.EXAMPLE.COM:443", "autoconfig.", 0, "example.com"},
    {"autoconfig.example.com.", "autoconfig.", 0, "example.com"},
    {"autodiscover.example.com", "autodiscover.", 0, "example.com"},
    /* Only the named prefix, only once, and only a whole label. */
    {"autodiscover.example.com", "autoconfig.", 0, "autodiscover.example.com"},
    {"autoconfig.autoconfig.example.com", "autoconfig.", 0,
     "autoconfig.example.com"},
    {"autoconfigexample.com", "autoconfig.", 0, "autoconfigexample.com"},
    {"autoconfig.example.com", NULL, 0, "autoconfig.example.com"},
    {"autoconfig.example.com", "", 0, "autoconfig.example.com"},
    /* A host that is the prefix alone keeps it: "autoconfig." is the
       single-label name "autoconfig". */
    {"autoconfig.", "autoconfig.", 0, "autoconfig"},
    {"autoconfig", "autoconfig.", 0, "autoconfig"},
    {"autoconfig..", "autoconfig.", -1, NULL},
    {"autoconfig.:443", "autoconfig.", 0, "autoconfig"},
    {"example.com:", "autoconfig.", 0, "example.com"},
    {"", "autoconfig.", -1, NULL},
    {":443", "autoconfig.", -1, NULL},
    {"[::1]", "autoconfig.", -1, NULL},
    {"[::1]:443", "autoconfig.", -1, NULL},
    {"[2001:db8::1]:8080", "autoconfig.", -1, NULL},
    {"::1", "autoconfig.", -1, NULL},
    {"example.com:https", "autoconfig.", -1, NULL},
    {"example.com:44x", "autoconfig.", -1, NULL},
    {"example.com:-1", "autoconfig.", -1, NULL},
    {"example.com: 443", "autoconfig.", -1, NULL},
    {"example.com:443:443", "autoconfig.", -1, NULL},
    {"user@example.com", "autoconfig.", -1, NULL},
    {"example.com/x", "autoconfig.", -1, NULL},
    {"exa mple.com", "autoconfig.", -1, NULL},
    {"<script>.example.com", "autoconfig.", -1, NULL},
    {"autoconfig.-example.com", "autoconfig.", -1, NULL},
    {"autoconfig.b\xc3\xbc"
     "cher.example:443",
     "autoconfig.", 0, "xn--bcher-kva.example"},
};

static void
test_domain_from_host(void)
{
    char out[ADDRESS_DOMAIN_MAX + 1];
    size_t i;

    for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
        const struct host_case *c = &host_cases[i];
        int rc;

        check_case("address_domain_from_host \"%s\" prefix=%s", c->host,
                   c->prefix == NULL ? "NULL" : c->prefix);
        rc = address_domain_from_host(c->host, c->prefix, out);
        if (CHECK_INT(rc, c->expected_rc) && rc == 0)
            CHECK_STR(out, c->expected);
    }
    check_case("address_domain_from_host NULL host");
    CHECK_INT(address_domain_from_host(NULL, "autoconfig.", out), -1);
}

struct placeholder_case {
    const char *address;
    int expected;
};

static const struct placeholder_case placeholder_cases[] = {
    {"EVOLUTIONUSER@example.com", 1},  {"%EMAILLOCALPART%@example.com", 1},
    {"evolutionuser@example.com", 0},  {"EVOLUTIONUSER2@example.com", 0},
    {"%EMAILADDRESS%@example.com", 0}, {"%emaillocalpart%@example.com", 0},
    {"alice@example.com", 0},
};

static void
test_is_placeholder(void)
{
    size_t i;

    for (i = 0; i < sizeof(placeholder_cases) / sizeof(placeholder_cases[0]);
         i++) {
        const struct placeholder_case *c = &placeholder_cases[i];
        struct address address;

        check_case("address_is_placeholder \"%s\"", c->address);
        if (!CHECK_INT(address_parse(c->address, strlen(c->address), &address),
                       0))
            continue;
        CHECK_INT(address_is_placeholder(&address) != 0, c->expected);
    }
}

static void
test_is_numeric(void)
{
    static const struct {
        const char *name;
        int expected;
    } cases[] = {
        {"192.0.2.1", 1},
        {"192.0.2.1.", 1},
        {"10", 1},
        {"mail.example.com", 0},
        {"mail.example.com.", 0},
        {"mail.example.c0m", 0},
        {"1.2.3.x", 0},
        {"", 0},
        {".", 0},
        {"example.123", 1},
        {"123.example", 0},
        {"mail.%EMAILDOMAIN%", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case("address_is_numeric \"%s\"", cases[i].name);
        CHECK_INT(address_is_numeric(cases[i].name) != 0, cases[i].expected);
    }
}

int
main(void)
{
    test_parse_table();
    test_parse_lengths();
    test_normalize_domain();
    test_domain_from_host();
    test_is_placeholder();
    test_is_numeric();
    return check_summary("test_address");
}
