#!/usr/bin/env python3
"""The Kafka claims' summary (scripts/bench-kafka-claims.sh): reads the run
files of OUT_DIR and writes OUT_DIR/summary.json, OUT_DIR/summary.md and,
with gnuplot, OUT_DIR/ingest-<pair>.png.  Every figure is copied from a
run file; ratios are Lakestream / Kafka of runs of the same invocation.

    kafka_claims_summary.py OUT_DIR
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

PAIRS = {
    "pagecache": ("Kafka acks=all idempotent, 1 broker, page cache (no fsync)",
                  "Lakestream posix, store.fsync=false"),
    "fsync": ("Kafka flush.messages=1 (fsync per message), 1 broker",
              "Lakestream posix, store.fsync=true"),
    "replicated": ("Kafka 3 brokers, replication factor 3, acks=all",
                   "Lakestream on S3 (local Ceph radosgw)"),
}


def load(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "*.json"))):
        name = os.path.basename(path)[:-5]
        if name == "summary":
            continue
        with open(path) as f:
            runs[name] = json.load(f)
    if not runs:
        sys.exit("kafka_claims_summary: no run files in %s" % out)
    return runs


def num(v, fmt="%.1f"):
    return "n/a" if v is None else fmt % v


def median(v):
    v = sorted(x for x in v if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def ingest_rows(runs):
    """One row per (pair, P, S): medians over the repetitions of each side,
    the ratio of the medians, and the ratio of each repetition."""
    groups = {}
    pat = re.compile(r"^(pagecache|fsync|replicated)-(kafka|lakestream)-p(\d+)-s(\d+)-r(\d+)$")
    for name in runs:
        m = pat.match(name)
        if m:
            key = (m.group(1), int(m.group(3)), int(m.group(4)))
            groups.setdefault(key, {}).setdefault(int(m.group(5)), {})[m.group(2)] = name
    rows = []
    for (pair, p, s), reps in groups.items():
        both = {r: v for r, v in reps.items() if "kafka" in v and "lakestream" in v}
        if not both:
            continue
        agg = {side: [runs[v[side]]["aggregate"] for v in both.values()]
               for side in ("kafka", "lakestream")}
        ratios = [runs[v["lakestream"]]["aggregate"]["mb_per_s"] /
                  runs[v["kafka"]]["aggregate"]["mb_per_s"]
                  for v in both.values() if runs[v["kafka"]]["aggregate"]["mb_per_s"]]
        row = {"pair": pair, "producers": p, "sample_bytes": s, "repetitions": len(both),
               "ratio_of_medians": None, "ratios": sorted(ratios),
               "files": sorted(f + ".json" for v in both.values() for f in v.values())}
        for side in ("kafka", "lakestream"):
            a = agg[side]
            row[side + "_mb_per_s"] = median([x["mb_per_s"] for x in a])
            row[side + "_mb_per_s_all"] = sorted(x["mb_per_s"] for x in a)
            row[side + "_delivery_ms_p50"] = median([x["delivery_latency_ms_p50"] for x in a])
            row[side + "_delivery_ms_p99"] = median([x["delivery_latency_ms_p99"] for x in a])
            row[side + "_failed"] = sum(x["failed"] for x in a)
        if row["kafka_mb_per_s"]:
            row["ratio_of_medians"] = row["lakestream_mb_per_s"] / row["kafka_mb_per_s"]
        rows.append(row)
    rows.sort(key=lambda r: (list(PAIRS).index(r["pair"]), r["sample_bytes"], r["producers"]))
    return rows


def large_rows(runs):
    rows = []
    for mb in (1, 10, 64):
        row = {"megabytes": mb}
        for kind in ("kafka-default", "kafka-raised", "lakestream-one", "lakestream-step"):
            d = runs.get("large-%s-%dmb" % (kind, mb))
            if d is None:
                continue
            a = d["aggregate"]
            dr = d.get("drain") or {}
            rl = dr.get("read_latency_ms") or {}
            row[kind] = {
                "delivered": a["delivered"], "produced": a["produced"],
                "failures_by_error": a["failures_by_error"], "mb_per_s": a["mb_per_s"],
                "delivery_ms_p50": a["delivery_latency_ms_p50"],
                "read_ms_p50": rl.get("p50"), "read_ms_max": rl.get("max"),
                "sample_bytes": d["sample_bytes"],
            }
        rows.append(row)
    return rows


def failure_rows(runs):
    rows = []
    for name in sorted(runs):
        d = runs[name]
        if d.get("benchmark") != "run" or not d.get("failure"):
            continue
        f, k = d["failure"], d.get("kafka") or {}
        rows.append({
            "run": name, "plane": d["plane"], "inject": d["inject"],
            "exactly_once": k.get("exactly_once") if d["plane"] == "kafka" else None,
            "training_continued": f["training_continued"], "duplicates": f["duplicates"],
            "skipped": f["skipped"], "recovery_s": f["recovery_s"],
            "identical_steps": f.get("identical_steps"), "steps_compared": f.get("steps_compared"),
            "checkpoint_step": f.get("checkpoint_step"), "note": f.get("note"),
        })
    return rows


def plot(out, rows):
    if not shutil.which("gnuplot"):
        return []
    made = []
    for pair in PAIRS:
        sel = [r for r in rows if r["pair"] == pair]
        if not sel:
            continue
        dat = os.path.join(out, "ingest-%s.dat" % pair)
        with open(dat, "w") as f:
            for r in sel:
                f.write('"P=%d %s" %.3f %.3f\n' % (r["producers"],
                        "4KiB" if r["sample_bytes"] == 4096 else "%dKiB" % (r["sample_bytes"] // 1024),
                        r["kafka_mb_per_s"], r["lakestream_mb_per_s"]))
        png = os.path.join(out, "ingest-%s.png" % pair)
        script = """
