#!/usr/bin/env bash
# The headline comparison (issue 7, docs/workloads.md): both workloads at
# W = 64 on the three planes with the embedded defaults (posix store; a
# real Apache Kafka broker, one node started here with
# scripts/kafka-server.sh, each kafka run on a fresh topic of its own),
# then the failure injections, then the report.
#
#   scripts/bench-headline.sh [-d SECONDS] [-f SECONDS] [-o OUT_DIR] [-b BUILD_DIR] [-m]
#
# -d: seconds per comparison run (default 25); -f: seconds per failure run
# (default 20: a producer is killed at a third of it, a rank restarted at two
# thirds, after the job's first checkpoint at step 20); -o: where result.json files and
# the report go (default results/headline); -b: the build directory (default
# build; built in Release if it has no lakestream-bench); -m: librdkafka's
# mock cluster instead of the broker (quick, and reported as such);
# KAFKA_BOOTSTRAP_SERVERS set: that cluster instead of starting one.  The 12 runs take
# about 6 minutes on a 2-vCPU VM.  Each run's work directory (store, logs,
# per-rank records) is in a temporary directory that is removed at the end;
# OUT_DIR keeps each run's result.json and workload.conf, and report/.
set -euo pipefail
cd "$(dirname "$0")/.."

DUR=25
FDUR=20
OUT=results/headline
BUILD=build
MOCK=0
while getopts "d:f:o:b:mh" opt; do
  case $opt in
    d) DUR=$OPTARG ;;
    f) FDUR=$OPTARG ;;
    o) OUT=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    m) MOCK=1 ;;
    h) sed -n '2,19p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done

if [ ! -x "$BUILD/lakestream-bench" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi
BENCH=$BUILD/lakestream-bench
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lakestream-headline.XXXXXX")
KAFKA_DIR=''
cleanup() {
  if [ -n "$KAFKA_DIR" ]; then scripts/kafka-server.sh stop "$KAFKA_DIR" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"
kafka_args=()
if [ "$MOCK" = 1 ]; then
  kafka_args=(--kafka-mock)
else
  if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    KAFKA_DIR=$WORK/kafka
    eval "$(scripts/kafka-server.sh start "$KAFKA_DIR")"
  fi
  kafka_args=(--bootstrap-servers "$KAFKA_BOOTSTRAP_SERVERS")
fi

run() {  # name workload plane duration [inject]
  local name=$1 wl=$2 plane=$3 d=$4 inj=${5:-}
  echo "== $name" >&2
  local extra=()
  [ "$plane" = kafka ] && extra=("${kafka_args[@]}")
  "$BENCH" run "workloads/$wl.conf" --plane "$plane" ${extra[@]+"${extra[@]}"} --duration-s "$d" \
      ${inj:+--inject "$inj"} --out "$WORK/$name" >"$WORK/$name.out"
  cat "$WORK/$name.out"
  rm -rf "${OUT:?}/$name"
  mkdir -p "$OUT/$name"
  cp "$WORK/$name/result.json" "$WORK/$name/workload.conf" "$OUT/$name/"
  dirs+=("$OUT/$name")
}

dirs=()
at=$(awk "BEGIN { print $FDUR / 3 }")
at2=$(awk "BEGIN { print 2 * $FDUR / 3 }")
for wl in multimodal-pretrain sft; do
  for plane in lakestream kafka colocated; do
    run "$wl-$plane" "$wl" "$plane" "$DUR"
  done
done
# A producer dies during multimodal pretraining; a rank restarts during SFT.
for plane in lakestream kafka colocated; do
  run "multimodal-pretrain-$plane-producer-kill" multimodal-pretrain "$plane" "$FDUR" \
      "producer-kill:at=$at"
done
for plane in lakestream kafka colocated; do
  run "sft-$plane-rank-restart" sft "$plane" "$FDUR" "rank-restart:at=$at2"
done
"$BENCH" report "${dirs[@]}" --out "$OUT/report"
