#!/bin/sh
# test_shim_abi.sh LIB DROPIN MAP -- the shim's exports are librdkafka
# 2.0.2's functions and rd_kafka_lakestream_* alone (the version script
# MAP), the stand-in's SONAME is librdkafka.so.1, and, where Debian's
# librdkafka 2.0.2 is installed, the export lists are the same; DOC (if
# given) lists every function in its Function status.
set -eu
lib=$1 dropin=$2 map=$3 doc=${4:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

sed -n 's/^    \(rd_kafka_[A-Za-z0-9_]*\);$/\1/p' "$map" | sort -u > "$tmp/want"
[ "$(wc -l < "$tmp/want")" -ge 400 ] || fail "$map lists $(wc -l < "$tmp/want") functions"
for l in "$lib" "$dropin"; do
    nm -D --defined-only "$l" | awk '{print $NF}' | sort -u > "$tmp/have"
    missing=$(comm -23 "$tmp/want" "$tmp/have")
    [ -z "$missing" ] || fail "$l lacks: $(echo $missing | head -c 2000)"
    extra=$(comm -13 "$tmp/want" "$tmp/have" | grep -v '^rd_kafka_lakestream_' || true)
    [ -z "$extra" ] || fail "$l exports what librdkafka does not: $(echo $extra | head -c 2000)"
    nm -D --defined-only "$l" | awk '$2 != "T" && $2 != "W" {print}' > "$tmp/nonfn"
    [ ! -s "$tmp/nonfn" ] || fail "$l exports data or other symbols: $(cat "$tmp/nonfn")"
done
soname=$(readelf -d "$dropin" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = librdkafka.so.1 ] || fail "$dropin has SONAME '$soname', not librdkafka.so.1"

real=/usr/lib/x86_64-linux-gnu/librdkafka.so.1
if [ -f "$real" ] && dpkg-query -W -f '${Version}' librdkafka1 2>/dev/null | grep -q '^2\.0\.2'; then
    nm -D --defined-only "$real" | awk '$2 == "T" {print $NF}' | sort -u > "$tmp/real"
    diff "$tmp/real" "$tmp/want" > "$tmp/d" || fail "map differs from $real: $(cat "$tmp/d")"
    echo "exports match $real ($(wc -l < "$tmp/real") functions)"
fi
if [ -n "$doc" ]; then
    undocumented=$(while read -r f; do grep -q "\`$f\`" "$doc" || echo "$f"; done < "$tmp/want")
    [ -z "$undocumented" ] || fail "$doc does not list: $(echo $undocumented | head -c 2000)"
fi
echo "ok: $(wc -l < "$tmp/want") functions, no internal symbol, SONAME $soname"
