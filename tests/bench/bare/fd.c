/*
 * fd.c (bench) - the bare loops' descriptor mechanisms (bare.h): pipe,
 * fifo, unix and tcp.  Each makes two ends for each process; a message is
 * one write loop on one side and one read loop on the other, the same for
 * all four.
 */
#include "bare.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int fds[4] = {-1, -1, -1, -1}; /* before the fork: every end */
static int rfd = -1, wfd = -1;        /* after it: this side's ends */
static int listen_fd = -1;            /* tcp: the parent's listener */
static struct sockaddr_in addr;       /* tcp: where it listens */

static void close_fd(int fd)
{
    if (close(fd) == -1)
        FAIL("close descriptor %d", fd);
}

static void fd_send(int dir, const unsigned char *buf, size_t len)
{
    (void)dir;
    while (len > 0) {
        ssize_t n = write(wfd, buf, len);
        if (n == -1)
            FAIL("write %zu bytes to descriptor %d", len, wfd);
        buf += n;
        len -= (size_t)n;
    }
}

static void fd_recv(int dir, unsigned char *buf, size_t len)
{
    (void)dir;
    while (len > 0) {
        ssize_t n = read(rfd, buf, len);
        if (n == 0) /* end of file: the other side is gone */
            errno = EPIPE;
        if (n <= 0)
            FAIL("read %zu bytes from descriptor %d", len, rfd);
        buf += n;
        len -= (size_t)n;
    }
}

/* ---- pipe: two pipes, fds[0..1] down, fds[2..3] up --------------------- */

static void pipe_make(size_t size)
{
    (void)size;
    if (pipe(fds) == -1 || pipe(fds + 2) == -1)
        die("pipe");
}

static void pipe_open(void)
{
    rfd = in_child ? fds[0] : fds[2];
    wfd = in_child ? fds[3] : fds[1];
    close_fd(in_child ? fds[1] : fds[0]);
    close_fd(in_child ? fds[2] : fds[3]);
}

/* ---- fifo: two FIFOs in a fresh directory, gone once both opened ------- */

static void fifo_make(size_t size)
{
    char dir[] = "bare-XXXXXX";
    (void)size;
    if (mkdtemp(dir) == NULL)
        die("mkdtemp %s", dir);
    snprintf(live.dir, sizeof live.dir, "%s", dir);
    for (int d = 0; d < 2; d++) {
        snprintf(live.path[d], sizeof live.path[d], "%s/%s", dir,
                 d == DOWN ? "down" : "up");
        if (mkfifo(live.path[d], 0600) == -1)
            die("mkfifo %s", live.path[d]);
    }
}

/* Both sides open down, then up: each open waits for the other side's. */
static void fifo_open(void)
{
    int down = open(live.path[DOWN], in_child ? O_RDONLY : O_WRONLY);
    if (down == -1)
        FAIL("open %s", live.path[DOWN]);
    int up = open(live.path[UP], in_child ? O_WRONLY : O_RDONLY);
    if (up == -1)
        FAIL("open %s", live.path[UP]);
    rfd = in_child ? down : up;
    wfd = in_child ? up : down;
    if (!in_child)
        remove_live(); /* both sides hold both FIFOs: the names can go */
}

/* ---- unix: a connected pair of stream sockets -------------------------- */

static void unix_make(size_t size)
{
    (void)size;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
        die("socketpair AF_UNIX SOCK_STREAM");
}

static void unix_open(void)
{
    rfd = wfd = fds[in_child ? 1 : 0];
    close_fd(fds[in_child ? 0 : 1]);
}

/* ---- tcp: a connection on 127.0.0.1, the port the kernel chose --------- */

static void tcp_make(size_t size)
{
    socklen_t len = sizeof addr;
    (void)size;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd == -1)
        die("socket AF_INET SOCK_STREAM");
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) == -1)
        die("bind 127.0.0.1 port 0");
    if (listen(listen_fd, 1) == -1)
        die("listen");
    if (getsockname(listen_fd, (struct sockaddr *)&addr, &len) == -1)
        die("getsockname");
}

static void tcp_open(void)
{
    int one = 1; /* no Nagle delay on small messages */
    if (in_child) {
        close_fd(listen_fd);
        if ((rfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
            FAIL("socket AF_INET SOCK_STREAM");
        if (connect(rfd, (struct sockaddr *)&addr, sizeof addr) == -1)
            FAIL("connect 127.0.0.1 port %u", ntohs(addr.sin_port));
    } else {
        if ((rfd = accept(listen_fd, NULL, NULL)) == -1)
            FAIL("accept");
        close_fd(listen_fd);
    }
    wfd = rfd;
    if (setsockopt(rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
        FAIL("setsockopt TCP_NODELAY");
}

const struct mech mech_pipe = {"pipe", pipe_make, pipe_open, fd_send, fd_recv};
const struct mech mech_fifo = {"fifo", fifo_make, fifo_open, fd_send, fd_recv};
const struct mech mech_unix = {"unix", unix_make, unix_open, fd_send, fd_recv};
const struct mech mech_tcp = {"tcp", tcp_make, tcp_open, fd_send, fd_recv};
