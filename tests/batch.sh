#!/usr/bin/env bash
# batch.sh - grade a whole class: every submission in a folder, in parallel.
#
# usage: tests/batch.sh [-j JOBS] [--lab-jobs N] [--out DIR] [--run-as USER]
#                       SUBMISSIONS
#
# SUBMISSIONS holds one entry per student: a folder, or a tarball
# (.tar, .tar.gz, .tgz).  Inside it the grader looks for the labs tree: a
# `labs/` folder, or the NN-topic folders themselves, at most two levels
# down.  For every student it writes DIR/<student>/report.txt,
# results.json and junit.xml, and one row of DIR/gradebook.csv (student,
# each lab, total).  A submission that cannot be unpacked, has no labs, or
# breaks the grader gets a row saying so; the batch goes on.
#
# JOBS submissions are graded at a time, and N labs of each (default 2:
# most of a grading is spent waiting on programs' bounded waits, not on
# the CPU, so 2 x 2 on a 2-core machine grades a class about a third
# faster than 2 x 1; `make bench BENCH=batch` measures it).
#
# Defaults: JOBS = number of CPUs, DIR = build/batch, USER = nobody when
# run as root (student programs then cannot touch the kit or the grader's
# records).  Make sure `make tests` has built the test programs (make
# batch does it).
set -uo pipefail

kit=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
lab_jobs=${KIT_GRADE_JOBS:-2}
outdir="$kit/build/batch"
run_as=""
[ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && run_as=nobody
while [ $# -gt 0 ]; do
    case $1 in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    --lab-jobs) lab_jobs=$2; shift 2 ;;
    --out) outdir=$2; shift 2 ;;
    --run-as) run_as=$2; shift 2 ;;
    -*) sed -n '4,5p' "$0" >&2; exit 2 ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] && [ -d "$1" ] || { sed -n '4,5p' "$0" >&2; exit 2; }
for n in "$jobs" "$lab_jobs"; do
    case $n in
    '' | *[!0-9]* | 0*) echo "batch: bad count '$n': -j and --lab-jobs want a whole number from 1" >&2; exit 2 ;;
    esac
done
subs=$(cd "$1" && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
export KIT_RUN_AS=$run_as

# One student, in the background: unpack, find the tree, grade.
grade_one() {
    local entry=$1 student dir tree
    student=$(basename "$entry")
    student=${student%.tar.gz}; student=${student%.tgz}; student=${student%.tar}
    student=$(printf '%s' "$student" | tr -c 'A-Za-z0-9_.-' '_')
    dir="$outdir/$student"
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ -f "$entry" ]; then
        mkdir -p "$dir/unpacked"
        if ! timeout 60 tar -xf "$entry" -C "$dir/unpacked" --no-same-owner \
            --no-same-permissions >"$dir/unpack.log" 2>&1; then
            echo "$student: cannot unpack $(basename "$entry")" >"$dir/error"
            return
        fi
        entry="$dir/unpacked"
    fi
    tree=""
    for cand in "$entry/labs" "$entry" "$entry"/*/labs "$entry"/*; do
        if [ -d "$cand" ] && compgen -G "$cand/[0-9][0-9]-*" >/dev/null; then
            tree=$cand
            break
        fi
    done
    if [ -z "$tree" ]; then
        echo "$student: no labs found (expected labs/NN-topic/ folders)" >"$dir/error"
        return
    fi
    if ! timeout 900 "$kit/tests/grade.sh" --tree "$tree" --tag "batch-$student" \
        --jobs "$lab_jobs" --results "$dir/results.json" --junit "$dir/junit.xml" \
        >"$dir/report.txt" 2>"$dir/grader.log"; then
        echo "$student: the grader failed (see grader.log)" >"$dir/error"
        return
    fi
    cp "$kit/build/grade/batch-$student/scores.tsv" "$dir/scores.tsv"
    rm -rf "$kit/build/grade/batch-$student"/*/src "$dir/unpacked"
}

entries=()
for e in "$subs"/*; do
    case $e in
    *.tar | *.tar.gz | *.tgz) [ -f "$e" ] && entries+=("$e") ;;
    *) [ -d "$e" ] && entries+=("$e") ;;
    esac
done
total=${#entries[@]}
[ "$total" -gt 0 ] || { echo "batch: no submissions in $subs" >&2; exit 2; }

start=$(date +%s)
done_count=0
running=0
for e in "${entries[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
        done_count=$((done_count + 1))
        printf '\rgraded %d/%d' "$done_count" "$total" >&2
    fi
    grade_one "$e" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n
    running=$((running - 1))
    done_count=$((done_count + 1))
    printf '\rgraded %d/%d' "$done_count" "$total" >&2
done
secs=$(($(date +%s) - start))
echo >&2

# The gradebook: one column per lab the kit has, in order.
labs=$(for f in "$kit"/build/tests/[0-9][0-9]-*; do
    [ -f "$f" ] && [ -x "$f" ] && basename "$f"; done | sort)
{
    printf 'student'
    for l in $labs; do printf ',%s' "$l"; done
    printf ',total,max,note\n'
    for e in "${entries[@]}"; do
        student=$(basename "$e")
        student=${student%.tar.gz}; student=${student%.tgz}; student=${student%.tar}
        student=$(printf '%s' "$student" | tr -c 'A-Za-z0-9_.-' '_')
        dir="$outdir/$student"
        printf '%s' "$student"
        if [ -f "$dir/error" ]; then
            for l in $labs; do printf ',0'; done
            printf ',0,,"%s"\n' "$(tr -d '"\n' <"$dir/error")"
            continue
        fi
        for l in $labs; do
            awk -F'\t' -v l="$l" '$1 == l {s += $3} END {printf ",%d", s}' "$dir/scores.tsv"
        done
        awk -F'\t' '{s += $3; m += $4} END {printf ",%d,%d,\n", s, m}' "$dir/scores.tsv"
    done
} >"$outdir/gradebook.csv"
echo "batch: $total submission(s) in ${secs}s with $jobs job(s); gradebook: $outdir/gradebook.csv"
