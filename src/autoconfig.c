#include "autoconfig.h"

#include <string.h>

#include "address.h"
#include "url.h"

static int
render_config(const struct service *svc, struct http_request *req,
              const json_t *provider, const struct address *address)
{
    struct template_var vars[] = {
        {"domain", req->domain},
        {"address", address != NULL ? address->full : NULL},
    };
    struct template_context ctx = {provider,
                                   vars,
                                   2,
                                   vars[1].value,
                                   address != NULL ? address->local : NULL,
                                   req->domain};

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
        have_address = 1;
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
