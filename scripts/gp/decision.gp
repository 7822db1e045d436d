# The chart that decides a claim: one row per engine (or per comparison),
# its deciding figure as a point with its 95 % interval as whiskers, and
# the claim's threshold(s) as vertical lines (nthr of them at thr1, thr2).
# Columns: median, low, high, row. The row names are the ytics
# (S[s_groups...]); ours are filled circles, references open (column 5:
# 1 for a reference).
load "common.gp"
unset logscale
if (logx) { set logscale x; set format x "10^{%T}" } else { set format x "%g" }
set format y "%g"
set grid xtics noytics lc rgb "#dddddd" lt 1
set ytics ("" 0)
do for [g=0:ngroups-1] { set ytics add (S[s_groups + g] g) }
set ytics scale 0 noenhanced
set yrange [ngroups-0.4:-0.6]
if (nthr >= 1) { set arrow 1 from thr1, graph 0 to thr1, graph 1 nohead lc rgb "#b3261e" dt 2 lw 1.5 }
if (nthr >= 2) { set arrow 2 from thr2, graph 0 to thr2, graph 1 nohead lc rgb "#b3261e" dt 2 lw 1.5 }
unset key
plot datafile using 1:4:2:3 with xerrorbars pt 7 ps 1.1 lw 1.5 lc rgb "#1b6ca8"
