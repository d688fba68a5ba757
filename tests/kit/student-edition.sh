#!/usr/bin/env bash
# student-edition.sh - the student tarball works as a student gets it.
#
# Builds the tarball (tests/export/package.sh student), unpacks it in a
# fresh folder as a user who is not root (STUDENT_USER, default
# ipckit-student, made with useradd when missing), and as that user runs
# what its README says: make help, make test (the setup check, which must
# pass here), make, make grade LAB=01 on the skeleton (a score, points
# lost, and ./pipe built in place), a lab that does not compile graded
# from its own folder (named in one line, grading not stopped), make
# compile_commands.json, make handouts (when pandoc, Graphviz and gnuplot
# are here), make clean; every instructor target must answer in one line
# and exit non-zero; nothing the student gets may point into solutions/.
# Then nothing of that user may be left: no process, no System V or POSIX
# IPC object.  Everything it made is removed (the user stays).
#
# usage: tests/kit/student-edition.sh        (as root, from anywhere)
# Prints "ok"/"FAIL" lines; exits non-zero on any failure.
set -uo pipefail
kit=$(cd "$(dirname "$0")/../.." && pwd)
user=${STUDENT_USER:-ipckit-student}
[ "$(id -u)" -eq 0 ] || { echo "student-edition: run as root (it runs the steps as $user)" >&2; exit 2; }
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
start=$SECONDS

if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
        { echo "student-edition: cannot create user $user" >&2; exit 2; }
