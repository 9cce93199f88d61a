#!/usr/bin/env bash
# test_bench_run.sh -- lakestream-bench run on its three planes, small:
# a 4-rank SFT-like workload for a few seconds each.  Checks that every
# plane completes steps, that every sample a rank read passed its header
# and CRC check and none was read twice, and that result.json has the
# documented fields (docs/workloads.md); then the failure injections.  No
# performance figure is asserted.
#   usage: test_bench_run.sh LAKESTREAM_BENCH
set -uo pipefail
BENCH=$1
. "$(dirname "$0")/bench_lib.sh" bench_run
small_conf "checkpoint.every.steps=10"

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
cdf = d["step_wait_ms_cdf"]
assert len(cdf) == 101 and cdf == sorted(cdf) and cdf[50] == d["step_wait_ms_p50"], d
assert d["skipped"] == 0 and d["failure"] is None and d["inject"] is None, d
assert d["timestamp"].endswith("Z") and d["cpu_s"]["ranks"] > 0, d
if plane == "colocated":
    assert d["ingest_mb_per_s"] is None and d["producers"] == 0, d
else:
    assert d["ingest_mb_per_s"] > 0 and d["samples_delivered"] > 0, d
    assert d["produce_errors"] == 0, d
if plane == "lakestream":
    assert d["read_amplification"]["data"] >= 1.0, d
    assert d["read_amplification"]["requests_per_rank_step"] > 0, d
    u = d["store_usage"]
    assert u["chunks"] > 0 and u["log_records"] > 0 and u["chunk_bytes"] > 0, d
    assert u["objects"] == u["chunks"] + u["log_records"] + u["snapshots"] + u["other_objects"], d
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

# Failure injection (docs/workloads.md): the checks are what each plane
# promises.  lakestream: a killed producer restarts at its committed source
# position, training never stops, nothing repeats or goes missing; a rank
# restart rolls the job back to its checkpoint and every re-read step holds
# the same samples.  colocated: a dead loader worker fails its rank and the
# job restarts.  kafka: the failure is reported (its producer restarts at
# least once, so duplicates are possible and not asserted either way).
inject_run() {  # plane kind at python-check
  local out="$T/$1-$2"
  if "$BENCH" run "$T/small.conf" --plane "$1" --duration-s 6 --inject "$2:at=$3" \
       --out "$out" >"$out.stdout" 2>"$out.stderr"; then
    if python3 - "$out/result.json" "$2" "$4" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); kind = sys.argv[2]; f = d["failure"]
assert d["inject"].startswith(kind) and f["kind"] == kind and f["injected"], d
for k in ("training_continued", "duplicates", "skipped", "recovery_s", "max_step_gap_s",
          "job_restarted", "steps_redone", "identical_steps", "target", "at_s"):
    assert k in f, k
assert f["duplicates"] == d["duplicates"] and f["skipped"] == d["skipped"], d
assert [e["event"] for e in d["events"]][:1] == ["inject"], d["events"]
assert d["bad_samples"] == 0 and not d["early_exit"], d
exec(sys.argv[3])
PY
    then ok "$1 $2: $(tail -1 "$out.stdout")"
    else bad "$1 $2: result.json check failed"
    fi
  else
    bad "$1 $2: exit $?: $(tail -3 "$out.stderr")"
  fi
}
inject_run lakestream producer-kill 2 'assert f["training_continued"] and not f["job_restarted"] and f["duplicates"] == 0 and f["skipped"] == 0 and f["recovery_s"] is not None and d["steps"] > f["steps_at_injection"], f'
inject_run lakestream rank-restart 2.5 'assert f["job_restarted"] and f["identical_steps"] is True and f["steps_compared"] > 0 and f["duplicates"] == 0 and f["skipped"] == 0 and d["steps"] > f["checkpoint_step"], f'
inject_run colocated producer-kill 2 'assert f["job_restarted"] and f["training_continued"] and f["recovery_s"] is not None and f["duplicates"] == 0, f'
inject_run kafka producer-kill 2 'assert f["training_continued"] and f["skipped"] == 0, f'

# Refusals: a workload key nobody knows, an injection nobody knows.
echo "bogus.key=1" >>"$T/small.conf"
if "$BENCH" run "$T/small.conf" --plane colocated --out "$T/x" 2>"$T/err" ||
   ! grep -q 'small.conf:.*unknown key "bogus.key"' "$T/err"; then
  bad "an unknown workload key is not refused by line: $(cat "$T/err")"
else ok "unknown workload key refused: $(cat "$T/err")"; fi
if "$BENCH" run "$HERE/../workloads/sft.conf" --plane lakestream --inject disk-full:at=1 \
     --out "$T/y" 2>"$T/err" || ! grep -q "the kinds are producer-kill and rank-restart" "$T/err"; then
  bad "an unknown --inject is not refused clearly: $(cat "$T/err")"
else ok "unknown --inject refused: $(cat "$T/err")"; fi

if [ $fails -eq 0 ]; then echo "all bench run checks passed"; else echo "$fails failed"; fi
[ $fails -eq 0 ]
