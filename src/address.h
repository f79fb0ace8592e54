/* Validation of mail addresses and domain names from clients. */
#ifndef MAILAUTOCONF_ADDRESS_H
#define MAILAUTOCONF_ADDRESS_H

#include <stddef.h>

#define ADDRESS_LOCAL_MAX 64   /* RFC 5321 4.5.3.1.1 */
#define ADDRESS_DOMAIN_MAX 253 /* RFC 1035 name length without the root */
#define ADDRESS_MAX 254        /* RFC 5321 path limit minus the brackets */

struct address {
    char full[ADDRESS_MAX + 1]; /* local part, '@' and lower-case domain */
    char local[ADDRESS_LOCAL_MAX + 1];
    char domain[ADDRESS_DOMAIN_MAX + 1];
};

/*
 * Checks a decoded address and splits it. The local part is a dot-atom
 * (RFC 5322 atext, or UTF-8 letters as RFC 6531 allows). The domain must
 * pass address_normalize_domain and is stored as A-labels. Returns 0, or
 * -1 when invalid.
 */
int address_parse(const char *text, size_t len, struct address *out);

/*
 * Copies a DNS name into out (size ADDRESS_DOMAIN_MAX + 1) in lower case,
 * without a trailing dot. A name with non-ASCII letters (U-labels) is
 * converted to A-labels first (IDNA2008 with the UTS #46 non-transitional
 * mapping). Labels are 1 to 63 letters, digits or hyphens, not starting or
 * ending with a hyphen. Returns 0, or -1 when invalid.
 */
int address_normalize_domain(const char *text, size_t len, char *out);

/*
 * Returns nonzero when the local part of address is a placeholder that a
 * client sends to ask for the domain's settings rather than a person's:
 * exactly "EVOLUTIONUSER" (Evolution) or the literal "%EMAILLOCALPART%".
 */
int address_is_placeholder(const struct address *address);

/*
 * Returns nonzero when the last label of a DNS name, before an optional
 * trailing dot, is all digits. No top-level domain is, so such a name is
 * an IPv4 address rather than a host name.
 */
int address_is_numeric(const char *name);

/*
 * Takes the domain from an HTTP Host header: drops the port and, when
 * present, one leading label prefix (such as "autoconfig."), then
 * normalizes like address_normalize_domain. Returns 0, or -1 when the
 * header is not a DNS name.
 */
int address_domain_from_host(const char *host, const char *prefix, char *out);

#endif
