#!/usr/bin/env bash
# mycp3.sh (bench) - lab 08's mycp3 against the system's cp.
#
# Copies a 1 GiB file of random bytes with a warm page cache, ROUNDS
# (default 5) times each, alternating, and prints the best wall time of
# each, their ratio and each one's peak resident set size.  dd with 128 KiB
# blocks is shown too: the plain read/write copy, for comparison.  Then it
# copies a 2 GiB sparse file under a 256 MiB address-space limit (ulimit -v)
# and checks the copy with cmp.  Target: mycp3 within 1.25x of cp, and a
# peak RSS set by mycp3's mapping window, not by the file size.  A
# benchmark, not a test: it asserts nothing about speed.
#
# Needs about 4 GiB free under build/; removes its files when it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${ROUNDS:-5}
make -s -C solutions/08-mycp3 >/dev/null
mycp3=$(pwd)/solutions/08-mycp3/mycp3
work=$(pwd)/build/bench/mycp3
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
cd "$work"

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

echo "making a 1 GiB file of random bytes..."
head -c $((1 << 30)) /dev/urandom >big
cat big >/dev/null # warm the page cache

# best NAME CMD...: run CMD, keep the best time and the largest RSS.
declare -A secs rss
best() {
    local name=$1; shift
    rm -f out
    sync # the last copy's write-back must not slow this one down
    read -r s k < <(./runstat "$@")
    cmp -s big out || { echo "$name: the copy differs from the source" >&2; exit 1; }
    if [ -z "${secs[$name]:-}" ] || awk -v a="$s" -v b="${secs[$name]}" 'BEGIN {exit !(a < b)}'; then
        secs[$name]=$s
    fi
    [ "${rss[$name]:-0}" -ge "$k" ] || rss[$name]=$k
}
for _ in $(seq 1 "$rounds"); do
    best mycp3 "$mycp3" big out
    best cp cp big out
    best dd dd if=big of=out bs=128K status=none
done
rm -f out
awk -v m="${secs[mycp3]}" -v c="${secs[cp]}" -v d="${secs[dd]}" \
    -v rm="${rss[mycp3]}" -v rc="${rss[cp]}" -v rd="${rss[dd]}" 'BEGIN {
    printf "mycp3/cp time ratio: %.2f (mycp3 %.2f s, cp %.2f s); " \
           "peak RSS: mycp3 %.1f MiB, cp %.1f MiB\n", m / c, m, c, rm / 1024, rc / 1024
    printf "for comparison, dd bs=128K (read/write): %.2f s, %.1f MiB; " \
           "mycp3/dd ratio %.2f\n", d, rd / 1024, m / d
}'
rm -f big

echo "copying a 2 GiB sparse file under ulimit -v 262144 (256 MiB)..."
truncate -s 2G sparse
printf 'start' | dd of=sparse conv=notrunc status=none
printf 'end' | dd of=sparse bs=1 seek=$(((2 << 30) - 3)) conv=notrunc status=none
if read -r s k < <(./runstat /bin/sh -c 'ulimit -v 262144; exec "$0" "$@"' \
        "$mycp3" sparse out) && cmp -s sparse out; then
    awk -v s="$s" -v k="$k" 'BEGIN {
        printf "2 GiB copy under a 256 MiB address-space limit: ok " \
               "(%.2f s, peak RSS %.1f MiB)\n", s, k / 1024 }'
else
    echo "2 GiB copy under a 256 MiB address-space limit: FAILED"
fi
