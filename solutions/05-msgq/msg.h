/*
 * msg.h - the protocol between the message queue server (msgq1) and its
 * clients (msgq2).  Both programs include it; no key, type or size below
 * is repeated in a .c file.
 *
 * One System V message queue carries everything, in both directions.  The
 * message type (mtype) says what a message is and for whom:
 *
 *   1 .. PRIO_MAX        a request; its type is its priority, 1 the most
 *                        urgent.  The server takes the lowest type first
 *                        (msgrcv with type -PRIO_MAX), the oldest first
 *                        among equal types.
 *   REPLY_TYPE(pid)      the reply to the client with that pid.  Always
 *                        greater than PRIO_MAX, so the server never takes a
 *                        reply for a request, and each client takes only
 *                        its own reply (msgrcv with type REPLY_TYPE(getpid())).
 *
 * The key is ftok(".", MSG_PROJ_ID): it comes from the current directory,
 * so server and clients must run in the same directory, two directories
 * (two students, two gradings) get two different queues, and a leftover
 * queue is found again by the next server started in the same place.
 *
 * The size given to msgsnd() and msgrcv() is the size of the payload after
 * mtype, never the size of the whole struct: REQUEST_SIZE and REPLY_SIZE.
 */
#ifndef MSG_H
#define MSG_H

#include <sys/types.h>

/* ftok(".", MSG_PROJ_ID) is the queue's key; only the low 8 bits count. */
#define MSG_PROJ_ID 'q'

/* Permissions of the queue: only its owner may send or receive. */
#define MSG_MODE 0600

/* Bytes in a text field, its NUL included: a message is at most
 * MSG_MAX - 1 = 127 bytes long. */
#define MSG_MAX 128

/* Request priorities: the request's mtype. */
#define PRIO_MIN 1     /* served first */
#define PRIO_MAX 9     /* served last */
#define PRIO_DEFAULT 5 /* msgq2 without -p */

/* The mtype of the reply to the client with this pid: above every request
 * type, whatever the pid (pids start at 1). */
#define REPLY_TYPE(pid) ((long)(pid) + PRIO_MAX)

/* What a client sends to the server. */
struct request {
    long mtype; /* the priority, PRIO_MIN .. PRIO_MAX */
    struct request_body {
        pid_t pid;          /* the client's pid: names its reply type */
        char text[MSG_MAX]; /* the message, NUL-terminated */
    } body;
};

/* What the server sends back. */
struct reply {
    long mtype; /* REPLY_TYPE(pid) */
    struct reply_body {
        pid_t pid;          /* the pid of the request it answers */
        int prio;           /* that request's priority */
        char text[MSG_MAX]; /* its text in upper case, NUL-terminated */
    } body;
};

/* msgsz for msgsnd() and msgrcv(): the body only.  sizeof(struct request)
 * would count mtype and the padding after the body as well, and make
 * msgsnd() read past the struct. */
#define REQUEST_SIZE sizeof(struct request_body)
#define REPLY_SIZE sizeof(struct reply_body)

#endif
