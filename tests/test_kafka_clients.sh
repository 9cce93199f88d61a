#!/usr/bin/env bash
# test_kafka_clients.sh -- real, unmodified librdkafka clients from Debian's
# packages, run on Lakestream through `lakestream kafka-run` (no rebuild,
# no LD_PRELOAD): kcat 1.7.1 and python3-confluent-kafka 1.7.0
# (tests/kafka_clients/loader.py).  Where the same steps run on librdkafka's
# mock cluster (kafka_shim/examples/mock_cluster.c), the delivered
# multisets are compared.
#   usage: test_kafka_clients.sh LAKESTREAM_CLI
#   env:   LS_TEST_TMP, CC, LS_KAFKA_CLIENTS_N (messages, default 200)
# Exit 77 (skipped) when kcat or confluent_kafka is not installed, or under
# the sanitizer build (the clients are not instrumented).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LS=$1
N=${LS_KAFKA_CLIENTS_N:-200}
PY=/usr/bin/python3
LOADER="$HERE/kafka_clients/loader.py"
if [ -n "${LS_SANITIZE_BUILD:-}" ]; then
  echo "skip: the clients are not instrumented for the sanitizer build"; exit 77
fi
command -v kcat >/dev/null || { echo "skip: kcat not installed (scripts/install-deps.sh)"; exit 77; }
$PY -c 'import confluent_kafka' 2>/dev/null ||
  { echo "skip: python3-confluent-kafka not installed (scripts/install-deps.sh)"; exit 77; }
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/kafka_clients.XXXXXX")
MOCK_PID=
cleanup() {
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

S="file://$T/store"
run() {  # [kafka-run options] -- PROGRAM ARGS: on the shim
  "$LS" kafka-run --store "$S" "$@"
}
expect() {  # FILE: the sorted multiset m000000..m(N-1)
  seq -f 'm%06g' 0 $((N - 1)) | LC_ALL=C sort >"$1"
}
expect "$T/expected"
same_set() {  # LABEL FILE...: the files together are the expected multiset
  local label=$1; shift
  cat "$@" | LC_ALL=C sort >"$T/got"
  if cmp -s "$T/got" "$T/expected"; then ok "$label"
  else bad "$label: $(wc -l <"$T/got") lines, diff: $(diff "$T/expected" "$T/got" | head -5 | tr '\n' ' ')"
  fi
}
disjoint() {  # LABEL A B
  if [ ! -f "$2" ] || [ ! -f "$3" ]; then bad "$1: no output"; return; fi
  if [ -z "$(LC_ALL=C comm -12 <(LC_ALL=C sort "$2") <(LC_ALL=C sort "$3"))" ]; then ok "$1"
  else bad "$1: overlap"; fi
}

# ---- kcat ----
seq -f 'm%06g' 0 $((N - 1)) | run -- kcat -b broker:9092 -P -t kc &&
  ok "kcat -P: $N messages" || bad "kcat -P"
run -- kcat -b broker:9092 -C -t kc -o beginning -e -q >"$T/kc_all" &&
  same_set "kcat -C -e: every message once" "$T/kc_all" || bad "kcat -C -e"
half=$((N * 2 / 5))
run -- kcat -b broker:9092 -G kg -o beginning -e -q -c "$half" kc >"$T/kg_a" 2>"$T/kg_a.err" ||
  bad "kcat -G -c $half: $(tail -2 "$T/kg_a.err")"
run -- kcat -b broker:9092 -G kg -e -q kc >"$T/kg_b" 2>"$T/kg_b.err" ||
  bad "kcat -G resume: $(tail -2 "$T/kg_b.err")"
[ "$(wc -l <"$T/kg_a")" = "$half" ] && ok "kcat -G -c $half consumed $half" ||
  bad "kcat -G -c $half consumed $(wc -l <"$T/kg_a")"
disjoint "kcat -G resumes after the commit: no message twice" "$T/kg_a" "$T/kg_b"
same_set "kcat -G: both runs together are every message" "$T/kg_a" "$T/kg_b"
run -- kcat -b broker:9092 -L -t kc >"$T/kL" 2>&1 && grep -q 'topic "kc" with 1 partitions' "$T/kL" &&
  ok "kcat -L: topic kc, 1 partition" || bad "kcat -L: $(cat "$T/kL")"
run --world-size 2 -- kcat -b broker:9092 -L >"$T/kL2" 2>&1
grep -q 'topic "kc" with' "$T/kL2" && ok "kcat -L: all topics" || bad "kcat -L all: $(cat "$T/kL2")"
run -- kcat -b broker:9092 -Q -t kc:0:0 >"$T/kQ" 2>&1 && grep -q 'kc \[0\] offset 0$' "$T/kQ" &&
  ok "kcat -Q at time 0: offset 0" || bad "kcat -Q 0: $(cat "$T/kQ")"
future=$(( ($(date +%s) + 3600) * 1000 ))
run -- kcat -b broker:9092 -Q -t "kc:0:$future" >"$T/kQ2" 2>&1 && grep -q 'kc \[0\] offset -1$' "$T/kQ2" &&
  ok "kcat -Q past the end: offset -1 (end)" || bad "kcat -Q future: $(cat "$T/kQ2")"

# ---- confluent-kafka-python ----
PYRUN() { run "$@"; }
out=$(PYRUN -- $PY "$LOADER" broker:9092 produce py "$N") && grep -q "\"delivered\": $N" <<<"$out" &&
  ok "python Producer: $N delivery reports ($out)" || bad "python produce: $out"
k=$((N / 2))
PYRUN -- $PY "$LOADER" broker:9092 consume py pg "$k" "$T/py_a" >/dev/null &&
  ok "python Consumer poll/consume/commit/close: $k" || bad "python consume"
PYRUN -- $PY "$LOADER" broker:9092 drain py pg "$T/py_b" >/dev/null || bad "python drain"
disjoint "python: a second consumer resumes exactly after the commit" "$T/py_a" "$T/py_b"
same_set "python: both consumers together are every message" "$T/py_a" "$T/py_b"

# Another world size: B = 2; commit at W = 1 after k (even) messages, then
# ranks 0 and 1 of W = 2 resume at the same step.
PYRUN --global-batch 2 -- $PY "$LOADER" broker:9092 produce pyw "$N" >/dev/null || bad "python produce B=2"
PYRUN -- $PY "$LOADER" broker:9092 consume pyw wg "$k" "$T/pw_a" >/dev/null || bad "python consume W=1"
PYRUN --rank 0 --world-size 2 -- $PY "$LOADER" broker:9092 drain pyw wg "$T/pw_r0" >/dev/null || bad "drain r0"
PYRUN --rank 1 --world-size 2 -- $PY "$LOADER" broker:9092 drain pyw wg "$T/pw_r1" >/dev/null || bad "drain r1"
disjoint "python: resumed at world size 2, rank 0 reads nothing read before" "$T/pw_a" "$T/pw_r0"
disjoint "python: resumed at world size 2, rank 1 reads nothing read before" "$T/pw_a" "$T/pw_r1"
same_set "python: W=1 then W=2 ranks together are every message" "$T/pw_a" "$T/pw_r0" "$T/pw_r1"

out=$(PYRUN -- $PY "$LOADER" broker:9092 admin adm 1 2>&1) &&
  ok "python AdminClient create_topics (twice: TOPIC_ALREADY_EXISTS) and list_topics" ||
  bad "python admin: $out"

# Exactly once across SIGKILL: consume ein, produce EIN-upper to eout in
# transactions with the offsets; killed after 3 transactions, restarted.
PYRUN -- $PY "$LOADER" broker:9092 produce ein "$N" >/dev/null || bad "python produce ein"
PYRUN -- $PY "$LOADER" broker:9092 eos ein eout eg "$T/eos.log" 3 >/dev/null 2>&1
rc=$?
[ "$rc" = 137 ] && ok "python EOS loop killed with SIGKILL mid-transaction" ||
  bad "python EOS loop: exit $rc, not 137"
PYRUN -- $PY "$LOADER" broker:9092 eos ein eout eg "$T/eos.log" >/dev/null || bad "python EOS restart"
PYRUN -- $PY "$LOADER" broker:9092 drain eout check "$T/eos_out" >/dev/null || bad "python drain eout"
tr 'a-z' 'A-Z' <"$T/expected" >"$T/expected_up"
if cmp -s <(LC_ALL=C sort "$T/eos_out") "$T/expected_up"; then
  ok "python EOS: every input consumed once, every output produced once"
else
  bad "python EOS: $(wc -l <"$T/eos_out") outputs for $N inputs; dup/missing: $(LC_ALL=C sort "$T/eos_out" | uniq -d | head -3 | tr '\n' ' ') $(comm -23 "$T/expected_up" <(LC_ALL=C sort -u "$T/eos_out") | head -3 | tr '\n' ' ')"
fi

# ---- the same on librdkafka's mock cluster: same multisets ----
CC=${CC:-cc}
if $CC -std=c11 -O2 -o "$T/mock_cluster" "$HERE/../kafka_shim/examples/mock_cluster.c" -lrdkafka 2>"$T/cc.err"; then
  mkfifo "$T/mock_in"
  "$T/mock_cluster" -t kc -p 1 <"$T/mock_in" >"$T/mock_boot" 2>"$T/mock.err" &
  MOCK_PID=$!
  exec 9>"$T/mock_in"
  for _ in $(seq 50); do [ -s "$T/mock_boot" ] && break; sleep 0.1; done
  B=$(head -1 "$T/mock_boot")
  seq -f 'm%06g' 0 $((N - 1)) | kcat -b "$B" -P -t kc 2>/dev/null
  kcat -b "$B" -C -t kc -o beginning -e -q >"$T/mock_kc" 2>/dev/null
  if cmp -s <(LC_ALL=C sort "$T/mock_kc") <(LC_ALL=C sort "$T/kc_all"); then
    ok "kcat: the mock cluster and the shim deliver the same multiset"
  else bad "kcat: mock cluster delivered $(wc -l <"$T/mock_kc"), shim $(wc -l <"$T/kc_all")"; fi
  $PY "$LOADER" "$B" produce kcp "$N" >/dev/null 2>&1 &&
    $PY "$LOADER" "$B" consume kcp mg "$k" "$T/mock_py_a" >/dev/null 2>&1 &&
    $PY "$LOADER" "$B" drain kcp mg "$T/mock_py_b" >/dev/null 2>&1
  if cmp -s <(cat "$T/mock_py_a" "$T/mock_py_b" | LC_ALL=C sort) <(cat "$T/py_a" "$T/py_b" | LC_ALL=C sort); then
    ok "python: the mock cluster and the shim deliver the same multiset"
  else bad "python: mock cluster delivered $(cat "$T/mock_py_a" "$T/mock_py_b" 2>/dev/null | wc -l)"; fi
  exec 9>&-
else
  bad "cannot build mock_cluster.c: $(head -3 "$T/cc.err")"
fi

[ "$fails" = 0 ] && echo "all kafka client checks passed" || echo "$fails kafka client check(s) failed"
[ "$fails" = 0 ]
