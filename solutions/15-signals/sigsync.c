/*
 * sigsync.c - synclib's TELL/WAIT (synclib.h, same functions, same
 * contract) on signals instead of pipes.
 *
 * Usage, as with synclib: TELL_WAIT() before fork(); then TELL_CHILD(),
 * WAIT_CHILD() in the parent and WAIT_PARENT(), TELL_PARENT() in the
 * child.  A TELL is a kill() of one signal; a WAIT sleeps until that signal
 * has come (signals.h says which signal goes which way).
 *
 * The three rules that make it safe:
 *   1. TELL_WAIT() blocks the signals before fork(), in the parent and so
 *      in the child too: a TELL that comes before the other side WAITs
 *      stays pending instead of being lost (or killing it: the default
 *      action of SIGUSR1 and SIGUSR2 ends the process).
 *   2. A handler only sets a volatile sig_atomic_t flag.  A WAIT tests the
 *      flag and calls sigsuspend() in a loop: sigsuspend() unblocks the
 *      awaited signal and sleeps in one step, so the signal cannot slip in
 *      between the test and the sleep (pause() has exactly that hole).
 *   3. A WAIT clears its flag after the wait, not before: a TELL that came
 *      early has already set it, and clearing it first would lose it.
 *
 * Unlike the pipes of synclib, a signal does not say when its sender dies.
 * So the parent also wakes on SIGCHLD and the child (on Linux) asks for
 * SIGCHLD when its parent dies; a WAIT whose peer has ended fails with
 * status 1 ("WAIT_CHILD: the child exited without calling TELL_PARENT").
 *
 * TELL_CHILD() takes no pid, yet kill() needs one.  TELL_WAIT() registers
 * a pthread_atfork() handler; in the child of the next fork() it sends
 * SIG_HELLO to the parent, and the parent takes the child's pid from that
 * signal (sigwaitinfo, si_pid) the first time it needs it.
 */
#include "signals.h"
#include "synclib.h"

#include "err.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h> /* PR_SET_PDEATHSIG: Linux only, see child_hello */
#endif

enum role { ROLE_NONE, ROLE_PARENT, ROLE_CHILD };

/* Set by the handler, cleared by the WAIT that consumed them. */
static volatile sig_atomic_t told_child;  /* SIG_TO_CHILD came */
static volatile sig_atomic_t told_parent; /* SIG_TO_PARENT came */

static pid_t creator;    /* pid of the TELL_WAIT() caller: the parent */
static pid_t child;      /* the child's pid, once its SIG_HELLO came */
static bool armed;       /* TELL_WAIT() done, its fork() not yet */
static bool atfork_done; /* pthread_atfork() called (once per process) */

/* Report a failure and end the process: a child must not flush stdio. */
static _Noreturn void fail(bool with_errno, const char *what)
{
    if (getpid() != creator) {
        if (with_errno)
            die_child("%s", what);
        warn_msg("%s", what);
        _exit(EXIT_FAIL);
    }
    if (with_errno)
        die("%s", what);
    die_msg("%s", what);
}

/* The handler: set the flag of the signal, nothing else (only a store to a
 * volatile sig_atomic_t is safe here).  SIG_GONE needs no flag: waking
 * the WAIT is all it is for. */
static void on_signal(int sig)
{
    /* TODO 1: set told_child for SIG_TO_CHILD, told_parent for
     * SIG_TO_PARENT; nothing for any other signal.  Nothing else: no
     * printf, no exit. */
    if (sig == SIG_TO_CHILD)
        told_child = 1;
    else if (sig == SIG_TO_PARENT)
        told_parent = 1;
    //> (void)sig;
    /* END TODO 1 */
}

/* The signals TELL_WAIT() blocks. */
static void sync_signals(sigset_t *set)
{
    if (sigemptyset(set) == -1 || sigaddset(set, SIG_TO_CHILD) == -1 ||
        sigaddset(set, SIG_TO_PARENT) == -1 ||
        sigaddset(set, SIG_HELLO) == -1 || sigaddset(set, SIG_GONE) == -1)
        fail(true, "synclib: sigaddset");
}

