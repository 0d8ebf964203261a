"""Baselines: Model.baseline rankings against counts computed here, files, evaluation, and
``--baseline`` on python -m offlinerl eval."""

import collections
import json
import math

import offlinerl

from . import support
from .test_cli import run


def counts_of(ds):
    """Events per item key of a dataset, counted here from its sessions."""
    c = collections.Counter()
    for s in range(ds.session_count()):
        c.update(e["item"] for e in ds.session_events(s))
    return c


class BaselineTest(support.ErrorAssertions):
    def test_popularity_and_repeat_rankings(self):
        _, train, _, _, _ = support.world()
        counts = counts_of(train)
        with offlinerl.Model.baseline(train, "pop") as pop, \
                offlinerl.Model.baseline(train, "repeat") as rep:
            self.assertEqual(pop.info()["algorithm"], "popularity")
            items = pop.items()
            want = sorted(items, key=lambda k: (-counts[k], items.index(k)))[:10]
            got = pop.recommend([], k=10)
            self.assertEqual([k for k, _ in got], want)
            for k, s in got:
                self.assertAlmostEqual(s, math.log(counts[k]), places=5)
            history = [want[7], want[3], want[7], want[9]]
            top = [k for k, _ in rep.recommend(history, k=5)]
            # most recent first (want[7] twice: its latest position counts), then popularity
            self.assertEqual(top, [want[9], want[7], want[3], want[0], want[1]])
            self.assertEqual(pop.recommend(history, k=5), pop.recommend([], k=5))

    def test_file_round_trip_and_eval(self):
        _, train, _, test, _ = support.world()
        path = support.Tmp.file("repeat.orl")
        with offlinerl.Model.baseline(train, "repeat") as rep:
            rep.save(path)
            with offlinerl.Model.load(path) as back:
                self.assertEqual(back.recommend([3, 5], k=8), rep.recommend([3, 5], k=8))
                self.assertEqual(back.evaluate(test), rep.evaluate(test))
            with offlinerl.Model.from_bytes(rep.to_bytes()) as again:
                self.assertEqual(again.info(), rep.info())
            probs = rep.policy_probs([3, 5], policy="softmax:1")
            self.assertAlmostEqual(float(sum(probs)), 1.0, places=5)
        with self.assertRaises(ValueError):
            offlinerl.Model.baseline(train, "lru")

    def test_cli_eval_baseline(self):
        data = support.csv_path()
        status, out, err = run("eval", "--baseline", "pop", "--train", data, "--data", data,
                               "--json")
        self.assertEqual(status, 0, err)
        r = json.loads(out)
        self.assertEqual(r["model"]["algorithm"], "popularity")
        self.assertGreater(r["heads"]["supervised"]["click"]["count"], 0)
        status, out, err = run("eval", "--baseline", "repeat", "--data", data)
        self.assertEqual(status, 0, err)
        self.assertIn("repeat baseline", out)
        self.assertIn("counts the evaluated data itself", err)
        self.assertEqual(run("eval", "--data", data)[0], 2)
        self.assertEqual(run("eval", "--baseline", "lru", "--data", data)[0], 2)
