/*
 * run.c - starting the student's programs, bounding them in time, and
 * collecting what they did.  Runs inside the test process (Check's fork).
 *
 * How the pieces fit:
 * - The test process blocks SIGCHLD and waits for it with sigtimedwait(),
 *   so every wait has a deadline and nothing sleeps on a guess.
 * - It is a child subreaper (prctl): children a student program leaves
 *   behind are re-parented to it, which is how an unreaped child is seen.
 * - Every program it starts leads a process group of its own (setpgid in
 *   both the child and the parent, so there is no window): at its time
 *   limit one kill(-pid) ends the program and everything it forked, a
 *   fork loop included.  Check's kill of the test's process group after
 *   the test therefore misses them; the runner ends them before it cleans
 *   up: main.c's sweep (every process of the student's, in a box or as
 *   root), then h_cleanup (cleanup.c) kills each started program's group
 *   (the pids in io/pids) and every process working in the test's
 *   directory.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 512
#define MAX_ARGS 64
#define OUTPUT_CAP (16u << 20) /* bytes of stdout/stderr kept per program */

static struct h_proc *procs[MAX_PROCS];
static bool stuck_shown[MAX_PROCS]; /* its diagnosis is in a message */
static int nprocs;
static int nstarted;  /* numbers the io files */
static bool in_test;  /* this is a test's process, not the runner */
static pid_t awaited; /* see h_gave_up_on */

/* ---- time ---- */

double h_scale(double secs)
{
    const char *m = getenv("CK_TIMEOUT_MULTIPLIER");
    double k = m != NULL ? strtod(m, NULL) : 1.0;
    return secs * (k > 0 ? k : 1.0);
}

/*
 * At a time limit, once: more time for programs that are slow, not stuck,
 * because others have the CPUs (a busy machine, many gradings at once);
 * 0 for none.  root is the program waited for (0: any of the test's), limit
 * the limit and ran the seconds they have had.
 * - Ready to run, and not one of them got a CPU in 50 ms: the limit again.
 *   The kernel adds a wait for a CPU only when it ends, so a program
 *   starved since it started shows no wait at all.  So is one asleep in
 *   the kernel uninterruptibly (state D: exiting, waiting for the kernel's
 *   own workers, which a busy machine starves too).
 * - Waited for a CPU a quarter of the time or more, and got less than half
 *   a CPU in all: the time they waited, at most the limit.  Two spinners
 *   pinned to one CPU wait just as long, for each other, but get a whole
 *   CPU between them: caught at the limit.
 * On an idle machine nobody waits, and a hang is caught at the limit.
 */
static double more_time(pid_t root, double limit, double ran)
{
    double used, waited;
    bool starved;
    h_tree_cpu(root, &used, &waited, &starved);
    if (starved)
        return limit;
    if (waited > 0.25 * ran && used < 0.5 * ran)
        return waited < limit ? waited : limit;
    return 0;
}

struct h_budget h_budget(double secs)
{
    double t = h_now(), limit = h_scale(secs);
    return (struct h_budget){t, limit, t + limit, false};
}

double h_budget_left(struct h_budget *b)
{
    double left = b->deadline - h_now();
    if (left > 0)
        return left;
    if (b->extended)
        return 0;
    b->extended = true;
    double more = more_time(0, b->limit, h_now() - b->start);
    if (more <= 0)
        return 0;
    b->deadline = h_now() + more;
    return more;
}

/* Wait for a SIGCHLD until deadline; false once the deadline has passed. */
static bool await_sigchld(double deadline)
{
    double left = deadline - h_now();
    if (left <= 0)
        return false;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    struct timespec ts = {(time_t)left,
                          (long)((left - (double)(time_t)left) * 1e9)};
    if (sigtimedwait(&set, NULL, &ts) == -1 && errno != EAGAIN &&
        errno != EINTR)
        h_fail("harness: sigtimedwait: %s", strerror(errno));
    return true;
}

/* ---- set-up inside the test process (a Check checked fixture) ---- */

