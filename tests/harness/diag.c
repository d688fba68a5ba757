/*
 * diag.c - why a program hangs, told from the kernel's state.
 *
 * When a program is still running at its time limit, or a test fails
 * while programs still run, the report says for every live descendant of
 * the test process: the system call it is blocked in (/proc/PID/syscall),
 * with its arguments decoded (which pipe, FIFO, queue, semaphore or futex
 * word), the source line it waits at (eu-stack, when it is installed),
 * and why it cannot go on: who holds the other end, which child it waits
 * for, whether processes wait for each other.  A student learns more from
 * "blocked in read() on a pipe whose write end it still holds itself"
 * than from "it hung".
 *
 * Everything here is best effort: what cannot be found out is left out,
 * never a reason to fail, and nothing here calls h_fail.  Only eu-stack
 * touches the processes: it stops each for a moment, after which a
 * blocked semop or sigtimedwait may return EINTR.  That is harmless
 * here: the diagnosis is made only when a program is past its time
 * limit or the test is failing, and either way the test has failed.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DESC 48   /* descendants looked at */
#define MAX_FDS 2048  /* open descriptors looked at, all processes */
#define MAX_WAKERS 8  /* processes that could wake one */
#define TEXT_CAP 4000 /* bytes of diagnosis, at most */
#define WIDTH 76      /* columns, before the report's own indent */
#define MQUEUE_MAGIC 0x19800202

/* ---- small text helpers ---- */

/* Append to a NUL-terminated buffer of size n, cutting what does not fit. */
static void cat(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strnlen(buf, n);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}
#define CAT(buf, ...) cat(buf, sizeof(buf), __VA_ARGS__)

/* A growing text; on out of memory it just stops growing. */
struct text {
    char *s;
    size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->s, cap);
        if (p == NULL)
            return;
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* Append s as lines of at most WIDTH columns: the first indented by
 * first spaces, the others by rest. */
static void wrap(struct text *t, const char *s, int first, int rest)
{
    int indent = first;
    while (*s) {
        static const char spaces[] = "                ";
        put(t, spaces, (size_t)indent);
        size_t room = WIDTH > indent ? (size_t)(WIDTH - indent) : 20;
        size_t n = strcspn(s, "\n");
        if (n > room) {
            size_t cut = room;
            while (cut > 0 && s[cut] != ' ')
                cut--;
            n = cut > 0 ? cut : n; /* a word longer than a line stays */
        }
        size_t shown = n;
        while (shown > 0 && s[shown - 1] == ' ')
            shown--;
        put(t, s, shown);
        put(t, "\n", 1);
        s += n;
        while (*s == ' ' || *s == '\n')
            s++;
        indent = rest;
    }
}

/* What a student's program controls (its name, its paths) may hold any
 * byte: control bytes become '?', so the report stays plain text. */
static void clean(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 32 || *s == 127)
            *s = '?';
}

/* Read a small file whole; -1 if it cannot be read. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1)
        return -1;
    size_t have = 0;
    while (have + 1 < size) {
        ssize_t r = read(fd, buf + have, size - 1 - have);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    buf[have] = '\0';
    return (ssize_t)have;
}

/* Read a file of any size up to max bytes, malloc'd; NULL on failure. */
static char *read_big(const char *path, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd == -1)
        return NULL;
    size_t cap = 8192, have = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL && have < max) {
        if (have == cap) {
            char *p = realloc(buf, cap * 2 + 1);
            if (p == NULL)
                break;
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + have, cap - have);
        if (r == -1 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        have += (size_t)r;
    }
    close(fd);
    if (buf != NULL)
        buf[have] = '\0';
    return buf;
}

/* Copy len bytes at addr in process pid (same uid, and we are its
 * ancestor, so the kernel allows it); false if not all could be read. */
static bool peek(pid_t pid, unsigned long addr, void *buf, size_t len)
{
    struct iovec local = {buf, len};
    struct iovec remote = {(void *)(uintptr_t)addr, len};
    return addr != 0 &&
           process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* A NUL-terminated string at addr in pid, read page by page (it may end
 * just before an unmapped page). */
static bool peek_string(pid_t pid, unsigned long addr, char *buf, size_t size)
{
    size_t have = 0;
    unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    buf[0] = '\0';
    while (addr != 0 && have + 1 < size) {
        size_t n = page - (addr + have) % page;
        if (n > size - 1 - have)
            n = size - 1 - have;
        if (!peek(pid, addr + have, buf + have, n))
            break;
        buf[have + n] = '\0';
        if (memchr(buf + have, '\0', n) != NULL)
            return true;
        have += n;
    }
    buf[have] = '\0';
    return have > 0;
}

/* ---- what the kernel says about the processes ---- */

/* One process of /proc. */
struct pent {
    pid_t pid, ppid, pgid;
    char state;
    char comm[32];
    double cpu;      /* seconds used */
    double cpu_dead; /* seconds used by the children it reaped */
};

/* One open descriptor of a process we look at (or of the test itself). */
struct fdent {
    int who; /* index into the described processes; -1: the test */
    int fd;
    dev_t dev;
    ino_t ino;
    mode_t mode;
    int acc;        /* O_RDONLY, O_WRONLY, O_RDWR; -1 unknown */
    char link[200]; /* readlink of /proc/PID/fd/N */
};

/* A live descendant and what is said about it. */
struct desc {
    struct pent e;
    const char *cmd; /* the harness's command line, if it started it */
    bool in_call;    /* blocked in a system call */
    bool running;    /* on a CPU or ready to run, not in a call */
    bool starved;    /* ready to run, but got no CPU while watched */
    long nr;
    unsigned long a[6];
    char sysline[200]; /* /proc/PID/syscall as read: the cache's key */
    char wchan[64];
    const char *callname;   /* "read", or NULL */
    char call[300];         /* "read() on fd 3 (the read end of a pipe)" */
    char why[1000];         /* the reason, in sentences */
    char where[200];        /* "at fifos.c:57 in serve()" */
    char cpus[32];          /* Cpus_allowed_list, read if it is running */
    int wakers[MAX_WAKERS]; /* who could wake it (indexes) */
    int nwakers;
    bool known; /* every process that could wake it is listed */
    bool self;  /* it holds itself what would wake it */
    int rank;
    int idx; /* its index in the table, kept through sorting */
};

struct ctx {
    pid_t self;
    pid_t focus; /* the process the test waited for, or 0 */
    struct pent *all;
    size_t nall;
    struct desc *d;
    int nd, more; /* described, and left out beyond MAX_DESC */
    struct fdent *fds;
    int nfds;
    char *net_unix; /* /proc/net/unix, read when first needed */
    bool net_read;
    /* The diagnosis runs before the kill, beside whatever the programs
     * do: a fork loop of a thousand runnable processes leaves this one a
     * sliver of the CPU.  Past this time (1.5 s, scaled) it stops looking
     * and says so, rather than hold up the kill. */
    double until;
    bool busy;
};

static bool read_stat(pid_t pid, struct pent *e)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (read_small(path, buf, sizeof buf) <= 0)
        return false;
    /* The name is in parentheses and may hold anything: the fields after
     * it start after the last ')'. */
    char *open_p = strchr(buf, '('), *close_p = strrchr(buf, ')');
    if (open_p == NULL || close_p == NULL || close_p < open_p ||
        close_p[1] != ' ')
        return false;
    size_t n = (size_t)(close_p - open_p - 1);
    if (n >= sizeof e->comm)
        n = sizeof e->comm - 1;
    memcpy(e->comm, open_p + 1, n);
    e->comm[n] = '\0';
    clean(e->comm);
    long ppid, pgid;
    unsigned long ut, st;
    long cut, cst;
    if (sscanf(close_p + 2,
               "%c %ld %ld %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %ld %ld",
               &e->state, &ppid, &pgid, &ut, &st, &cut, &cst) != 7)
        return false;
    e->pid = pid;
    e->ppid = (pid_t)ppid;
    e->pgid = (pid_t)pgid;
    double tck = (double)sysconf(_SC_CLK_TCK);
    e->cpu = (double)(ut + st) / tck;
    e->cpu_dead = (double)(cut + cst) / tck;
    return true;
}

/* /proc/PID/schedstat: the nanoseconds pid has run on a CPU, and the
 * nanoseconds it was ready to run but waited for one.  The kernel adds a
 * wait only when it ends: a process waiting now shows none of it yet.
 * False if the kernel does not say. */
static bool sched_ns(pid_t pid, unsigned long long *run,
                     unsigned long long *wait)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
    return read_small(path, buf, sizeof buf) > 0 &&
           sscanf(buf, "%llu %llu", run, wait) == 2;
}

/* Seconds pid has waited for a CPU (waits that ended); 0 if unknown. */
static double cpu_wait(pid_t pid)
{
    unsigned long long run, wait;
    return sched_ns(pid, &run, &wait) ? (double)wait / 1e9 : 0;
}

/* Every process of /proc (in a box, its own few; otherwise the
 * machine's). */
static void read_all(struct ctx *c)
{
    DIR *dir = opendir("/proc");
    struct dirent *de;
    size_t cap = 0;
    while (dir != NULL && (de = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        if (c->nall == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct pent *p = realloc(c->all, ncap * sizeof *p);
            if (p == NULL)
                break;
            c->all = p;
            cap = ncap;
        }
        if (read_stat((pid_t)atol(de->d_name), &c->all[c->nall]))
            c->nall++;
        if ((c->nall & 31) == 0 && h_now() > c->until) {
            c->busy = true;
            break;
        }
    }
    if (dir != NULL)
        closedir(dir);
}

static int index_of(const struct ctx *c, pid_t pid)
{
    for (int i = 0; i < c->nd; i++)
        if (c->d[i].e.pid == pid)
            return i;
    return -1;
}

static int by_pid(const void *x, const void *y)
{
    const struct pent *a = x, *b = y;
    return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* The live descendants of the test process: parent chains up to us.  A
 * child the harness will still reap (a zombie of ours) is not stuck. */
static void find_descendants(struct ctx *c)
{
    if (c->nall == 0)
        return;
    qsort(c->all, c->nall, sizeof *c->all, by_pid);
    /* 1: under us; 2: not; 0: not known yet.  Each pass settles the
     * processes whose parent is settled. */
    char *mark = calloc(c->nall, 1);
    if (mark == NULL)
        return;
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < c->nall; i++) {
            if (mark[i])
                continue;
            struct pent key = {.pid = c->all[i].ppid};
            struct pent *up =
                c->all[i].ppid == c->self
                    ? NULL
                    : bsearch(&key, c->all, c->nall, sizeof *c->all, by_pid);
            if (c->all[i].pid == c->self || c->all[i].ppid == 0)
                mark[i] = 2;
            else if (c->all[i].ppid == c->self)
                mark[i] = 1;
            else if (up == NULL)
                mark[i] = 2;
            else if (mark[up - c->all])
                mark[i] = mark[up - c->all];
            changed = changed || mark[i];
        }
    }
    for (size_t i = 0; i < c->nall; i++) {
        const struct pent *e = &c->all[i];
        if (mark[i] != 1 || (e->state == 'Z' && e->ppid == c->self) ||
            e->state == 'X')
            continue;
        if (c->nd == MAX_DESC) {
            c->more++;
            continue;
        }
        struct desc *p = &c->d[c->nd++];
        p->e = *e;
        p->cmd = h_cmd_of(e->pid);
    }
    free(mark);
}

