/*
 * sipc1.c - a server that answers its clients through one System V shared
 * memory segment.
 *
 * Usage: sipc1 [COUNT]
 *
 * The server finds or creates the segment keyed ftok(".", SHM_PROJ_ID)
 * (shm.h): either it or a client (sipc2, its companion) may start first.
 * It takes the segment, says "sipc1: ready", and serves one request at a
 * time: it sleeps until a request is in the slot, writes the reply (the
 * text in upper case, with the request's serial number) and wakes the
 * client.  It stops after COUNT requests (a number from 1 up), or, without
 * COUNT, on SIGINT or SIGTERM.  One line on stdout per request:
 *
 *     $ ./sipc1                           $ ./sipc2 "hi there"
 *     sipc1: ready                        reply 1 for 4243: HI THERE
 *     sipc1: served 1 for 4243: hi there
 *     ^C
 *     sipc1: SIGINT: removed the segment (requests served: 1)
 *
 * After COUNT requests the last line is "sipc1: removed the segment
 * (requests served: COUNT)".
 *
 * A segment that another server has taken is refused, whether that server
 * runs or was killed and left it: "sipc1: the segment with key 0x... is
 * taken by ... (remove it: ipcrm -M 0x...)", status 1.
 *
 * Cleanup: once the server has taken the segment (or created it), it
 * removes it on every way out: after COUNT requests, on SIGINT and
 * SIGTERM, and on every error (atexit).  It marks the segment closed first
 * and wakes everyone, so waiting clients give up at once; a client still
 * attached can read its reply, because a removed segment lives on until the
 * last process detaches.  Only SIGKILL leaves it behind: `ipcs -m` shows
 * it, `ipcrm -M KEY` removes it.
 */
#define _DEFAULT_SOURCE /* syscall() for the futex in shm.h; see there */

#include "err.h"
#include "shm.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>

#define USAGE "[COUNT]"

/* The signal that asked us to stop, or 0.  Storing into a volatile
 * sig_atomic_t is all the handler may safely do. */
static volatile sig_atomic_t stop_signal;

/* The segment's id while it is ours to remove, else -1. */
static int shmid = -1;

/* Where the segment is attached, or NULL. */
static struct sipc_shm *shm;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: close, detach and remove the segment on every way out through
 * exit(), die() too.  Safe to call twice. */
static void remove_segment(void)
{
    /* TODO 1: if the segment is ours (shmid != -1) and attached, set the
     * SIPC_CLOSED flag in shm->state with atomic_fetch_or_explicit()
     * (memory_order_release) and sipc_wake() the state word, so that no
     * client waits for a server that is gone.  Then, if attached, detach
     * it with shmdt() and set shm to NULL; if it is ours, remove it with
     * shmctl(shmid, IPC_RMID, NULL) and set shmid to -1.  Report failures
     * with warn_sys(), never die() (it would call exit() again). */
    (void)shmid; /* you will need them */
    (void)shm;
    /* END TODO 1 */
}

/* Find the segment keyed key, or create it (then it is ours: shmid is
 * set at once), and attach it into shm.  Returns its id; -1 when a found
 * segment went away before we could look it up (the caller starts over).
 * Dies on a segment of another size than SHM_SIZE, and on errors. */
static int open_segment(key_t key)
{
    int id = -1;
    /* TODO 2: create the segment with shmget(key, SHM_SIZE, IPC_CREAT |
     * IPC_EXCL | SHM_MODE); when it is ours, set shmid at once (so atexit
     * removes it).  EEXIST: a client made it first, find it with
     * shmget(key, SHM_SIZE, 0) (ENOENT: it went again, return -1; EINVAL:
     * a smaller segment has our key; a larger one is found all the same,
     * so read its size with shmctl(IPC_STAT): another size than SHM_SIZE,
     * die_msg() that a segment of another size has our key, naming "ipcrm
     * -M <key>").  Other errors: die().  Attach it with shmat() into shm
     * and return its id. */
    (void)key;
    die_msg("open_segment: not written yet (TODO 2)");
    /* END TODO 2 */
    return id;
}

/* Take the segment id (keyed key), attached at shm, for this server.
 * Returns 1 when it is ours: shm->server is our pid, the slot is EMPTY,
 * shmid is id.  Returns 0 when its creator had given up on it (closed):
 * then it is removed and detached, and the caller starts over.  Dies when
 * another server holds it, or it is in any other state. */
