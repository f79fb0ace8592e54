/*
 * Everything a request needs that is loaded at startup and on reload: the
 * provider set, the compiled templates and the profile signer. Requests
 * only read it.
 */
#ifndef MAILAUTOCONF_SERVICE_H
#define MAILAUTOCONF_SERVICE_H

#include <stddef.h>

#include "provider.h"
#include "template.h"

struct profile_signer;

struct service {
    struct provider_set *providers;
    struct template *autoconfig;         /* autoconfig.xml */
    struct template *autodiscover;       /* autodiscover.xml */
    struct template *autodiscover_error; /* autodiscover-error.xml */
    struct template *mobilesync;         /* mobilesync.xml */
    struct template *json;               /* autodiscover.json */
    struct template *json_error;         /* autodiscover-error.json */
    struct template *mobileconfig;       /* mobileconfig.xml */
    struct profile_signer *signer;       /* NULL: profiles go unsigned */
    unsigned long server_id;             /* the Id of Autodiscover errors */
};

/*
 * Loads the provider file, every template from template_dir and the
 * profile signing files the provider file names. Returns 0, or -1 with one
 * message in err naming the file that failed.
 */
int service_load(struct service *svc, const char *provider_path,
                 const char *template_dir, char *err, size_t err_size);

/* Frees what service_load loaded; safe on a partly loaded service. */
void service_release(struct service *svc);

#endif
