#!/usr/bin/env bash
# fresh-root.sh - run a command of the kit on a fresh Debian 12 machine that
# has nothing but gcc, make and git, to prove the README's promise: there,
# `make test` and `make grade` install everything else they need themselves
# (apt-get, as root).  A developer's machine has long had Check, procps, zip
# and the rest, so a missing install step never shows there; it shows here.
#
# usage: tests/kit/fresh-root.sh [--mode chroot|box] [--kit DIR | --worktree] [--cmd "make test"] [--keep]
#
#   --mode chroot  (default) a plain chroot with /proc, /sys and a /dev of its
#                  own (pts, shm, mqueue), sharing this machine's processes
#                  and IPC objects.  Inside a chroot the kernel refuses user
#                  namespaces, and neither bubblewrap nor unshare --mount can
#                  make the chroot's / (not a mount point) private or pivot
#                  it, so this runs the kit's fall-backs.
#   --mode box     the fresh root as the root file system of new mount, PID
#                  and IPC namespaces (unshare + pivot_root), as on a real
#                  machine: the kit's own namespaces and boxes work inside.
#   --kit DIR      clone the kit from the git repository DIR (its committed
#                  HEAD); default: the kit this script belongs to.
#   --worktree     copy the kit's work tree instead, uncommitted changes
#                  included (the files git would commit: build/, .git and
#                  ignored build products left out), to test before committing.
#   --cmd "CMD"    what to run in the kit's folder (default: make test).
#   --keep         keep the scratch root afterwards (it is printed).
#   --rebuild      build the pristine root again even if it is cached.
#
# Environment:
#   FRESH_ROOT_CACHE  where the pristine root is cached, outside the kit
#                     (default /var/cache/ipckit-fresh-root);
#   FRESH_ROOT_TMP    where scratch roots are unpacked (default /var/tmp).
#
# How: the first run builds a Debian 12 "bookworm" minbase root with
# debootstrap, from the Debian mirror this machine's apt uses, adds gcc
# (with libc6-dev, the C library headers gcc recommends: without them it
# compiles no C program), make and git with apt-get --no-install-recommends
# (so that nothing else, e.g. patch or less, comes in through the back
# door), and caches it as a tarball.  Every run unpacks a fresh copy of that
# tarball, puts the kit in /root/ipckit, runs the command there as root,
# then kills whatever the command left running, unmounts everything it
# mounted and removes the copy, also on Ctrl-C or SIGTERM.  The root uses
# this machine's network, because the kit's apt-get needs the Debian mirror
# (this machine's Debian apt sources and /etc/resolv.conf are copied in);
# this machine reaches nothing else.
#
# Needs root.  Prints each step with its time, then one summary line
#   fresh-root: mode=M cmd="CMD" status=N time=T
# and exits with the command's status (125 when the run could not be set up,
# or when the command passed but clean-up failed; 130/143 on SIGINT/SIGTERM).
set -uo pipefail

