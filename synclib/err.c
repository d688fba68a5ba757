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

/* The errno values a program of the kit may meet, by symbol.  (Where two
 * symbols share a value on Linux, EAGAIN/EWOULDBLOCK and
 * ENOTSUP/EOPNOTSUPP, the first is the one the man pages use.) */
#define E(sym)                                                                 \
    {                                                                          \
        sym, #sym                                                              \
    }
static const struct {
    int num;
    const char *name;
} names[] = {
    E(EPERM),           E(ENOENT),        E(ESRCH),
    E(EINTR),           E(EIO),           E(ENXIO),
    E(E2BIG),           E(ENOEXEC),       E(EBADF),
    E(ECHILD),          E(EAGAIN),        E(ENOMEM),
    E(EACCES),          E(EFAULT),        E(EBUSY),
    E(EEXIST),          E(EXDEV),         E(ENODEV),
    E(ENOTDIR),         E(EISDIR),        E(EINVAL),
    E(ENFILE),          E(EMFILE),        E(ENOTTY),
    E(ETXTBSY),         E(EFBIG),         E(ENOSPC),
    E(ESPIPE),          E(EROFS),         E(EMLINK),
    E(EPIPE),           E(EDOM),          E(ERANGE),
    E(EDEADLK),         E(ENAMETOOLONG),  E(ENOLCK),
    E(ENOSYS),          E(ENOTEMPTY),     E(ELOOP),
    E(ENOMSG),          E(EIDRM),         E(ETIMEDOUT),
    E(EOVERFLOW),       E(EMSGSIZE),      E(ENOTSOCK),
    E(EDESTADDRREQ),    E(EPROTOTYPE),    E(ENOTSUP),
    E(EADDRINUSE),      E(EADDRNOTAVAIL), E(ECONNABORTED),
    E(ECONNRESET),      E(ENOBUFS),       E(EISCONN),
    E(ENOTCONN),        E(ECONNREFUSED),  E(EALREADY),
    E(EINPROGRESS),     E(ECANCELED),     E(EOWNERDEAD),
    E(ENOTRECOVERABLE), E(EPROTO),        E(EBADMSG),
    E(EDQUOT),
};
#undef E

const char *err_name(int errnum)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].num == errnum)
            return names[i].name;
    return NULL;
}

/* Format "prog: <fmt...>[: ESYMBOL: strerror(errnum)]\n" and write it to
 * stderr. */
__attribute__((format(printf, 2, 0))) static void
report(int errnum, const char *fmt, va_list ap)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s: ", prog);
    if (n < 0 || (size_t)n >= sizeof buf)
        n = 0;
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    if (m > 0)
        n = (size_t)(n + m) < sizeof buf ? n + m : (int)sizeof buf - 1;
    if (errnum != 0) {
        const char *name = err_name(errnum);
        n += snprintf(buf + n, sizeof buf - (size_t)n, ": %s%s%s",
                      name != NULL ? name : "", name != NULL ? ": " : "",
                      strerror(errnum));
    }
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

void die_errno(int errnum, const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    report(errnum, fmt, ap);
    va_end(ap);
    exit(EXIT_FAIL);
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

void warn_errno(int errnum, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(errnum, fmt, ap);
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
