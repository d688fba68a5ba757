/*
 * chan.c - the objects of each mechanism: made by the parent before the
 * fork (chan_setup), their names removed once both sides hold them
 * (chan_unlink), the rest when the test is over (chan_remove).  What
 * exists is noted in `live` (bench.h) with the signals held: a run
 * stopped at any moment leaves nothing behind.  The kit's bench.c does
 * the rest: each side's ends after the fork, the messages, the closing.
 */
#define _GNU_SOURCE /* ipcbench.h: futex; MAP_ANONYMOUS */

#include "ipcbench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* ---- the socket mechanisms: your part ---------------------------------- */

/*
 * unix: a connected pair of Unix stream sockets, c->fds[0] for the parent
 * and c->fds[1] for the child (bench.c gives each side its end).  On
 * failure: die, naming the call.
 */
static void unix_pair(struct chan *c)
{
    /* TODO 5: socketpair(AF_UNIX, SOCK_STREAM, 0, ...) into c->fds;
     * die "socketpair" when it fails. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->fds) == -1)
        die("socketpair AF_UNIX SOCK_STREAM");
    //> (void)c; /* you will need it */
    //> die_msg("unix: not written yet (TODO 5)");
    /* END TODO 5 */
}

/*
 * tcp: a listening socket on 127.0.0.1 in c->listen_fd, on a port the
 * kernel picks (two runs at once must not collide), and that port in
 * c->port (network order), for the child's connect() (bench.c).  On
 * failure: die, naming the call.
 */
