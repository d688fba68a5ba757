/*
 * 16-ipcbench.c - tests for lab 16 (ring.c, chan.c, ipcbench.c,
 * ipcbench.h, pingpong.c; the kit's synclib/bench.c measures): what IPC
 * costs, measured.  See handouts/16-ipcbench.md.
 *
 * No test asserts anything about speed: the machine that grades is shared
 * and its figures mean nothing.  The tests check what a benchmark must get
 * right whatever the machine: it runs, its data arrive intact (--verify
 * compares every byte), its CSV is complete and consistent (sizes in
 * bytes, min <= median <= max, every mechanism measured or skipped for a
 * stated reason), bad command lines are refused, and nothing is left
 * behind: no System V queue, POSIX queue, FIFO, temporary file or process,
 * whether the run ends, fails or is stopped by a signal.
 */
#define _GNU_SOURCE /* sched_getaffinity and CPU_COUNT */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PING_SIZE 64
#define SYSV_PROJ_ID 'b'
#define CSV_HEADER "mechanism,test,size,reps,median,min,max,unit"
static const char *const mechs[] = {"pipe", "fifo",  "sysvmq", "posixmq",
                                    "unix", "tcp",   "shm",    "shm-spin",
                                    "mmap", "memcpy"};
enum { NMECH = sizeof mechs / sizeof mechs[0] };
static const size_t default_sizes[] = {64, 4096, 65536, 1048576};

/* ---- helpers ----------------------------------------------------------- */

static long proc_limit(const char *path, long fallback)
{
    FILE *f = fopen(path, "r");
    long v;
    if (f == NULL)
        return fallback;
    if (fscanf(f, "%ld", &v) != 1)
        v = fallback;
    fclose(f);
    return v;
}

/* The CPUs this test (and so ipcbench) may use; the first in *first. */
static int allowed_cpus(int *first)
{
    cpu_set_t s;
    if (sched_getaffinity(0, sizeof s, &s) == -1)
        h_fail("harness: sched_getaffinity: %s", strerror(errno));
    *first = -1;
    for (int i = 0; i < CPU_SETSIZE && *first == -1; i++)
        if (CPU_ISSET(i, &s))
            *first = i;
    return CPU_COUNT(&s);
}

/* The work directory holds exactly the names given (NULL-ended). */
static void expect_dir_holds(const char *cmd, ...)
{
    va_list ap;
    const char *want[8];
    int nwant = 0;
    va_start(ap, cmd);
    const char *w;
    while ((w = va_arg(ap, const char *)) != NULL && nwant < 8)
        want[nwant++] = w;
    va_end(ap);
    DIR *d = opendir(h_workdir());
    if (d == NULL)
        h_fail("harness: opendir %s: %s", h_workdir(), strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        bool ok = false;
        for (int i = 0; i < nwant; i++)
            ok = ok || strcmp(e->d_name, want[i]) == 0;
        if (!ok) {
            char name[256];
            snprintf(name, sizeof name, "%s", e->d_name);
            closedir(d);
            h_fail("after %s the work directory still holds \"%s\": every "
                   "temporary directory, FIFO, mapped file and half-written "
                   "CSV must be removed on every way out",
                   cmd, name);
        }
    }
    closedir(d);
}

/* No System V queue with this directory's key is left. */
static void expect_no_queue(const char *cmd)
{
    key_t key = ftok(h_workdir(), SYSV_PROJ_ID);
    int id = key == -1 ? -1 : msgget(key, 0);
    if (id != -1) {
        msgctl(id, IPC_RMID, NULL);
        h_fail("after %s a System V message queue with key 0x%08x is "
               "left: remove it (IPC_RMID) when the test is over, and on "
               "every way out",
               cmd, (unsigned)key);
    }
}

/* Everything a run must leave: nothing but these files. */
static void expect_clean(const struct h_proc *p, const char *keep)
{
    h_expect_reaped(p);
    h_expect_no_ipc();
    h_expect_no_fifos(NULL);
    expect_no_queue(p->cmd);
    expect_dir_holds(p->cmd, keep, NULL);
}

/* ---- the CSV ----------------------------------------------------------- */

struct row {
    char mech[32], test[32], unit[32];
    size_t size;
    unsigned reps;
    double median, min, max;
};

