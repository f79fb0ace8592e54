/*
 * Tests for http_handle: fake requests against a service loaded from
 * templates/ and a provider file written for these tests. XML responses
 * are parsed with expat and JSON responses with jansson, so each check
 * compares one decoded value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <expat.h>

#include "autodiscover.h"
#include "body_reader.h"
#include "check.h"
#include "http.h"
#include "memory.h"
#include "service.h"

#define TEMPLATE_DIR MAILAUTOCONF_SOURCE_DIR "/templates"
#define REQUEST_DIR MAILAUTOCONF_SOURCE_DIR "/tests/requests"

#define XML_TYPE "text/xml; charset=utf-8"
#define JSON_TYPE "application/json; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

#define SCHEMA "http://schemas.microsoft.com/exchange/autodiscover/"
#define OUTLOOK_REQUEST SCHEMA "outlook/requestschema/2006"
#define OUTLOOK_2006A SCHEMA "outlook/responseschema/2006a"
#define OUTLOOK_2006 SCHEMA "outlook/responseschema/2006"
#define MOBILESYNC_REQUEST SCHEMA "mobilesync/requestschema/2006"
#define MOBILESYNC SCHEMA "mobilesync/responseschema/2006"
#define RESPONSE_2006 SCHEMA "responseschema/2006"
#define ACTIVESYNC_URL                                                         \
    "https://eas.example.com/Microsoft-Server-ActiveSync?a=1&b=2"

/* Element paths in the responses; "#2" picks the second occurrence. */
#define CLIENT_CONFIG "clientConfig/emailProvider/"
#define RESPONSE "Autodiscover/Response"
#define ACCOUNT RESPONSE "/Account/"
#define PROTOCOL ACCOUNT "Protocol/"
#define ERROR RESPONSE "/Error/"
#define SERVER RESPONSE "/Action/Settings/Server/"

/*
 * example.com has ActiveSync, an alias, a TTL and a calendar. example.net
 * has none of these, but it has a custom Autodiscover host, a Windows
 * domain, placeholders in host names, a server without authentication and
 * a short name with markup. The ActiveSync URL contains an '&' to escape.
 */
static const char provider_text[] =
    "{\"providers\": [\n"
    "  {\"display_name\": \"Example Mail\",\n"
    "   \"domains\": [\"example.com\"],\n"
    "   \"aliases\": {\"example.org\": \"example.com\"},\n"
    "   \"activesync_url\": \"" ACTIVESYNC_URL "\",\n"
    "   \"ttl_hours\": 24,\n"
    "   \"incoming\": [\n"
    "     {\"type\": \"imap\", \"hostname\": \"imap.example.com\",\n"
    "      \"socket_type\": \"SSL\"},\n"
    "     {\"type\": \"pop3\", \"hostname\": \"pop.example.com\",\n"
    "      \"socket_type\": \"STARTTLS\",\n"
    "      \"authentication\": [\"password-encrypted\"]}],\n"
    "   \"outgoing\": [\n"
    "     {\"hostname\": \"smtp.example.com\", \"socket_type\": "
    "\"STARTTLS\"}],\n"
    "   \"calendar\": {\"url\": "
    "\"https://dav.example.com/%EMAILADDRESS%/\"}},\n"
    "  {\"domains\": [\"example.net\"],\n"
    "   \"display_short_name\": \"Net & <Co>\",\n"
    "   \"autodiscover_host\": \"ad.%EMAILDOMAIN%\",\n"
    "   \"windows_domain\": \"HOSTING\",\n"
    "   \"incoming\": [\n"
    "     {\"type\": \"imap\", \"hostname\": \"mail.%EMAILDOMAIN%\",\n"
    "      \"socket_type\": \"plain\", \"username\": \"%EMAILLOCALPART%\"}],\n"
    "   \"outgoing\": [\n"
    "     {\"hostname\": \"mail.%EMAILDOMAIN%\", \"socket_type\": \"SSL\",\n"
    "      \"authentication\": [\"none\"]}]}\n"
    "]}\n";

static struct service service;

static long
read_failing(void *handle, char *bytes, size_t size)
{
    (void)handle;
    (void)bytes;
    (void)size;
    return -1;
}

struct request {
    const char *method;
    const char *target;
    const char *host;
    const char *content_length;
    const char *body; /* NULL for none */
    size_t body_len;  /* 0: strlen(body) */
    const char *query;
};

static struct http_request last_request;
static struct buffer response_body;
static struct body_reader reader;
/* The parser that requests share, as in a worker thread, or NULL. */
static struct autodiscover_parser *kept_parser;

/*
 * Handles request, reading the body at most chunk bytes at a time (0 for
 * any). The response stays in last_request and response_body until the
 * next call.
 */
static struct http_request *
send_request_chunked(const struct request *request, size_t chunk)
{
    memset(&last_request, 0, sizeof(last_request));
    last_request.method = request->method;
    last_request.target = request->target;
    last_request.query = request->query;
    last_request.host = request->host;
    last_request.content_length = request->content_length;
    reader.data = request->body == NULL ? "" : request->body;
    reader.len =
        request->body_len != 0 ? request->body_len : strlen(reader.data);
    reader.pos = 0;
    reader.chunk = chunk;
    last_request.read_body = read_memory;
    last_request.body_handle = &reader;
    last_request.parser = kept_parser;
    last_request.body = &response_body;
    http_handle(&service, &last_request);
    return &last_request;
}

static struct http_request *
send_request(const struct request *request)
{
    return send_request_chunked(request, 0);
}

/*
 * The decoded contents of an XML response: one entry per element, keyed by
 * its path such as "Autodiscover/Response/Account", and one per attribute,
 * keyed as "path@name".
 */
#define XML_ENTRY_MAX 512
#define XML_KEY_MAX 160
#define XML_VALUE_MAX 512
#define XML_DEPTH_MAX 32

struct xml_entry {
    char key[XML_KEY_MAX];
    char value[XML_VALUE_MAX];
};

static struct xml_entry xml_entries[XML_ENTRY_MAX];
static size_t xml_entry_count;

struct xml_walk {
    char path[XML_KEY_MAX];
    size_t path_len[XML_DEPTH_MAX];
    size_t open[XML_DEPTH_MAX];
    int depth;
    int overflow;
};

static struct xml_entry *
xml_add(struct xml_walk *walk, const char *key, const char *value)
{
    struct xml_entry *entry;

    if (xml_entry_count == XML_ENTRY_MAX || strlen(key) >= sizeof(entry->key) ||
        strlen(value) >= sizeof(entry->value)) {
        walk->overflow = 1;
        return NULL;
    }
    entry = &xml_entries[xml_entry_count++];
    strcpy(entry->key, key);
    strcpy(entry->value, value);
    return entry;
}

static void XMLCALL
xml_on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    struct xml_walk *walk = data;
    char key[XML_KEY_MAX + 64];
    size_t len = strlen(walk->path);
    int i;

    if (walk->depth == XML_DEPTH_MAX) {
        walk->overflow = 1;
        return;
    }
    walk->path_len[walk->depth] = len;
    snprintf(walk->path + len, sizeof(walk->path) - len, "%s%s",
             len > 0 ? "/" : "", name);
    walk->open[walk->depth] = xml_entry_count;
    walk->depth++;
    xml_add(walk, walk->path, "");
    for (i = 0; attributes[i] != NULL; i += 2) {
        snprintf(key, sizeof(key), "%s@%s", walk->path, attributes[i]);
        xml_add(walk, key, attributes[i + 1]);
    }
}

static void XMLCALL
xml_on_end(void *data, const XML_Char *name)
{
    struct xml_walk *walk = data;

    (void)name;
    if (walk->depth == 0)
        return;
    walk->depth--;
    walk->path[walk->path_len[walk->depth]] = '\0';
}

static void XMLCALL
xml_on_text(void *data, const XML_Char *text, int len)
{
    struct xml_walk *walk = data;
    struct xml_entry *entry;
    size_t used;

    if (walk->depth == 0 || walk->open[walk->depth - 1] >= xml_entry_count)
        return;
    entry = &xml_entries[walk->open[walk->depth - 1]];
    used = strlen(entry->value);
    if (used + (size_t)len >= sizeof(entry->value)) {
        walk->overflow = 1;
        return;
    }
    memcpy(entry->value + used, text, (size_t)len);
    entry->value[used + (size_t)len] = '\0';
}

