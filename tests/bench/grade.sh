#!/usr/bin/env bash
# grade.sh (bench) - how long one full, correct submission takes to grade,
# as `make grade` grades it (2 labs a CPU at a time, every lab in a box).
#
# The submission is the reference solutions with a comment line added to
# every file a student edits (a file with a TODO in the skeleton): each is
# then compiled in its box from the student's bytes, as a real submission
# is.  (The kit links from its own objects only a file that is byte for
# byte the kit's: the unchanged solutions, graded as they are, show how
# much that saves, on the second line.)
#
# RUNS (default 3) gradings of each; prints the median wall time with the
# spread, the CPU time the machine spent, the longest lab, and the ratio
# to the target (8 s on this 2-core machine).  A benchmark, not a test:
# it exits 0 whether the target holds or not, non-zero only when a
# grading fails or loses points.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
target=8
jobs=$((2 * $(nproc)))
work=build/bench/grade
rm -rf "$work"
mkdir -p "$work/edited"
cp -r solutions "$work/edited/labs"
n=0
for f in labs/[0-9][0-9]-*/*.c; do
    grep -q 'TODO [0-9]' "$f" || continue
    lab=${f%/*} lab=${lab##*/}
    printf '/* a student'"'"'s copy */\n' >>"$work/edited/labs/$lab/${f##*/}"
    n=$((n + 1))
done
make -s tests

busy() { # ticks the CPUs were busy, from /proc/stat
    local _ u ni sy
    read -r _ u ni sy _ </proc/stat
    echo $((u + ni + sy))
}
load=$(cut -d' ' -f1 /proc/loadavg)
echo "machine: $(nproc) CPUs, $(uname -r); load average before: $load"
awk -v l="$load" 'BEGIN { exit !(l > 0.5) }' &&
    echo "WARNING: the machine is busy (load $load): the figures below are slower than this machine's own"

# one TREE LABEL: RUNS gradings; prints the line
one() {
    local tree=$1 label=$2 i t0 t1 c0 c1 walls=() cpus=() longest=0 ms score
    for ((i = 1; i <= runs; i++)); do
        c0=$(busy)
        t0=$EPOCHREALTIME
        tests/grade.sh --tree "$tree" --tag "bench-grade" --quiet --jobs "$jobs" \
            --results "$work/r.json" || { echo "grading failed" >&2; exit 1; }
        t1=$EPOCHREALTIME
        c1=$(busy)
        score=$(awk -F'\t' '{s += $3; m += $4} END {print s "/" m}' build/grade/bench-grade/scores.tsv)
        [ "${score%/*}" = "${score#*/}" ] || { echo "$label: lost points ($score)" >&2; exit 1; }
        walls+=("$(awk -v a="${t0/./}" -v b="${t1/./}" 'BEGIN {printf "%.2f", (b - a) / 1e6}')")
        cpus+=("$(awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c / hz}')")
        for ms in build/grade/bench-grade/*/ms; do
            read -r t <"$ms"
            [ "$t" -gt "$longest" ] && longest=$t
        done
    done
    printf '%s\n' "${walls[@]}" | sort -n | awk -v label="$label" -v target=$target \
        -v cpu="$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')" \
        -v longest="$longest" -v score="$score" -v runs="$runs" '
        { a[NR] = $1 }
        END {
            med = a[int((NR + 1) / 2)]
            printf "%s: %.1f s (median of %d, %.1f-%.1f), %s CPU-s, longest lab %.1f s, %s points; %.2f of the %d s target (%s)\n",
                label, med, runs, a[1], a[NR], cpu, longest / 1000, score, med / target, target,
                med <= target ? "holds" : "NOT met"
        }'
}
one "$work/edited" "one full correct submission ($n edited files compiled in the box)"
one solutions "the kit's own bytes (solutions/ as they are: objects linked, not compiled)"
rm -rf "$work" build/grade/bench-grade
