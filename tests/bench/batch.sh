#!/usr/bin/env bash
# batch.sh (bench) - how fast does the kit grade a class?
#
# Grades COPIES (default 40) copies of the reference solutions, JOBS
# (default 2) at a time and LAB_JOBS (default 2) labs of each at a time, as
# `make batch` would, and prints submissions per minute; and the time one
# submission takes graded alone as `make grade` does (two labs a CPU at a
# time).  Target: one full
# submission in under 15 s on a 2-core machine.  A benchmark, not a test:
# it asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
copies=${COPIES:-40}
jobs=${JOBS:-2}
lab_jobs=${LAB_JOBS:-2}
work=build/bench/batch
rm -rf "$work"
mkdir -p "$work/subs"
# Each copy's edited files (those with a TODO in the skeleton) get a line
# of their own, so that they are compiled in the box as a real student's
# are (the kit links its own objects only for files that are its bytes).
edited=()
for f in labs/[0-9][0-9]-*/*.c; do grep -q 'TODO [0-9]' "$f" && edited+=("${f#labs/}"); done
for i in $(seq -w 1 "$copies"); do
    mkdir -p "$work/subs/student$i"
    cp -r solutions "$work/subs/student$i/labs"
    for f in "${edited[@]}"; do printf '/* student %s */\n' "$i" >>"$work/subs/student$i/labs/$f"; done
done
make -s tests
# One submission alone, for the per-submission figure.
mkdir -p "$work/single"
cp -r "$work/subs/student01" "$work/single/s"
t0=$(date +%s%N)
tests/batch.sh -j 1 --lab-jobs "$((2 * $(nproc)))" --out "$work/one" "$work/single" >/dev/null 2>&1
t1=$(date +%s%N)
tests/batch.sh -j "$jobs" --lab-jobs "$lab_jobs" --out "$work/out" "$work/subs" 2>/dev/null
t2=$(date +%s%N)
full=$(awk -F, 'NR > 1 && $(NF-2) == $(NF-1) {n++} END {print n+0}' "$work/out/gradebook.csv")
awk -v one="$(((t1 - t0) / 1000000))" -v all="$(((t2 - t1) / 1000000))" \
    -v n="$copies" -v j="$jobs" -v lj="$lab_jobs" -v cpus="$(nproc)" -v full="$full" 'BEGIN {
    one /= 1000; all /= 1000
    printf "one submission, %d labs at a time (as make grade): %.1f s (target: under 15 s, ratio %.2f of target)\n", 2 * cpus, one, one / 15
    printf "%d submissions, %d at a time, %d labs each at a time: %.1f s, %.1f submissions per minute\n", n, j, lj, all, n * 60 / all
    printf "full marks: %d of %d\n", full, n
}'
rm -rf "$work"
