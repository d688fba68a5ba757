/*
 * mq.c (bench) - the bare loops' message queues (bare.h): sysvmq, one
 * System V queue with a message type for each way, and posixmq, two POSIX
 * queues.  A message is one call on each side.
 */
#include "bare.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <sys/msg.h>
#include <unistd.h>

#define MQ_DEPTH 10 /* messages a POSIX queue holds (Linux's default limit) */

/* ---- sysvmq: IPC_PRIVATE, removed when the run ends -------------------- */

static void sysv_make(size_t size)
{
    (void)size;
    live.qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (live.qid == -1)
        die("msgget IPC_PRIVATE");
}

static void sysv_open(void)
{
}

/* The message type goes in the long before buf (bare.c's msg_buf): no
 * copy of the message into a struct msgbuf. */
static void sysv_send(int dir, const unsigned char *buf, size_t len)
{
    long *mtype = (long *)(void *)((unsigned char *)buf - sizeof(long));
    *mtype = dir + 1;
    while (msgsnd(live.qid, mtype, len, 0) == -1)
        if (errno != EINTR)
            FAIL("msgsnd %zu bytes to queue %d", len, live.qid);
}

static void sysv_recv(int dir, unsigned char *buf, size_t len)
{
    long *mtype = (long *)(void *)(buf - sizeof(long));
    ssize_t n;
    while ((n = msgrcv(live.qid, mtype, len, dir + 1, 0)) == -1)
        if (errno != EINTR)
            FAIL("msgrcv from queue %d", live.qid);
    if ((size_t)n != len) {
        errno = EBADMSG;
        FAIL("msgrcv: %zd bytes where %zu were due", n, len);
    }
}

/* ---- posixmq: two queues, unlinked before the fork --------------------- */

static mqd_t mq[2];
static size_t mq_size; /* the queues' message size: recv's buffer */

static void posix_make(size_t size)
{
    struct mq_attr attr = {0};
    attr.mq_maxmsg = MQ_DEPTH;
    attr.mq_msgsize = (long)size;
    mq_size = size;
    for (int d = 0; d < 2; d++) {
        snprintf(live.mq[d], sizeof live.mq[d], "/ipckit-bare-%ld-%s",
                 (long)getpid(), d == DOWN ? "down" : "up");
        mq[d] = mq_open(live.mq[d], O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        if (mq[d] == (mqd_t)-1)
            die("mq_open %s (%d messages of %zu bytes)", live.mq[d], MQ_DEPTH,
                size);
    }
    remove_live(); /* both processes hold both queues through the fork */
}

static void posix_open(void)
{
}

static void posix_send(int dir, const unsigned char *buf, size_t len)
{
    while (mq_send(mq[dir], (const char *)buf, len, 0) == -1)
        if (errno != EINTR)
            FAIL("mq_send %zu bytes", len);
}

static void posix_recv(int dir, unsigned char *buf, size_t len)
{
    ssize_t n;
    while ((n = mq_receive(mq[dir], (char *)buf, mq_size, NULL)) == -1)
        if (errno != EINTR)
            FAIL("mq_receive");
    if ((size_t)n != len) {
        errno = EBADMSG;
        FAIL("mq_receive: %zd bytes where %zu were due", n, len);
    }
}

const struct mech mech_sysvmq = {"sysvmq", sysv_make, sysv_open, sysv_send,
                                 sysv_recv};
const struct mech mech_posixmq = {"posixmq", posix_make, posix_open, posix_send,
                                  posix_recv};
