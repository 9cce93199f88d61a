#!/usr/bin/env bash
# test_kafka_examples.sh -- proof by identical code (issue 6, deliverable 4):
# kafka_shim/examples/{producer,consumer}.c, written only against
# <librdkafka/rdkafka.h>, are built and run twice with the same scenario:
#   1. with -lrdkafka against librdkafka's mock cluster (rdkafka_mock.h,
#      the real Kafka protocol over loopback, served by mock_cluster.c in
#      its own process so producer and consumers can share it), and against
#      the real Apache Kafka broker of KAFKA_BOOTSTRAP_SERVERS when it is set
#      (scripts/test.sh starts one; a fresh topic of P partitions; missing,
#      it fails with LS_TEST_KAFKA_REQUIRED=1, else is skipped);
#   2. with -llakestream-rdkafka against a file:// store, and against
#      $LS_TEST_S3_URI (a fresh prefix) when it is set (skipped, with a
#      message, when no shim library is given or it does not exist).
# The scenario: produce N messages with delivery reports; one consumer of a
# group reads all N; a consumer of a second group stops after N/2 and
# commits, a second member of that group must get exactly the rest (no
# overlap, union = all). When both runs happen their delivered multisets
# must be identical. Both runs get the same configuration; only the link
# line and bootstrap.servers differ (the migration the shim promises).
#   usage: test_kafka_examples.sh [SHIM]
#     SHIM: path to liblakestream-rdkafka.so, or the directory holding it.
#   env:   LS_KAFKA_N (messages, default 2000), LS_KAFKA_PARTITIONS (mock
#          topic partitions, default 3), LS_TEST_TMP, CC, LS_SHIM_CFLAGS
#          (extra flags for the shim build, e.g. the sanitizers the shim
#          library was built with).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EX="$HERE/../kafka_shim/examples"
SHIM=${1:-}
N=${LS_KAFKA_N:-2000}
P=${LS_KAFKA_PARTITIONS:-3}
CC=${CC:-cc}
CFLAGS=(-std=c11 -O2 -Wall -Wextra -Werror) # the project's flags; -Wpedantic trips on rdkafka.h's ({ }) type checks under clang
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/kafka_examples.XXXXXX")
MOCK_PID=
cleanup() {
  if [ -n "$MOCK_PID" ]; then
    kill "$MOCK_PID" 2>/dev/null
    wait "$MOCK_PID" 2>/dev/null
  fi
  rm -rf "$T"
}
trap cleanup EXIT
fails=0

ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails + 1)); }
skip() { echo "skip - $*"; }

# Configuration shared by both runs. A small producer queue exercises the
# QUEUE_FULL back-pressure path. A short session timeout because
# librdkafka 2.0.2's mock coordinator holds a rejoin of a group until the
# previous member's session has expired, although that member sent
# LeaveGroup (about 44 s with the 45 s default).
PRODUCER_X=(-X queue.buffering.max.messages=500)
CONSUMER_X=(-X session.timeout.ms=6000 -X heartbeat.interval.ms=500)

# The multiset every run must deliver: msg-000000 .. msg-(N-1), sorted.
seq -f 'msg-%06g' 0 $((N - 1)) | LC_ALL=C sort >"$T/expected"

