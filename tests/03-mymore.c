/*
 * 03-mymore.c - tests for lab 03 (mymore.c): "ls -l [DIR] | more" built
 * with pipe, fork, dup2 and exec.  See handouts/03-mymore.md.
 *
 * Under the grader stdout is a file, and util-linux more then copies its
 * input unchanged, like cat.  So mymore's stdout must be exactly what
 * /bin/ls -l prints, run by the test in the same directory with the same
 * environment (the grader sets LC_ALL=C and TZ=UTC for both).
 *
 * The exec tests give mymore a PATH with a folder of the test's own, in
 * which only some of the programs exist (symbolic links to the real ones).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LS "/bin/ls"

/* Create an empty file (or one of size bytes) at path. */
static void make_file(const char *path, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1)
        h_fail("harness: create %s: %s", path, strerror(errno));
    if (size > 0 && ftruncate(fd, (off_t)size) == -1)
        h_fail("harness: ftruncate %s: %s", path, strerror(errno));
    close(fd);
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) == -1)
        h_fail("harness: mkdir %s: %s", path, strerror(errno));
}

/*
 * A folder "bin" in the work directory holding links name -> target, for
 * each pair of the NULL-ended list; returns "PATH=<workdir>/bin".
 */
static const char *path_with(const char *name, const char *target, ...)
{
    static char env[4200];
    make_dir(h_path("bin"));
    va_list ap;
    va_start(ap, target);
    while (name != NULL) {
        char link[4200];
        snprintf(link, sizeof link, "%s/%s", h_path("bin"), name);
        if (symlink(target, link) == -1)
            h_fail("harness: symlink %s: %s", link, strerror(errno));
        name = va_arg(ap, const char *);
        if (name != NULL)
            target = va_arg(ap, const char *);
    }
    va_end(ap);
    snprintf(env, sizeof env, "PATH=%s", h_path("bin"));
    return env;
}

/* What /bin/ls -l [dir] prints here: mymore must print exactly that. */
static struct h_proc *reference(const char *dir)
{
    struct h_proc *ls = dir != NULL ? h_run(NULL, LS, "-l", dir, NULL)
                                    : h_run(NULL, LS, "-l", NULL);
    if (ls->timed_out || !WIFEXITED(ls->status) || WEXITSTATUS(ls->status) != 0)
        h_fail("harness: %s failed: %s", ls->cmd,
               h_quote(ls->err, ls->err_len));
    return ls;
}

