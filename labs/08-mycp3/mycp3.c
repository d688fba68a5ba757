/*
 * mycp3.c - copy a file through memory mappings instead of read and write.
 *
 * Usage: mycp3 SOURCE DEST
 *
 * SOURCE must be a regular file.  It is mapped read-only, one window of
 * WINDOW bytes at a time; DEST is created (or replaced), sized, and mapped
 * shared read-write over the same window, and memcpy moves the bytes: the
 * kernel writes the destination's dirty pages back to the file.  The page
 * faults of each window are taken in bulk, inside the kernel
 * (MAP_POPULATE, MADV_POPULATE_WRITE), not one by one as memcpy touches
 * the pages, and DEST's disk blocks are reserved up front (fallocate):
 * that is where the speed comes from (handouts/08-mycp3.md,
 * "Performance").  Only two windows are ever mapped, so a file of any size
 * copies in bounded memory.  When DEST is a directory the copy goes to
 * DEST/<last component of SOURCE>, as with cp.  DEST gets SOURCE's
 * permission bits whatever the umask.
 *
 *     $ ./mycp3 notes.txt copy.txt && cmp notes.txt copy.txt && echo same
 *     same
 *     $ ./mycp3 notes.txt ./notes.txt
 *     mycp3: 'notes.txt' and './notes.txt' are the same file
 *
 * Exit status, as cp's: 0 on success, 1 on any error (after a message on
 * stderr), 2 for a wrong command line.  Cleanup policy: no IPC object is
 * made; a destination that failed half-way is removed (atexit, or the
 * SIGBUS handler), so a truncated copy never outlives a failure.
 */
#define _GNU_SOURCE /* MAP_POPULATE, madvise, fallocate (Linux) */
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The C library may not know it (glibc before 2.35); a kernel before 5.14
 * does not, and answers EINVAL: see populate_dest. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Bytes of each file mapped at a time: a multiple of any page size, and
 * the program's memory: both windows are resident while it copies.
 * Larger windows save no time (handouts/08-mycp3.md, "Performance"). */
#define WINDOW ((size_t)16 << 20)

/* The permission bits cp keeps (no set-user-ID, set-group-ID or sticky). */
#define PERM_BITS (S_IRWXU | S_IRWXG | S_IRWXO)

/* The destination while it is incomplete: removed if we exit early. */
static const char *volatile partial;
static char bus_msg[512]; /* what the SIGBUS handler says */

/* atexit: die() exits with 1; leave no half-copied file behind. */
static void remove_partial(void)
{
    if (partial != NULL)
        (void)unlink(partial);
}

/*
 * Touching a mapped page that lies past the end of its file raises
 * SIGBUS: the source shrank while we copied, or the file system had no
 * block for a destination page.  Only async-signal-safe calls here.
 */
static void on_sigbus(int sig)
{
    (void)sig;
    if (partial != NULL)
        (void)unlink(partial);
    ssize_t n = write(STDERR_FILENO, bus_msg, strlen(bus_msg));
    (void)n;
    _exit(EXIT_FAIL);
}

/* The path to write: dst itself, or dst/<basename of src> if dst is a
 * directory.  Returned in malloc'd memory. */
static char *dest_path(const char *src, const char *dst)
{
    struct stat st;
    const char *base = "";
    const char *sep = "";
    if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *slash = strrchr(src, '/');
        base = slash != NULL ? slash + 1 : src;
        size_t dl = strlen(dst);
        sep = dl > 0 && dst[dl - 1] == '/' ? "" : "/";
    }
    size_t len = strlen(dst) + strlen(sep) + strlen(base) + 1;
    char *path = malloc(len);
    if (path == NULL)
        die("malloc %zu bytes", len);
    snprintf(path, len, "%s%s%s", dst, sep, base);
    return path;
}

/*
 * populate_dest: take the page faults of the destination window out (len
 * bytes) in bulk, before memcpy stores into it.  MADV_HUGEPAGE lets the
 * kernel give the window 2 MiB page cache pages, mapped with one page
 * table entry each; MADV_POPULATE_WRITE then makes every page, reserves
 * its disk block and maps it writable in one system call, instead of
 * memcpy trapping into the kernel page after page.  Speed-ups only: a
 * kernel without them says EINVAL (huge pages not built in; the populate
 * advice is new in Linux 5.14), and a page that cannot be had (disk full:
 * EFAULT) would raise SIGBUS on the store anyway.  In those cases memcpy
 * takes the faults itself, as without this call.  Any other error exits
 * through die.
 */
static void populate_dest(void *out, size_t len, const char *dst)
{
    if (madvise(out, len, MADV_HUGEPAGE) == -1 && errno != EINVAL)
        die("madvise MADV_HUGEPAGE %s", dst);
    if (madvise(out, len, MADV_POPULATE_WRITE) == -1 && errno != EINVAL &&
        errno != EFAULT)
        die("madvise MADV_POPULATE_WRITE %s", dst);
}

/*
 * copy_window: copy len bytes (len > 0) at offset off, a multiple of the
 * page size, from the source open on sfd to the destination open on dfd;
 * both files are at least off + len bytes long.  Maps nothing once it
 * returns.  On error, exits through die (the names are for the message).
 */
static void copy_window(int sfd, const char *src, int dfd, const char *dst,
                        off_t off, size_t len)
{
    /* TODO 1: map len bytes of each file at offset off, both MAP_SHARED
     * (only a shared mapping writes back to the file): the source
     * PROT_READ with MAP_POPULATE (the kernel maps all its pages in the
     * mmap call), the destination PROT_READ|PROT_WRITE; check for
     * MAP_FAILED.  Fault the destination in with populate_dest, memcpy,
     * then munmap both and check. */
    (void)populate_dest; /* you will need it */
    (void)sfd;
    (void)src;
    (void)dfd;
    (void)dst;
    (void)off;
    (void)len;
    /* END TODO 1 */
}

