"""Slates: Simulator(slate_size=K, ...), the display rows of its CSV and Dataset.displays()."""

import csv
import math
import os
import tempfile
import unittest

import offlinerl
from offlinerl import Status

from . import support


class SlateTest(support.ErrorAssertions):
    def test_generate_displays(self):
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4, slate_size=4,
                                 position_bias=0.5) as sim:
            self.assertEqual(sim.params["slate_size"], 4)
            with sim.generate(60) as ds:
                n = ds.display_count()
                self.assertGreater(n, 60)
                shows = ds.displays()
                self.assertEqual(len(shows), n)
                clicked = [d for d in shows if d["clicked_slot"] >= 0]
                self.assertEqual(len(clicked), len(ds))  # every event came from a display
                for d in shows:
                    self.assertEqual(len(d["item_ids"]), 4)
                    self.assertGreater(d["slate_propensity"], 0)
                    for b, c in zip(d["propensities"], d["inclusion"]):
                        self.assertTrue(0 < b <= c + 1e-6 <= 1 + 1e-6)
                    if d["event_in_session"] >= 0:
                        events = ds.session_events(d["session"])
                        ev = events[d["events_before"]]
                        self.assertEqual(ev["item"], d["items"][d["clicked_slot"]])
                        self.assertEqual(ev["reward"], d["reward"])
                    else:
                        self.assertEqual(d["reward"], 0)

    def test_logging_distribution_of_a_display(self):
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4, slate_size=3) as sim:
            with sim.generate(30) as ds:
                d = next(x for x in ds.displays() if x["session"] >= 0 and x["events_before"])
                user = sim.session_user(int(ds.session_key(d["session"])))
                hist = [e["item"] for e in ds.session_events(d["session"])][:d["events_before"]]
                probs = sim.logging_probs(user, hist)
                for item, beta in zip(d["items"], d["propensities"]):
                    if item is not None:
                        self.assertAlmostEqual(probs[item], beta, delta=1e-6 * beta)

    def test_csv_display_rows(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "slates.csv")
            with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4, slate_size=3) as sim:
                sim.write_csv(30, path)
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
            self.assertIn("impressions", rows[0])
            none = [r for r in rows if r["event"] == "none"]
            self.assertGreater(len(none), 0)
            for r in rows:
                self.assertEqual(len(r["impressions"].split("|")), 3)
                self.assertEqual(len(r["impression_inclusion"].split("|")), 3)
            for r in none:
                self.assertEqual(r["item_id"], "")
                self.assertEqual(float(r["reward"]), 0.0)
            with offlinerl.Dataset() as ds:
                ds.load_csv(path)
                ds.finalize()
                self.assertEqual(ds.display_count(), len(rows))

    def test_k1_without_impressions_has_no_displays(self):
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4) as sim:
            with sim.generate(20) as ds:
                self.assertEqual(ds.display_count(), 0)
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4, log_impressions=True) as sim:
            with sim.generate(20) as ds:
                self.assertGreater(ds.display_count(), len(ds))

    def test_slate_rollouts(self):
        with offlinerl.Simulator(n_items=40, n_clusters=4, seed=3, slate_size=5) as sim:
            r = sim.rollout(lambda hist: [float(i % 7) for i in range(40)], n_sessions=50)
            self.assertTrue(math.isfinite(r["mean_return"]))

    def test_bad_slate_settings(self):
        for bad in ({"slate_size": 0}, {"slate_size": 31}, {"position_bias": -1.0},
                    {"log_impressions": 2}, {"slate_size": 2, "log_skips": 1}):
            self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Simulator, n_items=30,
                              n_clusters=3, **bad)

    def test_cli_slates(self):
        from .test_cli import run

        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "cli_slates.csv")
            status, _, err = run("sim", "generate", "--sessions", "40", "--items", "30",
                                 "--clusters", "3", "--slate-size", "3", "--out", path)
            self.assertEqual(status, 0, err)
            status, out, err = run("data", "inspect", path)
            self.assertEqual(status, 0, err)
            self.assertIn("displays", out)
            status, _, err = run("sim", "generate", "--sessions", "5", "--slate-size", "0",
                                 "--out", path)
            self.assertNotEqual(status, 0)

    def test_display_index_out_of_range(self):
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=4, slate_size=2) as sim:
            with sim.generate(5) as ds:
                self.assertStatus(Status.OUT_OF_RANGE, ds.display, ds.display_count())


    def test_estimate_value_on_slates_without_inclusion(self):
        """Slate logs, behaviour "fit" (an impression model) or a Model (its softmax), and a
        stochastic target: both slate estimators, finite, with the behaviour's warning."""
        with offlinerl.Simulator(n_items=40, n_clusters=3, seed=6, slate_size=3) as sim:
            with sim.generate(200) as ds, offlinerl.Model.baseline(ds) as pop:
                for behaviour, word in (("fit", "impression model"), (pop, "behaviour_model")):
                    r = pop.estimate_value(ds, behaviour=behaviour, policy="softmax:1",
                                           interval="normal", fqe_epochs=1, threads=2)
                    self.assertEqual([e["estimator"] for e in r], ["iips", "pseudo_inverse"])
                    for e in r:
                        self.assertTrue(math.isfinite(e["value"]))
                        self.assertGreater(e["ess"], 1)
                    self.assertTrue(any(word in w for w in r.warnings), r.warnings)
                # The model as its own behaviour and target (softmax:1): every weight is 1,
                # so IIPS is the mean reward per display.
                r = pop.estimate_value(ds, behaviour=pop, policy="softmax:1", estimators="iips",
                                       interval="normal")
                mean = sum(d["reward"] for d in ds.displays()) / ds.display_count()
                self.assertAlmostEqual(r["iips"]["value"], mean, delta=1e-3 * max(mean, 1e-3))

if __name__ == "__main__":
    unittest.main()
