/*
 * mqsend.c - send lines of text, each at its own priority, through a POSIX
 * message queue.
 *
 * Usage: mqsend [-n] [-E] [-m MAXMSG] [-s MSGSIZE] < LINES
 *
 * mqsend creates this directory's queue, ipc_name(MQ_TAG) (mq.h), with
 * O_CREAT | O_EXCL, room for MAXMSG messages (default 10) of at most
 * MSGSIZE bytes each (default 8192), and says so on stdout.  Then it reads
 * its standard input, one "PRIORITY TEXT" line at a time (PRIORITY from 0
 * to 31, one space, at least one byte of TEXT), and sends each TEXT with
 * mq_send at that PRIORITY.  It ends with the end marker, an empty message
 * at priority 0 (not with -E), and leaves the queue to the receiver,
 * mqrecv, its companion, which may run at the same time or later:
 *
 *     $ printf '1 low\n7 high\n' | ./mqsend -m 4
 *     mqsend: created the queue (maxmsg 4, msgsize 8192)
 *     mqsend: sent 2 messages and the end marker
 *     $ ./mqrecv
 *     7 high
 *     1 low
 *
 * A full queue makes mqsend wait for the receiver; with -n (O_NONBLOCK) it
 * gives up instead: "mqsend: queue full: N messages", status 3.  MAXMSG and
 * MSGSIZE above the system's limits (/proc/sys/fs/mqueue/msg_max and
 * msgsize_max) are refused before anything is made, status 1, and so are a
 * TEXT longer than MSGSIZE, a malformed line, and a queue that exists
 * already (a killed run left it: the message says how to remove it).
 *
 * Cleanup: mqsend owns the queue until its last send.  On every way out
 * before that (errors, a full queue, SIGINT, SIGTERM) it removes the queue
 * (atexit).  After the last send it leaves the queue for mqrecv, which
 * removes it.
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

#define USAGE "[-n] [-E] [-m MAXMSG] [-s MSGSIZE] < LINES"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The queue's name, and whether it is ours to remove. */
static char name[IPC_NAME_MAX];
static int owned;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: remove the queue while it is ours, on every way out through
 * exit() (die() too).  Safe to call twice. */
static void remove_queue(void)
{
    /* TODO 1: if the queue is ours (owned), remove its name with
     * mq_unlink() and clear owned.  ENOENT means it is gone already;
     * report any other failure with warn_sys() (never die(): this runs
     * inside exit()). */
    /* END TODO 1 */
}

/* A number from 1 to 100000000 for option opt; a usage error otherwise. */
static long parse_size(int opt, const char *arg)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || n < 1 || n > 100000000) {
        warn_msg("bad -%c '%s': want a number from 1 up", opt, arg);
        die_usage(USAGE);
    }
    return n;
}

/* The number in the one-line file path, or -1 when it cannot be read
 * (not Linux, or no /proc). */
static long read_limit(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long n = -1;
    if (fscanf(f, "%ld", &n) != 1)
        n = -1;
    fclose(f);
    return n;
}

/* Refuse MAXMSG and MSGSIZE above the system's limits, before mq_open. */
static void check_limits(long maxmsg, long msgsize)
{
    /* TODO 2: read the limits with read_limit(MQ_MSG_MAX_FILE) and
     * read_limit(MQ_MSGSIZE_MAX_FILE).  When one is known (not -1) and
     * maxmsg (or msgsize) is above it, die_msg() naming the option, the
     * value, the limit and its file, e.g. "-m 11: more than msg_max, 10
     * (/proc/sys/fs/mqueue/msg_max)".  Check before mq_open(): root may
     * exceed these limits (CAP_SYS_RESOURCE), and mq_open() would then
     * succeed where anyone else gets EINVAL. */
    (void)maxmsg;
    (void)msgsize;
    (void)read_limit;
    /* END TODO 2 */
}

/* Create the queue with O_CREAT | O_EXCL; on return it is ours. */
static mqd_t create_queue(long maxmsg, long msgsize, int nonblock)
{
    mqd_t q = (mqd_t)-1;
    /* TODO 3: fill a struct mq_attr (mq_maxmsg, mq_msgsize; mq_flags
     * and mq_curmsgs are ignored) and create the queue: mq_open(name,
     * O_WRONLY | O_CREAT | O_EXCL, plus O_NONBLOCK when nonblock, MQ_MODE,
     * &attr).  Set owned at once when it worked.  EEXIST: die_msg() that
     * the queue exists already, that another run uses this directory or
     * a killed one left it, and how to remove it: "./mqrecv -n, or rm
     * /dev/mqueue" followed by the name.  Any other failure: die(),
     * naming the queue, maxmsg and msgsize. */
    (void)maxmsg;
    (void)msgsize;
    (void)nonblock;
    die_msg("create_queue: not written yet (TODO 3)");
    /* END TODO 3 */
    return q;
}

