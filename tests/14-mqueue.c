/*
 * 14-mqueue.c - tests for lab 14 (mq.h, mqsend.c, mqrecv.c): a sender
 * passes "PRIORITY TEXT" lines through a POSIX message queue to a
 * receiver, which prints them highest priority first.  See
 * handouts/14-mqueue.md for the specification.
 *
 * The tests find the queue by its name (h_ipc_name("mq")) and look at it
 * from outside: whether it exists, its mode, its attributes; they put a
 * leftover queue in the sender's way.  Ordering is shown with a sender
 * that fills the queue and says "mqsend: sent N ..." before the receiver
 * starts, so the kernel, not timing, decides the order.  Nothing sleeps:
 * a program that must wait is waited for with a bound (h_wait,
 * h_await_stdout), and time is measured, never slept.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* From the handout (mq.h is given and may not change). */
#define CREATED "mqsend: created the queue"
#define MSG_MAX_FILE "/proc/sys/fs/mqueue/msg_max"
#define MSGSIZE_MAX_FILE "/proc/sys/fs/mqueue/msgsize_max"
/* Text no program prints: waiting for it is a bounded wait. */
#define NEVER "\001never\001"

/* ---- helpers ----------------------------------------------------------- */

static const char *qname(void)
{
    return h_ipc_name("mq");
}

/* Does a queue of our name exist? */
static bool queue_exists(void)
{
    mqd_t q = mq_open(qname(), O_RDONLY | O_NONBLOCK);
    if (q == (mqd_t)-1)
        return errno != ENOENT;
    mq_close(q);
    return true;
}

static void expect_no_queue(const char *why)
{
    if (queue_exists()) {
        (void)mq_unlink(qname());
        h_fail("the queue %s is still there %s: mq_unlink it on that way "
               "out too",
               qname(), why);
    }
    h_expect_no_ipc();
}

/* Start mqsend with argv (NULL-ended, without the program) and stdin in,
 * and wait until it says it created the queue. */
static struct h_proc *start_sender(const struct h_opts *o,
                                   const char *const *args)
{
    static const char *const none[] = {NULL};
    struct h_proc *p = h_startv(o, "mqsend", args != NULL ? args : none);
    if (!h_await_stdout(p, CREATED, 0)) {
        h_kill(p, SIGKILL);
        h_wait(p, 0.1);
        h_fail("mqsend never printed \"" CREATED " ...\" on stdout "
               "(flushed) after creating the queue\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len),
               p->cmd);
    }
    return p;
}

/* The sender's whole stdout for maxmsg/msgsize and n messages. */
static const char *sender_out(long maxmsg, long msgsize, long n, bool end)
{
    static char buf[160];
    snprintf(buf, sizeof buf,
             CREATED " (maxmsg %ld, msgsize %ld)\nmqsend: sent %ld "
                     "message%s%s\n",
             maxmsg, msgsize, n, n == 1 ? "" : "s",
             end ? " and the end marker" : "");
    return buf;
}

/* Run mqsend with input in (len bytes) and args to its end: it must
 * fill the queue and say so ("mqsend: sent N ..."): the handshake after
 * which a receiver starts. */
static void fill(const char *in, size_t len, const char *const *args,
                 long maxmsg, long msgsize, long n, bool end)
{
    struct h_opts o = {.in = in, .in_len = len};
    struct h_proc *p = start_sender(&o, args);
    char sent[40];
    snprintf(sent, sizeof sent, "mqsend: sent %ld", n);
    if (!h_await_stdout(p, sent, 0)) {
        h_kill(p, SIGKILL);
        h_wait(p, 0.1);
        h_fail("mqsend never said \"%s ...\": %ld messages%s must fit "
               "into a queue of maxmsg %ld without a receiver\n"
               "  stdout: %s\n  stderr: %s\n  command: %s",
               sent, n, end ? " and the end marker" : "", maxmsg,
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len),
               p->cmd);
    }
    h_wait(p, 0);
    if (p->timed_out)
        h_fail("%s said it sent everything but never ended", p->cmd);
    h_expect_exit(p, 0);
    h_expect_stdout(p, sender_out(maxmsg, msgsize, n, end));
    h_expect_stderr_empty(p);
    if (!queue_exists())
        h_fail("mqsend ended with status 0 but no queue %s is left for "
               "the receiver: the sender hands it over after the last "
               "send, it must not remove it then",
               qname());
}

