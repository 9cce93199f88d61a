#!/usr/bin/env bash
# Run every test: install dependencies, build, run the suite, then build
# and run it again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the fuzz tier: every fuzz target of tests/fuzz for a short while,
# then the spin model check of the commit protocol (scripts/model-check.sh).
# The suite runs against posix and, through a local Ceph radosgw started
# here (scripts/s3-server.sh), against a real S3 server too.
#   scripts/test.sh            both builds and the fuzz tier (what CI runs)
#   scripts/test.sh --quick    the plain build only
# LS_TEST_S3=0 skips the S3 server and the S3 cases; LS_TEST_S3_URI set in
# the environment uses that bucket instead of starting a server.
# A real Apache Kafka broker (scripts/kafka-server.sh, one node) is started
# once for the tests that compare with Kafka; LS_TEST_KAFKA=0 skips it and
# them, KAFKA_BOOTSTRAP_SERVERS set in the environment uses that broker.
# LS_TEST_FUZZ=0 skips the fuzz tier; FUZZ_SECONDS sets each target's time
# (default 30).  A crash fails the run; its input is kept in
# build-fuzz/results/crashes/ (docs/fuzzing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; fi
fuzz=0
if [ "$quick" = 0 ] && [ "${LS_TEST_FUZZ:-1}" != 0 ]; then fuzz=1; fi
deps=()
if [ "${LS_TEST_S3:-1}" != 0 ]; then deps+=(--s3); fi
if [ "$fuzz" = 1 ]; then deps+=(--fuzz); fi
if [ "$quick" = 0 ]; then deps+=(--model); fi
if [ "${LS_TEST_KAFKA:-1}" != 0 ]; then deps+=(--kafka); fi
scripts/install-deps.sh ${deps[@]+"${deps[@]}"}

RGW_DIR='' KAFKA_DIR=''
cleanup() {
  if [ -n "$RGW_DIR" ]; then scripts/s3-server.sh stop "$RGW_DIR" || true; rm -rf "$RGW_DIR"; fi
  if [ -n "$KAFKA_DIR" ]; then scripts/kafka-server.sh stop "$KAFKA_DIR" || true; rm -rf "$KAFKA_DIR"; fi
}
trap cleanup EXIT
if [ "${LS_TEST_KAFKA:-1}" != 0 ] && [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  KAFKA_DIR=$(mktemp -d /tmp/ls-kafka.XXXXXX)
  eval "$(scripts/kafka-server.sh start "$KAFKA_DIR")"
fi
if [ "${LS_TEST_KAFKA:-1}" != 0 ]; then
  export KAFKA_BOOTSTRAP_SERVERS LS_TEST_KAFKA_REQUIRED=1
fi

if [ "${LS_TEST_S3:-1}" != 0 ] && [ -z "${LS_TEST_S3_URI:-}" ]; then
  RGW_DIR=$(mktemp -d /tmp/ls-rgw.XXXXXX)
  # HTTPS too, for the TLS checks (tests/test_consistency.sh).
  eval "$(RGW_TLS_PORT=${RGW_TLS_PORT:-7481} scripts/s3-server.sh start "$RGW_DIR")"
  export LS_TEST_S3_URI=s3://lakestream-test/test-$$
fi
if [ "${LS_TEST_S3:-1}" != 0 ]; then
  export LS_TEST_S3_REQUIRED=1
fi

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {  # build-dir extra-cmake-args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

run_suite build
if [ "$quick" = 0 ]; then
  # The sanitizer pass runs fewer crash trials (each spawns many processes);
  # the plain pass runs the default 200.
  LS_CRASH_TRIALS=${LS_CRASH_TRIALS_ASAN:-40} LS_CRASH_S3_TRIALS=${LS_CRASH_S3_TRIALS_ASAN:-4} \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DLS_SANITIZE=ON
fi
if [ "$fuzz" = 1 ]; then
  # Each target on its seed corpus and regressions (clang-14, libFuzzer +
  # ASan + UBSan); results outside results/, which holds reference runs.
  scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-30}" --jobs "$jobs" --out build-fuzz/results
fi
if [ "$quick" = 0 ]; then
  # The protocol model (spin): the current protocol's counterexample must be
  # found and the fixed one must hold, within CI's bounds (docs/model.md).
  scripts/model-check.sh
fi
echo "all tests passed"
