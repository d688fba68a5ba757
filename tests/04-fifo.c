/*
 * 04-fifo.c - tests for lab 04 (fifos.c, fifoc.c, fifo.h): a FIFO server
 * and its clients.  See handouts/04-fifo.md for the specification.
 *
 * Some tests speak the protocol themselves: they play a client that
 * vanished, ten clients whose requests arrive at once, or a server that
 * never answers.  They use the layout the handout specifies, copied below,
 * not the student's fifo.h.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The protocol of fifo.h, as the handout specifies it. */
#define SERVER_FIFO "fifo.server"
#define MSG_MAX 128
struct request {
    pid_t pid;
    char text[MSG_MAX];
};
struct reply {
    pid_t pid;
    char text[MSG_MAX];
};

enum { NCLIENTS = 60, NBURST = 10 };

/* ---- helpers ----------------------------------------------------------- */

/* Start fifos and wait until it says it is ready. */
static struct h_proc *start_server(void)
{
    struct h_proc *s = h_start_ready(NULL, "fifos: ready\n", "fifos", NULL);
    h_setup_begin();
    struct stat st;
    if (lstat(h_path(SERVER_FIFO), &st) == -1 || !S_ISFIFO(st.st_mode))
        h_fail("fifos said ready, but there is no FIFO %s in its directory\n"
               "  command: %s",
               SERVER_FIFO, s->cmd);
    h_setup_end();
    return s;
}

/* Stop the server with sig; it must exit with 0 and remove its FIFO. */
static void stop_server(struct h_proc *s, int sig)
{
    h_kill(s, sig);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    if (access(h_path(SERVER_FIFO), F_OK) == 0)
        h_fail("after %s, fifos exited but left %s behind: remove it "
               "before exiting\n  command: %s",
               sig == SIGINT ? "SIGINT" : "SIGTERM", SERVER_FIFO, s->cmd);
}

/* What fifoc prints for pid and message: the message in upper case. */
static const char *reply_line(pid_t pid, const char *msg)
{
    static char buf[256];
    int n = snprintf(buf, sizeof buf, "reply for %ld: ", (long)pid);
    for (size_t i = 0; msg[i] != '\0' && (size_t)n < sizeof buf - 2; i++)
        buf[n++] =
            (char)(msg[i] >= 'a' && msg[i] <= 'z' ? msg[i] - 32 : msg[i]);
    buf[n++] = '\n';
    buf[n] = '\0';
    return buf;
}

/* The client's own reply FIFO must be gone. */
static void expect_no_reply_fifo(const struct h_proc *c)
{
    char name[64];
    snprintf(name, sizeof name, "fifo.%ld", (long)c->pid);
    if (access(h_path(name), F_OK) == 0)
        h_fail("%s was left behind by %s: the client removes its FIFO on "
               "every exit path",
               name, c->cmd);
}

/* Make a FIFO from the test, usable by the programs whatever their uid. */
static void make_fifo(const char *name)
{
    const char *path = h_path(name);
    if (mkfifo(path, 0600) == -1 || chmod(path, 0666) == -1)
        h_fail("harness: mkfifo %s: %s", path, strerror(errno));
}

static int open_or_fail(const char *name, int flags)
{
    int fd = open(h_path(name), flags);
    if (fd == -1)
        h_fail("open %s: %s (is the server running?)", name, strerror(errno));
    return fd;
}

/* Read exactly len bytes from the non-blocking fd, waiting with poll
 * within the budget b; false if they do not all come in time. */
