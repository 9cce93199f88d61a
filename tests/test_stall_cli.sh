#!/usr/bin/env bash
# test_stall_cli.sh -- the stalled-producer reproducer of issue 14, as a
# user runs it: `lakestream produce` from a fifo, SIGSTOPped after 8 lines;
# another producer writes 40; a checkpoint at step 4; gc; SIGCONT and 8
# more lines.  The producer must exit 0 only if every line it took is
# readable exactly once.  Two tables: the default retention (where a gc
# asking for its own retention is refused: it is the table's) and a table
# created with retention 0 (gc frees log slots right behind the producer).
# The interleavings inside a commit are tests/test_stall.c's.
# Runs on posix, and on s3 too when LS_TEST_S3_URI names a bucket.
#   usage: test_stall_cli.sh path/to/lakestream
set -uo pipefail
LS=${1:?usage: test_stall_cli.sh path/to/lakestream}
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/stall.XXXXXX")
fails=0
P0=
cleanup() { [ -n "$P0" ] && kill -CONT "$P0" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
X=(-X store.fsync=false)

samples() {  # TABLE: total_samples
  "$LS" describe "$STORE" "$1" --json "${X[@]}" | sed -n 's/.*"total_samples": \([0-9]*\).*/\1/p'
}

scene() {  # TABLE REFUSED CREATE-ARGS...: REFUSED 1 if gc -X retention=0 must be
  local tb=$1 refused=$2; shift 2
  "$LS" create "$STORE" "$tb" --global-batch 4 "${X[@]}" "$@" || { bad "$tb: create"; return; }
  mkfifo "$T/$tb.fifo"
  # A commit per line (fixed 0), so the first 8 are in before the stop.
  "$LS" produce "$STORE" "$tb" --producer p0 "${X[@]}" -X producer.commit.policy=fixed \
    -X producer.commit.interval.ms=0 <"$T/$tb.fifo" >"$T/$tb.p0.out" 2>"$T/$tb.p0.err" &
  P0=$!
  exec 3>"$T/$tb.fifo"
  for i in $(seq 1 8); do echo "first-$i" >&3; done
  for _ in $(seq 1 200); do [ "$(samples "$tb")" -ge 8 ] 2>/dev/null && break; sleep 0.05; done
  kill -STOP "$P0"
  seq -f "other-%g" 1 40 | "$LS" produce "$STORE" "$tb" --producer p1 "${X[@]}" ||
    bad "$tb: the other producer"
  "$LS" checkpoint "$STORE" "$tb" register ck 4 "${X[@]}" || bad "$tb: checkpoint"
  if "$LS" gc "$STORE" "$tb" "${X[@]}" -X table.log.retention.ms=0 >"$T/gc.out" 2>"$T/gc.err"; then
    [ "$refused" = 0 ] || bad "$tb: gc with a retention of its own was not refused"
  else
    rc=$?
    grep -q "table.log.retention.ms is a property of table $tb" "$T/gc.err" && [ $rc -eq 2 ] &&
      ok "$tb: gc with a retention of its own refused (exit 2)" ||
      bad "$tb: gc -X table.log.retention.ms=0: rc $rc, $(cat "$T/gc.err")"
  fi
  "$LS" gc "$STORE" "$tb" "${X[@]}" >"$T/gc.out" || bad "$tb: gc"
  kill -CONT "$P0"
  for i in $(seq 1 8); do echo "after-$i" >&3; done
  exec 3>&-
  wait "$P0"
  local rc=$?
  P0=
  [ $rc -eq 0 ] || { bad "$tb: stalled producer exit $rc: $(cat "$T/$tb.p0.err")"; return; }
  local n=$(( $(samples "$tb") / 4 ))
  "$LS" consume "$STORE" "$tb" --rank 0 --world-size 1 --from-step 4 --steps $((n - 4)) \
    "${X[@]}" >"$T/$tb.read" || { bad "$tb: consume"; return; }
  local missing=0
  for i in $(seq 1 8); do
    [ "$(grep -cx "after-$i" "$T/$tb.read")" = 1 ] || missing=$((missing + 1))
  done
  for i in $(seq 9 40); do
    [ "$(grep -cx "other-$i" "$T/$tb.read")" = 1 ] || missing=$((missing + 1))
  done
  [ $missing -eq 0 ] && ok "$tb: exit 0, and every line after the stall read exactly once" ||
    bad "$tb: $missing acknowledged lines not read exactly once"
}

stores=("file://$T/store")
[ -n "${LS_TEST_S3_URI:-}" ] && stores+=("${LS_TEST_S3_URI%/}/stall-cli-$$")
for STORE in "${stores[@]}"; do
  echo "# $STORE"
  scene dflt 1
  scene zero 0 -X table.log.retention.ms=0
  rm -f "$T"/*.fifo
done

if [ $fails -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all stall scenarios passed"