/* The descriptors of one process (who: its index; -1 for the test). */
static void scan_fds(struct ctx *c, pid_t pid, int who)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && c->nfds < MAX_FDS) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        int fd = atoi(de->d_name);
        if (who == -1 && fd == dirfd(d))
            continue;
        struct fdent *f = &c->fds[c->nfds];
        char path[128], info[512];
        snprintf(path, sizeof path, "%s/%d", dir, fd);
        struct stat st;
        ssize_t n = readlink(path, f->link, sizeof f->link - 1);
        /* stat follows the kernel's own link to the open file, never a
         * path: it opens nothing, so it cannot block on a FIFO. */
        if (n < 0 || stat(path, &st) == -1)
            continue;
        f->link[n] = '\0';
        clean(f->link);
        f->who = who;
        f->fd = fd;
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->mode = st.st_mode;
        f->acc = -1;
        snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", (long)pid, fd);
        const char *fl = read_small(path, info, sizeof info) > 0
                             ? strstr(info, "flags:")
                             : NULL;
        if (fl != NULL)
            f->acc = (int)(strtoul(fl + 6, NULL, 8) & O_ACCMODE);
        c->nfds++;
    }
    closedir(d);
}

static const struct fdent *fd_of(const struct ctx *c, int who, int fd)
{
    for (int i = 0; i < c->nfds; i++)
        if (c->fds[i].who == who && c->fds[i].fd == fd)
            return &c->fds[i];
    return NULL;
}

/* ---- names ---- */

static const struct {
    long nr;
    const char *name;
} calls[] = {
    {SYS_read, "read"},
    {SYS_readv, "readv"},
    {SYS_write, "write"},
    {SYS_writev, "writev"},
    {SYS_openat, "openat"},
#ifdef SYS_open
    {SYS_open, "open"},
#endif
    {SYS_wait4, "wait4"},
    {SYS_waitid, "waitid"},
    {SYS_futex, "futex"},
    {SYS_msgrcv, "msgrcv"},
    {SYS_msgsnd, "msgsnd"},
#ifdef SYS_semop
    {SYS_semop, "semop"},
#endif
    {SYS_semtimedop, "semtimedop"},
    {SYS_accept, "accept"},
    {SYS_accept4, "accept4"},
    {SYS_connect, "connect"},
    {SYS_recvfrom, "recvfrom"},
    {SYS_recvmsg, "recvmsg"},
    {SYS_sendto, "sendto"},
    {SYS_sendmsg, "sendmsg"},
#ifdef SYS_poll
    {SYS_poll, "poll"},
#endif
    {SYS_ppoll, "ppoll"},
#ifdef SYS_select
    {SYS_select, "select"},
#endif
    {SYS_pselect6, "pselect6"},
#ifdef SYS_epoll_wait
    {SYS_epoll_wait, "epoll_wait"},
#endif
    {SYS_epoll_pwait, "epoll_pwait"},
#ifdef SYS_pause
    {SYS_pause, "pause"},
#endif
    {SYS_rt_sigsuspend, "rt_sigsuspend"},
    {SYS_rt_sigtimedwait, "rt_sigtimedwait"},
    {SYS_nanosleep, "nanosleep"},
    {SYS_clock_nanosleep, "clock_nanosleep"},
    {SYS_mq_timedreceive, "mq_timedreceive"},
    {SYS_mq_timedsend, "mq_timedsend"},
    {SYS_flock, "flock"},
    {SYS_fcntl, "fcntl"},
#ifdef SYS_pipe
    {SYS_pipe, "pipe"},
#endif
    {SYS_pipe2, "pipe2"},
    {SYS_close, "close"},
    {SYS_exit_group, "exit_group"},
};

static const char *call_name(long nr)
{
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (calls[i].nr == nr)
            return calls[i].name;
    return NULL;
}

static bool is(const char *name, const char *want)
{
    return name != NULL && strcmp(name, want) == 0;
}

static const char *sig_name(int sig)
{
    static const char *const names[] = {
        "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP",
        "SIGABRT", "SIGBUS",  "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
        "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
        "SIGPWR",  "SIGSYS"};
    static char buf[4][16];
    static int next;
    if (sig > 0 && sig < (int)(sizeof names / sizeof names[0]))
        return names[sig];
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "signal %d", sig);
    return b;
}

/* The signals in a mask (bit n-1 is signal n), as "SIGINT, SIGTERM". */
static void sig_list(uint64_t mask, char *out, size_t n)
{
    out[0] = '\0';
    for (int s = 1; s <= 64; s++)
        if (mask & ((uint64_t)1 << (s - 1)))
            cat(out, n, "%s%s", out[0] ? ", " : "", sig_name(s));
    if (out[0] == '\0')
        cat(out, n, "none");
}

