/*
 * mqsend.c - the sender: sends lines of text through a POSIX message
 * queue, each at its own priority.
 *
 * Usage: mqsend [-n] [-E] [-m MAXMSG] [-s MSGSIZE] [FILE]
 *
 * mqsend creates this directory's queue, ipc_name(MQ_TAG) (mq.h), with
 * O_CREAT | O_EXCL, room for MAXMSG messages (default 10) of at most
 * MSGSIZE bytes each (default 8192), and says so on stdout.  Then it reads
 * FILE (standard input without FILE), one "PRIORITY TEXT" line at a time
 * (PRIORITY 0 to 31, one space, at least one byte of TEXT), and sends each
 * TEXT at that PRIORITY.  Last comes the end marker, an empty message at
 * priority 0 (not with -E).  Then it leaves the queue to the receiver,
 * mqrecv, which may run at the same time or later:
 *
 *     $ printf '1 low\n7 high\n' | ./mqsend -m 4
 *     mqsend: created the queue (maxmsg 4, msgsize 8192)
 *     mqsend: sent 2 messages and the end marker
 *     $ ./mqrecv
 *     7 high
 *     1 low
 *
 * A full queue makes mqsend wait until the receiver takes a message; with
 * -n (O_NONBLOCK) it gives up instead: "mqsend: queue full: N messages".
 * MAXMSG or MSGSIZE above the system's limits (/proc/sys/fs/mqueue/msg_max
 * and msgsize_max) are refused before anything is made.  A malformed line,
 * a TEXT longer than MSGSIZE, a queue of our name that exists already (the
 * message says how to remove it), a receiver that removed the queue while
 * we wait, SIGINT and SIGTERM: a message on stderr, status 1.
 *
 * Cleanup: mqsend owns the queue until its last send; on every way out
 * before that (an atexit handler) it removes it.  After the last send it
 * leaves the queue, full of messages, for mqrecv, which removes it.
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

#define USAGE "[-n] [-E] [-m MAXMSG] [-s MSGSIZE] [FILE]"

/* -m and -s: never more than this, whatever the system allows. */
#define SIZE_LIMIT 100000000L

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The queue's name; owned is 1 while it is ours to remove. */
static char name[IPC_NAME_MAX];
static int owned;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static const char *signame(int sig)
{
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

/* atexit: on every way out through exit() (die() too), remove the queue
 * while it is ours.  Safe to call twice. */
static void remove_queue(void)
{
    /* TODO 1: if the queue is ours (owned), remove its name with
     * mq_unlink() and clear owned.  ENOENT is no failure (the receiver
     * removed it already); report any other failure with warn_sys(),
     * never die(): this runs inside exit(). */
    /* END TODO 1 */
}

/* The number in the one-line file path, or -1 when there is no such file
 * (not Linux, no /proc) or no number in it. */
static long read_limit(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long n = -1;
    if (fscanf(f, "%ld", &n) != 1)
        n = -1;
    (void)fclose(f); /* read only: nothing to lose */
    return n;
}

/* Refuse a MAXMSG or MSGSIZE above the system's limits. */
static void check_limits(long maxmsg, long msgsize)
{
    /* TODO 2: read the limits with read_limit(MQ_MSG_MAX_FILE) and
     * read_limit(MQ_MSGSIZE_MAX_FILE).  When one is known (not -1) and
     * maxmsg (or msgsize) is above it, die_msg() with the option, the
     * value, the limit and its file: "-m 11: more than msg_max, 10
     * (/proc/sys/fs/mqueue/msg_max)", "-s 9000: more than msgsize_max,
     * 8192 (...)".  mq_open() alone is not enough: it refuses these
     * sizes (EINVAL) to ordinary users, but root may exceed them. */
    (void)read_limit; /* you will need it */
    (void)maxmsg;
    (void)msgsize;
    /* END TODO 2 */
}

/* Create the queue; on return it is ours (owned). */
static mqd_t create_queue(long maxmsg, long msgsize, int nonblock)
{
    mqd_t q = (mqd_t)-1;
    /* TODO 3: fill a struct mq_attr (mq_maxmsg, mq_msgsize; mq_open
     * ignores mq_flags and mq_curmsgs: zero them) and create the queue
     * with mq_open(name, O_WRONLY | O_CREAT | O_EXCL, plus O_NONBLOCK when
     * nonblock, MQ_MODE, &attr).  EEXIST: die_msg() that it exists
     * already (another mqsend runs in this directory, or a run left it)
     * and how to remove it: "./mqrecv -n, or rm " MQ_DIR "NAME".  Any
     * other failure: die() naming the queue, maxmsg and msgsize.  Once it
     * is made, set owned at once. */
    (void)maxmsg;
    (void)msgsize;
    (void)nonblock;
    die_msg("create_queue: not written yet (TODO 3)");
    /* END TODO 3 */
    return q;
}

/* Send len bytes of text at priority prio: line lineno of the input (for
 * messages); maxmsg for "queue full". */
static void send_one(mqd_t q, const char *text, size_t len, unsigned prio,
                     unsigned long lineno, long maxmsg)
{
    /* TODO 4: loop.  If stop_signal is set, die_msg() "SIGINT: stopped,
     * the queue is removed" (or SIGTERM).  Send with mq_timedsend(q,
     * text, len, prio, &until), until the absolute time MQ_TICK_MS from
     * now (mq_deadline()), and return when it worked.  EINTR (a signal):
     * go round.  ETIMEDOUT (the queue stayed full for a tick): if the
     * receiver removed the queue (mq_gone() is 1), die_msg() that the
     * queue was removed and line lineno was not sent; else go round.
     * EAGAIN (full, with -n): die_msg("queue full: %ld messages",
     * maxmsg).  EMSGSIZE: die_msg() that line lineno's TEXT, len bytes,
     * is longer than the queue's msgsize.  Anything else: die(). */
    (void)q;
    (void)text;
    (void)len;
    (void)prio;
    (void)lineno;
    (void)maxmsg;
    die_msg("send_one: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* Split the line "PRIORITY TEXT" (len bytes, no newline): the priority
 * into *prio, where TEXT starts into *text.  0 when it is malformed. */
static int parse_line(char *line, size_t len, unsigned *prio, char **text)
{
    size_t i = 0;
    unsigned long p = 0;
    while (i < len && line[i] >= '0' && line[i] <= '9' && p <= MQ_PRIO_TOP)
        p = p * 10 + (unsigned long)(line[i++] - '0');
    if (i == 0 || i + 1 >= len || line[i] != ' ' || p > MQ_PRIO_TOP)
        return 0;
    *prio = (unsigned)p;
    *text = line + i + 1;
    return 1;
}

/* The command line. */
struct options {
    int nonblock;     /* -n */
    int end_marker;   /* 0 with -E */
    long maxmsg;      /* -m MAXMSG */
    long msgsize;     /* -s MSGSIZE */
    const char *path; /* FILE, or NULL: standard input */
};

/* The options, or the usage line (status 2) on misuse. */
static struct options parse_args(int argc, char *argv[])
{
    struct options o = {0, 1, MQ_MAXMSG_DEFAULT, MQ_MSGSIZE_DEFAULT, NULL};
    int opt;
    while ((opt = getopt(argc, argv, "nEm:s:")) != -1) {
        switch (opt) {
        case 'n':
            o.nonblock = 1;
            break;
        case 'E':
            o.end_marker = 0;
            break;
        case 'm':
            o.maxmsg = arg_long("-m", optarg, 1, SIZE_LIMIT, USAGE);
            break;
        case 's':
            o.msgsize = arg_long("-s", optarg, 1, SIZE_LIMIT, USAGE);
            break;
        default:
            die_usage(USAGE);
        }
    }
    if (argc - optind > 1)
        die_usage(USAGE);
    if (optind < argc)
        o.path = argv[optind];
    return o;
}

/* Handlers and the atexit cleanup before the queue exists, so that no
 * signal can end us between making it and being ready to remove it.
 * sa_flags 0 (no SA_RESTART): waits and reads return EINTR. */
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
 * Send every "PRIORITY TEXT" line of in (named path in messages) to q, in
 * order.  Returns how many were sent.  A malformed line, a read error and
 * a stop signal while reading end the program (status 1).
 */
static unsigned long send_lines(mqd_t q, FILE *in, const char *path,
                                long maxmsg)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while ((got = getline(&line, &cap, in)) != -1) {
        lineno++;
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        unsigned prio;
        char *text;
        if (!parse_line(line, len, &prio, &text)) {
            free(line);
            die_msg("%s line %lu: want PRIORITY TEXT (PRIORITY 0 to %d, "
                    "one space, at least one byte of TEXT)",
                    path, lineno, MQ_PRIO_TOP);
        }
        send_one(q, text, len - (size_t)(text - line), prio, lineno, maxmsg);
    }
    free(line);
    if (ferror(in) && stop_signal != 0)
        die_msg("%s: stopped, the queue is removed", signame(stop_signal));
    if (ferror(in))
        die("read %s", path);
    return lineno;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    struct options o = parse_args(argc, argv);
    const char *path = o.path != NULL ? o.path : "standard input";

    /* The input and the limits first: they fail before any queue exists. */
    FILE *in = stdin;
    if (o.path != NULL && (in = fopen(path, "r")) == NULL)
        die("open %s", path);
    check_limits(o.maxmsg, o.msgsize);
    if (ipc_name(name, sizeof name, MQ_TAG) == -1)
        die("ipc_name %s", MQ_TAG);
    catch_stops();

    mqd_t q = create_queue(o.maxmsg, o.msgsize, o.nonblock);
    printf("%s: created the queue (maxmsg %ld, msgsize %ld)\n", err_prog(),
           o.maxmsg, o.msgsize);
    if (fflush(stdout) == EOF)
        die("write standard output");

    unsigned long sent = send_lines(q, in, path, o.maxmsg);
    if (in != stdin && fclose(in) == EOF)
        die("close %s", path);
    if (o.end_marker)
        send_one(q, "", 0, MQ_END_PRIO, sent + 1, o.maxmsg);

    /* Every message is in: from now on the queue is the receiver's. */
    owned = 0;
    if (mq_close(q) == -1)
        die("mq_close %s", name);
    printf("%s: sent %lu message%s%s\n", err_prog(), sent, sent == 1 ? "" : "s",
           o.end_marker ? " and the end marker" : "");
    return EXIT_SUCCESS;
}
