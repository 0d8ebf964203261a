"""Off-policy estimates from Python: Model.estimate_value, its result object and JSON, the
errors a user meets, and python -m offlinerl ope."""

import json
import math
import unittest

import offlinerl
from offlinerl import Status

from . import support
from .test_cli import run


class OpeTest(support.ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.sim, cls.train, cls.valid, cls.test, cls.model = support.world()

    def test_estimates_and_json_agree(self):
        r = self.model.estimate_value(self.test, estimators="ips,snips,dr,pdis",
                                      policy="softmax:0.5", interval="normal",
                                      reward_model="item_mean", threads=1)
        self.assertEqual([e["estimator"] for e in r], ["ips", "snips", "dr", "pdis"])
        doc = r.as_dict()
        self.assertEqual(doc["policy"], "softmax:0.5")
        self.assertEqual(doc["interval"], "normal")
        for e, j in zip(r.estimates, doc["estimates"]):
            self.assertEqual(e, j)  # the struct and the JSON carry the same numbers exactly
            self.assertTrue(e["ci_low"] <= e["value"] <= e["ci_high"])
            self.assertTrue(math.isfinite(e["std_error"]) and e["ess"] > 0)
        self.assertEqual(r["pdis"]["unit"], "session")
        self.assertEqual(r["dr"]["unit"], "step")
        self.assertAlmostEqual(r["dr"]["session_value"],
                               r["dr"]["value"] * doc["n_steps"] / doc["n_sessions"])
        self.assertEqual(json.loads(r.to_json()), doc)
        self.assertIn("ips=", repr(r))

    def test_target_as_its_own_behaviour_has_unit_weights(self):
        r = self.model.estimate_value(self.test, estimators=["ips", "snips"], policy="softmax:1",
                                      behaviour=self.model, interval="normal",
                                      reward_model="item_mean")
        self.assertAlmostEqual(r["ips"]["value"], r["snips"]["value"], places=4)
        self.assertAlmostEqual(r["ips"]["ess"], r.as_dict()["n_steps"], delta=1)

    def test_bootstrap_is_seeded(self):
        kw = dict(estimators="snips", reward_model="item_mean", bootstrap_samples=50)
        a = self.model.estimate_value(self.test, seed=5, **kw)["snips"]
        b = self.model.estimate_value(self.test, seed=5, threads=1, **kw)["snips"]
        c = self.model.estimate_value(self.test, seed=6, **kw)["snips"]
        self.assertEqual((a["ci_low"], a["ci_high"]), (b["ci_low"], b["ci_high"]))
        self.assertNotEqual((a["ci_low"], a["ci_high"]), (c["ci_low"], c["ci_high"]))

    def test_bca_uses_the_bootstrap_resamples(self):
        kw = dict(estimators="ips,snips", reward_model="item_mean", bootstrap_samples=100, seed=3)
        pct = self.model.estimate_value(self.test, **kw)
        bca = self.model.estimate_value(self.test, interval="bca", **kw)
        self.assertEqual(bca.as_dict()["interval"], "bca")
        for name in ("ips", "snips"):
            self.assertEqual(pct[name]["value"], bca[name]["value"])
            self.assertEqual(pct[name]["std_error"], bca[name]["std_error"])  # same resamples
            self.assertTrue(bca[name]["ci_low"] < bca[name]["ci_high"])
        # Only the ends move (the estimate's bias correction and skew).
        self.assertNotEqual((pct["ips"]["ci_low"], pct["ips"]["ci_high"]),
                            (bca["ips"]["ci_low"], bca["ips"]["ci_high"]))

    def test_errors(self):
        bad = offlinerl.Dataset()
        bad.add_events([1, 1], [1, 2], [1, 2], ["click", "click"])  # no propensities
        bad.finalize()
        e = self.assertStatus(Status.STATE, self.model.estimate_value, bad,
                              reward_model="item_mean")
        self.assertIn("no logging propensities", e.message)
        e = self.assertStatus(Status.INVALID_ARGUMENT, self.model.estimate_value, self.test,
                              estimators="ips,magic")
        self.assertIn("'magic'", e.message)
        e = self.assertStatus(Status.OUT_OF_RANGE, self.model.estimate_value, self.test,
                              confidence=2.0, reward_model="item_mean")
        self.assertIn("confidence", e.message)
        self.assertStatus(Status.INVALID_ARGUMENT, self.model.estimate_value, self.test,
                          interval="wide")
        self.assertStatus(Status.INVALID_ARGUMENT, self.model.estimate_value, self.test,
                          behaviour="mystery")
        self.assertStatus(Status.OUT_OF_RANGE, self.model.estimate_value, self.test,
                          policy="softmax:0")

    def test_fqe_settings_reach_the_library(self):
        kw = dict(estimators="dm,fqe", interval="normal", threads=1, fqe_epochs=2)
        base = self.model.estimate_value(self.test, **kw)
        again = self.model.estimate_value(self.test, **kw)
        self.assertEqual(base.estimates, again.estimates)  # deterministic for a seed
        # each setting changes what FQE learns, so each one is passed through
        for extra in (dict(fqe_batch=16), dict(fqe_learning_rate=0.05),
                      dict(fqe_encoder=offlinerl.Encoder(embed_dim=4, hidden_dim=4))):
            r = self.model.estimate_value(self.test, **kw, **extra)
            self.assertNotEqual(r["dm"]["value"], base["dm"]["value"], extra)
            self.assertTrue(math.isfinite(r["fqe"]["value"]))

    def test_fqe_settings_are_validated(self):
        call = self.model.estimate_value
        for field, value in (("fqe_batch", 0), ("fqe_batch", 70000), ("fqe_learning_rate", 0.0),
                             ("fqe_learning_rate", 2.0), ("fqe_batch", -1)):
            e = self.assertStatus(Status.OUT_OF_RANGE, call, self.test, **{field: value})
            self.assertIn(field, e.message)
        for field, value in (("fqe_batch", 2.5), ("fqe_batch", True), ("fqe_learning_rate", "x"),
                             ("fqe_encoder", "gru4rec")):
            e = self.assertStatus(Status.INVALID_ARGUMENT, call, self.test, **{field: value})
            self.assertIn(field, e.message)
        e = self.assertStatus(Status.OUT_OF_RANGE, call, self.test,
                              fqe_encoder=offlinerl.Encoder(window=3))  # the dataset's is 10
        self.assertIn("window", e.message)

    def test_cli(self):
        path = support.Tmp.file("ope.orl")
        self.model.save(path)
        status, out, err = run("ope", "--model", path, "--data", support.csv_path(),
                               "--estimators", "ips,dr", "--reward-model", "item_mean",
                               "--interval", "normal", "--json")
        self.assertEqual(status, 0, err)
        doc = json.loads(out)
        self.assertEqual([e["estimator"] for e in doc["estimates"]], ["ips", "dr"])
        status, out, err = run("ope", "--model", path, "--data", support.csv_path(),
                               "--estimators", "snips", "--reward-model", "item_mean",
                               "--samples", "20")
        self.assertEqual(status, 0, err)
        self.assertIn("snips", out)


if __name__ == "__main__":
    unittest.main()
