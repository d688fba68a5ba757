#!/usr/bin/env bash
# export-github-classroom.sh - make test's check of the GitHub Classroom
# export (tests/export/github-classroom/): the workflow it writes is what
# GitHub Classroom documents, and running it as a runner would grades the
# solutions with full points and the skeletons with few.
#
# usage: tests/kit/export-github-classroom.sh
#        (as root, from the kit's top folder, after make -s tests;
#        EXPORT_LABS="01-pipe 04-fifo ..." grades those solutions, in the
#        box's fallback, instead of 01-pipe's alone; EXPORT_LABS=all runs
#        the workflow as written, every lab's solution in the box: how
#        long a push's run takes)
#
# GitHub Actions cannot run here, so this check is the runner: it builds the
# export (tests/export/package.sh github-classroom), validates the workflow
# (python3 yaml) against the schema written from GitHub's workflow syntax
# and the Classroom actions' documented inputs, then copies the student
# template to a throw-away workspace (GITHUB_WORKSPACE: what
# actions/checkout leaves), puts a submission in labs/ and runs the steps in
# order as the runner does: a run step as "bash -e" in the workspace with
# its timeout-minutes (a failed step skips the rest), a command grader step
# as its source does (sh -c, only PATH and HOME in the environment, its
# timeout; the base64 JSON "result" output), and the reporter's sum
# (maxPoints over the results with a max_score, totalPoints over their
# tests).  Steps run as root here; sudo is a stand-in that, like sudo, keeps
# only the variables --preserve-env names.  The grade step reads GRADE_LABS:
# set here, so only a few labs are graded (the workflow written, without it,
# grades every lab).  Two runs, side by side: the solutions of EXPORT_LABS
# (default 01-pipe) with KIT_BOX_MODE=fallback (a runner or container that
# forbids namespaces), full points for their tests; the skeleton of 01-pipe
# in the box, a low score.  Every file written validates against its schema
# in tests/export/github-classroom/schema/.
#
# Prints "ok   ..." or "FAIL ..." (with indented evidence) per item; exits 1
# if any FAIL.  Works only in build/export-github-classroom/.
set -uo pipefail
kit=$(cd "$(dirname "$0")/../.." && pwd)
cd "$kit" || exit 2
[ "$(id -u)" -eq 0 ] || { echo "export-github-classroom: run as root" >&2; exit 2; }
t0=$(date +%s)
b=build/export-github-classroom
schema=tests/export/github-classroom/schema
failed=0
ok() { echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
evidence() { sed -e 's/^/     /' | head -"${1:-12}"; }
read -r -a sol_labs <<<"${EXPORT_LABS:-01-pipe}"
skel_lab=01-pipe

rm -rf "$b"
mkdir -p "$b/bin" "$b/tmp"

# ---- the export -----------------------------------------------------------
# (TMPDIR: tests/export/package.sh makes a folder with mktemp before it
# hands over to the platform's package.sh with exec, so its trap never
# removes it; made here, it goes with $b.)
if ! TMPDIR=$kit/$b/tmp tests/export/package.sh github-classroom "$b/out" >"$b/package.log" 2>&1; then
    bad "package.sh github-classroom failed"
    evidence <"$b/package.log"
    exit 1
fi
wf=$b/out/.github/workflows/classroom.yml
tpl=$b/out/student-template
if cmp -s "$wf" "$tpl/.github/workflows/classroom.yml"; then
    ok "make github-classroom: the workflow, alone and in student-template/ ($(tail -1 "$b/package.log" | grep -o '[0-9]* labs, [0-9]* tests, [0-9]* points'))"
else
    bad "student-template/.github/workflows/classroom.yml is missing or differs from .github/workflows/classroom.yml"
fi

# Every test the kit has, public or not: lab, test, points, public|hidden.
for bin in build/tests/[0-9][0-9]-*; do
    case $bin in *.o | *.d) continue ;; esac
    [ -f "$bin" ] && [ -x "$bin" ] || continue
    l=${bin##*/}
    "$bin" --list-public | cut -f1 >"$b/public.tmp"
    "$bin" --list | awk -F'\t' -v lab="$l" -v pub="$b/public.tmp" '
        BEGIN { while ((getline t < pub) > 0) p[t] = 1 }
        { print lab "\t" $1 "\t" $2 "\t" (($1 in p) ? "public" : "hidden") }'
done >"$b/kit-tests.tsv"
rm -f "$b/public.tmp"

# The workflow against its schema, and against the kit's tables: written
# by python3 (yaml, jsonschema) into steps.tsv (kind, id, lab, test,
# points, timeout) for the runs below.
if python3 - "$wf" "$schema/workflow.schema.json" "$b/kit-tests.tsv" "$b/steps.tsv" >"$b/validate.log" 2>&1 <<'PY'; then
import json, re, sys, yaml, jsonschema
wf_path, schema_path, kit_path, out_path = sys.argv[1:]
wf = yaml.safe_load(open(wf_path))
errors = sorted(jsonschema.Draft202012Validator(json.load(open(schema_path))).iter_errors(wf),
                key=lambda e: list(e.path))
for e in errors[:5]:
    print("schema: at %s: %s" % ("/".join(map(str, e.path)), e.message[:300]))
if errors:
    sys.exit(1)
bad = []
job = wf["jobs"]["run-autograding-tests"]
steps = job["steps"]
kit = [l.rstrip("\n").split("\t") for l in open(kit_path)]
public = {(l, t): int(p) for l, t, p, v in kit if v == "public"}
hidden = {(l, t) for l, t, p, v in kit if v == "hidden"}
tests, rows = {}, []
for s in steps:
    u = s.get("uses", "")
    if u.startswith("classroom-resources/autograding-command-grader"):
        w = s["with"]
        m = re.match(r"^([0-9][0-9]-[a-z0-9]+)/([A-Za-z_][A-Za-z0-9_]*): ", w["test-name"])
        if not m:
            bad.append("test step %s: test-name %r names no LAB/TEST" % (s["id"], w["test-name"]))
            continue
        key = (m.group(1), m.group(2))
        # The command must look up this very test, or a step could pass
        # on another test's points.
        if w["command"] != "grep -qxF '%s/%s' build/passed" % key:
            bad.append("test step %s: its command does not look up %s/%s" % ((s["id"],) + key))
        if key in tests:
            bad.append("test %s/%s has two steps" % key)
        tests[key] = w["max-score"]
        rows.append(("test", s["id"], key[0], key[1], str(w["max-score"]), str(w["timeout"] * 60)))
    elif "run" in s:
        rows.append(("run", s.get("id", "-"), "-", "-", "0", str(s["timeout-minutes"] * 60)))
for key in sorted(set(public) - set(tests)):
    bad.append("public test %s/%s has no step" % key)
for key in sorted(set(tests) & hidden):
    bad.append("hidden test %s/%s has a step (the student edition has no hidden tests)" % key)
for key in sorted(set(tests) - set(public) - hidden):
    bad.append("step for %s/%s, a test the kit does not have" % key)
for key in sorted(set(tests) & set(public)):
    if tests[key] != public[key]:
        bad.append("%s/%s: max-score %d, the kit's table says %d" % (key + (tests[key], public[key])))
# The reporter: after every test, reading each test's result.
ids = [r[1] for r in rows if r[0] == "test"]
rep = [s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-grading-reporter")]
if len(rep) != 1 or steps[-1] is not rep[0]:
    bad.append("not one reporter step, last")
else:
    runners = [r for r in re.split(r"[\s,]", rep[0]["with"]["runners"]) if r]
    if runners != ids:
        bad.append("the reporter's runners are not the test steps' ids, in order")
    want = {i.upper() + "_RESULTS": "${{steps.%s.outputs.result}}" % i for i in ids}
    got = {k: re.sub(r"\s", "", v) for k, v in rep[0]["env"].items()}
    if got != want:
        bad.append("the reporter's env is not <ID>_RESULTS: ${{steps.<id>.outputs.result}} for each test step")
# The written workflow grades every lab: nothing sets GRADE_LABS.
envs = [job.get("env", {})] + [s.get("env", {}) for s in steps]
if any("GRADE_LABS" in e for e in envs):
    bad.append("the workflow sets GRADE_LABS: it must grade every lab")
budget = int(job.get("env", {}).get("KIT_SUBMISSION_BUDGET", 1800))
grade = [s for s in steps if s.get("id") == "grade"]
if not grade or grade[0]["timeout-minutes"] * 60 < budget + 120:
    bad.append("the grade step's timeout-minutes leaves no room after the grading budget (%d s)" % budget)
for m in bad[:10]:
    print(m)
open(out_path, "w").write("".join("\t".join(r) + "\n" for r in rows))
print("%d test steps, %d points; %d hidden tests left out" % (len(ids), sum(tests.values()), len(hidden)))
sys.exit(1 if bad else 0)
PY
    ok "classroom.yml validates against schema/workflow.schema.json and has one step per public test with the kit's points ($(tail -1 "$b/validate.log"))"
else
    bad "classroom.yml: schema or the kit's tables"
    evidence <"$b/validate.log"
fi

# The template is the student edition: no solutions, hidden tests,
# variants or self-test.
leak=$(cd "$tpl" && ls -d solutions tests/hidden tests/bugs tests/kit tests/adversarial 2>/dev/null)
if [ -z "$leak" ] && grep -qx 'EDITION := student' "$tpl/mk/edition.mk" 2>/dev/null; then
    ok "student-template/ is the student edition: no solutions, no hidden tests, no variants"
else
    bad "student-template/ is not the student edition"
    { echo "$leak"; cat "$tpl/mk/edition.mk" 2>&1; } | evidence
fi

# ---- the runner -------------------------------------------------------------
# sudo as a runner's: root already, it runs the command with a reset
# environment that keeps only what --preserve-env names.
cat >"$b/bin/sudo" <<'EOF'
#!/bin/bash
keep=()
while [ $# -gt 0 ]; do
    case $1 in
    --preserve-env=*) IFS=, read -r -a names <<<"${1#*=}"
        for n in "${names[@]}"; do [ -n "${!n+x}" ] && keep+=("$n=${!n}"); done; shift ;;
    -n) shift ;;
    --) shift; break ;;
    -*) echo "sudo stand-in: option $1 not known" >&2; exit 1 ;;
    *) break ;;
    esac
