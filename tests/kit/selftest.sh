#!/usr/bin/env bash
# selftest.sh - the kit's own test (`make test`).  Proves that the grader
# tells right from wrong:
#   - every program builds warning-free with gcc and with clang;
#   - synclib's unit tests pass;
#   - the reference solutions get full marks, several times over (the labs
#     are concurrent programs: a flaky test shows up here), also when built
#     with AddressSanitizer and UndefinedBehaviorSanitizer;
#   - every skeleton compiles and scores less than full marks;
#   - every buggy variant in tests/bugs loses points, on the very tests its
#     header names, and every test catches at least one variant;
#   - skeletons and solutions differ only inside TODO regions;
#   - every lab has a handout;
#   - nothing (System V object, /dev/shm file, FIFO, process) is left over.
# Ends with "N passed, N failed" and a non-zero status on any failure.
#
# Environment: REPEAT (default 2) solution gradings (the Gradescope check
# below is a third, the sanitizer grading a fourth); GJOBS (default 3)
# gradings at a time; SKIP_SAN=1 and
# SKIP_CLANG=1 skip those steps; VALGRIND=1 adds a valgrind grading;
# LABS="04-fifo 05-msgq" tests only those labs (and skips the machine-wide
# leftover check, which other runs may disturb).
set -uo pipefail
cd "$(dirname "$0")/../.."
kit=$(pwd)
export LC_ALL=C
# Whether the machine can make the grading box, asked once for every
# grading below (tests/box.sh).
if [ -z "${KIT_BOX_MODE:-}" ]; then
    if tests/box.sh probe >/dev/null 2>&1; then KIT_BOX_MODE=box; else KIT_BOX_MODE=fallback; fi
    export KIT_BOX_MODE
fi
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
logged() { # logged "description" LOGFILE command...: output to LOGFILE
    local what=$1 log=$2; shift 2
    if "$@" >"$log" 2>&1; then ok "$what"; else bad "$what"; tail -40 "$log"; fi
}
# phase "title": a section of the run; the time each took is printed at
# the end (wall-clock: the late checks and red team run beside them).
phase_name="" phase_t0=$SECONDS phase_times=()
phase() {
    [ -n "$phase_name" ] && phase_times+=("$(printf '%5d s  %s' $((SECONDS - phase_t0)) "$phase_name")")
    phase_name=$1 phase_t0=$SECONDS
    [ -n "$1" ] && echo "== $1"
}
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

labs=()
if [ -n "${LABS:-}" ]; then
    for l in $LABS; do labs+=("$l"); done
    b=build/selftest-$(echo "$LABS" | tr ' ' '+')
else
    for d in solutions/[0-9][0-9]-*; do labs+=("$(basename "$d")"); done
    b=build/selftest
fi
rm -rf "$b"
mkdir -p "$b"
tagx=${LABS:+-$(echo "$LABS" | tr ' ' '+')}
labsel=$(echo "${LABS:-}" | tr ' ' ,)

# What the machine holds before we start, to compare at the end.
snapshot() {
    { ipcs -q; ipcs -m; ipcs -s; } 2>/dev/null | awk '$1 ~ /^0x/ {print $1, $2}' | sort
    ls /dev/shm 2>/dev/null | sed 's/^/shm /'
    ls /dev/mqueue 2>/dev/null | sed 's/^/mq /'
}
snapshot >"$b/before"

# lab_score TSV LAB: the lab's score and maximum into s and m.  (Bash
# reads the file: make test asks this some 300 times, and on a virtual
# machine every process started costs milliseconds.)
lab_score() {
    local l t sc mx
    s=0 m=0
    [ -f "$1" ] || return 0
    while IFS=$'\t' read -r l t sc mx _; do
        [ "$l" = "$2" ] && s=$((s + sc)) m=$((m + mx))
    done <"$1"
    return 0
}
# failed TSV TEST: the test has a FAIL record in the TSV.
failed() {
    local l t st
    [ -f "$1" ] || return 1
    while IFS=$'\t' read -r l t _ _ st _; do
        [ "$t" = "$2" ] && [ "$st" = FAIL ] && return 0
    done <"$1"
    return 1
}
# caught_by PATCH: the tests its Caught-by: line names, into want.
caught_by() {
    local line words
    want=""
    while IFS= read -r line; do
        if [[ $line == Caught-by:* ]]; then
            read -ra words <<<"${line#Caught-by:}"
            want=${words[*]-}
            break
        fi
    done <"$1"
}

phase "build"
targets=(build/tests/synclib)
for l in "${labs[@]}"; do targets+=("build/tests/$l"); done
logged "labs, solutions and tests build with gcc -Werror" "$b/gcc.log" \
    make -s --no-print-directory -j"$(nproc)" labs solutions "${targets[@]}" LABS="${labs[*]}"
