/*
 * 06-shm.c - tests for lab 06 (shm.c): where a global array, the stack, a
 * malloc'd block and an attached System V segment live.  See
 * handouts/06-shm.md for the specification.
 *
 * The addresses shm prints are checked against the kernel's own records
 * while the program is still alive: shm FIFO prints its lines, says
 * "ready" and waits for end-of-file on FIFO.  The test holds FIFO open
 * read-write from before the start (so the program's open never blocks),
 * reads /proc/<pid>/maps and /proc/sysvipc/shm, and closes FIFO to let the
 * program go on and clean up.
 *
 * Under a checker that loads the program itself (KIT_WRAP, e.g. valgrind)
 * the stack is a plain anonymous mapping and the heap is the checker's,
 * so those two checks accept any writable anonymous mapping there.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The sizes the handout specifies. */
#define ARRAY_SIZE 40000UL
#define MALLOC_SIZE 100000UL
#define SHM_SIZE 100000UL
#define FIFO_NAME "go"

/* ---- what shm printed -------------------------------------------------- */

struct printed {
    unsigned long array, array_end, stack, block, block_end, shm, shm_end;
    long id;
};

/* An address as %p prints it: "0x" and lower-case hex digits. */
static bool parse_addr(const char **s, unsigned long *v)
{
    const char *p = *s;
    if (p[0] != '0' || p[1] != 'x')
        return false;
    p += 2;
    size_t n = strspn(p, "0123456789abcdef");
    if (n == 0 || n > 16)
        return false;
    *v = strtoul(p, NULL, 16);
    *s = p + n;
    return true;
}

/*
 * Match one line against pat, where '@' stands for an address and '#' for
 * a decimal number; the values go to vals in order.
 */
static bool match(const char *line, const char *pat, unsigned long *vals)
{
    for (; *pat != '\0'; pat++) {
        if (*pat == '@') {
            if (!parse_addr(&line, vals++))
                return false;
        } else if (*pat == '#') {
            size_t n = strspn(line, "0123456789");
            if (n == 0 || n > 10)
                return false;
            *vals++ = strtoul(line, NULL, 10);
            line += n;
        } else if (*line++ != *pat) {
            return false;
        }
    }
    return *line == '\n' || *line == '\0';
}

/* The line of out that starts with prefix, or NULL. */
static const char *line_of(const char *out, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *l = out; l != NULL && *l != '\0';) {
        if (strncmp(l, prefix, n) == 0)
            return l;
        l = strchr(l, '\n');
        if (l != NULL)
            l++;
    }
    return NULL;
}

static const struct {
    const char *prefix, *pat, *shape;
} lines[] = {
    {"global array:", "global array: @ to @", "global array: 0x... to 0x..."},
    {"stack:", "stack: @", "stack: 0x..."},
    {"malloc:", "malloc: @ to @", "malloc: 0x... to 0x..."},
    {"shared memory:", "shared memory: @ to @ (id #)",
     "shared memory: 0x... to 0x... (id N)"},
};

/* Parse the four lines of out into pr; fail with what is wrong. */
static void parse_output(const char *out, size_t len, const char *cmd,
                         struct printed *pr)
{
    unsigned long v[4][3];
    for (size_t i = 0; i < 4; i++) {
        const char *l = line_of(out, lines[i].prefix);
        if (l == NULL || !match(l, lines[i].pat, v[i]))
            h_fail("expected a line \"%s\" (addresses printed with %%p), "
                   "got stdout %s\n  command: %s",
                   lines[i].shape, h_quote(out, len), cmd);
    }
    pr->array = v[0][0];
    pr->array_end = v[0][1];
    pr->stack = v[1][0];
    pr->block = v[2][0];
    pr->block_end = v[2][1];
    pr->shm = v[3][0];
    pr->shm_end = v[3][1];
    pr->id = (long)v[3][2];
    const struct {
        const char *what;
        unsigned long lo, hi, size;
    } r[] = {{"global array", pr->array, pr->array_end, ARRAY_SIZE},
             {"malloc", pr->block, pr->block_end, MALLOC_SIZE},
             {"shared memory", pr->shm, pr->shm_end, SHM_SIZE}};
    for (size_t i = 0; i < 3; i++)
        if (r[i].hi - r[i].lo != r[i].size)
            h_fail("\"%s: 0x%lx to 0x%lx\" spans %ld bytes, expected %lu "
                   "(\"to\" is the first address past the end)\n"
                   "  command: %s",
                   r[i].what, r[i].lo, r[i].hi, (long)(r[i].hi - r[i].lo),
                   r[i].size, cmd);
}

