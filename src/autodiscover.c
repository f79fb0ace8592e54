#include "autodiscover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <expat.h>

#include "address.h"
#include "memory.h"
#include "url.h"

#define SCHEMA_BASE "http://schemas.microsoft.com/exchange/autodiscover/"
#define OUTLOOK_2006A SCHEMA_BASE "outlook/responseschema/2006a"
#define OUTLOOK_2006 SCHEMA_BASE "outlook/responseschema/2006"
#define MOBILESYNC SCHEMA_BASE "mobilesync/responseschema/2006"

#define POX_VALUE_MAX 512
#define READ_CHUNK 4096

/*
 * A parser is kept for the next request only after it parsed a body of
 * at most KEEP_BODY_MAX bytes, nested at most KEEP_DEPTH_MAX deep,
 * without an error. Expat keeps the memory a document made it allocate,
 * so a hostile body must not leave that much behind in every thread.
 */
#define KEEP_BODY_MAX 4096
#define KEEP_DEPTH_MAX 16

/* Error codes of MS-OXDSCLI 2.2.4.1.1.3. */
#define POX_NOT_FOUND 500
#define POX_INVALID_REQUEST 600
#define POX_NO_PROVIDER 601
#define POX_INTERNAL_ERROR 603

enum pox_field { FIELD_NONE, FIELD_EMAIL, FIELD_SCHEMA, FIELD_LEGACY_DN };

struct pox_value {
    char text[POX_VALUE_MAX + 1];
    size_t len;
    int seen;
};

/* What the expat handlers collect from an Autodiscover request body. */
struct pox_request {
    XML_Parser parser;
    int depth;
    int deepest;
    size_t body_len;
    int root_ok;    /* the root element is Autodiscover */
    int request_ok; /* inside Autodiscover/Request */
    int rejected;   /* a DOCTYPE or an entity declaration was seen */
    int too_long;   /* a value passed POX_VALUE_MAX */
    enum pox_field field;
    struct pox_value email;
    struct pox_value schema;
    struct pox_value legacy_dn;
};

static const char *
local_name(const XML_Char *name)
{
    const char *sep = strrchr(name, '|');

    return sep == NULL ? name : sep + 1;
}

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    struct pox_request *pox = data;
    const char *local = local_name(name);

    (void)attributes;
    pox->depth++;
    if (pox->depth > pox->deepest)
        pox->deepest = pox->depth;
    if (pox->depth == 1)
        pox->root_ok = strcasecmp(local, "Autodiscover") == 0;
    else if (pox->depth == 2 && pox->root_ok)
        pox->request_ok = strcasecmp(local, "Request") == 0;
    else if (pox->depth == 3 && pox->request_ok) {
        if (strcasecmp(local, "EMailAddress") == 0 && !pox->email.seen)
            pox->field = FIELD_EMAIL;
        else if (strcasecmp(local, "AcceptableResponseSchema") == 0 &&
                 !pox->schema.seen)
            pox->field = FIELD_SCHEMA;
        else if (strcasecmp(local, "LegacyDN") == 0 && !pox->legacy_dn.seen)
            pox->field = FIELD_LEGACY_DN;
    }
}

static struct pox_value *
current_value(struct pox_request *pox)
{
    switch (pox->field) {
    case FIELD_EMAIL:
        return &pox->email;
    case FIELD_SCHEMA:
        return &pox->schema;
    case FIELD_LEGACY_DN:
        return &pox->legacy_dn;
    default:
        return NULL;
    }
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
    struct pox_request *pox = data;
    struct pox_value *value = current_value(pox);

    (void)name;
    if (pox->depth == 3 && value != NULL) {
        value->seen = 1;
        pox->field = FIELD_NONE;
    }
    if (pox->depth == 2)
        pox->request_ok = 0;
    pox->depth--;
}

static void XMLCALL
on_text(void *data, const XML_Char *text, int len)
{
    struct pox_request *pox = data;
    struct pox_value *value = current_value(pox);

    if (value == NULL || pox->depth != 3)
        return;
    if ((size_t)len > POX_VALUE_MAX - value->len) {
        pox->too_long = 1;
        XML_StopParser(pox->parser, XML_FALSE);
        return;
    }
    memcpy(value->text + value->len, text, (size_t)len);
    value->len += (size_t)len;
    value->text[value->len] = '\0';
}