#define MAX_ROWS 512
static struct row rows[MAX_ROWS];
static int nrows;

/* Read and parse the CSV: the header, then rows that each parse. */
static void load_csv(const char *name, const struct h_proc *p)
{
    size_t len;
    char *text = h_read_file(h_path(name), &len);
    if (text == NULL)
        h_fail("%s should write the CSV %s; there is none\n  stdout: %s",
               p->cmd, name, h_quote(p->out, p->out_len));
    nrows = 0;
    char *save, *line = strtok_r(text, "\n", &save);
    if (line == NULL || strcmp(line, CSV_HEADER) != 0)
        h_fail("the CSV's first line should be \"%s\", not %s", CSV_HEADER,
               line == NULL ? "(none)" : h_quote(line, strlen(line)));
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        if (nrows == MAX_ROWS)
            h_fail("the CSV has more than %d rows", MAX_ROWS);
        struct row *r = &rows[nrows];
        int end = -1;
        char copy[256];
        snprintf(copy, sizeof copy, "%s", line);
        if (sscanf(line, "%31[^,],%31[^,],%zu,%u,%lf,%lf,%lf,%31[^,\n]%n",
                   r->mech, r->test, &r->size, &r->reps, &r->median, &r->min,
                   &r->max, r->unit, &end) != 8 ||
            line[end] != '\0')
            h_fail("CSV line %d does not parse as mechanism,test,size,"
                   "reps,median,min,max,unit: %s",
                   nrows + 2, h_quote(copy, strlen(copy)));
        nrows++;
    }
    free(text);
}

static const struct row *find_row(const char *mech, const char *test,
                                  size_t size)
{
    for (int i = 0; i < nrows; i++)
        if (strcmp(rows[i].mech, mech) == 0 &&
            strcmp(rows[i].test, test) == 0 && rows[i].size == size)
            return &rows[i];
    return NULL;
}

/* Why (if at all) mech must skip a message of size bytes. */
static const char *must_skip(const char *mech, size_t size, bool two_cpus)
{
    if (strcmp(mech, "shm-spin") == 0 && !two_cpus)
        return "needs 2 CPUs";
    if (strcmp(mech, "sysvmq") == 0 &&
        (long)size > proc_limit("/proc/sys/kernel/msgmax", 8192))
        return "larger than msgmax";
    if (strcmp(mech, "posixmq") == 0 &&
        (long)size > proc_limit("/proc/sys/fs/mqueue/msgsize_max", 8192))
        return "larger than msgsize_max";
    return NULL;
}

/* One result, measured or skipped, as the handout says. */
static void check_result(const char *mech, const char *test, size_t size,
                         bool two_cpus)
{
    const struct row *r = find_row(mech, test, size);
    if (r == NULL)
        h_fail("the CSV has no row %s,%s,%zu: every mechanism asked for "
               "has a row per test and size, measured or skipped (the size "
               "column holds bytes)",
               mech, test, size);
    const char *why = must_skip(mech, size, two_cpus);
    if (strcmp(r->unit, "skipped") == 0) {
        if (why == NULL)
            h_fail("%s,%s,%zu is skipped, but nothing stops it from "
                   "running here",
                   mech, test, size);
        if (r->reps != 0 || r->median != 0 || r->min != 0 || r->max != 0)
            h_fail("a skipped row has reps, median, min, max 0: %s,%s,%zu",
                   mech, test, size);
        return;
    }
    if (why != NULL)
        h_fail("%s,%s,%zu should be skipped (%s), but was measured", mech, test,
               size, why);
    const char *unit = strcmp(test, "latency") == 0 ? "ns" : "MB/s";
    if (strcmp(r->unit, unit) != 0)
        h_fail("%s,%s,%zu: the unit should be %s, not %s", mech, test, size,
               unit, r->unit);
    /* A throughput is printed with one decimal: a round under 0.05 MB/s
     * (64-byte messages through a spinning ring on a machine busy with
     * other gradings) shows as 0.0, so only the best round must be
     * above 0 there; a latency is never 0 ns. */
    bool mbs = strcmp(unit, "MB/s") == 0;
    if (r->reps < 1 || !(r->max > 0) || !(r->min >= 0) ||
        (!mbs && !(r->min > 0)))
        h_fail("%s,%s,%zu: reps and figures must be positive (reps %u, "
               "median %g, min %g, max %g)",
               mech, test, size, r->reps, r->median, r->min, r->max);
    if (!(r->min <= r->median && r->median <= r->max))
        h_fail("%s,%s,%zu: the median %g is not within [min %g, max %g]: "
               "is the sample sorted before the middle is taken?",
               mech, test, size, r->median, r->min, r->max);
    char cpu_test[48];
    snprintf(cpu_test, sizeof cpu_test, "%s-cpu", test);
    const struct row *c = find_row(mech, cpu_test, size);
    if (c == NULL || strcmp(c->unit, "cpu/wall") != 0 || !(c->median > 0) ||
        c->reps != 1 || c->min != c->median || c->max != c->median)
        h_fail("%s,%s,%zu has no row %s,%s,%zu,1,X,X,X,cpu/wall (X > 0)", mech,
               test, size, mech, cpu_test, size);
}

