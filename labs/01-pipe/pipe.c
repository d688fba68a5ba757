/*
 * pipe.c - a parent sends a message to its child through a pipe.
 *
 * Usage: pipe [MESSAGE]
 *
 * The parent creates a pipe, forks, and writes MESSAGE (default
 * "Hello, World!") and a newline into the pipe.  The child reads until
 * end-of-file and copies exactly the bytes it received to stdout.  Each side
 * says what it did on stderr; the parent reaps the child and exits with 0
 * only if the child did too.
 *
 *     $ ./pipe
 *     pipe: parent sent 14 bytes
 *     pipe: child received 14 bytes
 *     Hello, World!
 *     pipe: child exited with status 0
 *
 * The order of the stderr lines is fixed: the child can only see
 * end-of-file after the parent has closed its write end, which it does
 * after saying "sent".
 */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_MESSAGE "Hello, World!"
#define CHUNK 4096 /* bytes read at a time; messages may be far larger */

/* Write all len bytes, retrying after short writes and EINTR. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Copy everything the pipe rfd holds to stdout, until end-of-file.
 * Returns the number of bytes copied.  On a failed read or write it ends
 * the process with die_child(): it runs in the child only.
 */
static size_t copy_pipe(int rfd)
{
    char buf[CHUNK];
    size_t total = 0;
    ssize_t n;

    /* TODO 1: read the pipe until end-of-file (read returns 0), copying
     * every chunk to stdout with write_all().  One read is not enough: a
     * pipe hands over at most what it holds at that moment.  Retry on
     * EINTR; on an error call die_child(). */
    (void)rfd;
    (void)buf;
    (void)n;
    (void)write_all; /* you will need it */
    /* END TODO 1 */
    return total;
}

/*
 * The child: it only reads, so it drops the write end, copies the pipe to
 * stdout, says how many bytes it received and exits.  It never returns:
 * a child that returned into main() would run the parent's code too.
 */
static _Noreturn void child(const int fd[2])
{
    /* TODO 3: close the write end fd[1] before reading (die_child() on
     * failure).  While any write end is open the child's read never
     * returns 0, and that includes its own copy. */
    /* END TODO 3 */

    size_t total = copy_pipe(fd[0]);
    fprintf(stderr, "%s: child received %zu bytes\n", err_prog(), total);
    if (close(fd[0]) == -1)
        die_child("child: close pipe");
    exit(EXIT_SUCCESS);
}

/*
 * text and a newline, in a buffer of its own, without the string's NUL
 * byte: what goes on the wire.  Its length goes to *len.
 */
static char *make_message(const char *text, size_t *len)
{
    size_t n = strlen(text);
    char *msg = malloc(n + 1);
    if (msg == NULL)
        die("malloc %zu bytes", n + 1);
    memcpy(msg, text, n);
    msg[n++] = '\n';
    *len = n;
    return msg;
}

/*
 * The parent's side of the pipe fd: send the len bytes of msg and close
 * both ends, the write end last, so that the child sees end-of-file.  On
 * any failure: die().
 */
static void send_message(const int fd[2], const char *msg, size_t len)
{
    /* TODO 4: close the read end, send the message (len bytes: the text
     * and its newline, no NUL) with write_all(), say "<prog>: parent sent
     * <len> bytes" on stderr, then close the write end so the child sees
     * end-of-file. */
    (void)fd;
    (void)msg;
    (void)len;
    /* END TODO 4 */
}

/*
 * Wait for the child pid to end and say "<prog>: child exited with status
 * <s>" on stderr.  Returns its exit status.  A failed waitpid() or a child
 * killed by a signal: die() or die_msg().
 */
static int wait_child(pid_t pid)
{
    /* TODO 5: wait for the child with waitpid() (retry on EINTR), then
     * say "<prog>: child exited with status <s>" on stderr.  A child
     * killed by a signal: die_msg() naming the signal. */
    (void)pid;
    int status = 0;
    /* END TODO 5 */
    return WEXITSTATUS(status);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage("[MESSAGE]");
    size_t len;
    char *msg = make_message(argc == 2 ? argv[1] : DEFAULT_MESSAGE, &len);

    int fd[2];
    /* TODO 2: create the pipe: fd[0] is its read end, fd[1] its write
     * end.  Before fork(): the child must inherit it. */
    fd[0] = fd[1] = -1;
    /* END TODO 2 */

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        child(fd);
    send_message(fd, msg, len);
    int status = wait_child(pid);

    free(msg);
    return status == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
