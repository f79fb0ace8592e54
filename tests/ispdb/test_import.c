/*
 * Tests for import_parse (clientConfig to provider file), for
 * internationalized domains in addresses and provider files, and for the
 * autoconfig documents sent to placeholder probes such as Evolution's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "address.h"
#include "check.h"
#include "http.h"
#include "import.h"
#include "memory.h"
#include "provider.h"
#include "service.h"

#define HEAD "<?xml version=\"1.0\"?>\n<clientConfig version=\"1.1\">\n"
#define TAIL "</clientConfig>\n"
#define PROVIDER_START "<emailProvider id=\"example.com\">\n"
#define DOMAIN "<domain>example.com</domain>\n"
#define IMAP                                                                   \
    "<incomingServer type=\"imap\"><hostname>imap.example.com</hostname>"      \
    "<port>993</port><socketType>SSL</socketType>"                             \
    "<username>%EMAILADDRESS%</username>"                                      \
    "<authentication>password-cleartext</authentication>"                      \
    "</incomingServer>\n"
#define SMTP                                                                   \
    "<outgoingServer type=\"smtp\"><hostname>smtp.example.com</hostname>"      \
    "<port>465</port><socketType>SSL</socketType>"                             \
    "<username>%EMAILADDRESS%</username>"                                      \
    "<authentication>password-cleartext</authentication>"                      \
    "</outgoingServer>\n"
#define IMAP_JSON                                                              \
    "{\"type\": \"imap\", \"hostname\": \"imap.example.com\", \"port\": 993, " \
    "\"socket_type\": \"SSL\", \"username\": \"%EMAILADDRESS%\", "             \
    "\"authentication\": [\"password-cleartext\"]}"
#define SMTP_JSON                                                              \
    "{\"type\": \"smtp\", \"hostname\": \"smtp.example.com\", \"port\": 465, " \
    "\"socket_type\": \"SSL\", \"username\": \"%EMAILADDRESS%\", "             \
    "\"authentication\": [\"password-cleartext\"]}"
/* A document with these parts around the emailProvider children. */
#define DOCUMENT(children, after)                                              \
    HEAD PROVIDER_START DOMAIN IMAP children SMTP                              \
        "</emailProvider>\n" after TAIL
#define PROVIDER_JSON(members, incoming)                                       \
    "{\"id\": \"example.com\", \"domains\": [\"example.com\"], "               \
    "\"incoming\": [" IMAP_JSON incoming "], \"outgoing\": [" SMTP_JSON        \
    "]" members "}"

struct import_case {
    const char *name;
    const char *xml;
    int expected_rc; /* warnings, or -1 */
    /* The provider for rc >= 0, as JSON; otherwise a part of err. */
    const char *expected;
    const char *warning; /* a part of the warnings, or NULL */
};