/* Every mechanism of list (NULL-ended) has all its rows; no other mech
 * appears. */
static void check_csv(const char *const *list, const size_t *sizes, int nsizes,
                      bool two_cpus)
{
    for (int i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], "memcpy") != 0)
            check_result(list[i], "latency", PING_SIZE, two_cpus);
        for (int j = 0; j < nsizes; j++)
            check_result(list[i], "throughput", sizes[j], two_cpus);
    }
    for (int k = 0; k < nrows; k++) {
        bool listed = false, size_ok = strcmp(rows[k].test, "latency") == 0 ||
                                       strcmp(rows[k].test, "latency-cpu") == 0;
        for (int i = 0; list[i] != NULL; i++)
            listed = listed || strcmp(rows[k].mech, list[i]) == 0;
        for (int j = 0; j < nsizes; j++)
            size_ok = size_ok || rows[k].size == sizes[j];
        if (!listed)
            h_fail("the CSV has a row for %s, which was not asked for",
                   rows[k].mech);
        if (!size_ok)
            h_fail("the CSV has a row %s,%s,%zu: no such size was asked "
                   "for (sizes are in bytes)",
                   rows[k].mech, rows[k].test, rows[k].size);
    }
}

static bool two_cpus(void)
{
    int first;
    return allowed_cpus(&first) >= 2;
}

/* ipcbench ARGS...; it must exit 0.  A --quick run takes well under a
 * second on an idle machine, but shm-spin keeps two CPUs busy and, on a
 * machine shared with other gradings, each of its turns may wait a whole
 * time slice: a run of every mechanism gets twice the usual limit.  A
 * run of a few (-m) keeps it: shm-spin alone takes a tenth of a second,
 * and two spinners pinned to one CPU (a bug) are caught by how long
 * they take. */
