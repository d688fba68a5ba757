#!/usr/bin/env bash
# grade.sh - grade a submission: collect the files a student edits, build
# and test each lab in a box of its own (tests/box.sh), print the scores,
# write results.json and JUnit XML.
#
# usage: tests/grade.sh [--tree DIR|ARCHIVE] [--lab NN[,NN]] [--test NAME[,NAME]]
#                       [--results FILE] [--junit FILE] [--tag NAME]
#                       [--quiet] [--flat] [--jobs N]
#
# The submission (a labs tree, or a .tar/.tar.gz/.tgz of one) is read in a
# box: only the files a student may edit are taken (regular files, never
# links), and put beside the kit's own Makefile, mk/ and synclib/, so a
# submission cannot change how it is built or graded.  --flat also takes
# those files from anywhere in the submission (a Gradescope upload).
# Each lab is then built and tested inside a box of its own, as a uid of
# its own when grading as root, within a wall-clock budget; a lab that
# does not compile scores 0 and shows the compiler's messages.  Scores
# come from the test program's own records, written to descriptors only
# it holds, and are joined here against the kit's own table of tests, so
# no lab can score above its maximum.  Hidden tests count in results.json
# (with their visibility), the JUnit file and scores.tsv, but are never
# shown in the report.
#
# --jobs N (or KIT_GRADE_JOBS) grades N labs at a time (default 1).
# Budgets: each lab (60 s + 25 s a test) x TIMEOUT_SCALE, the whole
# submission KIT_SUBMISSION_BUDGET (default 1800 s) x TIMEOUT_SCALE.
# Exit status: 0 when every lab was graded (whatever the scores), 3 when
# the submission was refused or a lab could not be graded, 2 on bad use.
set -uo pipefail

