/*
 * Whole requests to every endpoint through http_handle. The input looks
 * like the FastCGI parameters the responder reads, one NAME=value line
 * each, then an empty line and the request body:
 *
 *   REQUEST_METHOD=GET
 *   REQUEST_URI=/mail/config-v1.1.xml?emailaddress=a%40example.com
 *   HTTP_HOST=autoconfig.example.com
 *
 * QUERY_STRING and CONTENT_LENGTH are read too, and a parameter left out
 * is NULL, as FCGX_GetParam returns it. In values, \n, \r and \\ stand for
 * LF, CR and a backslash. Three parameters only steer the harness:
 * FUZZ_READ_SIZE=N delivers the body N bytes at a time, FUZZ_READ_FAIL=1
 * makes the read after the body fail, and FUZZ_BODY_REPEAT=N sends the
 * body N times in a row, up to BODY_REPEAT_MAX bytes in all, so that
 * short inputs reach the body limit. Every input runs twice, the second time
 * with one allocation failing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "memory.h"

#define FIELD_MAX 8192
/* Just past HTTP_BODY_MAX, because longer bodies only take more time. */
#define BODY_REPEAT_MAX (HTTP_BODY_MAX + 4096)

struct fields {
    char *method;
    char *target;
    char *query;
    char *host;
    char *content_length;
    size_t read_size;
    int read_fail;
    size_t body_repeat;
    const uint8_t *body;
    size_t body_len;
    uint8_t *repeated_body; /* owns the body when it is repeated */
};

/*
 * Returns a NUL-terminated copy of len bytes with the escapes \n, \r and
 * \\ decoded, so that values can contain line breaks as FastCGI
 * parameters can. The caller frees the copy.
 */
static char *
copy_field(const uint8_t *bytes, size_t len)
{
    char *copy = malloc(len + 1);
    size_t i, n = 0;

    if (copy == NULL)
        harness_fail("malloc failed");
    for (i = 0; i < len; i++) {
        char c = (char)bytes[i];

        if (c == '\\' && i + 1 < len) {
            switch (bytes[i + 1]) {
            case 'n':
                c = '\n';
                i++;
                break;
            case 'r':
                c = '\r';
                i++;
                break;
            case '\\':
                i++;
                break;
            default:
                break;
            }
        }
        copy[n++] = c;
    }
    copy[n] = '\0';
    return copy;
}

/* Stores one NAME=value line; the first of repeated names counts. */
static void
set_field(struct fields *fields, const uint8_t *line, size_t len)
{
    static const char *const names[] = {
        "REQUEST_METHOD=", "REQUEST_URI=", "QUERY_STRING=", "HTTP_HOST=",
        "CONTENT_LENGTH="};
    char **slots[] = {&fields->method, &fields->target, &fields->query,
                      &fields->host, &fields->content_length};
    size_t i, name_len;
    char *value;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        name_len = strlen(names[i]);
        if (len >= name_len && memcmp(line, names[i], name_len) == 0) {
            if (*slots[i] == NULL)
                *slots[i] = copy_field(line + name_len, len - name_len);
            return;
        }
    }
    if (len > 15 && memcmp(line, "FUZZ_READ_SIZE=", 15) == 0) {
        value = copy_field(line + 15, len - 15);
        fields->read_size = strtoul(value, NULL, 10) % (HTTP_BODY_MAX + 1);
        free(value);
    } else if (len >= 15 && memcmp(line, "FUZZ_READ_FAIL=", 15) == 0) {
        fields->read_fail = 1;
    } else if (len > 17 && memcmp(line, "FUZZ_BODY_REPEAT=", 17) == 0) {
        value = copy_field(line + 17, len - 17);
        fields->body_repeat = strtoul(value, NULL, 10) % BODY_REPEAT_MAX;
        free(value);
    }
}

/* Replaces the body with body_repeat copies, at most BODY_REPEAT_MAX bytes. */
static void
repeat_body(struct fields *fields)
{
    size_t total = fields->body_len * fields->body_repeat, i;

    if (total / fields->body_repeat != fields->body_len ||
        total > BODY_REPEAT_MAX)
        total = BODY_REPEAT_MAX;
    fields->repeated_body = malloc(total);
    if (fields->repeated_body == NULL)
        harness_fail("malloc failed");
    for (i = 0; i < total; i++)
        fields->repeated_body[i] = fields->body[i % fields->body_len];
    fields->body = fields->repeated_body;
    fields->body_len = total;
}

static void
split_fields(const uint8_t *data, size_t size, struct fields *fields)
{
    size_t pos = 0;

    memset(fields, 0, sizeof(*fields));
    while (pos < size) {
        const uint8_t *lf = memchr(data + pos, '\n', size - pos);
        size_t len = lf == NULL ? size - pos : (size_t)(lf - (data + pos));

        if (len == 0) {
            pos++;
            break;
        }
        if (len <= FIELD_MAX)
            set_field(fields, data + pos, len);
        pos += len + (lf != NULL);
    }
    fields->body = data + pos;
    fields->body_len = size - pos;
    if (fields->body_repeat > 1 && fields->body_len > 0)
        repeat_body(fields);
}

static void
free_fields(struct fields *fields)
{
    free(fields->method);
    free(fields->target);
    free(fields->query);
    free(fields->host);
    free(fields->content_length);
    free(fields->repeated_body);
}

/*
 * Handles the request once, with allocation fail_at failing when it is
 * not 0, and returns the number of allocations http_handle made.
 */
static long
handle(const struct fields *fields, long fail_at, int sticky)
{
    struct http_request req;
    struct harness_body body = {fields->body, fields->body_len, 0,
                                fields->read_size, fields->read_fail};
    struct harness_failure failure = {fail_at, sticky, 0, 0};
    struct buffer response;

    buffer_init(&response, HTTP_ANSWER_MAX);
    harness_request_init(&req, &response, &body);
    req.method = fields->method;
    req.target = fields->target;
    req.query = fields->query;
    req.host = fields->host;
    req.content_length = fields->content_length;

    harness_failure_resume(&failure);
    http_handle(harness_service(), &req);
    harness_failure_pause(&failure);

    harness_check_response(&req, fail_at != 0);
    buffer_release(&response);
    return failure.used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fields fields;
    long count, fail_at;
    int sticky;

    harness_service();
    split_fields(data, size, &fields);

    count = handle(&fields, 0, 0);
    if (count > 0) {
        fail_at = harness_pick_failure(data, size, count, &sticky);
        handle(&fields, fail_at, sticky);
    }
    free_fields(&fields);
    return 0;
}
