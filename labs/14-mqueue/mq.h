/*
 * mq.h - the protocol between the sender (mqsend) and the receiver
 * (mqrecv) of one POSIX message queue.  Both programs include it; no name,
 * size, marker or status below is repeated in a .c file.
 *
 * The queue.  Its name is ipc_name(MQ_TAG) (synclib/ipcname.h):
 * "/ipckit-mq-<uid>-<dev>-<inode of the current directory>", so the two
 * programs, run in the same directory, agree on it without being told, and
 * two directories (two students, two gradings) get two queues.
 *
 * A message is the TEXT of one input line, its bytes only: no priority
 * (the queue carries it), no newline, no NUL added at the end.  A message of length 0 is
 * the end marker: the sender puts it last, at priority 0, so that it comes
 * out after every message sent before it, whatever their priorities.  So a
 * line must have at least one byte of text.
 *
 * The kernel orders the queue: highest priority first, and within one
 * priority the oldest first.  Neither program sorts anything.
 *
 * Who creates the queue, who removes it (mq_unlink):
 *   - mqsend creates it (O_CREAT | O_EXCL: a queue left by a killed run
 *     is refused, never reused) and owns it while it sends.  On every way
 *     out before its last send, error, `queue full` (-n), SIGINT and
 *     SIGTERM included, it removes it (atexit).  When it has sent every
 *     line (and the end marker, unless -E), it hands the queue over: it
 *     exits with status 0 and leaves the queue, full of messages, for the
 *     receiver.  This is what lets the sender run, and end, before the
 *     receiver starts.
 *   - mqrecv opens the queue that exists (never creates it) and, from then
 *     on, removes it on every way out: end marker, COUNT messages, time
 *     limit (-t), empty queue (-n), SIGINT, SIGTERM, errors (atexit).
 * What is left behind: a queue that mqsend handed over and no mqrecv ever
 * read, and anything after SIGKILL.  `./mqrecv -n` prints and removes such
 * a queue; where the mqueue file system is mounted (`mount -t mqueue none
 * /dev/mqueue`), `ls /dev/mqueue` lists queues and rm removes one.
 *
 * Signals: SIGINT and SIGTERM only set a flag (sigaction, no SA_RESTART:
 * a blocked mq_send or mq_receive then returns EINTR at once).  Every wait
 * is an mq_timedsend or mq_timedreceive whose deadline is at most
 * MQ_TICK_SECS away, so that a signal which lands between the test of the
 * flag and the call is still seen within a tick.
 */
#ifndef MQ_H
#define MQ_H

#include <time.h>

/* The tag of the queue's name: ipc_name(buf, sizeof buf, MQ_TAG). */
#define MQ_TAG "mq"

/* Permissions of the queue: only its owner may open it. */
#define MQ_MODE 0600

/* mqsend's defaults for -m and -s: the Linux defaults (fs.mqueue.msg_default
 * and msgsize_default), within the limits any user may ask for. */
#define MQ_MAXMSG_DEFAULT 10
#define MQ_MSGSIZE_DEFAULT 8192

/* The limits a user without CAP_SYS_RESOURCE may not exceed (root may, so
 * mqsend checks them itself before mq_open). */
#define MQ_MSG_MAX_FILE "/proc/sys/fs/mqueue/msg_max"
#define MQ_MSGSIZE_MAX_FILE "/proc/sys/fs/mqueue/msgsize_max"

/* Priorities are 0 to MQ_PRIO_TOP: POSIX promises at least 32 of them
 * (_POSIX_MQ_PRIO_MAX); Linux has 32768. */
#define MQ_PRIO_TOP 31

/* The end marker: a message of this length, sent at this priority. */
#define MQ_END_LEN 0
#define MQ_END_PRIO 0

/* The longest a program sleeps in one mq_timedsend/mq_timedreceive. */
#define MQ_TICK_SECS 1

/* Exit statuses besides 0, EXIT_FAIL (1) and EXIT_USAGE (2) of err.h: the
 * queue was full (mqsend -n), empty (mqrecv -n), or no message came in
 * time (mqrecv -t). */
#define MQ_EXIT_AGAIN 3

/* The absolute CLOCK_REALTIME time secs seconds from now: what
 * mq_timedsend and mq_timedreceive want (never a relative time). */
static inline struct timespec mq_after(long secs)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += secs;
    return t;
}

/* Is a earlier than b? */
static inline int mq_before(const struct timespec *a,
                            const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

#endif
