#!/usr/bin/env bash
# Soak: many more crash trials than the default test run (which runs 200).
#   scripts/soak.sh [TRIALS]      (default 10000; a failing seed is printed,
#                                  replay it with LS_CRASH_SEED=<n> LS_CRASH_TRIALS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
LS_CRASH_TRIALS=${1:-10000} LS_TEST_TMP=${LS_TEST_TMP:-build/tests/tmp} \
  build/tests/test_crash build/lakestream build/lakestream-datagen
