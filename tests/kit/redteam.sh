#!/usr/bin/env bash
# redteam.sh - grade the kit's hostile submissions and check that the
# grader held.  `make test` runs it; it also runs alone, from the kit's root:
#
#     tests/kit/redteam.sh [NAME...]      # default: every adversary
#
# NAME is an adversary, tests/adversarial/NAME.patch, or "archives" (the
# hostile tarballs and folders built here for tests/batch.sh).  Each
# adversary is a patch against one lab's solution, written by a student who
# has read the kit's source and wants points they did not earn, to hurt
# other students, to escape, or to leave things behind.  Its header:
#
#     Adversary: what it attacks, one line
#     Lab: 01-pipe                 the solution it patches
#     Tests: hello,finishes        the tests to grade (or "all")
#     Caught-by: hello finishes    the tests that must fail (may be empty)
#     Mode: single | batch         single: tests/grade.sh; batch:
#                                  tests/batch.sh, beside an honest student
#                                  (solutions/ copies) who must keep full marks
#     Tty: yes                     (optional) grade under `script`, so the
#                                  grader has a controlling terminal
#     Beside: 01-pipe 14-mqueue    (optional, batch) the honest student's labs
#                                  (default: the adversary's lab)
#     Process: cupsd               (optional) names its processes take on
#     Build: fails                 (optional) it must not compile; any other
#                                  adversary must, or it proves nothing
#     Time: 120                    (optional) bound on the grading, seconds
#     Also: fallback               (optional, single) graded a second time
#                                  as NAME@fallback in the box's fallback
#                                  (KIT_BOX_MODE=fallback: a container that
#                                  forbids namespaces), which must hold too
#
# An adversary whose attack works earns the points of a Caught-by test, so
# a Caught-by test that passes means the attack got through.  Attacks that
# win no points leave canaries instead: files named ipckit-redteam-NAME* in
# /tmp, /var/tmp, /dev/shm, /run, build/ and the kit's root; POSIX queues
# named /ipckit-redteam-NAME*; System V objects with the mode 0604;
# processes named in Process:.  Before grading, this script makes a victim
# (/tmp/ipckit-redteam-victim, owned by the user running it) that link races
# aim at, a file only that user can read (/tmp/ipckit-redteam-secret/
# token.h) that builds try to include, and exports IPCKIT_REDTEAM_SECRET
# into the grader's environment.
#
# For each adversary it prints one line per check, "ok   ..." or
# "FAIL ...": the grading ended within its bound; every Caught-by test
# failed; the records are sound (each test once, no score above its
# points); results.json is UTF-8 JSON, junit.xml UTF-8 XML without control
# bytes, and no report holds a raw ESC or the secret; nothing is left
# (canaries, processes, queues, System V objects, files over 64 MiB); in
# batch mode the honest student kept full marks.  At the end: the victim is
# untouched, the kit unchanged, the machine as before.  Ends with
# "N passed, N failed"; exits non-zero on any failure.
#
# "archives" grades, in one batch, tarballs and folders built here from
# solutions/ (see archives_build): each must be refused or score 0 for the
# lab it fakes, nothing may land outside the batch's folder or stay
# unpacked after it, the bomb must not fill the disk, and students whose
# names collide once cleaned must get rows of their own.
#
# The gradings run two at a time (REDTEAM_JOBS); the longest go together.
# Work goes to build/redteam/; one red team runs at a time on a machine
# (a flock on /tmp).  REDTEAM_GRADE_ARGS adds arguments to
# tests/grade.sh (single mode; e.g. --no-sandbox, to see what the box
# stops); KIT_RUN_AS and CK_TIMEOUT_MULTIPLIER reach the grader as usual.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
kit=$(pwd)
export LC_ALL=C
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}

advdir=tests/adversarial

# ---- what to run ------------------------------------------------------

# An adversary whose header says "Also: fallback" is graded a second time
# as NAME@fallback, with KIT_BOX_MODE=fallback: the box a container that
# forbids namespaces leaves (tests/box.sh), which must hold it too.
all=()
for p in "$advdir"/*.patch; do
    n=$(basename "$p" .patch)
    all+=("$n")
    grep -q '^Also: *fallback' "$p" && all+=("$n@fallback")
done
all+=(archives)
if [ $# -gt 0 ]; then
    names=("$@")
    for n in "${names[@]}"; do
        [ "$n" = archives ] || [ -f "$advdir/${n%@fallback}.patch" ] \
            || { echo "redteam: no adversary $n (tests/adversarial/$n.patch)" >&2; exit 2; }
    done
else
    names=("${all[@]}")
fi

rt=$kit/build/redteam
mkdir -p "$rt"

# One red team at a time on a machine: the adversaries aim at fixed paths
# (the victim, the canaries), which two runs would share.
# The lock is taken on /tmp itself (flock works on a folder), so no lock
# file is left behind.
lock=/tmp
command -v flock >/dev/null || { bad "tool flock (util-linux) is missing: two red teams could collide"; exit 1; }
exec 9<"$lock" || { bad "cannot open $lock"; exit 1; }
if ! flock -n 9; then
    echo "redteam: another red team runs on this machine; waiting for it (at most 20 minutes)"
    flock -w 1200 9 || { bad "another red team held $lock for 20 minutes"; exit 1; }
fi

victim=/tmp/ipckit-redteam-victim
secretdir=/tmp/ipckit-redteam-secret
me=$(id -u)

# header NAME FIELD: one header line's value ("" if absent)
header() { sed -n "s/^$2: *//p" "$advdir/${1%@fallback}.patch" | head -1 | sed 's/ *$//'; }

# ---- tools: a check whose tool is missing fails, it never passes ---------

