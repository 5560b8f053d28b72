# Throughput and peak memory against corpus size, from bench/e2e.sh's
# results.tsv. gnuplot -e "results='...'; output='...'" bench/scaling.gp
set terminal pngcairo size 1100,420 font ",10"
set output output
set datafile separator "\t"
sel(e) = sprintf("< awk -F'\t' '$4 == \"%s\"' %s", e, results)
set multiplot layout 1,2
set logscale x
set xlabel "documents"
set key top left
set grid
set title "throughput (MB/s, 2 cores)"
set yrange [0:*]
plot sel("mimeo") using 2:7 with linespoints title "mimeo (defaults)", \
     sel("mimeo-0.5") using 2:7 with linespoints title "mimeo (peer's parameters)", \
     sel("peer") using 2:7 with linespoints title "ekzhu minhash-lsh (Go)"
set logscale y
set yrange [*:*]
set title "peak memory (MB)"
plot sel("mimeo") using 2:6 with linespoints title "mimeo (defaults)", \
     sel("mimeo-0.5") using 2:6 with linespoints title "mimeo (peer's parameters)", \
     sel("peer") using 2:6 with linespoints title "ekzhu minhash-lsh (Go)"
unset multiplot
