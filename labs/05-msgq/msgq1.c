/*
 * msgq1.c - a server that answers its clients through one System V
 * message queue.
 *
 * Usage: msgq1
 *
 * The server creates the queue keyed ftok(".", MSG_PROJ_ID) (msg.h), says
 * "msgq1: ready" and serves requests from any number of clients (msgq2, its
 * companion) until SIGINT or SIGTERM.  It always takes the most urgent
 * request first: the lowest type in 1..PRIO_MAX, the oldest among equals.
 * The reply, the text in upper case, goes back with type REPLY_TYPE(pid),
 * which only the client with that pid asks for.  One line on stdout per
 * request served, in the order served:
 *
 *     $ ./msgq1                     $ ./msgq2 -p 2 "hi there"
 *     msgq1: ready                  reply for 4243 (priority 2): HI THERE
 *     msgq1: served priority 2 from 4243: hi there
 *     ^C
 *     msgq1: SIGINT: removed the queue (requests served: 1)
 *
 * A client that misbehaves costs a warning on stderr, never the server's
 * life: a request of the wrong size or shape is dropped, and a reply that
 * does not fit into a full queue is dropped too (the server never waits
 * for a client).
 *
 * Cleanup: the server creates the queue (IPC_CREAT | IPC_EXCL: it refuses
 * to reuse a queue left by a killed server, or shared with a running one)
 * and removes it when it stops: on SIGINT, SIGTERM and every error path
 * (atexit).  Only SIGKILL leaves it behind; `ipcs -q` shows it and
 * `ipcrm -Q KEY` removes it.  Clients own nothing and remove nothing.
 */
#include "err.h"
#include "msg.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/types.h>

/* The signal that asked us to stop, or 0.  Storing into a volatile
 * sig_atomic_t is all the handler may safely do. */
static volatile sig_atomic_t stop_signal;

/* The queue's id while it exists and is ours to remove, else -1. */
static int qid = -1;

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* atexit: remove the queue on every way out through exit(), die() too. */
static void remove_queue(void)
{
    /* TODO 1: if qid is a queue (not -1), remove it with msgctl(qid,
     * IPC_RMID, NULL); report a failure with warn_sys() (never die() here:
     * it would call exit() again).  Set qid back to -1 so that a second
     * call does nothing. */
    /* END TODO 1 */
}

/* Create this directory's queue and return its id; refuse to start when
 * the key is taken already. */
static int create_queue(void)
{
    int id = -1;
    /* TODO 2: make the key with ftok(".", MSG_PROJ_ID), then create the
     * queue with msgget(key, IPC_CREAT | IPC_EXCL | MSG_MODE).  EEXIST:
     * die_msg() saying that a queue with that key (print it as 0x%08x)
     * exists already, that another msgq1 runs here or a killed one left
     * it, and how to remove it ("ipcrm -Q <key>").  Other errors: die(). */
    /* END TODO 2 */
    return id;
}

/* Fill *rep with the answer to req: its pid and priority, its text in
 * upper case.  Every byte of *rep is set, so no stray bytes go out. */
static void make_reply(const struct request *req, struct reply *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->body.pid = req->body.pid;
    rep->body.prio = (int)req->mtype;
    for (size_t i = 0; req->body.text[i] != '\0'; i++)
        rep->body.text[i] = (char)toupper((unsigned char)req->body.text[i]);
}

/* Send rep, whose body is filled in, to the client rep->body.pid.
 * Returns 1 when the reply is in the queue, 0 when it was dropped with a
 * warning: a full queue must not make the server wait for a client.  Dies
 * when the queue is gone. */
static int send_reply(struct reply *rep)
{
    /* TODO 3: set rep->mtype to REPLY_TYPE of the client's pid and send
     * the reply with msgsnd(qid, rep, REPLY_SIZE, IPC_NOWAIT): the size
     * of the body, not of the struct.  EAGAIN (the queue is full): warn
     * "no reply to <pid>: ..." and return 0.  EIDRM or EINVAL (someone
     * removed the queue): set qid to -1 and die_msg().  Other errors:
     * die(). */
    (void)rep;
    /* END TODO 3 */
    return 1;
}

/* Make on_stop the handler of SIGINT and SIGTERM. */
static void catch_signals(void)
{
    /* TODO 4: install on_stop for SIGINT and SIGTERM with sigaction(),
     * sa_flags 0.  (msgrcv() returns EINTR after a handler ran, with or
     * without SA_RESTART: System V IPC calls are never restarted.)  A
     * failure: die(). */
    (void)on_stop; /* you will need it */
    /* END TODO 4 */
}

/* Take the most urgent request off the queue into *req.  Returns 1 with a
 * well-formed request; 0 with none to serve this time: a signal
 * interrupted the wait (the caller looks at stop_signal), or the request
 * was malformed and is dropped with a warning.  Dies when the queue is
 * gone. */
static int receive_request(struct request *req)
{
    /* TODO 5: receive one request with msgrcv(qid, req, REQUEST_SIZE,
     * -PRIO_MAX, MSG_NOERROR): the lowest type <= PRIO_MAX, so requests
     * only, most urgent first; never type 0, which would take replies too.
     * MSG_NOERROR cuts an oversized message down instead of leaving it in
     * the queue (E2BIG) for ever.  EINTR: return 0.  EIDRM or EINVAL: qid
     * = -1, die_msg().  Other errors: die().  A count other than
     * REQUEST_SIZE, a pid <= 0 or a text without its NUL:
     * warn_msg("ignored ...") and return 0. */
    (void)req;
    die_msg("receive_request: not written yet (TODO 5)");
    /* END TODO 5 */
    return 1;
}

/* Serve requests until a signal asks us to stop: one line on stdout for
 * each reply sent.  Returns how many were sent. */
static unsigned long serve_until_stopped(void)
{
    unsigned long served = 0;
    while (!stop_signal) {
        struct request req;
        struct reply rep;
        if (!receive_request(&req))
            continue;
        make_reply(&req, &rep);
        if (!send_reply(&rep))
            continue;
        served++;
        printf("%s: served priority %ld from %ld: %s\n", err_prog(), req.mtype,
               (long)req.body.pid, req.body.text);
        fflush(stdout);
    }
    return served;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc != 1)
        die_usage("(no arguments)");

    /* Signals first, before the queue exists, so that no signal can kill
     * us between creating the queue and being ready to remove it. */
    catch_signals();
    if (atexit(remove_queue) != 0)
        die_msg("atexit failed");
    qid = create_queue();
    printf("%s: ready\n", err_prog());
    fflush(stdout);

    unsigned long served = serve_until_stopped();
    remove_queue();
    printf("%s: %s: removed the queue (requests served: %lu)\n", err_prog(),
           stop_signal == SIGINT ? "SIGINT" : "SIGTERM", served);
    return EXIT_SUCCESS;
}
