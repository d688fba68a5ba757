#!/usr/bin/env bash
# ipcbench.sh (bench) - lab 16's ipcbench, measured so that a reader can
# trust the figures: `make bench BENCH=ipcbench`.
#
# For each mechanism (pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap,
# and memcpy, the ceiling) it runs the lab's solution, `ipcbench -m MECH`,
# and right after (or right before: the order alternates from run to run)
# the bare loop of the same mechanism (tests/bench/bare/: the barest round
# trip and stream each mechanism allows, nothing checked), with the same
# sizes and timed counts, so that
#
#   time, ipcbench / bare loop    a round trip's, or a byte's (the bare
#                                 loop's MB/s over ipcbench's): target
#                                 <= 1.10
#
# says what ipcbench's own machinery (stamping and checking every message,
# the timing) costs, figure by figure; and
#
#   shm 1 MiB throughput / memcpy 1 MiB    target >= 0.50 on two CPUs
#
# says whether the lab's shared-memory ring keeps up with one copy.  Every
# program runs pinned: sender and receiver on one CPU (-c A,A), and on two
# (-c A,B) when there are two; each run covers both placements and every
# mechanism, RUNS runs (default 5) after a warm-up pass (ipcbench --quick,
# which also checks every byte).  Each figure printed is the median of the
# runs' figures, with their lowest and highest (the spread); each ratio
# is taken within a run, then summed up the same way.
#
# Before and during the runs it checks whether the machine is busy: the
# CPU time others than this script and its programs used (from /proc/stat,
# less this script's own, children included) over two seconds before and
# over every run, the hypervisor's steal time, the load average (which
# lags: a note only), and the CPU clock governor and frequency where /sys
# shows them ("unknown" where it does not, as in most virtual machines).
# Others above 5% of the CPUs before or over all runs, or above 10% in
# one run, or a governor other than performance: a WARNING, loud, before
# and after the figures and in every file written, because the figures
# are then not the machine's.
#
# Writes, in build/bench/:
#   ipcbench-runs.csv    every figure of every run:
#                        run,placement,source,mechanism,test,size,value,unit
#   ipcbench.csv         two CPUs: ipcbench's CSV format, median = the
#                        runs' median, min and max = the runs' lowest and
#                        highest; '#' lines first say the machine and when
#   ipcbench-1cpu.csv    the same, one CPU
#   ipcbench.md          the figures block of handouts/16-ipcbench.md
#   ipcbench.svg         handouts/diagrams/ipcbench.gp drawn from the above
# With HANDOUT=1 it also copies the two CSVs to handouts/diagrams/ and
# puts the block into handouts/16-ipcbench.md (between its two markers).
#
# Knobs: RUNS=5, CPUS=A,B (the two CPUs; default the first two this
# process may use), HANDOUT=1.  A benchmark, not a test: it exits 0
# whether the targets hold or not, and whether the machine was busy;
# non-zero only when a program fails.  About 2 to 3 minutes on 2 CPUs.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
runs=${RUNS:-5}
out=$top/build/bench
sol=$top/solutions/16-ipcbench
mechs="pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy"
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "ipcbench.sh: RUNS must be a number from 1 up" >&2; exit 2; }

# ---- build ---------------------------------------------------------------

make -s -C "$sol" >/dev/null
mkdir -p "$out"
cc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wformat=2 -Wvla -D_XOPEN_SOURCE=700 -O2 \
    -I"$top/synclib" -o "$out/bare" "$top"/tests/bench/bare/*.c \
    "$top/synclib/err.c" "$top/synclib/util.c"
bare=$out/bare
work=$(mktemp -d "$out/ipcbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
cd "$work" # the FIFOs, the mapped files and the System V key are made here

# ipcbench's own counts (synclib/bench.h), so the bare loops do the same.
def() { sed -n "s/^#define $1 (*\([0-9]*\).*/\1/p" "$top/synclib/bench.h"; }
rtt=$(def RTT_COUNT) volume=$(($(def VOLUME) << 20)) mmin=$(def MSGS_MIN) mmax=$(def MSGS_MAX)
for v in "$rtt" "$volume" "$mmin" "$mmax"; do
    [ -n "$v" ] && [ "$v" != 0 ] || { echo "ipcbench.sh: cannot read the counts in synclib/bench.h" >&2; exit 1; }
