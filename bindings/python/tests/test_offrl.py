"""The constrained and pessimistic value methods through Python: what each model scores with,
the ensemble's rules and standard deviations, files, and the CLI's --head/--score/--kappa."""

import json
import math

import offlinerl
from offlinerl import Model

from . import support
from .test_cli import run


def train(algo, data, **settings):
    with offlinerl.Trainer(algo, epochs=1, batch_size=64, embed_dim=8, hidden_dim=8, seed=3,
                           threads=1, **settings) as t:
        t.fit(data)
        return t.export()


class OffRLTest(support.ErrorAssertions):
    @classmethod
    def setUpClass(cls):
        cls.sim, cls.train, _valid, cls.test, cls.sl_model = support.world()
        cls.models = {a: train(a, cls.train) for a in ("bcq", "cql", "sqn_cql", "rem", "sqn_rem")}
        cls.hist = [cls.sl_model.item_key(i) for i in (1, 2, 3)]

    @classmethod
    def tearDownClass(cls):
        for m in cls.models.values():
            m.close()

    def test_each_model_scores_as_the_guide_says(self):
        expect = {"bcq": (Model.CONSTRAINED, 2, 0), "cql": (Model.Q, 1, 0),
                  "sqn_cql": (Model.SUPERVISED, 2, 0), "rem": (Model.Q, 1, 4),
                  "sqn_rem": (Model.SUPERVISED, 2, 4)}
        for algo, (head, count, ensemble) in expect.items():
            m = self.models[algo]
            self.assertEqual((m.head, m.head_count, m.ensemble_size), (head, count, ensemble),
                             algo)
            self.assertEqual(len(m.recommend(self.hist, k=7)), 7)
            self.assertEqual(json.loads(json.dumps(m.info()))["algorithm"], algo)

    def test_constrained_ranks_allowed_items_by_q_first(self):
        bcq = self.models["bcq"]
        with bcq.with_head(Model.Q) as q, bcq.with_head(Model.SUPERVISED) as g:
            keys = bcq.items()
            qs, gs = q.score(self.hist, keys), g.score(self.hist, keys)
            cs = bcq.score(self.hist, keys)
        allowed = [i for i, z in enumerate(gs) if z - max(gs) > math.log(0.3)]
        self.assertTrue(allowed)
        for i in allowed:
            self.assertEqual(cs[i], qs[i])
        others = [cs[i] for i in range(len(keys)) if i not in allowed]
        if others:
            self.assertLess(max(others), min(cs[i] for i in allowed))

    def test_ensemble_rules_and_std(self):
        rem = self.models["rem"]
        self.assertEqual(rem.score_rule, ("mean", 0.0))
        top = rem.recommend_with_std(self.hist, k=5)
        self.assertEqual([i for i, _, _ in top], [i for i, _ in rem.recommend(self.hist, k=5)])
        self.assertTrue(all(sd >= 0 for _, _, sd in top))
        keys = rem.items()
        mean, sd = rem.score_with_std(self.hist, keys)
        with rem.with_score_rule("lcb", 2.0) as lcb, rem.with_score_rule("ucb", 2.0) as ucb:
            self.assertEqual(lcb.score_rule, ("lcb", 2.0))
            lo, hi = lcb.score(self.hist, keys), ucb.score(self.hist, keys)
            for m, s, a, b in zip(mean, sd, lo, hi):
                self.assertAlmostEqual(a, m - 2 * s, places=4)
                self.assertAlmostEqual(b, m + 2 * s, places=4)
            with Model.from_bytes(lcb.to_bytes()) as back:
                self.assertEqual(back.score_rule, ("lcb", 2.0))
                self.assertEqual(back.score(self.hist, keys), lo)
        # sqn_rem scores with its supervised head; its ensemble is one rule away.
        sqn_rem = self.models["sqn_rem"]
        self.assertStatus(offlinerl.Status.STATE, sqn_rem.recommend_with_std, self.hist, 3)
        with sqn_rem.with_score_rule("ucb", 1.0) as u:
            self.assertEqual(u.head, Model.Q)
            self.assertEqual(len(u.recommend_with_std(self.hist, 3)), 3)

    def test_bad_rules_are_refused(self):
        rem = self.models["rem"]
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, rem.with_score_rule, "median")
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, rem.with_score_rule, "lcb", -1.0)
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, rem.with_score_rule, "lcb", math.nan)
        self.assertStatus(offlinerl.Status.NOT_FOUND, self.models["cql"].with_score_rule, "lcb")
        self.assertStatus(offlinerl.Status.NOT_FOUND, self.models["cql"].with_head,
                          Model.SUPERVISED)
        self.assertStatus(offlinerl.Status.NOT_FOUND, self.sl_model.with_head, Model.CONSTRAINED)
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, offlinerl.Trainer, "bcq",
                          threshold=1.0)
        self.assertStatus(offlinerl.Status.OUT_OF_RANGE, offlinerl.Trainer, "rem", heads=33)

    def test_cli_eval_lists_every_head_and_rule(self):
        for algo, names, default in (("bcq", ["supervised", "q", "constrained"], "constrained"),
                                     ("rem", ["q", "lcb", "ucb"], "q")):
            path = support.Tmp.file(f"offrl-{algo}.orl")
            self.models[algo].save(path)
            csv = support.csv_path()
            status, out, err = run("eval", "--model", path, "--data", csv, "--json",
                                   "--kappa", "0.5")
            self.assertEqual(status, 0, err)
            r = json.loads(out)
            self.assertEqual(list(r["heads"]), names)
            self.assertEqual(r["default_head"], default)

    def test_cli_recommend_scoring_options(self):
        path = support.Tmp.file("offrl-rem-cli.orl")
        self.models["rem"].save(path)
        hist = ",".join(str(h) for h in self.hist)
        status, out, err = run("recommend", "--model", path, "--history", hist, "-k", "3",
                               "--score", "lcb", "--kappa", "1", "--json")
        self.assertEqual(status, 0, err)
        items = json.loads(out)["items"]
        self.assertEqual(len(items), 3)
        self.assertTrue(all("std" in i for i in items))
        status, _, _ = run("recommend", "--model", path, "--history", hist, "--head",
                           "constrained")
        self.assertNotEqual(status, 0)
        self.assertEqual(run("recommend", "--model", path, "--score", "median")[0], 2)
