"""numpy arrays in and out, without copies where the layout allows (skipped without numpy)."""

import math
import unittest

import offlinerl
from offlinerl import _arrays

from . import support

try:
    import numpy as np
except ImportError:  # numpy is optional
    np = None


@unittest.skipIf(np is None, "numpy is not installed")
class NumpyTest(support.ErrorAssertions):
    def test_int64_arrays_are_passed_by_address(self):
        a = np.arange(10, dtype=np.int64)
        ptr, n, keep = _arrays.as_array(a, _arrays.c_int64)
        self.assertEqual(n, 10)
        self.assertEqual(_arrays.ctypes.cast(ptr, _arrays.ctypes.c_void_p).value,
                         a.ctypes.data)
        self.assertIs(keep, a)
        # a strided view or another dtype is converted once
        b = a[::2]
        ptr, n, keep = _arrays.as_array(b, _arrays.c_int64)
        self.assertEqual(n, 5)
        self.assertEqual([ptr[i] for i in range(5)], [0, 2, 4, 6, 8])
        ptr, n, _ = _arrays.as_array(a.astype(np.int32), _arrays.c_int64)
        self.assertEqual(ptr[9], 9)

    def test_dataset_from_numpy(self):
        n = 200
        sessions = np.repeat(np.arange(40, dtype=np.int64), 5)
        items = (np.arange(n, dtype=np.int64) * 7) % 13
        ts = np.arange(n, dtype=np.int64)
        codes = np.zeros(n, dtype=np.int32)
        rewards = np.full(n, 0.5, dtype=np.float32)
        props = np.full(n, np.nan, dtype=np.float32)
        props[:10] = 0.5
        with offlinerl.Dataset() as ds:
            self.assertEqual(ds.event_type("click"), 0)
            ds.add_events(sessions, items, ts, codes, rewards, props)
            ds.finalize()
            st = ds.stats()
            self.assertEqual((st["n_events"], st["n_items"], st["n_with_propensity"]),
                             (200, 13, 10))

    def test_numpy_strings_and_event_names(self):
        with offlinerl.Dataset.from_events(np.array(["a", "a", "b"]), np.array(["x", "y", "x"]),
                                           np.array([1, 2, 3]),
                                           np.array(["click", "purchase", "click"])) as ds:
            self.assertEqual((len(ds), ds.n_items), (3, 2))
            self.assertEqual(ds.count_events("purchase"), 1)

    def test_model_scores_numpy(self):
        sim, _, _, _, model = support.world()
        cands = np.arange(support.N_ITEMS + 2, dtype=np.int64)
        scores = model.score(np.array([1, 2], dtype=np.int64), cands)
        self.assertIsInstance(scores, np.ndarray)
        self.assertEqual(scores.dtype, np.float32)
        self.assertEqual(scores[-1], -math.inf)
        self.assertEqual(list(scores), model.score([1, 2], list(cands)))
        self.assertEqual(model.recommend(np.array([1, 2]), 3), model.recommend([1, 2], 3))

    def test_numpy_policy(self):
        sim = support.world()[0]
        prefs = -np.arange(sim.n_items, dtype=np.float32)
        a = sim.rollout(lambda h: prefs, 10, seed=1)
        b = sim.rollout(lambda h: [float(x) for x in prefs], 10, seed=1)
        self.assertEqual(a, b)

    def test_wrong_shape(self):
        with offlinerl.Dataset() as ds:
            two_d = np.zeros((2, 2), dtype=np.int64)
            self.assertStatus(offlinerl.Status.INVALID_ARGUMENT, ds.add_events, two_d, two_d,
                              two_d, two_d)


if __name__ == "__main__":
    unittest.main()
