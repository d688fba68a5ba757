/*
 * mq.h - the protocol between the sender (mqsend) and the receiver
 * (mqrecv) of lab 14, which talk through one POSIX message queue.  Both
 * programs include it; no name, size, limit or marker below is repeated
 * in a .c file.
 *
 * The queue.  Its name is ipc_name(buf, len, MQ_TAG) (synclib):
 * "/ipckit-mq-UID-DEV-INODE", the same for both programs started in the
 * same directory, different for every other user and directory.  Where
 * the mqueue file system is mounted (Linux: `mount -t mqueue none
 * /dev/mqueue`), the queue shows up as the file MQ_DIR "/ipckit-mq-...".
 *
 * A message is the TEXT of one input line "PRIORITY TEXT": its bytes
 * only, whatever they are (NUL bytes too), without the priority (the
 * queue carries it), the space or the newline, and with no NUL added.
 * TEXT has at least one byte, because a message of length 0 is the end
 * marker: mqsend sends it last, at priority MQ_END_PRIO (0, the lowest),
 * so it comes out after every message sent before it, whatever their
 * priorities.  mqrecv stops at it.
 *
 * The kernel keeps the order: mq_receive returns the oldest message of
 * the highest priority in the queue.  Neither program sorts anything.
 *
 * Who removes the queue (mq_unlink; the queue itself goes away once its
 * name is gone and nobody has it open):
 *   - mqsend creates it (O_CREAT | O_EXCL: a leftover queue fails loudly,
 *     it is never reused) and owns it until its last send.  On every way
 *     out before that (an error, a full queue with -n, SIGINT, SIGTERM:
 *     an atexit handler) it removes the queue.  Once it has sent every
 *     line (and the end marker) it hands the queue over: it leaves it,
 *     with the messages in it, to the receiver, and ends with status 0.
 *     So the sender may end before the receiver starts.
 *   - mqrecv never creates the queue.  From the moment it has opened it,
 *     it removes it on every way out: the end marker, COUNT messages
 *     (-c), no message in time (-t), an empty queue (-n), SIGINT, SIGTERM,
 *     any error (atexit).
 * Left behind are only a queue that was handed over and never received,
 * and whatever a SIGKILL interrupts.  `./mqrecv -n` prints and removes
 * such a queue, and so does `rm /dev/mqueue/ipckit-mq-...`.
 *
 * A removed name.  Either side may remove the queue while the other still
 * uses it: the other one's descriptor keeps working, but nobody will ever
 * send to it (or receive from it) again.  So whenever a wait ends without
 * a message (a tick, below), the waiting side checks that the name still
 * exists (mq_gone()), and fails when it does not.
 *
 * Waiting.  SIGINT and SIGTERM only set a flag (sigaction without
 * SA_RESTART: a blocked mq_timedsend or mq_timedreceive returns EINTR).
 * Every wait is an mq_timedsend or mq_timedreceive whose deadline is at
 * most MQ_TICK_MS away, so that a signal that lands between the test of
 * the flag and the call, or a removed name, is seen within a tick.  Both
 * calls take an absolute CLOCK_REALTIME time, never a relative one.
 */
#ifndef MQ_H
#define MQ_H

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <time.h>

/* ipc_name(buf, len, MQ_TAG) is the queue's name. */
#define MQ_TAG "mq"

/* Where Linux shows message queues as files (when mounted there). */
#define MQ_DIR "/dev/mqueue"

/* Permissions of the queue: only its owner may open it. */
#define MQ_MODE 0600

/* mqsend's -m MAXMSG and -s MSGSIZE when not given. */
#define MQ_MAXMSG_DEFAULT 10
#define MQ_MSGSIZE_DEFAULT 8192

/* The most a process without CAP_SYS_RESOURCE may ask for.  root may ask
 * for more (mq_open does not refuse it), so mqsend checks them itself. */
#define MQ_MSG_MAX_FILE "/proc/sys/fs/mqueue/msg_max"
#define MQ_MSGSIZE_MAX_FILE "/proc/sys/fs/mqueue/msgsize_max"

/* Priorities are 0 to MQ_PRIO_TOP: POSIX promises at least 32 of them
 * (_POSIX_MQ_PRIO_MAX); Linux has 32768. */
#define MQ_PRIO_TOP 31

/* The end marker: an empty message at this priority. */
#define MQ_END_PRIO 0

/* The longest one mq_timedsend or mq_timedreceive sleeps (ms). */
#define MQ_TICK_MS 200

/* mqrecv -t SECONDS: the most allowed. */
#define MQ_WAIT_MAX 3600

/* Set *t to the absolute CLOCK_REALTIME time ms milliseconds from now:
 * what mq_timedsend and mq_timedreceive want.  0, or -1 with errno. */
static inline int mq_deadline(long ms, struct timespec *t)
{
    if (clock_gettime(CLOCK_REALTIME, t) == -1)
        return -1;
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    t->tv_sec += t->tv_nsec / 1000000000L;
    t->tv_nsec %= 1000000000L;
    return 0;
}

/* Is a earlier than b? */
static inline int mq_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Is the name gone (the other side removed the queue)?  1 when no queue
 * has that name, 0 when one has, -1 with errno when we cannot tell. */
static inline int mq_gone(const char *name)
{
    mqd_t q = mq_open(name, O_RDONLY);
    if (q == (mqd_t)-1)
        return errno == ENOENT ? 1 : -1;
    if (mq_close(q) == -1)
        return -1;
    return 0;
}

#endif
