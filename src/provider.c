#include "provider.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "memory.h"

#define PATH_MAX_LEN 128
#define DISPLAY_NAME_MAX 60
#define DISPLAY_SHORT_NAME_MAX 20
#define STRING_MAX 2048

struct provider_set {
    json_t *providers; /* array of provider objects */
    json_t *domains;   /* object: domain -> provider object */
};

struct loader {
    const char *file;
    char *err;
    size_t err_size;
};

static const char *const placeholders[] = {"%EMAILADDRESS%", "%EMAILLOCALPART%",
                                           "%EMAILDOMAIN%"};

static const char *const auth_methods[] = {
    "password-cleartext", "password-encrypted", "NTLM",   "GSSAPI",
    "client-IP-address",  "TLS-client-cert",    "OAuth2", "none",
    "smtp-after-pop"};

static int fail(struct loader *loader, const char *path, const char *format,
                ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct loader *loader, const char *path, const char *format, ...)
{
    va_list ap;
    int n;

    n = snprintf(loader->err, loader->err_size, "%s: %s: ", loader->file, path);
    if (n < 0 || (size_t)n >= loader->err_size)
        return -1;
    va_start(ap, format);
    vsnprintf(loader->err + n, loader->err_size - (size_t)n, format, ap);
    va_end(ap);
    return -1;
}

static int
fail_nomem(struct loader *loader)
{
    snprintf(loader->err, loader->err_size, "%s: out of memory", loader->file);
    return -1;
}

/* Writes base.key into out; paths in this file always fit. */
static void
member_path(char *out, const char *base, const char *key)
{
    int n = snprintf(out, PATH_MAX_LEN, "%s.%s", base, key);

    if (n < 0 || n >= PATH_MAX_LEN)
        strcpy(out + PATH_MAX_LEN - 4, "...");
}

/* Writes base[index] into out. */
static void
item_path(char *out, const char *base, size_t index)
{
    int n = snprintf(out, PATH_MAX_LEN, "%s[%zu]", base, index);

    if (n < 0 || n >= PATH_MAX_LEN)
        strcpy(out + PATH_MAX_LEN - 4, "...");
}

static int
check_keys(struct loader *loader, const char *path, json_t *object,
           const char *const *allowed)
{
    const char *key;
    json_t *value;

    json_object_foreach(object, key, value)
    {
        size_t i;

        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0)
                break;
        }
        if (allowed[i] == NULL)
            return fail(loader, path, "unknown key '%s'", key);
    }
    return 0;
}

/* Returns the number of UTF-8 characters in a valid UTF-8 string. */
static size_t
utf8_length(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++) {
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    }
    return n;
}

/*
 * Fetches an optional string member into *out (NULL when absent). The
 * string must not be empty nor contain control characters, which XML 1.0
 * cannot carry.
 */
static int
get_string(struct loader *loader, const char *path, json_t *object,
           const char *key, const char **out)
{
    char member[PATH_MAX_LEN];
    json_t *value = json_object_get(object, key);
    const char *s;

    *out = NULL;
    if (value == NULL)
        return 0;
    member_path(member, path, key);
    if (!json_is_string(value))
        return fail(loader, member, "must be a string");
    s = json_string_value(value);
    if (s[0] == '\0')
        return fail(loader, member, "must not be empty");
    if (json_string_length(value) > STRING_MAX)
        return fail(loader, member, "longer than %d bytes", STRING_MAX);
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return fail(loader, member, "contains a control character");
    }
    *out = json_string_value(value);
    return 0;
}

/* Checks that every %NAME% in s is a known placeholder. */
static int
check_placeholders(struct loader *loader, const char *path, const char *s,
                   int allow_address)
{
    const char *p = s;

    while ((p = strchr(p, '%')) != NULL) {
        const char *end = strchr(p + 1, '%');
        size_t len, i;

        if (end == NULL)
            return fail(loader, path, "'%%' starts no placeholder in '%s'", s);
        len = (size_t)(end - p + 1);
        for (i = 0; i < 3; i++) {
            if (strlen(placeholders[i]) == len &&
                memcmp(p, placeholders[i], len) == 0)
                break;
        }
        if (i == 3)
            return fail(
                loader, path,
                "unknown placeholder '%.*s'; known are %%EMAILADDRESS%%, "
                "%%EMAILLOCALPART%% and %%EMAILDOMAIN%%",
                (int)len, p);
        if (i < 2 && !allow_address)
            return fail(loader, path, "only %%EMAILDOMAIN%% may appear here");
        p = end + 1;
    }
    return 0;
}

