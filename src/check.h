/* Warnings about a provider file that loads but will mislead clients. */
#ifndef MAILAUTOCONF_CHECK_H
#define MAILAUTOCONF_CHECK_H

#include <stdio.h>
#include <time.h>

#include "provider.h"

struct profile_signer;

/*
 * Writes a summary (providers, domains, servers) and one line per warning
 * to out. The warnings: password-cleartext over a plain socket, OAuth2
 * without a password method in the list, a host name that is an IP address
 * or a single label, a port that is not the usual one for its type and
 * socket type, and list_all_domains on more than 4000 domains. A profile
 * signing certificate of signer (NULL when profiles go unsigned) also gets
 * one when its dates cannot be read or make it invalid now. Returns the
 * number of warnings.
 */
int check_write_report(const struct provider_set *set,
                       const struct profile_signer *signer, const char *file,
                       FILE *out);

/*
 * Writes the warning about a profile signing certificate that is not
 * valid at now into message, such as "profile_signing.certificate:
 * 'cert.pem' expired on ...", with the path's control characters escaped.
 * Returns 0 when signer is NULL or its certificate is valid at now, or -1
 * with the message.
 */
int check_signing_dates(const struct provider_set *set,
                        const struct profile_signer *signer, time_t now,
                        char *message, size_t size);

#endif
