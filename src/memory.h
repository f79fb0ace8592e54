/*
 * One allocator for our code, jansson and expat, so that tests can make
 * the Nth allocation fail and check that every caller copes.
 */
#ifndef MAILAUTOCONF_MEMORY_H
#define MAILAUTOCONF_MEMORY_H

#include <stddef.h>

#include <expat.h>

/* The allocator for XML_ParserCreate_MM. */
extern const XML_Memory_Handling_Suite memory_expat_suite;

/* Routes jansson's allocations through this module; call once at start. */
void memory_init(void);

/* Like malloc, realloc, free and strdup, counting each allocation. */
void *memory_malloc(size_t size);
void *memory_realloc(void *ptr, size_t size);
void memory_free(void *ptr);
char *memory_strdup(const char *str);

/*
 * Makes the allocation that comes n allocations from now fail, and every
 * one after it while sticky is nonzero; n = 0 turns failures off. For tests.
 */
void memory_fail_after(long n, int sticky);

/* Returns the number of allocations made so far. For tests. */
long memory_allocation_count(void);

#endif
