/*
 * Allocation failure tests: each operation runs again and again with the
 * Nth allocation failing (N = 1, 2, 3, ...) until it runs without hitting
 * the failure. Every run must either succeed or fail cleanly: loading
 * returns -1 with an out-of-memory message, a request gets a 500 response
 * or an Autodiscover 603 error. Run under valgrind to find leaks on the
 * failure paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autodiscover.h"
#include "buffer.h"
#include "body_reader.h"
#include "check.h"
#include "http.h"
#include "memory.h"
#include "provider.h"
#include "service.h"

#define EXAMPLE_FILE MAILAUTOCONF_SOURCE_DIR "/examples/provider.json"
#define TEMPLATE_DIR MAILAUTOCONF_SOURCE_DIR "/templates"

/* No operation here makes this many allocations. */
#define FAILURE_LIMIT 100000

/* The allocation counts and results of a load without failures. */
struct load_baseline {
    char *providers;  /* provider_list as JSON text */
    long allocations; /* all the load makes */
    long parse_first; /* the first allocation of jansson's parser */
    long parse_last;  /* its last one */
};

/* Returns the provider list as JSON text, allocated without failures. */
static char *
dump_providers(const struct provider_set *set)
{
    return json_dumps(provider_list(set), JSON_SORT_KEYS | JSON_COMPACT);
}

/*
 * Loads the example file into *set and returns the number of allocations
 * that took; with service set, loads the templates too.
 */
static long
load(int service, struct service *svc, struct provider_set **set, char *err,
     size_t err_size, int *rc)
{
    long before = memory_allocation_count();

    *set = NULL;
    if (service) {
        *rc = service_load(svc, EXAMPLE_FILE, TEMPLATE_DIR, err, err_size);
        if (*rc == 0)
            *set = svc->providers;
    } else {
        *rc = provider_load(EXAMPLE_FILE, set, err, err_size);
    }
    return memory_allocation_count() - before;
}

static void
unload(int service, struct service *svc, struct provider_set *set)
{
    if (service)
        service_release(svc);
    else
        provider_set_free(set);
}

/*
 * Measures a load without failures. jansson's parser runs first in
 * provider_load; service_load runs provider_load after the templates and,
 * as the example names no signing files, allocates nothing after it.
 */
static void
measure(int service, struct load_baseline *baseline)
{
    struct service svc;
    struct provider_set *set;
    char err[1024];
    json_t *root;
    long parse, provider_total;
    int rc;

    provider_total = load(0, &svc, &set, err, sizeof(err), &rc);
    provider_set_free(set);
    baseline->allocations = load(service, &svc, &set, err, sizeof(err), &rc);
    baseline->providers = rc == 0 ? dump_providers(set) : NULL;
    unload(service, &svc, set);

    parse = memory_allocation_count();
    root = json_load_file(EXAMPLE_FILE, JSON_REJECT_DUPLICATES, NULL);
    parse = memory_allocation_count() - parse;
    json_decref(root);
    baseline->parse_first = baseline->allocations - provider_total + 1;
    baseline->parse_last = baseline->parse_first + parse - 1;
}

/*
 * Loads with the Nth allocation failing for every N. Each run must
 * succeed with the same providers as without failures, or return -1 with
 * "out of memory", also where the failure hits jansson's parser, whose
 * lexer the memory guard protects.
 */
static void
test_load(const char *name, int service, int sticky)
{
    struct load_baseline baseline;
    struct service svc;
    struct provider_set *set;
    char err[1024], *providers;
    long n, used;
    int rc;

    measure(service, &baseline);
    check_case("%s without failures", name);
    if (!CHECK(baseline.providers != NULL))
        return;

    for (n = 1; n < FAILURE_LIMIT; n++) {
        int in_parser = n >= baseline.parse_first && n <= baseline.parse_last;

        check_case("%s, allocation %ld%s fails%s", name, n,
                   in_parser ? " (jansson's parser)" : "",
                   sticky ? " and all after it" : "");
        err[0] = '\0';
        memory_fail_after(n, sticky);
        used = load(service, &svc, &set, err, sizeof(err), &rc);
        memory_fail_after(0, 0);

        if (rc == 0) {
            providers = dump_providers(set);
            CHECK_STR(providers, baseline.providers);
            free(providers);
            unload(service, &svc, set);
        } else {
            CHECK_CONTAINS(err, "out of memory");
        }
        if (used < n) {
            /* The failure was never reached, so the load must succeed. */
            CHECK_INT(rc, 0);
            fprintf(stderr, "%s: %ld allocations, each failed once%s\n", name,
                    used, sticky ? " with all after it" : "");
            break;
        }
    }
    CHECK(n < FAILURE_LIMIT);
    free(baseline.providers);
}

