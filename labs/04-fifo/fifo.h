/*
 * fifo.h - the protocol between the FIFO server (fifos) and its clients
 * (fifoc).  Both programs include it; no name or size below is repeated in
 * a .c file.
 *
 * Every name is relative: server and clients must run in the same
 * directory, and two directories never share a server.
 *
 *   SERVER_FIFO          the well-known FIFO the server reads requests from.
 *                        The server creates it (mkfifo) and removes it
 *                        when it stops.  Clients only write to it.
 *   fifo.<pid>           one reply FIFO per client, named from the client's
 *                        pid.  The client creates it before it sends its
 *                        request and removes it on every exit path.  The
 *                        server only writes one reply into it.
 *
 * A request and a reply are fixed-size structs, each written with a single
 * write() of its full size.  Both are at most PIPE_BUF bytes, so the kernel
 * writes each one atomically: requests from many clients never interleave
 * in the server's FIFO, and one read() of sizeof(struct request) bytes
 * returns exactly one request.
 */
#ifndef FIFO_H
#define FIFO_H

#include <limits.h>
#include <sys/types.h>

/* The server's well-known FIFO, in the current directory. */
#define SERVER_FIFO "fifo.server"

/* A client's reply FIFO: printf format, filled in with its pid (long). */
#define CLIENT_FIFO_FMT "fifo.%ld"
/* Room for a client FIFO name: "fifo." + the digits of any pid + NUL. */
#define CLIENT_FIFO_LEN 32

/* Permissions of every FIFO: only the owner may read or write it. */
#define FIFO_MODE 0600

/* Bytes in a message field, its NUL included: a message is at most
 * MSG_MAX - 1 = 127 bytes long. */
#define MSG_MAX 128

/* What a client sends to the server. */
struct request {
    pid_t pid;          /* the client's pid: its reply FIFO is fifo.<pid> */
    char text[MSG_MAX]; /* the message, NUL-terminated */
};

/* What the server sends back into the client's FIFO. */
struct reply {
    pid_t pid;          /* the pid of the request it answers */
    char text[MSG_MAX]; /* the request's text in upper case, NUL-terminated */
};

/* The atomicity the protocol relies on, checked by the compiler. */
_Static_assert(sizeof(struct request) <= PIPE_BUF,
               "a request must fit in one atomic FIFO write");
_Static_assert(sizeof(struct reply) <= PIPE_BUF,
               "a reply must fit in one atomic FIFO write");

#endif
