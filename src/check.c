#include "check.h"

#include <string.h>

#include "address.h"
#include "log.h"
#include "profile.h"

/* Domains that fit one autoconfig answer of 256 KiB with room to spare. */
#define LIST_ALL_DOMAINS_MAX 4000

struct usual_port {
    const char *type;
    int implicit_tls;
    long port;
    long other_port; /* a second accepted port, or 0 */
};

/* RFC 8314 and the IANA registry; port 25 also carries SMTP submission. */
static const struct usual_port usual_ports[] = {
    {"imap", 1, 993, 0}, {"imap", 0, 143, 0}, {"pop3", 1, 995, 0},
    {"pop3", 0, 110, 0}, {"smtp", 1, 465, 0}, {"smtp", 0, 587, 25},
};

static int
has_method(const json_t *methods, size_t from, const char *name)
{
    size_t i;

    for (i = from; i < json_array_size(methods); i++) {
        if (strcmp(json_string_value(json_array_get(methods, i)), name) == 0)
            return 1;
    }
    return 0;
}

static int
is_ip_or_single_label(const char *hostname)
{
    if (strchr(hostname, '.') == NULL)
        return strchr(hostname, '%') == NULL;
    return address_is_numeric(hostname);
}

static int
check_server(const char *file, const char *path, const json_t *server,
             FILE *out)
{
    const char *type = json_string_value(json_object_get(server, "type"));
    const char *hostname =
        json_string_value(json_object_get(server, "hostname"));
    const char *socket_type =
        json_string_value(json_object_get(server, "socket_type"));
    const json_t *methods = json_object_get(server, "authentication");
    long port = (long)json_integer_value(json_object_get(server, "port"));
    int implicit = socket_type != NULL && strcmp(socket_type, "SSL") == 0;
    int warnings = 0;
    size_t i;

    /* Servers of a URL type, such as ews, have no host, port or socket. */
    if (socket_type != NULL && strcmp(socket_type, "plain") == 0 &&
        has_method(methods, 0, "password-cleartext")) {
        fprintf(out,
                "%s: warning: %s: password-cleartext over a plain socket "
                "sends passwords unencrypted; use SSL or STARTTLS\n",
                file, path);
        warnings++;
    }
    for (i = 0; i < json_array_size(methods); i++) {
        if (strcmp(json_string_value(json_array_get(methods, i)), "OAuth2") ==
                0 &&
            !has_method(methods, 0, "password-cleartext") &&
            !has_method(methods, 0, "password-encrypted")) {
            /* A client skips the methods it lacks, wherever they stand. */
            fprintf(out,
                    "%s: warning: %s: OAuth2 without a password method "
                    "in the list; clients without OAuth2 support for this "
                    "host cannot log in\n",
                    file, path);
            warnings++;
        }
    }
    if (hostname == NULL)
        return warnings;
    if (is_ip_or_single_label(hostname)) {
        fprintf(out,
                "%s: warning: %s: host name '%s' is not a fully qualified "
                "DNS name; TLS certificates and clients expect one\n",
                file, path, hostname);
        warnings++;
    }
    for (i = 0; i < sizeof(usual_ports) / sizeof(usual_ports[0]); i++) {
        const struct usual_port *usual = &usual_ports[i];

        if (strcmp(usual->type, type) != 0 || usual->implicit_tls != implicit)
            continue;
        if (port != usual->port && port != usual->other_port) {
            fprintf(out,
                    "%s: warning: %s: port %ld is unusual for %s with socket "
                    "type %s; the usual port is %ld, and clients such as "
                    "Thunderbird guess TLS from the port\n",
                    file, path, port, type, socket_type, usual->port);
            warnings++;
        }
    }
    return warnings;
}

int
check_signing_dates(const struct provider_set *set,
                    const struct profile_signer *signer, time_t now,
                    char *message, size_t size)
{
    const char *path = json_string_value(
        json_object_get(provider_signing(set), "certificate"));
    char problem[128], escaped[1024];

    if (signer == NULL ||
        profile_signer_check_dates(signer, now, problem, sizeof(problem)) == 0)
        return 0;
    log_escape_controls(escaped, sizeof(escaped), path);
    snprintf(message, size,
             "profile_signing.certificate: '%s' %s; iOS shows the profiles "
             "it signs as not verified",
             escaped, problem);
    return -1;
}

int
check_write_report(const struct provider_set *set,
                   const struct profile_signer *signer, const char *file,
                   FILE *out)
{
    static const char *const lists[] = {"incoming", "outgoing"};
    const json_t *providers = provider_list(set);
    size_t i, k, j, domains, servers = 0;
    char path[128], message[1536];
    int warnings = 0;

    for (i = 0; i < json_array_size(providers); i++) {
        const json_t *provider = json_array_get(providers, i);
        size_t listed = json_array_size(json_object_get(provider, "domains"));

        /* Each <domain> element costs about 30 bytes of the answer. */
        if (json_is_true(json_object_get(provider, "list_all_domains")) &&
            listed > LIST_ALL_DOMAINS_MAX) {
            fprintf(out,
                    "%s: warning: providers[%zu]: list_all_domains with %zu "
                    "domains can make autoconfig answers larger than "
                    "the 256 KiB mailautoconf sends; list at most %d\n",
                    file, i, listed, LIST_ALL_DOMAINS_MAX);
            warnings++;
        }

        for (k = 0; k < 2; k++) {
            const json_t *list = json_object_get(provider, lists[k]);

            for (j = 0; j < json_array_size(list); j++) {
                snprintf(path, sizeof(path), "providers[%zu].%s[%zu]", i,
                         lists[k], j);
                warnings +=
                    check_server(file, path, json_array_get(list, j), out);
                servers++;
            }
        }
    }
    if (check_signing_dates(set, signer, time(NULL), message,
                            sizeof(message)) == -1) {
        fprintf(out, "%s: warning: %s\n", file, message);
        warnings++;
    }
    provider_count(set, &domains);
    fprintf(
        out, "%s: %zu provider%s, %zu domain%s, %zu server%s, %d warning%s\n",
        file, json_array_size(providers),
        log_plural(json_array_size(providers)), domains, log_plural(domains),
        servers, log_plural(servers), warnings, log_plural((size_t)warnings));
    return warnings;
}
