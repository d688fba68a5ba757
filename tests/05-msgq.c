/*
 * 05-msgq.c - tests for lab 05 (msgq1.c, msgq2.c, msg.h): a server and its
 * clients over one System V message queue.  See handouts/05-msgq.md for
 * the specification.
 *
 * Some tests speak the protocol themselves: they play a server (to see
 * exactly what a client sends) or a client (to see exactly what the server
 * sends), hold the server stopped while requests pile up, or leave a stale
 * reply in the queue.  They use the key and layout the handout specifies,
 * copied below, not the student's msg.h.  msgsnd/msgrcv sizes here are
 * exact and without MSG_NOERROR, so a message of the wrong size shows.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The protocol of msg.h, as the handout specifies it. */
#define MSG_PROJ_ID 'q'
#define MSG_MAX 128
#define PRIO_MAX 9
#define REPLY_TYPE(pid) ((long)(pid) + PRIO_MAX)
struct request {
    long mtype;
    struct request_body {
        pid_t pid;
        char text[MSG_MAX];
    } body;
};
struct reply {
    long mtype;
    struct reply_body {
        pid_t pid;
        int prio;
        char text[MSG_MAX];
    } body;
};
#define REQUEST_SIZE sizeof(struct request_body)
#define REPLY_SIZE sizeof(struct reply_body)

enum { NCLIENTS = 60 };

/* ---- helpers ----------------------------------------------------------- */

/* The key of the queue of dir (NULL: the work directory). */
static key_t lab_key(const char *dir)
{
    const char *d = dir != NULL ? dir : h_workdir();
    key_t key = ftok(d, MSG_PROJ_ID);
    if (key == -1)
        h_fail("harness: ftok %s: %s", d, strerror(errno));
    return key;
}

/* The id of the queue of dir, or -1 when there is none. */
static int find_queue(const char *dir)
{
    return msgget(lab_key(dir), 0);
}

/* Start msgq1 and wait until it says it is ready and its queue exists. */
static struct h_proc *start_server(void)
{
    struct h_proc *s = h_start_ready(NULL, "msgq1: ready\n", "msgq1", NULL);
    h_setup_begin();
    if (find_queue(NULL) == -1) {
        h_kill(s, SIGKILL);
        h_fail("msgq1 said ready, but there is no queue with key "
               "ftok(\".\", 'q') = 0x%08x: %s\n  command: %s",
               (unsigned)lab_key(NULL), strerror(errno), s->cmd);
    }
    h_setup_end();
    return s;
}

/* Stop the server with sig; it must exit with 0 and leave no queue. */
static void stop_server(struct h_proc *s, int sig)
{
    h_kill(s, sig);
    h_wait(s, 0);
    if (s->timed_out)
        h_fail("%s did not stop on %s: it must catch the signal and end "
               "its msgrcv loop (EINTR)\n  stdout: %s",
               s->cmd, sig == SIGINT ? "SIGINT" : "SIGTERM",
               h_quote(s->out, s->out_len));
    h_expect_exit(s, 0);
    h_expect_no_ipc();
}

/* Hold the server stopped: once this returns it is in the stopped state,
 * out of any msgrcv, so requests sent now wait in the queue. */