/* A path as the student knows it: relative to the work directory. */
static const char *shown_path(const char *path)
{
    const char *w = h_workdir();
    size_t n = w != NULL ? strlen(w) : 0;
    if (n > 0 && strncmp(path, w, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

/* "./pipe eof (pid 812)", "pipe (pid 813)" or "the test" (a ring). */
static const char *name_of(const struct ctx *c, int who)
{
    static char ring[8][320];
    static int next;
    if (who < 0)
        return "the test";
    char *b = ring[next++ % 8];
    const struct desc *p = &c->d[who];
    snprintf(b, sizeof ring[0], "%s (pid %ld)", p->cmd ? p->cmd : p->e.comm,
             (long)p->e.pid);
    clean(b);
    return b;
}

/* "./pipe eof (pid 812, fd 4)" or "the test (fd 5)" (a ring). */
static const char *name_fd(const struct ctx *c, int who, int fd)
{
    static char ring[8][340];
    static int next;
    char *b = ring[next++ % 8];
    if (who < 0)
        snprintf(b, sizeof ring[0], "the test (fd %d)", fd);
    else
        snprintf(b, sizeof ring[0], "%s (pid %ld, fd %d)",
                 c->d[who].cmd ? c->d[who].cmd : c->d[who].e.comm,
                 (long)c->d[who].e.pid, fd);
    clean(b);
    return b;
}

static const char *state_words(char s)
{
    switch (s) {
    case 'R':
        return "running";
    case 'S':
        return "asleep";
    case 'D':
        return "asleep (uninterruptibly)";
    case 'T':
        return "stopped";
    case 't':
        return "stopped by a tracer";
    case 'Z':
        return "a zombie";
    case 'I':
        return "idle";
    default:
        return "in an odd state";
    }
}

static void add_waker(struct desc *p, int who)
{
    for (int i = 0; i < p->nwakers; i++)
        if (p->wakers[i] == who)
            return;
    if (p->nwakers < MAX_WAKERS)
        p->wakers[p->nwakers++] = who;
    else
        p->known = false;
}

/* What process `who` is doing, as a clause: ", blocked in wait4()". */
static const char *doing(const struct ctx *c, int who)
{
    static char ring[4][80];
    static int next;
    char *b = ring[next++ % 4];
    b[0] = '\0';
    if (who < 0)
        return b;
    const struct desc *p = &c->d[who];
    if (p->in_call && p->callname != NULL)
        snprintf(b, sizeof ring[0], ", blocked in %s()", p->callname);
    else if (p->e.state == 'Z')
        snprintf(b, sizeof ring[0], ", a zombie");
    else if (p->running)
        snprintf(b, sizeof ring[0], ", running");
    return b;
}

/* ---- sockets ---- */

/* The line of /proc/net/unix for a socket inode: its path and flags. */
static bool unix_socket(struct ctx *c, ino_t ino, char *path, size_t n,
                        bool *listening)
{
    if (!c->net_read) {
        c->net_read = true;
        c->net_unix = read_big("/proc/net/unix", 4u << 20);
    }
    path[0] = '\0';
    *listening = false;
    for (const char *l = c->net_unix; l != NULL && *l;) {
        unsigned long flags, inode;
        int at = 0;
        if (sscanf(l, "%*s %*s %*s %lx %*s %*s %lu%n", &flags, &inode, &at) ==
                2 &&
            inode == (unsigned long)ino) {
            const char *p = l + at;
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, "\n");
            snprintf(path, n, "%.*s", (int)len, p);
            clean(path);
            *listening = (flags & 0x10000) != 0; /* __SO_ACCEPTCON */
            return true;
        }
        l = strchr(l, '\n');
        l = l != NULL ? l + 1 : NULL;
    }
    return false;
}

/* The inode of the other end of a connected Unix socket, from the
 * kernel's socket diagnostics (sock_diag); 0 when it cannot be told. */
static unsigned long unix_peer(ino_t ino)
{
    int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (s == -1)
        return 0;
    struct {
        struct nlmsghdr nh;
        struct unix_diag_req r;
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = sizeof req;
    req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.nh.nlmsg_flags = NLM_F_REQUEST;
    req.r.sdiag_family = AF_UNIX;
    req.r.udiag_states = ~0u;
    req.r.udiag_ino = (__u32)ino;
    req.r.udiag_show = UDIAG_SHOW_PEER;
    req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = ~0u; /* any */
    unsigned long peer = 0;
    union {
        struct nlmsghdr nh;
        char bytes[8192];
    } buf;
    struct pollfd pfd = {s, POLLIN, 0};
    if (send(s, &req, sizeof req, 0) == (ssize_t)sizeof req &&
        poll(&pfd, 1, 200) == 1) {
        ssize_t r = recv(s, &buf, sizeof buf, MSG_DONTWAIT);
        struct nlmsghdr *h = &buf.nh;
        if (r > 0 && NLMSG_OK(h, (size_t)r) &&
            h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
            struct unix_diag_msg *m = NLMSG_DATA(h);
            int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof *m);
            struct nlattr *a = (struct nlattr *)(m + 1);
            while (len >= (int)sizeof *a && a->nla_len >= sizeof *a &&
                   a->nla_len <= len) {
                if (a->nla_type == UNIX_DIAG_PEER &&
                    a->nla_len >= NLA_HDRLEN + sizeof(__u32)) {
                    __u32 v;
                    memcpy(&v, (char *)a + NLA_HDRLEN, sizeof v);
                    peer = v;
                }
                int step = NLA_ALIGN(a->nla_len);
                len -= step;
                a = (struct nlattr *)((char *)a + step);
            }
        }
    }
    close(s);
    return peer;
}

/* ---- descriptors, in words ---- */

/* What fd of process who is: "fd 3 (the read end of a pipe)". */
static void fd_words(struct ctx *c, int who, int fd, char *out, size_t n)
{
    const struct fdent *f = fd_of(c, who, fd);
    snprintf(out, n, "fd %d", fd);
    if (f == NULL) {
        cat(out, n, " (not open)");
        return;
    }
    static const char *const how[] = {"reading", "writing",
                                      "reading and writing"};
    const char *mode = f->acc >= 0 && f->acc <= 2 ? how[f->acc] : "?";
    if (strncmp(f->link, "pipe:", 5) == 0) {
        cat(out, n, " (%s)",
            f->acc == O_RDONLY   ? "the read end of a pipe"
            : f->acc == O_WRONLY ? "the write end of a pipe"
                                 : "a pipe");
    } else if (S_ISFIFO(f->mode)) {
        cat(out, n, " (FIFO %s, open for %s)", shown_path(f->link), mode);
    } else if (S_ISSOCK(f->mode)) {
        char path[200];
        bool listening;
        if (unix_socket(c, f->ino, path, sizeof path, &listening))
            cat(out, n, " (Unix socket%s%s%s)", path[0] ? " " : "",
                shown_path(path), listening ? ", listening" : "");
        else
            cat(out, n, " (a socket)");
    } else {
        char path[128];
        struct statfs sf;
        snprintf(path, sizeof path, "/proc/%ld/fd/%d",
                 (long)(who < 0 ? getpid() : c->d[who].e.pid), fd);
        if (statfs(path, &sf) == 0 && sf.f_type == MQUEUE_MAGIC)
            cat(out, n, " (POSIX queue %s, open for %s)", f->link, mode);
        else
            cat(out, n, " (%s)", shown_path(f->link));
    }
}

/*
 * The processes (the test included) holding the object (dev, ino) open
 * for reading (want 1) or writing (want 2), but for process `not`; as
 * "X (fd 4), the test (fd 6)".  Processes among them become wakers of p.
 * Returns how many descriptors were listed.
 */
static int holders(struct ctx *c, struct desc *p, int not, dev_t dev, ino_t ino,
                   int want, char *out, size_t n)
{
    int count = 0, shown = 0;
    out[0] = '\0';
    for (int i = 0; i < c->nfds; i++) {
        const struct fdent *f = &c->fds[i];
        if (f->dev != dev || f->ino != ino || f->who == not )
            continue;
        bool rd = f->acc == O_RDONLY || f->acc == O_RDWR;
        bool wr = f->acc == O_WRONLY || f->acc == O_RDWR;
        if ((want == 1 && !rd) || (want == 2 && !wr))
            continue;
        count++;
        if (p != NULL) {
            if (f->who >= 0)
                add_waker(p, f->who);
            else
                p->known = false; /* the test might close it */
        }
        if (shown++ < 4)
            cat(out, n, "%s%s%s", shown > 1 ? "; " : "",
                name_fd(c, f->who, f->fd), doing(c, f->who));
        else if (shown == 5)
            cat(out, n, "; and more");
    }
    return count;
}

/* The fds of process who open on (dev, ino) for writing (want 2) or
 * reading (1), as "fd 4" or "fds 4, 5"; "" if none. */
static void own_fds(const struct ctx *c, int who, dev_t dev, ino_t ino,
                    int want, char *out, size_t n)
{
    int count = 0;
    out[0] = '\0';
    char list[64] = "";
    for (int i = 0; i < c->nfds; i++) {
        const struct fdent *f = &c->fds[i];
        bool rd = f->acc == O_RDONLY || f->acc == O_RDWR;
        bool wr = f->acc == O_WRONLY || f->acc == O_RDWR;
        if (f->who == who && f->dev == dev && f->ino == ino &&
            ((want == 1 && rd) || (want == 2 && wr))) {
            CAT(list, "%s%d", count ? ", " : "", f->fd);
            count++;
        }
    }
    if (count > 0)
        snprintf(out, n, "fd%s %s", count > 1 ? "s" : "", list);
}

/* ---- the reasons, call by call ---- */

/* read() on a pipe or FIFO (f): who holds a write end, itself included. */
static void why_pipe_read(struct ctx *c, int i, const struct fdent *f)
{
    struct desc *p = &c->d[i];
    char list[600], mine[64];
    p->known = true;
    own_fds(c, i, f->dev, f->ino, 2, mine, sizeof mine);
    int n = holders(c, p, i, f->dev, f->ino, 2, list, sizeof list);
    if (mine[0]) {
        p->self = true;
        CAT(p->why,
            "%s() returns end-of-file only once every write end is "
            "closed, and this process still holds one itself (%s): "
            "close the end it does not use.",
            p->callname, mine);
        if (n > 0)
            CAT(p->why, " Write ends are also held by: %s.", list);
    } else if (n > 0) {
        CAT(p->why,
            "It waits for data, or for end-of-file once every write end "
            "is closed.  Write ends are held by: %s.",
            list);
    } else {
        CAT(p->why, "No process holds a write end: it should see "
                    "end-of-file at once.");
    }
}

/* write() on a full pipe or FIFO (f): who holds a read end. */
static void why_pipe_write(struct ctx *c, int i, const struct fdent *f)
{
    struct desc *p = &c->d[i];
    char list[600], mine[64];
    p->known = true;
    own_fds(c, i, f->dev, f->ino, 1, mine, sizeof mine);
    int n = holders(c, p, i, f->dev, f->ino, 1, list, sizeof list);
    CAT(p->why,
        "The %s is full (a pipe holds 64 KiB): %s() waits until a "
        "reader takes some.",
        strncmp(f->link, "pipe:", 5) == 0 ? "pipe" : "FIFO", p->callname);
    if (n > 0)
        CAT(p->why, " Read ends are held by: %s.", list);
    if (mine[0]) {
        p->self = true;
        CAT(p->why, " This process holds a read end itself (%s)%s.", mine,
            n == 0 ? ", and nobody else does: nobody will ever read it" : "");
    } else if (n == 0) {
        CAT(p->why, " Nobody holds a read end.");
    }
}

/* Reading or writing (out) a connected socket (f): who holds its other
 * end, itself included. */
static void why_peer_io(struct ctx *c, int i, const struct fdent *f, bool out)
{
    struct desc *p = &c->d[i];
    char list[600], mine[64];
    unsigned long peer = unix_peer(f->ino);
    if (peer == 0) {
        CAT(p->why, "%s",
            out ? "Its peer does not read what it sends."
                : "It waits for its peer to send data "
                  "or to close the connection.");
        return;
    }
    p->known = true;
    mine[0] = '\0';
    for (int k = 0; k < c->nfds; k++)
        if (c->fds[k].who == i && c->fds[k].ino == peer &&
            S_ISSOCK(c->fds[k].mode) && mine[0] == '\0')
            snprintf(mine, sizeof mine, "fd %d", c->fds[k].fd);
    int n = 0;
    list[0] = '\0';
    for (int k = 0; k < c->nfds; k++) {
        const struct fdent *g = &c->fds[k];
        if (g->ino != peer || !S_ISSOCK(g->mode) || g->who == i)
            continue;
        if (g->who >= 0)
            add_waker(p, g->who);
        else
            p->known = false;
        if (n++ < 4)
            cat(list, sizeof list, "%s%s%s", n > 1 ? "; " : "",
                name_fd(c, g->who, g->fd), doing(c, g->who));
    }
    if (out)
        CAT(p->why, "The connection is full: its peer does not read.");
    else
        CAT(p->why,
            "It waits for its peer to send, or to close its "
            "end (then %s() returns 0).",
            p->callname);
    if (n > 0)
        CAT(p->why, " The other end is held by: %s.", list);
    if (mine[0]) {
        p->self = true;
        CAT(p->why, " This process holds the other end itself (%s).", mine);
    }
    if (n == 0 && mine[0] == '\0')
        CAT(p->why, " Nobody holds the other end.");
}

/* read/write (and their socket forms) on a descriptor. */
static void why_io(struct ctx *c, int i, int fd, bool out)
{
    struct desc *p = &c->d[i];
    char what[260];
    fd_words(c, i, fd, what, sizeof what);
    CAT(p->call, "%s() on %s", p->callname, what);
    const struct fdent *f = fd_of(c, i, fd);
    if (f == NULL)
        return;
    bool pipe_like = S_ISFIFO(f->mode);
    if (pipe_like && !out)
        why_pipe_read(c, i, f);
    else if (pipe_like)
        why_pipe_write(c, i, f);
    else if (S_ISSOCK(f->mode))
        why_peer_io(c, i, f, out);
    else if (strstr(what, "POSIX queue") != NULL)
        CAT(p->why, "(A POSIX queue is read with mq_receive.)");
}

/* Where the name path (open()ed relative to atfd) leads, seen from p:
 * full, through /proc, for stat; abs_path, as the student knows it. */
static void open_paths(const struct desc *p, long atfd, const char *path,
                       char *full, size_t nfull, char *abs_path, size_t nabs)
{
    if (path[0] == '/')
        snprintf(full, nfull, "%s", path);
    else if (atfd == AT_FDCWD)
        snprintf(full, nfull, "/proc/%ld/cwd/%s", (long)p->e.pid, path);
    else
        snprintf(full, nfull, "/proc/%ld/fd/%ld/%s", (long)p->e.pid, atfd,
                 path);
    char cwd[PATH_MAX] = "";
    char lnk[64];
    snprintf(lnk, sizeof lnk, "/proc/%ld/cwd", (long)p->e.pid);
    ssize_t cn = readlink(lnk, cwd, sizeof cwd - 1);
    cwd[cn > 0 ? cn : 0] = '\0';
    if (path[0] != '/' && atfd == AT_FDCWD && cwd[0])
        snprintf(abs_path, nabs, "%s/%s", cwd, path);
    else
        snprintf(abs_path, nabs, "%s", path);
}

/* Another program waiting in open() too, each perhaps for the other. */
static void open_mutual(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    for (int j = 0; j < c->nd; j++) {
        const struct desc *q = &c->d[j];
        const char *mine_prog = p->cmd ? p->cmd : p->e.comm;
        const char *its_prog = q->cmd ? q->cmd : q->e.comm;
        size_t len = strcspn(mine_prog, " ");
        if (j == i || !q->in_call ||
            !(is(q->callname, "openat") || is(q->callname, "open")) ||
            (strncmp(mine_prog, its_prog, len) == 0 &&
             strcspn(its_prog, " ") == len))
            continue; /* (the same program: each waits on its own) */
        CAT(p->why,
            " %s waits in %s() too: if each side opens the other's FIFO "
            "only after its own open returns, neither ever does (open the "
            "FIFOs in the same order on both sides).",
            name_of(c, j), q->callname);
        break;
    }
}

/* open/openat: a FIFO's open waits for the other side. */
static void why_open(struct ctx *c, int i, long atfd, unsigned long path_at,
                     long flags)
{
    struct desc *p = &c->d[i];
    char path[PATH_MAX], full[PATH_MAX + 128];
    if (!peek_string(p->e.pid, path_at, path, sizeof path)) {
        CAT(p->call, "%s()", p->callname);
        return;
    }
    clean(path);
    const char *acc = (flags & O_ACCMODE) == O_RDONLY   ? "O_RDONLY"
                      : (flags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                                        : "O_RDWR";
    char abs_path[PATH_MAX + 2];
    open_paths(p, atfd, path, full, sizeof full, abs_path, sizeof abs_path);
    struct stat st;
    bool fifo = stat(full, &st) == 0 && S_ISFIFO(st.st_mode);
    CAT(p->call, "%s() of %s%s, %s%s", p->callname, fifo ? "FIFO " : "",
        shown_path(abs_path), acc, flags & O_NONBLOCK ? "|O_NONBLOCK" : "");
    if (!fifo)
        return;
    char list[600];
    bool rd = (flags & O_ACCMODE) == O_RDONLY;
    int n = holders(c, NULL, i, st.st_dev, st.st_ino, rd ? 2 : 1, list,
                    sizeof list);
    if (n == 0)
        CAT(p->why,
            "Nobody has FIFO %s open for %s (an open for %s waits for a "
            "%s).",
            shown_path(abs_path), rd ? "writing" : "reading",
            rd ? "reading" : "writing", rd ? "writer" : "reader");
    /* Others waiting in open() too: each may wait for the other. */
    open_mutual(c, i);
}

/* wait4/waitid: which children it waits for, and what they do. */
static void why_wait(struct ctx *c, int i, int idtype, long id)
{
    struct desc *p = &c->d[i];
    /* idtype: 0 any child, 1 that pid, 2 that process group */
    if (idtype == 1)
        CAT(p->call, "%s() for child %ld", p->callname, id);
    else if (idtype == 2)
        CAT(p->call, "%s() for a child in group %ld", p->callname, id);
    else
        CAT(p->call, "%s() for any child", p->callname);
    char list[600] = "";
    int n = 0;
    p->known = true;
    for (int j = 0; j < c->nd; j++) {
        const struct desc *q = &c->d[j];
        if (q->e.ppid != p->e.pid || (idtype == 1 && q->e.pid != (pid_t)id) ||
            (idtype == 2 && q->e.pgid != (pid_t)id))
            continue;
        add_waker(p, j);
        if (n++ < 4)
            CAT(list, "%s%s%s", n > 1 ? "; " : "", name_of(c, j), doing(c, j));
    }
    if (n > 0)
        CAT(p->why, "It waits for %s to exit: %s.",
            n == 1 ? "its child" : "its children", list);
    else
        CAT(p->why, "It has no such child alive.");
}

/* Which mapping of pid holds addr: "shared memory /x", and whether it is
 * shared, and the mapped file's device and inode. */
static bool mapping_of(pid_t pid, unsigned long addr, char *what, size_t n,
                       bool *shared, dev_t *dev, ino_t *ino)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
    char *maps = read_big(path, 4u << 20);
    bool found = false;
    for (char *l = maps; l != NULL && *l && !found;) {
        char *nl = strchr(l, '\n');
        if (nl != NULL)
            *nl = '\0';
        unsigned long lo, hi, ino_v;
        unsigned maj, min;
        char perms[8];
        int at = 0;
        if (sscanf(l, "%lx-%lx %7s %*x %x:%x %lu%n", &lo, &hi, perms, &maj,
                   &min, &ino_v, &at) == 6 &&
            addr >= lo && addr < hi) {
            found = true;
            const char *file = l + at;
            while (*file == ' ')
                file++;
            *shared = perms[3] == 's';
            *dev = makedev(maj, min);
            *ino = (ino_t)ino_v;
            char name[256];
            snprintf(name, sizeof name, "%s", file);
            clean(name);
            unsigned key;
            if (strncmp(name, "/dev/shm/", 9) == 0)
                snprintf(what, n, "shared memory /%s", name + 9);
            else if (sscanf(name, "/SYSV%x", &key) == 1)
                snprintf(what, n, "System V segment key 0x%x", key);
            else if (*shared && strncmp(name, "/dev/zero", 9) == 0)
                snprintf(what, n, "shared anonymous memory");
            else if (name[0] == '\0' || name[0] == '[')
                snprintf(what, n, "%s memory%s%s",
                         *shared ? "shared anonymous" : "private",
                         name[0] ? " " : "", name);
            else
                snprintf(what, n, "a mapping of %s", shown_path(name));
        }
        l = nl != NULL ? nl + 1 : NULL;
    }
    free(maps);
    return found;
}

/* A futex wait: the word waited on, and the mapping it lies in. */
struct futex_word {
    int cmd;         /* the operation, without its flags */
    bool private_op; /* FUTEX_PRIVATE_FLAG */
    bool have;       /* the word could be read */
    uint32_t word;
    bool mapped, shared; /* the mapping was found; it is MAP_SHARED */
    dev_t dev;
    ino_t ino;
    char where[300]; /* "shared memory /x" */
};

/* Read p's futex wait into fw; p->call says what it is. */
static void futex_call(struct desc *p, struct futex_word *fw)
{
    unsigned long addr = p->a[0];
    int op = (int)p->a[1];
    fw->cmd = op & 127; /* without FUTEX_PRIVATE_FLAG, CLOCK_REALTIME */
    fw->private_op = (op & 128) != 0;
    fw->have = peek(p->e.pid, addr, &fw->word, sizeof fw->word);
    snprintf(fw->where, sizeof fw->where, "memory it cannot read");
    fw->shared = false;
    fw->dev = 0;
    fw->ino = 0;
    fw->mapped = mapping_of(p->e.pid, addr, fw->where, sizeof fw->where,
                            &fw->shared, &fw->dev, &fw->ino);
    static const char *const ops[] = {
        "FUTEX_WAIT",           "FUTEX_WAKE",        "FUTEX_FD",
        "FUTEX_REQUEUE",        "FUTEX_CMP_REQUEUE", "FUTEX_WAKE_OP",
        "FUTEX_LOCK_PI",        "FUTEX_UNLOCK_PI",   "FUTEX_TRYLOCK_PI",
        "FUTEX_WAIT_BITSET",    "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
        "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2"};
    CAT(p->call, "futex(%s%s) on a word in %s",
        fw->cmd < (int)(sizeof ops / sizeof ops[0]) ? ops[fw->cmd] : "?",
        fw->private_op ? "_PRIVATE" : "", fw->where);
    if (fw->have)
        CAT(p->call, " that holds %lu", (unsigned long)fw->word);
}

/* The futex word lies in shared memory: who else maps it (who could wake
 * the process), and whose pid it holds. */
static void futex_sharers(struct ctx *c, int i, const struct futex_word *fw)
{
    struct desc *p = &c->d[i];
    char list[400] = "";
    int n = 0;
    for (int j = 0; j < c->nd && fw->ino != 0; j++) {
        char path[64];
        if (j == i || c->d[j].e.state == 'Z')
            continue;
        snprintf(path, sizeof path, "/proc/%ld/maps", (long)c->d[j].e.pid);
        char *maps = read_big(path, 4u << 20);
        char key[64];
        snprintf(key, sizeof key, " %02x:%02x %lu ", major(fw->dev),
                 minor(fw->dev), (unsigned long)fw->ino);
        bool hit = maps != NULL && strstr(maps, key) != NULL;
        free(maps);
        if (hit && n++ < 4)
            CAT(list, "%s%s%s", n > 1 ? "; " : "", name_of(c, j), doing(c, j));
    }
    int j = fw->have ? index_of(c, (pid_t)(fw->word & 0x3fffffff)) : -1;
    if (j >= 0 && j != i)
        CAT(p->why,
            " The word holds the pid of %s: if it is a mutex, that process "
            "holds it.",
            name_of(c, j));
    if (n > 0)
        CAT(p->why, " Also mapped by: %s.", list);
    else if (fw->ino != 0)
        CAT(p->why, " No other process has it mapped: nobody is left to "
                    "wake it.");
}

/* futex: the word, where it lies, and what would wake it. */
static void why_futex(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    struct futex_word fw;
    futex_call(p, &fw);
    if (fw.cmd == 6 || fw.cmd == 13) { /* LOCK_PI: the word holds the owner */
        pid_t owner = (pid_t)(fw.have ? fw.word & 0x3fffffff : 0);
        int j = index_of(c, owner);
        if (j >= 0)
            CAT(p->why, "It waits for a lock held by %s%s.", name_of(c, j),
                doing(c, j));
        else if (owner > 0)
            CAT(p->why, "The lock's owner, pid %ld, is gone.", (long)owner);
    } else {
        CAT(p->why, "It sleeps until another process changes the word and "
                    "wakes it (a semaphore, mutex or condition variable "
                    "waits like this).");
    }
    if (!fw.mapped)
        return;
    if (fw.shared && fw.private_op) {
        CAT(p->why,
            " The wait is private (FUTEX_PRIVATE_FLAG) but the memory is "
            "shared: a wake from another process never reaches a private "
            "wait.  Use process-shared objects (pshared = 1, "
            "PTHREAD_PROCESS_SHARED) or shared futex calls.");
        return;
    }
    if (!fw.shared) {
        CAT(p->why,
            " The word lies in private memory (%s): this process has its "
            "own copy (after fork() each process has one), so no other "
            "process's change or wake reaches it.  Share it: MAP_SHARED.",
            fw.ino != 0 ? "a MAP_PRIVATE mapping" : "not a shared mapping");
        return;
    }
    futex_sharers(c, i, &fw);
}

/* A field of /proc/sysvipc/{msg,sem} for id: the key, and more. */
static bool sysv_row(const char *kind, int id, unsigned long *vals, int n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
    char *t = read_big(path, 4u << 20);
    bool found = false;
    for (char *l = t; l != NULL && *l && !found;) {
        long key, rid;
        int at = 0;
        if (sscanf(l, "%ld %ld %*o%n", &key, &rid, &at) == 2 && rid == id) {
            found = true;
            vals[0] = (unsigned long)key;
            const char *q = l + at;
            for (int k = 1; k < n; k++) {
                char *end;
                vals[k] = strtoul(q, &end, 10);
                q = end;
            }
        }
        l = strchr(l, '\n');
        l = l != NULL ? l + 1 : NULL;
    }
    free(t);
    return found;
}

/* msgrcv/msgsnd: the queue's counts, and the type wanted. */
static void why_msg(struct ctx *c, int i, bool rcv)
{
    struct desc *p = &c->d[i];
    int id = (int)p->a[0];
    long type = (long)p->a[3];
    unsigned long row[5] = {0}; /* key cbytes qnum lspid lrpid */
    bool have_row = sysv_row("msg", id, row, 5);
    CAT(p->call, "%s() on System V queue %d", p->callname, id);
    if (have_row && row[0] == 0)
        CAT(p->call, " (IPC_PRIVATE)");
    else if (have_row)
        CAT(p->call, " (key 0x%lx)", row[0] & 0xffffffffUL);
    struct msqid_ds ds;
    bool stat_ok = msgctl(id, IPC_STAT, &ds) == 0;
    unsigned long qnum = stat_ok ? (unsigned long)ds.msg_qnum : row[2];
    if (!stat_ok && !have_row)
        return;
    CAT(p->why, "The queue holds %lu message%s (%lu bytes", qnum,
        qnum == 1 ? "" : "s", row[1]);
    if (stat_ok)
        CAT(p->why, " of %lu", (unsigned long)ds.msg_qbytes);
    CAT(p->why, ")");
    if (rcv && qnum > 0) {
        /* MSG_COPY reads a message by position without taking it. */
        /* The copy needs room for the whole message (msgmax, 8 KiB by
         * default). */
        char types[200] = "";
        static struct {
            long mtype;
            char text[65536];
        } m;
        int k;
        for (k = 0; k < (int)qnum && k < 8; k++) {
            if (msgrcv(id, &m, sizeof m.text, k,
                       IPC_NOWAIT | MSG_COPY | MSG_NOERROR) == -1)
                break;
            CAT(types, "%s%ld", k ? ", " : "", m.mtype);
        }
        if (types[0])
            CAT(p->why, " of type%s %s%s", k > 1 ? "s" : "", types,
                (unsigned long)k < qnum ? "..." : "");
    }
    if (rcv) {
        if (type == 0)
            CAT(p->why, "; it wants any type.");
        else if (type > 0)
            CAT(p->why, "; it wants type %ld only.", type);
        else
            CAT(p->why, "; it wants the lowest type up to %ld.", -type);
        if (qnum > 0 && type != 0)
            CAT(p->why, " Is the type it waits for the type the sender "
                        "uses?");
    } else {
        CAT(p->why, ": it is full, so msgsnd() waits until a reader takes "
                    "a message.");
    }
}

/* semop/semtimedop: each operation and the semaphore's value. */
static void why_sem(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    int id = (int)p->a[0];
    size_t nops = p->a[2] < 8 ? (size_t)p->a[2] : 8;
    struct sembuf ops[8];
    unsigned long row[1] = {0};
    CAT(p->call, "%s() on System V semaphore set %d", p->callname, id);
    if (sysv_row("sem", id, row, 1) && row[0] == 0)
        CAT(p->call, " (IPC_PRIVATE)");
    else if (row[0] != 0)
        CAT(p->call, " (key 0x%lx)", row[0] & 0xffffffffUL);
    if (nops == 0 || !peek(p->e.pid, p->a[1], ops, nops * sizeof ops[0]))
        return;
    bool said = false;
    for (size_t k = 0; k < nops; k++) {
        int val = semctl(id, ops[k].sem_num, GETVAL);
        if (val == -1)
            continue;
        int op = ops[k].sem_op;
        bool blocks = (op < 0 && val < -op) || (op == 0 && val != 0);
        if (!blocks && said)
            continue;
        if (op < 0)
            CAT(p->why,
                "%sIt waits for semaphore %u, now %d, to reach %d "
                "(sem_op %d)",
                said ? " " : "", (unsigned)ops[k].sem_num, val, -op, op);
        else if (op == 0)
            CAT(p->why, "%sIt waits for semaphore %u, now %d, to be 0",
                said ? " " : "", (unsigned)ops[k].sem_num, val);
        else
            continue;
        int last = semctl(id, ops[k].sem_num, GETPID);
        int j = last > 0 ? index_of(c, (pid_t)last) : -1;
        if (j >= 0)
            CAT(p->why, "; %s changed it last.", name_of(c, j));
        else if (last > 0)
            CAT(p->why, "; pid %d changed it last.", last);
        else
            CAT(p->why, "; nobody has changed it since it was set.");
        said = true;
    }
}

/* accept/connect on a Unix socket. */
static void why_socket(struct ctx *c, int i, bool accepting)
{
    struct desc *p = &c->d[i];
    char what[260];
    int fd = (int)p->a[0];
    fd_words(c, i, fd, what, sizeof what);
    if (accepting) {
        CAT(p->call, "%s() on %s", p->callname, what);
        CAT(p->why, "It waits for a client to connect.");
        return;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    size_t len = p->a[2] < sizeof sa ? (size_t)p->a[2] : sizeof sa;
    if (len > offsetof(struct sockaddr_un, sun_path) &&
        peek(p->e.pid, p->a[1], &sa, len) && sa.sun_family == AF_UNIX) {
        sa.sun_path[sizeof sa.sun_path - 1] = '\0';
        clean(sa.sun_path);
        CAT(p->call, "%s() to %s", p->callname, shown_path(sa.sun_path));
        CAT(p->why, "The server's queue of waiting connections is full: "
                    "it does not accept() fast enough, or at all.");
    } else {
        CAT(p->call, "%s() on %s", p->callname, what);
    }
}

/* poll/ppoll/select/pselect6/epoll: the descriptors it watches. */
static void why_poll(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    char list[500] = "", one[260];
    int shown = 0;
    if (is(p->callname, "poll") || is(p->callname, "ppoll")) {
        struct pollfd fds[64];
        size_t n = p->a[1] < 64 ? (size_t)p->a[1] : 64;
        if (n > 0 && peek(p->e.pid, p->a[0], fds, n * sizeof fds[0]))
            for (size_t k = 0; k < n; k++) {
                if (fds[k].fd < 0)
                    continue; /* poll skips those */
                if (shown++ == 4) {
                    CAT(list, "; and more");
                    break;
                }
                fd_words(c, i, fds[k].fd, one, sizeof one);
                CAT(list, "%s%s for %s", shown > 1 ? "; " : "", one,
                    fds[k].events & POLLOUT ? "output" : "input");
            }
    } else if (is(p->callname, "select") || is(p->callname, "pselect6")) {
        unsigned char sets[2][128];
        size_t bytes = p->a[0] < 1024 ? ((size_t)p->a[0] + 7) / 8 : 128;
        for (int s = 0; s < 2; s++) {
            if (bytes == 0 || !peek(p->e.pid, p->a[1 + s], sets[s], bytes))
                continue;
            for (size_t fd = 0; fd < bytes * 8 && shown < 4; fd++)
                if (sets[s][fd / 8] & (1u << (fd % 8))) {
                    fd_words(c, i, (int)fd, one, sizeof one);
                    CAT(list, "%s%s for %s", shown ? "; " : "", one,
                        s ? "output" : "input");
                    shown++;
                }
        }
    } else { /* epoll: fdinfo lists the watched descriptors */
        char path[64], info[2048];
        snprintf(path, sizeof path, "/proc/%ld/fdinfo/%d", (long)p->e.pid,
                 (int)p->a[0]);
        read_small(path, info, sizeof info);
        for (const char *t = strstr(info, "tfd:"); t != NULL && shown < 4;
             t = strstr(t + 4, "tfd:")) {
            fd_words(c, i, atoi(t + 4), one, sizeof one);
            CAT(list, "%s%s", shown ? "; " : "", one);
            shown++;
        }
    }
    CAT(p->call, "%s()", p->callname);
    if (list[0])
        CAT(p->why, "It waits on: %s.", list);
}

/* pause/sigsuspend/sigtimedwait: the signals it waits for. */
static void why_signal(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    char path[64], status[4096], names[400];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)p->e.pid);
    read_small(path, status, sizeof status);
    const char *cgt = strstr(status, "SigCgt:");
    const char *pnd = strstr(status, "SigPnd:");
    const char *shd = strstr(status, "ShdPnd:");
    uint64_t caught = cgt != NULL ? strtoull(cgt + 7, NULL, 16) : 0;
    uint64_t pending = (pnd != NULL ? strtoull(pnd + 7, NULL, 16) : 0) |
                       (shd != NULL ? strtoull(shd + 7, NULL, 16) : 0);
    CAT(p->call, "%s()", p->callname);
    uint64_t set;
    if (is(p->callname, "rt_sigtimedwait") &&
        peek(p->e.pid, p->a[0], &set, sizeof set)) {
        sig_list(set, names, sizeof names);
        CAT(p->why, "It waits for one of: %s; none has come.", names);
    } else if (is(p->callname, "rt_sigsuspend") &&
               peek(p->e.pid, p->a[0], &set, sizeof set)) {
        sig_list(set & 0xffffffffULL, names, sizeof names);
        if ((caught & ~set) == 0) {
            CAT(p->why,
                "Every signal it catches is blocked by the mask it "
                "waits with (%s): nothing can ever wake it.  The "
                "mask given to sigsuspend() must let the awaited "
                "signal through.",
                names);
        } else {
            char through[400];
            sig_list(caught & ~set, through, sizeof through);
            CAT(p->why,
                "It waits for a caught signal its mask lets "
                "through: %s (the mask blocks %s).",
                through, names);
        }
    } else if (caught == 0) {
        CAT(p->why, "It catches no signal: only one that kills it ends this "
                    "wait.");
    } else {
        sig_list(caught, names, sizeof names);
        CAT(p->why,
            "It waits for a signal it catches (%s).  A signal that "
            "came just before pause() was handled already, so the "
            "wait never ends (a lost wake-up: block the signal, "
            "then wait with sigsuspend()).",
            names);
    }
    if (pending != 0) {
        sig_list(pending, names, sizeof names);
        CAT(p->why, " Pending for it, blocked: %s.", names);
    }
}

/* nanosleep/clock_nanosleep: how long. */
static void why_sleep(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    bool clk = is(p->callname, "clock_nanosleep");
    unsigned long at = clk ? p->a[2] : p->a[0];
    bool absolute = clk && (p->a[1] & TIMER_ABSTIME);
    struct timespec ts;
    CAT(p->call, "%s()", p->callname);
    if (absolute)
        CAT(p->why, "It sleeps until a set time.");
    else if (peek(p->e.pid, at, &ts, sizeof ts))
        CAT(p->why,
            "It sleeps for %.3f s at a time: does it sleep where it "
            "should wait for an event?",
            (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* mq_timedreceive/mq_timedsend: the queue's counts. */
static void why_mq(struct ctx *c, int i, bool sending)
{
    struct desc *p = &c->d[i];
    char what[260], list[600];
    fd_words(c, i, (int)p->a[0], what, sizeof what);
    CAT(p->call, "%s() on %s", p->callname, what);
    const struct fdent *f = fd_of(c, i, (int)p->a[0]);
    if (f == NULL || f->link[0] != '/')
        return;
    if (strstr(f->link, " (deleted)") != NULL)
        CAT(p->why, "The queue's name is gone (mq_unlink): no new process "
                    "can open it.");
    /* Our own look at the queue (mq_open's system call, so no -lrt):
     * opening it changes nothing for the others. */
    int q = (int)syscall(SYS_mq_open, f->link + 1,
                         O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0, NULL);
    struct mq_attr attr;
    if (q >= 0) {
        if (syscall(SYS_mq_getsetattr, q, NULL, &attr) == 0) {
            if (sending)
                CAT(p->why,
                    "The queue is full (%ld of %ld messages): it "
                    "waits for a receiver.",
                    (long)attr.mq_curmsgs, (long)attr.mq_maxmsg);
            else
                CAT(p->why,
                    "The queue is empty (0 of %ld messages): it "
                    "waits for a sender.",
                    (long)attr.mq_maxmsg);
        }
        close(q);
    }
    int n =
        holders(c, NULL, i, f->dev, f->ino, sending ? 1 : 2, list, sizeof list);
    if (n > 0)
        CAT(p->why, "%sOpen for %s in: %s.", p->why[0] ? " " : "",
            sending ? "reading" : "writing", list);
    else
        CAT(p->why, "%sNo other process has it open for %s.",
            p->why[0] ? " " : "", sending ? "reading" : "writing");
}

/* flock/fcntl F_SETLKW: who holds the lock (/proc/locks). */
static void why_lock(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    char what[260];
    int fd = (int)p->a[0];
    fd_words(c, i, fd, what, sizeof what);
    CAT(p->call, "%s() on %s", p->callname, what);
    const struct fdent *f = fd_of(c, i, fd);
    if (f == NULL)
        return;
    char *locks = read_big("/proc/locks", 4u << 20);
    char key[64], list[400] = "";
    snprintf(key, sizeof key, " %02x:%02x:%lu ", major(f->dev), minor(f->dev),
             (unsigned long)f->ino);
    int n = 0;
    p->known = true;
    for (char *l = locks; l != NULL && *l;) {
        char *nl = strchr(l, '\n');
        if (nl != NULL)
            *nl = '\0';
        char *k = strstr(l, key);
        /* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF": the pid is
         * the number before the file; waiters have "->" after "1:". */
        if (k != NULL && strstr(l, "->") == NULL) {
            const char *q = k;
            while (q > l && isdigit((unsigned char)q[-1]))
                q--;
            long pid = strtol(q, NULL, 10);
            int j = index_of(c, (pid_t)pid);
            if (j >= 0)
                add_waker(p, j);
            else
                p->known = false;
            if (j != i && n++ < 4)
                CAT(list, "%s%s%s", n > 1 ? "; " : "",
                    j >= 0 ? name_of(c, j) : "another process", doing(c, j));
        }
        l = nl != NULL ? nl + 1 : NULL;
    }
    free(locks);
    if (n > 0)
        CAT(p->why, "The lock is held by: %s.", list);
}

/* ---- where in the source: eu-stack ---- */

static double stack_spent; /* seconds spent in eu-stack by this test */
static bool stack_missing; /* eu-stack is not installed */
static struct {
    pid_t pid;
    char key[200];
    char where[200];
} stack_cache[32];
static int stack_next;

/* Wait for child pid until deadline; kill it then.  True if it exited
 * with status 0 or 1 (1: some frames could not be read). */
static bool await_child(pid_t pid, double deadline)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old); /* the test blocks it already */
    int st = 0;
    bool done = false;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            done = true;
            break;
        }
        double left = deadline - h_now();
        if (r == -1 || left <= 0)
            break;
        struct timespec ts = {(time_t)left,
                              (long)((left - (double)(time_t)left) * 1e9)};
        /* A SIGCHLD of another child may be taken here: the harness
         * checks waitpid before every wait, so nothing is lost. */
        (void)sigtimedwait(&set, NULL, &ts);
    }
    if (!done) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
            ;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (done && WIFEXITED(st) && WEXITSTATUS(st) == 127)
        stack_missing = true;
    return done && WIFEXITED(st) && WEXITSTATUS(st) <= 1;
}

