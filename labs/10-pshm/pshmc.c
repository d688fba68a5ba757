/*
 * pshmc.c - the consumer: writes to stdout the byte stream the producer
 * (pshmp) sends through a ring buffer in a POSIX shared-memory object.
 *
 * Usage: pshmc [-t SECONDS]
 *
 * The consumer opens this directory's object ipc_name(PSHM_TAG) (pshm.h),
 * takes the stream (so no other consumer can), unlinks the object's name,
 * and copies every slot the producer fills to stdout, byte for byte, until
 * the end-of-stream slot.  Then it tells the producer it has it all and
 * exits with 0.  It prints nothing but the stream:
 *
 *     $ ./pshmc > copy.txt                $ ./pshmp notes.txt
 *                                         pshmp: ready
 *                                         pshmp: sent 5120 bytes
 *     $ cmp notes.txt copy.txt
 *
 * Either program may start first.  With no object yet, the consumer waits
 * (asleep: inotify on /dev/shm, Linux-only) at most SECONDS (1 to 3600,
 * default 5) for a producer, then fails: "no producer came within S s".
 * Once it has the stream it waits as long as the producer lives, and fails
 * when the producer stops or dies before the end of the stream (what it
 * wrote so far is then incomplete: status 1 says so).  An object of our
 * name that a killed producer left, or that is not a producer's ring, is
 * refused with the command that removes it.  SIGINT and SIGTERM make it
 * give up ("pshmc: SIGTERM: gave up").  Every failure: a message on stderr,
 * status 1.
 *
 * Cleanup: the consumer never creates the object.  It unlinks the name as
 * soon as it has taken the stream; from then on the kernel frees the
 * memory when both sides have unmapped it.  pshm.h has the whole policy.
 */
#include "err.h"
#include "ipcname.h"
#include "pshm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h> /* Linux-only, no feature macro needed */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define USAGE "[-t SECONDS]"

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* The object's name. */
static char name[IPC_NAME_MAX];

/* Where the object is mapped, or NULL. */
static struct pshm_ring *ring;

/* 1 while we have taken the stream but not yet unlinked the name. */
static int must_unlink;

/* 1 once we have written the whole stream and said so. */
static int finished;

/* The inotify descriptor watching PSHM_DIR, or -1. */
static int watch_fd = -1;

static long wait_secs = PSHM_WAIT_DEFAULT;
static struct timespec deadline;

static void on_stop(int sig)
{
    stop_signal = sig;
}

static void check_stop(void)
{
    if (stop_signal != 0)
        die_msg("%s: gave up", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
}

/* Give up cleanly on SIGINT and SIGTERM: on_stop sets the flag, and with
 * sa_flags 0 (no SA_RESTART) waits and writes return EINTR, so that the
 * flag is looked at soon. */
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

/* atexit: on every way out through exit(), die() too.  Tell the producer
 * that we stopped early, unlink the name if that is still to do, unmap.
 * Safe to call twice. */
static void cleanup(void)
{
    /* TODO 1: if we have taken the stream but not unlinked the name yet
     * (must_unlink), shm_unlink(name) and clear must_unlink.  If ring is
     * mapped, we have taken the stream (state PSHM_ATTACHED and the
     * consumer pid is ours) and we have not finished: set
     * ring->consumer_quit to 1 (memory_order_release), and sem_post()
     * free_slots and done, so that a producer waiting on either wakes and
     * sees it.  Then munmap() and set ring to NULL.  Report failures with
     * warn_sys(), never die(). */
    (void)must_unlink; /* you will need them */
    (void)finished;
    /* END TODO 1 */
}

/* Sleep until something may have been created in PSHM_DIR, at most
 * PSHM_TICK_MS and never past the deadline; give up at the deadline or on
 * a signal. */
static void wait_for_producer(void)
{
    check_stop();
    long left = pshm_ms_left(&deadline);
    if (left == -1)
        die("clock_gettime");
    if (left == 0)
        die_msg("no producer came within %ld s", wait_secs);
    if (left > PSHM_TICK_MS)
        left = PSHM_TICK_MS;
    /* With no inotify, poll() with no descriptor is a plain sleep. */
    struct pollfd p = {.fd = watch_fd, .events = POLLIN};
    int rc = poll(&p, watch_fd == -1 ? 0 : 1, (int)left);
    if (rc == -1 && errno != EINTR)
        die("poll inotify %s", PSHM_DIR);
    if (rc > 0) {
        /* Drain the events: which file it was does not matter, shm_open
         * tells.  The descriptor is non-blocking: EAGAIN ends it. */
        char buf[4096];
        while (read(watch_fd, buf, sizeof buf) > 0)
            ;
    }
    check_stop();
}

/* Sleep a little while a producer sets its object up: 1 ms, doubling up
 * to PSHM_TICK_MS, at most PSHM_SETUP_MS since *since (then the object is
 * not a producer's); the deadline and signals as always. */
static void wait_setup(long *step, const struct timespec *until)
{
    check_stop();
    if (pshm_ms_left(&deadline) == 0)
        die_msg("no producer came within %ld s", wait_secs);
    if (pshm_ms_left(until) == 0)
        die_msg("%s is not a pshmp ring: it never got set up (remove it: "
                "rm %s%s)",
                name, PSHM_DIR, name);
    struct timespec t = {0, *step * 1000000L};
    if (nanosleep(&t, NULL) == -1 && errno != EINTR)
        die("nanosleep");
    if (*step < PSHM_TICK_MS)
        *step *= 2;
}

/*
 * open_ring: wait for this directory's producer and map its object into
 * ring.  Returns once ring points at an object its producer has set up
 * (magic is PSHM_MAGIC); no descriptor is left open.  Exits through die or
 * die_msg at the deadline, on a signal, on an object that is not a
 * producer's ring, or when a call fails.
 */
static void open_ring(void)
{
    /* TODO 2: in a loop, open the object with shm_open(name, O_RDWR,
     * 0).  ENOENT: no producer yet: wait_for_producer() and go round;
     * other errors: die().  fstat() it: size 0 means the producer has
     * just made it and not sized it yet; any size but 0 or PSHM_SIZE:
     * die_msg() that it is not a pshmp ring, naming "rm " PSHM_DIR "NAME".
     * Sized right: mmap() it shared, read and write, into ring.  Close
     * the descriptor (the mapping stays).  Once magic is PSHM_MAGIC (load
     * it with memory_order_acquire), return.  Until then the producer is
     * still setting it up: unmap it and back off with wait_setup(&step,
     * &setup_until), setup_until being PSHM_SETUP_MS after the first time
     * you saw it unready (pshm_deadline); go round. */
    (void)wait_setup; /* you will need it */
    die_msg("open_ring: not written yet (TODO 2)");
    /* END TODO 2 */
}

/* Take the stream of the mapped ring: 1 when it is ours (the name is
 * unlinked), 0 when its producer gave up (ring unmapped again). */
static int attach_ring(void)
{
    /* TODO 3: load the producer's pid; if that process no longer exists
     * (kill(pid, 0) fails with ESRCH), die_msg() that the producer (pid
     * P) is gone and left NAME behind, naming "rm " PSHM_DIR "NAME" (the
     * name is not ours: leave it).  Compare-and-swap state from
     * PSHM_WAITING to PSHM_ATTACHED (acq_rel).  If that works, the stream
     * is ours: set must_unlink at once, store our pid in consumer
     * (release), shm_unlink() the name, clear must_unlink, return 1.  If
     * the state was PSHM_CLOSED, that producer gave up and unlinks its
     * name itself: munmap(), ring = NULL, return 0.  PSHM_ATTACHED:
     * die_msg() that another pshmc took the stream (naming "rm ..." in
     * case that one was killed before it unlinked the name). */
    die_msg("attach_ring: not written yet (TODO 3)");
    /* END TODO 3 */
}

/* Wait for a producer, and take its stream. */
static void take_ring(void)
{
    if (ipc_name(name, sizeof name, PSHM_TAG) == -1)
        die("ipc_name %s", PSHM_TAG);
    /* Watch first, then look: an object made in between is not missed.
     * Without inotify the ticks of wait_for_producer() still find it. */
    watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch_fd != -1 &&
        inotify_add_watch(watch_fd, PSHM_DIR, IN_CREATE | IN_MOVED_TO) == -1) {
        if (close(watch_fd) == -1)
            die("close inotify");
        watch_fd = -1;
    }
    for (;;) {
        open_ring();
        if (attach_ring())
            break;
        wait_for_producer(); /* that one gave up: wait for the next */
    }
    if (watch_fd != -1 && close(watch_fd) == -1)
        die("close inotify");
    watch_fd = -1;
}

