#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "address.h"
#include "buffer.h"
#include "file.h"
#include "log.h"
#include "memory.h"
#include "provider.h"

#define DEPTH_MAX 16
#define DISPLAY_SHORT_NAME_MAX 20 /* as the provider file allows */

/*
 * Server kinds as bits, so that each server element can name the kinds
 * that take it.
 */
enum {
    KIND_IMAP = 1,
    KIND_POP3 = 2,
    KIND_EXCHANGE = 4,
    KIND_URL = 8, /* ews, graph and the other URL types */
    KIND_SMTP = 16,
    KIND_OTHER = 32 /* anything that is not a server */
};
#define KIND_HOST (KIND_IMAP | KIND_POP3 | KIND_EXCHANGE | KIND_SMTP)
#define KIND_ANY 63

/*
 * The document as a tree of JSON objects, each with name, line,
 * attributes (an object), children (an array) and text. Text and
 * attribute values have their whitespace collapsed.
 */
struct reader {
    XML_Parser parser;
    json_t *root;
    json_t *open[DEPTH_MAX]; /* the open elements, borrowed */
    struct buffer text[DEPTH_MAX];
    size_t depth;
    const char *error; /* why a handler stopped the parser */
};

struct importer {
    const char *name;
    FILE *warnings;
    int count; /* warnings written */
};

struct field;

typedef int import_fn(struct importer *im, const json_t *element,
                      const struct field *field, json_t *out, unsigned kind);

enum field_kind { FIELD_TEXT, FIELD_INTEGER, FIELD_FLAG, FIELD_NESTED };

/* A child element and the provider file key it becomes. */
struct field {
    const char *element;
    const char *key;
    enum field_kind kind;
    unsigned kinds;    /* the server kinds that take it */
    import_fn *import; /* for FIELD_NESTED */
};

/*
 * Returns a new JSON string of len bytes of s with every run of XML
 * whitespace turned into one space and none at either end.
 */
static json_t *
collapsed_string(const char *s, size_t len)
{
    char *copy = memory_malloc(len + 1);
    size_t i, n = 0;
    json_t *string;

    if (copy == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
            if (n > 0 && copy[n - 1] != ' ')
                copy[n++] = ' ';
        } else {
            copy[n++] = s[i];
        }
    }
    if (n > 0 && copy[n - 1] == ' ')
        n--;
    string = json_stringn(copy, n);
    memory_free(copy);
    return string;
}

static void
stop(struct reader *reader, const char *error)
{
    if (reader->error == NULL)
        reader->error = error;
    XML_StopParser(reader->parser, XML_FALSE);
}

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    struct reader *reader = data;
    json_t *element, *values;
    size_t i;

    if (reader->error != NULL)
        return;
    if (reader->depth == DEPTH_MAX) {
        stop(reader, "elements nested too deeply");
        return;
    }
    values = json_object();
    element = json_pack("{s:s, s:I, s:o, s:[]}", "name", name, "line",
                        (json_int_t)XML_GetCurrentLineNumber(reader->parser),
                        "attributes", values, "children");
    if (element == NULL) {
        stop(reader, "out of memory");
        return;
    }
    for (i = 0; attributes[i] != NULL; i += 2) {
        if (json_object_set_new(values, attributes[i],
                                collapsed_string(attributes[i + 1],
                                                 strlen(attributes[i + 1]))) ==
            -1) {
            json_decref(element);
            stop(reader, "out of memory");
            return;
        }
    }

    if (reader->depth == 0) {
        reader->root = element;
    } else if (json_array_append_new(
                   json_object_get(reader->open[reader->depth - 1], "children"),
                   element) == -1) {
        stop(reader, "out of memory");
        return;
    }
    buffer_clear(&reader->text[reader->depth]);
    reader->open[reader->depth++] = element;
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
    struct reader *reader = data;
    struct buffer *text;

    (void)name;
    if (reader->error != NULL || reader->depth == 0)
        return;
    reader->depth--;
    text = &reader->text[reader->depth];
    if (json_object_set_new(
            reader->open[reader->depth], "text",
            collapsed_string(text->len > 0 ? text->data : "", text->len)) == -1)
        stop(reader, "out of memory");
}

static void XMLCALL
on_text(void *data, const XML_Char *text, int len)
{
    struct reader *reader = data;

    if (reader->error != NULL || reader->depth == 0)
        return;
    if (buffer_append(&reader->text[reader->depth - 1], text, (size_t)len) ==
        -1)
        stop(reader, "out of memory");
}

/* Stops at a DOCTYPE, so that no entity is ever declared or expanded. */
static void XMLCALL
on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop(data, "a DOCTYPE is not allowed");
}

