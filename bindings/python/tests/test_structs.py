"""Each ctypes mirror has the size the library expects, and its fields line up."""

import ctypes
import re
import unittest

import offlinerl
from offlinerl import _structs as S

from . import support


def _init_size(init_name, *extra):
    """struct_size written by an init function into a generous scratch buffer."""
    buf = (ctypes.c_char * 4096)()
    fn = getattr(offlinerl.load(), init_name)
    fn(ctypes.cast(buf, fn.argtypes[0]), *extra)
    return ctypes.c_size_t.from_buffer(buf).value


def _expected_size(exc):
    m = re.search(r"(?:expected|smaller than) (\d+)", exc.message)
    assert m, exc.message
    return int(m.group(1))


class ParamsSizeTest(unittest.TestCase):
    def test_params_sizes_match_init(self):
        for init, cls in (
            ("orl_dataset_params_init", S.DatasetParams),
            ("orl_csv_params_init", S.CsvParams),
            ("orl_split_params_init", S.SplitParams),
            ("orl_sim_params_init", S.SimParams),
            ("orl_encoder_params_init", S.EncoderParams),
            ("orl_genmodel_params_init", S.GenmodelParams),
            ("orl_qnet_params_init", S.QnetParams),
            ("orl_trainer_params_init", S.TrainerParams),
            ("orl_policy_rule_init", S.PolicyRule),
            ("orl_ope_params_init", S.OpeParams),
        ):
            with self.subTest(cls=cls.__name__):
                self.assertEqual(_init_size(init), ctypes.sizeof(cls))

    def test_preset_sets_csv_size(self):
        self.assertEqual(_init_size("orl_csv_params_preset", b"retailrocket"),
                         ctypes.sizeof(S.CsvParams))

    def test_last_fields_hold_documented_defaults(self):
        # A misplaced field would read another field's default.
        sim = offlinerl.Simulator.defaults()
        self.assertEqual(sim["start_timestamp"], 1600000000)
        self.assertEqual((sim["n_users"], sim["n_items"], sim["max_steps"]), (1000, 1000, 50))
        self.assertAlmostEqual(sim["reward_purchase"], 1.0)
        self.assertAlmostEqual(sim["rollout_temperature"], 0.0)
        lib = offlinerl.load()
        p = S.new(S.DatasetParams)
        lib.orl_dataset_params_init(ctypes.byref(p))
        self.assertEqual((p.window, p.min_session_len, p.iterate_filters, p.session_gap),
                         (10, 1, 1, 0))
        c = S.new(S.CsvParams)
        lib.orl_csv_params_init(ctypes.byref(c))
        self.assertEqual((c.delimiter, c.header, c.strict, c.max_field_len), (b",", 1, 1, 4096))
        self.assertEqual(c.reward_col, b"reward?")
        t = S.new(S.TrainerParams)
        lib.orl_trainer_params_init(ctypes.byref(t))
        self.assertEqual((t.algorithm, t.epochs, t.batch_size, t.seed, t.threads),
                         (None, 10, 256, 0, 0))  # the algorithm is required (issue 20)
        self.assertAlmostEqual(t.learning_rate, 0.01, places=6)
        e = S.new(S.EncoderParams)
        lib.orl_encoder_params_init(ctypes.byref(e))
        # dropout: -1 since 0.2.0 (negative = the architecture's default; 0.1.0 set 0).
        self.assertEqual((e.architecture, e.embed_dim, e.hidden_dim, e.window, e.dropout),
                         (b"gru4rec", 64, 64, 10, -1.0))
        sp = S.new(S.SplitParams)
        lib.orl_split_params_init(ctypes.byref(sp))
        self.assertAlmostEqual(sp.train, 0.8, places=6)
        self.assertAlmostEqual(sp.valid, 0.1, places=6)
        q = S.new(S.QnetParams)
        lib.orl_qnet_params_init(ctypes.byref(q))
        self.assertAlmostEqual(q.gamma, 0.5)


class OutputSizeTest(unittest.TestCase):
    """Output structs: the library names the size it expects when struct_size is short."""

    def _expect(self, cls, call):
        s = cls()
        s.struct_size = 0
        with self.assertRaises(offlinerl.OfflineRLError) as ctx:
            call(ctypes.byref(s))
        self.assertEqual(_expected_size(ctx.exception), ctypes.sizeof(cls))

    def test_output_sizes(self):
        lib = offlinerl.load()
        sim, train, _, test, model = support.world()
        with train._borrow() as d:
            self._expect(S.DatasetStats, lambda r: offlinerl._lib.check(
                lib.orl_dataset_get_stats(d, r)))
        with offlinerl.Dataset() as ds, ds._borrow() as d:
            self._expect(S.LoadReport, lambda r: offlinerl._lib.check(
                lib.orl_dataset_load_csv(d, support.csv_path().encode(), None, r)))
        with sim._borrow() as s:
            self._expect(S.RolloutResult, lambda r: offlinerl._lib.check(
                lib.orl_sim_rollout_random(s, 10, 1, r)))
        with model._borrow() as m, test._borrow() as d:
            self._expect(S.EvalResult, lambda r: offlinerl._lib.check(
                lib.orl_model_evaluate(m, d, 1, r)))

    def test_progress_size_reported_by_library(self):
        _, train, _, _, _ = support.world()
        sizes = []
        with offlinerl.Trainer("sl", epochs=1, embed_dim=4, hidden_dim=4) as t:
            lib = offlinerl.load()
            cb = offlinerl._lib.PROGRESS_FN(lambda rep, _u: sizes.append(
                rep.contents.struct_size) or 1)
            with t._borrow() as p, train._borrow() as d:
                lib.orl_trainer_set_progress_callback(p, ctypes.cast(cb, ctypes.c_void_p), None)
                self.assertEqual(lib.orl_trainer_fit(p, d, None), offlinerl.Status.CANCELLED)
                lib.orl_trainer_set_progress_callback(p, None, None)
        self.assertEqual(sizes, [ctypes.sizeof(S.Progress)])


if __name__ == "__main__":
    unittest.main()
