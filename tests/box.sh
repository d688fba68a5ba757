#!/usr/bin/env bash
# box.sh - the grading box: where a student's files are collected, built
# and run, with nothing else of the kit or the machine in reach.
#
# usage: tests/box.sh probe [--env]
#        tests/box.sh collect --in PATH --labs FILE [--flat] >STREAM
#        tests/box.sh grade --lab NAME --given DIR --keep DIR --runner BIN
#                           --budget SECS [--env NAME=VALUE]...
#
#   probe    print one line saying which box this machine allows, and a
#            second saying what a grading here keeps (the container it
#            runs in, if any; the uid student code gets; what is private;
#            cgroups), and exit 0 (a box) or 3 (only the fallback).
#   collect  take a submission (a folder, or a .tar/.tar.gz/.tgz archive)
#            and write to stdout a tar stream of just the files a student
#            edits, labs/NN-topic/FILE, regular files only.  FILE lists
#            "NN-topic file..." a line.  Links, device nodes, paths outside
#            the submission and oversized archives are refused; what was
#            refused is said on stderr.  --flat also takes a file found
#            anywhere in the submission (a Gradescope upload of bare files).
#   grade    build one lab from DIR (the collected files plus the kit's
#            Makefile, mk/ and synclib/) and run its test program BIN, all
#            inside one box; the runner's records go to the descriptors
#            3 (results.json lines), 4 (scores) and 5 (JUnit) the caller
#            opened; kept outputs of the tests go to DIR given with --keep.
#            At SECS seconds the whole box is killed.
#
# The box (bubblewrap; the threat model is in the instructor copy's
# tests/README.md, "The grading box"):
#   - sees read-only /usr and /etc, the lab's files, private /tmp, /var/tmp,
#     /run, /dev/shm and /dev/mqueue, and nothing of the kit (the kit's
#     folder is hidden even when it lies under /usr or /etc);
#   - has its own pid, ipc, mount, uts and network (loopback only)
#     namespaces, a new session without a terminal, a fixed environment,
#     and dies with the grader;
#   - as root: builds and runs the student's programs as a uid of its own,
#     drawn at random for this box, never root, and sits in a cgroup that
#     bounds its processes and memory and through which it is killed;
#   - the test program is never at a path inside the box: it is executed
#     from a descriptor (/proc/self/fd/9) and makes itself undumpable.
# Where bubblewrap cannot make a box (no user namespaces for a non-root
# user; a container that forbids namespaces), the fallback says so: as
# root it still runs everything of the student's as a uid of its own,
# keeps solutions/, tests/ and build/ out of that uid's reach, and removes
# everything that uid left; as another user it can only run the programs
# as that user.
set -uo pipefail

