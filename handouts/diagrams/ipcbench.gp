# ipcbench.gp - lab 16's picture: what IPC costs, as ipcbench measured it
# on one machine (ipcbench.csv and ipcbench-1cpu.csv beside this file,
# written by `make bench BENCH=ipcbench HANDOUT=1`; their '#' lines say
# which machine, when, and how; see handouts/16-ipcbench.md).
#
# Top: one-way throughput by message size, one line per mechanism, with
# memcpy, the ceiling, sender and receiver on two CPUs.  Bottom: the
# median round trip of a 64-byte message, on two CPUs and on one.  Where
# the CSV holds the figures of several runs (its first line is a '#'
# line), each point and bar is the median run, with a bar from the lowest
# run to the highest.  Writes SVG to stdout (handouts/render.sh).
# Variables, set with -e:
#   data   the CSV, two CPUs, or your own ipcbench -o (default ipcbench.csv)
#   data1  the CSV, one CPU (default: ipcbench-1cpu.csv if data is the
#          default and it exists; '' draws no one-CPU bars)
#   kind   "both" (default), "throughput" or "latency": one panel only
#
# Drawn for the handout's column (736 px, about 550 pt): the two panels
# stacked, not side by side, in a fixed 720 px (540 pt) wide SVG that is
# shown at its own size, so its text stays at 14-15 px (about 11 pt).
# Colours are the Okabe-Ito palette (safe for colour-blind readers);
# mechanisms of one family share a colour and differ in dash and point
# type (pipe and fifo keep distinct colours, every line has its own point
# type), so no two lines depend on hue alone.
if (!exists("data")) data = 'ipcbench.csv'
if (!exists("data1")) data1 = data eq 'ipcbench.csv' ? 'ipcbench-1cpu.csv' : ''
if (!exists("kind")) kind = 'both'
has1 = data1 ne '' && system(sprintf("test -f '%s' && echo 1 || echo 0", data1)) + 0
# Runs' spread: only in the bench's CSV, which starts with '#' lines.
spread = system(sprintf("head -c 1 '%s'", data)) eq '#'
machine = system(sprintf("sed -n 's/^# machine: \\([^,]*, [0-9]* CPUs\\).*/\\1/p' '%s' | head -1", data))
when = system(sprintf("sed -n '1s/.*, \\([0-9-]*\\) [0-9:]* UTC$/\\1/p' '%s'", data))
runs = system(sprintf("sed -n 's/^# each figure: the median of \\([0-9]*\\) runs.*/\\1/p' '%s'", data))

set terminal svg size 720, (kind eq 'both' ? 1040 : 540) fixed \
    font 'Helvetica,15' background '#ffffff'
set datafile separator ','
set grid xtics ytics mytics lc rgb '#dddddd'
set tics font ',14'
mechs = 'pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy'
#         pipe      fifo      sysvmq    posixmq   unix      tcp       shm       shm-spin  mmap      memcpy
colors = '#0072B2 #E69F00 #D55E00 #D55E00 #CC79A7 #999999 #009E73 #009E73 #56B4E9 #000000'
points = '7 5 9 8 13 12 15 14 11 3'
dashes = '1 1 1 2 1 2 1 2 3 1'
widths = '2 2 2 2 2 2 2 2 2 3'
# The measured rows of one mechanism and test, through awk: gnuplot
# would break a line at every row it skips.
rows(f, m, t) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $8 != \"skipped\"' '%s'", m, t, f)

if (kind eq 'both') set multiplot
# Where each panel's plot area sits, as fractions of the picture: the
# throughput panel leaves the right quarter to its key.
set lmargin at screen 0.15
if (machine ne '') \
    set label 1 sprintf("%s, %s: %s%s", machine, when, spread ? 'median of ' . runs . ' runs' : 'one run', \
        spread ? ', bars from the lowest run to the highest' : '') \
        at screen 0.5, screen 0.012 center font ',13' tc rgb '#444444'

