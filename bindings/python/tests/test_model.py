"""Model: recommend, string keys, candidates, batch, evaluate, files and bytes, info."""

import array
import math
import unittest

import offlinerl
from offlinerl import Status

from . import support


class ScoringTest(support.ErrorAssertions):
    def setUp(self):
        self.sim, self.train, _, self.test, self.model = support.world()

    def test_recommend(self):
        m = self.model
        recs = m.recommend([1, 2, 3], k=5)
        self.assertEqual(len(recs), 5)
        scores = [s for _, s in recs]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertTrue(all(isinstance(i, int) for i, _ in recs))
        # the same history as array.array (passed without a copy) gives the same answer
        self.assertEqual(m.recommend(array.array("q", [1, 2, 3]), 5), recs)
        pairs, skipped = m.recommend([1, 10 ** 12, 2, 3], 5, with_skipped=True)
        self.assertEqual((pairs, skipped), (recs, 1))
        self.assertEqual(len(m.recommend([], m.item_count)), m.item_count)
        self.assertStatus(Status.OUT_OF_RANGE, m.recommend, [1], 0)
        self.assertStatus(Status.OUT_OF_RANGE, m.recommend, [1], m.item_count + 1)
        self.assertStatus(Status.INVALID_ARGUMENT, m.recommend, ["a"], 3)

    def test_score_candidates_agree_with_recommend(self):
        m = self.model
        recs = dict(m.recommend([4, 5], k=m.item_count))
        cands = [7, 1, 10 ** 9, 3]
        scores, skipped, unknown = m.score([4, 5], cands, with_counts=True)
        self.assertEqual((skipped, unknown), (0, 1))
        self.assertEqual(scores[2], -math.inf)
        for c, s in zip(cands, scores):
            if c in recs:
                self.assertAlmostEqual(s, recs[c], places=5)
        self.assertEqual(m.score([4, 5], []), [])

    def test_recommend_batch_equals_single_calls(self):
        m = self.model
        hists = [[1, 2, 3], [], [5], [10 ** 9, 6, 7]]
        batch = m.recommend_batch(hists, k=4)
        single = [m.recommend(h, 4) for h in hists]
        # Since 0.2.0 a batch row is the single call's result bit for bit.
        self.assertEqual(batch, single)
        self.assertEqual(m.recommend_batch([], 4), [])
        self.assertStatus(Status.OUT_OF_RANGE, m.recommend_batch, hists, m.item_count + 1)
        # Candidate scores are the ranking's scores, bit for bit.
        full = m.recommend([4, 5], m.item_count)
        self.assertEqual(m.score([4, 5], [i for i, _ in full]), [s for _, s in full])

    def test_recommend_batch_excluding(self):
        m = self.model
        hists = [[1, 2, 3], [], [5], [10 ** 9, 6, 7]]
        drop = [[1, 2, 3], [], [5, 10 ** 12], [i for i, _ in m.recommend([], m.item_count)]]
        rows = m.recommend_batch(hists, k=4, exclude=drop)
        self.assertEqual(rows, [m.recommend(h, 4, exclude=x) for h, x in zip(hists, drop)])
        self.assertEqual(rows[3], [])  # everything excluded
        self.assertStatus(Status.INVALID_ARGUMENT, m.recommend_batch, hists, 4, [[1]])

    def test_recommend_excluding(self):
        m = self.model
        n = m.item_count
        full = m.recommend([1, 2, 3], n)
        drop = [full[0][0], full[2][0], 10 ** 12]  # an unknown key is ignored
        recs = m.recommend([1, 2, 3], 5, exclude=drop)
        self.assertEqual(recs, [p for p in full if p[0] not in drop][:5])
        pairs, skipped = m.recommend([1, 10 ** 12, 2, 3], 5, with_skipped=True,
                                     exclude=array.array("q", drop))
        self.assertEqual((pairs, skipped), (recs, 1))
        # no exclusions: the plain ranking; k above what is left: what is left
        self.assertEqual(m.recommend([1, 2, 3], 5, exclude=[]), full[:5])
        keep = [i for i, _ in full[-2:]]
        left = m.recommend([1, 2, 3], n, exclude=[i for i, _ in full[:-2]])
        self.assertEqual(left, full[-2:])
        self.assertEqual([i for i, _ in left], keep)
        self.assertEqual(m.recommend([], 3, exclude=[i for i, _ in full]), [])
        self.assertStatus(Status.OUT_OF_RANGE, m.recommend, [1], 0, exclude=[1])
        self.assertStatus(Status.OUT_OF_RANGE, m.recommend, [1], n + 1, exclude=[1])

    def test_item_keys(self):
        m = self.model
        keys = m.items()
        self.assertEqual(len(keys), m.item_count)
        self.assertEqual(len(set(keys)), len(keys))
        self.assertTrue(all(isinstance(k, int) for k in keys))
        self.assertEqual([m.item_key(i) for i in range(len(keys))], keys)
        self.assertEqual(m.item_key(-1), keys[-1])
        # the catalogue is what the model ranks
        self.assertEqual(sorted(keys), sorted(i for i, _ in m.recommend([], m.item_count)))
        self.assertStatus(Status.OUT_OF_RANGE, m.item_key, len(keys))
        self.assertStatus(Status.OUT_OF_RANGE, m.item_key, -len(keys) - 1)

    def test_evaluate(self):
        r = self.model.evaluate(self.test, threads=1)
        self.assertEqual(r, self.model.evaluate(self.test, threads=2))
        for part in ("click", "purchase"):
            d = r[part]
            self.assertGreater(d["count"], 0)
            self.assertLessEqual(d["hr@5"], d["hr@10"])
            self.assertLessEqual(d["hr@10"], d["hr@20"])
            self.assertLessEqual(d["ndcg@5"], d["hr@5"])
        text = offlinerl.eval_result_json(r)
        self.assertIn('"click"', text)
        self.assertIn('"hr@10"', text)
        with offlinerl.Dataset() as open_ds:
            self.assertStatus(Status.STATE, self.model.evaluate, open_ds)

    def test_info(self):
        info = self.model.info()
        self.assertEqual(info["algorithm"], "sl")
        self.assertEqual(info["n_items"], self.model.item_count)
        self.assertEqual(len(self.model), self.model.item_count)
        self.assertFalse(info["string_keys"])
        self.assertEqual(info["training_config"]["encoder"]["embed_dim"], 8)
        self.assertIn("sl gru4rec", repr(self.model))


