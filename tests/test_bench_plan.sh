#!/usr/bin/env bash
# test_bench_plan.sh -- lakestream-bench plan (docs/bench-plan.md) from a
# real short run: a 4-rank SFT-like workload for 3 s, then plans for the
# SFT workload at several sizes.  Checks relations that could fail (demand,
# producers and bandwidth scale as the model says, costs are requests x
# 30 days x price), that the JSON has every figure docs/bench-plan.md lists
# with its source, that the per-rank metadata of table format 2 comes from
# a meta benchmark result (and stays "not measured" without one), and that
# bad input is refused naming the file or option.
#   usage: test_bench_plan.sh LAKESTREAM_BENCH
set -uo pipefail
BENCH=$1
. "$(dirname "$0")/bench_lib.sh" bench_plan
WL=$HERE/../workloads/sft.conf
DOC=$HERE/../docs/bench-plan.md

# The run: the small SFT workload (bench_lib.sh).
small_conf
if ! "$BENCH" run "$T/small.conf" --plane lakestream --duration-s 3 --out "$T/run" \
     >"$T/run.stdout" 2>"$T/run.stderr"; then
  bad "the run failed: $(tail -3 "$T/run.stderr")"
  echo "1 failed"; exit 1
fi
ok "run: $(tail -1 "$T/run.stdout")"

# A stores benchmark result of known figures, so that the comparison is
# checked without depending on what results/ holds.
cat >"$T/stores.json" <<'EOF'
{"benchmark": "stores", "git_rev": "test", "timestamp": "2026-01-01T00:00:00Z",
 "machine": {"nproc": 2},
 "s3_server": {"what": "a test S3 server"},
 "stores": [
  {"backend": "s3",
   "ingest": [{"sample_bytes": 4096, "mb_per_s_median": 100, "store_calls_per_s_median": 50},
              {"sample_bytes": 262144, "mb_per_s_median": 200, "store_calls_per_s_median": 20}],
   "commit": {"store_calls_per_s": 90, "commit_latency_ms_p50": 2.5, "commit_latency_ms_p99": 20},
   "read": [{"world_size": 8, "mb_per_s_median": 300, "data_requests_per_rank_step": 1,
             "store_calls_per_s_median": 1000},
            {"world_size": 64, "mb_per_s_median": 50, "data_requests_per_rank_step": 1,
             "store_calls_per_s_median": 2000}]}]}
EOF
# A meta benchmark result of known figures (docs/bench-meta.md): a format-1
# case (skipped), a 512 B case and a 4 KiB case; SFT's samples (4.4 KB) and
# slices (4 samples: W = 1024 of 4096) pick the 4 KiB case at W = 1024.
cat >"$T/meta.json" <<'EOF'
{"benchmark": "meta", "git_rev": "test", "timestamp_unix": 1767225600,
 "params": {"store": "a test store", "batch": 4096},
 "cases": [
  {"table_format": 1},
  {"table_format": 2, "sample_bytes": 512, "producers": 1, "commit_interval_ms": 100,
   "worlds": [{"world_size": 1024, "ranks": [{"meta_requests_per_rank_step": 7,
                                             "meta_bytes_per_rank_step": 7}]}],
   "wait_at_head": {"requests_per_s": 50, "requests": 100, "polls": 100}},
  {"table_format": 2, "sample_bytes": 4096, "producers": 1, "commit_interval_ms": 100,
   "worlds": [{"world_size": 64, "ranks": [{"meta_requests_per_rank_step": 2,
                                           "meta_bytes_per_rank_step": 1300}]},
              {"world_size": 1024, "ranks": [{"meta_requests_per_rank_step": 2,
                                             "meta_bytes_per_rank_step": 100},
                                            {"meta_requests_per_rank_step": 3,
                                             "meta_bytes_per_rank_step": 90}]}],
   "wait_at_head": {"requests_per_s": 13, "requests": 26, "polls": 13,
                    "producer_commits": {"commits": 300, "meta_requests_per_commit": 4.5,
                                         "lists_per_commit": 1.0}}}]}
