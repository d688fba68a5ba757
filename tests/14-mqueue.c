/*
 * 14-mqueue.c - tests for lab 14 (mqsend.c, mqrecv.c): lines of text sent
 * through a POSIX message queue, each at its own priority, and received
 * highest priority first.  See handouts/14-mqueue.md for the specification;
 * mq.h is given.
 *
 * The tests look at the queue only from outside, by its name
 * (h_ipc_name("mq")): whether it exists, its attributes (mq_getattr) and
 * its mode (on Linux a queue descriptor is a file descriptor, so fstat
 * works on it).  They put a foreign queue in the sender's way and fill the
 * queue before the receiver starts, so the order the kernel gives is the
 * order printed.  Nothing is slept: the sender says "created" when the
 * queue exists, the receiver prints its attributes (-a) once it has opened
 * the queue, and the one wait that must take time (-t 1) is measured.
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
#include <unistd.h>

/* From the handout (mq.h is given). */
#define CREATED "mqsend: created the queue"
#define TAG "mq"

/* ---- helpers ----------------------------------------------------------- */

/* Does this test directory's queue exist?  Its attributes into *a. */
static bool queue_attr(struct mq_attr *a)
{
    mqd_t q = mq_open(h_ipc_name(TAG), O_RDONLY);
    if (q == (mqd_t)-1)
        return false;
    if (a != NULL && mq_getattr(q, a) == -1)
        h_fail("harness: mq_getattr %s: %s", h_ipc_name(TAG),
               strerror(errno));
    mq_close(q);
    return true;
}

static void remove_queue(void)
{
    if (mq_unlink(h_ipc_name(TAG)) == -1 && errno != ENOENT)
        h_fail("harness: mq_unlink %s: %s", h_ipc_name(TAG), strerror(errno));
}

/* Run mqsend to its end on input in (NULL: /dev/null) and expect it to
 * hand over a queue holding msgs messages.  args end with NULL. */
static struct h_proc *send_all(const char *in, const char *a1, const char *a2,
                               const char *a3)
{
    struct h_opts o = {.in = in};
    struct h_proc *s = h_run(&o, "mqsend", a1, a2, a3, NULL);
    h_expect_exit(s, 0);
    if (!queue_attr(NULL))
        h_fail("mqsend ended with status 0 but left no queue %s for mqrecv: "
               "once every message is sent, the queue is the receiver's "
               "(the sender must not remove it then)\n  command: %s",
               h_ipc_name(TAG), s->cmd);
    return s;
}

/* Start mqsend and wait until it says it created the queue. */
static struct h_proc *start_sender(const char *in, const char *a1,
                                   const char *a2, const char *a3)
{
    struct h_opts o = {.in = in};
    struct h_proc *s = h_start(&o, "mqsend", a1, a2, a3, NULL);
    if (!h_await_stdout(s, CREATED, 0)) {
        h_kill(s, SIGKILL);
        h_wait(s, 0.1);
        h_fail("mqsend never printed \"" CREATED " ...\" on stdout "
               "(flushed) after creating the queue\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(s->out, s->out_len), h_quote(s->err, s->err_len),
               s->cmd);
    }
    return s;
}

/* Fail unless the queue is gone; who should have removed it, and when. */
static void expect_removed(const struct h_proc *p, const char *when)
{
    if (queue_attr(NULL)) {
        remove_queue();
        h_fail("the queue %s was still there after %s: remove it "
               "(mq_unlink) on every way out\n  command: %s",
               h_ipc_name(TAG), when, p->cmd);
    }
    h_expect_no_ipc();
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: priorities are not passed to mq_send (or not printed from
 * mq_receive's), or the end marker overtakes messages. */
START_TEST(priority_order)
{
    static const char in[] = "1 low\n7 high\n1 low again\n3 mid\n"
                             "0 zero\n31 top\n0 zero again\n";
    struct h_proc *s = send_all(in, NULL, NULL, NULL);
    h_expect_stdout(s, CREATED " (maxmsg 10, msgsize 8192)\n"
                           "mqsend: sent 7 messages and the end marker\n");
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "31 top\n7 high\n3 mid\n1 low\n1 low again\n"
                       "0 zero\n0 zero again\n");
    h_expect_stderr_empty(r);
    expect_removed(r, "mqrecv received the end marker");
}
END_TEST

/* Bug caught: the end marker is sent at a priority above 0, so it comes
 * out before the messages of priority 0 and they are lost; or the
 * receiver reorders what the kernel gives it. */
START_TEST(fifo_same_priority)
{
    static const char in[] = "0 a1\n2 b1\n0 a2\n0 a3\n2 b2\n0 a4\n2 b3\n"
                             "0 a5\n0 a6\n";
    send_all(in, NULL, NULL, NULL);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "2 b1\n2 b2\n2 b3\n0 a1\n0 a2\n0 a3\n0 a4\n0 a5\n"
                       "0 a6\n");
    expect_removed(r, "mqrecv received the end marker");
}
END_TEST

