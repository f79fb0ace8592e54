/* Tests for url_decode, url_query_find and url_split. */
#include <string.h>

#include "check.h"
#include "url.h"

struct decode_case {
    const char *input;
    size_t out_size;
    long expected_len; /* -1 when the input must be rejected */
    const char *expected;
};

static const struct decode_case decode_cases[] = {
    {"alice%40example.com", 64, 17, "alice@example.com"},
    {"plain", 64, 5, "plain"},
    {"", 64, 0, ""},
    /* Decoded once only: the result of one escape is never decoded again. */
    {"%2540", 64, 3, "%40"},
    {"%252B", 64, 3, "%2B"},
    /* A plus is a plus, as mail clients send %2B for it anyway. */
    {"a+b%40example.com", 64, 15, "a+b@example.com"},
    {"a%2Bb", 64, 3, "a+b"},
    {"a%2bb", 64, 3, "a+b"},
    {"%C3%A9", 64, 2, "\xc3\xa9"},
    {"%7e%7E", 64, 2, "~~"},
    {"%", 64, -1, NULL},
    {"abc%", 64, -1, NULL},
    {"%4", 64, -1, NULL},
    {"abc%4", 64, -1, NULL},
    {"%zz", 64, -1, NULL},
    {"%4g", 64, -1, NULL},
    {"%g4", 64, -1, NULL},
    {"% 4", 64, -1, NULL},
    {"%00", 64, -1, NULL},
    {"a%00b", 64, -1, NULL},
    /* The output needs room for the terminating NUL. */
    {"abc", 4, 3, "abc"},
    {"abc", 3, -1, NULL},
    {"%41%42%43", 4, 3, "ABC"},
    {"%41%42%43", 3, -1, NULL},
    {"", 1, 0, ""},
    {"", 0, -1, NULL},
    {"a", 1, -1, NULL},
};

static void
test_decode(void)
{
    size_t i;

    for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const struct decode_case *c = &decode_cases[i];
        /* Bytes past out_size stay 'X', so that writes past it show. */
        char out[80];
        long len;

        check_case("url_decode \"%s\" out_size=%zu", c->input, c->out_size);
        memset(out, 'X', sizeof(out));
        out[sizeof(out) - 1] = '\0';
        len = url_decode(c->input, strlen(c->input), out, c->out_size);
        CHECK_INT(len, c->expected_len);
        if (c->expected != NULL && len == c->expected_len)
            CHECK_STR(out, c->expected);
        if (c->out_size < sizeof(out))
            CHECK_INT(out[c->out_size], 'X');
    }
    check_case("url_decode stops at len");
    {
        char out[16];

        CHECK_INT(url_decode("abc%41", 3, out, sizeof(out)), 3);
        CHECK_STR(out, "abc");
        /* An escape cut by len is malformed, whatever follows it. */
        CHECK_INT(url_decode("%41", 2, out, sizeof(out)), -1);
    }
}

struct query_case {
    const char *query;
    const char *name;
    int expected_count;
    const char *expected_value; /* the raw value of the first occurrence */
};

static const struct query_case query_cases[] = {
    {"emailaddress=a%40b.c", "emailaddress", 1, "a%40b.c"},
    {"x=1&emailaddress=a%40b.c&y=2", "emailaddress", 1, "a%40b.c"},
    {"EmailAddress=a", "emailaddress", 1, "a"},
    {"EMAILADDRESS=a", "emailaddress", 1, "a"},
    {"email=a", "Email", 1, "a"},
    {"emailaddress=a&emailaddress=b", "emailaddress", 2, "a"},
    {"emailaddress=a&EmailAddress=b&EMAILADDRESS=c", "emailaddress", 3, "a"},
    {"emailaddress=&emailaddress=b", "emailaddress", 2, ""},
    {"emailaddress=", "emailaddress", 1, ""},
    {"emailaddress", "emailaddress", 1, ""},
    {"emailaddress&x=1", "emailaddress", 1, ""},
    {"x=1&emailaddress", "emailaddress", 1, ""},
    {"a=b=c", "a", 1, "b=c"},
    /* A name that a longer name starts with, or ends with, is no match. */
    {"emailaddressx=a", "emailaddress", 0, NULL},
    {"emailaddressx", "emailaddress", 0, NULL},
    {"xemailaddress=a", "emailaddress", 0, NULL},
    {"emailaddressx=a&emailaddress=b", "emailaddress", 1, "b"},
    {"email=a&emailaddress=b", "emailaddress", 1, "b"},
    {"emailaddress=b&email=a", "email", 1, "a"},
    {"", "emailaddress", 0, NULL},
    {"&&", "emailaddress", 0, NULL},
    {"&emailaddress=a&", "emailaddress", 1, "a"},
    {"=a", "emailaddress", 0, NULL},
};

