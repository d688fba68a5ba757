/*
 * xfer.c - random transfers between the accounts of a ledger, under locks.
 *
 * Usage: xfer [-m record|unordered|file|none] [-t FROM,TO] [-s SEED]
 *             [-d USEC] [-S] FILE COUNT
 *
 * Makes COUNT transfers in FILE, a ledger made by `ledger init` (ledger.c,
 * its companion; ledger.h has the layout).  A transfer moves 1 to 10 units
 * (never more than the payer has) from one account to another: it reads
 * both records, changes both balances, and writes both records back.  Run
 * many xfers at once on one ledger and the total stays the same only if
 * no two of them update one account at the same time.  How they keep out
 * of each other's way is the mode (-m):
 *
 *   record     (the default) an fcntl write lock on each of the two
 *              records, the lower-numbered account first: no deadlock;
 *   unordered  the same locks, payer first, payee second: two transfers
 *              in opposite directions can deadlock.  The kernel sees the
 *              cycle and fails one lock request with EDEADLK; that xfer
 *              says so on stderr, lets go of the lock it holds, waits a
 *              random while (longer each time) and tries again;
 *   file       one flock() on the whole file per transfer (only one
 *              transfer at a time, whatever the accounts);
 *   none       no lock at all: what a program that ignores advisory
 *              locks does to everybody else's data.
 *
 * -t FROM,TO makes every transfer go from account FROM to account TO (1
 * unit each), instead of between random accounts; -s seeds the random
 * choice (default: from the pid); -d holds the locks USEC microseconds
 * between reading and writing the records (a wider window for a race or a
 * deadlock); -S stops the process (SIGSTOP) right after it takes its very
 * first record lock, so that a test or a person can look at it (lslocks,
 * /proc/locks) and then let it go on with SIGCONT.  At the end, one line:
 *
 *     $ ./xfer -m unordered bank 1000
 *     xfer: 1000 transfers, 2 EDEADLK back-offs
 *
 * Exit status: 0; 1 when a call fails; 2 on a usage error.
 *
 * Cleanup: none needed.  Every lock belongs to this process and the kernel
 * releases them all when it exits, even by SIGKILL; the ledger stays.
 * These are classic (process-associated) POSIX locks, because only those
 * get the kernel's deadlock detection: so this program must never close
 * any descriptor of the ledger while it holds a lock (that would drop all
 * of them; see holdrec.c).
 */
#include "err.h"
#include "ledger.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define USAGE                                                                  \
    "[-m record|unordered|file|none] [-t FROM,TO] [-s SEED] [-d USEC] [-S] "   \
    "FILE COUNT"

enum mode { MODE_RECORD, MODE_UNORDERED, MODE_FILE, MODE_NONE };

/* What the command line asked for. */
struct options {
    enum mode mode;
    long from, to;  /* -t: the fixed pair, or -1 */
    long seed;      /* -s, or -1: from the pid */
    long delay_us;  /* -d */
    int stop_first; /* -S */
    const char *path;
    long count;
};

static int stop_first;        /* -S, until the first lock is taken */
static long backoffs;         /* EDEADLKs seen (mode unordered) */
static unsigned short rng[3]; /* nrand48's state */

/*
 * Set (type F_WRLCK), or remove (F_UNLCK), this process's lock on the
 * record of account i in fd, waiting while another process holds a
 * conflicting lock.  Returns 0, or -1 with errno set: EDEADLK when waiting
 * would close a cycle of processes that wait for each other.
 */
static int set_lock(int fd, long i, short type)
{
    /* TODO 1: fill a struct flock for the bytes of account i (l_whence
     * SEEK_SET, l_start LEDGER_OFFSET(i), l_len sizeof(struct account):
     * that record and nothing else) and call fcntl(fd, F_SETLKW, &fl).
     * Retry when a signal interrupts the wait (EINTR); return what fcntl
     * returned, errno untouched. */
    (void)fd;
    (void)i;
    (void)type;
    return 0;
    /* END TODO 1 */
}

