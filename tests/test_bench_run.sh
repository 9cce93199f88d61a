#!/usr/bin/env bash
# test_bench_run.sh -- lakestream-bench run on its three planes, small:
# a 4-rank SFT-like workload for a few seconds each.  Checks that every
# plane completes steps, that every sample a rank read passed its header
# and CRC check and none was read twice, and that result.json has the
# documented fields (docs/workloads.md); then the failure injections.  No
# performance figure is asserted.  The kafka plane runs on librdkafka's
# mock cluster (--kafka-mock) and, when KAFKA_BOOTSTRAP_SERVERS names a
# real broker (scripts/test.sh starts one), on that broker too; with
# LS_TEST_KAFKA_REQUIRED=1 a missing broker fails the test.
#   usage: test_bench_run.sh LAKESTREAM_BENCH
set -uo pipefail
BENCH=$1
. "$(dirname "$0")/bench_lib.sh" bench_run
small_conf "checkpoint.every.steps=10"

# How each variant runs: NAME -> the plane and its options.
variants=(lakestream kafka-mock colocated)
real_kafka=()
if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  variants+=(kafka-broker)
  real_kafka=(--bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS")
elif [ "${LS_TEST_KAFKA_REQUIRED:-0}" = 1 ]; then
  bad "LS_TEST_KAFKA_REQUIRED=1 but KAFKA_BOOTSTRAP_SERVERS is not set"
else
  echo "skip: the kafka plane on a real broker (KAFKA_BOOTSTRAP_SERVERS is not set)"
fi
plane_args() {  # VARIANT -> the run's plane options, one per line
  case $1 in
    kafka-mock) printf '%s\n' --plane kafka --kafka-mock ;;
    kafka-broker) printf '%s\n' --plane kafka "${real_kafka[@]}" ;;
    kafka-eos) printf '%s\n' --plane kafka "${real_kafka[@]}" --kafka-eos ;;
    *) printf '%s\n' --plane "$1" ;;
  esac
}

for variant in "${variants[@]}"; do
  out="$T/$variant"
  mapfile -t pargs < <(plane_args "$variant")
  if "$BENCH" run "$T/small.conf" "${pargs[@]}" --duration-s 4 --out "$out" \
       >"$T/$variant.stdout" 2>"$T/$variant.stderr"; then
    if python3 - "$out/result.json" "$variant" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); variant = sys.argv[2]; plane = variant.split("-")[0]
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
if variant == "kafka-mock":
    assert d["baseline"] == "librdkafka-mock" and d["kafka"]["kind"] == "mock", d
if variant == "kafka-broker":
    k = d["kafka"]
    assert d["baseline"] == "kafka" and k["kind"] == "external", d
    assert k["partitions"] == 4 and k["replication_factor"] == 1 and k["brokers"] >= 1, k
    assert k["topic"].startswith("samples-") and k["producer"]["acks"] == "all", k
    assert k["producer"]["enable.idempotence"] == "true", k
    assert k["topic_config"]["max.message.bytes"] == "16777216", k
if plane != "kafka":
    assert d["kafka"] is None, d
PY
    then ok "$variant: $(tail -1 "$T/$variant.stdout")"
    else bad "$variant: result.json check failed"
    fi
  else
    bad "$variant: exit $?: $(tail -3 "$T/$variant.stderr")"
  fi
done

# Failure injection (docs/workloads.md): the checks are what each plane
# promises.  lakestream: a killed producer restarts at its committed source
# position, training never stops, nothing repeats or goes missing; a rank
# restart rolls the job back to its checkpoint and every re-read step holds
# the same samples.  colocated: a dead loader worker fails its rank and the
# job restarts.  kafka: the failure is reported (its producer restarts at
# least once, so duplicates are possible and not asserted either way).
inject_run() {  # variant kind at python-check
  local out="$T/$1-$2" pargs
  mapfile -t pargs < <(plane_args "$1")
  if "$BENCH" run "$T/small.conf" "${pargs[@]}" --duration-s 6 --inject "$2:at=$3" \
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
inject_run kafka-mock producer-kill 2 'assert f["training_continued"] and f["skipped"] == 0, f'
if [ ${#real_kafka[@]} -gt 0 ]; then
  inject_run kafka-broker producer-kill 2 'assert f["training_continued"] and f["skipped"] == 0, f'
  # Kafka's exactly-once: transactional producers, read_committed ranks.
  inject_run kafka-eos producer-kill 2 'assert d["kafka"]["exactly_once"] and d["kafka"]["rank"]["isolation.level"] == "read_committed" and f["training_continued"] and f["duplicates"] == 0 and f["skipped"] == 0 and d["trimmed_offsets"] == 0, f'
fi

# Refusals of the kafka plane's cluster options.
if "$BENCH" run "$T/small.conf" --plane kafka --kafka-mock --bootstrap-servers 127.0.0.1:1 \
     --out "$T/z" 2>"$T/err" || ! grep -q "one of them" "$T/err"; then
  bad "--kafka-mock with --bootstrap-servers is not refused: $(cat "$T/err")"
else ok "two clusters refused: $(cat "$T/err")"; fi
if "$BENCH" run "$T/small.conf" --plane lakestream --kafka-brokers 3 --out "$T/z" 2>"$T/err" ||
   ! grep -q "are for --plane kafka" "$T/err"; then
  bad "--kafka-brokers on lakestream is not refused: $(cat "$T/err")"
else ok "kafka options on lakestream refused"; fi

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