/* Bug caught: the sender opens the queue with O_NONBLOCK although -n was
 * not given, so a full queue ends it ("queue full") instead of making it
 * wait for the receiver. */
START_TEST(concurrent)
{
    enum { N = 60 };
    char in[N * 16] = "", want[N][16];
    for (int i = 0; i < N; i++) {
        int prio = (i * 7) % 4;
        snprintf(want[i], sizeof want[i], "%d m%02d", prio, i);
        strcat(in, want[i]);
        strcat(in, "\n");
    }
    struct h_proc *s = start_sender(in, "-m", "3", NULL);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_exit(r, 0);
    /* All 60, each once; within one priority, in the order sent. */
    int last[4] = {-1, -1, -1, -1};
    for (int i = 0; i < N; i++)
        if (h_count_lines(r->out, want[i]) != 1)
            h_fail("mqrecv printed the line \"%s\" %d times, not once, "
                   "while mqsend filled a queue of 3 messages\n  stdout: "
                   "%s\n  sender's stderr: %s\n  commands: %s; %s",
                   want[i], h_count_lines(r->out, want[i]),
                   h_quote(r->out, r->out_len), h_quote(s->err, s->err_len),
                   s->cmd, r->cmd);
    for (const char *l = r->out; *l != '\0';) {
        int prio, seq;
        if (sscanf(l, "%d m%d", &prio, &seq) == 2 && prio >= 0 && prio < 4) {
            if (seq < last[prio])
                h_fail("priority %d: m%02d came out after m%02d, but was "
                       "sent before it (equal priorities keep the order "
                       "they were sent in)\n  stdout: %s\n  command: %s",
                       prio, seq, last[prio], h_quote(r->out, r->out_len),
                       r->cmd);
            last[prio] = seq;
        }
        const char *nl = strchr(l, '\n');
        l = nl ? nl + 1 : l + strlen(l);
    }
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the sender removes the queue when it exits even after it
 * sent everything, so a receiver started later finds nothing; or the
 * receiver never removes it. */
START_TEST(handoff)
{
    send_all("5 first\n5 second\n", NULL, NULL, NULL);
    struct mq_attr a;
    queue_attr(&a);
    if (a.mq_curmsgs != 3)
        h_fail("after mqsend ended, its queue held %ld messages; it should "
               "hold the 2 lines and the end marker, 3", (long)a.mq_curmsgs);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "5 first\n5 second\n");
    expect_removed(r, "mqrecv received the end marker");
}
END_TEST

/* Bug caught: -m and -s are not passed to mq_open (attr NULL: the
 * system's defaults), or mq_getattr's fields are printed wrong. */
