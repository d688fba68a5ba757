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
 * format (bench.h): median, min and max of one round trip, in ns:
 *
 *     $ ./pingpong
 *     pingpong,latency,64,10000,8813,6920,210344,ns
 *
 * No data check, no statistics beyond the sort: whatever ipcbench's pipe
 * figure costs on top of this is the cost of its own machinery.
 */
#define _GNU_SOURCE /* bench.h: see there */

#include "bench.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child: echo until end of file. */
static noreturn void echo(int down[2], int up[2])
{
    char buf[PING_SIZE];
    ssize_t r;
    if (close(down[1]) == -1 || close(up[0]) == -1)
        die_child("close");
    while ((r = read_full(down[0], buf, PING_SIZE)) == PING_SIZE)
        if (write(up[1], buf, PING_SIZE) != PING_SIZE)
            die_child("write to the parent");
    if (r == -1)
        die_child("read from the parent");
    _exit(EXIT_SUCCESS);
}

/* The parent: RTT_WARM + count round trips, the last count timed in v. */
static void bounce(int down[2], int up[2], double *v, unsigned long count)
{
    char buf[PING_SIZE];
    memset(buf, 'p', sizeof buf);
    if (close(down[0]) == -1 || close(up[1]) == -1)
        die("close");
    for (unsigned long i = 0; i < RTT_WARM + count; i++) {
        double t0 = now_ns();
        if (write(down[1], buf, PING_SIZE) != PING_SIZE)
            die("write to the child");
        if (read_full(up[0], buf, PING_SIZE) != PING_SIZE)
            die("read from the child");
        if (i >= RTT_WARM)
            v[i - RTT_WARM] = now_ns() - t0;
    }
    if (close(down[1]) == -1) /* the child sees end of file and exits */
        die("close");
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage("[COUNT]");
    unsigned long count = RTT_COUNT;
    if (argc == 2)
        count =
            (unsigned long)arg_long("COUNT", argv[1], 1, 10000000, "[COUNT]");
    double *v = malloc(count * sizeof *v);
    if (v == NULL)
        die("malloc");
    int down[2], up[2];
    if (pipe(down) == -1 || pipe(up) == -1)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0)
        echo(down, up);
    bounce(down, up, v, count);
    int st;
    if (waitpid(pid, &st, 0) == -1)
        die("waitpid %ld", (long)pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        die_msg("the child failed (wait status 0x%x)", (unsigned)st);
    struct stats s = summarize(v, count);
    printf(CSV_ROW, "pingpong", "latency", (size_t)PING_SIZE, (unsigned)count,
           0, s.median, 0, s.min, 0, s.max, "ns");
    free(v);
    return EXIT_SUCCESS;
}
