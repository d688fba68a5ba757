/*
 * 11-sem.c - tests for lab 11 (sem.h, semsrv.c, semcli.c): lab 07's
 * request and reply through a System V segment, with a System V semaphore
 * set taking the turns and SEM_UNDO freeing the slot of a killed client.
 * See handouts/11-sem.md for the specification.
 *
 * The tests find the set and the segment by their key, ftok(workdir,
 * 's'), and look at them only through IPC_STAT; one test makes a set
 * itself, as a server would that never finished starting.  A client run
 * with -h prints "semcli: holding the slot" once it holds it: that line is
 * the handshake for every test about the lock.  Killed programs are
 * reaped (h_wait) before the next step, because a zombie still answers
 * kill(pid, 0) and the programs use that to see who is alive.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* From the handout (sem.h is given). */
#define PROJ 's'
#define NSEMS 4
#define READY "semsrv: ready\n"
#define HOLDING "semcli: holding the slot\n"

union semun_t {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/* ---- helpers ----------------------------------------------------------- */

static key_t key_of(const char *dir)
{
    key_t k = ftok(dir, PROJ);
    if (k == -1)
        h_fail("harness: ftok %s: %s", dir, strerror(errno));
    return k;
}

/* Start semsrv with an optional COUNT and wait for "semsrv: ready". */
static struct h_proc *start_server_in(const struct h_opts *o, const char *n)
{
    return h_start_ready(o, READY, "semsrv", n, NULL);
}

static struct h_proc *start_server(const char *n)
{
    return start_server_in(NULL, n);
}

/* Start semcli -h and wait until it holds the slot. */
static struct h_proc *start_holder(void)
{
    struct h_proc *c = h_start(NULL, "semcli", "-h", "holder", NULL);
    if (!h_await_stdout(c, HOLDING, 0)) {
        h_kill(c, SIGKILL);
        h_wait(c, 0.1);
        h_fail("semcli -h never printed \"semcli: holding the slot\" "
               "(flushed) once it held the slot\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               h_quote(c->out, c->out_len), h_quote(c->err, c->err_len),
               c->cmd);
    }
    return c;
}

/* "reply N for PID: TEXT\n" for process p. */
static const char *reply_line(unsigned long n, const struct h_proc *p,
                              const char *upper)
{
    static char buf[2][400];
    static int next;
    char *b = buf[next++ % 2];
    snprintf(b, sizeof buf[0], "reply %lu for %ld: %s\n", n, (long)p->pid,
             upper);
    return b;
}

/* Run one client with MESSAGE and expect reply n. */
static void expect_served(unsigned long n, const char *msg, const char *upper)
{
    struct h_proc *c = h_run(NULL, "semcli", msg, NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(n, c, upper));
}

/* Stop a server that serves until a signal, and expect it left nothing. */
static void stop_server(struct h_proc *s)
{
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_ipc();
}

/* ---- tests ------------------------------------------------------------- */

/* Bug caught: the set or the segment is not removed after COUNT
 * requests. */
START_TEST(one_request)
{
    struct h_proc *s = start_server("1");
    struct h_proc *c = h_run(NULL, "semcli", "hi there", NULL);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c, "HI THERE"));
    h_wait(s, 0);
    h_expect_exit(s, 0);
    char want[300];
    snprintf(want, sizeof want,
             READY "semsrv: served 1 for %ld: hi there\n"
                   "semsrv: removed the set and the segment (requests "
                   "served: 1)\n",
             (long)c->pid);
    h_expect_stdout(s, want);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the slot is not freed after a request (the second client
 * waits for ever), or serial numbers do not count. */
