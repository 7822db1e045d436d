# Shared by every chart: set by the caller (scripts/sbreport/charts.py)
# before `load`: datafile, ttl, xlab, ylab, logx, logy, nseries, yfmt, and
# per series a colour and a dash type (words of colors and dashes).
# The key sits above the plot, outside it, so that it covers no data.
set title ttl noenhanced
set xlabel xlab
set ylabel ylab
set key outside top center horizontal noenhanced
set grid ytics mytics lc rgb "#dddddd" lt 1
set border 3
set tics nomirror
set format y yfmt
set format x "%g"
if (logx) { set logscale x; set format x "10^{%T}" }
if (logy) { set logscale y; set format y "10^{%T}" }
