"""The trained, immutable policy (``orl_model``): recommend, score, evaluate, files."""

from __future__ import annotations

import array
import ctypes
import json
import math
from ctypes import c_uint32, byref, c_char_p, c_float, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _arrays as A
from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status
from ._handle import Handle

Key = Union[int, str]


def policy_rule(policy: Optional[str] = None) -> S.PolicyRule:
    """``orl_policy_rule`` from its text (``orl_policy_rule_parse``): ``"greedy"``,
    ``"softmax:T"``, ``"epsilon:E"`` or ``"epsilon:E:K"``; ``None`` is greedy."""
    r = S.new(S.PolicyRule)
    lib = _lib.load()
    lib.orl_policy_rule_init(byref(r))
    if policy is not None:
        if not isinstance(policy, str):
            raise TypeError("policy must be a string such as 'softmax:0.5', not "
                            f"{type(policy).__name__}")
        _lib.check(lib.orl_policy_rule_parse(policy.encode("utf-8"), byref(r)),
                   "orl_policy_rule_parse")
    return r


def policy_text(rule: S.PolicyRule) -> str:
    """The text of a rule (``orl_policy_rule_format``), which parses back to it."""
    lib = _lib.load()
    need = c_size_t()
    _lib.check(lib.orl_policy_rule_format(byref(rule), None, 0, byref(need)),
               "orl_policy_rule_format")
    buf = ctypes.create_string_buffer(need.value)
    _lib.check(lib.orl_policy_rule_format(byref(rule), buf, need.value, byref(need)),
               "orl_policy_rule_format")
    return buf.value.decode("utf-8")


