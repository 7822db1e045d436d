# Trends over runs: a series per benchmark (data block); columns: run
# index, value, band low, band high (min and max of the runs before), 1
# when the value is a regression. The runs' commits are the xtics
# (S[s_groups...]).
load "common.gp"
set xtics ("" 0)
do for [g=0:ngroups-1] { set xtics add (S[s_groups + g] g) }
set xtics scale 0 rotate by -30 left noenhanced
set xrange [-0.5:ngroups-0.5]
plot for [i=0:nseries-1] datafile index i using 1:3:4 notitle with filledcurves \
         fs transparent solid 0.12 noborder lc rgb word(colors, i + 1), \
     for [i=0:nseries-1] datafile index i using 1:2 title S[s_series + i] with linespoints \
         lc rgb word(colors, i + 1) dt int(word(dashes, i + 1)) lw 2 pt 7 ps 0.6, \
     for [i=0:nseries-1] datafile index i using 1:(column(5) > 0 ? column(2) : 1/0) notitle with points \
         pt 6 ps 2.2 lw 2 lc rgb "#b3261e"