/* mqrecv must have ended with status 0 and printed exactly want. */
static void expect_received(struct h_proc *r, const char *want, size_t len)
{
    if (r->timed_out)
        h_fail("%s never ended (did the end marker come? is it taken for "
               "one?)\n  stdout: %s\n  stderr: %s",
               r->cmd, h_quote(r->out, r->out_len),
               h_quote(r->err, r->err_len));
    h_expect_exit(r, 0);
    h_expect_stdout_bytes(r, want, len);
    h_expect_stderr_empty(r);
}

/* p must end by itself with status 1 (not a signal, not a hang). */
static void expect_failed(struct h_proc *p, const char *why)
{
    h_wait(p, 0);
    if (p->timed_out)
        h_fail("%s never ended: %s\n  stdout: %s\n  stderr: %s", p->cmd, why,
               h_quote(p->out, p->out_len), h_quote(p->err, p->err_len));
    if (!WIFEXITED(p->status))
        h_fail("%s was killed by signal %d: catch SIGINT and SIGTERM, so "
               "that it can remove the queue (%s)",
               p->cmd, WTERMSIG(p->status), why);
    h_expect_exit(p, 1);
}

/* The number in a one-line /proc file, or -1. */
static long proc_number(const char *path)
{
    size_t len;
    char *s = h_read_file(path, &len);
    if (s == NULL)
        return -1;
    long n = strtol(s, NULL, 10);
    free(s);
    return n;
}

/* A FIFO in the work directory, held open read-write by the test. */
static int open_fifo(const char *name)
{
    const char *path = h_path(name);
    if (mkfifo(path, 0666) == -1 || chmod(path, 0666) == -1)
        h_fail("harness: mkfifo %s: %s", path, strerror(errno));
    int fd = open(path, O_RDWR);
    if (fd == -1)
        h_fail("harness: open %s: %s", path, strerror(errno));
    return fd;
}

static void feed(int fd, const char *text)
{
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        h_fail("harness: write FIFO: %s", strerror(errno));
}

/* What h_expect_idle tells a program that spins while it waits. */
static const char idle_hint[] =
    "Sleep in mq_timedsend/mq_timedreceive with an absolute deadline "
    "(CLOCK_REALTIME now + a tick), not a relative one, and never loop on "
    "O_NONBLOCK.";

/* ---- tests ------------------------------------------------------------- */

/* Catches: the sender ignores the priority (sends every line at 0), or
 * the receiver prints a priority it did not receive; no mq_unlink. */
START_TEST(priority_order)
{
    static const char in[] = "3 third-a\n1 low-a\n7 top-a\n3 third-b\n"
                             "0 zero\n7 top-b\n31 max\n3 third-c\n"
                             "1 low-b\n";
    static const char want[] = "31 max\n7 top-a\n7 top-b\n3 third-a\n"
                               "3 third-b\n3 third-c\n1 low-a\n1 low-b\n"
                               "0 zero\n";
    /* 9 lines and the end marker: exactly the default 10 messages. */
    fill(in, 0, NULL, 10, 8192, 9, true);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, want, strlen(want));
    expect_no_queue("after the receiver took the end marker");
}
END_TEST

/* Catches: the end marker is not sent (the receiver waits for ever), or
 * an empty message is not taken for the end. */
START_TEST(end_marker)
{
    fill("", 0, NULL, 10, 8192, 0, true);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, "", 0);
    /* Zero-priority messages before the marker still come first. */
    fill("0 a\n0 b\n", 0, NULL, 10, 8192, 2, true);
    r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, "0 a\n0 b\n", 8);
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: -c COUNT stops one message early or late. */
START_TEST(count)
{
    static const char *const noend[] = {"-E", NULL};
    fill("2 one\n5 two\n2 three\n", 0, noend, 10, 8192, 3, false);
    struct h_proc *r = h_run(NULL, "mqrecv", "-c", "2", NULL);
    expect_received(r, "5 two\n2 one\n", 12);
    expect_no_queue("after mqrecv -c 2 took its two messages (the third "
                    "goes with the queue)");
}
END_TEST