static int
check_hostname(struct loader *loader, const char *path, const char *hostname)
{
    char expanded[ADDRESS_DOMAIN_MAX * 2 + 1],
        normalized[ADDRESS_DOMAIN_MAX + 1];
    const char *p = hostname;
    size_t len = 0;

    if (check_placeholders(loader, path, hostname, 0) == -1)
        return -1;
    /* Check the name a long sample domain would produce. */
    while (*p != '\0' && len < sizeof(expanded) - 1) {
        if (strncmp(p, "%EMAILDOMAIN%", 13) == 0) {
            const char *sample = "example.com";

            if (len + strlen(sample) >= sizeof(expanded))
                break;
            memcpy(expanded + len, sample, strlen(sample));
            len += strlen(sample);
            p += 13;
        } else {
            expanded[len++] = *p++;
        }
    }
    if (*p != '\0' || address_normalize_domain(expanded, len, normalized) == -1)
        return fail(loader, path, "'%s' is not a valid host name", hostname);
    return 0;
}

static int
default_port(const char *type, const char *socket_type)
{
    int implicit = strcmp(socket_type, "SSL") == 0;

    if (strcmp(type, "imap") == 0)
        return implicit ? 993 : 143;
    if (strcmp(type, "pop3") == 0)
        return implicit ? 995 : 110;
    return implicit ? 465 : 587;
}

static int
load_authentication(struct loader *loader, const char *path, json_t *server,
                    json_t *view)
{
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN];
    json_t *methods = json_object_get(server, "authentication");
    json_t *list = json_array();
    size_t i, k;
    int auth_required = 0;

    if (list == NULL || json_object_set_new(view, "authentication", list) == -1)
        return fail_nomem(loader);
    member_path(member, path, "authentication");
    if (methods == NULL) {
        if (json_array_append_new(list, json_string("password-cleartext")))
            return fail_nomem(loader);
        return json_object_set_new(view, "auth_required", json_true()) == -1
                   ? fail_nomem(loader)
                   : 0;
    }
    if (!json_is_array(methods) || json_array_size(methods) == 0)
        return fail(loader, member, "must be a non-empty array of methods");

    for (i = 0; i < json_array_size(methods); i++) {
        json_t *method = json_array_get(methods, i);
        const char *name = json_string_value(method);

        item_path(item, member, i);
        for (k = 0; name != NULL && k < 9; k++) {
            if (strcmp(name, auth_methods[k]) == 0)
                break;
        }
        if (name == NULL || k == 9)
            return fail(loader, item,
                        "unknown authentication method; known are "
                        "password-cleartext, password-encrypted, NTLM, "
                        "GSSAPI, client-IP-address, TLS-client-cert, OAuth2, "
                        "none and smtp-after-pop");
        for (k = 0; k < i; k++) {
            if (strcmp(name, json_string_value(json_array_get(methods, k))) ==
                0)
                return fail(loader, item, "'%s' is listed twice", name);
        }
        if (strcmp(name, "none") != 0 && strcmp(name, "client-IP-address") != 0)
            auth_required = 1;
        if (json_array_append(list, method) == -1)
            return fail_nomem(loader);
    }
    if (json_object_set_new(view, "auth_required", json_boolean(auth_required)))
        return fail_nomem(loader);
    return 0;
}

