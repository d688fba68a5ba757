#!/usr/bin/env bash
# export-prairielearn.sh - make test's check of the PrairieLearn export
# (tests/export/prairielearn/): it builds the export, lays a grading job out
# in a throw-away root the way PrairieLearn's documentation says the
# container sees it, runs the entrypoint there as PrairieLearn does, and
# validates every file the export and the entrypoint write.
#
# usage: tests/kit/export-prairielearn.sh      (from the kit's top, as root,
#                                              after make -s tests)
#   EXPORT_LABS="01-pipe 04-fifo ..."  the labs whose solutions are graded
#                  (default 01-pipe 04-fifo); 01-pipe's skeleton, and its
#                  solution once more in the box's fallback, always are.
#   EXPORT_PL_ENTRYPOINT=FILE  grade with FILE instead of the kit's
#                  entrypoint.sh (to see this check fail on a wrong one).
#
# The contract: PrairieLearn, "External Grading",
# https://prairielearn.readthedocs.io/en/latest/externalGrading/ , section
# "The Grading Process": /grade/student/ (the uploaded files),
# /grade/data/data.json, /grade/results/results.json (the entrypoint makes
# /grade/results); here $job/grade stands for /grade (PL_GRADE_ROOT) and
# $b/img/NAME/ipckit for the image's /ipckit.  The entrypoint gets only
# the environment the question's info.json gives (externalGradingOptions
# .environment), as the container would.
#
# Prints "ok   ..." or "FAIL ..." (with indented evidence) per item; exits
# 1 if any failed.  Works only under build/export-prairielearn/, and leaves
# no process, IPC object or file of the boxes' uids behind (checked).
set -uo pipefail
kit=$PWD
b=build/export-prairielearn
t0=$EPOCHREALTIME
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
evidence() { sed 's/^/      /' | cut -c1-300 | head -"${1:-12}"; }
[ -f tests/export/prairielearn/package.sh ] || { echo "run me from the kit's top folder" >&2; exit 2; }
[ "$EUID" -eq 0 ] || { echo "export-prairielearn: run as root (the platform grades as root)" >&2; exit 2; }
rm -rf "$b" && mkdir -p "$b" || exit 1
schema=tests/export/prairielearn/schema
read -ra labs <<<"${EXPORT_LABS:-01-pipe 04-fifo}"

# validate SCHEMA FILE...: each file against the JSON Schema (Python's
# jsonschema: make test's dependency, never the platform's).
validate() {
    python3 - "$@" <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
bad = 0
for f in sys.argv[2:]:
    try:
        errs = list(jsonschema.Draft7Validator(schema).iter_errors(json.load(open(f))))
    except ValueError as e:
        errs = [e]
    for e in errs[:3]:
        print("%s: %s at %s" % (f, getattr(e, "message", e), list(getattr(e, "absolute_path", []))))
    bad += bool(errs)
sys.exit(1 if bad else 0)
EOF
}

# ---- the export ------------------------------------------------------------
out=$b/out
if ! tests/export/package.sh prairielearn "$out" >"$b/package.log" 2>&1; then
    bad "make prairielearn (tests/export/package.sh prairielearn) failed"
    evidence <"$b/package.log"
    exit 1
fi
img=$out/grader/ipckit
entry=$(jq -r '.externalGradingOptions.entrypoint' "$out/questions/ipckit/01-pipe/info.json" 2>/dev/null)
problems=()
grep -qx 'FROM debian:12-slim' "$out/grader/Dockerfile" || problems+=("Dockerfile: not FROM debian:12-slim")
# Every package make deps would install (deps.sh's own list) is installed.
install=" $(grep -E '^ +make gcc ' "$out/grader/Dockerfile" | tr -d '\\') "
for p in $(sed -n '/^if \[ "\${1:-}"/q; s/.*missing+=(\([^)]*\)).*/\1/p' tests/deps.sh); do
    [[ $install == *" $p "* ]] || problems+=("Dockerfile: $p (tests/deps.sh) is not installed")
