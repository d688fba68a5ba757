#!/usr/bin/env bash
# batch.sh - grade a whole class: every submission in a folder, in parallel.
#
# usage: tests/batch.sh [-j JOBS] [--lab-jobs N] [--lab NN[,NN]] [--out DIR] SUBMISSIONS
#
# SUBMISSIONS holds one entry per student: a folder, or a tarball
# (.tar, .tar.gz, .tgz).  Inside it the grader looks for the labs tree: a
# `labs/` folder, or the NN-topic folders themselves, at most two levels
# down.  Archives are unpacked inside a box (tests/box.sh collect), never
# on this machine's disk: links, device nodes and paths that leave the
# archive are refused, and so are archives over 32 MiB, over 10000 files
# or that unpack to more than the box holds.  For every student it writes
# DIR/<student>/report.txt, results.json and junit.xml, and one row of
# DIR/gradebook.csv (student, each lab, total, max, note), and the same
# scores as DIR/canvas.csv and DIR/moodle.csv, the layouts those two
# learning-management systems import (below).  A submission
# that is refused, has no labs, or breaks the grader gets a row saying so;
# the batch goes on.  Two entries whose names clean to the same one get
# distinct names (alice, alice-2).  Every student is graded as uids of
# their own when run as root (tests/box.sh), so none can reach another.
#
# JOBS submissions are graded at a time, and N labs of each (default 2:
# most of a grading is spent waiting on programs' bounded waits, not on
# the CPU, so 2 x 2 on a 2-core machine grades a class about a third
# faster than 2 x 1; `make bench BENCH=batch` measures it).
#
# --lab grades only those labs (the gradebook then has their columns).
# Defaults: JOBS = number of CPUs, DIR = build/batch.  Make sure `make
# tests` has built the test programs (make batch does it).
set -uo pipefail

kit=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
lab_jobs=${KIT_GRADE_JOBS:-2}
outdir="$kit/build/batch"
only_labs=""
while [ $# -gt 0 ]; do
    case $1 in
    -j) jobs=$2; shift 2 ;;
    -j*) jobs=${1#-j}; shift ;;
    --lab-jobs) lab_jobs=$2; shift 2 ;;
    --lab) only_labs=$2; shift 2 ;;
    --out) outdir=$2; shift 2 ;;
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
# Ask once whether this machine can make the box; every box of this run
# then knows (tests/box.sh reads KIT_BOX_MODE).
if [ -z "${KIT_BOX_MODE:-}" ] || [ -z "${KIT_BOX_KEEPS:-}" ]; then
    eval "$("$kit/tests/box.sh" probe --env 2>/dev/null)"
    export KIT_BOX_MODE=${KIT_BOX_MODE:-fallback} KIT_BOX_KEEPS
fi
echo "batch: where: $KIT_BOX_KEEPS" >&2
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

