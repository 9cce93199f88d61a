#!/usr/bin/env bash
# test_format1.sh -- tables of format 1 stay readable: the table of
# tests/fixtures/format1/ (written at ded389e, never regenerated; see its
# README.md) must read back byte for byte as its expect/ files say:
# describe's stable fields, every readable step at W = 1, 2 and 4 (whole
# range and each step alone), step 0 refused as reclaimed.  A format-1 table
# also stays writable: a new producer appends a step that reads back, the old
# steps unchanged, and gc runs on it.  And a descriptor whose envelope major
# is not 1 is refused with an error naming the table's object and the
# version.  The fixture is always copied first; never read it in place.
#   usage: test_format1.sh path/to/lakestream
set -uo pipefail
LS=${1:?usage: test_format1.sh path/to/lakestream}
FX=$(cd "$(dirname "$0")/fixtures/format1" && pwd)
E=$FX/expect
BASE=${LS_TEST_TMP:-/tmp}
mkdir -p "$BASE"
T=$(mktemp -d "$BASE/format1.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }

# fresh NAME: a private copy of the fixture's store, writable.
fresh() {
  cp -r "$FX/store" "$T/$1" && chmod -R u+w "$T/$1"
}

# The fixture itself is the one committed (nobody regenerated it).
if (cd "$FX/store" && sha256sum --quiet -c "$E/store.sha256") >"$T/sha.out" 2>&1 &&
   [ "$(cd "$FX/store" && find . -type f | wc -l)" = "$(wc -l <"$E/store.sha256")" ]; then
  ok "fixture store matches expect/store.sha256"
else
  bad "fixture store differs from expect/store.sha256: $(head -c 300 "$T/sha.out")"
fi

fresh s
S=$T/s
FIRST=1 STEPS=10   # low watermark 1, 11 visible steps

# describe: the stable fields only
if "$LS" describe "$S" fx --json >"$T/describe.full" 2>"$T/describe.err" &&
   python3 - "$T/describe.full" "$E/describe.json" >"$T/describe.diff" 2>&1 <<'EOF'
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sel = {k: got.get(k) for k in want}
if sel != want:
    print(json.dumps(sel, sort_keys=True), "!=", json.dumps(want, sort_keys=True))
    sys.exit(1)
EOF
then
  ok "describe: $(tr -d ' \n' <"$E/describe.json" | head -c 120)..."
else
  bad "describe ($(cat "$T/describe.err" "$T/describe.diff" | head -c 300))"
fi

# consume at W = 1, 2, 4: all readable steps at once, then each step alone
for w in 1 2 4; do
  for ((r = 0; r < w; r++)); do
    x=$E/consume-w$w-r$r.txt
    o=$T/c-w$w-r$r
    if "$LS" consume "$S" fx --rank $r --world-size $w --from-step $FIRST --steps $STEPS \
         --with-step >"$o" 2>"$o.err" && cmp -s "$o" "$x"; then
      ok "consume W=$w rank $r, steps $FIRST..$((FIRST + STEPS - 1)): $(wc -l <"$x") samples as expected"
    else
      bad "consume W=$w rank $r, steps $FIRST..$((FIRST + STEPS - 1)) ($(head -c 300 "$o.err"); $(cmp "$o" "$x" 2>&1))"
    fi
    one_ok=1
    for ((s = FIRST; s < FIRST + STEPS; s++)); do
      grep "^$s"$'\t' "$x" >"$o.want.$s"
      if ! "$LS" consume "$S" fx --rank $r --world-size $w --from-step $s --steps 1 \
             --with-step >"$o.$s" 2>"$o.$s.err" || ! cmp -s "$o.$s" "$o.want.$s"; then
        one_ok=0
        bad "consume W=$w rank $r, step $s alone ($(head -c 300 "$o.$s.err"); $(cmp "$o.$s" "$o.want.$s" 2>&1))"
      fi
    done
    [ $one_ok = 1 ] && ok "consume W=$w rank $r, each step alone from $FIRST to $((FIRST + STEPS - 1))"
  done
done

# the expected files agree with each other: rank slices concatenate to W = 1
if python3 - "$E" $FIRST $STEPS >"$T/slices.err" 2>&1 <<'EOF'
import collections, sys
e, first, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def read(p):
    s = collections.defaultdict(list)
    for line in open(p):
        k, v = line.rstrip("\n").split("\t")
        s[int(k)].append(v)
    return s
w1 = read(f"{e}/consume-w1-r0.txt")
assert sorted(w1) == list(range(first, first + steps)), sorted(w1)
assert all(len(w1[k]) == 8 for k in w1), "a step of W=1 does not hold 8 samples"
for w in (2, 4):
    ranks = [read(f"{e}/consume-w{w}-r{r}.txt") for r in range(w)]
    for k in w1:
        assert [v for r in ranks for v in r[k]] == w1[k], f"W={w} step {k}"
EOF
then
  ok "expect/: each step's rank slices at W=2, 4 concatenate to W=1"
else
  bad "expect/ files disagree: $(tail -c 300 "$T/slices.err")"
fi

# a step below the watermark is refused as reclaimed
if "$LS" consume "$S" fx --rank 0 --world-size 1 --from-step 0 --steps 1 --timeout-ms 2000 \
     >"$T/r0.out" 2>"$T/r0.err"; then
  bad "step 0 (below the watermark) was read: $(head -c 200 "$T/r0.out")"
elif grep -qi "reclaim" "$T/r0.err" && [ ! -s "$T/r0.out" ]; then
  ok "step 0 refused: $(head -1 "$T/r0.err")"
else
  bad "step 0 refused without naming reclaim: $(head -c 300 "$T/r0.err")"
fi

# The old table stays writable (explicitly: a build that stops writing
# format-1 tables must change this check on purpose): a new producer appends
# step 11 and it reads back; the old steps read as before; gc runs on it.
fresh w
W=$T/w
seq -f "c-%03g" 0 7 >"$T/c.in"
if "$LS" produce "$W" fx --producer c -X producer.chunk.samples.max=3 <"$T/c.in" \
     2>"$T/c.err" && [ ! -s "$T/c.err" ]; then
  sed 's/^/11\t/' "$T/c.in" >"$T/c.want"
  if "$LS" consume "$W" fx --rank 0 --world-size 1 --from-step $FIRST --steps $((STEPS + 1)) \
       --with-step >"$T/c.all" 2>"$T/c.all.err" &&
     cat "$E/consume-w1-r0.txt" "$T/c.want" | cmp -s - "$T/c.all"; then
    ok "append: producer c's 8 samples read back as step 11, steps 1..10 unchanged"
  else
    bad "append: read back ($(head -c 300 "$T/c.all.err"))"
  fi
  if "$LS" gc "$W" fx >"$T/gc.out" 2>"$T/gc.err" &&
     "$LS" consume "$W" fx --rank 1 --world-size 2 --from-step $FIRST --steps $STEPS \
       --with-step >"$T/gc.w2" 2>"$T/gc.w2.err" && cmp -s "$T/gc.w2" "$E/consume-w2-r1.txt"; then
    ok "gc on the old table; W=2 rank 1 reads as expected after it"
  else
    bad "gc on the old table ($(cat "$T/gc.err" "$T/gc.w2.err" | head -c 300))"
  fi
else
  bad "append: produce to the format-1 table ($(head -c 300 "$T/c.err"))"
fi

# A descriptor of another major version is refused.  The envelope is
# magic (4) | u16 major | u16 minor | ... (core/record.c): major 9, nothing
# else changed (the CRC covers the payload only).
fresh m
printf '\x09\x00' | dd of="$T/m/fx/_table" bs=1 seek=4 conv=notrunc status=none
for verb in describe consume produce; do
  case $verb in
    describe) args=(describe "$T/m" fx) ;;
    consume)  args=(consume "$T/m" fx --rank 0 --world-size 1 --from-step 1 --steps 1) ;;
    produce)  args=(produce "$T/m" fx --producer d) ;;
  esac
  if "$LS" "${args[@]}" </dev/null >"$T/m.$verb.out" 2>"$T/m.$verb.err"; then
    bad "major 9: $verb succeeded"
  elif grep -q "fx/_table" "$T/m.$verb.err" && grep -q "version 9" "$T/m.$verb.err"; then
    ok "major 9: $verb refused: $(head -1 "$T/m.$verb.err")"
  else
    bad "major 9: $verb: the error names neither fx/_table nor version 9: $(head -c 300 "$T/m.$verb.err")"
  fi
done
if [ -n "$(ls "$T/m/fx/data" | grep -v '^[ab]$')" ]; then
  bad "major 9: a refused producer wrote data"
fi

if [ $fails -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all format-1 checks passed"