static int claim_segment(key_t key, int id)
{
    /* TODO 3: compare-and-swap shm->server from 0 to getpid(); if it
     * holds a pid already, die_msg() saying the segment is taken by that
     * sipc1 (still running, or killed: kill(pid, 0) tells) and naming
     * "ipcrm -M <key>".  Then compare-and-swap state from SIPC_NOSERVER
     * to SIPC_EMPTY (acq_rel): it worked, the segment is ours: set shmid,
     * sipc_wake() the state word and return 1.  If the state was
     * SIPC_CLOSED, its creator gave up on it: remove it (IPC_RMID; EINVAL
     * and EIDRM mean gone already), set shmid to -1, detach, return 0.
     * Any other state: die_msg() with "ipcrm -M <key>". */
    (void)key;
    (void)id;
    die_msg("claim_segment: not written yet (TODO 3)");
    /* END TODO 3 */
    return 0;
}

/* Find or create this directory's segment, attach it and take it: on
 * return shm->server is our pid and the slot is EMPTY. */
static void take_segment(void)
{
    key_t key = ftok(".", SHM_PROJ_ID);
    if (key == -1)
        die("ftok .");
    for (;;) {
        int id = open_segment(key);
        if (id != -1 && claim_segment(key, id))
            return;
    }
}

/* Answer the request in the slot, whose state the caller's acquire load
 * saw SIPC_REQUEST: copy it into *req (for the log line), write the reply
 * with this serial number and publish it. */
static void answer_request(unsigned serial, struct sipc_request *req)
{
    /* TODO 4: the request is complete: copy shm->req into *req (the
     * acquire load that saw SIPC_REQUEST makes the client's writes
     * visible).  Force a NUL at the end of req->text: a client's bytes
     * are not to be trusted.  Write the reply into shm->rep: pid, serial
     * and the text in upper case (toupper).  Then publish it: store
     * SIPC_REPLY into state with memory_order_release (after the data,
     * never before), and sipc_wake() the state word. */
    (void)serial;
    (void)req;
    die_msg("answer_request: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* Serve the request in the slot as number serial, and log it. */
static void serve(unsigned serial)
{
    struct sipc_request req;
    answer_request(serial, &req);
    printf("%s: served %u for %ld: %s\n", err_prog(), serial, (long)req.pid,
           req.text);
    fflush(stdout);
}

/* Make on_stop the handler of SIGINT and SIGTERM. */
static void catch_signals(void)
{
    /* TODO 5: install on_stop for SIGINT and SIGTERM with sigaction(),
     * sa_flags 0 (no SA_RESTART: the futex wait then returns at once with
     * EINTR).  A failure: die(). */
    (void)on_stop; /* you will need it */
    /* END TODO 5 */
}

/* Serve requests until stop_signal is set or count requests are served
 * (count 0: no limit).  Returns how many were served. */
static unsigned long serve_requests(unsigned long count)
{
    unsigned long served = 0;
    /* TODO 6: loop while stop_signal is 0 and count is not reached: load
     * state with memory_order_acquire.  If the slot holds SIPC_REQUEST,
     * count it in served and serve(served).  Otherwise sleep with
     * sipc_wait(&shm->state, the value you loaded, SIPC_TICK_MS) and go
     * round: never spin, and never sleep without passing the value you
     * saw (a change in between would be missed). */
    (void)count;
    (void)serve; /* you will need it */
    /* END TODO 6 */
    return served;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage(USAGE);
    unsigned long count = 0; /* no limit */
    if (argc == 2)
        count = (unsigned long)arg_long("COUNT", argv[1], 1, 1000000, USAGE);

    /* Signals first, before the segment exists, so that no signal can
     * kill us between making it and being ready to remove it. */
    catch_signals();
    if (atexit(remove_segment) != 0)
        die_msg("atexit failed");
    take_segment();
    printf("%s: ready\n", err_prog());
    fflush(stdout);

    unsigned long served = serve_requests(count);
    remove_segment();
    if (stop_signal != 0)
        printf("%s: %s: removed the segment (requests served: %lu)\n",
               err_prog(), stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
               served);
    else
        printf("%s: removed the segment (requests served: %lu)\n", err_prog(),
               served);
    return EXIT_SUCCESS;
}