START_TEST(attributes)
{
    struct h_opts o = {.in = "1 a\n2 b\n3 c\n"};
    struct h_proc *s = h_run(&o, "mqsend", "-m", "5", "-s", "100", NULL);
    h_expect_exit(s, 0);
    h_expect_stdout(s, CREATED " (maxmsg 5, msgsize 100)\n"
                           "mqsend: sent 3 messages and the end marker\n");
    struct mq_attr a;
    if (!queue_attr(&a))
        h_fail("no queue after %s", s->cmd);
    if (a.mq_maxmsg != 5 || a.mq_msgsize != 100)
        h_fail("the queue has maxmsg %ld and msgsize %ld; asked for 5 and "
               "100: pass them to mq_open in a struct mq_attr\n  command: %s",
               (long)a.mq_maxmsg, (long)a.mq_msgsize, s->cmd);
    struct h_proc *r = h_run(NULL, "mqrecv", "-a", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "mqrecv: maxmsg 5, msgsize 100, curmsgs 4\n"
                       "3 c\n2 b\n1 a\n");
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the receive buffer is smaller than the queue's msgsize
 * (mq_receive then fails with EMSGSIZE), or a message that fills msgsize
 * exactly is refused. */
START_TEST(long_message)
{
    enum { LEN = 8192 };
    char *in = malloc(LEN + 4), *want = malloc(LEN + 4);
    if (in == NULL || want == NULL)
        h_fail("harness: out of memory");
    memcpy(in, "9 ", 2);
    for (int i = 0; i < LEN; i++)
        in[2 + i] = (char)('a' + i % 26);
    in[2 + LEN] = '\n';
    in[3 + LEN] = '\0';
    strcpy(want, in);
    send_all(in, NULL, NULL, NULL);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, want);
    h_expect_no_ipc();
    /* Exactly msgsize with -s 8. */
    struct h_opts o = {.in = "4 12345678\n"};
    struct h_proc *s = h_run(&o, "mqsend", "-s", "8", NULL);
    h_expect_exit(s, 0);
    r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "4 12345678\n");
    h_expect_no_ipc();
    free(in);
    free(want);
}
END_TEST

/* Bug caught: the text is printed as a C string (printf %s), so it stops
 * at the first NUL byte: a message is bytes and a length. */
