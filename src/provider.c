#include "provider.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>

#include "address.h"
#include "file.h"
#include "memory.h"
#include "url.h"

#define PATH_MAX_LEN 128
#define DISPLAY_NAME_MAX 60
#define DISPLAY_SHORT_NAME_MAX 20
#define STRING_MAX 2048
#define TTL_HOURS_MAX 8760  /* one year */
#define LANGUAGE_TAG_MAX 35 /* RFC 5646 advises at least this much room */
#define DAYS_TO_LEAVE_MAX 36500
#define CHECK_INTERVAL_MAX 1440 /* one day, in minutes */

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

/*
 * Incoming server types that name a URL instead of a host and port, as
 * draft-ietf-mailmaint-autoconfig registers them, and "owa" from ISPDB.
 */
static const char *const url_types[] = {"ews",  "owa",        "graph",
                                        "jmap", "activeSync", NULL};
#define URL_TYPE_NAMES "ews, owa, graph, jmap and activeSync"

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
        /* U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters. */
        if ((unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbf &&
            ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf))
            return fail(loader, member,
                        "contains U+FFFE or U+FFFF, which XML cannot carry");
    }
    *out = json_string_value(value);
    return 0;
}

static int
is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/*
 * Checks that every %NAME% in s is a known placeholder. In a URL a '%'
 * may also start a percent-encoded byte such as %28.
 */
static int
check_placeholders(struct loader *loader, const char *path, const char *s,
                   int allow_address, int in_url)
{
    const char *p = s;

    while ((p = strchr(p, '%')) != NULL) {
        const char *end = strchr(p + 1, '%');
        size_t len, i;

        for (i = 0; in_url && i < 3; i++) {
            if (strncmp(p, placeholders[i], strlen(placeholders[i])) == 0)
                break;
        }
        if (in_url && i == 3 && is_hex_digit(p[1]) && is_hex_digit(p[2])) {
            p += 3;
            continue;
        }
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

    if (check_placeholders(loader, path, hostname, 0, 0) == -1)
        return -1;
    /* Clients resolve host names as they are sent, and Thunderbird accepts
     * ASCII only. */
    for (; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            return fail(loader, path,
                        "'%s' contains non-ASCII letters; write the host "
                        "name as A-labels (xn--...)",
                        hostname);
    }
    p = hostname;
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
    /* Clients get the name as written, and some fail the TLS name check
     * when it ends with a dot. dns would also write it with two dots. */
    if (hostname[strlen(hostname) - 1] == '.')
        return fail(loader, path, "'%s' ends with a dot; remove the final dot",
                    hostname);
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
    if (strcmp(type, "exchange") == 0)
        return implicit ? 443 : 80;
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

static int check_url(struct loader *loader, const char *path, const char *url,
                     int https_only);

static int
is_listed(const char *value, const char *const *list)
{
    size_t i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(value, list[i]) == 0)
            return 1;
    }
    return 0;
}

static int
set_string(struct loader *loader, json_t *view, const char *key,
           const char *value)
{
    if (json_object_set_new(view, key, json_string(value)) == -1)
        return fail_nomem(loader);
    return 0;
}

/* Like get_string, for a member that must be present. */
static int
get_required_string(struct loader *loader, const char *path, json_t *object,
                    const char *key, const char **out)
{
    char member[PATH_MAX_LEN];

    if (get_string(loader, path, object, key, out) == -1)
        return -1;
    member_path(member, path, key);
    if (*out == NULL)
        return fail(loader, member, "missing");
    return 0;
}

/*
 * Fetches an optional object member into *out (NULL when absent) and
 * checks its keys against allowed. member receives the member's path.
 */
static int
get_object(struct loader *loader, const char *path, json_t *object,
           const char *key, const char *const *allowed, json_t **out,
           char *member)
{
    *out = json_object_get(object, key);
    member_path(member, path, key);
    if (*out == NULL)
        return 0;
    if (!json_is_object(*out))
        return fail(loader, member, "must be an object");
    return check_keys(loader, member, *out, allowed);
}

/*
 * Loads an optional boolean into view as the string "true" or "false", so
 * that a template can tell false from missing.
 */
