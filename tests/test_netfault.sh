#!/usr/bin/env bash
# test_netfault.sh -- exactly-once through a faulty network: one round of
# tests/netfault/round.sh (two producers, a follower, gc, a W = 4 job, all
# through lakestream-netfault) against the S3 server of $LS_TEST_S3_URI,
# with resets, lost replies and delays frequent enough that each kind fires
# many times in the round (checked from the proxy's counts).
#   usage: test_netfault.sh path/to/lakestream path/to/lakestream-netfault
# Needs LS_TEST_S3_URI and an http:// endpoint (AWS_ENDPOINT_URL[_S3]);
# without them it is skipped (exit 77), or fails if LS_TEST_S3_REQUIRED=1.
# LS_NETFAULT_SEED replays a seed (the default is drawn and printed).
set -uo pipefail
LS=${1:?usage: test_netfault.sh lakestream lakestream-netfault}
NF=${2:?usage: test_netfault.sh lakestream lakestream-netfault}
HERE=$(cd "$(dirname "$0")" && pwd)
ep=${AWS_ENDPOINT_URL_S3:-${AWS_ENDPOINT_URL:-}}
if [ -z "${LS_TEST_S3_URI:-}" ] || [ "${ep#http://}" = "$ep" ]; then
  echo "skip: needs LS_TEST_S3_URI and an http:// AWS_ENDPOINT_URL (scripts/test.sh starts radosgw)"
  [ "${LS_TEST_S3_REQUIRED:-0}" = 1 ] && { echo "FAIL - LS_TEST_S3_REQUIRED=1"; exit 1; }
  exit 77
fi
upstream=${ep#http://}
upstream=${upstream%%/*}
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/netfault.XXXXXX")
seed=${LS_NETFAULT_SEED:-$(( $(date +%s%N) % 1000000000 ))}
"$NF" --upstream "$upstream" --seed "$seed" --reset 0.03 --drop 0.03 --delay 0.05 \
      --delay-ms 150 --port-file "$T/port" --stats "$T/stats.json" 2>"$T/proxy.err" &
npid=$!
trap 'kill $npid 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { echo "FAIL - proxy did not start: $(cat "$T/proxy.err")"; exit 1; }
echo "netfault seed $seed (replay: LS_NETFAULT_SEED=$seed)"
fails=0
if "$HERE/netfault/round.sh" "$LS" "$(cat "$T/port")" "$LS_TEST_S3_URI/netfault-$seed-$$" "$T/r" 600 \
     >"$T/round.out"; then
  echo "ok   - $(tail -1 "$T/round.out")"
else
  echo "FAIL - $(tail -1 "$T/round.out")"; fails=$((fails + 1))
fi
kill -TERM $npid; wait $npid
python3 - "$T/stats.json" <<'EOF' || fails=$((fails + 1))
import json, sys
s = json.load(open(sys.argv[1]))
print("proxy: %(requests)d requests, %(connections)d connections, %(resets)d resets, "
      "%(drops)d lost replies, %(delays_request)d+%(delays_response)d delays" % s)
bad = [k for k in ("resets", "drops", "delays_request", "delays_response") if s[k] == 0]
if bad:
    print("FAIL - no fault of kind %s fired" % ", ".join(bad)); sys.exit(1)
print("ok   - every fault kind fired")
EOF
[ $fails = 0 ] || { echo "seed $seed failed; the round's files: $T"; trap - EXIT; kill $npid 2>/dev/null; exit 1; }
exit 0