/* Stops at a DOCTYPE, so that no entity is ever declared or expanded. */
static void XMLCALL
on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int has_internal_subset)
{
    struct pox_request *pox = data;

    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    pox->rejected = 1;
    XML_StopParser(pox->parser, XML_FALSE);
}

static void XMLCALL
on_entity(void *data, const XML_Char *name, int is_parameter,
          const XML_Char *value, int value_len, const XML_Char *base,
          const XML_Char *sysid, const XML_Char *pubid,
          const XML_Char *notation)
{
    struct pox_request *pox = data;

    (void)name;
    (void)is_parameter;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    pox->rejected = 1;
    XML_StopParser(pox->parser, XML_FALSE);
}

/* Removes XML whitespace around a collected value. */
static void
trim_value(struct pox_value *value)
{
    size_t start = 0;

    while (value->len > 0 && strchr(" \t\r\n", value->text[value->len - 1]))
        value->len--;
    while (start < value->len && strchr(" \t\r\n", value->text[start]))
        start++;
    memmove(value->text, value->text + start, value->len - start);
    value->len -= start;
    value->text[value->len] = '\0';
}

static void
answer_pox_error(const struct service *svc, struct http_request *req,
                 const char *schema, int code, const char *message,
                 const char *reason)
{
    char code_text[16], time_text[32], id_text[24];
    struct timespec now;
    struct tm tm;
    struct template_var vars[] = {
        {"response_schema", schema, TEMPLATE_VERBATIM},
        {"error_code", code_text, TEMPLATE_VERBATIM},
        {"error_message", message, TEMPLATE_VERBATIM},
        {"error_time", time_text, TEMPLATE_VERBATIM},
        {"error_id", id_text, TEMPLATE_VERBATIM},
    };
    struct template_context ctx = {NULL, vars, 5, NULL, NULL, NULL};

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(code_text, sizeof(code_text), "%d", code);
    snprintf(time_text, sizeof(time_text), "%02d:%02d:%02d.%07ld", tm.tm_hour,
             tm.tm_min, tm.tm_sec, now.tv_nsec / 100);
    snprintf(id_text, sizeof(id_text), "%lu", svc->server_id);

    buffer_clear(req->body);
    if (template_render(svc->autodiscover_error, &ctx, req->body) == -1) {
        http_answer_text(req, 500, "rendering autodiscover-error.xml failed");
        return;
    }
    req->status = 200;
    req->content_type = "text/xml; charset=utf-8";
    req->error = reason;
}

/*
 * Renders the settings of the provider for the domain in req->domain. For
 * an alias domain with a known address, the settings are a redirect to the
 * same local part at the main domain.
 */
static void
answer_settings(const struct service *svc, struct http_request *req,
                const char *schema, const struct address *address)
{
    const json_t *provider = provider_find(svc->providers, req->domain);
    const char *main_domain =
        provider_alias_target(svc->providers, req->domain);
    const struct template *tmpl = svc->autodiscover;
    const char *full = address != NULL ? address->full : NULL;
    char redirect[ADDRESS_LOCAL_MAX + 1 + ADDRESS_DOMAIN_MAX + 1];
    struct template_var vars[] = {
        {"domain", req->domain, TEMPLATE_VERBATIM},
        {"address", full, TEMPLATE_VERBATIM},
        {"response_schema", schema, TEMPLATE_VERBATIM},
        {"redirect_address", NULL, TEMPLATE_VERBATIM},
    };
    struct template_context ctx = {provider,
                                   vars,
                                   4,
                                   full,
                                   address != NULL ? address->local : NULL,
                                   main_domain != NULL ? main_domain
                                                       : req->domain};

    if (provider == NULL) {
        answer_pox_error(svc, req, schema, POX_NOT_FOUND,
                         "The email address cannot be found.",
                         "no provider serves this domain");
        return;
    }
    if (strcmp(schema, MOBILESYNC) == 0) {
        if (json_object_get(provider, "activesync_url") == NULL) {
            answer_pox_error(svc, req, schema, POX_NO_PROVIDER,
                             "Provider is not available",
                             "no ActiveSync service for this domain");
            return;
        }
        tmpl = svc->mobilesync;
    }
    if (main_domain != NULL && address != NULL) {
        snprintf(redirect, sizeof(redirect), "%s@%s", address->local,
                 main_domain);
        vars[3].value = redirect;
    }

    if (template_render(tmpl, &ctx, req->body) == -1) {
        answer_pox_error(svc, req, schema, POX_INTERNAL_ERROR,
                         "The Autodiscover server threw an internal error.",
                         "rendering the settings failed");
        return;
    }
    req->status = 200;
    req->content_type = "text/xml; charset=utf-8";
}