static int
load_flag(struct loader *loader, const char *path, json_t *object,
          const char *key, json_t *view)
{
    char member[PATH_MAX_LEN];
    json_t *value = json_object_get(object, key);

    if (value == NULL)
        return 0;
    member_path(member, path, key);
    if (!json_is_boolean(value))
        return fail(loader, member, "must be true or false");
    return set_string(loader, view, key,
                      json_is_true(value) ? "true" : "false");
}

/* Loads an optional integer from min to max into view. */
static int
load_count(struct loader *loader, const char *path, json_t *object,
           const char *key, long min, long max, json_t *view)
{
    char member[PATH_MAX_LEN];
    json_t *value = json_object_get(object, key);

    if (value == NULL)
        return 0;
    member_path(member, path, key);
    if (!json_is_integer(value) || json_integer_value(value) < min ||
        json_integer_value(value) > max)
        return fail(loader, member, "must be an integer from %ld to %ld", min,
                    max);
    if (json_object_set(view, key, value) == -1)
        return fail_nomem(loader);
    return 0;
}

static int
check_server_type(struct loader *loader, const char *path, const char *type,
                  int incoming)
{
    char member[PATH_MAX_LEN];

    member_path(member, path, "type");
    if (type == NULL && incoming)
        return fail(loader, member, "missing; use \"imap\" or \"pop3\"");
    if (!incoming && type != NULL && strcmp(type, "smtp") != 0)
        return fail(loader, member, "'%s' is not \"smtp\"", type);
    if (incoming && strcmp(type, "imap") != 0 && strcmp(type, "pop3") != 0 &&
        strcmp(type, "exchange") != 0 && !is_listed(type, url_types))
        return fail(loader, member,
                    "'%s' is not \"imap\", \"pop3\", \"exchange\" or one of "
                    "the URL types " URL_TYPE_NAMES,
                    type);
    return 0;
}

/*
 * Loads hostname, socket_type and port of a server reached by host and
 * port into view, with the booleans ssl, starttls, plain and tls.
 */
static int
load_host_location(struct loader *loader, const char *path, json_t *server,
                   const char *type, json_t *view)
{
    const char *hostname, *socket_type;
    char member[PATH_MAX_LEN];
    json_t *port, *location;
    json_int_t port_number;

    member_path(member, path, "url");
    if (json_object_get(server, "url") != NULL)
        return fail(loader, member,
                    "type '%s' takes hostname and port; only the URL "
                    "types " URL_TYPE_NAMES " take a url",
                    type);
    if (get_string(loader, path, server, "hostname", &hostname) == -1 ||
        get_string(loader, path, server, "socket_type", &socket_type) == -1)
        return -1;

    member_path(member, path, "hostname");
    if (hostname == NULL)
        return fail(loader, member, "missing");
    if (check_hostname(loader, member, hostname) == -1)
        return -1;

    member_path(member, path, "socket_type");
    if (socket_type == NULL)
        return fail(loader, member,
                    "missing; use \"SSL\", \"STARTTLS\" or \"plain\"");
    if (strcmp(socket_type, "SSL") != 0 &&
        strcmp(socket_type, "STARTTLS") != 0 &&
        strcmp(socket_type, "plain") != 0)
        return fail(loader, member,
                    "'%s' is not \"SSL\", \"STARTTLS\" or \"plain\"",
                    socket_type);

    member_path(member, path, "port");
    port = json_object_get(server, "port");
    port_number = default_port(type, socket_type);
    if (port != NULL) {
        if (!json_is_integer(port) || json_integer_value(port) < 1 ||
            json_integer_value(port) > 65535)
            return fail(loader, member, "must be an integer from 1 to 65535");
        port_number = json_integer_value(port);
    }

    location = json_pack("{s:s, s:I, s:s, s:b, s:b, s:b, s:b}", "hostname",
                         hostname, "port", port_number, "socket_type",
                         socket_type, "ssl", strcmp(socket_type, "SSL") == 0,
                         "starttls", strcmp(socket_type, "STARTTLS") == 0,
                         "plain", strcmp(socket_type, "plain") == 0, "tls",
                         strcmp(socket_type, "plain") != 0);
    if (location == NULL || json_object_update(view, location) == -1) {
        json_decref(location);
        return fail_nomem(loader);
    }
    json_decref(location);
    return 0;
}

