#!/usr/bin/env bash
# Install every Debian package Lakestream needs to build, test and
# benchmark; apt-get runs only when something is missing.
#   scripts/install-deps.sh          build, test and benchmark packages
#   scripts/install-deps.sh --s3     also a local S3 server for tests (Ceph
#                                    radosgw, run by scripts/s3-server.sh)
#   scripts/install-deps.sh --fuzz   also clang-14 with libFuzzer and the
#                                    sanitizer runtimes, and llvm-symbolizer
#                                    (scripts/fuzz.sh, docs/fuzzing.md)
#   scripts/install-deps.sh --model  also the spin model checker
#   scripts/install-deps.sh --kafka  also a Java runtime and Maven (Debian's
#                                    default-jdk-headless and maven, unless a
#                                    java and an mvn are already on PATH), then
#                                    Apache Kafka's jars from Maven Central
#                                    (scripts/kafka-server.sh fetch)
# Flags combine: scripts/install-deps.sh --s3 --fuzz.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
kafka=0

PACKAGES=(
  build-essential cmake pkg-config git
  libavro-dev libzstd-dev libcmocka-dev libjansson-dev libisal-dev zlib1g-dev
  libcurl4-openssl-dev libxml2-dev librdkafka-dev
  python3 gnuplot-nox
  # Real, unmodified librdkafka clients the shim must serve
  # (tests/test_kafka_clients.sh, docs/kafka-shim.md).
  kcat python3-confluent-kafka
)
for flag in "$@"; do
  case "$flag" in
    --s3) PACKAGES+=(ceph-mon ceph-osd radosgw curl) ;;
    --fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev llvm-14) ;;
    --model) PACKAGES+=(spin) ;;
    --kafka)
      kafka=1
      command -v java >/dev/null || PACKAGES+=(default-jdk-headless)
      command -v mvn >/dev/null || PACKAGES+=(maven)
      ;;
    *) echo "usage: $0 [--s3] [--fuzz] [--model] [--kafka]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$kafka" = 1 ]; then
  "$HERE/kafka-server.sh" fetch
fi
