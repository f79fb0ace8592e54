#include "service.h"

#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMPLATE_DIR_SHOWN 256 /* bytes of the path that an error shows */

/*
 * Checks that template_dir is a folder. Without --templates, a binary run
 * from its build tree looks for the installed folder, so the message names
 * the option. Returns 0, or -1 with a message in err.
 */
static int
check_template_dir(const char *template_dir, char *err, size_t err_size)
{
    struct stat st;
    const char *problem = NULL;

    if (stat(template_dir, &st) == -1)
        problem = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        problem = strerror(ENOTDIR);
    if (problem == NULL)
        return 0;
    /* A long path is cut, so that the reason and the hint fit in err. */
    snprintf(err, err_size,
             "template folder '%.*s%s': %s; --templates DIR sets the folder",
             TEMPLATE_DIR_SHOWN, template_dir,
             strlen(template_dir) > TEMPLATE_DIR_SHOWN ? "..." : "", problem);
    return -1;
}

/*
 * Appends the --templates hint to the error of a template file that does
 * not exist, because an existing but wrong folder is the likely cause.
 */
static void
hint_missing_template(const char *template_dir, const char *file, char *err,
                      size_t err_size)
{
    char path[4096];
    size_t length = strlen(err);

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", template_dir, file) >=
            sizeof(path) ||
        access(path, F_OK) == 0 || errno != ENOENT)
        return;
    snprintf(err + length, err_size - length,
             "; --templates DIR sets the folder");
}

static unsigned long
hash_host_name(void)
{
    char name[256] = "";
    unsigned long hash = 2166136261UL;
    size_t i;

    gethostname(name, sizeof(name) - 1);
    for (i = 0; name[i] != '\0'; i++)
        hash = ((hash ^ (unsigned char)name[i]) * 16777619UL) & 0xffffffffUL;
    return hash;
}

int
service_load(struct service *svc, const char *provider_path,
             const char *template_dir, char *err, size_t err_size)
{
    struct {
        const char *file;
        struct template **slot;
    } templates[] = {
        {"autoconfig.xml", &svc->autoconfig},
        {"autodiscover.xml", &svc->autodiscover},
        {"autodiscover-error.xml", &svc->autodiscover_error},
        {"mobilesync.xml", &svc->mobilesync},
        {"autodiscover.json", &svc->json},
        {"autodiscover-error.json", &svc->json_error},
        {"mobileconfig.xml", &svc->mobileconfig},
    };
    const json_t *signing;
    size_t i;

    memset(svc, 0, sizeof(*svc));
    svc->server_id = hash_host_name();
    if (check_template_dir(template_dir, err, err_size) == -1)
        goto fail;
    for (i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        if (template_load(template_dir, templates[i].file, templates[i].slot,
                          err, err_size) == -1) {
            hint_missing_template(template_dir, templates[i].file, err,
                                  err_size);
            goto fail;
        }
    }
    if (provider_load(provider_path, &svc->providers, err, err_size) == -1)
        goto fail;
    signing = provider_signing(svc->providers);
    if (signing != NULL &&
        profile_signer_load(signing, &svc->signer, err, err_size) == -1)
        goto fail;
    return 0;

fail:
    service_release(svc);
    return -1;
}

void
service_release(struct service *svc)
{
    provider_set_free(svc->providers);
    template_free(svc->autoconfig);
    template_free(svc->autodiscover);
    template_free(svc->autodiscover_error);
    template_free(svc->mobilesync);
    template_free(svc->json);
    template_free(svc->json_error);
    template_free(svc->mobileconfig);
    profile_signer_free(svc->signer);
    memset(svc, 0, sizeof(*svc));
}
