#!/usr/bin/env bash
# test_cli.sh -- the command-line tool as users script it: 4 producers
# racing 1000 lines each, read back at W = 1 and W = 4 (every sample once,
# identical step contents), lenpfx round trip, describe/--stats JSON, and
# clean refusals of bad input (one "lakestream: ..." line, non-zero exit).
#   usage: test_cli.sh path/to/lakestream
set -uo pipefail
LS=${1:?usage: test_cli.sh path/to/lakestream}
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
STORE="file://$T/store"
fails=0

ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# expect_fail WHAT PATTERN cmd...: non-zero exit, one stderr line matching
# "lakestream: ...PATTERN", nothing on stdout.
expect_fail() {
  local what=$1 pat=$2; shift 2
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  if [ $rc -ne 0 ] && grep -q "^lakestream: .*$pat" "$T/err" && [ ! -s "$T/out" ] &&
     ! grep -qi "sanitizer\|segmentation\|core dumped" "$T/err"; then
    ok "$what"
  else
    bad "$what (rc=$rc, stderr: $(head -c 300 "$T/err"), stdout bytes: $(wc -c <"$T/out"))"
  fi
}

# ---- create ------------------------------------------------------------
check "create" "$LS" create "$STORE" race --global-batch 40
expect_fail "create existing table" "already exists" "$LS" create "$STORE" race --global-batch 40
expect_fail "B = 0" "global-batch" "$LS" create "$STORE" zero --global-batch 0
expect_fail "B not a number" "global-batch" "$LS" create "$STORE" zero --global-batch 12x
expect_fail "table name .." "invalid table name" "$LS" create "$STORE" .. --global-batch 4
expect_fail "table name a/b" "invalid table name" "$LS" create "$STORE" a/b --global-batch 4
expect_fail "table name x..y" "invalid table name" "$LS" create "$STORE" x..y --global-batch 4
# Names are echoed quoted: a newline or a terminal escape cannot forge a
# line or hide one; a bad table name and a bad producer id both exit 2.
expect_exact() {  # WHAT RC LINE cmd...: exit RC, stderr exactly LINE
  local what=$1 want_rc=$2 line=$3; shift 3
  "$@" >"$T/out" 2>"$T/err" </dev/null
  local rc=$?
  if [ $rc -eq "$want_rc" ] && [ "$(cat "$T/err")" = "$line" ] && [ ! -s "$T/out" ]; then
    ok "$what"
  else
    bad "$what (rc=$rc, stderr: $(head -c 300 "$T/err" | od -c | head -5))"
  fi
}
expect_exact "table name with a newline: quoted, exit 2" 2 \
  'lakestream: create: invalid table name "t\x0alakestream: forged": use 1-128 of [A-Za-z0-9._-], no ".."' \
  "$LS" create "$STORE" "$(printf 't\nlakestream: forged')" --global-batch 4
expect_exact "producer id with an escape: quoted, exit 2" 2 \
  'lakestream: produce: invalid producer id "p\x1b[2J": use 1-128 of [A-Za-z0-9._-], no ".."' \
  "$LS" produce "$STORE" race --producer "$(printf 'p\033[2J')"
expect_exact "conf value with a newline: quoted, exit 2" 2 \
  'lakestream: describe: store.fsync: expected true or false, got "x\x0ay"' \
  "$LS" describe "$STORE" race -X "$(printf 'store.fsync=x\ny')"
expect_fail "missing --global-batch" "required" "$LS" create "$STORE" t2
expect_fail "bad codec" "codec" "$LS" create "$STORE" t2 --global-batch 4 --codec lz4
expect_fail "unknown verb" "unknown verb" "$LS" frobnicate
expect_fail "unknown option" "option" "$LS" create "$STORE" t2 --global-batch 4 --bogus
expect_fail "s3 without credentials" "AWS_ACCESS_KEY_ID" \
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$LS" describe s3://bucket/x t
expect_fail "s3 bad endpoint" "endpoint \"ftp://x\"" \
  env AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s "$LS" describe s3://bucket/x t -X s3.endpoint=ftp://x