void h_child_setup(void)
{
    in_test = true;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        h_fail("harness: sigprocmask: %s", strerror(errno));
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
        h_fail("harness: prctl subreaper: %s", strerror(errno));
    /* As root, the test itself becomes the box's uid (KIT_BOX_UID) before
     * it starts anything: the files it makes are the programs' own, the
     * programs run as that uid, and nothing of the test runs as root
     * while student code lives.  Undumpable, so those programs cannot
     * trace it or read its descriptors (Check's result pipe). */
    const char *u = getenv("KIT_BOX_UID");
    if (u != NULL && *u && geteuid() == 0) {
        uid_t uid = (uid_t)strtoul(u, NULL, 10);
        if (setgroups(0, NULL) == -1 || setgid((gid_t)uid) == -1 ||
            setuid(uid) == -1)
            h_fail("harness: cannot become uid %lu: %s", (unsigned long)uid,
                   strerror(errno));
    }
    if (prctl(PR_SET_DUMPABLE, 0) == -1)
        h_fail("harness: prctl PR_SET_DUMPABLE: %s", strerror(errno));
    if (chdir(h_workdir()) == -1)
        h_fail("harness: chdir %s: %s", h_workdir(), strerror(errno));
}

/* ---- starting ---- */

static bool known(pid_t pid)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i]->pid == pid)
            return true;
    return false;
}

bool h_in_test(void)
{
    return in_test;
}

const char *h_cmd_of(pid_t pid)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i]->pid == pid && !procs[i]->done)
            return procs[i]->cmd;
    return NULL;
}

const struct h_proc *h_stuck_unshown(void)
{
    const struct h_proc *last = NULL;
    for (int i = 0; i < nprocs; i++)
        if (procs[i]->stuck != NULL && !stuck_shown[i]) {
            last = procs[i];
            stuck_shown[i] = true;
        }
    return last;
}

/* The last line of the file at path (at most n - 1 bytes of it), quoted;
 * "" if the file is empty or missing. */
static const char *last_line(const char *path, char *buf, size_t n)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return buf;
    char tail[400];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from =
        size > (off_t)sizeof tail - 1 ? size - (off_t)sizeof tail + 1 : 0;
    ssize_t r = pread(fd, tail, sizeof tail - 1, from);
    close(fd);
    if (r <= 0)
        return buf;
    size_t len = (size_t)r;
    while (len > 0 && tail[len - 1] == '\n')
        len--;
    size_t start = len;
    while (start > 0 && tail[start - 1] != '\n')
        start--;
    snprintf(buf, n, "%s", h_quote(tail + start, len - start));
    return buf;
}

/* How p ended, in a few words: "exit 1", "killed by SEGV". */
static void ended_words(const struct h_proc *p, char *how, size_t n)
{
    if (!p->done)
        snprintf(how, n, "still running");
    else if (p->timed_out)
        snprintf(how, n, "killed at its time limit");
    else if (WIFEXITED(p->status))
        snprintf(how, n, "exit %d", WEXITSTATUS(p->status));
    else if (WIFSIGNALED(p->status))
        snprintf(how, n, "killed by %s",
                 sigabbrev_np(WTERMSIG(p->status)) != NULL
                     ? sigabbrev_np(WTERMSIG(p->status))
                     : "a signal");
    else
        snprintf(how, n, "status 0x%x", p->status);
}

/* Said already: the message (already) holds p's command and its last
 * stderr line (err, without the quotes last_line puts around it). */
static bool said_already(const struct h_proc *p, const char *err,
                         const char *already)
{
    char inner[200];
    size_t il = strlen(err);
    snprintf(inner, sizeof inner, "%.*s", il >= 2 ? (int)il - 2 : 0, err + 1);
    return strstr(already, p->cmd) != NULL &&
           (inner[0] == '\0' || strstr(already, inner) != NULL);
}

