/*
 * rpc.h - the protocol of rpcsrv (the server) and rpccli (its client): a
 * tiny remote procedure call system over a UNIX-domain stream socket.
 * Both include it; no path, number or layout below is repeated in a .c
 * file.  rpcwire.c, linked into both, turns numbers and byte strings into
 * bytes on the wire and back (the kit's "XDR").
 *
 * Framing (as in lab 13): every message is a 4-byte length in network
 * byte order (big-endian), then that many bytes, at most RPC_MAX.  Inside
 * a frame every field is written by rpcwire.c, one after the other, with
 * no padding and no struct copied whole: a struct's layout (padding, byte
 * order, the size of long) belongs to one compiler on one machine, the
 * wire's to the protocol.
 *
 *   u32     4 bytes, big-endian
 *   i32     a u32 holding the two's complement of a signed number
 *   i64     8 bytes, big-endian (the high u32, then the low u32)
 *   bytes   a u32 count, then that many bytes (any byte, NUL included;
 *           XDR would pad them to a multiple of 4: this wire does not)
 *
 * A request (one frame):   u32 version   RPC_VERS
 *                          u32 client    the caller, chosen at random
 *                          u32 xid       the call's number, client-chosen
 *                          u32 proc      RPC_NULL ... RPC_INCR
 *                          the arguments (below)
 * A reply (one frame):     u32 xid       the request's
 *                          u32 status    enum rpc_stat
 *                          the results when status is RPC_OK; for
 *                          RPC_PROG_MISMATCH, u32 low, u32 high: the
 *                          versions the server speaks; else nothing
 *
 *   proc           arguments              results
 *   RPC_NULL   0   none                   none (a ping)
 *   RPC_ADD    1   i32 a, i32 b           i64 a + b
 *   RPC_CONCAT 2   bytes s, bytes t       bytes s then t
 *   RPC_INCR   3   i32 delta              i64 the server's counter after
 *                                         adding delta (it starts at 0)
 *
 * Arguments of the wrong size (too few bytes, or bytes left over) are
 * RPC_GARBAGE_ARGS; nothing is executed.  A request too short for its
 * four header fields cannot be answered (no xid): the server closes that
 * connection.
 *
 * At most once: the server keeps, for each of the last RPC_CACHE clients,
 * the xid of its last call and the reply it sent.  A request with that
 * same client and xid is a retry: the server sends the kept reply again
 * and executes nothing.  A client makes one call at a time, on one
 * connection, and sends a retry with the same xid and the same bytes.
 */
#ifndef RPC_H
#define RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The server's socket, in its working directory (a relative name: the
 * directory's path may be longer than sun_path's 108 bytes). */
#define RPC_PATH "rpcsrv.sock"

/* The one version of the interface this kit speaks. */
#define RPC_VERS 1u

/* The most bytes in a frame, after its 4-byte length. */
#define RPC_MAX 65536u

/* Fields before the arguments of a request, before the results of a
 * reply. */
#define RPC_REQ_HDR 16u
#define RPC_REP_HDR 8u

/* The line rpcsrv prints once it listens. */
#define RPC_READY "rpcsrv: ready\n"

/* The most connections rpcsrv serves at once, and the most clients whose
 * last reply it keeps (the least recently seen is forgotten first). */
#define RPC_MAX_CONN 64
#define RPC_CACHE 64

/* rpccli's defaults: how long one try waits for its reply, and how many
 * times a call is sent again after a try that timed out. */
#define RPC_TIMEOUT_MS 1000
#define RPC_RETRIES 3

enum rpc_proc {
    RPC_NULL = 0,
    RPC_ADD = 1,
    RPC_CONCAT = 2,
    RPC_INCR = 3,
};

/* The numbers of Sun RPC's accept_stat (RFC 5531), for the same cases. */
enum rpc_stat {
    RPC_OK = 0,
    RPC_PROG_MISMATCH = 2, /* a version the server does not speak */
    RPC_PROC_UNAVAIL = 3,  /* no such procedure */
    RPC_GARBAGE_ARGS = 4,  /* the arguments do not decode */
    RPC_SYSTEM_ERR = 5,    /* the result does not fit in a frame */
};

/*
 * A message being built or taken apart, in memory the caller owns.  A
 * writer (rpc_writer) holds a whole frame: data[0..3] is kept for the
 * length, which rpc_finish() fills in; len counts what is written.  A
 * reader (rpc_reader) holds a frame's body: len bytes, pos the next one to
 * decode.  A put that does not fit, or a get past the end, sets bad and
 * changes nothing else: check bad (or the get's result) once, at the end.
 */
struct rpc_buf {
    unsigned char *data;
    size_t cap; /* writer: room in data */
    size_t len; /* writer: bytes written; reader: bytes there */
    size_t pos; /* reader: the next byte to decode */
    bool bad;
};

/* Given (rpcwire.c). */
void rpc_writer(struct rpc_buf *b, unsigned char *mem, size_t cap);
void rpc_reader(struct rpc_buf *b, unsigned char *body, size_t len);
size_t rpc_finish(struct rpc_buf *b); /* the frame's total length */
void rpc_put_u64(struct rpc_buf *b, uint64_t v);
bool rpc_get_u64(struct rpc_buf *b, uint64_t *v);
bool rpc_get_end(const struct rpc_buf *b); /* all decoded, nothing bad */
const char *rpc_stat_name(uint32_t status);
/* Read one frame's body from fd into body (RPC_MAX bytes): 1 and *len;
 * 0 at end of file before a frame starts; -1 with errno set (EPROTO: cut
 * short, or announcing more than RPC_MAX). */
int rpc_read_frame(int fd, unsigned char *body, size_t *len);

/* The student's part of rpcwire.c (the handout's steps 1 to 4). */
void rpc_put_u32(struct rpc_buf *b, uint32_t v);
void rpc_put_bytes(struct rpc_buf *b, const void *p, uint32_t n);
bool rpc_get_u32(struct rpc_buf *b, uint32_t *v);
bool rpc_get_bytes(struct rpc_buf *b, const unsigned char **p, uint32_t *n);

#endif