/*
 * pthread_atfork handlers.  In the parent, the fork that follows
 * TELL_WAIT() disarms it (a later fork makes no sync child).  In the child
 * of that fork: ask to be woken when the parent dies, then say hello.
 * The process has one thread, so the child may call anything here; it
 * fails with die_child(), which leaves the parent's stdio buffers alone.
 */
static void parent_forked(void)
{
    armed = false;
}

static void child_hello(void)
{
    if (!armed)
        return;
    armed = false;
#ifdef __linux__
    /* The parent's death sends us SIG_GONE (blocked until a WAIT). */
    if (prctl(PR_SET_PDEATHSIG, SIG_GONE) == -1)
        die_child("synclib: prctl PR_SET_PDEATHSIG");
#endif
    if (kill(creator, SIG_HELLO) == -1)
        die_child("synclib: kill %ld (hello to the parent)", (long)creator);
}

void TELL_WAIT(void)
{
    creator = getpid();
    child = 0;
    told_child = told_parent = 0;

    /* TODO 2: block the four signals of sync_signals() with
     * sigprocmask(SIG_BLOCK, ...), then install on_signal with sigaction()
     * for SIG_TO_CHILD, SIG_TO_PARENT and SIG_GONE (empty sa_mask,
     * SA_RESTART).  Block first: from then on a signal is either pending
     * or caught, never lost and never fatal.  die() on any failure. */
    sigset_t set;
    sync_signals(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        die("TELL_WAIT: sigprocmask");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    if (sigemptyset(&sa.sa_mask) == -1)
        die("TELL_WAIT: sigemptyset");
    /* SA_RESTART: the signals are only ever unblocked in sigsuspend(),
     * but if a program unblocks them, its slow calls go on after one. */
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIG_TO_CHILD, &sa, NULL) == -1 ||
        sigaction(SIG_TO_PARENT, &sa, NULL) == -1 ||
        sigaction(SIG_GONE, &sa, NULL) == -1)
        die("TELL_WAIT: sigaction");
    //> (void)on_signal;
    //> (void)sync_signals;
    /* END TODO 2 */

    if (!atfork_done) {
        int e = pthread_atfork(NULL, parent_forked, child_hello);
        if (e != 0)
            die_errno(e, "TELL_WAIT: pthread_atfork");
        atfork_done = true;
    }
    armed = true;
}

/* Check that the caller is on side want (as synclib does). */
static void enter(enum role want, const char *fn)
{
    static char msg[160];
    if (creator == 0) {
        snprintf(msg, sizeof msg, "%s: TELL_WAIT() was not called", fn);
        fail(false, msg);
    }
    enum role actual = getpid() == creator ? ROLE_PARENT : ROLE_CHILD;
    if (actual != want) {
        snprintf(msg, sizeof msg,
                 want == ROLE_CHILD
                     ? "%s: called in the process that called TELL_WAIT(); "
                       "call TELL_WAIT() before fork(), and %s only in the "
                       "child"
                     : "%s: called in a child; call %s only in the parent",
                 fn, fn);
        fail(false, msg);
    }
}

/* The parent: the child's pid, from its SIG_HELLO (it was sent right after
 * fork, so this waits at most until the child has started). */
static pid_t child_pid(const char *fn)
{
    while (child == 0) {
        sigset_t hello;
        siginfo_t info;
        if (sigemptyset(&hello) == -1 || sigaddset(&hello, SIG_HELLO) == -1)
            fail(true, "synclib: sigaddset");
        if (sigwaitinfo(&hello, &info) == -1) {
            if (errno == EINTR)
                continue;
            static char msg[160];
            snprintf(msg, sizeof msg, "%s: sigwaitinfo", fn);
            fail(true, msg);
        }
        child = info.si_pid;
    }
    return child;
}

/* True if sig is pending (blocked and sent, not yet delivered). */
static bool pending(int sig)
{
    sigset_t set;
    if (sigpending(&set) == -1)
        fail(true, "synclib: sigpending");
    return sigismember(&set, sig) == 1;
}