static void XMLCALL
on_entity(void *data, const XML_Char *name, int is_parameter,
          const XML_Char *value, int value_len, const XML_Char *base,
          const XML_Char *sysid, const XML_Char *pubid,
          const XML_Char *notation)
{
    (void)name;
    (void)is_parameter;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    stop(data, "an entity declaration is not allowed");
}

/*
 * Parses text into reader->root. Returns 0, or -1 with a message that
 * names the line in err.
 */
static int
read_tree(struct reader *reader, const char *name, const char *text, size_t len,
          char *err, size_t err_size)
{
    enum XML_Status status;

    reader->parser = XML_ParserCreate_MM(NULL, &memory_expat_suite, NULL);
    if (reader->parser == NULL) {
        snprintf(err, err_size, "%s: out of memory", name);
        return -1;
    }
    XML_SetUserData(reader->parser, reader);
    XML_SetElementHandler(reader->parser, on_start, on_end);
    XML_SetCharacterDataHandler(reader->parser, on_text);
    XML_SetStartDoctypeDeclHandler(reader->parser, on_doctype);
    XML_SetEntityDeclHandler(reader->parser, on_entity);

    status = XML_Parse(reader->parser, text, (int)len, XML_TRUE);
    if (reader->error != NULL)
        snprintf(err, err_size, "%s:%lu: %s", name,
                 (unsigned long)XML_GetCurrentLineNumber(reader->parser),
                 reader->error);
    else if (status != XML_STATUS_OK)
        snprintf(err, err_size, "%s:%lu:%lu: invalid XML: %s", name,
                 (unsigned long)XML_GetCurrentLineNumber(reader->parser),
                 (unsigned long)XML_GetCurrentColumnNumber(reader->parser),
                 XML_ErrorString(XML_GetErrorCode(reader->parser)));
    XML_ParserFree(reader->parser);
    return reader->error != NULL || status != XML_STATUS_OK ? -1 : 0;
}

static const char *
element_name(const json_t *element)
{
    return json_string_value(json_object_get(element, "name"));
}

static const char *
element_text(const json_t *element)
{
    return json_string_value(json_object_get(element, "text"));
}

static const char *
attribute(const json_t *element, const char *name)
{
    return json_string_value(
        json_object_get(json_object_get(element, "attributes"), name));
}

static void warn(struct importer *im, const json_t *element, const char *format,
                 ...) __attribute__((format(printf, 3, 4)));

static void
warn(struct importer *im, const json_t *element, const char *format, ...)
{
    char message[1024], line[2048];
    int len;
    va_list ap;

    /* The message quotes the file, so it is escaped to stay one line. */
    len = snprintf(message, sizeof(message),
                   "%s:%" JSON_INTEGER_FORMAT ": warning: ", im->name,
                   json_integer_value(json_object_get(element, "line")));
    va_start(ap, format);
    if (len >= 0 && (size_t)len < sizeof(message))
        vsnprintf(message + len, sizeof(message) - (size_t)len, format, ap);
    va_end(ap);
    log_escape_controls(line, sizeof(line), message);
    fprintf(im->warnings, "%s\n", line);
    im->count++;
}

/* Warns about each attribute of element that allowed does not list. */
static void
check_attributes(struct importer *im, const json_t *element,
                 const char *const *allowed)
{
    const char *name;
    json_t *value;
    size_t i;

    json_object_foreach(json_object_get(element, "attributes"), name, value)
    {
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(name, allowed[i]) == 0)
                break;
        }
        if (allowed[i] == NULL)
            warn(im, element, "unknown attribute '%s' in %s", name,
                 element_name(element));
    }
}

/* Warns about unknown attributes and about any child of a text element. */
static void
check_leaf(struct importer *im, const json_t *element,
           const char *const *allowed)
{
    const json_t *children = json_object_get(element, "children");
    size_t i;

    check_attributes(im, element, allowed);
    for (i = 0; i < json_array_size(children); i++)
        warn(im, json_array_get(children, i), "unknown element '%s' in %s",
             element_name(json_array_get(children, i)), element_name(element));
}

/*
 * Returns a new JSON string of text in which a placeholder without its
 * closing '%', such as "%EMAILADDRESS", gets it, with a warning.
 */
