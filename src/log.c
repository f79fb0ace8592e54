#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

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

static void log_write(int timestamp, const char *format, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_write(int timestamp, const char *format, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t len = 0;
    int n;

    if (timestamp && syslog_enabled) {
        vsnprintf(line, sizeof(line), format, ap);
        syslog(LOG_INFO, "%s", line);
        return;
    }

    if (timestamp) {
        struct timespec now;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    }
    n = snprintf(line + len, sizeof(line) - len, "mailautoconf: ");
    len += (size_t)n;

    n = vsnprintf(line + len, sizeof(line) - len - 1, format, ap);
    if (n < 0)
        n = 0;
    len += (size_t)n;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
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
    static const char hex[] = "0123456789abcdef";
    size_t i;

    if (buffer_append(buf, "'", 1) == -1)
        return -1;
    for (i = 0; value[i] != '\0'; i++) {
        unsigned char c = (unsigned char)value[i];
        char escaped[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};

        if (i == max)
            return buffer_append(buf, "...'", 4);
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
            if (buffer_append(buf, value + i, 1) == -1)
                return -1;
        } else if (buffer_append(buf, escaped, 4) == -1) {
            return -1;
        }
    }
    return buffer_append(buf, "'", 1);
}
