"""The built-in user simulator: logs with known propensities and true policy values."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_float, c_int64, c_size_t, c_void_p
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _arrays as A
from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status
from ._handle import Handle
from .dataset import Dataset, PathLike, _path

#: A Python policy: history of item keys (oldest first) -> one score per item key.
Policy = Callable[[List[int]], Sequence[float]]


def sim_params(**kwargs: Any) -> S.SimParams:
    """``orl_sim_params`` from the defaults and keyword settings."""
    p = S.new(S.SimParams)
    _lib.load().orl_sim_params_init(byref(p))
    S.apply(p, kwargs, [], None, "Simulator")
    return p


def _result(r: S.RolloutResult) -> Dict[str, Any]:
    return S.to_dict(r)


class Simulator(Handle):
    """A parametric user simulator with a known logging policy (``orl_sim``).

    Keyword settings are the fields of ``orl_sim_params`` (``seed``,
    ``n_users``, ``n_items``, ``n_clusters``, ``log_epsilon``, ``log_skips``,
    ``reward_click``, ...); :meth:`defaults` lists them.

    Rollouts may run concurrently from several threads; generating logs is for
    one thread at a time.
    """

    _free_name = "orl_sim_free"

    def __init__(self, **params: Any):
        p = sim_params(**params)
        out = c_void_p()
        _lib.check(_lib.load().orl_sim_create(byref(p), byref(out)), "orl_sim_create")
        super().__init__(out)
        self.params = S.to_dict(p)

    @staticmethod
    def defaults() -> Dict[str, Any]:
        """Every setting with its default (``orl_sim_params_init``)."""
        return S.to_dict(sim_params())

    @property
    def n_items(self) -> int:
        """Items; their keys are ``0 .. n_items-1`` (``orl_sim_num_items``)."""
        out = c_size_t()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_sim_num_items(p, byref(out)), "orl_sim_num_items")
        return out.value

    def session_user(self, session_key: int) -> int:
        """The user of logged session ``session_key`` (``orl_sim_session_user``): with the
        session's clicks before a step, :meth:`logging_probs` gives that step's whole logging
        distribution."""
        out = ctypes.c_uint32()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_sim_session_user(p, int(session_key), byref(out)),
                       "orl_sim_session_user")
        return out.value

    def generate(self, n_sessions: int, dataset: Optional[Dataset] = None, finalize: bool = True,
                 **dataset_params: Any) -> Dataset:
        """Log ``n_sessions`` sessions under the logging policy (``orl_sim_generate``).

        Into ``dataset`` when given (not finalized by this call), else into a new
        dataset created with ``dataset_params`` and finalized unless
        ``finalize=False``.
        """
        own = dataset is None
        ds = Dataset(**dataset_params) if own else dataset
        try:
            with self._borrow() as p, ds._borrow() as d:
                _lib.check(_lib.load().orl_sim_generate(p, int(n_sessions), d), "orl_sim_generate")
            if own and finalize:
                ds.finalize()
        except BaseException:
            if own:
                ds.close()
            raise
        return ds

    def write_csv(self, n_sessions: int, path: PathLike) -> None:
        """Log ``n_sessions`` sessions as canonical CSV, atomically (``orl_sim_write_csv``)."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_sim_write_csv(p, int(n_sessions), _path(path)),
                       "orl_sim_write_csv")

    def rollout_model(self, model: Any, n_sessions: int = 1000, seed: int = 0,
                      policy: Optional[str] = None) -> Dict[str, Any]:
        """True value of a model's target policy (``orl_sim_rollout_model_policy``).

        ``policy`` is ``"greedy"``, ``"softmax:T"``, ``"epsilon:E"`` or ``"epsilon:E:K"``;
        each shown item is drawn from :meth:`Model.policy_probs` of the click history
        (repeats allowed, so that it is the policy an off-policy estimate of the same
        rule evaluates). ``None`` keeps :meth:`rollout`'s greedy scoring without repeats.
        """
        from .model import policy_rule

        if policy is None:
            return self.rollout(model, n_sessions, seed)
        rule = policy_rule(policy)
        r = S.new(S.RolloutResult)
        with self._borrow() as p, model._borrow() as m:
            _lib.check(_lib.load().orl_sim_rollout_model_policy(p, m, byref(rule), int(n_sessions),
                                                                 int(seed), byref(r)),
                       "orl_sim_rollout_model_policy")
        return _result(r)

    def rollout(self, policy: Union[Policy, Any], n_sessions: int = 1000,
                seed: int = 0) -> Dict[str, Any]:
        """True value of a policy: mean return per session with its 95% CI.

        ``policy`` is a :class:`~offlinerl.Model` (scored in C, its item keys
        must be the simulator's) or a callable ``policy(history) -> scores`` that
        gets the session's clicked item keys (a list, oldest first) and returns
        one score per item key ``0 .. n_items-1`` (a sequence or a float32
        numpy array). Returning ``None`` or raising stops the rollout; the
        exception is re-raised here.
        """
        from .model import Model  # model.py does not depend on this module

        lib = _lib.load()
        error: List[BaseException] = []
        if isinstance(policy, Model):
            r = S.new(S.RolloutResult)
            with self._borrow() as p, policy._borrow() as m:
                _lib.check(lib.orl_sim_rollout_model(p, m, int(n_sessions), int(seed), byref(r)),
                           "orl_sim_rollout_model")
            return _result(r)

        if True:

            def trampoline(hist, hist_len, out, n, _user):
                try:
                    scores = policy([hist[i] for i in range(hist_len)])
                    if scores is None:
                        return 1
                    _write_scores(scores, out, n)
                    return 0
                except BaseException as exc:  # noqa: BLE001 - re-raised after the call
                    error.append(exc)
                    return 1

        cb = _lib.POLICY_FN(trampoline)
        r = S.new(S.RolloutResult)
        with self._borrow() as p:
            status = lib.orl_sim_rollout(p, cb, None, int(n_sessions), int(seed), byref(r))
        if error:
            raise error[0]
        _lib.check(status, "orl_sim_rollout")
        return _result(r)

    def _baseline(self, fn: str, n_sessions: int, seed: int) -> Dict[str, Any]:
        r = S.new(S.RolloutResult)
        with self._borrow() as p:
            _lib.check(getattr(_lib.load(), fn)(p, int(n_sessions), int(seed), byref(r)), fn)
        return _result(r)

    def rollout_logging(self, n_sessions: int = 1000, seed: int = 0) -> Dict[str, Any]:
        """True value of the logging policy (``orl_sim_rollout_logging``)."""
        return self._baseline("orl_sim_rollout_logging", n_sessions, seed)

    def rollout_random(self, n_sessions: int = 1000, seed: int = 0) -> Dict[str, Any]:
        """True value of the uniformly random policy (``orl_sim_rollout_random``)."""
        return self._baseline("orl_sim_rollout_random", n_sessions, seed)

    def rollout_popularity(self, n_sessions: int = 1000, seed: int = 0) -> Dict[str, Any]:
        """True value of the popularity policy (``orl_sim_rollout_popularity``)."""
        return self._baseline("orl_sim_rollout_popularity", n_sessions, seed)

    def baselines(self, n_sessions: int = 1000, seed: int = 0) -> Dict[str, Dict[str, Any]]:
        """The logging, popularity and random policies' true values."""
        return {
            "logging": self.rollout_logging(n_sessions, seed),
            "popularity": self.rollout_popularity(n_sessions, seed),
            "random": self.rollout_random(n_sessions, seed),
        }

    def logging_probs(self, user_id: int, history: Sequence[int] = ()) -> List[float]:
        """The logging policy's exact distribution over item keys (``orl_sim_logging_probs``)."""
        n = self.n_items
        hp, hn, keep = A.as_array(history, c_int64, "history")
        out = (c_float * n)()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_sim_logging_probs(p, int(user_id), hp, hn, out, n),
                       "orl_sim_logging_probs")
        del keep
        return list(out)


def _write_scores(scores: Any, out: Any, n: int) -> None:
    """Copy a policy's scores into the library's buffer of ``n`` floats."""
    if len(scores) != n:
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"the policy returned {len(scores)} scores for {n} items", "rollout")
    ptr, m, keep = A.as_array(scores, c_float, "scores")
    ctypes.memmove(out, ptr, n * ctypes.sizeof(c_float))
    del keep
