"""Encoder: kinds, defaults, every architecture's settings through config(), errors naming the
field, the ``architecture=`` alias, and trainers built from an encoder.

SASRec, Caser and NextItNet are tested as documented; while an architecture is not built into
the library its tests are skipped with the library's reason.
"""

import unittest

import offlinerl
from offlinerl import Status

from . import support

COMMON = ("architecture", "embed_dim", "hidden_dim", "window", "dropout")


def make(kind, **kw):
    """``Encoder(kind, **kw)``; skips the calling test while ``kind`` is not built yet."""
    try:
        return offlinerl.Encoder(kind, **kw)
    except offlinerl.OfflineRLError as exc:
        if exc.status == Status.UNSUPPORTED and "not built yet" in exc.message:
            print(f"\nskipping: {exc.message}")
            raise unittest.SkipTest(exc.message) from None
        raise


class DefaultsTest(support.ErrorAssertions):
    def test_gru4rec_defaults(self):
        with offlinerl.Encoder() as enc:
            self.assertEqual(enc.kind, "gru4rec")
            self.assertEqual(enc.config(), {"architecture": "gru4rec", "embed_dim": 64,
                                            "hidden_dim": 64, "window": 10, "dropout": 0})
            self.assertEqual(enc.params["dropout"], -1.0)  # the architecture's default
            self.assertIn("gru4rec", repr(enc))
        self.assertIn("closed", repr(enc))
        self.assertStatus(Status.STATE, enc.config)

    def test_common_settings(self):
        with offlinerl.Encoder("gru4rec", embed_dim=16, hidden_dim=32, window=5,
                               dropout=0.25) as enc:
            self.assertEqual(enc.config(), {"architecture": "gru4rec", "embed_dim": 16,
                                            "hidden_dim": 32, "window": 5, "dropout": 0.25})
            enc.set("window", 7)
            enc.set("dropout", 0)
            cfg = enc.config()
            self.assertEqual((cfg["window"], cfg["dropout"]), (7, 0))

    def test_architecture_alias(self):
        with offlinerl.Encoder(architecture="gru4rec", embed_dim=8, hidden_dim=8) as enc:
            self.assertEqual(enc.kind, "gru4rec")
            self.assertEqual(enc.config()["embed_dim"], 8)
        with offlinerl.Encoder(kind="gru4rec", architecture="gru4rec") as enc:
            self.assertEqual(enc.kind, "gru4rec")
        self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Encoder, kind="gru4rec",
                          architecture="sasrec")
        # params copied from another encoder re-create it (dropout -1 = the default)
        with offlinerl.Encoder(embed_dim=4, hidden_dim=4) as a, \
                offlinerl.Encoder(**a.params) as b:
            self.assertEqual(a.config(), b.config())


class ErrorTest(support.ErrorAssertions):
    def test_unknown_kind(self):
        err = self.assertStatus(Status.UNSUPPORTED, offlinerl.Encoder, "lstm")
        self.assertIn("gru4rec, sasrec, caser, nextitnet", err.message)

    def test_bad_settings_name_the_field(self):
        cases = [
            (Status.OUT_OF_RANGE, "embed_dim", dict(embed_dim=0)),
            (Status.OUT_OF_RANGE, "hidden_dim", dict(hidden_dim=5000)),
            (Status.OUT_OF_RANGE, "window", dict(window=2000)),
            (Status.OUT_OF_RANGE, "dropout", dict(dropout=1.0)),
            (Status.OUT_OF_RANGE, "dropout", dict(dropout=float("nan"))),
            (Status.UNKNOWN_KEY, "num_blocks", dict(num_blocks=2)),  # SASRec's, not GRU4Rec's
            (Status.UNKNOWN_KEY, "dilations", dict(dilations=[1, 2])),
            (Status.UNKNOWN_KEY, "filter_heights", dict(filter_heights=[2, 3])),
            (Status.UNKNOWN_KEY, "num_blockz", dict(num_blockz=2)),
            (Status.INVALID_ARGUMENT, "num_blocks", dict(num_blocks=1.5)),
            (Status.INVALID_ARGUMENT, "num_blocks", dict(num_blocks="2")),
            (Status.INVALID_ARGUMENT, "dilations", dict(dilations=2)),
            (Status.INVALID_ARGUMENT, "embed_dim", dict(embed_dim="big")),
        ]
        for status, field, kw in cases:
            with self.subTest(**{k: repr(v) for k, v in kw.items()}):
                err = self.assertStatus(status, offlinerl.Encoder, "gru4rec", **kw)
                self.assertIn(field, err.message)

    def test_failed_set_leaves_the_encoder_unchanged(self):
        with offlinerl.Encoder(embed_dim=8, hidden_dim=8) as enc:
            before = enc.config()
            for key, value, status in (("window", 0, Status.OUT_OF_RANGE),
                                       ("window", 1 << 40, Status.OUT_OF_RANGE),
                                       ("window", 1 << 70, Status.OUT_OF_RANGE),
                                       ("dropout", -0.5, Status.OUT_OF_RANGE),
                                       ("dropout", "x", Status.INVALID_ARGUMENT),
                                       ("kernel_size", 3, Status.UNKNOWN_KEY),
                                       ("dilations", [1, 1 << 40], Status.OUT_OF_RANGE)):
                with self.subTest(key=key, value=value):
                    err = self.assertStatus(status, enc.set, key, value)
                    self.assertIn(key, err.message)
                    self.assertEqual(enc.config(), before)


