/*
 * msgq2.c - a client of the message queue server: one request, one reply.
 *
 * Usage: msgq2 [-p PRIORITY] [MESSAGE]
 *
 * The client finds the queue of the server msgq1 (its companion) by the
 * key ftok(".", MSG_PROJ_ID) (msg.h), sends MESSAGE (default "hello", at
 * most MSG_MAX - 1 = 127 bytes) as a request of type PRIORITY (1 most
 * urgent .. 9, default 5), waits for the reply of type REPLY_TYPE(its pid)
 * and prints it on stdout:
 *
 *     $ ./msgq2 -p 2 "hi there"
 *     reply for 4243 (priority 2): HI THERE
 *
 * With no server running it fails at once: "msgq2: no server: ...".  If
 * the server removes the queue before it replied, the client says so and
 * fails, rather than waiting for ever.
 *
 * Cleanup: none needed.  The client creates no IPC object; the queue is the
 * server's, and it goes when the server stops.
 */
#include "err.h"
#include "msg.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>
#include <unistd.h>

#define DEFAULT_MESSAGE "hello"
#define USAGE "[-p PRIORITY] [MESSAGE]"

/* Read the command line: the priority into *prio (PRIO_DEFAULT without
 * -p), and return the message.  A usage error for anything else. */
static const char *parse_args(int argc, char *argv[], long *prio)
{
    *prio = PRIO_DEFAULT;
    int opt;
    while ((opt = getopt(argc, argv, "p:")) != -1) {
        if (opt == 'p')
            *prio = arg_long("priority", optarg, PRIO_MIN, PRIO_MAX, USAGE);
        else
            die_usage(USAGE);
    }
    if (argc - optind > 1)
        die_usage(USAGE);
    const char *text = optind < argc ? argv[optind] : DEFAULT_MESSAGE;
    size_t len = strlen(text);
    if (len > MSG_MAX - 1) {
        warn_msg("message too long: %zu bytes, at most %d", len, MSG_MAX - 1);
        die_usage(USAGE);
    }
    return text;
}

/* The id of the server's queue for this directory. */
static int open_queue(void)
{
    int id = -1;
    /* TODO 1: make the key with ftok(".", MSG_PROJ_ID) and look the queue
     * up with msgget(key, 0): no IPC_CREAT, a client never creates the
     * queue.  ENOENT: die_msg("no server: ...") naming the key (0x%08x)
     * and saying to start msgq1 first, in this directory.  Other errors:
     * die(). */
    key_t key = ftok(".", MSG_PROJ_ID);
    if (key == -1)
        die("ftok .");
    id = msgget(key, 0);
    if (id == -1 && errno == ENOENT)
        die_msg("no server: no queue with key 0x%08x (start msgq1 first, "
                "in this directory)",
                (unsigned)key);
    if (id == -1)
        die("msgget key 0x%08x", (unsigned)key);
    /* END TODO 1 */
    return id;
}

/* Put req, filled in, into the queue qid, waiting while the queue is
 * full.  Dies when the queue is gone. */
static void send_request(int qid, const struct request *req)
{
    /* TODO 2: send the request with msgsnd(qid, req, REQUEST_SIZE, 0):
     * the size of the body, never sizeof *req.  Retry on EINTR (a full
     * queue makes msgsnd wait).  EIDRM or EINVAL: die_msg() saying that
     * the server removed the queue.  Other errors: die(). */
    while (msgsnd(qid, req, REQUEST_SIZE, 0) == -1) {
        if (errno == EINTR)
            continue;
        if (errno == EIDRM || errno == EINVAL)
            die_msg("the server removed the queue before our request "
                    "went in");
        die("msgsnd request");
    }
    //> (void)qid;
    //> (void)req;
    /* END TODO 2 */
}

/* Wait for the reply to the client pid in the queue qid and take it into
 * *rep.  Returns the bytes of payload received.  Dies when the queue is
 * gone. */
static ssize_t receive_reply(int qid, pid_t pid, struct reply *rep)
{
    ssize_t n = -1;
    /* TODO 3: wait for our own reply: msgrcv(qid, rep, REPLY_SIZE,
     * REPLY_TYPE(pid), 0).  Type 0 would take whatever comes first:
     * another client's reply, or even a request.  Retry on EINTR.  EIDRM
     * or EINVAL: die_msg() saying that the server removed the queue
     * before it replied.  Other errors (E2BIG: a reply bigger than
     * REPLY_SIZE): die(). */
    while ((n = msgrcv(qid, rep, REPLY_SIZE, REPLY_TYPE(pid), 0)) == -1) {
        if (errno == EINTR)
            continue;
        if (errno == EIDRM || errno == EINVAL)
            die_msg("no reply: the server removed the queue before it "
                    "replied");
        die("msgrcv reply");
    }
    //> (void)qid;
    //> (void)pid;
    //> memset(rep, 0, sizeof *rep);
    /* END TODO 3 */
    return n;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    long prio;
    const char *text = parse_args(argc, argv, &prio);

    struct request req;
    memset(&req, 0, sizeof req); /* no stray bytes go out */
    req.mtype = prio;            /* a request's type is its priority */
    req.body.pid = getpid();
    memcpy(req.body.text, text, strlen(text) + 1);
    int qid = open_queue();
    send_request(qid, &req);

    struct reply rep;
    ssize_t n = receive_reply(qid, req.body.pid, &rep);
    if ((size_t)n != REPLY_SIZE || rep.body.pid != req.body.pid ||
        memchr(rep.body.text, '\0', sizeof rep.body.text) == NULL)
        die_msg("malformed reply (%zd bytes, for pid %ld)", n,
                (long)rep.body.pid);
    printf("reply for %ld (priority %d): %s\n", (long)rep.body.pid,
           rep.body.prio, rep.body.text);
    return EXIT_SUCCESS;
}
