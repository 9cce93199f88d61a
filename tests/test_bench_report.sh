#!/usr/bin/env bash
# test_bench_report.sh -- lakestream-bench report on real results: short
# runs of a 4-rank SFT-like workload on the three planes and one with a
# producer killed (a failure object is written by hand if this build's
# `run` cannot inject), then the report: report.md with each plane's
# steps/s, PNG plots that gnuplot can redraw from the files kept beside
# them; and the refusals: a truncated result.json, a wrong type, a missing
# directory, another benchmark's result, two results for one (workload,
# plane, inject), no gnuplot -- each exit 1, naming the file, no report.md.
#   usage: test_bench_report.sh LAKESTREAM_BENCH
set -uo pipefail
BENCH=$1
. "$(dirname "$0")/bench_lib.sh" bench_report
small_conf

for plane in lakestream colocated kafka; do
  mock=()
  [ "$plane" = kafka ] && mock=(--kafka-mock)   # quick; the report names it
  if "$BENCH" run "$T/small.conf" --plane "$plane" ${mock[@]+"${mock[@]}"} --duration-s 3 --out "$T/$plane" \
       >/dev/null 2>"$T/$plane.stderr"; then
    ok "run on $plane"
  else
    bad "run on $plane: exit $?: $(tail -3 "$T/$plane.stderr")"
  fi
done

# A failure run: real if this build injects, else the lakestream result
# given the failure fields of docs/workloads.md by hand.
if "$BENCH" run "$T/small.conf" --plane lakestream --duration-s 3 --inject producer-kill:at=1 \
     --out "$T/kill" >/dev/null 2>"$T/kill.stderr"; then
  ok "run on lakestream with a producer killed"
elif grep -q "not implemented" "$T/kill.stderr"; then
  mkdir -p "$T/kill"
  python3 - "$T/lakestream/result.json" "$T/kill/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["inject"] = "producer-kill:at=1"
d["events"] = [{"t_s": 1.0, "event": "inject", "detail": "SIGKILL to producer 0"},
               {"t_s": 1.1, "event": "restart", "detail": "producer 0 started again"},
               {"t_s": 1.2, "event": "recovered", "detail": "producer 0 delivers again"}]
d["failure"] = {"kind": "producer-kill", "at_s": 1.0, "target": "producer 0",
                "training_continued": True, "duplicates": 0, "skipped": 0, "recovery_s": 0.2,
                "max_step_gap_s": 0.06, "steps_at_injection": 19, "checkpoint_step": None,
                "steps_redone": None, "identical_steps": None, "steps_compared": 0,
                "note": "written by test_bench_report.sh"}
json.dump(d, open(sys.argv[2], "w"))
PY
  ok "run cannot inject yet: failure fields written by hand"
else
  bad "run with --inject: $(tail -3 "$T/kill.stderr")"
fi

is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# The report.
R="$T/report"
if "$BENCH" report "$T/lakestream" "$T/colocated" "$T/kafka" "$T/kill/result.json" --out "$R" \
     >"$T/report.stdout" 2>"$T/report.stderr"; then
  ok "report written"
else
  bad "report: exit $?: $(cat "$T/report.stderr")"
fi
if [ "$(cat "$T/report.stdout")" = "$R/report.md" ]; then ok "stdout is the path of report.md"
else bad "stdout is not the path of report.md: $(cat "$T/report.stdout")"; fi
if python3 - "$R/report.md" "$T" <<'PY'
import json, os, sys
md = open(sys.argv[1]).read(); t = sys.argv[2]
row = [l for l in md.splitlines() if l.startswith("| **steps/s** |")]
assert len(row) == 1, row
for plane in ("lakestream", "colocated", "kafka"):
    d = json.load(open(os.path.join(t, plane, "result.json")))
    fig = "%.2f" % d["steps_per_s"]
    assert " %s |" % fig in row[0], (plane, fig, row[0])
for s in ("## Machine", "## Workload sft", "## Targets", "## Failures", "## Caveats",
          "librdkafka-mock", "nproc", "(throughput-sft.png)", "producer-kill:at=1"):
    assert s in md, s
assert "| producer-kill: training continues, 0 duplicates, 0 skipped |" in md, md
PY
then ok "report.md: each plane's steps/s, the sections, the targets"
else bad "report.md lacks what it must say"; fi

