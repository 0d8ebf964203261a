#!/usr/bin/env python3
"""The popularity and repeat baselines beside GRU4Rec's cross-entropy (CE) on the results
page's split (docs/results.md, "Baselines").

For each set (kuairand_user, rees46) the log is loaded and split exactly as
scripts/results_table.py does (our presets and filters, orl_dataset_split 80/10/10 by
session, split seed 0); each baseline is built from the training part
(orl_model_create_baseline) and evaluated on the test part (orl_model_evaluate: every step,
the whole catalogue). The CE rows are the cached runs of results_table.py
(docs/results-runs/ours_<set>_CE_s<seed>_e<epochs>.json, seeds 0-2) after checking that their
split has the same counts. Each baseline's result is written to
docs/results-runs/ours_<set>_<POP|REPEAT>.json and the markdown tables are printed, then the
section `python3 scripts/results_table.py --report-only` writes into docs/results.md.

    python3 scripts/baselines_table.py [--threads 2] [--datasets kuairand_user,rees46]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import results_table as rt  # noqa: E402  (its loader, split and cache)
import offlinerl  # noqa: E402

RUNS = os.path.join(rt.ROOT, "docs", "results-runs")
KINDS = (("POP", "pop", "popularity"), ("REPEAT", "repeat", "repeat"))


def ce_runs(name):
    epochs = rt.EPOCHS[name]
    out = []
    for seed in (0, 1, 2):
        path = os.path.join(RUNS, f"ours_{name}_CE_s{seed}_e{epochs}.json")
        if os.path.exists(path):
            with open(path) as f:
                out.append(json.load(f))
    return out


def run_set(name, threads):
    data = rt.load_real(name)
    with data:
        full = rt.counts_of(data)
        train, valid, test = data.split(0.8, 0.1, seed=0)
    rows = {}
    with train, valid, test:
        info = {"full": full, "train": rt.counts_of(train), "valid": rt.counts_of(valid),
                "test": rt.counts_of(test), "kind": "our loader and split", "split_seed": 0}
        ce = ce_runs(name)
        for r in ce:
            same = all(r["data"][k] == info[k] for k in ("full", "train", "test"))
            if not same:
                raise SystemExit(f"{name}: the cached CE run (seed {r['seed']}) has another "
                                 f"split: {r['data']} vs {info}")
        for label, kind, title in KINDS:
            t0 = time.perf_counter()
            with offlinerl.Model.baseline(train, kind) as model:
                m = model.evaluate(test, threads)
            m["eval_seconds"] = round(time.perf_counter() - t0, 2)
            rec = {"side": "ours", "set": name, "algorithm": label, "baseline": title,
                   "metrics": m, "data": info, "threads": threads,
                   "version": offlinerl.version()}
            with open(os.path.join(RUNS, f"ours_{name}_{label}.json"), "w") as f:
                json.dump(rec, f)
            rows[title] = [m]
            rt.log(f"{name} {title}: click HR@10 {m['click']['hr@10']:.4f}, purchase HR@10 "
                   f"{m['purchase']['hr@10']:.4f} ({m['eval_seconds']} s)")
        rows["CE (GRU4Rec, 3 seeds)"] = [r["metrics"] for r in ce]
    return info, rows


def cell(ms, part, metric):
    v = [m[part][metric] for m in ms]
    if len(v) == 1:
        return f"{v[0]:.4f}"
    return f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}"


def table(name, info, rows):
    lines = [f"**{name}** (test: {rows[next(iter(rows))][0]['click']['count']} click steps, "
             f"{rows[next(iter(rows))][0]['purchase']['count']} purchase steps; "
             f"{info['full']['items']} items)", "",
             "| model | click HR@10 | click NDCG@10 | purchase HR@10 | purchase NDCG@10 |",
             "|---|---|---|---|---|"]
    for title, ms in rows.items():
        if not ms:
            lines.append(f"| {title} | not run | not run | not run | not run |")
            continue
        lines.append(f"| {title} | {cell(ms, 'click', 'hr@10')} | {cell(ms, 'click', 'ndcg@10')}"
                     f" | {cell(ms, 'purchase', 'hr@10')} | {cell(ms, 'purchase', 'ndcg@10')} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--datasets", default="kuairand_user,rees46")
    args = ap.parse_args(argv)
    for name in args.datasets.split(","):
        info, rows = run_set(name, args.threads)
        print(table(name, info, rows) + "\n")
    # The section docs/results.md shows (results_table.py --report-only writes it there).
    print(rt.baselines_section(RUNS, rt.load_cache(argparse.Namespace(cache=RUNS))))


if __name__ == "__main__":
    main()
