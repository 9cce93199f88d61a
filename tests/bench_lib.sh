# bench_lib.sh -- sourced by the test_bench_*.sh scripts: a temporary
# directory $T (removed at exit), ok/bad counting into $fails, and the
# small workload they run.
#   usage: . bench_lib.sh NAME     (NAME names the temporary directory)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/$1.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

# The SFT workload scaled to 4 ranks and a 50 ms step, into $T/small.conf;
# each argument is one more key=value line.
small_conf() {
  { cat "$HERE/../workloads/sft.conf"
    echo "global.batch=16"; echo "world.size=4"; echo "step.time.ms=50"
    echo "producers=2"; echo "producer.workers=2"
    for kv in "$@"; do echo "$kv"; done; } >"$T/small.conf"
}