EOF
mkdir -p "$T/empty"
# Ranks at the head (--lead-steps 0): the step indexes and the polls.
plan() { "$BENCH" plan "$WL" --from "$T/run" --stores "$T/stores.json" --meta "$T/meta.json" \
           --results "$T/empty" --lead-steps 0 "$@"; }

if plan --gpus 64 --json >"$T/p64.json" 2>"$T/err" &&
   plan --gpus 640 --json >"$T/p640.json" 2>>"$T/err" &&
   plan --gpus 64 --step-ms 200 --json >"$T/half.json" 2>>"$T/err" &&
   plan --gpus 64 --price-get-per-1k 0 --retain-hours 1 --json >"$T/free.json" 2>>"$T/err"; then
  if python3 - "$T" "$DOC" <<'PY'
import json, math, re, sys
T, doc = sys.argv[1], sys.argv[2]
p64, p640, half, free = (json.load(open(f"{T}/{n}.json")) for n in ("p64", "p640", "half", "free"))

def close(a, b, what, rel=1e-9):
    assert abs(a - b) <= rel * max(abs(a), abs(b), 1e-12), f"{what}: {a} != {b}"

# Every figure docs/bench-plan.md lists is in the JSON with a unit and a
# source, and the JSON has no figure the doc does not list.
text = open(doc).read()
def keys(section):
    body = text.split(f"<!-- {section} -->")[1]
    return re.findall(r"^\| `([a-z0-9_]+)` \|", body.split("<!-- end -->")[0], re.M)
fig_keys, cmp_keys = keys("figures"), keys("comparison")
assert len(fig_keys) > 40 and len(cmp_keys) >= 8, (len(fig_keys), len(cmp_keys))
for d in (p64, p640, half, free):
    f = d["figures"]
    assert sorted(f) == sorted(fig_keys), set(f) ^ set(fig_keys)
    for k in fig_keys:
        assert d["sources"][k] and k in d["units"], k
    # a real run measures every input; meta.json has no producers under DAC
    assert d["not_measured"] == ([] if f["producers"] <= 1 else
                                 ["commit_bytes_for_dac", "commits_over_measured"]), \
        d["not_measured"]
    assert len(d["stores_comparison"]) == 1
    c = d["stores_comparison"][0]
    assert c["backend"] == "s3" and sorted(c["figures"]) == sorted(cmp_keys), c
    assert all(v is not None for v in c["figures"].values()), c["figures"]
    for v in list(f.values()) + list(c["figures"].values()):
        assert v is None or v >= 0, f
f64, f640, fh = p64["figures"], p640["figures"], half["figures"]

# Sources name the run by path, revision and time, and the workload file.
src = p64["sources"]["data_plane_cpu_ms_per_sample"]
assert f"run {T}/run/result.json (git " in src and "cpu_s.producers" in src, src
assert "workload file" in p64["sources"]["preprocess_ms_per_sample"]
assert "stores.json" in p64["stores_comparison"][0]["sources"]["ingest_mb_per_s_measured"]

# Ten times the GPUs: ten times the demand and the cores; the producers
# follow within the rounding up of ceil().
close(f640["demand_samples_per_s"], 10 * f64["demand_samples_per_s"], "demand")
close(f640["preprocess_cores"], 10 * f64["preprocess_cores"], "cores")
P64, P640 = f64["producers"], f640["producers"]
assert 10 * (P64 - 1) < P640 <= 10 * P64 and P640 > P64, (P64, P640)
close(P64, max(1, math.ceil(f64["preprocess_cores"] /
                            (f64["producer_workers"] * f64["utilization"]) - 1e-9)), "P")
# Format 1, for comparison: every rank reads every log record.
close(f640["f1_gets_log_ranks_per_s"], 640 * f640["log_records_per_s"], "format-1 log GETs")
# Checkpoints: one log record per round for the job, each rank's progress
# a PUT and a LIST outside the log, rank 0 listing the job's twice.
close(f640["checkpoint_records_per_s"], f640["steps_per_s"] / 20, "checkpoints")
close(f640["rank_checkpoint_puts_per_s"], 640 * f640["steps_per_s"] / 20, "rank progress PUTs")
close(f640["rank_checkpoint_lists_per_s"], (640 + 2) * f640["steps_per_s"] / 20, "rank LISTs")

