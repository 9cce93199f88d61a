#!/usr/bin/env bash
# round.sh -- one round of the network-fault scenario (docs/soak.md), run
# by tests/test_netfault.sh once and by scripts/soak-net.sh many times.
#   usage: round.sh LS PROXY_PORT S3_URI WORKDIR SAMPLES_PER_PRODUCER
# Everything but the checks goes through lakestream-netfault on PROXY_PORT
# (-X s3.endpoint=http://127.0.0.1:PROXY_PORT): create; two producers
# racing while a W = 1 reader follows them and gc runs in a loop (a
# checkpoint holds step 0, retention 0, snapshots every 8 versions, so gc
# reclaims log records under the writers' feet); then a checkpoint moves up,
# gc reclaims below it, and a W = 4 job reads the rest through the proxy.
# The checks read straight from the server (S3 endpoint of the
# environment): every sample of the exit-0 producers exactly once, in each
# producer's order; the follower's steps, the direct steps and the W = 4
# slices byte-identical; steps below the checkpoint refused as reclaimed.
# Prints one line "round ok: ..." or "round FAIL: ..." and exits 0 or 1.
set -uo pipefail
LS=$1 PORT=$2 URI=$3 D=$4 N=$5
B=16
PX=(-X "s3.endpoint=http://127.0.0.1:$PORT")
mkdir -p "$D"
fail() { echo "round FAIL: $*"; exit 1; }

"$LS" create "$URI" t --global-batch $B -X table.log.retention.ms=0 \
      -X table.snapshot.interval=8 "${PX[@]}" 2>"$D/create.err" \
  || fail "create: $(head -c 300 "$D/create.err")"
"$LS" checkpoint "$URI" t register hold 0 "${PX[@]}" 2>"$D/ck0.err" \
  || fail "checkpoint register: $(head -c 300 "$D/ck0.err")"

steps=$(( 2 * N / B ))
pids=()
for p in 0 1; do
  seq -f "p$p-%05g" 0 $((N - 1)) >"$D/in$p"
  # A commit every ms (fixed), so that gc keeps freeing log slots right
  # behind the writers.
  "$LS" produce "$URI" t --producer "prod$p" "${PX[@]}" -X producer.commit.policy=fixed \
        -X producer.commit.interval.ms=1 -X producer.chunk.samples.max=8 \
        <"$D/in$p" 2>"$D/prod$p.err" &
  pids+=($!)
done
"$LS" consume "$URI" t --rank 0 --world-size 1 --from-step 0 --steps $steps --with-step \
      --timeout-ms 300000 "${PX[@]}" >"$D/follow" 2>"$D/follow.err" &
fpid=$!
# gc races the producers until both are done.
gcs=0 gc_bad=0
while kill -0 "${pids[0]}" 2>/dev/null || kill -0 "${pids[1]}" 2>/dev/null; do
  if "$LS" gc "$URI" t "${PX[@]}" >/dev/null 2>"$D/gc.err"; then gcs=$((gcs + 1));
  else gc_bad=$((gc_bad + 1)); cp "$D/gc.err" "$D/gc.err.$gc_bad"; fi
  sleep 0.2
done
for p in 0 1; do
  wait "${pids[$p]}" || fail "producer $p exited non-zero: $(head -c 300 "$D/prod$p.err")"
done
wait $fpid || fail "follower: $(head -c 300 "$D/follow.err")"
# A gc that failed must have failed cleanly (a retriable store error), and
# most must succeed.
[ $gcs -gt 0 ] || fail "no gc succeeded ($gc_bad failed: $(head -c 300 "$D/gc.err.1" 2>/dev/null))"

# Direct reads (no proxy): the truth the others must match.
"$LS" consume "$URI" t --rank 0 --world-size 1 --from-step 0 --steps $steps --with-step \
      >"$D/direct" 2>"$D/direct.err" || fail "direct read: $(head -c 300 "$D/direct.err")"
cmp -s "$D/follow" "$D/direct" || fail "the follower's steps differ from the direct read"

half=$(( steps / 2 ))
"$LS" checkpoint "$URI" t register mid $half "${PX[@]}" 2>"$D/ck1.err" \
  || fail "checkpoint register mid: $(head -c 300 "$D/ck1.err")"
"$LS" checkpoint "$URI" t release hold "${PX[@]}" 2>"$D/ck2.err" \
  || fail "checkpoint release: $(head -c 300 "$D/ck2.err")"
"$LS" gc "$URI" t "${PX[@]}" >/dev/null 2>"$D/gc2.err" \
  || "$LS" gc "$URI" t "${PX[@]}" >/dev/null 2>"$D/gc2.err" \
  || fail "gc after the checkpoint moved: $(head -c 300 "$D/gc2.err")"
for r in 0 1 2 3; do
  "$LS" consume "$URI" t --rank $r --world-size 4 --from-step $half --steps $((steps - half)) \
        --with-step "${PX[@]}" >"$D/w4.$r" 2>"$D/w4.$r.err" \
    || fail "W=4 rank $r: $(head -c 300 "$D/w4.$r.err")"
done
if "$LS" consume "$URI" t --rank 0 --world-size 1 --from-step 0 --steps 1 \
     >/dev/null 2>"$D/below.err"; then
  fail "step 0 still readable after gc below the checkpoint at $half"
fi
grep -qi "reclaim" "$D/below.err" || fail "step 0: not refused as reclaimed: $(head -c 300 "$D/below.err")"

python3 - "$D" $N $B $steps $half "$gcs ok, $gc_bad failed" <<'EOF' || exit 1
import collections, sys
d, gcs = sys.argv[1], sys.argv[6]
n, B, steps, half = map(int, sys.argv[2:6])
def read(path):
    s = collections.defaultdict(list)
    for line in open(path):
        k, v = line.rstrip("\n").split("\t")
        s[int(k)].append(v)
    return s
def fail(msg):
    print("round FAIL: " + msg); sys.exit(1)
direct = read(f"{d}/direct")
if sorted(direct) != list(range(steps)): fail("direct read: steps %s" % sorted(direct)[:5])
if any(len(direct[k]) != B for k in direct): fail("a step is not B samples")
seen = [v for k in range(steps) for v in direct[k]]
if len(set(seen)) != len(seen): fail("a sample twice")
want = {f"p{p}-{i:05d}" for p in (0, 1) for i in range(n)}
if not set(seen) <= want: fail("unknown samples")
# Exactly once: the last partial step is not visible; every other sample is.
if len(want - set(seen)) != 2 * n - steps * B: fail("%d samples missing" % (len(want - set(seen)) - (2 * n - steps * B)))
for p in (0, 1):
    mine = [v for v in seen if v.startswith(f"p{p}-")]
    if mine != sorted(mine): fail(f"producer {p}'s order not kept")
w4 = [read(f"{d}/w4.{r}") for r in range(4)]
for k in range(half, steps):
    if [v for r in range(4) for v in w4[r][k]] != direct[k]:
        fail(f"step {k}: the W=4 slices through the proxy differ from the direct step")
print(f"round ok: {steps} steps, {len(seen)} samples exactly once, W=1 follower, "
      f"direct and W=4 identical; gc runs {gcs}")
EOF
