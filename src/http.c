#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "autoconfig.h"
#include "autodiscover.h"
#include "log.h"
#include "profile.h"
#include "url.h"

#define JSON_PATH "/autodiscover/autodiscover.json"

int
http_is_get(const struct http_request *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

int
http_is_post(const struct http_request *req)
{
    return strcmp(req->method, "POST") == 0;
}

const char *
http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 500:
        return "Internal Server Error";
    default:
        return "Unknown";
    }
}

void
http_answer_text(struct http_request *req, int status, const char *message)
{
    buffer_clear(req->body);
    req->status = status;
    req->content_type = "text/plain; charset=utf-8";
    req->error = status >= 400 ? message : NULL;
    /* A message too large for the answer buffer leaves the body empty. */
    if (buffer_printf(req->body, "%d %s: %s\n", status, http_reason(status),
                      message) == -1)
        buffer_clear(req->body);
}

void
http_answer_method_not_allowed(struct http_request *req, const char *allowed)
{
    http_answer_text(req, 405, "method not allowed");
    snprintf(req->headers, sizeof(req->headers), "Allow: %s\r\n", allowed);
}

/*
 * Decodes the path of the target into req->path and sets *raw_path to
 * where it starts in the target. Returns 0, or -1 for a malformed path.
 */
static int
decode_path(struct http_request *req, const char **raw_path)
{
    const char *target = req->target, *question;
    size_t len;

    /*
     * An absolute-form target (RFC 9112 3.2.2) carries scheme and host.
     * The path starts at the first '/' or '?' after the host, and is empty
     * when there is none, so target always stays inside req->target.
     */
    if (strncasecmp(target, "http://", 7) == 0 ||
        strncasecmp(target, "https://", 8) == 0) {
        target = strchr(target, ':') + 3;
        target += strcspn(target, "/?");
    }
    question = strchr(target, '?');
    len = question == NULL ? strlen(target) : (size_t)(question - target);

    if (req->query == NULL)
        req->query = question == NULL ? "" : question + 1;
    *raw_path = target;
    if (url_decode(target, len, req->path, sizeof(req->path)) == -1)
        return -1;
    req->logged_len = (size_t)(target - req->target) + len;
    return 0;
}

/*
 * Returns how many bytes of raw, a path that url_decode accepted, decode
 * to its first decoded_len bytes. Each '%' there starts a three-byte
 * escape.
 */
static size_t
raw_length(const char *raw, size_t decoded_len)
{
    size_t len = 0;

    for (; decoded_len > 0; decoded_len--)
        len += raw[len] == '%' ? 3 : 1;
    return len;
}

void
http_handle(const struct service *svc, struct http_request *req)
{
    const char *path = req->path, *raw_path;
    size_t json_len = strlen(JSON_PATH);

    buffer_clear(req->body);
    req->status = 500;
    req->content_type = "text/plain; charset=utf-8";
    req->headers[0] = '\0';
    req->domain[0] = '\0';
    req->error = NULL;
    req->path[0] = '\0';
    req->logged_len = 0;

    if (req->method == NULL || req->target == NULL) {
        http_answer_text(req, 400, "missing method or request target");
        return;
    }
    if (strcspn(req->target, "?") >= sizeof(req->path)) {
        http_answer_text(req, 414, "path longer than 2047 bytes");
        return;
    }
    if (decode_path(req, &raw_path) == -1) {
        http_answer_text(req, 400, "invalid percent-encoding in path");
        return;
    }

    if (strcasecmp(path, "/mail/config-v1.1.xml") == 0 ||
        strcasecmp(path, "/.well-known/autoconfig/mail/config-v1.1.xml") == 0 ||
        strcasecmp(path, "/v1.1/mail/config-v1.1.xml") == 0)
        autoconfig_handle(svc, req);
    else if (strcasecmp(path, "/autodiscover/autodiscover.xml") == 0)
        autodiscover_handle_pox(svc, req);
    else if (strncasecmp(path, JSON_PATH, json_len) == 0 &&
             (path[json_len] == '\0' || path[json_len] == '/')) {
        /* An address may follow the slash, so the log stops after it. */
        if (path[json_len] == '/')
            req->logged_len = (size_t)(raw_path - req->target) +
                              raw_length(raw_path, json_len + 1);
        autodiscover_handle_json(svc, req, path + json_len);
    } else if (strcasecmp(path, "/email.mobileconfig") == 0 ||
               strcasecmp(path, "/mobileconfig") == 0)
        profile_handle(svc, req);
    else
        http_answer_text(req, 404, "no such path");
}

int
http_log_fields(const struct http_request *req, struct buffer *line)
{
    const char *method;
    char target[HTTP_PATH_MAX];
    size_t len;

    /* A method is an HTTP token; anything else is quoted like input. */
    method = req->method != NULL ? req->method : "";
    if (method[0] != '\0' && strlen(method) <= 16 &&
        strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(method)) {
        if (buffer_printf(line, "method=%s", method) == -1)
            return -1;
    } else if (buffer_append_str(line, "method=") == -1 ||
               log_append_quoted(line, method, 16) == -1) {
        return -1;
    }

    /*
     * The raw path as far as http_handle allows: never the query, which
     * contains the client's address, nor the address in the path of the
     * JSON pointer's /v1.0/ form. A path that failed to decode is left
     * out, as no route read it.
     */
    len = req->target != NULL ? req->logged_len : 0;
    if (len >= sizeof(target))
        len = sizeof(target) - 1;
    if (len > 0)
        memcpy(target, req->target, len);
    target[len] = '\0';
    if (buffer_append_str(line, " path=") == -1 ||
        log_append_quoted(line, target, 200) == -1 ||
        buffer_printf(line, " status=%d domain=", req->status) == -1 ||
        log_append_quoted(line, req->domain, 253) == -1 ||
        buffer_printf(line, " bytes=%zu", req->body->len) == -1)
        return -1;
    if (req->error != NULL && (buffer_append_str(line, " error=") == -1 ||
                               log_append_quoted(line, req->error, 200) == -1))
        return -1;
    return 0;
}