/* The parent: has the child ended (exited, not necessarily reaped)? */
static bool child_gone(void)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == -1)
        return errno == ECHILD; /* already reaped */
    return info.si_pid != 0;
}

/* The child: has the parent ended?  Then we were given another parent. */
static bool parent_gone(void)
{
    return getppid() != creator;
}

/*
 * Sleep until *flag is set by sig's handler, then clear it.  The flag is
 * tested with sig blocked; sigsuspend() unblocks sig (and SIG_GONE) only
 * while it sleeps and blocks them again before it returns.  If the peer
 * has ended and its signal is not pending either, it never will come.
 */
static void wait_for(int sig, volatile sig_atomic_t *flag, bool (*gone)(void),
                     const char *fn, const char *peer, const char *peer_tell)
{
    /* TODO 3: during = the current mask (sigprocmask with a NULL set)
     * without sig and SIG_GONE.  While *flag is 0: if gone() and sig is not
     * pending, fail with "<fn>: the <peer> exited without calling
     * <peer_tell>"; else sigsuspend(&during) (it returns -1 with EINTR
     * after a handler ran: anything else is a failure).  Then clear *flag:
     * after the wait, not before. */
    sigset_t during;
    if (sigprocmask(SIG_BLOCK, NULL, &during) == -1)
        fail(true, "synclib: sigprocmask");
    if (sigdelset(&during, sig) == -1 || sigdelset(&during, SIG_GONE) == -1)
        fail(true, "synclib: sigdelset");

    while (!*flag) {
        if (gone() && !pending(sig)) {
            static char msg[160];
            snprintf(msg, sizeof msg, "%s: the %s exited without calling %s",
                     fn, peer, peer_tell);
            fail(false, msg);
        }
        if (sigsuspend(&during) == -1 && errno != EINTR)
            fail(true, "synclib: sigsuspend");
    }
    *flag = 0;
    //> (void)sig;
    //> (void)flag;
    //> (void)gone;
    //> (void)pending;
    //> (void)peer;
    //> (void)peer_tell;
    //> static char todo[160];
    //> snprintf(todo, sizeof todo, "%s: not written yet (TODO 3)", fn);
    //> fail(false, todo);
    /* END TODO 3 */
}

/* Send sig to pid; a peer that is gone is reported as such. */
static void tell(pid_t pid, int sig, const char *fn, const char *peer)
{
    static char msg[160];
    /* TODO 4: kill(pid, sig).  On ESRCH fail with "<fn>: the <peer> has
     * exited"; on any other error fail with errno: "<fn>: kill <pid>". */
    if (kill(pid, sig) == -1) {
        if (errno == ESRCH) {
            snprintf(msg, sizeof msg, "%s: the %s has exited", fn, peer);
            fail(false, msg);
        }
        snprintf(msg, sizeof msg, "%s: kill %ld", fn, (long)pid);
        fail(true, msg);
    }
    //> (void)pid;
    //> (void)sig;
    //> (void)peer;
    //> snprintf(msg, sizeof msg, "%s: not written yet (TODO 4)", fn);
    //> fail(false, msg);
    /* END TODO 4 */
}

void TELL_CHILD(void)
{
    enter(ROLE_PARENT, "TELL_CHILD");
    tell(child_pid("TELL_CHILD"), SIG_TO_CHILD, "TELL_CHILD", "child");
}

void WAIT_CHILD(void)
{
    enter(ROLE_PARENT, "WAIT_CHILD");
    child_pid("WAIT_CHILD");
    wait_for(SIG_TO_PARENT, &told_parent, child_gone, "WAIT_CHILD", "child",
             "TELL_PARENT");
}

void TELL_PARENT(void)
{
    enter(ROLE_CHILD, "TELL_PARENT");
    if (parent_gone())
        fail(false, "TELL_PARENT: the parent has exited");
    tell(creator, SIG_TO_PARENT, "TELL_PARENT", "parent");
}

void WAIT_PARENT(void)
{
    enter(ROLE_CHILD, "WAIT_PARENT");
    wait_for(SIG_TO_CHILD, &told_child, parent_gone, "WAIT_PARENT", "parent",
             "TELL_CHILD");
}
