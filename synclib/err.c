/*
 * err.c - the kit's error helpers; see err.h for the message format.
 *
 * Each message is formatted into one buffer and written with a single
 * write(2), so that lines from a parent and a child never interleave
 * halfway through.
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "ipckit";

void err_setprog(const char *argv0)
{
    if (argv0 == NULL || *argv0 == '\0')
        return;
    const char *slash = strrchr(argv0, '/');
    prog = slash != NULL ? slash + 1 : argv0;
}

const char *err_prog(void)
{
    return prog;
}

/* Format "prog: <fmt...>[: strerror(errnum)]\n" and write it to stderr. */
__attribute__((format(printf, 2, 0)))
static void report(int errnum, const char *fmt, va_list ap)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s: ", prog);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = 0;
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    if (m > 0)
        n = (size_t)(n + m) < sizeof buf ? n + m : (int)sizeof buf - 1;
    if (errnum != 0)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ": %s",
                      strerror(errnum));
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';

    /* Retry on EINTR and short writes; there is nowhere to report failure. */
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, (size_t)n);
        if (w == -1 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        p += w;
        n -= (int)w;
    }
}

void die(const char *fmt, ...)
{
    int saved = errno;
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    report(saved, fmt, ap);
    va_end(ap);
    exit(EXIT_FAIL);
}

void die_child(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(saved, fmt, ap);
    va_end(ap);
    _exit(EXIT_FAIL);
}

void die_msg(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    report(0, fmt, ap);
    va_end(ap);
    exit(EXIT_FAIL);
}

void warn_sys(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(saved, fmt, ap);
    va_end(ap);
    errno = saved;
}

void warn_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(0, fmt, ap);
    va_end(ap);
}

void die_usage(const char *args)
{
    fflush(stdout);
    fprintf(stderr, "usage: %s %s\n", prog, args);
    exit(EXIT_USAGE);
}
