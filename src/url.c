#include "url.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long
url_decode(const char *src, size_t len, char *out, size_t out_size)
{
    size_t i, n = 0;

    if (out_size == 0)
        return -1;
    for (i = 0; i < len; i++) {
        char c = src[i];

        if (c == '%') {
            int high, low;

            if (len - i < 3)
                return -1;
            high = hex_value(src[i + 1]);
            low = hex_value(src[i + 2]);
            if (high < 0 || low < 0)
                return -1;
            c = (char)(high * 16 + low);
            i += 2;
        }
        if (c == '\0' || n + 1 >= out_size)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return (long)n;
}

int
url_query_find(const char *query, const char *name, const char **value,
               size_t *value_len)
{
    size_t name_len = strlen(name);
    const char *p = query;
    int count = 0;

    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, '&');
        size_t len = end == NULL ? strlen(p) : (size_t)(end - p);

        if (len > name_len && p[name_len] == '=' &&
            strncasecmp(p, name, name_len) == 0) {
            if (count == 0) {
                *value = p + name_len + 1;
                *value_len = len - name_len - 1;
            }
            count++;
        } else if (len == name_len && strncasecmp(p, name, name_len) == 0) {
            if (count == 0) {
                *value = p + name_len;
                *value_len = 0;
            }
            count++;
        }
        p = end == NULL ? NULL : end + 1;
    }
    return count;
}

int
url_split(const char *url, struct url_parts *parts)
{
    const char *rest, *slash, *colon;
    size_t host_len;
    char *end;

    if (strncmp(url, "https://", 8) == 0) {
        parts->secure = 1;
        rest = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        parts->secure = 0;
        rest = url + 7;
    } else {
        return -1;
    }
    slash = strchr(rest, '/');
    parts->path = slash != NULL ? slash : "/";
    host_len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    if (memchr(rest, '@', host_len) != NULL)
        return -1;
    colon = memchr(rest, ':', host_len);
    parts->port = parts->secure ? 443 : 80;
    if (colon != NULL) {
        /* Digits only: strtol alone would take a sign and spaces. */
        if (colon + 1 == rest + host_len ||
            strspn(colon + 1, "0123456789") !=
                (size_t)(rest + host_len - colon - 1))
            return -1;
        parts->port = strtol(colon + 1, &end, 10);
        if (end != rest + host_len || parts->port < 1 || parts->port > 65535)
            return -1;
        host_len = (size_t)(colon - rest);
    }
    if (host_len == 0 || host_len >= sizeof(parts->host))
        return -1;
    memcpy(parts->host, rest, host_len);
    parts->host[host_len] = '\0';
    return 0;
}