set terminal pngcairo size 900,420
set output '%s'
set title "Ingest, %s: MB/s of delivered payload"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "MB/s"
set yrange [0:*]
set key top left
plot '%s' using 2:xtic(1) title "Kafka", '' using 3 title "Lakestream"
""" % (png, pair, dat)
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
        os.remove(dat)
        made.append(os.path.basename(png))
    return made


def markdown(s):
    L = []
    L.append("# Kafka claims: Lakestream against Apache Kafka %s\n" % (s["kafka_version"] or "?"))
    L.append("git %s%s, %s, %s. Ingest: medians over the repetitions; ratio = Lakestream / Kafka of the medians, and of each repetition (runs of this one invocation).\n"
             % (s["git_rev"], " (dirty)" if s["git_dirty"] else "", s["machine"], s["timestamp"]))
    L.append("## Ingest throughput\n")
    for pair, (k, l) in PAIRS.items():
        sel = [r for r in s["ingest"] if r["pair"] == pair]
        if not sel:
            continue
        L.append("**%s**: %s vs %s.\n" % (pair, k, l))
        L.append("| P | sample | Kafka MB/s | Lakestream MB/s | ratio (per repetition) | Kafka delivery p50 / p99 ms | Lakestream delivery p50 / p99 ms |")
        L.append("|---|---|---|---|---|---|---|")
        for r in sel:
            L.append("| %d | %s | %s | %s | %s (%s) | %s / %s | %s / %s |" % (
                r["producers"], "4 KiB" if r["sample_bytes"] == 4096 else "%d KiB" % (r["sample_bytes"] // 1024),
                num(r["kafka_mb_per_s"]), num(r["lakestream_mb_per_s"]), num(r["ratio_of_medians"], "%.2f"),
                ", ".join("%.2f" % x for x in r["ratios"]),
                num(r["kafka_delivery_ms_p50"]), num(r["kafka_delivery_ms_p99"]),
                num(r["lakestream_delivery_ms_p50"]), num(r["lakestream_delivery_ms_p99"])))
        L.append("")
    L.append("## Large global-batch messages\n")
    L.append("| size | Kafka, default limits | Kafka, limits raised | Lakestream, one message | Lakestream, a step of 256 KiB samples |")
    L.append("|---|---|---|---|---|")

    def cell(c):
        if not c:
            return "not run"
        if c["delivered"] == 0:
            return "refused: %s" % ", ".join("%s x%d" % kv for kv in c["failures_by_error"].items())
        return "%s MB/s, delivery p50 %s ms, readable p50 %s ms" % (
            num(c["mb_per_s"]), num(c["delivery_ms_p50"]), num(c["read_ms_p50"]))
    for r in s["large"]:
        L.append("| %d MB | %s | %s | %s | %s |" % (r["megabytes"], cell(r.get("kafka-default")),
                 cell(r.get("kafka-raised")), cell(r.get("lakestream-one")), cell(r.get("lakestream-step"))))
    L.append("")
    if s["failures"]:
        L.append("## Failures at W = 64\n")
        L.append("| run | plane | exactly once | training continued | duplicates | skipped | recovery s | identical steps |")
        L.append("|---|---|---|---|---|---|---|---|")
        for r in s["failures"]:
            L.append("| %s | %s | %s | %s | %d | %d | %s | %s |" % (
                r["run"], r["plane"], "-" if r["exactly_once"] is None else str(r["exactly_once"]).lower(),
                str(r["training_continued"]).lower(), r["duplicates"], r["skipped"],
                num(r["recovery_s"], "%.2f"),
                "n/a" if r["identical_steps"] is None else "%s (%s steps)" % (
                    str(r["identical_steps"]).lower(), r["steps_compared"])))
        L.append("")
    for p in s["plots"]:
        L.append("![%s](%s)\n" % (p, p))
    return "\n".join(L) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    runs = load(out)
    first = next(iter(runs.values()))
    versions = {r.get("kafka", {}).get("broker_version") for r in runs.values()
                if isinstance(r.get("kafka"), dict)}
    versions.discard(None)
    m = first.get("machine", {})
    s = {
        "benchmark": "kafka-claims", "schema_version": first.get("schema_version"),
        "git_rev": first.get("git_rev"), "git_dirty": first.get("git_dirty"),
        "timestamp": first.get("timestamp"),
        "machine": "%s, %s CPUs, %s" % (m.get("cpu_model", "?"), m.get("nproc", "?"),
                                        m.get("uname", "?")),
        "kafka_version": ",".join(sorted(versions)) or os.environ.get("KAFKA_BROKER_VERSION"),
        "runs": sorted(r + ".json" for r in runs),
        "ingest": ingest_rows(runs), "large": large_rows(runs), "failures": failure_rows(runs),
    }
    s["plots"] = plot(out, s["ingest"])
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(s, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write(markdown(s))
    print(os.path.join(out, "summary.md"))


if __name__ == "__main__":
    main()