/* Catches: mq_open without the attributes (NULL: the defaults), or -a
 * prints the wrong fields. */
START_TEST(attributes)
{
    static const char *const args[] = {"-m", "3", "-s", "64", NULL};
    fill("4 x\n9 y\n", 0, args, 3, 64, 2, true);
    struct h_proc *r = h_run(NULL, "mqrecv", "-a", NULL);
    static const char want[] = "mqrecv: maxmsg 3, msgsize 64, curmsgs 3, "
                               "blocking\n9 y\n4 x\n";
    expect_received(r, want, strlen(want));
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: a receive buffer smaller than the queue's msgsize (EMSGSIZE),
 * or a message cut short. */
START_TEST(long_message)
{
    size_t len = 8192;
    char *in = malloc(len + 8), *want = malloc(len + 8);
    if (in == NULL || want == NULL)
        h_fail("harness: out of memory");
    memcpy(in, "6 ", 2);
    memcpy(want, "6 ", 2);
    for (size_t i = 0; i < len; i++)
        in[2 + i] = want[2 + i] = (char)('a' + i % 26);
    in[2 + len] = want[2 + len] = '\n';
    fill(in, len + 3, NULL, 10, 8192, 1, true);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, want, len + 3);
    /* Exactly MSGSIZE bytes fit a smaller queue too. */
    static const char *const small[] = {"-s", "100", NULL};
    fill(in, 100 + 2, small, 10, 100, 1, true); /* no newline: EOF */
    r = h_run(NULL, "mqrecv", NULL);
    memcpy(want + 102, "\n", 1);
    expect_received(r, want, 103);
    free(in);
    free(want);
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: text handled as a C string (strlen, %s, a NUL sent along), or
 * the last line without a newline loses a byte. */
START_TEST(binary_text)
{
    static const char in[] = "4 a\0b\377\001c\n2  spaced out  \n"
                             "9 \t\n1 last";
    static const char want[] = "9 \t\n4 a\0b\377\001c\n2  spaced out  \n"
                               "1 last\n";
    fill(in, sizeof in - 1, NULL, 10, 8192, 4, true);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, want, sizeof want - 1);
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: a text longer than MSGSIZE is sent cut short, or the sender
 * leaves its queue when it fails. */
START_TEST(too_long)
{
    static const char in[] = "1 short\n2 this text is longer than 16\n";
    struct h_opts o = {.in = in};
    struct h_proc *p = h_run(&o, "mqsend", "-s", "16", NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "line 2", NULL);
    if (strstr(p->out, "sent") != NULL)
        h_fail("mqsend claims success although line 2 did not fit: %s",
               h_quote(p->out, p->out_len));
    expect_no_queue("after mqsend failed on a text longer than MSGSIZE");
}
END_TEST

/* Catches: a bad PRIORITY (too big, missing, not a number) or an empty
 * TEXT is sent anyway, or the queue is left after the error. */
START_TEST(bad_line)
{
    static const char *const bad[] = {
        "32 too high\n", "x hello\n",  "hello\n", "5\n",
        "5 \n",          "-1 minus\n", "\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char in[64];
        snprintf(in, sizeof in, "3 fine\n%s", bad[i]);
        struct h_opts o = {.in = in};
        struct h_proc *p = h_run(&o, "mqsend", NULL);
        if (p->timed_out)
            h_fail("%s never ended on the line %s", p->cmd,
                   h_quote(bad[i], strlen(bad[i])));
        if (!WIFEXITED(p->status) || WEXITSTATUS(p->status) != 1 ||
            strstr(p->err, "line 2") == NULL)
            h_fail("mqsend should refuse line 2, %s (PRIORITY 0 to 31, one "
                   "space, at least one byte of TEXT), status 1, naming "
                   "\"line 2\"; got status %d\n  stderr: %s",
                   h_quote(bad[i], strlen(bad[i])),
                   WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1,
                   h_quote(p->err, p->err_len));
        expect_no_queue("after mqsend refused a line");
    }
}
END_TEST

/* Catches: mqsend opens its queue with O_NONBLOCK always, so a full
 * queue fails instead of waiting for the receiver. */
START_TEST(small_queue)
{
    enum { N = 400 };
    static char in[N * 16], want[N * 16];
    size_t a = 0, b = 0;
    for (int i = 0; i < N; i++) {
        a += (size_t)snprintf(in + a, sizeof in - a, "5 msg %d\n", i);
        b += (size_t)snprintf(want + b, sizeof want - b, "5 msg %d\n", i);
    }
    static const char *const args[] = {"-m", "2", "-s", "32", NULL};
    struct h_opts o = {.in = in};
    struct h_proc *p = start_sender(&o, args);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_wait(p, 0);
    if (p->timed_out)
        h_fail("%s never ended", p->cmd);
    h_expect_exit(p, 0);
    h_expect_stdout(p, sender_out(2, 32, N, true));
    expect_received(r, want, b);
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: -n does not set O_NONBLOCK (mqsend waits on a full queue for
 * ever), or the queue is left after "queue full". */
START_TEST(sender_nonblock)
{
    struct h_opts o = {.in = "1 a\n2 b\n3 c\n", .timeout = 1.5};
    struct h_proc *p = h_run(&o, "mqsend", "-n", "-m", "2", NULL);
    if (p->timed_out)
        h_fail("%s waited on a full queue: with -n open it O_NONBLOCK, "
               "and EAGAIN means \"queue full\"",
               p->cmd);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "queue full", NULL);
    expect_no_queue("after mqsend -n found the queue full");
}
END_TEST

/* Catches: -n does not set O_NONBLOCK in mqrecv (it waits on an empty
 * queue for ever). */
START_TEST(receiver_nonblock)
{
    static const char *const noend[] = {"-E", NULL};
    fill("6 only\n", 0, noend, 10, 8192, 1, false);
    struct h_opts o = {.timeout = 1.5};
    struct h_proc *r = h_run(&o, "mqrecv", "-n", "-a", NULL);
    if (r->timed_out)
        h_fail("%s waited on an empty queue: with -n open it O_NONBLOCK, "
               "and EAGAIN means \"queue empty\"",
               r->cmd);
    h_expect_exit(r, 1);
    h_expect_stdout(r, "mqrecv: maxmsg 10, msgsize 8192, curmsgs 1, "
                       "nonblocking\n6 only\n");
    h_expect_stderr_has(r, "queue empty", NULL);
    expect_no_queue("after mqrecv -n found the queue empty");
}
END_TEST

/* Catches: the -t deadline is passed to mq_timedreceive as a relative
 * time (1970: it has passed at once), or -t is ignored. */
START_TEST(receive_timeout)
{
    static const char *const noend[] = {"-E", NULL};
    fill("", 0, noend, 10, 8192, 0, false);
    double t0 = h_now();
    struct h_proc *r = h_run(NULL, "mqrecv", "-t", "1", NULL);
    double took = h_now() - t0;
    if (r->timed_out)
        h_fail("%s waited longer than its -t 1 on an empty queue", r->cmd);
    h_expect_exit(r, 1);
    h_expect_stderr_has(r, "no message", NULL);
    if (took < 0.9)
        h_fail("%s gave up after %.2f s, before its -t 1 second: "
               "mq_timedreceive wants an absolute CLOCK_REALTIME time "
               "(now + 1 s), not the relative 1 s\n  stderr: %s",
               r->cmd, took, h_quote(r->err, r->err_len));
    expect_no_queue("after mqrecv -t gave up");
}
END_TEST

/* Catches: MAXMSG and MSGSIZE are not checked against
 * /proc/sys/fs/mqueue (root's mq_open allows more), or the limit itself
 * is refused (>= instead of >). */
START_TEST(limits)
{
    long msg_max = proc_number(MSG_MAX_FILE);
    long size_max = proc_number(MSGSIZE_MAX_FILE);
    if (msg_max < 1 || size_max < 1)
        h_fail("harness: cannot read %s and %s", MSG_MAX_FILE,
               MSGSIZE_MAX_FILE);
    char m[32], s[32];
    snprintf(m, sizeof m, "%ld", msg_max + 1);
    snprintf(s, sizeof s, "%ld", size_max + 1);
    struct h_opts o = {.in = "1 x\n"};
    struct h_proc *p = h_run(&o, "mqsend", "-m", m, NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "msg_max", NULL);
    h_expect_stdout_empty(p);
    expect_no_queue("after mqsend refused -m above msg_max");
    p = h_run(&o, "mqsend", "-s", s, NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "msgsize_max", NULL);
    h_expect_stdout_empty(p);
    expect_no_queue("after mqsend refused -s above msgsize_max");
    /* The limits themselves are fine (each with the other small, so that
     * an ordinary user's RLIMIT_MSGQUEUE allows the queue). */
    if (msg_max <= 1000) {
        snprintf(m, sizeof m, "%ld", msg_max);
        const char *const args[] = {"-m", m, "-s", "64", NULL};
        fill("1 x\n", 0, args, msg_max, 64, 1, true);
        struct h_proc *r = h_run(NULL, "mqrecv", NULL);
        expect_received(r, "1 x\n", 4);
    }
    if (size_max <= 1024 * 1024) {
        snprintf(s, sizeof s, "%ld", size_max);
        const char *const args[] = {"-m", "2", "-s", s, NULL};
        fill("2 y\n", 0, args, 2, size_max, 1, true);
        struct h_proc *r = h_run(NULL, "mqrecv", NULL);
        expect_received(r, "2 y\n", 4);
    }
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: mq_open without O_EXCL: a leftover queue is reused (or
 * removed). */
START_TEST(leftover_queue)
{
    struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = 32};
    mqd_t q = mq_open(qname(), O_CREAT | O_EXCL | O_RDWR, 0666, &attr);
    if (q == (mqd_t)-1)
        h_fail("harness: mq_open %s: %s", qname(), strerror(errno));
    if (mq_send(q, "old", 3, 2) == -1)
        h_fail("harness: mq_send: %s", strerror(errno));
    struct h_opts o = {.in = "1 new\n"};
    struct h_proc *p = h_run(&o, "mqsend", NULL);
    struct mq_attr now_attr;
    bool there = mq_getattr(q, &now_attr) == 0;
    bool named = queue_exists();
    mq_close(q);
    (void)mq_unlink(qname());
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "exists", NULL);
    if (strstr(p->out, "created") != NULL)
        h_fail("mqsend said it created the queue although one of its name "
               "existed (no O_EXCL?): %s",
               h_quote(p->out, p->out_len));
    if (!named)
        h_fail("mqsend removed a queue it did not create: leave a leftover "
               "alone and say how to remove it");
    if (!there || now_attr.mq_curmsgs != 1)
        h_fail("the leftover queue changed: it held 1 message, now %ld",
               there ? (long)now_attr.mq_curmsgs : -1L);
    h_expect_no_ipc();
}
END_TEST

