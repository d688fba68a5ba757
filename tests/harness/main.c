/*
 * main.c - the runner: runs a lab's tests under Check (several at a time,
 * each in namespaces of its own, when the machine has CPUs to spare), scores
 * them from Check's own records, cleans up after each, and reports.
 *
 * A lab's test program (built from tests/NN-topic.c) is run by the grader
 * (tests/grade.sh) with:
 *   KIT_PROG_DIR  folder holding the built programs under test (required)
 *   KIT_RUN_DIR   scratch folder; each test gets RUN/<test>/{work,io}
 *   KIT_TEST      run only these tests (names, comma-separated)
 *   KIT_RERUN     the command that re-runs this lab, e.g. "make grade LAB=01"
 *   KIT_JSON      append Gradescope test objects (one per line) here
 *   KIT_TSV       append "lab<TAB>test<TAB>score<TAB>max<TAB>PASS|FAIL" here
 *   KIT_JUNIT     append a JUnit <testsuite> element for the lab here
 *   KIT_BUILD_LOG if set, the lab did not compile: every test scores 0 and
 *                 shows this log
 *   KIT_KEEP_DIR  each test's outputs are copied to KEEP/<test>/ after it
 *   KIT_KEEP_SHOWN the folder the report names for them (the grader's path)
 *   KIT_BOX_UID   (as root) the uid the tests and programs run as
 *   KIT_BOXED     set inside a box of its own (tests/box.sh): every process
 *                 there but the box's init and the runner is the student's
 *   KIT_RUNNER_FD the descriptor this program was executed from; closed
 *   KIT_TEST_JOBS at most this many tests at a time (default 8; 1: one
 *                 after the other).  Only in a box (KIT_BOXED), where each
 *                 test can get namespaces of its own.
 * The records (KIT_JSON, KIT_TSV, KIT_JUNIT) are descriptors the grader
 * opened outside the box (/proc/self/fd/N): no path inside the box leads
 * to them, and the runner makes itself undumpable, so a student's program
 * of the same uid cannot reach them through /proc either.
 * and with --list, --files or --progs it prints the lab's tests (name,
 * points, what, bug; tab-separated; --list-public leaves the hidden ones
 * out), editable files or programs.
 *
 * A test's result is what Check's runner recorded for the test's process;
 * nothing a student's program prints reaches those records.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char workdir[4096], iodir[4096];
static size_t npublic; /* tests after this index are hidden ones */

const char *h_workdir(void)
{
    return workdir;
}

const char *h_iodir(void)
{
    return iodir;
}

/* ---- small runner helpers ---- */

static void fatal(const char *what)
{
    fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
    exit(2);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) == -1 && errno != ENOENT)
        fprintf(stderr, "harness: remove %s: %s\n", path, strerror(errno));
    return 0;
}

void h_rm_rf(const char *path)
{
    nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) == -1 && errno != EEXIST)
            fatal(buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) == -1 && errno != EEXIST)
        fatal(buf);
}

static bool selected(const char *name)
{
    const char *want = getenv("KIT_TEST");
    if (want == NULL || *want == '\0')
        return true;
    size_t len = strlen(name);
    for (const char *p = want; *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && strncmp(p, name, len) == 0)
            return true;
        p += l + (p[l] == ',');
    }
    return false;
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when s does
 * not start one (a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || c > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

/* A JSON string: control bytes as \u escapes, bytes that are not UTF-8 as
 * U+FFFD, so results.json is valid whatever a program printed. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t n = utf8_len((const unsigned char *)s);
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 32 || c == 127)
            fprintf(f, "\\u%04x", c);
        else if (n == 0)
            fputs("\\ufffd", f);
        else
            fwrite(s, 1, n, f);
        s += n ? n : 1;
    }
    fputc('"', f);
}

/* Text escaped for XML (attribute or element): control bytes, which XML
 * 1.0 cannot carry at all, shown as "\xHH"; bytes that are not UTF-8 as
 * U+FFFD. */
static void xml_text(FILE *f, const char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t n = utf8_len((const unsigned char *)s);
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\n' || c == '\t')
            fputc(c, f);
        else if (c < 32 || c == 127)
            fprintf(f, "\\x%02x", c);
        else if (n == 0)
            fputs("\xef\xbf\xbd", f);
        else
            fwrite(s, 1, n, f);
        s += n ? n : 1;
    }
}

/* One line of text for a terminal: control bytes (escape sequences above
 * all) and bytes that are not UTF-8 shown as "\xHH", never sent raw. */
static void visible(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = utf8_len((const unsigned char *)s + i);
        if (c == '\t')
            fputc(c, stdout);
        else if (c < 32 || c == 127 || n == 0)
            printf("\\x%02x", c);
        else if (i + n <= len)
            fwrite(s + i, 1, n, stdout);
        else
            printf("\\x%02x", c);
        i += n && i + n <= len ? n : 1;
    }
}