# Format 2: the metadata per rank-step from the meta file's 4 KiB case at
# W = 1024 (max over its ranks), polls from the library's schedule x the
# requests per poll measured (26 / 13), the log read at each checkpoint.
def sched(T, cap=100):
    back, t, n = min(max(1, math.floor(T / 8)), cap), 0, 0
    while t < T:
        n, t, back = n + 1, t + back, min(back * 2, cap)
    return n
for d in (p64, p640, half, free):
    f = d["figures"]
    assert d["meta"]["case"] == 2 and d["meta"]["world_size"] == 1024, d["meta"]
    assert d["meta"]["path"] == f"{T}/meta.json" and d["table_format"] == 2
    assert f["meta_requests_per_rank_step"] == 3 and f["meta_bytes_per_rank_step"] == 100, f
    assert f["head_requests_per_s"] == 13
    assert f["polls_per_rank_step"] == 2 * sched(f["step_ms"]), (f["polls_per_rank_step"], f["step_ms"])
    rs = f["gpus"] * f["steps_per_s"]
    close(f["gets_index_per_s"], rs * 3, "index GETs")
    close(f["gets_poll_per_s"], rs * f["polls_per_rank_step"], "polls")
    close(f["index_puts_per_s"], f["steps_per_s"] * (1 + 1 / 16), "index PUTs: a step index a step, a group per 16")
    behind = f["log_records_per_s"] * 20 / f["steps_per_s"]
    K = f["snapshot_interval_versions"]
    close(f["catch_up_gets_per_checkpoint"], 3 + (K - 1) / 2 if behind >= K else behind + 2,
          "catch-up GETs")
    close(f["gets_log_ranks_per_s"], f["checkpoint_records_per_s"] * f["catch_up_gets_per_checkpoint"],
          "log GETs by ranks")
    # Producers catch up through the tails: the reads measured (4.5 a
    # commit, 1 of them a LIST), a GET more per tail's length beyond the
    # head's; the log carries the tails.
    P = f["producers"]
    rec = f["log_record_bytes_fixed"] + 8 * f["demand_samples_per_s"] / f["commits_per_s"]
    tail = 0 if P <= 1 else min(P - 1 + (P - 1) // 2 + 2, 256, math.floor(262144 / rec))
    close(f["tail_records"], tail, "tail")
    hops = math.ceil((P - 1) / (tail + 1)) - 1 if P - 1 > tail + 1 else 0
    close(f["producer_gets_per_commit"], 0 if P <= 1 else 3.5 + hops, "producer GETs/commit")
    close(f["gets_log_producers_per_s"], f["commits_per_s"] * f["producer_gets_per_commit"],
          "producer log GETs")
    close(f["lists_log_producers_per_s"], 0 if P <= 1 else f["commits_per_s"], "producer LISTs")
    close(f["log_bytes_per_s"], (f["log_records_per_s"] * f["log_record_bytes_fixed"] +
                                 8 * f["demand_samples_per_s"]) * (1 + tail), "log growth")
    close(f["gets_meta_per_s"], f["gets_index_per_s"] + f["gets_poll_per_s"] +
          f["gets_log_ranks_per_s"] + f["gets_log_producers_per_s"], "metadata GETs")
    close(f["gets_per_s"], f["gets_data_per_s"] + f["gets_meta_per_s"], "GETs")
    close(f["meta_gets_over_data"], f["gets_meta_per_s"] / f["gets_data_per_s"], "meta/data")
    close(f["get_over_data"], f["gets_per_s"] / f["gets_data_per_s"], "GET bill / data's")
    close(f["s3_steps_prefix_get_load"], (f["gets_index_per_s"] + f["gets_poll_per_s"]) / 5500,
          "steps prefix")
    close(f["f1_gets_per_s"], f["gets_data_per_s"] + f["f1_gets_log_ranks_per_s"] +
          f["gets_log_ranks_per_s"] + f["gets_log_producers_per_s"] + f["f1_gets_poll_per_s"],
          "format-1 GETs")
    src = d["sources"]["meta_requests_per_rank_step"]
    assert f"meta {T}/meta.json (git test, 2026-01-01T00:00:00Z)" in src and "W = 1024" in src, src

# Half the step time: twice the steps/s, the demand and the data written.
close(fh["steps_per_s"], 2 * f64["steps_per_s"], "steps/s")
close(fh["write_mb_per_s"], 2 * f64["write_mb_per_s"], "write")
close(fh["read_mb_per_s"], 2 * f64["read_mb_per_s"], "read")

# Costs: requests/s x 30 days x price, retained GiB x price, and the sum.
for d in (p64, p640, half, free):
    f = d["figures"]
    close(f["put_usd_per_month"], f["puts_per_s"] * 30 * 86400 / 1000 * f["price_put_per_1k_usd"], "PUT $")
    close(f["get_usd_per_month"], f["gets_per_s"] * 30 * 86400 / 1000 * f["price_get_per_1k_usd"], "GET $")
    close(f["storage_usd_per_month"], f["retained_gib"] * f["price_gb_month_usd"], "storage $")
    close(f["total_usd_per_month"], f["put_usd_per_month"] + f["get_usd_per_month"] +
          f["storage_usd_per_month"], "total $")
    assert f["commit_attempts"] == 1, f["commit_attempts"]   # no runs under DAC in meta.json
    close(f["puts_per_s"], f["chunks_per_s"] + f["log_records_per_s"] + 2 * f["snapshots_per_s"] +
          f["index_puts_per_s"] + f["rank_checkpoint_puts_per_s"] +
          f["rank_checkpoint_lists_per_s"] + f["lists_log_producers_per_s"], "PUTs")
    close(f["get_data_usd_per_month"], f["gets_data_per_s"] * 30 * 86400 / 1000 *
          f["price_get_per_1k_usd"], "data GET $")
    close(f["f1_get_usd_per_month"], f["f1_gets_per_s"] * 30 * 86400 / 1000 *
          f["price_get_per_1k_usd"], "format-1 GET $")
    close(f["requests_per_s"], f["puts_per_s"] + f["gets_per_s"], "requests")
assert free["figures"]["get_usd_per_month"] == 0 and free["figures"]["gets_per_s"] > 0
close(free["figures"]["retained_data_gib"] * 24, f64["retained_data_gib"], "retention")
assert f64["price_put_per_1k_usd"] == 0.005 and f64["price_get_per_1k_usd"] == 0.0004
assert f64["price_gb_month_usd"] == 0.023

# Against the store: the planned write over its ingest at the sample size
# nearest to SFT's (4 KiB), and the read at the world size nearest to N.
c = p64["stores_comparison"][0]["figures"]
close(c["ingest_mb_per_s_measured"], 100, "ingest")
close(c["write_over_measured"], f64["write_all_mb_per_s"] / 100, "write ratio")
close(c["read_mb_per_s_measured"], 50, "read W=64")
close(c["requests_per_s_measured_max"], 2000, "requests max")
assert c["stores_for_requests"] == max(1, math.ceil(f64["requests_per_s"] / 2000 - 1e-9))
print(f"P {P64:.0f} -> {P640:.0f}; write {f64['write_mb_per_s']:.2f} MB/s; "
      f"{f64['requests_per_s']:.0f} requests/s; ${f64['total_usd_per_month']:.0f}/month at 64 GPUs")
PY
  then ok "plans from the run: $(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["figures"]; print("64 GPUs: %d producers, %.1f cores, $%.0f/month" % (f["producers"], f["preprocess_cores"], f["total_usd_per_month"]))' "$T/p64.json")"
  else bad "plan JSON checks failed"
  fi
else
  bad "plan failed: $(cat "$T/err")"
fi

# With producers under DAC in the meta results (docs/dac.md "Saturation"):
# the commit rate, the attempts and the reads per commit come from the run
# nearest P (by log distance), unless producer.commit.bytes.max forces
# commits more often.
python3 - "$T/meta.json" "$T/meta-dac.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["dac_commits"] = [
  {"producers": 16, "commits_per_s": 16, "commits_per_producer_per_s": 1.0,
   "attempts_per_commit": 1.2, "meta_requests_per_commit": 4.6, "lists_per_commit": 1.0,
   "interval_ms_mean": 900, "commit_ms_mean": 13},
  {"producers": 64, "commits_per_s": 3.2, "commits_per_producer_per_s": 0.05,
   "attempts_per_commit": 1.5, "meta_requests_per_commit": 7.0, "lists_per_commit": 1.0,
   "interval_ms_mean": 20000, "commit_ms_mean": 60}]
