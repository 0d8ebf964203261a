"""Trainer: settings, config, fit with progress (and stopping), interrupt, history, export."""

import threading
import unittest

import offlinerl
from offlinerl import Status

from . import support


def _trainer(**kw):
    args = dict(epochs=2, batch_size=64, embed_dim=8, hidden_dim=8, seed=1, threads=1)
    args.update(kw)
    return offlinerl.Trainer("sl", **args)


class SettingsTest(support.ErrorAssertions):
    def test_set_get_config(self):
        with _trainer(dropout=0.25) as t:
            self.assertEqual(t.get("epochs"), 2)
            self.assertAlmostEqual(t.get("dropout"), 0.25, places=6)
            t.set("batch_size", 32)
            cfg = t.config
            self.assertEqual(cfg["algorithm"], "sl")
            self.assertEqual(cfg["encoder"]["embed_dim"], 8)
            self.assertEqual(cfg["settings"]["batch_size"], 32)
            self.assertEqual(t.history, [])
            self.assertStatus(Status.UNKNOWN_KEY, t.set, "gama", 0.5)
            self.assertStatus(Status.UNKNOWN_KEY, t.get, "gama")
            self.assertStatus(Status.OUT_OF_RANGE, t.set, "batch_size", 0)
            self.assertStatus(Status.OUT_OF_RANGE, t.set, "epochs", 1.5)
            self.assertStatus(Status.INVALID_ARGUMENT, t.set, "epochs", "many")
            self.assertStatus(Status.STATE, t.export)

    def test_explicit_heads(self):
        with offlinerl.Encoder(embed_dim=4, hidden_dim=6, window=5) as enc, \
                offlinerl.GenModel(kind="softmax") as gen, offlinerl.QNet(gamma=0.9) as q:
            self.assertEqual(enc.params["hidden_dim"], 6)
            with offlinerl.Trainer("sl", encoder=enc, genmodel=gen, qnet=q, epochs=1) as t:
                self.assertEqual(t.config["encoder"]["window"], 5)
            self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Trainer, "sl", encoder=enc,
                              embed_dim=3)

    def test_create_errors(self):
        err = self.assertStatus(Status.UNSUPPORTED, offlinerl.Trainer, "no-such-algo")
        self.assertIn("available", err.message)
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Trainer, "sl", epochs=0)
        self.assertStatus(Status.UNKNOWN_KEY, offlinerl.Trainer, "sl", epoch=3)
        self.assertStatus(Status.UNSUPPORTED, offlinerl.Encoder, architecture="lstm9")
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Encoder, dropout=1.0)
        self.assertStatus(Status.UNSUPPORTED, offlinerl.GenModel, kind="mixture")
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.QNet, gamma=1.0)


class FitTest(support.ErrorAssertions):
    def test_progress_reports_and_history(self):
        _, train, valid, _, _ = support.world()
        reports = []
        with _trainer() as t:
            self.assertTrue(t.fit(train, valid, progress=lambda p: reports.append(p)))
            ends = [r for r in reports if r["end_of_epoch"]]
            self.assertEqual([r["epoch"] for r in ends], [1, 2])
            self.assertEqual(reports[-1]["step"], reports[-1]["total_steps"])
            self.assertIsNotNone(ends[-1]["validation"])
            self.assertGreater(ends[-1]["validation"]["click"]["count"], 0)
            hist = t.history
            self.assertEqual(len(hist), 2)
            self.assertAlmostEqual(hist[1]["loss"], ends[-1]["epoch_loss"], places=4)
            self.assertLess(hist[1]["loss"], hist[0]["loss"])
            self.assertIsNone(t._progress_cb, "the callback is uninstalled after the fit")
            with t.export() as model:
                self.assertEqual(model.item_count, train.n_items)

    def test_progress_true_stops(self):
        _, train, _, _, _ = support.world()
        with _trainer(epochs=5) as t:
            steps = []
            done = t.fit(train, progress=lambda p: steps.append(p["step"]) or p["step"] >= 3)
            self.assertFalse(done)
            self.assertEqual(steps, [1, 2, 3])
            with t.export() as model:  # weights so far
                self.assertEqual(len(model.recommend([], 3)), 3)

    def test_progress_exception_is_reraised(self):
        _, train, _, _, _ = support.world()

        def bad(p):
            raise KeyError("from the callback")

        with _trainer() as t:
            with self.assertRaises(KeyError):
                t.fit(train, progress=bad)
            self.assertTrue(t.fit(train), "the trainer is usable afterwards")

    def test_interrupt_from_another_thread(self):
        _, train, _, _, _ = support.world()
        with _trainer(epochs=1000) as t:
            started = threading.Event()
            timer = threading.Thread(target=lambda: (started.wait(10), t.interrupt()))
            timer.start()
            result = t.fit(train, progress=lambda p: started.set())
            timer.join()
            self.assertFalse(result)
            self.assertLess(len(t.history), 1000)

    def test_fit_is_deterministic(self):
        _, train, _, test, _ = support.world()
        outs = []
        for _ in range(2):
            with _trainer() as t:
                t.fit(train)
                with t.export() as m:
                    outs.append((m.recommend([1, 2, 3], 5), m.evaluate(test)))
        self.assertEqual(outs[0], outs[1])

    def test_fit_errors(self):
        _, train, _, _, _ = support.world()
        with _trainer() as t, offlinerl.Dataset() as open_ds:
            self.assertStatus(Status.STATE, t.fit, open_ds)
            with offlinerl.Dataset(window=3) as other:
                other.add_events([1, 1], [1, 2], [1, 2], ["click", "click"])
                other.finalize()
                err = self.assertStatus(Status.INVALID_ARGUMENT, t.fit, other)
                self.assertIn("window", err.message)
        with _trainer(learning_rate=10.0, epochs=3) as t:
            try:
                t.fit(train)
            except offlinerl.OfflineRLError as exc:  # diverging is allowed to be reported
                self.assertEqual(exc.status, Status.NUMERIC)
        t = _trainer()
        t.close()
        self.assertStatus(Status.STATE, t.fit, train)
        self.assertStatus(Status.STATE, t.interrupt)


if __name__ == "__main__":
    unittest.main()
