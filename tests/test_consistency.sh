#!/usr/bin/env bash
# test_consistency.sh -- the same end-to-end checks on every store a user
# can name: 4 producer processes race 1000 samples each into one table
# (B = 64), then the table is read back with the CLI at W = 1, 4 and 64:
# every sample exactly once, and each step's rank slices concatenate to the
# step read at W = 1.  A second table of 4 KiB samples is read at W = 64
# with --stats: the data each rank fetches must be its slice alone (read
# amplification bytes_fetched / bytes_needed <= 1.05), a property of the
# ranged reads, not a timing.
#   usage: test_consistency.sh path/to/lakestream
# Runs on a posix store always, and on $LS_TEST_S3_URI (a fresh prefix)
# when it is set; LS_TEST_S3_REQUIRED=1 makes its absence a failure.  The
# objects written under the s3 prefix are left there (the test radosgw of
# scripts/test.sh is memory-backed and thrown away).
set -uo pipefail
LS=${1:?usage: test_consistency.sh path/to/lakestream}
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/consistency.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

B=64
W_LIST="1 4 64"

# one_store NAME URI: the whole scenario on one store.
one_store() {
  local name=$1 uri=$2 d="$T/$1"
  mkdir -p "$d"
  if ! "$LS" create "$uri" race --global-batch $B 2>"$d/create.err"; then
    bad "$name: create ($(head -c 300 "$d/create.err"))"
    return
  fi
  # The default policy (dac), starting from a 1 ms interval: conflicts make
  # the producers back off (tests/test_cli.sh races them on fixed:1).
  local pids=() p
  for p in 0 1 2 3; do
    seq -f "p$p-%04g" 0 999 >"$d/in$p"
    "$LS" produce "$uri" race --producer "prod$p" -X producer.commit.interval.ms=1 \
          -X producer.chunk.samples.max=16 <"$d/in$p" 2>"$d/prod$p.err" &
    pids+=($!)
  done
  local prod_ok=1 i
  for i in 0 1 2 3; do
    wait "${pids[$i]}" || prod_ok=0
    [ -s "$d/prod$i.err" ] && prod_ok=0
  done
  if [ $prod_ok = 1 ]; then ok "$name: 4 racing producers"; else
    bad "$name: producers ($(cat "$d"/prod*.err | head -c 300))"; return; fi

  # 4000 samples, B = 64: 62 full steps.
  local steps=62 w r
  cat "$d/in"{0,1,2,3} | sort >"$d/expect"
  for w in $W_LIST; do
    : >"$d/w$w"
    for ((r = 0; r < w; r++)); do
      if ! "$LS" consume "$uri" race --rank $r --world-size $w --from-step 0 --steps $steps \
             --with-step >"$d/w$w.$r" 2>"$d/w$w.$r.err"; then
        bad "$name: consume W=$w rank $r ($(head -c 300 "$d/w$w.$r.err"))"
        return
      fi
    done
  done
  python3 - "$d" "$W_LIST" $steps $B <<'EOF' && ok "$name: W = 1, 4, 64 agree, every sample once" \
    || bad "$name: consistency across world sizes"
import collections, sys
d, ws, steps, B = sys.argv[1], [int(w) for w in sys.argv[2].split()], int(sys.argv[3]), int(sys.argv[4])
def read(path):
    s = collections.defaultdict(list)
    for line in open(path):
        k, v = line.rstrip("\n").split("\t")
        s[int(k)].append(v)
    return s
expect = sorted(l.strip() for l in open(f"{d}/expect"))
w1 = read(f"{d}/w1.0")
assert sorted(w1) == list(range(steps)), sorted(w1)[:5]
seen = [v for k in range(steps) for v in w1[k]]
assert len(seen) == steps * B and len(set(seen)) == len(seen), "duplicates at W=1"
assert set(seen) <= set(expect), "unknown samples"
# per-producer order is kept
last = {}
for v in seen:
    p, i = v.split("-")
    assert last.get(p, -1) < int(i), f"order of {p}"
    last[p] = int(i)
for w in ws[1:]:
    ranks = [read(f"{d}/w{w}.{r}") for r in range(w)]
    for k in range(steps):
        cat = [v for r in range(w) for v in ranks[r][k]]
        assert cat == w1[k], f"W={w} step {k} differs from W=1"
EOF

  # Read amplification at W = 64 with 4 KiB samples.
  if ! "$LS" create "$uri" big --global-batch $B --codec none 2>"$d/cbig.err"; then
    bad "$name: create big ($(head -c 300 "$d/cbig.err"))"; return; fi
  python3 -c "
import os, sys
for i in range(8 * $B):
    sys.stdout.write(os.urandom(2047).hex() + '\n')   # 4094 bytes + newline
" >"$d/big.in"
  if ! "$LS" produce "$uri" big --producer pbig <"$d/big.in" 2>"$d/pbig.err"; then
    bad "$name: produce big ($(head -c 300 "$d/pbig.err"))"; return; fi
  local amp_ok=1
  for r in 0 17 63; do
    "$LS" consume "$uri" big --rank $r --world-size 64 --from-step 0 --steps 8 --stats \
          >"$d/big.$r" 2>"$d/big.$r.stats" || { amp_ok=0; continue; }
    python3 - "$d/big.$r.stats" "$name" $r <<'EOF' || amp_ok=0
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
amp = s["bytes_fetched"] / s["bytes_needed"]
print(f"# {sys.argv[2]} W=64 rank {sys.argv[3]}: bytes_fetched {s['bytes_fetched']}, "
      f"bytes_needed {s['bytes_needed']}, amplification {amp:.4f}, "
      f"meta_bytes_fetched {s['meta_bytes_fetched']}, requests {s['requests']} "
      f"(data {s['data_requests']}) for {s['steps']} steps")
assert s["samples"] == 8 and s["steps"] == 8, s
assert amp <= 1.05, amp
EOF
  done
  if [ $amp_ok = 1 ]; then ok "$name: W=64, 4 KiB samples: read amplification <= 1.05"; else
    bad "$name: read amplification at W=64"; fi
}

