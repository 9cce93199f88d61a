#!/usr/bin/env bash
# Model-check the commit protocol against GC with spin: tests/model/lakestream.pml,
# and the step index (table format 2) with it: lakestream.pml -DSTEPS=1 and
# tests/model/step_index.pml; explained in docs/model.md.
#   scripts/model-check.sh          the CI set: well under a minute on 2 cores
#   scripts/model-check.sh --full   also the larger bounds: ~7 minutes on 2 cores, <= 1.3 GB a check
# It fails unless the current protocol (FIXED=0) violates P1 and the fixed
# one (FIXED=1) passes every configuration exhaustively with no error, and
# the step index holds S1-S4 in every configuration.  It also checks that the
# models reach the scenarios the fixes are about, and that the wrong variants
# fail where docs/model.md says they do.
# Needs spin (Debian: apt-get install spin) and a C compiler ($CC, default gcc).
# LS_MODEL_JOBS (default: nproc) checks run at once; LS_MODEL_TRAILS=all
# prints every expected counterexample, not only the current protocol's.
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
case "${1:-}" in
  "") ;;
  --full) full=1 ;;
  *) echo "usage: $0 [--full]" >&2; exit 2 ;;
esac
cc=${CC:-gcc}
if ! command -v spin >/dev/null 2>&1; then
  echo "model-check: spin is not installed (Debian/Ubuntu: apt-get install spin)" >&2
  exit 2
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "model-check: no C compiler ($cc) to build spin's verifier" >&2
  exit 2
fi

model=tests/model/lakestream.pml   # what check() checks; set again below
work=$(mktemp -d "${TMPDIR:-/tmp}/ls-model.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=${LS_MODEL_JOBS:-$(nproc 2>/dev/null || echo 2)}
mem_mb=4096         # pan stops beyond it, and the check fails
n=0

# one NAME EXPECT "SPIN FLAGS" TRAIL DIR MODEL  (in the background; writes $dir/summary, $dir/ok)
#   EXPECT pass      exhaustive search, no error, depth bound not hit
#          fail:P    the shortest counterexample (BFS) violates property P
#          reach     the REACH scenario is reached (its assertion fails)
#   trail: print the counterexample (or the trace that reaches the scenario)
one() {
  local name=$1 expect=$2 flags=$3 show=$4 dir=$5 src=$6 cflags="-O1 -w -DSAFETY -DMEMLIM=$mem_mb"
  local out=$dir/pan.out sum=$dir/summary pml
  pml=$(basename "$src")
  case $expect in
    fail:*|reach) cflags="$cflags -DBFS" ;;
    *) [ "$full" = 1 ] && cflags="$cflags -DCOLLAPSE" ;;
  esac
  cp "$src" "$dir/$pml"
  # shellcheck disable=SC2086
  if ! (cd "$dir" && spin -a $flags "$pml" >build.log 2>&1 &&
        "$cc" $cflags -o pan pan.c >>build.log 2>&1); then
    { echo "FAIL $name: could not build the verifier ($flags)"; head -20 "$dir/build.log"; } >"$sum"
    return
  fi
  (cd "$dir" && ./pan -m10000 -w22 >pan.out 2>&1) || true
  local states depth secs mb err viol stats
  states=$(sed -n 's/^ *\([0-9][0-9.e+]*\) states, stored.*/\1/p' "$out" | head -1)
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)
  err=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
  secs=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\).*/\1/p' "$out" | head -1)
  mb=$(sed -n 's/^ *\([0-9.]*\)[[:space:]]*total actual memory usage.*/\1/p' "$out" | head -1)
  viol=$(sed -n 's/^pan:1: assertion violated *\(.*\) (at depth.*/\1/p' "$out" | head -1)
  stats="${states:-?} states, depth ${depth:-?}, ${secs:-?} s, ${mb:-?} MB"
  trail() {   # the counterexample: one line per step that matters
    # shellcheck disable=SC2086
    (cd "$dir" && spin -t $flags "$pml" 2>&1 | grep "MSC:" |
      sed 's/^ *MSC: //' | grep -v " read to " | nl -w6 -s'. ') || true
  }
  if grep -q -e "max search depth too small" -e "reached -DMEMLIM bound" -e "out of memory" "$out" ||
     [ -z "$err" ]; then
    { echo "FAIL $name: the search did not complete ($stats)"
      grep -e "too small" -e MEMLIM -e memory "$out" | head -3; } >"$sum"
    return
  fi
  case $expect in
    pass)
      if [ "$err" = 0 ]; then
        echo "ok   $name: exhaustive, no errors ($stats)" >"$sum"; touch "$dir/ok"
      else
        { echo "FAIL $name: $viol violated ($stats)"; trail; } >"$sum"
      fi ;;
    fail:*)
      if [ "$err" != 0 ] && [ "${viol%%_*}" = "${expect#fail:}" ]; then
        echo "ok   $name: $viol violated, as expected ($stats)" >"$sum"; touch "$dir/ok"
        if [ -n "$show" ] || [ "${LS_MODEL_TRAILS:-}" = all ]; then trail >>"$sum"; fi
      else
        echo "FAIL $name: expected ${expect#fail:} to be violated, got ${viol:-no error} ($stats)" >"$sum"
      fi ;;
    reach)
      if [ "$err" != 0 ] && [ "$viol" = "!(greach)" ]; then
        echo "ok   $name: reached ($stats)" >"$sum"; touch "$dir/ok"
        if [ -n "$show" ]; then trail >>"$sum"; fi
      else
        echo "FAIL $name: not reached (${viol:-no error}) ($stats)" >"$sum"
      fi ;;
  esac
}

