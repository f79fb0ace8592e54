/*
 * Tests for provider_load: files written into a temporary folder, each
 * either loaded and inspected or rejected with an exact message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "memory.h"
#include "provider.h"

#define EXAMPLE_FILE MAILAUTOCONF_SOURCE_DIR "/examples/provider.json"

static char temp_dir[] = "/tmp/mailautoconf-provider-XXXXXX";
static char file_path[sizeof(temp_dir) + 32];

/*
 * Writes text to the file at file_path, with each ' turned into ", so
 * that the JSON in the tables reads without escapes.
 */
static void
write_file(const char *text, int swap_quotes)
{
    FILE *file = fopen(file_path, "wb");
    size_t i;

    if (file == NULL) {
        perror(file_path);
        exit(2);
    }
    for (i = 0; text[i] != '\0'; i++)
        fputc(swap_quotes && text[i] == '\'' ? '"' : text[i], file);
    if (fclose(file) != 0) {
        perror(file_path);
        exit(2);
    }
}

/* Writes text as the provider file and loads it. */
static int
load(const char *text, struct provider_set **set, char *err, size_t err_size)
{
    write_file(text, 1);
    *set = NULL;
    err[0] = '\0';
    return provider_load(file_path, set, err, err_size);
}

#define IMAP "{'type':'imap','hostname':'mail.example.com','socket_type':'SSL'}"
#define SMTP "{'hostname':'mail.example.com','socket_type':'STARTTLS'}"
#define SERVERS "'incoming':[" IMAP "],'outgoing':[" SMTP "]"
/* A file with one valid provider for example.com plus extra members. */
#define PROVIDER(members)                                                      \
    "{'providers':[{'domains':['example.com']," SERVERS members "}]}"
/* A file whose first incoming server has the given members. */
#define INCOMING(members)                                                      \
    "{'providers':[{'domains':['example.com'],'incoming':[{" members           \
    "}],'outgoing':[" SMTP "]}]}"
/* A file whose first outgoing server has the given members. */
#define OUTGOING(members)                                                      \
    "{'providers':[{'domains':['example.com'],'incoming':[" IMAP               \
    "],'outgoing':[{" members "}]}]}"
#define AUTH(methods)                                                          \
    INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"   \
             "'authentication':" methods)

#define AUTH_METHODS                                                           \
    "password-cleartext, password-encrypted, NTLM, GSSAPI, "                   \
    "client-IP-address, TLS-client-cert, OAuth2, none and smtp-after-pop"
#define KNOWN_PLACEHOLDERS                                                     \
    "known are %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN%"

struct error_case {
    const char *json;
    const char *expected; /* the message after "FILE: " */
};

