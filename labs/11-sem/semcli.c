/*
 * semcli.c - a client of semsrv: one request through a System V shared
 * memory segment, turns taken with a System V semaphore set.
 *
 * Usage: semcli [-t SECONDS] [-h | -k] [MESSAGE]
 *
 * semcli opens the set and the segment that semsrv (its companion) made
 * under ftok(".", SS_PROJ_ID) (sem.h), waits until the set is initialised,
 * takes the slot, writes MESSAGE (default "hello", at most 255 bytes),
 * hands the slot to the server, and prints the reply:
 *
 *     $ ./semcli "hi there"
 *     reply 1 for 4243: HI THERE
 *
 * It waits at most SECONDS (1 to 3600, default 10) in all for the set to
 * be initialised and for the slot; then as long as the server lives for
 * the reply.  Two options exist to show what SEM_UNDO does:
 *   -h  take the slot, print "semcli: holding the slot", and hold it until
 *       a signal comes (kill -9 it: the kernel frees the slot);
 *   -k  post the request, then kill itself with SIGKILL before reading
 *       the reply (the server must notice and go on).
 *
 * Failures, status 1: no set ("no server here: start semsrv first"), a
 * set never initialised, the slot busy for SECONDS, the server gone or
 * stopped, SIGINT or SIGTERM.  semcli never creates nor removes anything:
 * the objects are semsrv's.
 */
#define _GNU_SOURCE /* semtimedop() in sem.h; see there */

#include "err.h"
#include "sem.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>

#define USAGE "[-t SECONDS] [-h | -k] [MESSAGE]"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The key of both objects, the set's id, and the time limit of -t. */
static key_t key;
static int semid;
static double deadline; /* on ss_now()'s clock */
static long seconds = 10;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* Is process pid still there?  (EPERM: it is, as another user.) */
static bool alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/* After a wait that failed (errno from semtimedop): give up when the
 * failure, the stop flag or the server's death says so.  server is 0
 * before we know it. */
