#!/usr/bin/env bash
# The Kafka drop-in benchmark of issue 16 (docs/benchmarks.md, "Kafka
# drop-in throughput"): one unmodified binary, kafka_shim/examples/throughput.c
# built against the system's librdkafka, produces N messages of S bytes
# (linger.ms=5) and then consumes them in a group with rd_kafka_consumer_poll,
# on three planes in the same invocation:
#   * mock:         librdkafka itself against its mock cluster
#                   (kafka_shim/examples/mock_cluster.c, in memory, P partitions);
#   * shim:         the same binary through `lakestream kafka-run` on a file://
#                   store (liblakestream-rdkafka, the drop-in default
#                   lakestream.global.batch.size=1, store.fsync on: every commit
#                   durable);
#   * shim_nofsync: the same with -X lakestream.store.fsync=false (neither the
#                   mock nor a Kafka broker with its default flush settings
#                   syncs a write before acknowledging it).
# Each repetition runs the three in a rotated order, each on a fresh store or
# cluster.  Writes results/kafka-dropin-<UTC date>-<git rev>.json: parameters,
# machine, revision, every run's figures (throughput.c's JSON, and for the
# shim the objects the table holds afterwards), medians and the ratios
# shim / mock.
#
#   scripts/bench-kafka.sh [-n N] [-s BYTES] [-r REPEAT] [-p PARTITIONS]
#                          [-S STORE_PARENT] [-o OUT]
#
# -n messages per run (default 100000); -s message bytes (default 1024);
# -r repetitions (default 3); -p the mock topic's partitions (default 64:
# the mock keeps about 5 MB a partition and drops older messages, so
# 100,000 KiB messages need many; sticky.partitioning.linger.ms=0 spreads
# them evenly; the shim's topic has one partition, world size 1);
# -S where the shim's stores go (default /tmp); -o output file.  About a
# minute at the defaults (the mock's group join takes ~3 s a run).
# Environment: BUILD (build directory, default build-bench), BUILD_TYPE
# (default Release), CC.
set -euo pipefail
cd "$(dirname "$0")/.."

N=100000
SIZE=1024
REPEAT=3
PARTS=64
STORE=/tmp
OUT=""
while getopts "n:s:r:p:S:o:h" opt; do
  case $opt in
    n) N=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    r) REPEAT=$OPTARG ;;
    p) PARTS=$OPTARG ;;
    S) STORE=$OPTARG ;;
    o) OUT=$OPTARG ;;
    h) sed -n "2,33p" "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
INVOCATION="scripts/bench-kafka.sh -n $N -s $SIZE -r $REPEAT -p $PARTS -S $STORE${OUT:+ -o $OUT}"