static const struct import_case import_cases[] = {
    {"minimal document", DOCUMENT("", ""), 0, PROVIDER_JSON("", ""), NULL},
    {"names and several domains",
     DOCUMENT("<domain>example.net</domain>"
              "<displayName>Example &amp; Co</displayName>"
              "<displayShortName>Example</displayShortName>",
              ""),
     0,
     "{\"id\": \"example.com\", \"display_name\": \"Example & Co\", "
     "\"display_short_name\": \"Example\", "
     "\"domains\": [\"example.com\", \"example.net\"], "
     "\"list_all_domains\": true, \"incoming\": [" IMAP_JSON "], "
     "\"outgoing\": [" SMTP_JSON "]}",
     NULL},
    {"pop3 options",
     DOCUMENT("<incomingServer type=\"pop3\"><hostname>pop.example.com"
              "</hostname><port>995</port><socketType>SSL</socketType>"
              "<username>%EMAILLOCALPART%</username>"
              "<authentication>password-encrypted</authentication>"
              "<pop3><leaveMessagesOnServer>false</leaveMessagesOnServer>"
              "<downloadOnBiff>true</downloadOnBiff>"
              "<daysToLeaveMessagesOnServer>14"
              "</daysToLeaveMessagesOnServer>"
              "<checkInterval minutes=\"15\"/></pop3>"
              "</incomingServer>",
              ""),
     0,
     PROVIDER_JSON("",
                   ", {\"type\": \"pop3\", \"hostname\": \"pop.example.com\", "
                   "\"port\": 995, \"socket_type\": \"SSL\", "
                   "\"username\": \"%EMAILLOCALPART%\", "
                   "\"authentication\": [\"password-encrypted\"], "
                   "\"pop3\": {\"leave_messages_on_server\": false, "
                   "\"download_on_biff\": true, "
                   "\"days_to_leave_messages_on_server\": 14, "
                   "\"check_interval_minutes\": 15}}"),
     NULL},
    {"exchange and URL types",
     DOCUMENT("<incomingServer type=\"ews\"><username>%EMAILADDRESS%"
              "</username><authentication>OAuth2</authentication>"
              "<url>https://mail.example.com/ews/exchange.asmx</url>"
              "</incomingServer>"
              "<incomingServer type=\"exchange\"><hostname>mail.example.com"
              "</hostname><port>443</port><socketType>SSL</socketType>"
              "<username>%EMAILADDRESS%</username>"
              "<authentication>NTLM</authentication>"
              "<owaURL>https://mail.example.com/owa/</owaURL>"
              "<ewsURL>https://mail.example.com/ews/exchange.asmx</ewsURL>"
              "<easURL>https://mail.example.com/Microsoft-Server-ActiveSync"
              "</easURL>"
              "<useGlobalPreferredServer>true</useGlobalPreferredServer>"
              "</incomingServer>",
              ""),
     0,
     PROVIDER_JSON(
         "", ", {\"type\": \"ews\", \"username\": \"%EMAILADDRESS%\", "
             "\"authentication\": [\"OAuth2\"], "
             "\"url\": \"https://mail.example.com/ews/exchange.asmx\"}, "
             "{\"type\": \"exchange\", \"hostname\": \"mail.example.com\", "
             "\"port\": 443, \"socket_type\": \"SSL\", "
             "\"username\": \"%EMAILADDRESS%\", "
             "\"authentication\": [\"NTLM\"], "
             "\"owa_url\": \"https://mail.example.com/owa/\", "
             "\"ews_url\": \"https://mail.example.com/ews/exchange.asmx\", "
             "\"eas_url\": "
             "\"https://mail.example.com/Microsoft-Server-ActiveSync\", "
             "\"use_global_preferred_server\": true}"),
     NULL},
    {"documentation and enable",
     HEAD PROVIDER_START DOMAIN IMAP SMTP
     "<documentation url=\"https://example.com/help?a=1&amp;b=2\">\n"
     "  <descr lang=\"en\">How to\n     set up</descr>\n"
     "  <descr>Ohne Sprache</descr>\n"
     "</documentation>\n"
     "<documentation url=\"https://example.com/faq\"/>\n"
     "<enable visiturl=\"https://example.com/settings\">"
     "<instruction lang=\"de\">Einschalten</instruction></enable>\n"
     "</emailProvider>\n" TAIL,
     0,
     PROVIDER_JSON(
         ", \"documentation\": [{\"url\": "
         "\"https://example.com/help?a=1&b=2\", "
         "\"descriptions\": [{\"text\": \"How to set up\", \"lang\": \"en\"}, "
         "{\"text\": \"Ohne Sprache\"}]}, "
         "{\"url\": \"https://example.com/faq\"}], "
         "\"enable\": {\"visit_url\": \"https://example.com/settings\", "
         "\"instructions\": [{\"text\": \"Einschalten\", \"lang\": \"de\"}]}",
         ""),
     NULL},
    {"webmail and oauth2",
     DOCUMENT("", "<oAuth2><issuer>accounts.example.com</issuer>"
                  "<scope>mail offline</scope>"
                  "<authURL>https://accounts.example.com/auth</authURL>"
                  "<tokenURL>https://accounts.example.com/token</tokenURL>"
                  "</oAuth2>\n"
                  "<webMail><loginPage url=\"https://webmail.example.com/\"/>"
                  "<loginPageInfo url=\"https://webmail.example.com/login\">"
                  "<username>%EMAILADDRESS%</username>"
                  "<usernameField id=\"user\" name=\"u\"/>"
                  "<passwordField name=\"p\"/><loginButton/>"
                  "</loginPageInfo></webMail>\n"),
     0,
     PROVIDER_JSON(
         ", \"webmail\": {\"login_page\": \"https://webmail.example.com/\", "
         "\"login_page_info\": {\"url\": "
         "\"https://webmail.example.com/login\", "
         "\"username\": \"%EMAILADDRESS%\", "
         "\"username_field\": {\"id\": \"user\", \"name\": \"u\"}, "
         "\"password_field\": {\"name\": \"p\"}, \"login_button\": {}}}, "
         "\"oauth2\": {\"issuer\": \"accounts.example.com\", "
         "\"scope\": \"mail offline\", "
         "\"auth_url\": \"https://accounts.example.com/auth\", "
         "\"token_url\": \"https://accounts.example.com/token\"}",
         ""),
     NULL},
    {"unknown element named with its line",
     HEAD PROVIDER_START DOMAIN
     "<displayNameShort>X</displayNameShort>\n" IMAP SMTP
     "</emailProvider>\n" TAIL,
     1, PROVIDER_JSON("", ""),
     "t.xml:5: warning: unknown element 'displayNameShort' in emailProvider\n"},
    {"unknown attribute",
     DOCUMENT("", "<webMail><loginPageInfo url=\"https://w.example.com/\" "
                  "wait=\"x\"/></webMail>\n"),
     1,
     PROVIDER_JSON(", \"webmail\": {\"login_page_info\": "
                   "{\"url\": \"https://w.example.com/\"}}",
                   ""),
     "t.xml:8: warning: unknown attribute 'wait' in loginPageInfo\n"},
    {"enable in clientConfig",
     DOCUMENT("", "<enable visiturl=\"https://example.com/on\"/>\n"), 1,
     PROVIDER_JSON(", \"enable\": {\"visit_url\": \"https://example.com/on\"}",
                   ""),
     "t.xml:8: warning: element 'enable' belongs in emailProvider"},
    {"placeholder without closing percent",
     DOCUMENT("<incomingServer type=\"graph\"><username>%EMAILADDRESS"
              "</username><authentication>OAuth2</authentication>"
              "<url>https://graph.example.com/</url></incomingServer>",
              ""),
     1,
     PROVIDER_JSON("", ", {\"type\": \"graph\", "
                       "\"username\": \"%EMAILADDRESS%\", "
                       "\"authentication\": [\"OAuth2\"], "
                       "\"url\": \"https://graph.example.com/\"}"),
     "lacks its closing '%'; imported as '%EMAILADDRESS%'"},
    {"domain listed twice", DOCUMENT(DOMAIN, ""), 1, PROVIDER_JSON("", ""),
     "t.xml:6: warning: domain 'example.com' listed twice; imported once\n"},
    {"old method name and repeated method",
     DOCUMENT("<incomingServer type=\"imap\"><hostname>imap.example.com"
              "</hostname><port>143</port><socketType>STARTTLS</socketType>"
              "<username>%EMAILADDRESS%</username>"
              "<authentication>plain</authentication>"
              "<authentication>password-cleartext</authentication>"
              "<authentication>kerberos</authentication>"
              "</incomingServer>",
              ""),
     3,
     PROVIDER_JSON("", ", {\"type\": \"imap\", \"hostname\": "
                       "\"imap.example.com\", \"port\": 143, "
                       "\"socket_type\": \"STARTTLS\", "
                       "\"username\": \"%EMAILADDRESS%\", "
                       "\"authentication\": [\"password-cleartext\"]}"),
     "unknown authentication method 'kerberos'; skipped"},
    {"hostname with a final dot",
     DOCUMENT("<incomingServer type=\"imap\"><hostname>i.example.com."
              "</hostname><port>993</port><socketType>SSL</socketType>"
              "<username>%EMAILADDRESS%</username>"
              "<authentication>password-cleartext</authentication>"
              "</incomingServer>",
              ""),
     1,
     PROVIDER_JSON("", ", {\"type\": \"imap\", \"hostname\": "
                       "\"i.example.com\", \"port\": 993, "
                       "\"socket_type\": \"SSL\", "
                       "\"username\": \"%EMAILADDRESS%\", "
                       "\"authentication\": [\"password-cleartext\"]}"),
     "t.xml:6: warning: hostname 'i.example.com.' ends with a dot; imported "
     "as 'i.example.com'\n"},
    {"unsupported server type",
     DOCUMENT("<incomingServer type=\"nntp\"><hostname>news.example.com"
              "</hostname></incomingServer>",
              ""),
     1, PROVIDER_JSON("", ""),
     "incomingServer of type 'nntp' is not supported; skipped"},
    {"element of another server type",
     DOCUMENT("<incomingServer type=\"imap\"><hostname>i.example.com"
              "</hostname><port>993</port><socketType>SSL</socketType>"
              "<username>%EMAILADDRESS%</username>"
              "<authentication>password-cleartext</authentication>"
              "<pop3><downloadOnBiff>true</downloadOnBiff></pop3>"
              "</incomingServer>",
              ""),
     1,
     PROVIDER_JSON("", ", {\"type\": \"imap\", \"hostname\": "
                       "\"i.example.com\", \"port\": 993, "
                       "\"socket_type\": \"SSL\", "
                       "\"username\": \"%EMAILADDRESS%\", "
                       "\"authentication\": [\"password-cleartext\"]}"),
     "element 'pop3' does not apply to type 'imap'; skipped"},
    {"short name too long",
     DOCUMENT("<displayShortName>An Overly Long Short Name</displayShortName>",
              ""),
     1, PROVIDER_JSON("", ""), "is longer than 20 characters; skipped"},
    {"DOCTYPE", "<?xml version=\"1.0\"?>\n<!DOCTYPE clientConfig>\n" HEAD TAIL,
     -1, "t.xml:2: a DOCTYPE is not allowed", NULL},
    {"entity expansion",
     "<!DOCTYPE c [<!ENTITY a \"aaaa\">]><clientConfig>&a;</clientConfig>", -1,
     "DOCTYPE is not allowed", NULL},
    {"other root element", "<Autodiscover/>", -1,
     "t.xml: not a clientConfig document: the root element is 'Autodiscover'",
     NULL},
    {"no emailProvider", HEAD TAIL, -1,
     "t.xml: not a clientConfig document: no emailProvider element", NULL},
    {"not well-formed", HEAD "<emailProvider>", -1, "t.xml:3:15: invalid XML",
     NULL},
    {"empty file", "", -1, "invalid XML", NULL},
};

