#!/usr/bin/env python3
"""Train every algorithm of the SQN/SNQN papers on one CSV and print their table.

Rows: CE (supervised GRU4Rec), SQN, SAC, SNQN, SA2C, then BCQ, CQL, SQN-CQL, REM and
SQN-REM (each scored by its default rule: BCQ's constrained ranking, REM's mean of heads,
the supervised head of the SQN combinations). Columns: HR and NDCG at 5, 10
and 20, for click steps and for purchase steps, on a held-out test split (sessions
split 80/10/10 as in the papers). Algorithms the loaded library does not provide
are listed as skipped, never filled in.

    python3 examples/python/papers_table.py --data logs.csv [--preset retailrocket]
    python3 examples/python/papers_table.py --simulate 5000      # simulator logs

Run from a checkout (the package is found beside this file) or after
``pip install bindings/python``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))

import offlinerl  # noqa: E402

#: (row label, trainer algorithm) in the papers' order, then the constrained and
#: pessimistic value methods of the talk (BCQ, CQL, REM and their SQN combinations).
ALGORITHMS = [("CE", "sl"), ("SQN", "sqn"), ("SAC", "sac"), ("SNQN", "snqn"), ("SA2C", "sa2c"),
              ("BCQ", "bcq"), ("CQL", "cql"), ("SQN-CQL", "sqn_cql"), ("REM", "rem"),
              ("SQN-REM", "sqn_rem"), ("REINFORCE", "reinforce")]
COLUMNS = [("HR@5", "hr@5"), ("NDCG@5", "ndcg@5"), ("HR@10", "hr@10"), ("NDCG@10", "ndcg@10"),
           ("HR@20", "hr@20"), ("NDCG@20", "ndcg@20")]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", help="event log (CSV/TSV, .gz), canonical columns or --preset")
    src.add_argument("--simulate", type=int, metavar="SESSIONS",
                     help="log this many sessions from the built-in simulator instead")
    ap.add_argument("--preset", help="known log format (retailrocket, rees46, ...)")
    ap.add_argument("--items", type=int, default=500, help="simulator items (with --simulate)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--embed", type=int, default=64, help="embedding and hidden size")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--algorithms", default=",".join(a for a, _ in ALGORITHMS),
                    help="rows to run, e.g. CE,SQN (default: all five)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    return ap.parse_args(argv)


def load_data(args):
    if args.data:
        return offlinerl.Dataset.from_csv(args.data, args.preset, window=args.window)
    with offlinerl.Simulator(n_items=args.items, n_clusters=min(20, args.items),
                             seed=args.seed) as sim, tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sim_logs.csv")
        sim.write_csv(args.simulate, path)  # through a CSV, as with real logs
        return offlinerl.Dataset.from_csv(path, window=args.window)


def run_one(algorithm, train, test, args):
    """Metrics dict, or the reason the row is skipped."""
    try:
        trainer = offlinerl.Trainer(algorithm, epochs=args.epochs, batch_size=args.batch,
                                    learning_rate=args.lr, seed=args.seed, threads=args.threads,
                                    embed_dim=args.embed, hidden_dim=args.embed,
                                    window=args.window)
    except offlinerl.OfflineRLError as exc:
        if exc.status == offlinerl.Status.UNSUPPORTED:
            return None, f"not available in libofflinerl {offlinerl.version()}"
        raise
    with trainer:
        start = time.perf_counter()
        trainer.fit(train)
        seconds = time.perf_counter() - start
        with trainer.export() as model:
            metrics = model.evaluate(test, args.threads)
    metrics["train_seconds"] = round(seconds, 2)
    return metrics, None


def print_table(rows):
    for part, title in (("click", "clicks"), ("purchase", "purchases")):
        print(f"\n{title}")
        print(f"  {'':6}" + "".join(f"{name:>9}" for name, _ in COLUMNS))
        for label, metrics, skipped in rows:
            if metrics is None:
                print(f"  {label:6}  skipped: {skipped}")
            else:
                print(f"  {label:6}" + "".join(f"{metrics[part][key]:9.4f}" for _, key in COLUMNS))


def main(argv=None):
    args = parse_args(argv)
    wanted = [a.strip().upper() for a in args.algorithms.split(",") if a.strip()]
    unknown = set(wanted) - {label for label, _ in ALGORITHMS}
    if unknown:
        print(f"unknown rows: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    with load_data(args) as data:
        train, valid, test = data.split(0.8, 0.1, seed=args.seed)
    with train, valid, test:
        st = train.stats()
        if not args.json:
            print(f"train: {st['n_events']} transitions, {st['n_sessions']} sessions, "
                  f"{st['n_items']} items; test: {test.stats()['n_events']} steps; "
                  f"{args.epochs} epochs, embedding {args.embed}")
        rows = []
        for label, algorithm in ALGORITHMS:
            if label not in wanted:
                continue
            metrics, skipped = run_one(algorithm, train, test, args)
            rows.append((label, metrics, skipped))
            if not args.json:
                done = f"{metrics['train_seconds']} s" if metrics else skipped
                print(f"  {label}: {done}", file=sys.stderr)
    if args.json:
        print(json.dumps({label: metrics if metrics else {"skipped": skipped}
                          for label, metrics, skipped in rows}))
    else:
        print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
