#!/usr/bin/env bash
# Run every test: install dependencies, build, run the suite, then build
# and run it again under AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/test.sh            both builds (what CI runs)
#   scripts/test.sh --quick    the plain build only
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() {  # build-dir extra-cmake-args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

run_suite build
if [ "${1:-}" != "--quick" ]; then
  # The sanitizer pass runs fewer crash trials (each spawns many processes);
  # the plain pass runs the default 200.
  LS_CRASH_TRIALS=${LS_CRASH_TRIALS_ASAN:-40} \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DLS_SANITIZE=ON
fi
echo "all tests passed"