json.dump(d, open(sys.argv[2], "w"))
PY
if "$BENCH" plan "$WL" --from "$T/run" --stores "$T/stores.json" --meta "$T/meta-dac.json" \
     --results "$T/empty" --lead-steps 0 --gpus 640 --json >"$T/dac.json" 2>"$T/err" &&
   python3 - "$T/dac.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1])); f = d["figures"]; s = d["sources"]
P = f["producers"]
assert P > 1, P
nearest = 64 if abs(math.log(P / 64)) < abs(math.log(P / 16)) else 16
run = {16: (1.0, 1.2, 4.6), 64: (0.05, 1.5, 7.0)}[nearest]
by_bytes = f["write_mb_per_s"] * 1e6 / P / 67108864
assert abs(f["commits_per_producer_s"] - max(run[0], by_bytes)) < 1e-9 * max(run[0], by_bytes), (f["commits_per_producer_s"], run, by_bytes)
assert f"dac_commits.{[16, 64].index(nearest)}" in s["commits_per_producer_s"], s["commits_per_producer_s"]
assert f["commit_attempts"] == run[1]
assert abs(f["commit_bytes_for_dac"] - f["write_mb_per_s"] * 1e6 / P / run[0]) < 1e-6 * f["commit_bytes_for_dac"]
assert d["not_measured"] == [], d["not_measured"]
tail = f["tail_records"]
hops = math.ceil((P - 1) / (tail + 1)) - 1 if P - 1 > tail + 1 else 0
assert abs(f["producer_gets_per_commit"] - (run[2] - 1.0 + hops)) < 1e-9, f["producer_gets_per_commit"]
assert abs(f["lists_log_producers_per_s"] - f["commits_per_s"]) < 1e-9
assert f["chunks_per_s"] >= f["commits_per_s"] and "sealed" in s["chunks_per_s"], s["chunks_per_s"]
put = (f["chunks_per_s"] + f["log_records_per_s"] + f["commits_per_s"] * (run[1] - 1) +
       2 * f["snapshots_per_s"] + f["index_puts_per_s"] + f["rank_checkpoint_puts_per_s"] +
       f["rank_checkpoint_lists_per_s"] + f["lists_log_producers_per_s"])
