/*
 * probe.c - what tests/kit/redteam.sh cannot see from a shell: POSIX
 * message queues (their file system is often not mounted, so `ls
 * /dev/mqueue` shows nothing).
 *
 * Usage: probe mq [-u] NAME...
 *
 * Prints every queue NAME ("/ipckit-redteam-x") that exists, one a line;
 * a NAME ending in '*' stands for NAME0 to NAME999.  With -u it also
 * removes what it found.  Exits 0 when none was found, 1 when some was,
 * 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

/* Does queue name exist?  Any answer but ENOENT means it does. */
static int exists(const char *name)
{
    mqd_t q = mq_open(name, O_RDONLY | O_NONBLOCK);
    if (q != (mqd_t)-1) {
        mq_close(q);
        return 1;
    }
    return errno != ENOENT;
}

static int found(const char *name, int unlink)
{
    if (!exists(name))
        return 0;
    printf("%s\n", name);
    if (unlink)
        (void)mq_unlink(name);
    return 1;
}

int main(int argc, char *argv[])
{
    if (argc < 3 || strcmp(argv[1], "mq") != 0) {
        fprintf(stderr, "usage: probe mq [-u] NAME...\n");
        return 2;
    }
    int unlink = strcmp(argv[2], "-u") == 0;
    int any = 0;
    for (int i = 2 + unlink; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (len == 0 || len > 200)
            continue;
        if (argv[i][len - 1] != '*') {
            any |= found(argv[i], unlink);
            continue;
        }
        for (int n = 0; n < 1000; n++) {
            char name[256];
            snprintf(name, sizeof name, "%.*s%d", (int)len - 1, argv[i], n);
            any |= found(name, unlink);
        }
    }
    return any;
}
