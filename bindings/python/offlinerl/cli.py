"""``python -m offlinerl``: the ``orl`` command line in Python.

Subcommands mirror the C CLI: ``version``, ``sim generate|baselines``,
``data inspect``, ``train``, ``eval``, ``recommend``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from contextlib import ExitStack
from typing import Any, Dict, List, Optional, Tuple

from ._errors import OfflineRLError
from .dataset import Dataset
from .encoder import LIST_KEYS, Encoder
from .model import Model
from .simulator import Simulator
from .trainer import Trainer


class _Parser(argparse.ArgumentParser):
    """An argument parser that says no to what it does not understand: no abbreviated option
    names (``--epoch`` is not ``--epochs``), and every usage error (status 2) ends with a pointer
    to the command's ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message}; see '{self.prog} --help'\n")

    def option_names(self) -> List[str]:
        return [o for a in self._actions for o in a.option_strings]

    def refuse(self, extras: List[str]) -> None:
        """A usage error for the first argument nobody understood (status 2)."""
        for arg in extras:
            if arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
                name = arg.split("=", 1)[0]
                names = [n for n in self.option_names() if n not in ("-h", "--help")]
                near = min(names, key=lambda n: _edit_distance(name, n)) if names else None
                hint = f" (did you mean '{near}'?)" if near else ""
                self.error(f"unknown option '{name}'{hint}")
        self.error(f"unexpected argument '{extras[0]}'")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diag, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diag, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diag + (ca != cb))
    return row[-1]


def number(text: str) -> float:
    """A finite float option value (the whole text)."""
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(text)
    return x


def _data_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data options (CSV/TSV, .gz, OTTO .jsonl, or a binary .orld)")
    g.add_argument("--preset", help="canonical, retailrocket, rees46, yoochoose-clicks, ...")
    for col in ("session", "item", "time", "event", "reward", "propensity"):
        g.add_argument(f"--{col}-col", metavar="C", help=f"{col} column (name or #index)")
    g.add_argument("--event-map", metavar="MAP", help="raw=type,... ('x*' matches a prefix)")
    g.add_argument("--sep", "--delimiter", dest="sep", metavar="X",
                   help="field separator: ',' ';' 'tab' '|' or 'auto'")
    g.add_argument("--no-header", action="store_true", help="the file has no header line")
    g.add_argument("--lenient", action="store_true", help="skip and count malformed rows")
    g.add_argument("--window", type=int, default=10, help="history length N (default 10)")
    g.add_argument("--min-session-len", type=int, default=1)
    g.add_argument("--min-item-count", type=int, default=1)
    g.add_argument("--session-gap", type=int, default=0)


def load_data(args: argparse.Namespace, paths: List[str]) -> Dataset:
    """A finalized dataset from the data options (several files are appended)."""
    if len(paths) == 1 and paths[0].endswith(".orld"):
        return Dataset.load(paths[0])
    columns: Dict[str, Any] = {}
    for col in ("session", "item", "time", "event", "reward", "propensity"):
        value = getattr(args, f"{col}_col")
        if value is not None:
            columns[f"{col}_col"] = value
    if args.event_map:
        columns["event_map"] = args.event_map
    if args.sep:
        columns["delimiter"] = args.sep
    if args.no_header:
        columns["header"] = 0
    if args.lenient:
        columns["strict"] = 0
    ds = Dataset(window=args.window, min_session_len=args.min_session_len,
                 min_item_count=args.min_item_count, session_gap=args.session_gap)
    try:
        for path in paths:
            if path.endswith((".jsonl", ".jsonl.gz")):
                r = ds.load_jsonl(path, strict=not args.lenient)
            else:
                r = ds.load_csv(path, args.preset, **columns)
            if r["rows_malformed"] or r["rows_unknown_event"]:
                first = f"; first: {r['first_error']}" if r["first_error"] else ""
                print(f"orl: {path}: skipped {r['rows_malformed']} malformed rows, "
                      f"{r['rows_unknown_event']} of unknown event types{first}", file=sys.stderr)
        ds.finalize()
    except BaseException:
        ds.close()
        raise
    return ds


