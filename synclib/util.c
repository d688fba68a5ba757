/*
 * util.c - the kit's small helpers; see util.h.
 */
#include "util.h"

#include "err.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

ssize_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

bool parse_long(const char *s, long lo, long hi, long *out)
{
    /* strtol alone takes leading spaces and a sign: refuse what a user
     * would not mean as a plain number. */
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '+' ||
        (*s == '-' && lo >= 0))
        return false;
    char *end;
    int saved = errno;
    errno = 0;
    long n = strtol(s, &end, 10);
    bool ok = errno == 0 && *end == '\0' && n >= lo && n <= hi;
    errno = saved;
    if (ok)
        *out = n;
    return ok;
}

long arg_long(const char *what, const char *s, long lo, long hi,
              const char *usage)
{
    long n;
    if (!parse_long(s, lo, hi, &n)) {
        warn_msg("bad %s '%s': want a whole number from %ld to %ld", what, s,
                 lo, hi);
        die_usage(usage);
    }
    return n;
}
