# Grouped bars: a series per data block (first row its title), one bar per
# group; columns: x position, median, min, max (whiskers: every repetition
# lies between them). The caller sets the group names as xtics and the bar
# width (boxw).
load gpdir."/common.gp"
set style fill solid 0.85 border -1
set boxwidth boxw absolute
set xtics scale 0 rotate by -30 left noenhanced
set xrange [-0.6:ngroups-0.4]
plot for [i=0:nseries-1] datafile index i using 1:2 with boxes title columnheader(1) lc rgb word(colors, i + 1), \
     for [i=0:nseries-1] datafile index i using 1:3:(0):($4-$3) notitle with vectors nohead lc rgb "#222222" lw 1.2