/* Catches: mqrecv opens with O_CREAT (it makes a queue nobody sends to,
 * and waits on it). */
START_TEST(no_queue)
{
    struct h_opts o = {.timeout = 1.5};
    struct h_proc *r = h_run(&o, "mqrecv", NULL);
    if (r->timed_out)
        h_fail("%s waited although no queue existed: only mqsend creates "
               "the queue; mqrecv fails with ENOENT",
               r->cmd);
    h_expect_exit(r, 1);
    h_expect_stderr_has(r, "no queue", NULL);
    h_expect_stdout_empty(r);
    expect_no_queue("after mqrecv found no queue");
}
END_TEST

/* Catches: no SIGTERM handler in mqsend (or a handler that does not
 * stop the wait on a full queue): the queue is left behind. */
START_TEST(sender_sigterm)
{
    static const char *const args[] = {"-m", "1", NULL};
    struct h_opts o = {.in = "1 a\n1 b\n1 c\n"};
    struct h_proc *p = start_sender(&o, args);
    /* It waits on the full queue now (one message in it, no receiver). */
    h_await_stdout(p, NEVER, 0.1);
    h_kill(p, SIGTERM);
    expect_failed(p, "SIGTERM while it waits on a full queue");
    h_expect_stderr_has(p, "SIGTERM", NULL);
    expect_no_queue("after SIGTERM to mqsend");
}
END_TEST

