# Drawn by lakestream-bench report; redraw with: gnuplot failure-9-multimodal-pretrain-colocated.gp
set terminal pngcairo noenhanced size 900,500
set output 'failure-9-multimodal-pretrain-colocated.png'
set title '#9 multimodal-pretrain on colocated, producer-kill:at=6.66667: steps over time'
set xlabel 'time since the start (s)'
set ylabel 'steps completed'
set grid
set key below
set yrange [0:*]
set arrow from first 6.69525, graph 0 to first 6.69525, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'inject' at first 6.69525, graph 0.97 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 6.79583, graph 0 to first 6.79583, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'rollback' at first 6.79583, graph 0.73 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 6.79702, graph 0 to first 6.79702, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'restart' at first 6.79702, graph 0.49 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
set arrow from first 10.8125, graph 0 to first 10.8125, graph 1 nohead lc rgb '#cc3311' dt 2
set label 'recovered' at first 10.8125, graph 0.97 right rotate by 90 offset -0.7,0 tc rgb '#cc3311'
plot 'failure-9-multimodal-pretrain-colocated.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.5 title 'job step', \
     '' using 1:4 with lines lw 1 dt 2 lc rgb '#117733' title 'steps trained (with those redone)'
