#!/usr/bin/env bash
# grade.sh - grade a labs tree: build each lab on a fresh copy of the kit,
# run its tests in a sandbox, print the scores, write results.json and
# JUnit XML.
#
# usage: tests/grade.sh [--tree DIR] [--lab NN[,NN]] [--test NAME[,NAME]]
#                       [--results FILE] [--junit FILE] [--tag NAME]
#                       [--quiet] [--no-sandbox]
#
# Only the files a student may edit (the lab's test program lists them) are
# taken from DIR; Makefiles, synclib and tests always come from the kit, so
# a submission cannot change how it is built or graded.  A lab that does not
# compile scores 0 and shows the compiler's messages; the others go on.
# The scores come from the test programs' own records, written to a folder
# only the grader can reach, never from anything a student's program prints.
#
# Each lab's tests run in tests/sandbox.sh (private IPC, /dev/shm, /tmp and
# PID namespaces where the machine allows).  Set KIT_RUN_AS=nobody to run
# the student's programs as that user when grading as root.
set -uo pipefail

kit=$(cd "$(dirname "$0")/.." && pwd)
tree=labs lab="" test="" results=build/results.json junit="" tag="" quiet=0
sandbox=1
while [ $# -gt 0 ]; do
    case $1 in
    --tree) tree=$2; shift 2 ;;
    --lab) lab=$2; shift 2 ;;
    --test) test=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
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
for name in "${labs[@]}"; do
    bin="$kit/build/tests/$name"
    g="$out/$name"
    rm -rf "$g"
    mkdir -p "$g/src/labs/$name"
    # A fresh copy of the kit's build files, then the student's files.
    cp -r "$kit/mk" "$kit/synclib" "$g/src/"
    cp "$kit/labs/$name/Makefile" "$g/src/labs/$name/"
    log="$g/build.log"
    : >"$log"
    for f in $("$bin" --files); do
        if [ -f "$tree/$name/$f" ] && [ ! -L "$tree/$name/$f" ]; then
            cp "$tree/$name/$f" "$g/src/labs/$name/$f"
        else
            echo "missing file: $name/$f" >>"$log"
        fi
    done
    build_log=""
    if [ -s "$log" ] || ! timeout 120 make -s -C "$g/src/labs/$name" >>"$log" 2>&1; then
        build_log=$log
    fi
    KIT_PROG_DIR="$g/src/labs/$name" KIT_RUN_DIR="$g/run" KIT_TEST="$test" \
    KIT_RERUN="make grade LAB=${name%%-*}$sub" KIT_BUILD_LOG="$build_log" \
    KIT_JSON="$rec/results.jsonl" KIT_TSV="$rec/scores.tsv" \
    KIT_JUNIT="$rec/junit.xml" KIT_SANDBOX_KEEP="$kit" \
        "${box[@]}" "$bin" >"$g/report.txt" 2>"$g/runner.log"
    [ $quiet -eq 1 ] || { grep '^sandbox:' "$g/runner.log" | sed 's/^/   /'; cat "$g/report.txt"; }
done

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