done
grep -q '^RUN cd /ipckit && make -s tests' "$out/grader/Dockerfile" || problems+=("Dockerfile: no make -s tests at build time")
grep -qx 'COPY ipckit /ipckit' "$out/grader/Dockerfile" || problems+=("Dockerfile: the kit is not copied to /ipckit")
[ -f "$img/tests/hidden/01-pipe.c" ] || problems+=("image kit: no hidden tests")
[ -f "$img/tests/given/04-fifo/fifo.h" ] || problems+=("image kit: no given headers (tests/given/)")
[ ! -e "$img/solutions" ] && [ ! -e "$img/tests/bugs" ] || problems+=("image kit: holds solutions or buggy variants")
[[ $entry == /ipckit/* ]] && [ -x "$img/${entry#/ipckit/}" ] || problems+=("entrypoint $entry: not an executable of the image's kit")
if [ ${#problems[@]} -eq 0 ]; then
    ok "make prairielearn: Dockerfile from debian:12-slim with deps.sh's packages, the kit (hidden tests, no solutions) in /ipckit, tests built at image build; entrypoint $entry"
else
    bad "make prairielearn: the grader image's definition"
    printf '%s\n' "${problems[@]}" | evidence
fi

# Every lab has its question; info.json valid; the timeout is the lab's
# budget plus the entrypoint's margin, at most 600 s, and the entrypoint
# is told it; question.html's upload names exactly grade.sh's file list
# (the headers optional: the kit's copy is built).  One Python for all.
for bin in build/tests/[0-9][0-9]-*; do
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    n=$("$bin" --list | wc -l)
    want=$((60 + 25 * n + 60))
    [ $want -le 600 ] || want=600
    printf '%s\t%s\t%s\n' "${bin##*/}" "$want" "$("$bin" --files)"
done >"$b/labs.tsv"
cat >"$b/questions.py" <<'EOF'
import json, os, sys, jsonschema
from html.parser import HTMLParser
qdir, schema, entry = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
class Page(HTMLParser):
    """The pl-file-upload elements, and the results element in the
    submission panel."""
    def __init__(self):
        super().__init__(); self.up = []; self.res = 0; self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag == "pl-file-upload": self.up.append(dict(attrs))
        if tag == "pl-external-grader-results" and "pl-submission-panel" in self.stack: self.res += 1
        self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in self.stack: del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag):]
bad, n = 0, 0
for line in open(sys.argv[4]):
    lab, want, files = line.rstrip("\n").split("\t")
    q = os.path.join(qdir, lab)
    def fail(msg):
        global bad; bad += 1; print("%s: %s" % (lab, msg))
    try:
        info = json.load(open(os.path.join(q, "info.json")))
        html = open(os.path.join(q, "question.html")).read()
    except (OSError, ValueError) as e:
        fail("no question: %s" % e); continue
    n += 1
    for e in list(jsonschema.Draft7Validator(schema).iter_errors(info))[:3]:
        fail("info.json: %s at %s" % (e.message, list(e.absolute_path)))
    ego = info.get("externalGradingOptions", {})
    got = [ego.get("timeout"), ego.get("environment", {}).get("IPCKIT_TIMEOUT"),
           ego.get("environment", {}).get("IPCKIT_LAB"), ego.get("enabled"),
           info.get("gradingMethod"), ego.get("entrypoint")]
    exp = [int(want), want, lab, True, "External", entry]
    if got != exp:
        fail("info.json: timeout, IPCKIT_TIMEOUT, IPCKIT_LAB, enabled, gradingMethod, entrypoint are %s, want %s" % (got, exp))
    p = Page(); p.feed(html)
    if len(p.up) != 1 or p.res != 1:
        fail("question.html: %d pl-file-upload, %d pl-external-grader-results in the submission panel (want 1, 1)" % (len(p.up), p.res)); continue
    need = [f for f in p.up[0].get("file-names", "").split(",") if f]
    may = [f for f in p.up[0].get("optional-file-names", "").split(",") if f]
    kit = sorted(f.rsplit("/", 1)[-1] for f in files.split())
    if sorted(need + may) != kit:
        fail("question.html: uploads %s + optional %s, grade.sh's files %s" % (need, may, kit))
    if any(f.endswith(".h") for f in need):
        fail("question.html: a header is required (the kit's copy is built: it should be optional)")
