# SPDX-License-Identifier: GPL-2.0
# Plot of tests/vm/bench: pairs per second (all threads) of each case against
# the number of threads. Called as
#   gnuplot -e "datafile='X.dat'; outfile='X.png'; plottitle='...'" bench/plot.gp
# X.dat holds one block per case (separated by two blank lines), each a header
# line "case threads pairs_per_sec" then "case <threads> <pairs/s>" lines.
if (!exists("plottitle")) plottitle = "hpool_bench"
set terminal pngcairo size 1100,700 noenhanced
set output outfile
set title plottitle
set xlabel "threads (one kthread per CPU)"
set ylabel "pairs per second, all threads"
set logscale y
set grid
set key outside right
set xtics 1
set offsets 0.2, 0.2, 0, 0
stats datafile using 2 nooutput
plot for [i=0:STATS_blocks-1] datafile index i using 2:3:xtic(2) \
	with linespoints linewidth 2 title columnheader(1)