/*
 * Returns the response namespace for a requested schema, accepting the
 * https:// spelling of Microsoft's documentation, or NULL when unknown.
 */
static const char *
known_schema(const struct pox_value *schema)
{
    static const char *const known[] = {OUTLOOK_2006A, OUTLOOK_2006,
                                        MOBILESYNC};
    const char *text = schema->text;
    size_t i;

    if (!schema->seen)
        return OUTLOOK_2006A;
    if (strncasecmp(text, "https://", 8) == 0)
        text += 8;
    else if (strncasecmp(text, "http://", 7) == 0)
        text += 7;
    else
        return NULL;
    for (i = 0; i < 3; i++) {
        if (strcasecmp(text, known[i] + 7) == 0)
            return known[i];
    }
    return NULL;
}

/*
 * Feeds the body to the parser. Returns 0, 1 when the body is larger
 * than HTTP_BODY_MAX, -1 when reading or parsing failed, or -2 when the
 * parser ran out of memory.
 */
static int
parse_body(struct http_request *req, struct pox_request *pox)
{
    char chunk[READ_CHUNK];
    size_t total = 0;
    long n;

    if (req->content_length != NULL &&
        strtoul(req->content_length, NULL, 10) > HTTP_BODY_MAX)
        return 1;
    do {
        n = req->read_body(req->body_handle, chunk, sizeof(chunk));
        if (n < 0)
            return -1;
        total += (size_t)n;
        pox->body_len = total;
        if (total > HTTP_BODY_MAX)
            return 1;
        if (XML_Parse(pox->parser, chunk, (int)n, n == 0) != XML_STATUS_OK)
            return XML_GetErrorCode(pox->parser) == XML_ERROR_NO_MEMORY ? -2
                                                                        : -1;
    } while (n > 0);
    return 0;
}

struct autodiscover_parser {
    XML_Parser parser;  /* NULL until first use and after a discarded one */
    unsigned long salt; /* expat's hash salt; 0 lets expat draw one */
};

struct autodiscover_parser *
autodiscover_parser_new(void)
{
    struct autodiscover_parser *reusable = memory_malloc(sizeof(*reusable));
    FILE *random;

    if (reusable == NULL)
        return NULL;
    reusable->parser = NULL;
    reusable->salt = 0;

    /*
     * A reset parser draws a new salt from the kernel for every document
     * unless it is given one. One secret salt per thread keeps hash
     * flooding out as well, without a system call per request.
     */
    random = fopen("/dev/urandom", "rb");
    if (random != NULL) {
        if (fread(&reusable->salt, sizeof(reusable->salt), 1, random) != 1)
            reusable->salt = 0;
        fclose(random);
    }
    return reusable;
}

void
autodiscover_parser_free(struct autodiscover_parser *reusable)
{
    if (reusable == NULL)
        return;
    if (reusable->parser != NULL)
        XML_ParserFree(reusable->parser);
    memory_free(reusable);
}

/*
 * Returns a parser ready for a new document, with the handlers set: the
 * kept one after a reset, or a new one. Returns NULL when memory runs out.
 */
static XML_Parser
parser_take(struct autodiscover_parser *reusable, struct pox_request *pox)
{
    XML_Parser parser = NULL;

    if (reusable != NULL && reusable->parser != NULL) {
        parser = reusable->parser;
        reusable->parser = NULL;
        if (XML_ParserReset(parser, NULL) != XML_TRUE) {
            XML_ParserFree(parser);
            parser = NULL;
        }
    }
    if (parser == NULL)
        parser = XML_ParserCreate_MM(NULL, &memory_expat_suite, "|");
    if (parser == NULL)
        return NULL;

    if (reusable != NULL && reusable->salt != 0)
        XML_SetHashSalt(parser, reusable->salt);
    XML_SetUserData(parser, pox);
    XML_SetElementHandler(parser, on_start, on_end);
    XML_SetCharacterDataHandler(parser, on_text);
    XML_SetStartDoctypeDeclHandler(parser, on_doctype);
    XML_SetEntityDeclHandler(parser, on_entity);
    return parser;
}

