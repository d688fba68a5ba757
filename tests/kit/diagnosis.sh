#!/usr/bin/env bash
# diagnosis.sh - a hung program is explained from the kernel's state.
#
# usage: tests/kit/diagnosis.sh [--graded DIR] [LIST]
#                                          (default tests/kit/hangs.list)
#
# LIST holds one hanging buggy variant a line: "PATCH<TAB>REGEX" (blank
# lines and lines starting with # are skipped).  For each, the variant is
# made (PATCH applied to a copy of its solution), only the tests its
# Caught-by: header names are graded, and then:
#   - the first failure in the report must match REGEX (grep -E, case
#     sensitive, over the failure's lines joined by single spaces): it
#     names the process, the call it is blocked in and what it waits on;
#   - a failure that says where a program killed at its time limit was
#     stuck must show no "likely bug:" line: the diagnosis is the
#     explanation, the static hint may be wrong.  (A failure that only
#     lists what "still running:" keeps its hint unless the test gave up
#     waiting for one of those programs; the report cannot show which,
#     so it is not checked here.)
# --graded DIR reads the reports `make test` already made (DIR/v-LAB-NAME,
# as tests/kit/selftest.sh grades every variant on its Caught-by tests)
# instead of grading the variants again.
# Prints "ok   ..." or "FAIL ..." a variant; exits non-zero on any failure.
# JOBS=N grades N variants at a time (default 1: hangs are timed, and a
# busy machine makes them slower, not different).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
export LC_ALL=C
graded=""
if [ "${1:-}" = --graded ]; then graded=$2; shift 2; fi
list=${1:-tests/kit/hangs.list}
[ -r "$list" ] || { echo "diagnosis: cannot read $list" >&2; exit 2; }
jobs=${JOBS:-1}
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac
b=build/diagnosis
rm -rf "$b"
mkdir -p "$b"

# grade_one N PATCH: make and grade the variant into $b/N/.
grade_one() {
    local n=$1 patch=$2 lab name dir
    lab=$(basename "$(dirname "$patch")")
    name=$(basename "$patch" .patch)
    dir=$b/$n
    if [ -n "$graded" ]; then
        mkdir -p "$dir"
        cp "$graded/v-$lab-$name/$lab/report.txt" "$dir/report.txt" 2>/dev/null ||
            echo "not graded in $graded (v-$lab-$name)" >"$dir/error"
        return 0
    fi
    mkdir -p "$dir/tree"
    cp -r "solutions/$lab" "$dir/tree/" || return 1
    # A lab that builds on another's file (15 on 09's mipc.c) needs it.
    local dep
    for dep in $("build/tests/$lab" --files | tr ' ' '\n' | sed -n 's|/.*||p' | sort -u); do
        cp -r "solutions/$dep" "$dir/tree/" || return 1
    done
    if ! patch -s -p1 -d "$dir/tree/$lab" <"$patch" >"$dir/patch.log" 2>&1; then
        echo "patch does not apply" >"$dir/error"
        return 1
    fi
    tests/grade.sh --tree "$dir/tree" --lab "$lab" --quiet \
        --test "$(sed -n 's/^Caught-by: *//p' "$patch" | tr ' ' ,)" \
        --tag "diag-$lab-$name" --results "$dir/results.json" \
        >"$dir/grade.log" 2>&1
    cp "build/grade/diag-$lab-$name/$lab/report.txt" "$dir/report.txt" 2>/dev/null
    rm -rf "$dir/tree" "build/grade/diag-$lab-$name"
}

# The variants, numbered in the list's order.
patches=() regexes=()
while IFS=$'\t' read -r patch regex; do
    case $patch in '' | '#'*) continue ;; esac
    patches+=("$patch")
    regexes+=("$regex")
done <"$list"
[ ${#patches[@]} -gt 0 ] || { echo "diagnosis: $list names no variant" >&2; exit 2; }

running=0
for i in "${!patches[@]}"; do
    grade_one "$i" "${patches[$i]}" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

# Each failure of a report as one line: its lines joined by spaces.
blocks() {
    awk '
        /^   (PASS|FAIL) / || /^   [0-9][0-9]-[a-z0-9]+: / {
            if (block != "") print block
            block = ""
        }
        /^   FAIL / {block = $0; next}
        block != "" {sub(/^ +/, ""); block = block " " $0}
        END {if (block != "") print block}' "$1"
}

failed=0
for i in "${!patches[@]}"; do
    patch=${patches[$i]} regex=${regexes[$i]} dir=$b/$i
    what="$(basename "$(dirname "$patch")")/$(basename "$patch" .patch)"
    if [ -e "$dir/error" ]; then
        echo "FAIL $what: $(cat "$dir/error")"
        failed=$((failed + 1))
        continue
    fi
    if [ ! -s "$dir/report.txt" ]; then
        echo "FAIL $what: no report (see $dir/grade.log)"
        failed=$((failed + 1))
        continue
    fi
    first=$(blocks "$dir/report.txt" | head -1)
    why=""
    if [ -z "$first" ]; then
        why="no test failed"
    elif ! grep -Eq -- "$regex" <<<"$first"; then
        why="the first failure does not match /$regex/"
    fi
    # A diagnosed failure shows no static hint.
    if blocks "$dir/report.txt" |
        grep -E 'where it was stuck|was stuck when it was killed' |
        grep -q 'likely bug:'; then
        why="${why:+$why; }a diagnosed failure still shows \"likely bug:\""
    fi
    if [ -z "$why" ]; then
        echo "ok   $what: $(grep -Eo -- "$regex" <<<"$first" | head -1 | cut -c1-90)"
    else
        echo "FAIL $what: $why"
        sed 's/^/     | /' "$dir/report.txt"
        failed=$((failed + 1))
    fi
done
echo "$(( ${#patches[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
