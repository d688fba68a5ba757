/*
 * shm.c (bench) - the bare loops' shared memory (bare.h): shm, a POSIX
 * shared memory object, and mmap, a file, both mapped MAP_SHARED before
 * the fork; shm-spin is shm with both sides spinning instead of sleeping.
 *
 * Each way is the textbook bounded buffer: AREA bytes of equal slots, a
 * semaphore counting the full ones and one counting the empty ones
 * (process-shared, in the mapping).  The writer takes an empty slot,
 * copies a piece of the message in and posts a full one; the reader the
 * other way round.  A piece is the message, or PIECE_MAX bytes of a
 * larger one: the reader starts on a 1 MiB message before it is all in.
 * Neither semaphore makes a system call unless a side has to wait.
 */
#include "bare.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define AREA (4UL << 20)        /* bytes of slots each way, as ipcbench's */
#define PIECE_MAX (256UL << 10) /* the most one slot holds */

struct way {
    sem_t full;  /* slots written, not yet read */
    sem_t empty; /* slots free */
    unsigned char data[AREA];
};

static struct way *ways;           /* [DOWN], [UP], in the mapping */
static size_t piece, nslots;       /* bytes a slot, slots a way */
static unsigned long next_slot[2]; /* this side's next slot, each way */
static bool spin;                  /* shm-spin: never sleep */

/* Map fd's 2 ways (fd's name is already noted in live) and set them up;
 * the name goes once mapped: the mapping lives on through the fork. */
static void map_ways(int fd, size_t size)
{
    if (ftruncate(fd, 2 * sizeof(struct way)) == -1)
        die("ftruncate %zu bytes", 2 * sizeof(struct way));
    ways = mmap(NULL, 2 * sizeof(struct way), PROT_READ | PROT_WRITE,
                MAP_SHARED, fd, 0);
    if (ways == MAP_FAILED)
        die("mmap %zu bytes", 2 * sizeof(struct way));
    if (close(fd) == -1)
        die("close descriptor %d", fd);
    remove_live();
    piece = size < PIECE_MAX ? size : PIECE_MAX;
    nslots = AREA / piece;
    for (int d = 0; d < 2; d++)
        if (sem_init(&ways[d].full, 1, 0) == -1 ||
            sem_init(&ways[d].empty, 1, (unsigned)nslots) == -1)
            die("sem_init");
}

static void shm_make(size_t size)
{
    snprintf(live.shm, sizeof live.shm, "/ipckit-bare-%ld", (long)getpid());
    int fd = shm_open(live.shm, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die("shm_open %s", live.shm);
    map_ways(fd, size);
}

static void spin_make(size_t size)
{
    spin = true;
    shm_make(size);
}

static void mmap_make(size_t size)
{
    snprintf(live.path[0], sizeof live.path[0], "bare-mmap-%ld",
             (long)getpid());
    int fd = open(live.path[0], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die("open %s", live.path[0]);
    map_ways(fd, size);
}

static void slot_open(void)
{
}

static void take(sem_t *s)
{
    if (spin) {
        while (sem_trywait(s) == -1)
            if (errno != EAGAIN && errno != EINTR)
                FAIL("sem_trywait");
        return;
    }
    while (sem_wait(s) == -1)
        if (errno != EINTR)
            FAIL("sem_wait");
}

static void give(sem_t *s)
{
    if (sem_post(s) == -1)
        FAIL("sem_post");
}

static void slot_send(int dir, const unsigned char *buf, size_t len)
{
    struct way *w = &ways[dir];
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        take(&w->empty);
        memcpy(w->data + next_slot[dir]++ % nslots * piece, buf + off, n);
        give(&w->full);
    }
}

static void slot_recv(int dir, unsigned char *buf, size_t len)
{
    struct way *w = &ways[dir];
    for (size_t off = 0; off < len; off += piece) {
        size_t n = len - off < piece ? len - off : piece;
        take(&w->full);
        memcpy(buf + off, w->data + next_slot[dir]++ % nslots * piece, n);
        give(&w->empty);
    }
}

const struct mech mech_shm = {"shm", shm_make, slot_open, slot_send, slot_recv};
const struct mech mech_shm_spin = {"shm-spin", spin_make, slot_open, slot_send,
                                   slot_recv};
const struct mech mech_mmap = {"mmap", mmap_make, slot_open, slot_send,
                               slot_recv};