BUILD=${BUILD:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build "$BUILD" --target lakestream_cli lakestream_rdkafka_dropin \
  -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
LS="$BUILD/lakestream"

REV=$(git rev-parse --short HEAD)
# results/ is where runs write: results there do not make the code dirty.
DIRTY=$([ -n "$(git status --porcelain -- . ':(exclude)results')" ] && echo true || echo false)
[ -n "$OUT" ] || OUT="results/kafka-dropin-$(date -u +%F)-$REV.json"
mkdir -p "$(dirname "$OUT")"
WORK=$(mktemp -d)
MOCK_PID=""
cleanup() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

CC=${CC:-cc}
$CC -O2 -o "$WORK/throughput" kafka_shim/examples/throughput.c -lrdkafka
$CC -O2 -o "$WORK/mock_cluster" kafka_shim/examples/mock_cluster.c -lrdkafka
TP="$WORK/throughput"
COMMON=(-t tp -n "$N" -s "$SIZE" -X sticky.partitioning.linger.ms=0)

n=0
run_mock() {  # one librdkafka run against a fresh mock cluster
  local f="$1"
  rm -f "$WORK/mock_in" "$WORK/mock_boot"
  mkfifo "$WORK/mock_in"
  "$WORK/mock_cluster" -t tp -p "$PARTS" <"$WORK/mock_in" >"$WORK/mock_boot" \
    2>"$WORK/mock.err" &
  MOCK_PID=$!
  exec 9>"$WORK/mock_in"
  for _ in $(seq 100); do [ -s "$WORK/mock_boot" ] && break; sleep 0.05; done
  local boot
  boot=$(head -1 "$WORK/mock_boot")
  "$TP" -b "$boot" "${COMMON[@]}" 2>"$WORK/tp.err" | tail -1 >"$f"
  exec 9>&-
  wait "$MOCK_PID" 2>/dev/null || true
  MOCK_PID=""
}
run_shim() {  # one run through the shim on a fresh file:// store; $2...: -X options
  local f="$1"; shift
  local dir="$STORE/lakestream-bench-kafka.$$"
  rm -rf "$dir"
  sync
  "$LS" kafka-run --store "$dir" -- "$TP" -b x "${COMMON[@]}" "$@" 2>"$WORK/tp.err" \
    | tail -1 >"$f"
  # What the table holds: objects by kind (the drop-in's B = 1 used to write
  # one step index per message).
  python3 - "$dir/tp" "$f" <<'EOF'
import json, os, sys
root, f = sys.argv[1:]
counts = {}
for d in ("_log", "_steps", "data"):
    n = 0
    for _, _, files in os.walk(os.path.join(root, d)):
        n += len(files)
    counts[d] = n
r = json.load(open(f))
r["store_objects"] = counts
json.dump(r, open(f, "w"))
EOF
  rm -rf "$dir"
}

PLANES=(mock shim shim_nofsync)
T0=$(date +%s)
for ((rep = 0; rep < REPEAT; rep++)); do
  for ((j = 0; j < ${#PLANES[@]}; j++)); do
    plane=${PLANES[$(((j + rep) % ${#PLANES[@]}))]}
    n=$((n + 1))
    f=$(printf '%s/%03d-%s-%d.json' "$WORK" "$n" "$plane" "$rep")
    echo "[$n] $plane (repetition $((rep + 1)) of $REPEAT)" >&2
    case $plane in
      mock) run_mock "$f" ;;
      shim) run_shim "$f" ;;
      shim_nofsync) run_shim "$f" -X lakestream.store.fsync=false ;;
    esac
    if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null; then
      echo "bench-kafka: $plane run failed:" >&2
      cat "$WORK/tp.err" >&2
      exit 1
    fi
  done
done
T1=$(date +%s)

python3 - "$WORK" "$OUT" "$INVOCATION" "$REV" "$DIRTY" "$((T1 - T0))" "$N" "$SIZE" \
  "$REPEAT" "$PARTS" "$STORE" <<'EOF'
import glob, json, os, platform, socket, statistics, subprocess, sys, time
work, out, invocation, rev, dirty, secs, n, size, rep, parts, store = sys.argv[1:]
runs = []
for f in sorted(glob.glob(os.path.join(work, "*.json"))):
    base = os.path.basename(f)[:-5].split("-")
    r = json.load(open(f))
    runs.append({"order": int(base[0]), "plane": base[1], "repetition": int(base[2]) + 1,
                 "result": r})
med = statistics.median
KEYS = ("produce_msgs_per_s", "consume_msgs_per_s", "consume_msgs_per_s_from_subscribe",
        "produce_cpu_s", "consume_cpu_s")
summary = {}
for plane in ("mock", "shim", "shim_nofsync"):
    rs = [r["result"] for r in runs if r["plane"] == plane]
    e = {k: med([r[k] for r in rs]) for k in KEYS}
    e.update({k + "_all": [r[k] for r in rs] for k in ("produce_msgs_per_s",
                                                        "consume_msgs_per_s")})
    e["library"] = rs[0]["library"]
    if plane != "mock":
        e["store_objects"] = rs[0].get("store_objects")
    summary[plane] = e

def ratios(plane):
    out = {}
    for k in ("produce_msgs_per_s", "consume_msgs_per_s"):
        per = []
        for i in range(1, int(rep) + 1):
            a = [r["result"][k] for r in runs if r["plane"] == plane and r["repetition"] == i]
            b = [r["result"][k] for r in runs if r["plane"] == "mock" and r["repetition"] == i]
            if a and b and b[0]:
                per.append(a[0] / b[0])
        out[k] = {"of_medians": summary[plane][k] / summary["mock"][k],
                  "per_repetition": per}
    return out

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None

def mem_total():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None

def fs_type(path):
    try:
        return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True,
                              text=True).stdout.strip() or None
    except OSError:
        return None

u = os.uname()
doc = {
    "benchmark": "kafka-dropin",
    "schema_version": 1,
    "command": invocation,
    "git_rev": rev,
    "git_dirty": dirty == "true",
    "timestamp_unix": int(time.time()),
    "run_seconds": int(secs),
    "machine": {
        "hostname": socket.gethostname(),
        "uname": " ".join([u.sysname, u.release, u.version, u.machine]),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "mem_total_bytes": mem_total(),
        "store_fs_type": fs_type(store),
        "librdkafka": summary["mock"]["library"],
    },
    "params": {
        "messages": int(n),
        "message_bytes": int(size),
        "repeat": int(rep),
        "program": "kafka_shim/examples/throughput.c, built against the system librdkafka; "
                   "linger.ms=5, RD_KAFKA_MSG_F_COPY, rd_kafka_poll every 1000 messages, "
                   "rd_kafka_flush; then a group consumer (auto.offset.reset=earliest, "
                   "enable.auto.commit=false) polling rd_kafka_consumer_poll(1000)",
        "extra_conf": ["sticky.partitioning.linger.ms=0"],
        "mock": {"partitions": int(parts), "brokers": 1,
                 "note": "librdkafka's mock cluster keeps about 5 MB a partition (older "
                         "messages are dropped), hence many partitions"},
        "shim": {"store": "file:// on %s (a fresh directory each run)" % store,
                 "global_batch": 1, "world_size": 1, "partitions": 1,
                 "store_fsync": {"shim": True, "shim_nofsync": False}},
        "order": "each repetition runs mock, shim, shim_nofsync rotated by one",
        "seed": None,
        "seed_note": "nothing is random: every run sends the same N messages of S bytes "
                     "('x'); the spread between repetitions is the machine's",
    },
    "figures": "produce_msgs_per_s: N / (first produce call .. rd_kafka_flush returned, "
               "every delivery report in); consume_msgs_per_s: from the first message "
               "received to the last (the group join not counted); "
               "consume_msgs_per_s_from_subscribe: from rd_kafka_subscribe; *_cpu_s: "
               "process CPU seconds of each phase",
    "summary": summary,
    "ratios_to_mock": {"shim": ratios("shim"), "shim_nofsync": ratios("shim_nofsync")},
    "runs": runs,
}
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
os.replace(tmp, out)
for plane in ("mock", "shim", "shim_nofsync"):
    s = summary[plane]
    line = "%-13s produce %9.0f msg/s  consume %9.0f msg/s" % (
        plane, s["produce_msgs_per_s"], s["consume_msgs_per_s"])
    if plane != "mock":
        r = doc["ratios_to_mock"][plane]
        line += "  (x mock: produce %.2f, consume %.2f)" % (
            r["produce_msgs_per_s"]["of_medians"], r["consume_msgs_per_s"]["of_medians"])
    print(line)
print("wrote " + out)
EOF
