#!/usr/bin/env bash
# package.sh - the Autolab export: per lab, what an instructor installs as
# one Autolab assessment with an autograder.
#
# usage: tests/export/autolab/package.sh OUTPUT
#        (make autolab: tests/export/package.sh autolab build/autolab)
#
# OUTPUT/NN-topic/ gets, for each lab of labs/ (AUTOLAB_LABS="01-pipe ..."
# for only some):
#   autograde.tar        the grading kit (tests/export/package.sh kit):
#                        hidden tests, given headers, no solutions, with
#                        ipc-kit/ at its top;
#   autograde-Makefile   what Tango runs, as Makefile, beside autograde.tar
#                        and the student's handin.tar (autograde-Makefile.in);
#   labNN-topic.yml      the assessment's properties: handin file, problems
#                        and their points, the autograder's image and time
#                        limit (schema/assessment.schema.json);
# and OUTPUT/labNN-topic.tar holds the three under one folder named after
# the assessment, the tarball Autolab's "Install Assessment" imports.
#
# The contract, from Autolab's documentation
# (https://docs.autolabproject.com/lab/, "Installing Autograded Labs",
# step 3, and "Why is my assessment failing to be imported?"):
#   - Tango copies the handin, autograde.tar and autograde-Makefile (as
#     Makefile) into an empty directory, runs `make` there, and reads the
#     LAST line of the output as {"scores": {PROBLEM: points, ...}};
#   - a problem's name must match the assessment's problems exactly;
#   - an import tarball is one folder named after the assessment holding
#     NAME.yml; a name is a Ruby identifier (hyphens allowed), so it may
#     not start with a digit: lab 01-pipe is the assessment lab01-pipe.
# The .yml keys are those Autolab itself writes and reads back
# (app/models/assessment.rb serialize/deserialize, problem.rb,
# autograder.rb in github.com/autolab/Autolab, and its examples/hello/
# hello.yml): the documentation has no page that lists them.
#
# Problems: one per public test (its name, its points: partial credit
# shows test by test in the gradebook), and one "hidden_tests" problem for
# all of a lab's hidden tests together, so that their names never reach
# the student's page (a problem's name is shown, and the autoresult line
# is part of the output the student reads).
#
# Handin: handin.tar, a tar of the lab's folder (cd labs && tar -cf
# handin.tar NN-topic).  Most labs have several files to edit (04-fifo:
# three, 16-ipcbench: five), lab 15 builds lab 09's mipc.c too, and the
# marked answers.md travels with them; Autolab takes one file, so one
# archive for every lab, the same command each time.
#
# Time limit: Autolab's autograde_timeout is 180 s unless set, at most
# 900 s (app/models/autograder.rb validates 10..900).  Each lab's .yml
# asks for its grader's own budget, (60 s + 25 s a test), plus 90 s for
# unpacking, building the test program and writing the report, at most
# 900; autograde.sh fits the grading inside it (KIT_SUBMISSION_BUDGET),
# so the scores line is printed even for a submission that hangs.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '4,5p' "$0" >&2; exit 2; }
out=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
kit=$(cd "$here/../../.." && pwd)
cd "$kit"

# What the assessment asks of Autolab (autolab/Autolab
# app/controllers/autograders_controller.rb: autograding_image and 180 s
# are its defaults).  The image must have the kit's packages: Dockerfile.
image=${AUTOLAB_IMAGE:-ipckit_autograding_image}
handin=handin.tar
hidden_problem=hidden_tests
margin=90 # seconds besides the grading itself (autograde.sh: setup_margin)

labs=()
if [ -n "${AUTOLAB_LABS:-}" ]; then
    for l in $AUTOLAB_LABS; do labs+=("${l%/}"); done
else
    for d in labs/[0-9][0-9]-*/; do d=${d%/}; labs+=("${d#labs/}"); done
fi
# Each lab's table of tests comes from its test program (the kit's own
# list, the one grade.sh scores against): build the ones missing.
make -s "${labs[@]/#/build/tests/}" >/dev/null

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# One grading kit for every lab: the same autograde.tar in each folder.
tests/export/package.sh kit "$stage/ipc-kit" >/dev/null
tar -cf "$stage/autograde.tar" --owner=0 --group=0 --numeric-owner --sort=name \
    -C "$stage" ipc-kit