/* Keeps the parser of a small, plain document that parsed, or frees it. */
static void
parser_give_back(struct autodiscover_parser *reusable,
                 const struct pox_request *pox, int rc)
{
    if (reusable != NULL && reusable->parser == NULL && rc == 0 &&
        pox->body_len <= KEEP_BODY_MAX && pox->deepest <= KEEP_DEPTH_MAX)
        reusable->parser = pox->parser;
    else
        XML_ParserFree(pox->parser);
}

/*
 * XXX: at one connection behind nginx a POST cost 34 to 36 µs of CPU per
 * request on a 2-vCPU AMD EPYC virtual machine, above the 30 µs target
 * (16 to 18 µs on an Intel Xeon one). Its parse and rendering (about
 * 7.5 µs on cold caches there) delay the response, and the kernel charges
 * the wake-ups that follow to this process. See "One connection" in
 * docs/benchmarks.md.
 */
static void
handle_post(const struct service *svc, struct http_request *req)
{
    struct pox_request *pox;
    struct address address;
    const char *schema;
    int rc;

    pox = memory_malloc(sizeof(*pox));
    if (pox == NULL) {
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INTERNAL_ERROR,
                         "The Autodiscover server threw an internal error.",
                         "out of memory");
        return;
    }
    memset(pox, 0, sizeof(*pox));
    pox->parser = parser_take(req->parser, pox);
    if (pox->parser == NULL) {
        memory_free(pox);
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INTERNAL_ERROR,
                         "The Autodiscover server threw an internal error.",
                         "out of memory");
        return;
    }

    rc = parse_body(req, pox);
    parser_give_back(req->parser, pox, rc);
    trim_value(&pox->email);
    trim_value(&pox->schema);
    schema = known_schema(&pox->schema);

    if (rc == 1)
        http_answer_text(req, 413, "request body larger than 64 KiB");
    else if (rc == -2)
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INTERNAL_ERROR,
                         "The Autodiscover server threw an internal error.",
                         "out of memory");
    else if (pox->rejected)
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INVALID_REQUEST,
                         "Invalid Request", "DOCTYPE in request body");
    else if (rc == -1 || !pox->root_ok || pox->too_long)
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INVALID_REQUEST,
                         "Invalid Request",
                         "request body is not an "
                         "Autodiscover request");
    else if (schema == NULL)
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_NO_PROVIDER,
                         "Provider is not available",
                         "unknown AcceptableResponseSchema");
    else if (!pox->email.seen && pox->legacy_dn.seen)
        answer_pox_error(svc, req, schema, POX_INVALID_REQUEST,
                         "Invalid Request", "LegacyDN without EMailAddress");
    else if (!pox->email.seen || pox->email.len == 0)
        answer_pox_error(svc, req, schema, POX_INVALID_REQUEST,
                         "Invalid Request", "missing EMailAddress");
    else if (address_parse(pox->email.text, pox->email.len, &address) == -1)
        answer_pox_error(svc, req, schema, POX_INVALID_REQUEST,
                         "Invalid Request", "invalid EMailAddress");
    else {
        strcpy(req->domain, address.domain);
        answer_settings(svc, req, schema, &address);
    }
    memory_free(pox);
}

void
autodiscover_handle_pox(const struct service *svc, struct http_request *req)
{
    if (http_is_post(req)) {
        handle_post(svc, req);
        return;
    }
    if (!http_is_get(req)) {
        http_answer_method_not_allowed(req, "GET, HEAD, POST");
        return;
    }
    if (address_domain_from_host(req->host, "autodiscover.", req->domain) ==
        -1) {
        answer_pox_error(svc, req, OUTLOOK_2006A, POX_INVALID_REQUEST,
                         "Invalid Request", "no valid Host header");
        return;
    }
    answer_settings(svc, req, OUTLOOK_2006A, NULL);
}

static void
answer_json(const struct service *svc, struct http_request *req, int status,
            const char *protocol, const char *url)
{
    /* The URL is from the provider file or adds only a domain, never a '%'. */
    struct template_var vars[] = {{"protocol", protocol, TEMPLATE_VERBATIM},
                                  {"url", url, TEMPLATE_EXPAND}};
    struct template_context ctx = {NULL, vars, 2, NULL, NULL, req->domain};

    buffer_clear(req->body);
    if (template_render(svc->json, &ctx, req->body) == -1) {
        http_answer_text(req, 500, "rendering autodiscover.json failed");
        return;
    }
    req->status = status;
    req->content_type = "application/json; charset=utf-8";
}