/* Parses a response into xml_entries; returns 0, or -1 when not XML. */
static int
xml_load(const char *text, size_t len)
{
    XML_Parser parser = XML_ParserCreate(NULL);
    struct xml_walk walk;
    int rc = 0;

    memset(&walk, 0, sizeof(walk));
    xml_entry_count = 0;
    XML_SetUserData(parser, &walk);
    XML_SetElementHandler(parser, xml_on_start, xml_on_end);
    XML_SetCharacterDataHandler(parser, xml_on_text);
    if (XML_Parse(parser, text, (int)len, 1) != XML_STATUS_OK) {
        fprintf(stderr, "  response is not XML: %s at line %lu\n",
                XML_ErrorString(XML_GetErrorCode(parser)),
                (unsigned long)XML_GetCurrentLineNumber(parser));
        rc = -1;
    }
    if (walk.overflow)
        rc = -1;
    XML_ParserFree(parser);
    return rc;
}

/* Returns the value of key ("path", "path@name", "path#2"), or NULL. */
static const char *
xml_get(const char *key)
{
    char path[XML_KEY_MAX];
    const char *hash = strchr(key, '#');
    int occurrence = hash == NULL ? 1 : atoi(hash + 1);
    size_t i;

    snprintf(path, sizeof(path), "%.*s",
             hash == NULL ? (int)strlen(key) : (int)(hash - key), key);
    for (i = 0; i < xml_entry_count; i++) {
        if (strcmp(xml_entries[i].key, path) == 0 && --occurrence == 0)
            return xml_entries[i].value;
    }
    return NULL;
}

static int
xml_count(const char *key)
{
    size_t i;
    int count = 0;

    for (i = 0; i < xml_entry_count; i++) {
        if (strcmp(xml_entries[i].key, key) == 0)
            count++;
    }
    return count;
}

/*
 * An expected part of a response, selected by the key:
 *   "body", "headers"  the raw text
 *   "absent"           a string the raw body must not contain, such as
 *                      unescaped input
 *   "count:PATH"       the number of elements at PATH
 *   PATH, PATH@NAME    an element or attribute of an XML response
 *   NAME               a member of a JSON response
 * A NULL value means the element or member must be absent.
 */
struct field {
    const char *key;
    const char *value;
};

#define FIELD_MAX 40

struct http_case {
    const char *name;
    struct request request;
    int status;
    const char *content_type;
    const char *domain;
    struct field fields[FIELD_MAX];
};

static void
check_field(const struct field *field, const json_t *json)
{
    char count[16];

    if (strcmp(field->key, "body") == 0) {
        CHECK_STR(response_body.data, field->value);
    } else if (strcmp(field->key, "absent") == 0) {
        CHECK_LACKS(response_body.data, field->value);
    } else if (strcmp(field->key, "present") == 0) {
        CHECK_CONTAINS(response_body.data, field->value);
    } else if (strcmp(field->key, "headers") == 0) {
        CHECK_STR(last_request.headers, field->value);
    } else if (strncmp(field->key, "count:", 6) == 0) {
        snprintf(count, sizeof(count), "%d", xml_count(field->key + 6));
        check_string(__FILE__, __LINE__, field->key, count, field->value);
    } else if (json != NULL) {
        check_string(__FILE__, __LINE__, field->key,
                     json_string_value(json_object_get(json, field->key)),
                     field->value);
    } else {
        check_string(__FILE__, __LINE__, field->key, xml_get(field->key),
                     field->value);
    }
}

/* Checks last_request and response_body against c. */
static void
check_response(const struct http_case *c)
{
    const char *type = last_request.content_type;
    json_t *json = NULL;
    size_t i;

    CHECK_INT(last_request.status, c->status);
    CHECK_STR(type, c->content_type);
    CHECK_STR(last_request.domain, c->domain);
    if (response_body.data == NULL)
        buffer_append(&response_body, "", 0);
    CHECK_INT(strlen(response_body.data), response_body.len);

    if (type != NULL && strcmp(type, XML_TYPE) == 0) {
        CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    } else if (type != NULL && strcmp(type, JSON_TYPE) == 0) {
        json = json_loads(response_body.data, 0, NULL);
        CHECK(json_is_object(json));
    }
    for (i = 0; i < FIELD_MAX && c->fields[i].key != NULL; i++)
        check_field(&c->fields[i], json);
    json_decref(json);
}

static void
run_cases(const char *group, const struct http_case *cases, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        check_case("%s: %s", group, cases[i].name);
        send_request(&cases[i].request);
        check_response(&cases[i]);
    }
}

#define GET(target, host)                                                      \
    {                                                                          \
        "GET", (target), (host), NULL, NULL, 0, NULL                           \
    }
#define POST(target, body)                                                     \
    {                                                                          \
        "POST", (target), NULL, NULL, (body), 0, NULL                          \
    }
#define POX(body) POST("/autodiscover/autodiscover.xml", (body))
#define CONFIG "/mail/config-v1.1.xml"
#define JSON_PATH "/autodiscover/autodiscover.json"

/* The autoconfig response for alice@example.com, element by element. */
#define AUTOCONFIG_ALICE                                                       \
    {"clientConfig@version", "1.1"},                                           \
        {"clientConfig/emailProvider@id", "example.com"},                      \
        {"count:" CLIENT_CONFIG "domain", "1"},                                \
        {CLIENT_CONFIG "domain", "example.com"},                               \
        {CLIENT_CONFIG "displayName", "Example Mail"},                         \
        {"count:" CLIENT_CONFIG "displayShortName", "0"},                      \
        {"count:" CLIENT_CONFIG "incomingServer", "2"},                        \
        {CLIENT_CONFIG "incomingServer@type", "imap"},                         \
        {CLIENT_CONFIG "incomingServer/hostname", "imap.example.com"},         \
        {CLIENT_CONFIG "incomingServer/port", "993"},                          \
        {CLIENT_CONFIG "incomingServer/socketType", "SSL"},                    \
        {CLIENT_CONFIG "incomingServer/authentication", "password-cleartext"}, \
        {CLIENT_CONFIG "incomingServer/username", "alice@example.com"},        \
        {CLIENT_CONFIG "incomingServer@type#2", "pop3"},                       \
        {CLIENT_CONFIG "incomingServer/hostname#2", "pop.example.com"},        \
        {CLIENT_CONFIG "incomingServer/port#2", "110"},                        \
        {CLIENT_CONFIG "incomingServer/socketType#2", "STARTTLS"},             \
        {CLIENT_CONFIG "incomingServer/authentication#2",                      \
         "password-encrypted"},                                                \
        {CLIENT_CONFIG "incomingServer/username#2", "alice@example.com"},      \
        {"count:" CLIENT_CONFIG "outgoingServer", "1"},                        \
        {CLIENT_CONFIG "outgoingServer@type", "smtp"},                         \
        {CLIENT_CONFIG "outgoingServer/hostname", "smtp.example.com"},         \
        {CLIENT_CONFIG "outgoingServer/port", "587"},                          \
        {CLIENT_CONFIG "outgoingServer/socketType", "STARTTLS"},               \
        {CLIENT_CONFIG "outgoingServer/authentication", "password-cleartext"}, \
        {CLIENT_CONFIG "outgoingServer/username", "alice@example.com"},        \
        {"clientConfig/calendar@type", "caldav"},                              \
        {"clientConfig/calendar/username", "alice@example.com"},               \
        {"clientConfig/calendar/authentication", "http-basic"},                \
        {"clientConfig/calendar/serverURL",                                    \
         "https://dav.example.com/alice@example.com/"},                        \
    {                                                                          \
        "count:clientConfig/addressBook", "0"                                  \
    }

