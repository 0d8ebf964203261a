"""BCQ with a generative model the host trained before (Trainer.set_generative_model): the
exported model's heads, G kept bit for bit, a file round trip, and the errors."""

import offlinerl
from offlinerl import Model

from . import support
from .test_cli import run


def bcq_trainer():
    return offlinerl.Trainer("bcq", epochs=1, batch_size=64, embed_dim=8, hidden_dim=8, seed=3,
                             threads=1)


class GenerativeModelTest(support.ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.sim, cls.train, _valid, cls.test, cls.sl_model = support.world()
        cls.hist = [cls.sl_model.item_key(i) for i in (1, 2, 3)]
        cls.keys = cls.sl_model.items()
        with bcq_trainer() as t:
            with cls.sl_model.with_head(Model.SUPERVISED) as g:
                t.set_generative_model(g)  # the trainer keeps its own copy
            cls.config = t.config
            t.fit(cls.train)
            cls.model = t.export()

    @classmethod
    def tearDownClass(cls):
        cls.model.close()

    def test_the_model_holds_g_and_q(self):
        self.assertEqual(self.config.get("generative"), "external")
        self.assertEqual((self.model.head, self.model.head_count), (Model.CONSTRAINED, 2))
        with self.model.with_head(Model.SUPERVISED) as g:
            self.assertEqual(g.head, Model.SUPERVISED)
            # G was never trained: it scores exactly as the host's model
            self.assertEqual(g.score(self.hist, self.keys), self.sl_model.score(self.hist,
                                                                                 self.keys))
        with self.model.with_head(Model.Q) as q:
            self.assertEqual(q.head, Model.Q)

    def test_file_round_trip(self):
        with Model.from_bytes(self.model.to_bytes()) as m:
            self.assertEqual(m.head, Model.CONSTRAINED)
            self.assertEqual(m.score(self.hist, self.keys), self.model.score(self.hist,
                                                                             self.keys))

    def test_errors(self):
        with offlinerl.Trainer("sl", epochs=1, embed_dim=8, hidden_dim=8) as t:
            self.assertStatus(offlinerl.Status.INVALID_ARGUMENT, t.set_generative_model,
                              self.sl_model)
        with offlinerl.Trainer("rem", epochs=1, batch_size=64, embed_dim=8, hidden_dim=8,
                               threads=1) as t:
            t.fit(self.train)
            rem = t.export()
        with bcq_trainer() as t, rem:
            self.assertStatus(offlinerl.Status.INVALID_ARGUMENT, t.set_generative_model, rem)
            # another catalogue: found when the fit starts
            t.set_generative_model(self.sl_model)
            other = offlinerl.Simulator(n_items=30, n_users=20, n_clusters=3, seed=1)
            data = other.generate(60)
            err = self.assertStatus(offlinerl.Status.INVALID_ARGUMENT, t.fit, data)
            self.assertIn("catalogue", err.message)
            data.close()
            t.set_generative_model(None)
            self.assertNotIn("generative", t.config)

    def test_cli(self):
        csv, g_path, out = (support.csv_path(), support.Tmp.file("cli_g.orl"),
                            support.Tmp.file("cli_bcq_g.orl"))
        common = ("--data", csv, "--epochs", "1", "--embed", "8", "--hidden", "8", "--threads",
                  "1", "--quiet")
        status, _, err = run("train", *common, "--out", g_path)
        self.assertEqual(status, 0, err)
        status, _, err = run("train", *common, "--algo", "bcq", "--generative-model", g_path,
                             "--out", out)
        self.assertEqual(status, 0, err)
        with Model.load(out) as m:
            self.assertEqual((m.head, m.head_count), (Model.CONSTRAINED, 2))
        status, _, err = run("train", *common, "--algo", "sqn", "--generative-model", g_path,
                             "--out", out)
        self.assertNotEqual(status, 0)
        self.assertIn("bcq", err)


if __name__ == "__main__":
    import unittest

    unittest.main()