static void
test_import_cases(void)
{
    size_t i;

    for (i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
        const struct import_case *c = &import_cases[i];
        char err[512] = "", *warnings = NULL;
        size_t warnings_len = 0;
        FILE *stream = open_memstream(&warnings, &warnings_len);
        json_t *provider = NULL, *expected;
        int rc;

        check_case("%s", c->name);
        if (!CHECK(stream != NULL))
            continue;
        rc = import_parse("t.xml", c->xml, strlen(c->xml), stream, &provider,
                          err, sizeof(err));
        fclose(stream);
        CHECK_INT(rc, c->expected_rc);
        if (c->expected_rc == -1) {
            CHECK_CONTAINS(err, c->expected);
        } else if (rc >= 0) {
            char *actual = json_dumps(provider, JSON_SORT_KEYS);

            expected = json_loads(c->expected, 0, NULL);
            CHECK(expected != NULL);
            if (!CHECK(json_equal(provider, expected)))
                fprintf(stderr, "  imported: %s\n", actual);
            free(actual);
            json_decref(expected);
            json_decref(provider);
        }
        if (c->warning != NULL)
            CHECK_CONTAINS(warnings, c->warning);
        else
            CHECK_STR(warnings, "");
        free(warnings);
    }
}

/* The importer's output loads: the provider file accepts every key. */
static void
test_imported_provider_loads(void)
{
    const struct import_case *c = &import_cases[0];
    size_t i;

    for (i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
        char err[512] = "", *text;
        FILE *sink = fopen("/dev/null", "w");
        struct provider_set *set = NULL;
        json_t *provider, *root;

        c = &import_cases[i];
        if (c->expected_rc == -1 || sink == NULL) {
            if (sink != NULL)
                fclose(sink);
            continue;
        }
        check_case("%s loads", c->name);
        import_parse("t.xml", c->xml, strlen(c->xml), sink, &provider, err,
                     sizeof(err));
        fclose(sink);
        root = json_pack("{s:[o]}", "providers", provider);
        text = json_dumps(root, 0);
        CHECK_INT(provider_parse("t.json", text, strlen(text), &set, err,
                                 sizeof(err)),
                  0);
        CHECK_STR(err, "");
        provider_set_free(set);
        free(text);
        json_decref(root);
    }
}