/* ---- the kernel's records ---------------------------------------------- */

enum kind { K_EXE, K_BSS, K_HEAP, K_STACK, K_SYSV, K_ANON, K_OTHER };
static const char *const kind_name[] = {"the executable's file",
                                        "the executable's .bss",
                                        "[heap]",
                                        "[stack]",
                                        "a System V segment",
                                        "an anonymous mapping",
                                        "another mapping"};

struct map {
    unsigned long lo, hi, inode;
    char perms[8];
    char name[300];
    enum kind kind;
};

struct maps {
    struct map m[4096];
    size_t n;
};

/* Read /proc/<pid>/maps and say what each mapping is. */
static void read_maps(pid_t pid, struct maps *ms)
{
    struct stat st;
    if (stat(h_prog("shm"), &st) == -1)
        h_fail("harness: stat %s: %s", h_prog("shm"), strerror(errno));
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
    char *text = h_read_file(path, NULL);
    if (text == NULL)
        h_fail("cannot read %s: %s (did shm exit before end-of-file on "
               "its FIFO?)",
               path, strerror(errno));
    ms->n = 0;
    for (char *l = strtok(text, "\n"); l != NULL && ms->n < 4096;
         l = strtok(NULL, "\n")) {
        struct map *m = &ms->m[ms->n];
        int off = 0;
        if (sscanf(l, "%lx-%lx %7s %*x %*x:%*x %lu %n", &m->lo, &m->hi,
                   m->perms, &m->inode, &off) < 4)
            continue;
        snprintf(m->name, sizeof m->name, "%s", off > 0 ? l + off : "");
        const struct map *prev = ms->n > 0 ? &ms->m[ms->n - 1] : NULL;
        if (m->name[0] != '\0' && m->inode == (unsigned long)st.st_ino &&
            strstr(m->name, "/shm") != NULL)
            m->kind = K_EXE;
        else if (m->name[0] == '\0' && prev != NULL && prev->kind == K_EXE &&
                 prev->hi == m->lo)
            m->kind = K_BSS; /* .bss past the last page of .data */
        else if (strcmp(m->name, "[heap]") == 0)
            m->kind = K_HEAP;
        else if (strcmp(m->name, "[stack]") == 0)
            m->kind = K_STACK;
        else if (strncmp(m->name, "/SYSV", 5) == 0)
            m->kind = K_SYSV;
        else if (m->name[0] == '\0')
            m->kind = K_ANON;
        else
            m->kind = K_OTHER;
        ms->n++;
    }
    free(text);
}

/* The mapping that holds addr, or NULL. */
static const struct map *find(const struct maps *ms, unsigned long addr)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->m[i].lo <= addr && addr < ms->m[i].hi)
            return &ms->m[i];
    return NULL;
}

