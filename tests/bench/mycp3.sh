#!/usr/bin/env bash
# mycp3.sh (bench) - lab 08's mycp3 against a plain read/write copy and cp.
#
# Copies a 1 GiB file of random bytes with a warm page cache (the file
# dropped from the cache and read back, as a file read from the disk is
# cached), ROUNDS (default 5) times with each of three programs, in turn:
#
#   mycp3    the lab's solution: two mappings, a window at a time
#   rwloop   tests/bench/rwcopy.c: read and write through a 1 MiB buffer
#   cp       the system's cp (coreutils copies in the kernel with
#            copy_file_range)
#
# and prints each one's median wall time (and the spread), peak resident
# set size, and two ratios against their targets:
#
#   mycp3 / rwloop   target <= 1.25   (the limit of a copy through memory)
#   mycp3 / cp       target <= 2.00
#
# Then the steps of the handout's "Performance" table: the solution rebuilt
# (with sed) without each of its four speed steps (fallocate, MAP_POPULATE,
# MADV_POPULATE_WRITE, MADV_HUGEPAGE), without all four, and with other
# window sizes, timed in the same rounds, so that each step's share shows
# in one run (STEPS=0 skips them).  Last, a 2 GiB sparse
# file copied under a 256 MiB address-space limit (ulimit -v), checked with
# cmp: mycp3's peak memory is set by its window, not by the file.  A
# benchmark, not a test: it says whether each target holds and exits 0
# either way, unless a copy fails or differs from its source.
#
# Needs about 4 GiB free under build/; removes its files when it ends
# (KEEP=1 keeps the per-run times in build/bench/mycp3/*.t).
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
rounds=${ROUNDS:-5}
make -s -C solutions/08-mycp3 >/dev/null
sol=$top/solutions/08-mycp3
work=$top/build/bench/mycp3
rm -rf "$work"
mkdir -p "$work"
# KEEP=1 keeps the times of every run (NAME.t, in run order) for a look.
if [ "${KEEP:-0}" = 1 ]; then
    trap 'rm -rf "$work"/big "$work"/out "$work"/sparse' EXIT
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work"

# The window the solution maps, in MiB, from its source.
window=$(sed -n 's/^#define WINDOW ((size_t)\([0-9]*\) << 20).*/\1/p' "$sol/mycp3.c")
[ -n "$window" ] || { echo "mycp3.sh: no '#define WINDOW ((size_t)N << 20)' in $sol/mycp3.c" >&2; exit 1; }

# A tiny wrapper: runs a command, prints "<seconds> <peak RSS in KiB>".
# wait4's rusage is the child's own, so this works without GNU time.
cat >runstat.c <<'C'
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char *argv[])
{
    struct timespec t0, t1;
    struct rusage ru;
    int st;
    if (argc < 2)
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid == -1)
        return 1;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    if (wait4(pid, &st, 0, &ru) == -1)
        return 1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.3f %ld\n",
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           ru.ru_maxrss);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
C
cc -O2 -o runstat runstat.c
cc -O2 -Wall -Wextra -Werror -o rwcopy "$top/tests/bench/rwcopy.c"

# Step variants: the solution's mycp3.c with one speed step taken out,
# built the way the lab builds it.  step NAME SED-SCRIPT: fails loudly if
# the edit no longer matches the source (the steps must follow the code).
steps=()
step() {
    local name=$1 script=$2
    mkdir -p "v-$name"
    sed "$script" "$sol/mycp3.c" >"v-$name/mycp3.c"
    if cmp -s "$sol/mycp3.c" "v-$name/mycp3.c"; then
        echo "mycp3.sh: step $name: the edit '$script' matches nothing in mycp3.c" >&2
        exit 1
    fi
    printf 'PROGS = mycp3\ninclude %s/mk/lab.mk\n' "$top" >"v-$name/Makefile"
    # A step taken out can leave a parameter unused: not an error here.
    make -s -C "v-$name" SAN=-Wno-unused-parameter >/dev/null 2>&1 ||
        { echo "mycp3.sh: step $name does not build" >&2; exit 1; }
    steps+=("$name")
}
nohuge='/MADV_HUGEPAGE) == -1/,+1d'
nopopw='/MADV_POPULATE_WRITE) == -1/,+2d'
nopops='s/ | MAP_POPULATE//'
nofalloc='/if (fallocate(dfd, 0, 0, size) == 0)/,+3d'
if [ "${STEPS:-1}" != 0 ]; then
    step none "$nohuge; $nopopw; $nopops; $nofalloc"
    step nofalloc "$nofalloc"
    step nopops "$nopops"
    step nopopw "$nopopw"
    step nohuge "$nohuge"
    for w in 4 32; do
        [ "$w" = "$window" ] || step "window$w" "s/^#define WINDOW ((size_t)[0-9]* << 20)/#define WINDOW ((size_t)$w << 20)/"
    done