static const struct error_case error_cases[] = {
    {"[]", "(top level): must be an object"},
    {"{}", "providers: missing"},
    {"{'providers':[]}", "providers: must be a non-empty array of providers"},
    {"{'providers':{}}", "providers: must be a non-empty array of providers"},
    {"{'providers':[1]}", "providers[0]: must be an object"},
    {"{'providers':[{'domains':['example.com']," SERVERS "}],'extra':1}",
     "(top level): unknown key 'extra'"},
    {PROVIDER(",'domain':'example.com'"), "providers[0]: unknown key 'domain'"},

    {"{'providers':[{" SERVERS "}]}", "providers[0].domains: missing"},
    {"{'providers':[{'domains':[]," SERVERS "}]}",
     "providers[0].domains: must be a non-empty array of domains"},
    {"{'providers':[{'domains':'example.com'," SERVERS "}]}",
     "providers[0].domains: must be a non-empty array of domains"},
    {"{'providers':[{'domains':['exa mple.com']," SERVERS "}]}",
     "providers[0].domains[0]: 'exa mple.com' is not a valid domain name"},
    {"{'providers':[{'domains':[5]," SERVERS "}]}",
     "providers[0].domains[0]: must be a string"},
    {"{'providers':[{'domains':['example.com','-x.example']," SERVERS "}]}",
     "providers[0].domains[1]: '-x.example' is not a valid domain name"},
    {"{'providers':[{'domains':['example.com','']," SERVERS "}]}",
     "providers[0].domains[1]: '' is not a valid domain name"},
    {"{'providers':[{'domains':['example.com','example.com']," SERVERS "}]}",
     "providers[0].domains[1]: domain 'example.com' is also listed at "
     "providers[0].domains[0]"},
    {"{'providers':[{'domains':['example.com']," SERVERS
     "},{'domains':['example.com']," SERVERS "}]}",
     "providers[1].domains[0]: domain 'example.com' is also listed at "
     "providers[0].domains[0]"},
    {"{'providers':[{'domains':['example.net','example.com']," SERVERS
     "},{'domains':['example.org','Example.COM.']," SERVERS "}]}",
     "providers[1].domains[1]: domain 'example.com' is also listed at "
     "providers[0].domains[1]"},

    {"{'providers':[{'domains':['example.com'],'outgoing':[" SMTP "]}]}",
     "providers[0].incoming: missing"},
    {"{'providers':[{'domains':['example.com'],'incoming':[],'outgoing':[" SMTP
     "]}]}",
     "providers[0].incoming: must be a non-empty array of servers"},
    {"{'providers':[{'domains':['example.com'],'incoming':[" IMAP "]}]}",
     "providers[0].outgoing: missing"},
    {"{'providers':[{'domains':['example.com'],'incoming':[" IMAP
     "],'outgoing':{}}]}",
     "providers[0].outgoing: must be a non-empty array of servers"},
    {"{'providers':[{'domains':['example.com'],'incoming':[" IMAP
     ",'imap'],'outgoing':[" SMTP "]}]}",
     "providers[0].incoming[1]: must be an object"},

    {"{'providers':[{'domains':['example.com'],'incoming':[" IMAP
     ",{'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
     "'port':'993'}],'outgoing':[" SMTP "]}]}",
     "providers[0].incoming[1].port: must be an integer from 1 to 65535"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'port':0"),
     "providers[0].incoming[0].port: must be an integer from 1 to 65535"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'port':65536"),
     "providers[0].incoming[0].port: must be an integer from 1 to 65535"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'port':-993"),
     "providers[0].incoming[0].port: must be an integer from 1 to 65535"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'port':993.0"),
     "providers[0].incoming[0].port: must be an integer from 1 to 65535"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'port':true"),
     "providers[0].incoming[0].port: must be an integer from 1 to 65535"},
    {OUTGOING("'hostname':'h.example.com','socket_type':'SSL','port':null"),
     "providers[0].outgoing[0].port: must be an integer from 1 to 65535"},

    {INCOMING("'type':'imap','host':'h.example.com','socket_type':'SSL'"),
     "providers[0].incoming[0]: unknown key 'host'"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'TLS'"),
     "providers[0].incoming[0].socket_type: 'TLS' is not \"SSL\", "
     "\"STARTTLS\" or \"plain\""},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'ssl'"),
     "providers[0].incoming[0].socket_type: 'ssl' is not \"SSL\", "
     "\"STARTTLS\" or \"plain\""},
    {OUTGOING("'hostname':'h.example.com','socket_type':'none'"),
     "providers[0].outgoing[0].socket_type: 'none' is not \"SSL\", "
     "\"STARTTLS\" or \"plain\""},
    {INCOMING("'type':'imap','hostname':'h.example.com'"),
     "providers[0].incoming[0].socket_type: missing; use \"SSL\", "
     "\"STARTTLS\" or \"plain\""},
    {INCOMING("'type':'smtp','hostname':'h.example.com','socket_type':'SSL'"),
     "providers[0].incoming[0].type: 'smtp' is not \"imap\", \"pop3\", "
     "\"exchange\" or one of the URL types ews, owa, graph, jmap and "
     "activeSync"},
    {INCOMING("'type':'IMAP','hostname':'h.example.com','socket_type':'SSL'"),
     "providers[0].incoming[0].type: 'IMAP' is not \"imap\", \"pop3\", "
     "\"exchange\" or one of the URL types ews, owa, graph, jmap and "
     "activeSync"},
    {INCOMING("'hostname':'h.example.com','socket_type':'SSL'"),
     "providers[0].incoming[0].type: missing; use \"imap\" or \"pop3\""},
    {INCOMING("'type':5,'hostname':'h.example.com','socket_type':'SSL'"),
     "providers[0].incoming[0].type: must be a string"},
    {OUTGOING("'type':'imap','hostname':'h.example.com','socket_type':'SSL'"),
     "providers[0].outgoing[0].type: 'imap' is not \"smtp\""},

    {INCOMING("'type':'imap','socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: missing"},
    {INCOMING(
         "'type':'imap','hostname':'mail example.com','socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: 'mail example.com' is not a valid "
     "host name"},
    {INCOMING("'type':'imap','hostname':'-mail.example.com',"
              "'socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: '-mail.example.com' is not a valid "
     "host name"},
    {INCOMING("'type':'imap','hostname':'mail.example.com.',"
              "'socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: 'mail.example.com.' ends with a "
     "dot; remove the final dot"},
    {OUTGOING("'hostname':'mail.%EMAILDOMAIN%.','socket_type':'SSL'"),
     "providers[0].outgoing[0].hostname: 'mail.%EMAILDOMAIN%.' ends with a "
     "dot; remove the final dot"},
    {INCOMING("'type':'imap','hostname':'%EMAILADDRESS%','socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: only %EMAILDOMAIN% may appear here"},
    {OUTGOING("'hostname':'mail.%EMAILLOCALPART%.example',"
              "'socket_type':'SSL'"),
     "providers[0].outgoing[0].hostname: only %EMAILDOMAIN% may appear here"},
    {INCOMING("'type':'imap','hostname':'mail.%EMAILDOMAIN',"
              "'socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: '%' starts no placeholder in "
     "'mail.%EMAILDOMAIN'"},
    {INCOMING("'type':'imap','hostname':'mail.%DOMAIN%','socket_type':'SSL'"),
     "providers[0].incoming[0].hostname: unknown placeholder "
     "'%DOMAIN%'; " KNOWN_PLACEHOLDERS},

    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'username':'%USER%'"),
     "providers[0].incoming[0].username: unknown placeholder "
     "'%USER%'; " KNOWN_PLACEHOLDERS},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'username':'%emailaddress%'"),
     "providers[0].incoming[0].username: unknown placeholder "
     "'%emailaddress%'; " KNOWN_PLACEHOLDERS},
    {OUTGOING("'hostname':'h.example.com','socket_type':'SSL',"
              "'username':'50%'"),
     "providers[0].outgoing[0].username: '%' starts no placeholder in '50%'"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'username':''"),
     "providers[0].incoming[0].username: must not be empty"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'username':'a\\u0001b'"),
     "providers[0].incoming[0].username: contains a control character"},
    {INCOMING("'type':'imap','hostname':'h.example.com','socket_type':'SSL',"
              "'username':'a\\u007fb'"),
     "providers[0].incoming[0].username: contains a control character"},

    {AUTH("['plain']"), "providers[0].incoming[0].authentication[0]: unknown "
                        "authentication method; known are " AUTH_METHODS},
    {AUTH("['OAuth2','oauth2']"),
     "providers[0].incoming[0].authentication[1]: unknown authentication "
     "method; known are " AUTH_METHODS},
    {AUTH("[5]"), "providers[0].incoming[0].authentication[0]: unknown "
                  "authentication method; known are " AUTH_METHODS},
    {AUTH("['OAuth2','password-cleartext','OAuth2']"),
     "providers[0].incoming[0].authentication[2]: 'OAuth2' is listed twice"},
    {AUTH("[]"), "providers[0].incoming[0].authentication: must be a "
                 "non-empty array of methods"},
    {AUTH("'OAuth2'"), "providers[0].incoming[0].authentication: must be a "
                       "non-empty array of methods"},

    {PROVIDER(",'display_name':''"),
     "providers[0].display_name: must not be empty"},
    {PROVIDER(",'display_name':5"), "providers[0].display_name: must be a "
                                    "string"},
    {PROVIDER(
         ",'display_name':"
         "'1234567890123456789012345678901234567890123456789012345678901'"),
     "providers[0].display_name: longer than 60 characters"},
    {PROVIDER(",'display_short_name':'123456789012345678901'"),
     "providers[0].display_short_name: longer than 20 characters"},
    {PROVIDER(",'display_name':'Example\\nMail'"),
     "providers[0].display_name: contains a control character"},
    {PROVIDER(",'activesync_url':'http://eas.example.com/x'"),
     "providers[0].activesync_url: 'http://eas.example.com/x' is not a valid "
     "https:// URL"},
    {PROVIDER(",'activesync_url':'eas.example.com'"),
     "providers[0].activesync_url: 'eas.example.com' is not a valid "
     "https:// URL"},
    {PROVIDER(",'activesync_url':'https://eas.example.com/<x>'"),
     "providers[0].activesync_url: 'https://eas.example.com/<x>' is not a "
     "valid https:// URL"},
    {PROVIDER(",'activesync_url':'https://eas.example.com/%USER%'"),
     "providers[0].activesync_url: unknown placeholder "
     "'%USER%'; " KNOWN_PLACEHOLDERS},
    {PROVIDER(",'autodiscover_host':'%EMAILADDRESS%'"),
     "providers[0].autodiscover_host: only %EMAILDOMAIN% may appear here"},
    {PROVIDER(",'autodiscover_host':'https://ad.example.com'"),
     "providers[0].autodiscover_host: 'https://ad.example.com' is not a "
     "valid host name"},
    {PROVIDER(",'autodiscover_host':'ad.example.com.'"),
     "providers[0].autodiscover_host: 'ad.example.com.' ends with a dot; "
     "remove the final dot"},
    {PROVIDER(",'windows_domain':'EX AMPLE'"),
     "providers[0].windows_domain: 'EX AMPLE' may contain only letters, "
     "digits, '.', '-' and '_'"},
    {PROVIDER(",'ttl_hours':0"),
     "providers[0].ttl_hours: must be an integer from 1 to 8760"},
    {PROVIDER(",'ttl_hours':8761"),
     "providers[0].ttl_hours: must be an integer from 1 to 8760"},
    {PROVIDER(",'ttl_hours':'24'"),
     "providers[0].ttl_hours: must be an integer from 1 to 8760"},

    {PROVIDER(",'calendar':{}"), "providers[0].calendar.url: missing"},
    {PROVIDER(",'calendar':'https://dav.example.com/'"),
     "providers[0].calendar: must be an object"},
    {PROVIDER(",'calendar':{'url':'ftp://dav.example.com/'}"),
     "providers[0].calendar.url: 'ftp://dav.example.com/' is not a valid "
     "http:// or https:// URL"},
    {PROVIDER(",'calendar':{'url':'https://dav.example.com/',"
              "'authentication':['NTLM']}"),
     "providers[0].calendar.authentication[0]: unknown method; known are "
     "http-basic, http-digest and OAuth2"},
    {PROVIDER(",'calendar':{'url':'https://dav.example.com.:8443/dav/'}"),
     "providers[0].calendar.url: 'dav.example.com.' ends with a dot; remove "
     "the final dot"},
    {PROVIDER(",'address_book':{'uri':'https://dav.example.com/'}"),
     "providers[0].address_book: unknown key 'uri'"},
    {PROVIDER(",'address_book':{'url':'https://dav.example.com/',"
              "'username':'%USER%'}"),
     "providers[0].address_book.username: unknown placeholder "
     "'%USER%'; " KNOWN_PLACEHOLDERS},

    {PROVIDER(",'aliases':['example.org']"),
     "providers[0].aliases: must be an object from alias domain to main "
     "domain"},
    {PROVIDER(",'aliases':{'example.org':'example.net'}"),
     "providers[0].aliases.example.org: 'example.net' must be one of this "
     "provider's domains"},
    {PROVIDER(",'aliases':{'example.org':5}"),
     "providers[0].aliases.example.org: the value must be one of this "
     "provider's domains"},
    {PROVIDER(",'aliases':{'bad domain':'example.com'}"),
     "providers[0].aliases.bad domain: 'bad domain' is not a valid domain "
     "name"},
    {PROVIDER(",'aliases':{'Example.COM':'example.com'}"),
     "providers[0].aliases.Example.COM: domain 'example.com' is also listed "
     "at providers[0].domains[0]"},

    {"{'providers':[{'domains':['example.com'],'aliases':{'example.org':"
     "'example.com'}," SERVERS "},{'domains':['example.org']," SERVERS "}]}",
     "providers[1].domains[0]: domain 'example.org' is also listed at "
     "providers[0].aliases.example.org"},
    {"{'providers':[{'domains':['example.com']," SERVERS
     "},{'domains':['example.net'],'aliases':{'example.com':'example.net'}"
     "," SERVERS "}]}",
     "providers[1].aliases.example.com: domain 'example.com' is also listed "
     "at providers[0].domains[0]"},

    {"{'providers':[{'domains':['example.com']," SERVERS
     "}],'profile_signing':{'certificate':'c.pem'}}",
     "profile_signing.key: missing"},
    {"{'providers':[{'domains':['example.com']," SERVERS
     "}],'profile_signing':{'certificate':'c.pem','key':'k.pem','x':1}}",
     "profile_signing: unknown key 'x'"},
};

static void
test_errors(void)
{
    char err[1024], expected[1024];
    struct provider_set *set;
    size_t i;

    for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *c = &error_cases[i];

        check_case("provider_load error %zu: %s", i, c->expected);
        snprintf(expected, sizeof(expected), "%s: %s", file_path, c->expected);
        if (!CHECK_INT(load(c->json, &set, err, sizeof(err)), -1)) {
            provider_set_free(set);
            continue;
        }
        CHECK_STR(err, expected);
    }
}

/* Loads a file that must be valid; exits when it is not. */
static struct provider_set *
load_valid(const char *json)
{
    struct provider_set *set;
    char err[1024];

    if (load(json, &set, err, sizeof(err)) == -1) {
        fprintf(stderr, "test data rejected: %s\n", err);
        exit(2);
    }
    return set;
}

static void
test_lengths(void)
{
    char json[4096], name[256];
    struct provider_set *set;
    char err[1024];
    size_t i;

    check_case("provider_load display_name of 60 two-byte characters");
    name[0] = '\0';
    for (i = 0; i < 60; i++)
        strcat(name, "\xc3\xa9");
    snprintf(json, sizeof(json), PROVIDER(",'display_name':'%s'"), name);
    if (CHECK_INT(load(json, &set, err, sizeof(err)), 0))
        provider_set_free(set);
    else
        fprintf(stderr, "  %s\n", err);

    check_case("provider_load display_name of 61 two-byte characters");
    strcat(name, "\xc3\xa9");
    snprintf(json, sizeof(json), PROVIDER(",'display_name':'%s'"), name);
    CHECK_INT(load(json, &set, err, sizeof(err)), -1);
    CHECK_CONTAINS(err, "providers[0].display_name: longer than 60 characters");

    check_case("provider_load username of 2049 bytes");
    memset(name, 'u', 200);
    name[200] = '\0';
    {
        char username[2100] = "";

        for (i = 0; i < 10; i++)
            strcat(username, name);
        strcat(username, "%EMAILDOMAIN%u");
        snprintf(json, sizeof(json),
                 INCOMING("'type':'imap','hostname':'h.example.com',"
                          "'socket_type':'SSL','username':'%s'"),
                 username);
        CHECK_INT(strlen(username), 2014);
        CHECK_INT(load(json, &set, err, sizeof(err)), 0);
        provider_set_free(set);
        strcat(username, "12345678901234567890123456789012345");
        snprintf(json, sizeof(json),
                 INCOMING("'type':'imap','hostname':'h.example.com',"
                          "'socket_type':'SSL','username':'%s'"),
                 username);
        CHECK_INT(strlen(username), 2049);
        CHECK_INT(load(json, &set, err, sizeof(err)), -1);
        CHECK_CONTAINS(err, "providers[0].incoming[0].username: longer than "
                            "2048 bytes");
    }

    check_case("provider_load display_short_name of 20 characters");
    snprintf(json, sizeof(json),
             PROVIDER(",'display_short_name':'12345678901234567890'"));
    if (CHECK_INT(load(json, &set, err, sizeof(err)), 0))
        provider_set_free(set);
}

static void
test_syntax_errors(void)
{
    char err[1024], expected[1024];
    struct provider_set *set;

    check_case("provider_load missing file");
    snprintf(expected, sizeof(expected),
             "%s/missing.json: cannot open: No such file or directory",
             temp_dir);
    err[0] = '\0';
    {
        char missing[sizeof(temp_dir) + 32];

        snprintf(missing, sizeof(missing), "%s/missing.json", temp_dir);
        CHECK_INT(provider_load(missing, &set, err, sizeof(err)), -1);
    }
    CHECK_STR(err, expected);

    /* The second comma is at line 3, column 13. */
    check_case("provider_load invalid JSON");
    CHECK_INT(load("{\n  'providers': [\n    {'a': 1,,}\n  ]\n}\n", &set, err,
                   sizeof(err)),
              -1);
    snprintf(expected, sizeof(expected), "%s:3:", file_path);
    CHECK_CONTAINS(err, expected);
    snprintf(expected, sizeof(expected), "%s:3:13: invalid JSON: ", file_path);
    CHECK_CONTAINS(err, expected);

    check_case("provider_load empty file");
    CHECK_INT(load("", &set, err, sizeof(err)), -1);
    snprintf(expected, sizeof(expected), "%s:1:0: invalid JSON: ", file_path);
    CHECK_CONTAINS(err, expected);

    check_case("provider_load duplicate key");
    CHECK_INT(
        load("{'providers': [], 'providers': []}", &set, err, sizeof(err)), -1);
    snprintf(expected, sizeof(expected), "%s:1:", file_path);
    CHECK_CONTAINS(err, expected);
    CHECK_CONTAINS(err, "duplicate object key");

    check_case("provider_load NUL in a string");
    CHECK_INT(load(INCOMING("'type':'imap','hostname':'h.example.com',"
                            "'socket_type':'SSL','username':'a\\u0000b'"),
                   &set, err, sizeof(err)),
              -1);
    CHECK_CONTAINS(err, "invalid JSON: \\u0000 is not allowed");

    check_case("provider_parse names the text");
    err[0] = '\0';
    CHECK_INT(provider_parse("inline.json", "{}", 2, &set, err, sizeof(err)),
              -1);
    CHECK_STR(err, "inline.json: providers: missing");
}

static int
count_domain(const char *domain, const json_t *provider, void *arg)
{
    char *list = arg;

    (void)provider;
    strcat(list, domain);
    strcat(list, " ");
    return 0;
}

static void
test_example(void)
{
    struct provider_set *set;
    char err[1024], list[256] = "";
    size_t domains = 0;
    const json_t *provider;

    check_case("provider_load example file");
    if (!CHECK_INT(provider_load(EXAMPLE_FILE, &set, err, sizeof(err)), 0)) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK_INT(provider_count(set, &domains), 2);
    CHECK_INT(domains, 3);
    CHECK_INT(json_array_size(provider_list(set)), 2);
    CHECK(provider_signing(set) == NULL);
    provider = provider_find(set, "example.net");
    CHECK(provider != NULL);
    CHECK(provider == provider_find(set, "example.org"));
    CHECK(provider != provider_find(set, "example.com"));
    CHECK(provider_find(set, "example.edu") == NULL);
    CHECK_STR(json_string_value(json_object_get(provider, "display_name")),
              "Example Hosting");
    CHECK_INT(provider_foreach_domain(set, count_domain, list), 0);
    CHECK_STR(list, "example.com example.net example.org ");
    provider_set_free(set);
}

struct server_case {
    const char *list; /* "incoming" or "outgoing" */
    size_t index;
    const char *type;
    long port;
    const char *socket_type;
    int ssl, starttls, plain;
};

/* The servers of DEFAULTS_FILE, with the defaults filled in. */
static const struct server_case server_cases[] = {
    {"incoming", 0, "imap", 993, "SSL", 1, 0, 0},
    {"incoming", 1, "imap", 143, "STARTTLS", 0, 1, 0},
    {"incoming", 2, "imap", 143, "plain", 0, 0, 1},
    {"incoming", 3, "pop3", 995, "SSL", 1, 0, 0},
    {"incoming", 4, "pop3", 110, "STARTTLS", 0, 1, 0},
    {"incoming", 5, "pop3", 110, "plain", 0, 0, 1},
    {"incoming", 6, "imap", 10993, "SSL", 1, 0, 0},
    {"outgoing", 0, "smtp", 465, "SSL", 1, 0, 0},
    {"outgoing", 1, "smtp", 587, "STARTTLS", 0, 1, 0},
    {"outgoing", 2, "smtp", 587, "plain", 0, 0, 1},
    {"outgoing", 3, "smtp", 2525, "STARTTLS", 0, 1, 0},
};

#define DEFAULTS_FILE                                                          \
    "{'providers':[{'domains':['Example.COM','Mail.Example.NET.'],"            \
    "'incoming':["                                                             \
    "{'type':'imap','hostname':'h.example.com','socket_type':'SSL'},"          \
    "{'type':'imap','hostname':'h.example.com','socket_type':'STARTTLS'},"     \
    "{'type':'imap','hostname':'h.example.com','socket_type':'plain'},"        \
    "{'type':'pop3','hostname':'h.example.com','socket_type':'SSL'},"          \
    "{'type':'pop3','hostname':'h.example.com','socket_type':'STARTTLS'},"     \
    "{'type':'pop3','hostname':'h.example.com','socket_type':'plain'},"        \
    "{'type':'imap','hostname':'h.example.com','socket_type':'SSL',"           \
    "'port':10993}],"                                                          \
    "'outgoing':["                                                             \
    "{'hostname':'h.example.com','socket_type':'SSL'},"                        \
    "{'type':'smtp','hostname':'h.example.com','socket_type':'STARTTLS'},"     \
    "{'hostname':'h.example.com','socket_type':'plain'},"                      \
    "{'hostname':'h.example.com','socket_type':'STARTTLS','port':2525}],"      \
    "'calendar':{'url':'https://dav.example.com/cal/'}}]}"

static int
is_true(const json_t *object, const char *key)
{
    return json_is_true(json_object_get(object, key));
}

static void
test_defaults(void)
{
    struct provider_set *set = load_valid(DEFAULTS_FILE);
    const json_t *provider, *servers, *auth, *calendar;
    size_t i, domains;

    check_case("provider defaults: domains in upper case");
    provider = provider_find(set, "example.com");
    CHECK(provider != NULL);
    CHECK(provider_find(set, "mail.example.net") == provider);
    CHECK_INT(provider_count(set, &domains), 1);
    CHECK_INT(domains, 2);
    if (provider == NULL) {
        provider_set_free(set);
        return;
    }

    for (i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]); i++) {
        const struct server_case *c = &server_cases[i];
        const json_t *server =
            json_array_get(json_object_get(provider, c->list), c->index);

        check_case("provider defaults: %s[%zu] %s %s", c->list, c->index,
                   c->type, c->socket_type);
        if (!CHECK(json_is_object(server)))
            continue;
        CHECK_STR(json_string_value(json_object_get(server, "type")), c->type);
        CHECK_INT(json_integer_value(json_object_get(server, "port")), c->port);
        CHECK_STR(json_string_value(json_object_get(server, "socket_type")),
                  c->socket_type);
        CHECK_STR(json_string_value(json_object_get(server, "hostname")),
                  "h.example.com");
        CHECK_STR(json_string_value(json_object_get(server, "username")),
                  "%EMAILADDRESS%");
        auth = json_object_get(server, "authentication");
        CHECK_INT(json_array_size(auth), 1);
        CHECK_STR(json_string_value(json_array_get(auth, 0)),
                  "password-cleartext");
        CHECK_INT(is_true(server, "ssl"), c->ssl);
        CHECK_INT(is_true(server, "starttls"), c->starttls);
        CHECK_INT(is_true(server, "plain"), c->plain);
        CHECK_INT(is_true(server, "tls"), !c->plain);
        CHECK(json_is_boolean(json_object_get(server, "tls")));
        CHECK_INT(is_true(server, "auth_required"), 1);
    }

    check_case("provider defaults: servers lists incoming, then outgoing");
    servers = json_object_get(provider, "servers");
    CHECK_INT(json_array_size(servers), 11);
    CHECK(json_array_get(servers, 0) ==
          json_array_get(json_object_get(provider, "incoming"), 0));
    CHECK(json_array_get(servers, 7) ==
          json_array_get(json_object_get(provider, "outgoing"), 0));

    check_case("provider defaults: calendar");
    calendar = json_object_get(provider, "calendar");
    CHECK_STR(json_string_value(json_object_get(calendar, "url")),
              "https://dav.example.com/cal/");
    CHECK_STR(json_string_value(json_object_get(calendar, "username")),
              "%EMAILADDRESS%");
    auth = json_object_get(calendar, "authentication");
    CHECK_INT(json_array_size(auth), 1);
    CHECK_STR(json_string_value(json_array_get(auth, 0)), "http-basic");
    CHECK(json_object_get(provider, "address_book") == NULL);
    CHECK(json_object_get(provider, "display_name") == NULL);
    provider_set_free(set);
}