size_t h_evidence(char *buf, size_t room, const char *already)
{
    buf[0] = '\0';
    if (nprocs == 0 || room < 200)
        return 0;
    size_t used = 0;
    int quiet = 0, cut = 0;
    /* The programs that failed or said something first: that is where
     * the cause is; quiet successes are only counted, and so are the
     * loud ones there is no room for. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nprocs; i++) {
            const struct h_proc *p = procs[i];
            bool ok = p->done && !p->timed_out && WIFEXITED(p->status) &&
                      WEXITSTATUS(p->status) == 0;
            char err[200];
            last_line(p->err_path, err, sizeof err);
            bool loud = !ok || err[0] != '\0';
            if ((pass == 0) != loud)
                continue;
            if (pass == 0 && said_already(p, err, already))
                continue;
            if (pass == 1) {
                quiet++;
                continue;
            }
            char how[120];
            ended_words(p, how, sizeof how);
            char line[600];
            int n = snprintf(line, sizeof line, "\n    %s: %s%s%s", p->cmd, how,
                             err[0] ? "; stderr ends " : "", err);
            if (cut > 0 || n < 0 || used + (size_t)n + 130 >= room) {
                cut++;
                continue;
            }
            memcpy(buf + used, line, (size_t)n + 1);
            used += (size_t)n;
        }
    if (used > 0 && cut > 0)
        used += (size_t)snprintf(buf + used, room - used,
                                 "\n    (and %d more not shown for room: "
                                 "see the test's files)",
                                 cut);
    if (used > 0 && quiet > 0)
        used += (size_t)snprintf(buf + used, room - used,
                                 "\n    (and %d more that exited 0 and said "
                                 "nothing on stderr)",
                                 quiet);
    return used;
}

pid_t h_gave_up_on(void)
{
    return awaited;
}

void h_moved_on(void)
{
    awaited = 0;
}

void h_stuck_mark(const struct h_proc *p)
{
    for (int i = 0; i < nprocs; i++)
        if (procs[i] == p)
            stuck_shown[i] = true;
}

/* Record every pid we start, for the runner's clean-up of IPC objects. */
static void note_pid(pid_t pid)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pids", h_iodir());
    FILE *f = fopen(path, "a");
    if (f != NULL) {
        fprintf(f, "%ld\n", (long)pid);
        fclose(f);
    }
}

void h_close_from(int fd)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)fd, ~0U, 0U) == 0)
        return;
#endif
    for (; fd < 1024; fd++) /* an older kernel: the descriptors a test uses */
        close(fd);
}

/* In the child: stdin from in_path (/dev/null if none), stdout and stderr
 * into p's files; nothing else of the test process stays open. */
static void child_stdio(const char *in_path, const struct h_proc *p)
{
    int in = open(in_path != NULL ? in_path : "/dev/null", O_RDONLY);
    int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in == -1 || out == -1 || err == -1 || dup2(in, 0) == -1 ||
        dup2(out, 1) == -1 || dup2(err, 2) == -1)
        _exit(126);
    /* Nothing of the test process (Check's result pipe above all) may leak
     * into the student's program. */
    h_close_from(3);
}

/* Bounds on what one program may consume: output and files (stdout
 * and stderr are files too), CPU, core dumps, memory, processes.  as_mb
 * is the address space (0: none, which AddressSanitizer builds need for
 * their shadow memory); nproc binds the box's own uid. */
static void child_limits(long as_mb, bool nproc_limit)
{
    struct rlimit fsize = {64u << 20, 64u << 20};
    struct rlimit core = {0, 0};
    struct rlimit cpu = {60, 60};
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_CORE, &core);
    setrlimit(RLIMIT_CPU, &cpu);
    if (as_mb > 0) {
        struct rlimit as = {(rlim_t)as_mb << 20, (rlim_t)as_mb << 20};
        setrlimit(RLIMIT_AS, &as);
    }
    /* RLIMIT_NPROC binds a uid that is not root: a fork loop stops here,
     * or first at the box's pids cgroup.  As root the box's uid is its own
     * (KIT_BOX_UID), so the limit is this box's alone. */
    struct rlimit nproc = {1024, 1024};
    if (nproc_limit)
        setrlimit(RLIMIT_NPROC, &nproc);
}

/* Everything the child needs, made by the parent before vfork(): the
 * child shares the parent's memory until it execs, so it must neither
 * allocate nor write anything of the parent's. */
struct spawn {
    const char *path, *in_path, *cwd;
    const char *const *argv; /* the program's, or the checker's */
    char *env[16 + 32];      /* a clean, fixed environment */
    char kv[4][512];
    const char *wargv[MAX_ARGS * 2];
    char words[1024];
    bool wrapped;
    long as_mb;
    bool nproc_limit;
};

/* A clean, fixed environment: nothing of the grader's (its paths, its
 * variables) reaches the program; only what the checkers it may run
 * under need, and what the test gives (o->env). */
