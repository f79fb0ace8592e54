/*
 * Log lines on stderr: one write(2) per line, so lines from several
 * threads never interleave. Control characters in a message are written
 * as \xNN, so a message that quotes file content is always one line.
 */
#ifndef MAILAUTOCONF_LOG_H
#define MAILAUTOCONF_LOG_H

#include <stddef.h>

#include "buffer.h"

/*
 * Enables debug lines when verbose is nonzero, and sends log_line and
 * log_debug lines to syslog (facility daemon) instead of stderr when
 * use_syslog is nonzero.
 */
void log_init(int verbose, int use_syslog);

/* Returns nonzero when debug lines are enabled. */
int log_verbose(void);

/*
 * Writes "mailautoconf: " and the formatted message, without a timestamp.
 * For command-line errors before serving starts.
 */
void log_plain(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Writes a UTC timestamp, "mailautoconf: " and the formatted message, or
 * sends the message to syslog.
 */
void log_line(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Returns "s" unless n is 1, for plural nouns in messages. */
static inline const char *
log_plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Like log_line, only when verbose. */
void log_debug(const char *format, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies text into out (out_size > 0 bytes, NUL-terminated, cut to fit
 * before a character or escape that does not fit), keeping well-formed
 * UTF-8 as it is. Each byte of these is written as \xNN instead: a C0 or
 * C1 control, DEL, a line or paragraph separator, a bidirectional
 * formatting character, the byte order mark, a sequence that is not
 * UTF-8. Returns the length written.
 */
size_t log_escape_controls(char *out, size_t out_size, const char *text);

/*
 * Appends value in single quotes, at most max bytes of it, with quotes,
 * backslashes and bytes outside printable ASCII written as \xNN, so that
 * client input can never forge a log line. Returns 0 or -1 like
 * buffer_append.
 */
int log_append_quoted(struct buffer *buf, const char *value, size_t max);

#endif
