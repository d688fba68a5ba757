/*
 * test_synclib.c - unit tests for synclib (run by `make test`).
 *
 * Unlike the lab tests these call the library directly: synclib is the
 * kit's own code.  Each test runs in its own process (Check's fork mode);
 * tests that expect the library to end the process are exit tests.
 */
#define _GNU_SOURCE
#include "err.h"
#include "synclib.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Wait for pid and return its exit status, failing if it was killed. */
static int status_of(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) == -1)
        ck_assert_int_eq(errno, EINTR);
    ck_assert_msg(WIFEXITED(st), "process killed by signal %d",
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return WEXITSTATUS(st);
}

/* Parent and child take turns writing into one pipe; the order must be
 * strictly alternating. */
START_TEST(turns_alternate)
{
    enum { ROUNDS = 200 };
    int log[2];
    ck_assert_int_eq(pipe(log), 0);
    TELL_WAIT();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        for (int i = 0; i < ROUNDS; i++) {
            WAIT_PARENT();
            if (write(log[1], "c", 1) != 1)
                _exit(3);
            TELL_PARENT();
        }
        _exit(0);
    }
    for (int i = 0; i < ROUNDS; i++) {
        ck_assert_int_eq(write(log[1], "p", 1), 1);
        TELL_CHILD();
        WAIT_CHILD();
    }
    ck_assert_int_eq(status_of(pid), 0);
    close(log[1]);
    char buf[2 * ROUNDS + 1];
    ssize_t n = 0, r;
    while ((r = read(log[0], buf + n, sizeof buf - (size_t)n)) > 0)
        n += r;
    ck_assert_int_eq(n, 2 * ROUNDS);
    for (int i = 0; i < 2 * ROUNDS; i++)
        ck_assert_int_eq(buf[i], i % 2 == 0 ? 'p' : 'c');
}
END_TEST

/* A child that exits without TELL_PARENT: WAIT_CHILD must fail, not hang. */
START_TEST(wait_child_sees_death)
{
    TELL_WAIT();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0)
        _exit(0);
    WAIT_CHILD(); /* ends this process with status 1 */
    ck_abort_msg("WAIT_CHILD returned although the child never told");
}
END_TEST

/* A parent that exits without TELL_CHILD: WAIT_PARENT must fail. */
START_TEST(wait_parent_sees_death)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    pid_t middle = fork();
    ck_assert_int_ne(middle, -1);
    if (middle == 0) {
        TELL_WAIT();
        pid_t child = fork();
        if (child == -1)
            _exit(3);
        if (child == 0) {
            WAIT_PARENT(); /* the parent is gone: ends with status 1 */
            _exit(0);
        }
        _exit(0); /* the parent dies without telling */
    }
    ck_assert_int_eq(status_of(middle), 0);
    /* The orphaned child is ours now (subreaper). */
    int st;
    pid_t got;
    while ((got = waitpid(-1, &st, 0)) == -1 && errno == EINTR)
        ;
    ck_assert_int_gt(got, 0);
    ck_assert(WIFEXITED(st));
    ck_assert_int_eq(WEXITSTATUS(st), EXIT_FAIL);
}
END_TEST

/* TELL_WAIT called after fork is misuse, reported at the child's WAIT. */
START_TEST(tell_wait_after_fork)
{
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        TELL_WAIT();
        WAIT_PARENT();
        _exit(0);
    }
    TELL_WAIT();
    ck_assert_int_eq(status_of(pid), EXIT_FAIL);
}
END_TEST

/* Telling a dead child reports EPIPE instead of dying of SIGPIPE. */
START_TEST(tell_dead_child)
{
    TELL_WAIT();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(status_of(pid), 0);
    TELL_CHILD(); /* ends this process with status 1 */
}
END_TEST

/* Forgetting TELL_WAIT is reported. */
START_TEST(no_tell_wait)
{
    WAIT_CHILD();
}
END_TEST

/* The parent's functions in the child are reported. */
START_TEST(wrong_side)
{
    TELL_WAIT();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        TELL_CHILD();
        _exit(0);
    }
    ck_assert_int_eq(status_of(pid), EXIT_FAIL);
}
END_TEST

