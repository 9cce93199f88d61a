# Drawn by lakestream-bench report; redraw with: gnuplot throughput-multimodal-pretrain.gp
set terminal pngcairo noenhanced size 800,500
set output 'throughput-multimodal-pretrain.png'
set title 'multimodal-pretrain: training steps/s by data plane (segment: ideal, 1000 / step time)'
set ylabel 'steps/s'
set style fill solid 0.5 border -1
set boxwidth 0.6
set grid ytics
set xrange [-0.5:2.5]
set yrange [0:2.08333]
set key top right
plot 'throughput-multimodal-pretrain.dat' using 0:2:xtic(1) with boxes lc rgb '#4477aa' title 'steps/s', \
     '' using ($0-0.4):3:(0.8):(0) with vectors nohead lw 2 lc rgb '#cc3311' title 'ideal', \
     '' using 0:2:(sprintf('%.2f', $2)) with labels offset 0,0.8 notitle
