#!/usr/bin/env bash
# export-autolab.sh - make test's check of the Autolab export (make
# autolab, tests/export/autolab/): it grades as Autolab would.
#
# usage: tests/kit/export-autolab.sh   (from the kit's top folder, as
#        root, after make -s tests; EXPORT_LABS="01-pipe 04-fifo ..."
#        grades those labs' solutions too)
#
# The contract it plays (https://docs.autolabproject.com/lab/,
# "Installing Autograded Labs", step 3): for each submission Tango copies
# the student's file, renamed to the assessment's handin_filename,
# autograde.tar and autograde-Makefile, renamed Makefile, into an empty
# directory, runs `make` there with stdout and stderr in one file
# (Tango's autodriver), and reads the last line as the autoresult.  Here
# that directory is a throw-away job folder under build/export-autolab/
# (AUTOLAB_JOB_DIR, the root autograde.sh takes from the environment).
# Checked:
#   - every lab's labNN-topic.yml validates against
#     tests/export/autolab/schema/assessment.schema.json, its problems are
#     the lab's public tests plus hidden_tests with the kit's points, and
#     its import tarball is one folder named after the assessment;
#   - the Makefile's fallback line of zeros is a valid autoresult;
#   - 01-pipe's solution (and EXPORT_LABS' ones) handed in as handin.tar:
#     the last line validates against schema/autoresult.schema.json, names
#     exactly the .yml's problems, and gives every point, hidden_tests
#     included; no hidden test's name or text appears in the output;
#   - 01-pipe's skeleton (labs/01-pipe): a low score, same checks;
#   - the solution again with KIT_BOX_MODE=fallback (a container that
#     forbids namespaces): full marks, and the report says the fallback ran;
#   - a hanging submission with a 1 s budget left by the assessment's timeout:
#     the grader stops the grading itself, the report says so, and the
#     scores line still ends the output before Tango's kill would come;
#   - nothing of the jobs is left running.
# Prints "ok   ..." or "FAIL ..." (with a few indented lines of evidence)
# per item; exit status 1 if any failed.
set -uo pipefail
kit=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
cd "$kit" || exit 2
b=build/export-autolab
schema=tests/export/autolab/schema
t0=$SECONDS
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
evidence() { head -n "${1:-8}" | sed 's/^/     /'; }

rm -rf "$b" && mkdir -p "$b/jobs" || exit 2
if ! tests/export/package.sh autolab "$b/out" >"$b/package.log" 2>&1; then
    bad "make autolab (tests/export/package.sh autolab) failed"
    evidence <"$b/package.log"
    exit 1
fi