static void pause_server(struct h_proc *s)
{
    h_kill(s, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    while (waitid(P_PID, (id_t)s->pid, &si, WSTOPPED | WEXITED | WNOWAIT) == -1)
        if (errno != EINTR)
            h_fail("harness: waitid %ld: %s", (long)s->pid, strerror(errno));
    if (si.si_code != CLD_STOPPED) {
        h_wait(s, 0);
        h_fail("msgq1 ended while the test held it stopped\n"
               "  stderr: %s\n  command: %s",
               h_quote(s->err, s->err_len), s->cmd);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* msgrcv that gives up after secs (scaled, with h_budget's one extension
 * for a busy machine): -1 with errno EAGAIN then.  A timer interrupts it
 * every 50 ms to look at the clock; it repeats, so a signal that comes
 * just before msgrcv blocks is followed by another. */
static ssize_t rcv_within(int qid, void *buf, size_t size, long type,
                          double secs)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct h_budget b = h_budget(secs);
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_usec = 50000;
    it.it_interval.tv_usec = 50000;
    setitimer(ITIMER_REAL, &it, NULL);
    ssize_t n;
    int e;
    for (;;) {
        n = msgrcv(qid, buf, size, type, 0);
        e = errno;
        if (n != -1 || e != EINTR)
            break;
        if (h_budget_left(&b) <= 0) {
            e = EAGAIN;
            break;
        }
    }
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    errno = e;
    return n;
}

/* Create the work directory's queue from the test (the test plays the
 * server); mode 0666 so programs run as another user can use it. */
static int make_queue(void)
{
    int qid = msgget(lab_key(NULL), IPC_CREAT | IPC_EXCL | 0666);
    if (qid == -1)
        h_fail("harness: msgget: %s", strerror(errno));
    return qid;
}

static void remove_queue(int qid)
{
    if (msgctl(qid, IPC_RMID, NULL) == -1 && errno != EINVAL && errno != EIDRM)
        h_fail("harness: msgctl IPC_RMID: %s", strerror(errno));
}

static void send_request(int qid, long prio, pid_t pid, const char *text)
{
    struct request req;
    memset(&req, 0, sizeof req);
    req.mtype = prio;
    req.body.pid = pid;
    snprintf(req.body.text, sizeof req.body.text, "%s", text);
    if (msgsnd(qid, &req, REQUEST_SIZE, IPC_NOWAIT) == -1)
        h_fail("harness: msgsnd request: %s", strerror(errno));
}

static void send_reply(int qid, pid_t pid, int prio, const char *text)
{
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    rep.mtype = REPLY_TYPE(pid);
    rep.body.pid = pid;
    rep.body.prio = prio;
    snprintf(rep.body.text, sizeof rep.body.text, "%s", text);
    if (msgsnd(qid, &rep, REPLY_SIZE, IPC_NOWAIT) == -1)
        h_fail("harness: msgsnd reply: %s", strerror(errno));
}

/* Messages in the queue now. */
static unsigned long queued(int qid)
{
    struct msqid_ds ds;
    if (msgctl(qid, IPC_STAT, &ds) == -1)
        h_fail("harness: msgctl IPC_STAT: %s", strerror(errno));
    return (unsigned long)ds.msg_qnum;
}

/* Take the request a client sent (the test plays the server). */
static void receive_request(int qid, struct h_proc *c, struct request *req)
{
    memset(req, 0, sizeof *req);
    ssize_t n = rcv_within(qid, req, REQUEST_SIZE, -PRIO_MAX, H_TIMEOUT);
    int e = errno;
    if (n == -1 && e == E2BIG) {
        h_kill(c, SIGKILL);
        h_fail("the client's request is bigger than REQUEST_SIZE = %zu "
               "bytes: msgsnd's size is the body only (sizeof "
               "req.body), not sizeof(struct request)\n  command: %s",
               REQUEST_SIZE, c->cmd);
    }
    if (n == -1) {
        h_kill(c, SIGKILL);
        h_wait(c, 0);
        h_fail("no request of type 1..9 came from the client (%s)\n"
               "  stderr: %s\n  command: %s",
               e == EAGAIN ? "none within the time limit" : strerror(e),
               h_quote(c->err, c->err_len), c->cmd);
    }
    if ((size_t)n != REQUEST_SIZE)
        h_fail("the client's request has %zd bytes, want REQUEST_SIZE = "
               "%zu (sizeof req.body)\n  command: %s",
               n, REQUEST_SIZE, c->cmd);
}

/* What msgq2 prints for a reply. */
static const char *reply_line(pid_t pid, int prio, const char *text)
{
    static char buf[256];
    int n = snprintf(buf, sizeof buf,
                     "reply for %ld (priority %d): ", (long)pid, prio);
    for (size_t i = 0; text[i] != '\0' && (size_t)n < sizeof buf - 2; i++)
        buf[n++] =
            (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
    buf[n++] = '\n';
    buf[n] = '\0';
    return buf;
}

/* Lines of the server's stdout that start with "msgq1: served". */
static int served_lines(const struct h_proc *s)
{
    int n = 0;
    for (const char *p = s->out; (p = strstr(p, "msgq1: served")) != NULL; p++)
        n++;
    return n;
}

static void expect_served(const struct h_proc *s, int prio, pid_t pid,
                          const char *text)
{
    char want[256];
    snprintf(want, sizeof want, "msgq1: served priority %d from %ld: %s\n",
             prio, (long)pid, text);
    if (strstr(s->out, want) == NULL)
        h_fail("msgq1 should print %s\n  stdout: %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(s->out, s->out_len),
               s->cmd);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(one_client)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", "hi there", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "hi there"));
    h_expect_stderr_empty(c);
    stop_server(s, SIGTERM);
    expect_served(s, 5, c->pid, "hi there");
}
END_TEST

START_TEST(default_message)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "hello"));
    struct h_proc *d = h_run(NULL, "msgq2", "-p", "1", NULL);
    h_expect_exit(d, 0);
    h_expect_stdout(d, reply_line(d->pid, 1, "hello"));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(server_output)
{
    struct h_proc *s = start_server();
    h_expect_exit(h_run(NULL, "msgq2", "x", NULL), 0);
    h_expect_exit(h_run(NULL, "msgq2", "-p", "1", "y", NULL), 0);
    stop_server(s, SIGTERM);
    /* h_hide_digits turns msgq1 into msgq# as well. */
    const char *want = "msgq#: ready\n"
                       "msgq#: served priority # from #: x\n"
                       "msgq#: served priority # from #: y\n"
                       "msgq#: SIGTERM: removed the queue "
                       "(requests served: #)\n";
    char *got = h_hide_digits(s->out);
    if (strcmp(got, want) != 0 || strstr(s->out, "served: 2)") == NULL ||
        strstr(s->out, "priority 1 from") == NULL)
        h_fail("msgq1's stdout should be these lines (# for a number):\n%s"
               "  with priorities 5 and 1 and \"requests served: 2\"; "
               "got: %s\n  command: %s",
               want, h_quote(s->out, s->out_len), s->cmd);
    free(got);
}
END_TEST

START_TEST(priority_order)
{
    /* Seven requests wait in the queue while the server is stopped; then
     * it must take them lowest type first, the oldest first among equal
     * types. */
    static const struct {
        int prio;
        const char *text;
    } sent[] = {{5, "e1"}, {2, "b1"}, {9, "i1"}, {1, "a1"},
                {2, "b2"}, {7, "g1"}, {5, "e2"}};
    static const int order[] = {3, 1, 4, 0, 6, 5, 2}; /* indexes in sent */
    enum { N = sizeof sent / sizeof sent[0] };

    struct h_proc *s = start_server();
    int qid = find_queue(NULL);
    pause_server(s);
    for (int i = 0; i < N; i++)
        send_request(qid, sent[i].prio, 900001 + i, sent[i].text);
    h_kill(s, SIGCONT);
    for (int i = 0; i < N; i++) {
        struct reply rep;
        ssize_t n = rcv_within(qid, &rep, REPLY_SIZE, REPLY_TYPE(900001 + i),
                               H_TIMEOUT);
        int e = errno;
        if (n != (ssize_t)REPLY_SIZE) {
            h_kill(s, SIGKILL);
            h_wait(s, 0);
            h_fail("no reply of type REPLY_TYPE(%d) to request \"%s\" "
                   "(priority %d): %s\n  msgq1 stdout: %s\n  stderr: %s",
                   900001 + i, sent[i].text, sent[i].prio,
                   n == -1 && e == EAGAIN ? "none within the time limit"
                   : n == -1              ? strerror(e)
                                          : "wrong size",
                   h_quote(s->out, s->out_len), h_quote(s->err, s->err_len));
        }
    }
    stop_server(s, SIGTERM);
    char want[1024];
    size_t used = 0;
    for (int k = 0; k < N; k++) {
        int i = order[k];
        used += (size_t)snprintf(want + used, sizeof want - used,
                                 "msgq1: served priority %d from %d: %s\n",
                                 sent[i].prio, 900001 + i, sent[i].text);
    }
    const char *start = strstr(s->out, "msgq1: served");
    if (start == NULL || strncmp(start, want, used) != 0)
        h_fail("requests sent with priorities 5 2 9 1 2 7 5 while msgq1 "
               "was stopped must be served lowest type first (msgrcv "
               "type -%d), oldest first among equals:\n%s"
               "  got: %s\n  command: %s",
               PRIO_MAX, want, h_quote(s->out, s->out_len), s->cmd);
}
END_TEST

START_TEST(concurrent_clients)
{
    /* All clients start while the server is stopped, so their requests
     * and then their replies share the queue at the same time. */
    struct h_proc *s = start_server();
    pause_server(s);
    struct h_proc *c[NCLIENTS];
    char msg[NCLIENTS][32];
    for (int i = 0; i < NCLIENTS; i++) {
        char prio[4];
        snprintf(prio, sizeof prio, "%d", 1 + i % PRIO_MAX);
        snprintf(msg[i], sizeof msg[i], "client %d of %d", i, NCLIENTS);
        c[i] = h_start(NULL, "msgq2", "-p", prio, msg[i], NULL);
    }
    h_kill(s, SIGCONT);
    for (int i = 0; i < NCLIENTS; i++) {
        h_wait(c[i], 0);
        h_expect_exit(c[i], 0);
        h_expect_stdout(c[i], reply_line(c[i]->pid, 1 + i % PRIO_MAX, msg[i]));
    }
    stop_server(s, SIGTERM);
    char want[64];
    snprintf(want, sizeof want, "(requests served: %d)", NCLIENTS);
    if (served_lines(s) != NCLIENTS || strstr(s->out, want) == NULL)
        h_fail("msgq1 should print %d \"served\" lines and %s; it printed "
               "%d: %s",
               NCLIENTS, want, served_lines(s), h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(request_layout)
{
    /* The test plays the server and looks at the request itself. */
    int qid = make_queue();
    struct h_proc *c = h_start(NULL, "msgq2", "-p", "3", "layout", NULL);
    struct request req;
    receive_request(qid, c, &req);
    if (req.mtype != 3 || req.body.pid != c->pid ||
        memchr(req.body.text, '\0', MSG_MAX) == NULL ||
        strcmp(req.body.text, "layout") != 0)
        h_fail("the request should be {mtype 3, pid %ld, \"layout\"}, got "
               "mtype %ld, pid %ld and %s\n  command: %s",
               (long)c->pid, req.mtype, (long)req.body.pid,
               h_quote(req.body.text, strnlen(req.body.text, MSG_MAX)), c->cmd);
    send_reply(qid, c->pid, 3, "FROM THE TEST");
    h_wait(c, 0);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 3, "FROM THE TEST"));
    remove_queue(qid);
}
END_TEST

START_TEST(reply_layout)
{
    /* The test plays a client and looks at the reply itself. */
    struct h_proc *s = start_server();
    int qid = find_queue(NULL);
    send_request(qid, 4, 900001, "abc");
    struct reply rep;
    memset(&rep, 0, sizeof rep);
    ssize_t n =
        rcv_within(qid, &rep, REPLY_SIZE, REPLY_TYPE(900001), H_TIMEOUT);
    int e = errno;
    if (n == -1) {
        h_kill(s, SIGKILL);
        h_wait(s, 0);
        if (e == E2BIG)
            h_fail("msgq1's reply is bigger than REPLY_SIZE = %zu bytes: "
                   "msgsnd's size is the body only (sizeof rep.body), not "
                   "sizeof(struct reply)",
                   REPLY_SIZE);
        h_fail("no reply of type REPLY_TYPE(900001) = %ld came for a "
               "request {mtype 4, pid 900001, \"abc\"}: %s\n"
               "  stdout: %s\n  stderr: %s",
               REPLY_TYPE(900001),
               e == EAGAIN ? "none within the time limit" : strerror(e),
               h_quote(s->out, s->out_len), h_quote(s->err, s->err_len));
    }
    if ((size_t)n != REPLY_SIZE || rep.body.pid != 900001 ||
        rep.body.prio != 4 || memchr(rep.body.text, '\0', MSG_MAX) == NULL ||
        strcmp(rep.body.text, "ABC") != 0)
        h_fail("the reply should be %zu bytes {pid 900001, prio 4, "
               "\"ABC\"}, got %zd bytes {pid %ld, prio %d, %s}",
               REPLY_SIZE, n, (long)rep.body.pid, rep.body.prio,
               h_quote(rep.body.text, strnlen(rep.body.text, MSG_MAX)));
    stop_server(s, SIGTERM);
    expect_served(s, 4, 900001, "abc");
}
END_TEST

START_TEST(own_reply)
{
    /* The test plays the server.  A reply for another client waits in the
     * queue before ours: the client must take only its own type. */
    int qid = make_queue();
    send_reply(qid, 900001, 5, "NOT YOURS");
    struct h_proc *c = h_start(NULL, "msgq2", "mine", NULL);
    struct request req;
    receive_request(qid, c, &req);
    send_reply(qid, c->pid, 5, "MINE");
    h_wait(c, 0);
    if (!(WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0) ||
        strcmp(c->out, reply_line(c->pid, 5, "MINE")) != 0)
        h_fail("with another client's reply (type REPLY_TYPE(900001)) in "
               "the queue, msgq2 should wait for its own type "
               "REPLY_TYPE(getpid()) and print %s; msgrcv type 0 takes "
               "the oldest message of any type.\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(reply_line(c->pid, 5, "MINE"),
                       strlen(reply_line(c->pid, 5, "MINE"))),
               h_quote(c->out, c->out_len), h_quote(c->err, c->err_len),
               c->cmd);
    if (queued(qid) != 1)
        h_fail("the other client's reply should still be in the queue");
    remove_queue(qid);
}
END_TEST