# The build contract survives flags given on the command line: a student
# who types `make CFLAGS=-O0` to debug still builds as the grader does.
contract() {
    local out
    out=$(make -s -n -B -C "labs/${labs[0]}" CFLAGS=-O0 CPPFLAGS=-DKIT_X LDFLAGS= 2>&1)
    local f
    for f in -O0 -std=c11 -Wall -Wextra -Werror -MMD -D_XOPEN_SOURCE=700 -DKIT_X "-I$kit/synclib"; do
        grep -q -- " $f " <<<"$out " || { echo "make CFLAGS=-O0 ... lost $f:"; echo "$out" | head -3; return 1; }
    done
}
check "make CFLAGS=-O0 CPPFLAGS=... keeps the kit's flags (C11, warnings as errors, POSIX)" contract
# clang: in a copy of its own; the whole kit's build runs beside the
# gradings (late_checks below), a few labs' here.
clang_build() {
    if [ "${SKIP_CLANG:-0}" != 1 ]; then
        rm -rf "$b/clang" && mkdir -p "$b/clang"
        tar --exclude=./build --exclude=./.git -cf - . | tar -C "$b/clang" -xf -
        logged "labs, solutions and tests build with clang -Werror" "$b/clang.log" \
            make -s --no-print-directory -j"$(nproc)" -C "$b/clang" labs solutions "${targets[@]}" \
            LABS="${labs[*]}" CC=clang
    else
        echo "skip clang build (SKIP_CLANG=1)"
    fi
}
[ -z "${LABS:-}" ] || clang_build

phase "synclib"
logged "synclib unit tests" "$b/synclib.log" build/tests/synclib