# ---- 4 producers racing, 1000 lines each ----------------------------------
# A commit every ms whatever the conflicts (fixed:1), for many racing commits;
# tests/test_consistency.sh races the same way on the default policy (dac).
for p in 0 1 2 3; do
  seq -f "p$p-%04g" 0 999 >"$T/in$p"
done
pids=()
for p in 0 1 2 3; do
  "$LS" produce "$STORE" race --producer "prod$p" -X producer.commit.policy=fixed \
        -X producer.commit.interval.ms=1 -X producer.chunk.samples.max=16 \
        <"$T/in$p" >"$T/prod$p.out" 2>"$T/prod$p.err" &
  pids+=($!)
done
prod_ok=1
for i in 0 1 2 3; do
  wait "${pids[$i]}" || prod_ok=0
  [ -s "$T/prod$i.out" ] && prod_ok=0   # prints nothing on success
  [ -s "$T/prod$i.err" ] && prod_ok=0
done
check "4 racing producers exit 0 and print nothing" test $prod_ok = 1

"$LS" describe "$STORE" race --json >"$T/desc.json"
check "describe --json" python3 - "$T/desc.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("version", "total_samples", "visible_steps", "global_batch", "snapshot_version", "producers"):
    assert k in d, k
assert d["total_samples"] == 4000 and d["visible_steps"] == 100 and d["global_batch"] == 40, d
assert sorted(p["id"] for p in d["producers"]) == ["prod0", "prod1", "prod2", "prod3"]
for p in d["producers"]:
    assert p["epoch"] == 1 and p["last_seq"] >= 1000 // 16, p
EOF

# ---- read back at W = 1 and W = 4 -----------------------------------------
"$LS" consume "$STORE" race --rank 0 --world-size 1 --from-step 0 --steps 100 --with-step \
      --stats >"$T/w1" 2>"$T/w1.stats"
check "consume W=1 exit 0" test $? = 0
cat "$T/in"{0,1,2,3} | sort >"$T/expect"
cut -f2 "$T/w1" | sort >"$T/got1"
check "W=1: every sample exactly once" cmp -s "$T/expect" "$T/got1"
check "consume --stats JSON" python3 - "$T/w1.stats" <<'EOF'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
for k in ("bytes_fetched", "bytes_needed", "bytes_delivered", "meta_bytes_fetched", "requests"):
    assert k in s, k
assert s["bytes_delivered"] == 4000 * 7, s      # "pN-NNNN" is 7 bytes
assert s["bytes_fetched"] >= s["bytes_needed"] > 0 and s["meta_bytes_fetched"] > 0, s
EOF
for r in 0 1 2 3; do
  "$LS" consume "$STORE" race --rank $r --world-size 4 --from-step 0 --steps 100 --with-step \
        >"$T/w4.$r" || bad "consume W=4 rank $r"
done
# Per step, ranks 0..3 concatenated must equal the W=1 step, line for line.
python3 - "$T" <<'EOF' && ok "W=4 slices concatenate to the W=1 steps" || bad "W=4 vs W=1"
import sys, collections
t = sys.argv[1]
def steps(path):
    d = collections.defaultdict(list)
    for line in open(path):
        s, v = line.rstrip("\n").split("\t")
        d[int(s)].append(v)
    return d
w1 = steps(f"{t}/w1")
w4 = [steps(f"{t}/w4.{r}") for r in range(4)]
assert sorted(w1) == list(range(100))
for s in range(100):
    assert all(len(w4[r][s]) == 10 for r in range(4))
    assert sum((w4[r][s] for r in range(4)), []) == w1[s], s
# per-producer order is kept in the global order
order = [v for s in range(100) for v in w1[s]]
for p in range(4):
    mine = [v for v in order if v.startswith(f"p{p}-")]
    assert mine == sorted(mine), p