struct domain_case {
    const char *input;
    int expected_rc;
    const char *expected;
};

static const struct domain_case domain_cases[] = {
    {"b\xc3\xbc"
     "cher.example",
     0, "xn--bcher-kva.example"},
    /* UTS #46 maps capital letters before the conversion. */
    {"B\xc3\x9c"
     "CHER.Example.",
     0, "xn--bcher-kva.example"},
    {"\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.\xd1\x80\xd1\x84", 0,
     "xn--e1afmkfd.xn--p1ai"},
    {"xn--bcher-kva.example", 0, "xn--bcher-kva.example"},
    {"m\xc3\xbcnchen", 0, "xn--mnchen-3ya"},
    /* Invalid UTF-8 and a symbol that IDNA2008 forbids. */
    {"a\xff.example", -1, NULL},
    {"\xe2\x98\x83.example", -1, NULL},
    {"b\xc3\xbc"
     "cher..example",
     -1, NULL},
};

static void
test_idn_domains(void)
{
    size_t i;

    for (i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
        const struct domain_case *c = &domain_cases[i];
        char out[ADDRESS_DOMAIN_MAX + 1] = "";

        check_case("domain %zu", i);
        CHECK_INT(address_normalize_domain(c->input, strlen(c->input), out),
                  c->expected_rc);
        if (c->expected_rc == 0)
            CHECK_STR(out, c->expected);
    }
}