fi
uid=$(id -u "$user")
work=$(mktemp -d /tmp/ipckit-student-edition.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
log=$work/log
mkdir "$log" "$work/home"
chown "$user:" "$work/home"
top=$work/home/ipc-kit

# as DIR CMD...: run CMD as the student in DIR, with a plain environment
# and a time limit; its output (stdout and stderr) goes to stdout.
as() {
    local dir=$1
    shift
    (cd "$dir" && timeout -k 5 300 setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups \
        env -i HOME="$work/home" USER="$user" LOGNAME="$user" LANG=C.UTF-8 \
        PATH=/usr/local/bin:/usr/bin:/bin "$@" 2>&1 </dev/null)
}

# 1. The tarball, unpacked by the student.
if ! "$kit/tests/export/package.sh" student "$work/ipckit-student.tar.gz" >"$log/package" 2>&1; then
    bad "package.sh student failed: $(tail -1 "$log/package")"
    exit 1
fi
chmod 644 "$work/ipckit-student.tar.gz"
if as "$work/home" tar -xzf "$work/ipckit-student.tar.gz" >"$log/untar" && [ -f "$top/Makefile" ]; then
    ok "the tarball unpacks as $user into a fresh folder ($(tar -tzf "$work/ipckit-student.tar.gz" | grep -vc '/$') files)"
else
    bad "the tarball does not unpack as $user: $(head -1 "$log/untar")"
    exit 1
fi
cd "$top" || exit 1

# 2. What is in it, and what is not.
absent=""
for p in solutions tests/hidden tests/bugs tests/kit tests/adversarial tests/bench .ci; do
    [ -e "$p" ] && absent="$absent $p"
done
[ -z "$absent" ] && ok "no instructor material (solutions, hidden tests, variants, self-test, red team, benchmarks)" ||
    bad "instructor material in the tarball:$absent"
if cmp -s README.md "$kit/tests/export/README.student.md" && [ -f mk/edition.mk ]; then
    ok "README.md is the student README; mk/edition.mk marks the student edition"
else
    bad "README.md is not tests/export/README.student.md, or mk/edition.mk is missing"
fi
# Each lab has its row in the lab table, linking its handout.
missing=""
for d in labs/[0-9][0-9]-*; do
    n=${d#labs/}
    grep -q "^| ${n%%-*} |.*](handouts/$n\.md)" README.md || missing="$missing $n"
done
[ -z "$missing" ] && ok "README.md's lab table has a row for each of the $(ls -d labs/[0-9][0-9]-* | wc -l) labs" ||
    bad "README.md's lab table lacks:$missing (tests/export/README.student.md)"
# The grader's scripts name the instructor's folders where they handle
# that copy (what the box hides, where given files come from): code that
# runs, not text a student is pointed to.  Everything else is checked.
grader='^\./tests/(grade|box|box-inside)\.sh:'
refs=$(grep -rIn 'solutions/' . | grep -vE "$grader")
[ -z "$refs" ] && ok "nothing a student reads refers to solutions/ ($(grep -rIn 'solutions/' . | grep -cE "$grader") mention(s) in the grader's scripts left out)" ||
    bad "refers to solutions/, which a student does not have: $(cut -d: -f1,2 <<<"$refs" | tr '\n' ' ')"

# 3. make help: what works here, and nothing else.
as "$top" make help >"$log/help"; rc=$?
miss="" extra=""
for t in "make grade" "LAB=NN" "TEST=name" "make test" "make handouts" "make compile_commands.json" "make clean"; do
    grep -qF -- "$t" "$log/help" || miss="$miss [$t]"
done
for t in batch gradescope prairielearn autolab github-classroom dist-student bench screenshot solutions/; do
    grep -qw -- "$t" "$log/help" && extra="$extra $t"
done
[ $rc -eq 0 ] && [ -z "$miss$extra" ] && ok "make help lists grade (with LAB, TEST), test, handouts, compile_commands.json, clean, and no instructor target" ||
    bad "make help (status $rc): missing$miss; lists instructor targets:$extra"

# 4. make test: the setup check, which passes on this machine.
as "$top" make test >"$log/test"; rc=$?
if [ $rc -eq 0 ] && grep -q '^setup: ready for make grade' "$log/test" && ! grep -q '^FAIL' "$log/test"; then
    ok "make test checks the setup: $(grep -c '^ok ' "$log/test") ok, $(grep -c '^warn' "$log/test") warnings ($(grep '^ok   grading box' "$log/test" | cut -c6-))"
else
    bad "make test (status $rc): $(grep -E '^(FAIL|warn)' "$log/test" | head -3 | tr '\n' ' ')$(tail -1 "$log/test")"
fi

# 5. make: the test programs and every lab, and no reference tree.
# (With -j, one job a CPU: the same build, in the time a student waits
# with make -j; this test must fit in about a minute and a half.)
t=$SECONDS
as "$top" make -j"$(nproc 2>/dev/null || echo 1)" >"$log/make"; rc=$?
t=$((SECONDS - t))
nlabs=$(ls -d labs/[0-9][0-9]-* | wc -l)
built=0
for d in labs/[0-9][0-9]-*; do
    progs=$(sed -n 's/^PROGS *= *//p' "$d/Makefile")
    all=1
    for p in $progs; do [ -x "$d/$p" ] || all=0; done
    built=$((built + all))
done
if [ $rc -eq 0 ] && [ "$built" -eq "$nlabs" ] && [ -x build/tests/01-pipe ]; then
    ok "make builds the test programs and all $nlabs labs ($t s)"
else
    bad "make (status $rc): $built of $nlabs labs built; $(grep -m1 -iE 'error|no such' "$log/make")"
fi

# 6. make grade on the skeletons: a score, every lab losing points, and
# the labs built in place afterwards (lab 01's ./pipe removed first).
# Lab 01's answers.md gets an answer: the report says it was handed in.
as "$top/labs/01-pipe" make -s clean >/dev/null
[ -f labs/01-pipe/answers.md ] && echo "An answer of the student's." >>labs/01-pipe/answers.md
t=$SECONDS
as "$top" make grade >"$log/grade01"; rc=$?
t=$((SECONDS - t))
score=$(sed -n 's/^TOTAL \([0-9]*\/[0-9]*\).*/\1/p' "$log/grade01")
# Every lab of the summary loses points ("   01-pipe       1/18").
full=$(awk '/^Summary/ {s = 1; next} s && $1 ~ /^[0-9][0-9]-/ {split($2, a, "/"); if (a[1] >= a[2]) print $1}' "$log/grade01")
nsum=$(awk '/^Summary/ {s = 1; next} s && $1 ~ /^[0-9][0-9]-/' "$log/grade01" | wc -l)
if [ $rc -eq 0 ] && [ -n "$score" ] && [ "$nsum" -eq "$nlabs" ] && [ -z "$full" ]; then
    ok "make grade grades the $nlabs skeletons, each losing points: TOTAL $score ($t s)"
else
    bad "make grade on the skeletons (status $rc, $nsum labs in the summary): full marks for '${full}'; $(tail -2 "$log/grade01" | tr '\n' ' ')"
fi
grep -q 'hidden test' "$log/grade01" && bad "make grade mentions a hidden test: the student edition has none"
if [ -f labs/01-pipe/answers.md ]; then
    if grep -q '^   answers.md: handed in (' "$log/grade01"; then
        ok "lab 01's answers.md, answered, is handed in with the lab (the report says so)"
    else
        bad "lab 01's answers.md was answered, but the report does not say it was handed in"
    fi
fi
[ -x labs/01-pipe/pipe ] && ok "make grade built labs/01-pipe/pipe in place, for hand-testing" ||
    bad "make grade did not build labs/01-pipe/pipe in place"

# 7. A lab that does not compile, graded from its own folder: it scores 0,
# the grading ends, and one line says its programs there may be stale.
echo 'this does not compile' >>labs/02-sync/sync.c
as "$top/labs/02-sync" make grade >"$log/grade02"; rc=$?
if [ $rc -eq 0 ] && grep -q '^TOTAL 0/' "$log/grade02" &&
        grep -q '^labs/02-sync: not built here (see the grade report.*\./sync there may be stale' "$log/grade02"; then
    ok "a lab that does not compile: graded 0 from its folder, and named in one line (\"$(grep -m1 '^labs/02-sync: not built' "$log/grade02" | cut -c1-40)...\")"
else
    bad "make grade in a lab that does not compile (status $rc): $(tail -2 "$log/grade02" | tr '\n' ' ')"
fi

# 7b. A given header edited by the student (fifo.h's MSG_MAX): graded with
# the kit's pristine copy (tests/given/), and the report says so in one line.
sed -i 's/^#define MSG_MAX .*/#define MSG_MAX 8/' labs/04-fifo/fifo.h
as "$top" make grade LAB=04 TEST=one_client >"$log/grade04"; rc=$?
if [ $rc -eq 0 ] && grep -q "note: your fifo.h differs from the kit's: it is given, not yours to change, so the kit's copy was used" "$log/grade04"; then
    ok "an edited given header (fifo.h) is graded with the kit's copy, and the report says so in one line"
else
    bad "an edited fifo.h was not replaced by the kit's copy, or the report did not say so (status $rc): $(grep -m3 -E 'note|TOTAL|missing' "$log/grade04" | tr '\n' ' ')"
fi

# 8. compile_commands.json: every C file of labs/, synclib and the tests,
# with the kit's flags and synclib's headers; one entry compiles.
as "$top" make compile_commands.json >"$log/ccdb"; rc=$?
want=$(ls labs/*/*.c synclib/*.c tests/[0-9][0-9]-*.c tests/harness/*.c | wc -l)
got=$(grep -c '"file"' compile_commands.json 2>/dev/null)
entry=$(grep -m1 '"file": "pipe.c"' compile_commands.json 2>/dev/null)
args=$(sed 's/.*"arguments": \[//; s/\]}.*//; s/"//g; s/,//g' <<<"$entry")
# shellcheck disable=SC2086  # the entry's arguments, as clangd splits them
if [ $rc -eq 0 ] && [ "$got" = "$want" ] && [[ $entry == *'-I../../synclib'* && $entry == *-Werror* ]] &&
        as "$top/labs/01-pipe" $args -fsyntax-only >"$log/ccdb-cc"; then
    ok "make compile_commands.json: $got C files, with the kit's flags and synclib (pipe.c's entry compiles)"
else
    bad "make compile_commands.json (status $rc): $got entries for $want C files; $(head -1 "$log/ccdb-cc" 2>/dev/null)"
fi

# 9. Each instructor target: one line, a non-zero status, nothing run.
for t in batch bench gradescope prairielearn autolab github-classroom dist-student screenshot solutions; do
    as "$top" make "$t" >"$log/t-$t"; rc=$?
    if [ $rc -ne 0 ] && [ "$(wc -l <"$log/t-$t")" -eq 1 ] && grep -q "instructor's copy" "$log/t-$t"; then
        ok "make $t: one line, status $rc"
    else
        bad "make $t (status $rc, $(wc -l <"$log/t-$t") lines): $(head -2 "$log/t-$t" | tr '\n' ' ')"
    fi
done
[ -e build/gradescope.zip ] || [ -e build/ipckit-student.tar.gz ] && bad "an instructor target made something"

# 10. make handouts, where its tools are installed (it would need root to
# install them as this user).
if command -v pandoc >/dev/null && command -v dot >/dev/null && command -v gnuplot >/dev/null; then
    t=$SECONDS
    # Two pages (a Graphviz picture in one, a gnuplot one in the other)
    # and the index: every page is rendered from the same sources by the
    # instructor copy's own check, beside this one.
    as "$top" make handouts PAGE="01-pipe 16-ipcbench" >"$log/handouts"; rc=$?
    t=$((SECONDS - t))
    n=$(ls build/handouts/[0-9][0-9]-*.html 2>/dev/null | wc -l)
    [ $rc -eq 0 ] && [ "$n" -eq 2 ] && [ -f build/handouts/index.html ] &&
        ok "make handouts PAGE=\"01-pipe 16-ipcbench\": $n pages and an index in build/handouts ($t s)" ||
        bad "make handouts (status $rc): $n pages; $(tail -1 "$log/handouts")"
else
    echo "note make handouts not run: pandoc, Graphviz (dot) and gnuplot are not all installed"
fi

# 11. make clean: build/ and every program in labs/ gone; sources kept.
as "$top" make clean >"$log/clean"; rc=$?
left=$(find labs -type f ! -name '*.c' ! -name '*.h' ! -name Makefile ! -name answers.md | head -3)
if [ $rc -eq 0 ] && [ ! -e build ] && [ -z "$left" ] && [ -f labs/01-pipe/pipe.c ]; then
    ok "make clean removes build/ and what make built in labs/"
else
    bad "make clean (status $rc): left ${left:-build/} $(tail -1 "$log/clean")"
fi

# 12. Nothing of the student's left running or in the kernel.  (A box
# being torn down may take a moment to go: up to 3 s.)
for _ in $(seq 30); do
    pgrep -u "$uid" >/dev/null || break
    sleep 0.1
done
procs=$(pgrep -u "$uid" | tr '\n' ' ')
ipc=$(awk -v u="$uid" 'FNR == 1 {c = 0; for (i = 1; i <= NF; i++) if ($i == "uid") c = i; next}
    c && $c == u {print FILENAME}' /proc/sysvipc/msg /proc/sysvipc/shm /proc/sysvipc/sem 2>/dev/null | sort -u)
posix=$(find /dev/shm /dev/mqueue -user "$uid" 2>/dev/null | head -5)
if [ -z "$procs$ipc$posix" ]; then
    ok "nothing left: no process, System V object or POSIX object of $user"
else
    bad "left behind by $user:${procs:+ processes $(ps -o pid=,args= -p "${procs// /,}" 2>/dev/null | tr '\n' ';')}${ipc:+ System V in $ipc}${posix:+ $posix}"
    for p in $procs; do kill -KILL "$p" 2>/dev/null; done
fi

echo "student-edition: $((SECONDS - start)) s, $fails failed"
[ $fails -eq 0 ]