/* Print text with every line indented. */
static void indented(const char *text, const char *indent)
{
    const char *p = text;
    while (*p) {
        size_t l = strcspn(p, "\n");
        fputs(indent, stdout);
        visible(p, l);
        fputc('\n', stdout);
        p += l + (p[l] == '\n');
    }
}

/* ---- the box's processes, between tests ---- */

/* The uid tests and programs run as (KIT_BOX_UID), when the runner is
 * root; -1 otherwise. */
static uid_t box_uid(void)
{
    const char *u = getenv("KIT_BOX_UID");
    if (u == NULL || *u == '\0' || geteuid() != 0)
        return (uid_t)-1;
    return (uid_t)strtoul(u, NULL, 10);
}

/* The next process in /proc (opened with opendir) that is not init or
 * this runner, with its /proc/PID/<file> opened for reading: NULL at the
 * end.  (A process gone meanwhile is skipped.) */
static FILE *next_proc(DIR *d, const char *file, long *pid)
{
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        *pid = strtol(e->d_name, NULL, 10);
        if (*pid <= 1 || *pid == (long)getpid())
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/%s", *pid, file);
        FILE *f = fopen(path, "r");
        if (f != NULL)
            return f;
    }
    return NULL;
}

/* Is a live process other than this one of uid (real, effective or
 * saved)?  A zombie does not count: it is dead, and no kill removes it. */
static bool uid_alive(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return true; /* cannot tell: let the kill run */
    bool found = false;
    FILE *f;
    long pid;
    while (!found && (f = next_proc(d, "status", &pid)) != NULL) {
        char line[256];
        bool zombie = false;
        unsigned long r, eff, sv;
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "State:", 6) == 0)
                zombie = strchr(line, 'Z') != NULL; /* "Z (zombie)" */
            if (strncmp(line, "Uid:", 4) != 0)
                continue;
            found = !zombie &&
                    sscanf(line + 4, "%lu %lu %lu", &r, &eff, &sv) == 3 &&
                    (r == uid || eff == uid || sv == uid);
            break;
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

/* In a box of its own: SIGKILL every live process but init and this
 * runner; how many were sent it. */
static int kill_boxed(void)
{
    DIR *d = opendir("/proc");
    if (d == NULL)
        return 0;
    int found = 0;
    FILE *f;
    long pid;
    while ((f = next_proc(d, "stat", &pid)) != NULL) {
        char st[256];
        size_t n = fread(st, 1, sizeof st - 1, f);
        fclose(f);
        st[n] = '\0';
        char *rp = strrchr(st, ')');
        if (rp != NULL && rp[1] == ' ' && rp[2] == 'Z')
            continue; /* a zombie: dead, waiting for init */
        if (kill((pid_t)pid, SIGKILL) == 0)
            found++;
    }
    closedir(d);
    return found;
}

/*
 * Kill every process of the student's, before anything is cleaned: in a
 * box of its own, that is every process but the box's init and this
 * runner; as root without a box, every process of the box's uid (a
 * process of that uid calling kill(-1) reaches exactly them).  Otherwise
 * h_cleanup's kills by process group and working directory are all there
 * is.  Returns how many were killed.
 */
static int sweep(void)
{
    int killed = 0;
    uid_t uid = box_uid();
    for (int round = 0; round < 100; round++) {
        int found = 0;
        if (getenv("KIT_BOXED") != NULL) {
            found = kill_boxed();
        } else if (uid != (uid_t)-1 && uid_alive(uid)) {
            /* (kill(-1) says 0 whenever any other process exists, even
             * if it may signal none of them: /proc says who is left.) */
            pid_t pid = fork();
            if (pid == 0) {
                if (setgid((gid_t)uid) == 0 && setuid(uid) == 0)
                    kill(-1, SIGKILL);
                _exit(0);
            }
            if (pid > 0)
                waitpid(pid, NULL, 0);
            found = 1;
        }
        killed += found;
        if (found == 0)
            break;
        struct timespec ts = {0, 2000000}; /* let the dead be reaped */
        nanosleep(&ts, NULL);
    }
    return killed;
}

/* A fresh directory for the test, given to the box's uid.  Nothing of
 * the student's runs while it is made, so no link can be slipped in. */
static void own_dir(const char *path)
{
    uid_t uid = box_uid();
    if (uid == (uid_t)-1)
        return;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd == -1 || fchown(fd, uid, (gid_t)uid) == -1)
        fatal(path);
    close(fd);
}

