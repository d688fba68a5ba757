/*
 * cleanup.c - removing what a test's programs left behind: processes that
 * escaped Check's process-group kill, System V objects, and the work
 * directory with its FIFOs.  Runs in the runner, after every test.
 */
#define _GNU_SOURCE
#include "harness.h"
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Kill every process whose working directory is in workdir (a daemon
 * that called setsid() escaped the group kill, but not its cwd). */
static int kill_strays(const char *workdir)
{
    int killed = 0;
    for (int round = 0; round < 20; round++) {
        int found = 0;
        DIR *d = opendir("/proc");
        if (d == NULL)
            return killed;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            pid_t pid = (pid_t)atol(e->d_name);
            if (pid == getpid())
                continue;
            char link[64], cwd[4096];
            snprintf(link, sizeof link, "/proc/%ld/cwd", (long)pid);
            ssize_t n = readlink(link, cwd, sizeof cwd - 1);
            if (n <= 0)
                continue;
            cwd[n] = '\0';
            if (under(cwd, workdir) && kill(pid, SIGKILL) == 0)
                found++;
        }
        closedir(d);
        killed += found;
        if (found == 0)
            break;
    }
    return killed;
}

static bool pid_listed(const char *iodir, long pid)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pids", iodir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    long p;
    bool found = false;
    while (!found && fscanf(f, "%ld", &p) == 1)
        found = p == pid;
    fclose(f);
    return found;
}

/* Append to what (bounded) a description of one object. */
static void describe(char *what, size_t n, const char *kind, long key)
{
    size_t used = strlen(what);
    if (used + 40 < n)
        snprintf(what + used, n - used, "%s%s key 0x%08lx", used ? ", " : "",
                 kind, (unsigned long)key & 0xffffffffUL);
}

/* The directories under the work directory: their ftok bases, and the
 * "-<dev>-<ino>" ending of POSIX names made there (synclib/ipcname.h). */
enum { MAX_BASES = 64 };
static key_t bases[MAX_BASES];
static char endings[MAX_BASES][48];
static int nbases;

static int add_base(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)ftw;
    key_t k;
    if (flag == FTW_D && nbases < MAX_BASES && (k = ftok(path, 1)) != -1) {
        snprintf(endings[nbases], sizeof endings[0], "-%lx-%lx",
                 (unsigned long)st->st_dev, (unsigned long)st->st_ino);
        bases[nbases++] = k;
    }
    return 0;
}

static void describe_name(char *what, size_t n, const char *kind,
                          const char *name)
{
    size_t used = strlen(what);
    if (used + 40 < n)
        snprintf(what + used, n - used, "%s%s /%s", used ? ", " : "", kind,
                 name);
}

/* Is name (a file in /dev/shm or the mqueue file system) a kit name made
 * in one of the base directories? */
static bool everything; /* in a box of its own: every object is the test's */

static bool our_name(const char *name)
{
    if (everything)
        return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
    const char *p = name;
    if (strncmp(p, "sem.", 4) == 0)
        p += 4;
    if (strncmp(p, "ipckit-", 7) != 0)
        return false;
    size_t len = strlen(p);
    for (int b = 0; b < nbases; b++) {
        size_t e = strlen(endings[b]);
        if (len > e && strcmp(p + len - e, endings[b]) == 0)
            return true;
    }
    return false;
}

/* POSIX objects: /dev/shm (shared memory, named semaphores) and the
 * message queue file system, where it is mounted (KIT_MQUEUE_DIR, which
 * the sandbox sets, or /dev/mqueue).  Where queues cannot be listed, the
 * names the test asked h_ipc_name() for are tried one by one. */
static bool posix_leftovers(const char *iodir, bool remove, char *what,
                            size_t n)
{
    bool found = false;
    const char *mqdir = getenv("KIT_MQUEUE_DIR");
    if (mqdir == NULL || *mqdir == '\0')
        mqdir = "/dev/mqueue";
    const char *dirs[] = {"/dev/shm", mqdir};
    bool listed_mq = false;
    for (int i = 0; i < 2; i++) {
        DIR *d = opendir(dirs[i]);
        if (d == NULL)
            continue;
        if (i == 1)
            listed_mq = true;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!our_name(e->d_name))
                continue;
            found = true;
            describe_name(
                what, n,
                i == 1                               ? "POSIX message queue"
                : strncmp(e->d_name, "sem.", 4) == 0 ? "POSIX named semaphore"
                                                     : "POSIX shared memory",
                i == 1 || strncmp(e->d_name, "sem.", 4) != 0 ? e->d_name
                                                             : e->d_name + 4);
            if (remove)
                (void)unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    if (listed_mq)
        return found;
    char path[4200];
    snprintf(path, sizeof path, "%s/names", iodir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return found;
    char name[256];
    while (fscanf(f, "%255s", name) == 1) {
        mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK);
        if (q == (mqd_t)-1)
            continue;
        mq_close(q);
        found = true;
        describe_name(what, n, "POSIX message queue", name + 1);
        if (remove)
            (void)mq_unlink(name);
    }
    fclose(f);
    return found;
}

