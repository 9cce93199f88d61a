#!/usr/bin/env bash
# The paper's three Kafka claims, each measured in one run against a real
# Apache Kafka broker (scripts/kafka-server.sh, docs/kafka-broker.md), with
# the same librdkafka-API producer and rank code on both sides
# (lakestream-bench kafka-ingest and run; docs/benchmarks.md, "Kafka claims"):
#
#   ingest   P in {1, 4, 16} producers x {4 KiB, 256 KiB} samples, three
#            like-for-like pairs:
#              pagecache   Kafka acks=all idempotent, 1 broker (no fsync: its
#                          default)          vs  Lakestream posix, store.fsync=false
#              fsync       Kafka flush.messages=1 (fsync per message), 1 broker
#                                            vs  Lakestream posix, store.fsync=true
#              replicated  Kafka 3 brokers, replication factor 3, acks=all
#                                            vs  Lakestream on S3 (a local radosgw)
#   large    one TGB micro-batch as one message of 1, 10 and 64 MB: Kafka at
#            its default limits and with them raised, against Lakestream with
#            the same message, and the same bytes as a step of 256 KiB samples
#   failures producer kill at W = 64 (multimodal-pretrain): Lakestream, Kafka
#            at least once, Kafka exactly once (--kafka-eos); rank restart
#            (sft): Lakestream and Kafka exactly once
#
# The consumer read latency at W = 64 (step wait) is the headline's
# (scripts/bench-headline.sh, on the same broker).  Results: one JSON per
# run in OUT/, then OUT/summary.json, OUT/summary.md and plots
# (scripts/kafka_claims_summary.py).
#
#   scripts/bench-kafka-claims.sh [-d SECONDS] [-r REPS] [-o OUT_DIR] [-b BUILD_DIR] [-q]
#
# Every ingest pair runs REPS times (default 3), the two sides one after the
# other, Kafka first in odd repetitions and Lakestream first in even ones;
# before each run `sync` empties the page cache's dirty pages (fsync=false
# runs leave a gigabyte there, and the kernel's writeback then slows the
# next run), and after it the run's store or topic is deleted.
# The S3 store of the replicated pair is a local Ceph radosgw on an in-memory
# OSD (scripts/s3-server.sh: 4 GiB); its bucket is emptied after each run
# (radosgw-admin bucket rm --purge-objects, then created again), else the
# OSD fills up after a few runs and radosgw stops answering ("full status
# failsafe engaged").  -R: only the replicated pair, into an existing
# OUT_DIR (its other results are kept).
# -d: seconds of producing per ingest run (default 6); -o: results (default
# results/kafka-claims); -b: build directory (default build; built in
# Release if it has no lakestream-bench); -q: quick (P in {1, 4}, 4 KiB,
# no 3-broker pair, no failure runs), for trying the script.
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=6
REPS=3
OUT=results/kafka-claims
BUILD=build
QUICK=0
ONLY_REPL=0
while getopts "d:r:o:b:qRh" opt; do
  case $opt in
    d) DUR=$OPTARG ;;
    r) REPS=$OPTARG ;;
    o) OUT=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    q) QUICK=1 ;;
    R) ONLY_REPL=1 ;;
    h) sed -n '2,44p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done

