/*
 * pingpong.c - the barest pipe ping-pong: the yardstick for ipcbench's
 * pipe latency.
 *
 * Usage: pingpong [COUNT]
 *
 * A parent and its child bounce one PING_SIZE-byte message through two
 * pipes: the parent writes it, the child reads it and writes it back.
 * RTT_WARM round trips warm up, then COUNT (default RTT_COUNT) are each
 * timed with CLOCK_MONOTONIC.  One line on stdout, in ipcbench's CSV
 * format (ipcbench.h): median, min and max of one round trip, in ns:
 *
 *     $ ./pingpong
 *     pingpong,latency,64,10000,8813,6920,210344,ns
 *
 * No data check, no statistics beyond the sort: whatever ipcbench's pipe
 * figure costs on top of this is the cost of its own machinery.
 */
#define _GNU_SOURCE /* ipcbench.h: see there */

#include "err.h"
#include "ipcbench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static double now_ns(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)
        die("clock_gettime");
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Read exactly PING_SIZE bytes; false at end of file. */
static int read_ping(int fd, char *buf)
{
    size_t got = 0;
    while (got < PING_SIZE) {
        ssize_t n = read(fd, buf + got, PING_SIZE - got);
        if (n == 0)
            return 0;
        if (n == -1)
            return -1;
        got += (size_t)n;
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    unsigned long count = RTT_COUNT;
    if (argc > 2)
        die_usage("[COUNT]");
    if (argc == 2) {
        char *end;
        errno = 0;
        count = strtoul(argv[1], &end, 10);
        if (errno != 0 || end == argv[1] || *end != '\0' ||
            argv[1][0] == '-' || count == 0 || count > 10000000) {
            warn_msg("bad COUNT '%s': want 1 to 10000000", argv[1]);
            die_usage("[COUNT]");
        }
    }
    double *v = malloc(count * sizeof *v);
    if (v == NULL)
        die("malloc");
    int down[2], up[2];
    char buf[PING_SIZE];
    memset(buf, 'p', sizeof buf);
    if (pipe(down) == -1 || pipe(up) == -1)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) { /* the child: echo until end of file */
        if (close(down[1]) == -1 || close(up[0]) == -1)
            die_child("close");
        int r;
        while ((r = read_ping(down[0], buf)) == 1)
            if (write(up[1], buf, PING_SIZE) != PING_SIZE)
                die_child("write to the parent");
        if (r == -1)
            die_child("read from the parent");
        _exit(EXIT_SUCCESS);
    }
    if (close(down[0]) == -1 || close(up[1]) == -1)
        die("close");
    for (unsigned long i = 0; i < RTT_WARM + count; i++) {
        double t0 = now_ns();
        if (write(down[1], buf, PING_SIZE) != PING_SIZE)
            die("write to the child");
        if (read_ping(up[0], buf) != 1)
            die("read from the child");
        if (i >= RTT_WARM)
            v[i - RTT_WARM] = now_ns() - t0;
    }
    if (close(down[1]) == -1) /* the child sees end of file and exits */
        die("close");
    int st;
    if (waitpid(pid, &st, 0) == -1)
        die("waitpid %ld", (long)pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die_msg("the child failed (wait status 0x%x)", (unsigned)st);
    qsort(v, count, sizeof v[0], cmp_double);
    double median = count % 2 ? v[count / 2]
                              : (v[count / 2 - 1] + v[count / 2]) / 2;
    printf(CSV_ROW, "pingpong", "latency", (size_t)PING_SIZE,
           (unsigned)count, 0, median, 0, v[0], 0, v[count - 1], "ns");
    free(v);
    return EXIT_SUCCESS;
}