START_TEST(stale_reply)
{
    /* A reply nobody collected (its client died) sits in the queue.  The
     * server must not take it for a request. */
    struct h_proc *s = start_server();
    int qid = find_queue(NULL);
    send_reply(qid, 900001, 5, "STALE");
    struct h_proc *c = h_run(NULL, "msgq2", "fresh", NULL);
    stop_server(s, SIGTERM);
    if (served_lines(s) != 1 || strstr(s->out, "900001") != NULL)
        h_fail("msgq1 served a reply (type REPLY_TYPE(900001)) as if it "
               "were a request: receive with type -%d (requests only), "
               "never 0.\n  stdout: %s\n  command: %s",
               PRIO_MAX, h_quote(s->out, s->out_len), s->cmd);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "fresh"));
}
END_TEST

START_TEST(bad_requests)
{
    /* A short message, a pid of 0, a text without its NUL: the server
     * drops each with a warning and goes on serving. */
    struct h_proc *s = start_server();
    int qid = find_queue(NULL);
    struct {
        long mtype;
        char bytes[10];
    } shorty;
    memset(&shorty, 0, sizeof shorty);
    shorty.mtype = 1;
    if (msgsnd(qid, &shorty, sizeof shorty.bytes, IPC_NOWAIT) == -1)
        h_fail("harness: msgsnd: %s", strerror(errno));
    send_request(qid, 1, 0, "pid zero");
    struct request req;
    memset(&req, 'x', sizeof req);
    req.mtype = 1;
    req.body.pid = 900002;
    if (msgsnd(qid, &req, REQUEST_SIZE, IPC_NOWAIT) == -1)
        h_fail("harness: msgsnd: %s", strerror(errno));
    struct h_proc *c = h_run(NULL, "msgq2", "after the junk", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "after the junk"));
    stop_server(s, SIGTERM);
    if (served_lines(s) != 1)
        h_fail("msgq1 should have served only the real client, and "
               "ignored the three bad requests; stdout: %s",
               h_quote(s->out, s->out_len));
    h_expect_stderr_has(s, "ignored", NULL);
}
END_TEST

