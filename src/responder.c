#include "responder.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "autodiscover.h"
#include "check.h"
#include "http.h"
#include "log.h"
#include "memory.h"

#define LISTEN_BACKLOG 1024
/*
 * Kept connections per worker thread. nginx keeps up to its keepalive
 * count idle per worker and opens more under load, and Apache keeps one
 * per busy thread, so 4 threads take over a thousand before one closes.
 */
#define WORKER_CONNECTIONS 256
#define DRAIN_MAX (1024 * 1024)
/*
 * Seconds one read or write of a request may wait. nginx and Apache send
 * a whole request at once (they buffer bodies), so only a broken or
 * hostile peer on the socket ever waits this long.
 */
#define CONNECTION_TIMEOUT_S 3
#define DRAIN_SECONDS 2 /* serving what is queued at a stop */

/* A loaded configuration and the number of its users. */
struct generation {
    struct service *svc;
    atomic_int users; /* requests using it, plus one while current */
};

struct responder {
    const struct responder_config *config;
    pthread_mutex_t lock; /* guards current */
    struct generation *current;
    int stop_pipe[2]; /* readable once stopping begins */
    atomic_int stopping;
};

static int
listen_unix(const char *path, char *err, size_t err_size)
{
    struct sockaddr_un addr;
    struct stat st;
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        snprintf(err, err_size, "'%s': socket path too long", path);
        return -1;
    }
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, err_size, "'%s' exists and is not a socket", path);
            return -1;
        }
        unlink(path);
    }

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd == -1 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
        listen(fd, LISTEN_BACKLOG) == -1) {
        snprintf(err, err_size, "cannot listen on '%s': %s", path,
                 strerror(errno));
        if (fd != -1)
            close(fd);
        return -1;
    }
    return fd;
}

static int
listen_tcp(const char *address, char *err, size_t err_size)
{
    char host[256];
    const char *given = address, *port, *end;
    struct addrinfo hints, *list = NULL;
    size_t digits;
    int fd = -1, one = 1, rc, number;

    if (address[0] == '[') {
        end = strchr(address, ']');
        port = end != NULL && end[1] == ':' ? end + 2 : NULL;
        address++;
    } else {
        end = strrchr(address, ':');
        port = end != NULL ? end + 1 : NULL;
    }
    if (port == NULL || port[0] == '\0' ||
        (size_t)(end - address) >= sizeof(host)) {
        snprintf(err, err_size, "'%s' is neither a socket path nor HOST:PORT",
                 given);
        return -1;
    }
    memcpy(host, address, (size_t)(end - address));
    host[end - address] = '\0';
    /* getaddrinfo takes 99999 as 34463, the port modulo 65536. */
    digits = strspn(port, "0123456789");
    number = port[digits] == '\0' && digits <= 5 ? atoi(port) : 0;
    if (number < 1 || number > 65535) {
        snprintf(err, err_size,
                 "'%s': the port must be a number from 1 to 65535", given);
        return -1;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(host[0] == '\0' ? NULL : host, port, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve '%s': %s", host,
                 gai_strerror(rc));
        return -1;
    }
    fd = socket(list->ai_family, list->ai_socktype, list->ai_protocol);
    if (fd == -1 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
        bind(fd, list->ai_addr, list->ai_addrlen) == -1 ||
        listen(fd, LISTEN_BACKLOG) == -1) {
        snprintf(err, err_size, "cannot listen on '%s:%s': %s", host, port,
                 strerror(errno));
        if (fd != -1)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    return fd;
}

int
responder_listen(const char *address, char *err, size_t err_size)
{
    if (strchr(address, '/') != NULL)
        return listen_unix(address, err, err_size);
    return listen_tcp(address, err, err_size);
}

int
responder_check_socket(int fd)
{
    int listening = 0;
    socklen_t len = sizeof(listening);

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 ||
        !listening)
        return -1;
    return 0;
}

