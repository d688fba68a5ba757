/*
 * ipcname.h - names for POSIX IPC objects that never collide.
 *
 * POSIX shared memory, named semaphores and message queues live in one
 * flat name space per machine ("/name"), shared by every user and every
 * run.  A fixed name ("/pshm") would collide between two students on one
 * server and between two gradings running side by side.  The kit derives
 * every POSIX name from the user and the current directory instead, the
 * way System V keys come from ftok("."):
 *
 *     /ipckit-<tag>-<uid>-<dev>-<inode of the current directory>
 *
 * so the producer and the consumer of one lab, started in the same
 * directory, agree on the name without being told, and nobody else does.
 * The grader removes anything named like this for a test's directory.
 */
#ifndef KIT_IPCNAME_H
#define KIT_IPCNAME_H

#include <stddef.h>

/* Room for any name ipc_name() makes with a tag of up to 16 characters. */
#define IPC_NAME_MAX 96

/*
 * Write the name for tag (letters, digits, '_' and '.', 1 to 16 of them)
 * into buf.  Returns 0, or -1 with errno set: stat(".") failed, EINVAL for
 * a bad tag, ENAMETOOLONG when len is too small.
 */
int ipc_name(char *buf, size_t len, const char *tag);

#endif