/* Write-lock account i; with -S, stop once after the first lock taken.
 * Returns 0, or -1 with errno set (as set_lock). */
static int lock_account(int fd, long i)
{
    if (set_lock(fd, i, F_WRLCK) == -1)
        return -1;
    if (stop_first) {
        stop_first = 0;
        if (raise(SIGSTOP) != 0)
            die("raise SIGSTOP");
    }
    return 0;
}

static void unlock_account(int fd, long i)
{
    if (set_lock(fd, i, F_UNLCK) == -1)
        die("unlock account %ld", i);
}

/* Sleep us microseconds (under a second), the rest again after EINTR. */
static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
    while (nanosleep(&ts, &ts) == -1)
        if (errno != EINTR)
            die("nanosleep");
}

/* Sleep a random while, up to 2^tries ms (at most 64 ms). */
static void back_off(long tries)
{
    long cap_ms = 1L << (tries < 6 ? tries : 6);
    sleep_us(nrand48(rng) % (cap_ms * 1000) + 1);
}

/*
 * Mode record: lock accounts a and b (a != b), the lower-numbered one
 * first, with lock_account().  Any failure: die().
 */
static void lock_ordered(int fd, long a, long b)
{
    /* TODO 2: lock min(a, b), then max(a, b), each with lock_account()
     * (which stops after the first lock under -S: call it, not set_lock).
     * Every process takes locks in the same global order, so no cycle
     * can form: a failure here, EDEADLK included, is an error (die). */
    (void)fd;
    (void)a;
    (void)b;
    (void)lock_account; /* you will need it */
    /* END TODO 2 */
}

/*
 * Mode unordered: lock account a, then account b, in that order, and
 * live with the deadlocks that order allows.  Any failure but EDEADLK on
 * the second lock: die().
 */
static void lock_unordered(int fd, long a, long b)
{
    /* TODO 3: loop: lock a (lock_account), then b.  If b's lock fails
     * with EDEADLK, the kernel found a cycle and refused to wait: say so
     * with warn_sys("lock account <b> while holding <a>, backing off"),
     * count it in backoffs, unlock a (the lock the others wait for:
     * keeping it would only deadlock again), back_off(tries) with a try
     * count that grows, and go round.  Any other failure: die. */
    (void)fd;
    (void)a;
    (void)b;
    (void)back_off;
    /* END TODO 3 */
}

/* Read account i of fd into *acct; die on failure or a short record. */
static void read_account(int fd, long i, struct account *acct)
{
    ssize_t n = pread(fd, acct, sizeof *acct, LEDGER_OFFSET(i));
    if (n == -1)
        die("read account %ld", i);
    if ((size_t)n != sizeof *acct)
        die_msg("read account %ld: the ledger is cut short", i);
}

static void write_account(int fd, long i, const struct account *acct)
{
    ssize_t n = pwrite(fd, acct, sizeof *acct, LEDGER_OFFSET(i));
    if (n == -1)
        die("write account %ld", i);
    if ((size_t)n != sizeof *acct)
        die_msg("write account %ld: short write", i);
}

/*
 * Move up to amount from account `from` to account `to` (never more than
 * from's balance): read both records, change them, wait o->delay_us,
 * write both back.  Before: the locks o->mode asks for; after: release
 * them.  Any failure: die().
 */
static void transfer(int fd, const struct options *o, long from, long to,
                     long amount)
{
    /* TODO 4: take the locks: mode record lock_ordered(), unordered
     * lock_unordered(), file flock(fd, LOCK_EX) (retry on EINTR; die on
     * another failure), none nothing.  Then read_account() both, move
     * min(amount, from's balance), add 1 to each record's updates, sleep
     * o->delay_us with sleep_us(), write_account() both, and release
     * what you took (unlock_account() each, or flock(LOCK_UN)). */
    (void)fd;
    (void)o;
    (void)from;
    (void)to;
    (void)amount;
    (void)lock_ordered;
    (void)lock_unordered;
    (void)unlock_account;
    (void)read_account;
    (void)write_account;
    (void)sleep_us;
    /* END TODO 4 */
}