static json_t *
repaired_string(struct importer *im, const json_t *element, const char *text)
{
    static const char *const names[] = {"%EMAILADDRESS", "%EMAILLOCALPART",
                                        "%EMAILDOMAIN"};
    struct buffer out;
    const char *p = text;
    json_t *string = NULL;
    int repaired = 0;

    buffer_init(&out, IMPORT_FILE_MAX);
    if (buffer_append_str(&out, "") == -1)
        return NULL;
    while (*p != '\0') {
        size_t i, len = 0;

        for (i = 0; *p == '%' && i < 3; i++) {
            if (strncmp(p, names[i], strlen(names[i])) == 0) {
                len = strlen(names[i]);
                break;
            }
        }
        if (len == 0) {
            if (buffer_append(&out, p++, 1) == -1)
                goto done;
            continue;
        }
        if (buffer_append(&out, p, len) == -1 ||
            buffer_append_str(&out, "%") == -1)
            goto done;
        repaired |= p[len] != '%';
        p += p[len] == '%' ? len + 1 : len;
    }
    string = json_string(out.data);
    if (repaired)
        warn(im, element,
             "a placeholder in '%s' lacks its closing '%%'; imported as '%s'",
             text, out.data);

done:
    buffer_release(&out);
    return string;
}

static const struct field *
find_field(const struct field *fields, const char *element)
{
    for (; fields->element != NULL; fields++) {
        if (strcmp(fields->element, element) == 0)
            return fields;
    }
    return NULL;
}

/* Imports a text, integer or boolean element into out[field->key]. */
static int
import_value(struct importer *im, const json_t *element,
             const struct field *field, json_t *out)
{
    static const char *const no_attributes[] = {NULL};
    const char *text = element_text(element);
    json_t *value = NULL;
    char *end;
    long number;

    check_leaf(im, element, no_attributes);
    if (json_object_get(out, field->key) != NULL) {
        warn(im, element, "element '%s' repeated; the first one is imported",
             field->element);
        return 0;
    }
    if (text[0] == '\0') {
        warn(im, element, "element '%s' is empty; skipped", field->element);
        return 0;
    }

    switch (field->kind) {
    case FIELD_INTEGER:
        /* Text that is no number stays text, which the provider check
         * then reports with its path. */
        errno = 0;
        number = strtol(text, &end, 10);
        value = *end == '\0' && errno == 0 ? json_integer(number)
                                           : json_string(text);
        break;
    case FIELD_FLAG:
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) {
            warn(im, element, "'%s' in %s is not true or false; skipped", text,
                 field->element);
            return 0;
        }
        value = json_boolean(strcmp(text, "true") == 0);
        break;
    default:
        value = repaired_string(im, element, text);
        break;
    }
    return json_object_set_new(out, field->key, value);
}

/*
 * Imports the children of parent that fields names into out and warns
 * about the others. kind is the server kind of parent, or KIND_OTHER.
 * Returns 0, or -1 when memory runs out.
 */
static int
import_children(struct importer *im, const json_t *parent,
                const struct field *fields, unsigned kind, json_t *out)
{
    const json_t *children = json_object_get(parent, "children");
    size_t i;

    for (i = 0; i < json_array_size(children); i++) {
        const json_t *child = json_array_get(children, i);
        const struct field *field = find_field(fields, element_name(child));
        int rc;

        if (field == NULL) {
            warn(im, child, "unknown element '%s' in %s", element_name(child),
                 element_name(parent));
            continue;
        }
        if ((field->kinds & kind) == 0) {
            warn(im, child, "element '%s' does not apply to type '%s'; skipped",
                 field->element, attribute(parent, "type"));
            continue;
        }
        if (field->kind == FIELD_NESTED)
            rc = field->import(im, child, field, out, kind);
        else
            rc = import_value(im, child, field, out);
        if (rc == -1)
            return -1;
    }
    return 0;
}

/* Returns out[key], an array that is created when missing, or NULL. */
static json_t *
array_member(json_t *out, const char *key)
{
    json_t *array = json_object_get(out, key);

    if (array != NULL)
        return array;
    array = json_array();
    if (json_object_set_new(out, key, array) == -1)
        return NULL;
    return array;
}

/* Returns nonzero when array contains the string value. */
static int
array_has(const json_t *array, const char *value)
{
    size_t i;

    for (i = 0; i < json_array_size(array); i++) {
        if (strcmp(json_string_value(json_array_get(array, i)), value) == 0)
            return 1;
    }
    return 0;
}

/* Imports an authentication method of addressBook or calendar. */
static int
import_dav_method(struct importer *im, const json_t *element, json_t *methods,
                  const char *method)
{
    if (strcmp(method, "http-basic") != 0 &&
        strcmp(method, "http-digest") != 0 && strcmp(method, "OAuth2") != 0) {
        warn(im, element, "unknown authentication method '%s'; skipped",
             method);
        return 0;
    }
    return json_array_append_new(methods, json_string(method));
}

