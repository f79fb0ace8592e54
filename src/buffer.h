/*
 * A growable byte buffer with a hard size limit, for everything read from
 * or written to a client.
 */
#ifndef MAILAUTOCONF_BUFFER_H
#define MAILAUTOCONF_BUFFER_H

#include <stddef.h>

struct buffer {
    char *data; /* NUL-terminated after every successful append */
    size_t len;
    size_t cap;
    size_t max; /* appends that would pass this length fail */
};

/* Prepares an empty buffer that never grows past max bytes. */
void buffer_init(struct buffer *buf, size_t max);

/* Frees the memory; the buffer may be initialized again. */
void buffer_release(struct buffer *buf);

/* Empties the buffer and keeps its memory for reuse. */
void buffer_clear(struct buffer *buf);

/*
 * Appends len bytes. Returns 0, or -1 when the limit would be passed or
 * memory runs out; the buffer is unchanged on failure.
 */
int buffer_append(struct buffer *buf, const char *bytes, size_t len);

/* Appends a NUL-terminated string, with the same result as buffer_append. */
int buffer_append_str(struct buffer *buf, const char *str);

/* Appends formatted text, with the same result as buffer_append. */
int buffer_printf(struct buffer *buf, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