# ---- the files the export writes -------------------------------------------
# Each lab's .yml against the schema and against the kit's own table of
# tests (build/tests/NN-topic --tables: the public ones first), the
# Makefile's zero line against the autoresult schema, the import tarball's
# layout.
for d in "$b"/out/[0-9][0-9]-*/; do
    lab=${d%/} lab=${lab##*/}
    "build/tests/$lab" --tables "$b/out/.$lab" || bad "build/tests/$lab --tables"
    tar -tf "$b/out/lab$lab.tar" >"$b/out/.$lab.members" 2>&1
done
if python3 - "$b/out" "$schema" >"$b/files.log" 2>&1 <<'EOF'; then
import glob, json, os, re, sys
import jsonschema, yaml
out, schema = sys.argv[1], sys.argv[2]
asm = jsonschema.Draft202012Validator(json.load(open(f"{schema}/assessment.schema.json")))
res = jsonschema.Draft202012Validator(json.load(open(f"{schema}/autoresult.schema.json")))
bad = []
labs = sorted(os.path.basename(p) for p in glob.glob(f"{out}/[0-9][0-9]-*"))
for lab in labs:
    name = "lab" + lab
    files = sorted(os.listdir(f"{out}/{lab}"))
    want = sorted(["autograde-Makefile", "autograde.tar", name + ".yml"])
    if files != want:
        bad.append(f"{lab}: files {files}, want {want}")
        continue
    doc = yaml.safe_load(open(f"{out}/{lab}/{name}.yml"))
    for e in asm.iter_errors(doc):
        bad.append(f"{lab}/{name}.yml: {'/'.join(map(str, e.absolute_path))}: {e.message}")
    if doc["general"]["name"] != name:
        bad.append(f"{lab}: general.name {doc['general']['name']!r}, want {name!r}")
    rows = [l.rstrip("\n").split("\t") for l in open(f"{out}/.{lab}.list")]
    npub = sum(1 for _ in open(f"{out}/.{lab}.public"))
    want_p = [(r[0], int(r[1])) for r in rows[:npub]]
    if len(rows) > npub:
        want_p.append(("hidden_tests", sum(int(r[1]) for r in rows[npub:])))
    got_p = [(p["name"], p["max_score"]) for p in doc["problems"]]
    if got_p != want_p:
        bad.append(f"{lab}: problems {got_p}, want {want_p}")
    mk = open(f"{out}/{lab}/autograde-Makefile").read()
    m = re.search(r"^ZERO = (.*)$", mk, re.M)
    zero = json.loads(m.group(1)) if m else None
    if zero is None or list(res.iter_errors(zero)) or \
            sorted(zero["scores"]) != sorted(n for n, _ in want_p) or any(zero["scores"].values()):
        bad.append(f"{lab}: the Makefile's zero line {m.group(1) if m else None!r}")
    members = sorted(l.strip().rstrip("/") for l in open(f"{out}/.{lab}.members"))
    want_m = sorted([name] + [f"{name}/{f}" for f in want])
    if members != want_m:
        bad.append(f"lab{lab}.tar holds {members}, want {want_m}")
print("\n".join(bad) if bad else f"{len(labs)} labs")
sys.exit(1 if bad else 0)
EOF
    ok "autolab export: $(cat "$b/files.log") - each labNN-topic.yml valid (schema/assessment.schema.json), problems = public tests + hidden_tests at the kit's points, zero line valid, import tarball one folder"
else
    bad "autolab export: files not as Autolab imports them"
    evidence 12 <"$b/files.log"
fi

# ---- jobs, as Tango runs them -------------------------------------------
# job NAME LAB TREE [VAR=VALUE...]: a fresh job folder holding Makefile,
# autograde.tar and handin.tar (TREE/LAB as a student tars it: cd labs &&
# tar -cf handin.tar LAB), then make there, stdout and stderr in one file.
# Its wall time is bounded a little past the lab's autograde_timeout.
job() {
    local name=$1 lab=$2 tree=$3 j=$b/jobs/$1 timeout
    shift 3
    mkdir -p "$j" || return 1
    cp "$b/out/$lab/autograde-Makefile" "$j/Makefile" &&
        cp "$b/out/$lab/autograde.tar" "$j/" || return 1
    local with=("$lab")
    # (Lab 15 builds the student's lab 09 mipc.c: its folder goes too.)
    [ "$lab" = 15-signals ] && with+=(09-mipc)
    tar -cf "$j/handin.tar" -C "$tree" "${with[@]}" || return 1
    # (JOB_TIMEOUT: the assessment's autograde_timeout set lower.)
    [ -n "${JOB_TIMEOUT:-}" ] && sed -i "s/^TIMEOUT = .*/TIMEOUT = $JOB_TIMEOUT/" "$j/Makefile"
    timeout=$(sed -n 's/^TIMEOUT = //p' "$j/Makefile")
    local s=$SECONDS
    # (Tango's make is a first one: none of make test's own MAKEFLAGS.)
    (cd "$j" && exec env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS AUTOLAB_JOB_DIR="$kit/$j" "$@" \
        timeout -k 5 $((timeout + 30)) make) \
        >"$j/output" 2>&1 </dev/null
    echo "$? $((SECONDS - s))" >"$j/status"
}

extra=()
for l in ${EXPORT_LABS:-}; do
    [ "$l" = 01-pipe ] || extra+=("$l")
done
# The four 01-pipe jobs side by side (each is mostly the build of the
# test program and the tests' bounded waits: four at once took 17 s each
# on a busy 2-CPU machine, one after the other would take about 40 s),
# then EXPORT_LABS' two at a time.
job sol 01-pipe solutions &
job skel 01-pipe labs &
job fallback 01-pipe solutions KIT_BOX_MODE=fallback &
# An autograde_timeout of 80 s of which autograde.sh keeps 79 for its own
# margin (AUTOLAB_MARGIN): the grading gets one second whatever the
# machine's speed, must be stopped by the grader itself, and the scores
# line must still come before Tango's kill at 80 s.
# The submission hangs (a buggy variant whose child keeps the pipe's
# write end): the solution itself may finish within that second.
mkdir -p "$b/hang" && cp -r solutions/01-pipe "$b/hang/" &&
    patch -s -p1 -d "$b/hang/01-pipe" <tests/bugs/01-pipe/child_keeps_write_end.patch ||
    bad "cannot make the hanging submission (tests/bugs/01-pipe/child_keeps_write_end.patch)"
JOB_TIMEOUT=80 job tight 01-pipe "$b/hang" AUTOLAB_MARGIN=79 &
wait
running=0
for l in "${extra[@]}"; do
    if [ $running -ge 2 ]; then wait -n; running=$((running - 1)); fi
    job "sol-$l" "$l" solutions &
    running=$((running + 1))
done
wait

# verify NAME LAB WANT: the job's output against the .yml, the schema,
# and the hidden tests (from the kit's own table); WANT is full, low or
# any.  01-pipe must have hidden tests (the check is about them); another
# lab may have none.
verify() {
    local name=$1 lab=$2 want=$3 j=$b/jobs/$1 rc secs
    read -r rc secs <"$j/status" 2>/dev/null || { rc=none secs=?; }
    python3 - "$j/output" "$b/out/$lab/lab$lab.yml" "$b/out/.$lab" "$schema" "$want" "$lab" \
        >"$j/verdict" 2>&1 <<'EOF'
import json, sys
import jsonschema, yaml
output, yml, tables, schema, want, lab = sys.argv[1:7]
lines = open(output, encoding="utf-8", errors="replace").read().splitlines()
doc = yaml.safe_load(open(yml))
maxes = {p["name"]: p["max_score"] for p in doc["problems"]}
rows = [l.rstrip("\n").split("\t") for l in open(tables + ".list")]
npub = sum(1 for _ in open(tables + ".public"))
bad = []
try:
    last = json.loads(lines[-1])
except (IndexError, ValueError) as e:
    print(f"the last line is not JSON ({e}): {lines[-1] if lines else '(no output)'!r}")
    sys.exit(1)
v = jsonschema.Draft202012Validator(json.load(open(f"{schema}/autoresult.schema.json")))
bad += [f"autoresult: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(last)]
scores = last.get("scores", {}) if isinstance(last, dict) else {}
if sorted(scores) != sorted(maxes):
    bad.append(f"problems {sorted(scores)}, the .yml's {sorted(maxes)}")
over = {k: s for k, s in scores.items() if isinstance(s, (int, float)) and s > maxes.get(k, 0)}
if over:
    bad.append(f"above their max_score: {over}")
got = sum(s for s in scores.values() if isinstance(s, (int, float)))
top = sum(maxes.values())
if want == "full" and got != top:
    lost = {k: f"{scores.get(k)}/{m}" for k, m in maxes.items() if scores.get(k) != m}
    bad.append(f"{got}/{top}, want full marks; short: {lost}")
if want == "low" and got * 2 > top:
    bad.append(f"{got}/{top}, want at most half for the skeleton")
if len(rows) > npub:
    hmax = sum(int(r[1]) for r in rows[npub:])
    if maxes.get("hidden_tests") != hmax:
        bad.append(f"hidden_tests max_score {maxes.get('hidden_tests')}, want {hmax}")
    if want == "full" and scores.get("hidden_tests") != hmax:
        bad.append(f"hidden_tests {scores.get('hidden_tests')}, want {hmax} (hidden tests must count)")
    # Autolab shows the whole output: no hidden test's name, what it
    # checks, nor the bug it names.
    text = "\n".join(lines)
    # (grade.sh's Gradescope wording would be untrue: they count now.)
    if "after publication" in text:
        bad.append("the output says hidden tests' results come after publication")
    for r in rows[npub:]:
        for s in r[:1] + r[2:4]:
            if s and s in text:
                bad.append(f"the output shows a hidden test's {s!r}")
elif lab == "01-pipe":
    bad.append("01-pipe has no hidden tests: the check proves nothing about them")
print("\n".join(bad) if bad else f"{got}/{top}")
sys.exit(1 if bad else 0)
EOF
    local st=$?
    if [ "$rc" != 0 ]; then
        bad "$name ($lab): make ended with status $rc after ${secs}s"
        tail -n 6 "$j/output" | evidence 6
    elif [ $st -ne 0 ]; then
        bad "$name ($lab): $(head -1 "$j/verdict")"
        { tail -n +2 "$j/verdict"; tail -n 4 "$j/output"; } | evidence 8
    else
        REPLY="$(cat "$j/verdict") in ${secs}s"
        return 0
    fi
    return 1
}

verify sol 01-pipe full &&
    ok "Autolab job, 01-pipe solution as handin.tar: last line a valid autoresult, the .yml's problems, $REPLY, hidden_tests counted, no hidden test in the output"
verify skel 01-pipe low &&
    ok "Autolab job, 01-pipe skeleton (labs/01-pipe): a low score, $REPLY"
if verify fallback 01-pipe full; then
    if grep -q '^ *box: fallback' "$b/jobs/fallback/output"; then
        ok "Autolab job with KIT_BOX_MODE=fallback (no namespaces): $REPLY, and the report says the fallback ran"
    else
        bad "KIT_BOX_MODE=fallback: the report does not say the fallback ran"
        grep 'box:' "$b/jobs/fallback/output" | evidence 4
    fi
fi
if verify tight 01-pipe any; then
    read -r _ secs <"$b/jobs/tight/status"
    if [ "$secs" -lt 80 ] && grep -q "budget ran out" "$b/jobs/tight/output"; then
        ok "Autolab job left a 1 s budget by its autograde_timeout (80 s): the grader stopped itself, said why, and printed the scores line ($REPLY, before Tango's kill)"
    else
        bad "autograde_timeout 80 s, 1 s budget: took ${secs}s, or the report does not say the budget ran out"
        grep -i -e budget -e 'not run' "$b/jobs/tight/output" | evidence 4
    fi
fi
for l in "${extra[@]}"; do
    [ -d "$b/out/$l" ] || { bad "EXPORT_LABS: no lab $l"; continue; }
    verify "sol-$l" "$l" full && ok "Autolab job, $l solution: $REPLY"
done

# Nothing of the jobs may still run: a process whose working folder is
# in a job folder.
left=()
for p in /proc/[0-9]*; do
    c=$(readlink "$p/cwd" 2>/dev/null) || continue
    [[ $c == "$kit/$b/jobs/"* ]] && left+=("${p#/proc/} $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | cut -c1-80)")
done
if [ ${#left[@]} -eq 0 ]; then
    ok "Autolab jobs: no process left; whole check in $((SECONDS - t0))s"
else
    bad "Autolab jobs left processes running (whole check in $((SECONDS - t0))s)"
    printf '%s\n' "${left[@]}" | evidence 5
fi
[ $fails -eq 0 ] || exit 1
exit 0
