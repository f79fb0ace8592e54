#include "buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

void
buffer_init(struct buffer *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max;
}

void
buffer_release(struct buffer *buf)
{
    memory_free(buf->data);
    buffer_init(buf, buf->max);
}

void
buffer_clear(struct buffer *buf)
{
    buf->len = 0;
    if (buf->data != NULL)
        buf->data[0] = '\0';
}

static int
buffer_reserve(struct buffer *buf, size_t extra)
{
    size_t need, cap;
    char *data;

    if (extra > buf->max - buf->len)
        return -1;
    need = buf->len + extra + 1;
    if (need <= buf->cap)
        return 0;

    cap = buf->cap == 0 ? 256 : buf->cap;
    while (cap < need)
        cap *= 2;
    if (cap > buf->max + 1)
        cap = buf->max + 1;
    data = memory_realloc(buf->data, cap);
    if (data == NULL)
        return -1;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int
buffer_append(struct buffer *buf, const char *bytes, size_t len)
{
    if (buffer_reserve(buf, len) == -1)
        return -1;
    if (len > 0)
        memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int
buffer_append_str(struct buffer *buf, const char *str)
{
    return buffer_append(buf, str, strlen(str));
}

int
buffer_printf(struct buffer *buf, const char *format, ...)
{
    char text[256];
    va_list ap;
    int n;

    /* Most texts fit here, which spares a second pass over the format. */
    va_start(ap, format);
    n = vsnprintf(text, sizeof(text), format, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(text))
        return buffer_append(buf, text, (size_t)n);
    if (buffer_reserve(buf, (size_t)n) == -1)
        return -1;

    va_start(ap, format);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, format, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return 0;
}
