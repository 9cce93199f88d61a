# Drawn by lakestream-bench report; redraw with: gnuplot failure-10-sft-lakestream.gp
set terminal pngcairo noenhanced size 900,500
set output 'failure-10-sft-lakestream.png'
set title '#10 sft on lakestream, rank-restart:at=13.3333: steps over time'
set xlabel 'time since the start (s)'
set ylabel 'steps completed'
set grid
set key below
set yrange [0:*]
set ytics nomirror
set y2tics
set y2label 'samples produced'
set y2range [0:*]
set arrow from first 13.3526, graph 0 to first 13.3526, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'inject' at first 13.3526, graph 0.97 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 13.3528, graph 0 to first 13.3528, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'rollback' at first 13.3528, graph 0.73 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 13.3536, graph 0 to first 13.3536, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'restart' at first 13.3536, graph 0.49 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 13.8799, graph 0 to first 13.8799, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'recovered' at first 13.8799, graph 0.25 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
plot 'failure-10-sft-lakestream.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 title 'job step', \
     '' using 1:4 with lines lw 1 dt 2 lc rgb '#117733' title 'steps trained (with those redone)', \
     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#999999' title 'samples produced'