fi

load=$(cut -d' ' -f1 /proc/loadavg)
echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -sr), $(df -T . | awk 'NR == 2 {print $2}'), load $load"
awk -v l="$load" -v n="$(nproc)" 'BEGIN {exit !(l > n / 4)}' &&
    echo "warning: the machine is busy (load $load): the times vary more than usual"
echo "making a 1 GiB file of random bytes..."
head -c $((1 << 30)) /dev/urandom >big
# The source as a copy finds a file that came from the disk: its pages
# dropped from the cache (dd iflag=nocache: posix_fadvise DONTNEED) and
# read back, so that readahead brings it in.  On a kernel whose file
# system caches files in large folios (ext4 since Linux 6.16), readahead
# makes them 2 MiB each, and a mapping maps each with one page-table
# entry instead of 512.  Written by small write() calls and never evicted,
# the same file sits in 4 KiB pages: the last table below copies it so.
dd if=big iflag=nocache count=0 status=none
cat big >/dev/null
# huge_kib: the page cache held in 2 MiB folios, system-wide (KiB).
huge_kib() { awk '$1 == "FileHugePages:" {print $2}' /proc/meminfo; }
echo "source in the page cache: $(($(huge_kib) >> 10)) MiB of the machine's page cache in 2 MiB folios (of 1024 MiB read)"

# run NAME CMD...: one timed copy of big to out, checked with cmp; the
# time goes to NAME.t, the peak RSS (KiB) to NAME.k.
run() {
    local name=$1 s k
    shift
    rm -f out
    sync # the last copy's write-back must not slow this one down
    read -r s k < <(./runstat "$@")
    cmp -s big out || { echo "$name: the copy differs from the source" >&2; exit 1; }
    echo "$s" >>"$name.t"
    echo "$k" >>"$name.k"
}
# median NAME: "median min max" of NAME's times; peak NAME: largest RSS.
median() { sort -n "$1.t" | awk '{t[NR] = $1} END {print t[int((NR + 1) / 2)], t[1], t[NR]}'; }
peak() { sort -n "$1.k" | tail -1; }

for _ in $(seq 1 "$rounds"); do
    run mycp3 "$sol/mycp3" big out
    run rwloop ./rwcopy big out
    run cp cp big out
    for s in "${steps[@]}"; do
        run "$s" "v-$s/mycp3" big out
    done
done
rm -f out

echo "1 GiB copy, warm cache, median of $rounds runs each (min-max), peak RSS:"
for n in mycp3 rwloop cp; do
    read -r m lo hi < <(median "$n")
    awk -v n="$n" -v m="$m" -v lo="$lo" -v hi="$hi" -v k="$(peak "$n")" 'BEGIN {
        printf "  %-8s %6.3f s  (%.3f-%.3f)  peak RSS %6.1f MiB\n", n, m, lo, hi, k / 1024 }'
done
read -r m _ < <(median mycp3)
read -r r _ < <(median rwloop)
read -r c _ < <(median cp)
read -r _ mb _ < <(median mycp3)
read -r _ rb _ < <(median rwloop)
read -r _ cb _ < <(median cp)
awk -v m="$mb" -v r="$rb" -v c="$cb" 'BEGIN {
    printf "best runs:   mycp3/rwloop %.2f   mycp3/cp %.2f\n", m / r, m / c }'
