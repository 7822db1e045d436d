# A line per series: each series is a data block (index i) whose first row
# is its title; columns: x, median, min, max (the whiskers: every
# repetition lies between them).
load gpdir."/common.gp"
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines title columnheader(1) \
     lc rgb word(colors, i + 1) dt int(word(dashes, i + 1)) lw 2 pt 7 ps 0.6
