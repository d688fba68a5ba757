/*
 * util.h - the kit's small helpers, shared by every lab's programs.
 *
 * Each is written once here, the way a textbook's library is, so that a
 * lab's program shows its IPC and not the tenth copy of a read loop.
 * Where writing one is the lesson, the lab that teaches it keeps its own:
 * lab 01 writes the write loop, lab 02 the number check.  The lab that
 * first uses each helper is named beside it.
 */
#ifndef KIT_UTIL_H
#define KIT_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * read_full (lab 13): read len bytes into buf, retrying after EINTR and
 * short reads (a pipe, a FIFO or a socket gives what it has).  Returns the
 * bytes read: len, or fewer only at end of file; -1 on error, errno set
 * (EAGAIN from a non-blocking descriptor with nothing to read is an
 * error too).
 */
ssize_t read_full(int fd, void *buf, size_t len);

/*
 * write_full (lab 13): write all len bytes of buf, retrying after EINTR
 * and short writes.  Returns 0, or -1 with errno set (EPIPE: no reader,
 * once SIGPIPE is ignored).
 */
int write_full(int fd, const void *buf, size_t len);

/*
 * parse_long (lab 05): the whole of s as a decimal number from lo to hi:
 * true and *out set, or false for anything else (empty, a sign where lo
 * is not negative, spaces, trailing characters, out of range).
 */
_Bool parse_long(const char *s, long lo, long hi, long *out);

/*
 * arg_long (lab 05): parse_long for a command-line argument, or a usage
 * error: "prog: bad WHAT 'S': want a whole number from LO to HI", then the
 * usage line (args as die_usage takes them) and exit status 2.
 */
long arg_long(const char *what, const char *s, long lo, long hi,
              const char *usage);

#endif