print("%d questions" % n)
sys.exit(1 if bad or n == 0 else 0)
EOF
if python3 "$b/questions.py" "$out/questions/ipckit" "$schema/info.schema.json" "$entry" "$b/labs.tsv" >"$b/questions.log" 2>&1; then
    ok "$(tail -1 "$b/questions.log"): info.json valid ($schema/info.schema.json), timeout = lab budget + 60 s (max 600) told to the entrypoint; question.html uploads exactly grade.sh's files (headers optional)"
else
    bad "questions"
    evidence 20 <"$b/questions.log"
fi

# ---- grading jobs ------------------------------------------------------------
# The image stand-in: the export's kit with its test programs built.  The
# Dockerfile runs make -s tests; here the kit's own programs (built from
# the same sources by make -s tests) seed it, and make confirms they are
# current, to stay within make test's time.  Likewise grade.sh's cache of
# synclib's objects.
base=$b/img/base
mkdir -p "$base" && cp -a "$img" "$base/" || exit 1
mkdir -p "$base/ipckit/build/tests" "$base/ipckit/build/labobj"
need=(01-pipe "${labs[@]}")
for l in $(printf '%s\n' "${need[@]}" | sort -u); do
    cp -a build/tests/"$l" build/tests/"$l".[od] "$base/ipckit/build/tests/" 2>/dev/null
done
cp -a build/tests/harness build/tests/hidden "$base/ipckit/build/tests/" 2>/dev/null
[ -d build/labobj/plain ] && cp -a build/labobj/plain "$base/ipckit/build/labobj/"
if ! (cd "$base/ipckit" && make -s $(printf 'build/tests/%s ' "${need[@]}")) >"$b/make.log" 2>&1; then
    bad "the image's test programs do not build"; evidence <"$b/make.log"
    exit 1
fi
if [ -n "${EXPORT_PL_ENTRYPOINT:-}" ]; then
    cp "$EXPORT_PL_ENTRYPOINT" "$base/ipckit/${entry#/ipckit/}" && chmod 755 "$base/ipckit/${entry#/ipckit/}"
fi

# job NAME LAB MODE FILES...: one PrairieLearn job, in an image copy of its
# own (one container per job), the files uploaded flat into student/, the
# entrypoint run with the question's environment only.  MODE: box (what
# the machine allows) or fallback (a container that forbids namespaces).
job() {
    local name=$1 lab=$2 mode=$3 j=$kit/$b/job-$1
    shift 3
    mkdir -p "$j/grade/student" "$j/grade/data" && cp -a "$base" "$j/image" && cp "$@" "$j/grade/student/" || return 1
    # data.json: the question's data object, as PrairieLearn serialises it
    # (the entrypoint needs nothing from it: the lab is in the environment).
    jq -n --arg lab "$lab" '{params: {}, correct_answers: {}, submitted_answers: {_files: []},
        format_errors: {}, partial_scores: {}, score: 0, feedback: {}, variant_seed: 1, options: {},
        raw_submitted_answers: {}, editable: false, panel: "question", extensions: {}, num_valid_submissions: 0}' \
        >"$j/grade/data/data.json"
    local envs=()
    mapfile -t envs < <(jq -r '.externalGradingOptions.environment // {} | to_entries[] | "\(.key)=\(.value)"' \
        "$out/questions/ipckit/$lab/info.json" 2>/dev/null)
    [ "$mode" = fallback ] && envs+=(KIT_BOX_MODE=fallback)
    local extra=()
    read -ra extra <<<"${JOB_ENV:-}"
    envs+=("${extra[@]}") # (the last one wins)
    local t=$EPOCHREALTIME
    (cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin PL_GRADE_ROOT="$j/grade" "${envs[@]}" \
        "$j/image/ipckit/${entry#/ipckit/}") >"$j/entrypoint.log" 2>&1
    echo $? >"$j/rc"
    t=$(((${EPOCHREALTIME/./} - ${t/./}) / 1000))
    echo "$t" >"$j/ms"
}