# (The kit's folder found without a process: each costs a fork, and a
# batch starts hundreds of boxes.)
case $0 in */*) kit=${0%/*}/.. ;; *) kit=.. ;; esac
here=$PWD
cd -- "$kit" && kit=$PWD && cd -- "$here" || exit 2
inside=$kit/tests/box-inside.sh
export LC_ALL=C

die() { echo "box: $*" >&2; exit 2; }

# ---- what this machine allows ------------------------------------------

# bwrap arguments shared by every box: system folders read-only, the rest
# private.  Merged-/usr systems have /bin -> usr/bin: keep them links.
# "sys_args noetc" leaves /etc out (collecting needs only tar, find, cp).
sys_args() {
    local d
    BW=(--ro-bind /usr /usr)
    for d in bin sbin lib lib32 lib64 libx32; do
        if [ -L "/$d" ] && [ "/$d" -ef "/usr/$d" ]; then
            BW+=(--symlink "usr/$d" "/$d")
        elif [ -d "/$d" ]; then
            BW+=(--ro-bind "/$d" "/$d")
        fi
    done
    [ "${1:-}" = noetc ] || BW+=(--ro-bind /etc /etc)
    # The kit, its records and its outputs must not show through a system
    # folder (a kit unpacked under /usr/local or /etc): cover them.
    case $kit/ in
    /usr/* | /etc/* | /bin/* | /sbin/* | /lib*/*) BW+=(--tmpfs "$kit") ;;
    esac
    # One sysfs folder, read-only: lab 08's tests need a file that says
    # 4096 bytes and cannot be mapped.  The rest of /sys stays out.
    # (bwrap makes the folders on the way to a mount point 0700: --dir
    # makes them 0755, so the box's uid can walk through.)
    [ -d /sys/kernel/mm/transparent_hugepage ] &&
        BW+=(--dir /sys --dir /sys/kernel --dir /sys/kernel/mm
            --ro-bind /sys/kernel/mm/transparent_hugepage /sys/kernel/mm/transparent_hugepage)
    BW+=(--proc /proc --dev /dev
        --perms 1777 --size $((256 << 20)) --tmpfs /tmp
        --dir /var --perms 1777 --size $((64 << 20)) --tmpfs /var/tmp
        --size $((16 << 20)) --tmpfs /run
        --perms 1777 --size $((256 << 20)) --tmpfs /dev/shm
        --mqueue /dev/mqueue
        --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try
        --hostname ipckit-box --die-with-parent --new-session --clearenv
        --setenv PATH /usr/local/bin:/usr/bin:/bin --setenv LC_ALL C --setenv TZ UTC
        --setenv HOME /tmp)
    [ "$EUID" -eq 0 ] || BW+=(--unshare-user)
}

# 0 when a bwrap box works here.  The answer is cached per process tree
# (KIT_BOX_MODE) so a batch asks once.
can_box() {
    case ${KIT_BOX_MODE:-} in
    box) return 0 ;;
    fallback) return 1 ;;
    esac
    command -v bwrap >/dev/null || return 1
    sys_args
    bwrap "${BW[@]}" -- /bin/true </dev/null >/dev/null 2>&1
}

# The container this grader runs in, if any, in REPLY ("" when none is
# seen): the grading platforms (Gradescope, PrairieLearn, Autolab, GitHub
# Actions' job containers) run it in one, often as root, often with
# namespaces or cgroups forbidden.  Each sign is a file the runtime
# leaves: /.dockerenv (Docker), /run/.containerenv (Podman), the
# "container" variable systemd-nspawn and LXC give pid 1, and the cgroup
# path of pid 1 (Kubernetes, containerd, Docker, LXC).
in_container() {
    REPLY=""
    if [ -e /.dockerenv ]; then REPLY=docker
    elif [ -e /run/.containerenv ]; then REPLY=podman
    elif [ -r /proc/1/environ ] && tr '\0' '\n' </proc/1/environ 2>/dev/null | grep -q '^container='; then
        REPLY=$(tr '\0' '\n' </proc/1/environ | sed -n 's/^container=//p' | head -1)
    else
        case $(cat /proc/1/cgroup 2>/dev/null) in
        *kubepods*) REPLY=kubernetes ;;
        *docker*) REPLY=docker ;;
        *containerd* | *cri-o*) REPLY=containerd ;;
        *lxc*) REPLY=lxc ;;
        esac
    fi
    return 0
}

# What a grading here keeps and what it cannot, in one line: printed by
# probe, at the top of every report and in results.json.
guarantees() {
    local where="" cg
    in_container
    [ -n "$REPLY" ] && where="in a $REPLY container; "
    if can_box; then
        if [ "$EUID" -eq 0 ]; then
            if cg_make "ipckit-probe-$$"; then cg="cgroup bounds on processes and memory"; cg_remove
            else cg="no writable cgroup: processes bounded per uid (RLIMIT_NPROC), memory per process (RLIMIT_AS)"; fi
            echo "${where}bubblewrap box: student code as a uid of its own per lab, never root; private pid, ipc, mount, net namespaces; the kit (its tests and solutions) and other labs out of sight; $cg; a time budget per lab and per submission"
        else
            echo "${where}bubblewrap box in a user namespace: student code as $(id -un 2>/dev/null || id -u), with private pid, ipc, mount and net namespaces; the kit (its tests and solutions) out of sight; a time budget per lab and per submission"
        fi
    elif [ "$EUID" -eq 0 ]; then
        echo "${where}no box ($(why_no_box)): the fallback runs student code as a uid of its own, never root, with the kit's solutions/, tests/ and build/ made root-only and everything of that uid removed after; NOT private: /tmp, /dev/shm, System V IPC, the network, any file the whole machine may read; a time budget per lab and per submission"
    else
        echo "${where}no box ($(why_no_box)): student code would run as $(id -un 2>/dev/null || id -u), who can read whatever this user can, the kit's own files included; only a time budget and cleanup after"
    fi
}