assert abs(f["puts_per_s"] - put) < 1e-9 * put, (f["puts_per_s"], put)
print(f"P {P:.0f}: {f['commits_per_s']:.2f} commits/s, {f['producer_gets_per_commit']:.2f} GETs a commit")
PY
then ok "producers under DAC: the commit rate, attempts and reads of the run nearest P"
else bad "producers under DAC: $(cat "$T/err")"; fi

# The text plan names its sources on every figure.
if plan --gpus 64 >"$T/text" 2>"$T/err" && grep -q "^  \[run\]      run $T/run/result.json (git " "$T/text" &&
   grep -q "^  \[meta\]     meta $T/meta.json (git test, 2026-01-01T00:00:00Z)" "$T/text" &&
   grep -q "metadata GETs per rank-step .*\[meta\]" "$T/text" &&
   grep -q "producers P .*\[.*run.*\] ceil" "$T/text" && ! grep -q " not measured  " "$T/text"; then
  ok "text plan: $(grep 'producers P' "$T/text" | cut -c1-60)"
else bad "text plan: $(head -20 "$T/text") $(cat "$T/err")"; fi

# Without a run: the producers from the cost model alone, and the rest
# "not measured" rather than invented.
if "$BENCH" plan "$WL" --gpus 64 --results "$T/empty" --json >"$T/none.json" 2>"$T/err" &&
   python3 - "$T/none.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); f = d["figures"]
