/*
 * 08-mycp3.c - tests for lab 08 (mycp3.c): cp through memory mappings.
 * See handouts/08-mycp3.md for the specification.
 *
 * Every copy is compared with its source byte for byte.  The files stay
 * under 64 MiB: the harness bounds what a program may write (RLIMIT_FSIZE).
 * The 2 GiB copy under a 256 MiB address-space limit is in the instructor's
 * benchmark (tests/bench/mycp3.sh, make bench); here a 60 MiB copy runs
 * under a 96 MiB limit.
 */
#include "harness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)
/* 96 MiB: two 32 MiB windows fit, 2 x 60 do not */
#define AS_LIMIT_KIB "98304"

/* ---- helpers ----------------------------------------------------------- */

/* n bytes that depend on their position, so that a window copied to the
 * wrong offset shows. */
static char *pattern(size_t n, unsigned seed)
{
    char *b = malloc(n + 8);
    if (b == NULL)
        h_fail("harness: out of memory");
    /* Eight bytes a step (a 60 MiB file costs the test little CPU). */
    uint64_t x = 88172645463325252ull ^ seed;
    for (size_t i = 0; i < n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t w = x ^ (0x0101010101010101ull * (uint8_t)(i >> 12));
        memcpy(b + i, &w, 8);
    }
    return b;
}

/* A file of n pattern bytes at name in the work dir; returns the bytes. */
static char *make_file(const char *name, size_t n, unsigned seed)
{
    char *b = pattern(n, seed);
    h_write_file(h_path(name), b, n);
    return b;
}

/* The file at name holds exactly the n bytes want. */
static void expect_file(const char *name, const char *want, size_t n,
                        const struct h_proc *p)
{
    size_t len;
    char *got = h_read_file(h_path(name), &len);
    if (got == NULL)
        h_fail("%s should exist (%zu bytes), but it does not\n"
               "  command: %s",
               name, n, p->cmd);
    if (len != n)
        h_fail("%s should have %zu bytes, but it has %zu\n"
               "  (a destination must be exactly as long as its source)\n"
               "  command: %s",
               name, n, len, p->cmd);
    if (memcmp(got, want, n) == 0) {
        free(got);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            h_fail("%s differs from its source at byte %zu of %zu:\n"
                   "  expected %s..., got %s...\n  command: %s",
                   name, i, n, h_quote(want + i, n - i < 16 ? n - i : 16),
                   h_quote(got + i, len - i < 16 ? len - i : 16), p->cmd);
    free(got);
}

static void expect_absent(const char *name, const struct h_proc *p)
{
    struct stat st;
    if (lstat(h_path(name), &st) == 0)
        h_fail("%s exists (%lld bytes) after a failed copy: a failure must "
               "leave no destination behind\n  command: %s",
               name, (long long)st.st_size, p->cmd);
}

/* Exit 1, nothing on stdout, and stderr names what went wrong. */
static void expect_error(const struct h_proc *p, const char *w1, const char *w2)
{
    if (p->timed_out)
        h_fail("%s never finished (it should fail at once)", p->cmd);
    h_expect_exit(p, 1);
    h_expect_stdout_empty(p);
    h_expect_stderr_has(p, w1, w2, NULL);
}

static void expect_mode(const char *name, mode_t want, const struct h_proc *p)
{
    struct stat st;
    if (stat(h_path(name), &st) == -1)
        h_fail("%s should exist: %s\n  command: %s", name, strerror(errno),
               p->cmd);
    if ((st.st_mode & 07777) != want)
        h_fail("%s should have mode %04o (its source's), but it has %04o\n"
               "  the mode given to open() goes through the umask: use "
               "fchmod()\n  command: %s",
               name, (unsigned)want, (unsigned)(st.st_mode & 07777), p->cmd);
}

/* mycp3 run through /bin/sh, which first runs setup (ulimit, umask). */
static struct h_proc *run_sh(const char *setup, const char *a, const char *b)
{
    char script[256];
    snprintf(script, sizeof script, "%s; exec \"$0\" \"$@\"", setup);
    return h_run(NULL, "/bin/sh", "-c", script, h_prog("mycp3"), a, b, NULL);
}

/* True when mycp3 runs under valgrind or was built with AddressSanitizer:
 * both need far more address space than the program itself. */
static bool instrumented(void)
{
    const char *wrap = getenv("KIT_WRAP");
    if (wrap != NULL && *wrap)
        return true;
    size_t n;
    char *bin = h_read_file(h_prog("mycp3"), &n);
    static const char mark[] = "__asan_init";
    bool found = false;
    for (size_t i = 0; bin != NULL && !found && i + sizeof mark - 1 <= n; i++)
        found = memcmp(bin + i, mark, sizeof mark - 1) == 0;
    free(bin);
    return found;
}

/*
 * Permission bits do not stop root.  Run mycp3 as a user they bind:
 * directly when the test is not root (the grading box runs tests and
 * programs as a uid of their own); as root, through setpriv as nobody.
 * NULL when neither works (root without setpriv): then the test cannot
 * make a file its program cannot read, and checks nothing.
 */
static struct h_proc *run_unprivileged(const char *a, const char *b)
{
    if (geteuid() != 0)
        return h_run(NULL, "mycp3", a, b, NULL);
    const char *setpriv = access("/usr/bin/setpriv", X_OK) == 0
                              ? "/usr/bin/setpriv"
                          : access("/bin/setpriv", X_OK) == 0 ? "/bin/setpriv"
                                                              : NULL;
    if (setpriv == NULL)
        return NULL;
    chmod(h_workdir(), 0777);
    /* Can nobody reach the program and write here? */
    struct h_proc *probe = h_run(
        NULL, setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
        "/bin/sh", "-c", "test -x \"$0\" && test -w .", h_prog("mycp3"), NULL);
    if (!WIFEXITED(probe->status) || WEXITSTATUS(probe->status) != 0)
        return NULL;
    return h_run(NULL, setpriv, "--reuid=65534", "--regid=65534",
                 "--clear-groups", h_prog("mycp3"), a, b, NULL);
}

/* ---- copies ------------------------------------------------------------ */

START_TEST(small_file)
{
    static const char text[] = "a small file\nof two lines\n";
    h_write_file(h_path("notes.txt"), text, sizeof text - 1);
    struct h_proc *p = h_run(NULL, "mycp3", "notes.txt", "copy.txt", NULL);
    h_expect_exit(p, 0);
    h_expect_stdout_empty(p);
    h_expect_stderr_empty(p);
    expect_file("copy.txt", text, sizeof text - 1, p);
}
END_TEST

START_TEST(binary_file)
{
    /* Every byte value, NUL included, in a size that is no multiple of
     * the page size. */
    size_t n = 256 * 4097 + 77;
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)(i % 256 ^ i / 256);
    h_write_file(h_path("data.bin"), b, n);
    struct h_proc *p = h_run(NULL, "mycp3", "data.bin", "copy.bin", NULL);
    h_expect_exit(p, 0);
    expect_file("copy.bin", b, n, p);
    free(b);
}
END_TEST

