/*
 * rwcopy.c (bench) - the plain read/write copy mycp3 is measured against.
 *
 * Usage: rwcopy SOURCE DEST
 *
 * Reads SOURCE into a 1 MiB buffer and writes it to DEST (created or
 * truncated, mode 0644), until end of file: the copy loop of any textbook,
 * nothing more.  tests/bench/mycp3.sh builds it into build/bench/ and times
 * it beside mycp3 and cp.  Exit status 0, or 1 after a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUF_SIZE ((size_t)1 << 20)

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "rwcopy: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: rwcopy SOURCE DEST\n");
        return 2;
    }
    static char buf[BUF_SIZE];
    int in = open(argv[1], O_RDONLY);
    if (in == -1)
        fail("open", argv[1]);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out == -1)
        fail("open", argv[2]);
    ssize_t got;
    while ((got = read(in, buf, sizeof buf)) > 0) {
        /* A write to a regular file is short only on an error (disk
         * full): then the next write says which. */
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(out, buf + done, (size_t)(got - done));
            if (put == -1)
                fail("write", argv[2]);
            done += put;
        }
    }
    if (got == -1)
        fail("read", argv[1]);
    if (close(out) == -1)
        fail("close", argv[2]);
    return 0;
}
