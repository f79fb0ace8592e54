/*
 * Import of Thunderbird clientConfig documents: the input is given to
 * import_parse, and an imported provider is loaded with provider_parse as
 * the only provider of a file. The loader may reject it, as import_files
 * reports such a file as an error too, but neither step may crash or
 * leak. Every input runs a second time with one allocation failing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "import.h"
#include "memory.h"
#include "provider.h"

#define NAME "fuzz.xml"

static FILE *
null_file(void)
{
    static FILE *file;

    if (file == NULL)
        file = fopen("/dev/null", "w");
    if (file == NULL)
        harness_fail("cannot open /dev/null");
    return file;
}

/* Loads the imported provider as a provider file would contain it. */
static void
load_imported(json_t *provider, struct harness_failure *failure)
{
    struct provider_set *set;
    json_t *root;
    char *text, err[512];

    root = json_pack("{s:[O]}", "providers", provider);
    if (root == NULL)
        harness_fail("json_pack failed");
    text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (text == NULL)
        harness_fail("json_dumps failed");

    harness_failure_resume(failure);
    if (provider_parse("imported.json", text, strlen(text), &set, err,
                       sizeof(err)) == 0)
        provider_set_free(set);
    harness_failure_pause(failure);
    memory_free(text); /* json_dumps allocates with memory_malloc */
}

/*
 * Imports and loads the input once, with allocation fail_at failing when
 * it is not 0, and returns the number of allocations made.
 */
static long
run(const uint8_t *data, size_t size, long fail_at, int sticky)
{
    struct harness_failure failure = {fail_at, sticky, 0, 0};
    json_t *provider = NULL;
    char err[512];
    int rc;

    err[0] = '\0';
    harness_failure_resume(&failure);
    rc = import_parse(NAME, (const char *)data, size, null_file(), &provider,
                      err, sizeof(err));
    harness_failure_pause(&failure);

    if (rc == -1) {
        if (strncmp(err, NAME, strlen(NAME)) != 0)
            harness_fail("import_parse message '%s' does not name the file",
                         err);
        return failure.used;
    }
    if (!json_is_object(provider))
        harness_fail("import_parse returned %d without a provider object", rc);
    load_imported(provider, &failure);
    json_decref(provider);
    return failure.used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long count, fail_at;
    int sticky;

    memory_init();
    count = run(data, size, 0, 0);
    if (count > 0) {
        fail_at = harness_pick_failure(data, size, count, &sticky);
        run(data, size, fail_at, sticky);
    }
    return 0;
}
