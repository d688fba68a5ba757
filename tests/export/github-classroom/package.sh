#!/usr/bin/env bash
# package.sh - the GitHub Classroom export: what goes into the assignment's
# student template repository.
#
# usage: tests/export/github-classroom/package.sh OUT
#        (make github-classroom: OUT is build/github-classroom)
#
# Writes
#   OUT/.github/workflows/classroom.yml  the workflow alone (for a template
#                        repository that already holds the student edition)
#   OUT/student-template/  the student edition (tests/export/package.sh
#                        student) unpacked, with that workflow and a
#                        .gitignore: push this folder as the template.
#
# The contract it follows is GitHub Classroom's current autograding: the
# workflow Classroom itself writes when tests are added in its web form,
# one step per test with classroom-resources/autograding-command-grader
# and one classroom-resources/autograding-grading-reporter step at the end
# (https://github.com/classroom-resources/autograding-grading-reporter,
# README.md, "Usage": the workflow must be named "Autograding Tests" and
# have one job, run-autograding-tests, or Classroom records no points;
# https://github.com/classroom-resources/autograding-command-grader,
# README.md, "Inputs": test-name, setup-command, command, timeout in
# minutes, max-score).  The older .github/classroom/autograding.json is not
# written: it was read by the education/autograding action, archived in
# May 2024, which the current workflows no longer use.
#
# The design: one step grades every lab once with the kit's own grader
# (tests/grade.sh, as root through sudo, so its box runs the student's
# programs as a uid of their own), writing build/results.json and from it
# build/passed (the tests that got all their points); then one cheap step
# per test (grep on that file) passes when that test got all its points, so
# Classroom shows partial credit test by test, and the reporter adds them
# up.  Points come from the kit's own tables (build/tests/NN-topic
# --list-public: what --list says in the student edition, which has no
# hidden tests).
set -euo pipefail
[ $# -eq 1 ] || { sed -n '5p' "$0" >&2; exit 2; }
out=$(realpath -m "$1")
kit=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$kit"

# The kit's tables of tests: the test programs must be built.
make -s tests >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT


# The labs the grader knows: one test program each.
labs=()
for bin in build/tests/[0-9][0-9]-*; do
    case $bin in *.o | *.d) continue ;; esac
    [ -f "$bin" ] && [ -x "$bin" ] && labs+=("${bin##*/}")
