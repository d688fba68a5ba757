/*
 * sipc2.c - a client of the shared-memory server: one request, one reply.
 *
 * Usage: sipc2 [-t SECONDS] [MESSAGE]
 *
 * The client finds or creates the segment keyed ftok(".", SHM_PROJ_ID)
 * (shm.h) that it shares with the server sipc1 (its companion): either
 * may start first.  It waits (asleep, not spinning) for a server and for
 * the slot to be free, at most SECONDS (1 to 3600, default 10) in all,
 * writes MESSAGE (default "hello", at most SIPC_TEXT - 1 = 255 bytes),
 * wakes the server, sleeps until the reply is there and prints it:
 *
 *     $ ./sipc2 "hi there"
 *     reply 1 for 4243: HI THERE
 *
 * Started before the server, it first says so on stdout (flushed):
 *
 *     $ ./sipc2 -t 60 early &
 *     sipc2: waiting for a server
 *     $ ./sipc1
 *     sipc1: ready
 *     sipc1: served 1 for 4250: early
 *     reply 1 for 4250: EARLY
 *
 * It fails (status 1) with a message when no server comes in time ("no
 * server came within 10 s"), when the server stops before it replied, and
 * when the server that took the segment is gone (killed) and left it
 * behind ("... ipcrm -M KEY").  SIGINT and SIGTERM make it give up while
 * it waits for a server or for the slot; once its request is in the slot
 * it waits for the reply, so that the slot is freed for the next client.
 *
 * Cleanup: a client that created the segment removes it when it gives up
 * before any server took it (time limit, signal, error; an atexit
 * handler).  Once a server has taken the segment, removing it is the
 * server's job, and the client only detaches.
 */
#define _DEFAULT_SOURCE /* syscall() for the futex in shm.h; see there */

#include "err.h"
#include "shm.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MESSAGE "hello"
#define DEFAULT_WAIT 10 /* seconds to wait for a server and the slot */
#define MAX_WAIT 3600
#define USAGE "[-t SECONDS] [MESSAGE]"

/* The signal that asked us to give up, or 0. */
static volatile sig_atomic_t stop_signal;

/* The segment's id while we created it and no server has taken it: ours
 * to remove.  Else -1. */
static int shmid = -1;

/* Where the segment is attached, or NULL. */
static struct sipc_shm *shm;

/* The segment's key, for messages. */
static key_t key;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: detach; remove the segment if we created it and no server has
 * taken it.  Safe to call twice. */
static void give_back(void)
{
    /* TODO 1: if we created the segment (shmid != -1) and it is attached,
     * close it: compare-and-swap shm->state from SIPC_NOSERVER to
     * SIPC_CLOSED (acq_rel), and sipc_wake() it, so that clients waiting
     * on it give up at once and a server arriving now leaves it alone.  If
     * the swap fails, a server has taken the segment: it is the server's
     * to remove, set shmid to -1.  Then detach (shmdt, shm = NULL) and, if
     * shmid is still set, remove it (shmctl IPC_RMID, shmid = -1).  Report
     * failures with warn_sys(), never die(). */
    (void)shmid; /* you will need it */
    /* END TODO 1 */
}

/* Find the segment keyed key (the global), or create it (then it is ours
 * to remove until a server takes it: shmid is set at once), and attach it
 * into shm.  Returns its id; -1 when a found segment went away before we
 * could look it up (the caller starts over).  Dies on a segment of another
 * size than SHM_SIZE, and on errors. */
static int open_segment(void)
{
    int id = -1;
    /* TODO 2: create the segment with shmget(key, SHM_SIZE, IPC_CREAT |
     * IPC_EXCL | SHM_MODE); when that works, it is ours: set shmid at
     * once.  EEXIST: the server (or another client) made it, find it with
     * shmget(key, SHM_SIZE, 0); ENOENT then means it went in between:
     * return -1; EINVAL (smaller) or a size other than SHM_SIZE read with
     * shmctl(IPC_STAT) (larger: shmget finds it): die_msg() that a
     * segment of another size has our key, naming "ipcrm -M <key>".
     * Other errors: die().  Attach it with shmat() into shm and return
     * its id. */
    die_msg("open_segment: not written yet (TODO 2)");
    /* END TODO 2 */
    return id;
}

/* Fail when the server that took the segment no longer exists: a killed
 * server cannot close its segment, so nobody would ever wake us. */
static void check_server(void)
{
    pid_t pid = atomic_load_explicit(&shm->server, memory_order_acquire);
    if (pid > 0 && kill(pid, 0) == -1 && errno == ESRCH)
        die_msg("the server (pid %ld) is gone and left its segment behind "
                "(remove it: ipcrm -M 0x%08x)",
                (long)pid, (unsigned)key);
}

