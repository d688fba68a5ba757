/*
 * proc.c - looking at a program while it runs, through Linux's /proc:
 * its state letter (is it asleep in the kernel, stopped, running?) and
 * the CPU time it has used (does it wait by sleeping, or by spinning?).
 * Tests use these to tell a correct wait from a busy loop, which the
 * output alone never shows.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double h_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The fields of /proc/pid/stat after the command, or NULL when pid is
 * gone.  Field 2, the command, is in parentheses and may hold spaces and
 * parentheses itself: the fields after it start after the last ')'. */
static char *stat_fields(pid_t pid, char **text)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    *text = h_read_file(path, NULL);
    char *paren = *text != NULL ? strrchr(*text, ')') : NULL;
    return paren != NULL && paren[1] == ' ' ? paren + 2 : NULL;
}

char h_proc_state(pid_t pid)
{
    char *text;
    const char *f = stat_fields(pid, &text);
    char st = f != NULL ? f[0] : '?';
    free(text);
    return st;
}

bool h_await_in_call(pid_t pid, long nr, double timeout)
{
    /* /proc/PID/syscall starts with the number of the call the process
     * is blocked in ("running" or -1 when it is in none).  Looked at
     * every millisecond until the deadline: the state it waits for is
     * visible only there, no handshake announces it. */
    double end = h_now() + h_scale(timeout > 0 ? timeout : 1.0);
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/syscall", (long)pid);
    while (h_now() < end) {
        char *text = h_read_file(path, NULL);
        if (text == NULL)
            return false; /* gone */
        bool in = strtol(text, NULL, 10) == nr && text[0] != 'r' &&
                  h_proc_state(pid) == 'S';
        free(text);
        if (in)
            return true;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return false;
}

bool h_await_stopped(pid_t pid, double timeout)
{
    /* A stop (SIGSTOP, or a program that raises it) is announced by
     * nothing but /proc: looked at every millisecond, not spun on, within
     * a budget that a busy machine extends once. */
    struct h_budget b = h_budget(timeout > 0 ? timeout : H_TIMEOUT);
    for (;;) {
        char st = h_proc_state(pid);
        if (st == 'T' || st == 't')
            return true;
        if (st == '?' || st == 'Z' || h_budget_left(&b) <= 0)
            return false;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

/* Seconds pid has been running or ready to run, waiting for a CPU (the
 * first two fields of /proc/PID/schedstat, ns; a wait going on now is
 * not counted yet); 0 if the kernel does not say. */
static double sched_busy(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    char *text = h_read_file(path, NULL);
    unsigned long long run = 0, wait = 0;
    if (text == NULL || sscanf(text, "%llu %llu", &run, &wait) != 2)
        run = wait = 0;
    free(text);
    return (double)(run + wait) / 1e9;
}

double h_cpu_secs(pid_t pid)
{
    char *text;
    const char *f = stat_fields(pid, &text);
    unsigned long ut = 0, st = 0;
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
     * cmajflt utime stime */
    int got = f == NULL ? 0
                        : sscanf(f,
                                 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
                                 "%*u %lu %lu",
                                 &ut, &st);
    free(text);
    if (got != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

void h_expect_idle(struct h_proc *p, double t0, const char *doing,
                   const char *hint)
{
    h_moved_on(); /* a spinner is not a hang: the hint below applies */
    double cpu = h_cpu_secs(p->pid);
    double wall = h_now() - t0;
    if (p->done || cpu < 0) {
        h_wait(p, 0.1);
        h_fail("%s ended while it should wait %s\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               p->cmd, doing, h_quote(p->out, p->out_len),
               h_quote(p->err, p->err_len), p->cmd);
    }
    /* A fifth of the wait, plus 30 ms (times the timeout scale) for the
     * program's start, which counts too: a sanitizer's runtime takes
     * that much before main().  A spinner uses far more: at least half a
     * CPU even on a busy machine. */
    if (cpu > 0.2 * wall + h_scale(0.03)) {
        h_kill(p, SIGKILL);
        h_fail("%s used %.2f s of CPU in %.2f s while it waited %s: it "
               "spins.  %s\n  command: %s",
               p->cmd, cpu, wall, doing, hint, p->cmd);
    }
    /* On a machine busier than its CPUs (many gradings at once) a spinner
     * may get less than a fifth of a CPU; but it is ready to run all the
     * time, running or waiting for a CPU, where a sleeper is asleep.  If
     * running and waiting together took half the time, look at it 20
     * times over 20 ms: a spinner is found ready to run (R) nearly every
     * time. */
    double ready = sched_busy(p->pid);
    if (ready > 0.5 * wall) {
        int r = 0;
        for (int i = 0; i < 20; i++) {
            r += h_proc_state(p->pid) == 'R';
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        if (r >= 16) {
            h_kill(p, SIGKILL);
            h_fail("%s used %.2f s of CPU in %.2f s while it waited %s, "
                   "and was ready to run for %.2f s of them (a busy "
                   "machine gave it little CPU): it spins.  %s\n"
                   "  command: %s",
                   p->cmd, cpu, wall, doing, ready, hint, p->cmd);
        }
    }
}
