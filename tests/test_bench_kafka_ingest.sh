#!/usr/bin/env bash
# test_bench_kafka_ingest.sh -- lakestream-bench kafka-ingest, small
# (docs/benchmarks.md, "kafka-ingest"): 2 producers for 2 s with a drain on
# the lakestream plane (file:// in a temp dir), then one 10 MB message
# there; and, when KAFKA_BOOTSTRAP_SERVERS names a real broker
# (scripts/kafka-server.sh), the same run on it plus the 10 MB message
# against the broker's default limits (recorded as MSG_SIZE_TOO_LARGE, exit
# 0) and with max.message.bytes / message.max.bytes raised (delivered).
# Checks the result's documented fields; no performance figure is asserted.
#   usage: test_bench_kafka_ingest.sh LAKESTREAM_BENCH
#   env:   KAFKA_BOOTSTRAP_SERVERS, LS_TEST_KAFKA_REQUIRED=1 (a missing
#          broker fails), LS_TEST_TMP
set -uo pipefail
BENCH=$1
. "$(dirname "$0")/bench_lib.sh" bench_kafka_ingest

# check FILE PLANE PRODUCERS DRAIN(0|1) MODE(flood|size-rejected|one)
check() {
  python3 - "$@" <<'PY'
import json, sys
path, plane, P, drain, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
d = json.load(open(path))
def need(c, what):
    if not c:
        sys.exit("%s: %s" % (path, what))
need(d["benchmark"] == "kafka-ingest", "benchmark")
for k in ("schema_version", "git_rev", "machine", "build", "timestamp", "seed", "params",
          "plane", "producers", "sample_bytes", "brokers", "topic_setup", "aggregate",
          "per_producer", "drain", "label"):
    need(k in d, "field " + k)
p = d["params"]
for k in ("command", "plane", "bootstrap", "topic", "producers", "sample_bytes", "duration_s",
          "messages_per_producer", "seed", "drain", "topic_configs", "properties",
          "drain_properties", "partitions", "replication_factor", "partitioner", "global_batch",
          "flush_timeout_s", "label", "worker", "data"):
    need(k in p, "params." + k)
need(d["plane"] == plane and p["plane"] == plane, "plane")
need(d["producers"] == P and len(d["per_producer"]) == P, "producers")
need(d["brokers"] is not None and d["brokers"] >= 1, "brokers")
if plane == "kafka":
    t = d["topic_setup"]
    need(t["topic"] == p["topic"] and t["partitions"] == p["partitions"] and t["brokers"] >= 1,
         "topic_setup")
else:
    need(d["topic_setup"] is None and p["global_batch"] >= 1, "lakestream topic setup")
a = d["aggregate"]
for k in ("window_s", "produced", "delivered", "delivery_failed", "failed",
          "undelivered_after_flush", "queue_full_retries", "messages_per_s", "mb_per_s",
          "delivery_latency_ms_p50", "delivery_latency_ms_p99", "delivery_latency_ms",
          "produce_errors", "delivery_errors", "failures_by_error", "size_rejected"):
    need(k in a, "aggregate." + k)
need(a["undelivered_after_flush"] == 0, "nothing left after the flush")
for i, f in enumerate(d["per_producer"]):
    need(f["role"] == "flood" and f["index"] == i and f["plane"] == plane, "per_producer[%d]" % i)
    need(f["delivery_latency_ms"]["n"] == f["delivered"], "per_producer[%d] latencies" % i)
need(sum(f["delivered"] for f in d["per_producer"]) == a["delivered"], "delivered sum")
if mode == "size-rejected":
    need(a["delivered"] == 0 and a["size_rejected"] == 1 and
         a["failures_by_error"] == {"MSG_SIZE_TOO_LARGE": 1}, "10 MB message rejected: %s" % a)
else:
    need(a["delivered"] > 0 and a["failed"] == 0 and a["failures_by_error"] == {}, "delivered")
    need(a["delivery_latency_ms"]["n"] == a["delivered"] and
         a["delivery_latency_ms_p50"] <= a["delivery_latency_ms_p99"], "delivery latency")
    need(a["messages_per_s"] > 0 and a["mb_per_s"] > 0 and a["window_s"] > 0, "throughput")
    if mode == "one":
        need(a["delivered"] == 1, "one message")
r = d["drain"]
if drain:
    need(r["role"] == "drain" and r["complete"] and r["bad"] == 0 and
         r["received"] >= r["target"] and r["read_latency_ms"]["n"] == r["received"], "drain")
    need(r["target"] == a["delivered"] // (p["global_batch"] or 1) * (p["global_batch"] or 1),
         "drain target")
else:
    need(r is None, "no drain")
PY
}