struct auth_case {
    const char *methods;
    int auth_required;
};

static const struct auth_case auth_cases[] = {
    {"['none']", 0},
    {"['client-IP-address']", 0},
    {"['none','client-IP-address']", 0},
    {"['password-cleartext']", 1},
    {"['OAuth2','password-cleartext']", 1},
    {"['none','password-encrypted']", 1},
    {"['TLS-client-cert']", 1},
};

static void
test_authentication(void)
{
    char json[1024], expected_text[256];
    size_t i, k;

    for (i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
        const struct auth_case *c = &auth_cases[i];
        struct provider_set *set;
        const json_t *server;
        json_t *expected;

        check_case("provider authentication %s", c->methods);
        snprintf(json, sizeof(json), AUTH("%s"), c->methods);
        set = load_valid(json);
        server = json_array_get(
            json_object_get(provider_find(set, "example.com"), "incoming"), 0);
        CHECK_INT(is_true(server, "auth_required"), c->auth_required);
        CHECK(json_is_boolean(json_object_get(server, "auth_required")));

        snprintf(expected_text, sizeof(expected_text), "%s", c->methods);
        for (k = 0; expected_text[k] != '\0'; k++) {
            if (expected_text[k] == '\'')
                expected_text[k] = '"';
        }
        expected = json_loads(expected_text, 0, NULL);
        CHECK(json_equal(json_object_get(server, "authentication"), expected));
        json_decref(expected);
        provider_set_free(set);
    }
}

