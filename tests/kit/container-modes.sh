#!/usr/bin/env bash
# container-modes.sh - the grader in the modes a grading platform's
# container leaves it, as make test checks them.
#
# usage: tests/kit/container-modes.sh      (as root, after make tests)
#
# The grading platforms run the grader in a container, often as root,
# often where namespaces are forbidden (tests/box.sh, "fallback").  The
# red team grades its Also: fallback adversaries there (as root: student
# code as a uid of its own, the hidden tests and solutions unreadable).
# This script checks what the red team cannot, as a user who is not root
# (the student edition's user, ipckit-student), in a copy of the grading
# kit as a platform gets it (tests/export/package.sh kit, no solutions):
#   1. the probe says where it is and what it keeps (the "Where:" line);
#   2. without a box, a lab with hidden tests is refused, with a
#      results.json that says why and what to do, and nothing is run;
#   3. without a box, a lab without hidden tests is graded (a student's
#      own machine), and its report's Where: line says what is not kept.
# Prints "ok ..." or "FAIL ..." lines; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
kit=$PWD
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

[ "$(id -u)" -eq 0 ] || { echo "skip container modes: needs root (to act as another user)"; exit 0; }
user=${STUDENT_USER:-ipckit-student}
id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" ||
    { bad "cannot make the user $user"; exit 1; }
uid=$(id -u "$user")
work=$(mktemp -d /tmp/ipckit-container-modes.XXXXXX) || exit 2
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
as() {
    (cd "$work/kit" && timeout -k 5 120 setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups \
        env -i HOME="$work" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@" </dev/null)
}

# The grading kit as a platform gets it, with the test programs built.
tests/export/package.sh kit "$work/kit" >/dev/null &&
    mkdir -p "$work/kit/build" && cp -a build/tests "$work/kit/build/" &&
    chown -R "$uid" "$work/kit" && chmod 700 "$work/kit" || { bad "cannot stage the grading kit"; exit 1; }
# (Its own user only: this copy holds hidden tests, and the red team's
# fallback adversaries, graded at the same time, search the machine.)

# 1. The probe, as the platform's root would see it.
probe=$(KIT_BOX_MODE=fallback tests/box.sh probe)
keeps=${probe#*$'\n'}
case $keeps in
*"no box"*"uid of its own"*"never root"*"NOT private"*) ok "without a box, as root, the probe says what it keeps: ${keeps:0:110}..." ;;
*) bad "the probe's second line does not say what the fallback keeps: $keeps" ;;
esac

# 2. Hidden tests, no box, not root: refused, with a results.json.
as env KIT_BOX_MODE=fallback tests/grade.sh --tree labs --lab 01 --results "$work/kit/r1.json" \
    >"$work/g1.out" 2>&1
rc=$?
if [ $rc -eq 3 ] && grep -q 'refused: 01-pipe hold(s) hidden tests' "$work/g1.out" &&
    jq -e '.score == 0 and (.output | test("refused.*Grade as root"))' "$work/kit/r1.json" >/dev/null 2>&1 &&
    [ ! -d "$work/kit/build/grade/labs/01-pipe" ]; then
    ok "without a box, not root: lab 01 (hidden tests) is refused, nothing run, results.json says why"
else
    bad "without a box, not root, lab 01 (hidden tests): status $rc"
    head -5 "$work/g1.out" | sed 's/^/    /'
fi

# 3. No hidden tests, no box, not root: graded, and the report says how.
as env KIT_BOX_MODE=fallback tests/grade.sh --tree labs --lab 02 --results "$work/kit/r2.json" \
    >"$work/g2.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^Where: .*no box.*can read whatever' "$work/g2.out" &&
    jq -e '.output | test("Where: .*no box")' "$work/kit/r2.json" >/dev/null 2>&1 &&
    grep -q '^TOTAL ' "$work/g2.out"; then
    ok "without a box, not root: lab 02 (no hidden tests) is graded, $(grep '^TOTAL' "$work/g2.out"), and its report says what is not kept"
else
    bad "without a box, not root, lab 02: status $rc"
    grep -E '^(Where|TOTAL)|grade:' "$work/g2.out" | head -5 | sed 's/^/    /'
fi
exit $((fails > 0))
