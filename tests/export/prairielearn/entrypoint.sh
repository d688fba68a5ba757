#!/usr/bin/env bash
# entrypoint.sh - PrairieLearn's external grader runs this, once per
# submission, in the kit's grader image (the Dockerfile package.sh writes:
# the grading kit in /ipckit, its tests built), as the image's user, root.
#
# usage: /ipckit/tests/export/prairielearn/entrypoint.sh   (no arguments)
#
# The contract it follows is PrairieLearn's "External Grading" page,
# https://prairielearn.readthedocs.io/en/latest/externalGrading/
#   section "The Grading Process": the student's files are in
#   /grade/student/ (pl-file-upload puts each under its own name, flat),
#   the question's data object in /grade/data/data.json (nothing in it is
#   needed here: the lab is in the environment, below), and the script
#   must leave /grade/results/results.json behind, a folder it has to make
#   itself ("The /grade/results directory is not automatically created");
#   section "Grading results": score in [0, 1], gradable, message, output,
#   tests (name, description, points, max_points, message, output), and
#   the file at most 1 MB;
#   section "Configuring and enabling external grader support": the
#   question's info.json gives externalGradingOptions.environment, which
#   is how this script learns the question's lab (IPCKIT_LAB) and its
#   timeout (IPCKIT_TIMEOUT, the same number as "timeout" beside it: the
#   page says nothing of the container being told its timeout).
# PL_GRADE_ROOT stands for /grade (a test lays a job out elsewhere).
#
# The lab is graded by tests/grade.sh, in its box, like every other
# platform's; this script only turns its Gradescope-style results into
# PrairieLearn's.  A results.json is always written: when grading fails,
# one with "gradable": false and a message saying why (the page: the
# student is not charged an attempt for it).
#
# Hidden tests: PrairieLearn's results have no visibility field (the page
# lists none), so the hidden tests' points count in the score and are
# shown as one line, "hidden tests", with their total; their names and
# messages are not shown.
set -uo pipefail
root=${PL_GRADE_ROOT:-/grade}
kit=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd) || exit 1
results=$root/results/results.json
lab=${IPCKIT_LAB:-}
plto=${IPCKIT_TIMEOUT:-30} # PrairieLearn's default timeout (the page)
export LC_ALL=C TZ=UTC

# Made before any student code runs: nothing of the student's can have
# put a link or a file of its own there.
mkdir -p "$root/results" || exit 1
rm -f "$results" "$results.new"
# The grader's own files: root's only, out of the student's sight even
# in the box's fallback (which runs student code on this machine).
work=$kit/build/prairielearn-job
rm -rf "$work" && mkdir -p -m 700 "$work" || exit 1

# not_gradable WHY DETAIL: PrairieLearn's "invalid, not gradable" answer
# (gradable false, format_errors; no score needed).  jq escapes; without
# jq (it is in the image: make deps) a fixed text still makes valid JSON.
not_gradable() {
    if ! jq -n --arg why "$1" --arg detail "${2:-}" \
        '{gradable: false, score: 0, message: $why, format_errors: [$why],
          output: $detail}' >"$work/pl.json" 2>/dev/null; then
        printf '{"gradable": false, "score": 0, "message": "%s", "format_errors": ["%s"]}\n' \
            "The submission could not be graded." "The submission could not be graded." >"$work/pl.json"
    fi
    publish
}
# publish: results.json appears whole (written beside, then renamed).
publish() {
    cp "$work/pl.json" "$results.new" && mv -f "$results.new" "$results"
}
# Whatever happens below, PrairieLearn gets a results.json.
trap '[ -s "$results" ] || not_gradable "The grader stopped before it wrote its results (an internal error): ask your instructor." ""' EXIT

# (Set by the instructor's info.json, never by the student; a lab's name
# all the same, not a path.)
[[ $lab =~ ^[0-9][0-9]-[a-z0-9]+$ ]] || lab=""
if [ -z "$lab" ] || [ ! -x "$kit/build/tests/$lab" ]; then
    not_gradable "This question is not set up for grading: IPCKIT_LAB='${IPCKIT_LAB:-}' names no lab of the grader image. Ask your instructor." ""
    exit 0
fi
case $plto in '' | *[!0-9]*) plto=30 ;; esac
[ "$plto" -ge 10 ] || plto=10

