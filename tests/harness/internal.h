/* internal.h - what the harness's own files share; tests never see it. */
#ifndef KIT_HARNESS_INTERNAL_H
#define KIT_HARNESS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The current test's io directory (stdin/stdout/stderr files, pids). */
const char *h_iodir(void);

/* Checked fixture: set-up that runs inside each test's process. */
void h_child_setup(void);

/* Runner side: remove what a test left behind; returns a description of
 * what had to be removed ("" if nothing).  Never fails. */
const char *h_cleanup(const char *workdir, const char *iodir);



/*
 * Find System V objects a test left: those keyed on workdir (ftok with any
 * project id) and segments created by a pid listed in iodir/pids.  Remove
 * them if asked.  Describes them in what; returns true if any were found.
 */
/* rm -rf path; never fails (reports what it cannot remove). */
void h_rm_rf(const char *path);

bool h_ipc_leftovers(const char *workdir, const char *iodir, bool remove,
                     char *what, size_t n);
#endif