run() {  # NAME EXPECTED_STATUS ARGS...
  local name=$1 want=$2; shift 2
  "$BENCH" kafka-ingest "$@" --out "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    bad "$name: exit status $rc, expected $want: $(tail -5 "$T/$name.err")"
    return 1
  fi
}

S=file://$T/store
if run ls-flood 0 --plane lakestream --bootstrap "$S" --producers 2 --sample-bytes 4096 \
     --duration-s 2 --drain -X lakestream.store.fsync=false --label test &&
   out=$(check "$T/ls-flood.json" lakestream 2 1 flood 2>&1); then
  ok "lakestream: 2 producers, 2 s, drain: $(cat "$T/ls-flood.out")"
else
  bad "lakestream flood: ${out:-see above}"
fi
out=
if run ls-10mb 0 --plane lakestream --bootstrap "$S" --producers 1 --sample-bytes 10000000 \
     --messages 1 --drain && out=$(check "$T/ls-10mb.json" lakestream 1 1 one 2>&1); then
  ok "lakestream: one 10 MB message delivered and read"
else
  bad "lakestream 10 MB: ${out:-see above}"
fi
out=
if run usage 1 --plane lakestream --bootstrap "$S" --producers 1 --sample-bytes 4096; then
  ok "neither --duration-s nor --messages: refused"
fi
if run bad-size 1 --plane lakestream --bootstrap "$S" --producers 1 --sample-bytes 8 \
     --duration-s 1; then
  ok "--sample-bytes 8 refused"
fi

if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  K=$KAFKA_BOOTSTRAP_SERVERS
  if run k-flood 0 --plane kafka --bootstrap "$K" --producers 2 --sample-bytes 4096 \
       --duration-s 2 --drain && out=$(check "$T/k-flood.json" kafka 2 1 flood 2>&1); then
    ok "kafka ($K): 2 producers, 2 s, drain: $(cat "$T/k-flood.out")"
  else
    bad "kafka flood: ${out:-see above}"
  fi
  out=
  if run k-10mb-client 0 --plane kafka --bootstrap "$K" --producers 1 --sample-bytes 10000000 \
       --messages 1 && out=$(check "$T/k-10mb-client.json" kafka 1 0 size-rejected 2>&1); then
    ok "kafka: 10 MB at librdkafka's default message.max.bytes: MSG_SIZE_TOO_LARGE, recorded"
  else
    bad "kafka 10 MB (client limit): ${out:-see above}"
  fi
  out=
  if run k-10mb-broker 0 --plane kafka --bootstrap "$K" --producers 1 --sample-bytes 10000000 \
       --messages 1 -X message.max.bytes=67108864 &&
     out=$(check "$T/k-10mb-broker.json" kafka 1 0 size-rejected 2>&1); then
    ok "kafka: 10 MB at the broker's default max.message.bytes: MSG_SIZE_TOO_LARGE, recorded"
  else
    bad "kafka 10 MB (broker limit): ${out:-see above}"
  fi
  out=
  if run k-10mb-big 0 --plane kafka --bootstrap "$K" --producers 1 --sample-bytes 10000000 \
       --messages 1 --topic-config max.message.bytes=67108864 -X message.max.bytes=67108864 \
       --drain && out=$(check "$T/k-10mb-big.json" kafka 1 1 one 2>&1); then
    ok "kafka: 10 MB with the limits raised: delivered and read"
  else
    bad "kafka 10 MB (limits raised): ${out:-see above}"
  fi
elif [ "${LS_TEST_KAFKA_REQUIRED:-0}" = 1 ]; then
  bad "LS_TEST_KAFKA_REQUIRED=1 but KAFKA_BOOTSTRAP_SERVERS is not set"
else
  echo "skip: the kafka plane (KAFKA_BOOTSTRAP_SERVERS is not set; scripts/kafka-server.sh)"
fi

[ "$fails" -eq 0 ] && echo "test_bench_kafka_ingest: all passed" && exit 0
echo "test_bench_kafka_ingest: $fails failed"
exit 1
