#!/usr/bin/env bash
# package.sh - the PrairieLearn export: what an instructor copies into a
# PrairieLearn course (make prairielearn; tests/export/package.sh runs it).
#
# usage: tests/export/prairielearn/package.sh OUT      (PL_IMAGE=ORG/NAME:TAG)
#
# OUT/grader/      the grader image's build folder: a Dockerfile from
#                  debian:12-slim that installs what make deps installs
#                  (read from tests/deps.sh) and the toolchain it assumes,
#                  copies the grading kit (package.sh kit: hidden tests, no
#                  solutions) to /ipckit and builds its tests (make -s tests).
# OUT/questions/ipckit/NN-topic/   one question per lab: info.json and
#                  question.html, for the course's questions/ folder.
#
# Formats, from PrairieLearn's documentation:
#   info.json: "External Grading", section "Configuring and enabling
#     external grader support" (externalGradingOptions: enabled, image,
#     entrypoint, timeout of at most 600 s, environment),
#     https://prairielearn.readthedocs.io/en/latest/externalGrading/ , and
#     the question info.json reference (uuid, type, title, topic,
#     gradingMethod "External", singleVariant),
#     https://prairielearn.readthedocs.io/en/latest/question/ ;
#   question.html: "Elements", section pl-file-upload (file-names: the files
#     that must be submitted; optional-file-names: those that may be), and
#     pl-external-grader-results, pl-file-preview in the submission panel,
#     https://prairielearn.readthedocs.io/en/latest/elements/ .
# schema/ holds the JSON Schemas tests/kit/export-prairielearn.sh checks
# these files (and the entrypoint's results.json) against.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '5p' "$0" >&2; exit 2; }
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
kit=$(cd "$here/../../.." && pwd)
cd "$kit"
# The image's name, as PrairieLearn pulls it ("image": anything docker pull
# understands).  The default cannot be pulled (.invalid never resolves), so
# a forgotten PL_IMAGE fails loudly instead of pulling someone else's image.
image=${PL_IMAGE:-example.invalid/ipckit-grader:latest}
entry=/ipckit/tests/export/prairielearn/entrypoint.sh

# Each lab's file list and tests come from its test program, as grade.sh
# asks them (--files, --list): build them if they are not.
make -s tests >/dev/null

rm -rf "$out"
mkdir -p "$out/grader" "$out/questions/ipckit"
tests/export/package.sh kit "$out/grader/ipckit" >/dev/null
[ -x "$out/grader/ipckit/tests/export/prairielearn/entrypoint.sh" ] || {
    echo "prairielearn: the kit has no entrypoint.sh (is it committed?)" >&2
    exit 1
}

# What make deps installs: tests/deps.sh's own list (its lines
# "... || missing+=(PKG)" before the first optional group), so the image
# follows it when it changes.  Plus the compiler and make, which deps.sh
# takes for granted (Gradescope's setup.sh installs them too).
pkgs=$(awk '/^if \[ "\$\{1:-\}"/ {exit} { while (match($0, /missing\+=\([^)]*\)/)) {
            print substr($0, RSTART + 10, RLENGTH - 11); $0 = substr($0, RSTART + RLENGTH) } }' tests/deps.sh |
    tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