/* Inputs on which a failed allocation corrupted jansson 2.14's lexer. */
static const char *const lexer_inputs[] = {
    MAILAUTOCONF_SOURCE_DIR
    "/fuzz/crashes/provider/jansson-lex-string-oom.json",
    MAILAUTOCONF_SOURCE_DIR "/fuzz/crashes/provider/jansson-lex-unget-oom.json",
};

/*
 * Parses each input with the Nth allocation failing for every N: each run
 * must end with the message of a run without failures or with "out of
 * memory". A corrupted lexer aborts or is caught by the sanitizers.
 */
static void
test_parse_lexer_inputs(int sticky)
{
    struct provider_set *set;
    char text[256], err[1024], expected[1024];
    size_t i, len;
    long n, used;
    FILE *file;

    for (i = 0; i < sizeof(lexer_inputs) / sizeof(lexer_inputs[0]); i++) {
        check_case("%s", lexer_inputs[i]);
        file = fopen(lexer_inputs[i], "rb");
        if (!CHECK(file != NULL))
            continue;
        len = fread(text, 1, sizeof(text), file);
        fclose(file);
        if (!CHECK_INT(provider_parse("lexer.json", text, len, &set, expected,
                                      sizeof(expected)),
                       -1))
            continue;

        for (n = 1; n < FAILURE_LIMIT; n++) {
            check_case("%s, allocation %ld fails%s", lexer_inputs[i], n,
                       sticky ? " and all after it" : "");
            used = memory_allocation_count();
            memory_fail_after(n, sticky);
            CHECK_INT(
                provider_parse("lexer.json", text, len, &set, err, sizeof(err)),
                -1);
            memory_fail_after(0, 0);
            used = memory_allocation_count() - used;
            if (strcmp(err, expected) != 0)
                CHECK_CONTAINS(err, "out of memory");
            if (used < n)
                break;
        }
    }
}

/* The request every run of an HTTP operation sends. */
struct http_operation {
    const char *name;
    const char *method;
    const char *target;
    const char *body;
    int pox; /* an Autodiscover 603 error document is a clean failure */
};

#define OUTLOOK_REQUEST                                                        \
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>"                               \
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"             \
    "autodiscover/outlook/requestschema/2006\"><Request>"                      \
    "<EMailAddress>alice@example.com</EMailAddress>"                           \
    "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/"         \
    "autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>"     \
    "</Request></Autodiscover>"

static const struct http_operation http_operations[] = {
    {"autoconfig GET", "GET",
     "/mail/config-v1.1.xml?emailaddress=alice%40example.com", NULL, 0},
    {"POX POST", "POST", "/autodiscover/autodiscover.xml", OUTLOOK_REQUEST, 1},
    {"POX GET", "GET", "/autodiscover/autodiscover.xml", NULL, 1},
    {"JSON GET", "GET",
     "/autodiscover/autodiscover.json?Email=alice%40example.com"
     "&Protocol=AutodiscoverV1",
     NULL, 0},
    {"mobileconfig GET", "GET",
     "/email.mobileconfig?emailaddress=alice%40example.com", NULL, 0},
};

/* A response copied out of the request, to compare runs. */
struct response {
    int status;
    char content_type[64];
    char *body;
};

static void
handle(const struct service *svc, const struct http_operation *op,
       struct autodiscover_parser *parser, struct buffer *body,
       struct response *out)
{
    struct http_request req;
    struct body_reader reader = {op->body == NULL ? "" : op->body, 0, 0, 0};

