#!/usr/bin/env bash
# Soak: many more crash trials than the default test run (which runs 200),
# on posix or against a real S3 server, recorded in results/soak/.
#   scripts/soak.sh [--trials N] [--jobs J] [--seed S] [--s3] [--no-build]
#     --trials N   trials in all (default 10000; with --s3 default 500)
#     --jobs J     parallel test_crash processes, each with its own seed range
#     --seed S     first seed (default: from the clock); job k runs seeds
#                  S + k*ceil(N/J) ...; a failing seed is printed: replay it
#                  with LS_CRASH_SEED=<n> LS_CRASH_TRIALS=1
#     --s3         S3 trials (LS_TEST_S3_URI, or a local radosgw started here)
# Writes results/soak/crash-<posix|s3>-<date>-<rev>.json: parameters, seed
# ranges, duration, trials run and passed, the failing seeds, machine, git
# revision.  Exit 1 if any trial failed.  SIGINT/SIGTERM stops the trials
# and records the ones started, as "interrupted" (the last one of each job
# may have been cut short: it counts as started, not as passed).
set -euo pipefail
cd "$(dirname "$0")/.."
trials= jobs=1 seed=$(date +%s%N) s3=0 build=1
while [ $# -gt 0 ]; do
  case $1 in
    --trials) trials=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --s3) s3=1; shift ;;
    --no-build) build=0; shift ;;
    [0-9]*) trials=$1; shift ;;   # the old form: soak.sh TRIALS
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$trials" ] || trials=$([ $s3 = 1 ] && echo 500 || echo 10000)
if [ $build = 1 ]; then
  scripts/install-deps.sh $([ $s3 = 1 ] && echo --s3)
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
if [ $s3 = 1 ] && [ -z "${LS_TEST_S3_URI:-}" ]; then
  RGW_DIR=$(mktemp -d /tmp/ls-soak-rgw.XXXXXX)
  trap 'scripts/s3-server.sh stop "$RGW_DIR" || true; rm -rf "$RGW_DIR"' EXIT
  eval "$(scripts/s3-server.sh start "$RGW_DIR")"
  export LS_TEST_S3_URI=s3://lakestream-test/soak-$$
fi
kind=$([ $s3 = 1 ] && echo s3 || echo posix)
per=$(( (trials + jobs - 1) / jobs ))
out=$(mktemp -d "${TMPDIR:-/tmp}/ls-soak.XXXXXX")
tmp=${LS_TEST_TMP:-build/tests/tmp}
mkdir -p "$tmp"
start=$(date +%s)
# The revision of the binaries: the tree as it is now (a later commit does
# not change what ran).
rev=$(git rev-parse --short=12 HEAD)
dirty=$([ -n "$(git status --porcelain -- . ':!results')" ] && echo true || echo false)
pids=()
for k in $(seq 0 $((jobs - 1))); do
  n=$per
  [ $(( (k + 1) * per )) -gt "$trials" ] && n=$(( trials - k * per ))
  [ "$n" -gt 0 ] || continue
  s=$(( seed + k * per ))
  echo "$k $s $n" >>"$out/ranges"
  (
    if [ $s3 = 1 ]; then
      env LS_CRASH_TRIALS=0 LS_CRASH_S3_TRIALS=$n LS_CRASH_SEED=$s LS_TEST_TMP=$tmp \
        build/tests/test_crash build/lakestream build/lakestream-datagen
    else
      env -u LS_TEST_S3_URI -u LS_TEST_S3_REQUIRED LS_CRASH_TRIALS=$n LS_CRASH_SEED=$s \
        LS_TEST_TMP=$tmp build/tests/test_crash build/lakestream build/lakestream-datagen
    fi
    echo $? >"$out/job$k.rc"
  ) >"$out/job$k.log" 2>&1 &
  pids+=($!)
done
# SIGINT/SIGTERM: stop the trials, record what ran ("interrupted").
interrupted=false
stop() { interrupted=true; for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; done; }
trap stop INT TERM
failed=0
for p in "${pids[@]}"; do
  while kill -0 "$p" 2>/dev/null; do wait "$p" || true; done
done
trap - INT TERM
for k in $(cut -d' ' -f1 "$out/ranges"); do
  [ "$(cat "$out/job$k.rc" 2>/dev/null)" = 0 ] || failed=$((failed + 1))
done
end=$(date +%s)
mkdir -p results/soak
res=results/soak/crash-$kind-$(date -u +%Y-%m-%d)-$rev.json
python3 - "$out" "$res" <<EOF
import json, re, sys, os, platform
out, res = sys.argv[1], sys.argv[2]
jobs = []
for line in open(os.path.join(out, "ranges")):
    k, s, n = map(int, line.split())
    log = open(os.path.join(out, "job%d.log" % k), errors="replace").read()
    ran = len(re.findall(r"trial \d+/\d+", log))
    bad = sorted(set(int(x) for x in re.findall(r"ERROR: seed (\d+)", log)))
    rcf = os.path.join(out, "job%d.rc" % k)
    passed = os.path.exists(rcf) and open(rcf).read().strip() == "0"
    jobs.append({"first_seed": s, "trials": n, "trials_started": ran,
                 "passed": passed, "failing_seeds": bad,
                 "last_lines": log.strip().splitlines()[-3:] if not passed else []})
doc = {"benchmark": "soak-crash", "store": "$kind", "git_rev": "$rev", "git_dirty": "$dirty" == "true",
       "parameters": {"trials": $trials, "jobs": $jobs, "first_seed": $seed},
       "started_unix": $start, "duration_s": $end - $start,
       "machine": {"uname": " ".join(platform.uname()), "nproc": os.cpu_count()},
       "jobs": jobs,
       "trials_started": sum(j["trials_started"] for j in jobs),
       "outcome": "interrupted" if "$interrupted" == "true" and
                  not any(j["failing_seeds"] for j in jobs) else
                  "pass" if all(j["passed"] for j in jobs) else "fail"}
json.dump(doc, open(res, "w"), indent=2)
print("soak: %s, %d of %d trials started in %d s: %s (%s)" % ("$kind",
      doc["trials_started"], $trials, $end - $start, doc["outcome"], res))
EOF
rm -rf "$out"
[ $failed = 0 ]
