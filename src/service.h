/*
 * Everything a request needs that is loaded once at startup: the provider
 * set and the compiled templates. Requests only read it.
 */
#ifndef MAILAUTOCONF_SERVICE_H
#define MAILAUTOCONF_SERVICE_H

#include <stddef.h>

#include "provider.h"
#include "template.h"

struct service {
    struct provider_set *providers;
    struct template *autoconfig;         /* autoconfig.xml */
    struct template *autodiscover;       /* autodiscover.xml */
    struct template *autodiscover_error; /* autodiscover-error.xml */
    struct template *mobilesync;         /* mobilesync.xml */
    struct template *json;               /* autodiscover.json */
    struct template *json_error;         /* autodiscover-error.json */
    unsigned long server_id;             /* the Id of Autodiscover errors */
};

/*
 * Loads the provider file and every template from template_dir. Returns 0,
 * or -1 with one message in err naming the file that failed.
 */
int service_load(struct service *svc, const char *provider_path,
                 const char *template_dir, char *err, size_t err_size);

/* Frees what service_load loaded; safe on a partly loaded service. */
void service_release(struct service *svc);

#endif