/* In the frames eu-stack printed, the first one in the lab's own source:
 * "at fifos.c:57 in serve()". */
static void first_lab_frame(const char *out, char *where, size_t n)
{
    const char *dir = getenv("KIT_PROG_DIR");
    char real[PATH_MAX] = "";
    if (dir == NULL || *dir == '\0')
        return;
    if (realpath(dir, real) == NULL)
        real[0] = '\0';
    char func[128] = "";
    for (const char *l = out; *l;) {
        size_t len = strcspn(l, "\n");
        char line[PATH_MAX + 64];
        snprintf(line, sizeof line, "%.*s", (int)len, l);
        l += len + (l[len] == '\n');
        if (line[0] == '#') { /* "#1  0x000055d0 serve" */
            const char *f = strstr(line, " 0x");
            func[0] = '\0';
            if (f != NULL && (f = strchr(f + 1, ' ')) != NULL)
                snprintf(func, sizeof func, "%s", f + strspn(f, " "));
            func[strcspn(func, ".@ ")] = '\0'; /* serve.isra.0 */
            continue;
        }
        const char *src = line + strspn(line, " ");
        size_t dl = strlen(dir), rl = strlen(real);
        const char *rel = NULL;
        if (strncmp(src, dir, dl) == 0 && src[dl] == '/')
            rel = src + dl + 1;
        else if (rl > 0 && strncmp(src, real, rl) == 0 && src[rl] == '/')
            rel = src + rl + 1;
        if (rel == NULL || src == line)
            continue;
        char file[PATH_MAX];
        snprintf(file, sizeof file, "%s", rel);
        /* "fifos.c:57:10": keep the line, drop the column. */
        char *colon = strchr(file, ':');
        if (colon != NULL && (colon = strchr(colon + 1, ':')) != NULL)
            *colon = '\0';
        clean(file);
        clean(func);
        snprintf(where, n, "at %s%s%s%s", file, func[0] ? " in " : "", func,
                 func[0] ? "()" : "");
        return;
    }
}

