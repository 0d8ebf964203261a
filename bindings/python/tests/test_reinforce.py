"""reinforce through Python: its settings by keyword (checked by name), the weights' figures in
the history, the logged beta with and without propensities, and the CLI's --topk and --clip."""

import json

import offlinerl
from offlinerl import Model, Status

from . import support
from .test_cli import run


def trainer(**settings):
    return offlinerl.Trainer("reinforce", epochs=2, batch_size=64, embed_dim=8, hidden_dim=8,
                             seed=3, threads=1, **settings)


class ReinforceTest(support.ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.sim, cls.train, _valid, cls.test, _model = support.world()

    def test_settings_and_history(self):
        with trainer(topk=3, clip=5, smooth=0.5, normalize=1, entropy=0.01, gamma=0.9) as t:
            cfg = t.config["settings"]
            self.assertEqual((cfg["topk"], cfg["clip"], cfg["smooth"], cfg["normalize"],
                              cfg["entropy"], cfg["gamma"], cfg["beta"]),
                             (3, 5, 0.5, 1, 0.01, 0.9, 0))
            t.fit(self.train)
            hist = t.history
            self.assertEqual(len(hist), 2)
            for rec in hist:
                st = rec["algorithm_stats"]
                self.assertEqual(set(st), {"ess", "ess_share", "clipped_share", "mean_weight",
                                           "mean_lambda_k"})
                self.assertGreater(st["ess"], 1.0)
                self.assertLessEqual(st["ess"], 64.0 + 1e-9)
                self.assertTrue(0.0 < st["ess_share"] <= 1.0)
                self.assertTrue(0.0 <= st["clipped_share"] <= 1.0)
                self.assertAlmostEqual(st["mean_weight"], 1.0, places=4)  # normalize=1
                self.assertTrue(0.0 < st["mean_lambda_k"] <= 3.0)
            with t.export() as m:
                self.assertEqual((m.head, m.head_count), (Model.SUPERVISED, 1))
                self.assertEqual(m.info()["algorithm"], "reinforce")
                hist_keys = [m.item_key(i) for i in (1, 2, 3)]
                self.assertEqual(len(m.recommend(hist_keys, k=5)), 5)
                res = m.evaluate(self.test)
                self.assertGreater(res["click"]["count"], 0)

    def test_bad_settings_are_named(self):
        for key, value in (("gamma", 1.5), ("clip", 0), ("smooth", -1), ("normalize", 2),
                           ("topk", 0), ("topk", 1.5), ("entropy", -0.1), ("beta", 3)):
            err = self.assertStatus(Status.OUT_OF_RANGE, trainer, **{key: value})
            self.assertIn(key, err.message)
        with trainer() as t:
            self.assertStatus(Status.UNKNOWN_KEY, t.set, "alpha", 1.0)

    def test_logged_beta(self):
        # The simulator logs every event's exact propensity.
        with trainer(beta=1) as t:
            t.fit(self.train)
            self.assertIn("algorithm_stats", t.history[-1])
        n = 30
        with offlinerl.Dataset.from_events([i // 3 for i in range(n)], [i % 7 for i in range(n)],
                                           list(range(n)), ["click"] * n) as plain, \
                trainer(beta=1) as t:
            err = self.assertStatus(Status.INVALID_ARGUMENT, t.fit, plain)
            self.assertIn("'beta'", err.message)

    def test_cli_topk_and_clip(self):
        csv = support.csv_path()
        out = support.Tmp.file("reinforce.orl")
        status, stdout, err = run("train", "--data", csv, "--out", out, "--algo", "reinforce",
                                  "--topk", "4", "--clip", "3", "--set", "entropy=0.02",
                                  "--epochs", "1", "--batch", "64", "--embed", "8", "--hidden",
                                  "8", "--threads", "1", "--holdout", "0.2", "--json")
        self.assertEqual(status, 0, err)
        doc = json.loads(stdout)
        self.assertEqual(doc["algorithm"], "reinforce")
        self.assertIn("mean_lambda_k", doc["history"][0]["algorithm_stats"])
        with Model.load(out) as m:
            self.assertEqual(m.info()["algorithm"], "reinforce")
        status, _out, err = run("train", "--data", csv, "--out", out, "--algo", "reinforce",
                                "--topk", "0", "--epochs", "1")
        self.assertNotEqual(status, 0)
        self.assertIn("topk", err)