/*
 * Keep a copy of the test's outputs (io/) in KIT_KEEP_DIR/<test>/, for the
 * student to read after the box is gone: regular files only, opened
 * without following links, plain names, at most 1 MiB each.
 */
static void keep_outputs(const char *io, const char *name)
{
    const char *keep = getenv("KIT_KEEP_DIR");
    if (keep == NULL || *keep == '\0')
        return;
    char dst[4200];
    snprintf(dst, sizeof dst, "%s/%s", keep, name);
    h_rm_rf(dst);
    if (mkdir(dst, 0755) == -1)
        return;
    int in_dir = open(io, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    int out_dir = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    DIR *d = in_dir != -1 ? fdopendir(in_dir) : NULL;
    struct dirent *e;
    int files = 0;
    while (d != NULL && out_dir != -1 && (e = readdir(d)) != NULL &&
           files < 256) {
        const char *n = e->d_name;
        if (n[0] == '.' ||
            strspn(n, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(n))
            continue;
        int from = openat(in_dir, n, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        if (from == -1)
            continue;
        if (fstat(from, &st) == -1 || !S_ISREG(st.st_mode)) {
            close(from);
            continue;
        }
        int to =
            openat(out_dir, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
        char buf[65536];
        ssize_t r;
        size_t copied = 0;
        while (to != -1 && copied < (1u << 20) &&
               (r = read(from, buf, sizeof buf)) > 0 &&
               write(to, buf, (size_t)r) == r)
            copied += (size_t)r;
        if (to != -1)
            close(to);
        close(from);
        files++;
    }
    if (d != NULL)
        closedir(d);
    else if (in_dir != -1)
        close(in_dir);
    if (out_dir != -1)
        close(out_dir);
}

/* ---- running one test ---- */

struct outcome {
    bool ran, passed;
    bool diagnosed; /* the message says where a hung program was stuck */
    bool setup;     /* it failed while starting its programs */
    char msg[4096];
    double secs;
};

/* RUN/<test>/work and RUN/<test>/io, made afresh (base gets RUN/<test>)
 * and given to the box's uid. */
static void fresh_dirs(const char *run_dir, const char *name, char *base,
                       size_t n)
{
    snprintf(base, n, "%s/%s", run_dir, name);
    h_rm_rf(base);
    snprintf(workdir, sizeof workdir, "%s/work", base);
    snprintf(iodir, sizeof iodir, "%s/io", base);
    mkdirs(workdir);
    mkdirs(iodir);
    own_dir(workdir);
    own_dir(iodir);
}

/* What Check recorded for test t's one run, into o (passed, msg, and
 * whether the message explains the failure itself). */
static void read_result(SRunner *sr, const struct h_test *t, struct outcome *o)
{
    if (srunner_ntests_run(sr) != 1) {
        snprintf(o->msg, sizeof o->msg, "harness: the test did not run");
        return;
    }
    TestResult *r = srunner_results(sr)[0];
    o->passed = tr_rtype(r) == CK_PASS;
    const char *m = tr_msg(r) != NULL ? tr_msg(r) : "";
    /* h_fail marks a message that explains a hang from the kernel's
     * state: that explanation replaces the static hint. */
    o->diagnosed = tr_rtype(r) == CK_FAILURE && m[0] == H_DIAG_MARK;
    if (o->diagnosed)
        m++;
    o->setup = tr_rtype(r) == CK_FAILURE && m[0] == H_SETUP_MARK;
    if (o->setup) {
        m++;
        o->diagnosed = true; /* the cause is said: no hint */
    }
    if (tr_rtype(r) == CK_ERROR && strstr(m, "timeout") != NULL)
        snprintf(o->msg, sizeof o->msg,
                 "the test did not finish within %.0f s: a program "
                 "hung where the harness could not bound it",
                 h_scale(t->timeout > 0 ? t->timeout : 20));
    else if (tr_rtype(r) == CK_ERROR)
        snprintf(o->msg, sizeof o->msg, "the test itself failed: %s", m);
    else
        snprintf(o->msg, sizeof o->msg, "%s", m);
}

/* Run test t under Check, in a process of its own (CK_FORK); its outcome
 * into o. */
static void run_check(const struct h_lab *lab, const struct h_test *t,
                      struct outcome *o)
{
    const char *name = (*t->fn)->name;
    Suite *s = suite_create(lab->name);
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, h_child_setup, NULL);
    tcase_set_timeout(tc, t->timeout > 0 ? t->timeout : 20);
    tcase_add_test(tc, *t->fn);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);

    double start = h_now();
    fflush(NULL);
    srunner_run(sr, lab->name, name, CK_SILENT);
    o->secs = h_now() - start;

    o->ran = true;
    o->passed = false;
    read_result(sr, t, o);
    srunner_free(sr);
}

static void run_one(const struct h_lab *lab, const struct h_test *t,
                    const char *run_dir, struct outcome *o)
{
    const char *name = (*t->fn)->name;
    char base[4096];
    fresh_dirs(run_dir, name, base, sizeof base);
    run_check(lab, t, o);

    /* Whatever the programs left, the next test must not see it.  First
     * every process of the student's goes; only then is anything removed,
     * so no clean-up can be raced. */
    int strays = sweep();
    const char *left = h_cleanup(workdir, iodir);
    bool public = (size_t)(t - lab->tests) < npublic;
    if ((*left || strays) && o->passed && public)
        fprintf(stderr, "harness: %s/%s: removed %d process(es) %s\n",
                lab->name, name, strays, left);
    if (public) /* a hidden test's outputs stay hidden */
        keep_outputs(iodir, name);
    h_rm_rf(base);
}

/* ---- several tests at a time ---- */

/*
 * Tests run one after the other, but a test that waits (for a program's
 * timeout, or for a hung program's time limit) leaves the CPUs idle: then
 * the next test starts beside it.  A lab whose every program hangs is
 * graded in about two time limits, not one per test; a correct one, busy
 * on the CPUs, still runs its tests about one at a time.  Each test runs
 * in namespaces of its own (System V IPC and POSIX queues, /dev/shm,
 * processes and /proc), so no test sees another's objects or processes,
 * and the clean-up after one cannot touch another.
 */

/* The machine's idle and total CPU time so far (/proc/stat, in ticks). */
static void cpu_ticks(double *idle, double *total)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    *idle = *total = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
        *idle = (double)(v[3] + v[4]);
        for (int i = 0; i < 8; i++)
            *total += (double)v[i];
    }
    fclose(f);
}