if [ ! -x "$BUILD/lakestream-bench" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
BENCH=$BUILD/lakestream-bench
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lakestream-claims.XXXXXX")
K1='' K3='' RGW=''
cleanup() {
  [ -n "$K1" ] && scripts/kafka-server.sh stop "$K1" >/dev/null 2>&1 || true
  [ -n "$K3" ] && scripts/kafka-server.sh stop "$K3" >/dev/null 2>&1 || true
  [ -n "$RGW" ] && scripts/s3-server.sh stop "$RGW" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
[ "$ONLY_REPL" = 1 ] || rm -rf "${OUT:?}"
mkdir -p "$OUT"

say() { echo "== $*" >&2; }
KAFKA_BROKER_VERSION=$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p' scripts/kafka/pom.xml)
export KAFKA_BROKER_VERSION   # for the summary (kafka-ingest results do not carry it)

# start_kafka DIR PORT NODES -> prints the bootstrap list
start_kafka() {
  local env
  env=$(KAFKA_PORT=$2 KAFKA_CONTROLLER_PORT=$(($2 + 1)) scripts/kafka-server.sh start --brokers "$3" "$1")
  eval "$env"
  echo "$KAFKA_BOOTSTRAP_SERVERS"
}

# The producers' queue, the same on both planes: librdkafka's defaults
# (100,000 messages, 1 GiB) would hold 16 GiB at P = 16 and make the
# delivery latency the time a message waits in a full queue.
# Both planes' producers are idempotent with acks=all (the shim accepts and
# reports both; its appends are idempotent anyway).
QUEUE=(-X queue.buffering.max.messages=10000 -X queue.buffering.max.kbytes=65536
       -X enable.idempotence=true -X acks=all)

# ingest NAME PLANE BOOTSTRAP P S [options...]: one kafka-ingest run.
ingest() {
  local name=$1 plane=$2 bs=$3 p=$4 s=$5
  shift 5
  say "ingest $name"
  sync
  "$BENCH" kafka-ingest --plane "$plane" --bootstrap "$bs" --producers "$p" \
    --sample-bytes "$s" --label "$name" --out "$OUT/$name.json" "${QUEUE[@]}" "$@" >&2
  if [ "$plane" = kafka ]; then
    drop_topic "$bs" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["params"]["topic"])' "$OUT/$name.json")"
  else
    case $bs in
      file://*) rm -rf "${bs#file://}" ;;
      s3://*) empty_bucket ;;
    esac
  fi
}

empty_bucket() {  # the radosgw bucket of the replicated pair, emptied and created again
  radosgw-admin -c "$RGW/ceph.conf" bucket rm --bucket=lakestream-test --purge-objects \
    --bypass-gc >/dev/null 2>&1 || echo "== could not empty the bucket" >&2
  curl -sS -o /dev/null -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "$AWS_ENDPOINT_URL/lakestream-test" || echo "== could not create the bucket" >&2
}

drop_topic() {  # BOOTSTRAP TOPIC: delete a run's topic (confluent-kafka's AdminClient)
  /usr/bin/python3 - "$1" "$2" <<'PY' >&2 || echo "== could not delete topic $2" >&2
import sys
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": sys.argv[1]})
a.delete_topics([sys.argv[2]])[sys.argv[2]].result(60)
PY
}

# pair PAIR P S KAFKA_BOOTSTRAP LS_BOOTSTRAP_TAG [--kafka ARGS... --ls ARGS...]:
# REPS repetitions of the two sides, alternating which goes first.
pair() {
  local pr=$1 p=$2 s=$3 kb=$4 tag=$5 r
  shift 5
  local kargs=() largs=() side=k
  for a in "$@"; do
    case $a in --kafka) side=k ;; --ls) side=l ;; *) if [ $side = k ]; then kargs+=("$a"); else largs+=("$a"); fi ;; esac
  done
  for r in $(seq 1 "$REPS"); do
    local kn="$pr-kafka-p$p-s$s-r$r" ln="$pr-lakestream-p$p-s$s-r$r" lb
    if [ "$tag" = s3 ]; then lb="s3://lakestream-test/claims-$$-$pr-p$p-s$s-r$r"; else lb=$(store "$pr-$p-$s-$r"); fi
    if [ $((r % 2)) = 1 ]; then
      ingest "$kn" kafka "$kb" "$p" "$s" --duration-s "$DUR" ${kargs[@]+"${kargs[@]}"}
      ingest "$ln" lakestream "$lb" "$p" "$s" --duration-s "$DUR" ${largs[@]+"${largs[@]}"}
    else
      ingest "$ln" lakestream "$lb" "$p" "$s" --duration-s "$DUR" ${largs[@]+"${largs[@]}"}
      ingest "$kn" kafka "$kb" "$p" "$s" --duration-s "$DUR" ${kargs[@]+"${kargs[@]}"}
    fi
  done
}

store() {  # a fresh posix store for one run
  mkdir -p "$WORK/stores/$1"
  echo "file://$WORK/stores/$1"
}