    memset(&req, 0, sizeof(req));
    req.method = op->method;
    req.target = op->target;
    req.host = "autodiscover.example.com";
    reader.len = strlen(reader.data);
    req.read_body = read_memory;
    req.body_handle = &reader;
    req.parser = parser;
    req.body = body;
    http_handle(svc, &req);

    out->status = req.status;
    snprintf(out->content_type, sizeof(out->content_type), "%s",
             req.content_type == NULL ? "(null)" : req.content_type);
    out->body = malloc(body->len + 1);
    memcpy(out->body, body->data == NULL ? "" : body->data, body->len);
    out->body[body->len] = '\0';
}

static int
same_response(const struct response *a, const struct response *b)
{
    return a->status == b->status &&
           strcmp(a->content_type, b->content_type) == 0 &&
           strcmp(a->body, b->body) == 0;
}

/* Returns nonzero for a 500 response, or a 603 error when pox is set. */
static int
clean_failure(const struct response *response, int pox)
{
    if (response->status == 500)
        return strcmp(response->content_type, "text/plain; charset=utf-8") == 0;
    return pox && response->status == 200 &&
           strstr(response->body, "<ErrorCode>603</ErrorCode>") != NULL;
}

/*
 * Sends op with the Nth allocation failing for every N. With reuse set
 * the response buffer keeps its memory between requests, as the responder's
 * buffers do, so that an error document can be written without
 * allocating, and the requests share one kept parser.
 */
static void
test_http(const struct service *svc, const struct http_operation *op,
          int sticky, int reuse)
{
    struct autodiscover_parser *parser = NULL;
    struct buffer body;
    struct response expected, actual;
    long n, used;

    if (reuse)
        parser = autodiscover_parser_new();
    buffer_init(&body, HTTP_ANSWER_MAX);
    handle(svc, op, parser, &body, &expected);
    if (!reuse)
        buffer_release(&body);

    for (n = 1; n < FAILURE_LIMIT; n++) {
        long before;

        check_case("%s%s, allocation %ld fails%s", op->name,
                   reuse ? " into a used buffer" : "", n,
                   sticky ? " and all after it" : "");
        /*
         * A failure discards the kept parser, so a request without
         * failures keeps a new one first.
         */
        if (reuse) {
            handle(svc, op, parser, &body, &actual);
            free(actual.body);
        }
        before = memory_allocation_count();
        memory_fail_after(n, sticky);
        handle(svc, op, parser, &body, &actual);
        memory_fail_after(0, 0);
        used = memory_allocation_count() - before;
        if (!reuse)
            buffer_release(&body);

        if (used < n) {
            CHECK(same_response(&actual, &expected));
            free(actual.body);
            fprintf(stderr, "%s%s: %ld allocations, each failed once%s\n",
                    op->name, reuse ? " into a used buffer" : "", used,
                    sticky ? " with all after it" : "");
            break;
        }
        if (!CHECK(same_response(&actual, &expected) ||
                   clean_failure(&actual, op->pox)))
            fprintf(stderr, "  status=%d content_type='%s' body='%.300s'\n",
                    actual.status, actual.content_type, actual.body);
        free(actual.body);
    }
    CHECK(n < FAILURE_LIMIT);
    free(expected.body);
    buffer_release(&body);
    autodiscover_parser_free(parser);
}

int
main(void)
{
    struct service svc;
    char err[1024];
    size_t i;
    int sticky, reuse;

    memory_init();
    for (sticky = 1; sticky >= 0; sticky--) {
        test_load("provider_load", 0, sticky);
        test_load("service_load", 1, sticky);
        test_parse_lexer_inputs(sticky);
    }

    check_case("service_load without failures");
    if (!CHECK_INT(
            service_load(&svc, EXAMPLE_FILE, TEMPLATE_DIR, err, sizeof(err)),
            0)) {
        fprintf(stderr, "  %s\n", err);
        return check_summary("test_memory");
    }
    for (i = 0; i < sizeof(http_operations) / sizeof(http_operations[0]); i++) {
        for (sticky = 1; sticky >= 0; sticky--) {
            for (reuse = 0; reuse <= 1; reuse++)
                test_http(&svc, &http_operations[i], sticky, reuse);
        }
    }
    service_release(&svc);
    return check_summary("test_memory");
}