# The budget ends the grading a margin before PrairieLearn's timeout, so a
# slow or hanging submission is graded and reported, not killed with no
# result: 60 s (a third of timeouts under 4 minutes) for collecting the
# files and compiling synclib before the budget's clock starts, and for
# writing the results after it stops.  grade.sh multiplies its budget by
# TIMEOUT_SCALE, so it is divided by it here.
margin=60
[ "$plto" -ge 240 ] || margin=$((plto / 3))
scale=${CK_TIMEOUT_MULTIPLIER:-${TIMEOUT_SCALE:-1}}
case $scale in '' | *[!0-9]* | 0) scale=1 ;; esac
budget=$(((plto - margin) / scale))
[ "$budget" -ge 1 ] || budget=1
export KIT_SUBMISSION_BUDGET=$budget

# Only grade.sh runs student code (in its box, never as root).  The outer
# timeout is a last resort, 4 s before PrairieLearn's (grade.sh stops its
# boxes on TERM; KILL 2 s later), so that a results.json still gets out.
tag=prairielearn-$lab
cd "$kit" || exit 1
timeout -s TERM -k 2 $((plto - 4)) tests/grade.sh --tree "$root/student" --flat \
    --lab "$lab" --tag "$tag" --jobs 1 --quiet \
    --results "$work/gs.json" --junit "$work/junit.xml" >"$work/grade.log" 2>&1
rc=$?
if [ $rc -eq 124 ] || [ $rc -eq 130 ] || [ $rc -eq 137 ]; then
    not_gradable "Grading was stopped at the question's time limit (${plto} s) before it finished; nothing was scored. Ask your instructor." ""
    exit 0
fi
if ! jq -e '.tests | type == "array" and length > 0' "$work/gs.json" >/dev/null 2>&1; then
    # A refused submission (a link, a file too large...), or a grading
    # refused here (no box, not root, hidden tests): grade.sh says why on
    # its stderr.
    not_gradable "The submission could not be graded (grader status $rc)." \
        "$(grep -v '^Results:' "$work/grade.log" | tail -20 | cut -c1-300)"
    exit 0
fi

# The lab's report (the one a student reads: hidden tests never in it),
# after the line that says how the box held.
report=$kit/build/grade/$tag/$lab/report.txt
[ -f "$report" ] || report=/dev/null
jq --arg lab "$lab" --rawfile report "$report" --argjson rc "$rc" '
    def clip($n): if length > $n
        then .[0:$n] + "\n[... \(length - $n) more characters cut]" else . end;
    def split_name: (.name | index(": ")) as $i
        | if $i then {name: .name[0:$i], description: .name[$i + 2:]}
          else {name: .name, description: ""} end;
    .tests as $t
    | [$t[] | select(.visibility == "visible")] as $pub
    | [$t[] | select(.visibility != "visible")] as $hid
    | ([$t[].max_score] | add // 0) as $max
    | ([$t[].score] | add // 0) as $got
    | ([$t[] | select((.output // "") | startswith("not run:"))] | length) as $notrun
    | {
        gradable: true,
        score: (if $max > 0 then $got / $max else 0 end),
        message: ("\($lab): \($got) of \($max) points"
            + (if ($hid | length) > 0
               then " (\($hid | length) hidden test(s) included: their names and messages are not shown)"
               else "" end)
            + (if $notrun > 0
               then ". \($notrun) test(s) were not run: the time budget ran out (see each test)"
               else "" end)
            + (if $rc != 0 then ". Part of the lab could not be graded (status \($rc))" else "" end)
            + "."),
        output: ((.output // "") | split("\n") | map(select(startswith("Where:")))
            | join("\n") + "\n\n"
            + ($report | gsub("results after publication";
                "counted in the score; names and messages are not shown"))
            | clip(200000)),
        tests: ([$pub[] | split_name + {
                points: .score, max_points: .max_score,
                message: (if .score >= .max_score then "passed" else "failed" end),
                output: (.output // "" | clip(16000))}]
            + (if ($hid | length) > 0 then [{
                name: "hidden tests",
                description: "\($hid | length) test(s) the instructor keeps hidden",
                points: ([$hid[].score] | add), max_points: ([$hid[].max_score] | add),
                message: "counted in the score; their names and messages are not shown",
                output: ""}] else [] end))
      }' "$work/gs.json" >"$work/pl.json" 2>"$work/jq.log" ||
    { not_gradable "The grader could not write its results (an internal error): ask your instructor." ""; exit 0; }
# The page's limit: 1 MB.  The clips above keep far below it; should a lab
# ever have enough tests to pass it, the tests' outputs go first.
if [ "$(stat -c %s "$work/pl.json")" -gt 1000000 ]; then
    jq '.tests[].output = "" | .output |= .[0:100000]' "$work/pl.json" >"$work/pl.small" &&
        mv "$work/pl.small" "$work/pl.json"
fi
publish
exit 0