done
[ ${#labs[@]} -gt 0 ] || { echo "github-classroom: no test programs in build/tests" >&2; exit 1; }

# One row per public test: step id, lab, test, points, description.
# A step id must start with a letter or _ and hold only letters, digits, -
# and _ (workflow syntax, jobs.<job_id>.steps[*].id); the reporter reads
# each runner's result from the variable named by its id in capitals
# followed by _RESULTS, so ids must differ in capitals too.
for l in "${labs[@]}"; do
    "build/tests/$l" --list-public | awk -F'\t' -v lab="$l" '
        { printf "t%s_%s\t%s\t%s\t%d\t%s\n", substr(lab, 1, 2), $1, lab, $1, $2, $3 }'
done >"$stage/tests.tsv"
dup=$(cut -f1 "$stage/tests.tsv" | tr '[:lower:]' '[:upper:]' | sort | uniq -d | head -1)
[ -z "$dup" ] || { echo "github-classroom: two tests make the step id $dup" >&2; exit 1; }
if grep -qv -E '^[A-Za-z_][A-Za-z0-9_-]*'$'\t' "$stage/tests.tsv"; then
    echo "github-classroom: a test's name makes an invalid step id" >&2
    exit 1
fi
ntests=$(wc -l <"$stage/tests.tsv")
points=$(awk -F'\t' '{s += $4} END {print s}' "$stage/tests.tsv")

workflow() {
    cat <<EOF
# classroom.yml - GitHub Classroom grades every push with the IPC lab kit's
# own grader.  Written by tests/export/github-classroom/package.sh (make
# github-classroom) for ${#labs[@]} labs, $ntests tests, $points points: remake it there.
#
# The grade step grades every lab once (tests/grade.sh, as root: its box
# runs the student's programs as a uid of their own) and writes
# build/results.json, and build/passed: the tests that got all their
# points; each test's step then passes when build/passed names its test,
# so Classroom shows the points test by test, and the reporter adds them
# up.  Its log is the grader's report: what each failed
# test expected, what came out, and the command that re-runs it.
#
# Format: https://github.com/classroom-resources/autograding-grading-reporter
# (README.md, "Usage": this name, this one job) and
# https://github.com/classroom-resources/autograding-command-grader
# (README.md, "Inputs"); workflow syntax:
# https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
name: Autograding Tests
'on':
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    # Classroom's own first commit to the repository is not a submission.
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 60
    env:
      # The grading's own budget (tests/grade.sh): it ends, and reports the
      # labs it did not reach, before the grade step's 40 minutes run out.
      KIT_SUBMISSION_BUDGET: '2100'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Install the grader's packages (make deps)
        timeout-minutes: 10
        run: make deps
      - name: Grade every lab once (tests/grade.sh)
        id: grade
        timeout-minutes: 40
        run: |
          # The test programs are built here from the kit's sources, never
          # taken from the push.  GRADE_LABS (lab names, comma-separated)
          # grades only those labs: the kit's own check uses it; unset, as
          # here, every lab is graded.
          rm -rf build
          progs=()
          for l in \${GRADE_LABS//,/ }; do progs+=("build/tests/\$l"); done
          make -s -j"\$(nproc)" "\${progs[@]:-tests}"
          # As root, so that the box runs the student's programs as a uid of
          # their own (the runner's user has passwordless sudo; sudo keeps
          # only the variables named).
          sudo --preserve-env=KIT_SUBMISSION_BUDGET,KIT_BOX_MODE,TIMEOUT_SCALE \\
              tests/grade.sh --tree labs --lab "\${GRADE_LABS:-}" \\
              --results build/results.json --jobs "\$((2 * \$(nproc)))" ||
              echo "::warning::some labs could not be graded: the report above says why; their tests score 0"
          # No results at all: every test's step fails, and the reporter
          # still reports the points.
          [ -s build/results.json ] || echo '{"tests": []}' >build/results.json
          # build/passed: LAB/TEST of every test that got all its points,
          # one a line, for the test steps (a grep each: they are many).
          jq -r '.tests[] | select(.score == .max_score) | .name | sub(": .*"; "")' \
              build/results.json >build/passed
EOF
    # One step per test, written by one awk (a process per test would be
    # slow): it passes when build/passed names it, that is when its line in
    # build/results.json ("LAB/TEST: description", tests/grade.sh) has all
    # its points.
    awk -F'\t' '
        function yq(s) { gsub(/\047/, "\047\047", s); return "\047" s "\047" }
        {
            id = $1; lab = $2; test = $3; pts = $4; desc = $5
            printf "      - name: %s\n", yq(lab "/" test " (" pts (pts == 1 ? " point)" : " points)"))
            printf "        id: %s\n", id
            printf "        uses: classroom-resources/autograding-command-grader@v1\n"
            printf "        with:\n"
            printf "          test-name: %s\n", yq(lab "/" test ": " desc)
            printf "          setup-command: \047\047\n"
            printf "          command: %s\n", yq("grep -qxF \047" lab "/" test "\047 build/passed")
            printf "          timeout: 1\n"
            printf "          max-score: %d\n", pts
        }' "$stage/tests.tsv"
    printf '      - name: Autograding Reporter\n'
    printf '        uses: classroom-resources/autograding-grading-reporter@v1\n'
    printf '        env:\n'
    awk -F'\t' '{ printf "          %s_RESULTS: \"${{steps.%s.outputs.result}}\"\n", toupper($1), $1 }' \
        "$stage/tests.tsv"
    printf '        with:\n'
    printf '          runners: %s\n' "$(cut -f1 "$stage/tests.tsv" | paste -sd, -)"
}

rm -rf "$out"
mkdir -p "$out/.github/workflows"
workflow >"$out/.github/workflows/classroom.yml"

# The template repository: the student edition, with the workflow.
tests/export/package.sh student "$stage/student.tar.gz" >/dev/null
tar -xzf "$stage/student.tar.gz" -C "$stage"
mv "$stage/ipc-kit" "$out/student-template"
mkdir -p "$out/student-template/.github/workflows"
cp "$out/.github/workflows/classroom.yml" "$out/student-template/.github/workflows/"
# What make and make grade write stays out of the student's commits.
printf '%s\n' "# What make and make grade write: never committed." "/build/" "*.o" "*.d" \
    >"$out/student-template/.gitignore"
echo "wrote $out: .github/workflows/classroom.yml (${#labs[@]} labs, $ntests tests, $points points) and student-template/"