tools_ok=1
for t in patch timeout iconv tar gzip md5sum setsid; do
    command -v "$t" >/dev/null || { bad "tool $t is missing: the checks that need it cannot run"; tools_ok=0; }
done
command -v script >/dev/null || bad "tool script (util-linux) is missing: Tty: adversaries cannot be graded with a terminal"
[ -d /proc/sysvipc ] || bad "/proc/sysvipc is missing: System V leftovers cannot be seen"
[ "$tools_ok" = 1 ] || { echo "$passed passed, $failed failed"; exit 1; }

# The probe sees POSIX message queues, which have no file to look at
# unless their file system is mounted.
probe=$rt/probe
if ! cc -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -o "$probe" \
    "$advdir/probe.c" -lrt 2>"$rt/probe.log"; then
    bad "the queue probe does not build"; cat "$rt/probe.log"; probe=""
fi
make -s --no-print-directory tests >"$rt/make.log" 2>&1 \
    || { bad "make tests failed"; tail -20 "$rt/make.log"; }
# Built solutions are what run_solution looks for; make test builds them
# too, so an attack on them must be tried.
make -s --no-print-directory solutions >>"$rt/make.log" 2>&1 \
    || { bad "make solutions failed"; tail -20 "$rt/make.log"; }

# ---- the bait ---------------------------------------------------------

secret=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
export IPCKIT_REDTEAM_SECRET=$secret
token="ipckit_redteam_token_$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# The victim: a folder, a file in it and a folder below, owned by whoever
# runs this (root: root-owned, as the link races need).
make_bait() {
    rm -rf "$victim" "$secretdir"
    mkdir -p "$victim/keep" "$secretdir"
    echo "precious $secret" >"$victim/precious"
    echo "keep $secret" >"$victim/keep/file"
    chmod 755 "$victim" "$victim/keep"
    chmod 644 "$victim/precious" "$victim/keep/file"
    chmod 700 "$secretdir"
    printf '%s\n' "$token" >"$secretdir/token.h"
    chmod 600 "$secretdir/token.h"
}
victim_state() { # owner, mode, size and content of everything in the victim
    find "$victim" -printf '%p %U %G %m %y %s\n' 2>&1 | sort
    cat "$victim/precious" "$victim/keep/file" 2>&1
}
make_bait
victim_before=$(victim_state)

kitsum() {
    find Makefile mk synclib tests labs solutions build/tests -type f \
        ! -name '*.d' ! -name '*.o' -print0 2>/dev/null | sort -z | xargs -0 md5sum | md5sum
}
sum_before=$(kitsum)

