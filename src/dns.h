/* The DNS records that make a provider's services discoverable. */
#ifndef MAILAUTOCONF_DNS_H
#define MAILAUTOCONF_DNS_H

#include <stdio.h>

#include "provider.h"

#define DNS_TTL 3600

/*
 * Writes zone-file lines for every domain of set to out: RFC 6186 and
 * RFC 8314 SRV records for IMAP, POP3 and submission ("0 0 0 ." for a
 * service not offered), the _autodiscover._tcp SRV record, RFC 6764
 * CalDAV and CardDAV SRV and TXT records when configured, and CNAME
 * records that point autoconfig.DOMAIN and autodiscover.DOMAIN at
 * responder_host (commented out when responder_host is NULL). Returns 0,
 * or -1 when writing failed.
 */
int dns_write_records(const struct provider_set *set,
                      const char *responder_host, FILE *out);

#endif