check() {   # NAME EXPECT "SPIN FLAGS" [trail]   (checks $model)
  n=$((n + 1))
  mkdir -p "$work/$n"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  one "$1" "$2" "$3" "${4:-}" "$work/$n" "$model" &
}

# The current protocol.  Its counterexample needs no lost reply; it is printed.
check "old protocol (FIXED=0, no lost replies)"    fail:P1 "-DFIXED=0 -DLOST=0" trail

# The fixed protocol: 2 producers (1 bump + 1 data commit each), 1 GC, committers
# snapshot at even versions, one lost reply per producer, GC keeps any records.
check "fixed: one id, two incarnations"            pass "-DFIXED=1"
check "fixed: two ids"                             pass "-DFIXED=1 -DSAME_ID=0"
check "fixed: GC runs twice"                       pass "-DFIXED=1 -DGC_RUNS=2"
check "fixed: a reader, no lost replies"           pass "-DFIXED=1 -DREADER=1 -DLOST=0"
check "fixed: never out of slots nor LS_ERR_STATE" pass "-DFIXED=1 -DREACH=4"

# The model reaches what the fix is about (else the passes above would prove little).
check "reached: a put lands in a reclaimed slot"   reach "-DFIXED=1 -DREACH=1"
check "reached: a committer finds its record dead" reach "-DFIXED=1 -DREACH=2"
check "reached: a refresh reloads on markers"      reach "-DFIXED=1 -DREACH=3"

# Wrong variants of the fix, and one repair (docs/model.md, "Variants").
check "variant: a bump judged in by its epoch"     fail:P1 "-DFIXED=1 -DBUMP_BY_EPOCH=1"
check "variant: refreshes not verified"            fail:P4 "-DFIXED=1 -DVERIFY_READS=0 -DREADER=1 -DLOST=0"
check "variant: snapshot before the live check"    fail:P2 "-DFIXED=1 -DCSNAP_EARLY=1 -DGC_RUNS=2 -DLOST=0"
check "variant: snapshots without commit ids"      fail:P5 "-DFIXED=1 -DSNAP_CIDS=0 -DSAME_ID=0"
check "variant:   ... P1-P4 still hold"            pass "-DFIXED=1 -DSNAP_CIDS=0 -DSAME_ID=0 -DCHECK_P5=0"
check "variant:   ... repaired by the epoch's owner" pass "-DFIXED=1 -DSNAP_CIDS=0 -DSAME_ID=0 -DEPOCH_OWNER=1"

# The step index (table format 2, docs/model.md "The step index").  S1 with the
# views the commit protocol yields: committers write the index of each step
# their record completes once it is found live, a rank-0 reader those of its view.
check "steps: committers write the indexes (S1)"   pass "-DFIXED=1 -DSTEPS=1"
check "steps: two samples a step"                  pass "-DFIXED=1 -DSTEPS=1 -DSB=2"
check "steps: a rank-0 reader writes them too"     pass "-DFIXED=1 -DSTEPS=1 -DSB=2 -DREADER=1 -DLOST=0"
check "reached: a committer writes a step index"   reach "-DFIXED=1 -DSTEPS=1 -DREACH=5"
check "reached: an index put finds one there"      reach "-DFIXED=1 -DSTEPS=1 -DREACH=6 -DREADER=1 -DLOST=0"
check "variant: indexes before the live check"     fail:S1 "-DFIXED=1 -DSTEPS=1 -DIDX_EARLY=1 -DLOST=0" trail