# run_scenario LABEL BINDIR BOOTSTRAP TOPIC: the scenario above, with the
# binaries in BINDIR. Leaves the sorted delivered multisets in
# $T/LABEL.all (one consumer) and $T/LABEL.split (A then B).
run_scenario() {
  local label=$1 bin=$2 bs=$3 topic=$4 rc n half=$((N / 2))
  local d="$T/$label"
  mkdir -p "$d"

  "$bin/producer" -b "$bs" -t "$topic" -n "$N" "${PRODUCER_X[@]}" 2>"$d/producer.err"
  rc=$?
  if [ $rc -eq 0 ] && grep -q "$N delivered, 0 failed, 0 mismatched" "$d/producer.err"; then
    ok "$label: producer: $N delivery reports, all successful ($(grep -o '[0-9]* queue-full waits' "$d/producer.err"))"
  else
    bad "$label: producer rc=$rc: $(tail -3 "$d/producer.err")"
  fi

  # One consumer reads everything (commits every 100 and at the end).
  "$bin/consumer" -b "$bs" -t "$topic" -g all -n "$N" -T 60000 "${CONSUMER_X[@]}" \
    >"$d/all.out" 2>"$d/all.err"
  rc=$?
  LC_ALL=C sort "$d/all.out" >"$T/$label.all"
  if [ $rc -eq 0 ] && cmp -s "$T/$label.all" "$T/expected"; then
    ok "$label: consumer group 'all': the $N produced messages, each once"
  else
    bad "$label: consumer 'all' rc=$rc, $(wc -l <"$d/all.out") lines, $(tail -2 "$d/all.err")"
  fi

  # A new member of the same group resumes after the final commit: nothing
  # left, it stops on EOF of every assigned partition.
  "$bin/consumer" -b "$bs" -t "$topic" -g all -e -T 60000 "${CONSUMER_X[@]}" \
    >"$d/all2.out" 2>"$d/all2.err"
  rc=$?
  n=$(wc -l <"$d/all2.out")
  if [ $rc -eq 0 ] && [ "$n" -eq 0 ]; then
    ok "$label: group 'all' after its final commit: 0 messages, EOF on all partitions"
  else
    bad "$label: group 'all' rejoined: rc=$rc, $n messages: $(tail -2 "$d/all2.err")"
  fi

  # Consumer A stops after N/2 (odd commit interval, so the last commit is
  # the one at the end); consumer B of the same group gets exactly the rest.
  "$bin/consumer" -b "$bs" -t "$topic" -g split --max "$half" -c 37 -T 60000 "${CONSUMER_X[@]}" \
    >"$d/a.out" 2>"$d/a.err"
  rc=$?
  n=$(wc -l <"$d/a.out")
  if [ $rc -eq 0 ] && [ "$n" -eq "$half" ]; then
    ok "$label: consumer A of group 'split': stopped after $half and committed"
  else
    bad "$label: consumer A rc=$rc, $n messages: $(tail -2 "$d/a.err")"
  fi
  "$bin/consumer" -b "$bs" -t "$topic" -g split -e -T 60000 "${CONSUMER_X[@]}" \
    >"$d/b.out" 2>"$d/b.err"
  rc=$?
  n=$(wc -l <"$d/b.out")
  LC_ALL=C sort "$d/a.out" >"$d/a.sorted"
  LC_ALL=C sort "$d/b.out" >"$d/b.sorted"
  LC_ALL=C sort -m "$d/a.sorted" "$d/b.sorted" >"$T/$label.split"
  local overlap
  overlap=$(LC_ALL=C comm -12 "$d/a.sorted" "$d/b.sorted" | wc -l)
  if [ $rc -eq 0 ] && [ "$n" -eq $((N - half)) ] && [ "$overlap" -eq 0 ] &&
     cmp -s "$T/$label.split" "$T/expected"; then
    ok "$label: consumer B resumed after A's commit: the other $n, no overlap, union = all"
  else
    bad "$label: consumer B rc=$rc, $n messages, $overlap also seen by A: $(tail -2 "$d/b.err")"
  fi
}

# build BINDIR LINKFLAGS...: the two examples, unmodified.
build() {
  local bin=$1; shift
  mkdir -p "$bin"
  local f
  for f in producer consumer; do
    if ! "$CC" "${CFLAGS[@]}" "${RK_CFLAGS[@]}" -o "$bin/$f" "$EX/$f.c" "$@" \
         2>"$bin/$f.cc.err" || [ -s "$bin/$f.cc.err" ]; then
      bad "build $f ($*): $(head -5 "$bin/$f.cc.err")"
      return 1
    fi
  done
  ok "build producer and consumer with $*"
}

# ---- 1. librdkafka against its mock cluster ------------------------------
if ! pkg-config --exists rdkafka; then
  bad "pkg-config rdkafka: librdkafka-dev is not installed"
  exit 1
fi
read -ra RK_CFLAGS <<<"$(pkg-config --cflags rdkafka)"
read -ra RK_LIBS <<<"$(pkg-config --libs rdkafka)"
MOCK_BIN="$T/bin-rdkafka"
if build "$MOCK_BIN" "${RK_LIBS[@]}" &&
   "$CC" "${CFLAGS[@]}" "${RK_CFLAGS[@]}" -o "$MOCK_BIN/mock_cluster" \
     "$EX/mock_cluster.c" "${RK_LIBS[@]}"; then
  # The mock cluster serves until its stdin closes: hold a FIFO open on fd 7.
  mkfifo "$T/mock.in"
  "$MOCK_BIN/mock_cluster" -t samples -p "$P" -B 3 <"$T/mock.in" \
    >"$T/mock.out" 2>"$T/mock.err" &
  MOCK_PID=$!
  exec 7>"$T/mock.in"
  for _ in $(seq 100); do [ -s "$T/mock.out" ] && break; sleep 0.1; done
  BOOTSTRAP=$(head -1 "$T/mock.out")
  if [ -n "$BOOTSTRAP" ]; then
    ok "mock cluster (librdkafka $(pkg-config --modversion rdkafka)): 3 brokers, topic 'samples' with $P partitions at $BOOTSTRAP"
    run_scenario rdkafka "$MOCK_BIN" "$BOOTSTRAP" samples
  else
    bad "mock cluster did not start: $(head -3 "$T/mock.err")"
  fi
  exec 7>&-
  wait "$MOCK_PID"
  rc=$?
  MOCK_PID=
  if [ $rc -eq 0 ]; then
    ok "mock cluster: clean shutdown on stdin EOF"
  else
    bad "mock cluster exit $rc: $(head -3 "$T/mock.err")"
  fi
else
  bad "build mock_cluster"
fi