static bool write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd == -1)
        return false;
    bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    return close(fd) == 0 && ok;
}

/* Make this process's IPC, mount and (for its next child) pid
 * namespaces its own, with a fresh /dev/shm and /dev/mqueue.  As root
 * in the box that is allowed; otherwise a user namespace of its own
 * gives the right, mapping the same ids. */
static bool isolate(void)
{
    const int flags = CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID;
    if (unshare(flags) == -1) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        char map[64];
        if (errno != EPERM || unshare(flags | CLONE_NEWUSER) == -1)
            return false;
        snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)uid,
                 (unsigned long)uid);
        if (!write_text("/proc/self/setgroups", "deny") ||
            !write_text("/proc/self/uid_map", map))
            return false;
        snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)gid,
                 (unsigned long)gid);
        if (!write_text("/proc/self/gid_map", map))
            return false;
    }
    return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
           mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
                 "mode=1777,size=256m") == 0 &&
           mount("mqueue", "/dev/mqueue", "mqueue",
                 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0;
}

enum { W_RAN = 0, W_NO_NS = 3 }; /* a worker's exit status */

/* Start test t in namespaces of its own; its outcome goes to *o (shared
 * memory).  The worker's status is W_NO_NS if it could not have them. */
static pid_t start_worker(const struct h_lab *lab, const struct h_test *t,
                          const char *run_dir, struct outcome *o)
{
    fflush(NULL);
    pid_t w = fork();
    if (w != 0)
        return w;
    if (!isolate())
        _exit(W_NO_NS);
    pid_t init = fork();
    if (init == -1)
        _exit(W_NO_NS);
    if (init > 0) {
        int st = 0;
        while (waitpid(init, &st, 0) == -1 && errno == EINTR)
            ;
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : W_NO_NS);
    }
    /* The first process of the new pid namespace: when it ends, every
     * process left in it ends too.  Its own /proc shows its processes
     * with the pids they have here. */
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) == -1)
        _exit(W_NO_NS);
    if (t != NULL)
        run_one(lab, t, run_dir, o);
    fflush(NULL);
    _exit(W_RAN);
}

static int test_jobs(void)
{
    const char *j = getenv("KIT_TEST_JOBS");
    int n = j != NULL && *j ? atoi(j) : 8;
    if (getenv("KIT_BOXED") == NULL || n < 1)
        n = 1;
    return n > 64 ? 64 : n;
}

static bool await_worker(pid_t w)
{
    int st = 0;
    while (waitpid(w, &st, 0) == -1)
        if (errno != EINTR)
            return false;
    return WIFEXITED(st) && WEXITSTATUS(st) == W_RAN;
}

/* Run every selected test, one after the other, in this process. */
static void run_in_turn(const struct h_lab *lab, const char *run_dir,
                        struct outcome *out)
{
    for (size_t i = 0; i < lab->ntests; i++)
        if (selected((*lab->tests[i].fn)->name))
            run_one(lab, &lab->tests[i], run_dir, &out[i]);
}

