#!/bin/bash
# box-inside.sh - what runs inside the grading box (tests/box.sh starts it;
# never run it by hand).  Two stages, chosen by KIT_STAGE:
#
#   collect  unpack a submission (an archive on stdin, as the box's own
#            uid) or read a folder (/in), pick out the files a student
#            edits (regular files only, no links), and write them to
#            stdout as a tar stream of labs/NN-topic/FILE.
#   grade    copy the lab's given files, build them as the box's uid, then
#            become the lab's test program, executed from descriptor 9.
#
# Inside a bubblewrap box the paths are fixed (/box, /in, /x, /out); in the
# fallback they live under KIT_BOX_ROOT.  As root (KIT_BOX_UID set) every
# step that touches the student's bytes runs as that uid.
set -uo pipefail
export LC_ALL=C
umask 022

U=${KIT_BOX_UID:-}
AS=()
if [ -n "$U" ]; then
    AS=(setpriv --reuid="$U" --regid="$U" --clear-groups --inh-caps=-all --no-new-privs)
fi
R=${KIT_BOX_ROOT:-}

# uid_alive UID: a live process (not a zombie) of UID, real, effective or
# saved?
uid_alive() {
    awk -v u="$1" 'FNR == 1 {z = 0} $1 == "State:" {z = ($2 == "Z")}
        $1 == "Uid:" && !z && ($2 == u || $3 == u || $4 == u) {f = 1; exit}
        END {exit !f}' /proc/[0-9]*/status 2>/dev/null
}