static void
answer_json_error(const struct service *svc, struct http_request *req,
                  int status, const char *code, const char *message)
{
    struct template_var vars[] = {
        {"error_code", code, TEMPLATE_VERBATIM},
        {"error_message", message, TEMPLATE_VERBATIM}};
    struct template_context ctx = {NULL, vars, 2, NULL, NULL, NULL};

    buffer_clear(req->body);
    if (template_render(svc->json_error, &ctx, req->body) == -1) {
        http_answer_text(req, 500, "rendering autodiscover-error.json failed");
        return;
    }
    req->status = status;
    req->content_type = "application/json; charset=utf-8";
    req->error = message;
}

/* Finds the address in the path or the Email parameter; 0 or -1. */
static int
json_address(struct http_request *req, const char *rest,
             struct address *address, const char **problem)
{
    char decoded[ADDRESS_MAX + 2];
    const char *raw;
    size_t raw_len;
    long len;
    int count;

    if (strncasecmp(rest, "/v1.0/", 6) == 0) {
        rest += 6;
        *problem = "The email address is not valid.";
        return address_parse(rest, strlen(rest), address);
    }
    if (rest[0] != '\0') {
        *problem = NULL;
        return -1;
    }
    count = url_query_find(req->query, "Email", &raw, &raw_len);
    *problem = count == 0 ? "A valid email address must be provided."
                          : "The email address is not valid.";
    if (count != 1)
        return -1;
    len = url_decode(raw, raw_len, decoded, sizeof(decoded));
    if (len < 0)
        return -1;
    return address_parse(decoded, (size_t)len, address);
}

void
autodiscover_handle_json(const struct service *svc, struct http_request *req,
                         const char *rest)
{
    char protocol[32], url[ADDRESS_DOMAIN_MAX * 2 + 64];
    struct address address;
    const json_t *provider;
    const char *raw, *problem, *host, *activesync;
    size_t raw_len;
    long len;

    if (!http_is_get(req)) {
        http_answer_method_not_allowed(req, "GET, HEAD");
        return;
    }
    if (json_address(req, rest, &address, &problem) == -1) {
        if (problem == NULL)
            answer_json_error(svc, req, 404, "NotFound",
                              "No such Autodiscover path.");
        else
            answer_json_error(svc, req, 400, "InvalidEmailAddress", problem);
        return;
    }
    strcpy(req->domain, address.domain);

    len = -1;
    if (url_query_find(req->query, "Protocol", &raw, &raw_len) == 1)
        len = url_decode(raw, raw_len, protocol, sizeof(protocol));
    if (len <= 0) {
        answer_json_error(svc, req, 400, "MandatoryParameterMissing",
                          "A valid value must be provided for the query "
                          "parameter 'Protocol'.");
        return;
    }
    provider = provider_find(svc->providers, req->domain);
    if (provider == NULL) {
        answer_json_error(svc, req, 404, "NotFound",
                          "No provider serves this domain.");
        return;
    }

    activesync = json_string_value(json_object_get(provider, "activesync_url"));
    if (strcasecmp(protocol, "AutodiscoverV1") == 0) {
        host =
            json_string_value(json_object_get(provider, "autodiscover_host"));
        if (host != NULL)
            snprintf(url, sizeof(url),
                     "https://%s/autodiscover/autodiscover.xml", host);
        else
            snprintf(url, sizeof(url),
                     "https://autodiscover.%s/autodiscover/autodiscover.xml",
                     req->domain);
        answer_json(svc, req, 200, "AutodiscoverV1", url);
    } else if (strcasecmp(protocol, "ActiveSync") == 0 && activesync != NULL) {
        answer_json(svc, req, 200, "ActiveSync", activesync);
    } else {
        answer_json_error(svc, req, 400, "InvalidProtocol",
                          activesync != NULL
                              ? "The given protocol value is invalid. "
                                "Supported values are "
                                "'AutodiscoverV1, ActiveSync'."
                              : "The given protocol value is invalid. "
                                "Supported values are 'AutodiscoverV1'.");
    }
}
