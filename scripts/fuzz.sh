#!/usr/bin/env bash
# Fuzz: build the libFuzzer targets of tests/fuzz (clang-14, into build-fuzz/)
# and run each for a while on a working copy of its seed corpus plus its
# regression inputs (docs/fuzzing.md).
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--seed S] [--merge] [--out DIR] [TARGET...]
#     --seconds N  how long each target runs (default 3600)
#     --jobs J     how many targets run at once, one process each (default 1)
#     --seed S     libFuzzer's -seed, the same for every target (default: drawn
#                  from /dev/urandom; either way it is recorded)
#     --merge      afterwards, add the inputs that reach new coverage to the
#                  committed corpus tests/fuzz/corpus/<name>/ (libFuzzer -merge=1);
#                  without it the committed corpus is only read
#     --out DIR    where results go (default results/fuzz)
#     TARGET       chunk or fuzz_chunk ...; default: every tests/fuzz/fuzz_*.c
# Writes DIR/<name>.json (schema in docs/fuzzing.md) and DIR/<name>.log
# (libFuzzer's output).  An input that crashes, leaks, times out or runs
# out of memory is kept as DIR/crashes/<name>/<seed>-<kind>-<sha1> and
# makes the script exit 1.  Environment: FUZZ_CC (default clang-14),
# FUZZ_BUILD (default build-fuzz), FUZZ_FLAGS (more libFuzzer flags).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_EACH=3600
JOBS=1
SEED=""
MERGE=0
OUT=results/fuzz
TARGETS=()
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH=${2:?}; shift 2 ;;
    --jobs) JOBS=${2:?}; shift 2 ;;
    --seed) SEED=${2:?}; shift 2 ;;
    --merge) MERGE=1; shift ;;
    --out) OUT=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) TARGETS+=("${1#fuzz_}"); shift ;;
  esac
done
case "$SECONDS_EACH$JOBS" in *[!0-9]*) echo "fuzz.sh: --seconds and --jobs take integers" >&2; exit 2 ;; esac
[ "$SECONDS_EACH" -ge 1 ] && [ "$JOBS" -ge 1 ] || { echo "fuzz.sh: --seconds and --jobs must be >= 1" >&2; exit 2; }
if [ -z "$SEED" ]; then
  SEED=$(( $(od -An -N4 -tu4 /dev/urandom) % 2147483646 + 1 ))   # libFuzzer: 0 = its own choice
fi
case "$SEED" in *[!0-9]*|"") echo "fuzz.sh: --seed takes a positive integer" >&2; exit 2 ;; esac

if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    TARGETS+=("${n#fuzz_}")
  done
fi
for t in "${TARGETS[@]}"; do
  [ -f "tests/fuzz/fuzz_$t.c" ] || { echo "fuzz.sh: no target tests/fuzz/fuzz_$t.c" >&2; exit 2; }
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz.sh: fuzz_$t has no seed corpus tests/fuzz/corpus/$t/" >&2; exit 2; }
done

scripts/install-deps.sh --fuzz
CC_FUZZ=${FUZZ_CC:-clang-14}
BUILD=${FUZZ_BUILD:-build-fuzz}
# Debug without NDEBUG, so the core's assertions hold under the fuzzer;
# -O1 as libFuzzer recommends.
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER="$CC_FUZZ" -DLS_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG="-O1 -g" >/dev/null
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=("--target" "fuzz_$t"); done
cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" "${build_targets[@]}" >/dev/null

mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ls-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
MERGE_FLAG=""
if [ "$MERGE" = 1 ]; then MERGE_FLAG=" --merge"; fi
COMMAND="scripts/fuzz.sh --seconds $SECONDS_EACH --jobs $JOBS --seed $SEED$MERGE_FLAG --out $OUT ${TARGETS[*]}"
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# As lakestream-bench records it: results/ is where runs write, so
# results do not make the code that produced them dirty.
if st=$(git status --porcelain -- ':(top)' ':(top,exclude)results' 2>/dev/null); then
  GIT_DIRTY=$([ -n "$st" ] && echo true || echo false)
