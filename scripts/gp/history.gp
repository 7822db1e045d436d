# Trends over runs: a series per benchmark (data block, first row its
# title); columns: run index, value, band low, band high (min and max of
# the runs before), 1 when the value is a regression. The caller sets the
# runs' commits as xtics.
load gpdir."/common.gp"
set xtics scale 0 rotate by -30 left noenhanced
set xrange [-0.5:ngroups-0.5]
plot for [i=0:nseries-1] datafile index i using 1:3:4 notitle with filledcurves \
         fs transparent solid 0.12 noborder lc rgb word(colors, i + 1), \
     for [i=0:nseries-1] datafile index i using 1:2 title columnheader(1) with linespoints \
         lc rgb word(colors, i + 1) dt int(word(dashes, i + 1)) lw 2 pt 7 ps 0.6, \
     for [i=0:nseries-1] datafile index i using 1:($5 > 0 ? $2 : 1/0) notitle with points \
         pt 6 ps 2.2 lw 2 lc rgb "#b3261e"