/* Milliseconds from now until *deadline (CLOCK_MONOTONIC). */
static long ms_left(const struct timespec *deadline)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
        die("clock_gettime");
    return (long)(deadline->tv_sec - now.tv_sec) * 1000 +
           (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Read the command line: the seconds of -t into *wait_secs (DEFAULT_WAIT
 * without -t), and return the message.  A usage error for anything
 * else. */
static const char *parse_args(int argc, char *argv[], long *wait_secs)
{
    *wait_secs = DEFAULT_WAIT;
    int opt;
    while ((opt = getopt(argc, argv, "t:")) != -1) {
        if (opt == 't')
            *wait_secs = arg_long("SECONDS", optarg, 1, MAX_WAIT, USAGE);
        else
            die_usage(USAGE);
    }
    if (argc - optind > 1)
        die_usage(USAGE);
    const char *text = optind < argc ? argv[optind] : DEFAULT_MESSAGE;
    size_t len = strlen(text);
    if (len > SIPC_TEXT - 1) {
        warn_msg("message too long: %zu bytes, at most %d", len, SIPC_TEXT - 1);
        die_usage(USAGE);
    }
    return text;
}

/* Give up cleanly on SIGINT and SIGTERM: on_stop sets the flag, and with
 * sa_flags 0 a futex wait returns at once with EINTR. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
}

/* Take the slot for our request: on return its state is SIPC_BUSY and it
 * is ours.  Waits (asleep) for a server and for the slot until deadline,
 * wait_secs after the start, at most.  Dies when the segment is closed,
 * its server is gone, a signal came, or the time is up. */
static void take_slot(const struct timespec *deadline, long wait_secs)
{
    int said = 0;
    /* TODO 3: loop: load state (memory_order_acquire).  SIPC_CLOSED set:
     * die_msg() that the server stopped (or, if the state is SIPC_CLOSED
     * alone, that the segment's creator gave up).  A server has taken the
     * segment (not SIPC_NOSERVER): check_server().  SIPC_EMPTY:
     * compare-and-swap it to SIPC_BUSY; if that works the slot is ours,
     * return; if not, another client was faster, go round.
     * SIPC_NOSERVER: the first time, print "<prog>: waiting for a server"
     * on stdout and fflush.  Then: stop_signal set: die_msg()
     * "<SIGINT|SIGTERM>: gave up"; past the deadline (ms_left() <= 0):
     * die_msg() "no server came within <n> s" (no server yet) or "the
     * slot stayed busy for <n> s".  Else sipc_wait() on the value you
     * loaded, at most ms_left() ms, and go round. */
    (void)said;
    (void)deadline;
    (void)wait_secs;
    (void)check_server; /* you will need it */
    (void)ms_left;
    /* END TODO 3 */
}

/* Put our request, text (at most SIPC_TEXT - 1 bytes), into the slot we
 * hold (SIPC_BUSY) and hand it to the server.  Dies when the server has
 * stopped. */
static void send_request(const char *text)
{
    /* TODO 4: write the request into shm->req (our pid, the text with its
     * NUL), then publish it: compare-and-swap state from SIPC_BUSY to
     * SIPC_REQUEST with memory_order_release, so the server sees the data
     * before the state.  If the swap fails the server has stopped
     * (SIPC_CLOSED): die_msg().  Then sipc_wake() the state word. */
    (void)text;
    /* END TODO 4 */
}

/* Wait for the reply to our request, with no deadline but the server's
 * life, copy it into *rep and hand the slot on to the next client.  Dies
 * when the server stops or is gone before it replied. */
static void receive_reply(struct sipc_reply *rep)
{
    /* TODO 5: loop: load state (acquire); slot SIPC_REPLY (with or
     * without SIPC_CLOSED): copy shm->rep into *rep and leave the loop;
     * SIPC_CLOSED set otherwise: die_msg() that the server stopped before
     * it replied; check_server(); sipc_wait() on the value loaded,
     * SIPC_TICK_MS.  Then hand the slot on: compare-and-swap SIPC_REPLY to
     * SIPC_EMPTY (release; it fails only when the server has closed the
     * segment, and then nothing needs handing on) and sipc_wake() the
     * state word. */
    memset(rep, 0, sizeof *rep);
    /* END TODO 5 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    long wait_secs;
    const char *text = parse_args(argc, argv, &wait_secs);
    catch_signals();
    if (atexit(give_back) != 0)
        die_msg("atexit failed");

    struct timespec deadline;
    if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
        die("clock_gettime");
    deadline.tv_sec += wait_secs;
    key = ftok(".", SHM_PROJ_ID);
    if (key == -1)
        die("ftok .");
    while (open_segment() == -1)
        ; /* it went away between our two shmget calls: start over */

    take_slot(&deadline, wait_secs);
    send_request(text);
    struct sipc_reply rep;
    receive_reply(&rep);
    rep.text[SIPC_TEXT - 1] = '\0';
    if (rep.pid != getpid())
        die_msg("the reply is for pid %ld, not for us", (long)rep.pid);
    printf("reply %u for %ld: %s\n", rep.serial, (long)rep.pid, rep.text);
    return EXIT_SUCCESS;
}