static long
read_fcgi_body(void *handle, char *bytes, size_t size)
{
    FCGX_Stream *in = handle;
    int n = FCGX_GetStr(bytes, (int)size, in);

    return FCGX_GetError(in) != 0 ? -1 : n;
}

static const char *
request_target(char **env)
{
    const char *target = FCGX_GetParam("REQUEST_URI", env);

    if (target == NULL)
        target = FCGX_GetParam("DOCUMENT_URI", env);
    if (target == NULL)
        target = FCGX_GetParam("SCRIPT_NAME", env);
    return target;
}

static long
elapsed_us(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000000L +
           (now.tv_nsec - start->tv_nsec) / 1000;
}

/*
 * Reads what is left of the request body, so that a kept connection
 * starts the next request at a record boundary: Apache with enablereuse
 * sends the closing empty stdin record after the answer. Past
 * DRAIN_MAX bytes the connection is closed instead.
 */
static void
drain_input(FCGX_Request *fcgi)
{
    char bytes[4096];
    size_t total = 0;
    int n;

    do {
        n = FCGX_GetStr(bytes, sizeof(bytes), fcgi->in);
        total += n > 0 ? (size_t)n : 0;
    } while (n > 0 && total <= DRAIN_MAX);
    if (n > 0 || FCGX_GetError(fcgi->in) != 0)
        fcgi->keepConnection = 0;
}

/* Handles one FastCGI request and logs it. */
static void
serve_request(const struct service *svc, FCGX_Request *fcgi,
              struct autodiscover_parser *parser, struct buffer *body,
              struct buffer *line)
{
    struct http_request req;
    struct timespec start;

    clock_gettime(CLOCK_MONOTONIC, &start);
    memset(&req, 0, sizeof(req));
    req.method = FCGX_GetParam("REQUEST_METHOD", fcgi->envp);
    req.target = request_target(fcgi->envp);
    req.query = FCGX_GetParam("QUERY_STRING", fcgi->envp);
    req.host = FCGX_GetParam("HTTP_HOST", fcgi->envp);
    req.content_length = FCGX_GetParam("CONTENT_LENGTH", fcgi->envp);
    req.read_body = read_fcgi_body;
    req.body_handle = fcgi->in;
    req.parser = parser;
    req.body = body;

    http_handle(svc, &req);

    FCGX_FPrintF(fcgi->out,
                 "Status: %d %s\r\n"
                 "Content-Type: %s\r\n"
                 "Content-Length: %lu\r\n"
                 "X-Content-Type-Options: nosniff\r\n"
                 "%s\r\n",
                 req.status, http_reason(req.status), req.content_type,
                 (unsigned long)body->len, req.headers);
    if (strcmp(req.method != NULL ? req.method : "", "HEAD") != 0)
        FCGX_PutStr(body->data != NULL ? body->data : "", (int)body->len,
                    fcgi->out);
    drain_input(fcgi);

    buffer_clear(line);
    if (http_log_fields(&req, line) == 0 &&
        buffer_printf(line, " duration_us=%ld", elapsed_us(&start)) == 0)
        log_line("%s", line->data);
    else
        log_line("status=%d error='log line too long'", req.status);
}

static struct generation *
generation_hold(struct responder *responder)
{
    struct generation *generation;

    pthread_mutex_lock(&responder->lock);
    generation = responder->current;
    atomic_fetch_add(&generation->users, 1);
    pthread_mutex_unlock(&responder->lock);
    return generation;
}

static void
generation_drop(struct generation *generation)
{
    if (atomic_fetch_sub(&generation->users, 1) != 1)
        return;
    service_release(generation->svc);
    memory_free(generation->svc);
    memory_free(generation);
}

static struct generation *
generation_new(struct service *svc)
{
    struct generation *generation = memory_malloc(sizeof(*generation));

    if (generation == NULL)
        return NULL;
    generation->svc = svc;
    atomic_init(&generation->users, 1);
    return generation;
}