#define FULL_FILE                                                              \
    "{'providers':[{'domains':['example.com'],"                                \
    "'aliases':{'Example.ORG.':'EXAMPLE.com'},"                                \
    "'display_name':'Example Mail','display_short_name':'Example',"            \
    "'activesync_url':'https://eas.example.com/Microsoft-Server-ActiveSync',"  \
    "'autodiscover_host':'autodiscover.%EMAILDOMAIN%',"                        \
    "'windows_domain':'EXAMPLE','ttl_hours':24," SERVERS ","                   \
    "'address_book':{'url':'https://dav.example.com/%EMAILADDRESS%/',"         \
    "'username':'%EMAILLOCALPART%','authentication':['OAuth2','http-digest']}" \
    "}]}"

static void
test_optional_members(void)
{
    struct provider_set *set = load_valid(FULL_FILE);
    const json_t *provider = provider_find(set, "example.com");
    const json_t *book;
    size_t domains;

    check_case("provider optional members");
    if (!CHECK(provider != NULL)) {
        provider_set_free(set);
        return;
    }
    CHECK_STR(json_string_value(json_object_get(provider, "display_name")),
              "Example Mail");
    CHECK_STR(
        json_string_value(json_object_get(provider, "display_short_name")),
        "Example");
    CHECK_STR(json_string_value(json_object_get(provider, "activesync_url")),
              "https://eas.example.com/Microsoft-Server-ActiveSync");
    CHECK_STR(json_string_value(json_object_get(provider, "autodiscover_host")),
              "autodiscover.%EMAILDOMAIN%");
    CHECK_STR(json_string_value(json_object_get(provider, "windows_domain")),
              "EXAMPLE");
    CHECK_INT(json_integer_value(json_object_get(provider, "ttl_hours")), 24);
    book = json_object_get(provider, "address_book");
    CHECK_STR(json_string_value(json_object_get(book, "url")),
              "https://dav.example.com/%EMAILADDRESS%/");
    CHECK_STR(json_string_value(json_object_get(book, "username")),
              "%EMAILLOCALPART%");
    CHECK_INT(json_array_size(json_object_get(book, "authentication")), 2);
    CHECK_STR(json_string_value(
                  json_array_get(json_object_get(book, "authentication"), 1)),
              "http-digest");

    check_case("provider alias domains");
    CHECK(provider_find(set, "example.org") == provider);
    CHECK_STR(provider_alias_target(set, "example.org"), "example.com");
    CHECK(provider_alias_target(set, "example.com") == NULL);
    CHECK_INT(provider_count(set, &domains), 1);
    CHECK_INT(domains, 2);
    provider_set_free(set);
}

int
main(void)
{
    memory_init();
    if (mkdtemp(temp_dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(file_path, sizeof(file_path), "%s/provider.json", temp_dir);

    test_errors();
    test_lengths();
    test_syntax_errors();
    test_example();
    test_defaults();
    test_authentication();
    test_optional_members();

    unlink(file_path);
    rmdir(temp_dir);
    return check_summary("test_provider");
}
