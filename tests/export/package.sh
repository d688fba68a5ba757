#!/usr/bin/env bash
# package.sh - build what the kit hands to others.
#
# usage: tests/export/package.sh gradescope|student|kit|PLATFORM OUTPUT
#
#   gradescope  a Gradescope autograder zip: setup.sh and run_autograder at
#               its top beside the kit (with hidden tests, without
#               solutions or buggy variants).  Gradescope unpacks it in
#               /autograder/source and runs run_autograder from there.
#               KIT_LABS=01,04 in the environment: an assignment of those
#               labs only (every lab by default).
#   student     the student tarball: labs, synclib, public tests, handouts,
#               Makefile, README (tests/export/README.student.md).  No
#               solutions, no hidden tests, no buggy variants (they are
#               patches against the solutions), no kit self-test, and none
#               of the instructor's tools (red team, benchmarks, batch
#               grading, the grader's own README).  mk/edition.mk tells
#               the Makefile it is the student edition; tests/given/ holds
#               the given headers the grader builds (tests/grade.sh).
#   kit         the grading kit itself, unpacked into the folder OUTPUT:
#               what the Gradescope zip holds (hidden tests, no solutions,
#               no variants, given headers in tests/given/), for the other
#               platforms' exports to build on.
#   PLATFORM    tests/export/PLATFORM/package.sh OUTPUT (prairielearn,
#               autolab, github-classroom): that platform's export.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '4p' "$0" >&2; exit 2; }
what=$1
out=$(realpath -m "$2")
kit=$(cd "$(dirname "$0")/../.." && pwd)
cd "$kit"

# The files of the kit git knows about (or, outside git, every file), less
# the build folder and what each audience must not get.
list_files() {
    if git rev-parse --git-dir >/dev/null 2>&1; then
        git ls-files --cached --others --exclude-standard
    else
        find . -type f ! -path './build/*' | sed 's|^\./||'
    fi | grep -v -E '^(build/|solutions/|tests/bugs/|tests/kit/|\.ci/|\.git)|^mk/skeleton\.awk$' |
        grep -v -E '^labs/[^/]+/[^/]+$' || true
    # Lab folders: only their sources and Makefile, never built programs.
    for d in labs/[0-9][0-9]-*; do
        ls "$d"/Makefile "$d"/*.c "$d"/*.h "$d"/answers.md 2>/dev/null || true
    done
}

# given DIR: the given headers, as the kit hands them out, into
# DIR/tests/given/NN-topic/: without solutions/, the grader builds these
# (tests/grade.sh), whatever the student's copy has become; and the blank
# answers.md, to tell an answered one from an untouched one.
given() {
    local d h
    for d in labs/[0-9][0-9]-*; do
        for h in "$d"/*.h "$d"/answers.md; do
            [ -f "$h" ] || continue
            mkdir -p "$1/tests/given/${d#labs/}"
            cp "$h" "$1/tests/given/${d#labs/}/"
        done
    done
}

# (The stage is made only where it is used: a platform's own script is
# exec'd, which would skip this trap.)
stage=""
trap '[ -z "$stage" ] || rm -rf "$stage"' EXIT
case $what in student | gradescope) stage=$(mktemp -d) || exit 1 ;; esac
case $what in
student)
    mkdir -p "$stage/ipc-kit"
    list_files |
        grep -v -E '^tests/(hidden|export|adversarial|bench)/|^tests/(batch\.sh|README\.md)$|^handouts/screenshot\.sh$|^(README|ARCHITECTURE)\.md$|^docs/' |
        sort -u | tar -cf - -T - | tar -xf - -C "$stage/ipc-kit"
    cp tests/export/README.student.md "$stage/ipc-kit/README.md"
    given "$stage/ipc-kit"
    printf '%s\n' "# Written by tests/export/package.sh: this copy is the student edition." \
        "EDITION := student" >"$stage/ipc-kit/mk/edition.mk"
    mkdir -p "$(dirname "$out")"
    tar -czf "$out" -C "$stage" ipc-kit
    ;;
gradescope)
    list_files | sort -u | tar -cf - -T - | tar -xf - -C "$stage"
    # A student uploads the files they edited: the headers come from here.
    given "$stage"
    cp tests/export/setup.sh tests/export/run_autograder "$stage/"
    # KIT_LABS (make gradescope LAB=01,04): an assignment of those labs only,
    # which run_autograder reads from ipckit-labs.
    if [ -n "${KIT_LABS:-}" ]; then
        [[ $KIT_LABS =~ ^[0-9a-z,-]+$ ]] || { echo "package: LAB=$KIT_LABS: lab numbers or names, comma-separated" >&2; exit 2; }
        echo "$KIT_LABS" >"$stage/ipckit-labs"
    fi
    mkdir -p "$(dirname "$out")"
    rm -f "$out"
    (cd "$stage" && zip -qr "$out" .)
    ;;
kit)
    mkdir -p "$out"
    list_files | sort -u | tar -cf - -T - | tar -xf - -C "$out"
    given "$out"
    ;;
*)
    case $what in */* | .*) sed -n '4p' "$0" >&2; exit 2 ;; esac
    [ -x "tests/export/$what/package.sh" ] || { sed -n '4p' "$0" >&2; exit 2; }
    exec "tests/export/$what/package.sh" "$out"
    ;;
esac
echo "wrote $out"