/* Loads the configuration again and makes it current when it loads. */
static void
reload(struct responder *responder)
{
    const struct responder_config *config = responder->config;
    struct generation *generation, *old;
    struct service *svc;
    char err[1024];
    size_t providers, domains;

    svc = memory_malloc(sizeof(*svc));
    if (svc == NULL) {
        log_line("reload failed: out of memory; keeping the current "
                 "configuration");
        return;
    }
    if (service_load(svc, config->provider_path, config->template_dir, err,
                     sizeof(err)) == -1) {
        memory_free(svc);
        log_line("reload failed: %s; keeping the current configuration", err);
        return;
    }
    generation = generation_new(svc);
    if (generation == NULL) {
        service_release(svc);
        memory_free(svc);
        log_line("reload failed: out of memory; keeping the current "
                 "configuration");
        return;
    }

    pthread_mutex_lock(&responder->lock);
    old = responder->current;
    responder->current = generation;
    pthread_mutex_unlock(&responder->lock);
    generation_drop(old);
    providers = provider_count(svc->providers, &domains);
    log_line("reloaded '%s': %zu provider%s with %zu domain%s",
             config->provider_path, providers, log_plural(providers), domains,
             log_plural(domains));
    if (check_signing_dates(svc->providers, svc->signer, time(NULL), err,
                            sizeof(err)) == -1)
        log_line("%s: warning: %s", config->provider_path, err);
}

/*
 * The connections one worker thread watches. With fastcgi_keep_conn,
 * nginx keeps idle connections open and sends the next request over any
 * of them, so a thread that waited on one connection only would leave
 * requests on the others queued behind it.
 */
struct worker {
    FCGX_Request slots[WORKER_CONNECTIONS];
    unsigned long last_used[WORKER_CONNECTIONS]; /* request count stamps */
    unsigned long requests;
    struct pollfd fds[WORKER_CONNECTIONS + 2];
    int slot_of[WORKER_CONNECTIONS + 2]; /* the slot of each polled fd */
    struct autodiscover_parser *parser;  /* NULL if memory ran out */
    struct buffer body;
    struct buffer line;
};

/*
 * Closes a connection at once. libfcgi's own close waits up to 2 seconds
 * for the peer to close first, which Apache never does for the idle
 * connections of its pool, so a stop or a full thread would stall.
 */
static void
connection_close(FCGX_Request *fcgi)
{
    int fd = fcgi->ipcFd;

    FCGX_Free(fcgi, 0);
    if (fd >= 0)
        close(fd);
    fcgi->ipcFd = -1;
}

/*
 * Ends a request like FCGX_Finish_r: flushes the response, sends the end
 * records, and keeps the connection unless the peer requested a close or
 * a stream failed. Then it closes without libfcgi's wait.
 */
static void
request_finish(FCGX_Request *fcgi)
{
    int close_after = !fcgi->keepConnection;

    if (fcgi->in != NULL) {
        close_after |= FCGX_FClose(fcgi->err);
        close_after |= FCGX_FClose(fcgi->out);
        close_after |= FCGX_GetError(fcgi->in);
    }
    if (close_after)
        connection_close(fcgi);
    else
        FCGX_Free(fcgi, 0);
}