# The whole script is one block, which bash reads before running any of it:
# a long run goes on unharmed when the file is edited or checked out meanwhile.
{

SUITE=bookworm
# What a fresh machine of the README has; see above for libc6-dev.
PRISTINE_PKGS=(gcc libc6-dev make git)
KITDIR_INSIDE=/root/ipckit
PATH_INSIDE=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

self=$(readlink -f "$0")
say() { echo "fresh-root: $*" >&2; }
err() { echo "fresh-root: error: $*" >&2; }

# ---------------------------------------------------------------------------
# Mounts.  Everything this script mounts lies under a root it owns, so
# clean-up is "unmount everything under that folder", found in mountinfo.

# mount_fs ROOT: what a running Linux system has under /proc, /sys and /dev.
mount_fs() {
    local r=$1 n
    mount -t proc -o nosuid,nodev,noexec proc "$r/proc" ||
        { err "mounting proc on $r/proc failed"; return 1; }
    # The host's /sys with its cgroup mounts, as on the machine itself (the
    # kit's grading box makes its cgroups there).  rslave at once: where the
    # host's mounts are shared (systemd), unmounting our copy would
    # otherwise unmount the host's /sys/fs/cgroup too.
    mount --rbind /sys "$r/sys" || { err "bind-mounting /sys on $r/sys failed"; return 1; }
    mount --make-rslave "$r/sys" ||
        { err "making $r/sys a slave mount failed"; umount -l "$r/sys"; return 1; }
    # A /dev of its own (as a container or bubblewrap makes one), so that
    # the host's /dev/shm and terminals stay out of the kit's sight.
    mount -t tmpfs -o mode=0755,nosuid,size=16m fresh-root-dev "$r/dev" ||
        { err "mounting a tmpfs on $r/dev failed"; return 1; }
    for n in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
        set -- $n
        if ! mknod -m 0666 "$r/dev/$1" c "$2" "$3" 2>/dev/null; then
            # No mknod here (a device cgroup, say): the host's node will do.
            touch "$r/dev/$1" && mount --bind "/dev/$1" "$r/dev/$1" ||
                { err "cannot make $r/dev/$1"; return 1; }
        fi
    done
    ln -s /proc/self/fd "$r/dev/fd" && ln -s /proc/self/fd/0 "$r/dev/stdin" &&
        ln -s /proc/self/fd/1 "$r/dev/stdout" && ln -s /proc/self/fd/2 "$r/dev/stderr" &&
        ln -s pts/ptmx "$r/dev/ptmx" && mkdir "$r/dev/pts" "$r/dev/shm" "$r/dev/mqueue" ||
        { err "cannot populate $r/dev"; return 1; }
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts" ||
        { err "mounting devpts on $r/dev/pts failed"; return 1; }
    mount -t tmpfs -o mode=1777,nosuid,nodev fresh-root-shm "$r/dev/shm" ||
        { err "mounting a tmpfs on $r/dev/shm failed"; return 1; }
    # Optional, as on a machine: the kit says how to mount it when absent.
    mount -t mqueue mqueue "$r/dev/mqueue" 2>/dev/null ||
        say "note: /dev/mqueue not mounted (mount -t mqueue failed); going on without"
    return 0
}

# mounts_under DIR: the mount points at or under DIR, deepest first.
mounts_under() {
    awk -v d="$1" '{ mp = $5; gsub(/\\040/, " ", mp)
                     if (mp == d || index(mp, d "/") == 1) print mp }' /proc/self/mountinfo |
        sort -r
}