assert d["run"] is None and d["stores"] is None and d["stores_comparison"] == []
assert f["producers"] >= 1 and f["preprocess_cores"] > 0 and f["write_mb_per_s"] > 0
for k in ("data_plane_cpu_ms_per_sample", "log_records_per_s", "gets_per_s", "total_usd_per_month",
          "data_requests_per_rank_step", "meta_requests_per_rank_step", "polls_per_rank_step"):
    assert f[k] is None and k in d["not_measured"], k
assert "not measured" in d["sources"]["worker_ms_per_sample"]
assert d["meta"] is None
PY
then
  "$BENCH" plan "$WL" --gpus 64 --results "$T/empty" >"$T/none.txt" 2>&1
  if grep -q "none found" "$T/none.txt" && grep -q "not measured" "$T/none.txt" &&
     grep -q "^  \[meta\]     none found" "$T/none.txt"; then
    ok "no run: producers from the cost model, the rest not measured"
  else bad "no run, text: $(head -12 "$T/none.txt")"; fi
else bad "no run: $(cat "$T/err")"; fi

# A run and no meta result: the format-2 metadata GETs, and what adds them
# up, are not measured (no guess); the format-1 comparison still is.
if "$BENCH" plan "$WL" --gpus 640 --from "$T/run" --stores "$T/stores.json" --results "$T/empty" \
     --json >"$T/nometa.json" 2>"$T/err" &&
   python3 - "$T/nometa.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); f = d["figures"]
assert d["meta"] is None, d["meta"]
for k in ("meta_requests_per_rank_step", "meta_bytes_per_rank_step", "gets_index_per_s",
          "polls_per_rank_step", "gets_poll_per_s", "gets_meta_per_s", "gets_per_s",
          "meta_gets_over_data", "get_usd_per_month", "get_over_data", "total_usd_per_month",
          "meta_read_mb_per_s", "s3_steps_prefix_get_load"):
    assert f[k] is None and k in d["not_measured"], k
assert "no meta-*.json found" in d["sources"]["meta_requests_per_rank_step"], d["sources"]
for k in ("gets_data_per_s", "gets_log_ranks_per_s", "index_puts_per_s", "puts_per_s",
          "f1_gets_per_s", "f1_get_usd_per_month", "get_data_usd_per_month"):
    assert f[k] is not None and k not in d["not_measured"], k
PY
then ok "no meta result: the format-2 metadata not measured, format 1 still shown"
else bad "no meta result: $(cat "$T/err")"; fi

# The newest meta-*.json in --results is used (by timestamp_unix); files
# of another benchmark or name are not.
mkdir -p "$T/metadir"
python3 - "$T/meta.json" "$T/metadir" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
old = json.loads(json.dumps(d)); old["timestamp_unix"] = 1767225000; old["git_rev"] = "old"
new = json.loads(json.dumps(d)); new["git_rev"] = "new"
new["cases"][2]["worlds"][1]["ranks"][0]["meta_requests_per_rank_step"] = 4
json.dump(old, open(sys.argv[2] + "/meta-b-old.json", "w"))
json.dump(new, open(sys.argv[2] + "/meta-a-new.json", "w"))
json.dump({"benchmark": "stores", "timestamp_unix": 1999999999}, open(sys.argv[2] + "/meta-z.json", "w"))
PY
if "$BENCH" plan "$WL" --gpus 64 --from "$T/run" --stores "$T/stores.json" --results "$T/metadir" \
     --lead-steps 0 --json >"$T/found.json" 2>"$T/err" &&
   python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["meta"]["path"].endswith("/meta-a-new.json"), d["meta"]; assert d["figures"]["meta_requests_per_rank_step"] == 4' "$T/found.json"
then ok "the newest meta-*.json is found"
else bad "newest meta: $(cat "$T/err") $(head -c 400 "$T/found.json")"; fi

# Ranks behind the head (the default --lead-steps 64): the group indexes'
# figures of the meta result (behind_head, max over the ranks), no polls;
# a meta result without them gives no metadata figures rather than a guess.
python3 - "$T/meta.json" "$T/meta-behind.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["cases"][2]["worlds"][1]["ranks"]
r[0]["behind_head"] = {"meta_requests_per_rank_step": 0.125, "meta_bytes_per_rank_step": 110}
r[1]["behind_head"] = {"meta_requests_per_rank_step": 0.2, "meta_bytes_per_rank_step": 95}
json.dump(d, open(sys.argv[2], "w"))
PY
behind() { "$BENCH" plan "$WL" --gpus 640 --from "$T/run" --stores "$T/stores.json" \
             --results "$T/empty" --json "$@"; }