START_TEST(in_turn)
{
    struct h_proc *s = start_server("3");
    expect_served(1, "first", "FIRST");
    expect_served(2, "second one", "SECOND ONE");
    expect_served(3, "3rd: mixed Case 42", "3RD: MIXED CASE 42");
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: two clients in the slot at once (the lock does not
 * exclude), so one gets the other's reply. */
START_TEST(many_clients)
{
    enum { N = 30 };
    struct h_proc *s = start_server("30");
    struct h_proc *c[N];
    char msg[N][32];
    for (int i = 0; i < N; i++) {
        snprintf(msg[i], sizeof msg[i], "client %02d", i);
        c[i] = h_start(NULL, "semcli", msg[i], NULL);
    }
    bool seen[N + 1] = {false};
    for (int i = 0; i < N; i++) {
        h_wait(c[i], 0);
        h_expect_exit(c[i], 0);
        unsigned long n;
        long pid;
        char text[64];
        int got =
            sscanf(c[i]->out, "reply %lu for %ld: %63[^\n]", &n, &pid, text);
        if (got != 3 || pid != (long)c[i]->pid || n < 1 || n > N || seen[n])
            h_fail("client %d of %d at once got %s; want \"reply N for %ld: "
                   "CLIENT %02d\" with N from 1 to %d, each N once\n"
                   "  command: %s",
                   i, N, h_quote(c[i]->out, c[i]->out_len), (long)c[i]->pid, i,
                   N, c[i]->cmd);
        char want[32];
        snprintf(want, sizeof want, "CLIENT %02d", i);
        if (strcmp(text, want) != 0)
            h_fail("client %d sent \"%s\" and got the reply \"%s\": another "
                   "client's request overwrote its own in the slot\n"
                   "  command: %s",
                   i, msg[i], text, c[i]->cmd);
        seen[n] = true;
    }
    h_wait(s, 0);
    h_expect_exit(s, 0);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the slot semaphore starts above 1, or a client sets it
 * (both sides initialise): a second client gets in while one holds it. */
START_TEST(lock_excludes)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *a = start_holder();
    struct h_proc *b = h_run(NULL, "semcli", "-t", "1", "second", NULL);
    h_expect_exit(b, 1);
    h_expect_stderr_has(b, "busy", NULL);
    if (b->secs < 0.9)
        h_fail("semcli -t 1 gave up after %.2f s, before its 1 s\n"
               "  command: %s",
               b->secs, b->cmd);
    h_kill(a, SIGTERM);
    h_wait(a, 0);
    h_expect_exit(a, 1);
    expect_served(1, "third", "THIRD");
    stop_server(s);
}
END_TEST

/* Bug caught: the slot is taken without SEM_UNDO: a client killed while
 * it holds it blocks every later client. */
START_TEST(undo_frees)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *a = start_holder();
    h_kill(a, SIGKILL);
    h_wait(a, 0);
    struct h_proc *c = h_run(NULL, "semcli", "-t", "2", "after", NULL);
    if (c->done && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 1)
        h_fail("a client killed with SIGKILL while it held the slot kept it "
               "for ever: take the slot with SEM_UNDO, so the kernel gives "
               "it back when the process dies\n  stderr: %s\n  command: %s",
               h_quote(c->err, c->err_len), c->cmd);
    h_expect_exit(c, 0);
    h_expect_stdout(c, reply_line(1, c, "AFTER"));
    stop_server(s);
}
END_TEST

/* Bug caught: the undo of the slot is not cancelled when the request is
 * handed over (a client that dies then frees the slot a second time), or
 * the server does not take back a reply nobody read. */
