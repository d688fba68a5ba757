/*
 * mycp3.c - copy a file through memory mappings instead of read and write.
 *
 * Usage: mycp3 SOURCE DEST
 *
 * SOURCE must be a regular file.  It is mapped read-only, one window of
 * WINDOW bytes at a time; DEST is created (or replaced), sized with
 * ftruncate and mapped shared read-write over the same window, and memcpy
 * moves the bytes: the kernel writes the destination's dirty pages back to
 * the file.  Only two windows are ever mapped, so a file of any size copies
 * in bounded memory.  When DEST is a directory the copy goes to
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

/* Bytes of each file mapped at a time: a multiple of any page size.
 * Larger windows save no time (the cost is one page fault per page of the
 * destination, whatever the window) and only cost address space. */
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

/* Copy len bytes at offset off (a multiple of the page size). */
static void copy_window(int sfd, const char *src, int dfd, const char *dst,
                        off_t off, size_t len)
{
    /* TODO 1: map len bytes of each file at offset off: the source
     * PROT_READ, the destination PROT_READ|PROT_WRITE, both MAP_SHARED
     * (only a shared mapping writes back to the file); check for
     * MAP_FAILED.  Tell the kernel the source is read in order
     * (posix_madvise, POSIX_MADV_SEQUENTIAL: it returns an error number,
     * not -1).  memcpy, then munmap both and check. */
    void *in = mmap(NULL, len, PROT_READ, MAP_SHARED, sfd, off);
    if (in == MAP_FAILED)
        die("mmap %s", src);
    void *out = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dfd, off);
    if (out == MAP_FAILED)
        die("mmap %s", dst);
    int e = posix_madvise(in, len, POSIX_MADV_SEQUENTIAL);
    if (e != 0) {
        errno = e;
        die("posix_madvise %s", src);
    }
    memcpy(out, in, len);
    if (munmap(in, len) == -1)
        die("munmap %s", src);
    if (munmap(out, len) == -1)
        die("munmap %s", dst);
    //> (void)sfd;
    //> (void)src;
    //> (void)dfd;
    //> (void)dst;
    //> (void)off;
    //> (void)len;
    /* END TODO 1 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc != 3)
        die_usage("SOURCE DEST");
    const char *src = argv[1];
    if (atexit(remove_partial) != 0)
        die_msg("atexit failed");

    /* TODO 2: open SOURCE read-only, with O_NONBLOCK so that a FIFO does
     * not block the open, and fstat it.  Refuse anything but a regular
     * file: "<prog>: <SOURCE>: not a regular file".  Files of /proc say
     * size 0 yet have contents: if a size-0 file still reads a byte,
     * refuse it ("<prog>: <SOURCE>: size unknown, cannot map it").
     * Nothing may be created before this step succeeds. */
    int sfd = open(src, O_RDONLY | O_NONBLOCK);
    if (sfd == -1)
        die("open %s", src);
    struct stat sst;
    if (fstat(sfd, &sst) == -1)
        die("fstat %s", src);
    if (!S_ISREG(sst.st_mode))
        die_msg("%s: not a regular file", src);
    char probe;
    ssize_t got = sst.st_size == 0 ? read(sfd, &probe, 1) : 0;
    if (got == -1)
        die("read %s", src);
    if (got > 0)
        die_msg("%s: size unknown, cannot map it", src);
    //> int sfd = -1;
    //> struct stat sst;
    //> memset(&sst, 0, sizeof sst);
    /* END TODO 2 */

    /* TODO 3: find the path to write with dest_path(), and refuse to copy
     * a file onto itself BEFORE opening the destination: the same file is
     * the same st_dev and st_ino (another name, ./x, a hard link or a
     * symbolic link all count).  Message:
     * "<prog>: '<SOURCE>' and '<path>' are the same file". */
    char *dst = dest_path(src, argv[2]);
    struct stat dst_st;
    if (stat(dst, &dst_st) == 0 && dst_st.st_dev == sst.st_dev &&
        dst_st.st_ino == sst.st_ino)
        die_msg("'%s' and '%s' are the same file", src, dst);
    //> char *dst = dest_path(src, argv[2]);
    //> struct stat dst_st;
    //> (void)dst_st;
    /* END TODO 3 */

    /* TODO 4: open the destination O_RDWR|O_CREAT (a shared writable
     * mapping needs read access too), no O_TRUNC yet; fstat it and check
     * again that it is not the source (a race) and that it is a regular
     * file.  Only then set partial (from now on a failure removes it) and
     * give it the source's permission bits (PERM_BITS) with fchmod: the
     * mode given to open is filtered through the umask. */
    int dfd = open(dst, O_RDWR | O_CREAT, sst.st_mode & PERM_BITS);
    if (dfd == -1)
        die("open %s", dst);
    if (fstat(dfd, &dst_st) == -1)
        die("fstat %s", dst);
    if (dst_st.st_dev == sst.st_dev && dst_st.st_ino == sst.st_ino)
        die_msg("'%s' and '%s' are the same file", src, dst);
    if (!S_ISREG(dst_st.st_mode))
        die_msg("%s: not a regular file", dst);
    partial = dst;
    if (fchmod(dfd, sst.st_mode & PERM_BITS) == -1)
        die("fchmod %s", dst);
    //> int dfd = -1;
    /* END TODO 4 */

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

    /* TODO 5: size the destination: ftruncate to 0 (drops its old
     * contents: their pages would be read back in just to be
     * overwritten), then to the source's size.  Writing through a mapping
     * past the end of the file raises SIGBUS. */
    if (ftruncate(dfd, 0) == -1)
        die("ftruncate %s", dst);
    if (ftruncate(dfd, sst.st_size) == -1)
        die("ftruncate %s", dst);
    /* END TODO 5 */

    /* TODO 6: copy the file window by window with copy_window(): offsets
     * advance by WINDOW, the last window is what is left.  An empty file
     * maps nothing (mmap of length 0 fails with EINVAL). */
    for (off_t off = 0; off < sst.st_size; off += (off_t)WINDOW) {
        off_t left = sst.st_size - off;
        size_t len = left < (off_t)WINDOW ? (size_t)left : WINDOW;
        copy_window(sfd, src, dfd, dst, off, len);
    }
    //> (void)copy_window; /* you will need it */
    /* END TODO 6 */

    /* close reports write-back errors on some file systems (NFS). */
    if (close(sfd) == -1)
        die("close %s", src);
    if (close(dfd) == -1)
        die("close %s", dst);
    partial = NULL;
    free(dst);
    return EXIT_SUCCESS;
}