class KindsTest(support.ErrorAssertions):
    """Each architecture's settings: defaults, a round trip through config(), bad values."""

    def check(self, kind, defaults, settings, bad):
        with make(kind, embed_dim=16, hidden_dim=16) as enc:
            cfg = enc.config()
            self.assertEqual(set(cfg), set(COMMON) | set(defaults))
            self.assertEqual(cfg["architecture"], kind)
            self.assertEqual({k: cfg[k] for k in defaults}, defaults)
        with make(kind, embed_dim=16, hidden_dim=16, dropout=0.3, **settings) as enc:
            cfg = enc.config()
            self.assertEqual({k: cfg[k] for k in settings}, settings)
            self.assertAlmostEqual(cfg["dropout"], 0.3, places=6)
            # the same values through set(), one at a time
        with make(kind, embed_dim=16, hidden_dim=16) as enc:
            for key, value in settings.items():
                enc.set(key, value)
            self.assertEqual({k: enc.config()[k] for k in settings}, settings)
            before = enc.config()
            for key, value, status in bad:
                with self.subTest(kind=kind, key=key, value=value):
                    err = self.assertStatus(status, enc.set, key, value)
                    self.assertIn(key, err.message)
                    self.assertEqual(enc.config(), before)
        for key, value, status in bad:
            with self.subTest(kind=kind, create=key, value=value):
                err = self.assertStatus(status, offlinerl.Encoder, kind, embed_dim=16,
                                        hidden_dim=16, **{key: value})
                self.assertIn(key, err.message)

    def test_gru4rec(self):
        self.check("gru4rec", {}, {}, [("num_heads", 2, Status.UNKNOWN_KEY)])

    def test_sasrec(self):
        self.check("sasrec", {"num_blocks": 1, "num_heads": 1},
                   {"num_blocks": 2, "num_heads": 4},
                   [("num_blocks", 0, Status.OUT_OF_RANGE),
                    ("num_blocks", 9, Status.OUT_OF_RANGE),
                    ("num_heads", 3, Status.OUT_OF_RANGE),  # does not divide 16
                    ("num_filters", 4, Status.UNKNOWN_KEY),
                    ("dilations", [1, 2], Status.UNKNOWN_KEY)])
        with make("sasrec") as enc:
            self.assertAlmostEqual(enc.config()["dropout"], 0.1, places=6)
        self.assertStatus(Status.OUT_OF_RANGE, offlinerl.Encoder, "sasrec", embed_dim=32,
                          hidden_dim=64)

    def test_caser(self):
        self.check("caser", {"num_filters": 16, "filter_heights": [2, 3, 4], "num_v_filters": 1},
                   {"num_filters": 8, "filter_heights": [1, 5], "num_v_filters": 2},
                   [("num_filters", 0, Status.OUT_OF_RANGE),
                    ("num_filters", 1025, Status.OUT_OF_RANGE),
                    ("num_v_filters", 65, Status.OUT_OF_RANGE),
                    ("filter_heights", [11], Status.OUT_OF_RANGE),  # taller than the window
                    ("filter_heights", [], Status.OUT_OF_RANGE),
                    ("filter_heights", list(range(1, 10)), Status.OUT_OF_RANGE),
                    ("num_blocks", 2, Status.UNKNOWN_KEY)])
        with make("caser") as enc:
            self.assertAlmostEqual(enc.config()["dropout"], 0.1, places=6)

    def test_nextitnet(self):
        self.check("nextitnet",
                   {"dilations": [1, 2, 1, 2, 1, 2], "kernel_size": 3, "independent_init": 0},
                   {"dilations": [1, 2, 4], "kernel_size": 2, "independent_init": 1},
                   [("kernel_size", 1, Status.OUT_OF_RANGE),
                    ("kernel_size", 17, Status.OUT_OF_RANGE),
                    ("independent_init", 2, Status.OUT_OF_RANGE),
                    ("dilations", [1] * 17, Status.OUT_OF_RANGE),
                    ("dilations", [0], Status.OUT_OF_RANGE),
                    ("filter_heights", [2], Status.UNKNOWN_KEY)])
        with make("nextitnet", independent_init=True) as enc:
            self.assertEqual(enc.config()["dropout"], 0)
            self.assertEqual(enc.config()["independent_init"], 1)