done
msgs_for() { local n=$((volume / $1)); ((n < mmin)) && n=$mmin; ((n > mmax)) && n=$mmax; echo "$n"; }

# ---- the machine, and whether it is busy ---------------------------------

ncpu=$(nproc)
# The CPUs this process may use, as taskset lists them (0-1,4), one a line.
allowed=$(taskset -pc $$ | sed 's/.*: //')
cpu_list() { tr ',' '\n' <<<"$allowed" | awk -F- '{for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c}'; }
if [ -n "${CPUS:-}" ]; then
    [[ $CPUS =~ ^[0-9]+,[0-9]+$ ]] || { echo "ipcbench.sh: CPUS wants two CPU numbers, like 0,1" >&2; exit 2; }
    cpu_a=${CPUS%,*} cpu_b=${CPUS#*,}
else
    cpu_a=$(cpu_list | sed -n 1p) cpu_b=$(cpu_list | sed -n 2p)
    cpu_b=${cpu_b:-$cpu_a}
fi
places="1cpu:$cpu_a,$cpu_a"
[ "$cpu_a" != "$cpu_b" ] && places="2cpu:$cpu_a,$cpu_b $places"
model=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -1)
grep -qw hypervisor /proc/cpuinfo && virt="a virtual machine (hypervisor flag)" || virt="no hypervisor flag"
machine="$model, $ncpu CPUs ($allowed allowed), $(uname -sr), $virt"
when=$(date -u '+%Y-%m-%d %H:%M UTC')

# The clock of each CPU used: governor and frequency, or "unknown"; and
# clock_warn, when a governor may change the clock during the runs.
cpus_used=$cpu_a && [ "$cpu_b" != "$cpu_a" ] && cpus_used="$cpu_a $cpu_b"
clock() {
    local c f s=""
    for c in $cpus_used; do
        f=/sys/devices/system/cpu/cpu$c/cpufreq
        if [ -r "$f/scaling_governor" ] && [ -r "$f/scaling_cur_freq" ]; then
            s="$s; CPU $c: governor $(cat "$f/scaling_governor"), $(($(cat "$f/scaling_cur_freq") / 1000)) of $(($(cat "$f/scaling_max_freq" 2>/dev/null || echo 0) / 1000)) MHz"
        else
            s="$s; CPU $c: governor and frequency unknown (no cpufreq in /sys)"
        fi
    done
    echo "${s#; }"
}
clock_warn=""
for c in $cpus_used; do
    g=$(cat "/sys/devices/system/cpu/cpu$c/cpufreq/scaling_governor" 2>/dev/null) || continue
    [ "$g" = performance ] || clock_warn="CPU $c's clock governor is $g, not performance: the clock may change during the runs"
done
# CPU ticks: total, idle (idle + iowait), steal, and this script's own
# (itself and every program it has waited for, so all of ipcbench's).
ticks() {
    local u n s i w x y st
    read -r _ u n s i w x y st _ </proc/stat
    echo "$((u + n + s + i + w + x + y + st)) $((i + w)) $st" \
        "$(sed 's/.*) //' /proc/$$/stat | awk '{print $12 + $13 + $14 + $15}')"
}
# share T0 T1: "others% steal%": what others than us used of the CPUs.
share() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        t = y[1] - x[1]; if (t <= 0) t = 1
        o = (t - (y[2] - x[2]) - (y[4] - x[4])) / t * 100; if (o < 0) o = 0
        printf "%.0f %.1f\n", o, (y[3] - x[3]) / t * 100 }'
}
loud() { # the WARNING, framed so that it cannot be missed
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    fold -s -w 72 <<<"$*" | sed 's/^/!!  /'
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
}

# Before: the load average (of the last minutes: it lags) and what others
# use of the CPUs over two seconds, now.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(ticks)
sleep 2
read -r idle_other _ < <(share "$t0" "$(ticks)")
clock_before=$(clock)
busy_before="" load_note=""
awk -v o="$idle_other" 'BEGIN {exit !(o > 5)}' &&
    busy_before="before the runs others used $idle_other% of the CPUs over two seconds (load average $load_before, on $ncpu CPUs)"