START_TEST(empty_file)
{
    h_write_file(h_path("empty"), "", 0);
    struct h_proc *p = h_run(NULL, "mycp3", "empty", "copy", NULL);
    h_expect_exit(p, 0);
    h_expect_stderr_empty(p);
    expect_file("copy", "", 0, p);
}
END_TEST

START_TEST(multi_window)
{
    /* Larger than any sensible window (16 MiB): three windows, the last
     * one partial. */
    size_t n = 40 * MIB + 4321;
    char *b = make_file("big", n, 1);
    struct h_proc *p = h_run(NULL, "mycp3", "big", "copy", NULL);
    h_expect_exit(p, 0);
    expect_file("copy", b, n, p);
    free(b);
}
END_TEST

START_TEST(bounded_memory)
{
    size_t n = 60 * MIB + 12345;
    char *b = make_file("big", n, 2);
    struct h_proc *p;
    if (instrumented()) /* the sanitizer or valgrind needs the room */
        p = h_run(NULL, "mycp3", "big", "copy", NULL);
    else
        p = run_sh("ulimit -v " AS_LIMIT_KIB, "big", "copy");
    if (p->timed_out || !WIFEXITED(p->status) || WEXITSTATUS(p->status))
        h_fail("copying a 60 MiB file under a 96 MiB address-space limit "
               "failed (status %#x): %s\n"
               "  map the files a window at a time (at most 32 MiB each) "
               "and munmap each window\n  command: %s",
               (unsigned)p->status, h_quote(p->err, p->err_len), p->cmd);
    expect_file("copy", b, n, p);
    free(b);
}
END_TEST

