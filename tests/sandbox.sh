#!/usr/bin/env bash
# sandbox.sh - run one lab's test runner in a box of its own.
#
# usage: tests/sandbox.sh [--pids N] -- COMMAND [ARG...]
# KIT_SANDBOX_KEEP: folders under /tmp the command still needs inside.
#
# Where the machine allows it (root, or unprivileged user namespaces), the
# command runs in new namespaces:
#   ipc    System V objects and POSIX message queues are private to the box
#          and vanish with it;
#   mount  a private tmpfs on /dev/shm (POSIX shared memory, named
#          semaphores) and on /tmp, and the box's message queues mounted
#          at /tmp/.ipckit-mqueue (KIT_MQUEUE_DIR) for the harness to list;
#   pid    the box's first process is its init: when it exits, the kernel
#          kills every process left inside, daemons that called setsid()
#          included.
# As root it also puts the box in a pids cgroup (RLIMIT_NPROC does not bind
# root), so a fork loop stops at N processes (default 256).
# Where none of this is possible it runs the command as it is: the harness's
# own clean-up (processes by working directory, System V objects by key)
# still runs after every test.  The first line on stderr says which.
set -uo pipefail

pids=256
while [ $# -gt 0 ]; do
    case $1 in
    --pids) pids=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--pids N] -- COMMAND [ARG...]" >&2; exit 2; }

# Inside the box: mount the private file systems, then become the command.
if [ "${KIT_SANDBOX_STAGE:-}" = inside ]; then
    unset KIT_SANDBOX_STAGE
    mount -t tmpfs -o size=256m,mode=1777 ipckit-shm /dev/shm || exit 125
    # Folders under /tmp the command needs (KIT_SANDBOX_KEEP, e.g. a kit
    # cloned in /tmp) are carried over into the private /tmp: held on a
    # bind mount while the new /tmp goes on, then moved into it.
    keep=()
    for k in ${KIT_SANDBOX_KEEP:-}; do
        case $k in /tmp/*) keep+=("$k") ;; esac
    done
    for i in "${!keep[@]}"; do
        mkdir -p "/dev/shm/.keep$i" && mount --bind "${keep[$i]}" "/dev/shm/.keep$i" || exit 125
    done
    mount -t tmpfs -o size=256m,mode=1777 ipckit-tmp /tmp || exit 125
    for i in "${!keep[@]}"; do
        mkdir -p "${keep[$i]}" && mount --move "/dev/shm/.keep$i" "${keep[$i]}" &&
            rmdir "/dev/shm/.keep$i" || exit 125
    done
    unset KIT_SANDBOX_KEEP
    # The box's POSIX message queues, listed for the harness's clean-up
    # (the mqueue file system shows the queues of the mounting ipc
    # namespace).
    if mkdir -p /tmp/.ipckit-mqueue && mount -t mqueue ipckit-mq /tmp/.ipckit-mqueue 2>/dev/null; then
        export KIT_MQUEUE_DIR=/tmp/.ipckit-mqueue
    fi
    exec "$@"
fi

cg=""
cleanup() {
    [ -n "$cg" ] && rmdir "$cg" 2>/dev/null
    return 0
}
trap cleanup EXIT

flags=(--ipc --mount --pid --fork --mount-proc --propagation private)
if [ "$(id -u)" -ne 0 ]; then
    flags=(--user --map-root-user "${flags[@]}")
fi
if command -v unshare >/dev/null && unshare "${flags[@]}" true 2>/dev/null; then
    what="ipc, mount and pid namespaces, private /dev/shm and /tmp"
    base=/sys/fs/cgroup/pids
    [ -d "$base" ] || base=/sys/fs/cgroup
    if [ "$(id -u)" -eq 0 ] && [ -w "$base" ]; then
        cg="$base/ipckit-$$"
        if mkdir "$cg" 2>/dev/null && echo "$pids" >"$cg/pids.max" 2>/dev/null \
            && echo $$ >"$cg/cgroup.procs" 2>/dev/null; then
            what="$what, at most $pids processes (pids cgroup)"
        else
            rmdir "$cg" 2>/dev/null
            cg=""
        fi
    fi
    echo "sandbox: $what" >&2
    KIT_SANDBOX_STAGE=inside unshare "${flags[@]}" -- "$0" -- "$@"
    rc=$?
    # Back in the parent cgroup before removing ours.
    [ -n "$cg" ] && echo $$ >"$(dirname "$cg")/cgroup.procs" 2>/dev/null
    exit $rc
fi
echo "sandbox: namespaces unavailable here; falling back to unique keys and paths and the harness's clean-up" >&2
exec "$@"