/* The error helper's format: "prog: what: ESYMBOL: strerror". */
START_TEST(err_format)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(p[1], 2);
        err_setprog("/some/dir/prog");
        errno = ENOENT;
        die("open %s", "missing.txt");
    }
    close(p[1]);
    ck_assert_int_eq(status_of(pid), EXIT_FAIL);
    char buf[256] = "";
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(
        buf, "prog: open missing.txt: ENOENT: No such file or directory\n");
}
END_TEST

/* die_errno takes its error number, not errno; an errno the table does
 * not know keeps the text alone. */
START_TEST(err_explicit)
{
    ck_assert_str_eq(err_name(ENXIO), "ENXIO");
    ck_assert_str_eq(err_name(EWOULDBLOCK), "EAGAIN");
    ck_assert_ptr_null(err_name(0));
    ck_assert_ptr_null(err_name(4095));
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(p[1], 2);
        err_setprog("prog");
        errno = ENOENT;
        warn_errno(4095, "odd");
        die_errno(EOWNERDEAD, "pthread_mutex_lock");
    }
    close(p[1]);
    ck_assert_int_eq(status_of(pid), EXIT_FAIL);
    char buf[256] = "";
    ssize_t n = read_full(p[0], buf, sizeof buf - 1);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(buf, "prog: odd: Unknown error 4095\n"
                          "prog: pthread_mutex_lock: EOWNERDEAD: Owner died\n");
}
END_TEST

/* read_full gathers short reads up to len and stops at end of file;
 * write_full writes all of a buffer bigger than a pipe holds. */
START_TEST(full_io)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    static char big[200000], back[200000];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = 'y';
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        close(p[0]);
        for (size_t i = 0; i < sizeof big; i += 1000) /* short writes */
            if (write_full(p[1], big + i, 1000) == -1)
                _exit(1);
        _exit(0);
    }
    close(p[1]);
    ck_assert_int_eq(read_full(p[0], back, 150000), 150000);
    ck_assert_int_eq(read_full(p[0], back + 150000, 100000), 50000);
    ck_assert_int_eq(read_full(p[0], back, 10), 0);
    ck_assert_int_eq(status_of(pid), 0);
    ck_assert_int_eq(memcmp(big, back, sizeof big), 0);
    ck_assert_int_eq(read_full(-1, back, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(write_full(p[0], big, 1), -1);
    close(p[0]);
}
END_TEST

/* parse_long takes the whole string as a plain decimal number in range. */
START_TEST(numbers)
{
    long n = 7;
    ck_assert(parse_long("42", 1, 100, &n) && n == 42);
    ck_assert(parse_long("-3", -5, 5, &n) && n == -3);
    const char *bad[] = {"",   " 4",   "+4",  "-4", "4 ",
                         "4x", "0x10", "101", "0",  "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!parse_long(bad[i], 1, 100, &n) && n == -3,
                      "parse_long took '%s'", bad[i]);
}
END_TEST

/* arg_long's usage error names what was wrong, then the usage line. */
START_TEST(arg_usage)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(p[1], 2);
        err_setprog("prog");
        arg_long("COUNT", "12x", 1, 9, "[COUNT]");
        _exit(0);
    }
    close(p[1]);
    ck_assert_int_eq(status_of(pid), EXIT_USAGE);
    char buf[256] = "";
    ck_assert_int_gt(read_full(p[0], buf, sizeof buf - 1), 0);
    ck_assert_str_eq(buf, "prog: bad COUNT '12x': want a whole number from "
                          "1 to 9\nusage: prog [COUNT]\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("synclib");
    TCase *tc = tcase_create("synclib");
    tcase_set_timeout(tc, 5);
    tcase_add_test(tc, turns_alternate);
    tcase_add_exit_test(tc, wait_child_sees_death, EXIT_FAIL);
    tcase_add_test(tc, wait_parent_sees_death);
    tcase_add_test(tc, tell_wait_after_fork);
    tcase_add_exit_test(tc, tell_dead_child, EXIT_FAIL);
    tcase_add_exit_test(tc, no_tell_wait, EXIT_FAIL);
    tcase_add_test(tc, wrong_side);
    tcase_add_test(tc, err_format);
    tcase_add_test(tc, err_explicit);
    tcase_add_test(tc, full_io);
    tcase_add_test(tc, numbers);
    tcase_add_test(tc, arg_usage);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
