/*
 * mailautoconf: a FastCGI responder that tells mail clients how to reach
 * their servers (Thunderbird autoconfig, Outlook Autodiscover).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "address.h"
#include "check.h"
#include "dns.h"
#include "import.h"
#include "log.h"
#include "profile.h"
#include "memory.h"
#include "responder.h"
#include "service.h"

#define EXIT_STARTUP 1

static const char usage[] =
    "usage: mailautoconf serve [--listen ADDRESS] [--templates DIR]\n"
    "                          [--threads N] [--syslog] [-v] PROVIDER.json\n"
    "       mailautoconf check [--templates DIR] PROVIDER.json\n"
    "       mailautoconf dns [--host NAME] PROVIDER.json\n"
    "       mailautoconf import CONFIG.xml...\n"
    "       mailautoconf --help | --version\n";

static const char help[] =
    "\n"
    "Answers mail client auto-configuration requests (Thunderbird autoconfig,\n"
    "Outlook Autodiscover XML and JSON, Apple configuration profiles) over\n"
    "FastCGI, from a JSON provider file.\n"
    "\n"
    "serve options:\n"
    "  --listen ADDRESS  listen on a unix socket path or HOST:PORT instead of\n"
    "                    the socket on standard input (spawn-fcgi, systemd)\n"
    "  --templates DIR   template folder (default " MAILAUTOCONF_TEMPLATE_DIR
    ")\n"
    "  --threads N       worker threads, 1 to 256 (default 4)\n"
    "  --syslog          log to syslog (facility daemon) instead of stderr\n"
    "  -v, --verbose     also log debug lines\n"
    "\n"
    "check: loads what serve loads (the templates, the provider file and its\n"
    "signing files), prints a summary and warnings, and exits 1 on an error.\n"
    "\n"
    "dns: prints the zone-file records (SRV, TXT, CNAME) that make each\n"
    "domain discoverable; --host NAME is the web server that runs\n"
    "mailautoconf, the target of the autoconfig. and autodiscover. names.\n"
    "\n"
    "import: reads Thunderbird clientConfig files (such as ISPDB files) and\n"
    "prints one provider file with a provider for each; what it cannot\n"
    "import is reported as FILE:LINE: warning: ... on standard error.\n"
    "\n"
    "Signals: SIGTERM and SIGINT finish the requests in hand, then exit 0.\n"
    "SIGHUP loads the provider file, its signing files and the templates\n"
    "again; when they fail to load, the error is logged and the old\n"
    "configuration keeps serving.\n"
    "Exit status: 0 after a clean stop, 1 when starting failed.\n";

struct options {
    const char *listen;
    const char *templates;
    const char *provider;
    int threads;
    int verbose;
    int syslog;
};

static int
usage_error(const char *message, const char *subject)
{
    log_plain("%s '%s'", message, subject);
    fputs(usage, stderr);
    return -1;
}

static int
parse_serve_options(int argc, char **argv, struct options *opts)
{
    int i;

    for (i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int has_value = i + 1 < argc;

        if (strcmp(arg, "--listen") == 0 && has_value) {
            opts->listen = argv[++i];
        } else if (strcmp(arg, "--templates") == 0 && has_value) {
            opts->templates = argv[++i];
        } else if (strcmp(arg, "--threads") == 0 && has_value) {
            char *end;
            long n = strtol(argv[++i], &end, 10);

            if (*end != '\0' || n < 1 || n > RESPONDER_THREADS_MAX)
                return usage_error("--threads must be from 1 to 256, not",
                                   argv[i]);
            opts->threads = (int)n;
        } else if (strcmp(arg, "--syslog") == 0) {
            opts->syslog = 1;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
            opts->verbose = 1;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error(has_value || strncmp(arg, "--", 2) != 0
                                   ? "unknown option"
                                   : "option needs a value:",
                               arg);
        } else if (opts->provider == NULL) {
            opts->provider = arg;
        } else {
            return usage_error("unexpected argument", arg);
        }
    }
    if (opts->provider == NULL) {
        log_plain("missing the provider file");
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

/*
 * Finds the listening socket handed over by systemd socket activation
 * (LISTEN_PID and LISTEN_FDS, descriptor 3) or spawn-fcgi (standard
 * input). Returns the descriptor, or -1 with a message logged.
 */