# ---- 1b. The same librdkafka build against a real Apache Kafka broker ------
if [ -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ] && [ -x "$MOCK_BIN/producer" ]; then
  KTOPIC=examples-$$-$(date +%s)
  # The topic with P partitions, as the mock's: confluent-kafka's AdminClient
  # (Debian's python3-confluent-kafka, for the system python3).
  if /usr/bin/python3 - "$KAFKA_BOOTSTRAP_SERVERS" "$KTOPIC" "$P" >"$T/ktopic.err" 2>&1 <<'PY'
import sys
from confluent_kafka.admin import AdminClient, NewTopic
a = AdminClient({"bootstrap.servers": sys.argv[1]})
f = a.create_topics([NewTopic(sys.argv[2], num_partitions=int(sys.argv[3]), replication_factor=1)])
f[sys.argv[2]].result(60)
PY
  then
    ok "real broker at $KAFKA_BOOTSTRAP_SERVERS (Kafka ${KAFKA_BROKER_VERSION:-?}): topic $KTOPIC with $P partitions"
    run_scenario kafka "$MOCK_BIN" "$KAFKA_BOOTSTRAP_SERVERS" "$KTOPIC"
    if cmp -s "$T/kafka.all" "$T/rdkafka.all" && cmp -s "$T/kafka.split" "$T/rdkafka.split"; then
      ok "real broker: the same delivered multisets as the mock cluster"
    else
      bad "real broker and mock cluster delivered different multisets"
    fi
  else
    bad "creating topic $KTOPIC on $KAFKA_BOOTSTRAP_SERVERS: $(tail -3 "$T/ktopic.err")"
  fi
elif [ "${LS_TEST_KAFKA_REQUIRED:-0}" = 1 ]; then
  bad "LS_TEST_KAFKA_REQUIRED=1 but KAFKA_BOOTSTRAP_SERVERS is not set"
else
  skip "real broker run: KAFKA_BOOTSTRAP_SERVERS is not set (scripts/kafka-server.sh)"
fi

# ---- 2. The same examples against the shim on file:// and s3:// stores ----
# Same sources, same scenario; only the link line and bootstrap.servers
# change. Partitions = world size (DESIGN.md section 11), default 1.
if [ -z "$SHIM" ]; then
  skip "shim run: no liblakestream-rdkafka given (usage: $0 path/to/liblakestream-rdkafka.so)"
elif [ ! -e "$SHIM" ]; then
  skip "shim run: $SHIM does not exist (shim library not built)"
else
  if [ -d "$SHIM" ]; then SHIM_DIR=$(cd "$SHIM" && pwd); else SHIM_DIR=$(cd "$(dirname "$SHIM")" && pwd); fi
  SHIM_BIN="$T/bin-shim"
  read -ra SHIM_CFLAGS <<<"${LS_SHIM_CFLAGS:-}"
  if build "$SHIM_BIN" "${SHIM_CFLAGS[@]}" -L"$SHIM_DIR" -Wl,-rpath,"$SHIM_DIR" -llakestream-rdkafka; then
    # The examples must depend on the shim directly, never on librdkafka.
    if objdump -p "$SHIM_BIN/producer" | grep -q 'NEEDED.*librdkafka\.so'; then
      bad "shim build links librdkafka directly: $(objdump -p "$SHIM_BIN/producer" | grep -o 'librdkafka[^ ]*')"
    fi
    # Rank and world size from conf or env; the defaults (0 / 1) are meant.
    # The subshell counts its own failures and returns them.
    # shim_run LABEL BOOTSTRAP: the scenario, then the multisets compared
    # with librdkafka's.
    shim_run() {
      local label=$1 bs=$2
      # shellcheck disable=SC2030,SC2031
      ( unset RANK WORLD_SIZE
        fails=0
        run_scenario "$label" "$SHIM_BIN" "$bs" samples
        exit "$fails" )
      # shellcheck disable=SC2031
      fails=$((fails + $?))
      if [ -s "$T/rdkafka.all" ] && [ -s "$T/$label.all" ]; then
        if cmp -s "$T/rdkafka.all" "$T/$label.all" && cmp -s "$T/rdkafka.split" "$T/$label.split"; then
          ok "identical code: librdkafka+mock and $label delivered the same multisets"
        else
          bad "librdkafka+mock and $label delivered different multisets"
        fi
      fi
    }
    shim_run shim-file "file://$T/store"
    # The same on S3 when a server is given (scripts/test.sh starts radosgw).
    if [ -n "${LS_TEST_S3_URI:-}" ]; then
      shim_run shim-s3 "${LS_TEST_S3_URI%/}/kafka-examples-$$-$RANDOM"
    elif [ "${LS_TEST_S3_REQUIRED:-0}" = 1 ]; then
      bad "LS_TEST_S3_REQUIRED=1 but LS_TEST_S3_URI is not set"
    else
      skip "shim on s3: LS_TEST_S3_URI is not set (see scripts/s3-server.sh)"
    fi
  fi
fi

if [ $fails -eq 0 ]; then echo "all kafka example checks passed"; else echo "$fails failed"; fi
[ $fails -eq 0 ]
