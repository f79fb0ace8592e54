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
 * Guards a parse by a library that cannot survive a failed allocation
 * (jansson 2.14 corrupts its lexer). Until memory_guard_end, an allocation
 * of this thread that fails is retried once the reserve of reserve bytes
 * is freed, and the failure is remembered.
 */
void memory_guard_begin(size_t reserve);

/* Ends the guard; returns 1 if an allocation failed meanwhile, else 0. */
int memory_guard_end(void);

/*
 * Makes the allocation that comes n allocations from now fail, and every
 * one after it while sticky is nonzero; n = 0 turns failures off. For tests.
 */
void memory_fail_after(long n, int sticky);

/* Returns the number of allocations made so far. For tests. */
long memory_allocation_count(void);

#endif