if behind --meta "$T/meta-behind.json" >"$T/behind.json" 2>"$T/err" &&
   behind --meta "$T/meta.json" >"$T/nobehind.json" 2>>"$T/err" &&
   python3 - "$T/behind.json" "$T/nobehind.json" <<'PY'
import json, sys
d, n = (json.load(open(a)) for a in sys.argv[1:3])
f = d["figures"]
assert f["meta_requests_per_rank_step"] == 0.2 and f["meta_bytes_per_rank_step"] == 110, f
assert f["polls_per_rank_step"] == 0 and f["gets_poll_per_s"] == 0, f
rs = 640 * f["steps_per_s"]
assert abs(f["gets_index_per_s"] - rs * 0.2) < 1e-6 * rs, f
assert "behind_head" in d["sources"]["meta_requests_per_rank_step"], d["sources"]
g = n["figures"]
assert g["meta_requests_per_rank_step"] is None and "meta_requests_per_rank_step" in n["not_measured"], g
assert g["gets_meta_per_s"] is None, g
PY
then ok "behind the head: the group figures, no polls; none without them"
else bad "behind the head: $(cat "$T/err")"; fi

# The meta results committed to results/, if any, are accepted as they are.
real=$(ls "$HERE"/../results/meta-*.json 2>/dev/null | tail -1)
if [ -n "$real" ]; then
  if plan --gpus 640 --meta "$real" --json >"$T/real.json" 2>"$T/err" &&
     python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["figures"]; assert f["meta_requests_per_rank_step"] > 0 and f["polls_per_rank_step"] > 0; print("%g metadata GETs per rank-step, %.0f metadata / %.0f data GETs/s" % (f["meta_requests_per_rank_step"], f["gets_meta_per_s"], f["gets_data_per_s"]))' "$T/real.json" >"$T/real.txt"
  then ok "$(basename "$real"): $(cat "$T/real.txt")"
  else bad "$(basename "$real"): $(cat "$T/err")"; fi
fi

# Refusals: exit status 1 and a message naming the file and field, or the option.
refuse() {  # what pattern args...
  local what=$1 pat=$2; shift 2
  "$BENCH" plan "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 1 ] && grep -q -- "$pat" "$T/err"; then ok "$what refused: $(cat "$T/err")"
  else bad "$what: exit $rc, stderr: $(cat "$T/err")"; fi
}
edit() {  # out python-statement (d is result.json)
  python3 - "$T/run/result.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2], "w"))
PY
}
# Checkpoint records in a run's log: one per rank per round before per-rank
# progress objects (runs before 2026-12-03T09:43:38Z), each rank's first
# commit and one per round for the job since.
edit "$T/old-run.json" 'd["timestamp"] = "2026-11-22T10:35:24Z"'
edit "$T/new-run.json" 'd["timestamp"] = "2026-12-04T00:00:00Z"'
if "$BENCH" plan "$WL" --gpus 64 --from "$T/old-run.json" --stores "$T/stores.json" \
     --meta "$T/meta.json" --results "$T/empty" --lead-steps 0 --json >"$T/old.json" 2>"$T/err" &&
   "$BENCH" plan "$WL" --gpus 64 --from "$T/new-run.json" --stores "$T/stores.json" \
     --meta "$T/meta.json" --results "$T/empty" --lead-steps 0 --json >"$T/new.json" 2>>"$T/err" &&
   python3 - "$T/run/result.json" "$T/old.json" "$T/new.json" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1]))
old, new = (json.load(open(a))["figures"]["commits_per_producer_s"] for a in sys.argv[2:4])
recs, P, W = r["store_usage"]["log_records"], r["producers"], r["ranks"]
rounds = math.floor(r["steps"] / r["config"]["checkpoint_every_steps"])
per = lambda ck: max(recs - P - ck, 0) / (r["duration_s"] * P)
assert abs(old - per(W * rounds)) < 1e-9 and abs(new - per(W + rounds)) < 1e-9, (old, new)
PY
then ok "checkpoint records counted as the run's revision wrote them"
else bad "checkpoint records by revision: $(cat "$T/err")"; fi

