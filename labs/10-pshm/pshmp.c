/*
 * pshmp.c - the producer: streams a file to the consumer (pshmc) through a
 * ring buffer in a POSIX shared-memory object.
 *
 * Usage: pshmp [-t SECONDS] [FILE]
 *
 * The producer opens FILE (standard input without FILE), creates this
 * directory's object ipc_name(PSHM_TAG) (pshm.h) with O_CREAT | O_EXCL,
 * sizes it, maps it, sets up the ring and its semaphores, and says
 * "pshmp: ready" on stdout.  Then it copies its input into the ring one
 * slot at a time, ends the stream with an empty slot, and waits until the
 * consumer says it has written everything out:
 *
 *     $ ./pshmp notes.txt                 $ ./pshmc > copy.txt
 *     pshmp: ready
 *     pshmp: sent 5120 bytes
 *
 * Either program may start first.  The producer waits at most SECONDS (1
 * to 3600, default 5) for a consumer to come; then it fails with "no
 * consumer came within S s".  Once the consumer has come, it waits as long
 * as the consumer lives, and fails when the consumer stops or dies before
 * the end of the stream.  SIGINT and SIGTERM make it give up ("pshmp:
 * SIGTERM: gave up").  Every failure: a message on stderr, status 1.
 *
 * A leftover object of our name (another pshmp runs in this directory, or
 * a killed one left it) is refused: "... exists already ... (remove it: rm
 * /dev/shm/ipckit-pshm-...)", status 1, and it is left alone.
 *
 * Cleanup: the producer owns the name until a consumer takes the stream;
 * on every way out before that (no consumer, a signal, an error: an atexit
 * handler) it closes the object and unlinks the name.  The consumer
 * unlinks it as soon as it has taken the stream.  pshm.h has the details.
 */
#include "err.h"
#include "ipcname.h"
#include "pshm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define USAGE "[-t SECONDS] [FILE]"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The object's name; made is 1 while the name is ours to unlink. */
static char name[IPC_NAME_MAX];
static int made;

/* Where the object is mapped, or NULL. */
static struct pshm_ring *ring;

/* 1 once the consumer has confirmed the whole stream. */
static int finished;

/* The -t SECONDS, for messages, and when the wait for a consumer ends. */
static long wait_secs = PSHM_WAIT_DEFAULT;
static struct timespec deadline;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static const char *signame(int sig)
{
    return sig == SIGINT ? "SIGINT" : "SIGTERM";
}

/* Give up cleanly on SIGINT and SIGTERM: on_stop sets the flag, and with
 * sa_flags 0 (no SA_RESTART) sem_timedwait and read return EINTR, so
 * that the flag is looked at soon. */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = 0;
    if (sigaction(SIGINT, &sa, NULL) == -1 ||
        sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
}

/* atexit: on every way out through exit(), die() too.  Tell a consumer
 * that we stopped early, unlink the name if it is still ours, unmap.
 * Safe to call twice. */
static void cleanup(void)
{
    /* TODO 1: if ring is mapped and we have not finished, set
     * ring->producer_quit to 1 (memory_order_release) and sem_post()
     * full_slots, so that a waiting consumer wakes and sees it.  If the
     * name is ours (made): unless a consumer has taken the stream (state
     * PSHM_ATTACHED, it unlinks the name then), move state to PSHM_CLOSED
     * with a compare-and-swap loop (a consumer may take the stream at the
     * same moment: whoever's swap wins decides) and shm_unlink(name).
     * Without a mapping, an object we made is still ours: unlink it.
     * Then munmap() and set ring to NULL, made to 0.  Report failures with
     * warn_sys(), never die() (it would call exit() again). */
    (void)finished; /* you will need them */
    (void)made;
    (void)ring;
    /* END TODO 1 */
}

/*
 * create_ring: create this directory's object, size it, map it into ring
 * and set the ring up for a consumer.  Returns with made 1 and the magic
 * stored last.  Exits through die or die_msg when the object exists
 * already or a call fails (cleanup then removes what was made).
 */