# sweep: no process of the student's may outlive a step.  In a box every
# process but the box's init and this shell is the student's; in the
# fallback, every process of the box's uid.
sweep() {
    local i p pid left
    if [ -z "$R" ]; then
        for ((i = 0; i < 50; i++)); do
            left=0
            for p in /proc/[0-9]*; do
                pid=${p#/proc/}
                [ "$pid" -eq 1 ] || [ "$pid" -eq $$ ] || [ "$pid" -eq "${BASHPID:-$$}" ] && continue
                grep -q '^State:.*Z' "$p/status" 2>/dev/null && continue
                kill -KILL "$pid" 2>/dev/null && left=1
            done
            [ $left = 0 ] && break
        done
    elif [ -n "$U" ]; then
        # (kill -1 succeeds whenever any other process exists, even one it
        # may not signal: /proc says whether a live one of U is left.)
        for ((i = 0; i < 20; i++)); do
            uid_alive "$U" || break
            "${AS[@]}" /bin/kill -KILL -1 2>/dev/null
        done
    fi
    return 0
}

collect() {
    local X=${R:+$R}/x OUT=${R:+$R}/out IN LIST=${KIT_LABS_LIST:-/labs.list}
    [ -n "$U" ] && chown "$U:$U" "$X"
    if [ "${KIT_COLLECT_KIND:-dir}" = archive ]; then
        # The archive arrives on stdin; GNU tar unpacks it as the box's
        # uid (no device nodes, no owners), each file at most 64 MiB, the
        # whole tree bounded by the size of the box's /x.
        cat >"$X/.archive" || { echo "refused: cannot read the archive" >&2; exit 4; }
        chmod 644 "$X/.archive"
        mkdir "$X/t" && [ -z "$U" ] || chown "$U:$U" "$X/t"
        local rc
        # (In braces with stderr closed: bash's own note that the job died
        # of SIGXFSZ is not for the report.)
        { (ulimit -f 65536 && exec "${AS[@]}" tar -xf "$X/.archive" -C "$X/t" \
            --no-same-owner --no-same-permissions --no-overwrite-dir) >"$X/.log" 2>&1; } 2>/dev/null
        rc=$?
        if [ $rc -eq 153 ]; then # SIGXFSZ
            echo "refused: the archive cannot be unpacked: a file in it is larger than 64 MiB" >&2
            exit 4
        elif [ $rc -ne 0 ]; then
            echo "refused: the archive cannot be unpacked: $(grep -v '^tar: Exiting' "$X/.log" | tail -2 | tr '\n' ' ' | cut -c1-300)" >&2
            exit 4
        fi
        rm -f "$X/.archive"
        sweep
        local n
        n=$(find "$X/t" | head -n $((${KIT_ARCHIVE_MAX_FILES:-10000} + 2)) | wc -l)
        if [ "$n" -gt "${KIT_ARCHIVE_MAX_FILES:-10000}" ]; then
            echo "refused: the archive holds more than ${KIT_ARCHIVE_MAX_FILES:-10000} files" >&2
            exit 4
        fi
        IN=$X/t
    else
        IN=${KIT_COLLECT_IN:-/in}
    fi
    # linked PATH: is PATH, or a folder on the way to it from IN, a link?
    # (Bash's own tests and string edits: no process per path.)
    linked() {
        local p=$1
        while [ "$p" != "$IN" ] && [ "$p" != / ] && [ -n "$p" ]; do
            [ -L "$p" ] && return 0
            p=${p%/*}
        done
        return 1
    }
    local found=0 lab files f c dir src take
    while read -r lab files; do
        [ -n "$lab" ] || continue
        dir=""
        for c in "$IN/labs/$lab" "$IN/$lab" "$IN"/*/labs/"$lab" "$IN"/*/"$lab" \
            "$IN"/*/*/labs/"$lab" "$IN"/*/*/"$lab"; do
            if [ -L "$c" ] || { [ -e "$c" ] && linked "$c"; }; then
                echo "refused: ${c#"$IN"/} is a symbolic link (or lies behind one)" >&2
                dir=refused
                break
            fi
            [ -d "$c" ] && { dir=$c; break; }
        done
        [ "$dir" = refused ] && continue
        take=()
        for f in $files; do
            src=""
            if [[ $f == */* ]]; then
                # Another lab's file (NN-topic/FILE: lab 15 builds lab 09's
                # mipc.c), from the folder beside this lab's, and only with
                # this lab: it is copied in as FILE.
                if [ -n "$dir" ] && { [ -e "${dir%/*}/$f" ] || [ -L "${dir%/*}/$f" ]; }; then
                    src=${dir%/*}/$f
                    if linked "$src"; then
                        echo "refused: ${src#"$IN"/} is a symbolic link (or lies behind one)" >&2
                        continue
                    fi
                elif [ "${KIT_COLLECT_FLAT:-0}" = 1 ]; then
                    src=$(find -P "$IN" -path "*/$f" \( -type f -o -type l \) 2>/dev/null | sort | head -1)
                    [ -n "$src" ] || src=$(find -P "$IN" -name "${f##*/}" \( -type f -o -type l \) 2>/dev/null | sort | head -1)
                fi
            elif [ -n "$dir" ] && { [ -e "$dir/$f" ] || [ -L "$dir/$f" ]; }; then
                src=$dir/$f
            elif [ "${KIT_COLLECT_FLAT:-0}" = 1 ]; then
                src=$(find -P "$IN" -name "$f" \( -type f -o -type l \) 2>/dev/null | sort | head -1)
            fi
            [ -n "$src" ] || continue
            if [ -L "$src" ] || [ ! -f "$src" ]; then
                echo "refused: ${src#"$IN"/} is not a regular file" >&2
                continue
            fi
            take+=("$src")
        done
        [ ${#take[@]} -gt 0 ] || continue
        # The answers to the handout's questions, if the lab has them: text
        # kept with the report, never built.
        if [ -n "$dir" ] && [ -f "$dir/answers.md" ] && [ ! -L "$dir/answers.md" ]; then
            take+=("$dir/answers.md")
        fi
        mkdir -p "$OUT/labs/$lab"
        # One copy for all the lab's files, each at most 1 MiB: a larger
        # one stops cp with SIGXFSZ; only then are they copied one by one
        # to name it.  cp -P copies a link as a link: a file swapped for
        # one after the tests above is caught by the test below.
        # (In braces with stderr closed: bash's own note that cp died of
        # SIGXFSZ is not for the report.)
        if ! { (ulimit -f 1024 && exec cp -P --preserve=mode "${take[@]}" "$OUT/labs/$lab/") 2>/dev/null; } 2>/dev/null; then
            for src in "${take[@]}"; do
                f=$OUT/labs/$lab/${src##*/}
                rm -f "$f"
                { (ulimit -f 1024 && exec cp -P --preserve=mode "$src" "$f") 2>/dev/null; } 2>/dev/null && continue
                rm -f "$f"
                if [ "$(stat -c %s "$src" 2>/dev/null || echo 0)" -gt $((1 << 20)) ]; then
                    echo "refused: ${src#"$IN"/} is larger than 1 MiB" >&2
                else
                    echo "refused: ${src#"$IN"/} cannot be read" >&2
                fi
            done
        fi
        for src in "${take[@]}"; do
            f=$OUT/labs/$lab/${src##*/}
            if [ -L "$f" ]; then
                rm -f "$f"
                echo "refused: ${src#"$IN"/} changed while it was read" >&2
            elif [ -f "$f" ]; then
                found=1
            fi
        done
    done <"$LIST"
    [ $found = 1 ] || { echo "no lab files found (expected labs/NN-topic/ folders)" >&2; exit 5; }
    tar -C "$OUT" -cf - labs
}

grade() {
    local B=${R:-/box} lab=$KIT_LAB
    local given=$B/given keep=$B/keep src=$B/src run=$B/run log=$B/log
    mkdir -p "$src" "$run" "$log" || exit 125
    [ -n "$U" ] && chown "$U:$U" "$src"
    # The build: the student's files compiled as the box's uid, bounded in
    # time, file size and memory; the log is opened here, by the box's
    # owner, so the build can only write through its descriptor.  The
    # test program's descriptor (9) and the records (3-5) stay out of it.
    # synclib's objects come compiled by the kit (tests/grade.sh): touched
    # after the copy, so make takes them as newer than synclib's sources.
    : >"$log/build.log"
    if [ -s "$given/.kit-missing" ]; then
        cat "$given/.kit-missing" >>"$log/build.log"
    fi
    (
        ulimit -f 131072 -t 120 -v 524288 2>/dev/null
        exec "${AS[@]}" timeout -s KILL 120 /bin/sh -c \
            'cp -R "$0"/. "$1"/ && touch -c "$1/labs/$2"/*.o && rm -f "$1/.kit-missing" && exec make -s -C "$1/labs/$2"' \
            "$given" "$src" "$lab"
    ) >>"$log/build.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 9<&-
    local rc=$?
    sweep
    if [ $rc -ne 0 ] || [ -s "$given/.kit-missing" ]; then
        [ $rc -eq 137 ] && echo "the build was stopped after 120 s" >>"$log/build.log"
        export KIT_BUILD_LOG=$log/build.log
    fi
    [ -n "$R" ] && chmod 755 "$B"
    export KIT_PROG_DIR=$src/labs/$lab KIT_RUN_DIR=$run KIT_KEEP_DIR=$keep
    [ -z "$R" ] && export KIT_BOXED=1
    unset KIT_STAGE KIT_LAB KIT_BOX_ROOT
    exec /proc/self/fd/9
}

case ${KIT_STAGE:-} in
collect) collect ;;
grade) grade ;;
*) echo "box-inside.sh: run by tests/box.sh only" >&2; exit 2 ;;
esac
