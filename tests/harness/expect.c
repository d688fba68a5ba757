/*
 * expect.c - the checks a test makes on a finished program.  Each failure
 * says what was expected, what came out, and the command that was run.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *h_quote(const char *data, size_t len)
{
    enum { MAX_SHOWN = 160 };
    static char ring[6][MAX_SHOWN * 4 + 64];
    static int next;
    char *buf = ring[next++ % 6];
    size_t o = 0;
    buf[o++] = '"';
    size_t i;
    for (i = 0; i < len && o < MAX_SHOWN * 4; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n')
            o += (size_t)sprintf(buf + o, "\\n");
        else if (c == '\t')
            o += (size_t)sprintf(buf + o, "\\t");
        else if (c == '\\' || c == '"')
            o += (size_t)sprintf(buf + o, "\\%c", c);
        else if (c < 32 || c > 126)
            o += (size_t)sprintf(buf + o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
        if (o >= MAX_SHOWN)
            break;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    if (i + 1 < len)
        sprintf(buf + o, "... (%zu bytes)", len);
    return buf;
}

/* How a process ended, in words.  One killed at its time limit says
 * where it was stuck, as the kernel saw it just before the kill. */
/* What a program killed by sig (not by the harness) did to earn it, or
 * NULL for a signal somebody sent on purpose. */
static const char *crash_cause(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "it crashed on a bad memory access (a NULL, freed or "
               "uninitialised pointer, an index past the end of an array or "
               "of a mapping, or a write into a read-only mapping)";
    case SIGBUS:
        return "it touched a page of a mapping that has no file behind it "
               "(the file is shorter than the mapping: ftruncate() it to "
               "size before mapping)";
    case SIGFPE:
        return "it divided an integer by zero";
    case SIGABRT:
        return "it called abort(): an assert() that failed, or the C "
               "library found its heap corrupted (a double free, or a write "
               "past the end of malloc'd memory); its stderr says which";
    case SIGILL:
        return "it executed an invalid instruction (undefined behaviour, or "
               "a corrupted return address: a stack buffer overrun)";
    case SIGPIPE:
        return "it wrote to a pipe, FIFO or socket whose reading side was "
               "closed: its peer had exited or closed its end";
    case SIGUSR1:
    case SIGUSR2:
    case SIGALRM:
        return "the signal arrived while it had no handler for it and did "
               "not block it, and the default action ends the program (a "
               "handler installed too late, or removed, or the wrong signal "
               "sent)";
    case SIGXCPU:
        return "it used more CPU time than the box allows (a busy loop)";
    case SIGXFSZ:
        return "it wrote a file larger than the box allows";
    default:
        return NULL;
    }
}

const char *h_how_ended(const struct h_proc *p)
{
    static char buf[2400];
    char *stuck =
        p->timed_out && p->stuck != NULL ? h_diag_clip(p->stuck, 1800) : NULL;
    if (stuck != NULL) {
        snprintf(buf, sizeof buf,
                 "it was still running after %.1f s and was killed; where "
                 "it was stuck:\n%s",
                 p->secs, stuck);
        free(stuck);
        h_stuck_mark(p);
        h_diag_shown();
    } else if (p->timed_out)
        snprintf(buf, sizeof buf,
                 "it was still running after %.1f s and was killed "
                 "(a hang: a read or wait that never returns?)",
                 p->secs);
    else if (WIFEXITED(p->status))
        snprintf(buf, sizeof buf, "it exited with status %d",
                 WEXITSTATUS(p->status));
    else if (WIFSIGNALED(p->status)) {
        int sig = WTERMSIG(p->status);
        const char *why = crash_cause(sig);
        snprintf(buf, sizeof buf, "it was killed by signal %d (%s)%s%s", sig,
                 strsignal(sig), why != NULL ? ": " : "",
                 why != NULL ? why : "");
        /* The signal is the cause: no test's hint describes it. */
        if (why != NULL)
            h_diag_shown();
    } else
        snprintf(buf, sizeof buf, "wait status 0x%x", p->status);
    return buf;
}

static void need_done(const struct h_proc *p)
{
    if (!p->done)
        h_fail("harness: %s checked before it was waited for", p->cmd);
}

/* The first stderr line, to show why a program gave up. */
static const char *stderr_hint(const struct h_proc *p)
{
    static char buf[300];
    if (p->err_len == 0)
        return "";
    snprintf(buf, sizeof buf, "\n  its stderr: %s",
             h_quote(p->err, p->err_len));
    return buf;
}

void h_expect_exit(const struct h_proc *p, int code)
{
    need_done(p);
    if (!p->timed_out && WIFEXITED(p->status) && WEXITSTATUS(p->status) == code)
        return;
    /* A program that should have succeeded gave up and said why on
     * stderr: what it said is the cause, not the test's hint. */
    if (code == 0 && !p->timed_out && WIFEXITED(p->status) && p->err_len > 0)
        h_diag_shown();
    h_fail("%s should exit with status %d, but %s%s\n  command: %s", p->cmd,
           code, h_how_ended(p), stderr_hint(p), p->cmd);
}