START_TEST(client_dies_midway)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *k = h_run(NULL, "semcli", "-k", "dead", NULL);
    if (!k->done || !WIFSIGNALED(k->status) || WTERMSIG(k->status) != SIGKILL)
        h_fail("semcli -k should kill itself with SIGKILL after posting its "
               "request\n  stderr: %s\n  command: %s",
               h_quote(k->err, k->err_len), k->cmd);
    /* The next client gets its own reply, number 2. */
    struct h_proc *b = h_run(NULL, "semcli", "-t", "2", "alive", NULL);
    h_expect_exit(b, 0);
    h_expect_stdout(b, reply_line(2, b, "ALIVE"));
    /* And the slot still lets in one client at a time. */
    struct h_proc *a = start_holder();
    /* The server has freed the slot, so it is done with b: no request,
     * reply or acknowledgement may be pending. */
    int semid = semget(key_of(h_workdir()), 0, 0);
    unsigned short v[NSEMS];
    union semun_t arg = {.array = v};
    if (semid == -1 || semctl(semid, 0, GETALL, arg) == -1)
        h_fail("harness: semget/GETALL: %s", strerror(errno));
    if (v[1] != 0 || v[2] != 0 || v[3] != 0)
        h_fail("after a client died between its request and its reply, and "
               "another was served, the set holds REQ %u, REP %u, ACK %u; "
               "all should be 0: the server must take back the reply "
               "nobody read (REP -1, IPC_NOWAIT), or the next client reads "
               "a stale one",
               v[1], v[2], v[3]);
    struct h_proc *d = h_run(NULL, "semcli", "-t", "1", "second", NULL);
    if (!(d->done && WIFEXITED(d->status) && WEXITSTATUS(d->status) == 1))
        h_fail("after a client died between its request and its reply, two "
               "clients got into the slot at once (one holds it, the other "
               "was let in): the client's undo must be cancelled when it "
               "hands the slot to the server\n  stdout: %s\n  command: %s",
               h_quote(d->out, d->out_len), d->cmd);
    h_kill(a, SIGKILL);
    h_wait(a, 0);
    stop_server(s);
}
END_TEST

/* Bug caught: the client does not wait for sem_otime: it uses a set that
 * exists but was never initialised. */
START_TEST(uninitialised_set)
{
    key_t key = key_of(h_workdir());
    /* 0666: the programs may run as another user than the tests. */
    int shmid = shmget(key, 1024, IPC_CREAT | IPC_EXCL | 0666);
    int semid = semget(key, NSEMS, IPC_CREAT | IPC_EXCL | 0666);
    if (shmid == -1 || semid == -1)
        h_fail("harness: shmget/semget: %s", strerror(errno));
    /* The slot looks free, the server (this test) alive, but nobody ever
     * called semop: sem_otime is 0. */
    pid_t *server = shmat(shmid, NULL, 0);
    if (server == (void *)-1)
        h_fail("harness: shmat: %s", strerror(errno));
    *server = getpid();
    shmdt(server);
    union semun_t one = {.val = 1};
    if (semctl(semid, 0, SETVAL, one) == -1)
        h_fail("harness: semctl SETVAL: %s", strerror(errno));
    struct h_proc *c = h_run(NULL, "semcli", "-t", "1", "early", NULL);
    semctl(semid, 0, IPC_RMID);
    shmctl(shmid, IPC_RMID, NULL);
    if (c->timed_out ||
        (c->done && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0))
        h_fail("semcli used a semaphore set that was never initialised "
               "(sem_otime 0: no semop yet) and %s: wait until sem_otime "
               "is not 0, within -t\n  command: %s",
               c->timed_out ? "waited for a reply for ever" : "succeeded",
               c->cmd);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "initialised", NULL);
}
END_TEST

/* Bug caught: no IPC_EXCL: a second server takes over (and resets) the
 * objects of the first. */
START_TEST(second_server)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *t = h_run(NULL, "semsrv", NULL);
    h_expect_exit(t, 1);
    h_expect_stderr_has(t, "exists", "ipcrm", NULL);
    expect_served(1, "still there", "STILL THERE");
    stop_server(s);
}
END_TEST

/* Bug caught: the client creates the set when there is none (IPC_CREAT),
 * waits on it, and leaves it behind. */
