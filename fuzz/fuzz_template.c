/*
 * Templates: the input is compiled with template_parse in both formats
 * and, when it compiles, rendered twice: with the first provider of
 * fuzz/provider.json as the root plus request variables whose values need
 * escaping, and with an empty context. A failed compile must leave a
 * message, rendering again must give the same text, and a template
 * without tags must render as itself. Every input runs a second time with
 * one allocation failing.
 */
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "memory.h"
#include "template.h"

#define NAME "fuzz.tmpl"

static const struct template_var vars[] = {
    {"domain", "example.com", TEMPLATE_VERBATIM},
    {"address", "%EMAILDOMAIN%o'brien@example.com", TEMPLATE_VERBATIM},
    {"response_schema",
     "http://schemas.microsoft.com/exchange/autodiscover/"
     "outlook/responseschema/2006a",
     TEMPLATE_VERBATIM},
    {"redirect_address", NULL, TEMPLATE_VERBATIM},
    {"error_code", "600", TEMPLATE_VERBATIM},
    {"error_message", "Invalid <Request> & \"more\"", TEMPLATE_VERBATIM},
    {"protocol", "AutodiscoverV1", TEMPLATE_VERBATIM},
    {"url", "https://%EMAILDOMAIN%/?a=1&b=2", TEMPLATE_EXPAND},
    {"display", "Example \\ Mail\n\t\x01", TEMPLATE_EXPAND},
    {"in_ssl", "", TEMPLATE_VERBATIM},
};

/* The result of one compile and its renderings. */
struct outcome {
    int parsed;      /* template_parse returned 0 */
    char err[256];   /* its message otherwise */
    int rendered[2]; /* template_render returned 0, per context */
    struct buffer out[2];
};

static int
has_tag(const uint8_t *data, size_t size)
{
    size_t i;

    for (i = 0; i + 1 < size; i++) {
        if (data[i] == '{' && data[i + 1] == '{')
            return 1;
    }
    return 0;
}

static void
compile_and_render(const uint8_t *data, size_t size,
                   enum template_format format, struct outcome *outcome)
{
    const json_t *providers = provider_list(harness_service()->providers);
    const struct template_context contexts[2] = {
        {json_array_get(providers, 0), vars, sizeof(vars) / sizeof(vars[0]),
         "o'brien@example.com", "o'brien", "example.com"},
        {NULL, NULL, 0, NULL, NULL, NULL},
    };
    struct template *tmpl;
    size_t i;

    memset(outcome, 0, sizeof(*outcome));
    for (i = 0; i < 2; i++)
        buffer_init(&outcome->out[i], HTTP_ANSWER_MAX);
    if (template_parse(NAME, (const char *)data, size, format, &tmpl,
                       outcome->err, sizeof(outcome->err)) == -1)
        return;
    outcome->parsed = 1;
    for (i = 0; i < 2; i++)
        outcome->rendered[i] =
            template_render(tmpl, &contexts[i], &outcome->out[i]) == 0;
    template_free(tmpl);
}

static void
release_outcome(struct outcome *outcome)
{
    buffer_release(&outcome->out[0]);
    buffer_release(&outcome->out[1]);
}

static int
same_text(const struct buffer *a, const struct buffer *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void
check_outcome(const uint8_t *data, size_t size, const struct outcome *outcome,
              int may_fail)
{
    int plain = !has_tag(data, size) && memchr(data, '\0', size) == NULL;

    if (!outcome->parsed) {
        if (strncmp(outcome->err, NAME, strlen(NAME)) != 0)
            harness_fail("template_parse message '%s' does not name the "
                         "template",
                         outcome->err);
        if (plain && !may_fail)
            harness_fail("a template without tags did not compile: %s",
                         outcome->err);
        return;
    }
    if (plain && !may_fail &&
        (!outcome->rendered[0] || outcome->out[0].len != size ||
         (size > 0 && memcmp(outcome->out[0].data, data, size) != 0)))
        harness_fail("a template without tags did not render as itself");
}

/*
 * Compiles and renders the input once, with allocation fail_at failing
 * when it is not 0, and returns the number of allocations made.
 */
static long
run(const uint8_t *data, size_t size, enum template_format format, long fail_at,
    int sticky)
{
    struct harness_failure failure = {fail_at, sticky, 0, 0};
    struct outcome outcome, again;
    size_t i;

    harness_failure_resume(&failure);
    compile_and_render(data, size, format, &outcome);
    harness_failure_pause(&failure);

    check_outcome(data, size, &outcome, fail_at != 0);
    if (fail_at == 0 && outcome.parsed) {
        compile_and_render(data, size, format, &again);
        for (i = 0; i < 2; i++) {
            if (again.rendered[i] != outcome.rendered[i] ||
                !same_text(&again.out[i], &outcome.out[i]))
                harness_fail("rendering again gave another result");
        }
        release_outcome(&again);
    }
    release_outcome(&outcome);
    return failure.used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum template_format formats[] = {TEMPLATE_XML, TEMPLATE_JSON};
    long count, fail_at;
    int sticky;
    size_t i;

    harness_service();
    for (i = 0; i < 2; i++) {
        count = run(data, size, formats[i], 0, 0);
        if (count > 0) {
            fail_at = harness_pick_failure(data, size, count, &sticky);
            run(data, size, formats[i], fail_at, sticky);
        }
    }
    return 0;
}
