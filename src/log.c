#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

#define LOG_LINE_MAX 2048
#define PREFIX "mailautoconf: "

static int verbose_enabled;
static int syslog_enabled;

void
log_init(int verbose, int use_syslog)
{
    verbose_enabled = verbose;
    syslog_enabled = use_syslog;
    if (use_syslog)
        openlog("mailautoconf", LOG_PID, LOG_DAEMON);
}

int
log_verbose(void)
{
    return verbose_enabled;
}

/* Writes byte as \xNN into out, which has room for four bytes. */
static void
escape_byte(unsigned char byte, char *out)
{
    static const char hex[] = "0123456789abcdef";

    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[byte >> 4];
    out[3] = hex[byte & 15];
}

/*
 * Returns nonzero for a character that could forge or hide text in a
 * terminal or log viewer: a C0 or C1 control, DEL, a line or paragraph
 * separator, a bidirectional formatting character (Unicode's Bidi_Control
 * property), or the byte order mark U+FEFF, which shows as nothing.
 */
static int
may_hide_text(unsigned long code)
{
    return code < 0x20 || (code >= 0x7f && code < 0xa0) || code == 0x061c ||
           code == 0x200e || code == 0x200f ||
           (code >= 0x2028 && code <= 0x202e) ||
           (code >= 0x2066 && code <= 0x2069) || code == 0xfeff;
}

/*
 * Returns the length of the character at text when a log line may show it
 * as it is: well-formed UTF-8 that is not may_hide_text. Returns 0 for a byte
 * to write as \xNN. Backslashes stay, as request log lines come here with
 * their escapes already written.
 */
static size_t
verbatim_length(const unsigned char *text)
{
    unsigned long code;
    size_t len;

    if (text[0] < 0x80)
        return may_hide_text(text[0]) ? 0 : 1;
    /* A NUL ends the text and cuts a sequence short. */
    len = utf8_decode(text, 4, &code);
    return len == 0 || may_hide_text(code) ? 0 : len;
}

size_t
log_escape_controls(char *out, size_t out_size, const char *text)
{
    const unsigned char *next = (const unsigned char *)text;
    size_t len = 0;

    while (*next != '\0') {
        size_t verbatim = verbatim_length(next);
        size_t need = verbatim != 0 ? verbatim : 4;

        if (len + need >= out_size)
            break;
        if (verbatim != 0)
            memcpy(out + len, next, verbatim);
        else
            escape_byte(*next, out + len);
        len += need;
        next += verbatim != 0 ? verbatim : 1;
    }
    out[len] = '\0';
    return len;
}

/*
 * Writes the current time as "2026-12-04T20:15:00Z " into out and returns
 * its length, or 0 when it does not fit. Each thread formats a time once
 * a second and copies it the other times.
 */
static size_t
format_time(char *out, size_t out_size)
{
    static _Thread_local time_t formatted_second = -1;
    static _Thread_local char text[32];
    static _Thread_local size_t text_len;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec != formatted_second) {
        struct tm tm;

        gmtime_r(&now.tv_sec, &tm);
        text_len = strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ ", &tm);
        formatted_second = now.tv_sec;
    }
    if (text_len >= out_size)
        return 0;
    memcpy(out, text, text_len);
    return text_len;
}

static void log_write(int timestamp, const char *format, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_write(int timestamp, const char *format, va_list ap)
{
    char message[LOG_LINE_MAX], line[LOG_LINE_MAX];
    size_t len = 0;

    if (vsnprintf(message, sizeof(message), format, ap) < 0)
        message[0] = '\0';
    if (timestamp && syslog_enabled) {
        log_escape_controls(line, sizeof(line), message);
        syslog(LOG_INFO, "%s", line);
        return;
    }

    if (timestamp)
        len = format_time(line, sizeof(line));
    memcpy(line + len, PREFIX, sizeof(PREFIX) - 1);
    len += sizeof(PREFIX) - 1;
    /* One byte stays free for the newline. */
    len += log_escape_controls(line + len, sizeof(line) - len - 1, message);
    line[len++] = '\n';

    /* A failed log write has nowhere to be reported. */
    if (write(STDERR_FILENO, line, len) < 0)
        return;
}

void
log_plain(const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    log_write(0, format, ap);
    va_end(ap);
}

void
log_line(const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    log_write(1, format, ap);
    va_end(ap);
}

void
log_debug(const char *format, ...)
{
    va_list ap;

    if (!verbose_enabled)
        return;
    va_start(ap, format);
    log_write(1, format, ap);
    va_end(ap);
}

int
log_append_quoted(struct buffer *buf, const char *value, size_t max)
{
    size_t i;

    if (buffer_append(buf, "'", 1) == -1)
        return -1;
    for (i = 0; value[i] != '\0'; i++) {
        unsigned char c = (unsigned char)value[i];
        char escaped[4];

        if (i == max)
            return buffer_append(buf, "...'", 4);
        if (c < 0x80 && !may_hide_text(c) && c != '\'' && c != '\\') {
            if (buffer_append(buf, value + i, 1) == -1)
                return -1;
            continue;
        }
        escape_byte(c, escaped);
        if (buffer_append(buf, escaped, 4) == -1)
            return -1;
    }
    return buffer_append(buf, "'", 1);
}