static void
test_idn_addresses(void)
{
    struct address address;
    const char *text = "j\xc3\xb6rg@B\xc3\xbc"
                       "cher.example";

    check_case("address with U-labels");
    CHECK_INT(address_parse(text, strlen(text), &address), 0);
    CHECK_STR(address.domain, "xn--bcher-kva.example");
    CHECK_STR(address.full, "j\xc3\xb6rg@xn--bcher-kva.example");
    CHECK_STR(address.local, "j\xc3\xb6rg");

    /* 60 letters of two bytes each: the A-label no longer fits 254. */
    check_case("address too long as A-labels");
    {
        char long_address[ADDRESS_MAX + 1] = "a@";
        size_t i;

        for (i = 0; i < 60; i++)
            strcat(long_address, "\xc3\xbc");
        strcat(long_address, ".example");
        CHECK_INT(address_parse(long_address, strlen(long_address), &address),
                  -1);
    }
}

static void
test_placeholder_probes(void)
{
    static const struct {
        const char *address;
        int placeholder;
    } cases[] = {
        {"EVOLUTIONUSER@example.com", 1},  {"%EMAILLOCALPART%@example.com", 1},
        {"evolutionuser@example.com", 0},  {"EVOLUTIONUSER2@example.com", 0},
        {"%EMAILADDRESS%@example.com", 0}, {"alice@example.com", 0},
    };
    struct address address;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case("probe %s", cases[i].address);
        CHECK_INT(
            address_parse(cases[i].address, strlen(cases[i].address), &address),
            0);
        CHECK_INT(address_is_placeholder(&address), cases[i].placeholder);
    }
}

static const char provider_text[] =
    "{\"providers\": [{\"id\": \"B\xc3\xbc"
    "cher.Example\", \"domains\": [\"b\xc3\xbc"
    "cher.example\", \"example.org\"], "
    "\"aliases\": {\"\xc3\xa4lias.example\": \"example.org\"}, "
    "\"list_all_domains\": true, "
    "\"incoming\": [{\"type\": \"imap\", \"hostname\": \"imap.%EMAILDOMAIN%\", "
    "\"socket_type\": \"SSL\"}], "
    "\"outgoing\": [{\"hostname\": \"smtp.example.org\", "
    "\"socket_type\": \"SSL\"}]}, "
    "{\"domains\": [\"exchange.example\"], \"incoming\": ["
    "{\"type\": \"ews\", \"url\": \"https://mail.exchange.example/ews\"}, "
    "{\"type\": \"exchange\", \"hostname\": \"mail.exchange.example\", "
    "\"socket_type\": \"SSL\"}, "
    "{\"type\": \"pop3\", \"hostname\": \"pop.exchange.example\", "
    "\"socket_type\": \"SSL\"}], "
    "\"outgoing\": [{\"hostname\": \"smtp.exchange.example\", "
    "\"socket_type\": \"SSL\"}]}]}";