static json_t *
load_server(struct loader *loader, const char *path, json_t *server,
            int incoming)
{
    static const char *const keys[] = {
        "type",     "hostname",       "port", "socket_type",
        "username", "authentication", NULL};
    const char *type, *hostname, *socket_type, *username;
    char member[PATH_MAX_LEN];
    json_t *view, *port;
    json_int_t port_number;
    int ok;

    if (!json_is_object(server)) {
        fail(loader, path, "must be an object");
        return NULL;
    }
    if (check_keys(loader, path, server, keys) == -1 ||
        get_string(loader, path, server, "type", &type) == -1 ||
        get_string(loader, path, server, "hostname", &hostname) == -1 ||
        get_string(loader, path, server, "socket_type", &socket_type) == -1 ||
        get_string(loader, path, server, "username", &username) == -1)
        return NULL;

    member_path(member, path, "type");
    if (type == NULL && incoming) {
        fail(loader, member, "missing; use \"imap\" or \"pop3\"");
        return NULL;
    }
    if (type == NULL)
        type = "smtp";
    ok = incoming ? strcmp(type, "imap") == 0 || strcmp(type, "pop3") == 0
                  : strcmp(type, "smtp") == 0;
    if (!ok) {
        fail(loader, member, "'%s' is not %s", type,
             incoming ? "\"imap\" or \"pop3\"" : "\"smtp\"");
        return NULL;
    }

    member_path(member, path, "hostname");
    if (hostname == NULL) {
        fail(loader, member, "missing");
        return NULL;
    }
    if (check_hostname(loader, member, hostname) == -1)
        return NULL;

    member_path(member, path, "socket_type");
    if (socket_type == NULL) {
        fail(loader, member, "missing; use \"SSL\", \"STARTTLS\" or \"plain\"");
        return NULL;
    }
    if (strcmp(socket_type, "SSL") != 0 &&
        strcmp(socket_type, "STARTTLS") != 0 &&
        strcmp(socket_type, "plain") != 0) {
        fail(loader, member, "'%s' is not \"SSL\", \"STARTTLS\" or \"plain\"",
             socket_type);
        return NULL;
    }

    member_path(member, path, "port");
    port = json_object_get(server, "port");
    port_number = default_port(type, socket_type);
    if (port != NULL) {
        if (!json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535) {
            fail(loader, member, "must be an integer from 1 to 65535");
            return NULL;
        }
        port_number = json_integer_value(port);
    }

    member_path(member, path, "username");
    if (username == NULL)
        username = "%EMAILADDRESS%";
    if (check_placeholders(loader, member, username, 1) == -1)
        return NULL;

    view = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:b, s:b, s:b}", "type",
                     type, "hostname", hostname, "port", port_number,
                     "socket_type", socket_type, "username", username, "ssl",
                     strcmp(socket_type, "SSL") == 0, "starttls",
                     strcmp(socket_type, "STARTTLS") == 0, "plain",
                     strcmp(socket_type, "plain") == 0, "tls",
                     strcmp(socket_type, "plain") != 0);
    if (view == NULL) {
        fail_nomem(loader);
        return NULL;
    }
    if (load_authentication(loader, path, server, view) == -1) {
        json_decref(view);
        return NULL;
    }
    return view;
}

