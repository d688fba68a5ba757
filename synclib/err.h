/*
 * err.h - the kit's one error idiom.
 *
 * Every program of the kit reports a failed call the same way:
 *
 *     msgq1: msgget key 0x51020304: EACCES: Permission denied
 *
 * that is: the program name, what was being done (the call and the object it
 * was done to), and errno: its symbol (what the man pages list under
 * ERRORS, and what a program compares with) and its text; then it exits
 * with status 1.
 * A misused command line exits with status 2 after a "usage:" line.
 *
 * Call err_setprog(argv[0]) first thing in main() so messages carry the
 * program's name.
 */
#ifndef KIT_ERR_H
#define KIT_ERR_H

#include <stdnoreturn.h>

/* Exit statuses shared by every program of the kit. */
enum {
    EXIT_FAIL = 1, /* a call failed or the other side misbehaved */
    EXIT_USAGE = 2 /* the command line was wrong */
};

/* Remember the program name (the last component of argv0) for messages. */
void err_setprog(const char *argv0);

/* The name set by err_setprog(), or "ipckit" before it is called. */
const char *err_prog(void);

/* err_name (every lab, through die): "ENXIO" for ENXIO: errnum's symbol, or
 * NULL for one the kit does not know (the message then has the text alone). */
const char *err_name(int errnum);

/*
 * die: print "prog: <what>: <ESYMBOL>: <strerror(errno)>" and exit(EXIT_FAIL).
 * Flushes stdout first, so that what the program printed so far is not lost
 * or reordered after the message.
 */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * die_child: the same, for a child of fork() that has not exec'd.  It calls
 * _exit(EXIT_FAIL) and does not flush stdio: the child holds a copy of the
 * parent's unflushed buffers, and flushing them would print them twice.
 */
noreturn void die_child(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* die_errno (lab 08): die with errnum instead of errno, for the calls that
 * return their error number (pthread_*, posix_madvise, posix_spawn). */
noreturn void die_errno(int errnum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* die_msg: print "prog: <what>" (no errno) and exit(EXIT_FAIL). */
noreturn void die_msg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* warn_sys: print "prog: <what>: <ESYMBOL>: <strerror(errno)>" and
 * return, errno unchanged. */
void warn_sys(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* warn_errno (lab 12): warn_sys with errnum instead of errno. */
void warn_errno(int errnum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* warn_msg: print "prog: <what>" and return. */
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* die_usage: print "usage: prog <args>" and exit(EXIT_USAGE). */
noreturn void die_usage(const char *args);

#endif
