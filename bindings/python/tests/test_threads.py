"""Concurrency: Python threads score one model at once with the GIL released in C."""

import threading
import time
import unittest

import offlinerl

from . import support


def _histories(n, n_items):
    return [[(7 * i + j) % n_items for j in range(1 + i % 9)] for i in range(n)]


class ConcurrentScoringTest(unittest.TestCase):
    def setUp(self):
        self.model = support.world()[4]
        self.hists = _histories(400, support.N_ITEMS)
        self.cands = list(range(0, support.N_ITEMS, 3))

    def _score_all(self, hists):
        return [(self.model.recommend(h, 10), self.model.score(h, self.cands)) for h in hists]

    def test_threads_match_single_thread(self):
        want = self._score_all(self.hists)
        results = {}

        def worker(t):
            # each thread scores everything, in its own order
            order = self.hists[t:] + self.hists[:t]
            got = self._score_all(order)
            results[t] = got[len(order) - t:] + got[:len(order) - t]

        threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(len(results), 4)
        for t in range(4):
            self.assertEqual(results[t], want, f"thread {t}")

    def test_gil_is_released_during_a_library_call(self):
        # One long C call in a worker, timed right around the call; the main thread records
        # times meanwhile. Were the GIL held during the call, no main-thread time could fall
        # inside it (the worker would hold the GIL from its first stamp to its second). On a
        # loaded machine the main thread may get no CPU during a short call whatever the GIL
        # does, so the batch grows until the call lasts 100 ms, and a try without ticks is
        # repeated (a held GIL gives no ticks in any try).
        import ctypes

        lib = offlinerl.load()
        n_hist, best = 6000, 0
        for _ in range(6):
            hists = _histories(n_hist, support.N_ITEMS)
            flat = [x for h in hists for x in h]
            offsets = [0]
            for h in hists:
                offsets.append(offsets[-1] + len(h))
            c_hist = (ctypes.c_int64 * len(flat))(*flat)
            c_offs = (ctypes.c_size_t * len(offsets))(*offsets)
            out = (ctypes.c_int64 * (len(hists) * 5))()
            span = {}

            def worker():
                with self.model._borrow() as m:
                    span["start"] = time.perf_counter()
                    status = lib.orl_model_recommend_batch(m, len(hists), c_hist, c_offs, 5,
                                                           out, None)
                    span["end"] = time.perf_counter()
                span["status"] = status

            th = threading.Thread(target=worker)
            ticks = []
            th.start()
            while th.is_alive():
                ticks.append(time.perf_counter())
            th.join()
            self.assertEqual(span["status"], 0)
            d = span["end"] - span["start"]
            inside = [t for t in ticks if span["start"] + d / 4 < t < span["end"] - d / 4]
            best = max(best, len(inside))
            if best > 10:
                break
            if d < 0.1:
                n_hist *= 4
        self.assertGreater(best, 10, f"the last call took {d * 1e3:.1f} ms")

    def test_parallel_speedup_is_reported(self):
        hists = _histories(3000, support.N_ITEMS)
        chunks = [hists[i::2] for i in range(2)]
        t0 = time.perf_counter()
        for c in chunks:
            self.model.recommend_batch(c, 10)
        serial = time.perf_counter() - t0
        threads = [threading.Thread(target=self.model.recommend_batch, args=(c, 10))
                   for c in chunks]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        parallel = time.perf_counter() - t0
        # Not asserted: the CI machine's two cores are shared. Printed for the record.
        print(f"\n  recommend_batch 2x1500 histories: serial {serial * 1e3:.1f} ms, "
              f"2 threads {parallel * 1e3:.1f} ms, speedup {serial / parallel:.2f}x")

    def test_close_waits_for_calls_in_flight(self):
        model = offlinerl.Model.from_bytes(self.model.to_bytes())
        hists = _histories(20000, support.N_ITEMS)
        errors, results = [], []

        def worker():
            try:
                results.append(len(model.recommend_batch(hists, 5)))
            except offlinerl.OfflineRLError as exc:
                errors.append(exc)

        th = threading.Thread(target=worker)
        th.start()
        time.sleep(0.005)
        model.close()  # deferred until the batch returns, or the batch sees a closed model
        th.join()
        self.assertTrue(model.closed)
        self.assertEqual(len(results) + len(errors), 1)
        if errors:
            self.assertEqual(errors[0].status, offlinerl.Status.STATE)
        else:
            self.assertEqual(results, [20000])


if __name__ == "__main__":
    unittest.main()
