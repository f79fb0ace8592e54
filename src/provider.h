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
 * the optional strings display_name, display_short_name, activesync_url,
 * autodiscover_host and windows_domain, the optional integer ttl_hours,
 * the optional objects calendar and address_book (url, username and the
 * array authentication), and the arrays incoming, outgoing and servers
 * (both together). Each server has type, hostname, port, socket_type,
 * authentication (array), username, and the booleans ssl, starttls, plain,
 * tls (ssl or starttls) and auth_required.
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