static void look_around(const char *what, pid_t server)
{
    if (errno == EIDRM || errno == EINVAL)
        die_msg("the server stopped (the set is gone)");
    if (errno != EAGAIN && errno != EINTR)
        die("semtimedop %s (set %d)", what, semid);
    if (stop_signal != 0)
        die_msg("%s: gave up", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    if (server != 0 && !alive(server))
        die_msg("the server (pid %ld) is gone and left its objects behind "
                "(remove them: ipcrm -S 0x%08x -M 0x%08x)",
                (long)server, (unsigned)key, (unsigned)key);
}

/*
 * Wait, within the deadline, until semsrv has initialised set semid (its
 * sem_otime is not 0).  Returns once it has; dies (status 1) when the set
 * is gone, a signal asks us to stop, or the deadline passes.
 */
static void await_init(void)
{
    /* TODO 1: loop: read the set's struct semid_ds with semctl(semid, 0,
     * IPC_STAT, arg) (arg.buf pointing to it); EIDRM or EINVAL: die_msg()
     * "the server stopped".  Return once sem_otime is not 0.  Past the
     * deadline: die_msg() that the set (key 0x%08x) was never
     * initialised and how to remove it ("ipcrm -S 0x%08x"); stop_signal
     * set: die_msg() "SIGINT: gave up" (or SIGTERM).  Else sleep
     * a millisecond (nanosleep) and look again: no semop can wait for
     * sem_otime, and the window between semget and the first semop of a
     * live server is tiny. */
    die_msg("await_init: not written yet (TODO 1)");
    /* END TODO 1 */
}

/*
 * Take the slot (SS_FREE -1, SEM_UNDO) within the deadline; server: its
 * pid, for look_around().  Returns holding the slot; dies when the slot
 * stays busy past the deadline, or when look_around() says to give up.
 */
static void take_slot(pid_t server)
{
    /* TODO 2: loop on ss_op() with SS_FREE -1, flag SEM_UNDO (so that the
     * kernel gives the slot back if we die holding it), until it works.
     * After each failure, look_around("FREE -1", server); then, past the
     * deadline, die_msg("the slot stayed busy for %ld s"). */
    (void)server;
    (void)look_around;
    die_msg("take_slot: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* Read the command line: -t into seconds, -h and -k into *hold and
 * *killself; returns MESSAGE (or "hello").  A usage error for anything
 * else, for -h with -k, and for a MESSAGE longer than SS_TEXT - 1 bytes. */
static const char *parse_args(int argc, char *argv[], bool *hold,
                              bool *killself)
{
    int opt;
    while ((opt = getopt(argc, argv, "t:hk")) != -1) {
        switch (opt) {
        case 't':
            seconds = arg_long("-t", optarg, 1, 3600, USAGE);
            break;
        case 'h':
            *hold = true;
            break;
        case 'k':
            *killself = true;
            break;
        default:
            die_usage(USAGE);
        }
    }
    if (argc - optind > 1 || (*hold && *killself))
        die_usage(USAGE);
    const char *text = optind < argc ? argv[optind] : "hello";
    if (strlen(text) > SS_TEXT - 1) {
        warn_msg("message too long: %zu bytes, at most %d", strlen(text),
                 SS_TEXT - 1);
        die_usage(USAGE);
    }
    return text;
}

/* SIGINT and SIGTERM set stop_signal, without SA_RESTART, so that a wait
 * returns EINTR at once. */
static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
}

/* Find the server's set (into semid) and segment under our key, wait
 * until the set is initialised, and attach the segment. */
static struct ss_shm *open_objects(void)
{
    key = ftok(".", SS_PROJ_ID);
    if (key == -1)
        die("ftok .");
    /* Open, never create: the objects are the server's. */
    semid = semget(key, 0, 0);
    if (semid == -1 && errno == ENOENT)
        die_msg("no server here: start semsrv first (in this directory)");
    if (semid == -1)
        die("semget key 0x%08x", (unsigned)key);
    await_init();
    int shmid = shmget(key, 0, 0);
    if (shmid == -1)
        die("shmget key 0x%08x", (unsigned)key);
    void *p = shmat(shmid, NULL, 0);
    if (p == (void *)-1)
        die("shmat %d", shmid);
    return p;
}

/* -h: say that we hold the slot, and hold it until SIGINT or SIGTERM
 * (SIGKILL: the kernel's undo frees it). */
static noreturn void hold_slot(void)
{
    printf("%s: holding the slot\n", err_prog());
    if (fflush(stdout) == EOF)
        die("write stdout");
    sigset_t none;
    sigemptyset(&none);
    while (stop_signal == 0)
        sigsuspend(&none);
    die_msg("%s: gave up the slot",
            stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
}

/*
 * We hold the slot: write our request (our pid, text with its NUL) into
 * shm and hand the slot to the server (server: its pid, for look_around).
 * Returns once the request is posted; on an error, dies.
 */
static void hand_over(struct ss_shm *shm, const char *text, pid_t server)
{
    /* TODO 3: write the request (our pid into shm->client, the text with
     * its NUL into shm->req), then hand the slot to the server with ONE
     * semop of three operations: SS_REQ +1; SS_FREE +1 with SEM_UNDO;
     * SS_FREE -1 without.  The last two leave FREE at 0 and cancel the
     * undo of take_slot(): from now on the slot is the server's, and our
     * death must not free it.  If semop fails: look_around("REQ +1",
     * server), then die(). */
    (void)shm;
    (void)text;
    (void)server;
    die_msg("hand_over: not written yet (TODO 3)");
    /* END TODO 3 */
}

/*
 * The request is posted: wait for the reply in shm for as long as the
 * server lives, tell the server we have read it, and print it.  On an
 * error, or when the server stops or dies, dies.
 */
static void read_reply(struct ss_shm *shm, pid_t server)
{
    /* TODO 4: wait for the reply (SS_REP -1) with ss_op(), for as long as
     * the server lives: look_around("REP -1", server) after each failure.
     * Copy serial, rep_client and rep (at most SS_TEXT - 1 bytes: put
     * your own NUL) out of the segment, then tell the server (SS_ACK +1,
     * semop; on failure look_around("ACK +1", server), then die()), and
     * print "reply N for PID: TEXT" (PID: the rep_client the server
     * wrote). */
    (void)shm;
    (void)server;
    die_msg("read_reply: not written yet (TODO 4)");
    /* END TODO 4 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    bool hold = false, killself = false;
    const char *text = parse_args(argc, argv, &hold, &killself);
    install_handlers();

    /* One deadline for the set's initialisation and the slot. */
    deadline = ss_now() + (double)seconds;
    struct ss_shm *shm = open_objects();
    pid_t server = shm->server;

    take_slot(server);
    if (hold)
        hold_slot();
    hand_over(shm, text, server);
    if (killself)
        raise(SIGKILL);
    read_reply(shm, server);

    if (shmdt(shm) == -1)
        die("shmdt");
    if (fflush(stdout) == EOF)
        die("write stdout");
    return EXIT_SUCCESS;
}
