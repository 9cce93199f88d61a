#!/usr/bin/env bash
# Network-fault soak: rounds of tests/netfault/round.sh (two racing
# producers, a following reader, gc in a loop, a checkpoint, a W = 4 job)
# through lakestream-netfault (connection resets, replies lost after the
# server acted, delays) in front of radosgw, until the time is up.
#   scripts/soak-net.sh [--minutes M] [--seed S] [--samples N] [--no-build]
#     --minutes M  how long to start rounds (default 30)
#     --seed S     round i uses proxy seed S + i (default: from the clock);
#                  replay one with LS_NETFAULT_SEED=<seed> tests/test_netfault.sh
#     --samples N  samples per producer per round (default 800)
#     --reset P, --drop P, --delay P, --delay-ms MS  fault rates (default
#                  0.04, 0.04, 0.08, 200)
# Uses LS_TEST_S3_URI and AWS_ENDPOINT_URL if set, else starts a local
# radosgw (scripts/s3-server.sh).  Writes results/soak/net-<date>-<rev>.json:
# parameters, rounds passed and failed (with seeds and the failing line),
# fault counts summed over the rounds, duration, machine, revision.
# Exit 1 if any round failed.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30 seed=$(( $(date +%s) % 100000000 * 1000 )) samples=800 build=1
reset=0.04 drop=0.04 delay=0.08 delay_ms=200
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --reset) reset=$2; shift 2 ;;
    --drop) drop=$2; shift 2 ;;
    --delay) delay=$2; shift 2 ;;
    --delay-ms) delay_ms=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "soak-net.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ $build = 1 ]; then
  scripts/install-deps.sh --s3
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
LS=build/lakestream NF=build/tests/lakestream-netfault
[ -x $LS ] && [ -x $NF ] || { echo "soak-net.sh: build first (or drop --no-build)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ls-soak-net.XXXXXX")
cleanup() { rm -rf "$work"; }
if [ -z "${LS_TEST_S3_URI:-}" ]; then
  RGW_DIR=$(mktemp -d /tmp/ls-soak-rgw.XXXXXX)
  cleanup() { scripts/s3-server.sh stop "$RGW_DIR" || true; rm -rf "$RGW_DIR" "$work"; }
  eval "$(scripts/s3-server.sh start "$RGW_DIR")"
  export LS_TEST_S3_URI=s3://lakestream-test/soak-net-$$
fi
trap cleanup EXIT
ep=${AWS_ENDPOINT_URL_S3:-${AWS_ENDPOINT_URL:-}}
[ "${ep#http://}" != "$ep" ] || { echo "soak-net.sh: needs an http:// endpoint, got '$ep'" >&2; exit 2; }
upstream=${ep#http://}; upstream=${upstream%%/*}
rev=$(git rev-parse --short=12 HEAD)
dirty=$([ -n "$(git status --porcelain -- . ':!results')" ] && echo true || echo false)
start=$(date +%s) end_by=$(( $(date +%s) + minutes * 60 ))
interrupted=false
trap 'interrupted=true' INT TERM
i=0
: >"$work/rounds"
while [ "$(date +%s)" -lt $end_by ] && [ $interrupted = false ]; do
  s=$((seed + i)) r="$work/r$i"
  mkdir -p "$r"
  $NF --upstream "$upstream" --seed $s --reset $reset --drop $drop --delay $delay \
      --delay-ms $delay_ms --port-file "$r/port" --stats "$r/stats.json" 2>"$r/proxy.err" &
  npid=$!
  for _ in $(seq 50); do [ -s "$r/port" ] && break; sleep 0.1; done
  t0=$(date +%s)
  if tests/netfault/round.sh $LS "$(cat "$r/port")" "$LS_TEST_S3_URI/r$s" "$r/d" $samples \
       >"$r/out" 2>&1; then rc=0; else rc=1; fi
  kill -TERM $npid 2>/dev/null || true; wait $npid || true
  echo "$i $s $rc $(( $(date +%s) - t0 ))" >>"$work/rounds"
  echo "soak-net: round $i seed $s: $(tail -1 "$r/out")"
  if [ $rc = 0 ]; then rm -rf "$r/d"; else cp -r "$r" "/tmp/ls-soak-net-fail-$s"; echo "soak-net: kept in /tmp/ls-soak-net-fail-$s"; fi
  i=$((i + 1))
done
trap - INT TERM
mkdir -p results/soak
res=results/soak/net-$(date -u +%Y-%m-%d)-$rev.json
python3 - "$work" "$res" <<EOF
import json, os, platform, sys
work, res = sys.argv[1], sys.argv[2]
rounds, faults = [], {}
for line in open(os.path.join(work, "rounds")):
    i, s, rc, secs = map(int, line.split())
    r = os.path.join(work, "r%d" % i)
    out = open(os.path.join(r, "out"), errors="replace").read().strip().splitlines()
    st = {}
    try: st = json.load(open(os.path.join(r, "stats.json")))
    except Exception: pass
    for k in ("connections", "requests", "responses", "resets", "drops",
              "delays_request", "delays_response", "bytes_up", "bytes_down"):
        faults[k] = faults.get(k, 0) + st.get(k, 0)
    rounds.append({"round": i, "seed": s, "passed": rc == 0, "seconds": secs,
                   "line": out[-1] if out else "", "proxy": st})
failed = [r for r in rounds if not r["passed"]]
doc = {"benchmark": "soak-net", "store": "s3", "server": "radosgw (scripts/s3-server.sh)",
       "git_rev": "$rev", "git_dirty": "$dirty" == "true",
       "parameters": {"minutes": $minutes, "first_seed": $seed, "samples_per_producer": $samples,
                      "producers": 2, "global_batch": 16, "reset_p": $reset, "drop_p": $drop,
                      "delay_p": $delay, "delay_ms": $delay_ms},
       "started_unix": $start, "duration_s": int(__import__("time").time()) - $start,
       "machine": {"uname": " ".join(platform.uname()), "nproc": os.cpu_count()},
       "rounds": len(rounds), "rounds_passed": len(rounds) - len(failed),
       "failing_seeds": [r["seed"] for r in failed],
       "failures": [{"seed": r["seed"], "line": r["line"]} for r in failed],
       "faults_total": faults,
       "outcome": "fail" if failed else ("interrupted" if "$interrupted" == "true" else "pass"),
       "per_round": [{k: r[k] for k in ("round", "seed", "passed", "seconds")} for r in rounds]}
json.dump(doc, open(res, "w"), indent=2)
print("soak-net: %d rounds (%d passed) in %d s, %d resets, %d lost replies, %d delays: %s (%s)" % (
      len(rounds), doc["rounds_passed"], doc["duration_s"], faults.get("resets", 0),
      faults.get("drops", 0), faults.get("delays_request", 0) + faults.get("delays_response", 0),
      doc["outcome"], res))
sys.exit(1 if failed else 0)
EOF