/* In a child: eu-stack's one-line frames of process pid, into the new
 * file out_path. */
static _Noreturn void exec_eu_stack(const char *out_path, pid_t pid)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* A new file, never one a program put there (a link). */
    int out = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    int null = open("/dev/null", O_RDWR);
    if (out == -1 || null == -1 || dup2(null, 0) == -1 || dup2(out, 1) == -1 ||
        dup2(null, 2) == -1)
        _exit(126);
    h_close_from(3); /* nothing of the test's (Check's pipe) */
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "%ld", (long)pid);
    char *argv[] = {"eu-stack", "-1", "-i",    "-s", "-n",
                    "32",       "-p", pidtext, NULL};
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", NULL};
    static const char *const dirs[] = {"/usr/bin", "/usr/local/bin", "/bin"};
    for (size_t k = 0; k < 3; k++) {
        char prog[64];
        snprintf(prog, sizeof prog, "%s/eu-stack", dirs[k]);
        execve(prog, argv, env);
    }
    _exit(127);
}

static void find_line(struct desc *p)
{
    if (stack_missing || p->e.state == 'Z')
        return;
    for (int k = 0; k < 32; k++)
        if (stack_cache[k].pid == p->e.pid &&
            strcmp(stack_cache[k].key, p->sysline) == 0 && p->in_call) {
            snprintf(p->where, sizeof p->where, "%s", stack_cache[k].where);
            return;
        }
    if (stack_spent > h_scale(3.0))
        return; /* a test with many hung programs: enough is enough */
    char out_path[4200];
    snprintf(out_path, sizeof out_path, "%s/.diag-stack", h_iodir());
    unlink(out_path);
    double t0 = h_now();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == -1)
        return;
    if (pid == 0)
        exec_eu_stack(out_path, p->e.pid);
    bool ok = await_child(pid, t0 + h_scale(2.0));
    stack_spent += h_now() - t0;
    char *out = ok ? read_big(out_path, 1u << 20) : NULL;
    unlink(out_path);
    if (out != NULL)
        first_lab_frame(out, p->where, sizeof p->where);
    free(out);
    int k = stack_next++ % 32;
    stack_cache[k].pid = p->e.pid;
    snprintf(stack_cache[k].key, sizeof stack_cache[k].key, "%s", p->sysline);
    snprintf(stack_cache[k].where, sizeof stack_cache[k].where, "%s", p->where);
}