jobs_run=()
# The slowest first (the fallback runs a lab's tests one at a time).
job fallback-01 01-pipe fallback solutions/01-pipe/pipe.c & jobs_run+=(fallback-01)
job skeleton-01 01-pipe box labs/01-pipe/pipe.c & jobs_run+=(skeleton-01)
# A submission slower than the question's time limit (every program
# hangs): the budget must stop the grading in time for a results.json.
# A 40 s timeout, every time limit x4 (TIMEOUT_SCALE, which the budget is
# scaled by too) so that the lab needs well over a minute; the budget,
# (40 - 13) / 4 x 4 = 24 s, must cut it, and the results must be out
# before the 40 s.  (It sleeps: wall time beside the fallback's grading,
# no CPU.)
mkdir -p "$b/hang" && printf '#include <unistd.h>\nint main(void)\n{\n    for (;;)\n        pause();\n}\n' >"$b/hang/pipe.c"
JOB_ENV="IPCKIT_TIMEOUT=40 TIMEOUT_SCALE=4" job budget-01 01-pipe box "$b/hang/pipe.c" &
for l in "${labs[@]}"; do
    # Only the .c files (and another lab's file): a student uploads what
    # they edited; the headers are the image's.
    files=()
    for f in $("build/tests/$l" --files); do
        [[ $f == *.h ]] && continue
        if [[ $f == */* ]]; then files+=("solutions/$f"); else files+=("solutions/$l/$f"); fi
    done
    job "solution-$l" "$l" box "${files[@]}" & jobs_run+=("solution-$l")
    # Two gradings at a time beside the fallback's: the machine has two
    # cores, and make test runs other things beside this check.
    [ $(jobs -r | wc -l) -lt 3 ] || wait -n
done
# A question whose lab the image does not have (its environment says
# 99-none): a results.json all the same.
JOB_ENV=IPCKIT_LAB=99-none job misconfigured 01-pipe box solutions/01-pipe/pipe.c &
wait

# check_job NAME LAB WANT: WANT is "full" (score 1) or "low" (at most 0.3).
check_job() {
    local name=$1 lab=$2 want=$3 j=$b/job-$1 r=$b/job-$1/grade/results/results.json
    local tsv=$j/image/ipckit/build/grade/prairielearn-$lab/scores.tsv problems=()
    if [ ! -s "$r" ]; then
        bad "$name: no results.json (entrypoint status $(cat "$j/rc" 2>/dev/null))"
        evidence <"$j/entrypoint.log"
        return
    fi
    validate "$schema/results.schema.json" "$r" >"$j/schema.log" 2>&1 ||
        problems+=("results.json against $schema/results.schema.json:" "$(cat "$j/schema.log")")
    [ "$(stat -c %s "$r")" -le 1000000 ] || problems+=("results.json is over 1 MB")
    [ "$(cat "$j/rc")" = 0 ] || problems+=("entrypoint exit status $(cat "$j/rc")")
    # The kit's own table: every test of the lab, hidden ones included,
    # with its points; scores.tsv says which are hidden.
    local max hidden_max hidden_names
    max=$("build/tests/$lab" --list | awk -F'\t' '{m += $2} END {print m + 0}')
    hidden_max=$(awk -F'\t' '$6 == "hidden" {m += $4} END {print m + 0}' "$tsv" 2>/dev/null)
    hidden_names=$(awk -F'\t' '$6 == "hidden" {print $2}' "$tsv" 2>/dev/null)
    local facts
    facts=$(jq -r --argjson max "$max" '
        [.gradable, .score, ([.tests[].max_points] | add), ([.tests[].points] | add),
         ([.tests[] | select(.name == "hidden tests") | .max_points] | add // 0),
         ([.tests[] | select(.points > .max_points)] | length),
         (if ([.tests[].max_points] | add) > 0
          then ((([.tests[].points] | add) / ([.tests[].max_points] | add) - .score) | fabs < 1e-9) else false end)]
        | map(tostring) | join(" ")' "$r" 2>&1)
    local g score tmax tgot hmax over consistent
    read -r g score tmax tgot hmax over consistent <<<"$facts"
    [ "$g" = true ] || problems+=("gradable is $g")
    [ "$tmax" = "$max" ] || problems+=("the tests' max_points add up to $tmax, the lab's table to $max (hidden tests' points must count)")
    [ "$consistent" = true ] || problems+=("score $score is not the tests' points over their max_points ($tgot/$tmax)")
    [ "$over" = 0 ] || problems+=("$over test(s) with more points than max_points")
    if [ -n "$hidden_names" ]; then
        [ "$hmax" = "$hidden_max" ] || problems+=("hidden tests' line has max_points $hmax, want $hidden_max")
        local h
        for h in $hidden_names; do
            grep -qF "$h" "$r" && problems+=("hidden test $h is named in results.json")
        done
    else
        problems+=("$tsv: no hidden test graded (lab $lab has hidden tests?)")
    fi
    case $want in
    full) [ "$score" = 1 ] || problems+=("score $score, want 1 (full marks)") ;;
    low) awk -v s="$score" 'BEGIN {exit !(s <= 0.3)}' || problems+=("score $score, want a low score (at most 0.3)") ;;
    esac
    if [ ${#problems[@]} -eq 0 ]; then
        ok "$name: PrairieLearn job graded in $(cat "$j/ms") ms: score $score ($tgot/$tmax points, $hidden_max of them in hidden tests shown as one line, unnamed); results.json valid"
    else
        bad "$name ($lab)"
        printf '%s\n' "${problems[@]}" | evidence 16
        # (Which tests lost points, when all should pass: a flake must be
        # findable from make test's log alone.)
        [ "$want" = low ] ||
            jq -c '.tests[]? | select(.points < .max_points) | {name, points, output: (.output // "" | .[0:300])}' "$r" 2>/dev/null | evidence 6
    fi
}

check_job skeleton-01 01-pipe low
for l in "${labs[@]}"; do
    [ "$l" = 01-pipe ] || { [ -f "tests/hidden/$l.c" ] || continue; }
    check_job "solution-$l" "$l" full
done
# Labs without hidden tests: full marks and a valid file are checked alone.
for l in "${labs[@]}"; do
    [ -f "tests/hidden/$l.c" ] && continue
    r=$b/job-solution-$l/grade/results/results.json
    if validate "$schema/results.schema.json" "$r" >"$b/job-solution-$l/schema.log" 2>&1 &&
        [ "$(jq -r '[.gradable, .score] | map(tostring) | join(" ")' "$r")" = "true 1" ]; then
        ok "solution-$l: PrairieLearn job graded in $(cat "$b/job-solution-$l/ms") ms: score 1 (no hidden tests); results.json valid"
    else
        bad "solution-$l: want gradable true, score 1, a valid results.json"
        { cat "$b/job-solution-$l/schema.log"; jq -c '{gradable, score, message}' "$r" 2>&1; tail -5 "$b/job-solution-$l/entrypoint.log"; } | evidence
    fi
done
check_job fallback-01 01-pipe full
grep -q 'fallback' "$b/job-fallback-01/grade/results/results.json" 2>/dev/null ||
    { bad "fallback-01: the results do not say the box's fallback graded it"; jq -r .output "$b/job-fallback-01/grade/results/results.json" 2>&1 | evidence 4; }

r=$b/job-budget-01/grade/results/results.json
if [ -s "$r" ] && validate "$schema/results.schema.json" "$r" >"$b/job-budget-01/schema.log" 2>&1 &&
    [ "$(cat "$b/job-budget-01/ms")" -lt 40000 ] && [ "$(jq -r '.gradable' "$r")" = true ] &&
    jq -e '[.tests[] | select(.output | startswith("not run:"))] | length > 0' "$r" >/dev/null; then
    ok "a submission slower than the question's 40 s timeout: graded and reported in $(cat "$b/job-budget-01/ms") ms (score $(jq -r .score "$r"), tests not run say so); results.json valid"
else
    bad "a submission slower than the question's 40 s timeout: want a valid results.json, gradable, tests 'not run', within 40 s (took $(cat "$b/job-budget-01/ms" 2>/dev/null) ms)"
    { cat "$b/job-budget-01/schema.log" 2>/dev/null; jq -c '{gradable, score, message}' "$r" 2>&1; tail -3 "$b/job-budget-01/entrypoint.log"; } | evidence
fi

r=$b/job-misconfigured/grade/results/results.json
if [ -s "$r" ] && validate "$schema/results.schema.json" "$r" >"$b/job-misconfigured/schema.log" 2>&1 &&
    [ "$(jq -r '.gradable' "$r")" = false ] && jq -e '.message | test("99-none")' "$r" >/dev/null; then
    ok "a question naming a lab the image lacks: results.json with gradable false and why ($(jq -r '.message' "$r" | cut -c1-60)...)"
else
    bad "a question naming a lab the image lacks: want a valid results.json, gradable false, a message naming 99-none"
    { cat "$b/job-misconfigured/schema.log" 2>/dev/null; cat "$r" 2>&1; } | evidence
fi

# ---- nothing left behind ------------------------------------------------------
# The boxes' uids (each runner.log names its own): no process, System V
# object or file in the shared places may remain of any of them; and no
# process of this check's own (an entrypoint, a grader) still runs.
problems=()
uids=$(cat "$b"/job-*/image/ipckit/build/grade/*/*/runner.log 2>/dev/null | grep -o 'uid [0-9]*' | cut -d' ' -f2 | sort -u)
procs=$(ps -e -o uid=,pid=,args= 2>/dev/null)
ipc=$(ipcs -a 2>/dev/null)
for uid in $uids; do
    awk -v u="$uid" '$1 == u' <<<"$procs" | grep -q . && problems+=("a process of uid $uid remains")
    awk -v u="$uid" '$3 == u || $4 == u' <<<"$ipc" | grep -q . && problems+=("an IPC object of uid $uid remains")
    f=$(find /tmp /var/tmp /dev/shm /dev/mqueue -maxdepth 2 -uid "$uid" 2>/dev/null | head -3)
    [ -z "$f" ] || problems+=("files of uid $uid remain: $f")
done
left=$(awk -v me=$$ '$2 != me' <<<"$procs" | grep -F "$kit/$b/" | grep -v ' ps -e ' | head -3)
[ -z "$left" ] || problems+=("processes still run: $left")
[ -n "$uids" ] || problems+=("no runner.log names a box's uid (nothing graded?)")
ms=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
if [ ${#problems[@]} -eq 0 ]; then
    ok "nothing left behind (no process, IPC object or file of the boxes' uids); the check took $((ms / 1000)).$(printf '%03d' $((ms % 1000)) | cut -c1) s"
else
    bad "left behind (the check took $((ms / 1000)) s)"
    printf '%s\n' "${problems[@]}" | evidence
fi
[ $fails -eq 0 ]