printf '{"benchmark": "run", "plane": ' >"$T/corrupt.json"
refuse "a corrupt --from file" "corrupt.json: not valid JSON" "$WL" --gpus 8 --from "$T/corrupt.json"
edit "$T/type.json" 'd["store_usage"]["chunks"] = "many"'
refuse "a wrong type" 'type.json: field "store_usage.chunks": expected a number' \
  "$WL" --gpus 8 --from "$T/type.json"
edit "$T/zero.json" 'd["duration_s"] = 0'
refuse "a zero duration" 'zero.json: field "duration_s"' "$WL" --gpus 8 --from "$T/zero.json"
edit "$T/neg.json" 'd["cpu_s"]["producers"] = -1'
refuse "a negative CPU time" 'neg.json: field "cpu_s.producers"' "$WL" --gpus 8 --from "$T/neg.json"
edit "$T/kafka.json" 'd["plane"] = "kafka"'
refuse "a kafka run" 'kafka.json: field "plane"' "$WL" --gpus 8 --from "$T/kafka.json"
echo '{"benchmark": "stores", "stores": {"backend": "s3"}}' >"$T/badstores.json"
refuse "a stores file of the wrong shape" 'badstores.json: field "stores"' \
  "$WL" --gpus 8 --from "$T/run" --stores "$T/badstores.json"
printf '{"benchmark": "meta", "cases": [' >"$T/meta-corrupt.json"
refuse "a corrupt meta file" "meta-corrupt.json: not valid JSON" "$WL" --gpus 8 --from "$T/run" \
  --meta "$T/meta-corrupt.json"
meta_edit() {  # out python-statement (d is meta.json)
  python3 - "$T/meta.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); exec(sys.argv[3]); json.dump(d, open(sys.argv[2], "w"))
PY
}
meta_edit "$T/meta-type.json" 'd["cases"][2]["sample_bytes"] = "4k"'
refuse "a meta field of the wrong type" 'meta-type.json: field "cases.2.sample_bytes": expected a number' \
  "$WL" --gpus 8 --from "$T/run" --meta "$T/meta-type.json"
meta_edit "$T/meta-neg.json" 'd["cases"][2]["worlds"][1]["ranks"][1]["meta_bytes_per_rank_step"] = -1'
refuse "a negative meta figure" 'meta-neg.json: field "cases.2.worlds.1.ranks.1.meta_bytes_per_rank_step"' \
  "$WL" --gpus 8 --from "$T/run" --meta "$T/meta-neg.json"
meta_edit "$T/meta-w.json" 'd["cases"][2]["worlds"][0]["world_size"] = 8192'
refuse "more ranks than the batch" 'meta-w.json: field "cases.2.worlds.0.world_size": 8192' \
  "$WL" --gpus 8 --from "$T/run" --meta "$T/meta-w.json"
meta_edit "$T/meta-f1.json" 'd["cases"] = d["cases"][:1]'
refuse "a meta file without format 2" 'meta-f1.json: field "cases": no case of table_format 2' \
  "$WL" --gpus 8 --from "$T/run" --meta "$T/meta-f1.json"
meta_edit "$T/meta-kind.json" 'd["benchmark"] = "stores"'
refuse "a meta file of another benchmark" 'meta-kind.json: field "benchmark"' \
  "$WL" --gpus 8 --from "$T/run" --meta "$T/meta-kind.json"
refuse "--gpus 0" "--gpus 0" "$WL" --gpus 0
refuse "--gpus too many" "--gpus 1000001" "$WL" --gpus 1000001
refuse "--gpus not a number" "--gpus 8x" "$WL" --gpus 8x
refuse "no --gpus" "--gpus N is required" "$WL"
refuse "--utilization 0" "--utilization 0" "$WL" --gpus 8 --utilization 0
refuse "a missing workload" "nope.conf" "$T/nope.conf" --gpus 8

if [ $fails -eq 0 ]; then echo "all bench plan checks passed"; else echo "$fails failed"; fi
[ $fails -eq 0 ]
