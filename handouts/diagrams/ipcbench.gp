# ipcbench.gp - lab 16's picture: what IPC costs, measured by ipcbench on
# the kit's build machine (ipcbench.csv beside this file, made by
# `make bench BENCH=ipcbench`; see handouts/16-ipcbench.md).
#
# Top: one-way throughput by message size, one line per mechanism, with
# memcpy, the ceiling.  Bottom: the median round trip of a 64-byte message.
# Writes SVG to stdout (handouts/render.sh).  Variables, set with -e:
#   data  the CSV (default ipcbench.csv)
#   kind  "both" (default), "throughput" or "latency": one panel only
#
# Drawn for the handout's column (736 px, about 550 pt): the two panels
# stacked, not side by side, in a fixed 720 px (540 pt) wide SVG that is
# shown at its own size, so its text stays at 14-15 px (about 11 pt).  Colours are the Okabe-Ito palette (safe for
# colour-blind readers); mechanisms of one family share a colour and
# differ in dash and point type (pipe and fifo keep distinct colours,
# every line has its own point type), so no two lines depend on hue alone.
if (!exists("data")) data = 'ipcbench.csv'
if (!exists("kind")) kind = 'both'

set terminal svg size 720, (kind eq 'both' ? 1000 : 520) fixed \
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
rows(m, t) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $8 != \"skipped\"' %s", m, t, data)

if (kind eq 'both') set multiplot
# Where each panel's plot area sits, as fractions of the picture: the
# throughput panel leaves the right quarter to its key.
set lmargin at screen 0.15

if (kind ne 'latency') {
    set title 'one-way throughput (median of the rounds)'
    set rmargin at screen 0.77
    if (kind eq 'both') { set tmargin at screen 0.95; set bmargin at screen 0.56 }
    set key outside right top vertical Left reverse samplen 3 spacing 1.15 \
        title 'mechanism' font ',14'
    set logscale xy
    set xlabel 'message size (bytes, log scale)'
    set ylabel 'throughput (MB/s, log scale)'
    set xtics ('64' 64, '4 KiB' 4096, '64 KiB' 65536, '1 MiB' 1048576)
    set xrange [40:1700000]
    set format y '%.0f'
    plot for [i = 1:words(mechs)] rows(word(mechs, i), 'throughput') \
         using 3:5 with linespoints pt int(word(points, i)) ps 0.75 \
         dt int(word(dashes, i)) lw int(word(widths, i)) \
         lc rgb word(colors, i) title word(mechs, i)
    unset logscale
    unset xtics
    set xtics
    set xrange [*:*]
}
if (kind ne 'throughput') {
    set title 'round trip of a 64-byte message (median)'
    set rmargin at screen 0.97
    if (kind eq 'both') { set tmargin at screen 0.43; set bmargin at screen 0.09 }
    unset xlabel
    set logscale y
    set ylabel 'round trip (µs, log scale)'
    set format y '%g'
    # From the data (another machine's figures differ): down to a whole
    # decade, up with room above the tallest bar for its value.
    stats sprintf("< awk -F, '$2 == \"latency\" && $8 != \"skipped\"' %s", data) \
        using ($5 / 1000) nooutput
    set yrange [10 ** floor(log10(STATS_min)) : STATS_max * 2.5]
    set style fill solid 0.85 border -1
    set boxwidth 0.7
    set xrange [0.4:9.6]
    xt = ''
    do for [i = 1:9] { xt = xt . sprintf("'%s' %d%s", word(mechs, i), i, i < 9 ? ', ' : '') }
    eval('set xtics (' . xt . ')')
    set xtics rotate by -30 left nomirror font ',14'
    unset key
    # Each bar and, above it, its value (the CSV is in ns; drawn in µs).
    plot for [i = 1:9] rows(word(mechs, i), 'latency') \
         using (i):($5 / 1000) with boxes lc rgb word(colors, i) notitle, \
         for [i = 1:9] rows(word(mechs, i), 'latency') \
         using (i):($5 / 1000):(sprintf('%#.3g', $5 / 1000)) with labels offset 0, 0.8 \
         font ',14' notitle
}
if (kind eq 'both') unset multiplot