one_store posix "file://$T/store"
if [ -n "${LS_TEST_S3_URI:-}" ]; then
  S3="${LS_TEST_S3_URI%/}/consistency-$$-$RANDOM"
  one_store s3 "$S3"
elif [ "${LS_TEST_S3_REQUIRED:-0}" = 1 ]; then
  bad "LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set"
else
  echo "# s3 not run (set LS_TEST_S3_URI=s3://bucket, see scripts/s3-server.sh)"
fi

# TLS (when the S3 server also serves HTTPS, as scripts/test.sh starts it):
# verification is on by default and refuses the self-signed certificate with
# a clear error; s3.ca.bundle makes it verify; s3.tls.verify=false skips it.
if [ -n "${LS_S3_TLS_ENDPOINT:-}" ] && [ -n "${LS_TEST_S3_URI:-}" ]; then
  TU="${LS_TEST_S3_URI%/}/tls-$$-$RANDOM"
  EP=(-X "s3.endpoint=$LS_S3_TLS_ENDPOINT")
  if "$LS" create "$TU" t --global-batch 2 "${EP[@]}" 2>"$T/tls.err"; then
    bad "tls: a self-signed certificate was accepted without s3.ca.bundle"
  elif grep -q "^lakestream: .*certificate.*s3.ca.bundle" "$T/tls.err"; then
    ok "tls: verification on by default, clear error"
  else
    bad "tls: unexpected error: $(head -c 300 "$T/tls.err")"
  fi
  if "$LS" create "$TU" t --global-batch 2 "${EP[@]}" -X "s3.ca.bundle=$LS_S3_TLS_CA" &&
     seq 1 4 | "$LS" produce "$TU" t --producer p "${EP[@]}" -X "s3.ca.bundle=$LS_S3_TLS_CA" &&
     [ "$("$LS" consume "$TU" t --rank 1 --world-size 2 --from-step 0 --steps 2 "${EP[@]}" \
          -X s3.tls.verify=false | tr '\n' ' ')" = "2 4 " ]; then
    ok "tls: s3.ca.bundle verifies; s3.tls.verify=false reads"
  else
    bad "tls: round trip over https"
  fi
fi

if [ $fails -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all consistency checks passed"
