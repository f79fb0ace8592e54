/*
 * Outlook Autodiscover POX: the input is the body of a POST to
 * /autodiscover/autodiscover.xml. Besides the checks that every response
 * gets, a response may only contain elements that the Autodiscover
 * templates contain. An Error document may only carry a known error code,
 * a plain-text message and a known response schema, so that nothing of
 * the request is copied into it. Any other response must not contain the
 * raw body when the body contains '<'. Every input runs three times:
 * with a new parser, with the parser kept from earlier inputs (the two
 * responses must match), and with that parser and one allocation failing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "autodiscover.h"
#include "harness.h"
#include "memory.h"

#define TEMPLATE_DIR MAILAUTOCONF_SOURCE_DIR "/templates"
#define NAME_MAX_COUNT 128
#define NAME_LEN_MAX 64
#define TEXT_MAX 256
#define SCHEMA "http://schemas.microsoft.com/exchange/autodiscover/"

/* Element names found in the Autodiscover templates. */
static char known_names[NAME_MAX_COUNT][NAME_LEN_MAX];
static size_t known_count;

/* The values that the check collects from a response. */
struct response_walk {
    XML_Parser parser;
    int in_error; /* inside an Error element */
    int has_error;
    char unknown[NAME_LEN_MAX]; /* the first element not in known_names */
    char current[NAME_LEN_MAX]; /* the innermost open element */
    char response_ns[TEXT_MAX];
    char error_code[TEXT_MAX];
    char message[TEXT_MAX];
};

static void
add_known_name(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || len >= NAME_LEN_MAX)
        harness_fail("template element name of %zu bytes", len);
    for (i = 0; i < known_count; i++) {
        if (strlen(known_names[i]) == len &&
            memcmp(known_names[i], name, len) == 0)
            return;
    }
    if (known_count == NAME_MAX_COUNT)
        harness_fail("more than %d element names in the templates",
                     NAME_MAX_COUNT);
    memcpy(known_names[known_count], name, len);
    known_names[known_count++][len] = '\0';
}

/* Collects the names after '<' in a template, without namespace prefix. */
static void
collect_names(const char *file_name)
{
    char path[512], text[16384];
    const char *p, *start, *colon;
    size_t len;
    FILE *file;

    snprintf(path, sizeof(path), "%s/%s", TEMPLATE_DIR, file_name);
    file = fopen(path, "rb");
    if (file == NULL)
        harness_fail("cannot open '%s'", path);
    len = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    if (len == sizeof(text) - 1)
        harness_fail("'%s' is larger than %zu bytes", path, len);
    text[len] = '\0';

    for (p = strchr(text, '<'); p != NULL; p = strchr(p + 1, '<')) {
        start = p + 1;
        len = strspn(start, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789_-.:");
        if (len == 0)
            continue;
        colon = memchr(start, ':', len);
        if (colon != NULL) {
            len -= (size_t)(colon + 1 - start);
            start = colon + 1;
        }
        add_known_name(start, len);
    }
}

static int
is_known_name(const char *name)
{
    size_t i;

    for (i = 0; i < known_count; i++) {
        if (strcmp(known_names[i], name) == 0)
            return 1;
    }
    return 0;
}

static void XMLCALL
on_start(void *data, const XML_Char *name, const XML_Char **attributes)
{
    struct response_walk *walk = data;
    const char *bar = strrchr(name, '|');
    const char *local = bar == NULL ? name : bar + 1;

    (void)attributes;
    if (!is_known_name(local)) {
        if (walk->unknown[0] == '\0')
            snprintf(walk->unknown, sizeof(walk->unknown), "%s", local);
        return;
    }
    snprintf(walk->current, sizeof(walk->current), "%s", local);
    if (strcmp(local, "Response") == 0 && bar != NULL)
        snprintf(walk->response_ns, sizeof(walk->response_ns), "%.*s",
                 (int)(bar - name), name);
    if (strcmp(local, "Error") == 0) {
        walk->in_error = 1;
        walk->has_error = 1;
    }
}

static void XMLCALL
on_end(void *data, const XML_Char *name)
{
    struct response_walk *walk = data;

    (void)name;
    walk->current[0] = '\0';
}

static void XMLCALL
on_text(void *data, const XML_Char *text, int len)
{
    struct response_walk *walk = data;
    char *target = NULL;
    size_t used;

    if (!walk->in_error)
        return;
    if (strcmp(walk->current, "ErrorCode") == 0)
        target = walk->error_code;
    else if (strcmp(walk->current, "Message") == 0)
        target = walk->message;
    if (target == NULL)
        return;
    used = strlen(target);
    if ((size_t)len >= TEXT_MAX - used)
        harness_fail("error text longer than %d bytes", TEXT_MAX);
    memcpy(target + used, text, (size_t)len);
    target[used + (size_t)len] = '\0';
}

static void
walk_response(const struct buffer *body, struct response_walk *walk)
{
    memset(walk, 0, sizeof(*walk));
    walk->parser = XML_ParserCreateNS(NULL, '|');
    if (walk->parser == NULL)
        harness_fail("XML_ParserCreateNS failed");
    XML_SetUserData(walk->parser, walk);
    XML_SetElementHandler(walk->parser, on_start, on_end);
    XML_SetCharacterDataHandler(walk->parser, on_text);
    if (XML_Parse(walk->parser, body->data, (int)body->len, XML_TRUE) !=
        XML_STATUS_OK)
        harness_fail("response is not well-formed XML:\n%s", body->data);
    XML_ParserFree(walk->parser);
    if (walk->unknown[0] != '\0')
        harness_fail("response has element '%s', which no template has:\n%s",
                     walk->unknown, body->data);
}

static int
is_listed(const char *value, const char *const *list, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++) {
        if (strcmp(value, list[i]) == 0)
            return 1;
    }
    return 0;
}