/* Loads the url of a server of a URL type, such as ews or graph. */
static int
load_url_location(struct loader *loader, const char *path, json_t *server,
                  const char *type, json_t *view)
{
    static const char *const host_keys[] = {"hostname", "port", "socket_type",
                                            NULL};
    char member[PATH_MAX_LEN];
    const char *url;
    size_t i;

    for (i = 0; host_keys[i] != NULL; i++) {
        member_path(member, path, host_keys[i]);
        if (json_object_get(server, host_keys[i]) != NULL)
            return fail(loader, member, "not used by type '%s'; give its url",
                        type);
    }
    if (get_string(loader, path, server, "url", &url) == -1)
        return -1;
    member_path(member, path, "url");
    if (url == NULL)
        return fail(loader, member, "missing; type '%s' takes a url", type);
    if (check_url(loader, member, url, 0) == -1)
        return -1;
    return set_string(loader, view, "url", url);
}

/* Loads "pop3": how a POP3 account keeps and fetches messages. */
static int
load_pop3(struct loader *loader, const char *path, json_t *server,
          const char *type, json_t *view)
{
    static const char *const keys[] = {
        "leave_messages_on_server", "download_on_biff",
        "days_to_leave_messages_on_server", "check_interval_minutes", NULL};
    char member[PATH_MAX_LEN];
    json_t *pop3, *pop3_view;

    if (get_object(loader, path, server, "pop3", keys, &pop3, member) == -1)
        return -1;
    if (pop3 == NULL)
        return 0;
    if (strcmp(type, "pop3") != 0)
        return fail(loader, member, "only for type \"pop3\"");
    pop3_view = json_object();
    if (pop3_view == NULL || json_object_set_new(view, "pop3", pop3_view) == -1)
        return fail_nomem(loader);
    if (load_flag(loader, member, pop3, "leave_messages_on_server",
                  pop3_view) == -1 ||
        load_flag(loader, member, pop3, "download_on_biff", pop3_view) == -1 ||
        load_count(loader, member, pop3, "days_to_leave_messages_on_server", 1,
                   DAYS_TO_LEAVE_MAX, pop3_view) == -1 ||
        load_count(loader, member, pop3, "check_interval_minutes", 1,
                   CHECK_INTERVAL_MAX, pop3_view) == -1)
        return -1;
    return 0;
}

/*
 * Loads the settings that only some types take: the Exchange URLs, pop3,
 * the outgoing restriction and the flags.
 */
static int
load_server_options(struct loader *loader, const char *path, json_t *server,
                    const char *type, json_t *view)
{
    static const char *const exchange_urls[] = {"owa_url", "ews_url", "eas_url",
                                                NULL};
    char member[PATH_MAX_LEN];
    const char *value;
    size_t i;

    for (i = 0; exchange_urls[i] != NULL; i++) {
        if (get_string(loader, path, server, exchange_urls[i], &value) == -1)
            return -1;
        if (value == NULL)
            continue;
        member_path(member, path, exchange_urls[i]);
        if (strcmp(type, "exchange") != 0)
            return fail(loader, member, "only for type \"exchange\"");
        if (check_url(loader, member, value, 0) == -1 ||
            set_string(loader, view, exchange_urls[i], value) == -1)
            return -1;
    }

    if (get_string(loader, path, server, "restriction", &value) == -1)
        return -1;
    member_path(member, path, "restriction");
    if (value != NULL && strcmp(value, "client-IP-address") != 0)
        return fail(loader, member, "'%s' is not \"client-IP-address\"", value);
    if (value != NULL && set_string(loader, view, "restriction", value) == -1)
        return -1;

    if (load_pop3(loader, path, server, type, view) == -1 ||
        load_flag(loader, path, server, "use_global_preferred_server", view) ==
            -1 ||
        load_flag(loader, path, server, "add_this_server", view) == -1)
        return -1;
    return 0;
}