if (kind ne 'latency') {
    set title spread ? 'one-way throughput, sender and receiver on two CPUs' \
                     : 'one-way throughput (median of the rounds)'
    set rmargin at screen 0.77
    if (kind eq 'both') { set tmargin at screen 0.955; set bmargin at screen 0.585 }
    set key outside right top vertical Left reverse samplen 3 spacing 1.15 \
        title 'mechanism' font ',14'
    set logscale xy
    set xlabel 'message size (bytes, log scale)'
    set ylabel 'throughput (GB/s, log scale)'
    set xtics ('64' 64, '4 KiB' 4096, '64 KiB' 65536, '1 MiB' 1048576)
    set xrange [40:1700000]
    set format y '%g'
    # The CSV is in MB/s; drawn in GB/s.
    plot for [i = 1:words(mechs)] rows(data, word(mechs, i), 'throughput') \
         using 3:($5 / 1000):((spread ? $6 : $5) / 1000):((spread ? $7 : $5) / 1000) \
         with yerrorlines \
         pt int(word(points, i)) ps 0.75 dt int(word(dashes, i)) \
         lw int(word(widths, i)) lc rgb word(colors, i) title word(mechs, i)
    unset logscale
    unset xtics
    set xtics
    set xrange [*:*]
    unset key
}
if (kind ne 'throughput') {
    set title has1 ? 'round trip of 64 bytes: two CPUs (left), one CPU (right, pale)' \
                   : 'round trip of a 64-byte message (median)'
    set rmargin at screen 0.97
    if (kind eq 'both') { set tmargin at screen 0.455; set bmargin at screen 0.105 }
    unset xlabel
    set logscale y
    set ylabel 'round trip (µs, log scale)'
    set format y '%g'
    # From the data (another machine's figures differ): down to a whole
    # decade, up with room above the tallest bar for its value.
    files = has1 ? data . "' '" . data1 : data
    stats sprintf("< awk -F, '$2 == \"latency\" && $8 != \"skipped\"' '%s'", files) \
        using ((spread ? $6 : $5) / 1000):((spread ? $7 : $5) / 1000) nooutput
    set yrange [10 ** floor(log10(STATS_min_x)) : STATS_max_y * 2.5]
    set style fill solid 0.85 border -1
    w = has1 ? 0.38 : 0.7
    set boxwidth w
    set xrange [0.4:9.6]
    xt = ''
    do for [i = 1:9] { xt = xt . sprintf("'%s' %d%s", word(mechs, i), i, i < 9 ? ', ' : '') }
    eval('set xtics (' . xt . ')')
    set xtics rotate by -30 left nomirror font ',14'
    unset key
    # The bars of one CSV, through awk, as x,median,low,high,mechanism (in
    # µs; the CSV is in ns): x is the mechanism's place plus off.
    bars(f, off) = sprintf("< awk -F, -v OFS=, -v off=%g -v s=%d 'BEGIN {n = split(\"%s\", m, \" \"); for (i = 1; i < n; i++) x[m[i]] = i} $2 == \"latency\" && $8 != \"skipped\" && ($1 in x) {print x[$1] + off, $5 / 1000, (s ? $6 : $5) / 1000, (s ? $7 : $5) / 1000, x[$1]}' '%s'", off, spread, mechs, f)
    do for [i = 1:words(colors)] { set linetype i lc rgb word(colors, i) }
    # Each bar, the runs' spread on it, and its value (two digits) above.
    # Two CPUs on the left, one CPU on the right, paler.
    x2 = has1 ? -w / 2 : 0
    if (has1) {
        plot bars(data, x2) using 1:2:5 with boxes lc variable notitle, \
             '' using 1:3:(0):($4 - $3) with vectors heads size screen 0.006, 90 \
             lc rgb '#333333' notitle, \
             '' using 1:4:(sprintf('%.2g', $2)) with labels offset 0, 0.6 \
             font ',12' notitle, \
             bars(data1, w / 2) using 1:2:5 with boxes lc variable \
             fs transparent solid 0.35 border -1 notitle, \
             '' using 1:3:(0):($4 - $3) with vectors heads size screen 0.006, 90 \
             lc rgb '#333333' notitle, \
             '' using 1:4:(sprintf('%.2g', $2)) with labels offset 0, 0.6 \
             font ',12' notitle
    } else {
        plot bars(data, x2) using 1:2:5 with boxes lc variable notitle, \
             '' using 1:3:(0):($4 - $3) with vectors heads size screen 0.006, 90 \
             lc rgb '#333333' notitle, \
             '' using 1:4:(sprintf('%.2g', $2)) with labels offset 0, 0.6 \
             font ',12' notitle
    }
}
if (kind eq 'both') unset multiplot