static bool read_full(int fd, void *buf, size_t len, struct h_budget *b)
{
    size_t got = 0;
    while (got < len) {
        double left = h_budget_left(b);
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r == -1 && errno == EINTR)
            continue;
        if (r == -1)
            h_fail("harness: poll: %s", strerror(errno));
        if (r == 0)
            continue; /* the budget says whether time is up */
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n == -1 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(one_client)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", "hi there", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, "hi there"));
    h_expect_stderr_empty(c);
    stop_server(s, SIGTERM);
    char want[64];
    snprintf(want, sizeof want, "fifos: replied to %ld\n", (long)c->pid);
    if (strstr(s->out, want) == NULL)
        h_fail("fifos should print %s after it answered the client\n"
               "  stdout: %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(s->out, s->out_len),
               s->cmd);
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(default_message)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, "hello"));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(server_output)
{
    struct h_proc *s = start_server();
    for (int i = 0; i < 2; i++) {
        struct h_proc *c = h_run(NULL, "fifoc", "x", NULL);
        h_expect_exit(c, 0);
        /* Each line reaches the file at once, while the server runs
         * (stdout is a file here: fully buffered unless flushed). */
        char line[64];
        snprintf(line, sizeof line, "fifos: replied to %ld\n", (long)c->pid);
        if (!h_await_stdout(s, line, 1.0)) {
            size_t len = 0;
            char *so_far = h_read_file(s->out_path, &len);
            h_fail("fifoc (pid %ld) got its reply, but fifos' stdout still "
                   "has no line \"fifos: replied to %ld\": print each line "
                   "and fflush(stdout) at once (stdout is a file here, "
                   "fully buffered)\n  fifos' stdout so far: %s\n"
                   "  command: %s",
                   (long)c->pid, (long)c->pid,
                   so_far != NULL ? h_quote(so_far, len) : "(no file)", s->cmd);
        }
    }
    stop_server(s, SIGTERM);
    const char *want = "fifos: ready\n"
                       "fifos: replied to #\n"
                       "fifos: replied to #\n"
                       "fifos: SIGTERM: removed fifo.server "
                       "(replies sent: #)\n";
    char *got = h_hide_digits(s->out);
    if (strcmp(got, want) != 0 || strstr(s->out, "sent: 2)") == NULL)
        h_fail("fifos' stdout should be these lines (# for a number):\n%s"
               "  with \"replies sent: 2\"; got: %s\n  command: %s",
               want, h_quote(s->out, s->out_len), s->cmd);
    free(got);
}
END_TEST