# One student, in the background: the grader collects the files from the
# folder or archive in a box, then grades them.
grade_one() {
    local entry=$1 student=$2 dir rc
    dir="$outdir/$student"
    rm -rf "$dir"
    mkdir -p "$dir"
    timeout -s TERM 1800 "$kit/tests/grade.sh" --tree "$entry" --tag "batch-$student" \
        --jobs "$lab_jobs" --lab "$only_labs" --results "$dir/results.json" --junit "$dir/junit.xml" \
        >"$dir/report.txt" 2>"$dir/grader.log"
    rc=$?
    if [ $rc -eq 3 ] && grep -q 'refused' "$dir/grader.log"; then
        grep -v '^grade: the submission was refused' "$dir/grader.log" | sed 's/^ *//' | head -5 \
            | tr '\n' ' ' >"$dir/error"
    elif [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
        echo "the grader failed (status $rc; see grader.log)" >"$dir/error"
    fi
    # Each lab's answers.md (the handout's marked questions), for the reader.
    local a
    for a in "$kit/build/grade/batch-$student"/*/answers.md; do
        [ -f "$a" ] || continue
        mkdir -p "$dir/answers"
        cp "$a" "$dir/answers/$(basename "$(dirname "$a")").md"
    done
    if [ -f "$kit/build/grade/batch-$student/scores.tsv" ]; then
        cp "$kit/build/grade/batch-$student/scores.tsv" "$dir/scores.tsv"
        [ $rc -eq 3 ] && [ ! -f "$dir/error" ] && echo "some labs could not be graded" >"$dir/error"
    fi
    [ -f "$dir/scores.tsv" ] || [ -f "$dir/error" ] || echo "no scores" >"$dir/error"
    return 0
}

# A student's name: the entry's, less its archive suffix, cleaned to
# letters, digits and . _ - (never starting with . or -), made distinct
# (alice, alice-2).  Sets $name; not a subshell, so $taken remembers.
declare -A taken=()
student_name() {
    local s
    s=$(basename "$1")
    s=${s%.tar.gz}; s=${s%.tgz}; s=${s%.tar}
    s=$(printf '%s' "$s" | tr -c 'A-Za-z0-9_.-' '_' | cut -c1-64)
    case $s in '' | [.-]*) s="_$s" ;; esac
    local base=$s n=2
    while [ -n "${taken[$s]:-}" ]; do s="$base-$n"; n=$((n + 1)); done
    taken[$s]=1
    name=$s
}

entries=() names=()
for e in "$subs"/*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    case $e in
    *.tar | *.tar.gz | *.tgz) [ -f "$e" ] || [ -L "$e" ] || continue ;;
    *) [ -d "$e" ] || [ -L "$e" ] || continue ;;
    esac
    entries+=("$e")
    student_name "$e"
    names+=("$name")
done
total=${#entries[@]}
[ "$total" -gt 0 ] || { echo "batch: no submissions in $subs" >&2; exit 2; }

start=$(date +%s)
done_count=0
running=0
kill_tree() {
    local p
    for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        kill_tree "$p"
        kill -TERM "$p" 2>/dev/null
    done
}
on_signal() {
    trap - INT TERM HUP
    kill_tree $$
    wait
    echo "batch: interrupted" >&2
    exit 130
}
trap on_signal INT TERM HUP
for i in "${!entries[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
        done_count=$((done_count + 1))
        printf '\rgraded %d/%d' "$done_count" "$total" >&2
    fi
    grade_one "${entries[$i]}" "${names[$i]}" &
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

# The gradebook: one column per lab graded, in order.
labs=$(for f in "$kit"/build/tests/[0-9][0-9]-*; do
    [ -f "$f" ] && [ -x "$f" ] || continue
    l=$(basename "$f")
    [ -z "$only_labs" ] && { echo "$l"; continue; }
    for w in ${only_labs//,/ }; do
        case $w in "$l" | "${l%%-*}") echo "$l" ;; esac
    done
done | sort -u)
{
    printf 'student'
    for l in $labs; do printf ',%s' "$l"; done
    printf ',total,max,note\n'
    for i in "${!entries[@]}"; do
        student=${names[$i]}
        dir="$outdir/$student"
        printf '%s' "$student"
        if [ -f "$dir/scores.tsv" ]; then
            for l in $labs; do
                awk -F'\t' -v l="$l" '$1 == l {s += $3} END {printf ",%d", s}' "$dir/scores.tsv"
            done
            awk -F'\t' '{s += $3; m += $4} END {printf ",%d,%d", s, m}' "$dir/scores.tsv"
        else
            for l in $labs; do printf ',0'; done
            printf ',0,'
        fi
        # The note is text the grader wrote about the submission, which may
        # quote a file name: quoted for CSV, and never read as a formula.
        note=""
        [ -f "$dir/error" ] && note=$(tr -d '\000-\037\177"' <"$dir/error" | cut -c1-300)
        case $note in [=+@-]*) note="'$note" ;; esac
        printf ',"%s"\n' "$note"
    done
} >"$outdir/gradebook.csv"

# The same scores in the layouts two learning-management systems import,
# one column per lab (named "ipckit NN-topic", one assignment each) and the
# total; the submission's name stands for the student.  Both files are
# plain RFC 4180 CSV in UTF-8 with a header row; names are already
# letters, digits and . _ - (student_name), so nothing needs quoting.
#  - canvas.csv: Canvas's gradebook import (Canvas Instructor Guide, "How
#    do I import grades in the Gradebook?", and the layout of Canvas's own
#    export): Student, ID, SIS User ID, SIS Login ID, Section, then one
#    column per assignment, and a "Points Possible" row under the header
#    that gives each new assignment its maximum.  Canvas matches a row to
#    a student by one of the identifying columns: here SIS Login ID (and
#    the name), so name each submission by the student's login.  The
#    total goes in "Final Points", one of the columns Canvas computes
#    itself and leaves alone on import: it is there to read, and does not
#    become an assignment that would count the labs twice.
#  - moodle.csv: Moodle's "Import grades: CSV file" (Moodle docs,
#    grade/import/csv): a header row, one identifying column the import
#    maps to a user field (choose "username" for "Username"), and one
#    column per grade item; no other rows, every cell a number.
maxes=()
for l in $labs; do
    maxes+=("$("$kit/build/tests/$l" --list | awk -F'\t' '{m += $2} END {print m + 0}')")
done
{
    printf 'Student,ID,SIS User ID,SIS Login ID,Section'
    for l in $labs; do printf ',ipckit %s' "$l"; done
    printf ',Final Points\n'
    printf 'Points Possible,,,,'
    printf ',%s' "${maxes[@]}"
    printf ',%s\n' "$(IFS=+; echo $((${maxes[*]:-0})))"
} >"$outdir/canvas.csv"
{
    printf 'Username'
    for l in $labs; do printf ',ipckit %s' "$l"; done
    printf ',ipckit total\n'
} >"$outdir/moodle.csv"
# Rows from gradebook.csv: its first column is the student, then one per
# lab, then the total (the max and the note stay there).
awk -F, -v n="$(wc -w <<<"$labs")" -v canvas="$outdir/canvas.csv" -v moodle="$outdir/moodle.csv" '
    NR == 1 {next}
    {
        row = ""
        for (i = 2; i <= n + 2; i++) row = row "," $i
        print $1 ",,," $1 "," row >> canvas
        print $1 row >> moodle
    }' "$outdir/gradebook.csv"
echo "batch: $total submission(s) in ${secs}s with $jobs job(s); gradebook: $outdir/gradebook.csv (also canvas.csv, moodle.csv)"