/* Catches: no SIGINT handler in mqrecv: the queue is left behind. */
START_TEST(receiver_sigint)
{
    static const char *const noend[] = {"-E", NULL};
    fill("", 0, noend, 10, 8192, 0, false);
    struct h_proc *r = h_start(NULL, "mqrecv", "-a", NULL);
    if (!h_await_stdout(r, "curmsgs 0", 0)) {
        h_kill(r, SIGKILL);
        h_wait(r, 0.1);
        h_fail("mqrecv -a never printed its attributes (curmsgs 0)\n"
               "  stdout: %s\n  stderr: %s",
               h_quote(r->out, r->out_len), h_quote(r->err, r->err_len));
    }
    h_kill(r, SIGINT);
    expect_failed(r, "SIGINT while it waits on an empty queue");
    h_expect_stderr_has(r, "SIGINT", NULL);
    expect_no_queue("after SIGINT to mqrecv");
}
END_TEST

/* Catches: a sender on a full queue never notices that the receiver
 * removed it, and waits for ever. */
START_TEST(receiver_leaves)
{
    static char in[40 * 8];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(in + n, sizeof in - n, "0 m%d\n", i);
    static const char *const args[] = {"-m", "1", "-s", "16", NULL};
    struct h_opts o = {.in = in};
    struct h_proc *p = start_sender(&o, args);
    struct h_proc *r = h_run(NULL, "mqrecv", "-c", "2", NULL);
    expect_received(r, "0 m0\n0 m1\n", 10);
    expect_failed(p, "the receiver removed the queue; nobody will ever "
                     "take another message: check on each timed-out tick "
                     "that the name still exists");
    h_expect_stderr_has(p, "removed", NULL);
    if (strstr(p->out, "sent") != NULL)
        h_fail("mqsend claims it sent everything: %s",
               h_quote(p->out, p->out_len));
    expect_no_queue("after both ended");
}
END_TEST

