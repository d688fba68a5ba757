/*
 * holdrec.c - hold a write lock on one account of a ledger until told to
 * let go, to look at it (lslocks, /proc/locks) and to see the trap of
 * classic POSIX locks.
 *
 * Usage: holdrec [-o] [-c] FILE ACCOUNT
 *
 * Write-locks the record of ACCOUNT in FILE (a ledger made by `ledger
 * init`, see ledger.h), waiting while someone else holds it, and says so:
 *
 *     $ ./holdrec bank 2 &
 *     holdrec: holding account 2 of bank (POSIX lock, bytes 96-127)
 *     $ ./xfer -t 2,3 bank 1           # waits for account 2 ...
 *     $ kill %1                        # ... until holdrec lets go
 *     holdrec: SIGTERM: released account 2
 *     xfer: 1 transfers, 0 EDEADLK back-offs
 *
 * By default the lock is a classic POSIX record lock (F_SETLKW), owned by
 * the process.  With -o it is an open file description lock
 * (F_OFD_SETLKW), owned by the open file description that open() made.
 * With -c, after taking the lock, holdrec opens FILE a second time and
 * closes that new descriptor at once, as a library function that peeks at
 * a file might do behind a program's back.  Closing ANY descriptor of a
 * file releases ALL the process's classic locks on that file: so with -c
 * alone the line above is a lie, and lslocks shows no lock.  An OFD lock
 * goes only with the last descriptor of its own open file description,
 * so -o -c still holds it.
 *
 * holdrec lets go and exits 0 on SIGINT or SIGTERM; SIGKILL works too:
 * the kernel releases a dead process's locks.
 *
 * Exit status: 0; 1 when a call fails; 2 on a usage error.
 *
 * Cleanup: none: the locks die with the process (or with the descriptor),
 * and the ledger is not ours to remove.
 */
/* F_OFD_SETLKW is Linux's (since 3.15; POSIX.1-2024 took it in later):
 * glibc declares it only under _GNU_SOURCE. */
#define _GNU_SOURCE
#include "err.h"
#include "ledger.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USAGE "[-o] [-c] FILE ACCOUNT"

/*
 * Write-lock the bytes of account i in fd, waiting while another owner
 * holds a conflicting lock: an OFD lock when ofd, else a classic POSIX
 * lock.  Returns 0, or -1 with errno set.
 */
static int lock_record(int fd, long i, int ofd)
{
    /* TODO 1: fill a struct flock (zero it first: an OFD lock requires
     * l_pid == 0) with F_WRLCK, SEEK_SET, LEDGER_OFFSET(i) and
     * sizeof(struct account), and call fcntl with F_OFD_SETLKW when ofd,
     * F_SETLKW otherwise.  Retry on EINTR. */
    (void)fd;
    (void)i;
    (void)ofd;
    return 0;
    /* END TODO 1 */
}

/*
 * The trap (-c): open path a second time, read-only, and close that new
 * descriptor, leaving the first one (and its open file description)
 * alone.  Any failure: die().
 */
static void open_and_close_again(const char *path)
{
    /* TODO 2: open(path, O_RDONLY), then close() that descriptor; check
     * both.  Nothing else: the point is what close() does to the locks
     * taken through the OTHER descriptor. */
    (void)path;
    /* END TODO 2 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    int ofd = 0, again = 0, c;
    while ((c = getopt(argc, argv, "oc")) != -1) {
        if (c == 'o')
            ofd = 1;
        else if (c == 'c')
            again = 1;
        else
            die_usage(USAGE);
    }
    if (argc - optind != 2)
        die_usage(USAGE);
    const char *path = argv[optind];
    long i = arg_long("ACCOUNT", argv[optind + 1], 0, LEDGER_MAX_ACCOUNTS - 1,
                      USAGE);

    /* Block the stop signals before taking the lock, and take them with
     * sigwait(): no handler, no race between the lock and the wait. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stops, NULL) == -1)
        die("sigprocmask");

    int fd = open(path, O_RDWR);
    if (fd == -1)
        die("open %s", path);
    if (lock_record(fd, i, ofd) == -1)
        die("lock account %ld of %s", i, path);
    if (again)
        open_and_close_again(path);
    printf("%s: holding account %ld of %s (%s lock, bytes %lld-%lld)\n",
           err_prog(), i, path, ofd ? "OFD" : "POSIX",
           (long long)LEDGER_OFFSET(i), (long long)(LEDGER_OFFSET(i + 1) - 1));
    fflush(stdout);

    int sig;
    int e = sigwait(&stops, &sig);
    if (e != 0)
        die_errno(e, "sigwait");
    /* Closing the descriptor releases the lock, of either kind. */
    if (close(fd) == -1)
        die("close %s", path);
    printf("%s: %s: released account %ld\n", err_prog(),
           sig == SIGINT ? "SIGINT" : "SIGTERM", i);
    return EXIT_SUCCESS;
}