def print_metrics(title: str, m: Dict[str, Any], out=None) -> None:
    """The papers' table for one model: clicks and purchases x HR/NDCG@5/10/20."""
    out = out if out is not None else sys.stdout
    print(title, file=out)
    print(f"  {'':9} {'steps':>8}  {'HR@5':>7} {'HR@10':>7} {'HR@20':>7}  "
          f"{'NDCG@5':>7} {'NDCG@10':>7} {'NDCG@20':>7}", file=out)
    for name, key in (("clicks", "click"), ("purchases", "purchase")):
        d = m[key]
        print(f"  {name:9} {d['count']:>8}  {d['hr@5']:7.4f} {d['hr@10']:7.4f} {d['hr@20']:7.4f}"
              f"  {d['ndcg@5']:7.4f} {d['ndcg@10']:7.4f} {d['ndcg@20']:7.4f}", file=out)


def _simulator(args: argparse.Namespace) -> Simulator:
    return Simulator(n_items=args.items, n_users=args.users,
                     n_clusters=min(args.clusters, args.items), seed=args.seed,
                     log_epsilon=args.epsilon, log_temperature=args.temperature,
                     log_skips=int(args.log_skips), slate_size=args.slate_size,
                     position_bias=args.position_bias,
                     log_impressions=int(args.log_impressions))


def cmd_version(args: argparse.Namespace) -> int:
    from . import build_info, version

    print(f"orl {version()} (python)\n{json.dumps(build_info())}")
    return 0


def cmd_sim(args: argparse.Namespace) -> int:
    with _simulator(args) as sim:
        if args.action == "generate":
            if not args.out:
                print("orl sim generate: --out FILE is required", file=sys.stderr)
                return 2
            sim.write_csv(args.sessions or 10000, args.out)
            return 0
        if args.action == "value":
            return _sim_value(sim, args)
        for name, r in sim.baselines(args.sessions or 2000, 1).items():
            print(json.dumps({"policy": name, "sessions": r["n_sessions"],
                              "mean_return": round(r["mean_return"], 4),
                              "std_error": round(r["std_error"], 4),
                              "ci95": [round(r["ci_low"], 4), round(r["ci_high"], 4)],
                              "clicks": round(r["mean_clicks"], 3),
                              "purchases": round(r["mean_purchases"], 3),
                              "length": round(r["mean_length"], 3)}))
    return 0


def _sim_value(sim: Simulator, args: argparse.Namespace) -> int:
    """The true value of a saved model, each head (``orl sim value``)."""
    from .model import Model, policy_rule, policy_text

    if not args.model:
        print("orl sim value: --model MODEL.orl is required", file=sys.stderr)
        return 2
    rule = policy_text(policy_rule(args.policy)) if args.policy is not None else None
    sessions = args.sessions or 2000
    with Model.load(args.model) as m:
        active = m.head
        for h in range(m.head_count):
            with m.with_head(h) as mh:
                r = sim.rollout_model(mh, sessions, 1, policy=rule)
            row = {"policy": args.model, "head": "q" if h else "supervised",
                   "default_head": h == active}
            if rule is not None:
                row["rule"] = rule
            row.update({"sessions": r["n_sessions"], "mean_return": round(r["mean_return"], 4),
                        "std_error": round(r["std_error"], 4),
                        "ci95": [round(r["ci_low"], 4), round(r["ci_high"], 4)],
                        "clicks": round(r["mean_clicks"], 3),
                        "purchases": round(r["mean_purchases"], 3),
                        "length": round(r["mean_length"], 3)})
            print(json.dumps(row))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    with load_data(args, args.files) as ds:
        stats = ds.stats_json()
        if args.json:
            print(json.dumps(stats))
        else:
            st = ds.stats()
            per_event = st["memory_bytes"] / st["n_events"] if st["n_events"] else 0.0
            print(f"events     {st['n_events']}\nsessions   {st['n_sessions']}\n"
                  f"items      {st['n_items']}\npurchases  {st['n_purchases']} (in "
                  f"{st['n_sessions_with_purchase']} sessions)\nsession length  min "
                  f"{st['min_session_len']}  mean {st['mean_session_len']:.2f}  max "
                  f"{st['max_session_len']}\nmemory     {per_event:.1f} bytes/event")
            if "event_types" in stats:
                print(f"event types  {json.dumps(stats['event_types'])}")
            if "session_len_histogram" in stats:
                print(f"lengths      {json.dumps(stats['session_len_histogram'])}")
            if stats.get("displays"):
                print(f"displays   {stats['displays']} (shown lists, clicked or not)")
        if args.save:
            ds.save(args.save)
    return 0