# Why there is no box, in one line.
why_no_box() {
    if [ "${KIT_BOX_MODE:-}" = fallback ]; then
        echo "KIT_BOX_MODE=fallback asks for the fallback"
    elif ! command -v bwrap >/dev/null; then
        echo "bubblewrap (bwrap) is not installed (make deps installs it)"
    else
        sys_args
        local msg
        msg=$(bwrap "${BW[@]}" -- /bin/true </dev/null 2>&1 >/dev/null | head -1)
        echo "bwrap cannot make namespaces here (${msg:-no message})"
    fi
}

# ---- an identity of its own (root only) --------------------------------

# A uid nobody on this machine has, in REPLY (not printed: a subshell
# costs a fork): drawn at random from a range far above real users (2^30
# values), and checked against every running process and every System V
# object.  Two boxes of one batch never share one, so they can neither
# signal nor trace each other, nor share per-user limits.
pick_uid() {
    local uid i
    for i in 1 2 3 4 5 6 7 8; do
        uid=$((1000000000 + SRANDOM % 1073741824))
        # (Real and effective uids on the "Uid:" lines of processes; the
        # owner and creator columns of the System V tables, found by their
        # headings.)
        if ! awk -v u="$uid" '
                /^Uid:/ && ($2 == u || $3 == u) {f = 1; exit}
                FILENAME !~ /sysvipc/ {next}
                FNR == 1 {uc = cc = 0; for (i = 1; i <= NF; i++) {if ($i == "uid") uc = i; if ($i == "cuid") cc = i}; next}
                (uc && $uc == u) || (cc && $cc == u) {f = 1; exit}
                END {exit !f}' /proc/[0-9]*/status \
                /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem 2>/dev/null; then
            REPLY=$uid
            return 0
        fi
    done
    return 1
}

# ---- cgroups (root only) ----------------------------------------------