/* Catches: a receiver never notices that the sender gave up and removed
 * the queue, and waits for ever; or the sender leaves its queue after an
 * error. */
START_TEST(sender_gives_up)
{
    int fd = open_fifo("in");
    static const char *const args[] = {"in", NULL};
    struct h_proc *p = start_sender(NULL, args);
    struct h_proc *r = h_start(NULL, "mqrecv", NULL);
    feed(fd, "5 hello\n");
    if (!h_await_stdout(r, "5 hello\n", 0)) {
        h_kill(p, SIGKILL);
        h_kill(r, SIGKILL);
        h_wait(p, 0.1);
        h_wait(r, 0.1);
        close(fd);
        h_fail("mqrecv never printed \"5 hello\", which mqsend sent while "
               "it ran\n  mqrecv stderr: %s\n  mqsend stderr: %s",
               h_quote(r->err, r->err_len), h_quote(p->err, p->err_len));
    }
    feed(fd, "not a line\n");
    close(fd);
    expect_failed(p, "a malformed line");
    expect_failed(r, "the sender removed the queue before the end marker: "
                     "check on each timed-out tick that the name still "
                     "exists");
    h_expect_stderr_has(r, "removed", NULL);
    expect_no_queue("after both ended");
}
END_TEST

/* Catches: a fixed queue name instead of ipc_name(): runs in two
 * directories collide. */
