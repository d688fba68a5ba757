/*
 * ledger.h - the layout of a ledger file, shared by ledger, xfer and
 * holdrec.  No size, offset or name below is repeated in a .c file.
 *
 * A ledger is a small file of fixed-size records that many processes
 * update at the same time:
 *
 *     offset 0                    struct ledger_head (32 bytes)
 *     LEDGER_OFFSET(0)            struct account for account 0 (32 bytes)
 *     LEDGER_OFFSET(1)            struct account for account 1
 *     ...
 *     LEDGER_OFFSET(n - 1)        the last account
 *
 * Every field is a fixed-width integer and every struct a multiple of 8
 * bytes, so there is no padding and the file means the same to every
 * program that reads it.
 *
 * Locking protocol (advisory: it works only if every writer follows it):
 *   - a writer of account i holds a write lock (F_WRLCK) on exactly the
 *     bytes of that record: start LEDGER_OFFSET(i), length
 *     sizeof(struct account);
 *   - a transfer locks its two accounts in increasing account order;
 *   - a reader that wants a consistent total holds a read lock (F_RDLCK)
 *     on the whole file (start 0, length 0: "to the end, however long");
 *   - the head is written once, by `ledger init`, and never locked.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stdint.h>
#include <sys/types.h>

/* The first 8 bytes of every ledger file (no NUL stored). */
#define LEDGER_MAGIC "LEDGER17"
#define LEDGER_MAGIC_LEN 8

/* Permissions of a new ledger: its owner reads and writes it. */
#define LEDGER_MODE 0600

/* Bounds on what `ledger init` accepts. */
#define LEDGER_MAX_ACCOUNTS 4096
#define LEDGER_MAX_BALANCE 1000000000L

/* The head: what the ledger holds, written once at creation. */
struct ledger_head {
    char magic[LEDGER_MAGIC_LEN]; /* LEDGER_MAGIC */
    int64_t naccounts;            /* accounts that follow the head */
    int64_t total;                /* sum of all balances, forever */
    int64_t reserved;             /* 0 */
};

/* One account: the record a transfer locks. */
struct account {
    int64_t id;      /* its number, 0 .. naccounts - 1 */
    int64_t balance; /* never negative */
    int64_t updates; /* how many transfers have changed it */
    int64_t reserved;
};

/* Where account i starts in the file. */
#define LEDGER_OFFSET(i)                                                       \
    ((off_t)sizeof(struct ledger_head) +                                       \
     (off_t)(i) * (off_t)sizeof(struct account))

_Static_assert(sizeof(struct ledger_head) == 32, "the head has no padding");
_Static_assert(sizeof(struct account) == 32, "a record has no padding");

#endif