/* Fail unless addr lies in a writable mapping of one of the kinds. */
static void expect_in(const struct maps *ms, const char *what,
                      unsigned long addr, const enum kind *ok, size_t nok,
                      const char *hint)
{
    const struct map *m = find(ms, addr);
    if (m == NULL)
        h_fail("%s: 0x%lx is in no mapping of the process "
               "(/proc/<pid>/maps): not a real address.  %s",
               what, addr,
               addr <= 0xffffffffUL
                   ? "It fits in 32 bits: was it printed with %x?"
                   : "Print the pointer itself with %p.");
    for (size_t i = 0; i < nok; i++)
        if (m->kind == ok[i] && strchr(m->perms, 'w') != NULL)
            return;
    h_fail("%s: 0x%lx is in %s (%lx-%lx %s %s), expected %s.  %s", what, addr,
           kind_name[m->kind], m->lo, m->hi, m->perms, m->name,
           kind_name[ok[0]], hint);
}

/* shm was started under a checker such as valgrind (see the top). */
static bool wrapped(void)
{
    const char *w = getenv("KIT_WRAP");
    return w != NULL && *w != '\0';
}

/* ---- running shm with a pause ------------------------------------------ */

struct paused {
    struct h_proc *p;
    int fd; /* our read-write descriptor on the FIFO */
    struct printed pr;
};

/* Start shm FIFO and wait until it is ready, its segment attached. */
static void start_paused(struct paused *r)
{
    const char *fifo = h_path(FIFO_NAME);
    if (mkfifo(fifo, 0666) == -1)
        h_fail("harness: mkfifo %s: %s", fifo, strerror(errno));
    /* Read-write: never blocks, and the program's read-only open does not
     * block either, since a writer exists.  Linux-specific, but the test
     * reads /proc anyway. */
    r->fd = open(fifo, O_RDWR | O_CLOEXEC);
    if (r->fd == -1)
        h_fail("harness: open %s: %s", fifo, strerror(errno));
    r->p = h_start(NULL, "shm", FIFO_NAME, NULL);
    if (!h_await_stdout(r->p, "shm: ready\n", 0)) {
        close(r->fd);
        h_wait(r->p, 0.5);
        h_fail("shm %s never printed \"shm: ready\" (flushed) after its "
               "four lines\n  stdout: %s\n  stderr: %s\n  command: %s",
               FIFO_NAME, h_quote(r->p->out, r->p->out_len),
               h_quote(r->p->err, r->p->err_len), r->p->cmd);
    }
    size_t len;
    char *out = h_read_file(r->p->out_path, &len);
    parse_output(out, len, r->p->cmd, &r->pr);
    free(out);
}

