/*
 * usock.h - the protocol of usrv (the server), ucli (a client) and upair
 * (a parent and child on a socketpair).  All three include it; no path,
 * size or format below is repeated in a .c file.
 *
 * A stream socket carries bytes, not messages: one write may arrive as
 * several reads and two writes as one.  So every message is framed: a
 * 4-byte length in network byte order (big-endian: htonl/ntohl), then
 * that many bytes (0 to US_MAX).  A request is one frame; the reply is one
 * frame holding the request's bytes in upper case (ASCII letters only;
 * every other byte unchanged, NUL included).  One request per connection:
 * the server closes it after the reply.
 *
 * The server listens on the path US_PATH in its working directory, so two
 * directories hold two servers.  A path in the file system outlives the
 * server unless it is unlinked: usrv removes it on every way out (atexit,
 * SIGINT and SIGTERM through a flag), and at start-up tells a stale path
 * (connect() refused: nobody listens) from a live server (connect()
 * works) and from a file that is not a socket at all, which it never
 * touches.
 *
 * ucli and upair, on blocking sockets, move a whole frame with synclib's
 * read_full() and write_full() (util.h), which loop until the whole count
 * is moved.  The server uses non-blocking sockets and keeps its own counts
 * (usrv.c).
 */
#ifndef USOCK_H
#define USOCK_H

#include <stddef.h>

/* The server's socket, in its working directory. */
#define US_PATH "usrv.sock"

/* The longest message, in bytes. */
#define US_MAX 65536u

/* The most clients usrv serves at once; more wait in listen()'s
 * backlog. */
#define US_MAX_CONN 512

/* The line usrv prints once it listens. */
#define US_READY "usrv: ready\n"

/* The reply's bytes for a request's: ASCII letters in upper case. */
static inline void us_upper(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        dst[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
}

#endif