/* Returns 1 if the peer sent bytes on fd that are not read yet, else 0. */
static int
has_pending_input(int fd)
{
    char byte;

    return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

/*
 * Returns a slot for a new connection: a free one, or else the one whose
 * kept connection has been idle longest, for the caller to close, or -1
 * when every connection has input waiting. A full set of slots would
 * leave new connections waiting, and nginx notices a closed idle
 * connection and opens another. nginx reuses its most recently used
 * connection first, so the one idle longest is the least likely to carry
 * a request at that moment.
 */
static int
worker_pick_slot(struct worker *worker)
{
    int i, oldest = -1;

    for (i = 0; i < WORKER_CONNECTIONS; i++) {
        if (worker->slots[i].ipcFd < 0)
            return i;
    }
    for (i = 0; i < WORKER_CONNECTIONS; i++) {
        if (has_pending_input(worker->slots[i].ipcFd))
            continue;
        if (oldest == -1 || worker->last_used[i] < worker->last_used[oldest])
            oldest = i;
    }
    return oldest;
}

/*
 * Fills the poll set: the stop pipe (unless draining), every kept
 * connection, and the listening socket. Returns the number of entries.
 */
static int
worker_poll_set(struct worker *worker, const struct responder *responder,
                int draining)
{
    int count = 0, i;

    if (!draining) {
        worker->fds[count].fd = responder->stop_pipe[0];
        worker->fds[count].events = POLLIN;
        worker->slot_of[count++] = -1;
    }
    for (i = 0; i < WORKER_CONNECTIONS; i++) {
        if (worker->slots[i].ipcFd >= 0) {
            worker->fds[count].fd = worker->slots[i].ipcFd;
            worker->fds[count].events = POLLIN;
            worker->slot_of[count++] = i;
        }
    }
    worker->fds[count].fd = responder->config->listen_fd;
    worker->fds[count].events = POLLIN;
    worker->slot_of[count++] = -2;
    return count;
}

/*
 * Accepts a connection into a slot with read and write timeouts, so that
 * a peer that stops sending in the middle of a request cannot hold the
 * thread. FCGX_Accept_r then reads the request from the open connection
 * instead of accepting one itself. Returns the slot, or -1 when no slot
 * can be freed or another thread took the connection.
 */
static int
worker_accept(struct worker *worker, int listen_fd)
{
    struct timeval timeout = {CONNECTION_TIMEOUT_S, 0};
    int fd, slot;

    /*
     * Without a slot the connection waits in the backlog. The connections
     * with input are ready in this poll round too, so the next round has
     * an idle one to close.
     */
    slot = worker_pick_slot(worker);
    if (slot == -1)
        return -1;
    /*
     * XXX: accepting here bypasses libfcgi's FCGI_WEB_SERVER_ADDRS check;
     * restrict who may connect with the socket's permissions instead.
     */
    fd = accept(listen_fd, NULL, NULL);
    if (fd == -1)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) ==
            -1 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) ==
            -1) {
        log_line("setsockopt failed: %s; connection closed", strerror(errno));
        close(fd);
        return -1;
    }
    connection_close(&worker->slots[slot]);
    worker->slots[slot].ipcFd = fd;
    /* Otherwise FCGX_Accept_r closes the connection it did not open. */
    worker->slots[slot].keepConnection = 1;
    return slot;
}

/* Serves one request on a ready slot. */
static void
worker_serve(struct worker *worker, struct responder *responder, int slot)
{
    FCGX_Request *fcgi = &worker->slots[slot];
    struct generation *generation;

    /* A kept connection that nginx closed fails here. */
    if (FCGX_Accept_r(fcgi) < 0)
        return;
    generation = generation_hold(responder);
    serve_request(generation->svc, fcgi, worker->parser, &worker->body,
                  &worker->line);
    request_finish(fcgi);
    generation_drop(generation);
    worker->last_used[slot] = ++worker->requests;
}

/*
 * Polls once and serves what is ready. Returns 1 when something was
 * served, 0 when nothing was ready, -1 when the stop pipe fired or poll
 * failed.
 */
static int
worker_round(struct worker *worker, struct responder *responder, int draining)
{
    int count, i, slot, served = 0;

    count = worker_poll_set(worker, responder, draining);
    if (poll(worker->fds, (nfds_t)count, draining ? 0 : -1) == -1) {
        if (errno == EINTR)
            return 0;
        log_line("poll failed: %s; worker thread stops", strerror(errno));
        return -1;
    }
    for (i = 0; i < count; i++) {
        if (worker->fds[i].revents == 0)
            continue;
        slot = worker->slot_of[i];
        if (slot == -1)
            return -1;
        if (slot == -2)
            slot = worker_accept(worker, responder->config->listen_fd);
        if (slot >= 0) {
            worker_serve(worker, responder, slot);
            served = 1;
        }
    }
    return served;
}

