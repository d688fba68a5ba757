/*
 * mymore.c - run "ls -l [DIR] | more" the way a shell does.
 *
 * Usage: mymore [DIR]
 *
 * The parent makes a pipe and starts two children: one runs "ls -l [DIR]"
 * with its stdout on the pipe's write end, the other runs "more" with its
 * stdin on the read end.  Both programs are found on PATH (execlp).  The
 * parent then closes both ends, reaps both children and exits with the
 * pipeline's status, as "set -o pipefail" does in a shell: more's status
 * if it is not 0, else ls's.  A child killed by signal s counts as 128 + s.
 *
 *     $ mkdir demo && touch demo/a demo/b && ./mymore demo
 *     total 0
 *     -rw-r--r-- 1 ann ann 0 Mar  3 10:15 a
 *     -rw-r--r-- 1 ann ann 0 Mar  3 10:15 b
 *     $ ./mymore nothere; echo $?
 *     ls: cannot access 'nothere': No such file or directory
 *     2
 *
 * When stdout is not a terminal, more copies its input unchanged, like cat:
 * "./mymore > listing" holds exactly what "ls -l > listing" would.
 *
 * A child whose exec fails says "mymore: exec <prog>: <reason>" on stderr
 * and exits with 127, as a shell does for a command it cannot run.
 *
 * Companion programs: ls and more themselves.  No IPC object outlives the
 * program: the pipe goes away when the last process holding it closes it.
 */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_NOEXEC 127 /* a shell's status for "command not found" */

/* A child's wait status as a shell shows it: exit code, or 128 + signal. */
static int shell_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

/* Wait for pid, retrying on EINTR; returns its status as a shell shows it. */
static int reap(pid_t pid, const char *prog)
{
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid %s (pid %ld)", prog, (long)pid);
    return shell_status(status);
}

/* In a child, after execlp() returned: it failed; say why and exit. */
static _Noreturn void exec_failed(const char *prog)
{
    /* TODO 1: say "<prog>: exec <prog name>: <strerror(errno)>" on stderr
     * (warn_sys() does that) and end the child with _exit(EXIT_NOEXEC).
     * _exit, not exit: the child must not flush a copy of the parent's
     * stdio buffers. */
    warn_sys("exec %s", prog);
    _exit(EXIT_NOEXEC);
    //> (void)prog;
    //> abort(); /* replace this */
    /* END TODO 1 */
}

/*
 * The ls child: its stdout becomes the pipe's write end, then it runs
 * "ls -l [dir]" (dir may be NULL).  It never returns: exec replaces it,
 * or exec_failed() ends it; a failed dup2() or close(): die_child().
 */
static _Noreturn void run_ls(const int fd[2], const char *dir)
{
    /* TODO 3: make the pipe's write end stdout with dup2(), close both
     * original pipe ends (die_child() on failure), then execlp "ls" with
     * the arguments "-l" and, if given, dir.  The argument list ends with
     * (char *)NULL.  If execlp returns, call exec_failed("ls"). */
    if (dup2(fd[1], STDOUT_FILENO) == -1)
        die_child("ls child: dup2");
    if (close(fd[0]) == -1 || close(fd[1]) == -1)
        die_child("ls child: close pipe");
    if (dir != NULL)
        execlp("ls", "ls", "-l", dir, (char *)NULL);
    else
        execlp("ls", "ls", "-l", (char *)NULL);
    exec_failed("ls");
    //> (void)fd;
    //> (void)dir;
    //> (void)exec_failed;   /* you will need it */
    //> _exit(EXIT_SUCCESS); /* replace this */
    /* END TODO 3 */
}

/*
 * The more child: its stdin becomes the pipe's read end, then it runs
 * "more".  It never returns, as run_ls().
 */
static _Noreturn void run_more(const int fd[2])
{
    /* TODO 4: make the pipe's read end stdin, close both original ends
     * (the write end above all: while any process holds a write end, more
     * never sees end-of-file), then execlp "more" with no arguments, or
     * exec_failed("more"). */
    if (dup2(fd[0], STDIN_FILENO) == -1)
        die_child("more child: dup2");
    if (close(fd[0]) == -1 || close(fd[1]) == -1)
        die_child("more child: close pipe");
    execlp("more", "more", (char *)NULL);
    exec_failed("more");
    //> (void)fd;
    //> _exit(EXIT_SUCCESS); /* replace this */
    /* END TODO 4 */
}

/*
 * The parent, once both children run: it drops its pipe ends, reaps both
 * children and returns the pipeline's status (more's if it is not 0, else
 * ls's).  A failed close() or waitpid(): die().
 */
static int finish(const int fd[2], pid_t ls_pid, pid_t more_pid)
{
    /* TODO 5: close both pipe ends (the parent's write end would keep
     * more waiting forever), reap both children with reap(), and return
     * more's status if it is not 0, else ls's. */
    if (close(fd[0]) == -1 || close(fd[1]) == -1)
        die("close pipe");
    int ls_status = reap(ls_pid, "ls");
    int more_status = reap(more_pid, "more");
    return more_status != 0 ? more_status : ls_status;
    //> (void)fd;
    //> (void)ls_pid;
    //> (void)more_pid;
    //> (void)reap; /* you will need it */
    //> return EXIT_SUCCESS;
    /* END TODO 5 */
}

int main(int argc, char *argv[])
{
    err_setprog(argv[0]);
    if (argc > 2)
        die_usage("[DIR]");
    const char *dir = argc == 2 ? argv[1] : NULL;

    int fd[2];
    /* TODO 2: create the pipe: ls writes into fd[1], more reads fd[0]. */
    if (pipe(fd) == -1)
        die("pipe");
    //> fd[0] = fd[1] = -1;
    /* END TODO 2 */

    /* Nothing is buffered yet, but a child must never inherit unwritten
     * output: it would be printed twice. */
    if (fflush(stdout) == EOF)
        die("fflush stdout");

    /* Both children start before the parent waits for either: ls blocks
     * once the pipe is full, until more reads. */
    pid_t ls_pid = fork();
    if (ls_pid == -1)
        die("fork ls");
    if (ls_pid == 0)
        run_ls(fd, dir);

    pid_t more_pid = fork();
    if (more_pid == -1)
        die("fork more");
    if (more_pid == 0)
        run_more(fd);

    return finish(fd, ls_pid, more_pid);
}
