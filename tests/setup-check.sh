#!/usr/bin/env bash
# setup-check.sh - can this machine build and grade the labs?  What the
# student edition's `make test` runs.  One line per item: "ok", "FAIL"
# (make grade cannot work without it) or "warn" (grading works, with less),
# and for each problem the command that fixes it.  Installs nothing.
#
# usage: tests/setup-check.sh
# Exit status: 0 when everything make grade needs is here, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
fails=0 warns=0
ok()   { echo "ok   $*"; }
bad()  { echo "FAIL $1"; echo "       fix: $2"; fails=$((fails + 1)); }
warn() { echo "warn $1"; echo "       fix: $2"; warns=$((warns + 1)); }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo "
apt="${sudo}apt-get install -y"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. A C compiler that builds what the labs are: C11, POSIX 2008, the
# kit's warnings as errors.  CC as make would use it.
cc=${CC:-cc}
cat >"$tmp/t.c" <<'C'
#include <stdio.h>
#include <unistd.h>
_Static_assert(sizeof(int) >= 4, "C11");
int main(void)
{
    printf("%ld\n", (long)getpid() > 0 ? 1L : 0L);
    return 0;
}
C
if ! command -v "$cc" >/dev/null; then
    bad "C compiler: $cc is not installed" "$apt gcc"
elif ! "$cc" -std=c11 -D_XOPEN_SOURCE=700 -Wall -Wextra -Werror -o "$tmp/t" "$tmp/t.c" >"$tmp/cc.log" 2>&1 ||
     [ "$("$tmp/t" 2>/dev/null)" != 1 ]; then
    bad "C compiler: $cc cannot build and run a small C11 program: $(head -1 "$tmp/cc.log")" \
        "$apt gcc libc6-dev"
else
    ok "C compiler: $cc ($("$cc" --version 2>/dev/null | head -1)) builds and runs C11"
fi

# 2. make (GNU make: the Makefiles use its functions).
# (Read whole, not piped to grep -q: grep may exit at the first line and
# make, still writing, die of SIGPIPE, which pipefail counts as failure.)
makever=$(make --version 2>/dev/null || true)
if command -v make >/dev/null && [[ $makever == *"GNU Make"* ]]; then
    ok "make: $(make --version | head -1)"
else
    bad "make: GNU make is not installed" "$apt make"
fi

# 3. Check, the test framework, found through pkg-config, and a test
# program that links with it.
if ! command -v pkg-config >/dev/null; then
    bad "Check: pkg-config, which finds it, is not installed" "$apt pkg-config check"
elif ! pkg-config --exists check; then
    bad "Check: pkg-config does not find it (the test programs are built with it)" "$apt check"
else
    cat >"$tmp/c.c" <<'C'
#include <check.h>
int main(void)
{
    Suite *s = suite_create("setup");
    SRunner *r = srunner_create(s);
    srunner_free(r);
    return 0;
}
C
    # shellcheck disable=SC2046  # pkg-config's flags are words
    if "$cc" -std=c11 $(pkg-config --cflags check) -o "$tmp/c" "$tmp/c.c" \
            $(pkg-config --libs check) >"$tmp/check.log" 2>&1 && "$tmp/c"; then
        ok "Check: $(pkg-config --modversion check), a test program builds and links with it"
    else
        bad "Check: found, but a test program does not build with it: $(head -1 "$tmp/check.log")" \
            "$apt check pkg-config"
    fi
fi

# 4. The other tools `make grade` checks for (tests/deps.sh): without
# them it stops before grading.
need=() pkgs=()
for pair in patch:patch ps:procps eu-stack:elfutils setpriv:util-linux zip:zip unzip:unzip; do
    command -v "${pair%%:*}" >/dev/null || { need+=("${pair%%:*}"); pkgs+=("${pair#*:}"); }
done
if [ ${#need[@]} -eq 0 ]; then
    ok "grader's tools: patch, ps, eu-stack, setpriv, zip, unzip"
else
    bad "grader's tools: missing ${need[*]}" "$apt ${pkgs[*]}"
fi

# 5. bubblewrap: each lab is built and run in a box made with it.
if command -v bwrap >/dev/null; then
    ok "bubblewrap: $(bwrap --version 2>/dev/null | head -1)"
else
    bad "bubblewrap: not installed (each lab is graded in a box made with it)" "$apt bubblewrap"
fi

# 6. User namespaces: bubblewrap needs them to make the box as a user.
if [ "$(id -u)" -eq 0 ]; then
    ok "user namespaces: not needed as root (the box runs as a uid of its own)"
elif unshare --user true 2>/dev/null; then
    ok "user namespaces: you can make them"
else
    fix="${sudo}sysctl -w user.max_user_namespaces=15000"
    if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" = 1 ]; then
        fix="${sudo}sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
    elif [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null)" = 0 ]; then
        fix="${sudo}sysctl -w kernel.unprivileged_userns_clone=1"
    fi
    warn "user namespaces: you cannot make them (in a container: the host must allow them)" "$fix"
fi

# 7. The box itself, as the grader will make it.  Without it grading still
# works, in a fallback each report names; nothing to fail the check for.
if box=$(tests/box.sh probe 2>&1); then
    ok "grading box: ${box#box: }"
else
    warn "grading box: ${box#box: }; make grade still works, without the box's isolation" \
        "the lines above (bubblewrap, user namespaces), then make test again"
fi

# 8. /dev/shm: POSIX shared memory and named semaphores (labs 10, 12, 16).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    ok "/dev/shm: writable (POSIX shared memory and semaphores)"
else
    bad "/dev/shm: missing or not writable (labs 10, 12 and 16 need it)" \
        "${sudo}mount -t tmpfs -o mode=1777 tmpfs /dev/shm"
fi

if [ $fails -gt 0 ]; then
    echo "setup: $fails problem(s) to fix before make grade works (make deps installs the packages)"
    exit 1
fi
if [ $warns -gt 0 ]; then
    echo "setup: ready for make grade ($warns warning(s) above)"
else
    echo "setup: ready for make grade"
fi
exit 0
