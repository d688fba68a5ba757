/*
 * mqrecv.c - the receiver: prints the messages of a POSIX message queue,
 * highest priority first.
 *
 * Usage: mqrecv [-a] [-n] [-t SECONDS] [-c COUNT]
 *
 * mqrecv opens this directory's queue, ipc_name(MQ_TAG) (mq.h), which the
 * sender, mqsend, has made, and prints each message as "PRIORITY TEXT" on
 * stdout, in the order the queue gives them: highest priority first, the
 * oldest first within one priority.  It stops at the end marker (an empty
 * message), or after COUNT messages (-c), with status 0, and removes the
 * queue:
 *
 *     $ printf '1 low\n7 high\n1 low again\n' | ./mqsend
 *     mqsend: created the queue (maxmsg 10, msgsize 8192)
 *     mqsend: sent 3 messages and the end marker
 *     $ ./mqrecv -a
 *     mqrecv: maxmsg 10, msgsize 8192, curmsgs 4, blocking
 *     7 high
 *     1 low
 *     1 low again
 *
 * -a first prints the queue's attributes (mq_getattr), as above.  An empty
 * queue makes mqrecv wait; -t SECONDS (1 to 3600) waits at most that long
 * for each message ("mqrecv: no message within S s"), and -n (O_NONBLOCK)
 * does not wait at all ("mqrecv: queue empty").  No queue: "mqrecv: no
 * queue ...: start mqsend first".  These, a sender that removed the queue
 * while we wait, SIGINT and SIGTERM: a message on stderr, status 1.
 *
 * Cleanup: mqrecv never creates the queue.  Once it has opened it, it
 * removes it on every way out (an atexit handler).  mq.h has the whole
 * policy.
 */
#include "err.h"
#include "ipcname.h"
#include "mq.h"
#include "util.h"

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

/* -c COUNT: the most allowed. */
#define COUNT_MAX 100000000L

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The queue's name; owned is 1 once we opened it (ours to remove). */
static char name[IPC_NAME_MAX];
static int owned;