/* Reap the workers that have ended (pids[i] becomes 0 if its worker ran
 * test i, -1 if the test must run again, alone); returns how many. */
static int reap_workers(pid_t *pids, size_t n)
{
    int ended = 0;
    for (size_t i = 0; i < n; i++) {
        int st;
        if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i]) {
            ended++;
            pids[i] = WIFEXITED(st) && WEXITSTATUS(st) == W_RAN
                          ? 0
                          : -1; /* run it again, alone, below */
        }
    }
    return ended;
}

/* Run the selected tests in workers, at most jobs at a time: the next
 * starts when none runs, or when the CPUs were mostly idle a moment ago.
 * sh[i] gets test i's outcome; pids[i] ends 0 if its worker ran it. */
static void run_workers(const struct h_lab *lab, const char *run_dir, int jobs,
                        struct outcome *sh, pid_t *pids)
{
    size_t n = lab->ntests;
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    size_t next = 0;
    int running = 0;
    bool spare = false; /* the CPUs were mostly idle a moment ago */
    double idle0, total0;
    cpu_ticks(&idle0, &total0);
    for (;;) {
        while (next < n && !selected((*lab->tests[next].fn)->name))
            next++;
        if (next < n && (running == 0 || (running < jobs && spare))) {
            pids[next] =
                start_worker(lab, &lab->tests[next], run_dir, &sh[next]);
            if (pids[next] > 0)
                running++;
            next++;
            spare = false;
            cpu_ticks(&idle0, &total0);
            continue;
        }
        if (running == 0)
            break;
        struct timespec tick = {0, 50000000}; /* 50 ms */
        sigtimedwait(&chld, NULL, &tick);
        running -= reap_workers(pids, n);
        double idle, total;
        cpu_ticks(&idle, &total);
        if (total - total0 >= 4) { /* a few ticks: a fair sample */
            spare = idle - idle0 > 0.5 * (total - total0);
            idle0 = idle;
            total0 = total;
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Run every selected test; out[i] gets test i's outcome. */
static void run_all(const struct h_lab *lab, const char *run_dir,
                    struct outcome *out)
{
    size_t n = lab->ntests;
    int jobs = test_jobs();
    struct outcome *sh = MAP_FAILED;
    pid_t *pids = NULL;
    /* Namespaces to be had here?  One try with no test in it. */
    if (jobs > 1) {
        pid_t w = start_worker(lab, NULL, run_dir, NULL);
        if (w == -1 || !await_worker(w))
            jobs = 1;
    }
    if (jobs > 1) {
        sh = mmap(NULL, n * sizeof *sh, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        pids = calloc(n, sizeof *pids);
    }
    if (jobs == 1 || sh == MAP_FAILED || pids == NULL) {
        run_in_turn(lab, run_dir, out);
        if (sh != MAP_FAILED)
            munmap(sh, n * sizeof *sh);
        free(pids);
        return;
    }
    run_workers(lab, run_dir, jobs, sh, pids);
    for (size_t i = 0; i < n; i++) {
        if (!selected((*lab->tests[i].fn)->name))
            continue;
        if (pids[i] == -1 || !sh[i].ran)
            run_one(lab, &lab->tests[i], run_dir, &out[i]);
        else
            out[i] = sh[i];
    }
    munmap(sh, n * sizeof *sh);
    free(pids);
}

/* ---- reporting ---- */

/* The points of the public tests that ran (score, out of max), and how
 * many hidden tests ran, with their points: never shown before
 * publication. */
static void count_points(const struct h_lab *lab, const struct outcome *out,
                         int *score, int *max, int *nhidden, int *hidden_max)
{
    for (size_t i = 0; i < lab->ntests; i++) {
        if (!out[i].ran)
            continue;
        if (i >= npublic) { /* never shown before publication */
            (*nhidden)++;
            *hidden_max += lab->tests[i].points;
            continue;
        }
        *max += lab->tests[i].points;
        *score += out[i].passed ? lab->tests[i].points : 0;
    }
}

/*
 * Tests whose programs could not start, the same way (digits aside:
 * pids, descriptors): key[i] is such a test's first line with its
 * numbers hidden (NULL for the other tests), leader[i] the first test
 * with the same key (i itself for the first, and for the other tests).
 */
static void group_setup_failures(const struct h_lab *lab,
                                 const struct outcome *out, size_t *leader,
                                 char **key)
{
    for (size_t i = 0; i < npublic && i < lab->ntests; i++) {
        leader[i] = i;
        if (!out[i].ran || out[i].passed || !out[i].setup)
            continue;
        char line[600];
        snprintf(line, sizeof line, "%.*s", (int)strcspn(out[i].msg, "\n"),
                 out[i].msg);
        /* 0x713a0024 and 0x713a002a are one cause too: keys, addresses */
        for (char *x = strstr(line, "0x"); x != NULL; x = strstr(x, "0x")) {
            x += 2;
            while (isxdigit((unsigned char)*x))
                *x++ = '0';
        }
        key[i] = h_hide_digits(line);
        for (size_t k = 0; k < i; k++)
            if (key[k] != NULL && strcmp(key[k], key[i]) == 0) {
                leader[i] = leader[k];
                break;
            }
    }
}

/* A "FIX THIS FIRST" block for each set-up failure that more than one
 * test shares: the report leads with it. */
static void print_fix_first(const struct h_lab *lab, const struct outcome *out,
                            const size_t *leader, char *const *key)
{
    for (size_t i = 0; i < npublic && i < lab->ntests; i++) {
        if (key[i] == NULL || leader[i] != i)
            continue;
        int more = 0;
        for (size_t k = i + 1; k < npublic && k < lab->ntests; k++)
            more += key[k] != NULL && leader[k] == i;
        if (more == 0)
            continue;
        printf("   FIX THIS FIRST: %d tests could not start their programs, "
               "all the same way:\n",
               more + 1);
        char line[600];
        snprintf(line, sizeof line, "%.*s", (int)strcspn(out[i].msg, "\n"),
                 out[i].msg);
        indented(line, "     ");
        printf("     (in full under %s below)\n", (*lab->tests[i].fn)->name);
    }
}

/* Under a failed test's line: what went wrong (or which test above shows
 * it), the likely bug unless a diagnosis says more, where its files are
 * and how to re-run it. */
static void print_failure(const struct h_lab *lab, const struct outcome *out,
                          size_t i, const size_t *leader, char *const *key)
{
    const struct h_test *t = &lab->tests[i];
    const char *rerun = getenv("KIT_RERUN");
    if (key[i] != NULL && leader[i] != i) {
        printf("           could not start its programs, as under %s "
               "above\n",
               (*lab->tests[leader[i]].fn)->name);
    } else {
        indented(out[i].msg, "           ");
        if (!out[i].diagnosed)
            printf("           likely bug: %s\n", t->bug);
    }
    const char *shown = getenv("KIT_KEEP_SHOWN");
    const char *dir = shown != NULL                   ? shown
                      : getenv("KIT_RUN_DIR") != NULL ? getenv("KIT_RUN_DIR")
                                                      : ".";
    fputs("           files:  ", stdout);
    visible(dir, strlen(dir));
    printf("/%s\n", (*t->fn)->name);
    if (rerun != NULL) {
        fputs("           re-run: ", stdout);
        visible(rerun, strlen(rerun));
        printf(" TEST=%s\n", (*t->fn)->name);
    }
}

/* The lab's <testsuite> element, appended to KIT_JUNIT when it is set. */
static void write_junit(const struct h_lab *lab, const struct outcome *out)
{
    const char *junit = getenv("KIT_JUNIT");
    FILE *x = junit != NULL ? fopen(junit, "a") : NULL;
    if (junit != NULL && x == NULL)
        fatal("open junit file");
    if (x == NULL)
        return;
    int ran = 0, failures = 0;
    double secs = 0;
    for (size_t i = 0; i < lab->ntests; i++) {
        ran += out[i].ran;
        failures += out[i].ran && !out[i].passed;
        secs += out[i].secs;
    }
    fprintf(x,
            "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" "
            "errors=\"0\" time=\"%.3f\">\n",
            lab->name, ran, failures, secs);
    for (size_t i = 0; i < lab->ntests; i++) {
        if (!out[i].ran)
            continue;
        fprintf(x,
                "  <testcase classname=\"%s\" name=\"%s\" "
                "time=\"%.3f\"",
                lab->name, (*lab->tests[i].fn)->name, out[i].secs);
        if (out[i].passed) {
            fputs("/>\n", x);
            continue;
        }
        fputs(">\n    <failure message=\"", x);
        xml_text(x, lab->tests[i].what);
        fputs("\">", x);
        xml_text(x, out[i].msg);
        if (!out[i].diagnosed) {
            fputs("\nlikely bug: ", x);
            xml_text(x, lab->tests[i].bug);
        }
        fputs("</failure>\n  </testcase>\n", x);
    }
    fputs("</testsuite>\n", x);
    if (fclose(x) != 0)
        fatal("write junit file");
}

/* Test i's Gradescope test object, one line of JSON, to j. */
static void json_test(FILE *j, const struct h_lab *lab,
                      const struct outcome *out, size_t i,
                      const char *build_log)
{
    const struct h_test *t = &lab->tests[i];
    const char *hidden_vis = getenv("KIT_HIDDEN_VISIBILITY");
    if (hidden_vis == NULL || *hidden_vis == '\0')
        hidden_vis = "after_published";
    int pts = out[i].passed ? t->points : 0;
    char title[512];
    snprintf(title, sizeof title, "%s/%s: %s", lab->name, (*t->fn)->name,
             t->what);
    fputs("{\"name\": ", j);
    json_string(j, title);
    fprintf(j, ", \"score\": %d, \"max_score\": %d, \"output\": ", pts,
            t->points);
    char buf[6000];
    if (build_log != NULL)
        snprintf(buf, sizeof buf, "did not compile:\n%.5000s", build_log);
    else if (out[i].passed)
        snprintf(buf, sizeof buf, "passed");
    else if (out[i].diagnosed)
        snprintf(buf, sizeof buf, "%s", out[i].msg);
    else
        snprintf(buf, sizeof buf, "%s\nlikely bug: %s", out[i].msg, t->bug);
    json_string(j, buf);
    fprintf(j, ", \"visibility\": \"%s\"}\n",
            i < npublic ? "visible" : hidden_vis);
}

/* For every test that ran: a Gradescope test object appended to KIT_JSON
 * and a line to KIT_TSV, each when it is set. */
static void write_results(const struct h_lab *lab, const struct outcome *out,
                          const char *build_log)
{
    const char *json = getenv("KIT_JSON");
    FILE *j = json != NULL ? fopen(json, "a") : NULL;
    const char *tsv = getenv("KIT_TSV");
    FILE *s = tsv != NULL ? fopen(tsv, "a") : NULL;
    if ((json != NULL && j == NULL) || (tsv != NULL && s == NULL))
        fatal("open results file");
    for (size_t i = 0; i < lab->ntests; i++) {
        const struct h_test *t = &lab->tests[i];
        if (!out[i].ran)
            continue;
        int pts = out[i].passed ? t->points : 0;
        if (j != NULL)
            json_test(j, lab, out, i, build_log);
        if (s != NULL)
            fprintf(s, "%s\t%s\t%d\t%d\t%s\t%s\n", lab->name, (*t->fn)->name,
                    pts, t->points, out[i].passed ? "PASS" : "FAIL",
                    i < npublic ? "visible" : "hidden");
    }
    if ((j != NULL && fclose(j) != 0) || (s != NULL && fclose(s) != 0))
        fatal("write results file");
}

/* The lab's part of the report, on stdout; then its records (JUnit,
 * results.json, scores). */
static void report(const struct h_lab *lab, const struct outcome *out,
                   const char *build_log)
{
    int score = 0, max = 0, nhidden = 0, hidden_max = 0;
    count_points(lab, out, &score, &max, &nhidden, &hidden_max);
    printf("== %s (%s)\n", lab->name, lab->files);
    if (build_log != NULL) {
        printf("   did not compile; every test scores 0.  The compiler "
               "said:\n");
        indented(build_log, "   | ");
    }
    /* Tests whose programs could not start, the same way: the first shows
     * it in full, and if others follow, the report leads with it. */
    size_t *leader = calloc(lab->ntests, sizeof *leader);
    char **key = calloc(lab->ntests, sizeof *key);
    if (leader == NULL || key == NULL)
        fatal("calloc");
    group_setup_failures(lab, out, leader, key);
    print_fix_first(lab, out, leader, key);
    for (size_t i = 0; i < lab->ntests; i++) {
        const struct h_test *t = &lab->tests[i];
        if (!out[i].ran || i >= npublic)
            continue;
        printf("   %s %2d/%-2d %-22s %s\n", out[i].passed ? "PASS" : "FAIL",
               out[i].passed ? t->points : 0, t->points, (*t->fn)->name,
               t->what);
        if (!out[i].passed && build_log == NULL)
            print_failure(lab, out, i, leader, key);
    }
    for (size_t i = 0; i < lab->ntests; i++)
        free(key[i]);
    free(key);
    free(leader);
    if (nhidden > 0)
        printf("   + %d hidden test%s (%d points): results after "
               "publication\n",
               nhidden, nhidden == 1 ? "" : "s", hidden_max);
    printf("   %s: %d/%d\n\n", lab->name, score, max);
    write_junit(lab, out);
    write_results(lab, out, build_log);
}

/* The lab's tests followed by its hidden tests, if any were linked in. */
static const struct h_lab *with_hidden(const struct h_lab *lab,
                                       size_t *public_count)
{
    *public_count = lab->ntests;
    if (&h_hidden_count == NULL || h_hidden_count == 0)
        return lab;
    size_t n = lab->ntests + h_hidden_count;
    struct h_test *all = calloc(n, sizeof *all);
    struct h_lab *copy = calloc(1, sizeof *copy);
    if (all == NULL || copy == NULL)
        fatal("calloc");
    memcpy(all, lab->tests, lab->ntests * sizeof *all);
    memcpy(all + lab->ntests, h_hidden_tests, h_hidden_count * sizeof *all);
    *copy = *lab;
    copy->tests = all;
    copy->ntests = n;
    return copy;
}

/* The first n tests of the table, one line each: name, points, what,
 * bug (tab-separated); false on an output error. */
static bool print_tests(FILE *f, const struct h_lab *lab, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\t%d\t%s\t%s\n", (*lab->tests[i].fn)->name,
                lab->tests[i].points, lab->tests[i].what, lab->tests[i].bug);
    return !ferror(f);
}

/* --tables PREFIX: PREFIX.files, PREFIX.list and PREFIX.public at once
 * (what --files, --list and --list-public print): the grader asks for
 * all three of every lab, and each run of a program costs it a fork. */
static int tables(const struct h_lab *lab, const char *prefix)
{
    static const char *const ext[] = {"files", "list", "public"};
    for (int k = 0; k < 3; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%s", prefix, ext[k]);
        FILE *f = fopen(path, "w");
        if (f == NULL)
            return 1;
        bool ok = k == 0   ? fprintf(f, "%s\n", lab->files) > 0
                  : k == 1 ? print_tests(f, lab, lab->ntests)
                           : print_tests(f, lab, npublic);
        if (fclose(f) != 0 || !ok)
            return 1;
    }
    return 0;
}

/* --list, --list-public, --files, --progs and --tables print what the lab
 * holds; returns the exit status then (2 for anything else but no
 * argument), or -1 when there are no arguments: the tests are to be run. */
static int info(const struct h_lab *lab, int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--list") == 0 ||
                      strcmp(argv[1], "--list-public") == 0)) {
        size_t n = strcmp(argv[1], "--list") == 0 ? lab->ntests : npublic;
        return !print_tests(stdout, lab, n);
    }
    if (argc == 3 && strcmp(argv[1], "--tables") == 0)
        return tables(lab, argv[2]);
    if (argc == 2 && strcmp(argv[1], "--files") == 0)
        return printf("%s\n", lab->files) < 0;
    if (argc == 2 && strcmp(argv[1], "--progs") == 0)
        return printf("%s\n", lab->progs) < 0;
    if (argc != 1) {
        fprintf(stderr,
                "usage: %s [--list | --list-public | --files | --progs | "
                "--tables PREFIX]\n",
                argv[0]);
        return 2;
    }
    return -1;
}

/* Every selected test's outcome, into out.  When the lab did not compile
 * (KIT_BUILD_LOG), none runs: each fails, and the compiler's log comes
 * back (malloc'd); otherwise NULL. */
static char *outcomes(const struct h_lab *lab, struct outcome *out)
{
    const char *log_path = getenv("KIT_BUILD_LOG");
    char *build_log = NULL;
    if (log_path != NULL && *log_path) {
        build_log = h_read_file(log_path, NULL);
        if (build_log == NULL)
            build_log = strdup("(no compiler output)");
        for (size_t i = 0; i < lab->ntests; i++) {
            out[i].ran = selected((*lab->tests[i].fn)->name);
            snprintf(out[i].msg, sizeof out[i].msg, "did not compile");
        }
    } else {
        const char *run_dir = getenv("KIT_RUN_DIR");
        if (run_dir == NULL)
            run_dir = "build/run";
        char abs_run[4096];
        mkdirs(run_dir);
        if (realpath(run_dir, abs_run) == NULL)
            fatal(run_dir);
        run_all(lab, abs_run, out);
    }
    return build_log;
}

int h_main(const struct h_lab *public_lab, int argc, char **argv)
{
    const struct h_lab *lab = with_hidden(public_lab, &npublic);
    int status = info(lab, argc, argv);
    if (status != -1)
        return status;
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* No process of the student's, even of the same uid, may read this
     * one's memory, descriptors (the records) or executable (the hidden
     * tests): undumpable, and the descriptor it was run from closed. */
    if (prctl(PR_SET_DUMPABLE, 0) == -1)
        fatal("prctl PR_SET_DUMPABLE");
    const char *rfd = getenv("KIT_RUNNER_FD");
    if (rfd != NULL && *rfd)
        close(atoi(rfd));
    unsetenv("KIT_RUNNER_FD");

    struct outcome *out = calloc(lab->ntests, sizeof *out);
    if (out == NULL)
        fatal("calloc");
    char *build_log = outcomes(lab, out);
    report(lab, out, build_log);

    int failed = 0;
    for (size_t i = 0; i < lab->ntests; i++)
        failed += out[i].ran && !out[i].passed;
    free(out);
    free(build_log);
    return failed != 0;
}
