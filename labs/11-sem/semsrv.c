/*
 * semsrv.c - a server that answers its clients through one System V shared
 * memory segment, taking turns with a System V semaphore set.
 *
 * Usage: semsrv [COUNT]
 *
 * semsrv creates the segment and the semaphore set keyed ftok(".",
 * SS_PROJ_ID) (sem.h), both with IPC_CREAT | IPC_EXCL, initialises the
 * set, says "semsrv: ready", and serves one request at a time: it sleeps
 * until a client has put its request in the segment, writes the reply (the
 * text in upper case with the request's serial number), wakes the client,
 * and frees the slot for the next one once that client has read its reply
 * or is gone.  It stops after COUNT requests (1 to 1000000), or, without
 * COUNT, on SIGINT or SIGTERM:
 *
 *     $ ./semsrv                          $ ./semcli "hi there"
 *     semsrv: ready                       reply 1 for 4243: HI THERE
 *     semsrv: served 1 for 4243: hi there
 *     ^C
 *     semsrv: SIGINT: removed the set and the segment (requests served: 1)
 *
 * Objects under our key that exist already (another semsrv in this
 * directory, or one killed with SIGKILL) are refused and left alone:
 * "semsrv: a segment with key 0x... exists already ... (remove it: ipcrm
 * -M 0x...)", status 1.
 *
 * Cleanup: semsrv removes the set and the segment on every way out once it
 * has made them: after COUNT requests, on SIGINT and SIGTERM (status 0),
 * on every error (atexit).  It removes the set first, so clients waiting
 * on it give up at once (EIDRM).
 */
#define _GNU_SOURCE /* semtimedop() in sem.h; see there */

#include "err.h"
#include "sem.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <unistd.h>

#define USAGE "[COUNT]"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The objects while they are ours to remove, else -1; the attachment. */
static int shmid = -1, semid = -1;
static struct ss_shm *shm;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: remove what we made, the set first.  Safe to call twice. */
static void remove_objects(void)
{
    /* TODO 5: if semid is not -1, remove the set (semctl IPC_RMID) and set
     * semid to -1; then the same for the segment (shmctl IPC_RMID), and
     * detach shm if it is attached.  Report a failure with warn_sys(),
     * never die(): this runs inside exit(). */
    (void)shmid;
    /* END TODO 5 */
}

/*
 * Make the segment and the set under key, both new, and attach the
 * segment: sets shmid, shm (with our pid in it) and semid.  Dies, naming
 * ipcrm, when either exists already; whatever was made is then removed by
 * remove_objects() (atexit).
 */
static void create_objects(key_t key)
{
    /* TODO 1: create the segment: shmget(key, SS_SIZE, IPC_CREAT |
     * IPC_EXCL | SS_MODE).  EEXIST: die_msg() that a segment with this key
     * exists already (another semsrv in this directory, or a killed one
     * left it) and how to remove it: "ipcrm -M 0x%08x".  Attach it
     * (shmat) into shm and write our pid into shm->server.  Then create
     * the set the same way: semget(key, SS_NSEMS, IPC_CREAT | IPC_EXCL |
     * SS_MODE); EEXIST names "ipcrm -S 0x%08x".  Set shmid and semid the
     * moment each call worked, so that remove_objects() removes them. */
    (void)key;
    die_msg("create_objects: not written yet (TODO 1)");
    /* END TODO 1 */
}

/* Give the new set its values, then make it usable: sem_otime becomes
 * non-0 and the slot is free.  Dies on an error. */
static void init_set(void)
{
    /* TODO 2: set every semaphore to 0 with semctl(semid, 0, SETALL,
     * arg), arg.array pointing to SS_NSEMS zeros.  Then free the slot
     * with one semop: SS_FREE +1, no flags.  That semop is what sets
     * sem_otime, which clients wait for: it must come after SETALL. */
    die_msg("init_set: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* Wait for a request; false when a signal asks us to stop. */
static bool await_request(void)
{
    struct sembuf take = {SS_REQ, -1, 0};
    for (;;) {
        if (stop_signal != 0)
            return false;
        if (ss_op(semid, &take, 1) == 0)
            return true;
        if (errno != EAGAIN && errno != EINTR)
            die("semtimedop REQ -1 (set %d)", semid);
    }
}

/*
 * The request of client pid is in the segment: answer it as request
 * number serial (the reply's text: the request's in upper case), post the
 * reply, and print "semsrv: served N for PID: TEXT", flushed.  On an
 * error, dies.
 */
static void serve(pid_t pid, unsigned long serial)
{
    /* TODO 3: copy the request's text out of shm->req (at most SS_TEXT -
     * 1 bytes; never trust the client to have put a NUL).  Write the
     * reply: shm->serial = serial, shm->rep_client = pid, shm->rep = the
     * text in upper case (toupper).  Post it: SS_REP +1 (semop).  Then
     * print the line on stdout and fflush it. */
    (void)pid;
    (void)serial;
    die_msg("serve: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* Is process pid still there?  (EPERM: it is, as another user.) */
static bool alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

/*
 * The reply is posted: wait until client pid has read it (ACK) or is gone,
 * then free the slot.  false when a signal asks us to stop.
 */
static bool finish(pid_t pid)
{
    /* TODO 4: loop: if stop_signal is set, return false.  Take SS_ACK -1
     * with ss_op(); done when it worked.  EAGAIN (a tick) or EINTR: if the
     * client is not alive(), it left before it took its reply: take that
     * reply back (SS_REP -1 with IPC_NOWAIT; EAGAIN there means it had
     * taken it), say "semsrv: client PID left before it read its reply"
     * on stdout, and stop waiting; else go round.  Other errors: die().
     * Then free the slot: SS_FREE +1. */
    (void)pid;
    (void)alive;
    die_msg("finish: not written yet (TODO 4)");
    /* END TODO 4 */
}

/* SIGINT and SIGTERM set stop_signal, without SA_RESTART, so that a wait
 * returns EINTR at once.  Installed before anything exists. */
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

/* Serve one client at a time until count requests are served (0: no
 * limit) or a signal asks us to stop; returns how many were served (a
 * client that left before it read its reply counts). */
static unsigned long serve_clients(unsigned long count)
{
    unsigned long served = 0;
    while (count == 0 || served < count) {
        if (!await_request())
            break;
        pid_t pid = shm->client;
        serve(pid, ++served);
        if (!finish(pid))
            break;
        if (fflush(stdout) == EOF)
            die("write stdout");
    }
    return served;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage(USAGE);
    unsigned long count = 0; /* 0: until a signal */
    if (argc == 2)
        count = (unsigned long)arg_long("COUNT", argv[1], 1, 1000000, USAGE);
    install_handlers();

    key_t key = ftok(".", SS_PROJ_ID);
    if (key == -1)
        die("ftok .");
    if (atexit(remove_objects) != 0)
        die_msg("atexit failed");
    create_objects(key);
    init_set();
    printf("%s: ready\n", err_prog());
    if (fflush(stdout) == EOF)
        die("write stdout");

    unsigned long served = serve_clients(count);

    remove_objects();
    if (stop_signal != 0)
        printf("%s: %s: ", err_prog(),
               stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    else
        printf("%s: ", err_prog());
    printf("removed the set and the segment (requests served: %lu)\n", served);
    return EXIT_SUCCESS;
}
