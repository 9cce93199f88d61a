#!/usr/bin/env bash
# test_shim_err.sh -- the shim's error surface is librdkafka's, byte for
# byte (issue 16): runs tests/shim_err_dump.c linked to librdkafka and to
# liblakestream-rdkafka and diffs what they print.
#   usage: test_shim_err.sh DUMP_RDKAFKA DUMP_SHIM
set -uo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 DUMP_RDKAFKA DUMP_SHIM" >&2
    exit 2
fi
BASE=${LS_TEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$BASE" && TMP=$(mktemp -d "$BASE/shim_err.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

"$1" >"$TMP/rdkafka.out" || { echo "FAIL: $1 exited $?" >&2; exit 1; }
"$2" >"$TMP/shim.out" || { echo "FAIL: $2 exited $?" >&2; exit 1; }
if ! diff -u "$TMP/rdkafka.out" "$TMP/shim.out"; then
    echo "FAIL: the shim's error surface differs from librdkafka's (- librdkafka, + shim)" >&2
    exit 1
fi
echo "ok: $(wc -l <"$TMP/shim.out") lines identical"