else
  GIT_DIRTY=null
fi
COMPILER=$("$CC_FUZZ" --version | head -1)
SYMBOLIZER=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:symbolize=1}${SYMBOLIZER:+:external_symbolizer_path=$SYMBOLIZER}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_target() {  # name: one fuzzing run; writes $OUT/<name>.json and $WORK/<name>.status
  local name=$1 bin="$BUILD/tests/fuzz/fuzz_$1" corpus="$WORK/$1/corpus"
  local crashes="$OUT/crashes/$name" log="$OUT/$name.log"
  mkdir -p "$corpus" "$crashes"
  cp -R "tests/fuzz/corpus/$name/." "$corpus/"
  local seed_files seed_bytes
  seed_files=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
  seed_bytes=$(find "tests/fuzz/corpus/$name" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  local dirs=("$corpus") flags=(
    "-max_total_time=$SECONDS_EACH" -print_final_stats=1 "-seed=$SEED" -timeout=30
    -rss_limit_mb=2048 "-artifact_prefix=$crashes/$SEED-")
  [ -d "tests/fuzz/regress/$name" ] && dirs+=("tests/fuzz/regress/$name")
  [ -f "tests/fuzz/fuzz_$name.dict" ] && flags+=("-dict=tests/fuzz/fuzz_$name.dict")
  # shellcheck disable=SC2206
  [ -n "${FUZZ_FLAGS:-}" ] && flags+=($FUZZ_FLAGS)
  local load_start start end rc=0
  load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "")
  start=$(date +%s.%N)
  local timestamp
  timestamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # libFuzzer stops itself after -max_total_time; the outer limit only
  # catches a fuzzer that cannot (a hang outside an input).
  timeout --signal=INT --kill-after=30 $((SECONDS_EACH + 300)) \
    "$bin" "${flags[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  end=$(date +%s.%N)
  if [ "$MERGE" = 1 ] && [ "$rc" = 0 ]; then
    "$bin" -merge=1 "-artifact_prefix=$crashes/$SEED-merge-" "tests/fuzz/corpus/$name" "$corpus" \
      >"$WORK/$name.merge.log" 2>&1 || rc=$?
  fi
  local verdict=0
  python3 - "$name" "$log" "$corpus" "$crashes" "$OUT/$name.json" "$rc" "$start" "$end" \
      "$timestamp" "$load_start" "${flags[*]}" "${dirs[*]}" "$seed_files" "$seed_bytes" \
      <<'PY' || verdict=$?
import glob, hashlib, json, os, re, socket, sys
(name, log, corpus, crashes, out, rc, start, end, timestamp, load_start, flags,
 dirs, seed_files, seed_bytes) = sys.argv[1:15]
env = os.environ
text = open(log, errors="replace").read()
status = re.findall(r"^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", text, re.M)
stat = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
def num(k):
    return int(stat[k]) if k in stat else None
duration = float(end) - float(start)
execs = num("number_of_executed_units")
if execs is None and status:
    execs = int(status[-1][0])
files = [os.path.join(corpus, f) for f in os.listdir(corpus)]
seed_dir = "tests/fuzz/corpus/" + name
seed_files, seed_bytes = int(seed_files), int(seed_bytes)   # before the run (and --merge)
regress = "tests/fuzz/regress/" + name
found = []
for f in sorted(glob.glob(os.path.join(crashes, env["SEED"] + "-*"))):
    data = open(f, "rb").read()
    kind = os.path.basename(f)[len(env["SEED"]) + 1:].rsplit("-", 1)[0]   # crash, slow-unit, ...
    found.append({"file": f, "kind": kind, "bytes": len(data),
                  "sha1": hashlib.sha1(data).hexdigest()})
summary = re.findall(r"^SUMMARY: .*$", text, re.M)
deadly = re.findall(r"^==\d+== ?ERROR: libFuzzer: .*$|^==\d+==ERROR: .*$", text, re.M)
def meminfo():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
try:
    load_end = " ".join(open("/proc/loadavg").read().split()[:3])
except OSError:
    load_end = None
u = os.uname()
doc = {
    "benchmark": "fuzz",
    "schema_version": 1,
    "target": name,
    "command": env["COMMAND"],
    "git_rev": env["GIT_REV"],
    "git_dirty": {"true": True, "false": False}.get(env["GIT_DIRTY"]),
    "machine": {
        "hostname": socket.gethostname(),
        "uname": " ".join([u.sysname, u.release, u.version, u.machine]),
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "mem_total_bytes": meminfo(),
        "loadavg_start": load_start or None,
        "loadavg_end": load_end,
    },
    "timestamp": timestamp,
    "seed": int(env["SEED"]),
    "params": {
        "seconds": int(env["SECONDS_EACH"]),
        "jobs": int(env["JOBS"]),
        "merge": env["MERGE"] == "1",
        "binary": env["BUILD"] + "/tests/fuzz/fuzz_" + name,
        "compiler": env["COMPILER"],
        "sanitizers": "fuzzer,address,undefined (core objects: fuzzer-no-link,address,undefined)",
        "libfuzzer_flags": flags.split(),
        "inputs": dirs.split(),
        "seed_corpus": seed_dir,
        "seed_corpus_files": seed_files,
        "seed_corpus_bytes": seed_bytes,
        "regress": regress if os.path.isdir(regress) else None,
        "asan_options": env.get("ASAN_OPTIONS"),
        "ubsan_options": env.get("UBSAN_OPTIONS"),
    },
    "exit_code": int(rc),
    "duration_s": round(duration, 3),
    "execs": execs,
    "execs_per_s": round(execs / duration, 1) if execs and duration > 0 else None,
    "execs_per_s_libfuzzer": num("average_exec_per_sec"),
    "coverage": {"cov": int(status[-1][1]), "ft": int(status[-1][2])} if status else None,
    "corpus": {"files": len(files), "bytes": sum(os.path.getsize(f) for f in files),
               "new_units": num("new_units_added"),
               "merged_files": (sum(1 for _ in os.scandir(seed_dir)) - seed_files
                                if env["MERGE"] == "1" else None)},
    "peak_rss_mb": num("peak_rss_mb"),
    "slowest_unit_s": num("slowest_unit_time_sec"),
    "crashes": found,
    "error": (deadly + summary)[:4] or None,
    "log": log,
}
doc["ok"] = doc["exit_code"] == 0 and not found
with open(out + ".tmp", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
os.replace(out + ".tmp", out)
cov = doc["coverage"] or {}
print("fuzz: %-14s %s execs in %.0f s (%s/s), cov %s ft %s, corpus %d -> %d files: %s" % (
    name, execs, duration, doc["execs_per_s"], cov.get("cov"), cov.get("ft"),
    seed_files, len(files),
    "ok" if doc["ok"] else "FAILED (exit %s) %s %s" % (
        rc, " ".join(c["file"] for c in found), " | ".join(doc["error"] or []))))
sys.exit(0 if doc["ok"] else 1)
PY
  echo "$verdict" >"$WORK/$name.status"
}
export COMMAND GIT_REV GIT_DIRTY COMPILER SEED SECONDS_EACH JOBS MERGE BUILD

echo "fuzz: ${TARGETS[*]}: ${SECONDS_EACH} s each, $JOBS at a time, seed $SEED" >&2
running=0
for t in "${TARGETS[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

failed=()
for t in "${TARGETS[@]}"; do
  [ "$(cat "$WORK/$t.status" 2>/dev/null || echo 1)" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs kept in $OUT/crashes/, logs in $OUT/<name>.log;" \
       "replay one: $BUILD/tests/fuzz/fuzz_<name> FILE)" >&2
  exit 1
fi
echo "fuzz: all ${#TARGETS[@]} targets clean; results in $OUT/" >&2
