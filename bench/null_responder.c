/*
 * The fastest FastCGI application possible with libfcgi: it answers every
 * request with the same bytes, read once from a file, without looking at
 * the request. The benchmark compares mailautoconf against it.
 *
 * usage: null_responder ANSWER_FILE CONTENT_TYPE THREADS [BUSY_US]
 * The listening socket is standard input, as spawn-fcgi passes it. With
 * BUSY_US, each request spins that many microseconds before the response
 * is written, to simulate the work of a real application.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <fcgiapp.h>

#define THREADS_MAX 64

static char *answer;
static long answer_len;
static const char *content_type;
static long busy_us;

/* Spins, without touching memory, until busy_us microseconds have passed. */
static void
spin(void)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000000L +
                 (now.tv_nsec - start.tv_nsec) / 1000 <
             busy_us);
}

static void *
serve(void *arg)
{
    FCGX_Request request;
    char drain[4096];

    (void)arg;
    FCGX_InitRequest(&request, 0, 0);
    while (FCGX_Accept_r(&request) >= 0) {
        /* Read the body as a real responder must before answering. */
        while (FCGX_GetStr(drain, sizeof(drain), request.in) > 0)
            continue;
        if (busy_us > 0)
            spin();
        FCGX_FPrintF(request.out,
                     "Status: 200 OK\r\nContent-Type: %s\r\n"
                     "Content-Length: %ld\r\n\r\n",
                     content_type, answer_len);
        FCGX_PutStr(answer, (int)answer_len, request.out);
        FCGX_Finish_r(&request);
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    pthread_t threads[THREADS_MAX];
    FILE *file;
    int count, i;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: null_responder ANSWER_FILE CONTENT_TYPE "
                        "THREADS [BUSY_US]\n");
        return 1;
    }
    file = fopen(argv[1], "rb");
    if (file == NULL) {
        perror(argv[1]);
        return 1;
    }
    fseek(file, 0, SEEK_END);
    answer_len = ftell(file);
    rewind(file);
    answer = malloc((size_t)answer_len + 1);
    if (answer == NULL ||
        fread(answer, 1, (size_t)answer_len, file) != (size_t)answer_len) {
        fprintf(stderr, "null_responder: cannot read '%s'\n", argv[1]);
        return 1;
    }
    fclose(file);
    content_type = argv[2];
    count = atoi(argv[3]);
    if (count < 1 || count > THREADS_MAX) {
        fprintf(stderr, "null_responder: THREADS must be 1 to %d\n",
                THREADS_MAX);
        return 1;
    }
    if (argc == 5) {
        char *end;

        busy_us = strtol(argv[4], &end, 10);
        if (end == argv[4] || *end != '\0' || busy_us < 0 ||
            busy_us > 1000000) {
            fprintf(stderr,
                    "null_responder: invalid BUSY_US '%s': expected a "
                    "number of microseconds from 0 to 1000000\n",
                    argv[4]);
            return 1;
        }
    }

    FCGX_Init();
    for (i = 0; i < count; i++)
        pthread_create(&threads[i], NULL, serve, NULL);
    for (i = 0; i < count; i++)
        pthread_join(threads[i], NULL);
    return 0;
}