class Model(Handle):
    """A trained policy over the training data's item keys.

    Immutable: any number of threads may score with one model at once; the
    GIL is released during each library call, so Python threads score in
    parallel. Get one from :meth:`Trainer.export`, :meth:`load` or
    :meth:`from_bytes`.
    """

    _free_name = "orl_model_free"

    @classmethod
    def _wrap(cls, ptr: c_void_p) -> "Model":
        self = cls.__new__(cls)
        Handle.__init__(self, ptr)
        self._string_keys: Optional[bool] = None
        self._item_count: Optional[int] = None
        return self

    # ---- files ----------------------------------------------------------------------------

    #: Baselines of :meth:`baseline` (``orl_baseline_kind``).
    BASELINES = {"pop": 0, "popularity": 0, "repeat": 1}

    @classmethod
    def baseline(cls, dataset: Any, kind: str = "pop") -> "Model":
        """A baseline model of a finalized training dataset (``orl_model_create_baseline``).

        ``"pop"`` (or ``"popularity"``) scores each item by log(its event count in
        ``dataset``); ``"repeat"`` puts the items of the history (most recent first) above
        all others, then popularity. Every method of :class:`Model` works with it.
        """
        if kind not in cls.BASELINES:
            raise ValueError(f"baseline must be one of 'pop', 'repeat', not {kind!r}")
        out = c_void_p()
        with dataset._borrow() as d:
            _lib.check(_lib.load().orl_model_create_baseline(d, cls.BASELINES[kind], byref(out)),
                       "orl_model_create_baseline")
        return cls._wrap(out)

    @classmethod
    def load(cls, path: Any) -> "Model":
        """Load and verify a model file (``orl_model_load``)."""
        import os

        out = c_void_p()
        _lib.check(_lib.load().orl_model_load(os.fsencode(path), byref(out)), "orl_model_load")
        return cls._wrap(out)

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Model":
        """Load a model from bytes (``orl_model_load_buffer``; the bytes are copied)."""
        mv = memoryview(data).cast("B")
        buf = (ctypes.c_char * len(mv)).from_buffer_copy(mv) if mv.readonly else \
            (ctypes.c_char * len(mv)).from_buffer(mv)
        out = c_void_p()
        _lib.check(_lib.load().orl_model_load_buffer(buf, len(mv), byref(out)),
                   "orl_model_load_buffer")
        return cls._wrap(out)

    def save(self, path: Any) -> None:
        """Save atomically (``orl_model_save``)."""
        import os

        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_save(p, os.fsencode(path)), "orl_model_save")

    def to_bytes(self) -> bytes:
        """The model file's bytes (``orl_model_save_buffer``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_model_save_buffer
            return _lib.read_buffer(lambda b, n, o: fn(p, b, n, o), "orl_model_save_buffer",
                                    text=False)

    # ---- description ----------------------------------------------------------------------

    def info(self) -> Dict[str, Any]:
        """Architecture, sizes, algorithm, training config (``orl_model_info_json``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_model_info_json
            return json.loads(_lib.read_buffer(lambda b, n, o: fn(p, b, n, o),
                                               "orl_model_info_json"))

    @property
    def string_keys(self) -> bool:
        """True for a model trained on string item keys (use :meth:`recommend_str`)."""
        if self._string_keys is None:
            self._string_keys = bool(self.info()["string_keys"])
        return self._string_keys

    @property
    def item_count(self) -> int:
        """Catalogue size (``orl_model_item_count``)."""
        out = c_uint64()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_item_count(p, byref(out)), "orl_model_item_count")
        return out.value

    def __len__(self) -> int:
        """The number of items in the model's catalogue (``item_count``)."""
        return self.item_count

    SUPERVISED = 0  #: the supervised (cross-entropy) head
    Q = 1  #: the Q head of models trained with reinforcement learning
    CONSTRAINED = 2  #: BCQ: Q over the items G allows, then the rest in G's order

    #: Score rules of a model with an ensemble of Q heads (``rem``, ``sqn_rem``).
    SCORE_RULES = ("mean", "lcb", "ucb")

    @property
    def head_count(self) -> int:
        """1, or 2 for models that also carry a Q head (``orl_model_head_count``)."""
        out = c_uint32()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_head_count(p, byref(out)), "orl_model_head_count")
        return out.value

    @property
    def head(self) -> int:
        """The head this model scores with: :attr:`SUPERVISED`, :attr:`Q` or
        :attr:`CONSTRAINED` (BCQ models)."""
        out = c_uint32()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_head(p, byref(out)), "orl_model_head")
        return out.value

    def with_head(self, head: int) -> "Model":
        """A new model scoring with another head of the same network (``orl_model_with_head``)."""
        out = c_void_p()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_with_head(p, int(head), byref(out)),
                       "orl_model_with_head")
        return Model._wrap(out)

    @property
    def ensemble_size(self) -> int:
        """The number of Q heads in the model's ensemble (``rem``, ``sqn_rem``), else 0."""
        out = c_uint32()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_ensemble_size(p, byref(out)),
                       "orl_model_ensemble_size")
        return out.value

    @property
    def score_rule(self) -> Tuple[str, float]:
        """``(rule, kappa)``: how the model scores with its ensemble ("mean", "lcb" =
        mean - kappa std, "ucb" = mean + kappa std); ``("mean", 0.0)`` without one."""
        rule, kappa = c_uint32(), c_float()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_score_rule(p, byref(rule), byref(kappa)),
                       "orl_model_score_rule")
        return self.SCORE_RULES[rule.value], kappa.value

    def with_score_rule(self, rule: str, kappa: float = 1.0) -> "Model":
        """A new model scoring with its ensemble of Q heads by ``rule``: "mean", "lcb"
        (mean - kappa std over the heads: pessimistic) or "ucb" (mean + kappa std:
        optimistic) (``orl_model_with_score_rule``). LCB and UCB cost K + 1 passes over
        the catalogue per history instead of one."""
        if rule not in self.SCORE_RULES:
            raise OfflineRLError(Status.OUT_OF_RANGE,
                                 f"rule {rule!r} is not one of {', '.join(self.SCORE_RULES)}",
                                 "with_score_rule")
        out = c_void_p()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_with_score_rule(
                p, self.SCORE_RULES.index(rule), float(kappa), byref(out)),
                "orl_model_with_score_rule")
        return Model._wrap(out)

    def recommend_with_std(self, history: Sequence[int],
                           k: int = 10) -> List[Tuple[int, float, float]]:
        """Top-``k`` as :meth:`recommend`, each with the standard deviation of its value
        over the ensemble's heads: ``[(item, score, std)]`` (``orl_model_recommend_with_std``;
        the model must score with its ensemble)."""
        hp, hn, keep = A.as_array(history, c_int64, "history")
        k = self._check_k(k)
        m = min(k, self._n_items())
        items, scores, std = (c_int64 * m)(), (c_float * m)(), (c_float * m)()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_recommend_with_std(p, hp, hn, k, items, scores, std,
                                                                None),
                       "orl_model_recommend_with_std")
        del keep
        return list(zip(items, scores, std))

    def score_with_std(self, history: Sequence[int],
                       candidates: Sequence[int]) -> Tuple[List[float], List[float]]:
        """``(scores, stds)`` of candidate item keys over the ensemble's heads
        (``orl_model_score_candidates_with_std``; unknown candidates: -inf and NaN)."""
        hp, hn, k1 = A.as_array(history, c_int64, "history")
        cp, cn, k2 = A.as_array(candidates, c_int64, "candidates")
        scores, std = (c_float * max(cn, 1))(), (c_float * max(cn, 1))()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_score_candidates_with_std(
                p, hp, hn, cp, cn, scores, std, None, None),
                "orl_model_score_candidates_with_std")
        del k1, k2
        return list(scores)[:cn], list(std)[:cn]

    def item_key(self, index: int) -> Key:
        """The key of catalogue item ``index`` (``0 <= index < item_count``; negative
        counts from the end): an ``int`` for integer-keyed models
        (``orl_model_item_key``), a ``str`` for string-keyed ones
        (``orl_model_item_key_str``), as :meth:`recommend` returns them."""
        i = int(index)
        if i < 0:
            i += self._n_items()
        if i < 0:
            raise OfflineRLError(Status.OUT_OF_RANGE, f"index {index} is outside the catalogue",
                                 "item_key")
        with self._borrow() as p:
            if not self.string_keys:
                out = c_int64()
                _lib.check(_lib.load().orl_model_item_key(p, i, byref(out)),
                           "orl_model_item_key")
                return out.value
            fn = _lib.load().orl_model_item_key_str
            return _lib.read_buffer(lambda b, n, o: fn(p, i, b, n, o),
                                    "orl_model_item_key_str").decode("utf-8")

    def items(self) -> List[Key]:
        """Every item key of the catalogue, in catalogue order (the order ties are
        broken by): ``[item_key(0), ..., item_key(item_count - 1)]``."""
        return [self.item_key(i) for i in range(self._n_items())]

    def _n_items(self) -> int:
        if self._item_count is None:
            self._item_count = self.item_count
        return self._item_count

    # ---- scoring --------------------------------------------------------------------------

    def recommend(self, history: Sequence[Key], k: int = 10,
                  with_skipped: bool = False, exclude: Optional[Sequence[Key]] = None) -> Any:
        """Top-``k`` items for a history of item keys, best first: ``[(item, score)]``.

        Integer-keyed models use ``orl_model_recommend`` (the history may be a
        list, ``array.array('q')`` or numpy int64, passed without copying);
        string-keyed ones :meth:`recommend_str`. Unknown history keys are
        skipped; with ``with_skipped=True`` the result is ``(pairs, skipped)``.

        ``exclude``: item keys that must not be recommended (unknown keys are
        ignored). The result then holds ``min(k, item_count - excluded)`` items,
        the ranking without them (``orl_model_recommend_excluding``, one
        scoring pass; string-keyed models rank the catalogue and filter).
        """
        if exclude is not None:
            return self._recommend_excluding(history, k, with_skipped, exclude)
        if self.string_keys:
            return self.recommend_str([str(h) for h in history], k, with_skipped)
        hp, hn, keep = A.as_array(history, c_int64, "history")
        k = self._check_k(k)
        m = min(k, self._n_items())
        items = (c_int64 * m)()
        scores = (c_float * m)()
        skipped = c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_recommend(p, hp, hn, k, items, scores,
                                                       byref(skipped)), "orl_model_recommend")
        del keep
        pairs = list(zip(items, scores))
        return (pairs, skipped.value) if with_skipped else pairs

    def _recommend_excluding(self, history: Sequence[Key], k: int, with_skipped: bool,
                             exclude: Sequence[Key]) -> Any:
        k = self._check_k(k)
        if self.string_keys:
            # One history through the batch string form (the same ranking, one scoring pass).
            rows, _ = self._batch_str([[str(h) for h in history]], k, [[str(e) for e in exclude]])
            if not with_skipped:
                return rows[0]
            _, skipped = self.recommend_str([str(h) for h in history], 1, True)
            return rows[0], skipped
        hp, hn, k1 = A.as_array(history, c_int64, "history")
        ep, en, k2 = A.as_array(exclude, c_int64, "exclude")
        m = min(k, self._n_items())
        items = (c_int64 * max(m, 1))()
        scores = (c_float * max(m, 1))()
        n_out, skipped = c_size_t(), c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_recommend_excluding(
                p, hp, hn, ep, en, k, items, scores, byref(n_out), byref(skipped)),
                "orl_model_recommend_excluding")
        del k1, k2
        pairs = list(zip(items[:n_out.value], scores[:n_out.value]))
        return (pairs, skipped.value) if with_skipped else pairs

    def recommend_str(self, history: Sequence[str], k: int = 10,
                      with_skipped: bool = False) -> Any:
        """Top-``k`` for string item keys (``orl_model_recommend_str``): ``[(key, score)]``."""
        hp, hn, keep = A.as_strings(history, "history")
        k = self._check_k(k)
        m = min(k, self._n_items())
        items = (c_char_p * m)()
        scores = (c_float * m)()
        skipped = c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_recommend_str(p, hp, hn, k, items, scores,
                                                           byref(skipped)),
                       "orl_model_recommend_str")
            # the strings point into the model: decode while it is borrowed
            pairs = [(items[i].decode("utf-8"), scores[i]) for i in range(m)]
        del keep
        return (pairs, skipped.value) if with_skipped else pairs

    def policy_probs(self, history: Sequence[int] = (), policy: Optional[str] = None) -> Any:
        """The target policy's probabilities of every item after ``history``
        (``orl_model_policy_probs``), in the model's item order (:meth:`items`).

        ``policy`` is ``"greedy"`` (default), ``"softmax:T"``, ``"epsilon:E"`` or
        ``"epsilon:E:K"``. No item is excluded; they sum to 1. A float32 numpy array when
        numpy is installed, else a list.
        """
        rule = policy_rule(policy)
        n = self._n_items()
        hp, hn, k1 = A.as_array(history, c_int64, "history")
        np = A.numpy_module()
        if np is not None:
            result = np.empty(n, dtype=np.float32)
            out = result.ctypes.data_as(ctypes.POINTER(c_float))
        else:
            result = (c_float * max(n, 1))()
            out = result
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_policy_probs(p, byref(rule), hp, hn, out, n),
                       "orl_model_policy_probs")
        del k1
        return result if np is not None else list(result)[:n]

    def score(self, history: Sequence[Key], candidates: Sequence[Key],
              with_counts: bool = False) -> Any:
        """Scores of candidate item keys, in their order (``orl_model_score_candidates``).

        Unknown candidates score ``-inf``. String-keyed models (or string candidates) go
        through ``orl_model_score_candidates_str``; the scores equal :meth:`recommend`'s
        for the same items bit for bit. Returns a float32 numpy array when
        ``candidates`` is a numpy array, else a list. With ``with_counts=True``:
        ``(scores, skipped_history, unknown_candidates)``.
        """
        if self.string_keys or A.is_text(candidates):
            return self._score_str(history, candidates, with_counts)
        hp, hn, k1 = A.as_array(history, c_int64, "history")
        cp, cn, k2 = A.as_array(candidates, c_int64, "candidates")
        np = A.numpy_module() if hasattr(candidates, "__array_interface__") else None
        if np is not None:
            result = np.empty(cn, dtype=np.float32)
            out = result.ctypes.data_as(ctypes.POINTER(c_float))
        else:
            result = (c_float * max(cn, 1))()
            out = result
        skipped, unknown = c_size_t(), c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_score_candidates(p, hp, hn, cp, cn, out,
                                                              byref(skipped), byref(unknown)),
                       "orl_model_score_candidates")
        del k1, k2
        scores = result if np is not None else list(result)[:cn]
        return (scores, skipped.value, unknown.value) if with_counts else scores

    def _score_str(self, history: Sequence[Key], candidates: Sequence[Key],
                   with_counts: bool) -> Any:
        hp, hn, k1 = A.as_strings([str(h) for h in history], "history")
        cp, cn, k2 = A.as_strings([str(c) for c in candidates], "candidates")
        out = (c_float * max(cn, 1))()
        skipped, unknown = c_size_t(), c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_model_score_candidates_str(
                p, hp, hn, cp, cn, out, byref(skipped), byref(unknown)),
                "orl_model_score_candidates_str")
        del k1, k2
        scores = list(out)[:cn]
        return (scores, skipped.value, unknown.value) if with_counts else scores

    def recommend_batch(self, histories: Sequence[Sequence[Key]], k: int = 10,
                        exclude: Optional[Sequence[Sequence[Key]]] = None
                        ) -> List[List[Tuple[Key, float]]]:
        """Top-``k`` for many histories in one call: one ``[(item, score)]`` list per history.

        Integer-keyed models use ``orl_model_recommend_batch``, string-keyed ones
        ``orl_model_recommend_batch_str``. Each row equals :meth:`recommend` of its
        history bit for bit. ``exclude``: one list of item keys per history that its row
        must not hold (``orl_model_recommend_batch_excluding`` / ``_str``); a row then
        has ``min(k, item_count - excluded)`` items.
        """
        if exclude is not None and len(exclude) != len(histories):
            raise _lib.fail(Status.INVALID_ARGUMENT,
                            "exclude needs one list per history (%d lists for %d histories)"
                            % (len(exclude), len(histories)), "recommend_batch")
        k = self._check_k(k)
        if self.string_keys or any(A.is_text(h) for h in histories):
            ex = None if exclude is None else [[str(e) for e in x] for x in exclude]
            rows, _ = self._batch_str([[str(x) for x in h] for h in histories], k, ex)
            return rows
        flat, offsets = array.array("q"), array.array("Q", [0])
        for h in histories:
            flat.extend(int(x) for x in h)
            offsets.append(len(flat))
        n = len(histories)
        # the library fails on k before writing; keep the buffers small then
        n_alloc = n * k if k <= self._n_items() else 1
        hist, _, k1 = A.as_array(flat, c_int64, "histories")
        offs, _, k2 = A.as_array(offsets, c_size_t, "offsets")
        items = (c_int64 * max(n_alloc, 1))()
        scores = (c_float * max(n_alloc, 1))()
        counts = (c_size_t * max(n, 1))()
        with self._borrow() as p:
            if exclude is None:
                _lib.check(_lib.load().orl_model_recommend_batch(p, n, hist, offs, k, items,
                                                                 scores),
                           "orl_model_recommend_batch")
                for i in range(n):
                    counts[i] = k
            else:
                eflat, eoffs = array.array("q"), array.array("Q", [0])
                for x in exclude:
                    eflat.extend(int(e) for e in x)
                    eoffs.append(len(eflat))
                ep, _, k3 = A.as_array(eflat, c_int64, "exclude")
                eo, _, k4 = A.as_array(eoffs, c_size_t, "exclude offsets")
                _lib.check(_lib.load().orl_model_recommend_batch_excluding(
                    p, n, hist, offs, ep, eo, k, items, scores, counts),
                    "orl_model_recommend_batch_excluding")
                del k3, k4
        del k1, k2
        return [list(zip(items[i * k:i * k + counts[i]], scores[i * k:i * k + counts[i]]))
                for i in range(n)]

    def _batch_str(self, histories: List[List[str]], k: int,
                   exclude: Optional[List[List[str]]]) -> Tuple[List[List[Tuple[str, float]]], int]:
        flat: List[str] = [x for h in histories for x in h]
        offsets = array.array("Q", [0])
        for h in histories:
            offsets.append(offsets[-1] + len(h))
        n = len(histories)
        n_alloc = n * k if k <= self._n_items() else 1
        hp, _, k1 = A.as_strings(flat, "histories")
        offs, _, k2 = A.as_array(offsets, c_size_t, "offsets")
        items = (ctypes.c_char_p * max(n_alloc, 1))()
        scores = (c_float * max(n_alloc, 1))()
        counts = (c_size_t * max(n, 1))()
        with self._borrow() as p:
            if exclude is None:
                _lib.check(_lib.load().orl_model_recommend_batch_str(p, n, hp, offs, k, items,
                                                                     scores),
                           "orl_model_recommend_batch_str")
                for i in range(n):
                    counts[i] = k
            else:
                eoffs = array.array("Q", [0])
                for x in exclude:
                    eoffs.append(eoffs[-1] + len(x))
                ep, _, k3 = A.as_strings([e for x in exclude for e in x], "exclude")
                eo, _, k4 = A.as_array(eoffs, c_size_t, "exclude offsets")
                _lib.check(_lib.load().orl_model_recommend_batch_excluding_str(
                    p, n, hp, offs, ep, eo, k, items, scores, counts),
                    "orl_model_recommend_batch_excluding_str")
                del k3, k4
            # the strings point into the model: decode while it is borrowed
            rows = [[(items[i * k + j].decode("utf-8"), scores[i * k + j])
                     for j in range(counts[i])] for i in range(n)]
        del k1, k2
        return rows, 0

    def evaluate(self, test: Any, threads: int = 0) -> Dict[str, Any]:
        """HR/NDCG@5/10/20 for clicks and purchases on ``test`` (``orl_model_evaluate``).

        Returns ``{"click": {"count", "hr@5", ..., "ndcg@20"}, "purchase": {...},
        "unknown_targets": n}``.
        """
        r = S.new(S.EvalResult)
        with self._borrow() as p, test._borrow() as d:
            _lib.check(_lib.load().orl_model_evaluate(p, d, int(threads), byref(r)),
                       "orl_model_evaluate")
        return S.eval_to_dict(r)

    def estimate_value(self, dataset: Any, estimators: Any = None, policy: Optional[str] = None,
                       **settings: Any) -> Any:
        """The value of this model's policy estimated from the logged sessions of ``dataset``
        (``orl_model_estimate_value``): an :class:`offlinerl.ope.OpeResult` whose
        ``estimates`` are dicts (estimator, unit, value, ci_low, ci_high, std_error, ess,
        clipped_share, session_value, ...).

        ``estimators``: names or a comma list (``"ips,snips,dr"``; None = all that apply);
        ``policy``: ``"greedy"`` (default), ``"softmax:T"``, ``"epsilon:E[:K]"``; settings:
        ``interval`` ("bootstrap" | "normal" | "bca"), ``bootstrap_samples``, ``confidence``, ``clip``,
        ``switch_threshold``, ``gamma``, ``behaviour`` ("logged", "fit" or a :class:`Model`),
        ``reward_model`` ("fqe" | "item_mean"), ``seed``, ``threads``, and FQE's training
        (the reward model with gamma 0 and the sequential estimators' value model):
        ``fqe_epochs`` (1..1000, default 3), ``fqe_batch`` (1..65536, default 256),
        ``fqe_learning_rate`` (Adam's step, (0, 1], default 1e-3) and ``fqe_encoder`` (an
        :class:`offlinerl.Encoder` with the dataset's window; None = GRU4Rec defaults).
        On display logs FQE trains on the displays, clicked or not.
        The intervals resample sessions; the reward model and FQE are not refit per resample.
        """
        from .ope import estimate_value

        return estimate_value(self, dataset, estimators=estimators, policy=policy, **settings)

    def _check_k(self, k: int) -> int:
        """Rejects k < 1 here; a k above the catalogue is left to the library's own error
        (callers allocate ``min(k, item_count)`` entries, which the library never exceeds
        because it fails first)."""
        k = int(k)
        if k < 1 or k > 0xFFFFFFFF:
            raise OfflineRLError(Status.OUT_OF_RANGE, f"k = {k} is outside [1, catalogue size]",
                                 "recommend")
        return k

    def __repr__(self) -> str:
        if self.closed:
            return "<offlinerl.Model closed>"
        info = self.info()
        return (f"<offlinerl.Model {info['algorithm']} {info['architecture']} "
                f"{info['n_items']} items>")


def eval_result_json(metrics: Dict[str, Any]) -> str:
    """The library's JSON text of an evaluation dict (``orl_eval_result_json``)."""
    r = S.new(S.EvalResult)
    for part in ("click", "purchase"):
        d = metrics[part]
        setattr(r, f"{part}_count", int(d["count"]))
        for i, k in enumerate((5, 10, 20)):
            getattr(r, f"{part}_hr")[i] = d[f"hr@{k}"]
            getattr(r, f"{part}_ndcg")[i] = d[f"ndcg@{k}"]
    r.unknown_targets = int(metrics.get("unknown_targets", 0))
    fn = _lib.load().orl_eval_result_json
    return _lib.read_buffer(lambda b, n, o: fn(byref(r), b, n, o),
                            "orl_eval_result_json").decode()