/* Imports an authentication method of a server, kind being its kind. */
static int
import_authentication(struct importer *im, const json_t *element,
                      const struct field *field, json_t *out, unsigned kind)
{
    static const char *const no_attributes[] = {NULL};
    const char *method = element_text(element);
    json_t *methods = array_member(out, field->key);

    check_leaf(im, element, no_attributes);
    if (methods == NULL)
        return -1;
    if (kind == KIND_OTHER)
        return import_dav_method(im, element, methods, method);
    /* Thunderbird still reads the names of its 3.0 release. */
    if (strcmp(method, "plain") == 0 || strcmp(method, "secure") == 0) {
        const char *name =
            method[0] == 'p' ? "password-cleartext" : "password-encrypted";

        warn(im, element,
             "authentication '%s' is an old name; imported as '%s'", method,
             name);
        method = name;
    }
    if (!provider_is_auth_method(method)) {
        warn(im, element, "unknown authentication method '%s'; skipped",
             method);
        return 0;
    }
    if (array_has(methods, method)) {
        warn(im, element, "authentication '%s' listed twice; imported once",
             method);
        return 0;
    }
    return json_array_append_new(methods, json_string(method));
}

static int
import_check_interval(struct importer *im, const json_t *element,
                      const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"minutes", NULL};
    const char *minutes = attribute(element, "minutes");
    char *end;
    long number;

    (void)kind;
    check_leaf(im, element, attributes);
    if (minutes == NULL) {
        warn(im, element, "checkInterval without minutes; skipped");
        return 0;
    }
    errno = 0;
    number = strtol(minutes, &end, 10);
    return json_object_set_new(out, field->key,
                               *end == '\0' && errno == 0 && minutes[0] != '\0'
                                   ? json_integer(number)
                                   : json_string(minutes));
}

static const struct field pop3_fields[] = {
    {"leaveMessagesOnServer", "leave_messages_on_server", FIELD_FLAG, KIND_ANY,
     NULL},
    {"downloadOnBiff", "download_on_biff", FIELD_FLAG, KIND_ANY, NULL},
    {"daysToLeaveMessagesOnServer", "days_to_leave_messages_on_server",
     FIELD_INTEGER, KIND_ANY, NULL},
    {"checkInterval", "check_interval_minutes", FIELD_NESTED, KIND_ANY,
     import_check_interval},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static int
import_pop3(struct importer *im, const json_t *element,
            const struct field *field, json_t *out, unsigned kind)
{
    static const char *const no_attributes[] = {NULL};
    json_t *pop3;

    (void)kind;
    check_attributes(im, element, no_attributes);
    if (json_object_get(out, field->key) != NULL) {
        warn(im, element, "element 'pop3' repeated; the first one is imported");
        return 0;
    }
    pop3 = json_object();
    if (json_object_set_new(out, field->key, pop3) == -1)
        return -1;
    return import_children(im, element, pop3_fields, KIND_OTHER, pop3);
}

/*
 * Imports a server's hostname without one final dot, with a warning,
 * because the provider file rejects that dot. Some clients fail to match
 * such a name against the TLS certificate.
 */
static int
import_hostname(struct importer *im, const json_t *element,
                const struct field *field, json_t *out, unsigned kind)
{
    int repeated = json_object_get(out, field->key) != NULL;
    json_t *value;
    const char *hostname;
    size_t len;

    (void)kind;
    if (import_value(im, element, field, out) == -1)
        return -1;
    value = json_object_get(out, field->key);
    hostname = json_string_value(value);
    len = hostname != NULL ? strlen(hostname) : 0;
    if (repeated || len < 2 || hostname[len - 1] != '.')
        return 0;
    warn(im, element, "hostname '%s' ends with a dot; imported as '%.*s'",
         hostname, (int)(len - 1), hostname);
    return json_string_setn(value, hostname, len - 1);
}

static const struct field server_fields[] = {
    {"hostname", "hostname", FIELD_NESTED, KIND_HOST, import_hostname},
    {"port", "port", FIELD_INTEGER, KIND_HOST, NULL},
    {"socketType", "socket_type", FIELD_TEXT, KIND_HOST, NULL},
    {"url", "url", FIELD_TEXT, KIND_URL, NULL},
    {"username", "username", FIELD_TEXT, KIND_ANY, NULL},
    {"authentication", "authentication", FIELD_NESTED, KIND_ANY,
     import_authentication},
    {"pop3", "pop3", FIELD_NESTED, KIND_POP3, import_pop3},
    {"owaURL", "owa_url", FIELD_TEXT, KIND_EXCHANGE, NULL},
    {"ewsURL", "ews_url", FIELD_TEXT, KIND_EXCHANGE, NULL},
    {"easURL", "eas_url", FIELD_TEXT, KIND_EXCHANGE, NULL},
    {"restriction", "restriction", FIELD_TEXT, KIND_SMTP, NULL},
    {"addThisServer", "add_this_server", FIELD_FLAG, KIND_SMTP, NULL},
    {"useGlobalPreferredServer", "use_global_preferred_server", FIELD_FLAG,
     KIND_ANY, NULL},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

/* Returns the kind of an incoming or outgoing server type, or 0. */
static unsigned
server_kind(const char *type, int incoming)
{
    if (type == NULL)
        return 0;
    if (!incoming)
        return strcmp(type, "smtp") == 0 ? KIND_SMTP : 0;
    if (strcmp(type, "imap") == 0)
        return KIND_IMAP;
    if (strcmp(type, "pop3") == 0)
        return KIND_POP3;
    if (strcmp(type, "exchange") == 0)
        return KIND_EXCHANGE;
    return provider_is_url_type(type) ? KIND_URL : 0;
}

/* Imports an incomingServer or outgoingServer into out[field->key]. */
static int
import_server(struct importer *im, const json_t *element,
              const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"type", NULL};
    const char *type = attribute(element, "type");
    json_t *servers = array_member(out, field->key), *server;

    (void)kind;
    check_attributes(im, element, attributes);
    if (servers == NULL)
        return -1;
    kind = server_kind(type, strcmp(field->key, "incoming") == 0);
    if (kind == 0) {
        warn(im, element, "%s of type '%s' is not supported; skipped",
             field->element, type != NULL ? type : "(none)");
        return 0;
    }
    server = json_pack("{s:s}", "type", type);
    if (json_array_append_new(servers, server) == -1)
        return -1;
    return import_children(im, element, server_fields, kind, server);
}

/* Imports a descr or instruction: text in a language. */
static int
import_localized_text(struct importer *im, const json_t *element,
                      const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"lang", NULL};
    const char *text = element_text(element),
               *lang = attribute(element, "lang");
    json_t *texts = array_member(out, field->key);

    (void)kind;
    check_leaf(im, element, attributes);
    if (texts == NULL)
        return -1;
    if (text[0] == '\0') {
        warn(im, element, "element '%s' is empty; skipped", field->element);
        return 0;
    }
    return json_array_append_new(
        texts, json_pack("{s:s, s:s*}", "text", text, "lang", lang));
}