static void
test_query_find(void)
{
    size_t i;

    for (i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
        const struct query_case *c = &query_cases[i];
        const char *value = NULL;
        size_t value_len = 12345;
        char copy[64] = "";
        int count;

        check_case("url_query_find \"%s\" name=%s", c->query, c->name);
        count = url_query_find(c->query, c->name, &value, &value_len);
        CHECK_INT(count, c->expected_count);
        if (c->expected_value == NULL) {
            CHECK(value == NULL);
            continue;
        }
        if (!CHECK(value != NULL) || !CHECK(value_len < sizeof(copy)))
            continue;
        memcpy(copy, value, value_len);
        copy[value_len] = '\0';
        CHECK_STR(copy, c->expected_value);
    }
    check_case("url_query_find NULL query");
    {
        const char *value = NULL;
        size_t value_len = 0;

        CHECK_INT(url_query_find(NULL, "emailaddress", &value, &value_len), 0);
    }
}

struct split_case {
    const char *url;
    int expected_rc;
    int secure;
    const char *host;
    long port;
    const char *path;
};

static const struct split_case split_cases[] = {
    {"https://eas.example.com/Microsoft-Server-ActiveSync", 0, 1,
     "eas.example.com", 443, "/Microsoft-Server-ActiveSync"},
    {"http://dav.example.com", 0, 0, "dav.example.com", 80, "/"},
    {"https://dav.example.com:8443/x?y=1", 0, 1, "dav.example.com", 8443,
     "/x?y=1"},
    {"http://h:1/", 0, 0, "h", 1, "/"},
    {"http://h:65535/", 0, 0, "h", 65535, "/"},
    {"ftp://example.com/", -1, 0, NULL, 0, NULL},
    {"example.com", -1, 0, NULL, 0, NULL},
    {"https://", -1, 0, NULL, 0, NULL},
    {"https:///path", -1, 0, NULL, 0, NULL},
    {"https://:443/", -1, 0, NULL, 0, NULL},
    {"https://h:0/", -1, 0, NULL, 0, NULL},
    {"https://h:65536/", -1, 0, NULL, 0, NULL},
    {"https://h:/", -1, 0, NULL, 0, NULL},
    {"https://h:44x/", -1, 0, NULL, 0, NULL},
    /* A port is digits only (RFC 3986 3.2.3), without sign or space. */
    {"https://h:+443/", -1, 0, NULL, 0, NULL},
    {"https://h: 443/", -1, 0, NULL, 0, NULL},
    /* Userinfo is rejected, because logins belong in the username settings. */
    {"https://user@cal.example.com/", -1, 0, NULL, 0, NULL},
    {"https://user:secret@cal.example.com:8443/", -1, 0, NULL, 0, NULL},
    {"https://cal.example.com@evil.example/", -1, 0, NULL, 0, NULL},
    {"https://cal.example.com/users/alice@example.com/", 0, 1,
     "cal.example.com", 443, "/users/alice@example.com/"},
};

static void
test_split(void)
{
    size_t i;

    for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        const struct split_case *c = &split_cases[i];
        struct url_parts parts;
        int rc;

        check_case("url_split \"%s\"", c->url);
        rc = url_split(c->url, &parts);
        if (!CHECK_INT(rc, c->expected_rc) || rc == -1)
            continue;
        CHECK_INT(parts.secure, c->secure);
        CHECK_STR(parts.host, c->host);
        CHECK_INT(parts.port, c->port);
        CHECK_STR(parts.path, c->path);
    }
}

int
main(void)
{
    test_decode();
    test_query_find();
    test_split();
    return check_summary("test_url");
}