/* ---- one process ---- */

/* p->sysline: /proc/PID/syscall (at path) as read, without its newline. */
static void read_sysline(struct desc *p, const char *path)
{
    read_small(path, p->sysline, sizeof p->sysline);
    p->sysline[strcspn(p->sysline, "\n")] = '\0';
}

/* A program that waits with a timeout (a tick) runs for a moment at each
 * one: caught then, look again for a few milliseconds (20 looks, 1 ms
 * apart, while it still runs) before calling it a program that never
 * blocks.  Returns the looks made. */
static int look_again(struct ctx *c, struct desc *p, const char *path)
{
    int looks = 0;
    for (int k = 0;
         k < 20 && h_now() < c->until &&
         (strncmp(p->sysline, "running", 7) == 0 || p->e.state == 'R');
         k++, looks++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        struct pent now;
        if (!read_stat(p->e.pid, &now))
            break;
        p->e.state = now.state;
        p->e.cpu = now.cpu;
        read_sysline(p, path);
    }
    return looks;
}

/* p->wchan: the kernel function it sleeps in ("" if none). */
static void read_wchan(struct desc *p)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/wchan", (long)p->e.pid);
    read_small(path, p->wchan, sizeof p->wchan);
    clean(p->wchan);
    /* "poll_schedule_timeout.constprop.0": the compiler's suffix goes. */
    p->wchan[strcspn(p->wchan, ".\n")] = '\0';
    if (strcmp(p->wchan, "0") == 0)
        p->wchan[0] = '\0';
}

/* p->cpus: the CPUs it may run on (Cpus_allowed_list). */
static void read_cpus(struct desc *p)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)p->e.pid);
    if (read_small(path, buf, sizeof buf) > 0) {
        const char *l = strstr(buf, "\nCpus_allowed_list:");
        if (l != NULL)
            sscanf(l + 20, " %31s", p->cpus);
    }
}

/* What process i is doing: running (starved of CPU?), or blocked in which
 * call, with which arguments. */
static void look_at(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/syscall", (long)p->e.pid);
    read_sysline(p, path);
    unsigned long long run0 = 0, run1 = 0, wait;
    bool timed = sched_ns(p->e.pid, &run0, &wait);
    int looks = look_again(c, p, path);
    read_wchan(p);
    if (strncmp(p->sysline, "running", 7) == 0 || p->e.state == 'R') {
        p->running = true;
        /* Ready to run at every look, 20 ms, and not a nanosecond more
         * on a CPU: others have the CPUs (or the virtual machine's host
         * has them).  A busy loop runs in that time. */
        p->starved = timed && looks == 20 && sched_ns(p->e.pid, &run1, &wait) &&
                     run1 == run0;
        read_cpus(p);
        return;
    }
    long nr;
    unsigned long a[6];
    if (sscanf(p->sysline, "%ld %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1],
               &a[2], &a[3], &a[4], &a[5]) == 7 &&
        nr >= 0) {
        p->in_call = true;
        p->nr = nr;
        memcpy(p->a, a, sizeof a);
        p->callname = call_name(nr);
    }
}

/* A process that is not in a system call: starved of CPU, taking turns
 * on one CPU with another, slow on a busy machine, or looping. */
static void why_running(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    double waited = cpu_wait(p->e.pid);
    /* Another of them running, pinned to the same one CPU? */
    int mate = -1;
    for (int j = 0;
         j < c->nd && p->cpus[0] != '\0' && strpbrk(p->cpus, ",-") == NULL; j++)
        if (j != i && c->d[j].running && strcmp(c->d[j].cpus, p->cpus) == 0)
            mate = j;
    if (p->starved)
        CAT(p->why,
            "It is not blocked: it is ready to run, but was not "
            "given a CPU once while the grader watched it.  It "
            "has used %.1f s of CPU in all.  The machine is "
            "overloaded (other programs, or the virtual "
            "machine's host, have the CPUs): the program may "
            "only be slow.  Grade it again on a quieter machine, "
            "or raise the time limits with TIMEOUT_SCALE=2.",
            p->e.cpu);
    else if (mate != -1)
        CAT(p->why,
            "It is not in a system call: it is running, pinned "
            "to CPU %s, and so is pid %ld.  They take turns on "
            "that one CPU: while one spins waiting for the "
            "other, the other cannot run until the spinner's "
            "time slice ends.  It has used %.1f s of CPU and "
            "waited %.1f s for it.",
            p->cpus, (long)c->d[mate].e.pid, p->e.cpu, waited);
    else if (waited > 0.5 && waited > p->e.cpu)
        CAT(p->why,
            "It is not in a system call, and not blocked: it "
            "has used %.1f s of CPU and spent %.1f s waiting for "
            "a CPU.  The machine is overloaded: the program may "
            "only be slow (a time limit can be raised with "
            "TIMEOUT_SCALE=2), or be looping.",
            p->e.cpu, waited);
    else
        CAT(p->why,
            "It is not in a system call: it has used %.1f s of "
            "CPU, so it is looping (busy waiting?) rather than "
            "blocked.",
            p->e.cpu);
}

/* wait4/waitid: their arguments, as why_wait takes them. */
static void why_wait_call(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    if (is(p->callname, "wait4")) {
        long pid = (long)(int)p->a[0];
        why_wait(c, i,
                 pid > 0    ? 1
                 : pid < -1 ? 2
                 : pid == 0 ? 2
                            : 0,
                 pid > 0    ? pid
                 : pid < -1 ? -pid
                            : (long)p->e.pgid);
    } else {
        int idtype = (int)p->a[0];
        why_wait(c, i,
                 idtype == P_PID    ? 1
                 : idtype == P_PGID ? 2
                                    : 0,
                 (long)(int)p->a[1]);
    }
}

