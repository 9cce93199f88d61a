#!/usr/bin/env bash
# The posix store and an S3 store measured in one run (docs/benchmarks.md,
# "S3 and posix: lakestream-bench stores"): starts a throwaway radosgw with
# scripts/s3-server.sh, builds lakestream-bench in Release (build-bench), runs
#   lakestream-bench stores --s3-uri s3://lakestream-test/bench ...
# and writes results/stores-<UTC date>-<git rev>.json.  The server is stopped
# and its directory removed on every exit (success, failure, Ctrl-C).
#
#   scripts/bench-stores.sh [-o OUT.json] [-- EXTRA lakestream-bench stores ARGS]
#
# Ports: RGW_PORT (default 7490) and RGW_MON_PORT (default 3392), so that it
# does not collide with a test server on the defaults 7480/3390.  The JSON
# gains "s3_server": radosgw's own counters (perf dump of its admin socket)
# and the CPU seconds of the server's daemons over the run, and "script": this
# invocation.  The server keeps its objects in 4 GiB of RAM (memstore), and
# radosgw frees the tails of deleted objects only in its GC, hours later:
# keep repeat x sample sizes x bytes-per-run well under 4 GiB (the defaults
# write about 1.7 GiB).  About 1 minute on a 2-vCPU VM with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

export RGW_PORT=${RGW_PORT:-7490}
export RGW_MON_PORT=${RGW_MON_PORT:-3392}
OUT=""
while getopts "o:h" opt; do
  case $opt in
    o) OUT=$OPTARG ;;
    h) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
EXTRA=("$@")
INVOCATION="RGW_PORT=$RGW_PORT RGW_MON_PORT=$RGW_MON_PORT scripts/bench-stores.sh${OUT:+ -o $OUT}"
if [ ${#EXTRA[@]} -gt 0 ]; then INVOCATION="$INVOCATION -- ${EXTRA[*]}"; fi

scripts/install-deps.sh --s3
BUILD=${BUILD:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target lakestream_bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
BENCH="$BUILD/lakestream-bench"

REV=$(git rev-parse --short HEAD)
[ -n "$OUT" ] || OUT="results/stores-$(date -u +%F)-$REV.json"
mkdir -p "$(dirname "$OUT")"

SRV=$(mktemp -d /tmp/lakestream-bench-rgw.XXXXXX)
WORK=$(mktemp -d /tmp/lakestream-bench-stores.XXXXXX)
cleanup() {
  scripts/s3-server.sh stop "$SRV" || true
  rm -rf "$SRV" "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM     # through the EXIT trap

ENV=$(scripts/s3-server.sh start "$SRV")
eval "$ENV"
ASOK=$(ls "$SRV"/run/ceph-client.rgw.0.*.asok)

# The server's counters and its daemons' CPU time, into FILE.
snap() {  # FILE
  timeout 30 ceph --admin-daemon "$ASOK" perf dump >"$1.perf"
  : >"$1.cpu"
  local d pid
  for d in rgw osd mon; do
    pid=$(cat "$SRV/pids/$d.pid")
    # utime + stime (fields 14, 15 of /proc/PID/stat, counted after the ")").
    echo "$d $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')" >>"$1.cpu"
  done
}

snap "$WORK/before"
echo "running: $BENCH stores --s3-uri s3://lakestream-test/bench ${EXTRA[*]}" >&2
"$BENCH" stores --s3-uri s3://lakestream-test/bench --out "$WORK/stores.json" "${EXTRA[@]}"
snap "$WORK/after"

python3 - "$WORK" "$OUT" "$INVOCATION" "$(getconf CLK_TCK)" <<'EOF'
import json, os, sys
work, out, invocation, tck = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
d = json.load(open(os.path.join(work, "stores.json")))

def load(name):
    perf = json.load(open(os.path.join(work, name + ".perf")))["rgw"]
    cpu = dict(l.split() for l in open(os.path.join(work, name + ".cpu")))
    return perf, {k: float(v) / tck for k, v in cpu.items()}

(p0, c0), (p1, c1) = load("before"), load("after")
def delta(a, b):
    if isinstance(a, dict):
        return {k: delta(a[k], b[k]) for k in a if k in b}
    return b - a if isinstance(a, (int, float)) else b
rgw = {k: delta(p0[k], p1[k]) for k in ("req", "failed_req", "get", "get_b", "put", "put_b",
                                        "get_initial_lat", "put_initial_lat")}
for k in ("get_initial_lat", "put_initial_lat"):
    n = rgw[k]["avgcount"]
    rgw[k]["avgtime"] = rgw[k]["sum"] / n if n else None
d["s3_server"] = {
    "what": "a local Ceph radosgw (scripts/s3-server.sh: one monitor, one memstore OSD, "
            "objects in RAM) on loopback, sharing the machine's CPUs with the benchmark",
    "rgw_perf_delta": rgw,
    "rgw_perf_how": "ceph --admin-daemon <rgw asok> perf dump, section rgw, after minus "
                    "before the benchmark: req = requests, failed_req = those answered "
                    "with an error status (404s included), get/put = GET/PUT requests and "
                    "their bytes, *_initial_lat = time to the first byte (s)",
    "cpu_seconds": {k: c1[k] - c0[k] for k in c1},
    "cpu_how": "utime + stime of each daemon from /proc/PID/stat, after minus before",
    "run_seconds": d.get("run_seconds"),
}
d["script"] = invocation
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(d, f, indent=2)
    f.write("\n")
os.replace(tmp, out)
s = d["s3_server"]
print("s3 server: %d requests (%d failed), %.1f s CPU radosgw, %.1f s CPU osd over %.1f s"
      % (rgw["req"], rgw["failed_req"], s["cpu_seconds"]["rgw"], s["cpu_seconds"]["osd"],
         d.get("run_seconds") or 0), file=sys.stderr)
EOF
echo "wrote $OUT" >&2