[ -z "$busy_before" ] && awk -v l="${load_before%% *}" -v n="$ncpu" 'BEGIN {exit !(l > 0.5 * n)}' &&
    load_note="the load average ($load_before, on $ncpu CPUs) says the machine was busy in the last minutes, but it was idle over the last two seconds"
echo "machine: $machine"
echo "date: $when"
echo "clock: $clock_before"
echo "before: load average $load_before; others used $idle_other% of the CPUs over 2 s"
[ -z "$load_note" ] || echo "note: $load_note"
echo "placements: $(for p in $places; do printf '%s (-c %s) ' "${p%%:*}" "${p#*:}"; done | sed 's/1cpu/one CPU/; s/2cpu/two CPUs/; s/ $//')"
echo "runs: $runs, each: every mechanism, ipcbench then its bare loop (bare first in even runs), in each placement"
[ -n "$busy_before" ] && loud "WARNING: THE MACHINE IS BUSY: $busy_before.  The figures that follow will be slower and spread wider than this machine's own: do not quote them; run again on an idle machine."


# ---- the runs -------------------------------------------------------------

raw=$work/runs.csv
: >"$raw"
plan() { echo "$work/plan-$1"; } # PLACE: "mech test size" per figure

# Warm-up, once per placement: ipcbench --quick (every byte checked) and
# every bare loop briefly.  ipcbench's CSV also says which figures this
# machine can measure (the queues' size limits, shm-spin's two CPUs): the
# plan each run follows.
for p in $places; do
    place=${p%%:*} cpus=${p#*:}
    "$sol/ipcbench" --quick -c "$cpus" -o "$work/warm.csv" >"$work/warm.out" 2>&1 ||
        { cat "$work/warm.out" >&2; echo "ipcbench.sh: the warm-up, ipcbench --quick -c $cpus, failed" >&2; exit 1; }
    awk -F, 'NR > 1 && $8 != "skipped" && $2 !~ /-cpu$/ {print $1, $2, $3}' "$work/warm.csv" >"$(plan "$place")"
    while read -r m test size; do
        "$bare" -c "$cpus" "$m" "$test" "$size" "$([ "$test" = latency ] && echo 500 || echo 8)" >/dev/null
    done <"$(plan "$place")"
done

# One run of MECH in one placement: ipcbench's rows and the bare loop's,
# each line run,place,source,mechanism,test,size,value,unit.
ipcbench_rows() { # RUN PLACE CPUS MECH
    if ! "$sol/ipcbench" -m "$4" -c "$3" -o "$work/one.csv" >"$work/one.out" 2>&1; then
        cat "$work/one.out" >&2
        echo "ipcbench.sh: ipcbench -m $4 -c $3 failed (run $1)" >&2
        exit 1
    fi
    awk -F, -v r="$1" -v p="$2" 'NR > 1 {print r "," p ",ipcbench," $1 "," $2 "," $3 "," $5 "," $8}' "$work/one.csv" >>"$raw"
}
bare_rows() { # RUN PLACE CPUS MECH
    local m test size n line
    while read -r m test size; do
        [ "$m" = "$4" ] || continue
        n=$rtt
        [ "$test" = throughput ] && n=$(msgs_for "$size")
        line=$("$bare" -c "$3" "$m" "$test" "$size" "$n") ||
            { echo "ipcbench.sh: bare -c $3 $m $test $size $n failed (run $1)" >&2; exit 1; }
        echo "$1,$2,bare,$(cut -d, -f1-3 <<<"$line"),$(cut -d, -f5-6 <<<"$line")" >>"$raw"
    done <"$(plan "$2")"
}

worst=0
start=$(date +%s)
t_all=$(ticks)
for r in $(seq 1 "$runs"); do
    t_run=$(ticks) s_run=$(date +%s)
    for p in $places; do
        for m in $mechs; do
            if ((r % 2)); then # which goes first alternates: a drift hits both
                ipcbench_rows "$r" "${p%%:*}" "${p#*:}" "$m"
                bare_rows "$r" "${p%%:*}" "${p#*:}" "$m"
            else
                bare_rows "$r" "${p%%:*}" "${p#*:}" "$m"
                ipcbench_rows "$r" "${p%%:*}" "${p#*:}" "$m"
            fi
        done
    done
    read -r o st < <(share "$t_run" "$(ticks)")
    awk -v o="$o" -v w="$worst" 'BEGIN {exit !(o > w)}' && worst=$o
    echo "run $r/$runs: $(($(date +%s) - s_run)) s; others used $o% of the CPUs (steal $st%); load average $(cut -d' ' -f1 /proc/loadavg)"
done
read -r others steal < <(share "$t_all" "$(ticks)")
secs=$(($(date +%s) - start))
clock_after=$(clock)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- busy or not ------------------------------------------------------------

busy=""
awk -v o="$others" -v w="$worst" 'BEGIN {exit !(o > 5 || w > 10)}' &&
    busy="during the runs others than this benchmark used $others% of the CPUs (up to $worst% in one run; steal $steal%)"
[ -n "$busy_before" ] && busy="${busy:+$busy; }$busy_before"
[ -n "$clock_warn" ] && busy="${busy:+$busy; }$clock_warn"
if [ -n "$busy" ]; then
    state="BUSY: $busy"
else
    state="quiet: others used $others% of the CPUs during the runs (steal $steal%), load average $load_before before"
fi

# ---- the figures --------------------------------------------------------------

# Every figure over the runs, and every ratio run by run, one line each:
#   S,place,source,mech,test,size,median,min,max,unit,runs   (a figure)
#   R,place,mech,test,size,median,min,max,runs               (ipcbench/bare, as time)
#   M,place,source,median,min,max,runs,shm,memcpy            (shm/memcpy 1 MiB)
awk -F, -v OFS=, '
function sum(k, a, n,   i, j, t, v) {  # median min max of a[k, 1..n]
    for (i = 1; i <= n; i++) v[i] = a[k, i]
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) "," v[1] "," v[n]
}
{
    k = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5 SUBSEP $6
    if (!(k in n)) { order[++nk] = k; unit[k] = $8; n[k] = 0 }
    if ($8 == "skipped") next
    v[k, ++n[k]] = $7; at[$1, k] = $7; run[$1] = 1
}
END {
    for (i = 1; i <= nk; i++) {
        k = order[i]; split(k, f, SUBSEP)
        print "S", f[1], f[2], f[3], f[4], f[5], (n[k] ? sum(k, v, n[k]) : "0,0,0"), unit[k], n[k]
        if (f[2] != "ipcbench" || unit[k] == "skipped" || f[4] ~ /-cpu$/) continue
        b = f[1] SUBSEP "bare" SUBSEP f[3] SUBSEP f[4] SUBSEP f[5]; c = 0
        for (r in run) if ((r, k) in at && (r, b) in at && at[r, b] > 0 && at[r, k] > 0)
            rt[k, ++c] = f[4] == "latency" ? at[r, k] / at[r, b] : at[r, b] / at[r, k]
        if (c) print "R", f[1], f[3], f[4], f[5], sum(k, rt, c), c
    }
    for (i = 1; i <= nk; i++) {
        k = order[i]; split(k, f, SUBSEP)
        if (f[3] != "shm" || f[4] != "throughput" || f[5] != 1048576) continue
        mk = f[1] SUBSEP f[2] SUBSEP "memcpy" SUBSEP "throughput" SUBSEP 1048576; c = 0
        for (r in run) if ((r, k) in at && (r, mk) in at) sm[k, ++c] = at[r, k] / at[r, mk]
        split(sum(k, v, n[k]), s1, ","); split(sum(mk, v, n[mk]), s2, ",")
        if (c) print "M", f[1], f[2], sum(k, sm, c), c, s1[1], s2[1]
    }
}' "$raw" >"$work/sum"

# The table: each figure, ipcbench's and the bare loop's, and their ratio.
show() { # PLACE CPUS
    local name="two CPUs" && [ "$1" = 1cpu ] && name="one CPU"
    echo
    echo "== $name (-c $2): medians of $runs runs, (lowest-highest) of the runs"
    awk -F, -v p="$1" '
    function fig(k,   u, s, w) {
        if (!(k in med)) return "-"
        u = un[k]; s = u == "ns" || med[k] >= 1000 ? 1000 : 1
        w = mx[k] - mn[k] > 0.25 * med[k]
        if (w) wide = 1
        return sprintf("%.3g %s (%.3g-%.3g)%s", med[k] / s, u == "ns" ? "us" : s == 1000 ? "GB/s" : "MB/s",
            mn[k] / s, mx[k] / s, w ? " *" : "")
    }
    function size(s) { return s >= 1048576 ? s / 1048576 "M" : s >= 1024 ? s / 1024 "K" : s }
    $1 == "S" && $2 == p && $10 != "skipped" && $5 !~ /-cpu$/ {
        k = $3 SUBSEP $4 SUBSEP $5 SUBSEP $6; med[k] = $7; mn[k] = $8; mx[k] = $9; un[k] = $10
        if ($3 == "ipcbench") row[++nr] = $4 SUBSEP $5 SUBSEP $6
    }
    $1 == "S" && $2 == p && $10 == "skipped" && $3 == "ipcbench" { row[++nr] = $4 SUBSEP $5 SUBSEP $6 SUBSEP "skipped" }
    $1 == "R" && $2 == p { rk = $3 SUBSEP $4 SUBSEP $5; rmed[rk] = $6; rmn[rk] = $7; rmx[rk] = $8 }
    END {
        printf "%-9s %-10s %5s  %-28s %-28s %s\n", "mechanism", "test", "size", "ipcbench", "bare loop", "time: ipcbench / bare (<= 1.10)"
        for (i = 1; i <= nr; i++) {
            split(row[i], f, SUBSEP)
            if (f[4] == "skipped") { printf "%-9s %-10s %5s  skipped (as in ipcbench)\n", f[1], f[2], size(f[3]); continue }
            rk = f[1] SUBSEP f[2] SUBSEP f[3]
            ki = "ipcbench" SUBSEP rk; kb = "bare" SUBSEP rk
            t = rmed[rk] <= 1.10 ? "holds" : "NOT met"
            printf "%-9s %-10s %5s  %-28s %-28s %s\n", f[1], f[2], size(f[3]), fig(ki), fig(kb),
                (rk in rmed) ? sprintf("%.2f (%.2f-%.2f) %s", rmed[rk], rmn[rk], rmx[rk], t) : "-"
        }
        print "time: the time ipcbench takes for a round trip or a byte, over the time the bare loop takes, run by run (1.00: the same)"
        if (wide) print "* the runs spread by more than a quarter of the median: trust that figure less"
    }' "$work/sum"
    awk -F, -v p="$1" -v name="$name" '$1 == "M" && $2 == p {
        printf "%s: shm 1 MiB throughput / memcpy 1 MiB (%s) = %.2f (%.2f-%.2f; %.0f / %.0f MB/s): target >= 0.50 %s\n",
            name, $3 == "bare" ? "bare loops" : "ipcbench", $4, $5, $6, $8, $9,
            ($4 >= 0.5 ? "holds" : p == "1cpu" ? "NOT met (on one CPU the two copies take turns: 0.5 at best)" : "NOT met")
    }' "$work/sum"
}
echo
[ -n "$busy" ] && loud "WARNING: THE MACHINE WAS BUSY: $busy.  The figures below are slower and spread wider than this machine's own: do not quote them."
for p in $places; do show "${p%%:*}" "${p#*:}"; done

