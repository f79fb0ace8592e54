/*
 * Opening the files an admin names: the provider file, templates, ISPDB
 * files and the profile signing certificate, key and chain.
 */
#ifndef MAILAUTOCONF_FILE_H
#define MAILAUTOCONF_FILE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Opens the regular file at path for reading. A FIFO, a directory or a
 * device is rejected before it is opened, and a FIFO swapped in after that
 * check is opened without blocking and then rejected, so that a wrong path
 * cannot hang check or a reload. Returns a stream the caller closes with
 * fclose, or NULL with one of these messages in err, the path cut after
 * 512 bytes: "PATH: cannot open: REASON", "PATH: is a directory" or
 * "PATH: not a regular file".
 */
FILE *file_open_regular(const char *path, char *err, size_t err_size);

#endif