static void tcp_listen(struct chan *c)
{
    /* TODO 6: socket(AF_INET, SOCK_STREAM, 0) into c->listen_fd; bind()
     * it to INADDR_LOOPBACK (htonl) port 0; listen(fd, 1); then
     * getsockname() tells the port the kernel chose. */
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->listen_fd == -1)
        die("socket AF_INET SOCK_STREAM");
    if (bind(c->listen_fd, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind 127.0.0.1 port 0");
    if (listen(c->listen_fd, 1) == -1)
        die("listen");
    if (getsockname(c->listen_fd, (struct sockaddr *)&a, &alen) == -1)
        die("getsockname");
    c->port = a.sin_port;
    //> (void)c; /* you will need it */
    //> die_msg("tcp: not written yet (TODO 6)");
    /* END TODO 6 */
}

/* ---- the other mechanisms, before the fork (given) --------------------- */

/* Why m cannot carry a size-byte message here, or NULL: shm-spin without
 * two CPUs, or a queue's limit in /proc. */
const char *chan_cannot(enum mech m, size_t size)
{
    static char text[128];
    const char *f = m == M_SYSV    ? "/proc/sys/kernel/msgmax"
                    : m == M_POSIX ? "/proc/sys/fs/mqueue/msgsize_max"
                                   : NULL;
    if (m == M_SPIN && bench_spin_cpu(1) == -1)
        return "needs 2 CPUs";
    if (f == NULL)
        return NULL;
    long v = bench_proc_limit(f, 8192);
    snprintf(text, sizeof text, "larger than %s (%ld B, %s)",
             strrchr(f, '/') + 1, v, f);
    return v > 0 && size > (size_t)v ? text : NULL;
}

/* Map a shared area (fd -1: anonymous) into c: the area and its rings. */
static void map_area(struct chan *c, int fd)
{
    void *p = mmap(NULL, sizeof(struct shm_area), PROT_READ | PROT_WRITE,
                   fd == -1 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        FAIL("mmap %zu bytes shared", sizeof(struct shm_area));
    c->area = p;
    c->area_len = sizeof(struct shm_area);
    c->ring[DOWN] = &c->area->ring[DOWN];
    c->ring[UP] = &c->area->ring[UP];
}

static void sysv_open(struct chan *c)
{
    key_t key = ftok(".", SYSV_PROJ_ID);
    if (key == -1)
        die("ftok .");
    hold_signals();
    c->qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    if (c->qid == -1 && errno == EEXIST)
        die_msg("a message queue with key 0x%08x exists already, left "
                "by another run (remove it: ipcrm -Q 0x%08x)",
                (unsigned)key, (unsigned)key);
    if (c->qid == -1)
        die("msgget key 0x%08x", (unsigned)key);
    live.qid = c->qid;
    release_signals();
}

static void posix_open(struct chan *c, size_t size)
{
    long depth = bench_proc_limit("/proc/sys/fs/mqueue/msg_max", MQ_DEPTH);
    struct mq_attr attr = {0};
    attr.mq_maxmsg = depth < MQ_DEPTH ? depth : MQ_DEPTH;
    attr.mq_msgsize = (long)size;
    c->mq_size = size;
    const char *tags[2] = {MQ_TAG_DOWN, MQ_TAG_UP};
    for (int d = 0; d < 2; d++) {
        char name[IPC_NAME_MAX];
        if (ipc_name(name, sizeof name, tags[d]) == -1)
            die("ipc_name %s", tags[d]);
        hold_signals();
        c->mq[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        if (c->mq[d] == (mqd_t)-1 && errno == EEXIST)
            die_msg("the message queue %s exists already, left by "
                    "another run (remove it: rm /dev/mqueue%s)",
                    name, name);
        if (c->mq[d] == (mqd_t)-1)
            die("mq_open %s (%ld messages of %zu bytes)", name,
                (long)attr.mq_maxmsg, size);
        memcpy(live.mq[d], name, sizeof name);
        /* Both ends hold the queue through the fork: the name can go. */
        if (mq_unlink(live.mq[d]) == -1)
            die("mq_unlink %s", live.mq[d]);
        live.mq[d][0] = '\0';
        release_signals();
    }
}

static void mmap_file(struct chan *c)
{
    bench_tmp_path(0, "ring");
    int fd = open(live.path[0], O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die("open %s", live.path[0]);
    if (ftruncate(fd, sizeof(struct shm_area)) == -1)
        die("ftruncate %s", live.path[0]);
    map_area(c, fd);
    if (close(fd) == -1)
        die("close %s", live.path[0]);
}

/* Before the fork: make m's objects in c (all -1 or NULL so far); size:
 * the largest message. */
void chan_setup(struct chan *c, enum mech m, size_t size)
{
    if (m == M_PIPE && (pipe(c->fds) == -1 || pipe(c->fds + 2) == -1))
        die("pipe");
    for (int d = 0; m == M_FIFO && d < 2; d++) {
        bench_tmp_path(d, d == DOWN ? "down" : "up");
        if (mkfifo(live.path[d], 0600) == -1)
            die("mkfifo %s", live.path[d]);
    }
    if (m == M_SYSV)
        sysv_open(c);
    if (m == M_POSIX)
        posix_open(c, size);
    if (m == M_UNIX)
        unix_pair(c);
    if (m == M_TCP)
        tcp_listen(c);
    if (m == M_SHM || m == M_SPIN)
        map_area(c, -1);
    c->spin = m == M_SPIN;
    if (m == M_MMAP)
        mmap_file(c);
}

/* ---- after the fork (given) ------------------------------------------- */

/* Each side, after the fork, for the rings.  mmap: the child maps the file
 * itself, by its name, and says so; the parent waits for that. */
void chan_attach(struct chan *c)
{
    if (c->m != M_MMAP)
        return;
    if (!in_child) {
        while (atomic_load(&c->area->ready) == 0)
            if (futex_wait(&c->area->ready, 0, TICK_MS) == 1)
                check_peer();
        return;
    }
    int fd = open(live.path[0], O_RDWR);
    if (fd == -1)
        FAIL("open %s", live.path[0]);
    struct shm_area *inherited = c->area;
    map_area(c, fd);
    if (close(fd) == -1)
        FAIL("close %s", live.path[0]);
    if (munmap(inherited, sizeof *inherited) == -1)
        FAIL("munmap");
    atomic_store(&c->area->ready, 1);
    if (futex_wake(&c->area->ready) == -1)
        FAIL("futex wake");
}

/* The parent, once both sides hold the channel: the names can go. */
void chan_unlink(struct chan *c)
{
    if (c->m == M_FIFO)
        bench_remove_tmp(); /* both sides opened both FIFOs */
    if (c->m == M_MMAP)
        bench_remove_tmp(); /* both sides mapped the file */
}

/* In the parent, the child reaped: remove the System V queue. */
void chan_remove(struct chan *c)
{
    if (c->qid == -1)
        return;
    hold_signals();
    if (msgctl(c->qid, IPC_RMID, NULL) == -1)
        die("msgctl queue %d IPC_RMID", c->qid);
    live.qid = c->qid = -1;
    release_signals();
}