START_TEST(overwrite_longer)
{
    char *old = malloc(200000);
    memset(old, 'x', 200000);
    h_write_file(h_path("old"), old, 200000);
    free(old);
    char *b = make_file("src", 5000, 3);
    struct h_proc *p = h_run(NULL, "mycp3", "src", "old", NULL);
    h_expect_exit(p, 0);
    expect_file("old", b, 5000, p);
    free(b);
}
END_TEST

START_TEST(into_directory)
{
    if (mkdir(h_path("in"), 0755) == -1 || mkdir(h_path("outdir"), 0755) == -1)
        h_fail("harness: mkdir: %s", strerror(errno));
    char *b = make_file("in/data.bin", 100000, 4);
    struct h_proc *p = h_run(NULL, "mycp3", "in/data.bin", "outdir", NULL);
    h_expect_exit(p, 0);
    expect_file("outdir/data.bin", b, 100000, p);
    /* With a trailing slash too. */
    char *b2 = make_file("in/data.bin", 3000, 5);
    p = h_run(NULL, "mycp3", "in/data.bin", "outdir/", NULL);
    h_expect_exit(p, 0);
    expect_file("outdir/data.bin", b2, 3000, p);
    free(b);
    free(b2);
}
END_TEST

START_TEST(keeps_mode)
{
    /* Under umask 077 a mode given to open() alone loses its group and
     * other bits. */
    static const mode_t modes[] = {0640, 0755, 0604};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char src[32], dst[32];
        snprintf(src, sizeof src, "src%zu", i);
        snprintf(dst, sizeof dst, "dst%zu", i);
        char *b = make_file(src, 1000 + i, (unsigned)i);
        if (chmod(h_path(src), modes[i]) == -1)
            h_fail("harness: chmod: %s", strerror(errno));
        struct h_proc *p = run_sh("umask 077", src, dst);
        h_expect_exit(p, 0);
        expect_file(dst, b, 1000 + i, p);
        expect_mode(dst, modes[i], p);
        free(b);
    }
}
END_TEST

/* ---- refusals ---------------------------------------------------------- */

START_TEST(same_file)
{
    char *b = make_file("data", 10000, 6);
    static const char *const dests[] = {"data", "./data", "."};
    for (size_t i = 0; i < 3; i++) {
        struct h_proc *p = h_run(NULL, "mycp3", "data", dests[i], NULL);
        expect_error(p, "same", NULL);
        expect_file("data", b, 10000, p);
    }
    free(b);
}
END_TEST

START_TEST(hard_link)
{
    char *b = make_file("data", 10000, 7);
    if (link(h_path("data"), h_path("twin")) == -1 ||
        symlink("data", h_path("alias")) == -1)
        h_fail("harness: link: %s", strerror(errno));
    struct h_proc *p = h_run(NULL, "mycp3", "data", "twin", NULL);
    expect_error(p, "same", NULL);
    expect_file("data", b, 10000, p);
    p = h_run(NULL, "mycp3", "twin", "alias", NULL);
    expect_error(p, "same", NULL);
    expect_file("data", b, 10000, p);
    free(b);
}
END_TEST

START_TEST(missing_source)
{
    struct h_proc *p = h_run(NULL, "mycp3", "nosuch", "out", NULL);
    expect_error(p, "nosuch", "No such file");
    expect_absent("out", p);
}
END_TEST

START_TEST(unreadable_source)
{
    char *b = make_file("secret", 5000, 8);
    free(b);
    if (chmod(h_path("secret"), 0) == -1)
        h_fail("harness: chmod: %s", strerror(errno));
    struct h_proc *p = run_unprivileged("secret", "out");
    if (p == NULL)
        return; /* root without setpriv: no way to make it unreadable */
    expect_error(p, "secret", "Permission denied");
    expect_absent("out", p);
}
END_TEST

START_TEST(unwritable_dest)
{
    char *b = make_file("data", 5000, 9);
    struct h_proc *p = h_run(NULL, "mycp3", "data", "missing/copy", NULL);
    expect_error(p, "missing/copy", "No such file");
    expect_file("data", b, 5000, p);
    if (mkdir(h_path("ro"), 0555) == -1)
        h_fail("harness: mkdir: %s", strerror(errno));
    chmod(h_path("data"), 0644);
    p = run_unprivileged("data", "ro/copy");
    if (p != NULL) {
        expect_error(p, "ro/copy", "Permission denied");
        expect_absent("ro/copy", p);
    }
    free(b);
}
END_TEST

