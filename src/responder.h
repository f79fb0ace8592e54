/* The FastCGI responder: listening socket, worker threads and signals. */
#ifndef MAILAUTOCONF_RESPONDER_H
#define MAILAUTOCONF_RESPONDER_H

#include <signal.h>
#include <stddef.h>

#include "service.h"

#define RESPONDER_THREADS_DEFAULT 4
#define RESPONDER_THREADS_MAX 256

/*
 * Opens a listening socket on address: a unix socket path (anything
 * containing '/'), or HOST:PORT with an IPv6 host in brackets. A stale
 * unix socket file is replaced. Returns the descriptor, or -1 with a
 * message in err.
 */
int responder_listen(const char *address, char *err, size_t err_size);

/*
 * Returns 0 when fd is a listening socket, as spawn-fcgi (descriptor 0)
 * and systemd socket activation (descriptor 3) hand it over, or -1.
 */
int responder_check_socket(int fd);

/*
 * Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and the threads
 * it starts later), so that responder_run takes them with sigwait, and
 * ignores SIGPIPE. Call it before announcing readiness: a signal that
 * arrives earlier then waits instead of killing the process. Fills
 * signals with the blocked set.
 */
void responder_block_signals(sigset_t *signals);

struct responder_config {
    const char *provider_path; /* reloaded on SIGHUP */
    const char *template_dir;
    int listen_fd;
    int threads;
};

/*
 * Serves FastCGI requests on config->listen_fd with config->threads
 * threads until SIGTERM or SIGINT, then lets every request in hand
 * finish. Takes ownership of svc, which must come from memory_malloc and
 * service_load. On SIGHUP it loads the provider file and templates again:
 * requests in hand finish with the configuration they started with, new
 * ones get the new one, and a configuration that fails to load is logged
 * and the old one kept. Returns 0 after a clean stop, or -1 with a message
 * logged when the threads could not start.
 */
int responder_run(const struct responder_config *config, struct service *svc);

#endif