static const struct http_case autoconfig_cases[] = {
    {"address",
     GET(CONFIG "?emailaddress=alice%40example.com", "autoconfig.example.com"),
     200,
     XML_TYPE,
     "example.com",
     {AUTOCONFIG_ALICE}},
    {"address at another provider",
     GET(CONFIG "?emailaddress=bob%40Example.NET", "autoconfig.example.com"),
     200,
     XML_TYPE,
     "example.net",
     {{"clientConfig/emailProvider@id", "example.net"},
      {CLIENT_CONFIG "domain", "example.net"},
      {CLIENT_CONFIG "displayName", "example.net"},
      {CLIENT_CONFIG "displayShortName", "Net & <Co>"},
      {"absent", "Net & <Co>"},
      {CLIENT_CONFIG "incomingServer/hostname", "mail.example.net"},
      {CLIENT_CONFIG "incomingServer/port", "143"},
      {CLIENT_CONFIG "incomingServer/socketType", "plain"},
      {CLIENT_CONFIG "incomingServer/username", "bob"},
      {CLIENT_CONFIG "outgoingServer/hostname", "mail.example.net"},
      {CLIENT_CONFIG "outgoingServer/port", "465"},
      {CLIENT_CONFIG "outgoingServer/authentication", "none"},
      {CLIENT_CONFIG "outgoingServer/username", "bob@example.net"},
      {"count:clientConfig/calendar", "0"}}},
    {"domain from Host",
     GET(CONFIG, "autoconfig.example.net"),
     200,
     XML_TYPE,
     "example.net",
     {{CLIENT_CONFIG "incomingServer/hostname", "mail.example.net"},
      {CLIENT_CONFIG "incomingServer/username", "%EMAILLOCALPART%"},
      {CLIENT_CONFIG "outgoingServer/username", "%EMAILADDRESS%"}}},
    {"domain from Host without prefix and with port",
     GET(CONFIG, "Example.COM:443"),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "%EMAILADDRESS%"},
      {"clientConfig/calendar/serverURL",
       "https://dav.example.com/%EMAILADDRESS%/"}}},
    {"address wins over Host",
     GET(CONFIG "?emailaddress=bob%40example.net", "autoconfig.example.com"),
     200,
     XML_TYPE,
     "example.net",
     {{CLIENT_CONFIG "domain", "example.net"}}},
    {"alias domain logs in at the main domain",
     GET(CONFIG "?emailaddress=bob%40example.org", NULL),
     200,
     XML_TYPE,
     "example.org",
     {{"clientConfig/emailProvider@id", "example.org"},
      {CLIENT_CONFIG "domain", "example.org"},
      {CLIENT_CONFIG "incomingServer/username", "bob@example.com"},
      {"clientConfig/calendar/serverURL",
       "https://dav.example.com/bob@example.com/"}}},
    {"placeholder address from Evolution",
     GET(CONFIG "?emailaddress=EVOLUTIONUSER%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "%EMAILADDRESS%"},
      {"clientConfig/calendar/serverURL",
       "https://dav.example.com/%EMAILADDRESS%/"},
      {"absent", "EVOLUTIONUSER"}}},
    {"plus kept, %2B decoded",
     GET(CONFIG "?emailaddress=a+b%2Bc%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "a+b+c@example.com"}}},
    {"other parameters ignored",
     GET(CONFIG "?x=1&EmailAddress=alice%40example.com&y", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "alice@example.com"}}},
    {"query given apart from the target",
     {"GET", CONFIG, NULL, NULL, NULL, 0, "emailaddress=alice%40example.com"},
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "alice@example.com"}}},
    {"HEAD",
     {"HEAD", CONFIG "?emailaddress=alice%40example.com", NULL, NULL, NULL, 0,
      NULL},
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"well-known path",
     GET("/.well-known/autoconfig/mail/config-v1.1.xml"
         "?emailaddress=alice%40example.com",
         NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"v1.1 path",
     GET("/v1.1/mail/config-v1.1.xml?emailaddress=alice%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"path in other case",
     GET("/MAIL/Config-V1.1.XML?emailaddress=alice%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"percent-encoded path",
     GET("/mail/config%2Dv1.1.xml?emailaddress=alice%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"absolute-form target",
     GET("http://autoconfig.example.com/mail/config-v1.1.xml"
         "?emailaddress=alice%40example.com",
         NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "domain", "example.com"}}},
    {"address repeated",
     GET(CONFIG "?emailaddress=alice%40example.com"
                "&emailaddress=bob%40example.com",
         "autoconfig.example.com"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: emailaddress given more than once\n"}}},
    {"address repeated in other case",
     GET(CONFIG "?emailaddress=alice%40example.com&EMAILADDRESS=x", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: emailaddress given more than once\n"}}},
    {"address without @",
     GET(CONFIG "?emailaddress=alice", "autoconfig.example.com"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"}}},
    {"address empty",
     GET(CONFIG "?emailaddress=", "autoconfig.example.com"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"}}},
    {"address with bad escape",
     GET(CONFIG "?emailaddress=alice%4example.com", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"}}},
    {"address with escaped NUL",
     GET(CONFIG "?emailaddress=alice%00%40example.com", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"}}},
    {"address decoded once only",
     GET(CONFIG "?emailaddress=alice%2540example.com", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"}}},
    {"no address and no Host",
     GET(CONFIG, NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: no emailaddress and no valid Host header\n"}}},
    {"no address and IPv6 Host",
     GET(CONFIG, "[2001:db8::1]:443"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: no emailaddress and no valid Host header\n"}}},
    {"unknown domain",
     GET(CONFIG "?emailaddress=alice%40unknown.example", NULL),
     404,
     TEXT_TYPE,
     "unknown.example",
     {{"body", "404 Not Found: no provider serves this domain\n"}}},
    {"unknown Host",
     GET(CONFIG, "autoconfig.unknown.example"),
     404,
     TEXT_TYPE,
     "unknown.example",
     {{"body", "404 Not Found: no provider serves this domain\n"}}},
    {"POST",
     POST(CONFIG "?emailaddress=alice%40example.com", "x"),
     405,
     TEXT_TYPE,
     "",
     {{"body", "405 Method Not Allowed: method not allowed\n"},
      {"headers", "Allow: GET, HEAD\r\n"}}},
    {"DELETE",
     {"DELETE", "/.well-known/autoconfig/mail/config-v1.1.xml", NULL, NULL,
      NULL, 0, NULL},
     405,
     TEXT_TYPE,
     "",
     {{"headers", "Allow: GET, HEAD\r\n"}}},
    {"method in lower case",
     {"get", CONFIG "?emailaddress=alice%40example.com", NULL, NULL, NULL, 0,
      NULL},
     405,
     TEXT_TYPE,
     "",
     {{"headers", "Allow: GET, HEAD\r\n"}}},
};

static const struct http_case other_path_cases[] = {
    {"unknown path",
     GET("/index.html", "example.com"),
     404,
     TEXT_TYPE,
     "",
     {{"body", "404 Not Found: no such path\n"}, {"headers", ""}}},
    {"root path",
     GET("/", NULL),
     404,
     TEXT_TYPE,
     "",
     {{"body", "404 Not Found: no such path\n"}}},
    {"autoconfig path with a slash after it",
     GET(CONFIG "/?emailaddress=alice%40example.com", NULL),
     404,
     TEXT_TYPE,
     "",
     {{"body", "404 Not Found: no such path\n"}}},
    {"autoconfig path with a prefix",
     GET("/x" CONFIG "?emailaddress=alice%40example.com", NULL),
     404,
     TEXT_TYPE,
     "",
     {{"body", "404 Not Found: no such path\n"}}},
    {"JSON path with a suffix",
     GET(JSON_PATH "x?Email=alice%40example.com&Protocol=AutodiscoverV1", NULL),
     404,
     TEXT_TYPE,
     "",
     {{"body", "404 Not Found: no such path\n"}}},
    {"malformed escape in path",
     GET("/mail/config-v1.1.xml%zz", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid percent-encoding in path\n"}}},
    {"escaped NUL in path",
     GET("/mail/config-v1.1.xml%00?emailaddress=alice%40example.com", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid percent-encoding in path\n"}}},
    {"missing method",
     {NULL, CONFIG, NULL, NULL, NULL, 0, NULL},
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: missing method or request target\n"}}},
    {"missing target",
     {"GET", NULL, NULL, NULL, NULL, 0, NULL},
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: missing method or request target\n"}}},
};

/* An Outlook request for address with the given response schema. */
#define POX_REQUEST(address, schema)                                           \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"                               \
    "<Autodiscover xmlns=\"" OUTLOOK_REQUEST "\"><Request>"                    \
    "<EMailAddress>" address "</EMailAddress>"                                 \
    "<AcceptableResponseSchema>" schema "</AcceptableResponseSchema>"          \
    "</Request></Autodiscover>"
#define OUTLOOK(address) POX_REQUEST(address, OUTLOOK_2006A)
#define MOBILE(address)                                                        \
    "<Autodiscover xmlns=\"" MOBILESYNC_REQUEST "\"><Request>"                 \
    "<EMailAddress>" address "</EMailAddress>"                                 \
    "<AcceptableResponseSchema>" MOBILESYNC "</AcceptableResponseSchema>"      \
    "</Request></Autodiscover>"

#define BILLION_LAUGHS                                                         \
    "<?xml version=\"1.0\"?>\n"                                                \
    "<!DOCTYPE lolz [\n"                                                       \
    " <!ENTITY lol \"lol\">\n"                                                 \
    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n" \
    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"   \
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"   \
    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"   \
    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"   \
    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"   \
    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"   \
    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"   \
    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"   \
    "]>\n" OUTLOOK("&lol9;@example.com")

#define EXTERNAL_ENTITY                                                        \
    "<?xml version=\"1.0\"?>\n"                                                \
    "<!DOCTYPE Autodiscover [\n"                                               \
    " <!ENTITY x SYSTEM \"file:///etc/passwd\">\n"                             \
    "]>\n" OUTLOOK("&x;@example.com")

/* The Outlook response for alice@example.com, element by element. */
#define POX_ALICE                                                              \
    {"Autodiscover@xmlns", RESPONSE_2006}, {RESPONSE "@xmlns", OUTLOOK_2006A}, \
        {ACCOUNT "AccountType", "email"}, {ACCOUNT "Action", "settings"},      \
        {"count:" ACCOUNT "Protocol", "4"}, {PROTOCOL "Type", "IMAP"},         \
        {PROTOCOL "Server", "imap.example.com"}, {PROTOCOL "Port", "993"},     \
        {PROTOCOL "DomainRequired", "off"},                                    \
        {PROTOCOL "LoginName", "alice@example.com"}, {PROTOCOL "SPA", "off"},  \
        {PROTOCOL "SSL", "on"}, {PROTOCOL "Encryption", "SSL"},                \
        {PROTOCOL "AuthRequired", "on"}, {PROTOCOL "TTL", "24"},               \
        {PROTOCOL "Type#2", "POP3"}, {PROTOCOL "Port#2", "110"},               \
        {PROTOCOL "SSL#2", "on"}, {PROTOCOL "Encryption#2", "TLS"},            \
        {PROTOCOL "Type#3", "SMTP"},                                           \
        {PROTOCOL "Server#3", "smtp.example.com"}, {PROTOCOL "Port#3", "587"}, \
        {PROTOCOL "LoginName#3", "alice@example.com"},                         \
        {PROTOCOL "Encryption#3", "TLS"}, {PROTOCOL "Type#4", "CalDAV"},       \
        {PROTOCOL "Server#4", "https://dav.example.com/alice@example.com/"},   \
        {PROTOCOL "LoginName#4", "alice@example.com"},                         \
        {"count:" PROTOCOL "TTL", "3"},                                        \
    {                                                                          \
        "count:" PROTOCOL "DomainName", "0"                                    \
    }

static const struct http_case pox_cases[] = {
    {"Outlook request",
     POX(OUTLOOK("alice@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {POX_ALICE}},
    {"another provider",
     POX(OUTLOOK("bob@example.net")),
     200,
     XML_TYPE,
     "example.net",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {"count:" ACCOUNT "Protocol", "2"},
      {PROTOCOL "Type", "IMAP"},
      {PROTOCOL "Server", "mail.example.net"},
      {PROTOCOL "Port", "143"},
      {PROTOCOL "DomainRequired", "on"},
      {PROTOCOL "DomainName", "HOSTING"},
      {PROTOCOL "LoginName", "bob"},
      {PROTOCOL "SSL", "off"},
      {PROTOCOL "Encryption", "None"},
      {PROTOCOL "AuthRequired", "on"},
      {PROTOCOL "Type#2", "SMTP"},
      {PROTOCOL "Port#2", "465"},
      {PROTOCOL "LoginName#2", "bob@example.net"},
      {PROTOCOL "AuthRequired#2", "off"},
      {"count:" PROTOCOL "TTL", "0"}}},
    {"no XML declaration",
     POX("<Autodiscover xmlns=\"" OUTLOOK_REQUEST "\"><Request>"
         "<EMailAddress>alice@example.com</EMailAddress>"
         "<AcceptableResponseSchema>" OUTLOOK_2006A
         "</AcceptableResponseSchema></Request></Autodiscover>"),
     200,
     XML_TYPE,
     "example.com",
     {{ACCOUNT "Action", "settings"},
      {PROTOCOL "LoginName", "alice@example.com"}}},
    {"byte order mark",
     POX("\xef\xbb\xbf" OUTLOOK("alice@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "alice@example.com"}}},
    {"prefixed elements",
     POX("<a:Autodiscover xmlns:a=\"" OUTLOOK_REQUEST "\"><a:Request>"
         "<a:EMailAddress>alice@example.com</a:EMailAddress>"
         "<a:AcceptableResponseSchema>" OUTLOOK_2006A
         "</a:AcceptableResponseSchema></a:Request></a:Autodiscover>"),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "alice@example.com"}}},
    {"no namespace",
     POX("<Autodiscover><Request><EMailAddress>alice@example.com"
         "</EMailAddress></Request></Autodiscover>"),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {PROTOCOL "LoginName", "alice@example.com"}}},
    {"https:// schema spelling",
     POX(POX_REQUEST("alice@example.com",
                     "https://schemas.microsoft.com/exchange/autodiscover/"
                     "outlook/responseschema/2006a")),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", OUTLOOK_2006A}}},
    {"schema 2006",
     POX(POX_REQUEST("alice@example.com", OUTLOOK_2006)),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", OUTLOOK_2006}}},
    {"schema in other case",
     POX(POX_REQUEST("alice@example.com",
                     "HTTP://Schemas.Microsoft.com/Exchange/autodiscover/"
                     "outlook/responseschema/2006A")),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", OUTLOOK_2006A}}},
    {"EmailAddress spelling",
     POX("<Autodiscover xmlns=\"" OUTLOOK_REQUEST "\"><Request>"
         "<EmailAddress>alice@example.com</EmailAddress>"
         "</Request></Autodiscover>"),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "alice@example.com"}}},
    {"address with whitespace, CDATA and a character reference",
     POX(OUTLOOK("\n  <![CDATA[alice]]>&#64;example.com\n")),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "alice@example.com"}}},
    {"address upper-case domain",
     POX(OUTLOOK("Alice@EXAMPLE.COM")),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "Alice@example.com"}}},
    {"comment and processing instruction",
     POX("<?xml version=\"1.0\"?><!-- client --><?pi x?>"
         "<Autodiscover><Request><EMailAddress>alice@example.com"
         "</EMailAddress></Request></Autodiscover><!-- end -->"),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "alice@example.com"}}},
    {"first address wins",
     POX("<Autodiscover><Request><EMailAddress>bob@example.net</EMailAddress>"
         "<EMailAddress>alice@example.com</EMailAddress>"
         "</Request></Autodiscover>"),
     200,
     XML_TYPE,
     "example.net",
     {{PROTOCOL "LoginName#2", "bob@example.net"}}},
    {"alias domain redirects",
     POX(OUTLOOK("bob@example.org")),
     200,
     XML_TYPE,
     "example.org",
     {{ACCOUNT "Action", "redirectAddr"},
      {ACCOUNT "RedirectAddr", "bob@example.com"},
      {"count:" ACCOUNT "Protocol", "0"}}},
    {"MobileSync with activesync_url",
     POX(MOBILE("alice@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", MOBILESYNC},
      {RESPONSE "/User/EMailAddress", "alice@example.com"},
      {SERVER "Type", "MobileSync"},
      {SERVER "Url", ACTIVESYNC_URL},
      {SERVER "Name", ACTIVESYNC_URL}}},
    {"MobileSync alias redirects",
     POX(MOBILE("bob@example.org")),
     200,
     XML_TYPE,
     "example.org",
     {{RESPONSE "/Action/Redirect", "bob@example.com"},
      {"count:" RESPONSE "/Action/Settings", "0"}}},
    {"MobileSync without activesync_url",
     POX(MOBILE("bob@example.net")),
     200,
     XML_TYPE,
     "example.net",
     {{RESPONSE "@xmlns", MOBILESYNC},
      {ERROR "ErrorCode", "601"},
      {ERROR "Message", "Provider is not available"}}},
    {"GET with Host",
     GET("/autodiscover/autodiscover.xml", "autodiscover.example.com"),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {ACCOUNT "Action", "settings"},
      {"count:" ACCOUNT "Protocol", "4"},
      {PROTOCOL "Server", "imap.example.com"},
      {"count:" PROTOCOL "LoginName", "0"}}},
    {"GET with placeholder host name",
     GET("/AutoDiscover/AutoDiscover.xml", "example.net"),
     200,
     XML_TYPE,
     "example.net",
     {{PROTOCOL "Server", "mail.example.net"},
      {"count:" PROTOCOL "LoginName", "0"}}},
    {"GET without Host",
     GET("/autodiscover/autodiscover.xml", NULL),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}, {ERROR "Message", "Invalid Request"}}},
    {"GET for unknown domain",
     GET("/autodiscover/autodiscover.xml", "autodiscover.unknown.example"),
     200,
     XML_TYPE,
     "unknown.example",
     {{ERROR "ErrorCode", "500"}}},
    {"PUT",
     {"PUT", "/autodiscover/autodiscover.xml", NULL, NULL, "x", 0, NULL},
     405,
     TEXT_TYPE,
     "",
     {{"headers", "Allow: GET, HEAD, POST\r\n"}}},

    {"not XML",
     POX("hello"),
     200,
     XML_TYPE,
     "",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {ERROR "ErrorCode", "600"},
      {ERROR "Message", "Invalid Request"}}},
    {"empty body", POX(""), 200, XML_TYPE, "", {{ERROR "ErrorCode", "600"}}},
    {"truncated XML",
     POX("<Autodiscover><Request><EMailAddress>alice@example.com"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"other root element",
     POX("<Discover><Request><EMailAddress>alice@example.com</EMailAddress>"
         "</Request></Discover>"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"unbound prefix",
     POX("<a:Autodiscover><a:Request><a:EMailAddress>alice@example.com"
         "</a:EMailAddress></a:Request></a:Autodiscover>"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"billion laughs",
     POX(BILLION_LAUGHS),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}, {"absent", "lollol"}}},
    {"external entity",
     POX(EXTERNAL_ENTITY),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}, {"absent", "root:"}}},
    {"undeclared entity",
     POX(OUTLOOK("&x;@example.com")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"LegacyDN only",
     POX("<Autodiscover xmlns=\"" OUTLOOK_REQUEST "\"><Request>"
         "<LegacyDN>/o=Example/ou=First/cn=Recipients/cn=alice</LegacyDN>"
         "<AcceptableResponseSchema>" OUTLOOK_2006A
         "</AcceptableResponseSchema></Request></Autodiscover>"),
     200,
     XML_TYPE,
     "",
     {{RESPONSE "@xmlns", OUTLOOK_2006A}, {ERROR "ErrorCode", "600"}}},
    {"missing address",
     POX("<Autodiscover xmlns=\"" OUTLOOK_REQUEST "\"><Request>"
         "<AcceptableResponseSchema>" OUTLOOK_2006A
         "</AcceptableResponseSchema></Request></Autodiscover>"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"empty address",
     POX(OUTLOOK("  ")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"address outside Request",
     POX("<Autodiscover><EMailAddress>alice@example.com</EMailAddress>"
         "</Autodiscover>"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"address in MobileSync namespace missing",
     POX("<Autodiscover xmlns=\"" MOBILESYNC_REQUEST "\"><Request>"
         "<AcceptableResponseSchema>" MOBILESYNC
         "</AcceptableResponseSchema></Request></Autodiscover>"),
     200,
     XML_TYPE,
     "",
     {{RESPONSE "@xmlns", MOBILESYNC}, {ERROR "ErrorCode", "600"}}},
    {"invalid address",
     POX(OUTLOOK("alice")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"address longer than 512 bytes",
     POX(OUTLOOK(
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "@example.com")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}}},
    {"unknown domain",
     POX(OUTLOOK("alice@unknown.example")),
     200,
     XML_TYPE,
     "unknown.example",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {ERROR "ErrorCode", "500"},
      {ERROR "Message", "The email address cannot be found."}}},
    {"unknown schema",
     POX(POX_REQUEST("alice@example.com", "http://example.com/schema")),
     200,
     XML_TYPE,
     "",
     {{RESPONSE "@xmlns", OUTLOOK_2006A},
      {ERROR "ErrorCode", "601"},
      {ERROR "Message", "Provider is not available"}}},
    {"schema without scheme",
     POX(POX_REQUEST("alice@example.com",
                     "schemas.microsoft.com/exchange/autodiscover/outlook/"
                     "responseschema/2006a")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "601"}}},
    {"Content-Length above the limit",
     {"POST", "/autodiscover/autodiscover.xml", NULL, "65537",
      OUTLOOK("alice@example.com"), 0, NULL},
     413,
     TEXT_TYPE,
     "",
     {{"body", "413 Content Too Large: request body larger than 64 KiB\n"}}},
    {"huge Content-Length",
     {"POST", "/autodiscover/autodiscover.xml", NULL, "99999999999999999999",
      OUTLOOK("alice@example.com"), 0, NULL},
     413,
     TEXT_TYPE,
     "",
     {{"body", "413 Content Too Large: request body larger than 64 KiB\n"}}},
};

/* Requests whose input must come back escaped or not at all. */
static const struct http_case injection_cases[] = {
    {"markup in autoconfig address",
     GET(CONFIG "?emailaddress=%3Cscript%3E%40example.com", NULL),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: invalid emailaddress\n"},
      {"absent", "script"}}},
    {"quotes and ampersand in autoconfig address",
     GET(CONFIG "?emailaddress=o'brien%26co%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "o'brien&co@example.com"},
      {"absent", "o'brien"},
      {"absent", "brien&co"}}},
    {"placeholder as local part",
     GET(CONFIG "?emailaddress=%25EMAILDOMAIN%25%40example.com", NULL),
     200,
     XML_TYPE,
     "example.com",
     {{CLIENT_CONFIG "incomingServer/username", "%EMAILDOMAIN%@example.com"}}},
    {"placeholder as local part at an alias domain",
     GET(CONFIG "?emailaddress=%25EMAILADDRESS%25%40example.org", NULL),
     200,
     XML_TYPE,
     "example.org",
     {{CLIENT_CONFIG "domain", "example.org"},
      {CLIENT_CONFIG "incomingServer/username", "%EMAILADDRESS%@example.com"},
      {"clientConfig/calendar/serverURL",
       "https://dav.example.com/%EMAILADDRESS%@example.com/"}}},
    {"placeholder as local part in a profile",
     GET("/email.mobileconfig?emailaddress=%25EMAILDOMAIN%25%40example.com",
         NULL),
     200,
     "application/x-apple-aspen-config",
     "example.com",
     {{"present", "<string>%EMAILDOMAIN%@example.com</string>"},
      {"present", "Mail settings for %EMAILDOMAIN%@example.com"},
      {"absent", "example.com@example.com"}}},
    {"placeholder as local part in a profile at an alias domain",
     GET("/email.mobileconfig?emailaddress=%25EMAILLOCALPART%25x%40example.org",
         NULL),
     200,
     "application/x-apple-aspen-config",
     "example.org",
     {{"present", "<string>%EMAILLOCALPART%x@example.org</string>"},
      {"present", "<string>%EMAILLOCALPART%x@example.com</string>"},
      {"absent", "<string>%EMAILLOCALPART%xx@"}}},
    {"markup in Host",
     GET(CONFIG, "<script>.example.com"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: no emailaddress and no valid Host header\n"},
      {"absent", "script"}}},
    {"quotes in Host",
     GET(CONFIG, "example.com\"><x a='"),
     400,
     TEXT_TYPE,
     "",
     {{"body", "400 Bad Request: no emailaddress and no valid Host header\n"},
      {"absent", "<x"},
      {"absent", "'"}}},
    {"markup in Autodiscover GET Host",
     GET("/autodiscover/autodiscover.xml", "<script>"),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}, {"absent", "script"}}},
    {"quotes and ampersand in POX address",
     POX(OUTLOOK("o'brien&amp;co@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "o'brien&co@example.com"},
      {"absent", "o'brien"},
      {"absent", "brien&co"}}},
    {"quotes and ampersand in MobileSync address",
     POX(MOBILE("o'brien&amp;co@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "/User/DisplayName", "o'brien&co@example.com"},
      {"absent", "o'brien"},
      {"absent", "brien&co"}}},
    {"placeholder as POX address",
     POX(OUTLOOK("%EMAILDOMAIN%@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{PROTOCOL "LoginName", "%EMAILDOMAIN%@example.com"},
      {"absent", "example.com@example.com"}}},
    {"placeholder as POX address at an alias domain",
     POX(OUTLOOK("%EMAILADDRESS%@example.org")),
     200,
     XML_TYPE,
     "example.org",
     {{ACCOUNT "RedirectAddr", "%EMAILADDRESS%@example.com"}}},
    {"placeholder as MobileSync address",
     POX(MOBILE("%EMAILDOMAIN%@example.com")),
     200,
     XML_TYPE,
     "example.com",
     {{RESPONSE "/User/DisplayName", "%EMAILDOMAIN%@example.com"},
      {RESPONSE "/User/EMailAddress", "%EMAILDOMAIN%@example.com"}}},
    {"placeholder as MobileSync address at an alias domain",
     POX(MOBILE("%EMAILADDRESS%@example.org")),
     200,
     XML_TYPE,
     "example.org",
     {{RESPONSE "/Action/Redirect", "%EMAILADDRESS%@example.com"}}},
    {"placeholder as JSON address",
     GET(JSON_PATH "/v1.0/%25EMAILDOMAIN%25@example.net"
                   "?Protocol=AutodiscoverV1",
         NULL),
     200,
     JSON_TYPE,
     "example.net",
     {{"Url", "https://ad.example.net/autodiscover/autodiscover.xml"}}},
    {"markup in POX address",
     POX(OUTLOOK("&lt;script&gt;@example.com")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "600"}, {"absent", "script"}}},
    {"markup in POX schema",
     POX(POX_REQUEST("alice@example.com", "http://x/&quot;&gt;&lt;script&gt;")),
     200,
     XML_TYPE,
     "",
     {{ERROR "ErrorCode", "601"},
      {RESPONSE "@xmlns", OUTLOOK_2006A},
      {"absent", "script"}}},
    {"markup in JSON protocol",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=%3Cscript%3E", NULL),
     400,
     JSON_TYPE,
     "example.com",
     {{"ErrorCode", "InvalidProtocol"}, {"absent", "script"}}},
    {"markup in JSON address",
     GET(JSON_PATH "/v1.0/%3Cscript%3E@example.com?Protocol=AutodiscoverV1",
         NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"}, {"absent", "script"}}},
    {"quotes in JSON address",
     GET(JSON_PATH "?Email=a%22b%40example.com&Protocol=AutodiscoverV1", NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"},
      {"absent", "a\"b"},
      {"absent", "a\\\"b"}}},
};

#define V1_URL(host) "https://" host "/autodiscover/autodiscover.xml"

static const struct http_case json_cases[] = {
    {"Email parameter",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=AutodiscoverV1",
         "autodiscover.example.com"),
     200,
     JSON_TYPE,
     "example.com",
     {{"body", "{\"Protocol\":\"AutodiscoverV1\",\"Url\":\"" V1_URL(
                   "autodiscover.example.com") "\"}\n"}}},
    {"address in the path",
     GET(JSON_PATH "/v1.0/alice@example.com?Protocol=AutodiscoverV1", NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"Protocol", "AutodiscoverV1"},
      {"Url", V1_URL("autodiscover.example.com")}}},
    {"escaped address in the path",
     GET(JSON_PATH "/v1.0/alice%40example.com?Protocol=AutodiscoverV1", NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"Url", V1_URL("autodiscover.example.com")}}},
    {"path and protocol in other case",
     GET("/AutoDiscover/AutoDiscover.json/V1.0/alice@example.com"
         "?protocol=autodiscoverv1",
         NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"Protocol", "AutodiscoverV1"}}},
    {"protocol in upper case",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=AUTODISCOVERV1", NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"Protocol", "AutodiscoverV1"}}},
    {"autodiscover_host",
     GET(JSON_PATH "?Email=bob%40example.net&Protocol=AutodiscoverV1", NULL),
     200,
     JSON_TYPE,
     "example.net",
     {{"Url", "https://ad.example.net/autodiscover/autodiscover.xml"}}},
    {"alias domain",
     GET(JSON_PATH "?Email=bob%40example.org&Protocol=AutodiscoverV1", NULL),
     200,
     JSON_TYPE,
     "example.org",
     {{"Url", V1_URL("autodiscover.example.org")}}},
    {"ActiveSync",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=ActiveSync", NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"body",
       "{\"Protocol\":\"ActiveSync\",\"Url\":\"https://"
       "eas.example.com/Microsoft-Server-ActiveSync?a=1\\u0026b=2\"}\n"},
      {"Url", ACTIVESYNC_URL}}},
    {"ActiveSync in other case",
     GET(JSON_PATH "/v1.0/alice@example.com?Protocol=activesync", NULL),
     200,
     JSON_TYPE,
     "example.com",
     {{"Protocol", "ActiveSync"}, {"Url", ACTIVESYNC_URL}}},
    {"ActiveSync without activesync_url",
     GET(JSON_PATH "?Email=bob%40example.net&Protocol=ActiveSync", NULL),
     400,
     JSON_TYPE,
     "example.net",
     {{"ErrorCode", "InvalidProtocol"},
      {"ErrorMessage", "The given protocol value is invalid. Supported "
                       "values are 'AutodiscoverV1'."}}},
    {"unknown protocol",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=Ews", NULL),
     400,
     JSON_TYPE,
     "example.com",
     {{"ErrorCode", "InvalidProtocol"},
      {"ErrorMessage", "The given protocol value is invalid. Supported "
                       "values are 'AutodiscoverV1, ActiveSync'."}}},
    {"missing protocol",
     GET(JSON_PATH "?Email=alice%40example.com", NULL),
     400,
     JSON_TYPE,
     "example.com",
     {{"ErrorCode", "MandatoryParameterMissing"},
      {"ErrorMessage", "A valid value must be provided for the query "
                       "parameter 'Protocol'."}}},
    {"empty protocol",
     GET(JSON_PATH "?Email=alice%40example.com&Protocol=", NULL),
     400,
     JSON_TYPE,
     "example.com",
     {{"ErrorCode", "MandatoryParameterMissing"}}},
    {"missing address",
     GET(JSON_PATH "?Protocol=AutodiscoverV1", NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"},
      {"ErrorMessage", "A valid email address must be provided."}}},
    {"invalid address",
     GET(JSON_PATH "?Email=alice&Protocol=AutodiscoverV1", NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"},
      {"ErrorMessage", "The email address is not valid."}}},
    {"invalid address in the path",
     GET(JSON_PATH "/v1.0/alice?Protocol=AutodiscoverV1", NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"},
      {"ErrorMessage", "The email address is not valid."}}},
    {"address repeated",
     GET(JSON_PATH "?Email=alice%40example.com&Email=bob%40example.com"
                   "&Protocol=AutodiscoverV1",
         NULL),
     400,
     JSON_TYPE,
     "",
     {{"ErrorCode", "InvalidEmailAddress"}}},
    {"unknown domain",
     GET(JSON_PATH "?Email=alice%40unknown.example&Protocol=AutodiscoverV1",
         NULL),
     404,
     JSON_TYPE,
     "unknown.example",
     {{"ErrorCode", "NotFound"},
      {"ErrorMessage", "No provider serves this domain."}}},
    {"unknown path below",
     GET(JSON_PATH "/v2.0/alice@example.com?Protocol=AutodiscoverV1", NULL),
     404,
     JSON_TYPE,
     "",
     {{"ErrorCode", "NotFound"},
      {"ErrorMessage", "No such Autodiscover path."}}},
    {"POST",
     POST(JSON_PATH "?Email=alice%40example.com&Protocol=AutodiscoverV1", ""),
     405,
     TEXT_TYPE,
     "",
     {{"headers", "Allow: GET, HEAD\r\n"}}},
};

/* Reads a file of tests/requests into *request; the text stays owned. */
static int
load_request_file(const char *name, struct request *request, char **text)
{
    char path[1024], *line, *end, *body, *target, *version;
    size_t len;
    FILE *file;

    snprintf(path, sizeof(path), "%s/%s", REQUEST_DIR, name);
    file = fopen(path, "rb");
    if (file == NULL)
        return -1;
    *text = calloc(1, 65536);
    len = fread(*text, 1, 65535, file);
    fclose(file);
    (*text)[len] = '\0';

    memset(request, 0, sizeof(*request));
    body = strstr(*text, "\r\n\r\n");
    if (body == NULL)
        return -1;
    *body = '\0';
    request->body = body + 4;
    request->body_len = strlen(request->body);

    /* The request line: METHOD TARGET HTTP/1.1 */
    line = *text;
    end = strstr(line, "\r\n");
    if (end != NULL)
        *end = '\0';
    target = strchr(line, ' ');
    version = target == NULL ? NULL : strchr(target + 1, ' ');
    if (version == NULL)
        return -1;
    *target = '\0';
    *version = '\0';
    request->method = line;
    request->target = target + 1;

    while (end != NULL) {
        line = end + 2;
        end = strstr(line, "\r\n");
        if (end != NULL)
            *end = '\0';
        if (strncmp(line, "Host: ", 6) == 0)
            request->host = line + 6;
        else if (strncmp(line, "Content-Length: ", 16) == 0)
            request->content_length = line + 16;
    }
    return 0;
}

struct file_case {
    const char *file;
    struct http_case expected;
};

static const struct file_case file_cases[] = {
    {"outlook-autodiscover.http",
     {"", {0}, 200, XML_TYPE, "example.com", {POX_ALICE}}},
    {"thunderbird-autodiscover.http",
     {"",
      {0},
      200,
      XML_TYPE,
      "example.com",
      {{RESPONSE "@xmlns", OUTLOOK_2006A},
       {PROTOCOL "LoginName", "alice@example.com"}}}},
    {"activesync-autodiscover.http",
     {"",
      {0},
      200,
      XML_TYPE,
      "example.com",
      {{RESPONSE "@xmlns", MOBILESYNC},
       {RESPONSE "/User/EMailAddress", "alice@example.com"},
       {SERVER "Url", ACTIVESYNC_URL}}}},
    {"deltachat-autodiscover-get.http",
     {"",
      {0},
      200,
      XML_TYPE,
      "example.com",
      {{ACCOUNT "Action", "settings"},
       {PROTOCOL "Server", "imap.example.com"},
       {"count:" PROTOCOL "LoginName", "0"}}}},
    {"outlook-autodiscover-json.http",
     {"",
      {0},
      200,
      JSON_TYPE,
      "example.com",
      {{"Protocol", "AutodiscoverV1"},
       {"Url", V1_URL("autodiscover.example.com")}}}},
    {"thunderbird-autoconfig.http",
     {"", {0}, 200, XML_TYPE, "example.com", {AUTOCONFIG_ALICE}}},
    {"thunderbird-autoconfig-wellknown.http",
     {"", {0}, 200, XML_TYPE, "example.com", {AUTOCONFIG_ALICE}}},
    {"android-autoconfig-no-address.http",
     {"",
      {0},
      200,
      XML_TYPE,
      "example.com",
      {{CLIENT_CONFIG "incomingServer/username", "%EMAILADDRESS%"},
       {CLIENT_CONFIG "incomingServer/hostname", "imap.example.com"}}}},
};

static void
test_request_files(void)
{
    struct request request;
    size_t i;

    for (i = 0; i < sizeof(file_cases) / sizeof(file_cases[0]); i++) {
        char *text = NULL;

        check_case("request file %s", file_cases[i].file);
        if (CHECK_INT(load_request_file(file_cases[i].file, &request, &text),
                      0)) {
            send_request(&request);
            check_response(&file_cases[i].expected);
        }
        free(text);
    }
}

/* Builds a valid request padded with spaces to exactly len bytes. */
static char *
padded_request(size_t len)
{
    static const char request[] = OUTLOOK("alice@example.com");
    char *body = malloc(len + 1);

    memcpy(body, request, sizeof(request) - 1);
    memset(body + sizeof(request) - 1, ' ', len - (sizeof(request) - 1));
    body[len] = '\0';
    return body;
}

static void
test_body_limits(void)
{
    struct request request = POX(NULL);
    struct http_request *req;
    char *body;

    check_case("POX body of 65536 bytes");
    body = padded_request(HTTP_BODY_MAX);
    request.body = body;
    request.content_length = "65536";
    req = send_request(&request);
    CHECK_INT(req->status, 200);
    CHECK_STR(req->domain, "example.com");
    CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    CHECK_STR(xml_get(PROTOCOL "LoginName"), "alice@example.com");

    check_case("POX body of 65536 bytes without Content-Length");
    request.content_length = NULL;
    req = send_request(&request);
    CHECK_INT(req->status, 200);
    free(body);

    check_case("POX body of 65537 bytes without Content-Length");
    body = padded_request(HTTP_BODY_MAX + 1);
    request.body = body;
    request.content_length = NULL;
    req = send_request(&request);
    CHECK_INT(req->status, 413);
    CHECK_STR(req->content_type, TEXT_TYPE);
    CHECK_STR(response_body.data,
              "413 Content Too Large: request body larger than 64 KiB\n");

    check_case("POX body of 65537 bytes with a small Content-Length");
    request.content_length = "100";
    req = send_request(&request);
    CHECK_INT(req->status, 413);
    free(body);

    /*
     * Expat (2.5 here) waits for the end of the name token, so the body
     * limit is reached before any syntax error, and reading stops there.
     */
    check_case("POX body of 1 MiB of garbage");
    body = malloc(1024 * 1024 + 1);
    memset(body, 'x', 1024 * 1024);
    body[1024 * 1024] = '\0';
    request.body = body;
    request.content_length = NULL;
    req = send_request(&request);
    CHECK_INT(req->status, 413);
    CHECK(reader.pos <= HTTP_BODY_MAX + 4096);
    free(body);
}

/* Returns the number of allocations one request makes. */
static long
count_allocations(const struct request *request)
{
    long before = memory_allocation_count();

    send_request(request);
    return memory_allocation_count() - before;
}

/*
 * A kept parser is reset for the next request after a small document that
 * parsed, and built anew after anything else. Building one shows as more
 * allocations than resetting one.
 */
static void
test_kept_parser(void)
{
    static const char *const discarding[] = {
        "<Autodiscover><Request><x><x><x><x><x><x><x><x><x><x><x><x><x><x>"
        "<x></x></x></x></x></x></x></x></x></x></x></x></x></x></x></x>"
        "</Request></Autodiscover>",
        "<Autodiscover><Request></Autodiscover>",
        "<a:Autodiscover/>",
        EXTERNAL_ENTITY,
    };
    struct request request = POX(OUTLOOK("alice@example.com"));
    char *padded = padded_request(4097);
    long built;
    size_t i;

    check_case("kept parser: the first request builds it");
    send_request(&request);
    built = count_allocations(&request);
    kept_parser = autodiscover_parser_new();
    CHECK_INT(count_allocations(&request), built);

    check_case("kept parser: the next request resets it");
    CHECK(count_allocations(&request) < built);
    CHECK_STR(last_request.domain, "example.com");
    CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    CHECK_STR(xml_get(PROTOCOL "LoginName"), "alice@example.com");

    for (i = 0; i <= sizeof(discarding) / sizeof(discarding[0]); i++) {
        struct request bad = POX(NULL);

        bad.body = i < sizeof(discarding) / sizeof(discarding[0])
                       ? discarding[i]
                       : padded;
        check_case("kept parser: built anew after discarding body %zu", i);
        send_request(&bad);
        CHECK_INT(count_allocations(&request), built);
        CHECK_INT(xml_load(response_body.data, response_body.len), 0);
        CHECK_STR(xml_get(PROTOCOL "LoginName"), "alice@example.com");
    }
    free(padded);
}

static double
elapsed_seconds(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) +
           (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void
test_pox_details(void)
{
    struct request request = POX(BILLION_LAUGHS);
    struct http_request *req;
    struct timespec start;
    const char *time_text, *id;
    char expected_id[32];
    size_t i;

    check_case("POX billion laughs is quick");
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < 100; i++)
        send_request(&request);
    CHECK(elapsed_seconds(&start) < 1.0);

    check_case("POX body read in one-byte chunks");
    request.body = OUTLOOK("alice@example.com");
    req = send_request_chunked(&request, 1);
    CHECK_INT(req->status, 200);
    CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    CHECK_STR(xml_get(PROTOCOL "LoginName#3"), "alice@example.com");

    check_case("POX body read fails");
    last_request.read_body = read_failing;
    http_handle(&service, &last_request);
    CHECK_INT(last_request.status, 200);
    CHECK_STR(last_request.content_type, XML_TYPE);
    CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    CHECK_STR(xml_get(ERROR "ErrorCode"), "600");

    check_case("POX error Time and Id");
    req = send_request(&(struct request)POX(OUTLOOK("alice@unknown.example")));
    CHECK_INT(req->status, 200);
    CHECK_INT(xml_load(response_body.data, response_body.len), 0);
    /* The time of day in UTC: HH:MM:SS and seven decimal places. */
    time_text = xml_get(RESPONSE "/Error@Time");
    if (CHECK(time_text != NULL)) {
        CHECK_INT(strlen(time_text), 16);
        CHECK_INT(strspn(time_text, "0123456789:."), 16);
        CHECK_INT(time_text[2], ':');
        CHECK_INT(time_text[5], ':');
        CHECK_INT(time_text[8], '.');
    }
    id = xml_get(RESPONSE "/Error@Id");
    snprintf(expected_id, sizeof(expected_id), "%lu", service.server_id);
    CHECK_STR(id, expected_id);
    CHECK_STR(xml_get(ERROR "DebugData"), "");
}

struct log_case {
    const char *method;
    const char *target;
    const char *fields; /* the line before " bytes=" */
    const char *error;  /* the line after the body length */
};

static const struct log_case log_cases[] = {
    {"GET", CONFIG "?emailaddress=alice%40example.com",
     "method=GET path='/mail/config-v1.1.xml' status=200 domain='example.com'",
     ""},
    {"GET", "/x'y\\z\n\"?emailaddress=alice%40example.com",
     "method=GET path='/x\\x27y\\x5cz\\x0a\"' status=404 domain=''",
     " error='no such path'"},
    {"G\nET", "/", "method='G\\x0aET' path='/' status=404 domain=''",
     " error='no such path'"},
    {"POST", CONFIG "?emailaddress=alice%40example.com",
     "method=POST path='/mail/config-v1.1.xml' status=405 domain=''",
     " error='method not allowed'"},
    {"GET", JSON_PATH "/v1.0/alice@example.com?Protocol=AutodiscoverV1",
     "method=GET path='/autodiscover/autodiscover.json/' status=200 "
     "domain='example.com'",
     ""},
    {"GET", "/Autodiscover/AutoDiscover.JSON/v1.0/alice@example.com",
     "method=GET path='/Autodiscover/AutoDiscover.JSON/' status=400 "
     "domain='example.com'",
     " error='A valid value must be provided for the query parameter "
     "\\x27Protocol\\x27.'"},
    {"GET",
     "/autodiscover/autodiscover%2Ejson/v1.0/alice@example.com"
     "?Protocol=AutodiscoverV1",
     "method=GET path='/autodiscover/autodiscover%2Ejson/' status=200 "
     "domain='example.com'",
     ""},
    {"GET",
     "/autodiscover/autodiscover.json%2Fv1.0/alice@example.com"
     "?Protocol=AutodiscoverV1",
     "method=GET path='/autodiscover/autodiscover.json%2F' status=200 "
     "domain='example.com'",
     ""},
    {"GET",
     "/autodiscover/autodiscover.json%2fv1.0%2Falice%40example.com"
     "?Protocol=AutodiscoverV1",
     "method=GET path='/autodiscover/autodiscover.json%2f' status=200 "
     "domain='example.com'",
     ""},
    {"GET",
     "https://example.com/autodiscover/autodiscover.json/v1.0/"
     "alice@example.com?Protocol=AutodiscoverV1",
     "method=GET path='https://example.com/autodiscover/autodiscover.json/' "
     "status=200 domain='example.com'",
     ""},
    {"GET", "http://example.com?emailaddress=alice%40example.com",
     "method=GET path='http://example.com' status=404 domain=''",
     " error='no such path'"},
    {"GET", "https://example.com",
     "method=GET path='https://example.com' status=404 domain=''",
     " error='no such path'"},
    {"GET", "http://example.com?x=/mail/config-v1.1.xml",
     "method=GET path='http://example.com' status=404 domain=''",
     " error='no such path'"},
    {"GET", JSON_PATH "?Email=alice%40example.com&Protocol=AutodiscoverV1",
     "method=GET path='/autodiscover/autodiscover.json' status=200 "
     "domain='example.com'",
     ""},
    {"GET", JSON_PATH "/v1.0/alice@example.com%zz",
     "method=GET path='' status=400 domain=''",
     " error='invalid percent-encoding in path'"},
    {"GET", "/autodiscover/autodiscover%2Ejson/v1.0/alice@example.com%00",
     "method=GET path='' status=400 domain=''",
     " error='invalid percent-encoding in path'"},
};

static void
test_log_fields(void)
{
    struct buffer line;
    char expected[512];
    size_t i;

    buffer_init(&line, 4096);
    for (i = 0; i < sizeof(log_cases) / sizeof(log_cases[0]); i++) {
        const struct log_case *c = &log_cases[i];
        struct request request = {c->method, c->target, NULL, NULL,
                                  NULL,      0,         NULL};

        check_case("http_log_fields %s %s", c->method, c->target);
        send_request(&request);
        buffer_clear(&line);
        snprintf(expected, sizeof(expected), "%s bytes=%zu%s", c->fields,
                 response_body.len, c->error);
        CHECK_INT(http_log_fields(&last_request, &line), 0);
        CHECK_STR(line.data, expected);
        /* The query contains the address, which stays out of the log. */
        CHECK_LACKS(line.data, "alice");
    }

    check_case("http_log_fields path too long");
    {
        static char target[HTTP_PATH_MAX + 64];
        struct request request = {"GET", target, NULL, NULL, NULL, 0, NULL};

        snprintf(target, sizeof(target), "%s", JSON_PATH "/v1.0/alice@");
        memset(target + strlen(target), 'a',
               sizeof(target) - strlen(target) - 1);
        send_request(&request);
        buffer_clear(&line);
        CHECK_INT(http_log_fields(&last_request, &line), 0);
        CHECK_CONTAINS(line.data, "path='' status=414");
        CHECK_LACKS(line.data, "alice");
    }
    buffer_release(&line);
}

static void
load_service(const char *dir)
{
    char path[512], err[1024];
    FILE *file;

    snprintf(path, sizeof(path), "%s/provider.json", dir);
    file = fopen(path, "wb");
    if (file == NULL || fputs(provider_text, file) == EOF ||
        fclose(file) != 0) {
        perror(path);
        exit(2);
    }
    if (service_load(&service, path, TEMPLATE_DIR, err, sizeof(err)) == -1) {
        fprintf(stderr, "service_load failed: %s\n", err);
        exit(2);
    }
    unlink(path);
}

int
main(void)
{
    char dir[] = "/tmp/mailautoconf-http-XXXXXX";

    memory_init();
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    load_service(dir);
    rmdir(dir);
    buffer_init(&response_body, HTTP_ANSWER_MAX);

    run_cases("autoconfig", autoconfig_cases,
              sizeof(autoconfig_cases) / sizeof(autoconfig_cases[0]));
    run_cases("path", other_path_cases,
              sizeof(other_path_cases) / sizeof(other_path_cases[0]));
    run_cases("POX", pox_cases, sizeof(pox_cases) / sizeof(pox_cases[0]));
    run_cases("JSON", json_cases, sizeof(json_cases) / sizeof(json_cases[0]));
    run_cases("injection", injection_cases,
              sizeof(injection_cases) / sizeof(injection_cases[0]));
    test_request_files();
    test_body_limits();
    test_pox_details();
    test_log_fields();

    /* Every POST case again through one kept parser, in order. */
    test_kept_parser();
    run_cases("POX, kept parser", pox_cases,
              sizeof(pox_cases) / sizeof(pox_cases[0]));
    run_cases("injection, kept parser", injection_cases,
              sizeof(injection_cases) / sizeof(injection_cases[0]));
    test_request_files();
    test_body_limits();
    test_pox_details();
    autodiscover_parser_free(kept_parser);

    buffer_release(&response_body);
    service_release(&service);
    return check_summary("test_http");
}
