"""scripts/results_table.py: the file loader keeps the files' split, the smoke run works,
the encoder dimension (cache names, backward compatibility, the peer's programs, the
report's per-encoder sections and equivalence.py's intervals)."""

import argparse
import contextlib
import glob
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts",
                      "results_table.py")
SHARED = os.environ.get("ORL_SHARED_DIR") or os.path.join(os.path.dirname(SCRIPT), "..", "..",
                                                          "shared")
CACHE = os.path.join(os.path.dirname(SCRIPT), "..", "docs", "results-runs")
EQUIVALENCE = os.path.join(SHARED, "tools", "equivalence.py")


def load_script():
    spec = importlib.util.spec_from_file_location("results_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_csv(path, sessions):
    with open(path, "w") as f:
        f.write("session_id,timestamp,item_id,event\n")
        for sid, t0, items in sessions:
            for k, item in enumerate(items):
                f.write(f"{sid},{t0 + k},{item},{'purchase' if k == len(items) - 1 else 'click'}\n")


@unittest.skipUnless(os.path.exists(SCRIPT), "scripts/ not beside the package")
class ResultsTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mod = load_script()

    def test_files_keep_their_split_and_share_items(self):
        with tempfile.TemporaryDirectory() as tmp:
            # Test sessions start BEFORE the train sessions and reuse a session id: the
            # loader must still give back exactly the files' sessions.
            tr, va, te = (os.path.join(tmp, n) for n in ("train.csv", "val.csv", "test.csv"))
            write_csv(tr, [(1, 1000, [10, 11, 12, 13]), (2, 2000, [11, 12, 14])])
            write_csv(va, [(3, 5, [10, 12])])
            write_csv(te, [(1, 0, [12, 99, 10]), (7, 3, [14, 10])])
            parts = self.mod.load_files([tr, va, te], tmp)
            try:
                stats = [p.stats() for p in parts]
                self.assertEqual([s["n_sessions"] for s in stats], [2, 1, 2])
                self.assertEqual([s["n_events"] for s in stats], [7, 2, 5])
                self.assertEqual([s["n_purchases"] for s in stats], [2, 1, 2])
                # one dictionary: item 99 (test only) is a catalogue item of the train part
                self.assertEqual({s["n_items"] for s in stats}, {6})
                self.assertEqual(parts[0].item_id("99"), parts[2].item_id("99"))
            finally:
                for p in parts:
                    p.close()

    @unittest.skipUnless(os.path.exists(os.path.join(SHARED, "data", "diginetica_cikm16")),
                         "shared/data/diginetica_cikm16 absent (ORL_SHARED_DIR)")
    def test_quick_smoke_run(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = self.mod.main(["--quick", "--threads", "1"])
        self.assertEqual(status, 0)
        rows = json.loads(out.getvalue())
        self.assertEqual([r["algorithm"] for r in rows], ["CE", "SQN"])
        for r in rows:
            self.assertEqual(r["set"], "diginetica")
            # the reference preprocessing's counts (shared/peer/README.md)
            self.assertEqual(r["full"], {"events": 2998, "sessions": 596, "items": 700,
                                         "purchases": 67})
            self.assertTrue(0.0 <= r["click_hr@10"] <= 1.0)
            self.assertTrue(0.0 <= r["purchase_hr@10"] <= 1.0)


def fake_metrics(base, step=0.0):
    """A run's metrics as the library's evaluate() returns them (all @5/10/20 keys)."""
    m = {}
    for k, part in enumerate(("click", "purchase")):
        m[part] = {f"{name}@{at}": round(base + 0.1 * k + step + 0.001 * at, 6)
                   for name in ("hr", "ndcg") for at in (5, 10, 20)}
        m[part]["count"] = 1000 if part == "click" else 100
    m["train_seconds"] = 1.0
    return m


def fake_record(side, name, label, seed, metrics, encoder=None, epochs=3):
    rec = {"side": side, "set": name, "algorithm": label, "seed": seed, "epochs": epochs,
           "metrics": metrics}
    if side == "ours":
        counts = {"events": 10, "sessions": 2, "items": 5, "purchases": 1}
        rec["data"] = {"full": None, "train": counts, "valid": counts, "test": counts}
    if encoder is not None:  # None: a record cached before encoders existed
        rec["encoder"] = encoder
    return rec


@unittest.skipUnless(os.path.exists(SCRIPT), "scripts/ not beside the package")
class ResultsTableEncodersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mod = load_script()

    def test_cache_names_keep_gru4rec_and_suffix_the_others(self):
        name = self.mod.cache_name
        self.assertEqual(name("ours", "small", "CE", 0, 3), "ours_small_CE_s0_e3.json")
        self.assertEqual(name("ours", "small", "CE", 0, 3, "gru4rec"), "ours_small_CE_s0_e3.json")
        self.assertEqual(name("ours", "small", "CE", 0, 3, "sasrec"),
                         "ours_small_CE-sasrec_s0_e3.json")
        self.assertEqual(name("peer", "peer-rees46", "SQN", 7, 30, "nextitnet"),
                         "peer_peer-rees46_SQN-nextitnet_s7_e30.json")
        names = {name("ours", "kuairand_user", "SA2C", 2, 15, e) for e in self.mod.ENCODERS}
        self.assertEqual(len(names), len(self.mod.ENCODERS))
        with self.assertRaises(ValueError):
            name("ours", "small", "CE", 0, 3, "gru")
        args = argparse.Namespace(cache="/c")
        self.assertEqual(self.mod.cache_path(args, "peer", "small", "CE", 1, 3, "caser"),
                         os.path.join("/c", "peer_small_CE-caser_s1_e3.json"))

    @unittest.skipUnless(glob.glob(os.path.join(CACHE, "*.json")), "no cached runs")
    def test_committed_runs_read_as_gru4rec_under_their_names(self):
        # Every cached file is where cache_name() puts its record, and a record without
        # "encoder" (all runs cached before encoders existed) loads as gru4rec.
        no_field = set()
        for path in glob.glob(os.path.join(CACHE, "*.json")):
            with open(path) as f:
                r = json.load(f)
            if "baseline" in r:  # scripts/baselines_table.py: no seed, no epochs
                self.assertEqual(os.path.basename(path), f"ours_{r['set']}_{r['algorithm']}.json")
                continue
            enc = r.get("encoder", "gru4rec")
            if "encoder" not in r:
                no_field.add(os.path.basename(path))
            self.assertEqual(self.mod.cache_name(r["side"], r["set"], r["algorithm"], r["seed"],
                                                 r["epochs"], enc), os.path.basename(path))
        with contextlib.redirect_stderr(io.StringIO()):
            recs = self.mod.load_cache(argparse.Namespace(cache=CACHE))
        self.assertTrue(all(r["encoder"] in self.mod.ENCODERS for r in recs))
        loaded = {self.mod.cache_name(r["side"], r["set"], r["algorithm"], r["seed"],
                                      r["epochs"], r["encoder"])
                  for r in recs if "source" not in r and r["encoder"] == "gru4rec"}
        self.assertTrue(no_field <= loaded)

    @unittest.skipUnless(glob.glob(os.path.join(CACHE, "ours_*_POP.json")), "no baseline runs")
    def test_baselines_section_from_the_cache(self):
        # scripts/baselines_table.py's records stay out of the runs and make their own section,
        # CE (GRU4Rec) beside them.
        recs = self.mod.load_cache(argparse.Namespace(cache=CACHE))
        self.assertFalse(any("baseline" in r for r in recs))
        text = self.mod.baselines_section(CACHE, recs)
        self.assertIn("## Baselines: popularity and repeat beside CE", text)
        for row in ("| popularity | 1 |", "| repeat | 1 |", "| CE (GRU4Rec) | 3 |"):
            self.assertIn(row, text)
        with tempfile.TemporaryDirectory() as empty:
            self.assertEqual(self.mod.baselines_section(empty, recs), "")

    def test_load_cache_backward_compatible(self):
        with tempfile.TemporaryDirectory() as tmp:
            recs_in = {
                "ours_small_CE_s0_e3.json":
                    fake_record("ours", "small", "CE", 0, fake_metrics(0.5)),
                "ours_small_CE-sasrec_s0_e3.json":
                    fake_record("ours", "small", "CE", 0, fake_metrics(0.6), "sasrec"),
                "peer_peer-rees46_CE_s0_e30.json":
                    fake_record("peer", "peer-rees46", "CE", 0, fake_metrics(0.2), epochs=30),
                "peer_peer-rees46_CE-sasrec_s0_e30.json":
                    fake_record("peer", "peer-rees46", "CE", 0, fake_metrics(0.3), "sasrec", 30),
            }
            for fname, rec in recs_in.items():
                with open(os.path.join(tmp, fname), "w") as f:
                    json.dump(rec, f)
            recs = self.mod.load_cache(argparse.Namespace(cache=tmp))
        group = self.mod.group
        self.assertEqual([r["metrics"]["click"]["hr@10"]
                          for r in group(recs, "ours", "small")["CE"]], [0.51])
        self.assertEqual(group(recs, "ours", "small")["CE"][0]["encoder"], "gru4rec")
        self.assertEqual([r["metrics"]["click"]["hr@10"]
                          for r in group(recs, "ours", "small", "sasrec")["CE"]], [0.61])
        self.assertEqual(group(recs, "ours", "small", "caser"), {})
        sas = group(recs, "peer", "peer-rees46", "sasrec")["CE"]
        self.assertEqual([(r["seed"], "source" in r) for r in sas], [(0, False)])
        gru = group(recs, "peer", "peer-rees46")["CE"]
        # the cached gru4rec seed 0 replaces the peer's own seed-0 run (if shared/ is there)
        self.assertEqual([r["metrics"]["click"]["hr@10"] for r in gru if r["seed"] == 0], [0.21])
        self.assertTrue(all(r["encoder"] == "gru4rec" for r in gru))

    def test_peer_programs(self):
        prog = self.mod.peer_program
        p, a = prog("CE", "gru4rec")
        self.assertEqual((os.path.basename(p), a), ("sqn_torch.py", ["--mode", "ce"]))
        p, a = prog("SAC", "gru4rec")
        self.assertEqual(os.path.basename(p), "peer_sac.py")
        p, a = prog("SNQN", "gru4rec")
        self.assertEqual(a, ["--mode", "sa2c", "--warmup", "1000000000"])
        for label, mode in (("CE", "ce"), ("SQN", "sqn"), ("SA2C", "sa2c")):
            for enc in ("sasrec", "caser", "nextitnet"):
                p, a = prog(label, enc)
                self.assertEqual((os.path.basename(p), a),
                                 ("seqrec_torch.py", ["--encoder", enc, "--mode", mode]))
        for label in ("SAC", "SNQN"):
            p, why = prog(label, "caser")
            self.assertIsNone(p)
            self.assertIn(f"no {label} mode", why)

    def test_encoders_option(self):
        self.assertEqual(self.mod.parse_args([]).encoders, ["gru4rec"])
        self.assertEqual(self.mod.parse_args(["--encoders", "sasrec, GRU4Rec"]).encoders,
                         ["sasrec", "gru4rec"])
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            self.mod.parse_args(["--encoders", "gru4rec,transformer"])

    @unittest.skipUnless(os.path.exists(os.path.join(SHARED, "data", "diginetica_cikm16")),
                         "shared/data/diginetica_cikm16 absent (ORL_SHARED_DIR)")
    def test_encoder_runs_are_cached_or_reported_unavailable(self):
        with tempfile.TemporaryDirectory() as tmp:
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                status = self.mod.main(["--datasets", "diginetica", "--epochs", "1", "--seeds", "0",
                                        "--algorithms", "CE", "--encoders", "gru4rec,sasrec",
                                        "--threads", "1", "--cache", tmp, "--no-report"])
            self.assertEqual(status, 0)
            with open(os.path.join(tmp, "ours_diginetica_CE_s0_e1.json")) as f:
                rec = json.load(f)
            self.assertEqual(rec["encoder"], "gru4rec")
            self.assertEqual(rec["config"]["encoder"]["architecture"], "gru4rec")
            sas = os.path.join(tmp, "ours_diginetica_CE-sasrec_s0_e1.json")
            if self.mod.encoder_unavailable("sasrec"):
                self.assertIn("encoder sasrec not available", err.getvalue())
                self.assertFalse(os.path.exists(sas))
            else:  # once the encoder is built
                with open(sas) as f:
                    rec = json.load(f)
                self.assertEqual(rec["encoder"], "sasrec")
                self.assertEqual(rec["config"]["encoder"]["architecture"], "sasrec")

    @unittest.skipUnless(os.path.exists(EQUIVALENCE), "shared/tools/equivalence.py absent")
    def test_report_per_encoder_and_equivalence_py(self):
        recs = []
        for seed in range(3):
            d = 0.002 * seed
            recs += [fake_record("ours", "small", "CE", seed, fake_metrics(0.50, d)),
                     fake_record("peer", "small", "CE", seed, fake_metrics(0.50, -d), "gru4rec"),
                     fake_record("ours", "small", "CE", seed, fake_metrics(0.55, d), "sasrec"),
                     fake_record("peer", "small", "CE", seed, fake_metrics(0.58, 2 * d), "sasrec")]
        for r in recs:
            r.setdefault("encoder", "gru4rec")
        o = [r for r in recs if r["side"] == "ours" and r["encoder"] == "sasrec"]
        p = [r for r in recs if r["side"] == "peer" and r["encoder"] == "sasrec"]
        got = self.mod.equivalence(o, p)
        with tempfile.TemporaryDirectory() as tmp:
            # the tool itself on the same runs, both sides in the peer's file format
            files = {}
            for side, rs in (("ours", o), ("peer", p)):
                files[side] = []
                for i, r in enumerate(rs):
                    path = os.path.join(tmp, f"{side}{i}.json")
                    with open(path, "w") as f:
                        json.dump({"metrics": {f"{part}_{k}": v for part in ("click", "purchase")
                                               for k, v in r["metrics"][part].items()}}, f)
                    files[side].append(path)
            cli = subprocess.run([sys.executable, EQUIVALENCE, "--ours", *files["ours"], "--peer",
                                  *files["peer"], "--json"], capture_output=True, text=True)
            self.assertEqual(cli.returncode, 1)  # sasrec's click HR is 0.03 apart
            self.assertEqual(got, json.loads(cli.stdout))
            ci = {f["figure"]: f for f in got["figures"]}
            self.assertFalse(ci["click hr@10"]["equivalent"])

            args = argparse.Namespace(cache=tmp, out=os.path.join(tmp, "results.md"),
                                      commands_note=[])
            with contextlib.redirect_stderr(io.StringIO()):
                self.mod.write_report(args, recs)
            with open(args.out) as f:
                text = f.read()
            f = ci["click hr@10"]
            row = (f"| CE | click HR@10 | {f['ours_mean']:.4f} ± {f['ours_sd']:.4f} (3) "
                   f"| {f['peer_mean']:.4f} ± {f['peer_sd']:.4f} (3) | {f['diff']:+.4f} "
                   f"| [{f['ci'][0]:+.4f}, {f['ci'][1]:+.4f}] | ±0.01 | **not shown** |")
            self.assertIn("### small, SASRec (3 epochs; peer: seqrec_torch.py --encoder sasrec)",
                          text)
            self.assertIn(row, text)
            self.assertIn("### small, GRU4Rec (3 epochs; peer: sqn_torch.py / peer_sac.py)", text)
            self.assertIn("#### small: the encoders side by side (@10)", text)
            self.assertIn("#### small, SASRec encoder", text)
            self.assertIn("| *peer CE* | *SASRec* | 3 |", text)

            # gru4rec alone: no encoder sections, the papers' table as before
            with contextlib.redirect_stderr(io.StringIO()):
                self.mod.write_report(args, [r for r in recs if r["encoder"] == "gru4rec"])
            with open(args.out) as f:
                text = f.read()
            self.assertNotIn("SASRec encoder", text)
            self.assertNotIn("### small, SASRec", text)
            self.assertNotIn("encoders side by side", text)


if __name__ == "__main__":
    unittest.main()