static json_t *
load_server(struct loader *loader, const char *path, json_t *server,
            int incoming)
{
    static const char *const incoming_keys[] = {
        "type",    "hostname", "port",           "socket_type",
        "url",     "username", "authentication", "pop3",
        "owa_url", "ews_url",  "eas_url",        "use_global_preferred_server",
        NULL};
    static const char *const outgoing_keys[] = {
        "type",        "hostname",        "port",
        "socket_type", "username",        "authentication",
        "restriction", "add_this_server", "use_global_preferred_server",
        NULL};
    const char *type, *username;
    char member[PATH_MAX_LEN];
    json_t *view;
    int rc;

    if (!json_is_object(server)) {
        fail(loader, path, "must be an object");
        return NULL;
    }
    if (check_keys(loader, path, server,
                   incoming ? incoming_keys : outgoing_keys) == -1 ||
        get_string(loader, path, server, "type", &type) == -1 ||
        get_string(loader, path, server, "username", &username) == -1 ||
        check_server_type(loader, path, type, incoming) == -1)
        return NULL;
    if (type == NULL)
        type = "smtp";

    view = json_pack("{s:s}", "type", type);
    if (view == NULL) {
        fail_nomem(loader);
        return NULL;
    }
    if (is_listed(type, url_types))
        rc = load_url_location(loader, path, server, type, view);
    else
        rc = load_host_location(loader, path, server, type, view);

    member_path(member, path, "username");
    if (username == NULL)
        username = "%EMAILADDRESS%";
    if (rc == 0)
        rc = check_placeholders(loader, member, username, 1, 0);
    if (rc == 0)
        rc = set_string(loader, view, "username", username);
    if (rc == 0)
        rc = load_authentication(loader, path, server, view);
    if (rc == 0)
        rc = load_server_options(loader, path, server, type, view);
    if (rc == -1) {
        json_decref(view);
        return NULL;
    }
    return view;
}

/* Returns nonzero for an IMAP, POP3 or SMTP server. */
static int
is_mail_server(const json_t *server)
{
    const char *type = json_string_value(json_object_get(server, "type"));

    return strcmp(type, "imap") == 0 || strcmp(type, "pop3") == 0 ||
           strcmp(type, "smtp") == 0;
}