/* A fcntl() call that waits for a record lock (F_SETLKW). */
static bool lock_wait(const struct desc *p)
{
    return p->a[1] == F_SETLKW
#ifdef F_OFD_SETLKW
           || p->a[1] == F_OFD_SETLKW
#endif
        ;
}

/* The call p is blocked in, with its arguments decoded, and why it waits
 * there: the reason of each call, in why_* above. */
static void why_call(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    const char *n = p->callname;
    if (n == NULL) {
        CAT(p->call, "system call %ld (0x%lx, 0x%lx, 0x%lx)", p->nr, p->a[0],
            p->a[1], p->a[2]);
    } else if (is(n, "read") || is(n, "readv") || is(n, "recvfrom") ||
               is(n, "recvmsg")) {
        why_io(c, i, (int)p->a[0], false);
    } else if (is(n, "write") || is(n, "writev") || is(n, "sendto") ||
               is(n, "sendmsg")) {
        why_io(c, i, (int)p->a[0], true);
    } else if (is(n, "openat")) {
        why_open(c, i, (long)(int)p->a[0], p->a[1], (long)p->a[2]);
    } else if (is(n, "open")) {
        why_open(c, i, AT_FDCWD, p->a[0], (long)p->a[1]);
    } else if (is(n, "wait4") || is(n, "waitid")) {
        why_wait_call(c, i);
    } else if (is(n, "futex")) {
        why_futex(c, i);
    } else if (is(n, "msgrcv") || is(n, "msgsnd")) {
        why_msg(c, i, is(n, "msgrcv"));
    } else if (is(n, "semop") || is(n, "semtimedop")) {
        why_sem(c, i);
    } else if (is(n, "accept") || is(n, "accept4") || is(n, "connect")) {
        why_socket(c, i, !is(n, "connect"));
    } else if (is(n, "poll") || is(n, "ppoll") || is(n, "select") ||
               is(n, "pselect6") || is(n, "epoll_wait") ||
               is(n, "epoll_pwait")) {
        why_poll(c, i);
    } else if (is(n, "pause") || is(n, "rt_sigsuspend") ||
               is(n, "rt_sigtimedwait")) {
        why_signal(c, i);
    } else if (is(n, "nanosleep") || is(n, "clock_nanosleep")) {
        why_sleep(c, i);
    } else if (is(n, "mq_timedreceive") || is(n, "mq_timedsend")) {
        why_mq(c, i, is(n, "mq_timedsend"));
    } else if (is(n, "flock") || (is(n, "fcntl") && lock_wait(p))) {
        why_lock(c, i);
    } else {
        CAT(p->call, "%s(0x%lx, 0x%lx, 0x%lx)", n, p->a[0], p->a[1], p->a[2]);
    }
}

/* The call and why it waits; needs every process looked at first. */
static void explain(struct ctx *c, int i)
{
    struct desc *p = &c->d[i];
    if (p->e.state == 'Z') {
        CAT(p->why,
            "It has exited, but its parent (pid %ld) has not reaped "
            "it with waitpid().",
            (long)p->e.ppid);
        return;
    }
    if (p->running) {
        why_running(c, i);
        return;
    }
    if (p->e.state == 'T' || p->e.state == 't') {
        /* Whatever call it made last, it is the stop that holds it. */
        p->in_call = false;
        CAT(p->why, "It does nothing until it gets SIGCONT.");
        return;
    }
    if (p->in_call)
        why_call(c, i);
}

/* ---- the whole picture ---- */

/*
 * Processes that can never be woken: each is blocked in a call whose
 * every possible waker is known, and each of those is in the set too.
 * The largest such set (shrunk until that holds) is a deadlock.
 */
static void find_deadlock(struct ctx *c, bool *in)
{
    for (int i = 0; i < c->nd; i++)
        in[i] = c->d[i].in_call && c->d[i].known &&
                (c->d[i].nwakers > 0 || c->d[i].self);
    for (bool shrank = true; shrank;) {
        shrank = false;
        for (int i = 0; i < c->nd; i++) {
            if (!in[i])
                continue;
            for (int k = 0; k < c->d[i].nwakers; k++)
                if (c->d[i].wakers[k] != i && !in[c->d[i].wakers[k]]) {
                    in[i] = false;
                    shrank = true;
                    break;
                }
        }
    }
}

/* A cycle of processes of the set, each waiting for the next and the
 * last for the first: into out, in that order; returns its length (0:
 * none). */
static int find_cycle(const struct ctx *c, const bool *in, int *out)
{
    for (int s = 0; s < c->nd; s++) {
        if (!in[s])
            continue;
        int from[MAX_DESC], queue[MAX_DESC], head = 0, tail = 0;
        for (int k = 0; k < c->nd; k++)
            from[k] = -2;
        queue[tail++] = s;
        from[s] = -1;
        while (head < tail) {
            int u = queue[head++];
            for (int k = 0; k < c->d[u].nwakers; k++) {
                int w = c->d[u].wakers[k];
                if (w == u || !in[w])
                    continue;
                if (w == s) { /* s ... u, and u waits for s */
                    int n = 0;
                    for (int x = u; x != -1; x = from[x])
                        out[n++] = x;
                    for (int a = 0, b = n - 1; a < b; a++, b--) {
                        int tmp = out[a];
                        out[a] = out[b];
                        out[b] = tmp;
                    }
                    return n;
                }
                if (from[w] == -2) {
                    from[w] = u;
                    queue[tail++] = w;
                }
            }
        }
    }
    return 0;
}

static int by_rank(const void *x, const void *y)
{
    const struct desc *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    return a->e.pid < b->e.pid ? -1 : a->e.pid > b->e.pid;
}

/* One paragraph. */
static void paragraph(struct ctx *c, int i, struct text *t)
{
    struct desc *p = &c->d[i];
    char head[800];
    if (p->cmd != NULL)
        snprintf(head, sizeof head, "%s (pid %ld)", p->cmd, (long)p->e.pid);
    else
        snprintf(head, sizeof head, "child of %ld (%s), pid %ld",
                 (long)p->e.ppid, p->e.comm, (long)p->e.pid);
    clean(head);
    CAT(head, " is %s", state_words(p->e.state));
    if (p->in_call)
        CAT(head, ", blocked in %s", p->call[0] ? p->call : "the kernel");
    char where[300];
    snprintf(where, sizeof where, "%s", p->where);
    if (p->wchan[0] && p->e.state != 'Z')
        CAT(where, "%s[kernel: %s]", where[0] ? " " : "", p->wchan);
    wrap(t, head, 4, 8);
    if (where[0])
        wrap(t, where, 6, 8);
    if (p->why[0])
        wrap(t, p->why, 6, 6);
}

/* What makes two paragraphs alike: the same program blocked the same
 * way (sixty clients waiting in one open() need one paragraph). */
static void likeness(const struct desc *p, char *key, size_t n)
{
    const char *prog = p->cmd != NULL ? p->cmd : p->e.comm;
    snprintf(key, n, "%.*s|%c|%s|%s", (int)strcspn(prog, " "), prog, p->e.state,
             p->callname ? p->callname : "", p->wchan);
}

/* "pid N" appears in text (not as the start of a longer number). */
static bool named_in(const char *text, pid_t pid)
{
    char name[32];
    snprintf(name, sizeof name, "pid %ld", (long)pid);
    for (const char *at = text; (at = strstr(at, name)) != NULL;) {
        at += strlen(name);
        if (!isdigit((unsigned char)*at))
            return true;
    }
    return false;
}

/* All a diagnosis says when the processes were too many, and the machine
 * too busy, to look at each in the time there was. */
static char *too_busy(const struct ctx *c)
{
    char line[300];
    snprintf(line, sizeof line,
             "(too many processes, and too busy, to look at each before "
             "the kill: %zu read in %.1f s; a fork loop?)",
             c->nall, h_scale(1.5));
    struct text t = {NULL, 0, 0};
    wrap(&t, line, 4, 6);
    return t.s;
}

/* Look at every descendant and its descriptors (those the time left no
 * room for are left out, and counted), then explain each; false when
 * none was looked at. */
static bool look_at_all(struct ctx *c)
{
    for (int i = 0; i < c->nd; i++) {
        if (h_now() > c->until) { /* the rest is left out, and counted */
            c->more += c->nd - i;
            c->nd = i;
            break;
        }
        look_at(c, i);
        scan_fds(c, c->d[i].e.pid, i);
    }
    if (c->nd == 0)
        return false;
    scan_fds(c, c->self, -1);
    for (int i = 0; i < c->nd; i++)
        explain(c, i);
    return true;
}

/* The chain from the process the test waited for (c->focus), each
 * waiting for the next alone, ranks just after a deadlock: its end (the
 * root) first. */
static void rank_chain(struct ctx *c)
{
    int chain[MAX_DESC], nchain = 0;
    for (int at = index_of(c, c->focus); at >= 0 && nchain < MAX_DESC;) {
        bool seen = false;
        for (int k = 0; k < nchain; k++)
            seen = seen || chain[k] == at;
        if (seen)
            break;
        chain[nchain++] = at;
        const struct desc *p = &c->d[at];
        at = p->known && p->nwakers == 1 ? p->wakers[0] : -1;
    }
    for (int k = 0; k < nchain; k++) /* its end (the root) first */
        if (c->d[chain[k]].rank > 80 + nchain - 1 - k)
            c->d[chain[k]].rank = 80 + nchain - 1 - k;
}

/* Rank every process for the order of the paragraphs: a deadlock first,
 * then the chain from the process the test waited for to the one at its
 * end (the root), then the rest, those nobody waits on last.  The
 * deadlock's cycle goes into cycle; returns its length. */
static int rank_all(struct ctx *c, int *cycle)
{
    bool in[MAX_DESC];
    find_deadlock(c, in);
    int ncycle = find_cycle(c, in, cycle);
    for (int i = 0; i < c->nd; i++)
        c->d[i].rank = !in[i] ? 400 : c->d[i].self ? 60 : 70;
    for (int k = 0; k < ncycle; k++)
        c->d[cycle[k]].rank = k;
    rank_chain(c);
    for (int i = 0; i < c->nd; i++) {
        bool waited_on = false;
        for (int j = 0; j < c->nd && !waited_on; j++)
            for (int k = 0; k < c->d[j].nwakers; k++)
                waited_on = waited_on || (j != i && c->d[j].wakers[k] == i);
        if (c->d[i].rank == 400 && waited_on)
            c->d[i].rank = 200;
        else if (c->d[i].rank == 400 && c->d[i].in_call)
            c->d[i].rank = 300;
    }
    return ncycle;
}

/* The indexes of the processes in the order of their ranks.  Sorting
 * loses the indexes the texts refer to, so a list of indexes is ordered
 * rather than the table. */
static void rank_order(const struct ctx *c, int *order)
{
    struct desc *sorted = malloc((size_t)c->nd * sizeof *sorted);
    for (int i = 0; i < c->nd; i++)
        order[i] = i;
    if (sorted != NULL) {
        for (int i = 0; i < c->nd; i++) {
            sorted[i] = c->d[i];
            sorted[i].idx = i;
        }
        qsort(sorted, (size_t)c->nd, sizeof *sorted, by_rank);
        for (int i = 0; i < c->nd; i++)
            order[i] = sorted[i].idx;
        free(sorted);
    }
}

