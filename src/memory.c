#include "memory.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static atomic_long allocation_count;
static atomic_long fail_at;
static atomic_int fail_sticky;

/* The guard of memory_guard_begin, one per thread. */
static _Thread_local struct {
    int active;
    int failed;
    void *reserve;
} guard;

const XML_Memory_Handling_Suite memory_expat_suite = {
    memory_malloc, memory_realloc, memory_free};

void
memory_init(void)
{
    json_set_alloc_funcs(memory_malloc, memory_free);
}

static int
memory_should_fail(void)
{
    long n = atomic_fetch_add(&allocation_count, 1) + 1;
    long at = atomic_load(&fail_at);

    if (at == 0)
        return 0;
    return n == at || (n > at && atomic_load(&fail_sticky));
}

/* Returns 1 if a failed allocation may be retried under the guard. */
static int
guard_retry(void)
{
    if (!guard.active)
        return 0;
    guard.failed = 1;
    free(guard.reserve);
    guard.reserve = NULL;
    return 1;
}

void *
memory_malloc(size_t size)
{
    void *ptr = memory_should_fail() ? NULL : malloc(size);

    if (ptr == NULL && guard_retry())
        ptr = malloc(size);
    return ptr;
}

void *
memory_realloc(void *ptr, size_t size)
{
    void *grown = memory_should_fail() ? NULL : realloc(ptr, size);

    if (grown == NULL && guard_retry())
        grown = realloc(ptr, size);
    return grown;
}

void
memory_guard_begin(size_t reserve)
{
    guard.active = 1;
    guard.failed = 0;
    /* Without a reserve the guard still retries and reports. */
    guard.reserve = malloc(reserve);
}

int
memory_guard_end(void)
{
    int failed = guard.failed;

    free(guard.reserve);
    guard.reserve = NULL;
    guard.active = 0;
    guard.failed = 0;
    return failed;
}

void
memory_free(void *ptr)
{
    free(ptr);
}

char *
memory_strdup(const char *str)
{
    size_t len = strlen(str) + 1;
    char *copy = memory_malloc(len);

    if (copy != NULL)
        memcpy(copy, str, len);
    return copy;
}

void
memory_fail_after(long n, int sticky)
{
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_at, n == 0 ? 0 : atomic_load(&allocation_count) + n);
}

long
memory_allocation_count(void)
{
    return atomic_load(&allocation_count);
}
