/*
 * Shared parts of the libFuzzer targets: the service that handles the
 * requests of the request targets, a request body read from memory,
 * response checks, and the allocation failure that each target injects on
 * a second run.
 */
#ifndef MAILAUTOCONF_FUZZ_HARNESS_H
#define MAILAUTOCONF_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "service.h"

/*
 * Prints "fuzz: " and the message to stderr and aborts, so that libFuzzer
 * saves the input as a crash. For broken invariants and setup failures.
 */
void harness_fail(const char *format, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Returns the service loaded from templates/ and fuzz/provider.json,
 * loading it on the first call. Aborts when loading fails.
 */
const struct service *harness_service(void);

/* A request body served from memory. */
struct harness_body {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t read_size; /* at most this many bytes a read; 0: no limit */
    int fail;         /* nonzero: the read after the last byte returns -1 */
};

/* The read_body callback of struct http_request for a harness_body. */
long harness_read_body(void *handle, char *bytes, size_t size);

/*
 * Prepares req for http_handle, with response as the buffer for the
 * response body and body as the request body. The request fields stay
 * NULL for the caller to set.
 */
void harness_request_init(struct http_request *req, struct buffer *response,
                          struct harness_body *body);

/*
 * Checks the fields that every response must have: a status that
 * http_reason has a phrase for, a content type, headers as
 * CRLF-terminated lines, a body within HTTP_ANSWER_MAX, a normalized
 * domain and a log line of printable ASCII. Checks that the body of an
 * XML response is well-formed and that the body of a JSON response
 * parses. With may_fail zero, status 500 is a failure too. Aborts on the
 * first broken invariant.
 */
void harness_check_response(const struct http_request *req, int may_fail);

/*
 * Parses len bytes of text with expat. Returns 0 when the text is a
 * well-formed XML document, or -1 with expat's message in *message.
 */
int harness_parse_xml(const char *text, size_t len, const char **message);

/*
 * An allocation failure injected into the code under test only: between
 * harness_failure_resume and harness_failure_pause. Allocations of the
 * checks in between are not counted, so they never fail.
 */
struct harness_failure {
    long fail_at; /* the allocation that fails, counted from 1; 0: none */
    int sticky;   /* nonzero: every later allocation fails too */
    long used;    /* allocations made while resumed, so far */
    long start;   /* the allocation count at the last resume */
};

/* Arms the failure for the allocations that come next. */
void harness_failure_resume(struct harness_failure *failure);

/* Disarms it and adds the allocations made since the resume to used. */
void harness_failure_pause(struct harness_failure *failure);

/*
 * Returns an allocation number between 1 and count, picked from a hash of
 * data, so that a second run of one input fails a repeatable allocation.
 * Sets *sticky from the hash too: whether every later allocation fails.
 */
long harness_pick_failure(const uint8_t *data, size_t size, long count,
                          int *sticky);

#endif