/* Write all len bytes of buf to stdout: short writes go on, EINTR goes on
 * unless we were asked to stop.  (Not synclib's write_full, which always
 * goes on after EINTR: a consumer whose stdout is a pipe nobody reads
 * must still give up on SIGTERM.) */
static void write_all(const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n == -1 && errno == EINTR) {
            check_stop();
            continue;
        }
        if (n == -1)
            die("write stdout");
        buf += n;
        len -= (size_t)n;
    }
}

/* Take one full slot: between ticks give up on a signal, fail when the
 * producer stopped or died. */
static void wait_full(void)
{
    pid_t pid = atomic_load_explicit(&ring->producer, memory_order_relaxed);
    for (;;) {
        int rc = pshm_wait(&ring->full_slots, PSHM_TICK_MS);
        if (rc == -1)
            die("sem_timedwait full_slots");
        /* A producer that stopped early posts full_slots to wake us: its
         * flag, not the slot, is what counts then. */
        if (atomic_load_explicit(&ring->producer_quit, memory_order_acquire))
            die_msg("the producer stopped before the end of the stream");
        check_stop();
        if (rc == 0)
            return;
        if (kill(pid, 0) == -1 && errno == ESRCH)
            die_msg("the producer (pid %ld) died before the end of the "
                    "stream",
                    (long)pid);
    }
}

/*
 * copy_stream: write the stream of the ring we took to stdout, byte for
 * byte, up to its end mark, handing every slot back to the producer.
 * Returns once the producer has been told every byte is out (finished is
 * then 1).  On a failure (a write error, a corrupt slot, the producer
 * stopped or died, a signal) exits through die or die_msg.
 */
static void copy_stream(void)
{
    /* TODO 4: starting at slot tail = 0: wait_full(); a slot with len 0
     * is the end: leave the loop; a len above PSHM_SLOT: die_msg() (the
     * ring is corrupt).  Write the slot's len bytes out with write_all(),
     * then hand the slot back: sem_post() free_slots, and move tail on to
     * the next slot (after the last comes slot 0).  After the end: set
     * finished, then sem_post() done, so the producer knows every byte is
     * out. */
    (void)wait_full; /* you will need them */
    (void)write_all;
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
    if (argc - optind > 0)
        die_usage(USAGE);

    catch_stop_signals();
    if (atexit(cleanup) != 0)
        die_msg("atexit failed");
    if (pshm_deadline(&deadline, wait_secs * 1000) == -1)
        die("clock_gettime");
    take_ring();
    copy_stream();
    cleanup();
    return EXIT_SUCCESS;
}
