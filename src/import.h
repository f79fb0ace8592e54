/*
 * Import of Thunderbird clientConfig documents, such as the files of
 * Thunderbird's ISP database, into the provider file format.
 */
#ifndef MAILAUTOCONF_IMPORT_H
#define MAILAUTOCONF_IMPORT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#define IMPORT_FILE_MAX (1024 * 1024)

/*
 * Converts len bytes of a clientConfig document into one new provider
 * object of the provider file; name stands for the file in messages. Each
 * element or attribute that is not imported, and each value changed on the
 * way, is written to warnings as "NAME:LINE: warning: ..." (one line
 * each). Returns the number of warnings and the provider in *out, which
 * the caller releases with json_decref. Returns -1 with one message in err
 * when the text is not well-formed XML, contains a DOCTYPE, is not a
 * clientConfig document or memory runs out.
 */
int import_parse(const char *name, const char *text, size_t len, FILE *warnings,
                 json_t **out, char *err, size_t err_size);

/*
 * Imports every file of paths (count of them) with import_parse into one
 * provider file object, {"providers": [...]} in the order of paths, and
 * checks that mailautoconf loads it. Returns the number of warnings and
 * the object in *out. Returns -1 with one message naming the file in err
 * when a file cannot be read or fails import_parse, or when its settings
 * do not load, such as a domain that another file lists too.
 */
int import_files(char *const *paths, size_t count, FILE *warnings, json_t **out,
                 char *err, size_t err_size);

#endif
