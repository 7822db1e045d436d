# A strip per benchmark: every repetition as a point, placed by how far it
# lies from the benchmark's median (in percent); the caller sets the
# benchmark names as ytics. Columns: deviation %, row.
load gpdir."/common.gp"
unset logscale
set format x "%+g%%"
set format y "%g"
set grid xtics noytics lc rgb "#dddddd" lt 1
set ytics scale 0 noenhanced font ",8"
set yrange [nrows-0.2:-0.8]
set xtics xstep
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb "#888888"
unset key
plot datafile using 1:2 with points pt 7 ps 0.5 lc rgb "#1b6ca8"