START_TEST(no_server)
{
    struct h_proc *c = h_run(NULL, "msgq2", "anyone?", NULL);
    if (c->timed_out)
        h_fail("%s waited with no server: msgget without IPC_CREAT fails "
               "with ENOENT at once",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "no server", NULL);
    h_expect_stdout_empty(c);
    h_expect_no_ipc();
}
END_TEST

START_TEST(server_gone)
{
    /* The test plays a server that takes the request and then removes
     * the queue without answering. */
    int qid = make_queue();
    struct h_proc *c = h_start(NULL, "msgq2", "wait for me", NULL);
    struct request req;
    receive_request(qid, c, &req);
    remove_queue(qid);
    h_wait(c, 0);
    if (c->timed_out)
        h_fail("%s kept running after its queue was removed: msgrcv fails "
               "with EIDRM (or EINVAL): give up with a message",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "removed", NULL);
    h_expect_stdout_empty(c);
    h_expect_no_ipc();
}
END_TEST

START_TEST(leftover_queue)
{
    /* A killed server cannot remove its queue.  The next one must refuse
     * it, say how to remove it, and leave it alone. */
    struct h_proc *s = start_server();
    h_kill(s, SIGKILL);
    h_wait(s, 0);
    int old = find_queue(NULL);
    if (old == -1)
        h_fail("after SIGKILL the queue should still exist");
    struct h_proc *t = h_run(NULL, "msgq1", NULL);
    if (t->timed_out)
        h_fail("msgq1 started on the queue a killed server left: create "
               "it with IPC_CREAT | IPC_EXCL and refuse EEXIST\n"
               "  stdout: %s\n  command: %s",
               h_quote(t->out, t->out_len), t->cmd);
    h_expect_failure(t);
    h_expect_stderr_has(t, "ipcrm", NULL);
    if (strstr(t->out, "ready") != NULL)
        h_fail("msgq1 printed ready on a leftover queue: %s",
               h_quote(t->out, t->out_len));
    if (find_queue(NULL) != old)
        h_fail("msgq1 removed or replaced a queue it did not create");
    remove_queue(old);
    struct h_proc *u = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", "again", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "again"));
    stop_server(u, SIGTERM);
}
END_TEST

