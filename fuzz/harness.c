#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <jansson.h>

#include "address.h"
#include "buffer.h"
#include "memory.h"

#define TEMPLATE_DIR MAILAUTOCONF_SOURCE_DIR "/templates"
#define PROVIDER_FILE MAILAUTOCONF_SOURCE_DIR "/fuzz/provider.json"

/* The responder's limit for one log line. */
#define LOG_LINE_MAX 4096

void
harness_fail(const char *format, ...)
{
    va_list ap;

    fputs("fuzz: ", stderr);
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

const struct service *
harness_service(void)
{
    static struct service svc;
    static int loaded;
    char err[512];

    if (loaded)
        return &svc;
    memory_init();
    if (service_load(&svc, PROVIDER_FILE, TEMPLATE_DIR, err, sizeof(err)) == -1)
        harness_fail("loading the service failed: %s", err);
    loaded = 1;
    return &svc;
}

long
harness_read_body(void *handle, char *bytes, size_t size)
{
    struct harness_body *body = handle;
    size_t n = body->len - body->pos;

    if (n == 0 && body->fail)
        return -1;
    if (n > size)
        n = size;
    if (body->read_size > 0 && n > body->read_size)
        n = body->read_size;
    memcpy(bytes, body->data + body->pos, n);
    body->pos += n;
    return (long)n;
}

void
harness_request_init(struct http_request *req, struct buffer *response,
                     struct harness_body *body)
{
    memset(req, 0, sizeof(*req));
    req->read_body = harness_read_body;
    req->body_handle = body;
    req->body = response;
}

int
harness_parse_xml(const char *text, size_t len, const char **message)
{
    XML_Parser parser = XML_ParserCreate(NULL);
    int rc = 0;

    if (parser == NULL)
        harness_fail("XML_ParserCreate failed");
    if (XML_Parse(parser, text, (int)len, XML_TRUE) != XML_STATUS_OK) {
        *message = XML_ErrorString(XML_GetErrorCode(parser));
        rc = -1;
    }
    XML_ParserFree(parser);
    return rc;
}

static void
check_status(const struct http_request *req, int may_fail)
{
    /* The statuses that http_reason names are the ones the handlers use. */
    if (strcmp(http_reason(req->status), "Unknown") == 0)
        harness_fail("status %d has no reason phrase", req->status);
    if (req->status == 500 && !may_fail)
        harness_fail("status 500 without an injected failure: %s",
                     req->error != NULL ? req->error : "(no error)");
    if (req->status >= 400 && req->error == NULL)
        harness_fail("status %d without an error for the log", req->status);
}

/* Checks that text is empty or lines that each end in CRLF. */
static void
check_header_lines(const char *what, const char *text)
{
    const char *p = text;

    while (*p != '\0') {
        const char *lf = strchr(p, '\n');

        if (lf == NULL || lf == p || lf[-1] != '\r')
            harness_fail("%s is not CRLF-terminated lines: '%s'", what, text);
        if (memchr(p, '\r', (size_t)(lf - 1 - p)) != NULL)
            harness_fail("%s has a CR inside a line: '%s'", what, text);
        p = lf + 1;
    }
}

static void
check_domain(const struct http_request *req)
{
    char normalized[ADDRESS_DOMAIN_MAX + 1];
    size_t len = strnlen(req->domain, sizeof(req->domain));

    if (len == sizeof(req->domain))
        harness_fail("domain is not NUL-terminated");
    if (len == 0)
        return;
    if (address_normalize_domain(req->domain, len, normalized) == -1 ||
        strcmp(normalized, req->domain) != 0)
        harness_fail("domain '%s' is not normalized", req->domain);
}

static void
check_log_line(const struct http_request *req)
{
    struct buffer line;
    size_t i;

    buffer_init(&line, LOG_LINE_MAX);
    if (http_log_fields(req, &line) == -1)
        harness_fail("http_log_fields failed for status %d", req->status);
    for (i = 0; i < line.len; i++) {
        unsigned char c = (unsigned char)line.data[i];

        if (c < 0x20 || c > 0x7e)
            harness_fail("log line has byte 0x%02x at %zu: %s", c, i,
                         line.data);
    }
    buffer_release(&line);
}

static void
check_body(const struct http_request *req)
{
    const struct buffer *body = req->body;
    const char *type = req->content_type, *message;
    json_error_t error;
    json_t *json;
    int xml;

    if (body->len > HTTP_ANSWER_MAX)
        harness_fail("body of %zu bytes passes HTTP_ANSWER_MAX", body->len);
    if (body->len > 0 && body->data[body->len] != '\0')
        harness_fail("body is not NUL-terminated");
    if (req->status == 200 && body->len == 0)
        harness_fail("status 200 with an empty body");
    if (body->len == 0)
        return;

    /* Profiles are XML plists as long as the fuzz provider signs none. */
    xml = strncmp(type, "text/xml", 8) == 0 ||
          strcmp(type, "application/x-apple-aspen-config") == 0;
    if (xml && harness_parse_xml(body->data, body->len, &message) == -1)
        harness_fail("%s response is not well-formed XML (%s):\n%s", type,
                     message, body->data);
    if (strncmp(type, "application/json", 16) == 0) {
        json = json_loadb(body->data, body->len, 0, &error);
        if (json == NULL)
            harness_fail("JSON response does not parse (%s):\n%s", error.text,
                         body->data);
        json_decref(json);
    }
}

void
harness_check_response(const struct http_request *req, int may_fail)
{
    check_status(req, may_fail);
    if (req->content_type == NULL)
        harness_fail("status %d without a content type", req->status);
    if (strpbrk(req->content_type, "\r\n") != NULL)
        harness_fail("content type has a line break");
    if (strnlen(req->headers, sizeof(req->headers)) == sizeof(req->headers))
        harness_fail("headers are not NUL-terminated");
    check_header_lines("headers", req->headers);
    check_domain(req);
    check_body(req);
    check_log_line(req);
}

long
harness_pick_failure(const uint8_t *data, size_t size, long count, int *sticky)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    size_t i;

    for (i = 0; i < size; i++)
        hash = (hash ^ data[i]) * 16777619u;
    *sticky = (hash >> 31) != 0;
    return count > 0 ? 1 + (long)((hash & 0x7fffffffu) % (uint32_t)count) : 1;
}

void
harness_failure_resume(struct harness_failure *failure)
{
    long left = failure->fail_at - failure->used;

    failure->start = memory_allocation_count();
    if (failure->fail_at == 0)
        return;
    if (left >= 1)
        memory_fail_after(left, failure->sticky);
    else if (failure->sticky)
        memory_fail_after(1, 1);
}

void
harness_failure_pause(struct harness_failure *failure)
{
    memory_fail_after(0, 0);
    failure->used += memory_allocation_count() - failure->start;
}
