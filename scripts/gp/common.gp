# Shared by every chart: set by the caller (scripts/sbreport/charts.py)
# before `load`: datafile, keyfont (five sixths of the terminal's), the texts S[] (strings.gp) with s_title, s_xlab,
# s_ylab, s_series and s_groups, logx, logy, nseries, ngroups, yfmt, and
# per series a colour and a dash type (words of colors and dashes).
# Texts from the results are never enhanced-text markup (noenhanced).
# The key sits above the plot, outside it, so that it covers no data.
set title S[s_title] noenhanced
set xlabel S[s_xlab] noenhanced
set ylabel S[s_ylab] noenhanced
# Short samples, tight rows and a smaller font: a key of 14 series once took
# 40 % of a chart's height above its plot.
set key outside top center horizontal noenhanced samplen 1.5 spacing 0.85 width -2 font keyfont
set grid ytics mytics lc rgb "#dddddd" lt 1
set border 3
set tics nomirror
set format y yfmt
set format x "%g"
if (logx) { set logscale x; set format x "10^{%T}" }
if (logy) { set logscale y; set format y "10^{%T}" }