/* Checks that an Error document carries only text of the server's own. */
static void
check_error_document(const struct response_walk *walk, const char *text)
{
    static const char *const codes[] = {"500", "600", "601", "603"};
    static const char *const schemas[] = {SCHEMA "outlook/responseschema/2006a",
                                          SCHEMA "outlook/responseschema/2006",
                                          SCHEMA
                                          "mobilesync/responseschema/2006"};

    if (!is_listed(walk->error_code, codes, 4))
        harness_fail("unknown ErrorCode '%s':\n%s", walk->error_code, text);
    if (!is_listed(walk->response_ns, schemas, 3))
        harness_fail("unknown Response namespace '%s':\n%s", walk->response_ns,
                     text);
    if (walk->message[0] == '\0' ||
        strspn(walk->message,
               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
               "abcdefghijklmnopqrstuvwxyz .") != strlen(walk->message))
        harness_fail("error Message '%s' is not plain text:\n%s", walk->message,
                     text);
}

/* Returns nonzero when needle occurs in haystack. */
static int
contains(const char *haystack, size_t haystack_len, const uint8_t *needle,
         size_t needle_len)
{
    size_t i;

    if (needle_len == 0 || needle_len > haystack_len)
        return needle_len == 0;
    for (i = 0; i + needle_len <= haystack_len; i++) {
        if (memcmp(haystack + i, needle, needle_len) == 0)
            return 1;
    }
    return 0;
}

/* The result of one request, to compare a kept parser with a new one. */
struct outcome {
    int status;
    char error_code[TEXT_MAX]; /* empty unless it is an Error document */
    char *body;                /* NULL for an Error document */
};

/*
 * Posts the body once through parser (NULL for a new parser), with
 * allocation fail_at failing when it is not 0, checks the response and
 * returns the number of allocations http_handle made. Fills out unless it
 * is NULL.
 */
static long
post(const uint8_t *data, size_t size, struct autodiscover_parser *parser,
     long fail_at, int sticky, struct outcome *out)
{
    struct http_request req;
    struct harness_body body = {data, size, 0, 0, 0};
    struct response_walk walk;
    struct buffer response;
    struct harness_failure failure = {fail_at, sticky, 0, 0};
    char content_length[32];

    /* Odd sizes arrive in small pieces, so expat resumes mid-token. */
    body.read_size = size % 2 == 0 ? 0 : 1 + size % 61;
    snprintf(content_length, sizeof(content_length), "%zu", size);
    buffer_init(&response, HTTP_ANSWER_MAX);
    harness_request_init(&req, &response, &body);
    req.method = "POST";
    req.target = "/autodiscover/autodiscover.xml";
    req.host = "autodiscover.example.com";
    req.content_length = content_length;
    req.parser = parser;

    harness_failure_resume(&failure);
    http_handle(harness_service(), &req);
    harness_failure_pause(&failure);

    harness_check_response(&req, fail_at != 0);
    memset(&walk, 0, sizeof(walk));
    if (req.status == 200) {
        walk_response(&response, &walk);
        if (walk.has_error)
            check_error_document(&walk, response.data);
        else if (memchr(data, '<', size) != NULL &&
                 contains(response.data, response.len, data, size))
            harness_fail("response contains the raw request body:\n%s",
                         response.data);
    }
    if (out != NULL) {
        out->status = req.status;
        memcpy(out->error_code, walk.error_code, sizeof(out->error_code));
        out->body = NULL;
        if (!walk.has_error) {
            out->body = malloc(response.len + 1);
            if (out->body == NULL)
                harness_fail("out of memory");
            memcpy(out->body, response.data, response.len);
            out->body[response.len] = '\0';
        }
    }
    buffer_release(&response);
    return failure.used;
}

/* Error documents differ in time only, so only their codes are compared. */
static void
check_same_outcome(const struct outcome *fresh, const struct outcome *reused)
{
    if (fresh->status != reused->status ||
        strcmp(fresh->error_code, reused->error_code) != 0)
        harness_fail("a kept parser returned %d '%s', a new one %d '%s'",
                     reused->status, reused->error_code, fresh->status,
                     fresh->error_code);
    if ((fresh->body == NULL) != (reused->body == NULL) ||
        (fresh->body != NULL && strcmp(fresh->body, reused->body) != 0))
        harness_fail("a kept parser returned:\n%s\na new one:\n%s",
                     reused->body != NULL ? reused->body : "(error document)",
                     fresh->body != NULL ? fresh->body : "(error document)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Kept across inputs, as a worker thread keeps it across requests. */
    static struct autodiscover_parser *kept_parser;
    struct outcome fresh, reused;
    long count, fail_at;
    int sticky;

    harness_service();
    if (kept_parser == NULL) {
        kept_parser = autodiscover_parser_new();
        if (kept_parser == NULL)
            harness_fail("autodiscover_parser_new failed");
    }
    if (known_count == 0) {
        collect_names("autodiscover.xml");
        collect_names("mobilesync.xml");
        collect_names("autodiscover-error.xml");
    }

    count = post(data, size, NULL, 0, 0, &fresh);
    post(data, size, kept_parser, 0, 0, &reused);
    check_same_outcome(&fresh, &reused);
    free(fresh.body);
    free(reused.body);
    if (count > 0) {
        fail_at = harness_pick_failure(data, size, count, &sticky);
        post(data, size, kept_parser, fail_at, sticky, NULL);
    }
    return 0;
}
