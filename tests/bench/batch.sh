#!/usr/bin/env bash
# batch.sh (bench) - how fast does the kit grade a class?
#
# Grades COPIES (default 40) copies of the reference solutions with JOBS
# (default 2) parallel jobs, as `make batch` would, and prints submissions
# per minute and the time one submission takes.  Target: one full
# submission in under 15 s on a 2-core machine.  A benchmark, not a test:
# it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
copies=${COPIES:-40}
jobs=${JOBS:-2}
work=build/bench/batch
rm -rf "$work"
mkdir -p "$work/subs"
for i in $(seq -w 1 "$copies"); do
    mkdir -p "$work/subs/student$i"
    cp -r solutions "$work/subs/student$i/labs"
done
make -s tests
# One submission alone, for the per-submission figure.
mkdir -p "$work/single/s"
cp -r solutions "$work/single/s/labs"
t0=$(date +%s%N)
tests/batch.sh -j 1 --out "$work/one" "$work/single" >/dev/null 2>&1
t1=$(date +%s%N)
tests/batch.sh -j "$jobs" --out "$work/out" "$work/subs" 2>/dev/null
t2=$(date +%s%N)
full=$(awk -F, 'NR > 1 && $(NF-2) == $(NF-1) {n++} END {print n+0}' "$work/out/gradebook.csv")
awk -v one="$(((t1 - t0) / 1000000))" -v all="$(((t2 - t1) / 1000000))" \
    -v n="$copies" -v j="$jobs" -v full="$full" 'BEGIN {
    one /= 1000; all /= 1000
    printf "one submission: %.1f s (target: under 15 s, ratio %.2f of target)\n", one, one / 15
    printf "%d submissions with %d jobs: %.1f s, %.1f submissions per minute\n", n, j, all, n * 60 / all
    printf "full marks: %d of %d\n", full, n
}'
rm -rf "$work"