static void spawn_environ(struct spawn *sp, const struct h_opts *o)
{
    size_t ne = 0;
    for (const char *const *e = o != NULL ? o->env : NULL;
         e != NULL && *e && ne < 32; e++)
        sp->env[ne++] = (char *)*e;
    static const char *fixed[] = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                  "LC_ALL=C", "TZ=UTC", "HOME=/tmp"};
    static const char *keep[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS",
                                 "LSAN_OPTIONS", "CK_TIMEOUT_MULTIPLIER"};
    for (size_t k = 0; k < 8; k++) {
        const char *entry = k < 4 ? fixed[k] : NULL;
        if (k >= 4) {
            const char *v = getenv(keep[k - 4]);
            if (v == NULL)
                continue;
            snprintf(sp->kv[k - 4], sizeof sp->kv[0], "%s=%s", keep[k - 4], v);
            entry = sp->kv[k - 4];
        }
        /* What the test gives wins (a PATH without more, say). */
        size_t nl = strcspn(entry, "=");
        bool given = false;
        for (size_t i = 0; i < ne && !given; i++)
            given = strncmp(sp->env[i], entry, nl + 1) == 0;
        if (!given)
            sp->env[ne++] = (char *)entry;
    }
    sp->env[ne] = NULL;
}

/* KIT_WRAP (e.g. "valgrind -q --error-exitcode=97") runs every program
 * under a checker; the program still sees its own argv. */
static void spawn_wrap(struct spawn *sp, const char *wrap,
                       const char *const argv[])
{
    size_t w = 0;
    snprintf(sp->words, sizeof sp->words, "%s", wrap);
    char *save = NULL;
    for (char *t = strtok_r(sp->words, " ", &save); t != NULL && w < MAX_ARGS;
         t = strtok_r(NULL, " ", &save))
        sp->wargv[w++] = t;
    sp->wargv[w++] = sp->path;
    for (size_t i = 1; argv[i] != NULL && w < MAX_ARGS * 2 - 1; i++)
        sp->wargv[w++] = argv[i];
    sp->wargv[w] = NULL;
    sp->argv = sp->wargv;
    sp->wrapped = true;
}

static void spawn_prepare(struct spawn *sp, const struct h_opts *o,
                          const char *path, const char *const argv[],
                          const char *in_path)
{
    memset(sp, 0, sizeof *sp);
    sp->path = path;
    sp->in_path = in_path;
    sp->argv = argv;
    sp->cwd = o != NULL && o->cwd != NULL ? o->cwd : h_workdir();
    const char *as_mb = getenv("KIT_AS_LIMIT_MB");
    sp->as_mb = as_mb != NULL && *as_mb ? strtol(as_mb, NULL, 10) : 4096;
    const char *boxuid = getenv("KIT_BOX_UID");
    sp->nproc_limit = boxuid != NULL && *boxuid;
    spawn_environ(sp, o);
    const char *wrap = getenv("KIT_WRAP");
    if (wrap != NULL && *wrap)
        spawn_wrap(sp, wrap, argv);
}
/* In the child, between vfork() and exec: every signal is blocked (the
 * parent's handlers must never run here, on the parent's memory); the
 * handlers go back to their defaults before the mask opens.  Then stdio,
 * limits and the working directory, and exec. */
static _Noreturn void exec_child(const struct spawn *sp, const struct h_proc *p)
{
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_IGN &&
            sa.sa_handler != SIG_DFL) {
            sa.sa_handler = SIG_DFL;
            sa.sa_flags = 0;
            sigaction(sig, &sa, NULL);
        }
    }
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    /* A process group of its own (the parent sets it too, so there is no
     * window): at its time limit the program and everything it forked go
     * with one kill(-pid), which also stops a fork loop in its tracks. */
    setpgid(0, 0);
    child_stdio(sp->in_path, p);
    child_limits(sp->as_mb, sp->nproc_limit);
    if (chdir(sp->cwd) == -1) {
        dprintf(2, "harness: chdir %s: %s\n", sp->cwd, strerror(errno));
        _exit(126);
    }
    if (sp->wrapped)
        execvpe(sp->argv[0], (char *const *)sp->argv, sp->env);
    else
        execve(sp->path, (char *const *)sp->argv, sp->env);
    dprintf(2, "harness: exec %s: %s\n", sp->argv[0], strerror(errno));
    _exit(127);
}

const char *h_prog(const char *name)
{
    if (name[0] == '/')
        return name;
    const char *dir = getenv("KIT_PROG_DIR");
    if (dir == NULL)
        h_fail("harness: KIT_PROG_DIR is not set (run through make grade)");
    static char ring[8][4200];
    static int next;
    char *buf = ring[next++ % 8];
    snprintf(buf, sizeof ring[0], "%s/%s", dir, name);
    if (access(buf, X_OK) == -1)
        h_fail("program %s was not built (%s: %s); see the compiler's "
               "messages above",
               name, buf, strerror(errno));
    return buf;
}

