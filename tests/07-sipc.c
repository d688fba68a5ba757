/*
 * 07-sipc.c - tests for lab 07 (sipc1.c, sipc2.c, shm.h): a server and its
 * clients over one System V shared memory segment, with C11 atomics and a
 * futex.  See handouts/07-sipc.md for the specification.
 *
 * The tests never look inside the segment: they find it by its key
 * ftok(dir, 'm') (the handout's SHM_PROJ_ID), check its mode, and leave
 * stale or wrong segments in the way.  Time is measured, never slept: a
 * wait for text that never comes (h_await_stdout) is a bounded wait.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHM_PROJ_ID 'm'
#define SIPC_TEXT 256
#define WAITING "sipc2: waiting for a server\n"
/* Text no program prints: waiting for it is a bounded wait. */
#define NEVER "\001never\001"

enum { NCLIENTS = 20, NSEQ = 20 };

/* ---- helpers ----------------------------------------------------------- */

/* The key of the segment of dir (NULL: the work directory). */
static key_t lab_key(const char *dir)
{
    const char *d = dir != NULL ? dir : h_workdir();
    key_t key = ftok(d, SHM_PROJ_ID);
    if (key == -1)
        h_fail("harness: ftok %s: %s", d, strerror(errno));
    return key;
}

/* The id of the segment of dir, or -1 when there is none. */
static int find_segment(const char *dir)
{
    return shmget(lab_key(dir), 0, 0);
}

static void remove_segment(int id)
{
    if (shmctl(id, IPC_RMID, NULL) == -1 && errno != EINVAL && errno != EIDRM)
        h_fail("harness: shmctl IPC_RMID: %s", strerror(errno));
}

/* Start sipc1 (with COUNT unless NULL) and wait until it says ready. */
static struct h_proc *start_server_in(const struct h_opts *o, const char *count)
{
    return h_start_ready(o, "sipc1: ready\n", "sipc1", count, NULL);
}

static struct h_proc *start_server(void)
{
    return start_server_in(NULL, NULL);
}

/* Stop the server with sig; it must exit with 0 and leave no segment. */
static void stop_server(struct h_proc *s, int sig)
{
    h_kill(s, sig);
    h_wait(s, 0);
    if (s->timed_out)
        h_fail("%s did not stop on %s: it must catch the signal, leave its "
               "wait (EINTR) and end its loop\n  stdout: %s",
               s->cmd, sig == SIGINT ? "SIGINT" : "SIGTERM",
               h_quote(s->out, s->out_len));
    h_expect_exit(s, 0);
    h_expect_no_ipc();
}

/* Start a client and wait until it says it waits for a server. */
static struct h_proc *start_waiting_client(const char *text)
{
    struct h_proc *c = h_start(NULL, "sipc2", "-t", "60", text, NULL);
    if (!h_await_stdout(c, WAITING, 0)) {
        h_kill(c, SIGKILL);
        h_wait(c, 0.1);
        h_fail("started with no server, sipc2 should print \"sipc2: "
               "waiting for a server\" on stdout (flushed) and wait.\n"
               "  stdout: %s\n  stderr: %s\n  command: %s",
               h_quote(c->out, c->out_len), h_quote(c->err, c->err_len),
               c->cmd);
    }
    return c;
}

/* What sipc2 prints for reply serial to pid about text. */
static const char *reply_line(unsigned serial, pid_t pid, const char *text)
{
    static char buf[512];
    int n = snprintf(buf, sizeof buf, "reply %u for %ld: ", serial, (long)pid);
    for (size_t i = 0; text[i] != '\0' && (size_t)n < sizeof buf - 2; i++)
        buf[n++] =
            (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
    buf[n++] = '\n';
    buf[n] = '\0';
    return buf;
}

/* The client exited 0 and printed its reply (after the waiting line when
 * waited); the serial number it got, which must be in 1..max. */
static unsigned expect_reply(const struct h_proc *c, const char *text,
                             bool waited, unsigned max)
{
    h_expect_exit(c, 0);
    const char *out = c->out;
    if (waited) {
        if (strncmp(out, WAITING, strlen(WAITING)) != 0)
            h_fail("sipc2 started first should print \"sipc2: waiting for "
                   "a server\" first; stdout: %s\n  command: %s",
                   h_quote(c->out, c->out_len), c->cmd);
        out += strlen(WAITING);
    }
    unsigned serial = 0;
    if (sscanf(out, "reply %u ", &serial) != 1 || serial < 1 || serial > max ||
        strcmp(out, reply_line(serial, c->pid, text)) != 0)
        h_fail("sipc2 should print %s (N from 1 to %u)\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(reply_line(0, c->pid, text),
                       strlen(reply_line(0, c->pid, text))),
               max, h_quote(c->out, c->out_len), h_quote(c->err, c->err_len),
               c->cmd);
    return serial;
}