static const struct field documentation_fields[] = {
    {"descr", "descriptions", FIELD_NESTED, KIND_ANY, import_localized_text},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static const struct field enable_fields[] = {{"instruction", "instructions",
                                              FIELD_NESTED, KIND_ANY,
                                              import_localized_text},
                                             {NULL, NULL, FIELD_TEXT, 0, NULL}};

static int
import_documentation(struct importer *im, const json_t *element,
                     const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"url", NULL};
    const char *url = attribute(element, "url");
    json_t *pages = array_member(out, field->key), *page;

    (void)kind;
    check_attributes(im, element, attributes);
    if (pages == NULL)
        return -1;
    if (url == NULL) {
        warn(im, element, "documentation without url; skipped");
        return 0;
    }
    page = json_pack("{s:s}", "url", url);
    if (json_array_append_new(pages, page) == -1)
        return -1;
    return import_children(im, element, documentation_fields, KIND_OTHER, page);
}

static int
import_enable(struct importer *im, const json_t *element,
              const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"visiturl", NULL};
    const char *url = attribute(element, "visiturl");
    json_t *enable;

    (void)kind;
    check_attributes(im, element, attributes);
    if (json_object_get(out, field->key) != NULL) {
        warn(im, element,
             "element 'enable' repeated; the first one is "
             "imported");
        return 0;
    }
    if (url == NULL) {
        warn(im, element, "enable without visiturl; skipped");
        return 0;
    }
    enable = json_pack("{s:s}", "visit_url", url);
    if (json_object_set_new(out, field->key, enable) == -1)
        return -1;
    return import_children(im, element, enable_fields, KIND_OTHER, enable);
}

/* Imports an enable that a file puts in clientConfig. */
static int
import_misplaced_enable(struct importer *im, const json_t *element,
                        const struct field *field, json_t *out, unsigned kind)
{
    warn(im, element,
         "element 'enable' belongs in emailProvider; imported "
         "as the provider's enable");
    return import_enable(im, element, field, out, kind);
}