bool h_ipc_leftovers(const char *workdir, const char *iodir, bool remove,
                     char *what, size_t n)
{
    static const struct {
        const char *file, *kind;
    } kinds[] = {{"/proc/sysvipc/msg", "message queue"},
                 {"/proc/sysvipc/shm", "shared memory segment"},
                 {"/proc/sysvipc/sem", "semaphore set"}};
    what[0] = '\0';
    /* ftok keys all share the low 24 bits for one path: collect them for
     * the work directory and every directory a test made inside it (a
     * second "student" in a subdirectory). */
    nbases = 0;
    nftw(workdir, add_base, 16, FTW_PHYS);
    bool found = false;
    for (size_t k = 0; k < 3; k++) {
        FILE *f = fopen(kinds[k].file, "r");
        if (f == NULL)
            continue;
        char line[512];
        if (fgets(line, sizeof line, f) == NULL) { /* header */
            fclose(f);
            continue;
        }
        while (fgets(line, sizeof line, f) != NULL) {
            long key, id, perms, size, cpid;
            int got = sscanf(line, "%ld %ld %lo %ld %ld", &key, &id, &perms,
                             &size, &cpid);
            if (got < 2)
                continue;
            bool ours = everything;
            for (int b = 0; b < nbases && key != 0; b++)
                ours = ours || ((unsigned long)key & 0xffffffUL) ==
                                   ((unsigned long)bases[b] & 0xffffffUL);
            if (!ours && k == 1 && got == 5)
                ours = pid_listed(iodir, cpid);
            if (!ours)
                continue;
            found = true;
            describe(what, n, kinds[k].kind, key);
            if (!remove)
                continue;
            if (k == 0)
                msgctl((int)id, IPC_RMID, NULL);
            else if (k == 1)
                shmctl((int)id, IPC_RMID, NULL);
            else
                semctl((int)id, 0, IPC_RMID);
        }
        fclose(f);
    }
    if (posix_leftovers(iodir, remove, what, n))
        found = true;
    return found;
}

const char *h_ipc_name(const char *tag)
{
    static char ring[4][128];
    static int next;
    char *buf = ring[next++ % 4];
    struct stat st;
    if (stat(h_workdir(), &st) == -1)
        h_fail("harness: stat %s: %s", h_workdir(), strerror(errno));
    uid_t uid = getuid(); /* the test runs as its programs do */
    snprintf(buf, sizeof ring[0], "/ipckit-%s-%lu-%lx-%lx", tag,
             (unsigned long)uid, (unsigned long)st.st_dev,
             (unsigned long)st.st_ino);
    /* Remembered, so clean-up can find a queue it cannot list. */
    char path[4200];
    snprintf(path, sizeof path, "%s/names", h_iodir());
    FILE *f = fopen(path, "a");
    if (f != NULL) {
        fprintf(f, "%s\n", buf);
        fclose(f);
    }
    return buf;
}

/* Kill the process groups of the programs the test started (each is the
 * leader of its own): what Check's kill of the test's group no longer
 * reaches.  A pid is not reused while a group still carries its number. */
static int kill_groups(const char *iodir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/pids", iodir);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    int killed = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1)
        if (pid > 1 && kill(-(pid_t)pid, SIGKILL) == 0)
            killed++;
    fclose(f);
    return killed;
}

const char *h_cleanup(const char *workdir, const char *iodir)
{
    static char what[1024];
    char ipc[700];
    what[0] = '\0';
    int strays = kill_groups(iodir) + kill_strays(workdir);
    if (strays > 0)
        snprintf(what, sizeof what, "%d stray process%s", strays,
                 strays == 1 ? "" : "es");
    /* In a box of its own (KIT_BOXED), the box's IPC namespace and
     * /dev/shm hold nothing but what this test made: all of it goes. */
    everything = getenv("KIT_BOXED") != NULL;
    if (h_ipc_leftovers(workdir, iodir, true, ipc, sizeof ipc))
        snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s",
                 *what ? ", " : "", ipc);
    everything = false;
    h_rm_rf(workdir);
    return what;
}
