/* Percent-decoding of URL paths and query strings. */
#ifndef MAILAUTOCONF_URL_H
#define MAILAUTOCONF_URL_H

#include <stddef.h>

/*
 * Decodes len bytes of src into out (size out_size, NUL-terminated),
 * turning each %XX into its byte exactly once. A '+' stays a '+', as
 * mail clients encode a plus in an address as %2B. Returns the decoded
 * length, or -1 for a malformed escape, an escaped NUL, or output that
 * does not fit.
 */
long url_decode(const char *src, size_t len, char *out, size_t out_size);

/*
 * Finds the parameter name (ASCII letter case ignored) in a query string
 * such as "a=1&b=2". Sets *value and *value_len to the raw, still encoded
 * value of the first occurrence. Returns how many times the name occurs:
 * 0, 1, or more.
 */
int url_query_find(const char *query, const char *name, const char **value,
                   size_t *value_len);

/* The parts of an http:// or https:// URL. */
struct url_parts {
    int secure;       /* 1 for https */
    char host[512];   /* without the port */
    long port;        /* the explicit port, or 443 / 80 */
    const char *path; /* points into the URL; "/" when it has none */
};

/*
 * Splits an http:// or https:// URL. The authority ends at the first '/'.
 * Returns 0, or -1 when the URL has another scheme, userinfo, an empty or
 * too long host, or an invalid port. The host's characters are not
 * checked, because a provider URL may contain %EMAILDOMAIN% there.
 */
int url_split(const char *url, struct url_parts *parts);

#endif