static int
import_domain(struct importer *im, const json_t *element,
              const struct field *field, json_t *out, unsigned kind)
{
    static const char *const no_attributes[] = {NULL};
    const char *domain = element_text(element);
    json_t *domains = array_member(out, field->key);

    (void)kind;
    check_leaf(im, element, no_attributes);
    if (domains == NULL)
        return -1;
    if (array_has(domains, domain)) {
        warn(im, element, "domain '%s' listed twice; imported once", domain);
        return 0;
    }
    return json_array_append_new(domains, json_string(domain));
}

static int
import_short_name(struct importer *im, const json_t *element,
                  const struct field *field, json_t *out, unsigned kind)
{
    const char *name = element_text(element);
    size_t length = 0;

    (void)kind;
    for (; *name != '\0'; name++)
        length += ((unsigned char)*name & 0xc0) != 0x80;
    if (length > DISPLAY_SHORT_NAME_MAX) {
        warn(im, element,
             "displayShortName '%s' is longer than %d characters; skipped",
             element_text(element), DISPLAY_SHORT_NAME_MAX);
        return 0;
    }
    return import_value(im, element, field, out);
}

static const struct field provider_fields[] = {
    {"domain", "domains", FIELD_NESTED, KIND_ANY, import_domain},
    {"displayName", "display_name", FIELD_TEXT, KIND_ANY, NULL},
    {"displayShortName", "display_short_name", FIELD_NESTED, KIND_ANY,
     import_short_name},
    {"incomingServer", "incoming", FIELD_NESTED, KIND_ANY, import_server},
    {"outgoingServer", "outgoing", FIELD_NESTED, KIND_ANY, import_server},
    {"documentation", "documentation", FIELD_NESTED, KIND_ANY,
     import_documentation},
    {"enable", "enable", FIELD_NESTED, KIND_ANY, import_enable},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static int
import_email_provider(struct importer *im, const json_t *element,
                      const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"id", NULL};
    const char *id = attribute(element, "id");

    (void)field;
    check_attributes(im, element, attributes);
    if (json_object_get(out, "domains") != NULL) {
        warn(im, element,
             "element 'emailProvider' repeated; the first one is "
             "imported");
        return 0;
    }
    if (id != NULL && json_object_set_new(out, "id", json_string(id)) == -1)
        return -1;
    if (import_children(im, element, provider_fields, kind, out) == -1 ||
        array_member(out, "domains") == NULL)
        return -1;
    /* The file lists every domain, so the autoconfig documents do too. */
    if (json_array_size(json_object_get(out, "domains")) > 1 &&
        json_object_set_new(out, "list_all_domains", json_true()) == -1)
        return -1;
    return 0;
}

/* Imports an element whose only content is an attribute, such as a URL. */
static int
import_attribute(struct importer *im, const json_t *element,
                 const struct field *field, json_t *out, const char *name)
{
    const char *const attributes[] = {name, NULL};
    const char *value = attribute(element, name);

    check_leaf(im, element, attributes);
    if (value == NULL) {
        warn(im, element, "%s without %s; skipped", field->element, name);
        return 0;
    }
    return json_object_set_new(out, field->key, json_string(value));
}

static int
import_login_page(struct importer *im, const json_t *element,
                  const struct field *field, json_t *out, unsigned kind)
{
    (void)kind;
    return import_attribute(im, element, field, out, "url");
}

/* Imports usernameField, passwordField or loginButton: id and name. */
static int
import_form_field(struct importer *im, const json_t *element,
                  const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"id", "name", NULL};
    const char *id = attribute(element, "id"),
               *name = attribute(element, "name");

    (void)kind;
    check_leaf(im, element, attributes);
    return json_object_set_new(
        out, field->key, json_pack("{s:s*, s:s*}", "id", id, "name", name));
}

