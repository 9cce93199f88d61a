# Drawn by lakestream-bench report; redraw with: gnuplot failure-11-sft-kafka.gp
set terminal pngcairo noenhanced size 900,500
set output 'failure-11-sft-kafka.png'
set title '#11 sft on kafka, rank-restart:at=13.3333: steps over time'
set xlabel 'time since the start (s)'
set ylabel 'steps completed'
set grid
set key below
set yrange [0:*]
set ytics nomirror
set y2tics
set y2label 'samples produced'
set y2range [0:*]
set arrow from first 13.3705, graph 0 to first 13.3705, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'inject' at first 13.3705, graph 0.97 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 13.3706, graph 0 to first 13.3706, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'rollback' at first 13.3706, graph 0.73 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 13.3713, graph 0 to first 13.3713, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'restart' at first 13.3713, graph 0.49 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 14.8469, graph 0 to first 14.8469, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'recovered' at first 14.8469, graph 0.97 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
plot 'failure-11-sft-kafka.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 title 'job step', \
     '' using 1:4 with lines lw 1 dt 2 lc rgb '#117733' title 'steps trained (with those redone)', \
     '' using 1:3 axes x1y2 with lines lw 1 lc rgb '#999999' title 'samples produced'
