/* Warnings about a provider file that loads but will mislead clients. */
#ifndef MAILAUTOCONF_CHECK_H
#define MAILAUTOCONF_CHECK_H

#include <stdio.h>

#include "provider.h"

/*
 * Writes a summary (providers, domains, servers) and one line per warning
 * to out: password-cleartext over a plain socket, OAuth2 without a
 * password method after it, a host name that is an IP address or a single
 * label, and a port that is not the usual one for its type and socket
 * type. Returns the number of warnings.
 */
int check_write_report(const struct provider_set *set, const char *file,
                       FILE *out);

#endif
