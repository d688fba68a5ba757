/*
 * synclib.h - parent/child turn-taking over two pipes.
 *
 * Usage, in this order:
 *
 *     TELL_WAIT();            before fork(): makes the two pipes
 *     pid = fork();
 *     parent: TELL_CHILD();   let the child go on
 *             WAIT_CHILD();   block until the child calls TELL_PARENT()
 *     child:  WAIT_PARENT();  block until the parent calls TELL_CHILD()
 *             TELL_PARENT();  let the parent go on
 *
 * A TELL is one byte written into a pipe ('p' from the parent, 'c' from the
 * child); a WAIT is a read of that byte.  Each side closes the two pipe ends
 * it does not use the first time it calls any of these functions, so when
 * the other process dies a WAIT sees end-of-file and fails at once instead of
 * blocking forever.
 *
 * Every function either succeeds or reports what went wrong and ends the
 * process with status 1 ("sync: WAIT_CHILD: the child exited without
 * calling TELL_PARENT").  Misuse is reported the same way: calling
 * TELL_WAIT() after fork(), or a parent function in the child.
 *
 * One TELL_WAIT() serves one parent and one child.  The pipes are
 * close-on-exec, so programs the child or parent exec never inherit them.
 */
#ifndef KIT_SYNCLIB_H
#define KIT_SYNCLIB_H

void TELL_WAIT(void);
void TELL_PARENT(void);
void WAIT_PARENT(void);
void TELL_CHILD(void);
void WAIT_CHILD(void);

#endif
