#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of a path that a message shows, so that the reason still fits. */
#define PATH_SHOWN 512

/* Writes "PATH: PROBLEM" to err, with a long path cut. */
static void
fail_path(const char *path, const char *problem, char *err, size_t err_size)
{
    snprintf(err, err_size, "%.*s%s: %s", PATH_SHOWN, path,
             strlen(path) > PATH_SHOWN ? "..." : "", problem);
}

/* Writes "PATH: cannot open: REASON" for the current errno to err. */
static void
fail_open(const char *path, char *err, size_t err_size)
{
    char problem[256];

    snprintf(problem, sizeof(problem), "cannot open: %s", strerror(errno));
    fail_path(path, problem, err, err_size);
}

/* Checks that st describes a regular file. Returns 0, or -1 with a message. */
static int
check_regular(const struct stat *st, const char *path, char *err,
              size_t err_size)
{
    if (S_ISDIR(st->st_mode)) {
        fail_path(path, "is a directory", err, err_size);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        fail_path(path, "not a regular file", err, err_size);
        return -1;
    }
    return 0;
}

FILE *
file_open_regular(const char *path, char *err, size_t err_size)
{
    struct stat st;
    FILE *file;
    int fd, flags;

    /* A device is never opened, as opening some, such as a watchdog, acts. */
    if (stat(path, &st) == -1) {
        fail_open(path, err, err_size);
        return NULL;
    }
    if (check_regular(&st, path, err, err_size) == -1)
        return NULL;
    /*
     * The path may name another file by now, so the descriptor is checked
     * again. O_NONBLOCK makes open return at once on a FIFO without a
     * writer, and O_NOCTTY keeps a terminal from becoming the controlling
     * terminal.
     */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd == -1) {
        fail_open(path, err, err_size);
        return NULL;
    }
    if (fstat(fd, &st) == -1) {
        fail_open(path, err, err_size);
        goto fail;
    }
    if (check_regular(&st, path, err, err_size) == -1)
        goto fail;

    flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
        fail_open(path, err, err_size);
        goto fail;
    }
    file = fdopen(fd, "rb");
    if (file == NULL) {
        fail_open(path, err, err_size);
        goto fail;
    }
    return file;

fail:
    close(fd);
    return NULL;
}