def _parse_set(items: List[str]) -> Dict[str, float]:
    out = {}
    for kv in items:
        key, sep, value = kv.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key] = float(value)
        except ValueError:
            raise SystemExit(f"orl train: --set expects KEY=NUMBER, got '{kv}'") from None
    return out


def _encoder_settings(items: List[str]) -> List[Tuple[str, Any]]:
    """--encoder-set KEY=VALUE options: ``dropout`` a number, ``filter_heights`` and
    ``dilations`` comma-separated integers, every other key an integer."""
    out: List[Tuple[str, Any]] = []
    for kv in items:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise SystemExit(f"orl train: --encoder-set expects KEY=VALUE, got '{kv}'")
        if key == "window":
            raise SystemExit("orl train: the encoder's window is --window N (it also sets the "
                             "dataset's history length)")
        try:
            if key == "dropout":
                out.append((key, float(value)))
            elif key in LIST_KEYS:
                out.append((key, [int(x) for x in value.split(",")]))
            else:
                out.append((key, int(value)))
        except ValueError:
            what = "integers separated by commas" if key in LIST_KEYS else (
                "a number" if key == "dropout" else "an integer")
            raise SystemExit(f"orl train: --encoder-set {key} expects {what}, got '{value}'") \
                from None
    return out


def make_encoder(args: argparse.Namespace) -> Encoder:
    """The encoder of the train options (--encoder, --embed, --hidden, --window, --dropout,
    every --encoder-set in order).

    :raises SystemExit: (status 2) for a malformed option or a setting the library refuses,
        with the library's message.
    """
    settings = _encoder_settings(args.encoder_set)
    try:
        enc = Encoder(args.encoder, embed_dim=args.embed, hidden_dim=args.hidden,
                      window=args.window)
    except OfflineRLError as exc:
        print(f"orl train: --encoder: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    steps = ([("--dropout", "dropout", args.dropout)] if args.dropout is not None else []) + [
        ("--encoder-set", key, value) for key, value in settings]
    for option, key, value in steps:
        try:
            enc.set(key, value)
        except OfflineRLError as exc:
            enc.close()
            print(f"orl train: {option}: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    return enc


def cmd_train(args: argparse.Namespace) -> int:
    if not 0 <= args.holdout < 1:
        print("orl train: --holdout must be in [0, 1)", file=sys.stderr)
        return 2
    opened: List[Any] = []
    try:
        # The encoder first: a bad name or setting is a usage error, found before any data loads.
        encoder = make_encoder(args)
        opened.append(encoder)
        encoder_config = encoder.config()
        data = load_data(args, [args.data])
        opened.append(data)
        train, test = data, None
        if args.holdout > 0:
            train, _valid, test = data.split(1 - args.holdout, 0.0, seed=args.seed)
            opened += [train, _valid, test]
        elif args.test_data:
            test = load_data(args, [args.test_data])
            opened.append(test)
        valid = load_data(args, [args.valid_data]) if args.valid_data else None
        if valid is not None:
            opened.append(valid)
        settings = _parse_set(args.set)
        # --topk and --clip: aliases of reinforce's settings (the C CLI's too).
        for key in ("topk", "clip"):
            if getattr(args, key) is not None:
                settings[key] = getattr(args, key)
        trainer = Trainer(args.algo, encoder=encoder, epochs=args.epochs, batch_size=args.batch,
                          learning_rate=args.lr, seed=args.seed, threads=args.threads,
                          **settings)
        opened.append(trainer)
        if args.generative_model:
            with Model.load(args.generative_model) as g:  # the trainer keeps its own copy
                trainer.set_generative_model(g)
        bar = not args.quiet and not args.json and sys.stderr.isatty()

        def progress(p: Dict[str, Any]) -> bool:
            if bar and p["end_of_epoch"]:
                v = p["validation"]
                extra = (f"  valid HR@10 {v['click']['hr@10']:.4f}/{v['purchase']['hr@10']:.4f}"
                         if v else "")
                print(f"  epoch {p['epoch']}/{p['epochs']} loss {p['epoch_loss']:.4f}  "
                      f"{p['transitions_per_s']:.0f} transitions/s  {p['elapsed_s']:.1f}s{extra}",
                      file=sys.stderr)
            return False

        if not args.json:
            st = train.stats()
            print(f"training {args.algo} on {st['n_events']} transitions, {st['n_items']} items, "
                  f"{args.epochs} epochs\nencoder {json.dumps(encoder_config)}", file=sys.stderr)
        if not trainer.fit(train, valid, progress):
            print("orl train: training was stopped", file=sys.stderr)
            return 1
        model = trainer.export()
        opened.append(model)
        model.save(args.out)
        metrics = model.evaluate(test, args.threads) if test is not None else None
        if args.json:
            print(json.dumps({"model": args.out, "algorithm": args.algo,
                              "encoder": encoder_config, "test": metrics,
                              "history": trainer.history}))
        else:
            print(f"saved {args.out}")
            if metrics:
                print_metrics("test metrics (every step ranks the whole catalogue):", metrics)
        return 0
    finally:
        for obj in reversed(opened):
            obj.close()


def _scorings(model: Model, kappa: float) -> List[Tuple[str, Model]]:
    """Every head and rule ``model`` can score with, as (name, derived model)."""
    out: List[Tuple[str, Model]] = []
    two = model.head_count == 2
    if two or model.head != Model.Q:
        out.append(("supervised", model.with_head(Model.SUPERVISED)))
    if two or model.head == Model.Q:
        out.append(("q", model.with_score_rule("mean") if model.ensemble_size
                    else model.with_head(Model.Q)))
    if model.head == Model.CONSTRAINED:
        out.append(("constrained", model.with_head(Model.CONSTRAINED)))
    if model.ensemble_size:
        out += [(r, model.with_score_rule(r, kappa)) for r in ("lcb", "ucb")]
    return out


def _eval_model(args: argparse.Namespace, ds: Any) -> Model:
    """The model of ``--model``, or the baseline of ``--baseline`` counted on ``--train``
    (or, with a warning, on the evaluated data)."""
    if (args.model is None) == (args.baseline is None):
        raise SystemExit("orl eval: give --model or --baseline (pop or repeat), one of them")
    if args.model is not None:
        return Model.load(args.model)
    if args.train is None:
        kind = "repeat" if args.baseline == "repeat" else "popularity"
        print(f"orl: warning: the {kind} baseline counts the evaluated data itself; give "
              "--train FILE for counts from the training data", file=sys.stderr)
        return Model.baseline(ds, args.baseline)
    with load_data(args, [args.train]) as train:
        return Model.baseline(train, args.baseline)


def cmd_eval(args: argparse.Namespace) -> int:
    with load_data(args, [args.data]) as ds, _eval_model(args, ds) as model:
        results = {}
        own = {Model.SUPERVISED: "supervised", Model.Q: "q", Model.CONSTRAINED: "constrained"}
        default = own.get(model.head, "supervised")
        if model.ensemble_size and model.head == Model.Q and model.score_rule[0] != "mean":
            default = model.score_rule[0]
        for name, derived in _scorings(model, args.kappa):
            with derived:
                results[name] = derived.evaluate(ds, args.threads)
        if args.json:
            print(json.dumps({"model": model.info(), "heads": results, "default_head": default}))
        else:
            for name, m in results.items():
                rule = f" (mean {'-' if name == 'lcb' else '+'} {args.kappa:g} std)" \
                    if name in ("lcb", "ucb") else ""
                title = (f"{model.info()['algorithm']} baseline" if args.baseline
                         else f"{name}{rule}")
                print_metrics(f"{title} (every step ranks the whole catalogue):", m)
                if m["unknown_targets"]:
                    print(f"  {m['unknown_targets']} steps had an item the model does not know "
                          "(counted as misses)")
    return 0


def cmd_ope(args: argparse.Namespace) -> int:
    """Off-policy estimates of a saved model's value (``orl ope``)."""
    behaviour: Any = args.behaviour
    with ExitStack() as stack:
        model = stack.enter_context(Model.load(args.model))
        ds = stack.enter_context(load_data(args, [args.data]))
        if behaviour not in ("logged", "fit"):
            behaviour = stack.enter_context(Model.load(behaviour))
        r = model.estimate_value(ds, estimators=args.estimators, policy=args.policy,
                                 interval=args.interval, bootstrap_samples=args.samples,
                                 confidence=args.confidence, clip=args.clip,
                                 switch_threshold=args.switch_threshold, gamma=args.gamma,
                                 behaviour=behaviour, reward_model=args.reward_model,
                                 fqe_epochs=args.fqe_epochs, seed=args.seed,
                                 threads=args.threads)
    if args.json:
        print(json.dumps(r.as_dict()))
        return 0
    print(f"policy {r.as_dict()['policy']}")
    print(f"{'estimator':12} {'unit':8} {'value':>12} {'interval':>25} {'std_error':>10} "
          f"{'ess':>10} {'clipped':>8} {'per session':>14}")
    for e in r:
        ci = f"[{e['ci_low']:.5g}, {e['ci_high']:.5g}]"
        print(f"{e['estimator']:12} {e['unit']:8} {e['value']:12.6g} {ci:>25} "
              f"{e['std_error']:10.4g} {e['ess']:10.1f} {100 * e['clipped_share']:7.1f}% "
              f"{e['session_value']:14.6g}")
    for w in r.warnings:
        print(f"warning: {w}")
    return 0


def _keys(text: Optional[str], option: str = "") -> List[int]:
    try:
        return [int(x) for x in text.split(",") if x != ""] if text else []
    except ValueError:
        if option == "--exclude":
            raise SystemExit("orl recommend: --exclude takes integer keys e1,e2,...") from None
        raise SystemExit("orl recommend: --history and --candidates take integer keys "
                         "k1,k2,...") from None


def cmd_recommend(args: argparse.Namespace) -> int:
    history = _keys(args.history)
    heads = {"supervised": Model.SUPERVISED, "q": Model.Q, "constrained": Model.CONSTRAINED}
    with Model.load(args.model) as loaded:
        model = loaded.with_head(heads[args.head]) if args.head else loaded.with_head(loaded.head)
        if args.score:
            scored = model.with_score_rule(args.score, args.kappa)
            model.close()
            model = scored
        with model:
            return _recommend(args, history, model)


def _recommend(args: argparse.Namespace, history: List[int], model: Model) -> int:
    unknown = 0
    std: Dict[int, float] = {}
    with_std = model.ensemble_size > 0 and model.head == Model.Q
    if args.candidates is not None:
        cands = _keys(args.candidates)
        scores, skipped, unknown = model.score(history, cands, with_counts=True)
        if with_std:
            std = dict(zip(cands, model.score_with_std(history, cands)[1]))
        pairs = sorted(zip(cands, scores), key=lambda t: -t[1])[: args.k]
    elif args.exclude is not None:
        if with_std:
            raise SystemExit("orl recommend: --exclude does not combine with the ensemble's "
                             "standard deviation (use --score mean)")
        pairs, skipped = model.recommend(history, args.k, with_skipped=True,
                                         exclude=_keys(args.exclude, "--exclude"))
    else:
        pairs, skipped = model.recommend(history, args.k, with_skipped=True)
        if with_std:
            std = {i: sd for i, _, sd in model.recommend_with_std(history, args.k)}
    if args.json:
        items = [dict({"item": i, "score": s}, **({"std": std[i]} if with_std else {}))
                 for i, s in pairs]
        out: Dict[str, Any] = {"items": items, "skipped_history": skipped}
        if args.candidates is not None:
            out["unknown_candidates"] = unknown
        print(json.dumps(out))
    else:
        for item, score in pairs:
            print(f"{item}\t{score:.6g}" + (f"\t{std[item]:.6g}" if with_std else ""))
        if skipped:
            print(f"orl recommend: {skipped} history keys unknown to the model were skipped",
                  file=sys.stderr)
        if unknown:
            print(f"orl recommend: {unknown} candidates unknown to the model scored -inf",
                  file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m offlinerl``."""
    ap = _Parser(prog="python -m offlinerl",
                                 description="train, evaluate and serve offline-RL recommenders")
    sub = ap.add_subparsers(dest="command", metavar="command", required=True)

    sub.add_parser("version", help="print the library version and build information")

    p = sub.add_parser("sim", help="simulator logs; true values of baselines and models")
    p.add_argument("action", choices=("generate", "baselines", "value"))
    p.add_argument("--model", help="MODEL.orl whose true value to measure (value)")
    p.add_argument("--policy", help="value: the target policy rule: greedy, softmax:T, "
                                    "epsilon:E or epsilon:E:K")
    p.add_argument("--sessions", type=int, default=0,
                   help="sessions to log or roll out (default 10000 / 2000)")
    p.add_argument("--out", help="CSV file to write (generate)")
    p.add_argument("--items", type=int, default=1000)
    p.add_argument("--users", type=int, default=1000)
    p.add_argument("--clusters", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--epsilon", type=number, default=0.1)
    p.add_argument("--temperature", type=number, default=1.0)
    p.add_argument("--log-skips", action="store_true")
    p.add_argument("--slate-size", type=int, default=1,
                   help="items shown per step (1 .. 100); > 1 logs one row per step with "
                        "the impressions columns")
    p.add_argument("--position-bias", type=number, default=0.3,
                   help="slates: click logit lost per ln(position)")
    p.add_argument("--log-impressions", action="store_true",
                   help="slate size 1: log the display rows as well")

    p = sub.add_parser("data", help="inspect event logs: counts, event types, session lengths")
    p.add_argument("action", choices=("inspect",))
    p.add_argument("files", nargs="+")
    p.add_argument("--save", metavar="OUT.orld", help="also save the finalized dataset")
    p.add_argument("--json", action="store_true")
    _data_options(p)

    p = sub.add_parser("train", help="train a policy on logged sessions, evaluate it, save it")
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--algo", default="sl")
    p.add_argument("--test-data")
    p.add_argument("--holdout", type=number, default=0.0)
    p.add_argument("--valid-data")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--lr", type=number, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--encoder", default="gru4rec", metavar="NAME",
                   help="sequence encoder: gru4rec (default), sasrec, caser, nextitnet")
    p.add_argument("--embed", type=int, default=64,
                   help="item embedding size (default 64; SASRec and NextItNet: = --hidden)")
    p.add_argument("--hidden", type=int, default=64, help="state size (default 64)")
    p.add_argument("--dropout", type=number, metavar="X",
                   help="dropout while training, [0, 1) (default: the encoder's own, 0 for "
                        "gru4rec and nextitnet, 0.1 for sasrec and caser)")
    p.add_argument("--encoder-set", action="append", default=[], metavar="KEY=VALUE",
                   help="an encoder setting (repeatable): sasrec num_blocks, num_heads; caser "
                        "num_filters, num_v_filters, filter_heights=2,3,4; nextitnet "
                        "kernel_size, independent_init, dilations=1,2,1,2,1,2 "
                        "(docs/guides/encoders.md)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--topk", type=int, metavar="K",
                   help="reinforce: K of the top-K correction (= --set topk=K)")
    p.add_argument("--clip", type=number, metavar="C",
                   help="reinforce: importance weights clipped at C (= --set clip=C)")
    p.add_argument("--generative-model", metavar="G.orl",
                   help="bcq: use this trained model's supervised head (e.g. one trained with "
                        "--algo sl on the same data) as G, kept fixed")
    p.add_argument("--json", action="store_true")
    p.add_argument("--quiet", action="store_true")
    _data_options(p)

    p = sub.add_parser("eval", help="evaluate a saved model or a baseline (HR/NDCG@5/10/20)")
    p.add_argument("--model")
    p.add_argument("--baseline", choices=("pop", "popularity", "repeat"),
                   help="evaluate a baseline in place of --model")
    p.add_argument("--train", help="--baseline: the training data it counts (default: --data)")
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--kappa", type=number, default=1.0,
                   help="ensembles: the multiple of the heads' std in lcb and ucb (default 1)")
    _data_options(p)

    p = sub.add_parser("ope", help="estimate a saved model's value from logged sessions "
                                   "(off-policy)")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--estimators", help="comma list: ips, clipped_ips, snips, dm, dr, sndr, "
                                        "switch_dr, pdis, wpdis, seq_dr, fqe (default: all that "
                                        "apply)")
    p.add_argument("--policy", help="the target policy rule: greedy, softmax:T, epsilon:E or "
                                    "epsilon:E:K")
    p.add_argument("--interval", choices=("bootstrap", "normal", "bca"), default="bootstrap")
    p.add_argument("--samples", type=int, default=200, help="bootstrap resamples (default 200)")
    p.add_argument("--confidence", type=number, default=0.95)
    p.add_argument("--clip", type=number, default=10.0)
    p.add_argument("--switch-threshold", type=number, default=10.0)
    p.add_argument("--gamma", type=number, default=1.0)
    p.add_argument("--behaviour", default="logged", metavar="logged|fit|MODEL.orl")
    p.add_argument("--reward-model", choices=("fqe", "item_mean"), default="fqe")
    p.add_argument("--fqe-epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--json", action="store_true")
    _data_options(p)

    p = sub.add_parser("recommend", help="top-K items, or ranked host candidates, for a history")
    p.add_argument("--model", required=True)
    p.add_argument("--history", default="")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--candidates")
    p.add_argument("--exclude", help="item keys e1,e2,... to leave out of the top-K")
    p.add_argument("--json", action="store_true")
    p.add_argument("--head", choices=("supervised", "q", "constrained"),
                   help="the head to score with (default: the model's own)")
    p.add_argument("--score", choices=Model.SCORE_RULES,
                   help="ensembles (rem, sqn_rem): mean, lcb (mean - kappa std) or ucb")
    p.add_argument("--kappa", type=number, default=1.0,
                   help="the multiple of the heads' std (default 1)")
    return ap


_COMMANDS = {"version": cmd_version, "sim": cmd_sim, "data": cmd_data, "train": cmd_train,
             "eval": cmd_eval, "ope": cmd_ope, "recommend": cmd_recommend}


def main(argv: Optional[List[str]] = None) -> int:
    """Run one command; returns the exit status (library errors give 1, usage errors 2)."""
    ap = parser()
    args, extras = ap.parse_known_args(argv)
    if extras:
        sub = ap._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
        sub.refuse(extras)
    try:
        return _COMMANDS[args.command](args)
    except OfflineRLError as exc:
        print(f"orl: {exc}", file=sys.stderr)
        return 1
    except SystemExit as exc:
        if isinstance(exc.code, str):  # a usage error with its message: status 2, as orl's
            print(exc.code, file=sys.stderr)
            return 2
        raise