# ---- what is written ----------------------------------------------------------

placement() { # PLACE CPUS: in words
    if [ "$1" = 1cpu ]; then echo "sender and receiver pinned to one CPU (-c $2)"
    else echo "sender pinned to CPU ${2%,*}, receiver to CPU ${2#*,} (-c $2)"; fi
}
# ipcbench's CSV format, the figures over the runs; '#' lines say whose.
write_csv() { # PLACE CPUS FILE
    {
        echo "# lab 16's ipcbench, by make bench BENCH=ipcbench (tests/bench/ipcbench.sh), $when"
        echo "# machine: $machine"
        echo "# placement: $(placement "$1" "$2")"
        echo "# each figure: the median of $runs runs' medians; min and max: the lowest and the highest of them; reps: the runs"
        echo "# machine state: $state"
        echo "mechanism,test,size,reps,median,min,max,unit"
        awk -F, -v p="$1" '$1 == "S" && $2 == p && $3 == "ipcbench" {
            d = $10 == "ns" || $10 == "skipped" ? 0 : $10 == "MB/s" ? 1 : 2
            printf "%s,%s,%s,%s,%.*f,%.*f,%.*f,%s\n", $4, $5, $6, $11, d, $7, d, $8, d, $9, $10 }' "$work/sum"
    } >"$3"
}
csv2=$out/ipcbench.csv csv1=$out/ipcbench-1cpu.csv
rm -f "$csv2" "$csv1"
for p in $places; do
    if [ "${p%%:*}" = 2cpu ]; then write_csv 2cpu "${p#*:}" "$csv2"; else write_csv 1cpu "${p#*:}" "$csv1"; fi