START_TEST(second_server)
{
    struct h_proc *s = start_server();
    struct h_proc *t = h_run(NULL, "msgq1", NULL);
    if (t->timed_out) {
        h_kill(s, SIGTERM);
        h_fail("a second msgq1 should refuse to start while one runs, but "
               "it kept running\n  command: %s",
               t->cmd);
    }
    h_expect_failure(t);
    h_expect_stderr_has(t, "exists", NULL);
    struct h_proc *c = h_run(NULL, "msgq2", "first", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, "first"));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(two_directories)
{
    /* Two servers in two directories (two students, two gradings) must
     * get two queues and each serve only its own clients. */
    const char *other = h_path("other");
    if (mkdir(other, 0777) == -1)
        h_fail("harness: mkdir %s: %s", other, strerror(errno));
    struct h_opts there = {.cwd = other};
    struct h_proc *s[2];
    s[0] = start_server();
    s[1] = h_start(&there, "msgq1", NULL);
    bool ready = h_await_stdout(s[1], "msgq1: ready\n", 0);
    struct h_proc *c[2] = {NULL, NULL};
    if (ready) {
        c[0] = h_run(NULL, "msgq2", "here", NULL);
        c[1] = h_run(&there, "msgq2", "there", NULL);
    }
    for (int i = 0; i < 2; i++) {
        h_kill(s[i], SIGTERM);
        h_wait(s[i], 0);
    }
    /* The harness removes only what is keyed on the work directory. */
    int left = find_queue(other);
    if (left != -1)
        remove_queue(left);
    if (!ready)
        h_fail("msgq1 in another directory should start while one runs "
               "here: derive the key with ftok(\".\", 'q'), never a fixed "
               "number\n  stderr: %s",
               h_quote(s[1]->err, s[1]->err_len));
    if (left != -1)
        h_fail("the server in %s left its queue behind", other);
    for (int i = 0; i < 2; i++) {
        h_expect_exit(c[i], 0);
        h_expect_stdout(c[i], reply_line(c[i]->pid, 5, i ? "there" : "here"));
        h_expect_exit(s[i], 0);
        if (served_lines(s[i]) != 1)
            h_fail("each server should serve only the client in its own "
                   "directory; %s printed %s",
                   i ? "the one in other/" : "the first",
                   h_quote(s[i]->out, s[i]->out_len));
    }
    expect_served(s[0], 5, c[0]->pid, "here");
    expect_served(s[1], 5, c[1]->pid, "there");
    h_expect_no_ipc();
}
END_TEST

