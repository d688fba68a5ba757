/*
 * rpcwire.c - marshalling for rpcsrv and rpccli (rpc.h): numbers and byte
 * strings to bytes on the wire and back, one field at a time, in network
 * byte order with explicit lengths.  Linked into both programs, so the
 * two sides cannot disagree about a layout (a bug here shows in both:
 * only a test that reads the bytes themselves sees it).
 *
 * Sun RPC calls this layer XDR (RFC 4506): xdr_u_int, xdr_hyper and
 * xdr_bytes there are rpc_put_u32/rpc_get_u32, rpc_put_u64/rpc_get_u64
 * and rpc_put_bytes/rpc_get_bytes here, except that XDR pads byte strings
 * to a multiple of 4 and uses one function for both directions.
 *
 * Nothing here allocates or dies: a put that does not fit and a get past
 * the end set the buffer's bad flag, and the caller checks once.
 */
#include "rpc.h"
#include "util.h"

#include <errno.h>
#include <string.h>

void rpc_writer(struct rpc_buf *b, unsigned char *mem, size_t cap)
{
    b->data = mem;
    b->cap = cap;
    b->len = 4; /* the frame's length goes there, at the end */
    b->pos = 0;
    b->bad = cap < 4;
}

void rpc_reader(struct rpc_buf *b, unsigned char *body, size_t len)
{
    b->data = body;
    b->cap = len;
    b->len = len;
    b->pos = 0;
    b->bad = false;
}

/* The body's length into the first 4 bytes: the frame is ready to send. */
size_t rpc_finish(struct rpc_buf *b)
{
    size_t n = b->len;
    b->len = 0;
    rpc_put_u32(b, (uint32_t)(n - 4));
    b->len = n;
    return n;
}

/*
 * Append v as 4 bytes, most significant first (big-endian), whatever the
 * machine's own order.  No room (cap - len < 4), or b already bad: set bad
 * and write nothing.
 */
void rpc_put_u32(struct rpc_buf *b, uint32_t v)
{
    /* TODO 1: shift and mask: data[len] = v >> 24, then >> 16, >> 8, and
     * v itself, each & 0xff; len += 4.  (htonl() and a memcpy do the same;
     * shifts say what they mean on any machine.) */
    (void)b;
    (void)v;
    /* END TODO 1 */
}

void rpc_put_u64(struct rpc_buf *b, uint64_t v)
{
    rpc_put_u32(b, (uint32_t)(v >> 32));
    rpc_put_u32(b, (uint32_t)v);
}

/*
 * Append a byte string: its count n as a u32, then its n bytes, any bytes
 * (NUL included: the count says where it ends, never a terminator).  Not
 * room for both: set bad and write nothing.
 */
void rpc_put_bytes(struct rpc_buf *b, const void *p, uint32_t n)
{
    /* TODO 2: check the room for 4 + n bytes first (bad: nothing
     * written), then rpc_put_u32(b, n) and memcpy the bytes after it. */
    (void)b;
    (void)p;
    (void)n;
    /* END TODO 2 */
}

/*
 * Decode the next 4 bytes (big-endian) into *v: true.  Fewer than 4 left
 * (len - pos < 4), or b already bad: set bad, return false, *v unchanged.
 */
bool rpc_get_u32(struct rpc_buf *b, uint32_t *v)
{
    /* TODO 3: the reverse of rpc_put_u32: shift each byte back into place
     * (convert to uint32_t before shifting by 24), pos += 4. */
    (void)b;
    (void)v;
    return false;
    /* END TODO 3 */
}

bool rpc_get_u64(struct rpc_buf *b, uint64_t *v)
{
    uint32_t hi, lo;
    if (!rpc_get_u32(b, &hi) || !rpc_get_u32(b, &lo))
        return false;
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

/*
 * Decode a byte string: its u32 count into *n, and *p pointing at its
 * bytes inside b (not copied, not NUL-terminated).  The count is more
 * than the bytes left: set bad, return false (a count from the wire is
 * never trusted).
 */
bool rpc_get_bytes(struct rpc_buf *b, const unsigned char **p, uint32_t *n)
{
    /* TODO 4: rpc_get_u32() the count; compare it with len - pos (bad
     * when it is more); then *p = data + pos, *n = count, pos += count. */
    (void)b;
    (void)p;
    (void)n;
    return false;
    /* END TODO 4 */
}

bool rpc_get_end(const struct rpc_buf *b)
{
    return !b->bad && b->pos == b->len;
}

const char *rpc_stat_name(uint32_t status)
{
    switch (status) {
    case RPC_OK:
        return "OK";
    case RPC_PROG_MISMATCH:
        return "PROG_MISMATCH";
    case RPC_PROC_UNAVAIL:
        return "PROC_UNAVAIL";
    case RPC_GARBAGE_ARGS:
        return "GARBAGE_ARGS";
    case RPC_SYSTEM_ERR:
        return "SYSTEM_ERR";
    default:
        return "an unknown status";
    }
}

int rpc_read_frame(int fd, unsigned char *body, size_t *len)
{
    unsigned char hdr[4];
    ssize_t n = read_full(fd, hdr, 4);
    if (n == 0)
        return 0;
    if (n == -1)
        return -1;
    uint32_t size = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
                    (uint32_t)hdr[2] << 8 | (uint32_t)hdr[3];
    if (n != 4 || size > RPC_MAX) {
        errno = EPROTO;
        return -1;
    }
    n = read_full(fd, body, size);
    if (n == -1)
        return -1;
    if (n != (ssize_t)size) {
        errno = EPROTO;
        return -1;
    }
    *len = size;
    return 1;
}
