/*
 * mqrecv.c - receive and print the messages of a POSIX message queue,
 * highest priority first.
 *
 * Usage: mqrecv [-a] [-n] [-t SECONDS] [-c COUNT]
 *
 * mqrecv opens this directory's queue, ipc_name(MQ_TAG) (mq.h), which its
 * companion mqsend has created, and prints each message it receives as
 * "PRIORITY TEXT" on stdout, in the order the queue gives them: highest
 * priority first, and the oldest first within one priority.  It stops at
 * the end marker (an empty message) with status 0, or after COUNT
 * messages (-c), and removes the queue:
 *
 *     $ printf '1 low\n7 high\n1 low again\n' | ./mqsend
 *     mqsend: created the queue (maxmsg 10, msgsize 8192)
 *     mqsend: sent 3 messages and the end marker
 *     $ ./mqrecv -a
 *     mqrecv: maxmsg 10, msgsize 8192, curmsgs 4
 *     7 high
 *     1 low
 *     1 low again
 *
 * -a prints the queue's attributes (mq_getattr) first, as above.  -t
 * SECONDS (1 to 3600) waits at most that long for each message:
 * "mqrecv: no message within S s", status 3.  -n (O_NONBLOCK) does not
 * wait at all: "mqrecv: queue empty", status 3.  No queue: "mqrecv: no
 * queue ...: start mqsend first", status 1.
 *
 * Cleanup: once it has opened the queue, mqrecv removes it on every way
 * out: the end marker, COUNT messages, -t and -n giving up, SIGINT and
 * SIGTERM ("mqrecv: SIGTERM: stopped, the queue is removed", status 1),
 * and every error (atexit).
 */
#include "err.h"
#include "ipcname.h"
#include "mq.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define USAGE "[-a] [-n] [-t SECONDS] [-c COUNT]"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The queue's name, and whether it is ours to remove. */
static char name[IPC_NAME_MAX];
static int owned;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: remove the queue once we have opened it, on every way out
 * through exit() (die() too).  Safe to call twice. */
static void remove_queue(void)
{
    /* TODO 1: as in mqsend: if owned, mq_unlink() the name (ENOENT: gone
     * already; anything else: warn_sys()), and clear owned. */
    (void)owned;
    /* END TODO 1 */
}

/* A number from 1 to max for option opt; a usage error otherwise. */
static long parse_number(int opt, const char *arg, long max)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || n < 1 || n > max) {
        warn_msg("bad -%c '%s': want a number from 1 to %ld", opt, arg, max);
        die_usage(USAGE);
    }
    return n;
}

/*
 * Receive one message into buf (size bytes, the queue's msgsize) and its
 * priority into *prio.  Wait until *deadline (an absolute CLOCK_REALTIME
 * time), or for ever when deadline is NULL.  Returns the message's length,
 * or -1 with errno EAGAIN (empty, O_NONBLOCK), ETIMEDOUT (the deadline
 * passed), EINTR (SIGINT or SIGTERM: stop_signal is set), or another
 * error of mq_timedreceive.
 */
static ssize_t receive(mqd_t q, char *buf, size_t size, unsigned *prio,
                       const struct timespec *deadline)
{
    /* TODO 3: loop: if stop_signal is set, set errno to EINTR and return
     * -1.  Sleep in mq_timedreceive(q, buf, size, prio, &until) for at
     * most one tick: until is mq_after(MQ_TICK_SECS), or *deadline when
     * that is earlier (mq_before()).  Return what it returns when it
     * worked.  ETIMEDOUT before *deadline (or with no deadline) and EINTR
     * mean go round; any other failure, ETIMEDOUT at *deadline included,
     * returns -1 with errno as mq_timedreceive left it. */
    (void)q;
    (void)buf;
    (void)size;
    (void)prio;
    (void)deadline;
    errno = ENOSYS;
    return -1;
    /* END TODO 3 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    int show_attr = 0, nonblock = 0, opt;
    long wait_secs = 0, count = 0;
    while ((opt = getopt(argc, argv, "ant:c:")) != -1) {
        switch (opt) {
        case 'a': show_attr = 1; break;
        case 'n': nonblock = 1; break;
        case 't': wait_secs = parse_number(opt, optarg, 3600); break;
        case 'c': count = parse_number(opt, optarg, 1000000); break;
        default: die_usage(USAGE);
        }
    }
    if (optind != argc)
        die_usage(USAGE);

    /* TODO 4: install on_stop for SIGINT and SIGTERM with sigaction(),
     * sa_flags 0 (no SA_RESTART: a waiting mq_timedreceive then returns
     * EINTR at once), before the queue is opened. */
    (void)on_stop;
    /* END TODO 4 */

    if (ipc_name(name, sizeof name, MQ_TAG) == -1)
        die("ipc_name %s", MQ_TAG);
    if (atexit(remove_queue) != 0)
        die_msg("atexit failed");

    mqd_t q = (mqd_t)-1;
    struct mq_attr attr;
    /* TODO 2: open the queue that exists: mq_open(name, O_RDONLY, plus
     * O_NONBLOCK with -n) (no O_CREAT: only mqsend creates it).  ENOENT:
     * die_msg() "no queue NAME: start mqsend first".  Other failures:
     * die().  Set owned at once when it worked.  Then read its
     * attributes into attr with mq_getattr(). */
    (void)nonblock;
    memset(&attr, 0, sizeof attr);
    die_msg("open the queue: not written yet (TODO 2)");
    /* END TODO 2 */

    if (show_attr) {
        printf("%s: maxmsg %ld, msgsize %ld, curmsgs %ld\n", err_prog(),
               (long)attr.mq_maxmsg, (long)attr.mq_msgsize,
               (long)attr.mq_curmsgs);
        if (fflush(stdout) == EOF)
            die("write stdout");
    }

    /* mq_receive refuses (EMSGSIZE) a buffer smaller than the queue's
     * msgsize, whatever the length of the message waiting. */
    size_t size = (size_t)attr.mq_msgsize;
    char *buf = malloc(size);
    if (buf == NULL)
        die("malloc %zu bytes", size);

    long received = 0;
    while (count == 0 || received < count) {
        struct timespec deadline;
        if (wait_secs > 0)
            deadline = mq_after(wait_secs);
        unsigned prio;
        ssize_t n = receive(q, buf, size, &prio,
                            wait_secs > 0 ? &deadline : NULL);
        if (n == -1 && errno == EAGAIN) {
            warn_msg("queue empty");
            exit(MQ_EXIT_AGAIN);
        }
        if (n == -1 && errno == ETIMEDOUT) {
            warn_msg("no message within %ld s", wait_secs);
            exit(MQ_EXIT_AGAIN);
        }
        if (n == -1 && errno == EINTR && stop_signal != 0)
            die_msg("%s: stopped, the queue is removed",
                    stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
        if (n == -1)
            die("mq_receive %s", name);
        if (n == MQ_END_LEN)
            break;
        received++;
        printf("%u ", prio);
        fwrite(buf, 1, (size_t)n, stdout);
        putchar('\n');
        if (fflush(stdout) == EOF)
            die("write stdout");
    }
    free(buf);
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    remove_queue();
    return EXIT_SUCCESS;
}
