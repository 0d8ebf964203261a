#!/usr/bin/env python3
"""The off-policy estimators judged against simulator truth.

Reads the JSON lines of tests/bench/bench_ope_proof (truth lines and estimate
lines) and prints, per log size and estimator, over the (world, policy, log
seed) estimates of the policies whose true value is within 2x of the logging
policy's in their world:
  median and mean relative error |estimate - truth| / truth, RMSE,
  the mean over (world, size, seed) of Spearman's rank correlation between the
  estimates and the truths of all the world's policies (and of the filtered
  ones), and the coverage of the estimator's interval (share of intervals that
  contain the truth).
The targets (issue 15 with its amendments): at the largest log size, median
relative error <= 10%, rank correlation >= 0.9, coverage in [85%, 99%] over
>= 120 intervals, all three by one named estimator.

Families: with one step per session the sequential estimators are their
per-step forms (PDIS is IPS, weighted PDIS is SNIPS, sequential DR is DR; the
library computes the sequential forms only when a session has more than one
step), so the rows "ips/pdis", "snips/wpdis" and "dr/seq_dr" take the per-step
form in one-step worlds and the sequential form in the others: one named
estimator judged over every world.

usage: ope_proof_table.py RUN.jsonl [RUN2.jsonl ...] [--markdown OUT.md]
"""
import argparse
import json
import math
import statistics
import sys
from collections import defaultdict


def spearman(xs, ys):
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2.0
            i = j + 1
        return r

    if len(xs) < 3:
        return float("nan")
    rx, ry = ranks(xs), ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")


def load(paths):
    truth, est = {}, []
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if "truth" in r:
                    truth[(r["world"], r["policy"])] = r
                elif "estimator" in r:
                    est.append(r)
    return truth, est


FAMILIES = {"ips/pdis": ("ips", "pdis"), "snips/wpdis": ("snips", "wpdis"),
            "dr/seq_dr": ("dr", "seq_dr")}


def add_families(est):
    """Rows of each family: the sequential form where the world has it, else the per-step one."""
    seq_worlds = {r["world"] for r in est if r["estimator"] in ("pdis", "wpdis", "seq_dr")}
    out = []
    for fam, (step, seq) in FAMILIES.items():
        for r in est:
            want = seq if r["world"] in seq_worlds else step
            if r["estimator"] == want:
                out.append(dict(r, estimator=fam))
    return est + out


def table(truth, est):
    logging = {w: r["truth"] for (w, p), r in truth.items() if p == "logging"}

    def in_band(w, p):
        t, lg = truth[(w, p)]["truth"], logging.get(w)
        return lg is not None and lg / 2 <= t <= 2 * lg

    by = defaultdict(list)  # (size, estimator) -> estimate rows
    for r in est:
        if (r["world"], r["policy"]) in truth:
            by[(r["sessions"], r["estimator"])].append(r)
    rows = []
    for (size, name), rs in sorted(by.items()):
        band = [r for r in rs if in_band(r["world"], r["policy"]) and r["value"] is not None]
        rel = [abs(r["value"] - truth[(r["world"], r["policy"])]["truth"]) /
               abs(truth[(r["world"], r["policy"])]["truth"]) for r in band]
        sq = [(r["value"] - truth[(r["world"], r["policy"])]["truth"]) ** 2 for r in band]
        cover = [r for r in band if r["ci_low"] is not None and r["ci_high"] is not None]
        hits = sum(1 for r in cover if r["ci_low"] <= truth[(r["world"], r["policy"])]["truth"] <= r["ci_high"])
        groups, groups_band = defaultdict(list), defaultdict(list)
        for r in rs:
            if r["value"] is None:
                continue
            key = (r["world"], r["log_seed"])
            t = truth[(r["world"], r["policy"])]["truth"]
            groups[key].append((r["value"], t))
            if in_band(r["world"], r["policy"]):
                groups_band[key].append((r["value"], t))
        rho = [spearman([a for a, _ in g], [b for _, b in g]) for g in groups.values()]
        rho_b = [spearman([a for a, _ in g], [b for _, b in g]) for g in groups_band.values()]
        rho = [x for x in rho if not math.isnan(x)]
        rho_b = [x for x in rho_b if not math.isnan(x)]
        rows.append({
            "sessions": size, "estimator": name, "n": len(band),
            "median_rel_err": statistics.median(rel) if rel else float("nan"),
            "mean_rel_err": statistics.fmean(rel) if rel else float("nan"),
            "rmse": math.sqrt(statistics.fmean(sq)) if sq else float("nan"),
            "spearman_all": statistics.fmean(rho) if rho else float("nan"),
            "spearman_band": statistics.fmean(rho_b) if rho_b else float("nan"),
            "coverage": hits / len(cover) if cover else float("nan"), "intervals": len(cover),
        })
    return rows


def meets(r):
    return (r["median_rel_err"] <= 0.10 and r["spearman_all"] >= 0.9 and
            0.85 <= r["coverage"] <= 0.99 and r["intervals"] >= 120)


def fmt(v, pct=False):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{100 * v:.1f}%" if pct else f"{v:.4f}"


def markdown(truth, rows):
    out = ["| log sessions | estimator | estimates in band | median rel. error | mean rel. error | RMSE |"
           " Spearman (all policies) | Spearman (in band) | coverage (intervals) | meets all three |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['sessions']:,} | {r['estimator']} | {r['n']} | {fmt(r['median_rel_err'], True)} | "
                   f"{fmt(r['mean_rel_err'], True)} | {fmt(r['rmse'])} | {fmt(r['spearman_all'])} | "
                   f"{fmt(r['spearman_band'])} | {fmt(r['coverage'], True)} ({r['intervals']}) | "
                   f"{'yes' if meets(r) else 'no'} |")
    out += ["", "| world | policy | true value per session | standard error | within 2x of logging |",
            "|---|---|---|---|---|"]
    logging = {w: r["truth"] for (w, p), r in truth.items() if p == "logging"}
    for (w, p), r in sorted(truth.items()):
        lg = logging.get(w)
        band = "—" if p == "logging" else ("yes" if lg and lg / 2 <= r["truth"] <= 2 * lg else "no")
        out.append(f"| {w} | {p} | {r['truth']:.4f} | {r['truth_se']:.4f} | {band} |")
    return "\n".join(out) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--markdown")
    a = ap.parse_args(argv)
    truth, est = load(a.runs)
    rows = table(truth, add_families(est))
    text = markdown(truth, rows)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    largest = max((r["sessions"] for r in rows), default=0)
    best = [r["estimator"] for r in rows if r["sessions"] == largest and meets(r)]
    print(f"estimators meeting all three targets at {largest:,} sessions: {', '.join(best) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