static int
load_servers(struct loader *loader, const char *path, json_t *provider,
             json_t *view, const char *key)
{
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN];
    json_t *servers = json_object_get(provider, key);
    json_t *list = json_array(), *all = json_object_get(view, "servers");
    size_t i;

    if (list == NULL || json_object_set_new(view, key, list) == -1)
        return fail_nomem(loader);
    member_path(member, path, key);
    if (servers == NULL)
        return fail(loader, member, "missing");
    if (!json_is_array(servers) || json_array_size(servers) == 0)
        return fail(loader, member, "must be a non-empty array of servers");

    for (i = 0; i < json_array_size(servers); i++) {
        json_t *server;

        item_path(item, member, i);
        server = load_server(loader, item, json_array_get(servers, i),
                             strcmp(key, "incoming") == 0);
        if (server == NULL)
            return -1;
        if (json_array_append(all, server) == -1 ||
            json_array_append_new(list, server) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

static int
load_domains(struct loader *loader, const char *path, json_t *provider,
             json_t *view, json_t *domains, json_t *paths)
{
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN];
    char domain[ADDRESS_DOMAIN_MAX + 1];
    json_t *list = json_object_get(provider, "domains");
    size_t i;

    member_path(member, path, "domains");
    if (list == NULL)
        return fail(loader, member, "missing");
    if (!json_is_array(list) || json_array_size(list) == 0)
        return fail(loader, member, "must be a non-empty array of domains");

    for (i = 0; i < json_array_size(list); i++) {
        const char *name = json_string_value(json_array_get(list, i));
        json_t *seen;

        item_path(item, member, i);
        if (name == NULL ||
            address_normalize_domain(name, strlen(name), domain) == -1)
            return fail(loader, item, "not a valid domain name");
        seen = json_object_get(paths, domain);
        if (seen != NULL)
            return fail(loader, item, "domain '%s' is also listed at %s",
                        domain, json_string_value(seen));
        if (json_object_set_new(paths, domain, json_string(item)) == -1 ||
            json_object_set(domains, domain, view) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

static int
load_provider(struct loader *loader, const char *path, json_t *provider,
              struct provider_set *set, json_t *paths)
{
    static const char *const keys[] = {"domains",
                                       "incoming",
                                       "outgoing",
                                       "display_name",
                                       "display_short_name",
                                       "activesync_url",
                                       "autodiscover_host",
                                       NULL};
    static const char *const optional[] = {"display_name", "display_short_name",
                                           "activesync_url",
                                           "autodiscover_host"};
    char member[PATH_MAX_LEN];
    json_t *view;
    const char *value;
    size_t i;

    if (!json_is_object(provider))
        return fail(loader, path, "must be an object");
    if (check_keys(loader, path, provider, keys) == -1)
        return -1;
    view = json_pack("{s:[]}", "servers");
    if (view == NULL || json_array_append_new(set->providers, view) == -1)
        return fail_nomem(loader);

    for (i = 0; i < 4; i++) {
        if (get_string(loader, path, provider, optional[i], &value) == -1)
            return -1;
        if (value != NULL &&
            json_object_set_new(view, optional[i], json_string(value)) == -1)
            return fail_nomem(loader);
    }

    value = json_string_value(json_object_get(view, "display_name"));
    member_path(member, path, "display_name");
    if (value != NULL && utf8_length(value) > DISPLAY_NAME_MAX)
        return fail(loader, member, "longer than %d characters",
                    DISPLAY_NAME_MAX);
    value = json_string_value(json_object_get(view, "display_short_name"));
    member_path(member, path, "display_short_name");
    if (value != NULL && utf8_length(value) > DISPLAY_SHORT_NAME_MAX)
        return fail(loader, member, "longer than %d characters",
                    DISPLAY_SHORT_NAME_MAX);

    value = json_string_value(json_object_get(view, "activesync_url"));
    member_path(member, path, "activesync_url");
    if (value != NULL && (strncmp(value, "https://", 8) != 0 ||
                          strchr(value, ' ') != NULL || value[8] == '\0'))
        return fail(loader, member, "must be an https:// URL");
    value = json_string_value(json_object_get(view, "autodiscover_host"));
    member_path(member, path, "autodiscover_host");
    if (value != NULL && check_hostname(loader, member, value) == -1)
        return -1;

    if (load_domains(loader, path, provider, view, set->domains, paths) == -1 ||
        load_servers(loader, path, provider, view, "incoming") == -1 ||
        load_servers(loader, path, provider, view, "outgoing") == -1)
        return -1;
    return 0;
}

static int
load_root(struct loader *loader, json_t *root, struct provider_set *set)
{
    static const char *const keys[] = {"providers", NULL};
    char path[PATH_MAX_LEN];
    json_t *providers, *paths;
    size_t i;
    int rc = 0;

    if (!json_is_object(root))
        return fail(loader, "(top level)", "must be an object");
    if (check_keys(loader, "(top level)", root, keys) == -1)
        return -1;
    providers = json_object_get(root, "providers");
    if (providers == NULL)
        return fail(loader, "providers", "missing");
    if (!json_is_array(providers) || json_array_size(providers) == 0)
        return fail(loader, "providers",
                    "must be a non-empty array of providers");

    /* Where each domain was listed, for the duplicate message. */
    paths = json_object();
    if (paths == NULL)
        return fail_nomem(loader);
    for (i = 0; i < json_array_size(providers) && rc == 0; i++) {
        snprintf(path, sizeof(path), "providers[%zu]", i);
        rc = load_provider(loader, path, json_array_get(providers, i), set,
                           paths);
    }
    json_decref(paths);
    return rc;
}

int
provider_load(const char *path, struct provider_set **out, char *err,
              size_t err_size)
{
    struct loader loader = {path, err, err_size};
    struct provider_set *set;
    json_error_t error;
    json_t *root;
    FILE *file;

    file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    root = json_loadf(file, JSON_REJECT_DUPLICATES, &error);
    fclose(file);
    if (root == NULL) {
        snprintf(err, err_size, "%s:%d:%d: invalid JSON: %s", path, error.line,
                 error.column, error.text);
        return -1;
    }

    set = memory_malloc(sizeof(*set));
    if (set == NULL) {
        json_decref(root);
        return fail_nomem(&loader);
    }
    set->providers = json_array();
    set->domains = json_object();
    if (set->providers == NULL || set->domains == NULL) {
        fail_nomem(&loader);
        goto fail;
    }
    if (load_root(&loader, root, set) == -1)
        goto fail;
    json_decref(root);
    *out = set;
    return 0;

fail:
    json_decref(root);
    provider_set_free(set);
    return -1;
}

const json_t *
provider_find(const struct provider_set *set, const char *domain)
{
    return json_object_get(set->domains, domain);
}

size_t
provider_count(const struct provider_set *set, size_t *domains)
{
    *domains = json_object_size(set->domains);
    return json_array_size(set->providers);
}

void
provider_set_free(struct provider_set *set)
{
    if (set == NULL)
        return;
    json_decref(set->domains);
    json_decref(set->providers);
    memory_free(set);
}