START_TEST(queue_private)
{
    struct h_proc *s = start_server();
    struct msqid_ds ds;
    if (msgctl(find_queue(NULL), IPC_STAT, &ds) == -1)
        h_fail("harness: msgctl IPC_STAT: %s", strerror(errno));
    stop_server(s, SIGTERM);
    if ((ds.msg_perm.mode & 0777) != 0600)
        h_fail("the queue's mode should be 0600 (MSG_MODE: only its owner "
               "may read or write it), got 0%o",
               (unsigned)(ds.msg_perm.mode & 0777));
}
END_TEST

START_TEST(sigterm_cleanup)
{
    struct h_proc *s = start_server();
    /* Signalled inside msgrcv, so that a server taking EINTR for an
     * error is caught every time, not only when the signal is late. */
    h_await_in_call(s->pid, SYS_msgrcv, 0);
    stop_server(s, SIGTERM);
    const char *want = "msgq1: ready\n"
                       "msgq1: SIGTERM: removed the queue "
                       "(requests served: 0)\n";
    if (strcmp(s->out, want) != 0)
        h_fail("msgq1's stdout should be %s, got %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(s->out, s->out_len),
               s->cmd);
}
END_TEST

START_TEST(sigint_cleanup)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", "bye", NULL);
    h_expect_exit(c, 0);
    h_await_in_call(s->pid, SYS_msgrcv, 0);
    stop_server(s, SIGINT);
    if (strstr(s->out, "msgq1: SIGINT: removed the queue (requests served: "
                       "1)\n") == NULL)
        h_fail("after one request and SIGINT msgq1 should print \"msgq1: "
               "SIGINT: removed the queue (requests served: 1)\"; "
               "stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(longest_message)
{
    char msg[MSG_MAX];
    for (int i = 0; i < MSG_MAX - 1; i++)
        msg[i] = (char)('a' + i % 26);
    msg[MSG_MAX - 1] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", msg, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, 5, msg));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(overlong_message)
{
    char msg[MSG_MAX + 1];
    memset(msg, 'z', MSG_MAX);
    msg[MSG_MAX] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "msgq2", msg, NULL);
    h_expect_exit(c, 2);
    h_expect_stderr_has(c, "too long", "usage:", NULL);
    h_expect_stdout_empty(c);
    stop_server(s, SIGTERM);
    if (strstr(s->out, "(requests served: 0)") == NULL)
        h_fail("an overlong message must not reach the server; its "
               "stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(bad_priority)
{
    static const char *const bad[] = {"0", "10", "-1", "x", "3x"};
    struct h_proc *s = start_server();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *c = h_run(NULL, "msgq2", "-p", bad[i], "hi", NULL);
        h_expect_exit(c, 2);
        h_expect_stderr_has(c, "priority", "usage:", NULL);
        h_expect_stdout_empty(c);
    }
    stop_server(s, SIGTERM);
    if (strstr(s->out, "(requests served: 0)") == NULL)
        h_fail("a bad priority must not reach the server; its stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(usage)
{
    struct h_proc *c = h_run(NULL, "msgq2", "one", "two", NULL);
    h_expect_exit(c, 2);
    h_expect_stderr_has(c, "usage:", NULL);
    h_expect_stdout_empty(c);
    struct h_proc *s = h_run(NULL, "msgq1", "extra", NULL);
    h_expect_exit(s, 2);
    h_expect_stderr_has(s, "usage:", NULL);
    h_expect_stdout_empty(s);
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&one_client, 3, "one client gets its message back in upper case",
     "request or reply lost: wrong key, type or size"},
    {&default_message, 1, "msgq2 with no MESSAGE sends \"hello\", priority 5",
     "reads argv without checking argc, or a wrong default priority"},
    {&server_output, 1, "msgq1 prints ready, one line per request, a summary",
     "no fflush, or other lines on stdout"},
    {&priority_order, 4, "queued requests are served lowest type first",
     "msgrcv type 0 or a positive type: arrival order, or some never "
     "served"},
    {&concurrent_clients, 4, "60 clients at once each get their own reply",
     "replies not typed by pid, so clients take each other's", 60},
    {&request_layout, 3, "msgq2 sends {priority, pid, text} of REQUEST_SIZE",
     "sizeof(struct request) passed as msgsz: 12 bytes too many"},
    {&reply_layout, 3, "msgq1 replies {pid, prio, TEXT} of REPLY_SIZE",
     "sizeof(struct reply) passed as msgsz, or the reply typed wrong"},
    {&own_reply, 3, "msgq2 takes only its own reply type",
     "msgrcv type 0 in the client: steals another client's reply"},
    {&stale_reply, 2, "msgq1 does not take a stale reply for a request",
     "the server receives type 0, so replies look like requests"},
    {&bad_requests, 2, "msgq1 drops malformed requests and goes on",
     "no size/NUL/pid check, or exits on a bad request"},
    {&no_server, 2, "msgq2 with no server fails fast, creates nothing",
     "the client uses IPC_CREAT and waits on a queue nobody serves"},
    {&server_gone, 2, "msgq2 fails with a message when the queue goes",
     "EIDRM not handled: the client loops or hangs"},
    {&leftover_queue, 2, "msgq1 refuses a leftover queue and names ipcrm",
     "no IPC_EXCL: a stale queue and its old messages are reused"},
    {&second_server, 1, "a second msgq1 refuses to start",
     "no IPC_EXCL: two servers share one queue"},
    {&two_directories, 2, "servers in two directories do not collide",
     "a fixed key: two students (or gradings) share a queue"},
    {&queue_private, 1, "the queue's mode is 0600",
     "mode 0666: anyone on the machine may read the queue"},
    {&sigterm_cleanup, 2, "SIGTERM: msgq1 removes its queue, exits 0",
     "SIGTERM not caught, or the queue never removed"},
    {&sigint_cleanup, 2, "SIGINT: msgq1 removes its queue, exits 0",
     "EINTR taken for an error, or the queue never removed"},
    {&longest_message, 1, "a 127-byte message is accepted",
     "off-by-one in the length check"},
    {&overlong_message, 1, "a 128-byte message: usage error, status 2",
     "the message is silently cut short"},
    {&bad_priority, 1, "priorities outside 1..9: usage error, status 2",
     "no range check: type 0 fails, type 10 is taken for a reply"},
    {&usage, 1, "wrong argument counts: usage line, status 2",
     "no argument check"},
};

H_LAB("05-msgq", "msg.h msgq1.c msgq2.c", "msgq1 msgq2", tests)