/* argv for exec: argv[0] the program's plain name, as a shell would pass
 * it, then argv_in; and p->cmd, the command line as the report shows it. */
static void make_argv(struct h_proc *p, const char *prog,
                      const char *const argv_in[], const char *argv[])
{
    const char *slash = strrchr(prog, '/');
    argv[0] = slash != NULL ? slash + 1 : prog;
    size_t n = 0;
    size_t used = (size_t)snprintf(p->cmd, sizeof p->cmd, "./%s", argv[0]);
    for (; argv_in != NULL && argv_in[n] != NULL; n++) {
        if (n == MAX_ARGS)
            h_fail("harness: too many arguments");
        argv[n + 1] = argv_in[n];
        if (used < sizeof p->cmd) {
            bool plain =
                strlen(argv_in[n]) > 0 &&
                strspn(argv_in[n], "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_./=:,+") == strlen(argv_in[n]);
            used += (size_t)snprintf(p->cmd + used, sizeof p->cmd - used,
                                     plain ? " %.60s" : " '%.60s'", argv_in[n]);
        }
    }
    argv[n + 1] = NULL;
    if (used >= sizeof p->cmd)
        strcpy(p->cmd + sizeof p->cmd - 5, "...");
}

/* io/N-PROG.out and .err: the files say which program wrote them, and in
 * what order the test started it.  The test's stdin for it, if it gives
 * one, is written to io/N-PROG.in, into in_path (n bytes); returns that
 * path, or NULL. */
static const char *io_files(struct h_proc *p, const struct h_opts *o,
                            const char *name, char *in_path, size_t n)
{
    int id = ++nstarted;
    snprintf(p->out_path, sizeof p->out_path, "%s/%d-%.64s.out", h_iodir(), id,
             name);
    snprintf(p->err_path, sizeof p->err_path, "%s/%d-%.64s.err", h_iodir(), id,
             name);
    if (o == NULL || o->in == NULL)
        return NULL;
    snprintf(in_path, n, "%s/%d-%.64s.in", h_iodir(), id, name);
    h_write_file(in_path, o->in, o->in_len ? o->in_len : strlen(o->in));
    return in_path;
}

struct h_proc *h_startv(const struct h_opts *o, const char *prog,
                        const char *const argv_in[])
{
    h_moved_on();
    if (nprocs == MAX_PROCS)
        h_fail("harness: too many programs started in one test");
    const char *path = h_prog(prog);
    struct h_proc *p = calloc(1, sizeof *p);
    if (p == NULL)
        h_fail("harness: out of memory");
    const char *argv[MAX_ARGS + 2];
    make_argv(p, prog, argv_in, argv);
    char in_path[4200];
    const char *in = io_files(p, o, argv[0], in_path, sizeof in_path);

    /* vfork: no copy of the test's page tables for a process that
     * execs at once (a fork costs 1-3 ms on a virtual machine, and a
     * grading starts a thousand programs). */
    static struct spawn sp;
    spawn_prepare(&sp, o, path, argv, in);
    sigset_t all, old;
    sigfillset(&all);
    fflush(NULL);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork();
    if (pid == 0)
        exec_child(&sp, p);
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid == -1)
        h_fail("harness: fork: %s", strerror(e));
    (void)setpgid(pid, pid); /* EACCES once it has exec'd: it did it */
    p->pid = pid;
    p->secs = h_now(); /* start time until it ends */
    procs[nprocs++] = p;
    note_pid(pid);
    return p;
}

#define COLLECT_ARGS(first, argv)                                              \
    const char *argv[MAX_ARGS + 1];                                            \
    do {                                                                       \
        va_list ap;                                                            \
        va_start(ap, first);                                                   \
        size_t i = 0;                                                          \
        const char *a;                                                         \
        while ((a = va_arg(ap, const char *)) != NULL) {                       \
            if (i == MAX_ARGS)                                                 \
                h_fail("harness: too many arguments");                         \
            argv[i++] = a;                                                     \
        }                                                                      \
        argv[i] = NULL;                                                        \
        va_end(ap);                                                            \
    } while (0)