static const struct field login_form_fields[] = {
    {"username", "username", FIELD_TEXT, KIND_ANY, NULL},
    {"usernameField", "username_field", FIELD_NESTED, KIND_ANY,
     import_form_field},
    {"passwordField", "password_field", FIELD_NESTED, KIND_ANY,
     import_form_field},
    {"loginButton", "login_button", FIELD_NESTED, KIND_ANY, import_form_field},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static int
import_login_form(struct importer *im, const json_t *element,
                  const struct field *field, json_t *out, unsigned kind)
{
    static const char *const attributes[] = {"url", NULL};
    const char *url = attribute(element, "url");
    json_t *form;

    check_attributes(im, element, attributes);
    if (url == NULL) {
        warn(im, element, "loginPageInfo without url; skipped");
        return 0;
    }
    form = json_pack("{s:s}", "url", url);
    if (json_object_set_new(out, field->key, form) == -1)
        return -1;
    return import_children(im, element, login_form_fields, kind, form);
}

static const struct field webmail_fields[] = {
    {"loginPage", "login_page", FIELD_NESTED, KIND_ANY, import_login_page},
    {"loginPageInfo", "login_page_info", FIELD_NESTED, KIND_ANY,
     import_login_form},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static const struct field oauth2_fields[] = {
    {"issuer", "issuer", FIELD_TEXT, KIND_ANY, NULL},
    {"scope", "scope", FIELD_TEXT, KIND_ANY, NULL},
    {"authURL", "auth_url", FIELD_TEXT, KIND_ANY, NULL},
    {"tokenURL", "token_url", FIELD_TEXT, KIND_ANY, NULL},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

static const struct field dav_fields[] = {
    {"username", "username", FIELD_TEXT, KIND_ANY, NULL},
    {"authentication", "authentication", FIELD_NESTED, KIND_ANY,
     import_authentication},
    {"serverURL", "url", FIELD_TEXT, KIND_ANY, NULL},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

/* Imports webMail, oAuth2, addressBook or calendar and their children. */
static int
import_section(struct importer *im, const json_t *element,
               const struct field *field, json_t *out, unsigned kind)
{
    static const char *const no_attributes[] = {NULL};
    static const char *const type_only[] = {"type", NULL};
    const struct field *fields =
        strcmp(field->key, "webmail") == 0  ? webmail_fields
        : strcmp(field->key, "oauth2") == 0 ? oauth2_fields
                                            : dav_fields;
    json_t *section;

    check_attributes(im, element,
                     fields == dav_fields ? type_only : no_attributes);
    if (json_object_get(out, field->key) != NULL) {
        warn(im, element, "element '%s' repeated; the first one is imported",
             field->element);
        return 0;
    }
    section = json_object();
    if (json_object_set_new(out, field->key, section) == -1)
        return -1;
    return import_children(im, element, fields, kind, section);
}

static const struct field client_config_fields[] = {
    {"emailProvider", "emailProvider", FIELD_NESTED, KIND_ANY,
     import_email_provider},
    {"oAuth2", "oauth2", FIELD_NESTED, KIND_ANY, import_section},
    {"webMail", "webmail", FIELD_NESTED, KIND_ANY, import_section},
    {"addressBook", "address_book", FIELD_NESTED, KIND_ANY, import_section},
    {"calendar", "calendar", FIELD_NESTED, KIND_ANY, import_section},
    {"enable", "enable", FIELD_NESTED, KIND_ANY, import_misplaced_enable},
    {NULL, NULL, FIELD_TEXT, 0, NULL}};

/* Returns a copy of provider with its keys in the documented order. */
static json_t *
ordered_provider(const json_t *provider)
{
    static const char *const keys[] = {"id",
                                       "display_name",
                                       "display_short_name",
                                       "domains",
                                       "list_all_domains",
                                       "incoming",
                                       "outgoing",
                                       "documentation",
                                       "enable",
                                       "webmail",
                                       "oauth2",
                                       "calendar",
                                       "address_book",
                                       NULL};
    json_t *ordered = json_object();
    size_t i;

    for (i = 0; ordered != NULL && keys[i] != NULL; i++) {
        json_t *value = json_object_get(provider, keys[i]);

        if (value != NULL && json_object_set(ordered, keys[i], value) == -1) {
            json_decref(ordered);
            return NULL;
        }
    }
    return ordered;
}

static int
import_tree(struct importer *im, const json_t *root, json_t **out, char *err,
            size_t err_size)
{
    static const char *const attributes[] = {"version", NULL};
    json_t *provider;

    if (strcmp(element_name(root), "clientConfig") != 0) {
        snprintf(err, err_size,
                 "%s: not a clientConfig document: the root element is '%s'",
                 im->name, element_name(root));
        return -1;
    }
    check_attributes(im, root, attributes);
    provider = json_object();
    if (provider == NULL || import_children(im, root, client_config_fields,
                                            KIND_OTHER, provider) == -1) {
        json_decref(provider);
        snprintf(err, err_size, "%s: out of memory", im->name);
        return -1;
    }
    if (json_object_get(provider, "domains") == NULL) {
        json_decref(provider);
        snprintf(err, err_size,
                 "%s: not a clientConfig document: no emailProvider element",
                 im->name);
        return -1;
    }
    *out = ordered_provider(provider);
    json_decref(provider);
    if (*out == NULL) {
        snprintf(err, err_size, "%s: out of memory", im->name);
        return -1;
    }
    return 0;
}

int
import_parse(const char *name, const char *text, size_t len, FILE *warnings,
             json_t **out, char *err, size_t err_size)
{
    struct importer im = {name, warnings, 0};
    struct reader reader;
    size_t i;
    int rc;

    if (len > IMPORT_FILE_MAX) {
        snprintf(err, err_size, "%s: larger than %d bytes", name,
                 IMPORT_FILE_MAX);
        return -1;
    }
    memset(&reader, 0, sizeof(reader));
    for (i = 0; i < DEPTH_MAX; i++)
        buffer_init(&reader.text[i], IMPORT_FILE_MAX);

    rc = read_tree(&reader, name, text, len, err, err_size);
    if (rc == 0)
        rc = import_tree(&im, reader.root, out, err, err_size);

    for (i = 0; i < DEPTH_MAX; i++)
        buffer_release(&reader.text[i]);
    json_decref(reader.root);
    return rc == 0 ? im.count : -1;
}

/* Reads the file at path into text, a buffer it initializes. */
static int
read_file(const char *path, struct buffer *text, char *err, size_t err_size)
{
    char chunk[8192];
    FILE *file = file_open_regular(path, err, err_size);
    size_t n;
    int rc = 0;

    if (file == NULL)
        return -1;
    buffer_init(text, IMPORT_FILE_MAX);
    while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0 &&
           buffer_append(text, chunk, n) == 0)
        ;
    if (n > 0) {
        snprintf(err, err_size, "%s: larger than %d bytes or out of memory",
                 path, IMPORT_FILE_MAX);
        rc = -1;
    } else if (ferror(file)) {
        snprintf(err, err_size, "%s: read failed: %s", path, strerror(errno));
        rc = -1;
    }
    fclose(file);
    if (rc == -1)
        buffer_release(text);
    return rc;
}

/* Checks that provider, alone in a provider file, loads. */
static int
check_loads(const char *path, json_t *provider, char *err, size_t err_size)
{
    struct provider_set *set;
    json_t *root = json_pack("{s:[O]}", "providers", provider);
    char *text = root != NULL ? json_dumps(root, 0) : NULL;
    int rc = -1;

    if (text == NULL)
        snprintf(err, err_size, "%s: out of memory", path);
    else
        rc = provider_parse(path, text, strlen(text), &set, err, err_size);
    if (rc == 0)
        provider_set_free(set);
    memory_free(text);
    json_decref(root);
    return rc;
}

/*
 * Records the domains of provider in owners (domain to file) and fails
 * when another file lists one of them.
 */
static int
claim_domains(json_t *owners, const json_t *provider, const char *path,
              char *err, size_t err_size)
{
    const json_t *domains = json_object_get(provider, "domains");
    char domain[ADDRESS_DOMAIN_MAX + 1];
    size_t i;

    for (i = 0; i < json_array_size(domains); i++) {
        const char *name = json_string_value(json_array_get(domains, i));
        const char *owner;

        /* check_loads has accepted every domain. */
        address_normalize_domain(name, strlen(name), domain);
        owner = json_string_value(json_object_get(owners, domain));
        if (owner != NULL) {
            snprintf(err, err_size, "%s: domain '%s' is also listed in %s",
                     path, domain, owner);
            return -1;
        }
        /* A file name need not be UTF-8, which json_string requires. */
        if (json_object_set_new(owners, domain, json_string_nocheck(path)) ==
            -1) {
            snprintf(err, err_size, "%s: out of memory", path);
            return -1;
        }
    }
    return 0;
}

static int
import_file(const char *path, FILE *warnings, json_t **out, char *err,
            size_t err_size)
{
    struct buffer text;
    int rc;

    if (read_file(path, &text, err, err_size) == -1)
        return -1;
    rc = import_parse(path, text.len > 0 ? text.data : "", text.len, warnings,
                      out, err, err_size);
    buffer_release(&text);
    return rc;
}

int
import_files(char *const *paths, size_t count, FILE *warnings, json_t **out,
             char *err, size_t err_size)
{
    json_t *root = json_pack("{s:[]}", "providers");
    json_t *owners = json_object(), *provider;
    size_t i;
    int rc, total = 0;

    if (root == NULL || owners == NULL) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    for (i = 0; i < count; i++) {
        rc = import_file(paths[i], warnings, &provider, err, err_size);
        if (rc == -1)
            goto fail;
        total += rc;
        if (check_loads(paths[i], provider, err, err_size) == -1 ||
            claim_domains(owners, provider, paths[i], err, err_size) == -1) {
            json_decref(provider);
            goto fail;
        }
        if (json_array_append_new(json_object_get(root, "providers"),
                                  provider) == -1) {
            snprintf(err, err_size, "%s: out of memory", paths[i]);
            goto fail;
        }
    }
    json_decref(owners);
    *out = root;
    return total;

fail:
    json_decref(owners);
    json_decref(root);
    return -1;
}