# Readers and GC around the index, the log taken as lakestream.pml proves it:
# S1-S4.  Two producers (one commit each, of 2 and 1 samples), one GC, one
# rank-0 reader of steps 0 and 1, B = 1 unless said.
model=tests/model/step_index.pml
check "index: S1-S4"                               pass ""
check "index: two samples a step"                  pass "-DB=2"
check "index: GC runs twice"                       pass "-DGC_RUNS=2"
check "index: a reader of three steps"             pass "-DRSTEPS=3"
check "reached: an index outlives GC's deletion"   reach "-DREACH=1"
check "reached: an index's chunk gone: reclaimed"  reach "-DREACH=2" trail
check "reached: a reader reads a step from the log" reach "-DREACH=3"
check "reached: a reclaimed step read via an index" reach "-DREACH=4"
check "reached: quiescent, a reader waiting"       reach "-DREACH=5 -DRSTEPS=4"
check "variant: GC deletes chunks before indexes"  pass "-DCHUNKS_FIRST=1"
check "variant: indexes before the commit"         fail:S1 "-DPUB_EARLY=1"
check "variant: GC reclaims before the watermark"  fail:S4 "-DWM_LATE=1"
check "variant: a missing chunk judged unrefreshed" fail:S4 "-DOLD_WM=1"
check "variant: no log read for a missing index"   fail:S3 "-DNO_FALLBACK=1"
model=tests/model/lakestream.pml

if [ "$full" = 1 ]; then
  check "fixed: a reader"                          pass "-DFIXED=1 -DREADER=1"
  check "fixed: a reader that refreshes"           pass "-DFIXED=1 -DREADER=2"
  check "fixed: a reader, two ids"                 pass "-DFIXED=1 -DREADER=1 -DSAME_ID=0"
  check "fixed: a reader, GC runs twice"           pass "-DFIXED=1 -DREADER=1 -DGC_RUNS=2"
  check "fixed: two data commits each"             pass "-DFIXED=1 -DNDATA=2 -DVMAX=7"
  check "fixed: two concurrent GCs"                pass "-DFIXED=1 -DNGC=2"
  check "fixed: per-slot markers, a reader"        pass "-DFIXED=1 -DSEG=1 -DREADER=1"
  check "fixed: 4-version segments, a reader"      pass "-DFIXED=1 -DSEG=4 -DREADER=1"
  check "steps: a rank-0 reader, one sample a step" pass "-DFIXED=1 -DSTEPS=1 -DREADER=1 -DLOST=0"
  check "steps: a reader, lost replies"            pass "-DFIXED=1 -DSTEPS=1 -DSB=2 -DREADER=1"
  check "steps: a reader that refreshes"           pass "-DFIXED=1 -DSTEPS=1 -DSB=2 -DREADER=2 -DLOST=0"
  check "steps: two ids"                           pass "-DFIXED=1 -DSTEPS=1 -DSAME_ID=0"
  check "steps: GC runs twice"                     pass "-DFIXED=1 -DSTEPS=1 -DGC_RUNS=2"
  check "steps: two data commits each"             pass "-DFIXED=1 -DSTEPS=1 -DNDATA=2 -DVMAX=7"
  check "variant: a reader's view unverified"      fail:S1 "-DFIXED=1 -DSTEPS=1 -DVERIFY_READS=0 -DREADER=1 -DLOST=0 -DCHECK_P2=0 -DCHECK_P4=0"
  model=tests/model/step_index.pml
  check "index: two commits each"                  pass "-DNDATA=2"
  check "index: two commits each, B = 2, GC twice" pass "-DNDATA=2 -DB=2 -DGC_RUNS=2"
  check "index: two readers"                       pass "-DNREAD=2"
  check "index: two concurrent GCs"                pass "-DNGC=2"
  check "index: one sample a commit, two each"     pass "-DSIZES=1 -DNDATA=2 -DRSTEPS=3"
  check "variant: chunks before indexes, bigger"   pass "-DCHUNKS_FIRST=1 -DNDATA=2 -DB=2 -DGC_RUNS=2"
  model=tests/model/lakestream.pml
fi
wait

failed=0
for i in $(seq 1 "$n"); do
  if [ -f "$work/$i/summary" ]; then cat "$work/$i/summary"; else echo "FAIL check $i: no result"; fi
  [ -f "$work/$i/ok" ] || failed=1
done
if [ "$failed" != 0 ]; then
  echo "model-check: FAILED"
  exit 1
fi
echo "model-check: ok: the current protocol acknowledges a commit that is not in the live log;" \
     "the fixed one holds P1-P5, and the step index S1-S4, exhaustively within the bounds"