struct h_proc *h_start(const struct h_opts *o, const char *prog, ...)
{
    COLLECT_ARGS(prog, argv);
    return h_startv(o, prog, argv);
}

/* ---- waiting ---- */

/* Children of this process that the harness did not start: orphans. */
static int list_strangers(pid_t *out, int max)
{
    int n = 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/task", (long)getpid());
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char cpath[320];
        snprintf(cpath, sizeof cpath, "%s/%s/children", path, e->d_name);
        FILE *f = fopen(cpath, "r");
        if (f == NULL)
            continue;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1)
            if (!known((pid_t)pid) && n < max)
                out[n++] = (pid_t)pid;
        fclose(f);
    }
    closedir(d);
    return n;
}

/*
 * Reap the strangers (orphans left by p), waiting for them until deadline
 * and killing them after it; before the first kill, p->stuck says where
 * they were stuck (unless it says already where p was).  Returns how
 * many there were.
 */
static int reap_strangers(struct h_proc *p, double deadline)
{
    int count = 0;
    for (;;) {
        pid_t pids[256];
        int n = list_strangers(pids, 256);
        if (n == 0)
            break;
        bool late = h_now() >= deadline;
        bool alive = false;
        for (int i = 0; i < n && late && p->stuck == NULL; i++)
            alive = alive || h_proc_state(pids[i]) != 'Z';
        if (alive)
            p->stuck = h_diag_stuck_for(p->pid);
        bool any = false;
        for (int i = 0; i < n; i++) {
            int st;
            if (late) {
                /* Its whole group at once, unless that is ours. */
                pid_t g = getpgid(pids[i]);
                if (g > 0 && g != getpgrp())
                    kill(-g, SIGKILL);
                kill(pids[i], SIGKILL);
            }
            if (waitpid(pids[i], &st, late ? 0 : WNOHANG) == pids[i]) {
                count++;
                any = true;
            }
        }
        if (!any && !late)
            await_sigchld(deadline);
    }
    return count;
}

static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        return strdup("");
    char *buf = malloc(OUTPUT_CAP + 1);
    if (buf == NULL)
        h_fail("harness: out of memory");
    size_t have = 0;
    while (have < OUTPUT_CAP) {
        ssize_t r = read(fd, buf + have, OUTPUT_CAP - have);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    buf[have] = '\0';
    *len = have;
    return buf;
}

static void finish(struct h_proc *p, int status)
{
    p->done = true;
    p->status = status;
    p->secs = h_now() - p->secs;
}

bool h_wait(struct h_proc *p, double timeout)
{
    h_moved_on();
    if (p->done)
        return !p->timed_out;
    double limit = h_scale(timeout > 0 ? timeout : H_TIMEOUT);
    double deadline = h_now() + limit;
    bool extended = false;
    for (;;) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            finish(p, st);
            break;
        }
        if (r == -1)
            h_fail("harness: waitpid %ld: %s", (long)p->pid, strerror(errno));
        if (!await_sigchld(deadline)) {
            if (!extended) {
                extended = true;
                double more = more_time(p->pid, limit, h_now() - p->secs);
                if (more > 0) {
                    deadline = h_now() + more;
                    continue;
                }
            }
            p->timed_out = true;
            double ran = h_now() - p->secs;
            /* Before the kill: what it (and the rest) waited for. */
            p->stuck = h_diag_stuck_for(p->pid);
            kill(-p->pid, SIGKILL);
            kill(p->pid, SIGKILL);
            if (waitpid(p->pid, &st, 0) == p->pid)
                finish(p, st);
            p->secs = ran; /* the time limit, not the diagnosis's time */
            break;
        }
    }
    /* Its children are ours now: count them, let them finish (their
     * output belongs to the run), and kill them at the deadline. */
    p->orphans = reap_strangers(p, p->timed_out ? h_now() : deadline);
    p->out = slurp(p->out_path, &p->out_len);
    p->err = slurp(p->err_path, &p->err_len);
    return !p->timed_out;
}

struct h_proc *h_runv(const struct h_opts *o, const char *prog,
                      const char *const argv[])
{
    struct h_proc *p = h_startv(o, prog, argv);
    h_wait(p, o != NULL ? o->timeout : 0);
    return p;
}

struct h_proc *h_run(const struct h_opts *o, const char *prog, ...)
{
    COLLECT_ARGS(prog, argv);
    return h_runv(o, prog, argv);
}

