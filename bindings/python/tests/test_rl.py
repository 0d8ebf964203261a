"""RL algorithms through Python: two heads, head switching, true value, the report."""

import os
import unittest

import offlinerl

from . import support


class RLTest(support.ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.sim, cls.train, _valid, cls.test, cls.sl_model = support.world()
        cls.trainer = offlinerl.Trainer("sa2c", epochs=2, batch_size=64, embed_dim=8,
                                        hidden_dim=8, seed=1, threads=1)
        cls.trainer.fit(cls.train, valid=cls.test)
        cls.model = cls.trainer.export()

    @classmethod
    def tearDownClass(cls):
        cls.model.close()
        cls.trainer.close()

    def test_rl_model_has_two_heads_and_switches(self):
        self.assertEqual(self.model.head_count, 2)
        self.assertEqual(self.model.head, offlinerl.Model.SUPERVISED)
        self.assertEqual(self.sl_model.head_count, 1)
        with self.model.with_head(offlinerl.Model.Q) as q:
            self.assertEqual(q.head, offlinerl.Model.Q)
            self.assertNotEqual(q.recommend([1, 2, 3], k=5), self.model.recommend([1, 2, 3], k=5))
            # The Q model keeps both heads: switching back gives the supervised scores again.
            with q.with_head(offlinerl.Model.SUPERVISED) as back:
                self.assertEqual(back.recommend([1, 2, 3], k=5),
                                 self.model.recommend([1, 2, 3], k=5))
            blob = q.to_bytes()
        with offlinerl.Model.from_bytes(blob) as loaded:
            self.assertEqual(loaded.head, offlinerl.Model.Q)
            self.assertEqual(loaded.head_count, 2)
        self.assertStatus(offlinerl.Status.NOT_FOUND, self.sl_model.with_head, offlinerl.Model.Q)
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, self.model.with_head, 7)

    def test_score_head_setting_exports_the_q_head(self):
        self.trainer.set("score_head", 1)
        try:
            with self.trainer.export() as m:
                self.assertEqual(m.head, offlinerl.Model.Q)
        finally:
            self.trainer.set("score_head", 0)

    def test_true_value_of_a_model_in_c(self):
        r = self.sim.rollout(self.model, n_sessions=50, seed=3)
        self.assertGreater(r["mean_return"], 0.0)
        self.assertLessEqual(r["ci_low"], r["mean_return"])
        # The same rollout through a Python callable over the same scores agrees exactly.
        keys = list(range(support.N_ITEMS))
        r2 = self.sim.rollout(lambda h: self.model.score(h, keys), n_sessions=50, seed=3)
        self.assertAlmostEqual(r["mean_return"], r2["mean_return"], places=9)

    def test_report(self):
        path = support.Tmp.file("report.html")
        self.trainer.write_report(path, model=self.model, test=self.test)
        with open(path, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<svg", html)
        self.assertIn("sa2c", html)
        os.remove(path)
        self.assertStatus(offlinerl.Status.IO, self.trainer.write_report, "/nonexistent/d/r.html")


if __name__ == "__main__":
    unittest.main()