/* Lines of the server's stdout that start with "sipc1: served". */
static int served_lines(const struct h_proc *s)
{
    int n = 0;
    for (const char *p = s->out; (p = strstr(p, "sipc1: served")) != NULL; p++)
        n++;
    return n;
}

static void expect_served(const struct h_proc *s, unsigned serial, pid_t pid,
                          const char *text)
{
    char want[512];
    snprintf(want, sizeof want, "sipc1: served %u for %ld: %s\n", serial,
             (long)pid, text);
    if (strstr(s->out, want) == NULL)
        h_fail("sipc1 should print %s\n  stdout: %s\n  command: %s",
               h_quote(want, strlen(want)), h_quote(s->out, s->out_len),
               s->cmd);
}

/* What h_expect_idle tells a program that spins while it waits. */
static const char idle_hint[] =
    "Sleep in the kernel (a futex wait on the state word), do not loop on a"
    " load.";

/* ---- tests ------------------------------------------------------------- */

START_TEST(server_first)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "sipc2", "hi there", NULL);
    if (c->timed_out)
        h_fail("%s never finished: the request or the reply was never "
               "seen.  A plain int spun on at -O2 is read once and never "
               "again; use an _Atomic state, loaded with "
               "memory_order_acquire.\n  server stdout: %s",
               c->cmd, h_quote(s->out, s->out_len));
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c->pid, "hi there"));
    h_expect_stderr_empty(c);
    stop_server(s, SIGTERM);
    expect_served(s, 1, c->pid, "hi there");
}
END_TEST

START_TEST(client_first)
{
    /* Two clients start before the server: the first creates the
     * segment, the second finds it; then the server takes it. */
    struct h_proc *c[2];
    c[0] = start_waiting_client("early one");
    c[1] = start_waiting_client("early two");
    struct h_proc *s = start_server();
    unsigned got[2];
    for (int i = 0; i < 2; i++) {
        h_wait(c[i], 0);
        if (c[i]->timed_out)
            h_fail("%s never got its reply once the server came\n"
                   "  server stdout: %s",
                   c[i]->cmd, h_quote(s->out, s->out_len));
        got[i] = expect_reply(c[i], i ? "early two" : "early one", true, 2);
    }
    if (got[0] == got[1])
        h_fail("both clients got reply %u: each request is served once",
               got[0]);
    /* The client that created the segment has gone; the server owns it
     * now, so a later client must still find it. */
    struct h_proc *d = h_run(NULL, "sipc2", "-t", "2", "later", NULL);
    if (d->timed_out || !WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0)
        h_fail("a client started after the early ones finished should "
               "find the server's segment; did the client that created it "
               "remove it although a server had taken it?\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(d->out, d->out_len), h_quote(d->err, d->err_len),
               d->cmd);
    h_expect_stdout(d, reply_line(3, d->pid, "later"));
    stop_server(s, SIGTERM);
    expect_served(s, got[0], c[0]->pid, "early one");
    expect_served(s, got[1], c[1]->pid, "early two");
}
END_TEST

START_TEST(default_message)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "sipc2", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c->pid, "hello"));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(sequential_clients)
{
    struct h_proc *s = start_server();
    pid_t pids[5];
    char text[5][32];
    for (unsigned i = 0; i < 5; i++) {
        snprintf(text[i], sizeof text[i], "request number %u", i + 1);
        struct h_proc *c = h_run(NULL, "sipc2", text[i], NULL);
        h_expect_exit(c, 0);
        h_expect_stdout(c, reply_line(i + 1, c->pid, text[i]));
        pids[i] = c->pid;
    }
    stop_server(s, SIGTERM);
    if (served_lines(s) != 5 || strstr(s->out, "(requests served: 5)") == NULL)
        h_fail("after 5 clients sipc1 should print 5 \"served\" lines and "
               "\"(requests served: 5)\"; stdout: %s",
               h_quote(s->out, s->out_len));
    for (unsigned i = 0; i < 5; i++)
        expect_served(s, i + 1, pids[i], text[i]);
}
END_TEST

