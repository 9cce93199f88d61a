#!/usr/bin/env bash
# test_install.sh -- the library as a user outside this tree gets it: the
# build is installed into a fresh prefix (cmake --install BUILD --prefix
# DIR), then harness/examples/checkpoint_loop.c is built against that
# prefix twice, with find_package(Lakestream) in a CMakeLists.txt written
# here and with pkg-config (lakestream.pc); a program of librdkafka's API is
# built against Lakestream::rdkafka and lakestream-rdkafka.pc the same two
# ways.  Each program then runs briefly: checkpoint_loop reads 10 steps of
# a table the installed CLI made, the two builds must print the same
# digest, and each must load the installed liblakestream.so.
#   usage: test_install.sh BUILD_DIR SOURCE_DIR CMAKE
#   env:   LS_TEST_TMP, CC, LS_SHIM_CFLAGS (the sanitizers the library was
#          built with, for the programs built here)
set -uo pipefail
B=$1 S=$2 CMAKE=$3
CC=${CC:-cc}
CFLAGS="-O2 -Wall -Wextra -Werror ${LS_SHIM_CFLAGS:-}"   # as a user builds: the compiler's own C dialect
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/install.XXXXXX")
trap 'rm -rf "$T"' EXIT
P=$T/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { "$@" >"$T/log" 2>&1 || { cat "$T/log" >&2; fail "$*"; }; }

# ---- install ----------------------------------------------------------------
run "$CMAKE" --install "$B" --prefix "$P"
for f in include/lakestream.h include/lakestream_limits.h include/lakestream_rdkafka.h \
         lib/liblakestream.so lib/liblakestream.a lib/liblakestream-rdkafka.so \
         lib/liblakestream-rdkafka.a lib/pkgconfig/lakestream.pc \
         lib/pkgconfig/lakestream-rdkafka.pc lib/cmake/Lakestream/LakestreamConfig.cmake \
         lib/cmake/Lakestream/LakestreamConfigVersion.cmake \
         lib/cmake/Lakestream/LakestreamTargets.cmake bin/lakestream; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
echo "ok: installed into a fresh prefix"

# ---- with find_package ------------------------------------------------------
mkdir -p "$T/cm"
cat >"$T/cm/rk_version.c" <<'EOF'
#include <stdio.h>
#include <librdkafka/rdkafka.h>
#include "lakestream_rdkafka.h"
int main(void)
{
    printf("%s\n", rd_kafka_version_str());
    return 0;
}
EOF
cat >"$T/cm/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(lakestream_user C)
find_package(Lakestream 0.1 REQUIRED)
foreach(t Lakestream::lakestream Lakestream::lakestream_static Lakestream::rdkafka
          Lakestream::rdkafka_static)
  if(NOT TARGET \${t})
    message(FATAL_ERROR "find_package(Lakestream) gave no \${t}")
  endif()
endforeach()
add_executable(checkpoint_loop $S/harness/examples/checkpoint_loop.c)
target_link_libraries(checkpoint_loop Lakestream::lakestream)
add_executable(rk_version rk_version.c)
target_link_libraries(rk_version Lakestream::rdkafka)
EOF
run "$CMAKE" -S "$T/cm" -B "$T/cm/build" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_FLAGS="$CFLAGS"
run "$CMAKE" --build "$T/cm/build"
echo "ok: checkpoint_loop and a librdkafka-API program built with find_package(Lakestream)"

# ---- with pkg-config --------------------------------------------------------
export PKG_CONFIG_PATH=$P/lib/pkgconfig
for pc in lakestream lakestream-rdkafka; do
  pkg-config --exists "$pc" || fail "pkg-config finds no $pc in $P"
  case "$(pkg-config --cflags "$pc")" in
    *"$P"*) ;;
    *) fail "pkg-config --cflags $pc does not point into the prefix: $(pkg-config --cflags "$pc")" ;;
  esac
done
# shellcheck disable=SC2046,SC2086
run $CC $CFLAGS $(pkg-config --cflags lakestream) "$S/harness/examples/checkpoint_loop.c" \
  -o "$T/checkpoint_loop_pc" $(pkg-config --libs lakestream)
# shellcheck disable=SC2046,SC2086
run $CC $CFLAGS $(pkg-config --cflags lakestream-rdkafka) "$T/cm/rk_version.c" \
  -o "$T/rk_version_pc" $(pkg-config --libs lakestream-rdkafka)
echo "ok: the same programs built with pkg-config"

# ---- run them briefly -------------------------------------------------------
LS=$P/bin/lakestream
export LD_LIBRARY_PATH=$P/lib      # the pkg-config builds have no rpath
for s in cm pc; do
  run "$LS" create "$T/store_$s" t --global-batch 4 -X store.fsync=false
  seq 1 80 | "$LS" produce "$T/store_$s" t --producer p0 -X store.fsync=false >"$T/log" 2>&1 ||
    { cat "$T/log" >&2; fail "produce"; }
  mkdir -p "$T/model_$s"
done
for bin in "$T/cm/build/checkpoint_loop" "$T/checkpoint_loop_pc"; do
  # (grep on a captured list: `ldd | grep -q` under pipefail fails when grep
  # exits before ldd has written everything)
  deps=$(ldd "$bin")
  grep -q "$P/lib/liblakestream.so" <<<"$deps" || fail "$bin does not load $P/lib/liblakestream.so: $deps"
done
"$T/cm/build/checkpoint_loop" "file://$T/store_cm" t 0 1 10 "$T/model_cm" >"$T/out_cm" 2>&1 ||
  { cat "$T/out_cm" >&2; fail "checkpoint_loop (find_package) failed"; }
"$T/checkpoint_loop_pc" "file://$T/store_pc" t 0 1 10 "$T/model_pc" >"$T/out_pc" 2>&1 ||
  { cat "$T/out_pc" >&2; fail "checkpoint_loop (pkg-config) failed"; }
grep -q "read steps 0..9, digest" "$T/out_cm" || { cat "$T/out_cm" >&2; fail "checkpoint_loop output"; }
cmp -s "$T/out_cm" "$T/out_pc" || { diff "$T/out_cm" "$T/out_pc" >&2; fail "the two builds differ"; }
[ -e "$T/model_cm/model-000010.ckpt" ] || fail "checkpoint_loop saved no model at step 10"
echo "ok: both checkpoint_loop builds read 10 steps with the same digest"
for bin in "$T/cm/build/rk_version" "$T/rk_version_pc"; do
  deps=$(ldd "$bin")
  grep -q "$P/lib/liblakestream-rdkafka.so" <<<"$deps" ||
    fail "$bin does not load $P/lib/liblakestream-rdkafka.so: $deps"
  v=$("$bin") || fail "$bin failed"
  [ -n "$v" ] || fail "$bin printed no version"
done
echo "ok: both librdkafka-API builds run on the installed shim ($v)"