# The names processes of a grading go by: the kit's programs, the test
# programs, and what adversaries call themselves (Process:).
advprocs=$(cat "$advdir"/*.patch | sed -n 's/^Process: *//p' | tr ' ' '\n' | sort -u | grep .)
kitprocs=$(for t in build/tests/[0-9][0-9]-*; do
    [ -x "$t" ] && [ -f "$t" ] && { basename "$t"; "$t" --progs; }; done | tr ' ' '\n')
kitprocs=$(printf '%s\nmore\n%s\n' "$kitprocs" "$advprocs" | sort -u | grep .)

# procs: "pid comm" of every process of this run's gradings still running,
# read from /proc (no tool needed).  A process is this run's when it
# carries the run's secret in its environment, runs a program built under
# build/grade/, or goes by an adversary's name; other users of the machine
# may run the kit's programs too.
procs() {
    local d pid comm exe
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        { read -r comm <"$d/comm"; } 2>/dev/null || continue
        [ -s "$d/cmdline" ] 2>/dev/null || continue # kernel threads
        grep -qxF -- "$comm" <<<"$kitprocs" || continue
        exe=$(readlink "$d/exe" 2>/dev/null)
        if ours "$pid" || [[ $exe == "$kit"/build/* ]] || grep -qxF -- "$comm" <<<"$advprocs"; then
            echo "$pid $comm"
        fi
    done
    return 0
}
# ours PID: the process carries this run's secret (every process a grading
# starts inherits it, unless the grader cleaned its environment).
ours() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qx "IPCKIT_REDTEAM_SECRET=$secret"; }

sysv() { # "kind key id perms" of every System V object
    local k
    for k in msg shm sem; do
        awk -v k="$k" 'NR > 1 {print k, $1, $2, $3}' "/proc/sysvipc/$k"
    done | sort
}
canaries() { # every canary this script's adversaries may leave
    local f queues=('/ipckit-redteam-*') n
    for f in /tmp/ipckit-redteam-* /var/tmp/ipckit-redteam-* /run/ipckit-redteam-* \
        /dev/shm/*ipckit-redteam-* /dev/mqueue/*ipckit-redteam-* \
        "$kit"/build/ipckit-redteam-* "$kit"/ipckit-redteam-*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        [ "$f" = "$victim" ] || [ "$f" = "$secretdir" ] || echo "$f"
    done
    for n in "${all[@]}"; do queues+=("/ipckit-redteam-$n" "/ipckit-redteam-$n-*"); done
    [ -z "$probe" ] || "$probe" mq "${queues[@]}"
    return 0
}
machine() { # the machine as far as gradings can change it
    sysv
    ls -A /dev/shm 2>/dev/null | sed 's/^/shm /'
    ls -A /dev/mqueue 2>/dev/null | sed 's/^/mq /'
    canaries | sed 's/^/canary /'
    procs | awk '{print "proc", $1, $2}'
}
machine_before=$(machine)

# ---- output checks ----------------------------------------------------

# The awk programs need nothing but awk (mawk or gawk): python or jq may be
# missing on a fresh machine.
json_awk='
function fail(why) { printf "byte %d: %s\n", pos, why > "/dev/stderr"; bad = 1; exit 1 }
function ws() { while (pos <= n && index(" \t\n\r", substr(s, pos, 1))) pos++ }
function str(   c, start) {
    if (substr(s, pos, 1) != "\"") fail("string expected")
    start = ++pos
    for (;;) {
        if (pos > n) fail("unterminated string")
        c = substr(s, pos, 1)
        if (c == "\"") { pos++; return substr(s, start, pos - start - 1) }
        if (c < " ") fail("control byte in a string")
        if (c == "\\") {
            c = substr(s, pos + 1, 1)
            if (c == "u") {
                if (substr(s, pos + 2, 4) !~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) fail("bad \\u escape")
                pos += 6
            } else if (c != "" && index("\"\\/bfnrt", c)) pos += 2
            else fail("bad escape")
        } else pos++
    }
}
function value(depth,   c, key, v, t) {
    ws(); c = substr(s, pos, 1)
    if (c == "{") {
        pos++; ws()
        if (substr(s, pos, 1) == "}") { pos++; return "" }
        for (;;) {
            ws(); key = str(); ws()
            if (substr(s, pos, 1) != ":") fail("colon expected")
            pos++
            v = value(depth + 1)
            if (depth == 0 && key == "score") score = v
            ws(); c = substr(s, pos++, 1)
            if (c == "}") return ""
            if (c != ",") fail("comma or } expected")
        }
    }
    if (c == "[") {
        pos++; ws()
        if (substr(s, pos, 1) == "]") { pos++; return "" }
        for (;;) {
            value(depth + 1); ws(); c = substr(s, pos++, 1)
            if (c == "]") return ""
            if (c != ",") fail("comma or ] expected")
        }
    }
    if (c == "\"") { str(); return "" }
    t = substr(s, pos, 40)
    if (match(t, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        v = substr(t, 1, RLENGTH); pos += RLENGTH; return v
    }
    if (t ~ /^true/) { pos += 4; return "" }
    if (t ~ /^false/) { pos += 5; return "" }
    if (t ~ /^null/) { pos += 4; return "" }
    fail("value expected")
}
{ s = s $0 "\n" }
END {
    if (bad) exit 1
    n = length(s); pos = 1; score = ""
    value(0); ws()
    if (pos <= n) fail("text after the value")
    if (score != "") print score
}'
xml_awk='
function fail(why) { printf "byte %d: %s\n", pos, why > "/dev/stderr"; bad = 1; exit 1 }
function text(stop,   c) {
    while (pos <= n) {
        c = substr(s, pos, 1)
        if (c == stop) return
        if (c == "<") fail("< in text")
        if (c < " " && c != "\t" && c != "\n" && c != "\r") fail("control byte")
        if (c == "&") {
            if (!match(substr(s, pos, 12), /^&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/)) fail("bad entity")
            pos += RLENGTH
        } else pos++
    }
}
{ s = s $0 "\n" }
END {
    if (bad) exit 1
    n = length(s); pos = 1; depth = 0; roots = 0
    name = "^[A-Za-z_:][-A-Za-z0-9_:.]*"
    while (pos <= n) {
        if (substr(s, pos, 1) != "<") {
            start = pos; text("<")
            if (depth == 0 && substr(s, start, pos - start) ~ /[^ \t\r\n]/) fail("text outside the root")
            continue
        }
        t = substr(s, pos, 4)
        if (t == "<!--") {
            e = index(substr(s, pos + 4), "-->"); if (!e) fail("unterminated comment")
            pos += e + 6; continue
        }
        if (substr(t, 1, 2) == "<?") {
            if (pos != 1) fail("declaration not at the start")
            e = index(s, "?>"); if (!e) fail("unterminated declaration")
            pos = e + 2; continue
        }
        if (substr(t, 1, 2) == "</") {
            pos += 2
            if (!match(substr(s, pos, 200), name)) fail("bad end tag")
            tag = substr(s, pos, RLENGTH); pos += RLENGTH
            if (depth == 0 || stack[depth] != tag) fail("</" tag "> does not close <" stack[depth] ">")
            depth--
            while (pos <= n && index(" \t\n\r", substr(s, pos, 1))) pos++
            if (substr(s, pos++, 1) != ">") fail("> expected")
            continue
        }
        pos++
        if (!match(substr(s, pos, 200), name)) fail("bad tag name")
        tag = substr(s, pos, RLENGTH); pos += RLENGTH
        if (depth == 0 && roots++) fail("a second root element")
        for (;;) {
            while (pos <= n && index(" \t\n\r", substr(s, pos, 1))) pos++
            c = substr(s, pos, 1)
            if (c == ">") { pos++; stack[++depth] = tag; break }
            if (substr(s, pos, 2) == "/>") { pos += 2; break }
            if (!match(substr(s, pos, 200), name)) fail("bad attribute")
            pos += RLENGTH
            if (substr(s, pos, 1) != "=") fail("= expected")
            q = substr(s, ++pos, 1)
            if (q != "\"" && q != "'"'"'") fail("unquoted attribute")
            pos++; text(q); pos++
        }
    }
    if (depth != 0) fail("<" stack[depth] "> never closed")
    if (roots != 1) fail("no root element")
}'

utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }
has_nul() { [ "$(tr -d '\000' <"$1" | wc -c)" != "$(wc -c <"$1")" ]; }

# clean_outputs LABEL FILE...: the machine-read files parse, and no file a
# person reads (or a terminal shows) carries a raw ESC or the secret.
# Prints problems; returns non-zero if any.
clean_outputs() {
    local f why=""
    for f in "$@"; do
        [ -f "$f" ] || continue
        case $f in
        *.json)
            utf8 "$f" || why="$why; $(basename "$f") is not UTF-8"
            has_nul "$f" && why="$why; $(basename "$f") holds a NUL byte"
            awk "$json_awk" "$f" >/dev/null 2>"$f.why" \
                || why="$why; $(basename "$f") is not JSON ($(head -c 80 "$f.why"))" ;;
        *.xml)
            utf8 "$f" || why="$why; $(basename "$f") is not UTF-8"
            has_nul "$f" && why="$why; $(basename "$f") holds a NUL byte"
            awk "$xml_awk" "$f" >/dev/null 2>"$f.why" \
                || why="$why; $(basename "$f") is not XML ($(head -c 80 "$f.why"))" ;;
        esac
        rm -f "$f.why"
        grep -q $'\e' "$f" && why="$why; raw ESC in ${f#"$kit"/}"
        grep -qF "$token" "$f" && why="$why; the root-only token in ${f#"$kit"/}"
        grep -qF "$secret" "$f" && why="$why; the secret in ${f#"$kit"/}"
    done
    [ -z "$why" ] || { echo "${why#; }"; return 1; }
}

# points LAB: "test points" for every test of the lab, hidden ones too,
# from the test program (not from the records under test).
points() { "build/tests/$1" --list | awk -F'\t' '{print $1, $2}'; }

# records TSV LAB TESTS POINTS: the records of one lab are sound: each
# asked test once, nothing else, no score but 0 or its points (POINTS: the
# "test points" list taken before grading).  Prints what is wrong.
records() {
    local tsv=$1 lab=$2 tests=$3 pts=$4
    awk -F'\t' -v lab="$lab" -v tests="$tests" '
        FILENAME == "-" { pts[$1] = $2; next }
        $1 != lab { next }
        { if (!($2 in pts)) { print "unknown test " $2; next }
          if (seen[$2]++) print "test " $2 " recorded twice"
          if ($4 != pts[$2]) print $2 ": max " $4 " instead of " pts[$2]
          if ($3 != 0 && $3 != pts[$2]) print $2 ": score " $3 " of " pts[$2]
          if (($5 == "PASS") != ($3 == pts[$2] && $3 > 0)) print $2 ": " $5 " with score " $3 }
        END { n = split(tests, want, ",")
              if (tests == "all") { n = 0; for (t in pts) want[++n] = t }
              for (i = 1; i <= n; i++) if (!(want[i] in seen)) print "no record of " want[i] }
    ' - "$tsv" < <(tr ' ' '\t' <"$pts")
}

# ---- one adversary -----------------------------------------------------

# prepare NAME: its tree (single) or submissions (batch) under $rt/NAME.
prepare() {
    local name=$1 v=$rt/$1 lab mode beside l
    lab=$(header "$name" Lab); mode=$(header "$name" Mode)
    rm -rf "$v" "$kit/build/grade/rt-$name"
    mkdir -p "$v"
    # The lab's tests and points, before an adversary can touch the kit.
    points "$lab" >"$v/points"
    if [ "$mode" = batch ]; then
        mkdir -p "$v/subs/$name/labs" "$v/subs/honest-$name/labs"
        cp -r "solutions/$lab" "$v/subs/$name/labs/"
        beside=$(header "$name" Beside); beside=${beside:-$lab}
        for l in $beside; do cp -r "solutions/$l" "$v/subs/honest-$name/labs/"; done
        patch -s -p1 -d "$v/subs/$name/labs/$lab" <"$advdir/${name%@fallback}.patch" >"$v/patch.log" 2>&1
    else
        mkdir -p "$v/tree"
        cp -r "solutions/$lab" "$v/tree/"
        patch -s -p1 -d "$v/tree/$lab" <"$advdir/${name%@fallback}.patch" >"$v/patch.log" 2>&1
    fi
}

# grade NAME: grade it (in the background); "status seconds" to $v/status.
grade() {
    local name=$1 v=$rt/$1 lab tests mode bound cmd t0
    lab=$(header "$name" Lab); tests=$(header "$name" Tests); mode=$(header "$name" Mode)
    bound=$(header "$name" Time); bound=${bound:-120}
    if [ "$mode" = batch ]; then
        # Only the labs in play: the adversary's and the honest student's.
        local labs
        labs=$(echo "$lab $(header "$name" Beside)" | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd,)
        cmd=(tests/batch.sh -j 2 --lab "$labs" --out "$v/out" "$v/subs")
    else
        # shellcheck disable=SC2206 # extra arguments are words
        cmd=(tests/grade.sh --tree "$v/tree" --lab "$lab" --tag "rt-$name" --quiet
             --results "$v/results.json" ${REDTEAM_GRADE_ARGS:-})
        [ "$tests" = all ] || cmd+=(--test "$tests")
    fi
    [ "$(header "$name" Tty)" = yes ] && cmd=(script -qec "$(printf '%q ' "${cmd[@]}")" /dev/null)
    t0=$(date +%s)
    # A session of its own: the grading has no terminal unless Tty: gives
    # it one (script's), whoever runs this script and wherever.
    local mode_env=()
    [[ $name == *@fallback ]] && mode_env=(env KIT_BOX_MODE=fallback KIT_BOX_KEEPS=)
    setsid -w timeout -k 10 "$bound" "${mode_env[@]}" "${cmd[@]}" >"$v/grader.out" 2>"$v/grader.err" </dev/null
    echo "$? $(($(date +%s) - t0)) $bound" >"$v/status"
}

# verdict NAME: the checks on one graded adversary.
verdict() {
    local name=$1 v=$rt/$1 lab tests caught mode rc secs bound tsv res junit report
    local t missing="" wrong s m json why="" honest l left big beside
    lab=$(header "$name" Lab); tests=$(header "$name" Tests)
    caught=$(header "$name" Caught-by); mode=$(header "$name" Mode)
    if [ -s "$v/patch.log" ] || [ ! -f "$v/status" ]; then
        bad "$name: patch does not apply"; cat "$v/patch.log"; return
    fi
    read -r rc secs bound <"$v/status"
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        bad "$name: grading did not finish within ${bound}s (killed)"
    elif [ "$rc" != 0 ]; then
        bad "$name: the grader failed (status $rc) after ${secs}s"; tr '\r' '\n' <"$v/grader.err" | tail -5
    else
        ok "$name: graded in ${secs}s (bound ${bound}s)"
    fi

    if [ "$mode" = batch ]; then
        tsv=$v/out/$name/scores.tsv res=$v/out/$name/results.json junit=$v/out/$name/junit.xml
        report=$v/out/$name/report.txt tests=all
    else
        tsv=build/grade/rt-$name/scores.tsv res=$v/results.json junit=$v/junit.xml
        report=build/grade/rt-$name/$lab/report.txt
    fi
    if [ ! -f "$tsv" ]; then
        bad "$name: no records ($tsv)"
    else
        for t in $caught; do
            case $(awk -F'\t' -v l="$lab" -v t="$t" '$1 == l && $2 == t {print $5}' "$tsv" | sort -u | paste -sd/ -) in
            FAIL) ;;
            "") missing="$missing $t(no record)" ;;
            *) missing="$missing $t" ;;
            esac
            grep -Eq "^ *PASS +[0-9]+/[0-9]+ +$t( |\$)" "$report" 2>/dev/null && missing="$missing $t(in the report)"
        done
        wrong=$(records "$tsv" "$lab" "$tests" "$v/points" | head -3 | paste -sd';' -)
        read -r s m < <(awk -F'\t' -v l="$lab" '$1 == l {s += $3; m += $4} END {print s+0, m+0}' "$tsv")
        json=$(awk "$json_awk" "$res" 2>/dev/null)
        # Its lab's part of the report (a batch's has every lab).
        if awk -v l="$lab" '/^== / {in_lab = $2 == l} in_lab' "$report" 2>/dev/null \
            | grep -qi 'not compile'; then
            [ "$(header "$name" Build)" = fails ] || why="it does not compile, so it proves nothing"
        elif [ "$(header "$name" Build)" = fails ]; then
            why="it compiled, though its build must fail"
        fi
        if [ -n "$why" ]; then
            bad "$name: $why"; why=""
        elif [ -n "$missing" ]; then
            bad "$name: the attack got through: passes$missing"
        elif [ -n "$wrong" ]; then
            bad "$name: forged records: $wrong"
        elif [ -n "$json" ] && awk -v j="$json" -v m="$(awk '{m += $2} END {print m}' "$v/points")" \
            'BEGIN {exit !(j > m)}'; then
            bad "$name: results.json says score $json, more than the lab's points"
        else
            ok "$name: scores $s/$m${caught:+, fails $caught}"
        fi
    fi

    local outs=("$report" "$res" "$junit" "$v/grader.out" "$v/grader.err")
    [ "$mode" = batch ] && outs+=("$v/out/gradebook.csv" "$v"/out/*/report.txt "$v"/out/*/results.json "$v"/out/*/junit.xml)
    if why=$(clean_outputs "${outs[@]}"); then
        ok "$name: reports clean (JSON, XML, UTF-8, no ESC, no secret)"
    else
        bad "$name: reports: $why"
    fi

    if [ "$mode" = batch ]; then
        honest=$v/out/honest-$name/scores.tsv
        why=""
        beside=$(header "$name" Beside)
        for l in ${beside:-$lab}; do
            read -r s m < <(awk -F'\t' -v l="$l" '$1 == l {s += $3; m += $4} END {print s+0, m+0}' "$honest" 2>/dev/null || echo 0 0)
            [ "$m" -gt 0 ] && [ "$s" = "$m" ] || why="$why $l $s/$m"
        done
        if [ -z "$why" ]; then ok "$name: the honest student beside it keeps full marks"
        else bad "$name: the honest student beside it lost points:$why"; fi
    fi

    # Nothing left: its canaries, its processes, big files.
    left=$(canaries | grep -e "ipckit-redteam-${name}\$" -e "ipckit-redteam-${name}[-.]" | head -5 | paste -sd' ' -)
    big=$(find "build/grade/rt-$name" "$v" "$kit"/build/grade/batch-*"$name" -type f -size +65536k 2>/dev/null | head -3)
    if [ -n "$big" ]; then
        bad "$name: files over 64 MiB: $(echo "$big" | paste -sd' ' -)"
        echo "$big" | while read -r f; do rm -f "$f"; done
    fi
    if [ -n "$left" ]; then bad "$name: left behind: $left"
    else ok "$name: left no canary behind"; fi
}

# ---- waves: two gradings at a time, then their checks ------------------

wave_pids_before=""
wave_sysv_before=""
# after_wave NAME...: what the wave left on the machine, then clean it up
# (only what this run made: processes carrying its secret, its canaries,
# System V objects of mode 0604, its victim restored).
after_wave() {
    local left strays p c extra state
    sleep 1 # a process killed at the very end is still on its way out
    strays=""
    while read -r p c; do
        [ -n "$p" ] || continue
        grep -qx "$p $c" <<<"$wave_pids_before" && continue
        [ -d "/proc/$p" ] || continue
        strays="$strays $c($p)"
        # Only what this run started is ended: by its secret or its binary.
        if ours "$p" || [[ $(readlink "/proc/$p/exe" 2>/dev/null) == "$kit"/build/grade/* ]]; then
            kill -KILL "$p" 2>/dev/null
        fi
    done < <(procs)
    [ -z "$strays" ] || bad "after $*: processes left running:$strays"
    # System V objects name no creator that outlives it: the adversaries
    # mark theirs with the mode 0604; the end of the run looks for others.
    extra=$(comm -13 <(echo "$wave_sysv_before") <(sysv) | awk '$4 == 604' | head -5 | paste -sd';' -)
    [ -z "$extra" ] || bad "after $*: System V objects left: $extra"
    sysv | awk '$4 == 604 {print $1, $3}' | while read -r k id; do
        case $k in msg) ipcrm -q "$id" ;; shm) ipcrm -m "$id" ;; sem) ipcrm -s "$id" ;; esac 2>/dev/null
    done
    state=$(victim_state)
    if [ "$state" != "$victim_before" ]; then
        bad "after $*: the victim $victim was changed: $(diff <(echo "$victim_before") <(echo "$state") | grep '^[<>]' | head -4 | paste -sd' ' -)"
        make_bait; victim_before=$(victim_state)
    fi
    # This run's canaries go, so the next wave starts clean.
    canaries | while read -r left; do
        case $left in
        /ipckit-redteam-*) [ -z "$probe" ] || "$probe" mq -u "$left" >/dev/null ;;
        *) rm -rf "$left" ;;
        esac
    done
}

run_wave() {
    local n
    wave_pids_before=$(procs)
    wave_sysv_before=$(sysv)
    for n in "$@"; do
        if [ "$n" = archives ]; then archives_grade & else grade "$n" & fi
    done
    wait
    for n in "$@"; do
        if [ "$n" = archives ]; then archives_verdict; else verdict "$n"; fi
    done
    after_wave "$@"
}

# ---- archives: hostile tarballs and folders for tests/batch.sh ----------

# Built here, from a copy of solutions/: members that are symlinks
# (to /etc/shadow, to the kit's solution), a hard link to /etc/passwd, a
# device node, names that climb out (../..) or start at /, a gzip bomb (a
# few MB that unpack to 4 GiB), 100000 tiny files, a lab folder that is a
# symlink to the kit's solution (in a tarball and in a folder), names that
# collide once cleaned ("a b" / "a_b", "x.tar.gz" / "x"), and a name
# made of a comma, a quote, an ESC and a leading "=".
archives_build() {
    local a=$rt/archives s c=$rt/cache i
    s=$a/subs
    rm -rf "$a" && mkdir -p "$s" "$c" "$a/stage"
    local st=$a/stage
    mkdir -p "$st/honest/labs" "$st/broken/labs"
    cp -r solutions/01-pipe "$st/honest/labs/"
    cp -r solutions/01-pipe "$st/broken/labs/"
    sed -i 's/^#define DEFAULT_MESSAGE .*/#define DEFAULT_MESSAGE "Goodbye"/' "$st/broken/labs/01-pipe/pipe.c"
    cp -r "$st/honest" "$s/honest-archives"

    # Members that point elsewhere.
    mkdir -p "$st/sym1/labs/01-pipe" "$st/sym2/labs/01-pipe"
    ln -s /etc/shadow "$st/sym1/labs/01-pipe/pipe.c"
    ln -s "$kit/solutions/01-pipe/pipe.c" "$st/sym2/labs/01-pipe/pipe.c"
    tar -cf "$s/symlink-shadow.tar" -C "$st/sym1" labs
    tar -cf "$s/symlink-solution.tar" -C "$st/sym2" labs
    # A hard link whose target is /etc/passwd: the first member is a
    # harmless file, the link target of the second is renamed.
    mkdir -p "$st/hard/labs/01-pipe"
    echo x >"$st/hard/labs/01-pipe/x"
    ln "$st/hard/labs/01-pipe/x" "$st/hard/labs/01-pipe/pipe.c"
    tar -cPf "$s/hardlink-passwd.tar" -C "$st/hard" \
        --transform='flags=h;s|^labs/01-pipe/x$|/etc/passwd|' labs/01-pipe/x labs/01-pipe/pipe.c
    # A device node as pipe.c (/dev/zero's: copying it never ends).
    tar -cf "$s/device.tar" -C / --transform='s|^dev/zero$|labs/01-pipe/pipe.c|' dev/zero
    # Names that leave the folder they are unpacked in.
    local climb=() up=""
    for i in 1 2 3 4 5 6 7 8; do
        up="../$up"
        echo x >"$st/x$i"
        climb+=("--transform=s|^x$i\$|${up}ipckit-redteam-dotdot$i|")
    done
    tar -cf "$s/dotdot.tar" -C "$st" "${climb[@]}" x1 x2 x3 x4 x5 x6 x7 x8
    echo x >"$st/x"
    tar -cPf "$s/absolute.tar" -C "$st" --transform='s|^x$|/tmp/ipckit-redteam-abs|' x
    # The bomb: a tar header for a 4 GiB file of zeros, then 4096 gzip
    # members of 1 MiB of zeros each (gzip streams concatenate), then the
    # end of the archive; about 4 MB on disk.
    if [ ! -s "$c/bomb.tar.gz" ]; then
        mkdir -p "$c/bomb/labs/01-pipe"
        truncate -s 4G "$c/bomb/labs/01-pipe/bomb.bin"
        { tar -cf - -C "$c/bomb" labs/01-pipe/bomb.bin 2>/dev/null | head -c 512 | gzip -c
          head -c 1M /dev/zero | gzip -c >"$c/mib.gz"
          for i in $(seq 4096); do cat "$c/mib.gz"; done
          head -c 10240 /dev/zero | gzip -c; } >"$c/bomb.tar.gz.tmp" && mv "$c/bomb.tar.gz.tmp" "$c/bomb.tar.gz"
        rm -rf "$c/bomb" "$c/mib.gz"
    fi
    cp "$c/bomb.tar.gz" "$s/bomb.tar.gz"
    # 100000 tiny files beside an honest lab.
    if [ ! -s "$c/many.tar.gz" ]; then
        rm -rf "$c/many" && mkdir -p "$c/many/labs/junk"
        cp -r solutions/01-pipe "$c/many/labs/"
        (cd "$c/many/labs/junk" && seq 100000 | xargs touch)
        tar -czf "$c/many.tar.gz" -C "$c/many" labs && rm -rf "$c/many"
    fi
    cp "$c/many.tar.gz" "$s/many-files.tar.gz"
    # A lab folder that is a symlink to the kit's solution, in a tarball
    # and in a plain folder.
    mkdir -p "$st/symlab/labs" "$s/symlinked-folder/labs"
    ln -s "$kit/solutions/01-pipe" "$st/symlab/labs/01-pipe"
    tar -cf "$s/symlinked-lab.tar" -C "$st/symlab" labs
    ln -s "$kit/solutions/01-pipe" "$s/symlinked-folder/labs/01-pipe"
    # Names that collide once cleaned: one honest, one not.
    cp -r "$st/honest" "$s/a b"
    cp -r "$st/broken" "$s/a_b"
    tar -czf "$s/x.tar.gz" -C "$st/honest" labs
    cp -r "$st/broken" "$s/x"
    # A name for the gradebook: comma, quote, ESC, BEL, leading "=".
    echo "not a tarball" >"$s/=cmd|'x'!A1,\"$(printf '\e]0;pwned\a')\".tar"
}

archives_grade() {
    local a=$rt/archives t0 df0
    archives_build >"$a.build.log" 2>&1 || true
    # Disk use while the batch runs: a bomb that unpacks shows here.
    df0=$(df -Pk "$kit/build" | awk 'NR == 2 {print $3}')
    (while :; do df -Pk "$kit/build" | awk 'NR == 2 {print $3}'; sleep 1; done) >"$a/df" 2>/dev/null &
    local mon=$!
    t0=$(date +%s)
    setsid -w timeout -k 10 240 tests/batch.sh -j 2 --lab 01-pipe --out "$a/out" "$a/subs" \
        >"$a/grader.out" 2>"$a/grader.err" </dev/null
    echo "$? $(($(date +%s) - t0)) 240 $df0" >"$a/status"
    kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
}

archives_verdict() {
    local a=$rt/archives out rc secs bound df0 peak st why s rows subs f
    out=$a/out
    read -r rc secs bound df0 <"$a/status"
    if [ "$rc" = 0 ]; then ok "archives: the batch finished in ${secs}s (bound ${bound}s)"
    else bad "archives: the batch did not finish (status $rc after ${secs}s)"; tr '\r' '\n' <"$a/grader.err" | tail -3; fi
    # score STUDENT: its 01-pipe points, or "refused" when it has no records
    score() {
        if [ -f "$out/$1/scores.tsv" ]; then
            awk -F'\t' '$1 == "01-pipe" {s += $3} END {print s+0}' "$out/$1/scores.tsv"
        else echo refused; fi
    }
    for st in symlink-shadow symlink-solution hardlink-passwd device symlinked-lab symlinked-folder; do
        s=$(score "$st")
        if [ "$s" = 0 ] || [ "$s" = refused ]; then ok "archives: $st is $s for 01-pipe"
        else bad "archives: $st scores $s for 01-pipe (its files are not its own)"; fi
    done
    s=$(score honest-archives)
    if [ "$s" = 20 ]; then ok "archives: the honest student scores 20/20"
    else bad "archives: the honest student scores $s, not 20"; fi
    # Colliding names: two rows each, one honest (20) and one not (0).
    local gb=$out/gradebook.csv col
    col=$(head -1 "$gb" 2>/dev/null | tr ',' '\n' | grep -nx 01-pipe | cut -d: -f1)
    for pair in "a b|a_b" "x.tar.gz|x"; do
        local rows
        rows=$(awk -F, -v c="${col:-0}" 'NR > 1 && ($1 ~ /^a_b(-[0-9]+)?$/ || $1 ~ /^x(-[0-9]+)?$/) {print $1 "=" $c}' "$gb" 2>/dev/null)
        case $pair in
        a*) rows=$(grep '^a_b' <<<"$rows") ;;
        x*) rows=$(grep '^x' <<<"$rows") ;;
        esac
        # Two rows, the honest one full marks, the other not.
        if [ "$(cut -d= -f1 <<<"$rows" | sort -u | wc -l)" = 2 ] \
            && [ "$(cut -d= -f2 <<<"$rows" | sort -n | tail -1)" = 20 ] \
            && [ "$(cut -d= -f2 <<<"$rows" | sort -n | head -1)" -lt 20 ]; then
            ok "archives: \"${pair%|*}\" and \"${pair#*|}\" get rows of their own ($(paste -sd' ' - <<<"$rows"))"
        else
            bad "archives: \"${pair%|*}\" and \"${pair#*|}\" collide: $(paste -sd' ' - <<<"$rows")"
        fi
    done
    # The gradebook: a row per student, every row as wide as the header,
    # no raw ESC, no cell a spreadsheet would run as a formula.
    why=$(awk -F, '
        function cells(line,   n, i, q, c) { n = 1; q = 0
            for (i = 1; i <= length(line); i++) { c = substr(line, i, 1)
                if (c == "\"") q = !q; else if (c == "," && !q) n++ }
            return n }
        NR == 1 { w = cells($0); next }
        cells($0) != w { print "row " NR " has " cells($0) " cells, the header " w }
        /(^|,)"?[=+@]/ { print "row " NR " starts a cell with = + or @" }' "$gb" 2>&1 | head -3 | paste -sd';' -)
    grep -q $'\e' "$gb" 2>/dev/null && why="$why; raw ESC"
    if [ -f "$gb" ]; then
        rows=$(($(wc -l <"$gb") - 1)) subs=$(ls -A "$a/subs" | wc -l)
        [ "$rows" = "$subs" ] || why="$why; $rows rows for $subs submissions"
    else
        why="no gradebook"
    fi
    if [ -z "$why" ]; then ok "archives: the gradebook has a sound row per student"
    else bad "archives: gradebook: ${why#; }"; fi
    # The LMS gradebooks of the same batch, with the same hostile names.
    local lms
    lms=$(python3 tests/kit/lms-csv.py "$out" 2>&1 | tail -1)
    case $lms in ok*) ok "archives: ${lms#ok   }" ;; *) bad "archives: ${lms#FAIL }" ;; esac
    # Nothing outside the out folder, nothing unpacked left, no device.
    why=""
    [ -e /tmp/ipckit-redteam-abs ] && why="$why /tmp/ipckit-redteam-abs"
    f=$(find "$kit" /tmp -maxdepth 6 -name 'ipckit-redteam-dotdot*' 2>/dev/null | head -3)
    [ -n "$f" ] && why="$why $f"
    f=$(find "$kit" \( -type b -o -type c \) 2>/dev/null | head -3)
    [ -n "$f" ] && why="$why device:$f"
    if [ -z "$why" ]; then ok "archives: nothing written outside the batch's folder, no device node made"
    else bad "archives: written outside:$why"; fi
    f=$(find "$out" "$kit"/build/grade/batch-* \( -name bomb.bin -o -name junk -o -name unpacked \
        -o -name pipe.c \) 2>/dev/null | head -3 | paste -sd' ' -)
    if [ -z "$f" ]; then ok "archives: nothing unpacked left after the batch"
    else bad "archives: unpacked files left: $f"; fi
    peak=$(sort -n "$a/df" 2>/dev/null | tail -1)
    if [ -n "$peak" ] && [ $((peak - df0)) -lt $((2 << 20)) ]; then
        ok "archives: the bomb was bounded (disk use grew at most $(((peak - df0) >> 10)) MiB)"
    else
        bad "archives: the bomb filled the disk (use grew $(((${peak:-0} - df0) >> 10)) MiB)"
    fi
    if why=$(clean_outputs "$out"/*/report.txt "$out"/*/results.json "$out"/*/junit.xml \
        "$a/grader.out" "$a/grader.err"); then
        ok "archives: reports clean (JSON, XML, UTF-8, no ESC, no secret)"
    else
        bad "archives: reports: $why"
    fi
    rm -rf "$a/subs" "$a/stage"
}

# ---- run ---------------------------------------------------------------

# Long gradings go together, so a wave lasts as long as its slowest.
order=$(for n in "${names[@]}"; do
    if [ "$n" = archives ]; then echo "240 $n"
    else t=$(header "$n" Time); echo "${t:-120} $n"; fi
done | sort -k1,1nr -k2 | awk '{print $2}')
mapfile -t order <<<"$order"
start=$(date +%s)
echo "== red team: ${#order[@]} hostile submission(s), ${REDTEAM_JOBS:-2} at a time"
for n in "${order[@]}"; do [ "$n" = archives ] || prepare "$n"; done
# archives runs alone: its disk-use check must not see another grading's.
jobs_n=${REDTEAM_JOBS:-2}
wave=()
# The fallback's gradings share the machine (no namespaces): what one
# makes for a moment (a queue, a file in /tmp) would be seen by the
# verdict of another graded beside it, its box twin above all.  They run
# alone, after the others.
alone=()
for n in "${order[@]}"; do
    if [ "$n" = archives ]; then run_wave archives; continue; fi
    [[ $n == *@fallback ]] && { alone+=("$n"); continue; }
    wave+=("$n")
    [ ${#wave[@]} -lt "$jobs_n" ] || { run_wave "${wave[@]}"; wave=(); }
done
[ ${#wave[@]} -eq 0 ] || run_wave "${wave[@]}"
for n in "${alone[@]}"; do run_wave "$n"; done

echo "== after every adversary"
state=$(victim_state)
if [ "$state" = "$victim_before" ] && [ "$(stat -c %u "$victim/precious")" = "$me" ]; then
    ok "the victim $victim is untouched and still owned by uid $me"
else
    bad "the victim $victim was changed"
fi
check "the kit is unchanged (Makefile mk synclib tests labs solutions build/tests)" \
    test "$sum_before" = "$(kitsum)"
# Only what appeared and stays counts: other users of the machine may
# remove things, or make some for a moment (like make test's own check,
# this one wants a machine nobody else grades on).
new_things=$(comm -13 <(echo "$machine_before" | sort) <(machine | sort))
[ -z "$new_things" ] || { sleep 2; new_things=$(comm -12 <(echo "$new_things") <(machine | sort)); }
new_things=$(echo "$new_things" | head -5 | paste -sd';' -)
if [ -z "$new_things" ]; then
    ok "the machine is as before (System V objects, /dev/shm, queues, canaries, processes)"
else
    bad "the machine has new things: $new_things"
fi
rm -rf "$victim" "$secretdir"

echo
echo "(the red team took $(($(date +%s) - start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
