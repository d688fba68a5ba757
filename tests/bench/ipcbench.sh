#!/usr/bin/env bash
# ipcbench.sh (bench) - lab 16's ipcbench on this machine: the full default
# run of every mechanism, the bare pipe ping-pong next to it, and two
# ratios against their targets:
#
#   shm 1 MiB throughput / memcpy 1 MiB   target >= 0.50 (a ring that
#                                         copies twice can reach half the
#                                         copy speed of one memcpy)
#   ipcbench pipe ping-pong / pingpong    target <= 1.10 (ipcbench's own
#                                         checks and timing cost little)
#
# Writes build/bench/ipcbench.csv and, with gnuplot,
# build/bench/ipcbench-throughput.svg and ipcbench-latency.svg.  Then the
# same two ratios with both sides pinned to one CPU, and to two: where the
# processes run changes the figures more than anything else.  A benchmark,
# not a test: it says whether each target holds and exits 0 either way,
# unless a run fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
make -s -C solutions/16-ipcbench >/dev/null
bin=$(pwd)/solutions/16-ipcbench
out=$(pwd)/build/bench
mkdir -p "$out"
work=$(mktemp -d "$out/ipcbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" # ipcbench makes its FIFOs, file and queue key here

echo "machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, $(uname -sr)"
"$bin/ipcbench" -o "$out/ipcbench.csv"
pp=$("$bin/pingpong")
echo "bare pingpong: $pp"

# field F (5 = median) of the row MECH,TEST,SIZE of a CSV
field() { awk -F, -v m="$2" -v t="$3" -v s="$4" -v f="$5" \
    '$1 == m && $2 == t && $3 == s && $8 != "skipped" {print $f; exit}' "$1"; }

ratios() { # CSV PINGPONG-LINE LABEL
    local csv=$1 ppl=$2 label=$3
    local shm mem pipe bare
    shm=$(field "$csv" shm throughput 1048576 5)
    mem=$(field "$csv" memcpy throughput 1048576 5)
    pipe=$(field "$csv" pipe latency 64 5)
    bare=$(cut -d, -f5 <<<"$ppl")
    awk -v s="$shm" -v m="$mem" -v p="$pipe" -v b="$bare" -v l="$label" 'BEGIN {
        if (s != "" && m != "") {
            x = s / m
            printf "%sshm 1 MiB throughput / memcpy 1 MiB = %.2f (target >= 0.50): %s (%.0f / %.0f MB/s)\n",
                l, x, (x >= 0.50 ? "holds" : "NOT met"), s, m
        }
        if (p != "" && b != "") {
            y = p / b
            printf "%sipcbench pipe ping-pong / bare pingpong = %.2f (target <= 1.10): %s (%.0f / %.0f ns)\n",
                l, y, (y <= 1.10 ? "holds" : "NOT met"), p, b
        }
    }'
}
echo
ratios "$out/ipcbench.csv" "$pp" ""

# The same ratios with a placement forced on both programs.
cpus=$(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
    sed 's/-.*//' | head -2 | tr '\n' ' ')
set -- $cpus
if command -v taskset >/dev/null && [ $# -ge 1 ]; then
    for pair in "$1,$1" ${2:+"$1,$2"}; do
        "$bin/ipcbench" -m pipe,shm,memcpy -s 1M -c "$pair" -o "$work/pin.csv" >/dev/null
        a=${pair%,*} b=${pair#*,}
        # pingpong cannot pin its two sides apart: on one CPU, or free
        if [ "$a" = "$b" ]; then ppp=$(taskset -c "$a" "$bin/pingpong"); else ppp=$("$bin/pingpong"); fi
        ratios "$work/pin.csv" "$ppp" "pinned -c $pair: "
    done
fi

if command -v gnuplot >/dev/null; then
    for kind in throughput latency; do
        (cd "$out" && gnuplot -e "kind='$kind'; data='ipcbench.csv'" \
            "$top/handouts/diagrams/ipcbench.gp") >"$out/ipcbench-$kind.svg"
    done
    echo "plots: $out/ipcbench-throughput.svg, $out/ipcbench-latency.svg"
else
    echo "plots: skipped (gnuplot missing: tests/deps.sh bench)"
fi
echo "csv: $out/ipcbench.csv"
