/*
 * A request body served from memory, for http_request.read_body in the
 * unit tests.
 */
#ifndef MAILAUTOCONF_TEST_BODY_READER_H
#define MAILAUTOCONF_TEST_BODY_READER_H

#include <string.h>

/* A body in memory and the position of the next read. */
struct body_reader {
    const char *data;
    size_t len;
    size_t pos;
    size_t chunk; /* bytes at most per read, 0 for any */
};

/* Copies the next bytes of the body (a struct body_reader) into bytes. */
static inline long
read_memory(void *handle, char *bytes, size_t size)
{
    struct body_reader *reader = handle;
    size_t n = reader->len - reader->pos;

    if (n > size)
        n = size;
    if (reader->chunk > 0 && n > reader->chunk)
        n = reader->chunk;
    memcpy(bytes, reader->data + reader->pos, n);
    reader->pos += n;
    return (long)n;
}

#endif