/* The receive buffer: the queue's msgsize bytes. */
static char *buf;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static const char *signame(int sig)
{
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

/* atexit: on every way out through exit() (die() too), remove the queue
 * once we have opened it.  Safe to call twice. */
static void remove_queue(void)
{
    /* TODO 1: as in mqsend: if owned, mq_unlink() the name (ENOENT: the
     * sender removed it already; any other failure: warn_sys()), and
     * clear owned.  Free buf too (free(NULL) does nothing). */
    (void)owned; /* you will need them */
    (void)buf;
    /* END TODO 1 */
}

/* The command line. */
struct options {
    int show_attr;  /* -a */
    int nonblock;   /* -n */
    long wait_secs; /* -t SECONDS, or 0: wait for as long as it takes */
    long count;     /* -c COUNT, or 0: until the end marker */
};

/* The options, or the usage line (status 2) on misuse. */
static struct options parse_args(int argc, char *argv[])
{
    struct options o = {0, 0, 0, 0};
    int opt;
    while ((opt = getopt(argc, argv, "ant:c:")) != -1) {
        switch (opt) {
        case 'a':
            o.show_attr = 1;
            break;
        case 'n':
            o.nonblock = 1;
            break;
        case 't':
            o.wait_secs = arg_long("-t", optarg, 1, MQ_WAIT_MAX, USAGE);
            break;
        case 'c':
            o.count = arg_long("-c", optarg, 1, COUNT_MAX, USAGE);
            break;
        default:
            die_usage(USAGE);
        }
    }
    if (optind != argc)
        die_usage(USAGE);
    return o;
}

/* SIGINT and SIGTERM set stop_signal, and the atexit cleanup, before the
 * queue is opened.  sa_flags 0 (no SA_RESTART): mq_timedreceive returns
 * EINTR. */
static void catch_stops(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
    if (atexit(remove_queue) != 0)
        die_msg("atexit failed");
}

/*
 * Open the queue mqsend made (never create it), for reading; with
 * nonblock, O_NONBLOCK.  On return it is ours (owned), *attr holds its
 * attributes and buf has room for its longest message.  No queue: "no
 * queue NAME: start mqsend first (in this directory)", status 1.  Dies on
 * any other failure.
 */
static mqd_t open_queue(int nonblock, struct mq_attr *attr)
{
    mqd_t q = (mqd_t)-1;
    /* TODO 2: open the queue that is there: mq_open(name, O_RDONLY, plus
     * O_NONBLOCK with nonblock), no O_CREAT (only mqsend creates it).
     * ENOENT: die_msg() "no queue NAME: start mqsend first (in this
     * directory)".  Any other failure: die().  Set owned at once when it
     * worked.  Read its attributes into *attr with mq_getattr(), and
     * malloc() buf with attr->mq_msgsize bytes: mq_receive refuses
     * (EMSGSIZE) any smaller buffer, however short the message waiting. */
    (void)nonblock;
    (void)attr;
    die_msg("open_queue: not written yet (TODO 2)");
    /* END TODO 2 */
    return q;
}

/* -a: the queue's attributes, as mq_getattr() gave them. */
static void show_attributes(const struct mq_attr *attr)
{
    printf("%s: maxmsg %ld, msgsize %ld, curmsgs %ld, %s\n", err_prog(),
           (long)attr->mq_maxmsg, (long)attr->mq_msgsize,
           (long)attr->mq_curmsgs,
           (attr->mq_flags & O_NONBLOCK) ? "nonblocking" : "blocking");
    if (fflush(stdout) == EOF)
        die("write standard output");
}

/*
 * Receive one message into buf (size bytes) and its priority into *prio.
 * Wait until *deadline (an absolute CLOCK_REALTIME time), or for as long
 * as it takes when deadline is NULL.  Returns the message's length, or -1
 * with errno: EAGAIN (the queue is empty, O_NONBLOCK), ETIMEDOUT (no
 * message by *deadline), EINTR (SIGINT or SIGTERM: stop_signal is set),
 * EIDRM (the sender removed the queue), or what mq_timedreceive said.
 */
static ssize_t receive(mqd_t q, size_t size, unsigned *prio,
                       const struct timespec *deadline)
{
    /* TODO 3: loop.  If stop_signal is set: errno = EINTR, return -1.
     * Sleep in mq_timedreceive(q, buf, size, prio, &until) for at most a
     * tick: until is the absolute time MQ_TICK_MS from now
     * (mq_deadline()), or *deadline when that is earlier (mq_before()).
     * A message: return its length.  EINTR: go round (the flag says
     * why).  ETIMEDOUT when until was *deadline: return -1, the time is
     * up.  ETIMEDOUT after a mere tick: if the name is gone (mq_gone()
     * is 1), errno = EIDRM and return -1; else go round.  Any other
     * failure: return -1 as it is. */
    (void)q;
    (void)size;
    (void)prio;
    (void)deadline;
    errno = ENOSYS;
    return -1;
    /* END TODO 3 */
}

/*
 * Receive one message from q (into buf, size bytes), waiting at most
 * wait_secs seconds (0: as long as it takes), and print it as "PRIORITY
 * TEXT".  Returns 1 when a message was printed, 0 at the end marker.  Every
 * failure ends the program with the message the specification gives
 * (status 1).
 */
static int receive_one(mqd_t q, size_t size, long wait_secs)
{
    /* TODO 4: with -t, the deadline is the absolute time wait_secs from
     * now (mq_deadline()), new for every message.  receive() it; on -1, by
     * errno: EAGAIN die_msg("queue empty"); ETIMEDOUT die_msg("no message
     * within %ld s"); EINTR die_msg("SIGINT: stopped, the queue is
     * removed") (or SIGTERM); EIDRM die_msg() that the queue was removed
     * before the end marker came (mqsend gave up?); anything else die().
     * A message of length 0 is the end marker: return 0.  Otherwise print
     * the priority, a space, the message's bytes (all of them: fwrite, NUL
     * bytes too) and a newline, and fflush() stdout (die() when it fails),
     * so that each line is out when it is received; return 1. */
    (void)receive; /* you will need them */
    (void)signame;
    (void)q;
    (void)size;
    (void)wait_secs;
    die_msg("receive_one: not written yet (TODO 4)");
    /* END TODO 4 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    struct options o = parse_args(argc, argv);
    if (ipc_name(name, sizeof name, MQ_TAG) == -1)
        die("ipc_name %s", MQ_TAG);
    catch_stops();

    struct mq_attr attr;
    mqd_t q = open_queue(o.nonblock, &attr);
    size_t size = (size_t)attr.mq_msgsize;
    if (o.show_attr)
        show_attributes(&attr);

    long received = 0;
    while (o.count == 0 || received < o.count) {
        if (!receive_one(q, size, o.wait_secs))
            break; /* the end marker */
        received++;
    }

    if (mq_close(q) == -1)
        die("mq_close %s", name);
    remove_queue();
    return EXIT_SUCCESS;
}
