# A line per series: each series is a data block (index i), titled
# S[s_series + i]; columns: x, median, min, max (the whiskers: every
# repetition lies between them). Ours: filled circles; references: their
# own colour, dash and open marker (words of points). A benchmark that
# failed or timed out is a red cross on the bottom of the axis, from the
# block after the series (nfail of them); the caption gives its reason.
# `style` (the caller's: yerrorlines, or yerrorbars where only one x value
# ran) says whether the points are joined.
load "common.gp"
# Room beside the first and last points; none above and below a log axis
# (an offset there adds whole decades), and none below a linear one: the
# figures are never negative, and an offset there drew echo's axis down to
# -20k requests/s.
if (logy) { set offsets graph 0.03, graph 0.03, 0, 0 } else { set offsets graph 0.03, graph 0.03, graph 0.05, 0 }
if (nfail > 0) {
    plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with @style title S[s_series + i] \
         lc rgb word(colors, i + 1) dt int(word(dashes, i + 1)) lw 2 pt int(word(points, i + 1)) ps 0.8, \
         datafile index nseries using 1:2 with points pt 2 ps 1.8 lw 2.5 lc rgb "#b3261e" title S[s_fail]
} else {
    plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with @style title S[s_series + i] \
         lc rgb word(colors, i + 1) dt int(word(dashes, i + 1)) lw 2 pt int(word(points, i + 1)) ps 0.8
}
