/*
 * Checks for the unit tests. A failed check prints "file:line: [case]
 * message" with the actual and expected values, counts the failure and
 * lets the program go on, so that one run lists every failing case.
 */
#ifndef MAILAUTOCONF_TEST_CHECK_H
#define MAILAUTOCONF_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Maximum number of bytes of a value that a failure message prints. */
#define CHECK_PRINT_MAX 1500

static int check_total;
static int check_failed;
static char check_case_name[256];

/* Names the table case that the following checks belong to. */
static inline void check_case(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

static inline void
check_case(const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vsnprintf(check_case_name, sizeof(check_case_name), format, ap);
    va_end(ap);
}

/*
 * Prints len bytes of value, with control and non-ASCII bytes as \xNN,
 * and with a backslash before '"' and '\\' when quoted is nonzero.
 */
static inline void
check_print_escaped(const char *value, size_t len, int quoted)
{
    size_t i;

    for (i = 0; i < len && i < CHECK_PRINT_MAX; i++) {
        unsigned char c = (unsigned char)value[i];

        if (c == '\n')
            fputs("\\n", stderr);
        else if (c == '\r')
            fputs("\\r", stderr);
        else if (quoted && (c == '"' || c == '\\'))
            fprintf(stderr, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    if (len > CHECK_PRINT_MAX)
        fprintf(stderr, "... (%zu bytes)", len);
}

/* Prints a value in double quotes, escaped, or NULL. */
static inline void
check_print_string(const char *value, size_t len)
{
    if (value == NULL) {
        fputs("NULL", stderr);
        return;
    }
    fputc('"', stderr);
    check_print_escaped(value, len, 1);
    fputc('"', stderr);
}

static inline void
check_print_location(const char *file, int line)
{
    fprintf(stderr, "%s:%d: ", file, line);
    if (check_case_name[0] != '\0') {
        fputc('[', stderr);
        check_print_escaped(check_case_name, strlen(check_case_name), 0);
        fputs("] ", stderr);
    }
}

static inline int
check_true(const char *file, int line, const char *expression, int value)
{
    check_total++;
    if (value)
        return 1;
    check_failed++;
    check_print_location(file, line);
    fprintf(stderr, "%s is false\n", expression);
    return 0;
}

static inline int
check_int(const char *file, int line, const char *expression, long long actual,
          long long expected)
{
    check_total++;
    if (actual == expected)
        return 1;
    check_failed++;
    check_print_location(file, line);
    fprintf(stderr, "%s is %lld, expected %lld\n", expression, actual,
            expected);
    return 0;
}

static inline int
check_string(const char *file, int line, const char *expression,
             const char *actual, const char *expected)
{
    check_total++;
    if (actual == expected ||
        (actual != NULL && expected != NULL && strcmp(actual, expected) == 0))
        return 1;
    check_failed++;
    check_print_location(file, line);
    fprintf(stderr, "%s is ", expression);
    check_print_string(actual, actual == NULL ? 0 : strlen(actual));
    fputs(", expected ", stderr);
    check_print_string(expected, expected == NULL ? 0 : strlen(expected));
    fputc('\n', stderr);
    return 0;
}

/* Checks that needle occurs in haystack (present nonzero) or not (zero). */
static inline int
check_substring(const char *file, int line, const char *expression,
                const char *haystack, const char *needle, int present)
{
    int found = haystack != NULL && strstr(haystack, needle) != NULL;

    check_total++;
    if (found == present)
        return 1;
    check_failed++;
    check_print_location(file, line);
    fprintf(stderr, "%s %s ", expression, present ? "lacks" : "contains");
    check_print_string(needle, strlen(needle));
    fputs(": ", stderr);
    check_print_string(haystack, haystack == NULL ? 0 : strlen(haystack));
    fputc('\n', stderr);
    return 0;
}

/* Prints the totals; returns the exit status for main. */
static inline int
check_summary(const char *program)
{
    fprintf(stderr, "%s: %d checks, %d failed\n", program, check_total,
            check_failed);
    return check_failed == 0 ? 0 : 1;
}

/* Each macro returns nonzero when the check passed. */
#define CHECK(expr) check_true(__FILE__, __LINE__, #expr, (expr) != 0)
#define CHECK_INT(actual, expected)                                            \
    check_int(__FILE__, __LINE__, #actual, (long long)(actual),                \
              (long long)(expected))
#define CHECK_STR(actual, expected)                                            \
    check_string(__FILE__, __LINE__, #actual, (actual), (expected))
#define CHECK_CONTAINS(haystack, needle)                                       \
    check_substring(__FILE__, __LINE__, #haystack, (haystack), (needle), 1)
#define CHECK_LACKS(haystack, needle)                                          \
    check_substring(__FILE__, __LINE__, #haystack, (haystack), (needle), 0)

#endif
