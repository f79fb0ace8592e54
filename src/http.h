/*
 * One HTTP request and its response, independent of FastCGI, so that unit
 * tests and fuzzers can drive the handlers as well as the responder does.
 */
#ifndef MAILAUTOCONF_HTTP_H
#define MAILAUTOCONF_HTTP_H

#include <stddef.h>

#include "address.h"
#include "buffer.h"
#include "service.h"

#define HTTP_PATH_MAX 2048
#define HTTP_BODY_MAX (64 * 1024) /* the largest request body read */
#define HTTP_ANSWER_MAX (256 * 1024)

struct autodiscover_parser;

struct http_request {
    /* Filled by the caller. */
    const char *method;
    const char *target; /* the request target: path and optional query */
    const char *query;  /* the raw query string, NULL to take it from target */
    const char *host;   /* the Host header, or NULL */
    const char *content_length; /* the header as sent, or NULL */
    /* Reads up to size body bytes; returns the count, 0 at the end, -1. */
    long (*read_body)(void *handle, char *bytes, size_t size);
    void *body_handle;
    /* A parser kept between requests (see autodiscover.h), or NULL. */
    struct autodiscover_parser *parser;

    /* Filled by http_handle. */
    char path[HTTP_PATH_MAX]; /* the decoded path of target */
    /*
     * Bytes at the start of target that the log may show: the path once
     * it is decoded, and of a JSON Autodiscover path only the part before
     * the address.
     */
    size_t logged_len;
    int status;
    const char *content_type;
    char headers[512];   /* further header lines, each ending in CRLF */
    struct buffer *body; /* provided by the caller, cleared by http_handle */
    char domain[ADDRESS_DOMAIN_MAX + 1]; /* the queried domain, for the log */
    const char *error; /* why the request failed, for the log */
};

/*
 * Handles req with svc: routes by path and fills status, content_type,
 * headers and body. Never fails, because every problem becomes a response.
 */
void http_handle(const struct service *svc, struct http_request *req);

/* Returns nonzero when the method is GET or HEAD. */
int http_is_get(const struct http_request *req);

/* Returns nonzero when the method is POST. */
int http_is_post(const struct http_request *req);

/*
 * Sets a plain-text response with status and message; the message is also
 * what the log line reports. The message must be a constant.
 */
void http_answer_text(struct http_request *req, int status,
                      const char *message);

/* Sets a 405 response that lists the allowed methods. */
void http_answer_method_not_allowed(struct http_request *req,
                                    const char *allowed);

/* Returns the reason phrase of a status code. */
const char *http_reason(int status);

/*
 * Appends the request's log line fields to line: method, the first
 * logged_len bytes of target as path, status, domain, bytes and, for a
 * failure, error.
 */
int http_log_fields(const struct http_request *req, struct buffer *line);

#endif