START_TEST(no_server)
{
    struct h_proc *c = h_run(NULL, "semcli", "-t", "2", "anyone?", NULL);
    h_expect_exit(c, 1);
    h_expect_stderr_has(c, "start semsrv", NULL);
    if (c->secs > 0.5)
        h_fail("semcli took %.2f s to see there is no server: semget "
               "without IPC_CREAT fails at once (ENOENT)\n  command: %s",
               c->secs, c->cmd);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: no SIGTERM handler in the server: it dies and leaves the
 * set and the segment; or waiting clients are not told. */
START_TEST(sigterm)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *a = start_holder();
    struct h_proc *b = h_start(NULL, "semcli", "-t", "60", "waiting", NULL);
    h_kill(s, SIGTERM);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    if (strstr(s->out, "semsrv: SIGTERM: removed the set and the segment "
                       "(requests served: 0)\n") == NULL)
        h_fail("after SIGTERM semsrv should say \"semsrv: SIGTERM: removed "
               "the set and the segment (requests served: 0)\"\n"
               "  stdout: %s\n  command: %s",
               h_quote(s->out, s->out_len), s->cmd);
    h_wait(b, 0);
    h_expect_exit(b, 1);
    h_kill(a, SIGKILL);
    h_wait(a, 0);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: a waiting client never looks whether the server is alive:
 * it waits its whole -t for a server killed with SIGKILL. */
START_TEST(server_killed)
{
    struct h_proc *s = start_server(NULL);
    struct h_proc *a = start_holder();
    struct h_proc *b = h_start(NULL, "semcli", "-t", "60", "waiting", NULL);
    h_kill(s, SIGKILL);
    h_wait(s, 0); /* reaped: kill(pid, 0) now fails */
    h_wait(b, 0);
    if (b->timed_out)
        h_fail("semcli waited for the slot long after the server was killed: "
               "between waits, look whether the server's pid is alive "
               "(kill(pid, 0))\n  command: %s",
               b->cmd);
    h_expect_exit(b, 1);
    h_expect_stderr_has(b, "gone", "ipcrm", NULL);
    h_kill(a, SIGKILL);
    h_wait(a, 0);
    /* The killed server's objects stay: the grader removes them. */
}
END_TEST

/* Bug caught: the objects are made with mode 0666 (or 0644): anyone on
 * the machine may read or block the requests. */
START_TEST(private_mode)
{
    struct h_proc *s = start_server(NULL);
    key_t key = key_of(h_workdir());
    int semid = semget(key, 0, 0), shmid = shmget(key, 0, 0);
    struct semid_ds sds;
    struct shmid_ds mds;
    union semun_t arg = {.buf = &sds};
    if (semid == -1 || shmid == -1 || semctl(semid, 0, IPC_STAT, arg) == -1 ||
        shmctl(shmid, IPC_STAT, &mds) == -1)
        h_fail("harness: no set or segment with key 0x%08x while semsrv "
               "runs (ftok(\".\", 's')?): %s",
               (unsigned)key, strerror(errno));
    stop_server(s);
    if ((sds.sem_perm.mode & 0777) != 0600 ||
        (mds.shm_perm.mode & 0777) != 0600)
        h_fail("the set's mode is %04o and the segment's %04o; both should "
               "be 0600 (SS_MODE)",
               (unsigned)(sds.sem_perm.mode & 0777),
               (unsigned)(mds.shm_perm.mode & 0777));
    if (sds.sem_nsems != NSEMS)
        h_fail("the set has %lu semaphores; sem.h says %d",
               (unsigned long)sds.sem_nsems, NSEMS);
}
END_TEST

/* Bug caught: a fixed key instead of ftok("."): two directories share
 * one set and one segment. */
START_TEST(two_directories)
{
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", h_path("a"));
    snprintf(b, sizeof b, "%s", h_path("b"));
    if (mkdir(a, 0777) == -1 || mkdir(b, 0777) == -1)
        h_fail("harness: mkdir: %s", strerror(errno));
    struct h_opts oa = {.cwd = a}, ob = {.cwd = b};
    struct h_proc *sa = start_server_in(&oa, "1");
    struct h_proc *sb = start_server_in(&ob, "1");
    struct h_proc *cb = h_run(&ob, "semcli", "in b", NULL);
    struct h_proc *ca = h_run(&oa, "semcli", "in a", NULL);
    h_expect_exit(ca, 0);
    h_expect_stdout(ca, reply_line(1, ca, "IN A"));
    h_expect_exit(cb, 0);
    h_expect_stdout(cb, reply_line(1, cb, "IN B"));
    h_wait(sa, 0);
    h_wait(sb, 0);
    h_expect_exit(sa, 0);
    h_expect_exit(sb, 0);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: a message of 256 bytes is accepted and overruns the slot's
 * text. */
START_TEST(long_message)
{
    char msg[300], upper[300];
    memset(msg, 'x', 255);
    msg[255] = '\0';
    memset(upper, 'X', 255);
    upper[255] = '\0';
    struct h_proc *s = start_server("1");
    expect_served(1, msg, upper);
    h_wait(s, 0);
    h_expect_exit(s, 0);
    msg[255] = 'x';
    msg[256] = '\0';
    struct h_proc *c = h_run(NULL, "semcli", msg, NULL);
    h_expect_exit(c, 2);
    h_expect_stderr_has(c, "too long", NULL);
    h_expect_no_ipc();
}
END_TEST

/* Bug caught: the command line is not checked. */
START_TEST(usage)
{
    static const char *const cases[][4] = {
        {"semsrv", "0", NULL, NULL},  {"semsrv", "-1", NULL, NULL},
        {"semsrv", "2x", NULL, NULL}, {"semsrv", "1", "2", NULL},
        {"semcli", "-t", "0", NULL},  {"semcli", "-t", "x", NULL},
        {"semcli", "a", "b", NULL},   {"semcli", "-h", "-k", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct h_proc *p =
            h_run(NULL, cases[i][0], cases[i][1], cases[i][2], NULL);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
    }
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&one_request, 3, "one request, one reply, objects removed",
     "the set or the segment is left after COUNT requests"},
    {&in_turn, 2, "three clients in turn: replies 1, 2, 3",
     "the slot is not freed after a request"},
    {&many_clients, 3, "30 clients at once, each its own reply",
     "two clients in the slot at once"},
    {&lock_excludes, 2, "while one client holds the slot, another waits",
     "the slot starts above 1, or a client initialises it again"},
    {&undo_frees, 3, "a client killed holding the slot frees it (SEM_UNDO)",
     "the slot taken without SEM_UNDO"},
    {&client_dies_midway, 3, "a client killed after its request",
     "the undo not cancelled at hand-over; a stale reply not taken back"},
    {&uninitialised_set, 2, "a set never initialised: wait, then fail",
     "no wait for sem_otime: an uninitialised set is used"},
    {&second_server, 2, "a second semsrv is refused, the first goes on",
     "no IPC_EXCL: a second server takes over the objects"},
    {&no_server, 1, "semcli without a server: error at once, nothing made",
     "the client creates the set and waits on it"},
    {&sigterm, 2, "SIGTERM: objects removed, waiting clients told",
     "no signal handler: the objects are left behind"},
    {&server_killed, 2, "server killed: a waiting client fails at once",
     "the client never looks whether the server lives"},
    {&private_mode, 1, "mode 0600 for the set and the segment; 4 semaphores",
     "mode 0666: anyone may use the objects"},
    {&two_directories, 1, "two directories, two servers",
     "a fixed key: runs collide"},
    {&long_message, 1, "255 bytes are served, 256 refused",
     "an off-by-one in the length check overruns the slot"},
    {&usage, 1, "bad arguments: usage line, status 2", "no argument check"},
};

H_LAB("11-sem", "sem.h semsrv.c semcli.c", "semsrv semcli", tests)