/*
 * open_source: open the file src names for mapping, and fill *st from the
 * open descriptor (what will be mapped, whatever happens to the name).
 * Returns the descriptor, open read-only, of a regular file whose size
 * can be trusted.  On error, exits through die or die_msg, having
 * created nothing: a failed copy leaves no DEST.
 */
static int open_source(const char *src, struct stat *st)
{
    /* TODO 2: open SOURCE read-only, with O_NONBLOCK so that a FIFO does
     * not block the open, and fstat it.  Refuse anything but a regular
     * file: "<prog>: <SOURCE>: not a regular file".  Files of /proc say
     * size 0 yet have contents: if a size-0 file still reads a byte,
     * refuse it ("<prog>: <SOURCE>: size unknown, cannot map it"). */
    (void)src;
    memset(st, 0, sizeof *st);
    return -1;
    /* END TODO 2 */
}

/*
 * refuse_same_file: before anything opens the destination, exit through
 * die_msg if dst (the path dest_path gave) names the file src names, the
 * one sst describes.  Returns if dst does not exist or is another file.
 */
static void refuse_same_file(const char *src, const struct stat *sst,
                             const char *dst)
{
    /* TODO 3: refuse to copy a file onto itself: the same file is the
     * same st_dev and st_ino (another name, ./x, a hard link or a
     * symbolic link all count).  Message:
     * "<prog>: '<SOURCE>' and '<path>' are the same file". */
    (void)src;
    (void)sst;
    (void)dst;
    /* END TODO 3 */
}

/*
 * open_dest: open (or create) the destination dst for a shared writable
 * mapping, with the source's permission bits.  Returns the descriptor;
 * from the moment it returns, partial names dst, so any failure removes
 * it.  Its old contents are still there.  On error, exits through die or
 * die_msg.
 */
static int open_dest(const char *src, const struct stat *sst, const char *dst)
{
    /* TODO 4: open the destination O_RDWR|O_CREAT (a shared writable
     * mapping needs read access too), no O_TRUNC yet; fstat it and check
     * again that it is not the source (a race) and that it is a regular
     * file.  Only then set partial (from now on a failure removes it) and
     * give it the source's permission bits (PERM_BITS) with fchmod: the
     * mode given to open is filtered through the umask. */
    (void)src;
    (void)sst;
    (void)dst;
    return -1;
    /* END TODO 4 */
}

/* From here on a SIGBUS removes the partial destination and exits with a
 * message that names both files. */
static void catch_sigbus(const char *src, const char *dst)
{
    snprintf(bus_msg, sizeof bus_msg,
             "%s: SIGBUS copying %s to %s: the source shrank or the disk "
             "is full\n",
             err_prog(), src, dst);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == -1)
        die("sigaction SIGBUS");
}

/*
 * size_dest: make the destination open on dfd exactly size bytes long,
 * none of its old bytes kept (they read as zeros), with its disk blocks
 * reserved where the file system can.  On error (a full disk among them),
 * exits through die.
 */
static void size_dest(int dfd, const char *dst, off_t size)
{
    /* TODO 5: ftruncate to 0 (drops its old contents: their pages would
     * be read back in just to be overwritten).  Then give it the source's
     * size with fallocate (mode 0): it reserves every block now, so a
     * full disk fails here with ENOSPC instead of as a SIGBUS in the
     * middle of the copy, and the page faults find their blocks ready.
     * fallocate refuses a length of 0 (EINVAL): an empty file is done.  A
     * file system without fallocate says EOPNOTSUPP: then ftruncate to
     * the size.  Writing through a mapping past the end of the file
     * raises SIGBUS. */
    (void)dfd;
    (void)dst;
    (void)size;
    /* END TODO 5 */
}

/*
 * copy_file: copy size bytes from the source open on sfd to the
 * destination open on dfd, already that long, in windows of at most
 * WINDOW bytes: only two windows are ever mapped.  On error, exits
 * through die.
 */
static void copy_file(int sfd, const char *src, int dfd, const char *dst,
                      off_t size)
{
    /* TODO 6: copy the file window by window with copy_window(): offsets
     * advance by WINDOW, the last window is what is left.  An empty file
     * maps nothing (mmap of length 0 fails with EINVAL). */
    (void)copy_window; /* you will need it */
    (void)sfd;
    (void)src;
    (void)dfd;
    (void)dst;
    (void)size;
    /* END TODO 6 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc != 3)
        die_usage("SOURCE DEST");
    const char *src = argv[1];
    if (atexit(remove_partial) != 0)
        die_msg("atexit failed");

    /* Nothing is created until the source has passed every check, and the
     * destination is not emptied until it is known not to be the source. */
    struct stat sst;
    int sfd = open_source(src, &sst);
    char *dst = dest_path(src, argv[2]);
    refuse_same_file(src, &sst, dst);
    int dfd = open_dest(src, &sst, dst);
    catch_sigbus(src, dst);
    size_dest(dfd, dst, sst.st_size);
    copy_file(sfd, src, dfd, dst, sst.st_size);

    /* close reports write-back errors on some file systems (NFS). */
    if (close(sfd) == -1)
        die("close %s", src);
    if (close(dfd) == -1)
        die("close %s", dst);
    partial = NULL;
    free(dst);
    return EXIT_SUCCESS;
}