EOF
"$LS" consume "$STORE" race --rank 0 --world-size 1 --from-step 0 --steps 100 --with-step >"$T/w1b"
check "re-read is identical" cmp -s "$T/w1" "$T/w1b"

# ---- consume refusals -------------------------------------------------------
expect_fail "B not a multiple of W" "not a multiple" \
  "$LS" consume "$STORE" race --rank 0 --world-size 3 --from-step 0 --steps 1
expect_fail "rank >= W" "rank" \
  "$LS" consume "$STORE" race --rank 4 --world-size 4 --from-step 0 --steps 1
expect_fail "unknown table" "does not exist" \
  "$LS" consume "$STORE" nosuch --rank 0 --world-size 1 --from-step 0 --steps 1
expect_fail "describe unknown table" "does not exist" "$LS" describe "$STORE" nosuch
expect_fail "missing flags" "required" "$LS" consume "$STORE" race --rank 0
"$LS" consume "$STORE" race --rank 0 --world-size 1 --from-step 99 --steps 2 --timeout-ms 200 \
      >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -ne 0 ] && grep -q "^lakestream: consume: table race: step 100: not visible after 200 ms (100 steps visible)$" "$T/err" && [ "$(wc -l <"$T/out")" = 40 ]; then
  ok "step not visible within T: non-zero exit, clear message, only whole steps written"
else
  bad "timeout (rc=$rc, $(cat "$T/err"))"
fi

# ---- lenpfx round trip with binary samples ---------------------------------
check "create bin" "$LS" create "$STORE" bin --global-batch 4 --codec none
python3 - "$T/bin.in" <<'EOF'
import os, random, struct, sys
random.seed(7)
with open(sys.argv[1], "wb") as f:
    for i in range(64):
        b = bytes(random.randrange(256) for _ in range(random.randrange(0, 3000)))
        f.write(struct.pack("<I", len(b)) + b)
EOF
"$LS" produce "$STORE" bin --producer p --format lenpfx <"$T/bin.in"
check "produce lenpfx" test $? = 0
"$LS" consume "$STORE" bin --rank 0 --world-size 1 --from-step 0 --steps 16 --format lenpfx >"$T/bin.out"
check "lenpfx round trip is byte-identical" cmp -s "$T/bin.in" "$T/bin.out"
printf '\x10\x00\x00\x00abc' >"$T/trunc.in"
expect_fail "truncated lenpfx input" "truncated" \
  sh -c "\"$LS\" produce \"$STORE\" bin --producer p --format lenpfx <\"$T/trunc.in\""

# ---- corruption: a flipped byte in a chunk -----------------------------------
check "create cor" "$LS" create "$STORE" cor --global-batch 4 --codec none
seq -f "sample-%03g" 0 15 | "$LS" produce "$STORE" cor --producer p
chunk=$(find "$T/store/cor/data" -type f | sort | head -1)
python3 - "$chunk" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[12 + 2] ^= 0x20          # inside the first sample's bytes
open(p, "wb").write(b)
EOF
expect_fail "flipped byte: error naming object and sample" "$(basename "$chunk").*sample 0" \
  "$LS" consume "$STORE" cor --rank 0 --world-size 1 --from-step 0 --steps 1

# ---- a garbage log record ------------------------------------------------------
printf 'not a record' >"$T/store/cor/_log/00000000000000000002"
expect_fail "garbage log record: error naming the version" "00000000000000000002" \
  "$LS" describe "$STORE" cor

# ---- docs/configuration.md is generated from the property table ------------
DOCS=$(cd "$(dirname "$0")/.." && pwd)/docs/configuration.md
"$LS" conf --markdown >"$T/conf.md"
check "docs/configuration.md matches 'lakestream conf --markdown'" cmp -s "$T/conf.md" "$DOCS"

echo "$fails failure(s)"
[ $fails -eq 0 ]