START_TEST(concurrent_clients)
{
    /* Many clients at once take turns with the one slot: each gets
     * exactly its own reply, no reply is lost or given twice. */
    struct h_proc *s = start_server();
    struct h_proc *c[NCLIENTS];
    char text[NCLIENTS][32];
    for (int i = 0; i < NCLIENTS; i++) {
        snprintf(text[i], sizeof text[i], "client %d of %d", i, NCLIENTS);
        c[i] = h_start(NULL, "sipc2", text[i], NULL);
    }
    bool seen[NCLIENTS + 1] = {false};
    for (int i = 0; i < NCLIENTS; i++) {
        h_wait(c[i], 0);
        if (c[i]->timed_out)
            h_fail("%s never got its reply: with %d clients at once, one "
                   "took the slot and never freed it, or a wake-up was "
                   "lost\n  server stdout: %s",
                   c[i]->cmd, NCLIENTS, h_quote(s->out, s->out_len));
        unsigned n = expect_reply(c[i], text[i], false, NCLIENTS);
        if (seen[n])
            h_fail("two clients got reply number %u: a request was "
                   "overwritten or served twice\n  server stdout: %s",
                   n, h_quote(s->out, s->out_len));
        seen[n] = true;
    }
    stop_server(s, SIGTERM);
    if (served_lines(s) != NCLIENTS)
        h_fail("sipc1 should print %d \"served\" lines, printed %d: %s",
               NCLIENTS, served_lines(s), h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(prompt_wakeup)
{
    /* 20 exchanges one after the other take a few milliseconds each when
     * every change of state wakes the other side; a side that is not woken
     * sees the change only at the end of its tick (a second). */
    struct h_proc *s = start_server();
    double t0 = h_now(), limit = h_scale(H_TIMEOUT);
    int done = 0;
    while (done < NSEQ && h_now() - t0 < limit) {
        struct h_proc *c = h_run(NULL, "sipc2", "quick", NULL);
        h_expect_exit(c, 0);
        done++;
    }
    double took = h_now() - t0;
    stop_server(s, SIGTERM);
    if (done < NSEQ)
        h_fail("%d clients in a row took more than %.1f s (only %d done): "
               "a side is not woken when the state changes.  Call "
               "sipc_wake() after every change, and use FUTEX_WAIT / "
               "FUTEX_WAKE, not the _PRIVATE ones (the word is shared "
               "between processes)",
               NSEQ, took, done);
}
END_TEST

START_TEST(count_exit)
{
    struct h_proc *s = start_server_in(NULL, "3");
    pid_t pids[3];
    for (unsigned i = 0; i < 3; i++) {
        struct h_proc *c = h_run(NULL, "sipc2", "counted", NULL);
        h_expect_exit(c, 0);
        h_expect_stdout(c, reply_line(i + 1, c->pid, "counted"));
        pids[i] = c->pid;
    }
    h_wait(s, 0);
    if (s->timed_out)
        h_fail("sipc1 3 should exit by itself after 3 requests\n"
               "  stdout: %s",
               h_quote(s->out, s->out_len));
    h_expect_exit(s, 0);
    h_expect_no_ipc();
    char want[512];
    snprintf(want, sizeof want,
             "sipc1: ready\n"
             "sipc1: served 1 for %ld: counted\n"
             "sipc1: served 2 for %ld: counted\n"
             "sipc1: served 3 for %ld: counted\n"
             "sipc1: removed the segment (requests served: 3)\n",
             (long)pids[0], (long)pids[1], (long)pids[2]);
    h_expect_stdout(s, want);
}
END_TEST

START_TEST(sigterm_cleanup)
{
    struct h_proc *s = start_server();
    stop_server(s, SIGTERM);
    h_expect_stdout(s, "sipc1: ready\n"
                       "sipc1: SIGTERM: removed the segment "
                       "(requests served: 0)\n");
}
END_TEST

START_TEST(sigint_cleanup)
{
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "sipc2", "bye", NULL);
    h_expect_exit(c, 0);
    stop_server(s, SIGINT);
    if (strstr(s->out, "sipc1: SIGINT: removed the segment (requests "
                       "served: 1)\n") == NULL)
        h_fail("after one request and SIGINT sipc1 should print \"sipc1: "
               "SIGINT: removed the segment (requests served: 1)\"; "
               "stdout: %s",
               h_quote(s->out, s->out_len));
}
END_TEST

START_TEST(idle_cpu)
{
    /* A waiting client, then a waiting server, must sleep, not spin. */
    double t0 = h_now();
    struct h_proc *c = start_waiting_client("patience");
    h_await_stdout(c, NEVER, 0.4);
    h_expect_idle(c, t0, "for a server", idle_hint);
    t0 = h_now();
    struct h_proc *s = start_server();
    h_wait(c, 0);
    expect_reply(c, "patience", true, 1);
    h_await_stdout(s, NEVER, 0.4);
    h_expect_idle(s, t0, "for a request", idle_hint);
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(no_server)
{
    struct h_proc *c = h_run(NULL, "sipc2", "-t", "1", "anyone?", NULL);
    if (c->timed_out)
        h_fail("%s waited longer than its -t 1: a client gives up when no "
               "server came in time",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "no server", NULL);
    h_expect_stdout(c, WAITING);
    h_expect_no_ipc();
}
END_TEST

START_TEST(client_gives_up)
{
    /* The client made the segment; SIGTERM while it waits: it must
     * remove the segment, since no server ever took it. */
    struct h_proc *c = start_waiting_client("never mind");
    h_kill(c, SIGTERM);
    h_wait(c, 0);
    if (c->timed_out)
        h_fail("%s kept waiting after SIGTERM", c->cmd);
    if (!WIFEXITED(c->status))
        h_fail("%s was killed by SIGTERM: catch it, so that the segment it "
               "created is removed",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "SIGTERM", NULL);
    h_expect_no_ipc();
}
END_TEST

START_TEST(leftover_segment)
{
    /* A killed server cannot remove its segment.  The next server must
     * refuse it and name ipcrm; a client must fail on it, not wait for
     * ever; neither may remove it. */
    struct h_proc *s = start_server();
    h_kill(s, SIGKILL);
    h_wait(s, 0);
    int old = find_segment(NULL);
    if (old == -1)
        h_fail("after SIGKILL the segment should still exist");
    struct h_proc *t = h_run(NULL, "sipc1", NULL);
    if (t->timed_out)
        h_fail("sipc1 started on the segment a killed server left: it "
               "must see that another server took it (shm->server) and "
               "refuse\n  stdout: %s\n  command: %s",
               h_quote(t->out, t->out_len), t->cmd);
    h_expect_failure(t);
    h_expect_stderr_has(t, "ipcrm", NULL);
    if (strstr(t->out, "ready") != NULL)
        h_fail("sipc1 printed ready on a leftover segment: %s",
               h_quote(t->out, t->out_len));
    struct h_proc *c = h_run(NULL, "sipc2", "-t", "60", "hello?", NULL);
    if (c->timed_out)
        h_fail("%s waited on a segment whose server is dead: check the "
               "server's pid with kill(pid, 0) while waiting",
               c->cmd);
    h_expect_failure(c);
    h_expect_stderr_has(c, "ipcrm", NULL);
    if (find_segment(NULL) != old)
        h_fail("the leftover segment was removed or replaced by a program "
               "that did not own it");
    remove_segment(old);
    struct h_proc *u = start_server();
    struct h_proc *d = h_run(NULL, "sipc2", "again", NULL);
    h_expect_exit(d, 0);
    h_expect_stdout(d, reply_line(1, d->pid, "again"));
    stop_server(u, SIGTERM);
}
END_TEST

START_TEST(second_server)
{
    struct h_proc *s = start_server();
    struct h_proc *t = h_run(NULL, "sipc1", NULL);
    if (t->timed_out) {
        h_kill(s, SIGTERM);
        h_fail("a second sipc1 should refuse to start while one runs, but "
               "it kept running\n  command: %s",
               t->cmd);
    }
    h_expect_failure(t);
    h_expect_stderr_has(t, "ipcrm", NULL);
    struct h_proc *c = h_run(NULL, "sipc2", "first", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c->pid, "first"));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(two_directories)
{
    /* Two servers in two directories (two students, two gradings) must
     * get two segments and each serve only its own clients. */
    const char *other = h_path("other");
    if (mkdir(other, 0777) == -1)
        h_fail("harness: mkdir %s: %s", other, strerror(errno));
    struct h_opts there = {.cwd = other};
    struct h_proc *s[2];
    s[0] = start_server();
    s[1] = h_start(&there, "sipc1", NULL);
    bool ready = h_await_stdout(s[1], "sipc1: ready\n", 0);
    struct h_proc *c[2] = {NULL, NULL};
    if (ready) {
        c[0] = h_run(NULL, "sipc2", "here", NULL);
        c[1] = h_run(&there, "sipc2", "there", NULL);
    }
    for (int i = 0; i < 2; i++) {
        h_kill(s[i], SIGTERM);
        h_wait(s[i], 0);
    }
    /* The harness removes only what is keyed on the work directory. */
    int left = find_segment(other);
    if (left != -1)
        remove_segment(left);
    if (!ready)
        h_fail("sipc1 in another directory should start while one runs "
               "here: derive the key with ftok(\".\", 'm'), never a fixed "
               "number\n  stderr: %s",
               h_quote(s[1]->err, s[1]->err_len));
    if (left != -1)
        h_fail("the server in %s left its segment behind", other);
    for (int i = 0; i < 2; i++) {
        h_expect_exit(c[i], 0);
        h_expect_stdout(c[i], reply_line(1, c[i]->pid, i ? "there" : "here"));
        h_expect_exit(s[i], 0);
        if (served_lines(s[i]) != 1)
            h_fail("each server should serve only the client in its own "
                   "directory; %s printed %s",
                   i ? "the one in other/" : "the first",
                   h_quote(s[i]->out, s[i]->out_len));
    }
    h_expect_no_ipc();
}
END_TEST

START_TEST(segment_private)
{
    struct h_proc *s = start_server();
    struct shmid_ds ds;
    if (shmctl(find_segment(NULL), IPC_STAT, &ds) == -1)
        h_fail("harness: no segment with key ftok(\".\", 'm') while sipc1 "
               "runs: %s",
               strerror(errno));
    stop_server(s, SIGTERM);
    if ((ds.shm_perm.mode & 0777) != 0600)
        h_fail("the segment's mode should be 0600 (SHM_MODE: only its "
               "owner may attach it), got 0%o",
               (unsigned)(ds.shm_perm.mode & 0777));
}
END_TEST

START_TEST(wrong_size)
{
    /* A segment of another size under our key (an older version, a
     * collision): shmget fails with EINVAL; both programs must say how to
     * remove it, and leave it alone. */
    int id = shmget(lab_key(NULL), 16, IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1)
        h_fail("harness: shmget: %s", strerror(errno));
    struct h_proc *s = h_run(NULL, "sipc1", NULL);
    struct h_proc *c = h_run(NULL, "sipc2", "-t", "1", "x", NULL);
    bool there = find_segment(NULL) == id;
    remove_segment(id);
    h_expect_failure(s);
    h_expect_stderr_has(s, "ipcrm", NULL);
    h_expect_failure(c);
    h_expect_stderr_has(c, "ipcrm", NULL);
    if (!there)
        h_fail("a segment of the wrong size was removed by a program that "
               "did not create it");
    /* Larger: shmget(key, SHM_SIZE, 0) finds it without an error, so only
     * its size (IPC_STAT shm_segsz) tells. */
    id = shmget(lab_key(NULL), 1 << 20, IPC_CREAT | IPC_EXCL | 0600);
    if (id == -1)
        h_fail("harness: shmget: %s", strerror(errno));
    s = h_run(NULL, "sipc1", NULL);
    c = h_run(NULL, "sipc2", "-t", "1", "x", NULL);
    there = find_segment(NULL) == id;
    remove_segment(id);
    if (!there)
        h_fail("a segment of 1 MiB under our key was removed by a program "
               "that did not create it");
    if (s->timed_out || (WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0))
        h_fail("sipc1 took a 1 MiB segment under its key as its own (%s): "
               "shmget finds a larger segment without an error; compare "
               "shm_segsz (shmctl IPC_STAT) with SHM_SIZE\n  command: %s",
               s->timed_out ? "it served it until it was killed"
                            : "it exited 0",
               s->cmd);
    h_expect_failure(s);
    h_expect_stderr_has(s, "ipcrm", NULL);
    h_expect_failure(c);
    h_expect_stderr_has(c, "ipcrm", NULL);
}
END_TEST

START_TEST(longest_message)
{
    char msg[SIPC_TEXT];
    for (int i = 0; i < SIPC_TEXT - 1; i++)
        msg[i] = (char)('a' + i % 26);
    msg[SIPC_TEXT - 1] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "sipc2", msg, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c->pid, msg));
    stop_server(s, SIGTERM);
}
END_TEST

