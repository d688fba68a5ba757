#!/usr/bin/env bash
# rpc.sh (bench) - lab 18's calls per second against lab 13's raw round
# trip: `tests/bench/rpc.sh` (N=20000 RUNS=3 by default).
#
# Both are two processes exchanging framed messages over a UNIX-domain
# stream socket, one at a time:
#   raw    lab 13's upair with N one-byte texts: a parent and a child on a
#          socketpair, a 4-byte length and the bytes each way, nothing else
#   null   lab 18's `rpccli -n N null` against rpcsrv: the same framing,
#          plus marshalling, the xid check, a poll() with a time-out per
#          call, the server's ppoll() over its connections, the version
#          check, the reply cache (a malloc and copy per call)
#   add    the same with two arguments and an i64 result
# Each figure is the median of RUNS runs, in calls (round trips) per
# second and microseconds per call, with the ratio rpc/raw.  The solutions
# are built first (make -s in their folders).  A benchmark, not a test:
# it exits 0 whatever the figures; non-zero only when a program fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
n=${N:-20000}
runs=${RUNS:-3}
[[ $n =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] ||
    { echo "rpc.sh: N and RUNS must be numbers from 1 up" >&2; exit 2; }
make -s -C solutions/13-socket >/dev/null
make -s -C solutions/18-rpc >/dev/null
work=$(mktemp -d)
srv=
cleanup() {
    [ -z "$srv" ] || { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# Seconds one command takes (wall clock), to the microsecond.
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }' 
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

mapfile -t texts < <(yes x | head -n "$n")
mkfifo ready
"$top/solutions/18-rpc/rpcsrv" >ready 2>/dev/null &
srv=$!
read -r _ <ready

declare -A med
for what in raw null add; do
    for ((r = 1; r <= runs; r++)); do
        case $what in
        raw) secs "$top/solutions/13-socket/upair" "${texts[@]}" ;;
        null) secs "$top/solutions/18-rpc/rpccli" -n "$n" null ;;
        add) secs "$top/solutions/18-rpc/rpccli" -n "$n" add 2 40 ;;
        esac
    done | median >"$work/$what"
    med[$what]=$(cat "$work/$what")
done

printf "%d calls, median of %d runs, on %s CPUs (%s)\n" "$n" "$runs" "$(nproc)" "$(uname -r)"
printf "%-6s %12s %12s %10s\n" what calls/s "us/call" "vs raw"
for what in raw null add; do
    s=${med[$what]}
    awk -v w="$what" -v n="$n" -v s="$s" -v r="${med[raw]}" \
        'BEGIN { printf "%-6s %12.0f %12.1f %10.2f\n", w, n / s, s * 1e6 / n, s / r }' 
done