class FileTest(support.ErrorAssertions):
    def test_save_load_bytes(self):
        model = support.world()[4]
        path = support.Tmp.file("model.orl")
        model.save(path)
        raw = model.to_bytes()
        with open(path, "rb") as f:
            self.assertEqual(f.read(), raw)
        want = model.recommend([1, 2], 6)
        for other in (offlinerl.Model.load(path), offlinerl.Model.from_bytes(raw),
                      offlinerl.Model.from_bytes(bytearray(raw)),
                      offlinerl.Model.from_bytes(memoryview(raw))):
            with other:
                self.assertEqual(other.recommend([1, 2], 6), want)
        bad = bytearray(raw)
        bad[len(bad) // 2] ^= 0x55
        self.assertStatus(Status.CHECKSUM, offlinerl.Model.from_bytes, bytes(bad))
        self.assertStatus(Status.TRUNCATED, offlinerl.Model.from_bytes, raw[: len(raw) // 2])
        self.assertStatus(Status.FORMAT, offlinerl.Model.from_bytes, b"x" * 200)
        with self.assertRaises(offlinerl.OfflineRLError) as ctx:
            offlinerl.Model.load(support.Tmp.file("no-model.orl"))
        # every loader reports a missing file as NOT_FOUND (common.h, issue 20)
        self.assertEqual(ctx.exception.status, Status.NOT_FOUND)
        self.assertIn("no-model.orl", ctx.exception.message)
        self.assertStatus(Status.IO, model.save, "/nonexistent-dir/m.orl")

    def test_string_keyed_model(self):
        d = dict(sessions=[f"s{i // 4}" for i in range(80)],
                 items=[f"item-{(i * 7) % 11}" for i in range(80)],
                 timestamps=list(range(80)), events=["click"] * 80)
        with offlinerl.Dataset.from_events(**d) as ds, \
                offlinerl.Trainer("sl", epochs=1, embed_dim=4, hidden_dim=4) as t:
            t.fit(ds)
            with t.export() as m:
                self.assertTrue(m.string_keys)
                recs = m.recommend(["item-0", "item-7"], 3)
                self.assertEqual(recs, m.recommend_str(["item-0", "item-7"], 3))
                self.assertTrue(all(k.startswith("item-") for k, _ in recs))
                pairs, skipped = m.recommend_str(["zzz", "item-0"], 2, with_skipped=True)
                self.assertEqual(skipped, 1)
                full = dict(m.recommend(["item-0"], m.item_count))
                scores, skipped, unknown = m.score(["item-0"], ["item-3", "nope"], True)
                self.assertEqual(scores, [full["item-3"], -math.inf])
                self.assertEqual((skipped, unknown), (0, 1))
                keys = m.items()
                self.assertEqual(sorted(keys), sorted(f"item-{i}" for i in range(11)))
                self.assertEqual(m.item_key(0), keys[0])
                ranked = m.recommend(["item-0"], m.item_count)
                self.assertEqual(m.recommend(["item-0"], 3, exclude=[ranked[1][0], "nope"]),
                                 [ranked[0]] + ranked[2:4])
                # batch, batch with exclusions and candidates by string key (issue 20)
                hists = [["item-0", "item-7"], [], ["nope", "item-3"]]
                rows = m.recommend_batch(hists, 3)
                self.assertEqual(rows, [m.recommend(h, 3) for h in hists])
                rows = m.recommend_batch(hists, 3, exclude=[["item-0"], [], [ranked[0][0]]])
                self.assertNotIn("item-0", [k for k, _ in rows[0]])
                self.assertEqual(rows[1], m.recommend([], 3))
                self.assertEqual(m.score(["item-0"], [k for k, _ in ranked]),
                                 [s for _, s in ranked])

    def test_closed_model_raises(self):
        model = offlinerl.Model.from_bytes(support.world()[4].to_bytes())
        with model:
            pass
        self.assertTrue(model.closed)
        self.assertStatus(Status.STATE, model.recommend, [1], 3)
        self.assertStatus(Status.STATE, model.to_bytes)
        self.assertEqual(repr(model), "<offlinerl.Model closed>")

    def test_del_frees_without_close(self):
        # the fallback path: no close(), the wrapper is garbage-collected
        for _ in range(3):
            m = offlinerl.Model.from_bytes(support.world()[4].to_bytes())
            m.recommend([1], 2)
            del m


if __name__ == "__main__":
    unittest.main()