PS=(1 4 16)
SIZES=(4096 262144)
if [ "$QUICK" = 1 ]; then PS=(1 4); SIZES=(4096); fi

# ---- ingest: page cache and fsync pairs, on one broker --------------------
if [ "$ONLY_REPL" = 0 ]; then
K1=$WORK/kafka1
B1=$(start_kafka "$K1" 19592 1)
for p in "${PS[@]}"; do
  for s in "${SIZES[@]}"; do
    pair pagecache "$p" "$s" "$B1" file --ls -X lakestream.store.fsync=false
    pair fsync "$p" "$s" "$B1" file --kafka --topic-config flush.messages=1 \
      --ls -X lakestream.store.fsync=true
  done
done

# ---- large messages: one micro-batch as one message -------------------------
BIG=70000000   # above 64 MB with the message overhead
for mb in 1 10 64; do
  bytes=$((mb * 1000000))
  n=$(( (mb >= 64) ? 3 : 10 ))
  drain=()
  [ "$mb" = 1 ] && drain=(--drain)   # 10 and 64 MB are refused: nothing to read
  ingest "large-kafka-default-${mb}mb" kafka "$B1" 1 "$bytes" --messages "$n" ${drain[@]+"${drain[@]}"}
  ingest "large-kafka-raised-${mb}mb" kafka "$B1" 1 "$bytes" --messages "$n" --drain \
    --topic-config "max.message.bytes=$BIG" -X "message.max.bytes=$BIG" \
    --drain-property "fetch.max.bytes=$BIG" --drain-property "receive.message.max.bytes=$((BIG + 1000000))"
  ingest "large-lakestream-one-${mb}mb" lakestream "$(store "big1-$mb")" 1 "$bytes" \
    --messages "$n" --drain -X "message.max.bytes=$BIG"
  # The same bytes as a step of 256 KiB samples (a TGB's micro-batch in samples).
  per=$(( (bytes + 262143) / 262144 ))
  ingest "large-lakestream-step-${mb}mb" lakestream "$(store "bigs-$mb")" 1 262144 \
    --messages $((n * per)) --drain --global-batch "$per"
done

# ---- failures at W = 64 (the same broker) ----------------------------------
fail_run() {  # NAME WORKLOAD PLANE DURATION INJECT [options...]
  local name=$1 wl=$2 plane=$3 d=$4 inj=$5
  shift 5
  say "run $name"
  "$BENCH" run "workloads/$wl.conf" --plane "$plane" --duration-s "$d" --inject "$inj" \
    --out "$WORK/$name" "$@" >&2
  cp "$WORK/$name/result.json" "$OUT/$name.json"
}
if [ "$QUICK" = 0 ]; then
  fail_run multimodal-lakestream-producer-kill multimodal-pretrain lakestream 20 producer-kill:at=6.7
  fail_run multimodal-kafka-producer-kill multimodal-pretrain kafka 20 producer-kill:at=6.7 \
    --bootstrap-servers "$B1"
  fail_run multimodal-kafka-eos-producer-kill multimodal-pretrain kafka 20 producer-kill:at=6.7 \
    --bootstrap-servers "$B1" --kafka-eos
  fail_run sft-lakestream-rank-restart sft lakestream 20 rank-restart:at=13.3
  fail_run sft-kafka-eos-rank-restart sft kafka 20 rank-restart:at=13.3 \
    --bootstrap-servers "$B1" --kafka-eos
fi
scripts/kafka-server.sh stop "$K1" >&2
K1=''
fi

# ---- ingest: replicated pair -----------------------------------------------
if [ "$QUICK" = 0 ]; then
  K3=$WORK/kafka3
  B3=$(start_kafka "$K3" 19692 3)
  RGW=$WORK/rgw
  eval "$(scripts/s3-server.sh start "$RGW")"
  for p in "${PS[@]}"; do
    for s in "${SIZES[@]}"; do
      pair replicated "$p" "$s" "$B3" s3 --kafka --replication-factor 3
    done
  done
fi

/usr/bin/env python3 scripts/kafka_claims_summary.py "$OUT"