static void
test_idn_provider_file(void)
{
    struct provider_set *set = NULL;
    const json_t *provider;
    char err[512] = "";

    check_case("provider file with U-labels");
    if (!CHECK_INT(provider_parse("p.json", provider_text,
                                  strlen(provider_text), &set, err,
                                  sizeof(err)),
                   0)) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    provider = provider_find(set, "xn--bcher-kva.example");
    CHECK(provider != NULL);
    CHECK(provider_find(set, "xn--lias-koa.example") == provider);
    CHECK_STR(provider_alias_target(set, "xn--lias-koa.example"),
              "example.org");
    CHECK_STR(json_string_value(json_object_get(provider, "provider_id")),
              "xn--bcher-kva.example");
    CHECK_INT(json_array_size(json_object_get(provider, "domains")), 3);
    CHECK_STR(json_string_value(
                  json_array_get(json_object_get(provider, "domains"), 2)),
              "xn--lias-koa.example");
    provider_set_free(set);
}

/* Sends a GET for target to svc; returns the status, body in out. */
static int
get(const struct service *svc, const char *target, const char *host,
    struct buffer *out)
{
    struct http_request req;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.target = target;
    req.host = host;
    req.body = out;
    http_handle(svc, &req);
    return req.status;
}

static void
test_autoconfig_answers(void)
{
    char dir[] = "/tmp/mailautoconf-import-XXXXXX", path[256], err[1024];
    struct service svc;
    struct buffer body;
    FILE *file;

    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    snprintf(path, sizeof(path), "%s/provider.json", dir);
    file = fopen(path, "w");
    if (!CHECK(file != NULL))
        return;
    fputs(provider_text, file);
    fclose(file);
    check_case("service");
    if (!CHECK_INT(service_load(&svc, path,
                                MAILAUTOCONF_SOURCE_DIR "/templates", err,
                                sizeof(err)),
                   0)) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    buffer_init(&body, HTTP_ANSWER_MAX);

    check_case("Evolution probe");
    CHECK_INT(get(&svc,
                  "/mail/config-v1.1.xml?emailaddress=EVOLUTIONUSER%40"
                  "example.org&emailmd5=0123456789abcdef0123456789abcdef",
                  "autoconfig.example.org", &body),
              200);
    CHECK_CONTAINS(body.data, "<username>%EMAILADDRESS%</username>");
    CHECK_CONTAINS(body.data, "<hostname>imap.example.org</hostname>");
    CHECK_LACKS(body.data, "EVOLUTIONUSER");

    check_case("local part placeholder probe");
    buffer_clear(&body);
    CHECK_INT(get(&svc,
                  "/mail/config-v1.1.xml?emailaddress=%25EMAILLOCALPART%25%40"
                  "example.org",
                  NULL, &body),
              200);
    CHECK_CONTAINS(body.data, "<username>%EMAILADDRESS%</username>");

    check_case("address with U-labels");
    buffer_clear(&body);
    CHECK_INT(get(&svc,
                  "/mail/config-v1.1.xml?emailaddress=alice%40b%C3%BCcher."
                  "example&unknown=1",
                  NULL, &body),
              200);
    CHECK_CONTAINS(body.data, "<emailProvider id=\"xn--bcher-kva.example\">");
    CHECK_CONTAINS(body.data, "<domain>xn--bcher-kva.example</domain>\n"
                              "    <domain>example.org</domain>\n"
                              "    <domain>xn--lias-koa.example</domain>");
    CHECK_CONTAINS(body.data,
                   "<hostname>imap.xn--bcher-kva.example</hostname>");
    CHECK_CONTAINS(body.data,
                   "<username>alice@xn--bcher-kva.example</username>");

    check_case("Host header with an A-label");
    buffer_clear(&body);
    CHECK_INT(get(&svc, "/mail/config-v1.1.xml",
                  "autoconfig.xn--bcher-kva.example", &body),
              200);
    CHECK_CONTAINS(body.data, "<username>%EMAILADDRESS%</username>");

    check_case("profile skips exchange servers");
    buffer_clear(&body);
    CHECK_INT(get(&svc, "/email.mobileconfig?emailaddress=a%40exchange.example",
                  NULL, &body),
              200);
    CHECK_CONTAINS(body.data, "<string>pop.exchange.example</string>");
    CHECK_CONTAINS(body.data, "EmailTypePOP");
    CHECK_LACKS(body.data, "mail.exchange.example");

    check_case("autodiscover skips exchange servers");
    buffer_clear(&body);
    CHECK_INT(get(&svc, "/autodiscover/autodiscover.xml",
                  "autodiscover.exchange.example", &body),
              200);
    CHECK_CONTAINS(body.data, "<Type>POP3</Type>");
    CHECK_CONTAINS(body.data, "<Type>SMTP</Type>");
    CHECK_LACKS(body.data, "EXCHANGE");
    CHECK_LACKS(body.data, "EWS");

    check_case("autoconfig lists every incoming type");
    buffer_clear(&body);
    CHECK_INT(get(&svc, "/mail/config-v1.1.xml", "autoconfig.exchange.example",
                  &body),
              200);
    CHECK_CONTAINS(body.data,
                   "<incomingServer type=\"ews\">\n"
                   "      <username>%EMAILADDRESS%</username>\n"
                   "      <authentication>password-cleartext</authentication>\n"
                   "      <url>https://mail.exchange.example/ews</url>\n"
                   "    </incomingServer>");
    CHECK_CONTAINS(body.data, "<port>443</port>");

    check_case("repeated emailaddress");
    buffer_clear(&body);
    CHECK_INT(get(&svc,
                  "/mail/config-v1.1.xml?emailaddress=a%40example.org&"
                  "emailaddress=b%40example.org",
                  NULL, &body),
              400);

    buffer_release(&body);
    service_release(&svc);
    remove(path);
    rmdir(dir);
}

