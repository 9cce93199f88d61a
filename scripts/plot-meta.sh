#!/usr/bin/env bash
# Plots of a `lakestream-bench meta` result (docs/bench-meta.md):
#   scripts/plot-meta.sh results/meta-<store>-<date>-<rev>.json
# writes next to it <name>-amplification.png (total read amplification,
# counting the open, against W, for each format and sample size, at the
# case with the most producers and the shortest commit interval) and
# <name>-wait.png (requests per second of a rank waiting at the head
# against the commits that landed meanwhile, every case).  Needs gnuplot
# (installed here as gnuplot-nox if missing) and python3.
set -euo pipefail
IN=${1:?usage: plot-meta.sh results/meta-....json}
[ -f "$IN" ] || { echo "plot-meta.sh: no such file $IN" >&2; exit 2; }
if ! command -v gnuplot >/dev/null 2>&1; then
  echo "installing: gnuplot-nox" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gnuplot-nox
fi
PREFIX=${IN%.json}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/plot-meta.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 - "$IN" "$WORK" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); work = sys.argv[2]
cases = d["cases"]
pmax = max(c["producers"] for c in cases)
imin = min(c["commit_interval_ms"] for c in cases)
series = []
for c in cases:
    if c["producers"] != pmax or c["commit_interval_ms"] != imin:
        continue
    name = "format %d, %d B" % (c["table_format"], c["sample_bytes"])
    fn = "%s/amp-%d-%d.dat" % (work, c["table_format"], c["sample_bytes"])
    with open(fn, "w") as f:
        for w in c["worlds"]:
            f.write("%d %.6f\n" % (w["world_size"], w["total_read_amplification_with_open_max"]))
    series.append((fn, name))
with open(work + "/amp.list", "w") as f:
    for fn, name in series:
        f.write("%s\t%s\n" % (fn, name))
for fmt in sorted({c["table_format"] for c in cases}):
    with open("%s/wait-%d.dat" % (work, fmt), "w") as f:
        for c in cases:
            if c["table_format"] == fmt:
                w = c["wait_at_head"]
                f.write("%d %.3f\n" % (w["commits_meanwhile"], w["requests_per_s"]))
with open(work + "/title", "w") as f:
    store = d["params"]["store"]
    f.write("%s, %s, P = %d, %d ms commits" % ("radosgw (s3)" if store.startswith("s3://") else "posix",
                                               d.get("git_rev", "?"), pmax, imin))
EOF
TERM_PNG=png
if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then TERM_PNG="pngcairo"; fi
plot=""
while IFS=$'\t' read -r fn name; do
  plot="$plot${plot:+, }'$fn' using 1:2 with linespoints title '$name'"
done <"$WORK/amp.list"
TITLE=$(cat "$WORK/title")
gnuplot <<EOF
set terminal $TERM_PNG size 900,600
set output '$PREFIX-amplification.png'
set title "lakestream-bench meta: total read amplification per rank, counting the open\n$TITLE"
set xlabel 'world size W'
set ylabel '(data + metadata bytes) / stored bytes of the rank''s samples'
set logscale xy
set grid
set key top left
plot $plot
EOF
wplot=""
for f in "$WORK"/wait-*.dat; do
  fmt=${f##*/wait-}; fmt=${fmt%.dat}
  wplot="$wplot${wplot:+, }'$f' using 1:2 with points pointsize 1.5 title 'format $fmt'"
done
gnuplot <<EOF
set terminal $TERM_PNG size 900,600
set output '$PREFIX-wait.png'
set title "lakestream-bench meta: one rank waiting at the head while producers commit\n${TITLE%%, P =*}, every case"
set xlabel 'commits that landed during the wait'
set ylabel 'requests per second of the waiting rank'
set logscale y
set grid
plot $wplot
EOF
echo "plot-meta: $PREFIX-amplification.png $PREFIX-wait.png"
