#!/usr/bin/env bash
# autograde.sh - grade one Autolab submission of one lab with the kit's
# grader, and end the output with Autolab's scores line.
#
# usage: bash ipc-kit/tests/export/autolab/autograde.sh --lab NN-topic
#            --timeout SECS [--handin FILE]
#
# Run by the autograde-Makefile (autograde-Makefile.in) in Tango's job
# directory, AUTOLAB_JOB_DIR (default: the current directory, where make
# runs; a test sets a throw-away one), after it unpacked autograde.tar
# there as ipc-kit/.  The job directory holds the student's handin (FILE,
# default handin.tar: a tar of the lab's folder, or of bare files).
#
# Autolab's contract (https://docs.autolabproject.com/lab/, "Writing
# Autograders"): everything printed is shown to the student as feedback,
# and the LAST line must be {"scores": {PROBLEM: points, ...}}, each
# PROBLEM one of the assessment's problems (labNN-topic.yml, written by
# package.sh: one per public test, and hidden_tests for the hidden ones
# together).  So:
#   - the report printed is grade.sh's, which never shows a hidden test
#     (nor does the build log of the test program, kept out of the
#     output: a compiler message would quote the hidden tests' source);
#     hidden tests count only through hidden_tests;
#   - every problem is in the scores line, at 0 when its test did not
#     run, and the line is printed whatever happened before it;
#   - Tango kills make at the assessment's autograde_timeout, SECS here,
#     and then no scores line follows: the grading gets what is left of
#     SECS, less a margin for what grade.sh does outside its budget, as
#     KIT_SUBMISSION_BUDGET (tests/export/platform.sh; grade.sh scales it
#     by TIMEOUT_SCALE, so it is divided by that), and a submission that
#     hangs is stopped by the grader in time, scored and reported.
# Tango runs make as the user autograde (Tango's autodriver.c: setuid
# root, drops to GRADING_USER "autograde" with limits on processes and
# file size) in a container that usually forbids namespaces: grade.sh's
# box then uses its fallback and says so in the report.  Exit status 0
# whenever the scores line was printed.
set -uo pipefail
lab="" timeout="" handin=handin.tar
while [ $# -gt 0 ]; do
    case $1 in
    --lab) lab=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --handin) handin=$2; shift 2 ;;
    *) sed -n '5,6p' "$0" >&2; exit 2 ;;
    esac
done
case $lab in [0-9][0-9]-*) ;; *) sed -n '5,6p' "$0" >&2; exit 2 ;; esac
case $timeout in '' | *[!0-9]*) sed -n '5,6p' "$0" >&2; exit 2 ;; esac
job=${AUTOLAB_JOB_DIR:-$PWD}
kit=$(cd "$(dirname "$0")/../../.." && pwd) || exit 2
hidden_problem=hidden_tests
# Seconds kept for what grade.sh does outside the submission's budget
# (reading the tables, collecting the handin, compiling synclib before;
# stopping a box and joining the records after) and for printing.  (A
# job left a 1 s budget took 17 to 46 s in all, this script's build of
# the test program included, on a busy 2-CPU machine running four jobs at
# once.)  AUTOLAB_MARGIN sets another: a test leaves the grading a single
# second with it.
after=${AUTOLAB_MARGIN:-45}
case $after in '' | *[!0-9]*) after=45 ;; esac

# scores_line: the autoresult, every problem of the assessment in the
# .yml's order, from the kit's table of tests ($tables.list, the public
# ones first: $tables.public) and grade.sh's scores.tsv when it exists
# (read first: the scores, then the table in its order).
scores_line() {
    local tsv=$kit/build/grade/autolab/scores.tsv
    [ -f "$tsv" ] || tsv=/dev/null
    awk -F'\t' -v npub="$(wc -l <"$tables.public")" -v hp="$hidden_problem" -v lab="$lab" '
        function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        FILENAME == ARGV[1] { if ($1 == lab) got[$2] = $3 + 0; next }
        {
            n++
            if (n <= npub) { order[++k] = $1; pts[$1] = got[$1] + 0 }
            else { hidden = 1; hsum += got[$1] + 0 }
        }
        END {
            printf "{\"scores\": {"
            for (i = 1; i <= k; i++) printf "%s%s: %d", (i > 1 ? ", " : ""), js(order[i]), pts[order[i]]
            if (hidden) printf "%s%s: %d", (k ? ", " : ""), js(hp), hsum
            printf "}}\n"
        }' "$tsv" "$tables.list"
}

cd "$kit" || exit 2
mkdir -p build/autolab
tables=build/autolab/$lab
# The lab's test program, built here for this image (the kit ships
# sources: a binary built elsewhere may not find its libraries).  Its log
# stays in the job: it may quote the hidden tests' source.
if ! make -s -j2 "build/tests/$lab" >build/autolab/build.log 2>&1 ||
    ! "build/tests/$lab" --tables "$tables"; then
    echo "autograder: the grader could not build its tests for $lab; nothing was graded."
    echo "   (the image lacks a package the kit needs? these lines of the build say:)"
    grep -v -e hidden -e '^ ' build/autolab/build.log | grep -i -e 'not found' -e 'no such file' -e 'error' |
        head -5 | sed 's/^/   /'
    # No table to name the problems by: the Makefile's line of zeros.
    exit 1
fi

if [ ! -f "$job/$handin" ]; then
    echo "autograder: no $handin in the submission (hand in: cd labs && tar -cf $handin $lab)"
    scores_line
    exit 0
fi

# The kit's fitting to a platform's container (tests/export/platform.sh:
# labs at a time and TIMEOUT_SCALE from the container's CPU share, the
# budget ending before the platform's limit): the margin is what this
# script used already plus what grade.sh does outside the budget.
. tests/export/platform.sh
platform_fit "$timeout" $((SECONDS + after))
# platform_fit gives at least 30 s; Tango's kill at the timeout is
# absolute, so when less is left, less it is.
budget=$(((timeout - SECONDS - after) / TIMEOUT_SCALE))
[ $budget -ge 1 ] || budget=1
if [ $budget -lt "$KIT_SUBMISSION_BUDGET" ]; then
    export KIT_SUBMISSION_BUDGET=$budget
    echo "autograder: only $((budget * TIMEOUT_SCALE)) s left for the grading of the assessment's $timeout s"
fi
# Two of grade.sh's lines are Gradescope's: its "Results:" line names
# files the student cannot see, and hidden tests' "results after
# publication" would be untrue here, where they count at once in the
# problem hidden_tests (release_score in the .yml).
tests/grade.sh --tree "$job/$handin" --flat --lab "$lab" --tag autolab \
    --results build/autolab/results.json --junit build/autolab/junit.xml 2>&1 |
    sed -u -e '/^Results: /d' \
        -e "s/: results after publication)\$/: scored together in $hidden_problem)/" \
        -e "s/^\\(   + [0-9]* hidden tests* ([0-9]* points*)\\): results after publication\$/\\1: scored in $hidden_problem, names not shown/"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || echo "autograder: grading ended with status $rc (3: the submission was refused, or a lab could not be graded; see above)"
scores_line
exit 0
