/*
 * bare.h (bench) - the bare IPC loops that `make bench BENCH=ipcbench`
 * runs beside lab 16's ipcbench: the barest round trip and one-way stream
 * each mechanism allows, with no message check and no statistics beyond
 * one median, so that ipcbench's figure over the bare one shows what
 * ipcbench's own machinery costs.
 *
 * bare.c is the driver (command line, fork, CPUs, the two loops, the
 * result line, the clean-up); each mechanism is a struct mech:
 *
 *   fd.c     pipe, fifo, unix, tcp   read and write on descriptors
 *   mq.c     sysvmq, posixmq         msgsnd/msgrcv, mq_send/mq_receive
 *   shm.c    shm, shm-spin, mmap     slots in a shared mapping, two
 *                                    process-shared semaphores a way
 *
 * Clean-up: every object is made by the parent before the fork, its name
 * noted in `live` *before* it is made (so a signal in between cannot lose
 * it; removing a name that was never made fails harmlessly), and removed
 * as soon as both sides hold it (FIFOs, POSIX queues, the shm name, the
 * mapped file) or, for the System V queue, when the run ends.  The parent
 * removes whatever is still noted on every exit: normal, die() (atexit),
 * SIGINT, SIGTERM, SIGHUP, and a child that failed (SIGCHLD).  The child
 * gets SIGTERM when its parent dies (PR_SET_PDEATHSIG), and removes the
 * System V queue when it is stopped, so that even a SIGKILL of the parent
 * leaves nothing; it removes nothing else.
 *
 * Linux-only where it must be (CPU affinity, PR_SET_PDEATHSIG): bare.c
 * defines _GNU_SOURCE for those; the mechanisms are POSIX 2008.
 */
#ifndef BARE_H
#define BARE_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum { DOWN = 0, UP = 1 }; /* DOWN: parent (sender) to child; UP: back */

#define ACK_SIZE 8 /* the receiver's answer to a stream round */
#define MSG_MIN 8  /* the smallest message: room for an answer */
#define NAME_LEN 96

/* One mechanism.  make() runs in the parent before the fork, with the
 * signals held, for messages of size bytes (at least ACK_SIZE); open() in
 * each process after it; send() and recv() move exactly len bytes one way
 * (dir), from and to buffers of at least size bytes, with room for a long
 * before them (mq.c). */
struct mech {
    const char *name;
    void (*make)(size_t size);
    void (*open)(void);
    void (*send)(int dir, const unsigned char *buf, size_t len);
    void (*recv)(int dir, unsigned char *buf, size_t len);
};

extern const struct mech mech_pipe, mech_fifo, mech_unix, mech_tcp;
extern const struct mech mech_sysvmq, mech_posixmq;
extern const struct mech mech_shm, mech_shm_spin, mech_mmap;

/* What exists and has a name, for the clean-up ("" or -1: nothing). */
struct live {
    pid_t child;
    char dir[NAME_LEN];     /* fifo: the directory of the two FIFOs */
    char path[2][NAME_LEN]; /* fifo: the FIFOs; mmap: path[0], the file */
    char mq[2][NAME_LEN];   /* posixmq: the two queues' names */
    char shm[NAME_LEN];     /* shm: the shared memory object's name */
    int qid;                /* sysvmq: the queue */
};
extern struct live live;
extern bool in_child; /* this process is the child (the receiver) */

/* Block (hold) and unblock the signals whose handlers read `live`; the
 * calls nest. */
void hold_signals(void);
void release_signals(void);

/* In the parent: remove every object `live` notes (unlink, rmdir,
 * mq_unlink, shm_unlink, msgctl IPC_RMID) and clear it; fail on an
 * error.  The child is left alone. */
void remove_live(void);

/* Fail in whichever process this is: the child must _exit. */
#define FAIL(...)                                                              \
    do {                                                                       \
        if (in_child)                                                          \
            die_child(__VA_ARGS__);                                            \
        die(__VA_ARGS__);                                                      \
    } while (0)

#endif