# yq STRING: STRING as a single-quoted YAML scalar ('' for a quote), in
# REPLY (no subshell: hundreds of tests, a fork each on a busy machine).
yq() { REPLY="'${1//\'/\'\'}'"; }

mkdir -p "$out"
first=""
for lab in "${labs[@]}"; do
    [ -d "labs/$lab" ] || { echo "autolab: no lab $lab" >&2; exit 2; }
    name=lab$lab
    "build/tests/$lab" --tables "$stage/$lab"
    mapfile -t all <"$stage/$lab.list"
    mapfile -t pub <"$stage/$lab.public"
    npub=${#pub[@]}
    ntests=${#all[@]}
    timeout=$((60 + 25 * ntests + margin))
    [ $timeout -le 900 ] || timeout=900
    topic=${lab#*-}
    d=$out/$lab
    rm -rf "$d" && mkdir -p "$d"
    # (The same kit in every lab's folder: one copy, and links to it.)
    if [ -z "$first" ] || ! ln "$first" "$d/autograde.tar" 2>/dev/null; then
        cp "$stage/autograde.tar" "$d/" && first=$d/autograde.tar
    fi
    {
        echo "# $name.yml - the Autolab assessment for lab $lab, written by"
        echo "# tests/export/autolab/package.sh (keys: autolab/Autolab app/models/assessment.rb)."
        echo "---"
        echo "general:"
        echo "  name: $name"
        yq "Lab ${lab%%-*}: $topic"
        echo "  display_name: $REPLY"
        yq "Lab $lab of the IPC kit. Hand in $handin: cd labs && tar -cf $handin $lab"
        echo "  description: $REPLY"
        echo "  category_name: Labs"
        echo "  handin_filename: $handin"
        echo "  handin_directory: handin"
        echo "  max_grace_days: 0"
        echo "  max_submissions: -1"
        echo "  max_size: 8"
        echo "  disable_handins: false"
        echo "problems:"
        hpoints=0 hcount=0 i=0 zero=""
        for line in "${all[@]}"; do
            # (name, points, what it checks, the bug: tab-separated)
            t=${line%%$'\t'*} rest=${line#*$'\t'}
            pts=${rest%%$'\t'*} rest=${rest#*$'\t'}
            what=${rest%%$'\t'*}
            i=$((i + 1))
            if [ $i -gt "$npub" ]; then
                hpoints=$((hpoints + pts)) hcount=$((hcount + 1))
                continue
            fi
            if [ "$t" = "$hidden_problem" ]; then
                echo "autolab: $lab has a public test named $hidden_problem, the hidden tests' problem" >&2
                exit 1
            fi
            echo "- name: $t"
            yq "$what"
            echo "  description: $REPLY"
            echo "  max_score: $pts"
            echo "  optional: false"
            zero+="${zero:+, }\"$t\": 0"
        done
        if [ $hcount -gt 0 ]; then
            echo "- name: $hidden_problem"
            yq "$hcount hidden test(s), scored together; their names are not shown"
            echo "  description: $REPLY"
            echo "  max_score: $hpoints"
            echo "  optional: false"
            zero+="${zero:+, }\"$hidden_problem\": 0"
        fi
        echo "autograder:"
        echo "  autograde_image: $image"
        echo "  autograde_timeout: $timeout"
        echo "  release_score: true"
    } >"$d/$name.yml"
    sed -e "s|@LAB@|$lab|g" -e "s|@TIMEOUT@|$timeout|g" -e "s|@HANDIN@|$handin|g" \
        -e "s|@ZERO@|{\"scores\": {$zero}}|g" \
        "$here/autograde-Makefile.in" >"$d/autograde-Makefile"
    # The import tarball: one folder named after the assessment.
    mkdir -p "$stage/import/$name"
    cp "$d/$name.yml" "$d/autograde.tar" "$d/autograde-Makefile" "$stage/import/$name/"
    tar -cf "$out/$name.tar" --owner=0 --group=0 --numeric-owner --sort=name \
        -C "$stage/import" "$name"
    rm -rf "$stage/import"
done
echo "wrote $out (${#labs[@]} lab(s))"