# The red team grades its hostile submissions two at a time beside the
# pool of gradings below: most of a grading is bounded waiting, so the two
# overlap, and every concurrency test runs on a busy machine.  Its verdicts
# are read at the end.
# (Started apart from this shell's jobs, so the pool's `wait` does not
# wait for it.)
# The checks that need no grading of the pool's: the clang build, the
# handouts against the labs, the exports where they are unpacked.  Run
# beside the pool of gradings and the red team (the whole kit: every core
# stays busy to the end), their verdicts read at the end.
late_checks() {
phase "build with clang"
clang_build
phase "handouts agree with the labs"
# Steps match TODOs, named files exist, sample outputs are re-run, the
# pictures fit the column (measured by drawing them: Graphviz and gnuplot,
# which a fresh machine gets here).
tests/deps.sh docs >"$b/docs-deps.log" 2>&1 || { bad "tests/deps.sh docs"; tail -5 "$b/docs-deps.log"; }
tests/kit/check-handouts.sh "${labs[@]}" >"$b/handouts.log" 2>&1
cat "$b/handouts.log"
passed=$((passed + $(grep -c '^ok' "$b/handouts.log")))
failed=$((failed + $(grep -c '^FAIL' "$b/handouts.log")))
# Both READMEs have a row for each lab, linking its handout.
missing=""
for n in "${labs[@]}"; do
    for r in README.md tests/export/README.student.md; do
        grep -q "^| ${n%%-*} |.*](handouts/$n\.md)" "$r" || missing="$missing $r:$n"
    done
done
[ -z "$missing" ] && ok "the READMEs' lab tables (README.md, the student edition's) have a row for each lab" ||
    bad "a lab table lacks a lab:$missing"
if [ -z "${LABS:-}" ]; then
    # The pages render, with their pictures, and every link resolves.
    if tests/deps.sh docs >"$b/docs-deps.log" 2>&1 &&
        handouts/render.sh "$kit/$b/html" >"$b/render.log" 2>&1; then
        ok "make handouts: $(tail -1 "$b/render.log" | cut -d' ' -f2-5)"
        tests/kit/check-handouts.sh --html "$b/html" 01-pipe >"$b/links.log" 2>&1
        grep 'rendered pages' "$b/links.log"
        grep -q '^FAIL rendered' "$b/links.log" && failed=$((failed + 1)) || passed=$((passed + 1))
    else
        bad "make handouts"; tail -5 "$b/render.log" "$b/docs-deps.log"
    fi
    # A deliberate disagreement must be caught: a changed sample output, a
    # step naming a TODO that does not exist, a file that does not exist.
    fake="$b/fake-kit"
    rm -rf "$fake" && mkdir -p "$fake/handouts"
    cp -r Makefile mk synclib labs solutions "$fake/"
    cp -r handouts/diagrams "$fake/handouts/"
    # The copy as it is passes: each failure below is the mutation's.
    cp handouts/01-pipe.md "$fake/handouts/"
    tests/kit/check-handouts.sh --root "$fake" 01-pipe >"$b/mut.log" 2>&1 &&
        ok "the handout checks pass on an unchanged copy of lab 01 (the mutations below start from it)" ||
        { bad "the handout checks fail on an unchanged copy of lab 01"; grep '^FAIL' "$b/mut.log"; }
    for mutation in 's/^Hello, World!$/Hello, world!/' \
        's/^### Step 2 (TODO 2)/### Step 2 (TODO 9)/' \
        's/`pipe.c`/`pipe2.c`/' \
        's/^## Hints$/## Hints\n\nCompare with `solutions\/01-pipe\/pipe.c`./' \
        's/^## Hints$/## Hints\n\nOpen it with `O_RDONLY \\| O_NONBLOCK`./'; do
        sed "$mutation" handouts/01-pipe.md >"$fake/handouts/01-pipe.md"
        if cmp -s handouts/01-pipe.md "$fake/handouts/01-pipe.md"; then
            bad "handout mutation '$mutation' changed nothing (fix the test)"
        elif tests/kit/check-handouts.sh --root "$fake" 01-pipe >"$b/mut.log" 2>&1; then
            bad "a handout that disagrees with its lab ($mutation) passes the check"
        else
            ok "a handout that disagrees with its lab is caught: $(grep -m1 '^FAIL' "$b/mut.log" | cut -c6-90)"
        fi
    done
fi


echo "== exports work where they are unpacked"
# The student edition as a student gets it (tests/kit/student-edition.sh):
# unpacked by a user who is not root, its README's commands, make grade on
# the skeletons, an edited given header, each instructor target.
tests/kit/student-edition.sh
# The Gradescope zip, unpacked as Gradescope would, given the solutions'
# files flat (as a student uploads them): full marks, hidden tests included.
ag="$kit/$b/ag"
rm -rf "$ag" && mkdir -p "$ag/source" "$ag/submission"
if tests/export/package.sh gradescope "$b/gradescope.zip" >/dev/null &&
    (cd "$ag/source" && unzip -q "$kit/$b/gradescope.zip" && cp run_autograder ..); then
    # Only the .c files: a student uploads what they edited, and the
    # headers are the kit's (the zip must bring them).
    for l in "${labs[@]}"; do cp solutions/"$l"/*.c "$ag/submission/"; done
    (cd "$ag/source" && make -s tests >"$ag/setup.log" 2>&1)
    AUTOGRADER_ROOT="$ag" "$ag/run_autograder" >"$ag/run.log" 2>&1
    if [ -s "$ag/results/results.json" ]; then
        got=$(grep -o '"score": [0-9]*, "max_score"' "$ag/results/results.json" | awk '{s += $2} END {print s+0}')
        want=$(for l in "${labs[@]}"; do "build/tests/$l" --list; done | awk -F'\t' '{m += $2} END {print m}')
        hid=$(grep -c '"visibility": "after_published"' "$ag/results/results.json")
        if ! why=$(python3 -c 'import json, sys, jsonschema
try:
    jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
except (jsonschema.ValidationError, ValueError) as e:
    sys.exit(getattr(e, "message", str(e)))' \
            tests/export/schema/gradescope-results.schema.json "$ag/results/results.json" 2>&1); then
            bad "Gradescope autograder: results.json is not Gradescope's format (tests/export/schema/gradescope-results.schema.json): $why"
        elif [ "$got" = "$want" ] && [ "$hid" -gt 0 ]; then
            ok "Gradescope autograder: the solutions' .c files uploaded flat (headers from the zip) score $got/$want ($hid hidden tests); results.json valid (tests/export/schema/)"
        else
            bad "Gradescope autograder: score $got, want $want, hidden tests $hid"
            # Which test lost points, and what it said, first: a flake
            # must be findable from the log alone, and a CI log may show
            # only its first lines.
            grep -F '"score": 0,' "$ag/results/results.json" | cut -c1-2500
            tail -20 "$ag/run.log"
        fi
    else
        bad "Gradescope autograder wrote no results.json"; tail -20 "$ag/run.log"
    fi
    # A platform's time limit shorter than the grading: Gradescope would
    # kill the container with no result.  With GRADESCOPE_TIMEOUT=70 the
    # grading must end by 10 s, its results.json naming every test, those
    # not reached said to be cut by the budget.
    rm -rf "$ag/results"
    t0=$(date +%s)
    AUTOGRADER_ROOT="$ag" GRADESCOPE_TIMEOUT=70 timeout 70 "$ag/run_autograder" >"$ag/run2.log" 2>&1
    rc=$? secs=$(($(date +%s) - t0))
    n=$(jq '.tests | length' "$ag/results/results.json" 2>/dev/null)
    cut=$(jq '[.tests[] | select(.output | test("budget ran out"))] | length' "$ag/results/results.json" 2>/dev/null)
    all=$(for l in "${labs[@]}"; do "build/tests/$l" --list; done | wc -l)
    if [ "$rc" = 0 ] && [ "${n:-0}" = "$all" ] && [ "${cut:-0}" -gt 0 ] && [ "$secs" -le 40 ]; then
        ok "Gradescope autograder under a 70 s limit: done in ${secs}s, results.json has all $all tests, $cut of them cut by the submission's budget"
    else
        bad "Gradescope autograder under a 70 s limit: status $rc after ${secs}s, ${n:-no} tests of $all, ${cut:-no} cut by the budget"
        tail -5 "$ag/run2.log"
    fi
    # An assignment of lab 01 only (make gradescope LAB=01), given the
    # skeleton's file: a low score, its hidden tests marked, no other lab.
    rm -rf "$ag/source" "$ag/results" "$ag/submission" && mkdir -p "$ag/source" "$ag/submission"
    if KIT_LABS=01 tests/export/package.sh gradescope "$b/gradescope-01.zip" >/dev/null &&
        (cd "$ag/source" && unzip -q "$kit/$b/gradescope-01.zip" && make -s build/tests/01-pipe >/dev/null 2>&1); then
        cp labs/01-pipe/pipe.c "$ag/submission/"
        AUTOGRADER_ROOT="$ag" "$ag/source/run_autograder" >"$ag/run3.log" 2>&1
        r=$ag/results/results.json
        got=$(jq '[.tests[].score] | add' "$r" 2>/dev/null)
        max=$(jq '[.tests[].max_score] | add' "$r" 2>/dev/null)
        hid=$(jq '[.tests[] | select(.visibility == "after_published")] | length' "$r" 2>/dev/null)
        other=$(jq '[.tests[] | select(.name | startswith("01-pipe/") | not)] | length' "$r" 2>/dev/null)
        if [ -n "$got" ] && [ "${max:-0}" -gt 0 ] && [ $((got * 4)) -lt "$max" ] && [ "${hid:-0}" -gt 0 ] && [ "$other" = 0 ]; then
            ok "Gradescope assignment of lab 01 only (make gradescope LAB=01), the skeleton's pipe.c: $got/$max, $hid hidden test(s) marked after_published, no other lab"
        else
            bad "Gradescope assignment of lab 01, the skeleton: score ${got:-none}/${max:-none}, hidden ${hid:-none}, tests of other labs ${other:-none}"
            tail -5 "$ag/run3.log"
        fi
    else
        bad "make gradescope LAB=01"
    fi
else
    bad "make gradescope"
fi
# The other platforms' exports, each run by its own check against that
# platform's documented directory contract and formats.
for p in prairielearn autolab github-classroom; do
    [ -x "tests/kit/export-$p.sh" ] || { bad "no check for the $p export (tests/kit/export-$p.sh)"; continue; }
    tests/kit/export-$p.sh >"$b/export-$p.log" 2>&1
    grep -E '^(ok|FAIL|skip|note) |^    ' "$b/export-$p.log"
done
echo "== the grader inside a platform's container"
tests/kit/container-modes.sh

}

redteam=0
rm -f "$b/redteam.status" "$b/late.status"
if [ -z "${LABS:-}" ]; then
    if [ -x tests/kit/redteam.sh ]; then
        ( (REDTEAM_JOBS=${REDTEAM_JOBS:-2} tests/kit/redteam.sh >"$b/redteam.log" 2>&1
           echo $? >"$b/redteam.status") &
          echo $! >"$b/redteam.pid" )
        redteam=1
    fi
    ( (late_checks >"$b/late.log" 2>&1
        echo $? >"$b/late.status") &
      echo $! >"$b/late.pid" )
fi

# Every grading (solutions REPEAT times, sanitizers, skeletons, each
# variant on the tests its header names) goes into one pool of GJOBS
# (default 3: most of a grading is waiting) concurrent jobs; the verdicts
# are given afterwards, in order.
# Running them side by side is also a stress test of its own: the labs'
# concurrency tests must hold while the machine is busy.
running=0
grade_bg() { # grade_bg [ENV=VALUE...] -- grade.sh ARGS...
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    if [ "$running" -ge "${GJOBS:-${VJOBS:-3}}" ]; then wait -n; running=$((running - 1)); fi
    env "${envs[@]}" tests/grade.sh "$@" --quiet &
    running=$((running + 1))
}
# Run 2 grades under a long tag: its working directories' paths are longer
# than a socket address may be (108 bytes), as a batch student's long name
# makes them, so tests and programs must not depend on short paths.
soltag() {
    if [ "$1" = 2 ]; then
        echo "sol2-$(printf 'a-long-directory-name-%.0s' 1 2 3 4)$tagx"
    else
        echo "sol$1$tagx"
    fi
}
t_grade=$(date +%s)
phase "grading solutions (${REPEAT:-2} runs), sanitizer build, skeletons, variants (${GJOBS:-${VJOBS:-3}} at a time)"
for i in $(seq 1 "${REPEAT:-2}"); do
    grade_bg -- --tree solutions --tag "$(soltag "$i")" --results "$b/sol$i.json" --lab "$labsel"
done
if [ "${SKIP_SAN:-0}" != 1 ]; then
    grade_bg ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98 \
        SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
        TIMEOUT_SCALE=3 CK_TIMEOUT_MULTIPLIER=3 KIT_AS_LIMIT_MB=0 -- \
        --tree solutions --tag "san$tagx" --results "$b/san.json" --lab "$labsel"
fi
if [ "${VALGRIND:-0}" = 1 ]; then
    grade_bg KIT_WRAP="valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite --trace-children=no" \
        CK_TIMEOUT_MULTIPLIER=10 KIT_AS_LIMIT_MB=0 -- \
        --tree solutions --tag "valgrind$tagx" --results "$b/vg.json" --lab "$labsel"
fi
grade_bg -- --tree labs --tag "skeletons$tagx" --results "$b/skel.json" --lab "$labsel"
: >"$b/caught"
variants=()
declare -A deps_of=()
for patch in tests/bugs/*/*.patch; do
    [ -f "$patch" ] || continue
    lab=${patch%/*} lab=${lab##*/}
    [[ " ${labs[*]} " == *" $lab "* ]] || continue
    name=${patch##*/} name=${name%.patch}
    v="$b/variants/$lab-$name"
    # A lab that builds on another's file (15 on 09's mipc.c) needs it.
    if [ -z "${deps_of[$lab]+set}" ]; then
        deps_of[$lab]=""
        read -r files < <("build/tests/$lab" --files)
        for f in $files; do
            [[ $f == */* ]] && [[ " ${deps_of[$lab]} " != *" solutions/${f%%/*} "* ]] &&
                deps_of[$lab]+=" solutions/${f%%/*}"
        done
    fi
    mkdir -p "$v" && cp -r "solutions/$lab" ${deps_of[$lab]} "$v/"
    if ! patch -s -p1 -d "$v/$lab" <"$patch" >"$v/patch.log" 2>&1; then
        bad "$lab/$name: patch does not apply"; cat "$v/patch.log"; continue
    fi
    variants+=("$patch")
    # Only the tests the header names need to run: each must fail.
    caught_by "$patch"
    grade_bg -- --tree "$v" --lab "$lab" --tag "v-$lab-$name$tagx" \
        --test "${want// /,}" --results "$v/results.json"
done
wait
echo "   (all gradings took $(($(date +%s) - t_grade)) s)"

phase "solutions get full marks (${REPEAT:-2} runs)"
for i in $(seq 1 "${REPEAT:-2}"); do
    for lab in "${labs[@]}"; do
        lab_score "build/grade/$(soltag "$i")/scores.tsv" "$lab"
        if [ "$m" -gt 0 ] && [ "$s" = "$m" ]; then
            ok "run $i: solutions/$lab scores $s/$m"
        else
            bad "run $i: solutions/$lab scores $s/$m"
            cat "build/grade/$(soltag "$i")/$lab/report.txt"
        fi
    done
done

if [ "${SKIP_SAN:-0}" != 1 ]; then
    echo "== solutions under AddressSanitizer + UndefinedBehaviorSanitizer"
    for lab in "${labs[@]}"; do
        lab_score build/grade/san$tagx/scores.tsv "$lab"
        if [ "$s" = "$m" ]; then ok "sanitizers: solutions/$lab scores $s/$m"
        else bad "sanitizers: solutions/$lab scores $s/$m"; cat "build/grade/san$tagx/$lab/report.txt"; fi
    done
fi

if [ "${VALGRIND:-0}" = 1 ]; then
    echo "== solutions under valgrind"
    for lab in "${labs[@]}"; do
        lab_score build/grade/valgrind$tagx/scores.tsv "$lab"
        if [ "$s" = "$m" ]; then ok "valgrind: solutions/$lab scores $s/$m"
        else bad "valgrind: solutions/$lab scores $s/$m"; cat "build/grade/valgrind$tagx/$lab/report.txt"; fi
    done
fi

phase "skeletons lose points"
for lab in "${labs[@]}"; do
    lab_score build/grade/skeletons$tagx/scores.tsv "$lab"
    if grep -q "did not compile" "build/grade/skeletons$tagx/$lab/report.txt"; then
        bad "labs/$lab does not compile"; cat "build/grade/skeletons$tagx/$lab/report.txt"
    elif [ "$m" -gt 0 ] && [ "$s" -lt "$m" ]; then
        ok "labs/$lab compiles and scores $s/$m"
    else
        bad "labs/$lab scores $s/$m (a skeleton must lose points)"
    fi
done

phase "given headers come from the kit"
todo_h=$(grep -l "TODO" labs/*/*.h 2>/dev/null || true)
if [ -n "$todo_h" ]; then
    bad "a header has a TODO, but the grader builds every header from the kit: $todo_h"
else
    ok "no header in labs/ has a TODO (the grader builds the kit's copy of each)"
fi
h_bugs=$(grep -l '^+++ b/.*\.h' tests/bugs/*/*.patch 2>/dev/null || true)
if [ -n "$h_bugs" ]; then
    bad "a buggy variant changes a header, which the grader replaces by the kit's: $h_bugs"
else
    ok "no buggy variant changes a header (a bug there would never reach the grader)"
fi
if [[ " ${labs[*]} " == *" 04-fifo "* ]]; then
    hd=$b/given-header
    rm -rf "$hd" && mkdir -p "$hd" && cp -r solutions/04-fifo "$hd/"
    sed -i 's/^#define MSG_MAX .*/#define MSG_MAX 8/' "$hd/04-fifo/fifo.h"
    tests/grade.sh --tree "$hd" --lab 04-fifo --test one_client --tag "given-header$tagx" \
        --results "$hd/results.json" >"$hd/report.txt" 2>&1
    if grep -q "PASS  3/3  one_client" "$hd/report.txt" &&
        grep -q "note: your fifo.h differs from the kit's" "$hd/report.txt"; then
        ok "an edited fifo.h (MSG_MAX 8) is graded with the kit's copy, and the report says so"
    else
        bad "an edited fifo.h was not replaced by the kit's, or the report did not say so"
        head -20 "$hd/report.txt"
    fi
fi

# A "likely bug" line is a guess: it must not stand under a failure whose
# cause the report knows (a hang explained, a crash, a failed start-up).
# Over every report of this run: skeletons and variants.
reports=(build/grade/skeletons$tagx/*/report.txt)
for patch in "${variants[@]}"; do
    lab=${patch%/*} lab=${lab##*/} name=${patch##*/}
    reports+=("build/grade/v-$lab-${name%.patch}$tagx/$lab/report.txt")
done
present=()
for r in "${reports[@]}"; do [ -f "$r" ] && present+=("$r"); done
# (One awk over every report: a process each would cost seconds.)
misfit=$([ ${#present[@]} -eq 0 ] || awk '
        function done() { if (known && hint) print r ": " name }
        FNR == 1 { done(); r = FILENAME; name = ""; known = hint = 0 }
        /^   (PASS|FAIL) / { done(); name = $3; known = hint = 0; next }
        /where it was stuck|was killed by signal [0-9]+ \([^)]*\): |could not start/ { known = 1 }
        /^           likely bug:/ { hint = 1 }
        END { done() }' "${present[@]}" | sort -u)
if [ -n "$misfit" ]; then
    bad "a \"likely bug\" line stands under a failure whose cause the report names:"
    echo "$misfit" | head -20
else
    ok "no \"likely bug\" line under a hang explained, a crash or a failed start-up (skeleton and variant reports)"
fi

phase "buggy variants lose points on the tests that name them"
for patch in "${variants[@]}"; do
    lab=${patch%/*} lab=${lab##*/}
    name=${patch##*/} name=${name%.patch}
    caught_by "$patch"
    tsv="build/grade/v-$lab-$name$tagx/scores.tsv"
    lab_score "$tsv" "$lab"
    missed=""
    for t in $want; do
        echo "$lab $t" >>"$b/caught"
        failed "$tsv" "$t" || missed="$missed $t"
    done
    report=()
    [ -f "build/grade/v-$lab-$name$tagx/$lab/report.txt" ] &&
        mapfile -t report <"build/grade/v-$lab-$name$tagx/$lab/report.txt"
    if [[ "${report[*]-}" == *"did not compile"* ]]; then
        bad "$lab/$name: the variant does not compile"
    elif [ -z "$want" ]; then
        bad "$lab/$name: no Caught-by: line"
    elif [ -n "$missed" ]; then
        bad "$lab/$name: scores $s/$m but passes$missed"
        cat "build/grade/v-$lab-$name$tagx/$lab/report.txt"
    elif [ "$s" -ge "$m" ]; then
        bad "$lab/$name: scores full marks"
    else
        ok "$lab/$name: fails $want"
    fi
done

phase "a hung program is explained: where it is stuck, on what, and why"
# The hanging variants of tests/kit/hangs.list, read from the reports
# graded above: the first failure names the process, its call and what it
# waits on, and shows no static hint.
if [ -n "${LABS:-}" ]; then
    echo "skip hanging variants (LABS is set)"
elif tests/kit/diagnosis.sh --graded build/grade >"$b/diagnosis.log" 2>&1; then
    n=$(grep -c '^ok ' "$b/diagnosis.log")
    ok "$n hanging variants (labs $(grep '^ok ' "$b/diagnosis.log" | cut -c6-7 | sort -u | paste -sd, -)): the first failure names the process, its call and what it waits on"
else
    bad "hanging variants: a report does not name where a program is stuck"
    grep -A25 '^FAIL' "$b/diagnosis.log" | head -80
fi

phase "every test catches some variant"
for lab in "${labs[@]}"; do
    [ -x "build/tests/$lab" ] || { bad "$lab has no tests (tests/$lab.c)"; continue; }
    uncaught=""
    if [ "${caught_read:-0}" = 0 ]; then
        declare -A caught_set=()
        while read -r l t; do caught_set["$l $t"]=1; done <"$b/caught"
        caught_read=1
    fi
    while IFS=$'\t' read -r t _; do
        [ -n "${caught_set["$lab $t"]:-}" ] || uncaught="$uncaught $t"
    done < <("build/tests/$lab" --list)
    n=0
    for f in tests/bugs/"$lab"/*.patch; do [ -f "$f" ] && n=$((n + 1)); done
    if [ -n "$uncaught" ]; then bad "$lab: no variant shows these tests can fail:$uncaught"
    elif [ "$n" -lt 5 ]; then bad "$lab: only $n buggy variants (want at least 5)"
    else ok "$lab: every test catches one of its $n variants"; fi
done

phase "labs/ is what the solutions give (mk/skeleton.awk)"
# The solution is a lab's one source: its skeleton is made from it (make
# skeletons).  A skeleton edited by hand, or a solution changed without
# remaking labs/, shows here as a diff.
for lab in "${labs[@]}"; do
    drift=""
    for f in solutions/"$lab"/*.[ch] solutions/"$lab"/Makefile; do
        base=$(basename "$f")
        if [ ! -f "labs/$lab/$base" ]; then drift="$drift missing:$base"; continue; fi
        if ! awk -f mk/skeleton.awk "$f" >"$b/skel.out" 2>"$b/skel.err"; then
            drift="$drift $base"; cat "$b/skel.err"; continue
        fi
        diff -u --label "made from solutions/$lab/$base" --label "labs/$lab/$base" \
            "$b/skel.out" "labs/$lab/$base" >"$b/drift.diff" ||
            { drift="$drift $base"; head -40 "$b/drift.diff"; }
    done
    for f in labs/"$lab"/*.[ch]; do
        [ -f "solutions/$lab/$(basename "$f")" ] || drift="$drift extra:$(basename "$f")"
    done
    todos=$(cat labs/"$lab"/*.[ch] | grep -c '/\* TODO [0-9]*:')
    if [ -n "$drift" ]; then bad "$lab: labs/$lab is not what solutions/$lab gives (run make skeletons):$drift"
    elif [ "$todos" -eq 0 ]; then bad "$lab: the skeleton has no TODO"
    else ok "$lab: labs/$lab is made from solutions/$lab ($todos TODO regions)"; fi
done
# The check above must be able to fail: a solution line changed outside
# a region, and a placeholder line changed, each show as drift.
f=solutions/01-pipe/pipe.c
sed '0,/^int main/s//int  main/' "$f" | awk -f mk/skeleton.awk | cmp -s - labs/01-pipe/pipe.c &&
    bad "a changed solution line outside its TODO regions does not change the skeleton" ||
    ok "a solution line changed outside its TODO regions changes the skeleton"
sed '0,/\/\/> /s//\/\/> x = 1; /' "$f" | awk -f mk/skeleton.awk | cmp -s - labs/01-pipe/pipe.c &&
    bad "a changed placeholder line does not change the skeleton" ||
    ok "a changed placeholder line (//>) changes the skeleton"
printf '%s\n' 'int x;' '//> int y;' | awk -f mk/skeleton.awk >/dev/null 2>&1 &&
    bad "mk/skeleton.awk accepts a placeholder outside a TODO region" ||
    ok "mk/skeleton.awk refuses a placeholder outside a TODO region"

phase "code shape: one C style, short functions"
# One style, checked rather than suggested: clang-format-14 with the kit's
# .clang-format (pinned: other versions format a few constructs apart).
style_files=(solutions/*/*.[ch] synclib/*.[ch] tests/harness/*.[ch] tests/[0-9]*.c tests/hidden/*.c)
if command -v clang-format-14 >/dev/null; then
    # (One run over every file: its warnings name the files.)
    mapfile -t unformatted < <(clang-format-14 --dry-run -Werror "${style_files[@]}" 2>&1 >/dev/null |
        sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u)
    if [ ${#unformatted[@]} -eq 0 ]; then
        ok "${#style_files[@]} C files are in the kit's style (clang-format-14 --dry-run)"
    else
        bad "${#unformatted[@]} C files are not in the kit's style (clang-format-14 -i FILE fixes one): ${unformatted[*]:0:8}"
    fi
else
    bad "clang-format-14 is missing: tests/deps.sh test installs it"
fi
# No function of the solutions, synclib or the harness is longer than 60
# lines (signature to closing brace): a student reads a program as named
# steps, and a TODO is a function's body.
long=$(awk -f tests/kit/funclen.awk solutions/*/*.c synclib/*.c tests/harness/*.c | awk '$1 > 60')
if [ -z "$long" ]; then
    ok "no function in solutions/, synclib/ or tests/harness/ is longer than 60 lines"
else
    bad "functions longer than 60 lines: $(echo "$long" | sort -rn | awk '{printf "%s %s (%d lines); ", $3, $2, $1}')"
fi
# The measure must be able to fail.
printf 'int f(void)\n{\n%s\n}\n' "$(printf '    x();\n%.0s' $(seq 60))" >"$b/long.c"
[ "$(awk -f tests/kit/funclen.awk "$b/long.c")" = "63 $b/long.c:1 f" ] &&
    ok "tests/kit/funclen.awk counts a 63-line function as 63" ||
    bad "tests/kit/funclen.awk miscounts: $(awk -f tests/kit/funclen.awk "$b/long.c")"

phase "no lab hands out another lab's answer"
logged "no skeleton, and nothing in the student edition, holds another lab's TODO answer (tests/kit/answers.sh)" \
    "$b/answers.log" tests/kit/answers.sh

if [ -n "${LABS:-}" ]; then
    echo "== handouts agree with the labs"
    tests/kit/check-handouts.sh "${labs[@]}" >"$b/handouts.log" 2>&1
    cat "$b/handouts.log"
    passed=$((passed + $(grep -c '^ok' "$b/handouts.log")))
    failed=$((failed + $(grep -c '^FAIL' "$b/handouts.log")))
    echo; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit
fi
[ -f "$b/late.status" ] || tail --pid="$(cat "$b/late.pid")" -f /dev/null
# (Counted here: they ran in a shell of their own.)
cat "$b/late.log"
passed=$((passed + $(grep -c '^ok ' "$b/late.log")))
failed=$((failed + $(grep -c '^FAIL ' "$b/late.log")))
grep -q '^ok ' "$b/late.log" || bad "the handout and export checks ran no check"

phase "the grading box"
# Which box this machine allows; the red team below checks what it holds.
if probe=$(tests/box.sh probe 2>&1); then ok "${probe%%$'\n'*}"
elif [ "$(id -u)" -eq 0 ]; then echo "note ${probe%%$'\n'*} (the red team checks the fallback's guarantees)"
else echo "note ${probe%%$'\n'*}"; fi
echo "note where: ${probe#*$'\n'}"

phase "red team: hostile submissions are bounded, graded low, harm nobody, leave nothing"
if [ $redteam = 1 ]; then
    [ -f "$b/redteam.status" ] || tail --pid="$(cat "$b/redteam.pid")" -f /dev/null
    grep -E '^(ok|FAIL|skip|note) ' "$b/redteam.log"
    passed=$((passed + $(grep -c '^ok ' "$b/redteam.log")))
    failed=$((failed + $(grep -c '^FAIL ' "$b/redteam.log")))
    if ! grep -q '^ok ' "$b/redteam.log"; then
        bad "the red team ran no check"; tail -20 "$b/redteam.log"
    fi
else
    bad "tests/kit/redteam.sh is missing"
fi

phase "nothing left behind"
snapshot >"$b/after"
check "no System V object or /dev/shm file left" diff "$b/before" "$b/after"
fifos=$(find build /tmp -type p 2>/dev/null | head -5)
check "no FIFO left under build/ or /tmp" test -z "$fifos"
[ -z "$fifos" ] || echo "$fifos"
# ps (procps) is how processes are seen: without it this check cannot look,
# and a check that cannot look fails.
if command -v ps >/dev/null; then
    progs=$(for l in "${labs[@]}"; do "build/tests/$l" --progs; done | tr ' ' '\n' | sort -u | paste -sd'|')
    strays=$(ps -eo pid=,comm= | awk -v re="^($progs|more)\$" '$2 ~ re' | head -5)
    check "no process of the kit left running" test -z "$strays"
    [ -z "$strays" ] || echo "$strays"
    boxes=$(ps -eo pid=,args= | grep -E 'bwrap .*box-inside|box-inside.sh' | grep -v grep | head -3)
    check "no grading box left running" test -z "$boxes"
    [ -z "$boxes" ] || echo "$boxes"
else
    bad "no process of the kit left running: ps is not installed (make deps installs procps)"
fi
cgs=$(ls -d /sys/fs/cgroup/ipckit-box-* /sys/fs/cgroup/*/ipckit-box-* 2>/dev/null | head -3)
check "no grading box's cgroup left" test -z "$cgs"
[ -z "$cgs" ] || echo "$cgs"
tmps=$(ls -d /tmp/ipckit-box.* /tmp/ipckit-collect.* 2>/dev/null | head -3)
check "no grading box's folder left in /tmp" test -z "$tmps"
[ -z "$tmps" ] || echo "$tmps"

phase ""
echo
echo "time each part took (the whole run: $SECONDS s):"
printf '%s\n' "${phase_times[@]}" | cut -c1-100
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
