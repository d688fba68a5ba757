#!/usr/bin/env bash
# locks.sh (bench) - lab 17: transfers per second under record locks
# against one whole-file lock, as the number of processes grows:
# `make bench BENCH=locks`.
#
# It builds the lab's solution, makes a ledger of ACCOUNTS accounts (64)
# in a fresh folder, and for P = 1, 2, 4, 8 processes runs P xfers at once
# that make TOTAL transfers between them, once with -m record (a write
# lock on each of the two records, four fcntl calls a transfer) and once
# with -m file (one flock on the whole file, two flock calls), each RUNS
# times (3), the median of the wall times kept.  It prints transfers per
# second for each, and the ratio record / file: above 1, record locks let
# more transfers through.  Each run ends with `ledger check`, which must
# say ok.
#
# Two tables: HOLD=0, where a transfer's work under its locks is four
# short pread/pwrite calls, and HOLD=50, where each transfer also holds
# its locks for 50 microseconds (-d 50), as a transfer that does real work
# under its locks would.  Record locks cost more calls; they pay when the
# time under the lock is long enough for other processes, on other
# accounts, to get on meanwhile.
#
# Usage: tests/bench/locks.sh       (RUNS, TOTAL, ACCOUNTS in the env)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
TOTAL=${TOTAL:-16000}
ACCOUNTS=${ACCOUNTS:-64}
make -s -C solutions/17-locks >/dev/null
bin=$PWD/solutions/17-locks
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# one MODE P TOTAL HOLD: wall seconds for P xfers making TOTAL transfers.
one() {
    local mode=$1 p=$2 total=$3 hold=$4 t0 t1 i
    rm -f bank
    "$bin/ledger" init bank "$ACCOUNTS" 1000 >/dev/null
    t0=$(date +%s.%N)
    for ((i = 0; i < p; i++)); do
        "$bin/xfer" -m "$mode" -d "$hold" -s "$i" bank $((total / p)) >/dev/null &
    done
    wait
    t1=$(date +%s.%N)
    "$bin/ledger" check bank >/dev/null || { echo "locks.sh: $mode $p: ledger inconsistent" >&2; exit 1; }
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

# median MODE P TOTAL HOLD: the median of RUNS wall times.
median() {
    local r
    for ((r = 0; r < RUNS; r++)); do one "$@"; done | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

echo "lab 17: transfers per second, $ACCOUNTS accounts, $(nproc) CPUs, median of $RUNS runs"
for hold in 0 50; do
    total=$TOTAL
    [ "$hold" -eq 0 ] || total=$((TOTAL / 4))
    echo
    echo "HOLD=$hold us under the locks, $total transfers in all"
    printf '%4s %14s %14s %8s\n' P record/s file/s ratio
    for p in 1 2 4 8; do
        rec=$(median record "$p" "$total" "$hold")
        fil=$(median file "$p" "$total" "$hold")
        awk -v p="$p" -v n="$total" -v r="$rec" -v f="$fil" \
            'BEGIN { printf "%4d %14.0f %14.0f %8.2f\n", p, n / r, n / f, f / r }'
    done
done