/* The deadlock's first line: who waits for whom (nothing for a cycle of
 * fewer than two). */
static void deadlock_line(struct ctx *c, const int *cycle, int ncycle,
                          struct text *t)
{
    if (ncycle == 2) {
        char line[900];
        snprintf(line, sizeof line,
                 "deadlock: %s and %s wait for each other, so neither can "
                 "go on.",
                 name_of(c, cycle[0]), name_of(c, cycle[1]));
        wrap(t, line, 4, 6);
    } else if (ncycle > 2) {
        char line[900] = "deadlock: ";
        for (int k = 0; k < ncycle; k++)
            CAT(line, "%s%s waits for %s",
                k == 0           ? ""
                : k + 1 < ncycle ? ", "
                                 : ", and ",
                name_of(c, cycle[k]), name_of(c, cycle[(k + 1) % ncycle]));
        CAT(line, ": none can go on.");
        wrap(t, line, 4, 6);
    }
}

/* How many of the paragraphs before the k-th (in order) are like it (key,
 * from likeness) and not left out for skip. */
static int alike_before(const struct ctx *c, const int *order, int k,
                        const char *skip, const char *key)
{
    int same = 0;
    for (int j = 0; j < k; j++) {
        char other[200];
        likeness(&c->d[order[j]], other, sizeof other);
        same += strcmp(key, other) == 0 &&
                !(skip != NULL && named_in(skip, c->d[order[j]].e.pid));
    }
    return same;
}

/* A paragraph for each process, in order, into t: none for those named in
 * skip (returns how many those were), two of a kind at most, then a line
 * for those left out.  The source line (eu-stack, the slow part) only
 * for the first few shown. */
static int paragraphs(struct ctx *c, const int *order, const char *skip,
                      struct text *t)
{
    int left = c->more, alike = 0, stacks = 0;
    char first_alike[200] = "";
    int skipped = 0;
    for (int k = 0; k < c->nd; k++) {
        struct desc *p = &c->d[order[k]];
        if (skip != NULL && named_in(skip, p->e.pid)) {
            skipped++;
            continue;
        }
        char key[200];
        likeness(p, key, sizeof key);
        if (alike_before(c, order, k, skip, key) >= 2) {
            if (alike++ == 0)
                snprintf(first_alike, sizeof first_alike, "%s", key);
            continue;
        }
        if (stacks++ < 4 && h_now() < c->until + h_scale(1.5))
            find_line(p);
        struct text one = {NULL, 0, 0};
        paragraph(c, order[k], &one);
        if (one.s != NULL && t->len + one.len < TEXT_CAP - 120)
            put(t, one.s, one.len);
        else
            left++;
        free(one.s);
    }
    char line[300];
    if (alike > 0) {
        first_alike[strcspn(first_alike, "|")] = '\0';
        snprintf(line, sizeof line,
                 "(and %d more like the ones above: %s, %s the same way)",
                 alike, first_alike, alike == 1 ? "stuck" : "all stuck");
        wrap(t, line, 4, 6);
    }
    if (left > 0) {
        snprintf(line, sizeof line, "(and %d more process%s)", left,
                 left == 1 ? "" : "es");
        wrap(t, line, 4, 6);
    }
    return skipped;
}

/* The diagnosis of c's processes (see diagnose), malloc'd; NULL if there
 * is nothing to say. */
static char *describe(struct ctx *c, const char *skip)
{
    c->until = h_now() + h_scale(1.5);
    read_all(c);
    if (c->busy)
        return too_busy(c);
    find_descendants(c);
    if (c->nd == 0 || !look_at_all(c))
        return NULL;
    int cycle[MAX_DESC], order[MAX_DESC];
    int ncycle = rank_all(c, cycle);
    rank_order(c, order);
    struct text t = {NULL, 0, 0};
    if (ncycle >= 2 && skip != NULL)
        ncycle = 0; /* said already */
    deadlock_line(c, cycle, ncycle, &t);
    int skipped = paragraphs(c, order, skip, &t);
    if (t.len > 0 && t.s[t.len - 1] == '\n')
        t.s[--t.len] = '\0'; /* the caller puts its own line ends */
    if (skipped == c->nd && c->more == 0) {
        free(t.s);
        t.s = NULL;
    }
    return t.s;
}

/* The diagnosis; paragraphs of processes named in skip (a diagnosis
 * shown already) are left out, and NULL comes back if none is left. */
static char *diagnose(pid_t focus, const char *skip)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.self = getpid();
    c.focus = focus;
    c.d = calloc(MAX_DESC, sizeof *c.d);
    c.fds = calloc(MAX_FDS, sizeof *c.fds);
    char *result = c.d != NULL && c.fds != NULL ? describe(&c, skip) : NULL;
    free(c.all);
    free(c.d);
    free(c.fds);
    free(c.net_unix);
    return result;
}

void h_tree_cpu(pid_t root, double *used, double *waited, bool *starved)
{
    *used = *waited = 0;
    *starved = false;
    if (!h_in_test())
        return;
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.self = getpid();
    c.d = calloc(MAX_DESC, sizeof *c.d);
    if (c.d != NULL) {
        c.until = h_now() + h_scale(0.5);
        read_all(&c);
        find_descendants(&c);
        unsigned long long run0[MAX_DESC], run1, wait;
        bool ready = false;
        for (int i = 0; i < c.nd; i++) {
            *waited += cpu_wait(c.d[i].e.pid);
            *used += c.d[i].e.cpu;
            if (c.d[i].e.pid == root)
                *used += c.d[i].e.cpu_dead;
            if (!sched_ns(c.d[i].e.pid, &run0[i], &wait))
                run0[i] = ~0ULL;
            ready |= c.d[i].e.state == 'R';
            /* Asleep in the kernel, uninterruptibly (exiting, waiting for
             * the kernel's own workers, which a busy machine also starves):
             * not the program's wait.  A D that lasts is still caught
             * once the limit has grown. */
            *starved |= c.d[i].e.state == 'D';
        }
        /* Ready to run, yet none of them got a CPU for 50 ms: the wait
         * going on now is not in the sum above (the kernel adds a wait
         * when it ends), and a process starved since it started shows
         * none at all. */
        if (ready && !*starved) {
            struct timespec t = {0, 50000000};
            nanosleep(&t, NULL);
            bool moved = false;
            for (int i = 0; i < c.nd && !moved; i++)
                moved = run0[i] == ~0ULL ||
                        !sched_ns(c.d[i].e.pid, &run1, &wait) ||
                        run1 != run0[i];
            *starved = !moved;
        }
    }
    free(c.all);
    free(c.d);
}

char *h_diag_stuck(void)
{
    return h_in_test() ? diagnose(0, NULL) : NULL;
}

char *h_diag_stuck_for(pid_t focus)
{
    return h_in_test() ? diagnose(focus, NULL) : NULL;
}

/* ---- failing with the diagnosis ---- */

static bool diag_in_message; /* how_ended put a diagnosis in the message */
static int setup_depth;      /* inside h_setup_begin() */

void h_setup_begin(void)
{
    setup_depth++;
}

void h_setup_end(void)
{
    if (setup_depth > 0)
        setup_depth--;
}

void h_diag_shown(void)
{
    diag_in_message = true;
}

/* Cut text to at most max bytes at a line end, saying so. */
static void clip(char *text, size_t max)
{
    if (strlen(text) <= max)
        return;
    size_t at = max > 20 ? max - 20 : 0;
    while (at > 0 && text[at] != '\n')
        at--;
    strcpy(text + at, "\n    (cut short)");
}

char *h_diag_clip(const char *text, size_t max)
{
    char *copy = strdup(text);
    if (copy != NULL)
        clip(copy, max);
    return copy;
}

/* Check carries the message through a pipe in one record of at most 4096
 * bytes (CK_MAX_MSG_SIZE), its own header included; a longer one turns
 * the failure into an error without the message.  So the whole message
 * stays well under that: MSG_CAP, of which the test's own words take at
 * most BASE_CAP. */
enum { MSG_CAP = 3400, BASE_CAP = 3000, BASE_BUF = 8192 };

/* The diagnoses a failure message carries, appended to extra (MSG_CAP
 * bytes) after the test's words (base): where a program killed at its
 * time limit was stuck, if no message showed it yet, and what still runs.
 * *marked becomes true when they explain a hang. */
static void stuck_extra(const char *base, char *extra, bool *marked)
{
    /* A program killed at its time limit whose diagnosis the message
     * does not show yet (the test wrote its own words). */
    const struct h_proc *k = h_stuck_unshown();
    if (k != NULL) {
        char *d = h_diag_clip(k->stuck, MSG_CAP - strlen(base) - 200);
        if (d != NULL) {
            cat(extra, MSG_CAP,
                "\n  where %s was stuck when it was killed%s:\n%s", k->cmd,
                k->timed_out ? "" : " (what it left running)", d);
            *marked = true;
        }
        free(d);
    }
    /* What still runs, but for the processes the diagnosis above
     * (made a moment ago) describes already. */
    char shown[BASE_BUF + MSG_CAP];
    snprintf(shown, sizeof shown, "%s%s", base, extra);
    size_t room = MSG_CAP - strlen(base) - strlen(extra);
    char *d = room > 300 ? diagnose(0, *marked ? shown : NULL) : NULL;
    if (d != NULL) {
        clip(d, room - 40);
        cat(extra, MSG_CAP, "\n  still running:\n%s", d);
        /* A hang, when the test gave up waiting for one of them;
         * otherwise (a wrong output while a server runs) the lab's
         * hint still applies. */
        pid_t awaited = h_gave_up_on();
        char state = awaited > 0 ? h_proc_state(awaited) : '?';
        if (state != '?' && state != 'Z')
            *marked = true;
    }
    free(d);
}

void h_fail_msg(const char *fmt, ...)
{
    static char base[BASE_BUF], msg[MSG_CAP + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(base, sizeof base, fmt, ap);
    va_end(ap);
    /* The marker is ours alone: whatever a program printed that made its
     * way into the message loses it. */
    char *w = base;
    for (const char *r = base; *r; r++)
        if (*r != H_DIAG_MARK && *r != H_SETUP_MARK)
            *w++ = *r;
    *w = '\0';
    bool marked = diag_in_message;
    diag_in_message = false;
    clip(base, BASE_CAP);

    char extra[MSG_CAP] = "";
    if (h_in_test())
        stuck_extra(base, extra, &marked);
    if (h_in_test()) {
        /* Every program's evidence: the decisive line is often in
         * another program's stderr than the one the check was about. */
        char ev[900];
        size_t room = MSG_CAP - strlen(base) - strlen(extra);
        if (room > 300 &&
            h_evidence(ev, room - 100 < sizeof ev ? room - 100 : sizeof ev,
                       base) > 0)
            CAT(extra, "\n  the test's programs:%s", ev);
    }
    snprintf(msg, sizeof msg, "%s%s%s%s", marked ? H_DIAG_MARK_S : "",
             setup_depth > 0 ? H_SETUP_MARK_S : "", base, extra);
    ck_abort_msg("%s", msg);
}
