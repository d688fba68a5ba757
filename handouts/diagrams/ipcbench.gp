# ipcbench.gp - lab 16's picture: what IPC costs, measured by ipcbench on
# the kit's build machine (ipcbench.csv beside this file, made by
# `make bench BENCH=ipcbench`; see handouts/16-ipcbench.md).
#
# Left: one-way throughput by message size, one line per mechanism, with
# memcpy, the ceiling.  Right: the median round trip of a 64-byte message.
# Writes SVG to stdout (handouts/render.sh).  Variables, set with -e:
#   data  the CSV (default ipcbench.csv)
#   kind  "both" (default), "throughput" or "latency": one panel only
if (!exists("data")) data = 'ipcbench.csv'
if (!exists("kind")) kind = 'both'

set terminal svg size (kind eq 'both' ? 1120 : 600), 420 dynamic \
    font 'sans,11' background '#ffffff'
set datafile separator ','
set key outside right top box opaque
set grid ytics mytics lc rgb '#dddddd'
mechs = 'pipe fifo sysvmq posixmq unix tcp shm shm-spin mmap memcpy'
colors = '#1f77b4 #17becf #ff7f0e #d62728 #9467bd #8c564b #2ca02c #bcbd22 #e377c2 #000000'
# The measured rows of one mechanism and test, through awk: gnuplot
# would break a line at every row it skips.
rows(m, t) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $8 != \"skipped\"' %s", m, t, data)

if (kind eq 'both') set multiplot layout 1, 2

if (kind ne 'latency') {
    set title 'one-way throughput (median of the rounds)'
    set logscale xy
    set xlabel 'message size (bytes)'
    set ylabel 'MB/s'
    set xtics ('64' 64, '4K' 4096, '64K' 65536, '1M' 1048576)
    set xrange [40:1700000]
    set format y '%.0f'
    plot for [i = 1:words(mechs)] rows(word(mechs, i), 'throughput') \
         using 3:5 with linespoints pt 7 ps 0.6 lw 2 \
         lc rgb word(colors, i) title word(mechs, i)
    unset logscale
    unset xtics
    set xtics
    set xrange [*:*]
}
if (kind ne 'throughput') {
    set title 'round trip of a 64-byte message (median)'
    set logscale y
    set xlabel ''
    set ylabel 'ns'
    set style fill solid 0.8 border -1
    set boxwidth 0.7
    set xrange [0.3:9.7]
    xt = ''
    do for [i = 1:9] { xt = xt . sprintf("'%s' %d%s", word(mechs, i), i, i < 9 ? ', ' : '') }
    eval('set xtics (' . xt . ')')
    set xtics norotate nomirror font ',9'
    unset key
    plot for [i = 1:9] rows(word(mechs, i), 'latency') \
         using (i):5 with boxes lc rgb word(colors, i) notitle
}
if (kind eq 'both') unset multiplot
