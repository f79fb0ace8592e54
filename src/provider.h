/*
 * The provider file: mail providers, their domains and their servers,
 * loaded and checked once at startup. docs/provider-file.md describes the
 * format.
 */
#ifndef MAILAUTOCONF_PROVIDER_H
#define MAILAUTOCONF_PROVIDER_H

#include <stddef.h>

#include <jansson.h>

struct provider_set;

/*
 * Reads and checks the file at path. Returns 0 and a set the caller frees
 * with provider_set_free, or -1 with a message in err. The message names
 * the file and either the line and column of a JSON syntax error or the
 * path of the wrong field, such as "providers[0].incoming[1].port".
 *
 * Each provider is kept as a JSON object that templates render directly:
 * - the optional strings provider_id (the file's "id"), display_name,
 *   display_short_name, activesync_url, autodiscover_host and
 *   windows_domain, the optional integer ttl_hours, and the boolean
 *   list_all_domains;
 * - domains: the A-labels of the domains, then of the alias domains;
 * - the optional objects calendar and address_book (url, username and the
 *   array authentication), oauth2 (issuer, scope, auth_url, token_url) and
 *   enable (visit_url, instructions);
 * - the optional object webmail: login_page, and login_page_info with url,
 *   username and the objects username_field, password_field and
 *   login_button, each with id and name;
 * - the optional array documentation of pages with url and descriptions;
 * - the arrays incoming, outgoing, servers (both together) and
 *   mail_servers (the imap, pop3 and smtp servers of both, which have a
 *   host and port).
 * Each server has type, username, authentication (array), auth_required
 * and either url (the URL types) or hostname, port, socket_type and the
 * booleans ssl, starttls, plain and tls (ssl or starttls). It may have
 * owa_url, ews_url, eas_url, restriction, pop3 (with the integers
 * days_to_leave_messages_on_server and check_interval_minutes) and the
 * flags use_global_preferred_server, add_this_server,
 * leave_messages_on_server and download_on_biff. Flags are the strings
 * "true" and "false", so that a template can tell false from missing.
 * Descriptions and instructions are arrays of objects with text and an
 * optional lang, and their parent also has has_descriptions or
 * has_instructions set to true. Keys that could shadow an outer one in a
 * template section (such as "id") are named apart for that reason.
 */
int provider_load(const char *path, struct provider_set **out, char *err,
                  size_t err_size);

/*
 * Like provider_load, for len bytes of text; name stands for the file in
 * messages, and relative signing paths are taken from its folder.
 */
int provider_parse(const char *name, const char *text, size_t len,
                   struct provider_set **out, char *err, size_t err_size);

/*
 * Returns the provider serving a normalized (lower-case) domain, borrowed
 * from the set, or NULL when no provider lists it.
 */
const json_t *provider_find(const struct provider_set *set, const char *domain);

/*
 * Returns the main domain of an alias domain, borrowed from the set, or
 * NULL when domain is not an alias.
 */
const char *provider_alias_target(const struct provider_set *set,
                                  const char *domain);

/*
 * Returns the profile signing files as an object with the paths
 * certificate, key and optionally chain, or NULL when the file names none.
 */
const json_t *provider_signing(const struct provider_set *set);

/*
 * Returns nonzero when an incoming server of type names a URL instead of
 * a host and port: "ews", "owa", "graph", "jmap" or "activeSync".
 */
int provider_is_url_type(const char *type);

/*
 * Returns nonzero when name is an authentication method that servers may
 * list, such as "password-cleartext" or "OAuth2".
 */
int provider_is_auth_method(const char *name);

/* Returns the array of provider objects, borrowed from the set. */
const json_t *provider_list(const struct provider_set *set);

/*
 * Calls fn for every domain and alias domain in file order, with its
 * provider. Stops at the first nonzero result of fn and returns it;
 * returns 0 when fn returned 0 for all.
 */
int provider_foreach_domain(const struct provider_set *set,
                            int (*fn)(const char *domain,
                                      const json_t *provider, void *arg),
                            void *arg);

/* Returns the number of providers and, in *domains, of domains. */
size_t provider_count(const struct provider_set *set, size_t *domains);

void provider_set_free(struct provider_set *set);

#endif
