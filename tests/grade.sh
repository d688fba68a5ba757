#!/usr/bin/env bash
# grade.sh - grade a labs tree: build each lab on a fresh copy of the kit,
# run its tests in a sandbox, print the scores, write results.json and
# JUnit XML.
#
# usage: tests/grade.sh [--tree DIR] [--lab NN[,NN]] [--test NAME[,NAME]]
#                       [--results FILE] [--junit FILE] [--tag NAME]
#                       [--quiet] [--no-sandbox] [--jobs N]
#
# Only the files a student may edit (the lab's test program lists them) are
# taken from DIR; Makefiles, synclib and tests always come from the kit, so
# a submission cannot change how it is built or graded.  A lab that does not
# compile scores 0 and shows the compiler's messages; the others go on.
# The scores come from the test programs' own records, written to a folder
# only the grader can reach, never from anything a student's program prints.
#
# --jobs N (or KIT_GRADE_JOBS) grades N labs at a time (default 1); the
# report and the records keep the labs' order.
#
# Each lab's tests run in tests/sandbox.sh (private IPC, /dev/shm, /tmp and
# PID namespaces where the machine allows).  Set KIT_RUN_AS=nobody to run
# the student's programs as that user when grading as root.
set -uo pipefail

kit=$(cd "$(dirname "$0")/.." && pwd)
tree=labs lab="" test="" results=build/results.json junit="" tag="" quiet=0
sandbox=1 jobs=${KIT_GRADE_JOBS:-1}
while [ $# -gt 0 ]; do
    case $1 in
    --tree) tree=$2; shift 2 ;;
    --lab) lab=$2; shift 2 ;;
    --test) test=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    --no-sandbox) sandbox=0; shift ;;
    *) sed -n '5,8p' "$0" >&2; exit 2 ;;
    esac
done

[ -d "$tree" ] || { echo "grade: no such folder: $tree" >&2; exit 2; }
tree=$(cd "$tree" && pwd)
[ -n "$tag" ] || tag=$(basename "$tree" | tr -c 'A-Za-z0-9_.\n-' '_')
[ -n "$junit" ] || junit="$(dirname "$results")/junit.xml"
out="$kit/build/grade/$tag"
mkdir -p "$out" "$(dirname "$results")" "$(dirname "$junit")"
export LC_ALL=C TZ=UTC

# The runner's records: a fresh folder only this user can enter.
rm -rf "$out"/.records.*
rec=$(mktemp -d "$out/.records.XXXXXXXX")
: >"$rec/results.jsonl"
: >"$rec/scores.tsv"
: >"$rec/junit.xml"

# The labs the kit has tests for, optionally only some.
labs=()
for bin in "$kit"/build/tests/[0-9][0-9]-*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    [ -z "$lab" ] && { labs+=("$name"); continue; }
    for want in ${lab//,/ }; do
        case $want in
        "$name" | "${name%%-*}") labs+=("$name") ;;
        esac
    done
done
if [ ${#labs[@]} -eq 0 ]; then
    echo "grade: no lab matches LAB=$lab (labs: $(cd "$kit/build/tests" && ls -d [0-9][0-9]-* | tr '\n' ' '))" >&2
    exit 2
fi

box=()
[ $sandbox -eq 1 ] && box=("$kit/tests/sandbox.sh" --)
sub=""
[ "$tree" = "$kit/labs" ] || sub=" SUBMISSION=$tree"
[ $quiet -eq 1 ] || echo "Grading $tree"$'\n'

# grade_lab NAME: build one lab on a fresh copy of the kit and run its
# tests; the runner's records go to $rec/NAME.*, the report to
# $g/report.txt.  Labs share nothing, so several can run at once.
grade_lab() {
    local name=$1 bin="$kit/build/tests/$1" g="$out/$1"
    rm -rf "$g"
    mkdir -p "$g/src/labs/$name"
    # A fresh copy of the kit's build files, then the student's files.
    cp -r "$kit/mk" "$kit/synclib" "$g/src/"
    cp "$kit/labs/$name/Makefile" "$g/src/labs/$name/"
    local log="$g/build.log" f build_log=""
    : >"$log"
    for f in $("$bin" --files); do
        if [ -f "$tree/$name/$f" ] && [ ! -L "$tree/$name/$f" ]; then
            cp "$tree/$name/$f" "$g/src/labs/$name/$f"
        else
            echo "missing file: $name/$f" >>"$log"
        fi
    done
    if [ -s "$log" ] || ! timeout 120 make -s -C "$g/src/labs/$name" >>"$log" 2>&1; then
        build_log=$log
    fi
    : >"$rec/$name.jsonl"
    : >"$rec/$name.tsv"
    : >"$rec/$name.junit"
    KIT_PROG_DIR="$g/src/labs/$name" KIT_RUN_DIR="$g/run" KIT_TEST="$test" \
    KIT_RERUN="make grade LAB=${name%%-*}$sub" KIT_BUILD_LOG="$build_log" \
    KIT_JSON="$rec/$name.jsonl" KIT_TSV="$rec/$name.tsv" \
    KIT_JUNIT="$rec/$name.junit" KIT_SANDBOX_KEEP="$kit" \
        "${box[@]}" "$bin" >"$g/report.txt" 2>"$g/runner.log"
}

# report_lab NAME: its records join the run's, in lab order, and its
# report is printed.
report_lab() {
    local g="$out/$1"
    cat "$rec/$1.jsonl" >>"$rec/results.jsonl"
    cat "$rec/$1.tsv" >>"$rec/scores.tsv"
    cat "$rec/$1.junit" >>"$rec/junit.xml"
    [ $quiet -eq 1 ] || { grep '^sandbox:' "$g/runner.log" | sed 's/^/   /'; cat "$g/report.txt"; }
}

# Up to $jobs labs at a time; reports come out in lab order as soon as
# each lab and the ones before it are done.
pids=() shown=0
show_ready() {
    while [ $shown -lt ${#pids[@]} ]; do
        if [ "${1:-}" != all ] && kill -0 "${pids[$shown]}" 2>/dev/null; then
            return
        fi
        wait "${pids[$shown]}"
        report_lab "${labs[$shown]}"
        shown=$((shown + 1))
    done
}
for name in "${labs[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    grade_lab "$name" &
    pids+=($!)
    show_ready
done
show_ready all

cp "$rec/scores.tsv" "$out/scores.tsv"
read -r score max < <(awk -F'\t' '{s += $3; m += $4} END {print s+0, m+0}' "$out/scores.tsv")
{
    printf '{"score": %s, "output": "Graded %s lab(s): %s/%s points.", "tests": [\n' \
        "$score" "${#labs[@]}" "$score" "$max"
    sed '$!s/$/,/' "$rec/results.jsonl"
    printf ']}\n'
} >"$results"
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuites name=\"ipckit\">"
    cat "$rec/junit.xml"
    echo "</testsuites>"
} >"$junit"
rm -rf "$rec"
if [ $quiet -eq 0 ]; then
    echo "Summary"
    awk -F'\t' '{s[$1] += $3; m[$1] += $4; if (!($1 in o)) o[$1] = n++}
        END {for (l in o) k[o[l]] = l
             for (i = 0; i < n; i++) printf "   %-12s %3d/%d\n", k[i], s[k[i]], m[k[i]]}' \
        "$out/scores.tsv"
    echo "TOTAL $score/$max"
    echo "Results: $results (Gradescope format), $junit (JUnit XML)"
fi
exit 0
