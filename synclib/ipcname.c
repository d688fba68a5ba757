/*
 * ipcname.c - POSIX IPC names derived from the user and the current
 * directory; see ipcname.h.
 */
#include "ipcname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tag_ok(const char *tag)
{
    size_t n = strlen(tag);
    if (n == 0 || n > 16)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = tag[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.'))
            return 0;
    }
    return 1;
}

int ipc_name(char *buf, size_t len, const char *tag)
{
    struct stat st;
    if (tag == NULL || !tag_ok(tag)) {
        errno = EINVAL;
        return -1;
    }
    if (stat(".", &st) == -1)
        return -1;
    int n = snprintf(buf, len, "/ipckit-%s-%lu-%lx-%lx", tag,
                     (unsigned long)getuid(), (unsigned long)st.st_dev,
                     (unsigned long)st.st_ino);
    if (n < 0 || (size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}
