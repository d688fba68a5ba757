/*
 * sem.h - the protocol between the server (semsrv) and its clients
 * (semcli): lab 07's request and reply, with System V semaphores doing the
 * waiting.  Both programs include it; no key, index or size below is
 * repeated in a .c file.
 *
 * Two objects share one key, ftok(".", SS_PROJ_ID): a shared memory
 * segment (a struct ss_shm) that carries one request and its reply, and a
 * set of SS_NSEMS semaphores that says whose turn it is.  (A key names one
 * object of each kind: a segment and a set may share it.)  Only semsrv
 * creates them, with IPC_CREAT | IPC_EXCL, and only semsrv removes them.
 *
 * The semaphores, by index:
 *
 *   SS_FREE  1 while the slot is free.  A client takes it (-1, SEM_UNDO)
 *            before it writes a request; semsrv gives it back (+1) when it
 *            has finished with that client.
 *   SS_REQ   the client's "the request is in the segment" (+1); semsrv
 *            waits for it (-1).
 *   SS_REP   semsrv's "the reply is in the segment" (+1); the client waits
 *            for it (-1).
 *   SS_ACK   the client's "I have read the reply" (+1); semsrv waits for it
 *            (-1) before it frees the slot.
 *
 * One exchange, each line one atomic semop:
 *
 *   client: FREE -1 (SEM_UNDO)                   takes the slot
 *   client: writes client, req
 *   client: REQ +1, FREE +1 (SEM_UNDO), FREE -1  hands the slot to semsrv
 *   semsrv: REQ -1; reads req; writes serial, rep_client, rep
 *   semsrv: REP +1
 *   client: REP -1; reads the reply
 *   client: ACK +1
 *   semsrv: ACK -1 (or: the client is gone); FREE +1
 *
 * SEM_UNDO: the kernel keeps, per process and semaphore, the sum of the
 * SEM_UNDO operations it made, and reverses it when the process exits,
 * however it exits.  A client killed while it holds the slot (after FREE
 * -1, before it hands the slot over) therefore frees it: the next client
 * is served.  Once the request is posted, the slot is semsrv's: the third
 * line cancels the client's pending undo (+1 with SEM_UNDO, -1 without:
 * the value is unchanged, the undo is gone), so a client that dies while
 * semsrv works on its request does not free the slot under semsrv's feet.
 * semsrv then sees the client gone (kill(pid, 0): ESRCH) while it waits
 * for the ACK, takes back a reply nobody took (REP -1, IPC_NOWAIT), and
 * frees the slot itself.
 *
 * Creating and initialising are two steps: semget(IPC_CREAT) makes the
 * set, semctl(SETALL) gives the values.  POSIX leaves the values of a new
 * set unspecified (Linux makes them 0), so a client that found the set
 * between the two steps could use garbage.  The classic cure: a set's
 * sem_otime (time of the last semop) is 0 until someone calls semop, and
 * semsrv's first semop (FREE +1) comes after SETALL.  A client waits,
 * within its time limit, until sem_otime is not 0 before it touches the
 * set.
 *
 * Waiting: every wait is a semtimedop of at most SS_TICK_MS, so a waiter
 * can look at its stop flag, its deadline and whether the other side is
 * alive.  semtimedop is Linux's (not POSIX): a .c file that includes this
 * header defines _GNU_SOURCE before its first #include.  When semsrv
 * removes the set, every waiter's semop fails with EIDRM (or EINVAL).
 *
 * Who removes the objects: semsrv, on every way out once it made them
 * (after COUNT requests, SIGINT, SIGTERM, errors: atexit).  Only SIGKILL
 * leaves them behind; the next semsrv refuses them, naming ipcrm.
 */
#ifndef SEM_H
#define SEM_H

#if !defined(_GNU_SOURCE)
#error "define _GNU_SOURCE before the first #include: semtimedop() needs it"
#endif

#include <errno.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/types.h>
#include <time.h>

/* ftok(".", SS_PROJ_ID) keys both the segment and the set. */
#define SS_PROJ_ID 's'

/* Permissions of both objects: only their owner may use them. */
#define SS_MODE 0600

/* A request or reply text holds at most SS_TEXT - 1 bytes. */
#define SS_TEXT 256

/* The semaphores of the set, by index. */
enum { SS_FREE, SS_REQ, SS_REP, SS_ACK, SS_NSEMS };

/* The segment. */
struct ss_shm {
    pid_t server;         /* semsrv's pid, written before the set exists */
    pid_t client;         /* request: the client's pid */
    char req[SS_TEXT];    /* request: its text, NUL-terminated */
    unsigned long serial; /* reply: its number, from 1 */
    pid_t rep_client;     /* reply: the pid it answers */
    char rep[SS_TEXT];    /* reply: the text in upper case */
};

#define SS_SIZE sizeof(struct ss_shm)

/* The longest one wait sleeps before its caller looks around. */
#define SS_TICK_MS 100

/* semctl's fourth argument: the caller defines it (SUSv4 says so). */
union ss_semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

/*
 * Do the n operations ops on set id atomically, waiting at most
 * SS_TICK_MS.  Returns 0, or -1 with errno: EAGAIN (the tick passed, or
 * IPC_NOWAIT and it would wait), EINTR (a signal), EIDRM or EINVAL (the
 * set was removed), or another error of semtimedop.
 */
static inline int ss_op(int id, struct sembuf *ops, size_t n)
{
    struct timespec tick = {0, SS_TICK_MS * 1000000L};
    return semtimedop(id, ops, n, &tick);
}

/* Seconds on the monotonic clock, for deadlines. */
static inline double ss_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