# A wide spread is the machine, not the programs: on a virtual machine
# that hands free memory back to its host (virtio-balloon free page
# reporting), the first touch of memory freed a few seconds before costs
# a fault in the host, and every copy here allocates 1 GiB of page cache.
awk -v f="$(cat mycp3.t rwloop.t cp.t | sort -n | sed -n '1p;$p' | paste -sd' ')" 'BEGIN {
    split(f, a, " "); if (a[2] > 2.5 * a[1]) exit 0; exit 1 }' &&
    echo "warning: some runs took over 2.5x others: the machine's memory or CPU was slow at times (see the comment in this script)"
awk -v m="$m" -v r="$r" -v c="$c" -v k="$(peak mycp3)" -v w="$window" 'BEGIN {
    printf "mycp3/rwloop %.2f (target <= 1.25: %s)   mycp3/cp %.2f (target <= 2.00: %s)\n",
        m / r, m / r <= 1.25 ? "met" : "NOT met", m / c, m / c <= 2 ? "met" : "NOT met"
    printf "mycp3 peak RSS %.1f MiB with %d MiB windows (two windows: %d MiB)\n",
        k / 1024, w, 2 * w }'
if [ ${#steps[@]} -gt 0 ]; then
    echo "the steps: the solution rebuilt with a step taken out, in the same rounds:"
    for s in "${steps[@]}"; do
        case $s in
        none) what="none of the four (the plain two-mapping copy)" ;;
        nofalloc) what="no fallocate (ftruncate sizes DEST)" ;;
        nopops) what="no MAP_POPULATE on the source" ;;
        nopopw) what="no MADV_POPULATE_WRITE on DEST" ;;
        nohuge) what="no MADV_HUGEPAGE on DEST" ;;
        window*) what="${s#window} MiB windows" ;;
        esac
        read -r sm lo hi < <(median "$s")
        awk -v w="$what" -v sm="$sm" -v lo="$lo" -v hi="$hi" -v m="$m" -v k="$(peak "$s")" 'BEGIN {
            printf "  %-46s %6.3f s (%.3f-%.3f) %5.2fx mycp3, RSS %5.1f MiB\n",
                w, sm, lo, hi, sm / m, k / 1024 }'
    done
fi
# The same source cached in 4 KiB pages: written again by head's small
# writes and never read from the disk.  Fewer rounds: it only shows the
# difference.
if [ "${STEPS:-1}" != 0 ]; then
    rm -f big
    head -c $((1 << 30)) /dev/urandom >big
    for n in mycp3 rwloop cp; do mv "$n.t" "$n.t.large"; mv "$n.k" "$n.k.large"; done
    for _ in $(seq 1 3); do
        run mycp3 "$sol/mycp3" big out
        run rwloop ./rwcopy big out
        run cp cp big out
    done
    rm -f out
    echo "the source cached in 4 KiB pages (written by small writes, never read back), median of 3:"
    read -r m4 _ < <(median mycp3)
    read -r r4 _ < <(median rwloop)
    read -r c4 _ < <(median cp)
    awk -v m="$m4" -v r="$r4" -v c="$c4" 'BEGIN {
        printf "  mycp3 %.3f s, rwloop %.3f s, cp %.3f s: mycp3/rwloop %.2f, mycp3/cp %.2f\n", m, r, c, m / r, m / c }'
fi
rm -f big

echo "copying a 2 GiB sparse file under ulimit -v 262144 (256 MiB)..."
truncate -s 2G sparse
printf 'start' | dd of=sparse conv=notrunc status=none
printf 'end' | dd of=sparse bs=1 seek=$(((2 << 30) - 3)) conv=notrunc status=none
if read -r s k < <(./runstat /bin/sh -c 'ulimit -v 262144; exec "$0" "$@"' \
        "$sol/mycp3" sparse out) && cmp -s sparse out; then
    awk -v s="$s" -v k="$k" 'BEGIN {
        printf "2 GiB copy under a 256 MiB address-space limit: ok " \
               "(%.2f s, peak RSS %.1f MiB)\n", s, k / 1024 }'
else
    echo "2 GiB copy under a 256 MiB address-space limit: FAILED"
    exit 1
fi
