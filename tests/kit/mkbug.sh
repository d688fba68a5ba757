#!/usr/bin/env bash
# mkbug.sh - record a buggy variant of a lab's solution as a small patch.
#
# usage: tests/kit/mkbug.sh LAB NAME EDITED_DIR "what the bug is" "test ..."
#
# EDITED_DIR is a copy of solutions/LAB with the bug put in.  The patch goes
# to tests/bugs/LAB/NAME.patch with two header lines that `make test` reads:
#   Bug: <what the bug is>
#   Caught-by: <the tests that must fail on it>
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 LAB NAME EDITED_DIR BUG TESTS" >&2; exit 2; }
lab=$1 name=$2 dir=$3 bug=$4 tests=$5
cd "$(dirname "$0")/../.."
mkdir -p "tests/bugs/$lab"
out="tests/bugs/$lab/$name.patch"
{
    echo "Bug: $bug"
    echo "Caught-by: $tests"
    for f in solutions/"$lab"/*.[ch]; do
        b=$(basename "$f")
        diff -u --label "a/$b" --label "b/$b" "$f" "$dir/$b" || true
    done
} >"$out"
grep -q '^@@' "$out" || { echo "mkbug: $dir does not differ from solutions/$lab" >&2; rm "$out"; exit 1; }
echo "wrote $out"