static void *
worker_main(void *arg)
{
    struct responder *responder = arg;
    struct worker *worker;
    struct timespec start, now;
    int i;

    worker = memory_malloc(sizeof(*worker));
    if (worker == NULL) {
        log_line("out of memory; worker thread stops");
        return NULL;
    }
    memset(worker, 0, sizeof(*worker));
    for (i = 0; i < WORKER_CONNECTIONS; i++)
        FCGX_InitRequest(&worker->slots[i], responder->config->listen_fd, 0);
    /* Without a kept parser each POST builds its own. */
    worker->parser = autodiscover_parser_new();
    buffer_init(&worker->body, HTTP_ANSWER_MAX);
    buffer_init(&worker->line, 4096);

    while (!atomic_load(&responder->stopping)) {
        if (worker_round(worker, responder, 0) == -1)
            break;
    }

    /*
     * Serve what nginx already sent, on kept connections and in the
     * backlog, before closing: it would otherwise answer 502 for them.
     */
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < DRAIN_SECONDS &&
             worker_round(worker, responder, 1) == 1);

    for (i = 0; i < WORKER_CONNECTIONS; i++)
        connection_close(&worker->slots[i]);
    autodiscover_parser_free(worker->parser);
    buffer_release(&worker->body);
    buffer_release(&worker->line);
    memory_free(worker);
    return NULL;
}

/* Blocks until SIGTERM or SIGINT, reloading on each SIGHUP. */
static int
wait_for_stop(struct responder *responder, const sigset_t *signals)
{
    int sig;

    for (;;) {
        if (sigwait(signals, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            return sig;
        reload(responder);
    }
}

void
responder_block_signals(sigset_t *signals)
{
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(signals);
    sigaddset(signals, SIGTERM);
    sigaddset(signals, SIGINT);
    sigaddset(signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, signals, NULL);
}

static int
start(struct responder *responder, pthread_t *workers, int threads)
{
    int listen_fd = responder->config->listen_fd, flags, i, started = 0;

    /*
     * Workers poll the socket and the stop pipe, then accept without
     * blocking, so that a stop never waits on a thread stuck in accept.
     */
    flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        log_line("cannot prepare the listening socket: %s", strerror(errno));
        return 0;
    }
    if (FCGX_Init() != 0) {
        log_line("FCGX_Init failed");
        return 0;
    }
    for (i = 0; i < threads; i++) {
        int rc = pthread_create(&workers[i], NULL, worker_main, responder);

        if (rc != 0) {
            log_line("cannot start worker thread %d: %s", i + 1, strerror(rc));
            break;
        }
        started++;
    }
    return started;
}

int
responder_run(const struct responder_config *config, struct service *svc)
{
    struct responder responder;
    pthread_t workers[RESPONDER_THREADS_MAX];
    sigset_t signals;
    int i, started, sig;

    responder.config = config;
    atomic_init(&responder.stopping, 0);
    responder.current = generation_new(svc);
    if (responder.current == NULL) {
        service_release(svc);
        memory_free(svc);
        log_line("cannot start: out of memory");
        return -1;
    }
    if (pipe(responder.stop_pipe) == -1) {
        log_line("cannot create the stop pipe: %s", strerror(errno));
        generation_drop(responder.current);
        return -1;
    }
    pthread_mutex_init(&responder.lock, NULL);

    responder_block_signals(&signals);

    started = start(&responder, workers, config->threads);
    if (started > 0) {
        sig = wait_for_stop(&responder, &signals);
        log_line("stopping on %s after the requests in hand",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
    }
    atomic_store(&responder.stopping, 1);
    if (write(responder.stop_pipe[1], "x", 1) != 1)
        log_line("cannot wake worker threads: %s", strerror(errno));
    for (i = 0; i < started; i++)
        pthread_join(workers[i], NULL);

    close(responder.stop_pipe[0]);
    close(responder.stop_pipe[1]);
    generation_drop(responder.current);
    pthread_mutex_destroy(&responder.lock);
    if (started == 0)
        return -1;
    log_line("stopped");
    return 0;
}
