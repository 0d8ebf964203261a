"""Target policy rules: Model.policy_probs against the model's scores, the rollout of a rule,
and the rule on python -m offlinerl sim value."""

import json
import math
import unittest

import offlinerl
from offlinerl import Status
from offlinerl.model import policy_rule, policy_text

from . import support
from .test_cli import run


def direct(scores, policy):
    """The rule's probabilities computed here from the scores (float64)."""
    n = len(scores)
    top = max(range(n), key=lambda i: (scores[i], -i))
    if policy == "greedy":
        return [1.0 if i == top else 0.0 for i in range(n)]
    kind, _, rest = policy.partition(":")
    if kind == "softmax":
        t = float(rest)
        e = [math.exp((s - scores[top]) / t) for s in scores]
        return [x / sum(e) for x in e]
    eps, _, k = rest.partition(":")
    eps, k = float(eps), int(k) if k else n
    order = sorted(range(n), key=lambda i: (-scores[i], i))[:k]
    p = [eps / k if i in order else 0.0 for i in range(n)]
    p[top] += 1 - eps
    return p


class PolicyTest(support.ErrorAssertions):
    def test_rule_text_round_trip(self):
        for text in ("greedy", "softmax:0.5", "epsilon:0.1", "epsilon:0.1:10"):
            self.assertEqual(policy_text(policy_rule(text)), text)
        self.assertEqual(policy_text(policy_rule(None)), "greedy")
        for bad in ("softmax", "softmax:0", "epsilon:2", "epsilon:0.1:0", "Greedy", ""):
            with self.assertRaises(offlinerl.OfflineRLError):
                policy_rule(bad)
        with self.assertRaises(TypeError):
            policy_rule(0.5)

    def test_policy_probs_match_the_scores(self):
        model = support.world()[4]
        items = model.items()
        history = [items[3], items[7]]
        scores = [float(x) for x in model.score(history, items)]
        for policy in ("greedy", "softmax:0.5", "softmax:3", "epsilon:0.2", "epsilon:0.2:4"):
            probs = [float(x) for x in model.policy_probs(history, policy=policy)]
            want = direct(scores, policy)
            self.assertEqual(len(probs), len(items))
            self.assertAlmostEqual(sum(probs), 1.0, places=5)
            for got, w in zip(probs, want):
                self.assertAlmostEqual(got, w, places=6, msg=policy)
        self.assertStatus(Status.OUT_OF_RANGE, model.policy_probs, history,
                          policy=f"epsilon:0.1:{len(items) + 1}")

    def test_rollout_of_a_rule(self):
        sim, _, _, _, model = support.world()
        # Greedy through the rule is the scoring rollout when repeats are allowed.
        with offlinerl.Simulator(n_items=support.N_ITEMS, n_users=60, n_clusters=5, seed=7,
                                 rollout_repeat=1) as rsim:
            a = rsim.rollout(model, 400, seed=3)
            b = rsim.rollout_model(model, 400, seed=3, policy="greedy")
            self.assertEqual(a["mean_return"], b["mean_return"])
        soft = sim.rollout_model(model, 400, seed=3, policy="softmax:0.5")
        again = sim.rollout_model(model, 400, seed=3, policy="softmax:0.5")
        self.assertEqual(soft, again)
        self.assertEqual(soft["n_sessions"], 400)
        self.assertEqual(sim.rollout_model(model, 50, seed=1),
                         sim.rollout(model, 50, seed=1))
        self.assertStatus(Status.OUT_OF_RANGE, sim.rollout_model, model, 50, 1,
                          policy="softmax:0")

    def test_cli_sim_value_policy(self):
        path = support.Tmp.file("policy.orl")
        support.world()[4].save(path)
        status, out, err = run("sim", "value", "--model", path, "--items", str(support.N_ITEMS),
                               "--users", "60", "--clusters", "5", "--seed", "7",
                               "--sessions", "100", "--policy", "epsilon:0.25:5")
        self.assertEqual(status, 0, err)
        row = json.loads(out.splitlines()[0])
        self.assertEqual(row["rule"], "epsilon:0.25:5")
        self.assertEqual(row["sessions"], 100)
        status, out, err = run("sim", "value", "--model", path, "--items", str(support.N_ITEMS),
                               "--clusters", "5", "--sessions", "50")
        self.assertEqual(status, 0, err)
        self.assertNotIn("rule", json.loads(out.splitlines()[0]))
        status, _, err = run("sim", "value", "--model", path, "--policy", "softmax:-1")
        self.assertNotEqual(status, 0)


if __name__ == "__main__":
    unittest.main()