done
# On one CPU only, the one-CPU figures are all there is.
[ -f "$csv2" ] || cp "$csv1" "$csv2"
cp "$raw" "$out/ipcbench-runs.csv"

# The figures block of handouts/16-ipcbench.md, between its two markers.
md=$out/ipcbench.md
{
    echo "<!-- ipcbench figures: written by make bench BENCH=ipcbench HANDOUT=1 -->"
    echo
    {
        echo "Measured $when by \`make bench BENCH=ipcbench\`, on one machine: $model,"
        echo "$ncpu CPUs, $(uname -sr), $virt.  $runs runs; in each, every mechanism"
        echo "with the sender and the receiver pinned to two CPUs (\`-c $cpu_a,$cpu_b\`)"
        echo "and to one (\`-c $cpu_a,$cpu_a\`).  A figure is the median of the $runs runs'"
        echo "medians; in parentheses, the lowest and the highest of them."
        if [ -n "$busy" ]; then
            echo "**The machine was busy:** $busy.  These figures are slower and"
            echo "spread wider than the machine's own."
        else
            echo "The machine was quiet: others used $others% of the CPUs during the runs."
        fi
    } | fmt -w 75
    echo
    awk -F, -v cpus2="$cpu_a,$cpu_b" -v cpus1="$cpu_a,$cpu_a" '
    function r(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.3g", x) }
    function cell(k, s) { return (k in med) ? sprintf("%s (%s–%s)", r(med[k] / s), r(mn[k] / s), r(mx[k] / s)) : "skipped" }
    function tp(pl, m, size) { return cell(pl SUBSEP m SUBSEP "throughput" SUBSEP size, size == 64 ? 1 : 1000) }
    function name(s) { return s >= 1048576 ? s / 1048576 " MiB" : s >= 1024 ? s / 1024 " KiB" : s " B" }
    $1 == "S" && $3 == "ipcbench" {
        k = $2 SUBSEP $4 SUBSEP $5 SUBSEP $6; have[$2] = 1
        if ($10 != "skipped") { med[k] = $7; mn[k] = $8; mx[k] = $9 }
        if (!($4 in seen)) { seen[$4] = 1; m[++nm] = $4 }
    }
    $1 == "M" && $3 == "ipcbench" { sm[$2] = sprintf("%.2f (%.2f–%.2f)", $4, $5, $6) }
    $1 == "R" {
        nr++; lo = nr == 1 || $6 < lo ? $6 : lo; hi = nr == 1 || $6 > hi ? $6 : hi
        if ($6 <= 1.10 && $6 >= 0.90) next
        d = $6 > 1 ? $6 : 1 / $6 # how far from 1: the list goes furthest first
        line = sprintf("%s %s %s, %s: %.2f (%.2f–%.2f)", $3, $4, name($5), $2 == "1cpu" ? "one CPU" : "two CPUs", $6, $7, $8)
        for (j = ++nodd; j > 1 && far[j - 1] < d; j--) { far[j] = far[j - 1]; odd[j] = odd[j - 1] }
        far[j] = d; odd[j] = line
    }
    END {
        print "Round trip of a 64-byte message, in µs:"
        print ""
        print "| mechanism | two CPUs | one CPU |"
        print "|---|---|---|"
        for (i = 1; i <= nm; i++) if (m[i] != "memcpy")
            printf "| %s | %s | %s |\n", m[i], cell("2cpu" SUBSEP m[i] SUBSEP "latency" SUBSEP 64, 1000), cell("1cpu" SUBSEP m[i] SUBSEP "latency" SUBSEP 64, 1000)
        for (p = 2; p >= 1; p--) {
            pl = p "cpu"
            if (!(pl in have)) continue
            printf "\nOne-way throughput in GB/s (64 B: in MB/s), %s:\n\n", p == 2 ? "two CPUs (`-c " cpus2 "`)" : "one CPU (`-c " cpus1 "`)"
            print "| mechanism | 64 B | 4 KiB | 64 KiB | 1 MiB | cpu/wall, 1 MiB |"
            print "|---|---|---|---|---|---|"
            for (i = 1; i <= nm; i++) {
                c = pl SUBSEP m[i] SUBSEP "throughput-cpu" SUBSEP 1048576
                printf "| %s | %s | %s | %s | %s | %s |\n", m[i], tp(pl, m[i], 64), tp(pl, m[i], 4096),
                    tp(pl, m[i], 65536), tp(pl, m[i], 1048576), (c in med) ? sprintf("%.2f", med[c]) : ""
            }
        }
        print ""
        if ("2cpu" in sm) print "    shm 1 MiB / memcpy 1 MiB, two CPUs: " sm["2cpu"] "  (target >= 0.50)"
        if ("1cpu" in sm) print "    shm 1 MiB / memcpy 1 MiB, one CPU:  " sm["1cpu"] "  (0.5 at most on one)"
        printf "    time, ipcbench / bare loop: %.2f to %.2f; %d of %d figures within 0.90 to 1.10\n", lo, hi, nr - nodd, nr
        for (i = 1; i <= nodd && i <= 8; i++) print "      " odd[i]
        if (nodd > 8) printf "      and %d more (build/bench/ipcbench-runs.csv)\n", nodd - 8
    }' "$work/sum"
    echo
    echo "<!-- end of the ipcbench figures -->"
} >"$md"

svg=$out/ipcbench.svg
if command -v gnuplot >/dev/null; then
    (cd "$out" && gnuplot -e "data='$(basename "$csv2")'; data1='$(basename "$csv1")'" \
        "$top/handouts/diagrams/ipcbench.gp") >"$svg"
else
    svg="not drawn (gnuplot missing: tests/deps.sh bench)"
fi

if [ "${HANDOUT:-0}" = 1 ]; then
    hmd=$top/handouts/16-ipcbench.md
    grep -q '^<!-- ipcbench figures:' "$hmd" && grep -q '^<!-- end of the ipcbench figures -->' "$hmd" ||
        { echo "ipcbench.sh: $hmd lacks the figures markers" >&2; exit 1; }
    cp "$csv2" "$top/handouts/diagrams/ipcbench.csv"
    [ -f "$csv1" ] && cp "$csv1" "$top/handouts/diagrams/ipcbench-1cpu.csv"
    awk -v md="$md" '/^<!-- ipcbench figures:/ {while ((getline l < md) > 0) print l; skip = 1; next}
        /^<!-- end of the ipcbench figures -->/ {skip = 0; next} !skip' "$hmd" >"$work/handout.md"
    cat "$work/handout.md" >"$hmd"
    echo
    echo "handout: handouts/16-ipcbench.md (the figures block), handouts/diagrams/ipcbench.csv and ipcbench-1cpu.csv:"
    echo "         read the handout's prose against the new figures"
fi

echo
echo "runs: $runs in $secs s; clock after: $clock_after; load average after: $load_after (this benchmark's own processes count in it)"
echo "written: $out/ipcbench.csv, $(basename "$csv1"), ipcbench-runs.csv, ipcbench.md; plot: $svg"
if [ -n "$busy" ]; then
    loud "WARNING: THE MACHINE WAS BUSY: $busy.  Every figure above is slower and spread wider than this machine's own, and the ratios are less sure: do not quote them.  Run again on an idle machine (nothing else running, load average near 0)."
else
    echo "machine state: $state"
fi
