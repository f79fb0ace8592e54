/* Outlook Autodiscover: the POX (XML) protocol and the JSON pointer. */
#ifndef MAILAUTOCONF_AUTODISCOVER_H
#define MAILAUTOCONF_AUTODISCOVER_H

#include "http.h"
#include "service.h"

/*
 * Answers /autodiscover/autodiscover.xml. A POST body is parsed as an
 * Autodiscover request; a GET or HEAD takes the domain from the Host
 * header without a leading "autodiscover.". Every request that reaches
 * the parser gets HTTP 200 with either settings or an Autodiscover Error
 * document (MS-OXDSCLI error codes 500, 600, 601, 603). A body larger than
 * HTTP_BODY_MAX gets 413, other methods 405.
 */
void autodiscover_handle_pox(const struct service *svc,
                             struct http_request *req);

/*
 * An expat parser that one thread keeps for the request bodies it parses:
 * resetting a parser costs less than building one for every request. Set
 * it as the parser of an http_request; a request without one builds its
 * own parser.
 */
struct autodiscover_parser;

/*
 * Returns a holder whose parser is built at its first use, or NULL when
 * memory runs out. Free it with autodiscover_parser_free.
 */
struct autodiscover_parser *autodiscover_parser_new(void);

void autodiscover_parser_free(struct autodiscover_parser *reusable);

/*
 * Answers the JSON Autodiscover pointer. rest is the path after
 * "/autodiscover/autodiscover.json": empty (address in the Email
 * parameter) or "/v1.0/ADDRESS". Answers AutodiscoverV1 with the URL of
 * the POX endpoint and ActiveSync with the provider's activesync_url.
 */
void autodiscover_handle_json(const struct service *svc,
                              struct http_request *req, const char *rest);

#endif
