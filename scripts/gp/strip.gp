# A strip per benchmark: every repetition as a point, placed by its ratio
# to the benchmark's median on a log axis (the caller sets the ticks and
# the range), so that one outlier at 7x does not squeeze every other strip
# into a few pixels, as a linear percent axis did. The benchmark names are
# the ytics (S[s_groups...]). Columns: ratio, row, marked (1: drawn red,
# its repetitions ran at two levels).
load "common.gp"
unset logscale
set logscale x
set format y "%g"
set grid xtics noytics lc rgb "#dddddd" lt 1
set ytics ("" 0)
do for [g=0:ngroups-1] { set ytics add (S[s_groups + g] g) }
set ytics scale 0 noenhanced
set yrange [ngroups-0.2:-0.8]
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb "#888888"
unset key
plot datafile using 1:2:($3 > 0 ? 0xb3261e : 0x1b6ca8) with points pt 7 ps 0.6 lc rgb variable