/* Let shm go on: it must exit with 0. */
static void release(struct paused *r)
{
    if (close(r->fd) == -1)
        h_fail("harness: close FIFO: %s", strerror(errno));
    h_wait(r->p, 0);
    h_expect_exit(r->p, 0);
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(prints_addresses)
{
    struct h_proc *p = h_run(NULL, "shm", NULL);
    h_expect_exit(p, 0);
    struct printed pr;
    parse_output(p->out, p->out_len, p->cmd, &pr);
    if (h_count_lines(p->out, "shm: ready") != 0)
        h_fail("without an argument shm must not wait: it printed "
               "\"ready\"\n  command: %s",
               p->cmd);
    int n = 0;
    for (const char *c = p->out; *c != '\0'; c++)
        n += *c == '\n';
    if (n != 4)
        h_fail("expected exactly 4 lines on stdout, got %d: %s\n"
               "  command: %s",
               n, h_quote(p->out, p->out_len), p->cmd);
}
END_TEST

START_TEST(full_width)
{
    /* Stacks and mappings lie far above 4 GiB on x86-64 Linux: a value
     * that fits in 32 bits lost its top half. */
    struct h_proc *p = h_run(NULL, "shm", NULL);
    h_expect_exit(p, 0);
    struct printed pr;
    parse_output(p->out, p->out_len, p->cmd, &pr);
    if (pr.stack <= 0xffffffffUL)
        h_fail("stack: 0x%lx fits in 32 bits, but a 64-bit stack address "
               "does not: print pointers with %%p, never with %%x or "
               "through (unsigned) int\n  command: %s",
               pr.stack, p->cmd);
    if (!wrapped() && pr.shm <= 0xffffffffUL)
        h_fail("shared memory: 0x%lx fits in 32 bits: print pointers with "
               "%%p\n  command: %s",
               pr.shm, p->cmd);
}
END_TEST

START_TEST(global_in_executable)
{
    struct paused r;
    start_paused(&r);
    static struct maps ms;
    read_maps(r.p->pid, &ms);
    static const enum kind ok[] = {K_BSS, K_EXE};
    const char *hint = "A global array lives in the executable's data "
                       "(.bss): declare it outside every function.";
    expect_in(&ms, "global array", r.pr.array, ok, 2, hint);
    expect_in(&ms, "global array (its last byte)", r.pr.array_end - 1, ok, 2,
              hint);
    release(&r);
}
END_TEST

START_TEST(stack_on_stack)
{
    struct paused r;
    start_paused(&r);
    static struct maps ms;
    read_maps(r.p->pid, &ms);
    static const enum kind ok[] = {K_STACK, K_ANON};
    expect_in(&ms, "stack", r.pr.stack, ok, wrapped() ? 2 : 1,
              "Print the address of a local variable of main.");
    release(&r);
}
END_TEST

START_TEST(malloc_on_heap)
{
    struct paused r;
    start_paused(&r);
    static struct maps ms;
    read_maps(r.p->pid, &ms);
    /* glibc takes a 100000-byte block from [heap]; other allocators
     * (the sanitizers', valgrind's) from anonymous mappings. */
    static const enum kind ok[] = {K_HEAP, K_ANON};
    const char *hint = "Print the pointer malloc returned (block), not the "
                       "address of the variable that holds it (&block).";
    expect_in(&ms, "malloc", r.pr.block, ok, 2, hint);
    expect_in(&ms, "malloc (its last byte)", r.pr.block_end - 1, ok, 2, hint);
    release(&r);
}
END_TEST

/* The /proc/sysvipc/shm line of segment id, or fail. */
static void sysvipc_line(long id, long *key, unsigned long *size, long *cpid,
                         long *nattch)
{
    char *text = h_read_file("/proc/sysvipc/shm", NULL);
    if (text == NULL)
        h_fail("harness: cannot read /proc/sysvipc/shm");
    bool found = false;
    for (char *l = strtok(text, "\n"); l != NULL && !found;
         l = strtok(NULL, "\n")) {
        long k, i, perms, lpid;
        if (sscanf(l, "%ld %ld %lo %lu %ld %ld %ld", &k, &i, &perms, size, cpid,
                   &lpid, nattch) == 7 &&
            i == id) {
            *key = k;
            found = true;
        }
    }
    free(text);
    if (!found)
        h_fail("shared memory: the kernel has no segment with id %ld "
               "(/proc/sysvipc/shm, ipcs -m): print the id shmget "
               "returned",
               id);
}

START_TEST(segment_attached)
{
    struct paused r;
    start_paused(&r);
    static struct maps ms;
    read_maps(r.p->pid, &ms);
    const struct map *m = find(&ms, r.pr.shm);
    if (m == NULL || m->kind != K_SYSV)
        h_fail("shared memory: 0x%lx is %s, expected the start of the "
               "attached segment (a mapping named /SYSV...).  Print the "
               "address shmat returned.\n  command: %s",
               r.pr.shm, m == NULL ? "in no mapping" : kind_name[m->kind],
               r.p->cmd);
    if (m->lo != r.pr.shm)
        h_fail("shared memory: 0x%lx is inside the segment mapped at "
               "0x%lx, not its start\n  command: %s",
               r.pr.shm, m->lo, r.p->cmd);
    if ((long)m->inode != r.pr.id)
        h_fail("shared memory: the segment mapped at 0x%lx has id %lu, but "
               "shm printed (id %ld): print the id shmget returned\n"
               "  command: %s",
               m->lo, m->inode, r.pr.id, r.p->cmd);
    long page = sysconf(_SC_PAGESIZE);
    unsigned long want = (SHM_SIZE + (unsigned long)page - 1) /
                         (unsigned long)page * (unsigned long)page;
    if (m->hi - m->lo != want || strncmp(m->perms, "rw-s", 4) != 0)
        h_fail("shared memory: expected a shared read-write mapping of %lu "
               "bytes (%lu rounded up to pages), got %lx-%lx %s\n"
               "  command: %s",
               want, SHM_SIZE, m->lo, m->hi, m->perms, r.p->cmd);
    long key, cpid, nattch;
    unsigned long size;
    sysvipc_line(r.pr.id, &key, &size, &cpid, &nattch);
    if (key != 0 || size != SHM_SIZE || cpid != (long)r.p->pid || nattch != 1)
        h_fail("segment id %ld: expected key 0 (IPC_PRIVATE), %lu bytes, "
               "created by shm (pid %ld), attached once; the kernel says "
               "key %ld, %lu bytes, creator pid %ld, attached %ld times\n"
               "  command: %s",
               r.pr.id, SHM_SIZE, (long)r.p->pid, key, size, cpid, nattch,
               r.p->cmd);
    release(&r);
}
END_TEST

START_TEST(removes_segment)
{
    struct h_proc *p = h_run(NULL, "shm", NULL);
    h_expect_exit(p, 0);
    struct printed pr; /* a segment was made: its line is there */
    parse_output(p->out, p->out_len, p->cmd, &pr);
    h_expect_no_ipc();
}
END_TEST

START_TEST(removes_after_wait)
{
    struct paused r;
    start_paused(&r);
    release(&r);
    h_expect_no_ipc();
}
END_TEST

START_TEST(error_path_removes)
{
    /* The FIFO does not exist: open fails after the segment was made. */
    struct h_proc *p = h_run(NULL, "shm", "no-such-fifo", NULL);
    h_expect_exit(p, 1);
    h_expect_stderr_has(p, "no-such-fifo", NULL);
    struct printed pr;
    parse_output(p->out, p->out_len, p->cmd, &pr);
    h_expect_no_ipc();
}
END_TEST

START_TEST(usage)
{
    struct h_proc *p = h_run(NULL, "shm", "one", "two", NULL);
    h_expect_exit(p, 2);
    h_expect_stderr_has(p, "usage:", NULL);
    h_expect_stdout_empty(p);
    h_expect_no_ipc();
}
END_TEST

static const struct h_test tests[] = {
    {&prints_addresses, 2, "prints the four lines of the specification",
     "a line is missing or shaped otherwise, or \"to\" is not one past the "
     "end"},
    {&full_width, 2, "prints whole 64-bit addresses",
     "pointers printed with %x (or cast to int): the top 32 bits are lost"},
    {&global_in_executable, 2,
     "the global array lies in the executable's "
     "data",
     "the array is declared inside a function, so it is on the stack"},
    {&stack_on_stack, 1, "the stack address lies in [stack]",
     "prints something other than a local variable's address"},
    {&malloc_on_heap, 2, "the malloc'd block lies on the heap",
     "prints &block (where the pointer is kept) instead of block"},
    {&segment_attached, 3,
     "the segment: right address, id, size, "
     "IPC_PRIVATE, attached",
     "prints &shmaddr, the key instead of the "
     "id, or a segment of another size"},
    {&removes_segment, 3, "no segment is left after it exits",
     "no shmctl(IPC_RMID): the segment outlives the process"},
    {&removes_after_wait, 2,
     "with FIFO: waits for end-of-file, then "
     "exits 0 and leaves no segment",
     "the waiting path forgets the "
     "cleanup"},
    {&error_path_removes, 2,
     "an error after shmget still removes the "
     "segment",
     "die() on an error path without removing the segment"},
    {&usage, 1, "rejects two arguments with a usage line and status 2",
     "no argument check"},
};

H_LAB("06-shm", "shm.c", "shm", tests)
