# Grouped bars: a series per data block, one bar per group; columns: x
# position, median, min, max (whiskers: every repetition lies between
# them). The group names are the xtics (S[s_groups...]); the caller sets
# the bar width (boxw).
load "common.gp"
set style fill solid 0.85 border -1
set boxwidth boxw absolute
set xtics ("" 0)
do for [g=0:ngroups-1] { set xtics add (S[s_groups + g] g) }
set xtics scale 0 rotate by -30 left noenhanced
set xrange [-0.6:ngroups-0.4]
# A bar's length is its value: on a linear axis the bars start at zero.
if (!logy) { set yrange [0:*] }
plot for [i=0:nseries-1] datafile index i using 1:2 with boxes title S[s_series + i] lc rgb word(colors, i + 1), \
     for [i=0:nseries-1] datafile index i using 1:3:(0):(column(4)-column(3)) notitle with vectors nohead \
         lc rgb "#222222" lw 1.2
