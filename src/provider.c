#include "provider.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "memory.h"
#include "url.h"

#define PATH_MAX_LEN 128
#define DISPLAY_NAME_MAX 60
#define DISPLAY_SHORT_NAME_MAX 20
#define STRING_MAX 2048
#define TTL_HOURS_MAX 8760 /* one year */

struct provider_set {
    json_t *providers; /* array of provider objects */
    json_t *domains;   /* object: domain or alias -> provider object */
    json_t *aliases;   /* object: alias domain -> main domain */
    json_t *signing;   /* certificate, key, chain paths, or NULL */
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

/* Checks an http:// or https:// URL that may contain placeholders. */
/* Checks an http:// or https:// URL that may contain placeholders. */
static int
check_url(struct loader *loader, const char *path, const char *url,
          int https_only)
{
    struct url_parts parts;

    if (url_split(url, &parts) == -1 || (https_only && !parts.secure) ||
        parts.host[0] == '/' || strpbrk(url, " \"<>\\^`{|}") != NULL)
        return fail(loader, path, "'%s' is not a valid %s URL", url,
                    https_only ? "https://" : "http:// or https://");
    return check_placeholders(loader, path, url, 1);
}

static int
load_strings(struct loader *loader, const char *path, json_t *provider,
             json_t *view)
{
    static const char *const names[] = {"display_name", "display_short_name",
                                        "activesync_url", "autodiscover_host",
                                        "windows_domain"};
    char member[PATH_MAX_LEN];
    const char *value;
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (get_string(loader, path, provider, names[i], &value) == -1)
            return -1;
        if (value != NULL &&
            json_object_set_new(view, names[i], json_string(value)) == -1)
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
    if (value != NULL && check_url(loader, member, value, 1) == -1)
        return -1;
    value = json_string_value(json_object_get(view, "autodiscover_host"));
    member_path(member, path, "autodiscover_host");
    if (value != NULL && check_hostname(loader, member, value) == -1)
        return -1;
    value = json_string_value(json_object_get(view, "windows_domain"));
    member_path(member, path, "windows_domain");
    if (value != NULL &&
        strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789.-_") != strlen(value))
        return fail(loader, member,
                    "'%s' may contain only letters, digits, '.', '-' and '_'",
                    value);
    return 0;
}

static int
load_ttl(struct loader *loader, const char *path, json_t *provider,
         json_t *view)
{
    char member[PATH_MAX_LEN];
    json_t *ttl = json_object_get(provider, "ttl_hours");

    if (ttl == NULL)
        return 0;
    member_path(member, path, "ttl_hours");
    if (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
        json_integer_value(ttl) > TTL_HOURS_MAX)
        return fail(loader, member, "must be an integer from 1 to %d",
                    TTL_HOURS_MAX);
    if (json_object_set(view, "ttl_hours", ttl) == -1)
        return fail_nomem(loader);
    return 0;
}

/* Loads a CalDAV ("calendar") or CardDAV ("address_book") service. */
static int
load_dav(struct loader *loader, const char *path, json_t *provider,
         json_t *view, const char *key)
{
    static const char *const keys[] = {"url", "username", "authentication",
                                       NULL};
    static const char *const methods[] = {"http-basic", "http-digest",
                                          "OAuth2"};
    char member[PATH_MAX_LEN], field[PATH_MAX_LEN], item[PATH_MAX_LEN];
    json_t *dav = json_object_get(provider, key), *dav_view, *auth, *list;
    const char *url, *username;
    size_t i, k;

    if (dav == NULL)
        return 0;
    member_path(member, path, key);
    if (!json_is_object(dav))
        return fail(loader, member, "must be an object");
    if (check_keys(loader, member, dav, keys) == -1 ||
        get_string(loader, member, dav, "url", &url) == -1 ||
        get_string(loader, member, dav, "username", &username) == -1)
        return -1;
    member_path(field, member, "url");
    if (url == NULL)
        return fail(loader, field, "missing");
    if (check_url(loader, field, url, 0) == -1)
        return -1;
    member_path(field, member, "username");
    if (username == NULL)
        username = "%EMAILADDRESS%";
    if (check_placeholders(loader, field, username, 1) == -1)
        return -1;

    list = json_array();
    dav_view = json_pack("{s:s, s:s, s:o*}", "url", url, "username", username,
                         "authentication", list);
    if (dav_view == NULL || json_object_set_new(view, key, dav_view) == -1)
        return fail_nomem(loader);
    auth = json_object_get(dav, "authentication");
    member_path(field, member, "authentication");
    if (auth == NULL)
        return json_array_append_new(list, json_string("http-basic")) == -1
                   ? fail_nomem(loader)
                   : 0;
    if (!json_is_array(auth) || json_array_size(auth) == 0)
        return fail(loader, field, "must be a non-empty array of methods");
    for (i = 0; i < json_array_size(auth); i++) {
        const char *name = json_string_value(json_array_get(auth, i));

        item_path(item, field, i);
        for (k = 0; name != NULL && k < 3; k++) {
            if (strcmp(name, methods[k]) == 0)
                break;
        }
        if (name == NULL || k == 3)
            return fail(loader, item,
                        "unknown method; known are http-basic, http-digest "
                        "and OAuth2");
        if (json_array_append(list, json_array_get(auth, i)) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

/*
 * Loads "aliases": an object from alias domain to one of the provider's
 * own domains. Autodiscover redirects an alias address to its main domain.
 */
static int
load_aliases(struct loader *loader, const char *path, json_t *provider,
             json_t *view, struct provider_set *set, json_t *paths)
{
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN];
    char alias[ADDRESS_DOMAIN_MAX + 1], target[ADDRESS_DOMAIN_MAX + 1];
    json_t *aliases = json_object_get(provider, "aliases"), *value;
    const char *key;

    if (aliases == NULL)
        return 0;
    member_path(member, path, "aliases");
    if (!json_is_object(aliases))
        return fail(loader, member,
                    "must be an object from alias domain to main domain");

    json_object_foreach(aliases, key, value)
    {
        const char *main_domain = json_string_value(value);
        json_t *seen;

        member_path(item, member, key);
        if (address_normalize_domain(key, strlen(key), alias) == -1)
            return fail(loader, item, "'%s' is not a valid domain name", key);
        if (main_domain == NULL ||
            address_normalize_domain(main_domain, strlen(main_domain),
                                     target) == -1 ||
            json_object_get(set->domains, target) != view)
            return fail(loader, item,
                        "must name one of this provider's domains");
        seen = json_object_get(paths, alias);
        if (seen != NULL)
            return fail(loader, item, "domain '%s' is also listed at %s", alias,
                        json_string_value(seen));
        if (json_object_set_new(paths, alias, json_string(item)) == -1 ||
            json_object_set(set->domains, alias, view) == -1 ||
            json_object_set_new(set->aliases, alias, json_string(target)) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

static int
load_provider(struct loader *loader, const char *path, json_t *provider,
              struct provider_set *set, json_t *paths)
{
    static const char *const keys[] = {"domains",
                                       "aliases",
                                       "incoming",
                                       "outgoing",
                                       "display_name",
                                       "display_short_name",
                                       "activesync_url",
                                       "autodiscover_host",
                                       "windows_domain",
                                       "ttl_hours",
                                       "calendar",
                                       "address_book",
                                       NULL};
    json_t *view;

    if (!json_is_object(provider))
        return fail(loader, path, "must be an object");
    if (check_keys(loader, path, provider, keys) == -1)
        return -1;
    view = json_pack("{s:[]}", "servers");
    if (view == NULL || json_array_append_new(set->providers, view) == -1)
        return fail_nomem(loader);

    if (load_strings(loader, path, provider, view) == -1 ||
        load_ttl(loader, path, provider, view) == -1 ||
        load_domains(loader, path, provider, view, set->domains, paths) == -1 ||
        load_aliases(loader, path, provider, view, set, paths) == -1 ||
        load_servers(loader, path, provider, view, "incoming") == -1 ||
        load_servers(loader, path, provider, view, "outgoing") == -1 ||
        load_dav(loader, path, provider, view, "calendar") == -1 ||
        load_dav(loader, path, provider, view, "address_book") == -1)
        return -1;
    return 0;
}

/*
 * Loads "profile_signing": the PEM files that sign Apple configuration
 * profiles. Relative paths are taken from the provider file's folder.
 */
static int
load_signing(struct loader *loader, json_t *root, struct provider_set *set)
{
    static const char *const keys[] = {"certificate", "key", "chain", NULL};
    json_t *signing = json_object_get(root, "profile_signing");
    const char *slash = strrchr(loader->file, '/'), *value;
    size_t dir_len = slash == NULL ? 0 : (size_t)(slash - loader->file + 1);
    char member[PATH_MAX_LEN], resolved[4096];
    size_t i;

    if (signing == NULL)
        return 0;
    if (!json_is_object(signing))
        return fail(loader, "profile_signing", "must be an object");
    if (check_keys(loader, "profile_signing", signing, keys) == -1)
        return -1;
    set->signing = json_object();
    if (set->signing == NULL)
        return fail_nomem(loader);

    for (i = 0; keys[i] != NULL; i++) {
        if (get_string(loader, "profile_signing", signing, keys[i], &value) ==
            -1)
            return -1;
        member_path(member, "profile_signing", keys[i]);
        if (value == NULL && i < 2)
            return fail(loader, member, "missing");
        if (value == NULL)
            continue;
        if (value[0] == '/' || dir_len == 0)
            snprintf(resolved, sizeof(resolved), "%s", value);
        else if ((size_t)snprintf(resolved, sizeof(resolved), "%.*s%s",
                                  (int)dir_len, loader->file,
                                  value) >= sizeof(resolved))
            return fail(loader, member, "path too long");
        if (json_object_set_new(set->signing, keys[i], json_string(resolved)) ==
            -1)
            return fail_nomem(loader);
    }
    return 0;
}

static int
load_root(struct loader *loader, json_t *root, struct provider_set *set)
{
    static const char *const keys[] = {"providers", "profile_signing", NULL};
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
    if (rc == 0)
        rc = load_signing(loader, root, set);
    return rc;
}

/* Builds the set from a parsed root; takes the reference to root. */
static int
load_set(struct loader *loader, json_t *root, struct provider_set **out)
{
    struct provider_set *set;

    set = memory_malloc(sizeof(*set));
    if (set == NULL) {
        json_decref(root);
        return fail_nomem(loader);
    }
    set->providers = json_array();
    set->domains = json_object();
    set->aliases = json_object();
    set->signing = NULL;
    if (set->providers == NULL || set->domains == NULL ||
        set->aliases == NULL) {
        fail_nomem(loader);
        goto fail;
    }
    if (load_root(loader, root, set) == -1)
        goto fail;
    json_decref(root);
    *out = set;
    return 0;

fail:
    json_decref(root);
    provider_set_free(set);
    return -1;
}

static int
fail_json(struct loader *loader, const json_error_t *error)
{
    snprintf(loader->err, loader->err_size, "%s:%d:%d: invalid JSON: %s",
             loader->file, error->line, error->column, error->text);
    return -1;
}

int
provider_load(const char *path, struct provider_set **out, char *err,
              size_t err_size)
{
    struct loader loader = {path, err, err_size};
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
    if (root == NULL)
        return fail_json(&loader, &error);
    return load_set(&loader, root, out);
}

int
provider_parse(const char *name, const char *text, size_t len,
               struct provider_set **out, char *err, size_t err_size)
{
    struct loader loader = {name, err, err_size};
    json_error_t error;
    json_t *root;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL)
        return fail_json(&loader, &error);
    return load_set(&loader, root, out);
}

const json_t *
provider_find(const struct provider_set *set, const char *domain)
{
    return json_object_get(set->domains, domain);
}

const char *
provider_alias_target(const struct provider_set *set, const char *domain)
{
    return json_string_value(json_object_get(set->aliases, domain));
}

const json_t *
provider_signing(const struct provider_set *set)
{
    return set->signing;
}

const json_t *
provider_list(const struct provider_set *set)
{
    return set->providers;
}

int
provider_foreach_domain(const struct provider_set *set,
                        int (*fn)(const char *domain, const json_t *provider,
                                  void *arg),
                        void *arg)
{
    const char *domain;
    json_t *provider;
    int rc;

    json_object_foreach(set->domains, domain, provider)
    {
        rc = fn(domain, provider, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
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
    json_decref(set->signing);
    json_decref(set->aliases);
    json_decref(set->domains);
    json_decref(set->providers);
    memory_free(set);
}
