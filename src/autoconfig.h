/* Thunderbird autoconfig: the clientConfig 1.1 document. */
#ifndef MAILAUTOCONF_AUTOCONFIG_H
#define MAILAUTOCONF_AUTOCONFIG_H

#include "http.h"
#include "service.h"

/*
 * Answers a GET or HEAD for config-v1.1.xml. The domain comes from the
 * emailaddress parameter, or else from the Host header without a leading
 * "autoconfig.", and is matched and sent as A-labels. An address whose
 * local part is a placeholder (address_is_placeholder) gets the answer
 * without an address, with %EMAILADDRESS% and %EMAILLOCALPART% left in.
 * Other query parameters are ignored. Answers 400 for an invalid or
 * repeated address, 404 for a domain no provider lists, 405 for other
 * methods.
 */
void autoconfig_handle(const struct service *svc, struct http_request *req);

#endif