static int
inherited_socket(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

    if (pid != NULL && fds != NULL && strtol(pid, NULL, 10) == getpid()) {
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        if (strcmp(fds, "1") != 0 || responder_check_socket(3) == -1) {
            log_plain("socket activation must pass exactly one listening "
                      "socket, not LISTEN_FDS=%s",
                      fds);
            return -1;
        }
        return 3;
    }
    if (responder_check_socket(STDIN_FILENO) == -1) {
        log_plain("standard input is not a listening socket; run under "
                  "spawn-fcgi or systemd, or give --listen ADDRESS");
        return -1;
    }
    return STDIN_FILENO;
}

static int
serve(int argc, char **argv)
{
    struct options opts = {
        NULL, MAILAUTOCONF_TEMPLATE_DIR, NULL, RESPONDER_THREADS_DEFAULT, 0, 0};
    struct responder_config config;
    struct service *svc;
    sigset_t signals;
    char err[1024];
    size_t providers, domains;
    int fd, rc;

    if (parse_serve_options(argc, argv, &opts) == -1)
        return EXIT_STARTUP;
    responder_block_signals(&signals);

    svc = memory_malloc(sizeof(*svc));
    if (svc == NULL) {
        log_plain("out of memory");
        return EXIT_STARTUP;
    }
    if (service_load(svc, opts.provider, opts.templates, err, sizeof(err)) ==
        -1) {
        log_plain("%s", err);
        memory_free(svc);
        return EXIT_STARTUP;
    }
    if (opts.listen != NULL) {
        fd = responder_listen(opts.listen, err, sizeof(err));
        if (fd == -1)
            log_plain("%s", err);
    } else {
        fd = inherited_socket();
    }
    if (fd == -1) {
        service_release(svc);
        memory_free(svc);
        return EXIT_STARTUP;
    }

    log_init(opts.verbose, opts.syslog);
    providers = provider_count(svc->providers, &domains);
    log_line("serving %zu provider%s with %zu domain%s on %s, %d thread%s",
             providers, log_plural(providers), domains, log_plural(domains),
             opts.listen != NULL ? opts.listen : "an inherited socket",
             opts.threads, log_plural((size_t)opts.threads));
    if (check_signing_dates(svc->providers, svc->signer, time(NULL), err,
                            sizeof(err)) == -1)
        log_line("%s: warning: %s", opts.provider, err);
    config.provider_path = opts.provider;
    config.template_dir = opts.templates;
    config.listen_fd = fd;
    config.threads = opts.threads;
    rc = responder_run(&config, svc);
    if (opts.listen != NULL)
        close(fd);
    return rc == 0 ? EXIT_SUCCESS : EXIT_STARTUP;
}

/*
 * Parses "[OPTION VALUE] PROVIDER.json" for check and dns, where option is
 * the one option the command takes. Returns 0 or -1 after a message.
 */