static int
load_servers(struct loader *loader, const char *path, json_t *provider,
             json_t *view, const char *key)
{
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN];
    json_t *servers = json_object_get(provider, key);
    json_t *list = json_array(), *all = json_object_get(view, "servers");
    json_t *mail = json_object_get(view, "mail_servers");
    size_t i, mail_count = 0;

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
        if (is_mail_server(server)) {
            mail_count++;
            if (json_array_append(mail, server) == -1)
                return fail_nomem(loader);
        }
        if (json_array_append(all, server) == -1 ||
            json_array_append_new(list, server) == -1)
            return fail_nomem(loader);
    }
    /* Thunderbird and Apple profiles need an IMAP or POP3 account. */
    if (mail_count == 0)
        return fail(loader, member, "needs at least one imap or pop3 server");
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
            return name == NULL ? fail(loader, item, "must be a string")
                                : fail(loader, item,
                                       "'%s' is not a valid domain name", name);
        seen = json_object_get(paths, domain);
        if (seen != NULL)
            return fail(loader, item, "domain '%s' is also listed at %s",
                        domain, json_string_value(seen));
        if (json_object_set_new(paths, domain, json_string(item)) == -1 ||
            json_object_set(domains, domain, view) == -1 ||
            json_array_append_new(json_object_get(view, "domains"),
                                  json_string(domain)) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

/*
 * Checks an http:// or https:// URL that may contain placeholders. Its
 * host follows the rule of a server's hostname, because clients connect
 * to it and dns writes the host of a DAV URL as an SRV target.
 */
static int
check_url(struct loader *loader, const char *path, const char *url,
          int https_only)
{
    struct url_parts parts;

    if (url_split(url, &parts) == -1 || (https_only && !parts.secure) ||
        parts.host[0] == '/' || strpbrk(url, " \"<>\\^`{|}") != NULL)
        return fail(loader, path, "'%s' is not a valid %s URL", url,
                    https_only ? "https://" : "http:// or https://");
    if (check_hostname(loader, path, parts.host) == -1)
        return -1;
    return check_placeholders(loader, path, url, 1, 1);
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
    if (check_placeholders(loader, field, username, 1, 0) == -1)
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
                        "%s%s%s must be one of this provider's domains",
                        main_domain != NULL ? "'" : "",
                        main_domain != NULL ? main_domain : "the value",
                        main_domain != NULL ? "'" : "");
        seen = json_object_get(paths, alias);
        if (seen != NULL)
            return fail(loader, item, "domain '%s' is also listed at %s", alias,
                        json_string_value(seen));
        if (json_object_set_new(paths, alias, json_string(item)) == -1 ||
            json_object_set(set->domains, alias, view) == -1 ||
            json_object_set_new(set->aliases, alias, json_string(target)) ==
                -1 ||
            json_array_append_new(json_object_get(view, "domains"),
                                  json_string(alias)) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

/* Loads "id", the emailProvider id, and "list_all_domains". */
static int
load_identity(struct loader *loader, const char *path, json_t *provider,
              json_t *view)
{
    char member[PATH_MAX_LEN], normalized[ADDRESS_DOMAIN_MAX + 1];
    json_t *list_all = json_object_get(provider, "list_all_domains");
    const char *id;

    if (get_string(loader, path, provider, "id", &id) == -1)
        return -1;
    member_path(member, path, "id");
    if (id != NULL &&
        address_normalize_domain(id, strlen(id), normalized) == -1)
        return fail(loader, member, "'%s' is not a valid DNS name", id);
    /*
     * An ASCII id keeps its letter case, as ISPDB has ids such as
     * "OXCloud-EU"; U-labels become A-labels.
     */
    if (id != NULL &&
        set_string(loader, view, "provider_id",
                   strcasecmp(id, normalized) == 0 ? id : normalized) == -1)
        return -1;

    member_path(member, path, "list_all_domains");
    if (list_all != NULL && !json_is_boolean(list_all))
        return fail(loader, member, "must be true or false");
    if (list_all != NULL &&
        json_object_set(view, "list_all_domains", list_all) == -1)
        return fail_nomem(loader);
    return 0;
}

/* Returns nonzero for a language tag such as "en" or "pt-BR". */
static int
is_language_tag(const char *tag)
{
    size_t len = strlen(tag);

    return len <= LANGUAGE_TAG_MAX &&
           strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789-") == len &&
           ((tag[0] >= 'a' && tag[0] <= 'z') ||
            (tag[0] >= 'A' && tag[0] <= 'Z')) &&
           tag[len - 1] != '-' && strstr(tag, "--") == NULL;
}

/*
 * Loads an optional array of texts, such as documentation descriptions:
 * objects with "text" and an optional language tag "lang". The view also
 * gets "has_" and key set to true, so that a template can write an
 * element without texts as an empty element.
 */
static int
load_texts(struct loader *loader, const char *path, json_t *object,
           const char *key, json_t *view)
{
    static const char *const keys[] = {"text", "lang", NULL};
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN], field[PATH_MAX_LEN];
    json_t *texts = json_object_get(object, key), *list;
    size_t i;

    if (texts == NULL)
        return 0;
    member_path(member, path, key);
    if (!json_is_array(texts) || json_array_size(texts) == 0)
        return fail(loader, member,
                    "must be a non-empty array of objects with text and lang");
    snprintf(field, sizeof(field), "has_%s", key);
    list = json_array();
    if (list == NULL || json_object_set_new(view, key, list) == -1 ||
        json_object_set_new(view, field, json_true()) == -1)
        return fail_nomem(loader);

    for (i = 0; i < json_array_size(texts); i++) {
        json_t *entry = json_array_get(texts, i);
        const char *text, *lang;

        item_path(item, member, i);
        if (!json_is_object(entry))
            return fail(loader, item, "must be an object");
        if (check_keys(loader, item, entry, keys) == -1 ||
            get_required_string(loader, item, entry, "text", &text) == -1 ||
            get_string(loader, item, entry, "lang", &lang) == -1)
            return -1;
        member_path(field, item, "lang");
        if (lang != NULL && !is_language_tag(lang))
            return fail(loader, field,
                        "'%s' is not a language tag such as \"en\" or "
                        "\"pt-BR\"",
                        lang);
        if (json_array_append_new(list, json_pack("{s:s, s:s*}", "text", text,
                                                  "lang", lang)) == -1)
            return fail_nomem(loader);
    }
    return 0;
}

/* Loads "documentation": pages that explain the settings to users. */
static int
load_documentation(struct loader *loader, const char *path, json_t *provider,
                   json_t *view)
{
    static const char *const keys[] = {"url", "descriptions", NULL};
    char member[PATH_MAX_LEN], item[PATH_MAX_LEN], field[PATH_MAX_LEN];
    json_t *pages = json_object_get(provider, "documentation"), *list;
    size_t i;

    if (pages == NULL)
        return 0;
    member_path(member, path, "documentation");
    if (!json_is_array(pages) || json_array_size(pages) == 0)
        return fail(loader, member, "must be a non-empty array of pages");
    list = json_array();
    if (list == NULL || json_object_set_new(view, "documentation", list) == -1)
        return fail_nomem(loader);

    for (i = 0; i < json_array_size(pages); i++) {
        json_t *page = json_array_get(pages, i), *page_view;
        const char *url;

        item_path(item, member, i);
        if (!json_is_object(page))
            return fail(loader, item, "must be an object");
        if (check_keys(loader, item, page, keys) == -1 ||
            get_required_string(loader, item, page, "url", &url) == -1)
            return -1;
        member_path(field, item, "url");
        if (check_url(loader, field, url, 0) == -1)
            return -1;
        page_view = json_pack("{s:s}", "url", url);
        if (json_array_append_new(list, page_view) == -1)
            return fail_nomem(loader);
        if (load_texts(loader, item, page, "descriptions", page_view) == -1)
            return -1;
    }
    return 0;
}

/*
 * Loads "enable": the page where users must first switch on access for
 * mail clients, with instructions.
 */
static int
load_enable(struct loader *loader, const char *path, json_t *provider,
            json_t *view)
{
    static const char *const keys[] = {"visit_url", "instructions", NULL};
    char member[PATH_MAX_LEN], field[PATH_MAX_LEN];
    json_t *enable, *enable_view;
    const char *url;

    if (get_object(loader, path, provider, "enable", keys, &enable, member) ==
        -1)
        return -1;
    if (enable == NULL)
        return 0;
    if (get_required_string(loader, member, enable, "visit_url", &url) == -1)
        return -1;
    member_path(field, member, "visit_url");
    if (check_url(loader, field, url, 0) == -1)
        return -1;
    enable_view = json_pack("{s:s}", "visit_url", url);
    if (enable_view == NULL ||
        json_object_set_new(view, "enable", enable_view) == -1)
        return fail_nomem(loader);
    return load_texts(loader, member, enable, "instructions", enable_view);
}

/* Loads a login form field: an object with the optional HTML "id" and "name".
 */
static int
load_form_field(struct loader *loader, const char *path, json_t *form,
                const char *key, json_t *view)
{
    static const char *const keys[] = {"id", "name", NULL};
    char member[PATH_MAX_LEN];
    const char *id, *name;
    json_t *field;

    if (get_object(loader, path, form, key, keys, &field, member) == -1)
        return -1;
    if (field == NULL)
        return 0;
    if (get_string(loader, member, field, "id", &id) == -1 ||
        get_string(loader, member, field, "name", &name) == -1)
        return -1;
    if (json_object_set_new(
            view, key, json_pack("{s:s*, s:s*}", "id", id, "name", name)) == -1)
        return fail_nomem(loader);
    return 0;
}

/* Loads "login_page_info": how to fill in the webmail login form. */
static int
load_login_form(struct loader *loader, const char *path, json_t *webmail,
                json_t *view)
{
    static const char *const keys[] = {
        "url",          "username", "username_field", "password_field",
        "login_button", NULL};
    char member[PATH_MAX_LEN], field[PATH_MAX_LEN];
    json_t *form, *form_view;
    const char *url, *username;

    if (get_object(loader, path, webmail, "login_page_info", keys, &form,
                   member) == -1)
        return -1;
    if (form == NULL)
        return 0;
    if (get_required_string(loader, member, form, "url", &url) == -1 ||
        get_string(loader, member, form, "username", &username) == -1)
        return -1;
    member_path(field, member, "url");
    if (check_url(loader, field, url, 0) == -1)
        return -1;
    member_path(field, member, "username");
    if (username != NULL &&
        check_placeholders(loader, field, username, 1, 0) == -1)
        return -1;

    form_view = json_pack("{s:s, s:s*}", "url", url, "username", username);
    if (form_view == NULL ||
        json_object_set_new(view, "login_page_info", form_view) == -1)
        return fail_nomem(loader);
    if (load_form_field(loader, member, form, "username_field", form_view) ==
            -1 ||
        load_form_field(loader, member, form, "password_field", form_view) ==
            -1 ||
        load_form_field(loader, member, form, "login_button", form_view) == -1)
        return -1;
    return 0;
}

/* Loads "webmail": the provider's webmail login page. */
static int
load_webmail(struct loader *loader, const char *path, json_t *provider,
             json_t *view)
{
    static const char *const keys[] = {"login_page", "login_page_info", NULL};
    char member[PATH_MAX_LEN], field[PATH_MAX_LEN];
    json_t *webmail, *webmail_view;
    const char *login_page;

    if (get_object(loader, path, provider, "webmail", keys, &webmail, member) ==
        -1)
        return -1;
    if (webmail == NULL)
        return 0;
    if (json_object_size(webmail) == 0)
        return fail(loader, member,
                    "needs login_page, login_page_info or both");
    if (get_string(loader, member, webmail, "login_page", &login_page) == -1)
        return -1;
    member_path(field, member, "login_page");
    if (login_page != NULL && check_url(loader, field, login_page, 0) == -1)
        return -1;

    webmail_view = json_pack("{s:s*}", "login_page", login_page);
    if (webmail_view == NULL ||
        json_object_set_new(view, "webmail", webmail_view) == -1)
        return fail_nomem(loader);
    return load_login_form(loader, member, webmail, webmail_view);
}

/* Loads "oauth2": the OAuth 2.0 server that issues tokens for the mail servers.
 */
static int
load_oauth2(struct loader *loader, const char *path, json_t *provider,
            json_t *view)
{
    static const char *const keys[] = {"issuer", "scope", "auth_url",
                                       "token_url", NULL};
    char member[PATH_MAX_LEN], field[PATH_MAX_LEN];
    const char *issuer, *scope, *auth_url, *token_url;
    json_t *oauth2;

    if (get_object(loader, path, provider, "oauth2", keys, &oauth2, member) ==
        -1)
        return -1;
    if (oauth2 == NULL)
        return 0;
    if (get_required_string(loader, member, oauth2, "issuer", &issuer) == -1 ||
        get_required_string(loader, member, oauth2, "scope", &scope) == -1 ||
        get_required_string(loader, member, oauth2, "auth_url", &auth_url) ==
            -1 ||
        get_required_string(loader, member, oauth2, "token_url", &token_url) ==
            -1)
        return -1;
    member_path(field, member, "auth_url");
    if (check_url(loader, field, auth_url, 1) == -1)
        return -1;
    member_path(field, member, "token_url");
    if (check_url(loader, field, token_url, 1) == -1)
        return -1;
    if (json_object_set_new(view, "oauth2",
                            json_pack("{s:s, s:s, s:s, s:s}", "issuer", issuer,
                                      "scope", scope, "auth_url", auth_url,
                                      "token_url", token_url)) == -1)
        return fail_nomem(loader);
    return 0;
}

static int
load_provider(struct loader *loader, const char *path, json_t *provider,
              struct provider_set *set, json_t *paths)
{
    static const char *const keys[] = {"id",
                                       "domains",
                                       "list_all_domains",
                                       "aliases",
                                       "incoming",
                                       "outgoing",
                                       "display_name",
                                       "display_short_name",
                                       "documentation",
                                       "enable",
                                       "webmail",
                                       "oauth2",
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
    view =
        json_pack("{s:[], s:[], s:[]}", "servers", "mail_servers", "domains");
    if (view == NULL || json_array_append_new(set->providers, view) == -1)
        return fail_nomem(loader);

    if (load_identity(loader, path, provider, view) == -1 ||
        load_strings(loader, path, provider, view) == -1 ||
        load_ttl(loader, path, provider, view) == -1 ||
        load_domains(loader, path, provider, view, set->domains, paths) == -1 ||
        load_aliases(loader, path, provider, view, set, paths) == -1 ||
        load_servers(loader, path, provider, view, "incoming") == -1 ||
        load_servers(loader, path, provider, view, "outgoing") == -1 ||
        load_dav(loader, path, provider, view, "calendar") == -1 ||
        load_dav(loader, path, provider, view, "address_book") == -1 ||
        load_documentation(loader, path, provider, view) == -1 ||
        load_enable(loader, path, provider, view) == -1 ||
        load_webmail(loader, path, provider, view) == -1 ||
        load_oauth2(loader, path, provider, view) == -1)
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
    /* "$schema" lets editors find docs/provider.schema.json; it is not read. */
    static const char *const keys[] = {"providers", "profile_signing",
                                       "$schema", NULL};
    char path[PATH_MAX_LEN];
    json_t *providers, *paths;
    size_t i;
    int rc = 0;

    if (!json_is_object(root))
        return fail(loader, "(top level)", "must be an object");
    if (check_keys(loader, "(top level)", root, keys) == -1)
        return -1;
    if (json_object_get(root, "$schema") != NULL &&
        !json_is_string(json_object_get(root, "$schema")))
        return fail(loader, "$schema", "must be a string");
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

/* Returns the size of an open regular file, or 0 if it is unknown. */
static size_t
file_size(FILE *file)
{
    struct stat st;

    if (fstat(fileno(file), &st) == -1)
        return 0;
    return (size_t)st.st_size;
}

/*
 * Parses JSON from file, or else from text, under the memory guard: jansson
 * 2.14 drops a byte of its lexer buffer when that buffer cannot grow, and
 * can then write out of bounds. The reserve covers that buffer, which
 * doubles up to the longest token. On failure, writes the message and
 * returns NULL; a failed allocation gives "out of memory".
 */
static json_t *
parse_guarded(struct loader *loader, FILE *file, const char *text, size_t len)
{
    json_error_t error;
    json_t *root;

    memory_guard_begin(len <= SIZE_MAX / 2 - 65536 ? 2 * len + 65536 : len);
    if (file != NULL)
        root = json_loadf(file, JSON_REJECT_DUPLICATES, &error);
    else
        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
    if (memory_guard_end()) {
        json_decref(root);
        fail_nomem(loader);
        return NULL;
    }
    if (root == NULL)
        fail_json(loader, &error);
    return root;
}

/*
 * Skips a UTF-8 byte order mark at the start of file, which some editors
 * write and RFC 8259 lets parsers ignore, or rewinds to the start.
 */
static void
skip_byte_order_mark(FILE *file)
{
    unsigned char start[3];

    if (fread(start, 1, sizeof(start), file) != sizeof(start) ||
        memcmp(start, "\xef\xbb\xbf", sizeof(start)) != 0)
        rewind(file);
}

int
provider_load(const char *path, struct provider_set **out, char *err,
              size_t err_size)
{
    struct loader loader = {path, err, err_size};
    json_t *root;
    FILE *file;

    file = file_open_regular(path, err, err_size);
    if (file == NULL)
        return -1;
    skip_byte_order_mark(file);
    root = parse_guarded(&loader, file, NULL, file_size(file));
    fclose(file);
    if (root == NULL)
        return -1;
    return load_set(&loader, root, out);
}

int
provider_parse(const char *name, const char *text, size_t len,
               struct provider_set **out, char *err, size_t err_size)
{
    struct loader loader = {name, err, err_size};
    json_t *root;

    root = parse_guarded(&loader, NULL, text, len);
    if (root == NULL)
        return -1;
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

int
provider_is_url_type(const char *type)
{
    return is_listed(type, url_types);
}

int
provider_is_auth_method(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(auth_methods) / sizeof(auth_methods[0]); i++) {
        if (strcmp(name, auth_methods[i]) == 0)
            return 1;
    }
    return 0;
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
