#!/usr/bin/env bash
# test_ingest.sh -- issue 3's scenario end to end with the CLI: two Avro
# datasets (2 x 6 files x 3000 records), ingested by two producers that are
# each killed with SIGKILL several times and restarted; every record read
# back exactly once; then a checkpoint at step 1000 and gc: steps >= 1000
# read identically (at W = 1 and W = 4), step 0 fails as reclaimed; and a
# dataset whose schema is recursive is refused (status 1), not a crash.
#   usage: test_ingest.sh path/to/lakestream path/to/lakestream-datagen
set -uo pipefail
LS=${1:?lakestream}; GEN=${2:?lakestream-datagen}
BASE=${LS_TEST_TMP:-/tmp}; mkdir -p "$BASE"
T=$(mktemp -d "$BASE/ingest.XXXXXX"); trap 'rm -rf "$T"' EXIT
S="$T/store"; X=(-X store.fsync=false)
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

"$GEN" avro "$T/dsA" --files 6 --records 3000 --prefix A --seed 1 &&
"$GEN" avro "$T/dsB" --files 6 --records 3000 --prefix B --seed 2 --codec deflate ||
  { bad "datagen"; exit 1; }
"$LS" create "$S" t --global-batch 16 "${X[@]}" -X table.log.retention.ms=0 || { bad "create"; exit 1; }

ingest() {  # producer dataset: a commit at every record (fixed, interval 0),
            # so a kill lands between, inside or after commits (a whole run
            # takes seconds; DAC would commit far less often, and the runs
            # would end before the kills)
  exec "$LS" ingest "$S" t --producer "$1" --source "$T/$2" "${X[@]}" \
        -X producer.commit.policy=fixed -X producer.commit.interval.ms=0 \
        -X producer.chunk.samples.max=20 2>>"$T/err.log"
}
kills=0
for round in 1 2 3 4 5; do
  ingest pa dsA & a=$!
  ingest pb dsB & b=$!
  sleep "0.$((RANDOM % 60 + 10))"
  kill -9 "$a" "$b" 2>/dev/null
  for p in $a $b; do wait "$p" 2>/dev/null; [ $? -eq 137 ] && kills=$((kills + 1)); done
done
[ $kills -ge 6 ] && ok "$kills producer runs killed with SIGKILL mid-ingest" ||
  bad "only $kills runs were killed mid-ingest"
ingest pa dsA & a=$!; ingest pb dsB & b=$!
wait "$a"; ra=$?; wait "$b"; rb=$?
if [ $ra -eq 0 ] && [ $rb -eq 0 ]; then ok "ingest completes after the kills"; else
  bad "final ingest (rc $ra $rb): $(tail -3 "$T/err.log")"; fi

"$LS" describe "$S" t --json >"$T/desc.json"
python3 - "$T/desc.json" <<'PY' && ok "36000 samples; each producer restarted (epoch > 1)" || bad "describe"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["total_samples"] == 36000 and d["visible_steps"] == 2250, d
assert all(p["epoch"] > 1 for p in d["producers"]), d["producers"]
PY

"$LS" consume "$S" t --rank 0 --world-size 1 --from-step 0 --steps 2250 --format lenpfx >"$T/all.bin"
python3 - "$T/all.bin" <<'PY' && ok "every record exactly once" || bad "exactly once"
import collections, struct, sys
b = open(sys.argv[1], "rb").read(); pos = 0; seen = collections.Counter()
while pos < len(b):
    (n,) = struct.unpack_from("<I", b, pos); pos += 4
    seen[b[pos:pos + n].split(b":", 1)[0]] += 1; pos += n
want = {f"{p}/{f}/{r}".encode() for p in "AB" for f in range(6) for r in range(3000)}
dups = [k for k, c in seen.items() if c > 1]
assert not dups and set(seen) == want, (len(dups), len(want - set(seen)), len(set(seen) - want))
PY

"$LS" consume "$S" t --rank 0 --world-size 1 --from-step 1000 --steps 1250 --format lenpfx >"$T/before.bin"
"$LS" checkpoint "$S" t register ck-1000 1000 "${X[@]}" && ok "checkpoint registered at 1000" || bad "register"
"$LS" gc "$S" t "${X[@]}" >"$T/gc.out" && grep -q "low watermark: step 1000" "$T/gc.out" &&
  grep -q "reclaimed [1-9]" "$T/gc.out" && ok "gc: $(tail -1 "$T/gc.out" | cut -c1-60)..." || bad "gc: $(cat "$T/gc.out")"
"$LS" consume "$S" t --rank 0 --world-size 1 --from-step 1000 --steps 1250 --format lenpfx >"$T/after.bin"
cmp -s "$T/before.bin" "$T/after.bin" && ok "steps >= 1000 identical after gc (W=1)" || bad "steps differ after gc"
for r in 0 1 2 3; do
  "$LS" consume "$S" t --rank $r --world-size 4 --from-step 1000 --steps 1250 --format lenpfx >"$T/w4.$r"
done
python3 - "$T" <<'PY' && ok "steps >= 1000 identical at W=4" || bad "W=4 differs"
import struct, sys
t = sys.argv[1]
def samples(p):
    b = open(p, "rb").read(); pos = 0; out = []
    while pos < len(b):
        (n,) = struct.unpack_from("<I", b, pos); out.append(b[pos + 4:pos + 4 + n]); pos += 4 + n
    return out
w1 = samples(f"{t}/after.bin"); w4 = [samples(f"{t}/w4.{r}") for r in range(4)]
assert all(len(x) == 1250 * 4 for x in w4)
for s in range(1250):
    assert sum((w4[r][s * 4:(s + 1) * 4] for r in range(4)), []) == w1[s * 16:(s + 1) * 16], s
PY
"$LS" consume "$S" t --rank 0 --world-size 1 --from-step 0 --steps 1 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -ne 0 ] && grep -q "step 0: reclaimed" "$T/err" && [ ! -s "$T/out" ] &&
  ok "step 0: $(cat "$T/err")" || bad "step 0 (rc $rc): $(cat "$T/err")"

# A writer schema that contains itself: avro-c cannot build a value of it
# (ingest used to die of SIGSEGV, status 139, on every run).  It is refused
# before avro-c sees it, naming the file and the type, with status 1.
mkdir "$T/dsR"
python3 - "$T/dsR/r-0.avro" <<'PY'
import sys
def zz(v):
    u, out = (v << 1) ^ (v >> 63), bytearray()
    while u >= 0x80:
        out.append(u & 0x7f | 0x80); u >>= 7
    return bytes(out + bytes([u]))
def s(b): return zz(len(b)) + b
schema = (b'{"type":"record","name":"A","fields":[{"name":"sample","type":"bytes"},'
          b'{"name":"x","type":"A"}]}')
sync = b"0123456789abcdef"
body = s(b"a sample")
open(sys.argv[1], "wb").write(b"Obj\x01" + zz(1) + s(b"avro.schema") + s(schema) + zz(0) +
                              sync + zz(1) + zz(len(body)) + body + sync)
PY
for run in 1 2; do
  "$LS" ingest "$S" t --producer pr --source "$T/dsR" "${X[@]}" >"$T/out" 2>"$T/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q 'r-0.avro: avro.schema: type "A" contains itself: recursive schemas are not supported' "$T/err" &&
    ok "recursive schema, run $run: status 1, ...$(sed "s/.*avro.schema://" "$T/err")" ||
    bad "recursive schema, run $run (status $rc): $(cat "$T/err")"
done

echo "$fails failure(s)"
[ $fails -eq 0 ]
