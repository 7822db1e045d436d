# The chart's texts (title, axis labels, series titles, group names) as
# data, never as program text: stringfile holds a row `k byte` per UTF-8
# byte of text k (a `k 0` row first), and S[k] is rebuilt here with
# sprintf("%c"). A backtick, quote or newline in a benchmark name is thus
# a byte value, which gnuplot cannot expand, end a string with, or run.
# Set by the caller: stringfile, nstrings.
array S[nstrings]
do for [k=1:nstrings] { S[k] = "" }
stats stringfile using (k = int(column(1)), b = int(column(2)), \
                        S[k] = (b > 0 ? S[k] . sprintf("%c", b) : S[k]), 0) nooutput
