#!/usr/bin/env bash
# test_kafka_server.sh -- a real Apache Kafka broker (scripts/kafka-server.sh,
# docs/kafka-broker.md) served to Debian's librdkafka 2.0.2 through kcat:
# N keyed messages produced to a fresh topic and consumed back (count and
# content), then again with enable.idempotence=true and in a transaction
# read with isolation.level=read_committed.
#   usage: test_kafka_server.sh
#   env:   KAFKA_BOOTSTRAP_SERVERS (a running broker; else the test starts its
#          own in a temp dir, checks status / a second start / stop, and stops
#          it at exit), LS_TEST_TMP, LS_KAFKA_SERVER_N (messages, default 1000)
# Exit 77 (skipped) when kcat is not installed, or when no broker is given
# and java, or mvn with an empty jar cache, is missing or the fetch fails;
# with LS_TEST_KAFKA_REQUIRED=1 (scripts/test.sh, CI) each of those fails.
set -uo pipefail
skip() {  # MESSAGE
  if [ "${LS_TEST_KAFKA_REQUIRED:-0}" = 1 ]; then echo "FAIL - $* (LS_TEST_KAFKA_REQUIRED=1)"; exit 1; fi
  echo "skip: $*"; exit 77
}
HERE=$(cd "$(dirname "$0")" && pwd)
SERVER=$HERE/../scripts/kafka-server.sh
N=${LS_KAFKA_SERVER_N:-1000}
command -v kcat >/dev/null || skip "kcat not installed (scripts/install-deps.sh)"
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/kafka_server.XXXXXX")
OWN=
cleanup() {
  [ -n "$OWN" ] && "$SERVER" stop "$T/broker" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
passed=0 fails=0
ok()  { echo "ok   - $*"; passed=$((passed + 1)); }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
port_open() {  # PORT
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  command -v java >/dev/null || skip "no KAFKA_BOOTSTRAP_SERVERS and no java (default-jdk-headless)"
  if ! "$SERVER" fetch 2>"$T/fetch.err"; then
    tail -n 5 "$T/fetch.err"
    skip "no KAFKA_BOOTSTRAP_SERVERS and the Kafka jars cannot be fetched (mvn: Debian package maven)"
  fi
  # Two free ports side by side, away from the defaults a CI broker takes.
  port=
  for p in $(seq 29092 100 33092); do
    port_open "$p" || port_open $((p + 1)) || { port=$p; break; }
  done
  [ -n "$port" ] || { echo "FAIL - no two free ports in 29092-33093"; exit 1; }
  export KAFKA_PORT=$port KAFKA_CONTROLLER_PORT=$((port + 1))
  if ! env_lines=$("$SERVER" start "$T/broker" 2>"$T/start.err"); then
    cat "$T/start.err"
    echo "FAIL - kafka-server.sh start"
    exit 1
  fi
  OWN=1
  eval "$env_lines"
  [ "$KAFKA_BOOTSTRAP_SERVERS" = "127.0.0.1:$port" ] &&
    ok "start printed export KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS (Kafka ${KAFKA_BROKER_VERSION:-?})" ||
    bad "start printed: $env_lines"
  "$SERVER" status "$T/broker" 2>/dev/null && ok "status: running" || bad "status after start"
  if "$SERVER" start "$T/broker" >/dev/null 2>"$T/again.err"; then
    bad "a second start on the same DIR succeeded"
  else
    grep -q 'already running' "$T/again.err" && ok "a second start on the same DIR is refused" ||
      bad "second start: $(cat "$T/again.err")"
  fi
  if "$SERVER" start "$T/other" >/dev/null 2>"$T/busy.err"; then
    "$SERVER" stop "$T/other" 2>/dev/null
    bad "start on ports in use succeeded"
  else
    grep -q 'already in use' "$T/busy.err" && ok "start on ports in use is refused" ||
      bad "start on busy ports: $(cat "$T/busy.err")"
  fi
fi
B=$KAFKA_BOOTSTRAP_SERVERS
echo "# broker $B, $N messages"

# Keyed lines kNNNNNN=LABEL-NNNNNN, compared sorted: a topic with several
# partitions returns them in another order.
expected() { seq 0 $((N - 1)) | awk -v s="$1" '{ printf "k%06d=%s-%06d\n", $1, s, $1 }'; }

# LABEL TOPIC PRODUCER-ARGS...: produce, consume (with CONSUME_ARGS), compare
round() {
  local label=$1 topic=$2 got; shift 2
  expected "$label" | LC_ALL=C sort >"$T/$label.want"
  if ! expected "$label" | timeout 60 kcat -P -b "$B" -t "$topic" -K = "$@" 2>"$T/$label.perr"; then
    bad "$label: kcat -P failed: $(tail -n 3 "$T/$label.perr")"
    return
  fi
  timeout 60 kcat -C -b "$B" -t "$topic" -o beginning -e -q -f '%k=%s\n' \
    "${CONSUME_ARGS[@]}" 2>"$T/$label.cerr" | LC_ALL=C sort >"$T/$label.got"
  got=$(wc -l <"$T/$label.got")
  if cmp -s "$T/$label.want" "$T/$label.got"; then
    ok "$label: $N messages produced to $topic and consumed back, content equal"
  else
    bad "$label: consumed $got of $N; diff: $(diff "$T/$label.want" "$T/$label.got" | head -4 | tr '\n' ' ')" \
        "$(tail -n 2 "$T/$label.cerr")"
  fi
}

topic=lakestream-test-$$-$RANDOM-$(date +%s)
CONSUME_ARGS=()
round plain "$topic-plain" -z lz4
round idempotent "$topic-idem" -X enable.idempotence=true -X acks=all -z zstd
CONSUME_ARGS=(-X isolation.level=read_committed)
round transactional "$topic-txn" -X "transactional.id=$topic-tx"

if [ -n "$OWN" ]; then
  pid=$(cat "$T/broker/pids/node-0.pid")
  if "$SERVER" stop "$T/broker" 2>/dev/null; then
    OWN=
    state=$(sed 's/.*) \([A-Z]\).*/\1/' "/proc/$pid/stat" 2>/dev/null)
    [ -z "$state" ] || [ "$state" = Z ] && ok "stop: broker pid $pid is gone" ||
      bad "stop: pid $pid still in state $state"
    "$SERVER" status "$T/broker" 2>/dev/null && bad "status after stop says running" ||
      ok "status after stop: not running"
    "$SERVER" stop "$T/broker" 2>/dev/null && ok "a second stop succeeds (idempotent)" ||
      bad "a second stop failed"
  else
    bad "kafka-server.sh stop"
  fi
fi

echo "test_kafka_server: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