/* p's stdout is what ls printed; on a mismatch, say where it starts. */
static void expect_listing(const struct h_proc *p, const struct h_proc *ls)
{
    if (p->out_len == ls->out_len && memcmp(p->out, ls->out, ls->out_len) == 0)
        return;
    size_t i = 0, line = 1, start = 0;
    while (i < p->out_len && i < ls->out_len && p->out[i] == ls->out[i]) {
        if (p->out[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    h_fail("stdout should be exactly what \"%s\" prints (%zu bytes),\n"
           "  but it has %zu bytes and differs from line %zu on:\n"
           "  expected %s\n"
           "  got      %s\n"
           "  command: %s",
           ls->cmd + 2, ls->out_len, p->out_len, line,
           h_quote(ls->out + start, ls->out_len - start),
           h_quote(p->out + start, p->out_len - start), p->cmd);
}

/* stderr holds the line exactly once. */
static void expect_err_line(const struct h_proc *p, const char *line)
{
    if (h_count_lines(p->err, line) != 1)
        h_fail("stderr should hold the line \"%s\"\n"
               "  got: %s\n  command: %s",
               line, h_quote(p->err, p->err_len), p->cmd);
}

START_TEST(lists_workdir)
{
    make_file(h_path("alpha"), 0);
    make_file(h_path("beta.txt"), 1234);
    make_file(h_path("gamma"), 56789);
    make_dir(h_path("delta"));
    struct h_proc *p = h_run(NULL, "mymore", NULL);
    struct h_proc *ls = reference(NULL);
    h_expect_exit(p, 0);
    expect_listing(p, ls);
    h_expect_stderr_empty(p);
}
END_TEST

START_TEST(dir_argument)
{
    make_dir(h_path("sub"));
    make_file(h_path("sub/one"), 1);
    make_file(h_path("sub/two"), 22);
    make_file(h_path("outside"), 333);
    struct h_proc *p = h_run(NULL, "mymore", "sub", NULL);
    struct h_proc *ls = reference("sub");
    h_expect_exit(p, 0);
    expect_listing(p, ls);
}
END_TEST

START_TEST(large_listing)
{
    /* 3000 entries: about 150 KB of listing, more than a pipe holds
     * (64 KiB), so ls blocks until more reads. */
    make_dir(h_path("many"));
    for (int i = 0; i < 3000; i++) {
        char name[64];
        snprintf(name, sizeof name, "many/file-%04d", i);
        make_file(h_path(name), (size_t)i);
    }
    struct h_proc *p = h_run(NULL, "mymore", "many", NULL);
    if (p->timed_out)
        h_fail("%s never finished on a listing larger than a pipe holds.\n"
               "  Does the parent wait for ls before more runs?  ls blocks\n"
               "  when the pipe is full, until someone reads it.",
               p->cmd);
    struct h_proc *ls = reference("many");
    if (ls->out_len <= 65536)
        h_fail("harness: the listing is only %zu bytes", ls->out_len);
    h_expect_exit(p, 0);
    expect_listing(p, ls);
}
END_TEST

START_TEST(finishes)
{
    make_file(h_path("eof"), 3);
    struct h_proc *p = h_run(NULL, "mymore", NULL);
    if (p->timed_out)
        h_fail("%s never finished: more never saw end-of-file.\n"
               "  Every process except ls must close the pipe's write "
               "end:\n"
               "  the parent, and the more child after its dup2().",
               p->cmd);
    h_expect_exit(p, 0);
    expect_listing(p, reference(NULL));
}
END_TEST

START_TEST(exec_more_fails)
{
    const char *env[] = {path_with("ls", LS, NULL), NULL};
    struct h_opts o = {.env = env};
    struct h_proc *p = h_run(&o, "mymore", NULL);
    h_expect_exit(p, 127);
    h_expect_stderr_has(p, "mymore: exec more:", NULL);
    expect_err_line(p, "mymore: exec more: ENOENT: No such file or directory");
    /* ls wrote into the pipe, which nobody read: nothing on stdout. */
    h_expect_stdout_empty(p);
}
END_TEST

START_TEST(exec_ls_fails)
{
    const char *env[] = {path_with("more", "/bin/more", NULL), NULL};
    struct h_opts o = {.env = env};
    struct h_proc *p = h_run(&o, "mymore", NULL);
    h_expect_exit(p, 127);
    h_expect_stderr_has(p, "mymore: exec ls:", NULL);
    expect_err_line(p, "mymore: exec ls: ENOENT: No such file or directory");
    h_expect_stdout_empty(p);
}
END_TEST

START_TEST(missing_dir)
{
    struct h_proc *p = h_run(NULL, "mymore", "nothere", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "ls:", "nothere", NULL);
    if (strstr(p->err, "usage") != NULL)
        h_fail("one argument is allowed: ls, not mymore, should complain\n"
               "  got: %s\n  command: %s",
               h_quote(p->err, p->err_len), p->cmd);
    h_expect_stdout_empty(p);
}
END_TEST

START_TEST(pipefail_status)
{
    /* ls fails with 2 (no such folder), "more" (here /bin/false) with 1:
     * more's status wins. */
    const char *env[] = {path_with("ls", LS, "more", "/bin/false", NULL), NULL};
    struct h_opts o = {.env = env};
    struct h_proc *p = h_run(&o, "mymore", "nothere", NULL);
    h_expect_exit(p, 1);
    /* ls succeeds, "more" fails: still more's status. */
    p = h_run(&o, "mymore", NULL);
    h_expect_exit(p, 1);
}
END_TEST

START_TEST(reaps_both)
{
    make_file(h_path("zombie"), 0);
    struct h_proc *p = h_run(NULL, "mymore", NULL);
    h_expect_exit(p, 0);
    h_expect_reaped(p);
}
END_TEST

START_TEST(usage)
{
    struct h_proc *p = h_run(NULL, "mymore", "one", "two", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_expect_stdout_empty(p);
}
END_TEST

static const struct h_test tests[] = {
    {&lists_workdir, 3, "prints exactly what ls -l prints, status 0",
     "ls or more not connected to the pipe, or their output lost"},
    {&dir_argument, 2, "mymore DIR lists DIR", "argv[1] not passed to ls"},
    {&large_listing, 3, "a 150 KB listing (more than a pipe holds) arrives",
     "waits for ls before starting more: ls blocks on a full pipe"},
    {&finishes, 3, "finishes: more sees end-of-file",
     "the parent or the more child keeps the pipe's write end open"},
    {&exec_more_fails, 2, "no more on PATH: \"mymore: exec more: ...\", 127",
     "exec failure not reported, wrong status, or ls bypasses the pipe"},
    {&exec_ls_fails, 2, "no ls on PATH: \"mymore: exec ls: ...\", 127",
     "exec failure not reported, reported on stdout, or wrong status"},
    {&missing_dir, 2, "a missing DIR: ls's message and status 2",
     "ls's exit status not passed on"},
    {&pipefail_status, 2, "more's status if non-zero, else ls's",
     "ls's status taken first, or only one status looked at"},
    {&reaps_both, 2, "reaps both children before exiting",
     "no waitpid(), or only one child waited for"},
    {&usage, 1, "rejects two arguments with a usage line and status 2",
     "no argument count check"},
};

H_LAB("03-mymore", "mymore.c", "mymore", tests)