done
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LOGNAME=root USER=root ${keep[@]+"${keep[@]}"} "$@"
EOF
chmod 755 "$b/bin/sudo"

# runwf NAME [VAR=VALUE...]: run the workflow in $b/NAME/ws (the workspace
# already holds the submission), the variables given to the run steps;
# writes $b/NAME/steps.tsv (id, outcome, seconds), $b/NAME/results/ID.json
# (each test step's result, decoded), $b/NAME/report.json (the reporter's
# sums) and $b/NAME/log (every step's output).
runwf() {
    local name=$1
    shift
    python3 - "$wf" "$b/$name" "$kit/$b/bin" "$@" >"$b/$name/log" 2>&1 <<'PY'
import base64, concurrent.futures, json, os, re, signal, subprocess, sys, time, yaml
wf_path, out, shim = sys.argv[1:4]
out = os.path.abspath(out)
extra = dict(a.split("=", 1) for a in sys.argv[4:])
ws = os.path.abspath(os.path.join(out, "ws"))
os.makedirs(os.path.join(out, "results"), exist_ok=True)
job = yaml.safe_load(open(wf_path))["jobs"]["run-autograding-tests"]
path = shim + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
base = {"PATH": path, "HOME": "/root", "LANG": "C.UTF-8", "CI": "true",
        "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "RUNNER_OS": "Linux"}
base.update({k: str(v) for k, v in job.get("env", {}).items()})
outputs, rows, done = {}, [], True

def run(argv, env, secs):
    """argv in the workspace, in a process group of its own, killed at secs."""
    p = subprocess.Popen(argv, cwd=ws, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return p.wait(timeout=secs)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        return "timeout"

def expand(v):
    # The one expression the workflow uses: a step's output.
    return re.sub(r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}",
                  lambda m: outputs.get(m.group(1), {}).get(m.group(2), ""), str(v))

def grader(sid, w):
    """A command grader step, as its source does: execSync (sh -c) of
    setup-command, then of command, with only these variables and the
    timeout in minutes; passing earns max-score.  The step itself succeeds
    either way: the reporter judges."""
    t = time.time()
    env = {"PATH": path, "HOME": "/root", "FORCE_COLOR": "true",
           "DOTNET_CLI_HOME": "/tmp", "DOTNET_NOLOGO": "true"}
    secs = float(w.get("timeout", 10)) * 60
    mx = int(w.get("max-score", 0))
    rc = 0
    if w.get("setup-command"):
        rc = run(["/bin/sh", "-c", w["setup-command"]], env, secs)
    if rc == 0:
        rc = run(["/bin/sh", "-c", w["command"]], env, secs)
    status = "pass" if rc == 0 else ("error" if rc == "timeout" else "fail")
    msg = "" if rc == 0 else ("Command timed out" if rc == "timeout" else "failed with exit code 1")
    res = {"version": 1, "status": status, "max_score": mx,
           "tests": [{"name": w["test-name"], "status": status, "score": mx if status == "pass" else 0,
                      "message": msg, "test_code": w["command"], "filename": "", "line_no": 0,
                      "duration": int((time.time() - t) * 1000)}]}
    return sid, base64.b64encode(json.dumps(res).encode()).decode(), round(time.time() - t, 2)

steps = job["steps"]
n = 0
while n < len(steps):
    s = steps[n]
    sid = s.get("id", "step%d" % n)
    uses = s.get("uses", "")
    t = time.time()
    if not done:
        rows.append((sid, "skipped", 0))
        n += 1
        continue
    print("== %s: %s" % (sid, s.get("name", "")), flush=True)
    if uses.startswith("classroom-resources/autograding-command-grader@"):
        # A run of test steps: each only reads build/results.json and
        # sets its own output, so four run at once here (the runner runs
        # them one by one; the outcome is the same, in a quarter of the time).
        batch = []
        while n < len(steps) and steps[n].get("uses", "").startswith("classroom-resources/autograding-command-grader@"):
            batch.append((steps[n]["id"], steps[n]["with"]))
            n += 1
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for gid, result, secs in pool.map(lambda a: grader(*a), batch):
                outputs[gid] = {"result": result}
                rows.append((gid, "success", secs))
        rows.append(("test-steps", "success", round(time.time() - t, 1)))
        continue
    n += 1
    if uses.startswith("actions/checkout@"):
        outcome = "success"          # the workspace is the checkout
    elif "run" in s:
        script = os.path.join(out, "step-%s.sh" % sid)
        open(script, "w").write(s["run"])
        env = dict(base, **{k: str(v) for k, v in s.get("env", {}).items()}, **extra)
        rc = run(["bash", "-e", script], env, s["timeout-minutes"] * 60)
        outcome = "success" if rc == 0 else "failure (%s)" % rc
    elif uses.startswith("classroom-resources/autograding-grading-reporter@"):
        # As its source does: each runner's <ID>_RESULTS, base64 JSON;
        # the points over results with a max_score; fails on fail/error.
        env = {k: expand(v) for k, v in s.get("env", {}).items()}
        total = mx = 0
        statuses = []
        for r in [r for r in re.split(r"[\s,]", s["with"]["runners"]) if r]:
            res = json.loads(base64.b64decode(env[r.strip().upper() + "_RESULTS"]))
            open(os.path.join(out, "results", r + ".json"), "w").write(json.dumps(res))
            statuses.append(res["status"])
            if res.get("max_score"):
                mx += res["max_score"]
                total += sum(x["score"] for x in res["tests"])
        json.dump({"totalPoints": total, "maxPoints": mx,
                   "failed": any(x in ("fail", "error") for x in statuses)},
                  open(os.path.join(out, "report.json"), "w"))
        print("Points %d/%d" % (total, mx))
        outcome = "success"
    else:
        outcome = "failure (unknown action %s)" % uses
    rows.append((sid, outcome, round(time.time() - t, 1)))
    done = outcome == "success"
open(os.path.join(out, "steps.tsv"), "w").write("".join("%s\t%s\t%s\n" % r for r in rows))
PY
}

# submit NAME TREE LAB...: a fresh workspace for run NAME, the template
# with TREE's files of each LAB (solutions or labs) in labs/.
submit() {
    local name=$1 tree=$2 l f
    shift 2
    mkdir -p "$b/$name"
    cp -a "$tpl" "$b/$name/ws"
    for l in "$@"; do
        for f in $("build/tests/$l" --files); do
            # NN-topic/FILE is another lab's file (lab 15 builds lab 09's).
            case $f in */*) ;; *) f=$l/$f ;; esac
            cp "$tree/$f" "$b/$name/ws/labs/$f" || return 1
        done
    done
}

# points LAB...: the public points of those labs (the kit's tables).
points() {
    local l
    for l in "$@"; do awk -F'\t' -v lab="$l" '$1 == lab && $4 == "public" {s += $3} END {print s + 0}' "$b/kit-tests.tsv"; done |
        awk '{s += $1} END {print s + 0}'
}

# check_run NAME WHAT "LAB...": the checks every run shares: the set-up steps
# succeeded, every file written validates, and the workspace's own test
# programs list what the workflow's steps say.  Prints the run's points.
check_run() {
    local name=$1 what=$2 d=$b/$1
    if awk -F'\t' '$2 != "success" {bad = 1} END {exit bad}' "$d/steps.tsv" 2>/dev/null && [ -s "$d/report.json" ]; then
        ok "$what: every step ran, as the runner would run it ($(awk -F'\t' '
            $1 == "grade" {g = $3} $1 ~ /^t[0-9]/ {n++; s += $3} $1 == "test-steps" {w = $3}
            END {printf "grade step %s s; %d test steps %.1f s, %.1f s of wall time 4 at a time", g, n, s, w}' \
            "$d/steps.tsv"))"
    else
        bad "$what: a step failed or the reporter did not run"
        local first
        first=$(awk -F'\t' '$2 != "success" {print $1; exit}' "$d/steps.tsv" 2>/dev/null)
        { grep -v -P '\tsuccess\t' "$d/steps.tsv" | head -2
          awk -v id="== $first:" 'index($0, id) == 1 {on = 1} on' "$d/log" | tail -15; } | evidence 20
    fi
    if python3 - "$d" "$schema" >"$d/validate.log" 2>&1 <<'PY'; then
import glob, json, os, sys, jsonschema
d, schema = sys.argv[1:]
bad = 0
for path, sch in [(os.path.join(d, "ws/build/results.json"), "results.schema.json")] + \
        [(p, "grader-result.schema.json") for p in sorted(glob.glob(os.path.join(d, "results/*.json")))]:
    v = jsonschema.Draft202012Validator(json.load(open(os.path.join(schema, sch))))
    for e in list(v.iter_errors(json.load(open(path))))[:2]:
        bad += 1
        print("%s: at %s: %s" % (path, "/".join(map(str, e.path)), e.message[:300]))
print("%d files" % len(glob.glob(os.path.join(d, "results/*.json"))))
sys.exit(1 if bad else 0)
PY
        ok "$what: build/results.json and every test step's result validate against their schemas ($(tail -1 "$d/validate.log"))"
    else
        bad "$what: a file written does not validate"
        evidence <"$d/validate.log"
    fi
    # build/passed: the tests with all their points in results.json, and
    # only those.
    if diff <(jq -r '.tests[] | select(.score == .max_score) | .name' "$d/ws/build/results.json" 2>&1 |
        sed 's/: .*//') "$d/ws/build/passed" >"$d/passed.diff" 2>&1 &&
        ! grep -q -v -E '^[0-9][0-9]-[a-z0-9]+/[A-Za-z_][A-Za-z0-9_]*$' "$d/ws/build/passed"; then
        ok "$what: build/passed names the tests with all their points in build/results.json" \
            "($(grep -c . "$d/ws/build/passed") of $(jq '.tests | length' "$d/ws/build/results.json"))"
    else
        bad "$what: build/passed is not the tests with all their points in build/results.json"
        evidence <"$d/passed.diff"
    fi
    # The test programs the workflow built in the workspace (the student
    # edition's) list the tests and points the workflow's steps give.
    local l diffs=""
    for l in $3; do
        if [ ! -x "$d/ws/build/tests/$l" ]; then
            diffs+=" $l (not built)"
        elif ! diff <("$d/ws/build/tests/$l" --list | cut -f1,2) \
            <(awk -F'\t' -v lab="$l" '$3 == lab {print $4 "\t" $5}' "$b/steps.tsv") >/dev/null; then
            diffs+=" $l"
        fi
    done
    if [ -z "$diffs" ]; then
        ok "$what: the student edition's own test programs (build/tests/NN-topic --list) list the workflow's tests and points"
    else
        bad "$what: the workflow's steps differ from the student edition's --list:$diffs"
    fi
}

# The two runs, side by side (each in its own workspace): the solutions of
# EXPORT_LABS in the box's fallback (a runner whose namespaces are
# forbidden, as a container's may be: the harder case, where the student's
# programs run as a uid of their own beside the kit made root-only), and the
# skeleton of 01-pipe in the box (where this machine makes one).  (The
# fallback runs a lab's tests one at a time, about 1.5 s each: 01-pipe alone
# by default.)
ran=()
start() { # start NAME TREE LABS VAR=VALUE...: a workspace, then the run
    local name=$1 tree=$2 labs=$3
    shift 3
    # shellcheck disable=SC2086 # LABS is a list
    if submit "$name" "$tree" $labs; then
        runwf "$name" "$@" &
        ran+=("$name")
    else
        bad "could not put the files of $tree for $labs in a workspace"
    fi
}
if [ "${sol_labs[*]}" = all ]; then
    # The workflow exactly as written (no GRADE_LABS), on every solution,
    # in the box: to measure a push's run (not part of make test).
    read -r -a sol_labs <<<"$(cut -f1 "$b/kit-tests.tsv" | sort -u | paste -sd' ' -)"
    start sol solutions "${sol_labs[*]}"
    sol_mode=box
else
    start sol solutions "${sol_labs[*]}" GRADE_LABS="$(IFS=,; echo "${sol_labs[*]}")" KIT_BOX_MODE=fallback
    sol_mode=fallback
fi
start skel labs "$skel_lab" GRADE_LABS="$skel_lab"
wait

# full NAME WHAT LABS: the run's labs' tests all pass with all their
# points; the steps of the labs not graded fail, and the reporter's
# maximum is still every lab's.
full() {
    local name=$1 what=$2 labs=$3 d=$b/$1 re want all got failing others n
    want=$(points $labs)
    all=$(points $(cut -f1 "$b/kit-tests.tsv" | sort -u))
    got=$(jq -r '"\(.totalPoints)/\(.maxPoints)"' "$d/report.json" 2>/dev/null)
    # The test steps' results: graded labs' tests that did not pass, and
    # other labs' tests that did (one jq over every result).
    re="^(${labs// /|})/"
    jq -r '"\(.status)\t\(.tests[0].name)"' "$d/results/"*.json >"$d/outcomes.tsv" 2>&1
    failing=$(awk -F'\t' -v re="$re" '$1 != "pass" && $2 ~ re {print $2}' "$d/outcomes.tsv" | head -5)
    others=$(awk -F'\t' -v re="$re" '$1 == "pass" && $2 !~ re {print $2}' "$d/outcomes.tsv" | head -3)
    n=$(grep -c . "$d/outcomes.tsv")
    if [ "$got" = "$want/$all" ] && [ -z "$failing" ] && [ -z "$others" ]; then
        ok "$what: the reporter's points $got: every test of those labs, no other"
    else
        bad "$what: the reporter's points $got, want $want/$all"
        { echo "$n results; failed:"; echo "$failing"; echo "passed, not graded:"; echo "$others"
          jq -r '.tests[] | select(.score < .max_score) | "\(.name): \(.output)"' "$d/ws/build/results.json" 2>&1 | cut -c1-300
          tail -20 "$d/log"; } | evidence 30
    fi
}

if [[ " ${ran[*]} " == *" sol "* ]]; then
    what="solutions of ${sol_labs[*]}, KIT_BOX_MODE=$sol_mode"
    [ ${#sol_labs[@]} -gt 3 ] && what="solutions of ${#sol_labs[@]} labs, KIT_BOX_MODE=$sol_mode"
    check_run sol "$what" "${sol_labs[*]}"
    if [ $sol_mode = box ] || grep -q 'box: fallback as root' "$b/sol/log"; then
        full sol "$what$([ $sol_mode = fallback ] && echo " (the report says the fallback ran them)")" "${sol_labs[*]}"
    else
        bad "$what: the grader's report names no fallback"
        grep 'box:' "$b/sol/log" | evidence
    fi
fi
if [[ " ${ran[*]} " == *" skel "* ]]; then
    check_run skel "skeleton of $skel_lab" "$skel_lab"
    max=$(points "$skel_lab")
    got=$(jq -r .totalPoints "$b/skel/report.json" 2>/dev/null)
    # (In the box where this machine makes one; make test may run where
    # none can be made, and the fallback was checked above.)
    where=box
    grep -q 'box: bubblewrap' "$b/skel/log" || where="no box here: the fallback"
    if [ -n "$got" ] && [ "$got" -lt $((max / 4)) ]; then
        ok "skeleton of $skel_lab ($where): the reporter's points $got of $max, under a quarter"
    else
        bad "skeleton of $skel_lab ($where): the reporter's points ${got:-none} of $max (want under $((max / 4)))"
        { grep -m2 'box:' "$b/skel/log"; tail -10 "$b/skel/log"; } | evidence
    fi
fi

if [ $failed -eq 0 ]; then
    ok "the GitHub Classroom export ($(($(date +%s) - t0)) s)"
else
    echo "FAIL the GitHub Classroom export: $failed item(s) ($(($(date +%s) - t0)) s)"
fi
[ $failed -eq 0 ]