void h_expect_failure(const struct h_proc *p)
{
    need_done(p);
    if (!p->timed_out && WIFEXITED(p->status) && WEXITSTATUS(p->status) != 0 &&
        WEXITSTATUS(p->status) < 126)
        return;
    h_fail("%s should fail with a non-zero exit status, but %s\n"
           "  command: %s",
           p->cmd, h_how_ended(p), p->cmd);
}

void h_expect_stdout_bytes(const struct h_proc *p, const void *want, size_t len)
{
    need_done(p);
    if (p->out_len == len && memcmp(p->out, want, len) == 0)
        return;
    size_t at = 0;
    while (at < len && at < p->out_len &&
           p->out[at] == ((const char *)want)[at])
        at++;
    const char *w = (const char *)want;
    size_t from = at > 40 ? at - 40 : 0;
    h_fail("stdout is not what was expected (first difference at byte %zu; "
           "%zu bytes expected, %zu written)\n"
           "  expected: %s\n  got:      %s\n  command: %s%s",
           at, len, p->out_len, h_quote(w + from, len - from),
           h_quote(p->out + from, p->out_len - from), p->cmd,
           p->timed_out ? "\n  note: it was killed when it did not finish; "
                          "what it had written but not flushed (stdio "
                          "buffers) was lost, not shown above"
                        : "");
}

void h_expect_stdout(const struct h_proc *p, const char *want)
{
    h_expect_stdout_bytes(p, want, strlen(want));
}

void h_expect_stdout_empty(const struct h_proc *p)
{
    need_done(p);
    if (p->out_len != 0)
        h_fail("nothing should be written to stdout, but got %s\n"
               "  command: %s",
               h_quote(p->out, p->out_len), p->cmd);
}

void h_expect_stderr_empty(const struct h_proc *p)
{
    need_done(p);
    if (p->err_len != 0)
        h_fail("nothing should be written to stderr, but got %s\n"
               "  command: %s",
               h_quote(p->err, p->err_len), p->cmd);
}

void h_expect_stderr_has(const struct h_proc *p, ...)
{
    need_done(p);
    va_list ap;
    va_start(ap, p);
    const char *word;
    while ((word = va_arg(ap, const char *)) != NULL) {
        if (strcasestr(p->err, word) == NULL) {
            va_end(ap);
            h_fail("stderr should mention %s, but it was %s\n  command: %s",
                   h_quote(word, strlen(word)), h_quote(p->err, p->err_len),
                   p->cmd);
        }
    }
    va_end(ap);
}

void h_expect_reaped(const struct h_proc *p)
{
    need_done(p);
    if (p->orphans > 0)
        h_fail("%s exited without reaping %d child process%s: call waitpid() "
               "for every child you fork before you exit\n  command: %s",
               p->cmd, p->orphans, p->orphans == 1 ? "" : "es", p->cmd);
}

void h_expect_no_fifos(const char *dir)
{
    if (dir == NULL)
        dir = h_workdir();
    DIR *d = opendir(dir);
    if (d == NULL)
        h_fail("harness: opendir %s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 &&
            (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
            closedir(d);
            h_fail("%s %s was left behind: remove it (unlink) on every exit "
                   "path",
                   S_ISFIFO(st.st_mode) ? "FIFO" : "socket", e->d_name);
        }
    }
    closedir(d);
}

void h_expect_no_ipc(void)
{
    char what[512];
    if (h_ipc_leftovers(h_workdir(), h_iodir(), false, what, sizeof what))
        h_fail("IPC objects were left behind: %s; the program that "
               "creates an object must remove it (IPC_RMID, shm_unlink, "
               "sem_unlink, mq_unlink) on every exit path",
               what);
}

/* ---- small helpers ---- */

void h_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        h_fail("harness: write %s: %s", path, strerror(errno));
}

char *h_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    if (buf == NULL)
        h_fail("harness: out of memory");
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

const char *h_path(const char *name)
{
    static char ring[8][4400];
    static int next;
    char *buf = ring[next++ % 8];
    snprintf(buf, sizeof ring[0], "%s/%s", h_workdir(), name);
    return buf;
}

char *h_hide_digits(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    if (out == NULL)
        h_fail("harness: out of memory");
    char *o = out;
    while (*s) {
        if (isdigit((unsigned char)*s)) {
            *o++ = '#';
            while (isdigit((unsigned char)*s))
                s++;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

int h_count_lines(const char *s, const char *line)
{
    int n = 0;
    size_t len = strlen(line);
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl != NULL ? (size_t)(nl - p) : strlen(p);
        if (l == len && strncmp(p, line, len) == 0)
            n++;
        p += l + (nl != NULL);
    }
    return n;
}
