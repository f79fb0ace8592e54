#include "dns.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "url.h"

#define NAME_SIZE (2 * ADDRESS_DOMAIN_MAX + 64)

struct dns_context {
    const struct provider_set *set;
    const char *responder_host;
    FILE *out;
};

/* One SRV service name and the servers it announces. */
struct srv_service {
    const char *name; /* such as "_imaps" */
    const char *list; /* "incoming" or "outgoing" */
    const char *type; /* server type */
    int implicit_tls; /* 1: socket type SSL; 0: STARTTLS or plain */
};

/* RFC 8314 services first, because clients should prefer implicit TLS. */
static const struct srv_service srv_services[] = {
    {"_submissions", "outgoing", "smtp", 1},
    {"_submission", "outgoing", "smtp", 0},
    {"_imaps", "incoming", "imap", 1},
    {"_imap", "incoming", "imap", 0},
    {"_pop3s", "incoming", "pop3", 1},
    {"_pop3", "incoming", "pop3", 0},
};

/* Copies pattern into out with %EMAILDOMAIN% replaced by domain. */
static void
expand_domain(const char *pattern, const char *domain, char *out, size_t size)
{
    size_t len = 0, domain_len = strlen(domain);

    while (*pattern != '\0' && len + 1 < size) {
        if (strncmp(pattern, "%EMAILDOMAIN%", 13) == 0 &&
            len + domain_len < size) {
            memcpy(out + len, domain, domain_len);
            len += domain_len;
            pattern += 13;
        } else {
            out[len++] = *pattern++;
        }
    }
    out[len] = '\0';
}

/*
 * Writes an SRV record, or a comment in its place when target is an IPv4
 * address, because an SRV target must be a host name.
 */
static void
write_srv(FILE *out, const char *service, const char *domain, int priority,
          int weight, long port, const char *target)
{
    if (address_is_numeric(target)) {
        fprintf(out,
                "; no %s._tcp.%s. record: %s is an IP address, and an SRV "
                "target must be a host name\n",
                service, domain, target);
        return;
    }
    fprintf(out, "%s._tcp.%s.\t%d\tIN\tSRV\t%d %d %ld %s%s\n", service, domain,
            DNS_TTL, priority, weight, port, target,
            strcmp(target, ".") == 0 ? "" : ".");
}

static void
write_mail_records(const struct dns_context *ctx, const char *domain,
                   const json_t *provider, const char *host_domain)
{
    char target[NAME_SIZE];
    size_t k, i;

    for (k = 0; k < sizeof(srv_services) / sizeof(srv_services[0]); k++) {
        const struct srv_service *service = &srv_services[k];
        const json_t *servers = json_object_get(provider, service->list);
        int offered = 0;

        for (i = 0; i < json_array_size(servers); i++) {
            const json_t *server = json_array_get(servers, i);
            const char *type =
                json_string_value(json_object_get(server, "type"));

            if (strcmp(type, service->type) != 0 ||
                json_is_true(json_object_get(server, "ssl")) !=
                    service->implicit_tls)
                continue;
            expand_domain(
                json_string_value(json_object_get(server, "hostname")),
                host_domain, target, sizeof(target));
            /* Position in the list is the provider's order of preference. */
            write_srv(ctx->out, service->name, domain, (int)i * 10, 1,
                      (long)json_integer_value(json_object_get(server, "port")),
                      target);
            offered = 1;
        }
        if (!offered)
            write_srv(ctx->out, service->name, domain, 0, 0, 0, ".");
    }
}

/*
 * A TXT character-string is at most 255 bytes long (RFC 1035), and
 * "path=" takes 5 of them.
 */
#define TXT_PATH_MAX 250

/*
 * Returns nonzero when the first length bytes of path contain a placeholder.
 * Percent-encoding never starts "%EM", because M is not a hex digit.
 */
static int
has_placeholder(const char *path, size_t length)
{
    size_t i;

    for (i = 0; i + 6 <= length; i++) {
        if (memcmp(path + i, "%EMAIL", 6) == 0)
            return 1;
    }
    return 0;
}

/*
 * Writes the TXT record with the path of a DAV service's URL. RFC 6764's
 * "path" is the context path alone, so a query or fragment is left out.
 */
