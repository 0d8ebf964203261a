"""Simulator: parameters, logs, CSV, rollouts of Python and model policies, baselines."""

import csv
import math
import unittest

import offlinerl
from offlinerl import Status

from . import support


class SimulatorTest(support.ErrorAssertions):
    def test_params_and_items(self):
        with offlinerl.Simulator(n_items=30, n_clusters=3, seed=2, log_skips=True) as sim:
            self.assertEqual(sim.n_items, 30)
            self.assertEqual(sim.params["log_skips"], 1)
            ds = sim.generate(50)
            with ds:
                self.assertTrue(ds.finalized)
                self.assertGreater(ds.count_events("skip"), 0)
                self.assertEqual(ds.stats()["n_with_propensity"], len(ds))

    def test_generate_is_deterministic_and_continues(self):
        def logs(seed):
            with offlinerl.Simulator(n_items=30, n_clusters=3, seed=seed) as sim:
                with sim.generate(40) as a, sim.generate(40) as b:
                    return a.stats_json(), b.stats_json()

        a1, b1 = logs(5)
        a2, b2 = logs(5)
        self.assertEqual((a1, b1), (a2, b2))
        self.assertNotEqual(a1["time_min"], b1["time_min"], "the second call logs new sessions")

    def test_generate_into_existing_dataset(self):
        sim = support.world()[0]
        with offlinerl.Dataset(window=4) as ds:
            sim.generate(20, ds)
            self.assertFalse(ds.finalized)
            ds.add_events([10 ** 9], [1], [1], ["click"])
            ds.finalize()
            self.assertEqual(ds.stats()["window"], 4)
            self.assertStatus(Status.STATE, sim.generate, 5, ds)

    def test_write_csv(self):
        sim = support.world()[0]
        path = support.Tmp.file("sim.csv")
        sim.write_csv(25, path)
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0],
                         ["session_id", "timestamp", "item_id", "event", "reward", "propensity"])
        self.assertTrue(all(0 < float(r[5]) <= 1 for r in rows[1:]))
        self.assertStatus(Status.IO, sim.write_csv, 5, "/nonexistent-dir/x.csv")
        self.assertStatus(Status.OUT_OF_RANGE, sim.write_csv, 0, path)

    def test_python_policy_rollout(self):
        sim = support.world()[0]
        histories = []

        def popular_first(history):
            histories.append(list(history))
            return [-float(i) for i in range(sim.n_items)]  # prefer low keys

        r = sim.rollout(popular_first, n_sessions=20, seed=4)
        self.assertEqual(r["n_sessions"], 20)
        self.assertLessEqual(r["ci_low"], r["mean_return"])
        self.assertLessEqual(r["mean_return"], r["ci_high"])
        self.assertEqual(histories[0], [])
        self.assertTrue(any(histories), "clicked items reach the policy")
        # common random numbers: the same policy and seed give the same value
        self.assertEqual(sim.rollout(popular_first, 20, 4), r)

    def test_model_rollout_matches_python_scoring(self):
        sim, _, _, _, model = support.world()
        keys = list(range(sim.n_items))
        via_python = sim.rollout(lambda h: model.score(h, keys), 30, seed=2)
        via_c = sim.rollout(model, 30, seed=2)
        self.assertEqual(via_python, via_c)

    def test_policy_errors_propagate(self):
        sim = support.world()[0]

        class Boom(Exception):
            pass

        def boom(history):
            raise Boom()

        with self.assertRaises(Boom):
            sim.rollout(boom, 5)
        self.assertStatus(Status.INVALID_ARGUMENT, sim.rollout, lambda h: [0.0], 5)
        self.assertStatus(Status.CANCELLED, sim.rollout, lambda h: None, 5)
        self.assertStatus(Status.NUMERIC, sim.rollout, lambda h: [math.nan] * sim.n_items, 5)
        self.assertStatus(Status.OUT_OF_RANGE, sim.rollout, lambda h: [0.0] * sim.n_items, 1)

    def test_baselines_order(self):
        sim = support.world()[0]
        b = sim.baselines(300, seed=1)
        self.assertEqual(set(b), {"logging", "popularity", "random"})
        self.assertGreater(b["logging"]["mean_return"], b["random"]["mean_return"])
        self.assertEqual(sim.rollout_random(300, 1), b["random"])
        self.assertEqual(sim.rollout_popularity(300, 1), b["popularity"])
        self.assertEqual(sim.rollout_logging(300, 1), b["logging"])

    def test_logging_probs(self):
        sim = support.world()[0]
        p = sim.logging_probs(0)
        self.assertEqual(len(p), sim.n_items)
        self.assertAlmostEqual(sum(p), 1.0, places=4)
        q = sim.logging_probs(0, [3])
        self.assertNotEqual(p, q)
        self.assertStatus(Status.OUT_OF_RANGE, sim.logging_probs, 10 ** 6)
        self.assertStatus(Status.OUT_OF_RANGE, sim.logging_probs, 0, [10 ** 6])

    def test_errors(self):
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Simulator, n_items=1)
        self.assertStatus(Status.UNKNOWN_KEY, offlinerl.Simulator, items=10)
        self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Simulator, leave_prob="high")
        sim = offlinerl.Simulator(n_items=10, n_clusters=2)
        sim.close()
        self.assertStatus(Status.STATE, lambda: sim.n_items)


if __name__ == "__main__":
    unittest.main()