START_TEST(nonregular_source)
{
    if (mkdir(h_path("adir"), 0755) == -1 ||
        mkfifo(h_path("afifo"), 0600) == -1)
        h_fail("harness: mkdir/mkfifo: %s", strerror(errno));
    static const char *const srcs[] = {"adir", "afifo", "/dev/null"};
    for (size_t i = 0; i < 3; i++) {
        struct h_proc *p = h_run(NULL, "mycp3", srcs[i], "out", NULL);
        expect_error(p, srcs[i], "not a regular file");
        expect_absent("out", p);
    }
}
END_TEST

START_TEST(unmappable_source)
{
    /* /proc/version says 0 bytes but has contents; a sysfs attribute
     * says 4096 bytes and cannot be mapped (ENODEV), which shows only
     * after DEST is open: that DEST must be removed. */
    struct h_proc *p = h_run(NULL, "mycp3", "/proc/version", "out", NULL);
    expect_error(p, "/proc/version", NULL);
    expect_absent("out", p);
    static const char *const sys[] = {
        "/sys/kernel/mm/transparent_hugepage/enabled",
        "/sys/kernel/mm/transparent_hugepage/defrag", "/sys/power/state"};
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
        struct stat st;
        if (stat(sys[i], &st) == -1 || !S_ISREG(st.st_mode) ||
            st.st_size == 0 || access(sys[i], R_OK) == -1)
            continue;
        p = h_run(NULL, "mycp3", sys[i], "out", NULL);
        expect_error(p, sys[i], NULL);
        expect_absent("out", p);
        break;
    }
}
END_TEST

START_TEST(usage)
{
    struct h_proc *p = h_run(NULL, "mycp3", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    p = h_run(NULL, "mycp3", "one", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_write_file(h_path("a"), "a\n", 2);
    p = h_run(NULL, "mycp3", "a", "b", "c", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_expect_stdout_empty(p);
    expect_absent("b", p);
}
END_TEST

static const struct h_test tests[] = {
    {&small_file, 2, "copies a small text file exactly, silently",
     "destination not sized (SIGBUS), or opened O_WRONLY (mmap: EACCES)"},
    {&binary_file, 2, "copies every byte value, size not a page multiple",
     "string functions on binary data, or the last page copied whole"},
    {&empty_file, 2, "copies an empty file",
     "mmap of length 0 (EINVAL), or lseek(size - 1) on an empty file"},
    {&multi_window, 3, "copies a 40 MiB file (several windows) exactly",
     "the window offset never advances, or the last window is too long"},
    {&bounded_memory, 3, "copies 60 MiB under a 96 MiB address-space limit",
     "the whole file mapped at once, or the windows never unmapped"},
    {&overwrite_longer, 2, "replaces a longer destination exactly",
     "the destination is not truncated: its old tail stays"},
    {&into_directory, 2, "DEST a directory: copies to DEST/basename(SOURCE)",
     "opens the directory itself (EISDIR), or appends SOURCE's whole path"},
    {&keeps_mode, 2, "the copy has the source's permission bits (umask 077)",
     "no fchmod: the umask filters the mode, or a fixed 0644"},
    {&same_file, 3, "refuses SOURCE onto itself (x, ./x, .), source intact",
     "O_TRUNC before the same-file check destroys the source"},
    {&hard_link, 2, "refuses a hard link or symlink to SOURCE",
     "names compared with strcmp instead of st_dev and st_ino"},
    {&missing_source, 2, "missing source: message, status 1, no DEST",
     "DEST created before SOURCE is opened, or the wrong status"},
    {&unreadable_source, 2, "unreadable source: message, status 1, no DEST",
     "DEST created before SOURCE is opened, or the message names no file"},
    {&unwritable_dest, 2, "unwritable destination: message, status 1",
     "the message does not name the destination, or the wrong status"},
    {&nonregular_source, 2, "directory, FIFO, /dev/null: refused, no DEST",
     "copies nothing and says success, or blocks opening the FIFO"},
    {&unmappable_source, 2, "/proc and sysfs sources: refused, no DEST left",
     "st_size trusted (an empty copy reported as success), or a failed "
     "copy's DEST left behind"},
    {&usage, 1, "wrong argument count: usage line and status 2",
     "no argument check"},
};

H_LAB("08-mycp3", "mycp3.c", "mycp3", tests)