START_TEST(two_directories)
{
    const char *there = h_path("there");
    if (mkdir(there, 0777) == -1 || chmod(there, 0777) == -1)
        h_fail("harness: mkdir %s: %s", there, strerror(errno));
    struct h_opts here_in = {.in = "1 here\n"};
    struct h_opts there_in = {.in = "2 there\n", .cwd = there};
    struct h_proc *p1 = h_run(&here_in, "mqsend", NULL);
    struct h_proc *p2 = h_run(&there_in, "mqsend", NULL);
    struct h_opts there_o = {.cwd = there};
    struct h_proc *r2 = h_run(&there_o, "mqrecv", NULL);
    struct h_proc *r1 = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(p1, 0);
    if (p2->status != 0)
        h_fail("mqsend in another directory failed while a queue was left "
               "for a receiver here: the name comes from ipc_name(), never "
               "a fixed one\n  stderr: %s",
               h_quote(p2->err, p2->err_len));
    expect_received(r1, "1 here\n", 7);
    expect_received(r2, "2 there\n", 8);
    h_expect_no_ipc();
}
END_TEST

/* Catches: the queue is made with mode 0666 (anyone may read it). */
START_TEST(queue_private)
{
    fill("1 secret\n", 0, NULL, 10, 8192, 1, true);
    mqd_t q = mq_open(qname(), O_RDONLY);
    struct stat st;
    bool ok = q != (mqd_t)-1 && fstat((int)q, &st) == 0; /* Linux */
    if (q != (mqd_t)-1)
        mq_close(q);
    (void)mq_unlink(qname());
    if (!ok)
        h_fail("harness: cannot look at the queue %s: %s", qname(),
               strerror(errno));
    if ((st.st_mode & 0777) != 0600)
        h_fail("the queue's mode should be 0600 (only its owner may open "
               "it), got 0%o",
               (unsigned)(st.st_mode & 0777));
    h_expect_no_ipc();
}
END_TEST

/* Catches: a wait that spins: a relative time given to
 * mq_timedreceive/mq_timedsend (it has passed at once), or a loop on
 * O_NONBLOCK. */
START_TEST(idle_cpu)
{
    static const char *const noend[] = {"-E", NULL};
    fill("", 0, noend, 10, 8192, 0, false);
    double t0 = h_now();
    struct h_proc *r = h_start(NULL, "mqrecv", NULL);
    h_await_stdout(r, NEVER, 0.4);
    h_expect_idle(r, t0, "on an empty queue", idle_hint);
    h_kill(r, SIGTERM);
    expect_failed(r, "SIGTERM while it waits on an empty queue");
    static const char *const args[] = {"-m", "1", NULL};
    struct h_opts o = {.in = "1 a\n1 b\n"};
    t0 = h_now();
    struct h_proc *p = start_sender(&o, args);
    h_await_stdout(p, NEVER, 0.4);
    h_expect_idle(p, t0, "on a full queue", idle_hint);
    h_kill(p, SIGTERM);
    expect_failed(p, "SIGTERM while it waits on a full queue");
    expect_no_queue("after SIGTERM");
}
END_TEST

/* Catches: the queue is made before FILE is opened, and left behind. */
START_TEST(missing_file)
{
    struct h_proc *p = h_run(NULL, "mqsend", "no-such-file", NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "no-such-file", NULL);
    h_expect_stdout_empty(p);
    expect_no_queue("after mqsend failed to open its FILE");
    /* A FILE that is there is read instead of stdin. */
    h_write_file(h_path("lines.txt"), "2 from a file\n", 14);
    static const char *const args[] = {"lines.txt", NULL};
    fill("9 from stdin\n", 0, args, 10, 8192, 1, true);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    expect_received(r, "2 from a file\n", 14);
    expect_no_queue("after the end marker");
}
END_TEST