/* -t FROM,TO: two account numbers, or a usage error. */
static void parse_pair(const char *s, struct options *o)
{
    char buf[64];
    const char *comma = strchr(s, ',');
    if (comma == NULL || (size_t)(comma - s) >= sizeof buf) {
        warn_msg("bad -t '%s': want FROM,TO", s);
        die_usage(USAGE);
    }
    memcpy(buf, s, (size_t)(comma - s));
    buf[comma - s] = '\0';
    o->from = arg_long("FROM", buf, 0, LEDGER_MAX_ACCOUNTS - 1, USAGE);
    o->to = arg_long("TO", comma + 1, 0, LEDGER_MAX_ACCOUNTS - 1, USAGE);
    if (o->from == o->to) {
        warn_msg("bad -t '%s': FROM and TO must differ", s);
        die_usage(USAGE);
    }
}

static enum mode parse_mode(const char *s)
{
    static const char *const names[] = {"record", "unordered", "file", "none"};
    for (int m = 0; m < 4; m++)
        if (strcmp(s, names[m]) == 0)
            return (enum mode)m;
    warn_msg("bad mode '%s': want record, unordered, file or none", s);
    die_usage(USAGE);
}

static void parse_args(int argc, char *argv[], struct options *o)
{
    *o =
        (struct options){.mode = MODE_RECORD, .from = -1, .to = -1, .seed = -1};
    int c;
    while ((c = getopt(argc, argv, "m:t:s:d:S")) != -1) {
        if (c == 'm')
            o->mode = parse_mode(optarg);
        else if (c == 't')
            parse_pair(optarg, o);
        else if (c == 's')
            o->seed = arg_long("SEED", optarg, 0, 0x7fffffffL, USAGE);
        else if (c == 'd')
            o->delay_us = arg_long("USEC", optarg, 0, 999999, USAGE);
        else if (c == 'S')
            o->stop_first = 1;
        else
            die_usage(USAGE);
    }
    if (argc - optind != 2)
        die_usage(USAGE);
    o->path = argv[optind];
    o->count = arg_long("COUNT", argv[optind + 1], 0, 100000000, USAGE);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    struct options o;
    parse_args(argc, argv, &o);
    stop_first = o.stop_first;
    long seed = o.seed >= 0 ? o.seed : (long)getpid();
    rng[0] = 0x330e;
    rng[1] = (unsigned short)seed;
    rng[2] = (unsigned short)(seed >> 16);

    int fd = open(o.path, O_RDWR);
    if (fd == -1)
        die("open %s", o.path);
    struct ledger_head head;
    ssize_t n = pread(fd, &head, sizeof head, 0);
    if (n == -1)
        die("read %s", o.path);
    if ((size_t)n != sizeof head ||
        memcmp(head.magic, LEDGER_MAGIC, LEDGER_MAGIC_LEN) != 0 ||
        head.naccounts < 2 || head.naccounts > LEDGER_MAX_ACCOUNTS)
        die_msg("%s is not a ledger (no %s head)", o.path, LEDGER_MAGIC);
    if (o.from >= head.naccounts || o.to >= head.naccounts)
        die_msg("-t %ld,%ld: %s has accounts 0 to %lld", o.from, o.to, o.path,
                (long long)head.naccounts - 1);

    for (long k = 0; k < o.count; k++) {
        if (o.from >= 0) {
            transfer(fd, &o, o.from, o.to, 1);
            continue;
        }
        long a = nrand48(rng) % head.naccounts;
        long b = (a + 1 + nrand48(rng) % (head.naccounts - 1)) % head.naccounts;
        transfer(fd, &o, a, b, 1 + nrand48(rng) % 10);
    }
    if (close(fd) == -1)
        die("close %s", o.path);
    printf("%s: %ld transfers, %ld EDEADLK back-offs\n", err_prog(), o.count,
           backoffs);
    return EXIT_SUCCESS;
}