START_TEST(nul_bytes)
{
    static const char in[] = "3 tab\there\n2 nul\0inside\n";
    static const char want[] = "3 tab\there\n2 nul\0inside\n";
    struct h_opts o = {.in = in, .in_len = sizeof in - 1};
    struct h_proc *s = h_run(&o, "mqsend", NULL);
    h_expect_exit(s, 0);
    struct h_proc *r = h_run(NULL, "mqrecv", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout_bytes(r, want, sizeof want - 1);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: a text longer than msgsize is cut to fit and sent (or
 * skipped) as if all were well. */
START_TEST(message_too_long)
{
    struct h_opts o = {.in = "1 ok\n1 123456789\n"};
    struct h_proc *s = h_run(&o, "mqsend", "-s", "8", NULL);
    h_expect_exit(s, 1);
    h_expect_stderr_has(s, "line 2", NULL);
    expect_removed(s, "mqsend failed on a text longer than msgsize");
}
END_TEST

/* Bug caught: -n is ignored (no O_NONBLOCK): mqsend waits for ever on a
 * full queue nobody reads. */
START_TEST(full_nonblocking)
{
    struct h_opts o = {.in = "1 a\n1 b\n1 c\n1 d\n"};
    struct h_proc *s = h_run(&o, "mqsend", "-n", "-m", "2", NULL);
    if (s->timed_out)
        h_fail("mqsend -n -m 2 with 4 lines never ended: with -n the "
               "queue is opened with O_NONBLOCK, and mq_send on a full "
               "queue fails with EAGAIN at once\n  command: %s", s->cmd);
    h_expect_exit(s, 3);
    h_expect_stderr_has(s, "queue full", NULL);
    expect_removed(s, "mqsend -n found the queue full");
}
END_TEST

/* Bug caught: -n is ignored by the receiver: it waits for ever on an
 * empty queue. */
START_TEST(empty_nonblocking)
{
    send_all(NULL, "-E", NULL, NULL); /* a queue with nothing in it */
    struct h_proc *r = h_run(NULL, "mqrecv", "-n", NULL);
    if (r->timed_out)
        h_fail("mqrecv -n on an empty queue never ended: open it with "
               "O_NONBLOCK, and mq_receive fails with EAGAIN at once\n"
               "  command: %s", r->cmd);
    h_expect_exit(r, 3);
    h_expect_stderr_has(r, "queue empty", NULL);
    expect_removed(r, "mqrecv -n found the queue empty");
}
END_TEST

/* Bug caught: the deadline given to mq_timedreceive is relative ({1, 0})
 * instead of an absolute CLOCK_REALTIME time: it lies in 1970, so the
 * receiver gives up at once. */
START_TEST(timed_wait)
{
    send_all(NULL, "-E", NULL, NULL);
    struct h_proc *r = h_run(NULL, "mqrecv", "-t", "1", NULL);
    h_expect_exit(r, 3);
    h_expect_stderr_has(r, "no message within 1 s", NULL);
    if (r->secs < 0.9 || r->secs > 1.0 + h_scale(1.5))
        h_fail("mqrecv -t 1 on an empty queue gave up after %.2f s, not "
               "after 1 s: mq_timedreceive wants an absolute CLOCK_REALTIME "
               "time (now + 1 s)\n  command: %s", r->secs, r->cmd);
    expect_removed(r, "mqrecv -t gave up");
}
END_TEST

/* Read one number from a /proc file. */
static long proc_limit(const char *path)
{
    char *s = h_read_file(path, NULL);
    if (s == NULL)
        return -1;
    long n = strtol(s, NULL, 10);
    free(s);
    return n;
}

/* Bug caught: -m and -s are not checked against msg_max and msgsize_max
 * (root may exceed them, so mq_open alone does not refuse). */
START_TEST(limits)
{
    long mmax = proc_limit("/proc/sys/fs/mqueue/msg_max");
    long smax = proc_limit("/proc/sys/fs/mqueue/msgsize_max");
    if (mmax < 1 || smax < 1)
        h_fail("harness: cannot read /proc/sys/fs/mqueue limits");
    char m[32], sz[32];
    snprintf(m, sizeof m, "%ld", mmax + 1);
    snprintf(sz, sizeof sz, "%ld", smax + 1);
    struct h_opts o = {.in = "1 x\n"};
    struct h_proc *s = h_run(&o, "mqsend", "-m", m, NULL);
    h_expect_exit(s, 1);
    h_expect_stderr_has(s, "msg_max", NULL);
    expect_removed(s, "mqsend refused -m above msg_max");
    s = h_run(&o, "mqsend", "-s", sz, NULL);
    h_expect_exit(s, 1);
    h_expect_stderr_has(s, "msgsize_max", NULL);
    expect_removed(s, "mqsend refused -s above msgsize_max");
    /* At the limits themselves: fine. */
    snprintf(m, sizeof m, "%ld", mmax);
    s = h_run(&o, "mqsend", "-m", m, NULL);
    h_expect_exit(s, 0);
    remove_queue();
}
END_TEST

/* Bug caught: no O_EXCL: mqsend opens a queue someone else made, sends
 * into it, and may remove it. */
START_TEST(queue_exists)
{
    struct mq_attr want = {.mq_maxmsg = 4, .mq_msgsize = 64};
    mqd_t q = mq_open(h_ipc_name(TAG), O_CREAT | O_EXCL | O_RDWR, 0666, &want);
    if (q == (mqd_t)-1)
        h_fail("harness: mq_open %s: %s", h_ipc_name(TAG), strerror(errno));
    mq_close(q);
    struct h_opts o = {.in = "1 into a foreign queue\n"};
    struct h_proc *s = h_run(&o, "mqsend", NULL);
    h_expect_exit(s, 1);
    h_expect_stderr_has(s, "exists", NULL);
    struct mq_attr a;
    if (!queue_attr(&a))
        h_fail("mqsend removed a queue it did not create (it existed "
               "before mqsend ran)\n  command: %s", s->cmd);
    remove_queue();
    if (a.mq_curmsgs != 0)
        h_fail("mqsend sent %ld message(s) into a queue that existed "
               "before it ran: create with O_CREAT | O_EXCL and stop on "
               "EEXIST\n  command: %s", (long)a.mq_curmsgs, s->cmd);
}
END_TEST

/* Bug caught: mqrecv creates the queue (O_CREAT) when it is missing, and
 * then waits on a queue no sender will ever use. */
START_TEST(no_queue)
{
    struct h_proc *r = h_run(NULL, "mqrecv", "-t", "1", NULL);
    h_expect_exit(r, 1);
    h_expect_stderr_has(r, "start mqsend", NULL);
    if (r->secs > 0.5)
        h_fail("mqrecv took %.2f s to see there is no queue: mq_open "
               "without O_CREAT fails at once with ENOENT\n  command: %s",
               r->secs, r->cmd);
    expect_removed(r, "mqrecv found no queue");
}
END_TEST

/* Bug caught: no handler for SIGTERM in mqsend: it dies by the signal
 * and the queue it owns is left behind. */
START_TEST(sigterm_sender)
{
    /* A queue of one message and three lines: mqsend waits in mq_send. */
    struct h_proc *s = start_sender("1 a\n1 b\n1 c\n", "-m", "1", NULL);
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 1);
    h_expect_stderr_has(s, "SIGTERM", NULL);
    expect_removed(s, "SIGTERM to mqsend");
}
END_TEST

/* Bug caught: no handler for SIGTERM in mqrecv: the queue it owns is
 * left behind. */
START_TEST(sigterm_receiver)
{
    send_all(NULL, "-E", NULL, NULL);
    struct h_proc *r = h_start(NULL, "mqrecv", "-a", NULL);
    if (!h_await_stdout(r, "curmsgs 0\n", 0)) {
        h_kill(r, SIGKILL);
        h_wait(r, 0.1);
        remove_queue();
        h_fail("mqrecv -a never printed its attributes (\"mqrecv: maxmsg "
               "10, msgsize 8192, curmsgs 0\") on stdout, flushed\n"
               "  stdout: %s\n  command: %s",
               h_quote(r->out, r->out_len), r->cmd);
    }
    h_kill(r, SIGTERM);
    h_wait(r, 0);
    h_expect_exit(r, 1);
    h_expect_stderr_has(r, "SIGTERM", NULL);
    expect_removed(r, "SIGTERM to mqrecv");
}
END_TEST

/* Bug caught: -c COUNT receives one message too many (or too few). */
START_TEST(count)
{
    send_all("1 a\n2 b\n3 c\n4 d\n", NULL, NULL, NULL);
    struct h_proc *r = h_run(NULL, "mqrecv", "-c", "2", NULL);
    h_expect_exit(r, 0);
    h_expect_stdout(r, "4 d\n3 c\n");
    expect_removed(r, "mqrecv -c 2 received 2 messages");
}
END_TEST

/* Bug caught: a malformed line (no priority, a priority above 31, no
 * text) is sent anyway, or stops the sender with the queue left. */
START_TEST(malformed)
{
    static const char *const bad[] = {"hello\n", "32 too high\n", "7\n",
                                      "7 \n", "-1 minus\n", " 3 lead\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char in[64];
        snprintf(in, sizeof in, "1 fine\n%s", bad[i]);
        struct h_opts o = {.in = in};
        struct h_proc *s = h_run(&o, "mqsend", NULL);
        if (s->done && WIFEXITED(s->status) && WEXITSTATUS(s->status) == 1 &&
            strstr(s->err, "line 2") != NULL && !queue_attr(NULL))
            continue;
        remove_queue();
        h_fail("line 2 %s is not \"PRIORITY TEXT\" (0 to 31, one space, at "
               "least one byte): mqsend should say \"line 2\" on stderr, "
               "exit 1 and remove its queue\n  status: %d\n  stderr: %s\n"
               "  command: %s",
               h_quote(bad[i], strlen(bad[i])),
               WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1,
               h_quote(s->err, s->err_len), s->cmd);
    }
}
END_TEST

/* Bug caught: the queue is created with mode 0666 (or 0644): anyone on the
 * machine may read or send. */
START_TEST(private_mode)
{
    send_all("1 secret\n", NULL, NULL, NULL);
    mqd_t q = mq_open(h_ipc_name(TAG), O_RDONLY);
    struct stat st;
    if (q == (mqd_t)-1 || fstat((int)q, &st) == -1)
        h_fail("harness: mq_open/fstat %s: %s", h_ipc_name(TAG),
               strerror(errno));
    mq_close(q);
    remove_queue();
    if ((st.st_mode & 0777) != 0600)
        h_fail("the queue's mode is %04o; it should be 0600 (MQ_MODE): "
               "only its owner may read or send", (unsigned)(st.st_mode & 0777));
}
END_TEST

/* Bug caught: a fixed queue name instead of ipc_name(): two directories
 * (two students, two gradings) share one queue. */
START_TEST(two_directories)
{
    const char *da = h_path("a"), *db = h_path("b");
    if (mkdir(da, 0777) == -1 || mkdir(db, 0777) == -1)
        h_fail("harness: mkdir: %s", strerror(errno));
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", da);
    snprintf(b, sizeof b, "%s", db);
    struct h_opts oa = {.in = "1 from a\n", .cwd = a};
    struct h_opts ob = {.in = "1 from b\n", .cwd = b};
    struct h_proc *sa = h_run(&oa, "mqsend", NULL);
    struct h_proc *sb = h_run(&ob, "mqsend", NULL);
    h_expect_exit(sa, 0);
    h_expect_exit(sb, 0);
    struct h_proc *rb = h_run(&ob, "mqrecv", NULL);
    struct h_proc *ra = h_run(&oa, "mqrecv", NULL);
    h_expect_exit(ra, 0);
    h_expect_stdout(ra, "1 from a\n");
    h_expect_exit(rb, 0);
    h_expect_stdout(rb, "1 from b\n");
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the command line is not checked: a bad number is taken as 0
 * or the default, extra arguments are ignored. */
START_TEST(usage)
{
    static const char *const cases[][4] = {
        {"mqsend", "extra", NULL, NULL}, {"mqsend", "-m", "0", NULL},
        {"mqsend", "-s", "x", NULL},     {"mqsend", "-q", NULL, NULL},
        {"mqrecv", "extra", NULL, NULL}, {"mqrecv", "-t", "0", NULL},
        {"mqrecv", "-c", "2x", NULL},    {"mqrecv", "-t", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct h_proc *p =
            h_run(NULL, cases[i][0], cases[i][1], cases[i][2], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        expect_removed(p, "a usage error");
    }
}
END_TEST

static const struct h_test tests[] = {
    {&priority_order, 3, "highest priority first, the end marker last",
     "priorities not sent or not printed; the end marker overtakes"},
    {&fifo_same_priority, 2, "equal priorities keep the order sent",
     "the end marker at a priority above 0 hides messages"},
    {&concurrent, 3, "60 lines through a queue of 3, receiver running",
     "a full queue ends the sender instead of making it wait"},
    {&handoff, 2, "the sender ends first; the receiver removes the queue",
     "the sender removes a queue it handed over, or nobody removes it"},
    {&attributes, 2, "-m 5 -s 100 reach mq_open; -a prints mq_getattr",
     "the attributes are not passed to mq_open"},
    {&long_message, 2, "a message of exactly msgsize bytes arrives whole",
     "the receive buffer is smaller than the queue's msgsize"},
    {&nul_bytes, 1, "tabs and NUL bytes inside a text arrive whole",
     "the text is printed as a C string and stops at a NUL"},
    {&message_too_long, 2, "a text longer than msgsize: error naming the line",
     "a text too long is cut short and sent anyway"},
    {&full_nonblocking, 2, "-n and a full queue: \"queue full\", status 3",
     "-n ignored: the sender waits for ever"},
    {&empty_nonblocking, 2, "mqrecv -n on an empty queue: status 3",
     "-n ignored: the receiver waits for ever"},
    {&timed_wait, 3, "mqrecv -t 1 gives up after 1 s, not at once",
     "a relative time given to mq_timedreceive"},
    {&limits, 2, "-m and -s above the system's limits: refused",
     "limits unchecked: root exceeds them silently"},
    {&queue_exists, 2, "a queue that exists already: refused, left alone",
     "no O_EXCL: a foreign queue is reused"},
    {&no_queue, 1, "mqrecv without a queue: error at once, nothing made",
     "the receiver creates the queue and waits on it"},
    {&sigterm_sender, 2, "SIGTERM to a waiting mqsend: status 1, removed",
     "no signal handler: the queue is left behind"},
    {&sigterm_receiver, 2, "SIGTERM to a waiting mqrecv: status 1, removed",
     "no signal handler in the receiver"},
    {&count, 1, "-c 2 receives two messages and removes the queue",
     "an off-by-one in the count"},
    {&malformed, 1, "malformed lines: error naming the line, status 1",
     "malformed lines sent anyway"},
    {&private_mode, 1, "the queue's mode is 0600",
     "mode 0666: anyone may read or send"},
    {&two_directories, 1, "two directories, two queues",
     "a fixed queue name: runs collide"},
    {&usage, 1, "bad arguments: usage line, status 2",
     "no argument check"},
};

H_LAB("14-mqueue", "mq.h mqsend.c mqrecv.c", "mqsend mqrecv", tests)
