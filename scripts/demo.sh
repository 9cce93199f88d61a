#!/usr/bin/env bash
# End-to-end demo on the embedded posix store: create a table, run 4
# producer processes and 8 trainer ranks at once (ranks wait for each step
# to become visible), then check that every sample arrived exactly once and
# print a summary.  Builds the project first if needed.
#   scripts/demo.sh [SAMPLES_PER_PRODUCER]     (default 25000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
N=${1:-25000}
W=8
B=256
cmake -S . -B "${BUILD:-build}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "${BUILD:-build}" -j "$(nproc 2>/dev/null || echo 2)" --target lakestream_cli >/dev/null
LS=${BUILD:-build}/lakestream

work=$(mktemp -d "${TMPDIR:-/tmp}/lakestream-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
store="file://$work/store"
steps=$(( 4 * N / B ))

# Deterministic "preprocessed" samples: an id plus 100-400 bytes of text.
for p in 0 1 2 3; do
  python3 - "$p" "$N" >"$work/in$p" <<'PY'
import random, sys
p, n = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(p)
words = "image caption token patch frame audio text label crop resize".split()
for i in range(n):
    body = " ".join(rnd.choice(words) for _ in range(rnd.randrange(15, 60)))
    print(f"producer{p}/sample{i:07d} {body}")
PY
done
bytes=$(cat "$work"/in? | wc -c)

"$LS" create "$store" demo --global-batch $B --codec zstd
echo "table demo: global batch $B, $W ranks, 4 producers x $N samples ($((bytes / 1024)) KiB), $steps steps"

t0=$(date +%s.%N)
for r in $(seq 0 $((W - 1))); do
  "$LS" consume "$store" demo --rank "$r" --world-size $W --from-step 0 --steps $steps \
        --with-step --timeout-ms 60000 --stats >"$work/rank$r" 2>"$work/rank$r.stats" &
  echo $! >>"$work/rank.pids"
done
for p in 0 1 2 3; do
  "$LS" produce "$store" demo --producer "prep$p" <"$work/in$p" &
  echo $! >>"$work/prod.pids"
done
status=0
while read -r pid; do wait "$pid" || status=1; done <"$work/prod.pids"
t1=$(date +%s.%N)
while read -r pid; do wait "$pid" || status=1; done <"$work/rank.pids"
t2=$(date +%s.%N)
[ $status -eq 0 ] || { echo "demo: a producer or rank failed" >&2; exit 1; }

"$LS" describe "$store" demo
python3 - "$work" "$W" "$steps" "$B" "$bytes" "$t0" "$t1" "$t2" <<'PY'
import collections, json, sys
work, W, steps, B, nbytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t0, t1, t2 = map(float, sys.argv[6:9])
expect = collections.Counter()
for p in range(4):
    expect.update(l.rstrip("\n") for l in open(f"{work}/in{p}"))
got = collections.Counter()
per_step = collections.defaultdict(int)
stats = collections.Counter()
for r in range(W):
    for line in open(f"{work}/rank{r}"):
        s, v = line.rstrip("\n").split("\t", 1)
        got[v] += 1
        per_step[int(s)] += 1
    stats.update(json.loads(open(f"{work}/rank{r}.stats").read().strip().splitlines()[-1]))
delivered = sum(expect.values()) - (sum(expect.values()) % B)
dups = sum(c - 1 for c in got.values() if c > 1)
missing = sum(1 for v in expect if v not in got)
print(f"ingest:   {nbytes / (t1 - t0) / 1e6:.1f} MB/s of samples, 4 producers, {t1 - t0:.2f} s")
print(f"training: {steps} steps x {W} ranks read in {t2 - t0:.2f} s "
      f"({steps / (t2 - t0):.1f} steps/s, ranks ran concurrently with the producers)")
print(f"samples delivered: {sum(got.values())} of {sum(expect.values())} produced, "
      f"duplicates {dups}, missing {missing - (sum(expect.values()) - delivered)}")
print(f"every step complete: {all(per_step[s] == B for s in range(steps))}")
amp = (stats['bytes_fetched'] + stats['meta_bytes_fetched']) / max(1, stats['bytes_needed'])
print(f"store reads: {stats['requests']} requests, read amplification {amp:.3f} "
      f"(data {stats['bytes_fetched']} B, metadata {stats['meta_bytes_fetched']} B, "
      f"needed {stats['bytes_needed']} B)")
ok = dups == 0 and sum(got.values()) == delivered and all(per_step[s] == B for s in range(steps))
print("demo: OK" if ok else "demo: FAILED")
sys.exit(0 if ok else 1)
PY
