# Drawn by lakestream-bench report; redraw with: gnuplot wait-cdf-sft.gp
set terminal pngcairo noenhanced size 800,500
set output 'wait-cdf-sft.png'
set title 'sft: step wait over all ranks and steps (each rank: first step left out)'
set xlabel 'step wait (ms, log scale; waits are whole microseconds, so 0 is drawn at 0.001)'
set ylabel 'percentile'
set logscale x
set yrange [0:100]
set grid
set key bottom right
wait(x) = x > 0.001 ? x : 0.001
plot 'wait-cdf-sft.dat' using (wait($2)):1 with lines lw 2 title 'lakestream', \
     'wait-cdf-sft.dat' using (wait($3)):1 with lines lw 2 title 'kafka', \
     'wait-cdf-sft.dat' using (wait($4)):1 with lines lw 2 title 'colocated'