/*
 * Makes each allocation of an import and of loading its result fail in
 * turn: every failure must return -1 with a message, never crash or
 * succeed with a part missing.
 */
static void
test_allocation_failures(void)
{
    const struct import_case *c = &import_cases[5]; /* webmail and oauth2 */
    char err[512], *warnings = NULL;
    size_t warnings_len = 0;
    long n;
    int rc = -1;

    check_case("allocation failures");
    for (n = 1; n < 100000 && rc == -1; n++) {
        FILE *stream = open_memstream(&warnings, &warnings_len);
        json_t *provider = NULL;

        if (stream == NULL)
            break;
        memory_fail_after(n, 1);
        rc = import_parse("t.xml", c->xml, strlen(c->xml), stream, &provider,
                          err, sizeof(err));
        memory_fail_after(0, 0);
        fclose(stream);
        free(warnings);
        warnings = NULL;
        if (rc == -1)
            CHECK_CONTAINS(err, "out of memory");
        json_decref(provider);
    }
    CHECK_INT(rc, 0);

    rc = -1;
    for (n = 1; n < 100000 && rc == -1; n++) {
        struct provider_set *set = NULL;

        memory_fail_after(n, 1);
        err[0] = '\0';
        rc = provider_parse("p.json", provider_text, strlen(provider_text),
                            &set, err, sizeof(err));
        memory_fail_after(0, 0);
        /* NOTE: jansson reports a failed allocation while parsing as
         * invalid JSON with an empty text, so only a message is checked. */
        if (rc == -1)
            CHECK(err[0] != '\0');
        provider_set_free(set);
    }
    CHECK_INT(rc, 0);
}

int
main(void)
{
    memory_init();
    test_import_cases();
    test_imported_provider_loads();
    test_idn_domains();
    test_idn_addresses();
    test_placeholder_probes();
    test_idn_provider_file();
    test_autoconfig_answers();
    test_allocation_failures();
    return check_summary("test_import");
}