# cg_make NAME: a cgroup (v2, or v1 pids + memory + freezer + cpu) bounding
# processes and memory; sets CG_DIRS.  Fails quietly where cgroups cannot
# be written.  Being a group of its own in the cpu controller also gives
# the box a fair share of the CPU as a whole: a box that spins 500
# processes gets no more than a neighbour's box with two.
CG_DIRS=()
# A launcher killed outright (SIGKILL) cannot remove its cgroups: the next
# box removes those that are empty, over two minutes old, and whose
# launcher is gone.  The age matters: a live box's cgroup is empty only
# for the moment before its launcher enters it, and a launcher in another
# pid namespace (a grader run inside a container) cannot be seen by kill -0.
cg_reap_stale() {
    local d pid now=$EPOCHSECONDS
    for d in /sys/fs/cgroup/ipckit-box-* /sys/fs/cgroup/*/ipckit-box-*; do
        [ -d "$d" ] || continue
        read -r pid <"$d/cgroup.procs" 2>/dev/null && [ -n "$pid" ] && continue
        [ $((now - $(stat -c %Y "$d" 2>/dev/null || echo "$now"))) -gt 120 ] || continue
        pid=${d##*/ipckit-box-}
        pid=${pid%%-*}
        kill -0 "$pid" 2>/dev/null && continue
        rmdir "$d" 2>/dev/null
    done
    return 0
}
cg_make() {
    cg_reap_stale
    local name=$1 pids=${KIT_BOX_PIDS:-512} mem=$((${KIT_BOX_MEM_MB:-2048} << 20)) d
    CG_DIRS=()
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        d=/sys/fs/cgroup/$name
        grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
            echo +pids >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
        grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
            echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
        grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
            echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
        mkdir "$d" 2>/dev/null || return 1
        CG_DIRS=("$d")
        echo "$pids" >"$d/pids.max" 2>/dev/null &&
            echo "$mem" >"$d/memory.max" 2>/dev/null || { cg_remove; return 1; }
        echo 0 >"$d/memory.swap.max" 2>/dev/null
        return 0
    fi
    local want=() c
    for c in pids memory freezer cpu; do
        if [ "$c" = cpu ] && [ ! -w "/sys/fs/cgroup/$c" ]; then
            continue # fairness is a bonus; the bounds are not
        fi
        [ -d "/sys/fs/cgroup/$c" ] && [ -w "/sys/fs/cgroup/$c" ] || return 1
        want+=("/sys/fs/cgroup/$c/$name")
    done
    if ! mkdir "${want[@]}" 2>/dev/null; then
        rmdir "${want[@]}" 2>/dev/null
        return 1
    fi
    CG_DIRS=("${want[@]}")
    echo "$pids" >"/sys/fs/cgroup/pids/$name/pids.max" 2>/dev/null &&
        echo "$mem" >"/sys/fs/cgroup/memory/$name/memory.limit_in_bytes" 2>/dev/null ||
        { cg_remove; return 1; }
    return 0
}

# cg_enter PID: move PID into every cgroup of the box.
cg_enter() {
    local d
    for d in "${CG_DIRS[@]}"; do echo "$1" >"$d/cgroup.procs" || return 1; done
}

# nap SECS: sleep without starting a process (sleep(1) is a fork and an
# exec): read times out on a pipe that never has data, opened read-write
# so that it never sees an end either.
NAP_FD=""
nap() {
    [ -n "$NAP_FD" ] || exec {NAP_FD}<> <(:)
    read -r -t "$1" -u "$NAP_FD"
    return 0
}