# umount_under DIR: unmount everything at or under DIR (lazily when busy).
# Fails, naming what stays, if anything does.
umount_under() {
    local d=$1 m left
    # An empty or top-level DIR would match the host's own mounts.
    case $d in /?*/?*) ;; *) err "refusing to unmount under '$d'"; return 1 ;; esac
    for _ in 1 2 3 4 5; do
        mapfile -t left < <(mounts_under "$d")
        [ ${#left[@]} -eq 0 ] && return 0
        for m in "${left[@]}"; do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
        done
        sleep 0.2
    done
    mapfile -t left < <(mounts_under "$d")
    [ ${#left[@]} -eq 0 ] && return 0
    err "still mounted under $d: ${left[*]}"
    return 1
}

# ---------------------------------------------------------------------------
# Processes.  What runs inside is tracked three ways, because the kit may
# move itself out of any one of them: a cgroup (v2) of our own, the root
# directory of each process (chroot), and in box mode a PID namespace whose
# end the kernel enforces.

cg=""
make_cgroup() {
    local base=""
    if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
        base=/sys/fs/cgroup
    elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        base=/sys/fs/cgroup/unified
    fi
    [ -n "$base" ] || return 0
    if mkdir "$base/ipckit-fresh-root-$$" 2>/dev/null; then
        cg="$base/ipckit-fresh-root-$$"
    fi
    return 0
}

# inside_pids: processes under our cgroup or whose root is in the scratch root.
inside_pids() {
    { [ -n "$cg" ] && [ -r "$cg/cgroup.procs" ] && cat "$cg/cgroup.procs"
      # /proc/PID/root is a symbolic link to the process's root directory.
      [ -n "${root:-}" ] && find /proc -mindepth 2 -maxdepth 2 -name root \
          \( -lname "$root" -o -lname "$root/*" \) -printf '%h\n' | sed 's|^/proc/||'
    } 2>/dev/null | grep -vx "$$" | sort -un
}

describe_pids() {
    local p
    for p in "$@"; do
        printf '  pid %s: %s\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
    done
}

# kill_inside: SIGKILL everything inside until nothing is left.
kill_inside() {
    local pids
    [ -n "${job:-}" ] && kill -KILL -- "-$job" 2>/dev/null
    for _ in $(seq 50); do
        [ -n "$cg" ] && [ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill" 2>/dev/null
        mapfile -t pids < <(inside_pids)
        [ ${#pids[@]} -eq 0 ] && return 0
        kill -KILL "${pids[@]}" 2>/dev/null
        sleep 0.1
    done
    mapfile -t pids < <(inside_pids)
    [ ${#pids[@]} -eq 0 ] && return 0
    err "processes still running inside: ${pids[*]}"
    return 1
}

# quiet_kill: kill_inside without bash's "Killed ..." report of the job: a
# job started under job control is reported on stderr when it is reaped,
# so reap it in the main shell with stderr closed, kill_inside's own
# messages going to the real stderr (fd 3).
quiet_kill() {
    local rc
    { (kill_inside) 2>&3; rc=$?; [ -n "$job" ] && wait "$job"; } 3>&2 2>/dev/null
    job=""
    return $rc
}

# bg_run CMD...: run CMD as a job of its own and wait for it.  A job, so
# that SIGTERM reaches our trap at once (bash runs traps only between
# foreground commands) and the trap can kill the job's process group;
# with job control on, so the job does not ignore SIGINT as background
# commands of a script do.
job=""
bg_run() {
    local rc
    set -m
    "$@" </dev/null &
    job=$!
    set +m
    wait "$job"
    rc=$?
    job=""
    return $rc
}

# ---------------------------------------------------------------------------
# Box mode, second stage: this script again, run by unshare as PID 1 of new
# mount, PID and IPC namespaces.  Makes ROOT the root file system, runs
# the command, says what it left running, and exits with its status; the
# kernel then kills whatever is left, and the namespace's mounts go with it.
box_stage() {
    local r=$1 cmd=$2 rc pids p
    # pivot_root wants the new root to be a mount point.
    mount --bind "$r" "$r" || { err "box: bind-mounting $r on itself failed"; exit 125; }
    mount_fs "$r" || exit 125
    mkdir -p "$r/.fresh-root-old" || { err "box: mkdir $r/.fresh-root-old failed"; exit 125; }
    cd "$r" && pivot_root . .fresh-root-old ||
        { err "box: pivot_root into $r failed"; exit 125; }
    cd / || exit 125
    # The host's file systems go; from here only the fresh root is seen.
    umount -l /.fresh-root-old && rmdir /.fresh-root-old ||
        { err "box: detaching the host's root failed"; exit 125; }
    (run_cmd "$cmd")
    rc=$?
    # Everything but ourselves (PID 1) and this very listing.
    mapfile -t pids < <(for p in /proc/[0-9]*; do
        case ${p#/proc/} in 1 | "$BASHPID") ;; *) echo "${p#/proc/}" ;; esac
    done)
    if [ ${#pids[@]} -gt 0 ]; then
        say "the command left ${#pids[@]} process(es) running in the box (killed now):"
        describe_pids "${pids[@]}" >&2
    fi
    exit $rc
}

# run_cmd CMD [PREFIX...]: become CMD, run in the kit's folder as root
# logging in on a fresh machine would run it: a login shell, a clean
# environment and the default signal dispositions (a script's background
# jobs ignore SIGINT, and their children would inherit that).  PREFIX
# (chroot ROOT) goes between the environment and the shell.
run_cmd() {
    local c=$1 sig=()
    shift
    env --default-signal=INT true 2>/dev/null && sig=("--default-signal=INT,QUIT,PIPE")
    exec env "${sig[@]}" -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
        PATH="$PATH_INSIDE" TERM="${TERM:-dumb}" \
        "$@" /bin/bash -lc "cd $KITDIR_INSIDE && $c"
}

if [ "${1:-}" = --box-stage ]; then
    box_stage "$2" "$3"
fi

# ---------------------------------------------------------------------------
# Options.

mode=chroot kit="" worktree=0 cmd="make test" keep=0 rebuild=0
usage() {
    echo "usage: tests/kit/fresh-root.sh [--mode chroot|box] [--kit DIR | --worktree] [--cmd \"make test\"] [--keep] [--rebuild]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --mode) [ $# -ge 2 ] || usage; mode=$2; shift 2 ;;
    --mode=*) mode=${1#*=}; shift ;;
    --kit) [ $# -ge 2 ] || usage; kit=$2; shift 2 ;;
    --kit=*) kit=${1#*=}; shift ;;
    --worktree) worktree=1; shift ;;
    --cmd) [ $# -ge 2 ] || usage; cmd=$2; shift 2 ;;
    --cmd=*) cmd=${1#*=}; shift ;;
    --keep) keep=1; shift ;;
    --rebuild) rebuild=1; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$self" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
    *) err "unknown argument: $1"; usage ;;
    esac
done
case $mode in chroot | box) ;; *) err "--mode is chroot or box, not '$mode'"; usage ;; esac
[ -n "$kit" ] && [ "$worktree" = 1 ] && { err "--kit and --worktree exclude each other"; usage; }
[ -n "$kit" ] || kit=$(cd "$(dirname "$self")/../.." && pwd)
kit=$(readlink -f "$kit") || { err "no such kit folder: $kit"; exit 125; }
[ -f "$kit/Makefile" ] || { err "$kit has no Makefile: not the kit"; exit 125; }
[ "$(id -u)" -eq 0 ] || { err "must run as root (debootstrap, chroot, mount)"; exit 125; }
for tool in tar git mount umount chroot unshare pivot_root mknod flock awk stat; do
    command -v "$tool" >/dev/null || { err "$tool is missing on this machine"; exit 125; }
done

cache=${FRESH_ROOT_CACHE:-/var/cache/ipckit-fresh-root}
tmpbase=${FRESH_ROOT_TMP:-/var/tmp}
mkdir -p "$cache" "$tmpbase" || { err "cannot create $cache or $tmpbase"; exit 125; }
cache=$(readlink -f "$cache") tmpbase=$(readlink -f "$tmpbase")
# The kit must stay as it was: neither the cache nor the scratch root in it.
for d in "$cache" "$tmpbase"; do
    case $d/ in "$kit"/*) err "$d lies inside the kit ($kit): choose a folder outside it"; exit 125 ;; esac
done

# ---------------------------------------------------------------------------
# Clean-up, whatever happens from here on.

t0=$EPOCHREALTIME
status=125        # until the command has run: the run could not be set up
cleanup_dirs=()   # scratch or build folders: unmount under, then remove
keep_dirs=()      # those --keep keeps
cleaned=0

elapsed() { # elapsed START: seconds since START, one decimal
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}
hms() { # hms SECONDS -> 1h02m03s / 2m03s / 3.4s
    awk -v s="$1" 'BEGIN { h = int(s / 3600); m = int((s % 3600) / 60); r = s - 3600 * h - 60 * m
        if (h) printf "%dh%02dm%02ds", h, m, r; else if (m) printf "%dm%02ds", m, r; else printf "%.1fs", r }'
}

cleanup() {
    local ok=1 d k kd pids
    [ "$cleaned" = 1 ] && return 0
    cleaned=1
    local t=$EPOCHREALTIME
    mapfile -t pids < <(inside_pids)
    if [ ${#pids[@]} -gt 0 ] || [ -n "$job" ]; then
        [ ${#pids[@]} -gt 0 ] && {
            say "${#pids[@]} process(es) still running inside (killing them):"
            describe_pids "${pids[@]}" >&2; }
        quiet_kill || ok=0
    fi
    if [ -n "$cg" ]; then
        rmdir "$cg" 2>/dev/null || { err "cannot remove cgroup $cg"; ok=0; }
    fi
    for d in "${cleanup_dirs[@]}"; do
        if ! umount_under "$d"; then
            ok=0
            err "not removing $d: something is still mounted under it"
            continue
        fi
        k=0
        for kd in "${keep_dirs[@]}"; do [ "$kd" = "$d" ] && k=1; done
        if [ "$k" = 1 ] && [ "$keep" = 1 ]; then
            say "kept $d (--keep)"
        else
            # --one-file-system: should a mount have escaped us, never
            # delete through it into the host's files.
            rm -rf --one-file-system "$d" || { err "removing $d failed"; ok=0; }
        fi
    done
    [ "$ok" = 1 ] || { err "clean-up was incomplete (see above)"; return 1; }
    [ ${#cleanup_dirs[@]} -gt 0 ] && say "cleaned up: nothing running or mounted is left ($(elapsed "$t") s)"
    return 0
}

finish() {
    local rc=$1 clean=0
    # A second Ctrl-C must not cut the clean-up short.
    trap '' INT TERM HUP PIPE
    trap - EXIT
    cleanup || clean=1
    [ "$clean" = 1 ] && [ "$rc" = 0 ] && rc=125
    say "mode=$mode cmd=\"$cmd\" status=$rc time=$(hms "$(elapsed "$t0")")"
    exit "$rc"
}
on_signal() {
    trap '' INT TERM HUP PIPE
    say "interrupted by SIG$1: stopping the command and cleaning up"
    case $1 in INT) status=130 ;; TERM) status=143 ;; HUP) status=129 ;; PIPE) status=141 ;; esac
    finish "$status"
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
# Our output piped into head, say: the reader gone, we still clean up.
trap 'on_signal PIPE' PIPE
trap 'finish $status' EXIT

# step NAME CMD...: run one step as a job, timed; say what failed.
step() {
    local what=$1 t=$EPOCHREALTIME rc
    shift
    bg_run "$@"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        err "$what failed (status $rc, after $(elapsed "$t") s)"
        return "$rc"
    fi
    say "$what ($(elapsed "$t") s)"
    return 0
}

# ---------------------------------------------------------------------------
# The Debian mirror, from this machine's apt sources: "URI SUITE" lines.

apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        # deb [options] URI SUITE COMPONENT...
        awk '$1 == "deb" { i = 2
                 if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                 if (i + 1 <= NF) print $i, $(i + 1) }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822 stanzas: Types, URIs, Suites (each a list), Enabled.
        awk 'function flush(   n, m, i, j, u, s) {
                 if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                     n = split(uris, u); m = split(suites, s)
                     for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) print u[i], s[j] }
                 types = uris = suites = key = ""; enabled = "yes" }
             BEGIN { enabled = "yes" }
             /^[ \t]*#/ { next }
             /^[ \t]*$/ { flush(); next }
             /^[ \t]/ { if (key == "uris") uris = uris " " $0; else if (key == "suites") suites = suites " " $0; next }
             { key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
               if (key == "types") types = val; else if (key == "uris") uris = val
               else if (key == "suites") suites = val; else if (key == "enabled") enabled = val }
             END { flush() }' "$f"
    done
}

mapfile -t sources < <(apt_sources | awk -v s="$SUITE" '$2 == s || $2 == s "-updates" || $2 == s "-security"' | sort -u)
mirror=$(printf '%s\n' "${sources[@]}" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
if [ -z "$mirror" ]; then
    err "no Debian $SUITE mirror in /etc/apt/sources.list or /etc/apt/sources.list.d/ (a 'deb URI $SUITE main' entry, or a .sources stanza with Suites: $SUITE)"
    exit 125
fi
mirror=${mirror%/}
# An https mirror needs the CA certificates inside the root as well.
case $mirror in https:*) PRISTINE_PKGS+=(ca-certificates) ;; esac

arch=$(dpkg --print-architecture 2>/dev/null) || arch=amd64
key=$(printf '%s\n' "$SUITE" "$arch" "${PRISTINE_PKGS[*]}" "${sources[@]}" | sha256sum | cut -c1-10)
tarball="$cache/$SUITE-$arch-minbase-$key.tar"

say "mode $mode, command: $cmd"
say "Debian mirror (from this machine's apt sources): $mirror"

# ---------------------------------------------------------------------------
# 1. The pristine root: gcc, make and git on a minbase Debian, cached.

build_stage2() { # build_stage2 DIR: inside the bootstrapped root, apt sources and the packages
    local b=$1
    {
        echo "# This machine's Debian sources (fresh-root.sh)."
        printf '%s\n' "${sources[@]}" | while read -r uri suite; do echo "deb $uri $suite main"; done
    } >"$b/etc/apt/sources.list" || { err "cannot write $b/etc/apt/sources.list"; return 1; }
    rm -f "$b/etc/resolv.conf" && cp /etc/resolv.conf "$b/etc/resolv.conf" ||
        { err "cannot copy /etc/resolv.conf into $b"; return 1; }
    mount_fs "$b" || return 1
    local in=(chroot "$b" env -i HOME=/root PATH="$PATH_INSIDE" DEBIAN_FRONTEND=noninteractive)
    "${in[@]}" apt-get update || { err "apt-get update inside the new root failed"; return 1; }
    "${in[@]}" apt-get install -y --no-install-recommends "${PRISTINE_PKGS[@]}" ||
        { err "apt-get install ${PRISTINE_PKGS[*]} inside the new root failed"; return 1; }
    "${in[@]}" apt-get clean || { err "apt-get clean inside the new root failed"; return 1; }
    "${in[@]}" dpkg-query -W -f '${Package} ${Version}\n' "${PRISTINE_PKGS[@]}" >"$b.versions" ||
        { err "dpkg-query inside the new root failed"; return 1; }
    umount_under "$b" || return 1
}

logged() { # logged LOG CMD...: CMD with its output appended to LOG
    local log=$1
    shift
    "$@" >>"$log" 2>&1
}

build_tarball() { # build_tarball DIR OUT: the root in DIR as a tarball, atomically
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$1" -cf "$2.part" . &&
        mv "$2.part" "$2"
}

get_pristine() {
    # One build at a time, and no run reads a half-written tarball.
    exec 9>"$cache/.lock" || { err "cannot open $cache/.lock"; return 1; }
    flock 9 || { err "cannot lock $cache/.lock"; return 1; }
    if [ -f "$tarball" ] && [ "$rebuild" = 0 ]; then
        say "pristine root: cached $tarball ($(du -h "$tarball" | cut -f1); $(sed -n 's/^built //p' "$tarball.info" 2>/dev/null))"
        exec 9>&-
        return 0
    fi
    local tb=$EPOCHREALTIME
    say "pristine root: building $tarball (a few minutes, once)"
    if ! command -v debootstrap >/dev/null; then
        step "apt-get update on this machine" apt-get update -q || return 1
        step "apt-get install debootstrap on this machine" \
            env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap || return 1
    fi
    local b
    b=$(mktemp -d "$cache/build.XXXXXX") || { err "mktemp in $cache failed"; return 1; }
    cleanup_dirs+=("$b")
    local log="$cache/build.log"
    : >"$log" || { err "cannot write $log"; return 1; }
    say "debootstrap --variant=minbase $SUITE from $mirror (output: $log)"
    if ! step "debootstrap $SUITE minbase" logged "$log" \
        debootstrap --variant=minbase --arch="$arch" "$SUITE" "$b/root" "$mirror"; then
        tail -20 "$log" >&2
        [ -f "$b/root/debootstrap/debootstrap.log" ] && tail -20 "$b/root/debootstrap/debootstrap.log" >&2
        return 1
    fi
    if ! step "apt-get install --no-install-recommends ${PRISTINE_PKGS[*]} in the new root" \
        logged "$log" build_stage2 "$b/root"; then
        tail -20 "$log" >&2
        return 1
    fi
    step "tarball of the pristine root" build_tarball "$b/root" "$tarball" || return 1
    {
        echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $mirror"
        echo "packages added to minbase: ${PRISTINE_PKGS[*]} (--no-install-recommends)"
        cat "$b/root.versions"
        printf 'source: %s\n' "${sources[@]}"
    } >"$tarball.info" 2>/dev/null
    rm -f "$b/root.versions"
    say "pristine root built in $(hms "$(elapsed "$tb")"): $tarball ($(du -h "$tarball" | cut -f1))"
    exec 9>&-
}

get_pristine || exit 125

# ---------------------------------------------------------------------------
# 2. A fresh copy of it, with the kit in it.

scratch=$(mktemp -d "$tmpbase/ipckit-fresh-root.XXXXXX") || { err "mktemp in $tmpbase failed"; exit 125; }
cleanup_dirs+=("$scratch")
keep_dirs+=("$scratch")
root=$scratch/root
mkdir "$root" || { err "mkdir $root failed"; exit 125; }
say "scratch root: $root"

step "unpacked the pristine root" \
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$root" -xpf "$tarball" || exit 125

# The root's own files might be symlinks: replace, never write through them.
rm -f "$root/etc/resolv.conf" && cp /etc/resolv.conf "$root/etc/resolv.conf" ||
    { err "cannot copy /etc/resolv.conf into the root"; exit 125; }

copy_worktree() { # the files git would commit now, uncommitted changes included
    local src=$1 dst=$2 f
    mkdir -p "$dst" || return 1
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        # Tracked and untracked files, less ignored ones (build/, objects,
        # programs built in the labs) and deleted ones.
        git -C "$src" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                [ -e "$src/$f" ] || [ -L "$src/$f" ] && printf '%s\0' "$f"
            done | tar -C "$src" --null --no-recursion -T - -cf - | tar -C "$dst" -xpf -
    else
        tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$dst" -xpf -
    fi
}

if [ "$worktree" = 1 ]; then
    step "copied the work tree of $kit into $KITDIR_INSIDE (build/ and .git left out)" \
        copy_worktree "$kit" "$root$KITDIR_INSIDE" || exit 125
else
    git -C "$kit" rev-parse --verify -q HEAD >/dev/null ||
        { err "$kit is not a git repository with a commit (try --worktree)"; exit 125; }
    # --no-hardlinks: the root must not share files with the kit's .git.
    step "cloned $kit (HEAD $(git -C "$kit" rev-parse --short HEAD)) into $KITDIR_INSIDE" \
        git clone -q --no-hardlinks "$kit" "$root$KITDIR_INSIDE" || exit 125
    dirty=$(git -C "$kit" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
    [ "$dirty" -gt 0 ] &&
        say "note: $dirty uncommitted change(s) in $kit are not in the clone (--worktree tests them)"
fi

# ---------------------------------------------------------------------------
# 3. The command.

make_cgroup
join_cg() { [ -z "$cg" ] || echo "$BASHPID" >"$cg/cgroup.procs" 2>/dev/null || true; }

run_chroot() {
    join_cg
    run_cmd "$cmd" chroot "$root"
}
run_box() {
    join_cg
    # --kill-child: should we die, the box's PID 1 dies, and with it the box.
    exec unshare --mount --pid --ipc --fork --kill-child --propagation private -- \
        "$self" --box-stage "$root" "$cmd"
}

if [ "$mode" = chroot ]; then
    mount_fs "$root" || exit 125
    say "mounted /proc, /sys, /dev, /dev/pts, /dev/shm$([ -n "$(mounts_under "$root/dev/mqueue")" ] && echo ", /dev/mqueue") in the root; chroot $root"
    runner=run_chroot
else
    say "box: new mount, PID and IPC namespaces, $root as / (pivot_root)"
    runner=run_box
fi
say "running in $KITDIR_INSIDE: $cmd"
echo "------------------------------------------------------------------------" >&2
tc=$EPOCHREALTIME
bg_run "$runner"
status=$?
echo "------------------------------------------------------------------------" >&2
say "command exited with status $status after $(hms "$(elapsed "$tc")")"

# What the command left running is a finding of its own.
mapfile -t left < <(inside_pids)
if [ ${#left[@]} -gt 0 ]; then
    say "the command left ${#left[@]} process(es) running (killing them):"
    describe_pids "${left[@]}" >&2
    quiet_kill
fi
finish "$status"
exit
}
