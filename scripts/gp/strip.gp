# A strip per benchmark: every repetition as a point, placed by how far it
# lies from the benchmark's median (in percent); the benchmark names are
# the ytics (S[s_groups...]). Columns: deviation %, row.
load "common.gp"
unset logscale
set format x "%+g%%"
set format y "%g"
set grid xtics noytics lc rgb "#dddddd" lt 1
set ytics ("" 0)
do for [g=0:ngroups-1] { set ytics add (S[s_groups + g] g) }
set ytics scale 0 noenhanced font ",8"
set yrange [ngroups-0.2:-0.8]
set xtics xstep
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "#888888"
unset key
plot datafile using 1:2 with points pt 7 ps 0.5 lc rgb "#1b6ca8"