[ -n "$pkgs" ] || { echo "prairielearn: no package list in tests/deps.sh" >&2; exit 1; }
cat >"$out/grader/Dockerfile" <<EOF
# The IPC lab kit's PrairieLearn grader image (written by
# tests/export/prairielearn/package.sh; build it from this folder).
# PrairieLearn runs ${entry} in it for every submission
# (https://prairielearn.readthedocs.io/en/latest/externalGrading/).
# It holds the hidden tests: push it to a private repository.
FROM debian:12-slim
# What make deps installs (tests/deps.sh), and the toolchain it assumes.
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
    make gcc libc6-dev ${pkgs}\\
 && rm -rf /var/lib/apt/lists/*
COPY ipckit /ipckit
# The test programs (hidden tests linked in), built once here, so grading
# needs no network and compiles only the student's files.
RUN cd /ipckit && make -s tests && chmod 755 ${entry}
WORKDIR /ipckit
EOF

# A question's uuid must not change between two exports (PrairieLearn
# keys the question's history on it): derived from the lab's name, shaped
# as a version-4 UUID.
uuid_of() {
    local h
    h=$(printf 'ipckit-prairielearn-%s' "$1" | md5sum | cut -c1-32)
    printf '%s-%s-4%s-%x%s-%s\n' "${h:0:8}" "${h:8:4}" "${h:13:3}" \
        $(((0x${h:16:1} & 3) | 8)) "${h:17:3}" "${h:20:12}"
}

nq=0
for bin in build/tests/[0-9][0-9]-*; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    lab=${bin##*/}
    [ -d "labs/$lab" ] || continue
    # The files a student edits (grade.sh's list): a lab's headers are the
    # kit's copy whatever is uploaded, so they may be left out; another
    # lab's file (lab 15's 09-mipc/mipc.c) is uploaded under its own name.
    need=() may=() other=()
    for f in $("$bin" --files); do
        [[ $f == */* ]] && other+=("<code>${f##*/}</code> (your labs/$f)")
        f=${f##*/}
        if [[ $f == *.h ]]; then may+=("$f"); else need+=("$f"); fi
    done
    ntests=$("$bin" --list | wc -l)
    # The time limit: the lab's own budget (60 s + 25 s a test, as
    # grade.sh gives it) plus the entrypoint's 60 s margin, at most
    # PrairieLearn's 600 s.  The entrypoint ends grading 60 s before it.
    timeout=$((60 + 25 * ntests + 60))
    [ "$timeout" -le 600 ] || timeout=600
    title=$(sed -n '1s/^# *//p' "handouts/$lab.md" 2>/dev/null)
    [ -n "$title" ] || title="Lab ${lab%%-*}: ${lab#*-}"
    html_title=$(printf '%s' "$title" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
    q=$out/questions/ipckit/$lab
    mkdir -p "$q"
    jq -n --arg uuid "$(uuid_of "$lab")" --arg title "$title" --arg image "$image" \
        --arg entry "$entry" --arg lab "$lab" --argjson timeout "$timeout" '{
        uuid: $uuid, title: $title, topic: "IPC lab kit", tags: ["ipckit"],
        type: "v3", singleVariant: true, gradingMethod: "External",
        externalGradingOptions: {
            enabled: true, image: $image, entrypoint: $entry, timeout: $timeout,
            environment: {IPCKIT_LAB: $lab, IPCKIT_TIMEOUT: ($timeout | tostring)}
        }}' >"$q/info.json"
    # (File names are plain: letters, digits, dots, dashes.  Attributes are
    # comma-separated lists, per the element's documentation.)
    {
        echo '<pl-question-panel>'
        echo "  <p>$html_title.  Upload the files you edited, as they are in your"
        echo "  <code>labs/$lab/</code> folder; the handout says what each must do.</p>"
        [ ${#other[@]} -eq 0 ] ||
            echo "  <p>This lab builds on another's: upload ${other[*]} too.</p>"
        [ ${#may[@]} -eq 0 ] ||
            echo "  <p>The headers are given: the grader uses its own copy, so you may leave them out.</p>"
        echo "  <p>Grading takes up to $timeout s.</p>"
        [ ! -f "tests/hidden/$lab.c" ] ||
            echo "  <p>Hidden tests count in the score; their names and messages are not shown.</p>"
        printf '  <pl-file-upload file-names="%s"' "$(IFS=,; echo "${need[*]}")"
        [ ${#may[@]} -eq 0 ] || printf ' optional-file-names="%s"' "$(IFS=,; echo "${may[*]}")"
        echo '></pl-file-upload>'
        echo '</pl-question-panel>'
        echo
        echo '<pl-submission-panel>'
        echo '  <pl-external-grader-results></pl-external-grader-results>'
        echo '  <pl-file-preview></pl-file-preview>'
        echo '</pl-submission-panel>'
    } >"$q/question.html"
    nq=$((nq + 1))
done
[ "$nq" -gt 0 ] || { echo "prairielearn: no lab's tests are built" >&2; exit 1; }
[ -n "${PL_IMAGE:-}" ] ||
    echo "prairielearn: PL_IMAGE is not set: the questions name $image; set PL_IMAGE=ORG/NAME:TAG (the image you push) and run make prairielearn again" >&2
echo "wrote $out ($nq questions; image $image)"