here=$PWD
case ${BASH_SOURCE[0]} in */*) kit=${BASH_SOURCE[0]%/*}/.. ;; *) kit=.. ;; esac
cd -- "$kit" && kit=$PWD && cd -- "$here" || exit 2
tree=labs lab="" test="" results=build/results.json junit="" tag="" quiet=0
flat=0 jobs=${KIT_GRADE_JOBS:-1}
while [ $# -gt 0 ]; do
    case $1 in
    --tree) tree=$2; shift 2 ;;
    --lab) lab=$2; shift 2 ;;
    --test) test=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --junit) junit=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --flat) flat=1; shift ;;
    --jobs) jobs=$2; shift 2 ;;
    *) sed -n '5,8p' "$0" >&2; exit 2 ;;
    esac
done
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac

export LC_ALL=C TZ=UTC
# Ask once whether this machine can make the box; every box of this run
# then knows (tests/box.sh reads KIT_BOX_MODE).
# KIT_BOX_KEEPS is the probe's second line: what a grading here keeps
# (the container, the uid, what is private), shown in the report.
if [ -z "${KIT_BOX_MODE:-}" ] || [ -z "${KIT_BOX_KEEPS:-}" ]; then
    eval "$("$kit/tests/box.sh" probe --env 2>/dev/null)"
    export KIT_BOX_MODE=${KIT_BOX_MODE:-fallback} KIT_BOX_KEEPS
fi
[ -e "$tree" ] || [ -L "$tree" ] || { echo "grade: no such folder or archive: $tree" >&2; exit 2; }
if [ -L "$tree" ]; then
    echo "grade: refused: $tree is a symbolic link; give the folder itself" >&2
    exit 3
fi
# (Paths taken apart by bash itself: every process this script starts
# costs a fork, and a batch grades hundreds of labs.)
# dir_of PATH: what dirname prints, in REPLY.
dir_of() {
    local p=$1
    while [[ $p == ?*/ ]]; do p=${p%/}; done
    case $p in
    */*) p=${p%/*}; while [[ $p == ?*/ ]]; do p=${p%/}; done; REPLY=${p:-/} ;;
    *) REPLY=. ;;
    esac
}
while [[ $tree == ?*/ ]]; do tree=${tree%/}; done
dir_of "$tree"
cd -- "$REPLY" || exit 2
tree=$PWD/${tree##*/}
cd -- "$here" || exit 2
if [ -z "$tag" ]; then
    tag=${tree##*/}
    tag=${tag//[^A-Za-z0-9_.-]/_}
    tag=${tag/#./_}
fi
dir_of "$results"
[ -n "$junit" ] || junit="$REPLY/junit.xml"
out="$kit/build/grade/$tag"
results_dir=$REPLY
dir_of "$junit"
[ -d "$results_dir" ] && [ -d "$REPLY" ] || mkdir -p "$results_dir" "$REPLY" || exit 2
scale=${CK_TIMEOUT_MULTIPLIER:-${TIMEOUT_SCALE:-1}}
case $scale in '' | *[!0-9]*) scale=1 ;; esac
[ "$scale" -ge 1 ] || scale=1

# A fresh output folder.  Everything under it was made by this script or
# by a box that is gone, so removing it cannot be raced.
rm -rf "$out"
{ [ -d "$kit/build/grade" ] || mkdir -p "$kit/build/grade"; } && mkdir -m 700 "$out" "$out/.records" "$out/.tables" "$out/collected" || exit 2

# The labs the kit has tests for, optionally only some.
labs=()
for bin in "$kit"/build/tests/[0-9][0-9]-*; do
    [ -x "$bin" ] || continue
    name=${bin##*/}
    [ -z "$lab" ] && { labs+=("$name"); continue; }
    for want in ${lab//,/ }; do
        case $want in
        "$name" | "${name%%-*}") labs+=("$name") ;;
        esac
    done
done
if [ ${#labs[@]} -eq 0 ]; then
    known=()
    for bin in "$kit"/build/tests/[0-9][0-9]-*; do
        [ -f "$bin" ] && [ -x "$bin" ] && known+=("${bin##*/}")
    done
    echo "grade: no lab matches LAB=$lab; the labs are: ${known[*]:-none built (run make)}" >&2
    exit 2
fi

# Hidden tests are compiled into their lab's test program.  Where there is
# no box and the grader is not root, the student's programs would run as
# the grader's own user, who can read that program: refuse to run them
# there, and say what to do (a results.json says it too, for a platform).
if [ "$KIT_BOX_MODE" = fallback ] && [ "$EUID" -ne 0 ]; then
    with_hidden=()
    for name in "${labs[@]}"; do
        [ -e "$kit/tests/hidden/$name.c" ] && with_hidden+=("$name")
    done
    if [ ${#with_hidden[@]} -gt 0 ]; then
        why="refused: ${with_hidden[*]} hold(s) hidden tests, and here there is no box: student code would run as this user, who can read them. Grade as root (student code then runs as a uid of its own) or where bubblewrap can make its namespaces."
        echo "grade: $why" >&2
        printf '{"score": 0, "output": "%s", "tests": []}\n' "${why//\"/\\\"}" >"$results"
        exit 3
    fi
fi

# The runner's records: one file per lab and kind, opened here and handed
# to the box as descriptors; nothing inside the box has a path to them.
rec="$out/.records"

# Stop everything on an interrupt (Ctrl-C, a TERM from `timeout`): every
# process below this one gets a TERM; each box launcher then kills its box
# and its cgroup.  Background jobs of a script ignore SIGINT, so a TERM it
# is, sent down the whole tree.
kill_tree() {
    local p
    for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        kill_tree "$p"
        kill -TERM "$p" 2>/dev/null
    done
}
on_signal() {
    trap - INT TERM HUP
    kill_tree $$
    wait
    echo "grade: interrupted" >&2
    exit 130
}
trap on_signal INT TERM HUP

# The submission's path as it may be shown: a file name can hold control
# bytes (escape sequences for the terminal that reads the report).
shown_tree=${tree//[[:cntrl:]]/?}
[ $quiet -eq 1 ] || echo "Grading $shown_tree"

# ---- collect the student's files, in a box --------------------------------
# Each lab's tables, asked of its test program once: the files a student
# edits, and every test (points, what, bug), the public ones first.
for name in "${labs[@]}"; do
    "$kit/build/tests/$name" --tables "$out/.tables/$name" || exit 2
    read -r files <"$out/.tables/$name.files"
    echo "$name $files"
done >"$out/labs.list"
# A TEST= that names no test of these labs is a typo, not a 0/0.
# (Hidden tests may be named too, but only the public ones are listed.)
if [ -n "$test" ]; then
    tables=("${labs[@]/#/$out/.tables/}")
    for want in ${test//,/ }; do
        cut -f1 "${tables[@]/%/.list}" | grep -qxF -- "$want" && continue
        echo "grade: no test named '$want' in ${labs[*]}; the tests are:" >&2
        for name in "${labs[@]}"; do
            echo "   $name: $(cut -f1 "$out/.tables/$name.public" | paste -sd' ' -)" >&2
        done
        exit 2
    done
fi
collect_args=(--in "$tree" --labs "$out/labs.list")
[ $flat -eq 1 ] && collect_args+=(--flat)
"$kit/tests/box.sh" collect "${collect_args[@]}" 2>"$out/collect.log" |
    tar -xf - -C "$out/collected" --no-same-owner --no-same-permissions 2>"$out/untar.log"
pst=("${PIPESTATUS[@]}")
crc=${pst[0]}
# (tar's complaint about an empty stream is no news when collecting failed.)
if [ "$crc" -eq 0 ] && [ "${pst[1]}" -ne 0 ]; then
    crc=6
    cat "$out/untar.log" >>"$out/collect.log"
fi
if [ $crc -ne 0 ] && [ $crc -ne 5 ]; then
    echo "grade: the submission was refused:" >&2
    sed 's/^/   /' "$out/collect.log" | tr -d '\000-\010\013-\037\177' >&2
    exit 3
fi
if [ -s "$out/collect.log" ] && [ $quiet -eq 0 ]; then
    echo "Submission:"
    tr -d '\000-\010\013-\037\177' <"$out/collect.log" | sed 's/^/   /'
fi
[ $quiet -eq 1 ] || echo

# synclib is the kit's own code, never a student's: compile it once, as a
# lab's Makefile would (same rules, flags and SAN, a clean environment),
# and give every lab the objects instead of compiling it again in each
# box.  Cached in build/ per SAN; make rebuilds it when synclib changes.
# Without it (no compiler here), each box compiles synclib itself.
# (Folder named by the flags themselves; make is asked only when an
# object is older than a source, or missing: most gradings need no fork.)
key=${SAN:-plain}
libobj="$kit/build/labobj/${key//[^A-Za-z0-9=,_-]/_}"
libobjs=("$libobj/synclib.o" "$libobj/err.o" "$libobj/ipcname.o" "$libobj/util.o" "$libobj/bench.o")
stale=0
for f in "${libobjs[@]}"; do
    [ -f "$f" ] || { stale=1; break; }
    for src in "$kit"/synclib/*.[ch] "$kit"/mk/*.mk; do
        [ "$src" -nt "$f" ] && { stale=1; break 2; }
    done
done
if [ $stale = 1 ] && ! { mkdir -p "$libobj" &&
    (flock 9 && printf 'PROGS =\ninclude %s/mk/lab.mk\n' "$kit" >"$libobj/Makefile" &&
        exec env -i PATH="$PATH" SAN="${SAN:-}" make -s -C "$libobj" synclib.o err.o ipcname.o util.o bench.o) \
        9>"$libobj/.lock" >/dev/null 2>&1; }; then
    libobjs=()
fi

# The kit's own lab sources, compiled once too (per SAN, as synclib is):
# a file a submission hands in byte for byte as the kit has it (a given .c
# the student was not asked to edit, such as lab 16's ipcbench.c, or the
# solutions make test grades) is linked from these objects instead of
# being compiled again in every box.  Only a file that compares equal to
# the kit's copy (cmp, in grade_lab) takes one: for any other the box
# compiles the student's bytes as before.
declare -A kitobj=()
srcobj=$libobj/src
kit_objects() {
    local name src f files objs stale=() stamp
    for name in "${labs[@]}"; do
        src=$kit/solutions/$name
        [ -d "$src" ] || src=$kit/tests/given/$name
        read -r files <"$out/.tables/$name.files"
        objs=()
        for f in $files; do
            [[ $f == *.c && $f != */* ]] && [ -f "$src/$f" ] && objs+=("${f%.c}.o")
        done
        [ ${#objs[@]} -gt 0 ] || continue
        stamp=$srcobj/solutions/$name/.built
        if [ -f "$stamp" ]; then
            for f in "$src"/* "$kit"/mk/*.mk "$kit"/synclib/*.h "$kit/labs/$name/Makefile"; do
                [ "$f" -nt "$stamp" ] && { stale+=("$name:$src:${objs[*]}"); break; }
            done
        else
            stale+=("$name:$src:${objs[*]}")
        fi
        for f in "${objs[@]}"; do kitobj[$name/${f%.o}.c]=$srcobj/solutions/$name/$f; done
    done
    [ ${#stale[@]} -gt 0 ] || return 0
    # A copy of the lab beside links to mk/ and synclib/, so that its own
    # Makefile builds the objects with the kit's rules and flags.
    mkdir -p "$srcobj/solutions" && ln -sfn "$kit/mk" "$srcobj/mk" &&
        ln -sfn "$kit/synclib" "$srcobj/synclib" || return 1
    (
        flock 9 || exit 1
        for entry in "${stale[@]}"; do
            IFS=: read -r name src list <<<"$entry"
            d=$srcobj/solutions/$name
            mkdir -p "$d" && cp -p "$src"/*.[ch] "$kit/labs/$name/Makefile" "$d/" &&
                env -i PATH="$PATH" SAN="${SAN:-}" make -s -C "$d" $list >/dev/null 2>&1 &&
                touch "$d/.built" || rm -f "$d/.built" "$d"/*.o
        done
    ) 9>"$libobj/.src-lock"
}
[ ${#libobjs[@]} -gt 0 ] && kit_objects

sub=""
[ "$tree" = "$kit/labs" ] || sub=" SUBMISSION=$(printf '%q' "$shown_tree")"
t_start=$EPOCHSECONDS
sub_budget=$((${KIT_SUBMISSION_BUDGET:-1800} * scale))
[ $quiet -eq 1 ] || printf 'Budgets: each lab 60 s + 25 s a test, the submission %s s (x TIMEOUT_SCALE=%s)\nWhere: %s\n\n' \
    "$sub_budget" "$scale" "$KIT_BOX_KEEPS"

# grade_lab NAME: put the lab's given files together, then build and test
# them in a box; the runner's records go to $rec/NAME.*, its report to
# $g/report.txt.  Labs share nothing, so several can run at once.
grade_lab() {
    local name=$1 bin="$kit/build/tests/$1" g="$out/$1" f
    # (0700 for both: given/ is opened to the box's uid below.)
    mkdir -p -m 700 "$g/io" "$g/given/labs/$name"
    local take=("$kit/labs/$name/Makefile" "${libobjs[@]}") files
    : >"$g/given/.kit-missing"
    read -r files <"$out/.tables/$name.files"
    # The kit's own copy of the given files: the solution's (the
    # instructor's copy), or in the student edition the pristine copy
    # tests/export/package.sh puts in tests/given/ (labs/ is the student's).
    local given_src=$kit/solutions/$name
    [ -d "$given_src" ] || given_src=$kit/tests/given/$name
    for f in $files; do
        # A lab's headers are given (none has a TODO: make test checks):
        # the kit's copy is built, whatever the submission's says, and a
        # copy that differs is named in the report.
        if [[ $f == *.h ]] && [ -f "$given_src/$f" ]; then
            take+=("$given_src/$f")
            [ -f "$out/collected/labs/$name/$f" ] &&
                ! cmp -s "$out/collected/labs/$name/$f" "$given_src/$f" &&
                echo "$f" >>"$g/given-changed"
            continue
        fi
        # NN-topic/FILE: another lab's file this lab builds on (lab 15
        # builds lab 09's mipc.c); collected into this lab as FILE.
        if [ -f "$out/collected/labs/$name/${f##*/}" ]; then
            take+=("$out/collected/labs/$name/${f##*/}")
            # The kit's own bytes: the kit's object (see kit_objects).
            local obj=${kitobj[$name/$f]:-}
            [ -n "$obj" ] && [ -f "$obj" ] &&
                cmp -s "$out/collected/labs/$name/$f" "$given_src/$f" && take+=("$obj")
        elif [[ $f == */* ]]; then
            echo "missing file: $f (this lab builds your ${f%%/*} lab's ${f##*/})" >>"$g/given/.kit-missing"
        else
            echo "missing file: $name/$f" >>"$g/given/.kit-missing"
        fi
    done
    # (a+rX: the kit's own files may be private to its owner; the box's
    # uid must read them.)
    cp -r "$kit/mk" "$kit/synclib" "$g/given/" && cp "${take[@]}" "$g/given/labs/$name/" &&
        chmod -R a+rX "$g/given" || return 1
    local ntests budget left lines
    mapfile -t lines <"$out/.tables/$name.list"
    ntests=${#lines[@]}
    budget=$(((60 + 25 * ntests) * scale))
    left=$((sub_budget - (EPOCHSECONDS - t_start)))
    [ "$left" -lt "$budget" ] && budget=$left
    : >"$rec/$name.jsonl"
    : >"$rec/$name.tsv"
    : >"$rec/$name.junit"
    if [ "$budget" -le 0 ]; then
        echo "submission budget" >"$g/io/.stopped"
        : >"$g/report.txt"
        echo "box: not run: the submission's ${sub_budget}s budget ran out" >"$g/runner.log"
        return 0
    fi
    local envs=(--env "KIT_TEST=$test" --env "KIT_RERUN=make grade LAB=${name%%-*}$sub"
        --env KIT_JSON=/proc/self/fd/3 --env KIT_TSV=/proc/self/fd/4
        --env KIT_JUNIT=/proc/self/fd/5 --env "KIT_KEEP_SHOWN=$g/io"
        --env "CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-$scale}")
    local v
    for v in SAN ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS KIT_WRAP KIT_AS_LIMIT_MB KIT_TEST_JOBS \
        KIT_HIDDEN_VISIBILITY; do
        [ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
    done
    local t0=$EPOCHREALTIME
    "$kit/tests/box.sh" grade --lab "$name" --given "$g/given" --keep "$g/io" \
        --runner "$bin" --budget "$budget" "${envs[@]}" \
        3>>"$rec/$name.jsonl" 4>>"$rec/$name.tsv" 5>>"$rec/$name.junit" \
        >"$g/report.txt" 2>"$g/runner.log" </dev/null
    echo $? >"$g/status"
    # answers.md: the student's answers to the handout's marked questions,
    # kept beside the report for whoever reads them (never built or run).
    local note=""
    if [ -f "$out/collected/labs/$name/answers.md" ]; then
        # (Control bytes dropped, tab and newline kept: it is read in a
        # terminal too, where an escape sequence would act.)
        tr -d '\000-\010\013-\037\177' <"$out/collected/labs/$name/answers.md" >"$g/answers.md"
        local blank=$kit/tests/given/$name/answers.md
        [ -d "$kit/solutions" ] && blank=$kit/labs/$name/answers.md
        if [ -f "$blank" ] && cmp -s "$blank" "$out/collected/labs/$name/answers.md"; then
            note="answers.md: handed in as the kit gave it (no answer written yet)"
        else
            note="answers.md: handed in ($(wc -l <"$g/answers.md") lines), kept as $g/answers.md"
        fi
    fi
    if [ -n "$note" ]; then
        awk -v note="$note" '{ print } NR == 1 { print "   " note }' "$g/report.txt" >"$g/report.new" &&
            mv "$g/report.new" "$g/report.txt"
    fi
    if [ -f "$g/given-changed" ]; then
        local changed
        changed=$(tr '\n' ' ' <"$g/given-changed")
        awk -v changed="${changed% }" '
            { print }
            NR == 1 {
                n = split(changed, f, " ")
                printf "   note: your %s differ%s from the kit'"'"'s: %s given, not yours to change, so the kit'"'"'s copy was used\n", \
                    changed, n == 1 ? "s" : "", n == 1 ? "it is" : "they are"
            }' "$g/report.txt" >"$g/report.new" && mv "$g/report.new" "$g/report.txt"
    fi
    local t1=$EPOCHREALTIME
    t0=${t0/./} t1=${t1/./}
    echo $(((10#$t1 - 10#$t0) / 1000)) >"$g/ms"
}

# fill_lab NAME: every test the kit has for the lab that the runner did not
# record (the box was stopped, or the runner died) scores 0, with why.
fill_lab() {
    local name=$1 g="$out/$1" why st=none stopped npub
    [ -f "$g/status" ] && read -r st <"$g/status"
    if [ -f "$g/io/.stopped" ]; then
        read -r stopped <"$g/io/.stopped"
        why="not run: the $stopped ran out before this test finished"
    else
        why="not run: the grader could not run this lab (exit status $st; see $g/runner.log)"
    fi
    mapfile -t npub <"$out/.tables/$name.public"
    # Every test wanted has its record (the usual case): nothing to fill,
    # and no awk to start.
    local -A seen=()
    local t all=1
    while IFS=$'\t' read -r _ t _; do seen[$t]=1; done <"$rec/$name.tsv"
    while IFS=$'\t' read -r t _; do
        [ -n "$test" ] && [[ ",$test," != *",$t,"* ]] && continue
        [ -n "${seen[$t]:-}" ] || { all=0; break; }
    done <"$out/.tables/$name.list"
    [ $all = 1 ] || awk -F'\t' -v lab="$name" -v want=",$test," \
        -v why="$why" -v npub="${#npub[@]}" \
        -v tsv="$rec/$name.tsv" -v json="$rec/$name.jsonl" -v junit="$rec/$name.junit" '
        function js(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
        function xs(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
        BEGIN { while ((getline line < tsv) > 0) { split(line, f, "\t"); seen[f[2]] = 1 } }
        {
            n++
            if (want != ",," && index(want, "," $1 ",") == 0) next
            if ($1 in seen) next
            vis = (npub > 0 && n > npub) ? "hidden" : "visible"
            printf "%s\t%s\t0\t%d\tFAIL\t%s\n", lab, $1, $2, vis >> tsv
            printf "{\"name\": %s, \"score\": 0, \"max_score\": %d, \"output\": %s, \"visibility\": \"%s\"}\n", \
                js(lab "/" $1 ": " $3), $2, js(why), (vis == "hidden" ? "after_published" : "visible") >> json
            missing = missing sprintf("  <testcase classname=\"%s\" name=\"%s\"><failure message=\"%s\">%s</failure></testcase>\n", lab, $1, xs($3), xs(why))
            m++
        }
        END { if (m) printf "<testsuite name=\"%s-not-run\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n%s</testsuite>\n", lab, m, m, missing >> junit }' \
        "$out/.tables/$name.list"
    if [ -f "$g/io/.stopped" ] || { [ "$st" != 0 ] && [ "$st" != 1 ]; }; then
        {
            echo "== $name"
            echo "   $why"
            grep '^box:' "$g/runner.log" | tr -d '\000-\010\013-\037\177' | sed 's/^/   /'
            echo
        } >>"$g/report.txt"
    fi
}

report_lab() {
    local g="$out/$1"
    fill_lab "$1"
    [ $quiet -eq 1 ] || {
        grep '^box:' "$g/runner.log" | tr -d '\000-\010\013-\037\177' | sed 's/^/   /'
        cat "$g/report.txt"
    }
}

# Up to $jobs labs at a time, the longest first (as the last gradings on
# this machine measured them, in build/grade/.lab-ms; the later labs
# first when none did), so that no long lab starts last.  Reports come out
# in lab order as soon as each lab and the ones before it are done.
declare -A pid_of=() secs=()
if [ -f "$kit/build/grade/.lab-ms" ]; then
    while read -r name t; do secs[$name]=$t; done <"$kit/build/grade/.lab-ms"
fi
order=("${labs[@]}")
if [ ${#labs[@]} -gt 1 ]; then
    order=()
    while read -r _ name; do order+=("$name"); done < <(
        for i in "${!labs[@]}"; do echo "${secs[${labs[$i]}]:-0}.$((1000 + i)) ${labs[$i]}"; done |
            sort -rn)
fi
shown=0
show_ready() {
    local name pid
    while [ $shown -lt ${#labs[@]} ]; do
        name=${labs[$shown]}
        pid=${pid_of[$name]:-}
        [ -n "$pid" ] || return 0
        if [ "${1:-}" != all ] && kill -0 "$pid" 2>/dev/null; then
            return 0
        fi
        wait "$pid"
        report_lab "$name"
        shown=$((shown + 1))
    done
}
running() { # sets $n: the labs still being graded
    local p
    n=0
    for p in "${pid_of[@]}"; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
}
for name in "${order[@]}"; do
    running
    while [ "$n" -ge "$jobs" ]; do wait -n; running; done
    grade_lab "$name" &
    pid_of[$name]=$!
    show_ready
done
show_ready all

# ---- join the records ----------------------------------------------------
# Each test counts once (its first record), for at most its points in the
# kit's own table; the records' order is the labs' order.
status=0
joined=() jsonls=() junits=()
for name in "${labs[@]}"; do
    joined+=("$out/.tables/$name.list" "$rec/$name.tsv")
    jsonls+=("$rec/$name.jsonl")
    junits+=("$rec/$name.junit")
    st=none
    [ -f "$out/$name/status" ] && read -r st <"$out/$name/status"
    if [ "$st" != 0 ] && [ "$st" != 1 ] && [ ! -f "$out/$name/io/.stopped" ]; then
        status=3
    fi
done
# Pairs of files: a lab's table of tests (NAME.list), then its records.
awk -F'\t' '
    FILENAME ~ /\.list$/ {
        if (FNR == 1) { lab = FILENAME; sub(/.*\//, "", lab); sub(/\.list$/, "", lab); split("", max); split("", seen) }
        max[$1] = $2; next
    }
    $1 == lab && ($2 in max) && !($2 in seen) {
        seen[$2] = 1
        s = $3 + 0; if (s > max[$2]) s = max[$2]; if (s < 0) s = 0
        printf "%s\t%s\t%d\t%d\t%s\t%s\n", lab, $2, s, max[$2], (s == max[$2] && $5 == "PASS") ? "PASS" : "FAIL", ($6 == "hidden" ? "hidden" : "visible")
    }' "${joined[@]}" >"$out/scores.tsv"
# How long each lab took when all its tests ran and passed: the order of
# the next grading.  (Only passing labs: one that failed at once, or slept
# to its budget, says nothing of how long the lab takes.)
# The totals on the way: visible points, and how many tests are hidden.
declare -A failing=()
vscore=0 vmax=0 hcount=0
while IFS=$'\t' read -r name _ sc mx st vis; do
    [ "$st" = PASS ] || failing[$name]=1
    if [ "$vis" = hidden ]; then
        hcount=$((hcount + 1))
    else
        vscore=$((vscore + sc)) vmax=$((vmax + mx))
    fi
done <"$out/scores.tsv"
if [ -z "$test" ]; then
    for name in "${labs[@]}"; do
        [ -z "${failing[$name]:-}" ] && [ -f "$out/$name/ms" ] && read -r "secs[$name]" <"$out/$name/ms"
    done
    for name in "${!secs[@]}"; do echo "$name ${secs[$name]}"; done >"$kit/build/grade/.lab-ms.$$" &&
        mv -f "$kit/build/grade/.lab-ms.$$" "$kit/build/grade/.lab-ms"
fi
keeps_js=${KIT_BOX_KEEPS//\\/\\\\}
keeps_js=${keeps_js//\"/\\\"}
{
    # With hidden tests, no top-level score: Gradescope then adds up the
    # tests, each shown by its own visibility.
    if [ "$hcount" -gt 0 ]; then
        printf '{"output": "Graded %s lab(s): %s/%s points in the tests shown now; hidden tests: after publication.\\nWhere: %s", "tests": [\n' \
            "${#labs[@]}" "$vscore" "$vmax" "$keeps_js"
    else
        printf '{"score": %s, "output": "Graded %s lab(s): %s/%s points.\\nWhere: %s", "tests": [\n' \
            "$vscore" "${#labs[@]}" "$vscore" "$vmax" "$keeps_js"
    fi
    # (One stream over every lab's records: a comma after all but the
    # last line.)
    sed '$!s/$/,/' "${jsonls[@]}"
    printf ']}\n'
} >"$results"
{
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuites name=\"ipckit\">"
    cat "${junits[@]}"
    echo "</testsuites>"
} >"$junit"
given=("${labs[@]/#/$out/}")
rm -rf "$rec" "$out/.tables" "$out/untar.log" "$out/collected" \
    "${given[@]/%//given}"
if [ $quiet -eq 0 ]; then
    echo "Summary"
    awk -F'\t' '$6 != "hidden" {s[$1] += $3; m[$1] += $4; if (!($1 in o)) o[$1] = n++}
        END {for (l in o) k[o[l]] = l
             for (i = 0; i < n; i++) printf "   %-12s %3d/%d\n", k[i], s[k[i]], m[k[i]]}' \
        "$out/scores.tsv"
    echo "TOTAL $vscore/$vmax"
    [ "$hcount" -gt 0 ] && echo "($hcount hidden test(s): results after publication)"
    echo "Results: $results (Gradescope format), $junit (JUnit XML)"
fi
[ $status -eq 0 ] || echo "grade: some labs could not be graded (see the report)" >&2
exit $status
