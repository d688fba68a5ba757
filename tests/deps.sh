#!/usr/bin/env bash
# deps.sh - make sure what the grader needs is installed: Check (the test
# framework), pkg-config (to find it), patch (for the buggy variants),
# bubblewrap (the box student code builds and runs in), procps (ps, which
# the kit's own checks use), elfutils (eu-stack: the source line a hung
# program waits at, in its report), zip/unzip (the Gradescope export) and
# jq (the grading platforms' result files); with "test", also clang and
# clang-format-14 (make test builds with gcc and clang, and checks the
# kit's one C style) and Python's jsonschema and yaml (it validates each
# platform's export against that platform's documented format);
# with "docs", also pandoc, Graphviz and gnuplot (make handouts draws the
# diagrams and the measured plots); with "bench", gnuplot (make bench).  Installs them with
# apt-get as root, or through sudo; otherwise prints the one command to run
# and fails.
set -euo pipefail

missing=()
pkg-config --exists check 2>/dev/null || missing+=(check)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v patch >/dev/null || missing+=(patch)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v ps >/dev/null || missing+=(procps)
command -v eu-stack >/dev/null || missing+=(elfutils)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v zip >/dev/null || missing+=(zip)
command -v unzip >/dev/null || missing+=(unzip)
command -v jq >/dev/null || missing+=(jq)
if [ "${1:-}" = test ]; then
    # make test builds everything with clang too: a check that cannot run
    # must not pass, so clang is installed rather than skipped.
    command -v clang >/dev/null || missing+=(clang)
    command -v clang-format-14 >/dev/null || missing+=(clang-format-14)
fi
if [ "${1:-}" = test ]; then
    # make test validates what each grading platform's export writes
    # against that platform's documented format (tests/kit/export-*.sh).
    python3 -c 'import jsonschema, yaml' 2>/dev/null || missing+=(python3-jsonschema python3-yaml)
fi
if [ "${1:-}" = docs ]; then
    command -v pandoc >/dev/null || missing+=(pandoc)
    command -v dot >/dev/null || missing+=(graphviz)
fi
if [ "${1:-}" = docs ] || [ "${1:-}" = bench ]; then
    command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    # jq alone is only for the platforms' result files: grading on one's
    # own machine does not need it, so it is said, not required.
    if [ "${missing[*]}" = jq ]; then
        echo "note: jq is missing (the grading platforms' exports use it; make grade does not): sudo apt-get install jq" >&2
        exit 0
    fi
    echo "The grader needs: ${missing[*]}.  Install them with:" >&2
    echo "    sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "Installing ${missing[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo $cmd -qq >/dev/null
pkg-config --exists check || { echo "deps: Check is still missing" >&2; exit 1; }
for tool in bwrap ps setpriv zip unzip patch jq; do
    command -v $tool >/dev/null || { echo "deps: $tool is still missing" >&2; exit 1; }
done
exit 0