static void create_ring(void)
{
    if (ipc_name(name, sizeof name, PSHM_TAG) == -1)
        die("ipc_name %s", PSHM_TAG);
    /* TODO 2: create the object with shm_open(name, O_CREAT | O_EXCL |
     * O_RDWR, PSHM_MODE).  EEXIST: die_msg() that it exists already
     * (another pshmp runs in this directory, or a killed one left it) and
     * how to remove it: "rm " PSHM_DIR "NAME".  Once it is made, set made
     * to 1 at once (cleanup unlinks it from then on).  Size it with
     * ftruncate() to PSHM_SIZE, mmap() it shared, read and write, and
     * close the descriptor (the mapping stays).  A new object is all zero
     * bytes.  Set up: the three semaphores with sem_init(..., 1, value)
     * (pshared 1: they live in memory that processes share), producer =
     * getpid(), state = PSHM_WAITING, and last magic = PSHM_MAGIC with
     * memory_order_release: a consumer that sees the magic sees all the
     * rest. */
    die_msg("create_ring: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* Take one token of sem (free_slots or done).  Between ticks: give up on
 * a signal; give up when no consumer came by the deadline; fail when the
 * consumer stopped or died. */
static void wait_consumer(sem_t *sem, const char *what)
{
    /* TODO 3: loop on pshm_wait(sem, PSHM_TICK_MS); -1: die() naming
     * what.  Whatever it returned: if stop_signal is set, die_msg()
     * "<SIGINT|SIGTERM>: gave up"; if consumer_quit is set (acquire),
     * die_msg() that the consumer stopped before the end of the stream (a
     * consumer that quits posts the semaphores to wake us: a token is no
     * proof of progress).  0: the token is ours, return.  After a signal
     * or a tick: if state is PSHM_ATTACHED and the
     * consumer's pid (when known, > 0) no longer exists (kill(pid, 0)
     * fails with ESRCH), die_msg() that the consumer (pid P) died before
     * the end of the stream.  If state is still PSHM_WAITING and the
     * deadline has passed (pshm_ms_left() == 0), compare-and-swap it to
     * PSHM_CLOSED: if that works, die_msg() "no consumer came within S s"
     * (cleanup unlinks the name); if not, a consumer just came: go on. */
    (void)sem;
    (void)what;
    die_msg("wait_consumer: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* Read up to len bytes of input into buf (a slot): the count, 0 at the
 * end.  A signal while the read blocks (a pipe, a terminal) gives up. */
static size_t read_input(int in, const char *path, unsigned char *buf,
                         size_t len)
{
    for (;;) {
        ssize_t n = read(in, buf, len);
        if (n >= 0)
            return (size_t)n;
        if (errno != EINTR)
            die("read %s", path);
        if (stop_signal != 0)
            die_msg("%s: gave up", signame(stop_signal));
    }
}

/*
 * send_stream: send the input open on in (path names it in messages)
 * through the ring we made: every byte, then the end-of-stream mark.
 * Returns the number of bytes sent, once the consumer has said it wrote
 * them all out (finished is then 1).  On a failure (a read error, no
 * consumer in time, the consumer stopped or died, a signal) exits through
 * die or die_msg.
 */
static unsigned long long send_stream(int in, const char *path)
{
    /* TODO 4: starting at slot head = 0: wait for a free slot
     * (wait_consumer(&ring->free_slots, ...)), read up to PSHM_SLOT bytes
     * of input straight into that slot's data (read_input), set its len,
     * sem_post() full_slots, move head on to the next slot (after the last
     * comes slot 0), count the bytes in total.  A read of 0 bytes is the
     * end: that slot, with len 0, is the end-of-stream mark; post it too,
     * then stop.  Finally wait_consumer(&ring->done, ...): the consumer has
     * written everything, and only then is the copy a success: set
     * finished (cleanup then leaves producer_quit alone). */
    (void)read_input; /* you will need them */
    (void)wait_consumer;
    (void)in;
    (void)path;
    die_msg("the stream: not written yet (TODO 4)");
    /* END TODO 4 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    int opt;
    while ((opt = getopt(argc, argv, "t:")) != -1) {
        if (opt == 't')
            wait_secs = arg_long("SECONDS", optarg, 1, PSHM_WAIT_MAX, USAGE);
        else
            die_usage(USAGE);
    }
    if (argc - optind > 1)
        die_usage(USAGE);
    const char *path = optind < argc ? argv[optind] : "standard input";

    /* The input first: a missing FILE fails before any object exists. */
    int in = STDIN_FILENO;
    if (optind < argc && (in = open(path, O_RDONLY)) == -1)
        die("open %s", path);

    /* Handlers before the object exists, so that no signal can kill us
     * between making it and being ready to unlink it. */
    catch_stop_signals();
    if (atexit(cleanup) != 0)
        die_msg("atexit failed");

    if (pshm_deadline(&deadline, wait_secs * 1000) == -1)
        die("clock_gettime");
    create_ring();
    printf("%s: ready\n", err_prog());
    fflush(stdout);
    unsigned long long total = send_stream(in, path);

    if (in != STDIN_FILENO && close(in) == -1)
        die("close %s", path);
    cleanup();
    printf("%s: sent %llu bytes\n", err_prog(), total);
    return EXIT_SUCCESS;
}