START_TEST(sequential_clients)
{
    /* One after another: after each client has closed its end, the
     * server's FIFO has no writer left unless the server keeps one. */
    struct h_proc *s = start_server();
    for (int i = 0; i < 5; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "number %d", i);
        struct h_proc *c = h_run(NULL, "fifoc", msg, NULL);
        h_expect_exit(c, 0);
        h_expect_stdout(c, reply_line(c->pid, msg));
    }
    stop_server(s, SIGTERM);
    if (strstr(s->out, "(replies sent: 5)") == NULL)
        h_fail("fifos should end with \"(replies sent: 5)\"; stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

/* The descriptors pid holds now (/proc/PID/fd); -1 when unreadable. */
static int count_fds(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Bug caught: the server never closes a client's reply FIFO: one
 * descriptor leaks a client, and after about a thousand clients (a
 * normal ulimit -n) it can answer nobody. */
START_TEST(no_fd_leak)
{
    enum { MORE = 20 };
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", "first", NULL);
    h_expect_exit(c, 0);
    int before = count_fds(s->pid);
    for (int i = 0; i < MORE; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "number %d", i);
        c = h_run(NULL, "fifoc", msg, NULL);
        h_expect_exit(c, 0);
    }
    int after = count_fds(s->pid);
    if (before == -1 || after == -1)
        h_fail("harness: cannot read /proc/%ld/fd", (long)s->pid);
    if (after - before >= MORE / 2)
        h_fail("fifos held %d descriptors after one client and %d after %d "
               "more: it leaks one a client (a reply FIFO never closed?); "
               "with the usual limit of 1024 it would stop answering after "
               "about a thousand clients\n  command: %s",
               before, after, MORE, s->cmd);
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(concurrent_clients)
{
    /* The server is stopped while the clients start, so all of them are
     * alive at the same time and their requests pile up in its FIFO. */
    struct h_proc *s = start_server();
    h_kill(s, SIGSTOP);
    struct h_proc *c[NCLIENTS];
    char msg[NCLIENTS][32];
    for (int i = 0; i < NCLIENTS; i++) {
        snprintf(msg[i], sizeof msg[i], "client %d of %d", i, NCLIENTS);
        c[i] = h_start(NULL, "fifoc", msg[i], NULL);
    }
    for (int i = 0; i < NCLIENTS; i++) {
        char name[64];
        snprintf(name, sizeof name, "fifo.%ld", (long)c[i]->pid);
        if (!h_await_path(h_path(name), 0)) {
            h_kill(s, SIGCONT);
            h_fail("client %s never made its reply FIFO %s", c[i]->cmd, name);
        }
    }
    h_kill(s, SIGCONT);
    for (int i = 0; i < NCLIENTS; i++) {
        h_wait(c[i], 0);
        h_expect_exit(c[i], 0);
        h_expect_stdout(c[i], reply_line(c[i]->pid, msg[i]));
    }
    stop_server(s, SIGTERM);
    char *got = h_hide_digits(s->out);
    int n = h_count_lines(got, "fifos: replied to #");
    free(got);
    char want[64];
    snprintf(want, sizeof want, "(replies sent: %d)", NCLIENTS);
    if (n != NCLIENTS || strstr(s->out, want) == NULL)
        h_fail("fifos should print %d \"replied to\" lines and %s; "
               "it printed %d lines: %s",
               NCLIENTS, want, n, h_quote(s->out, s->out_len));
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(queued_requests)
{
    /* Ten requests written at once (one write, under PIPE_BUF): the server
     * must read them one struct at a time and answer each. */
    struct h_proc *s = start_server();
    int rfd[NBURST];
    struct request req[NBURST];
    memset(req, 0, sizeof req);
    for (int i = 0; i < NBURST; i++) {
        char name[32];
        req[i].pid = 900100 + i;
        snprintf(req[i].text, sizeof req[i].text, "queued %d", i);
        snprintf(name, sizeof name, "fifo.%ld", (long)req[i].pid);
        make_fifo(name);
        rfd[i] = open_or_fail(name, O_RDONLY | O_NONBLOCK);
    }
    int sfd = open_or_fail(SERVER_FIFO, O_WRONLY | O_NONBLOCK);
    if (write(sfd, req, sizeof req) != (ssize_t)sizeof req)
        h_fail("harness: write %s: %s", SERVER_FIFO, strerror(errno));
    close(sfd);
    struct h_budget b = h_budget(H_TIMEOUT);
    for (int i = 0; i < NBURST; i++) {
        struct reply rep;
        if (!read_full(rfd[i], &rep, sizeof rep, &b)) {
            h_kill(s, SIGKILL);
            h_wait(s, 0);
            h_fail("ten requests sent in one write: no whole reply to "
                   "request %d (pid %ld) came back.\n  Read ONE struct "
                   "request per read(), never a bigger buffer.\n"
                   "  fifos stdout: %s\n  stderr: %s",
                   i, (long)req[i].pid, h_quote(s->out, s->out_len),
                   h_quote(s->err, s->err_len));
        }
        char want[32];
        snprintf(want, sizeof want, "QUEUED %d", i);
        if (rep.pid != req[i].pid ||
            memchr(rep.text, '\0', sizeof rep.text) == NULL ||
            strcmp(rep.text, want) != 0)
            h_fail("the reply for pid %ld should be {pid %ld, \"%s\"}, "
                   "got pid %ld and %s",
                   (long)req[i].pid, (long)req[i].pid, want, (long)rep.pid,
                   h_quote(rep.text, sizeof rep.text));
        close(rfd[i]);
    }
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(vanished_client)
{
    /* Two requests from clients that are gone: one left its FIFO with
     * nobody reading it, the other left no FIFO at all.  Then a real
     * client must still get its reply. */
    struct h_proc *s = start_server();
    make_fifo("fifo.900001");
    struct request ghost[2];
    memset(ghost, 0, sizeof ghost);
    ghost[0].pid = 900001;
    strcpy(ghost[0].text, "gone, FIFO left");
    ghost[1].pid = 900002;
    strcpy(ghost[1].text, "gone, no FIFO");
    int sfd = open_or_fail(SERVER_FIFO, O_WRONLY | O_NONBLOCK);
    if (write(sfd, ghost, sizeof ghost) != (ssize_t)sizeof ghost)
        h_fail("harness: write %s: %s", SERVER_FIFO, strerror(errno));
    close(sfd);
    struct h_proc *c = h_run(NULL, "fifoc", "still there?", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, "still there?"));
    stop_server(s, SIGTERM);
    h_expect_stderr_has(s, "900001", "900002", NULL);
    unlink(h_path("fifo.900001"));
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(no_server)
{
    struct h_proc *c = h_run(NULL, "fifoc", "anyone?", NULL);
    h_expect_failure(c);
    h_expect_stderr_has(c, "no server", NULL);
    h_expect_stdout_empty(c);
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(stale_fifo_client)
{
    /* A FIFO left by a server that was killed: nobody reads it. */
    make_fifo(SERVER_FIFO);
    struct h_proc *c = h_run(NULL, "fifoc", "anyone?", NULL);
    if (c->timed_out)
        h_fail("%s hung on a FIFO that no server reads: open it with "
               "O_WRONLY | O_NONBLOCK, which fails with ENXIO",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "no server", NULL);
    expect_no_reply_fifo(c);
}
END_TEST

START_TEST(stale_fifo_server)
{
    make_fifo(SERVER_FIFO);
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", "new server", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, "new server"));
    stop_server(s, SIGTERM);
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(second_server)
{
    struct h_proc *s = start_server();
    struct h_proc *t = h_run(NULL, "fifos", NULL);
    if (!t->done || t->timed_out) {
        h_kill(s, SIGKILL);
        h_fail("a second fifos should refuse to start while one runs, "
               "but it kept running\n  command: %s",
               t->cmd);
    }
    h_expect_failure(t);
    h_expect_stderr_has(t, SERVER_FIFO, NULL);
    struct h_proc *c = h_run(NULL, "fifoc", "first", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, "first"));
    stop_server(s, SIGTERM);
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(sigterm_cleanup)
{
    struct h_proc *s = start_server();
    stop_server(s, SIGTERM);
    char *got = h_hide_digits(s->out);
    const char *want = "fifos: ready\n"
                       "fifos: SIGTERM: removed fifo.server "
                       "(replies sent: #)\n";
    if (strcmp(got, want) != 0)
        h_fail("fifos' stdout should be %s, got %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(s->out, s->out_len),
               s->cmd);
    free(got);
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(sigint_cleanup)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", "bye", NULL);
    h_expect_exit(c, 0);
    stop_server(s, SIGINT);
    if (strstr(s->out, "fifos: SIGINT: removed fifo.server (replies sent: "
                       "1)\n") == NULL)
        h_fail("after one reply and SIGINT fifos should print \"fifos: "
               "SIGINT: removed fifo.server (replies sent: 1)\"; "
               "stdout: %s",
               h_quote(s->out, s->out_len));
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(client_interrupted)
{
    /* The test plays a server that takes the request and never answers;
     * the user presses Ctrl-C (SIGINT) while the client waits. */
    make_fifo(SERVER_FIFO);
    int sfd = open_or_fail(SERVER_FIFO, O_RDONLY | O_NONBLOCK);
    struct h_proc *c = h_start(NULL, "fifoc", "ping", NULL);
    struct request req;
    struct h_budget b = h_budget(H_TIMEOUT);
    bool got = read_full(sfd, &req, sizeof req, &b);
    close(sfd);
    if (!got) {
        h_wait(c, 0.1);
        h_fail("no whole struct request (%zu bytes: pid, then a %d-byte "
               "text) arrived in %s\n  client stderr: %s\n  command: %s",
               sizeof req, MSG_MAX, SERVER_FIFO, h_quote(c->err, c->err_len),
               c->cmd);
    }
    if (req.pid != c->pid || strcmp(req.text, "ping") != 0)
        h_fail("the request should be {pid %ld, \"ping\"}, got pid %ld and "
               "%s\n  command: %s",
               (long)c->pid, (long)req.pid,
               h_quote(req.text, strnlen(req.text, sizeof req.text)), c->cmd);
    h_kill(c, SIGINT);
    h_wait(c, 0);
    if (c->timed_out || (WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0))
        h_fail("SIGINT while waiting for its reply should end %s with a "
               "failure (or by the signal); it %s",
               c->cmd, c->timed_out ? "kept running" : "exited with 0");
    expect_no_reply_fifo(c);
    unlink(h_path(SERVER_FIFO));
    h_expect_no_fifos(NULL);
}
END_TEST

START_TEST(longest_message)
{
    char msg[MSG_MAX];
    for (int i = 0; i < MSG_MAX - 1; i++)
        msg[i] = (char)('a' + i % 26);
    msg[MSG_MAX - 1] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", msg, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(c->pid, msg));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(overlong_message)
{
    char msg[MSG_MAX + 1];
    memset(msg, 'z', MSG_MAX);
    msg[MSG_MAX] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "fifoc", msg, NULL);
    h_expect_exit(c, 2);
    h_expect_stderr_has(c, "too long", "usage:", NULL);
    h_expect_stdout_empty(c);
    expect_no_reply_fifo(c);
    stop_server(s, SIGTERM);
    if (strstr(s->out, "(replies sent: 0)") == NULL)
        h_fail("an overlong message must not reach the server; its "
               "stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(usage)
{
    struct h_proc *c = h_run(NULL, "fifoc", "one", "two", NULL);
    h_expect_exit(c, 2);
    h_expect_stderr_has(c, "usage:", NULL);
    h_expect_stdout_empty(c);
    struct h_proc *s = h_run(NULL, "fifos", "extra", NULL);
    h_expect_exit(s, 2);
    h_expect_stderr_has(s, "usage:", NULL);
    h_expect_stdout_empty(s);
    h_expect_no_fifos(NULL);
}
END_TEST

static const struct h_test tests[] = {
    {&one_client, 3, "one client gets its message back in upper case",
     "the FIFOs are opened in an order that deadlocks, or the reply is "
     "lost"},
    {&default_message, 1, "fifoc with no argument sends \"hello\"",
     "reads argv[1] without checking argc"},
    {&server_output, 1, "fifos prints ready, one line per reply, a summary",
     "no fflush, or other lines on stdout"},
    {&sequential_clients, 2, "five clients one after another are served",
     "no writer of its own on fifo.server: end-of-file after the first "
     "client"},
    {&no_fd_leak, 2, "21 clients in a row: the server's descriptors stay few",
     "a reply FIFO never closed: one descriptor leaks a client"},
    {&concurrent_clients, 4, "60 clients at once each get their own reply",
     "shared reply FIFO name, or a request/reply protocol that mixes "
     "clients up",
     60},
    {&queued_requests, 2, "ten requests queued at once get ten replies",
     "reads more than one struct request at a time and drops the rest"},
    {&vanished_client, 3, "survives clients that vanished before the reply",
     "blocking open of a dead client's FIFO, or exits when it fails"},
    {&no_server, 2, "fifoc with no server fails fast, leaves no FIFO",
     "no cleanup of fifo.<pid> on the error path"},
    {&stale_fifo_client, 2, "fifoc fails fast on a FIFO no server reads",
     "blocking open of fifo.server: waits forever for a reader"},
    {&stale_fifo_server, 2, "fifos replaces a stale fifo.server",
     "mkfifo's EEXIST is fatal even when no server reads the FIFO"},
    {&second_server, 1, "a second fifos refuses to start",
     "removes or shares a FIFO another server still reads"},
    {&sigterm_cleanup, 2, "SIGTERM: fifos removes its FIFO, exits 0",
     "SIGTERM not handled, or the FIFO never unlinked"},
    {&sigint_cleanup, 2, "SIGINT: fifos removes its FIFO, exits 0",
     "the FIFO is never unlinked"},
    {&client_interrupted, 2, "fifoc sends its pid and text; SIGINT cleans up",
     "no signal handler: Ctrl-C leaves fifo.<pid> behind"},
    {&longest_message, 1, "a 127-byte message is accepted",
     "off-by-one in the length check"},
    {&overlong_message, 1, "a 128-byte message: usage error, status 2",
     "the message is silently cut short"},
    {&usage, 1, "wrong argument counts: usage line, status 2",
     "no argument check"},
};

H_LAB("04-fifo", "fifo.h fifos.c fifoc.c", "fifos fifoc", tests)