static void
write_dav_path(FILE *out, const char *name, const char *domain,
               const char *path)
{
    size_t length = strcspn(path, "?#");

    if (has_placeholder(path, length))
        fprintf(out,
                "; no path TXT record: the URL path depends on the address\n");
    else if (length > TXT_PATH_MAX)
        fprintf(out,
                "; no path TXT record: the URL path is longer than the %d "
                "bytes a TXT string leaves for it\n",
                TXT_PATH_MAX);
    else if (length > 1 || (length == 1 && path[0] != '/'))
        fprintf(out, "%s._tcp.%s.\t%d\tIN\tTXT\t\"path=%.*s\"\n", name, domain,
                DNS_TTL, (int)length, path);
}

/* Writes the SRV and TXT records of one RFC 6764 DAV service. */
static void
write_dav_records(const struct dns_context *ctx, const char *domain,
                  const json_t *dav, const char *secure_name,
                  const char *plain_name, const char *host_domain)
{
    char url[NAME_SIZE * 2];
    struct url_parts parts;
    const char *name;

    expand_domain(json_string_value(json_object_get(dav, "url")), host_domain,
                  url, sizeof(url));
    if (url_split(url, &parts) == -1) {
        fprintf(ctx->out, "; no %s record: the URL has no usable host\n",
                secure_name);
        return;
    }
    name = parts.secure ? secure_name : plain_name;
    write_srv(ctx->out, name, domain, 0, 1, parts.port, parts.host);
    /* Without the SRV record for an IP address, a path has no use. */
    if (!address_is_numeric(parts.host))
        write_dav_path(ctx->out, name, domain, parts.path);
    if (parts.secure)
        write_srv(ctx->out, plain_name, domain, 0, 0, 0, ".");
}

static int
write_domain(const char *domain, const json_t *provider, void *arg)
{
    const struct dns_context *ctx = arg;
    const char *main_domain = provider_alias_target(ctx->set, domain);
    const char *host_domain = main_domain != NULL ? main_domain : domain;
    const char *autodiscover =
        json_string_value(json_object_get(provider, "autodiscover_host"));
    const json_t *dav;
    char target[NAME_SIZE];

    fprintf(ctx->out, "\n; %s%s%s\n", domain,
            main_domain != NULL ? ", alias of " : "",
            main_domain != NULL ? main_domain : "");
    write_mail_records(ctx, domain, provider, host_domain);

    /* An SRV target must not be an alias (RFC 2782), so never a CNAME. */
    if (autodiscover != NULL)
        expand_domain(autodiscover, domain, target, sizeof(target));
    else if (ctx->responder_host != NULL)
        snprintf(target, sizeof(target), "%s", ctx->responder_host);
    else
        snprintf(target, sizeof(target), "autodiscover.%s", domain);
    write_srv(ctx->out, "_autodiscover", domain, 0, 0, 443, target);

    dav = json_object_get(provider, "calendar");
    if (dav != NULL)
        write_dav_records(ctx, domain, dav, "_caldavs", "_caldav", host_domain);
    dav = json_object_get(provider, "address_book");
    if (dav != NULL)
        write_dav_records(ctx, domain, dav, "_carddavs", "_carddav",
                          host_domain);

    if (ctx->responder_host != NULL) {
        fprintf(ctx->out, "autoconfig.%s.\t%d\tIN\tCNAME\t%s.\n", domain,
                DNS_TTL, ctx->responder_host);
        fprintf(ctx->out, "autodiscover.%s.\t%d\tIN\tCNAME\t%s.\n", domain,
                DNS_TTL, ctx->responder_host);
    } else {
        fprintf(ctx->out,
                "; autoconfig.%s and autodiscover.%s: point them at the web "
                "server (rerun with --host NAME for CNAME records)\n",
                domain, domain);
    }
    return ferror(ctx->out) ? -1 : 0;
}

int
dns_write_records(const struct provider_set *set, const char *responder_host,
                  FILE *out)
{
    struct dns_context ctx = {set, responder_host, out};

    fprintf(out, "; DNS records for mail client discovery, written by "
                 "mailautoconf\n");
    if (provider_foreach_domain(set, write_domain, &ctx) != 0)
        return -1;
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