/* Catches: no argument check: bad options are taken for numbers. */
START_TEST(usage)
{
    static const char *const sender[][3] = {{"a", "b", NULL},
                                            {"-m", "0", NULL},
                                            {"-m", "x", NULL},
                                            {"-s", "-5", NULL},
                                            {"-z", NULL, NULL}};
    for (size_t i = 0; i < sizeof sender / sizeof sender[0]; i++) {
        struct h_opts o = {.in = "1 x\n", .timeout = 1.5};
        struct h_proc *p =
            h_run(&o, "mqsend", sender[i][0], sender[i][1], sender[i][2], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
        expect_no_queue("after a usage error");
    }
    static const char *const receiver[][2] = {
        {"extra", NULL}, {"-t", "0"}, {"-t", "abc"}, {"-c", "0"}, {"-q", NULL}};
    for (size_t i = 0; i < sizeof receiver / sizeof receiver[0]; i++) {
        struct h_opts o = {.timeout = 1.5};
        struct h_proc *r =
            h_run(&o, "mqrecv", receiver[i][0], receiver[i][1], NULL);
        h_expect_exit(r, 2);
        h_expect_stderr_has(r, "usage:", NULL);
        h_expect_stdout_empty(r);
    }
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&priority_order, 4, "highest priority first, FIFO within one",
     "the priority is ignored or printed wrong; no mq_unlink"},
    {&end_marker, 2, "the empty end marker ends the receiver",
     "no end marker: the receiver waits for ever"},
    {&count, 1, "mqrecv -c COUNT takes COUNT messages", "COUNT off by one"},
    {&attributes, 2, "-m/-s reach mq_open; -a prints mq_getattr",
     "mq_open without its struct mq_attr"},
    {&long_message, 2, "a message of exactly MSGSIZE bytes arrives whole",
     "a receive buffer smaller than mq_msgsize: EMSGSIZE"},
    {&binary_text, 2, "NUL bytes, spaces, no final newline: byte for byte",
     "the text handled as a C string (strlen, %s)"},
    {&too_long, 1, "a TEXT longer than MSGSIZE: error, queue removed",
     "EMSGSIZE ignored, or the queue left behind"},
    {&bad_line, 1, "malformed lines and priorities: refused",
     "a priority out of range or an empty TEXT is sent"},
    {&small_queue, 2, "400 messages through a queue of 2, both running",
     "O_NONBLOCK always: a full queue fails instead of waiting"},
    {&sender_nonblock, 2, "mqsend -n on a full queue: \"queue full\"",
     "-n does not set O_NONBLOCK: the sender blocks"},
    {&receiver_nonblock, 2, "mqrecv -n on an empty queue: \"queue empty\"",
     "-n does not set O_NONBLOCK: the receiver blocks"},
    {&receive_timeout, 2, "mqrecv -t 1 gives up after 1 s",
     "a relative time passed to mq_timedreceive"},
    {&limits, 2, "-m/-s above /proc/sys/fs/mqueue limits: refused",
     "limits unchecked (root may exceed them), or off by one"},
    {&leftover_queue, 2, "a leftover queue: refused and left alone",
     "no O_EXCL: a leftover queue is reused"},
    {&no_queue, 1, "mqrecv with no queue: \"no queue\", status 1",
     "mqrecv creates the queue and waits on it"},
    {&sender_sigterm, 2, "SIGTERM to a waiting mqsend: queue removed",
     "no signal handler: the queue is left behind"},
    {&receiver_sigint, 2, "SIGINT to a waiting mqrecv: queue removed",
     "no signal handler: the queue is left behind"},
    {&receiver_leaves, 2, "mqrecv -c leaves: a waiting mqsend fails",
     "the sender waits for ever on a removed queue"},
    {&sender_gives_up, 2, "mqsend fails mid-way: the waiting mqrecv fails",
     "the receiver waits for ever on a removed queue"},
    {&two_directories, 1, "two directories, two queues",
     "a fixed name instead of ipc_name()"},
    {&queue_private, 1, "the queue's mode is 0600",
     "mode 0666: anyone on the machine may read it"},
    {&idle_cpu, 2, "waiting programs use under 20% CPU",
     "a relative timeout or an O_NONBLOCK loop: the wait spins"},
    {&missing_file, 1, "FILE instead of stdin; a missing FILE: no queue",
     "the queue is made before FILE is opened and left behind"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("14-mqueue", "mq.h mqsend.c mqrecv.c", "mqsend mqrecv", tests)
