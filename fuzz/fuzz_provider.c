/*
 * Provider files: the input is given to provider_parse. A file that loads
 * goes through the check and dns reports. Then it replaces
 * fuzz/provider.json for requests to its first four domains: autoconfig
 * with and without an address, POX for Outlook and ActiveSync, both forms
 * of the JSON pointer and an Apple profile. Each response gets the checks
 * of every response, so that any value the loader accepts must come out
 * escaped. Every input runs a second time with one allocation failing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "check.h"
#include "dns.h"
#include "harness.h"
#include "memory.h"
#include "provider.h"

#define NAME "fuzz.json"
#define DOMAIN_COUNT_MAX 4

/*
 * Inputs up to this size must get status 200 from autoconfig and POX,
 * because by estimate their responses stay far below HTTP_ANSWER_MAX
 * (256 KiB). A placeholder grows at most 18 times (14 bytes to a 254-byte
 * address) and escaping at most 6 times. The value that the templates
 * repeat most, the display name, has at most 60 characters.
 */
#define SMALL_INPUT_MAX 2048

#define POX_BODY                                                               \
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"             \
    "autodiscover/%s/requestschema/2006\"><Request><EMailAddress>%s"           \
    "</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/"   \
    "exchange/autodiscover/%s</AcceptableResponseSchema></Request>"            \
    "</Autodiscover>"

struct serve_state {
    struct service svc;
    struct harness_failure *failure;
    int expect_ok; /* autoconfig and POX must return status 200 */
    int domains;   /* how many domains were served so far */
};

static FILE *
null_file(void)
{
    static FILE *file;

    if (file == NULL)
        file = fopen("/dev/null", "w");
    if (file == NULL)
        harness_fail("cannot open /dev/null");
    return file;
}

static void
send_request(struct serve_state *state, const char *method, const char *target,
             const char *host, const char *body, int must_succeed)
{
    struct harness_body reader = {(const uint8_t *)body, 0, 0, 0, 0};
    struct http_request req;
    struct buffer response;

    reader.len = body == NULL ? 0 : strlen(body);
    buffer_init(&response, HTTP_ANSWER_MAX);
    harness_request_init(&req, &response, &reader);
    req.method = method;
    req.target = target;
    req.host = host;

    harness_failure_resume(state->failure);
    http_handle(&state->svc, &req);
    harness_failure_pause(state->failure);

    /* A response past HTTP_ANSWER_MAX gets 500, so large inputs may. */
    harness_check_response(&req, 1);
    if (state->expect_ok && req.status == 500)
        harness_fail("%s %s: status 500: %s", method, target,
                     req.error != NULL ? req.error : "");
    if (must_succeed && state->expect_ok && req.status != 200)
        harness_fail("%s %s: status %d: %s", method, target, req.status,
                     req.error != NULL ? req.error : "");
    buffer_release(&response);
}

static int
serve_domain(const char *domain, const json_t *provider, void *arg)
{
    struct serve_state *state = arg;
    char address[ADDRESS_MAX + 32], target[1024], host[512], body[2048];
    const char *outlook = "outlook/responseschema/2006a";
    const char *mobilesync = "mobilesync/responseschema/2006";
    int fits;

    if (provider_find(state->svc.providers, domain) != provider)
        harness_fail("provider_find('%s') differs from the domain list",
                     domain);
    if (state->domains++ == DOMAIN_COUNT_MAX)
        return 1;
    fits = strlen(domain) + strlen("alice@") <= ADDRESS_MAX;
    snprintf(address, sizeof(address), "alice@%s", domain);
    snprintf(host, sizeof(host), "autoconfig.%s", domain);

    snprintf(target, sizeof(target),
             "/mail/config-v1.1.xml?emailaddress=alice%%40%s", domain);
    send_request(state, "GET", target, host, NULL, fits);
    send_request(state, "GET", "/mail/config-v1.1.xml", host, NULL, 1);

    snprintf(body, sizeof(body), POX_BODY, "outlook", address, outlook);
    send_request(state, "POST", "/autodiscover/autodiscover.xml", host, body,
                 1);
    snprintf(body, sizeof(body), POX_BODY, "mobilesync", address, mobilesync);
    send_request(state, "POST", "/autodiscover/autodiscover.xml", host, body,
                 1);

    snprintf(target, sizeof(target),
             "/autodiscover/autodiscover.json/v1.0/%s?Protocol=ActiveSync",
             address);
    send_request(state, "GET", target, host, NULL, 0);
    snprintf(target, sizeof(target),
             "/autodiscover/autodiscover.json?Email=%s&Protocol="
             "AutodiscoverV1",
             address);
    send_request(state, "GET", target, host, NULL, 0);

    snprintf(target, sizeof(target), "/email.mobileconfig?emailaddress=%s",
             address);
    send_request(state, "GET", target, host, NULL, 0);
    return 0;
}

static void
serve(struct provider_set *set, size_t size, struct harness_failure *failure)
{
    struct serve_state state;
    size_t providers, domains;

    providers = provider_count(set, &domains);
    if (providers == 0 || domains == 0)
        harness_fail("a loaded file with %zu providers and %zu domains",
                     providers, domains);
    harness_failure_resume(failure);
    check_write_report(set, NULL, NAME, null_file());
    dns_write_records(set, "mail.example.net", null_file());
    harness_failure_pause(failure);

    state.svc = *harness_service();
    state.svc.providers = set;
    state.failure = failure;
    state.expect_ok = failure->fail_at == 0 && size <= SMALL_INPUT_MAX;
    state.domains = 0;
    provider_foreach_domain(set, serve_domain, &state);
}

/*
 * Loads and serves the input once, with allocation fail_at failing when
 * it is not 0, and returns the number of allocations made.
 */
static long
run(const uint8_t *data, size_t size, long fail_at, int sticky)
{
    struct harness_failure failure = {fail_at, sticky, 0, 0};
    struct provider_set *set;
    char err[512];
    int rc;

    err[0] = '\0';
    harness_failure_resume(&failure);
    rc = provider_parse(NAME, (const char *)data, size, &set, err, sizeof(err));
    harness_failure_pause(&failure);

    if (rc == -1) {
        if (strncmp(err, NAME, strlen(NAME)) != 0)
            harness_fail("provider_parse message '%s' does not name the file",
                         err);
        return failure.used;
    }
    serve(set, size, &failure);
    provider_set_free(set);
    return failure.used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long count, fail_at;
    int sticky;

    harness_service();
    count = run(data, size, 0, 0);
    if (count > 0) {
        fail_at = harness_pick_failure(data, size, count, &sticky);
        run(data, size, fail_at, sticky);
    }
    return 0;
}