# cg_kill: kill every process in the box's cgroup, at once.  v2 has
# cgroup.kill; on v1 the freezer stops them all first, so none can fork
# while they are being killed.
cg_kill() {
    local d i frz=""
    [ ${#CG_DIRS[@]} -gt 0 ] || return 0
    if [ -f "${CG_DIRS[0]}/cgroup.kill" ]; then
        echo 1 >"${CG_DIRS[0]}/cgroup.kill" 2>/dev/null
    fi
    for d in "${CG_DIRS[@]}"; do
        [ -f "$d/freezer.state" ] && frz=$d
    done
    # A box that ended has its processes killed by the kernel already (its
    # pid namespace is gone): they leave the cgroup within milliseconds.
    for ((i = 0; i < 10; i++)); do
        cg_empty && return 0
        nap 0.005
    done
    for ((i = 0; i < 50; i++)); do
        cg_empty && return 0
        [ -n "$frz" ] && echo FROZEN >"$frz/freezer.state" 2>/dev/null
        xargs -r kill -KILL <"${CG_DIRS[0]}/cgroup.procs" 2>/dev/null
        [ -n "$frz" ] && echo THAWED >"$frz/freezer.state" 2>/dev/null
        nap 0.1
    done
    return 1
}

# cg_empty: no process left in any of the box's cgroups.  (Read, not
# tested with -s: cgroup files always have size 0.)
cg_empty() {
    local d pid
    for d in "${CG_DIRS[@]}"; do
        pid=""
        [ -r "$d/cgroup.procs" ] && read -r pid <"$d/cgroup.procs"
        [ -z "$pid" ] || return 1
    done
    return 0
}

# cg_remove: the killed processes may still be on their way out (a
# cgroup with a dying task cannot be removed yet): try again, briefly.
cg_remove() {
    local i d left
    for ((i = 0; i < 100 && ${#CG_DIRS[@]} > 0; i++)); do
        left=()
        for d in "${CG_DIRS[@]}"; do [ -d "$d" ] && left+=("$d"); done
        [ ${#left[@]} -eq 0 ] && break
        rmdir "${left[@]}" 2>/dev/null && break
        nap 0.02
    done
    CG_DIRS=()
}

# ---- collect -----------------------------------------------------------

do_collect() {
    local in="" labs="" flat=0
    while [ $# -gt 0 ]; do
        case $1 in
        --in) in=$2; shift 2 ;;
        --labs) labs=$2; shift 2 ;;
        --flat) flat=1; shift ;;
        *) die "collect: unknown argument $1" ;;
        esac
    done
    [ -n "$in" ] && [ -f "$labs" ] || die "collect: usage: box.sh collect --in PATH --labs FILE [--flat]"
    [ -e "$in" ] || die "collect: no such file or folder: $in"
    # A symbolic link as the submission itself is refused like any other.
    [ -L "$in" ] && { echo "refused: $(basename "$in") is a symbolic link" >&2; exit 4; }
    local kind=dir
    if [ -f "$in" ]; then
        kind=archive
        local size
        size=$(stat -c %s "$in")
        if [ "$size" -gt $(((${KIT_ARCHIVE_MAX_MB:-32}) << 20)) ]; then
            echo "refused: the archive is $((size >> 20)) MiB (at most ${KIT_ARCHIVE_MAX_MB:-32} MiB)" >&2
            exit 4
        fi
    fi
    local env=(KIT_STAGE=collect KIT_COLLECT_KIND=$kind KIT_COLLECT_FLAT=$flat)
    if can_box; then
        sys_args noetc
        local uid=""
        if [ "$EUID" -eq 0 ]; then
            pick_uid || die "no free uid for the box"
            uid=$REPLY
            env+=(KIT_BOX_UID=$uid)
        fi
        local args=("${BW[@]}" --ro-bind "$inside" /box-inside.sh --ro-bind "$labs" /labs.list
            --size $((512 << 20)) --tmpfs /x --tmpfs /out)
        [ $kind = dir ] && args+=(--ro-bind "$in" /in)
        local e
        for e in "${env[@]}"; do args+=(--setenv "${e%%=*}" "${e#*=}"); done
        if [ $kind = archive ]; then
            timeout -s KILL 120 bwrap "${args[@]}" -- /bin/bash /box-inside.sh <"$in"
        else
            timeout -s KILL 120 bwrap "${args[@]}" -- /bin/bash /box-inside.sh </dev/null
        fi
        return
    fi
    # Fallback: the same script, in a private folder, as a uid of its own
    # when root.
    local root
    root=$(mktemp -d "${TMPDIR:-/tmp}/ipckit-collect.XXXXXXXX") || die "mktemp failed"
    # (711: the box's uid must pass through to x/, which it is given.)
    chmod 711 "$root" && mkdir -p "$root/x" "$root/out" || die "cannot make $root"
    env+=(KIT_BOX_ROOT=$root KIT_LABS_LIST=$labs)
    [ $kind = dir ] && env+=(KIT_COLLECT_IN=$in)
    local uid="" rc
    if [ "$EUID" -eq 0 ]; then
        pick_uid || die "no free uid for the box"
        uid=$REPLY
        env+=(KIT_BOX_UID=$uid)
    fi
    if [ $kind = archive ]; then
        env -i PATH=/usr/bin:/bin LC_ALL=C "${env[@]}" timeout -s KILL 120 /bin/bash "$inside" <"$in"
    else
        env -i PATH=/usr/bin:/bin LC_ALL=C "${env[@]}" timeout -s KILL 120 /bin/bash "$inside" </dev/null
    fi
    rc=$?
    [ -n "$uid" ] && sweep_uid "$uid"
    rm -rf "$root"
    return $rc
}

# ---- grade -------------------------------------------------------------

# sweep_uid UID: kill every process of UID (a process of that uid calling
# kill(-1) reaches exactly those), then remove what it left in the shared
# places: System V objects, and files in /tmp, /var/tmp, /dev/shm,
# /dev/mqueue and /run.  Only ever called once nothing of UID runs: the
# clean-up cannot be raced.
sweep_uid() {
    local uid=$1 i
    for ((i = 0; i < 50; i++)); do
        awk -v u="$uid" 'FNR == 1 {z = 0} $1 == "State:" {z = ($2 == "Z")}
            $1 == "Uid:" && !z && ($2 == u || $3 == u || $4 == u) {f = 1; exit}
            END {exit !f}' /proc/[0-9]*/status 2>/dev/null || break
        setpriv --reuid="$uid" --regid="$uid" --clear-groups /bin/kill -KILL -1 2>/dev/null
        nap 0.05
    done
    local f t id
    for t in msg:q shm:m sem:s; do
        f=/proc/sysvipc/${t%%:*}
        [ -r "$f" ] || continue
        # Column 2 is the id; the owner and creator uids follow the times.
        awk -v u="$uid" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "uid") uc = i; next}
            uc && $uc == u {print $2}' "$f" | while read -r id; do
            ipcrm "-${t#*:}" "$id" 2>/dev/null
        done
    done
    for f in /tmp /var/tmp /dev/shm /dev/mqueue /run; do
        [ -d "$f" ] && find "$f" -xdev -depth -user "$uid" -delete 2>/dev/null
    done
    return 0
}

BOX_PID="" BOX_UID="" FB_ROOT=""
on_signal() {
    [ -n "$BOX_PID" ] && kill -KILL "$BOX_PID" 2>/dev/null
    cg_kill
    cg_remove
    [ -n "$BOX_UID" ] && sweep_uid "$BOX_UID"
    [ -n "$FB_ROOT" ] && rm -rf "$FB_ROOT"
    exit 130
}

do_grade() {
    local lab="" given="" keep="" runner="" budget=600 envs=()
    while [ $# -gt 0 ]; do
        case $1 in
        --lab) lab=$2; shift 2 ;;
        --given) given=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        --runner) runner=$2; shift 2 ;;
        --budget) budget=$2; shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        *) die "grade: unknown argument $1" ;;
        esac
    done
    [ -n "$lab" ] && [ -d "$given" ] && [ -d "$keep" ] && [ -x "$runner" ] ||
        die "grade: usage: box.sh grade --lab NAME --given DIR --keep DIR --runner BIN --budget SECS"
    trap on_signal INT TERM HUP
    local root=0 rc
    [ "$EUID" -eq 0 ] && root=1
    envs+=(KIT_STAGE=grade KIT_LAB=$lab KIT_RUNNER_FD=9)
    if [ $root = 1 ]; then
        pick_uid || die "no free uid for the box"
        BOX_UID=$REPLY
        envs+=(KIT_BOX_UID=$BOX_UID)
    fi
    local cgname="ipckit-box-$$-${BOX_UID:-u}" what
    if can_box; then
        sys_args
        local args=("${BW[@]}" --ro-bind "$inside" /box-inside.sh
            --size $((1024 << 20)) --tmpfs /box --ro-bind "$given" /box/given
            --bind "$keep" /box/keep)
        local e
        for e in "${envs[@]}"; do args+=(--setenv "${e%%=*}" "${e#*=}"); done
        what="box: bubblewrap (pid, ipc, mount, uts, net namespaces; private /tmp, /dev/shm, /dev/mqueue)"
        [ $root = 1 ] && what="$what; programs as uid $BOX_UID"
        [ $root = 1 ] || what="$what; programs as you, in a user namespace"
        if [ $root = 1 ] && cg_make "$cgname"; then
            what="$what; cgroup: ${KIT_BOX_PIDS:-512} processes, ${KIT_BOX_MEM_MB:-2048} MiB"
        elif [ $root = 1 ]; then
            what="$what; no writable cgroup: processes bounded per uid only"
        fi
        echo "$what; budget ${budget}s" >&2
        (
            [ ${#CG_DIRS[@]} -eq 0 ] || cg_enter "$BASHPID" || exit 125
            exec timeout -s KILL "$budget" bwrap "${args[@]}" -- /bin/bash /box-inside.sh
        ) 9<"$runner" </dev/null &
        BOX_PID=$!
        wait "$BOX_PID"
        rc=$?
        BOX_PID=""
        cg_kill
        cg_remove
    else
        # The fallback: no namespaces.  Never root, never the kit.
        echo "box: no box: $(why_no_box)" >&2
        FB_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ipckit-box.XXXXXXXX") || die "mktemp failed"
        chmod 711 "$FB_ROOT"
        mkdir -p "$FB_ROOT/given" && cp -R "$given/." "$FB_ROOT/given/" && chmod -R a+rX "$FB_ROOT/given" ||
            die "cannot stage the lab's files"
        if [ $root = 1 ]; then
            echo "box: fallback as root: programs as uid $BOX_UID, the kit's solutions, tests and build made root-only, everything of that uid removed after; not private: /tmp, /dev/shm, System V IPC, the network, any file the whole machine may read; budget ${budget}s" >&2
            chmod go-rwx "$kit/solutions" "$kit/tests" "$kit/build" 2>/dev/null
        else
            echo "box: fallback as $(id -un 2>/dev/null || id -u): your programs run as you and could reach whatever you can; only bounded in time and cleaned up after; budget ${budget}s" >&2
        fi
        mkdir -p "$FB_ROOT/keep" && chmod 700 "$FB_ROOT/keep"
        (
            exec env -i PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C TZ=UTC HOME=/tmp \
                KIT_BOX_ROOT="$FB_ROOT" KIT_FALLBACK=1 "${envs[@]}" \
                timeout -s KILL "$budget" setsid /bin/bash "$inside"
        ) 9<"$runner" </dev/null &
        BOX_PID=$!
        wait "$BOX_PID"
        rc=$?
        BOX_PID=""
        [ -n "$BOX_UID" ] && sweep_uid "$BOX_UID"
        # What the runner kept (root-owned copies) goes where asked.
        cp -R "$FB_ROOT/keep/." "$keep/" 2>/dev/null
        rm -rf "$FB_ROOT"
        FB_ROOT=""
    fi
    if [ "$rc" -eq 137 ]; then
        echo "box: the lab ran out of its ${budget}s budget; the whole box was killed" >&2
        echo "budget" >"$keep/.stopped" 2>/dev/null
    fi
    return "$rc"
}

case ${1:-} in
probe)
    # --env: the answer as shell assignments, for grade.sh and batch.sh
    # to eval once and export: KIT_BOX_MODE (box or fallback; kept if
    # set) and KIT_BOX_KEEPS (the guarantees line).
    if [ "${2:-}" = --env ]; then
        mode=${KIT_BOX_MODE:-}
        [ -n "$mode" ] || { if can_box; then mode=box; else mode=fallback; fi; }
        printf 'KIT_BOX_MODE=%q\nKIT_BOX_KEEPS=%q\n' "$mode" "$(KIT_BOX_MODE=$mode guarantees)"
        exit 0
    fi
    # Line 1: the box; line 2: what a grading here keeps (guarantees).
    if can_box; then
        if [ "$EUID" -eq 0 ]; then
            echo "box: bubblewrap, programs as a uid of their own per lab"
        else
            echo "box: bubblewrap in a user namespace, programs as $(id -un 2>/dev/null || id -u)"
        fi
        guarantees
        exit 0
    fi
    echo "box: none: $(why_no_box)"
    guarantees
    exit 3
    ;;
collect) shift; do_collect "$@" ;;
grade) shift; do_grade "$@" ;;
*) sed -n '4,7p' "$0" >&2; exit 2 ;;
esac