static int
parse_file_command(int argc, char **argv, const char *option,
                   const char **value, const char **provider)
{
    int i;

    for (i = 2; i < argc; i++) {
        if (strcmp(argv[i], option) == 0 && i + 1 < argc) {
            *value = argv[++i];
        } else if (strcmp(argv[i], option) == 0) {
            return usage_error("option needs a value:", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage_error("unknown option", argv[i]);
        } else if (*provider == NULL) {
            *provider = argv[i];
        } else {
            return usage_error("unexpected argument", argv[i]);
        }
    }
    if (*provider == NULL) {
        log_plain("missing the provider file");
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

static int
check(int argc, char **argv)
{
    const char *templates = NULL, *provider = NULL;
    struct service svc;
    char err[1024], shown[1024];

    if (parse_file_command(argc, argv, "--templates", &templates, &provider) ==
        -1)
        return EXIT_STARTUP;
    /* Loads what serve loads: templates, provider file and signing files. */
    if (service_load(&svc, provider,
                     templates != NULL ? templates : MAILAUTOCONF_TEMPLATE_DIR,
                     err, sizeof(err)) == -1) {
        log_plain("%s", err);
        return EXIT_STARTUP;
    }
    /* Each report line starts with the file name, so it must stay one line. */
    log_escape_controls(shown, sizeof(shown), provider);
    check_write_report(svc.providers, svc.signer, shown, stdout);
    service_release(&svc);
    return EXIT_SUCCESS;
}

/*
 * Returns nonzero for an IPv4 address, which address_is_numeric detects
 * as for SRV targets, or an IPv6 address, with or without brackets.
 */
static int
is_ip_address(const char *host)
{
    unsigned char binary[sizeof(struct in6_addr)];
    char bare[INET6_ADDRSTRLEN];
    size_t len = strlen(host);

    if (address_is_numeric(host))
        return 1;
    if (len > 2 && host[0] == '[' && host[len - 1] == ']' &&
        len - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, len - 2);
        bare[len - 2] = '\0';
        host = bare;
    }
    return inet_pton(AF_INET6, host, binary) == 1;
}

static int
dns(int argc, char **argv)
{
    const char *host = NULL, *provider = NULL;
    char normalized[ADDRESS_DOMAIN_MAX + 1];
    struct provider_set *set;
    char err[1024];
    int rc;

    if (parse_file_command(argc, argv, "--host", &host, &provider) == -1)
        return EXIT_STARTUP;
    /* The CNAME records name --host as their target. */
    if (host != NULL && is_ip_address(host)) {
        log_plain("--host '%s' is an IP address; give the DNS name of the web "
                  "server, because a CNAME target must be a host name",
                  host);
        return EXIT_STARTUP;
    }
    if (host != NULL &&
        address_normalize_domain(host, strlen(host), normalized) == -1) {
        log_plain("--host '%s' is not a valid DNS name", host);
        return EXIT_STARTUP;
    }
    if (provider_load(provider, &set, err, sizeof(err)) == -1) {
        log_plain("%s", err);
        return EXIT_STARTUP;
    }
    rc = dns_write_records(set, host != NULL ? normalized : NULL, stdout);
    provider_set_free(set);
    if (rc == -1) {
        log_plain("writing the records failed");
        return EXIT_STARTUP;
    }
    return EXIT_SUCCESS;
}

static int
import_command(int argc, char **argv)
{
    char err[1024];
    json_t *root;
    int i, rc;

    for (i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage_error("unknown option", argv[i]);
            return EXIT_STARTUP;
        }
    }
    if (argc < 3) {
        log_plain("missing the clientConfig files");
        fputs(usage, stderr);
        return EXIT_STARTUP;
    }
    if (import_files(argv + 2, (size_t)(argc - 2), stderr, &root, err,
                     sizeof(err)) == -1) {
        log_plain("%s", err);
        return EXIT_STARTUP;
    }
    rc = json_dumpf(root, stdout, JSON_INDENT(2));
    json_decref(root);
    if (rc == -1 || putchar('\n') == EOF || fflush(stdout) == EOF) {
        log_plain("writing the provider file failed");
        return EXIT_STARTUP;
    }
    return EXIT_SUCCESS;
}

/*
 * Returns nonzero when any argument is --help or -h, so that "mailautoconf
 * check --help" prints the help as "mailautoconf --help" does.
 */
static int
wants_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    memory_init();
    if (wants_help(argc, argv)) {
        fputs(usage, stdout);
        fputs(help, stdout);
        return EXIT_SUCCESS;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("mailautoconf %s\n", MAILAUTOCONF_VERSION);
        return EXIT_SUCCESS;
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0)
        return serve(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "check") == 0)
        return check(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "dns") == 0)
        return dns(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return import_command(argc, argv);

    if (argc >= 2)
        log_plain("unknown command '%s'", argv[1]);
    else
        log_plain("missing a command");
    fputs(usage, stderr);
    return EXIT_STARTUP;
}
