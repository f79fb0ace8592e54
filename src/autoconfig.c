#include "autoconfig.h"

#include <string.h>

#include "address.h"
#include "url.h"

/*
 * Renders the provider's settings. For an alias domain the placeholders
 * take the main domain, as the servers and logins belong to it.
 */
static int
render_config(const struct service *svc, struct http_request *req,
              const json_t *provider, const struct address *address)
{
    const char *main_domain =
        provider_alias_target(svc->providers, req->domain);
    char full[ADDRESS_LOCAL_MAX + 1 + ADDRESS_DOMAIN_MAX + 1];
    struct template_var vars[] = {
        {"domain", req->domain, TEMPLATE_VERBATIM},
        {"address", NULL, TEMPLATE_VERBATIM},
    };
    struct template_context ctx = {
        provider, vars, 2,
        NULL,     NULL, main_domain != NULL ? main_domain : req->domain};

    if (address != NULL) {
        snprintf(full, sizeof(full), "%s@%s", address->local, ctx.domain);
        vars[1].value = full;
        ctx.address = full;
        ctx.local_part = address->local;
    }
    return template_render(svc->autoconfig, &ctx, req->body);
}

void
autoconfig_handle(const struct service *svc, struct http_request *req)
{
    char decoded[ADDRESS_MAX + 2];
    struct address address;
    const char *raw;
    size_t raw_len;
    const json_t *provider;
    int count, have_address = 0;
    long len;

    if (!http_is_get(req)) {
        http_answer_method_not_allowed(req, "GET, HEAD");
        return;
    }

    count = url_query_find(req->query, "emailaddress", &raw, &raw_len);
    if (count > 1) {
        http_answer_text(req, 400, "emailaddress given more than once");
        return;
    }
    if (count == 1) {
        len = url_decode(raw, raw_len, decoded, sizeof(decoded));
        if (len < 0 || address_parse(decoded, (size_t)len, &address) == -1) {
            http_answer_text(req, 400, "invalid emailaddress");
            return;
        }
        strcpy(req->domain, address.domain);
        /*
         * A probe such as Evolution's EVOLUTIONUSER@domain gets the
         * domain's document with the placeholders left in.
         */
        have_address = !address_is_placeholder(&address);
    } else if (address_domain_from_host(req->host, "autoconfig.",
                                        req->domain) == -1) {
        http_answer_text(req, 400, "no emailaddress and no valid Host header");
        return;
    }

    provider = provider_find(svc->providers, req->domain);
    if (provider == NULL) {
        http_answer_text(req, 404, "no provider serves this domain");
        return;
    }

    if (render_config(svc, req, provider, have_address ? &address : NULL) ==
        -1) {
        http_answer_text(req, 500, "rendering autoconfig.xml failed");
        return;
    }
    req->status = 200;
    req->content_type = "text/xml; charset=utf-8";
}