static struct h_proc *run_ok(const char *const argv[])
{
    bool spins = true; /* every mechanism: no -m */
    for (int i = 0; argv[i] != NULL; i++)
        if (strcmp(argv[i], "-m") == 0)
            spins = false;
    const struct h_opts o = {.timeout = (spins ? 2 : 1) * H_TIMEOUT};
    struct h_proc *p = h_runv(&o, "ipcbench", argv);
    if (p->timed_out) {
        /* Its last row is the last test that ended: the next one hung.
         * Show the last two lines. */
        size_t from = p->out_len;
        for (int nl = 0; from > 0; from--)
            if (p->out[from - 1] == '\n' && from < p->out_len && ++nl == 2)
                break;
        h_fail("%s did not finish in time; the last rows it printed (the "
               "test after them did not end):\n  %s",
               p->cmd, h_quote(p->out + from, p->out_len - from));
    }
    h_expect_exit(p, 0);
    h_expect_stderr_empty(p);
    return p;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(quick_run)
{
    const char *argv[] = {"--quick", "-o", "out.csv", NULL};
    struct h_proc *p = run_ok(argv);
    if (strstr(p->out, "CPUs online") == NULL ||
        strstr(p->out, "mechanism") == NULL)
        h_fail("stdout should start with the placement line (\"N CPUs "
               "online, ...\") and the table's heading\n  stdout: %s",
               h_quote(p->out, p->out_len));
    for (int i = 0; i < NMECH; i++) {
        char want[64];
        snprintf(want, sizeof want, "\n%s ", mechs[i]);
        if (strstr(p->out, want) == NULL)
            h_fail("the table on stdout has no row for %s\n  stdout: %s",
                   mechs[i], h_quote(p->out, p->out_len));
    }
    if (h_read_file(h_path("out.csv"), NULL) == NULL)
        h_fail("%s wrote no out.csv", p->cmd);
}
END_TEST

START_TEST(csv_complete)
{
    const char *argv[] = {"--quick", "-o", "out.csv", NULL};
    struct h_proc *p = run_ok(argv);
    load_csv("out.csv", p);
    const char *list[NMECH + 1];
    for (int i = 0; i < NMECH; i++)
        list[i] = mechs[i];
    list[NMECH] = NULL;
    check_csv(list, default_sizes, 4, two_cpus());
}
END_TEST

START_TEST(csv_sizes)
{
    const char *argv[] = {"--quick",      "-m", "pipe,memcpy", "-s",
                          "32,4K,24K,2M", "-o", "s.csv",       NULL};
    struct h_proc *p = run_ok(argv);
    load_csv("s.csv", p);
    static const size_t sizes[] = {32, 4096, 24576, 2097152};
    const char *list[] = {"pipe", "memcpy", NULL};
    check_csv(list, sizes, 4, two_cpus());
}
END_TEST

START_TEST(verify_rings)
{
    /* 1000 B and 3 MiB messages do not divide the ring: they wrap in the
     * middle, and 3 MiB ones fill it. */
    const char *argv[] = {"--quick", "--verify",   "-m", "shm,shm-spin,mmap",
                          "-s",      "64,1000,3M", NULL};
    struct h_proc *p = run_ok(argv);
    if (strstr(p->out, "no errors") == NULL)
        h_fail("--verify should end with a line saying it found no errors"
               "\n  stdout: %s",
               h_quote(p->out, p->out_len));
    expect_clean(p, NULL);
}
END_TEST

START_TEST(verify_streams)
{
    const char *argv[] = {
        "--quick", "--verify",      "-m", "pipe,fifo,sysvmq,posixmq,unix,tcp",
        "-s",      "40,1000,8K,3M", NULL};
    struct h_proc *p = run_ok(argv);
    if (strstr(p->out, "no errors") == NULL)
        h_fail("--verify should end with a line saying it found no errors"
               "\n  stdout: %s",
               h_quote(p->out, p->out_len));
    expect_clean(p, NULL);
}
END_TEST

/* One mechanism alone, with the default sizes. */
static void alone(const char *mech)
{
    const char *argv[] = {"--quick", "-m", mech, "-o", "m.csv", NULL};
    struct h_proc *p = run_ok(argv);
    load_csv("m.csv", p);
    const char *list[] = {mech, NULL};
    check_csv(list, default_sizes, 4, two_cpus());
    expect_clean(p, "m.csv");
}

START_TEST(alone_pipe)
{
    alone("pipe");
}
END_TEST
START_TEST(alone_fifo)
{
    alone("fifo");
}
END_TEST
START_TEST(alone_sysvmq)
{
    alone("sysvmq");
}
END_TEST
START_TEST(alone_posixmq)
{
    alone("posixmq");
}
END_TEST
START_TEST(alone_unix)
{
    alone("unix");
}
END_TEST
START_TEST(alone_tcp)
{
    alone("tcp");
}
END_TEST
START_TEST(alone_shm)
{
    alone("shm");
}
END_TEST
START_TEST(alone_spin)
{
    alone("shm-spin");
}
END_TEST
START_TEST(alone_mmap)
{
    alone("mmap");
}
END_TEST

START_TEST(no_leftovers)
{
    /* Every mechanism makes and removes its objects whatever the sizes:
     * one small size is enough (and a full run's cost, twice more). */
    const char *argv[] = {"--quick", "-s", "64", NULL};
    struct h_proc *p = run_ok(argv);
    expect_clean(p, NULL);
}
END_TEST

START_TEST(bad_usage)
{
    static const char *const bad[][4] = {
        {"-x", NULL},         {"--bogus", NULL},
        {"-m", "nope", NULL}, {"-m", "pipe,", "extra", NULL},
        {"-m", NULL},         {"-s", "0", NULL},
        {"-s", "12", NULL},   {"-s", "4K,abc", NULL},
        {"-s", "128M", NULL}, {"-s", "-64", NULL},
        {"-c", "1", NULL},    {"extra", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[6] = {"-o", "bad.csv"};
        for (int j = 0; j < 4 && bad[i][j] != NULL; j++)
            argv[2 + j] = bad[i][j];
        struct h_proc *p = h_runv(NULL, "ipcbench", argv);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
        expect_dir_holds(p->cmd, NULL);
    }
}
END_TEST

START_TEST(interrupted)
{
    /* A default (long) run: stop it once the first result is out, while
     * the throughput test holds its queue. */
    struct h_proc *p = h_start(NULL, "ipcbench", "-m", "sysvmq,fifo", "-s",
                               "4K", "-o", "out.csv", NULL);
    if (!h_await_stdout(p, "latency", 0)) {
        h_kill(p, SIGKILL);
        h_wait(p, 0);
        h_fail("%s printed no latency row in time\n  stdout: %s\n"
               "  stderr: %s",
               p->cmd, h_quote(p->out, p->out_len),
               h_quote(p->err, p->err_len));
    }
    h_kill(p, SIGTERM);
    h_wait(p, 0);
    if (p->timed_out)
        h_fail("%s did not stop on SIGTERM", p->cmd);
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0)
        h_fail("%s stopped by SIGTERM exited with status 0: an interrupted "
               "run has no complete results",
               p->cmd);
    expect_clean(p, NULL);
}
END_TEST

START_TEST(spin_one_cpu)
{
    int cpu;
    allowed_cpus(&cpu);
    char pair[32];
    snprintf(pair, sizeof pair, "%d,%d", cpu, cpu);
    const char *argv[] = {"--quick", "-m", "shm-spin,pipe", "-c",
                          pair,      "-o", "c.csv",         NULL};
    struct h_proc *p = run_ok(argv);
    if (strstr(p->out, "skipped: needs 2 CPUs") == NULL)
        h_fail("pinned to one CPU (-c %s), shm-spin must say \"skipped: "
               "needs 2 CPUs\"\n  stdout: %s",
               pair, h_quote(p->out, p->out_len));
    load_csv("c.csv", p);
    const char *list[] = {"shm-spin", "pipe", NULL};
    check_csv(list, default_sizes, 4, false);
    expect_clean(p, "c.csv");
}
END_TEST

START_TEST(leftover_mq)
{
    const char *name = h_ipc_name("ipcb_down");
    struct mq_attr a = {0};
    a.mq_maxmsg = 1;
    a.mq_msgsize = 8;
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
    if (q == (mqd_t)-1)
        h_fail("harness: mq_open %s: %s", name, strerror(errno));
    mq_close(q);
    struct h_proc *p =
        h_run(NULL, "ipcbench", "--quick", "-m", "posixmq", NULL);
    bool gone = mq_unlink(name) == -1;
    h_expect_failure(p);
    h_expect_stderr_has(p, name, NULL);
    if (gone)
        h_fail("%s removed a queue another run left (%s): refuse it "
               "(O_EXCL) and say how to remove it, do not take it over",
               p->cmd, name);
    h_expect_no_ipc();
    expect_dir_holds(p->cmd, NULL);
}
END_TEST

START_TEST(csv_unwritable)
{
    struct h_proc *p = h_run(NULL, "ipcbench", "--quick", "-m", "memcpy", "-o",
                             "nodir/out.csv", NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "nodir/out.csv", NULL);
    expect_dir_holds(p->cmd, NULL);
}
END_TEST

/* pingpong's one line: pingpong,latency,64,COUNT,MEDIAN,MIN,MAX,ns */
START_TEST(pingpong_line)
{
    struct h_proc *p = h_run(NULL, "pingpong", "2000", NULL);
    h_expect_exit(p, 0);
    h_expect_stderr_empty(p);
    unsigned long reps;
    double med, min, max;
    int end = -1;
    if (sscanf(p->out, "pingpong,latency,64,%lu,%lf,%lf,%lf,ns\n%n", &reps,
               &med, &min, &max, &end) != 4 ||
        end < 0 || (size_t)end != p->out_len)
        h_fail("pingpong should print one line "
               "pingpong,latency,64,COUNT,MEDIAN,MIN,MAX,ns\n  stdout: %s",
               h_quote(p->out, p->out_len));
    if (reps != 2000)
        h_fail("pingpong 2000 should time 2000 round trips (the warm-up "
               "is not counted), not %lu",
               reps);
    if (!(min > 0 && min <= med && med <= max))
        h_fail("pingpong: want 0 < min <= median <= max, got %s",
               h_quote(p->out, p->out_len));
    h_expect_reaped(p);
}
END_TEST

START_TEST(pingpong_usage)
{
    static const char *const bad[][3] = {
        {"0", NULL}, {"abc", NULL}, {"-5", NULL}, {"10", "20", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct h_proc *p = h_runv(NULL, "pingpong", bad[i]);
        h_expect_exit(p, 2);
        h_expect_stderr_has(p, "usage:", NULL);
        h_expect_stdout_empty(p);
    }
}
END_TEST

static const struct h_test tests[] = {
    {&quick_run, 3, "ipcbench --quick runs every mechanism, exits 0",
     "a lost wake-up in the ring, or a transport that fails"},
    {&csv_complete, 3, "the CSV: every result or skip, min<=median<=max",
     "median taken from an unsorted sample; a result missing"},
    {&csv_sizes, 2, "-s sizes appear in the CSV in bytes",
     "the size column in KiB, or the table's text"},
    {&verify_rings, 3, "--verify: shm, shm-spin, mmap deliver every byte",
     "the ring's copy at the wrap-around point"},
    {&verify_streams, 2, "--verify: pipe, fifo, queues, sockets intact",
     "one read() taken for a whole message on a stream"},
    {&alone_pipe, 1, "-m pipe alone: its rows, nothing left",
     "one read() taken for a whole message"},
    {&alone_fifo, 1, "-m fifo alone: its rows, FIFOs and directory gone",
     "the FIFOs or their directory not removed"},
    {&alone_sysvmq, 1, "-m sysvmq alone: big sizes skipped, queue removed",
     "no IPC_RMID after the test"},
    {&alone_posixmq, 1, "-m posixmq alone: sizes over msgsize_max skipped",
     "mq_unlink forgotten, or sizes over msgsize_max tried"},
    {&alone_unix, 1, "-m unix alone (socketpair)", "TODO 5 missing"},
    {&alone_tcp, 1, "-m tcp alone (127.0.0.1)", "TODO 6 missing"},
    {&alone_shm, 2, "-m shm alone: the sleeping ring",
     "a wake-up lost: the reader sleeps a whole tick per message"},
    {&alone_spin, 1, "-m shm-spin alone, on two CPUs",
     "both sides pinned to one CPU: each spin wastes a time slice"},
    {&alone_mmap, 1, "-m mmap alone: the file is removed",
     "the mapped file left in its temporary directory"},
    {&no_leftovers, 2, "after a full run: no queue, FIFO, file, process",
     "an object of one mechanism never removed"},
    {&bad_usage, 2, "bad options, mechanisms, sizes: usage, status 2",
     "a bad size or mechanism accepted, or status 1"},
    {&interrupted, 2, "SIGTERM: queue, CSV and temporaries removed",
     "no signal handler: the queue and FIFOs outlive the run"},
    {&spin_one_cpu, 1, "-c N,N: shm-spin is skipped (needs 2 CPUs)",
     "spinning with both sides on one CPU"},
    {&leftover_mq, 1, "a leftover POSIX queue is refused, with its name",
     "no O_EXCL: another run's queue taken over"},
    {&csv_unwritable, 1, "-o into a missing folder: status 1 at once",
     "the CSV error only warned about, status 0"},
    {&pingpong_line, 2, "pingpong prints its one CSV line",
     "the warm-up counted, or the line in another format"},
    {&pingpong_usage, 1, "pingpong with a bad COUNT: usage, status 2",
     "COUNT read with atoi()"},
};

H_LAB("16-ipcbench", "ring.c chan.c ipcbench.c ipcbench.h pingpong.c",
      "ipcbench pingpong", tests)