struct h_proc *h_start_ready(const struct h_opts *o, const char *ready,
                             const char *prog, ...)
{
    COLLECT_ARGS(prog, argv);
    h_setup_begin();
    struct h_proc *s = h_startv(o, prog, argv);
    if (!h_await_stdout(s, ready, 0)) {
        h_wait(s, 0.1);
        size_t n = strcspn(ready, "\n");
        h_fail("%s never printed \"%.*s\" on stdout (a line, flushed), so "
               "the test could not start it: %s\n  stdout: %s\n"
               "  stderr: %s\n  command: %s",
               s->cmd, (int)n, ready, h_how_ended(s),
               h_quote(s->out, s->out_len), h_quote(s->err, s->err_len),
               s->cmd);
    }
    h_setup_end();
    return s;
}

void h_kill(struct h_proc *p, int sig)
{
    h_moved_on();
    if (!p->done)
        kill(p->pid, sig);
}

/* True once p has exited (reaping it, so h_wait sees it done). */
static bool exited(struct h_proc *p)
{
    if (p->done)
        return true;
    int st;
    if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
        finish(p, st);
        p->out = slurp(p->out_path, &p->out_len);
        p->err = slurp(p->err_path, &p->err_len);
        return true;
    }
    return false;
}

/*
 * Wait on an inotify descriptor until deadline, or until a child exits;
 * false when the deadline passed.  A program that exits without writing
 * what the test waits for changes no file again: without the SIGCHLD
 * (blocked in the test, read here from a signalfd) the wait would last
 * to the deadline.
 */
static bool await_inotify(int fd, double deadline)
{
    static int sfd = -1;
    if (sfd == -1) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGCHLD);
        sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd == -1)
            h_fail("harness: signalfd: %s", strerror(errno));
    }
    double left = deadline - h_now();
    if (left <= 0)
        return false;
    struct pollfd pfd[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    int r = poll(pfd, 2, (int)(left * 1000) + 1);
    if (r == -1 && errno != EINTR)
        h_fail("harness: poll: %s", strerror(errno));
    char buf[4096];
    if (r > 0 && (pfd[0].revents & POLLIN))
        (void)!read(fd, buf, sizeof buf);
    if (r > 0 && (pfd[1].revents & POLLIN))
        (void)!read(sfd, buf, sizeof buf);
    return true;
}

bool h_await_stdout(struct h_proc *p, const char *text, double timeout)
{
    double start = h_now(), limit = h_scale(timeout > 0 ? timeout : H_TIMEOUT);
    double deadline = start + limit;
    bool extended = false;
    /* A watch on the io directory reports the file's creation and every
     * write to it, so we read it again only when something changed. */
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd == -1)
        h_fail("harness: inotify_init1: %s", strerror(errno));
    if (inotify_add_watch(fd, h_iodir(),
                          IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE) == -1)
        h_fail("harness: inotify_add_watch: %s", strerror(errno));
    bool found = false, gone;
    for (;;) {
        gone = exited(p); /* checked before reading: no lost output */
        size_t len;
        char *out = slurp(p->out_path, &len);
        found = strstr(out, text) != NULL;
        free(out);
        if (found || gone)
            break;
        if (!await_inotify(fd, deadline)) {
            double more =
                extended ? 0 : more_time(p->pid, limit, h_now() - start);
            extended = true;
            if (more <= 0)
                break;
            deadline = h_now() + more;
        }
    }
    close(fd);
    /* Gave up while it still runs: a failure now is a hang of p's. */
    awaited = found || gone ? 0 : p->pid;
    return found;
}

bool h_await_path(const char *path, double timeout)
{
    h_moved_on();
    double start = h_now(), limit = h_scale(timeout > 0 ? timeout : H_TIMEOUT);
    double deadline = start + limit;
    bool extended = false;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = inotify_init1(IN_CLOEXEC);
    if (fd == -1)
        h_fail("harness: inotify_init1: %s", strerror(errno));
    if (inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) == -1)
        h_fail("harness: inotify_add_watch %s: %s", dir, strerror(errno));
    bool found;
    while (!(found = access(path, F_OK) == 0)) {
        if (await_inotify(fd, deadline))
            continue;
        double more = extended ? 0 : more_time(0, limit, h_now() - start);
        extended = true;
        if (more <= 0)
            break;
        deadline = h_now() + more;
    }
    close(fd);
    return found;
}
