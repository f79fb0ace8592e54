/*
 * Apple configuration profiles (.mobileconfig) for iOS and macOS Mail,
 * optionally signed as CMS SignedData.
 */
#ifndef MAILAUTOCONF_PROFILE_H
#define MAILAUTOCONF_PROFILE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "http.h"
#include "service.h"

struct profile_signer;

/*
 * Loads the certificate, private key and optional chain named by signing
 * (see provider_signing). Returns 0 and a signer the caller frees with
 * profile_signer_free, or -1 with a message naming the file in err.
 */
int profile_signer_load(const json_t *signing, struct profile_signer **out,
                        char *err, size_t err_size);

void profile_signer_free(struct profile_signer *signer);

/*
 * Checks the validity dates of the signer's certificate against now.
 * Returns 0 when the certificate is valid at now, or -1 with the problem
 * in problem, such as "expired on 2021-01-01 00:00:00 UTC" or "is not
 * valid until 2099-01-01 00:00:00 UTC".
 */
int profile_signer_check_dates(const struct profile_signer *signer, time_t now,
                               char *problem, size_t size);

/*
 * Handles GET or HEAD for /email.mobileconfig or /mobileconfig with an
 * emailaddress parameter: a profile with a com.apple.mail.managed payload
 * for the provider's first IMAP or POP3 server and first outgoing server,
 * plus CalDAV and CardDAV payloads when configured. Identifiers and UUIDs
 * derive from the address, so a second download replaces the installed
 * profile. Responds with 400 to a missing or invalid address and 404 to an
 * unknown domain.
 */
void profile_handle(const struct service *svc, struct http_request *req);

#endif