pngs=("$R/throughput-sft.png" "$R"/failure-4-sft-lakestream.png)
if python3 -c "import json,sys; sys.exit(0 if 'step_wait_ms_cdf' in json.load(open(sys.argv[1])) else 1)" \
     "$T/lakestream/result.json"; then
  pngs+=("$R/wait-cdf-sft.png")
elif grep -q "No step-wait plot" "$R/report.md"; then
  ok "no step_wait_ms_cdf in these results: the report says so"
else bad "no step_wait_ms_cdf and no note in report.md"; fi
for p in "${pngs[@]}"; do
  if is_png "$p" && grep -q "($(basename "$p"))" "$R/report.md"; then ok "$(basename "$p") is a PNG, linked"
  else bad "$p is not a non-empty PNG linked from report.md"; fi
done
if (cd "$R" && rm -f throughput-sft.png && gnuplot throughput-sft.gp) 2>"$T/gp.err" &&
   is_png "$R/throughput-sft.png"; then ok "the kept script redraws throughput-sft.png"
else bad "gnuplot throughput-sft.gp: $(cat "$T/gp.err")"; fi
if ls -a "$R" | grep -q '^\.report-'; then bad "a staging directory is left in $R"
else ok "no staging directory left"; fi

# A failure that did not happen (the run ended first) is reported as such.
mkdir -p "$T/late"
python3 - "$T/lakestream/result.json" "$T/late/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["inject"] = "producer-kill:at=100"
d["failure"] = {"kind": "producer-kill", "injected": False,
                "note": "the run ended before the injection time"}
json.dump(d, open(sys.argv[2], "w"))
PY
if "$BENCH" report "$T/late" --out "$T/report-late" >/dev/null 2>"$T/late.err" &&
   grep -q "the run ended before the injection time" "$T/report-late/report.md"; then
  ok "a failure not injected is reported as such"
else bad "a failure not injected: $(cat "$T/late.err")"; fi

# Refusals: exit 1, the file named, no report.md.
mkdir -p "$T/trunc" "$T/type" "$T/dup"
head -c 200 "$T/lakestream/result.json" >"$T/trunc/result.json"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
d = json.load(open(t + "/lakestream/result.json"))
json.dump(d, open(t + "/dup/result.json", "w"))
d["steps_per_s"] = "fast"
json.dump(d, open(t + "/type/result.json", "w"))
json.dump({"benchmark": "ingest"}, open(t + "/ingest.json", "w"))
PY
refused() {  # what expected-in-stderr args...  (RENV: an environment setting for the report)
  local what=$1 expect=$2; shift 2
  rm -rf "$T/refused"
  env ${RENV:-} "$BENCH" report "$@" --out "$T/refused" >/dev/null 2>"$T/err"
  local rc=$?
  if [ $rc -eq 1 ] && grep -qF -- "$expect" "$T/err" && [ ! -e "$T/refused/report.md" ] &&
     [ -z "$(ls -A "$T/refused" 2>/dev/null)" ]; then
    ok "$what refused: $(grep -F -- "$expect" "$T/err" | head -1)"
  else
    bad "$what: exit $rc, report.md $([ -e "$T/refused/report.md" ] && echo left || echo absent): $(cat "$T/err")"
  fi
}
refused "a truncated result.json" "$T/trunc/result.json: not valid JSON" "$T/lakestream" "$T/trunc"
refused "a wrong type" "$T/type/result.json: field \"steps_per_s\"" "$T/lakestream" "$T/type"
refused "a missing directory" "$T/nowhere" "$T/lakestream" "$T/nowhere"
refused "another benchmark's result" "$T/ingest.json: field \"benchmark\"" "$T/ingest.json"
refused "two results of one run kind" "$T/dup/result.json" "$T/lakestream" "$T/dup"
RENV=PATH=/nonexistent refused "no gnuplot" "gnuplot is not installed" "$T/lakestream"

if "$BENCH" report --help | grep -q "usage: lakestream-bench report"; then ok "--help"
else bad "--help"; fi

if [ $fails -eq 0 ]; then echo "all bench report checks passed"; else echo "$fails failed"; fi
[ $fails -eq 0 ]
