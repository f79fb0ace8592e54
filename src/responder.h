/* The FastCGI responder: listening socket, worker threads and signals. */
#ifndef MAILAUTOCONF_RESPONDER_H
#define MAILAUTOCONF_RESPONDER_H

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
 * Returns 0 when standard input is a listening socket, as spawn-fcgi and
 * socket activation hand it over, or -1.
 */
int responder_check_stdin(void);

/*
 * Serves FastCGI requests on listen_fd with the given number of threads
 * until SIGTERM or SIGINT, then lets every request in hand finish.
 * Returns 0 after a clean stop, or -1 with a message logged when the
 * threads could not start.
 */
int responder_run(const struct service *svc, int listen_fd, int threads);

#endif
