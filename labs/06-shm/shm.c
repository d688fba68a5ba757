/*
 * shm.c - where a process's memory lives: a global array, the stack, a
 * malloc'd block and an attached System V shared memory segment.
 *
 * Usage: shm [FIFO]
 *
 * The program creates a private segment (IPC_PRIVATE), attaches it and
 * prints four lines, one per kind of memory, each address with %p (a
 * pointer printed with %x loses its top 32 bits on a 64-bit machine).
 * "to" is the first address past the end of the object.
 *
 *     $ ./shm
 *     global array: 0x55d5a1c4e060 to 0x55d5a1c57ca0
 *     stack: 0x7ffe3b9c2b84
 *     malloc: 0x55d5a2f6a2a0 to 0x55d5a2f829e0
 *     shared memory: 0x7f8e2a1d5000 to 0x7f8e2a1ed6a0 (id 32782)
 *
 * With FIFO (made with mkfifo), the program then opens it for reading,
 * which blocks until another process opens it for writing, says "shm:
 * ready" and waits, segment still attached, until every writer has closed
 * the FIFO: time to compare the addresses with /proc/<pid>/maps and the
 * segment with ipcs -m.
 *
 *     $ mkfifo go; ./shm go &      (shm prints its four lines)
 *     $ exec 3> go                 (shm says "shm: ready")
 *     $ cat /proc/$!/maps; ipcs -m
 *     $ exec 3>&-                  (shm removes its segment and exits)
 *
 * Companion: none; ipcs -m shows the segment while it exists.
 *
 * Cleanup: a System V segment outlives the process that made it, also an
 * IPC_PRIVATE one, until someone removes it (IPC_RMID).  This program
 * detaches and removes its segment before it exits, on the error paths too
 * (an atexit handler, so every die() after shmget() removes it).
 */
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#define ARRAY_SIZE 40000   /* bytes of the global array */
#define MALLOC_SIZE 100000 /* below glibc's mmap threshold: from the heap */
#define SHM_MODE 0600      /* only the owner may attach it */
/* Bytes of the segment (the kernel rounds the mapping up to whole pages). */
#define SHM_SIZE 100000

/* Uninitialised, so it lives in the executable's .bss, next to .data. */
static char array[ARRAY_SIZE];

/* The segment, for remove_segment(): -1 and (void *)-1 when there is
 * none, so the handler knows what is left to undo. */
static int shmid = -1;
static void *shmaddr = (void *)-1;

/* atexit: detach and remove the segment on every way out of exit(). */
static void remove_segment(void)
{
    /* TODO 1: if shmaddr is attached, detach it with shmdt(); if shmid
     * exists, remove it with shmctl(shmid, IPC_RMID, NULL).  Report a
     * failure with warn_sys() (never die() here: it would call exit()
     * again) and set both back to "none" so a second call does nothing. */
    (void)shmid;
    (void)shmaddr;
    /* END TODO 1 */
}

/* Open the FIFO path for reading.  open() blocks until some process
 * opens it for writing: from then on a read sees end-of-file only once
 * every writer has closed it again. */
static int open_fifo(const char *path)
{
    int fd;
    while ((fd = open(path, O_RDONLY)) == -1)
        if (errno != EINTR)
            die("open %s", path);
    return fd;
}

/* Read the FIFO fd (named path) until end-of-file, then close it. */
static void wait_for_eof(int fd, const char *path)
{
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0)
        if (n == -1 && errno != EINTR)
            die("read %s", path);
    if (close(fd) == -1)
        die("close %s", path);
}

/* Create a fresh private segment of SHM_SIZE bytes into shmid, and make
 * sure it is removed on every way out from now on.  Dies on an error. */
static void create_segment(void)
{
    /* TODO 2: register remove_segment() with atexit() first, so that any
     * die() from here on removes the segment.  Then create a new segment
     * of SHM_SIZE bytes: shmget(IPC_PRIVATE, SHM_SIZE, SHM_MODE).  The key
     * IPC_PRIVATE always makes a fresh segment, one no other process can
     * look up by key, so IPC_CREAT | IPC_EXCL are not needed.  Check
     * against -1. */
    (void)remove_segment; /* for atexit() */
    /* END TODO 2 */
}

/* Attach the segment shmid where the kernel chooses, into shmaddr.  Dies
 * on an error. */
static void attach_segment(void)
{
    /* TODO 3: shmat(shmid, NULL, 0).  It fails with (void *)-1, not
     * NULL. */
    /* END TODO 3 */
}

/* Print the four lines of the specification: the global array, the
 * stack (on_stack, a local variable of main), the malloc'd block of
 * MALLOC_SIZE bytes, and the attached segment. */
static void print_addresses(const int *on_stack, const char *block)
{
    /* TODO 4: print the four lines, in this order, each address with %p
     * of a (void *): the array and one past its end, on_stack, block and
     * one past its end, the segment and one past its end followed by its
     * id. */
    (void)on_stack;
    (void)block;
    (void)array;
    /* END TODO 4 */
}

/* Say "ready" once the FIFO path is open, then wait until every writer
 * has closed it.  Ready only once the FIFO is open: a writer that closes
 * right after "ready" must not leave us blocked in open() for ever. */
static void hold_until_closed(const char *path)
{
    int fd = open_fifo(path);
    printf("%s: ready\n", err_prog());
    /* stdout may be a file: flush, or "ready" is not there yet. */
    if (fflush(stdout) == EOF)
        die("fflush stdout");
    wait_for_eof(fd, path);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage("[FIFO]");
    const char *fifo = argc == 2 ? argv[1] : NULL;

    int on_stack = 0; /* any local variable of main lives on the stack */
    char *block = malloc(MALLOC_SIZE);
    if (block == NULL)
        die("malloc %d bytes", MALLOC_SIZE);
    create_segment();
    attach_segment();
    print_addresses(&on_stack, block);
    if (fifo != NULL)
        hold_until_closed(fifo);

    remove_segment();
    free(block);
    if (fflush(stdout) == EOF)
        die("fflush stdout");
    return EXIT_SUCCESS;
}