class TrainerTest(support.ErrorAssertions):
    def _fit(self, **kw):
        _, train, _, test, _ = support.world()
        with offlinerl.Trainer("sl", epochs=1, batch_size=64, seed=1, threads=1, **kw) as t:
            cfg = t.config
            self.assertTrue(t.fit(train))
            with t.export() as model:
                m = model.evaluate(test, 1)
                info = model.info()
        return cfg, m, info

    def test_gru4rec_trainer_trains(self):
        with offlinerl.Encoder(kind="gru4rec", embed_dim=8, hidden_dim=8) as enc:
            cfg, m, info = self._fit(encoder=enc)
            self.assertEqual(cfg["encoder"], enc.config())
        self.assertGreater(m["click"]["count"], 0)
        self.assertGreater(m["click"]["hr@20"], 0.0)
        self.assertEqual(info["encoder"], {"architecture": "gru4rec", "embed_dim": 8,
                                           "hidden_dim": 8, "window": 10, "dropout": 0})
        self.assertEqual(info["architecture"], "gru4rec")  # the 0.1.0 keys stay
        self.assertEqual(info["training_config"]["encoder"], cfg["encoder"])

    def test_trainer_keywords_reach_the_encoder(self):
        with offlinerl.Trainer("sqn", encoder="gru4rec", embed_dim=8, hidden_dim=8,
                               dropout=0.2) as t:
            enc = t.config["encoder"]
            self.assertEqual((enc["architecture"], enc["embed_dim"]), ("gru4rec", 8))
            self.assertAlmostEqual(enc["dropout"], 0.2, places=6)
            t.set("dropout", 0.4)  # the trainer's setting is the dropout the fit uses
            self.assertAlmostEqual(t.config["encoder"]["dropout"], 0.4, places=6)
        err = self.assertStatus(Status.UNKNOWN_KEY, offlinerl.Trainer, "sl", num_blocks=2)
        self.assertIn("num_blocks", err.message)
        with offlinerl.Encoder() as enc:
            self.assertStatus(Status.INVALID_ARGUMENT, offlinerl.Trainer, "sl", encoder=enc,
                              num_heads=2)

    def test_every_kind_trains_with_every_algorithm(self):
        _, train, _, _, _ = support.world()
        settings = {"gru4rec": {}, "sasrec": {"num_heads": 2}, "caser": {"filter_heights": [2]},
                    "nextitnet": {"dilations": [1, 2]}}
        for kind, kw in settings.items():
            try:
                enc = offlinerl.Encoder(kind, embed_dim=8, hidden_dim=8, **kw)
            except offlinerl.OfflineRLError as exc:
                if "not built yet" not in exc.message:
                    raise
                print(f"\nskipping {kind}: {exc.message}")
                continue
            with enc:
                for algo in ("sl", "sqn", "sac", "snqn", "sa2c"):
                    with self.subTest(kind=kind, algo=algo), \
                            offlinerl.Trainer(algo, encoder=enc, epochs=1, batch_size=128,
                                              threads=1) as t:
                        self.assertEqual(t.config["encoder"], enc.config())
                        self.assertTrue(t.fit(train))
                        with t.export() as model:
                            info = model.info()
                        want = enc.config()  # with the dropout it trained with
                        self.assertEqual(info["encoder"], want)


if __name__ == "__main__":
    unittest.main()
