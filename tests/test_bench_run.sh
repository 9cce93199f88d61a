#!/usr/bin/env bash
# test_bench_run.sh -- lakestream-bench run on its three planes, small:
# a 4-rank SFT-like workload for a few seconds each.  Checks that every
# plane completes steps, that every sample a rank read passed its header
# and CRC check and none was read twice, and that result.json has the
# documented fields (docs/workloads.md).  No performance figure is asserted.
#   usage: test_bench_run.sh LAKESTREAM_BENCH
set -uo pipefail
BENCH=$1
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/bench_run.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

# The SFT workload, scaled to 4 ranks and a 50 ms step.
{ cat "$HERE/../workloads/sft.conf"
  echo "global.batch=16"; echo "world.size=4"; echo "step.time.ms=50"
  echo "producers=2"; echo "producer.workers=2"; } >"$T/small.conf"

for plane in lakestream kafka colocated; do
  out="$T/$plane"
  if "$BENCH" run "$T/small.conf" --plane "$plane" --duration-s 4 --out "$out" \
       >"$T/$plane.stdout" 2>"$T/$plane.stderr"; then
    if python3 - "$out/result.json" "$plane" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); plane = sys.argv[2]
assert d["plane"] == plane and d["workload"] == "sft" and d["ranks"] == 4, d
assert d["steps"] >= 5 and d["steps_per_s"] > 0 and d["ideal_steps_per_s"] == 20, d
assert d["samples_read"] >= d["steps"] * 16, d          # every rank, every step
assert d["duplicates"] == 0 and d["bad_samples"] == 0, d
assert not d["early_exit"] and d["git_rev"] and d["machine"] and d["config"], d
assert d["step_waits_counted"] > 0 and d["step_wait_ms_p99"] >= d["step_wait_ms_p50"] >= 0, d
if plane == "colocated":
    assert d["ingest_mb_per_s"] is None and d["producers"] == 0, d
else:
    assert d["ingest_mb_per_s"] > 0 and d["samples_delivered"] > 0, d
    assert d["produce_errors"] == 0, d
if plane == "lakestream":
    assert d["read_amplification"]["data"] >= 1.0, d
if plane == "kafka":
    assert d["baseline"] == "librdkafka-mock", d
PY
    then ok "$plane: $(tail -1 "$T/$plane.stdout")"
    else bad "$plane: result.json check failed"
    fi
  else
    bad "$plane: exit $?: $(tail -3 "$T/$plane.stderr")"
  fi
done

# Refusals: a workload key nobody knows, failure injection (not yet).
echo "bogus.key=1" >>"$T/small.conf"
if "$BENCH" run "$T/small.conf" --plane colocated --out "$T/x" 2>"$T/err" ||
   ! grep -q 'small.conf:.*unknown key "bogus.key"' "$T/err"; then
  bad "an unknown workload key is not refused by line: $(cat "$T/err")"
else ok "unknown workload key refused: $(cat "$T/err")"; fi
if "$BENCH" run "$HERE/../workloads/sft.conf" --plane lakestream --inject producer-kill:at=1 \
     --out "$T/y" 2>"$T/err" || ! grep -q "not implemented" "$T/err"; then
  bad "--inject is not refused clearly: $(cat "$T/err")"
else ok "--inject refused: $(cat "$T/err")"; fi

if [ $fails -eq 0 ]; then echo "all bench run checks passed"; else echo "$fails failed"; fi
[ $fails -eq 0 ]