START_TEST(overlong_message)
{
    char msg[SIPC_TEXT + 1];
    memset(msg, 'z', SIPC_TEXT);
    msg[SIPC_TEXT] = '\0';
    struct h_proc *s = start_server();
    struct h_proc *c = h_run(NULL, "sipc2", msg, NULL);
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

START_TEST(usage)
{
    static const char *const client[][3] = {{"one", "two", NULL},
                                            {"-t", "0", "x"},
                                            {"-t", "x", "y"},
                                            {"-t", "3601", "z"}};
    for (size_t i = 0; i < sizeof client / sizeof client[0]; i++) {
        struct h_proc *c = h_run(NULL, "sipc2", client[i][0], client[i][1],
                                 client[i][2], NULL);
        h_expect_exit(c, 2);
        h_expect_stderr_has(c, "usage:", NULL);
        h_expect_stdout_empty(c);
    }
    static const char *const server[][2] = {
        {"0", NULL}, {"x", NULL}, {"-1", NULL}, {"1", "2"}};
    for (size_t i = 0; i < sizeof server / sizeof server[0]; i++) {
        struct h_proc *s =
            h_run(NULL, "sipc1", server[i][0], server[i][1], NULL);
        if (s->timed_out)
            h_fail("%s should fail with a usage line, but it started", s->cmd);
        h_expect_exit(s, 2);
        h_expect_stderr_has(s, "usage:", NULL);
        h_expect_stdout_empty(s);
    }
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&server_first, 3, "server first, then a client: reply 1, in upper case",
     "a plain int spun on at -O2 (never re-read), or the wrong key/layout"},
    {&client_first, 3, "two clients first, then the server: both served",
     "the client never creates the segment, or the server refuses it"},
    {&default_message, 1, "sipc2 with no MESSAGE sends \"hello\"",
     "reads argv without checking argc"},
    {&sequential_clients, 3, "5 clients in a row get replies 1..5",
     "the slot is not set EMPTY again, or a reply is repeated"},
    {&concurrent_clients, 4, "20 clients at once: each its own reply, once",
     "two clients write the slot at once (no compare-and-swap)", 60},
    {&prompt_wakeup, 2, "20 exchanges in a row are quick: every change wakes",
     "no wake after a change, or FUTEX_*_PRIVATE across processes", 30},
    {&count_exit, 2, "sipc1 3 serves 3 requests, removes, exits 0",
     "COUNT ignored, or the segment not removed on that way out"},
    {&sigterm_cleanup, 2, "SIGTERM: sipc1 removes its segment, exits 0",
     "SIGTERM not caught, or the segment never removed"},
    {&sigint_cleanup, 2, "SIGINT: sipc1 removes its segment, exits 0",
     "EINTR taken for an error, or the segment never removed"},
    {&idle_cpu, 3, "waiting client and server use under 20% CPU",
     "spins on the state (atomic or not) instead of sleeping in a futex"},
    {&no_server, 2, "sipc2 -t 1 with no server gives up, removes the segment",
     "waits for ever, or leaves the segment it created"},
    {&client_gives_up, 2, "SIGTERM while sipc2 waits: it removes its segment",
     "the client does not catch SIGTERM, or never removes what it created"},
    {&leftover_segment, 2, "a killed server's segment: refused, ipcrm named",
     "the stale segment and its old state are reused, or waited on"},
    {&second_server, 1, "a second sipc1 refuses to start",
     "no ownership check: two servers share one slot"},
    {&two_directories, 2, "servers in two directories do not collide",
     "a fixed key: two students (or gradings) share a segment"},
    {&segment_private, 1, "the segment's mode is 0600",
     "mode 0666: anyone on the machine may attach the segment"},
    {&wrong_size, 1, "a segment of another size: refused, ipcrm named",
     "EINVAL unexplained, a larger segment taken (no IPC_STAT size "
     "check), or someone else's segment removed"},
    {&longest_message, 1, "a 255-byte message is accepted",
     "off-by-one in the length check"},
    {&overlong_message, 1, "a 256-byte message: usage error, status 2",
     "the message is silently cut short or overflows the slot"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("07-sipc", "shm.h sipc1.c sipc2.c", "sipc1 sipc2", tests)
