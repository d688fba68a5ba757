/*
 * ledger.c - create a ledger file, and check or show it.
 *
 * Usage: ledger init FILE ACCOUNTS BALANCE
 *        ledger check FILE
 *        ledger show FILE
 *
 * `init` creates FILE (it must not exist) with ACCOUNTS accounts of
 * BALANCE each, laid out as ledger.h says.  `check` adds up the balances
 * and compares the sum with the total the head has held since `init`:
 * transfers move money between accounts and never create or destroy any,
 * so a different sum (or a negative balance) means that two writers
 * updated an account at the same time and one update was lost.  `show`
 * prints every account, then the same line as `check`.
 *
 * check and show hold a read lock on the whole file while they read it:
 * they wait for every transfer in progress (each holds write locks on its
 * two records, see xfer.c, its companion) and no transfer starts until
 * they are done, so the sum they see is a consistent snapshot.
 *
 *     $ ./ledger init bank 4 100
 *     ledger: created bank: 4 accounts of 100, total 400
 *     $ ./xfer bank 1000 & ./xfer bank 1000; wait
 *     $ ./ledger check bank
 *     ledger: bank: 4 accounts, total 400 (created with 400): ok
 *
 * Exit status: 0; 1 when a call fails or the ledger is inconsistent; 2 on
 * a usage error.
 *
 * Cleanup: `init` creates FILE with O_EXCL, so it never overwrites a
 * ledger; nobody removes it (it is the data).  If writing it fails half
 * way, init removes the partial file.  Locks need no cleanup: the kernel
 * drops a process's locks when it exits, however it exits.
 */
#include "ledger.h"
#include "err.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define USAGE "init FILE ACCOUNTS BALANCE | check FILE | show FILE"

/*
 * Write the head and n accounts of balance each to fd, a new empty file.
 * Returns 0, or -1 with errno set.
 */
static int write_ledger(int fd, long n, long balance)
{
    struct ledger_head head;
    memset(&head, 0, sizeof head);
    memcpy(head.magic, LEDGER_MAGIC, LEDGER_MAGIC_LEN);
    head.naccounts = n;
    head.total = (int64_t)n * balance;
    if (write_full(fd, &head, sizeof head) == -1)
        return -1;
    for (long i = 0; i < n; i++) {
        struct account a = {.id = i, .balance = balance};
        if (write_full(fd, &a, sizeof a) == -1)
            return -1;
    }
    return 0;
}

/*
 * ledger init: create path with n accounts of balance each.  An existing
 * path is refused, never overwritten; a write that fails half way removes
 * the partial file.  Any failure: die().
 */
static void init_ledger(const char *path, long n, long balance)
{
    /* TODO 1: create path with open(O_WRONLY | O_CREAT | O_EXCL,
     * LEDGER_MODE): an existing ledger must never be overwritten (EEXIST
     * is an error: die naming the file).  Fill it with write_ledger(); if
     * that fails, keep its errno, unlink the partial file, and die.  Then
     * close it (checked) and print "<prog>: created <path>: <n> accounts
     * of <balance>, total <n * balance>". */
    (void)path;
    (void)n;
    (void)balance;
    (void)write_ledger;
    /* END TODO 1 */
}

/*
 * Hold a read lock on the whole of fd (start 0, length 0: to the end of
 * the file, however long it grows), waiting while any writer holds a
 * write lock on any part of it.  Returns 0, or -1 with errno set.
 */
static int lock_whole_for_reading(int fd)
{
    /* TODO 2: fill a struct flock: l_type F_RDLCK, l_whence SEEK_SET,
     * l_start 0, l_len 0; and wait for it with fcntl(fd, F_SETLKW, &fl).
     * A signal may interrupt the wait (EINTR): try again. */
    (void)fd;
    return 0;
    /* END TODO 2 */
}

/* Read and check the head of the ledger open on fd; die if it is not one. */
static void read_head(int fd, const char *path, struct ledger_head *head)
{
    ssize_t n = pread(fd, head, sizeof *head, 0);
    if (n == -1)
        die("read %s", path);
    if ((size_t)n != sizeof *head ||
        memcmp(head->magic, LEDGER_MAGIC, LEDGER_MAGIC_LEN) != 0 ||
        head->naccounts < 1 || head->naccounts > LEDGER_MAX_ACCOUNTS)
        die_msg("%s is not a ledger (no %s head)", path, LEDGER_MAGIC);
}

/*
 * ledger check and show: under a read lock on the whole file, add up the
 * balances (printing each when show), then say whether the sum is what
 * the ledger was created with.  Returns the exit status: 0 when it is and
 * no balance is negative, 1 otherwise.
 */
static int check_ledger(const char *path, int show)
{
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die("open %s", path);
    if (lock_whole_for_reading(fd) == -1)
        die("lock %s for reading", path);
    struct ledger_head head;
    read_head(fd, path, &head);
    int64_t sum = 0;
    int negative = 0;
    for (int64_t i = 0; i < head.naccounts; i++) {
        struct account a;
        ssize_t n = pread(fd, &a, sizeof a, LEDGER_OFFSET(i));
        if (n == -1)
            die("read %s account %lld", path, (long long)i);
        if ((size_t)n != sizeof a)
            die_msg("%s is cut short at account %lld", path, (long long)i);
        if (show)
            printf("account %lld: balance %lld (updates %lld)\n", (long long)i,
                   (long long)a.balance, (long long)a.updates);
        sum += a.balance;
        negative |= a.balance < 0;
    }
    /* Closing the descriptor drops the read lock. */
    if (close(fd) == -1)
        die("close %s", path);
    int ok = sum == head.total && !negative;
    printf("%s: %s: %lld accounts, total %lld (created with %lld): %s\n",
           err_prog(), path, (long long)head.naccounts, (long long)sum,
           (long long)head.total,
           ok         ? "ok"
           : negative ? "INCONSISTENT (a negative balance)"
                      : "INCONSISTENT");
    return ok ? EXIT_SUCCESS : EXIT_FAIL;
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc == 5 && strcmp(argv[1], "init") == 0) {
        long n = arg_long("ACCOUNTS", argv[3], 2, LEDGER_MAX_ACCOUNTS, USAGE);
        long b = arg_long("BALANCE", argv[4], 0, LEDGER_MAX_BALANCE, USAGE);
        init_ledger(argv[2], n, b);
        return EXIT_SUCCESS;
    }
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return check_ledger(argv[2], 0);
    if (argc == 3 && strcmp(argv[1], "show") == 0)
        return check_ledger(argv[2], 1);
    die_usage(USAGE);
}