/* Send len bytes of text at priority prio.  Input line lineno, for
 * messages; maxmsg for "queue full". */
static void send_one(mqd_t q, const char *text, size_t len, unsigned prio,
                     unsigned long lineno, long maxmsg)
{
    /* TODO 4: loop: if stop_signal is set, die_msg() "SIGINT: stopped,
     * the queue is removed" (or SIGTERM).  Otherwise send with
     * mq_timedsend(q, text, len, prio, &deadline), the deadline the
     * absolute time MQ_TICK_SECS from now (mq_after()), and return when
     * it worked.  ETIMEDOUT (the queue stayed full for a tick) and EINTR
     * (a signal): go round.  EAGAIN (full, with -n): warn_msg("queue
     * full: %ld messages") and exit(MQ_EXIT_AGAIN).  EMSGSIZE: die_msg()
     * that line lineno's text of len bytes is longer than the queue's
     * msgsize and was not sent.  Anything else: die(). */
    (void)q;
    (void)text;
    (void)len;
    (void)prio;
    (void)lineno;
    (void)maxmsg;
    die_msg("send_one: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* Split "PRIORITY TEXT" (len bytes, no newline): the priority into *prio,
 * where the text starts into *text.  0 when the line is malformed. */
static int parse_line(char *line, size_t len, unsigned *prio, char **text)
{
    size_t i = 0;
    unsigned long p = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9' && p <= MQ_PRIO_TOP)
        p = p * 10 + (unsigned long)(line[i++] - '0');
    if (i == 0 || i >= len - 1 || line[i] != ' ' || p > MQ_PRIO_TOP)
        return 0;
    *prio = (unsigned)p;
    *text = line + i + 1;
    return 1;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    long maxmsg = MQ_MAXMSG_DEFAULT, msgsize = MQ_MSGSIZE_DEFAULT;
    int nonblock = 0, end_marker = 1, opt;
    while ((opt = getopt(argc, argv, "nEm:s:")) != -1) {
        switch (opt) {
        case 'n': nonblock = 1; break;
        case 'E': end_marker = 0; break;
        case 'm': maxmsg = parse_size(opt, optarg); break;
        case 's': msgsize = parse_size(opt, optarg); break;
        default: die_usage(USAGE);
        }
    }
    if (optind != argc)
        die_usage(USAGE);

    /* SIGINT and SIGTERM set a flag, without SA_RESTART, before the queue
     * exists: no signal can end us between making it and removing it. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    check_limits(maxmsg, msgsize);
    if (ipc_name(name, sizeof name, MQ_TAG) == -1)
        die("ipc_name %s", MQ_TAG);
    if (atexit(remove_queue) != 0)
        die_msg("atexit failed");
    mqd_t q = create_queue(maxmsg, msgsize, nonblock);
    printf("%s: created the queue (maxmsg %ld, msgsize %ld)\n", err_prog(),
           maxmsg, msgsize);
    if (fflush(stdout) == EOF)
        die("write stdout");

    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while ((got = getline(&line, &cap, stdin)) != -1) {
        lineno++;
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        unsigned prio;
        char *text;
        if (!parse_line(line, len, &prio, &text))
            die_msg("line %lu: want PRIORITY TEXT (PRIORITY 0 to %d, one "
                    "space, at least one byte of TEXT)",
                    lineno, MQ_PRIO_TOP);
        send_one(q, text, len - (size_t)(text - line), prio, lineno, maxmsg);
    }
    if (ferror(stdin))
        die("read stdin");
    free(line);
    if (end_marker)
        send_one(q, "", MQ_END_LEN, MQ_END_PRIO, lineno + 1, maxmsg);

    /* Every message is in: the queue is the receiver's now. */
    owned = 0;
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    printf("%s: sent %lu message%s%s\n", err_prog(), lineno,
           lineno == 1 ? "" : "s",
           end_marker ? " and the end marker" : "");
    return EXIT_SUCCESS;
}
