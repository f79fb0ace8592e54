#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes "PATH: cannot open: REASON" for the current errno to err. */
static void
fail_open(const char *path, char *err, size_t err_size)
{
    snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
}

/* Checks that fd is a regular file. Returns 0, or -1 with a message. */
static int
check_regular(int fd, const char *path, char *err, size_t err_size)
{
    struct stat st;

    if (fstat(fd, &st) == -1) {
        fail_open(path, err, err_size);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: is a directory", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s: not a regular file", path);
        return -1;
    }
    return 0;
}

FILE *
file_open_regular(const char *path, char *err, size_t err_size)
{
    FILE *file;
    int fd, flags;

    /*
     * O_NONBLOCK makes open return at once on a FIFO without a writer, and
     * O_NOCTTY keeps a terminal from becoming the controlling terminal.
     */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd == -1) {
        fail_open(path, err, err_size);
        return NULL;
    }
    if (check_regular(fd, path, err, err_size) == -1)
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
