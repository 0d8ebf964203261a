"""Off-policy evaluation (``orl_model_estimate_value``): what a model's policy would earn,
estimated from logged sessions, with confidence intervals over sessions."""

from __future__ import annotations

import json
import numbers
from contextlib import ExitStack
from ctypes import byref, c_size_t, c_void_p
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status

INTERVALS = {"bootstrap": 0, "normal": 1, "bca": 2}
BEHAVIOURS = {"logged": 0, "model": 1, "fit": 2}
REWARD_MODELS = {"fqe": 0, "item_mean": 1}


class OpeResult:
    """The estimates of one call: ``estimates`` (a list of dicts, one per estimator),
    ``warnings`` (strings) and ``as_dict()`` (the library's JSON, with settings and timing).
    Iterating gives the estimates; ``result["dr"]`` the one named so."""

    def __init__(self, estimates: List[Dict[str, Any]], warnings: List[str], doc: Dict[str, Any]):
        self.estimates = estimates
        self.warnings = warnings
        self._doc = doc

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        """The estimates, in the library's order."""
        return iter(self.estimates)

    def __len__(self) -> int:
        """The number of estimates."""
        return len(self.estimates)

    def __getitem__(self, key: Union[int, str]) -> Dict[str, Any]:
        """An estimate by position or by estimator name."""
        if isinstance(key, int):
            return self.estimates[key]
        for e in self.estimates:
            if e["estimator"] == key:
                return e
        raise KeyError(key)

    def as_dict(self) -> Dict[str, Any]:
        """The whole result as the library's JSON gives it."""
        return self._doc

    def to_json(self) -> str:
        """:meth:`as_dict` as JSON text."""
        return json.dumps(self._doc)

    def __repr__(self) -> str:
        body = ", ".join(f"{e['estimator']}={e['value']:.4g}" for e in self.estimates)
        return f"<offlinerl.OpeResult {body}>"


def _estimate_dict(e: S.OpeEstimate) -> Dict[str, Any]:
    return {
        "estimator": e.estimator.decode("utf-8"),
        "unit": "session" if e.per_session else "step",
        "value": e.value,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "std_error": e.std_error,
        "ess": e.ess,
        "clipped_share": e.clipped_share,
        "session_value": e.session_value,
        "session_ci_low": e.session_ci_low,
        "session_ci_high": e.session_ci_high,
        "n_steps": int(e.n_steps),
        "n_sessions": int(e.n_sessions),
    }


def _read(ptr: c_void_p) -> OpeResult:
    lib = _lib.load()
    n = c_size_t()
    _lib.check(lib.orl_ope_result_count(ptr, byref(n)), "orl_ope_result_count")
    estimates = []
    for i in range(n.value):
        e = S.new(S.OpeEstimate)
        _lib.check(lib.orl_ope_result_get(ptr, i, byref(e)), "orl_ope_result_get")
        estimates.append(_estimate_dict(e))
    _lib.check(lib.orl_ope_result_warning_count(ptr, byref(n)), "orl_ope_result_warning_count")
    warnings = [
        _lib.read_buffer(lambda b, k, o, i=i: lib.orl_ope_result_warning(ptr, i, b, k, o),
                         "orl_ope_result_warning").decode("utf-8", "replace")
        for i in range(n.value)
    ]
    doc = json.loads(_lib.read_buffer(lambda b, k, o: lib.orl_ope_result_json(ptr, b, k, o),
                                      "orl_ope_result_json"))
    return OpeResult(estimates, warnings, doc)


def estimate_value(model: Any, dataset: Any, estimators: Optional[Union[str, Sequence[str]]] = None,
                   policy: Optional[str] = None, interval: str = "bootstrap",
                   bootstrap_samples: int = 200, confidence: float = 0.95, clip: float = 10.0,
                   switch_threshold: float = 10.0, gamma: float = 1.0,
                   behaviour: Any = "logged", reward_model: str = "fqe", fqe_epochs: int = 3,
                   fqe_batch: int = 256, fqe_learning_rate: float = 1e-3,
                   fqe_encoder: Any = None, seed: int = 1, threads: int = 0) -> OpeResult:
    """See :meth:`offlinerl.Model.estimate_value`."""
    from .encoder import Encoder
    from .model import Model, policy_rule

    lib = _lib.load()
    p = S.OpeParams()
    lib.orl_ope_params_init(byref(p))
    keep: List[Any] = []
    if estimators is not None:
        if not isinstance(estimators, str):
            estimators = ",".join(estimators)
        p.estimators = estimators.encode("utf-8")
        keep.append(p.estimators)
    rule = policy_rule(policy) if policy is not None else None
    if rule is not None:
        p.policy = S.ctypes.pointer(rule)
    for name, table, value in (("interval", INTERVALS, interval),
                               ("reward_model", REWARD_MODELS, reward_model)):
        if value not in table:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"{name} must be one of {sorted(table)}, got {value!r}",
                                 "estimate_value")
        setattr(p, name, table[value])
    behaviour_model = None
    if isinstance(behaviour, Model):
        behaviour_model, p.behaviour = behaviour, BEHAVIOURS["model"]
    elif behaviour in ("logged", "fit"):
        p.behaviour = BEHAVIOURS[behaviour]
    else:
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"behaviour must be 'logged', 'fit' or a Model, got {behaviour!r}",
                             "estimate_value")
    if fqe_encoder is not None and not isinstance(fqe_encoder, Encoder):
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"fqe_encoder must be an Encoder or None, got {fqe_encoder!r}",
                             "estimate_value")
    for name, value in (("fqe_epochs", fqe_epochs), ("fqe_batch", fqe_batch)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"{name} must be an int, got {value!r}", "estimate_value")
    if isinstance(fqe_learning_rate, bool) or not isinstance(fqe_learning_rate, numbers.Real):
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"fqe_learning_rate must be a number, got {fqe_learning_rate!r}",
                             "estimate_value")
    # The ranges are the library's (its message names the field): fqe_epochs 1..1000,
    # fqe_batch 1..65536, fqe_learning_rate in (0, 1]; values that do not fit the C field
    # are refused here rather than wrapped.
    for name, value, hi in (("fqe_epochs", fqe_epochs, 0xFFFFFFFF),
                            ("fqe_batch", fqe_batch, 0xFFFFFFFF)):
        if not 0 <= value <= hi:
            raise OfflineRLError(Status.OUT_OF_RANGE,
                                 f"params->{name} {value} is outside the field's range",
                                 "estimate_value")
    try:
        p.fqe_batch = int(fqe_batch)
        p.fqe_learning_rate = float(fqe_learning_rate)
        p.bootstrap_samples = int(bootstrap_samples)
        p.confidence = float(confidence)
        p.clip = float(clip)
        p.switch_threshold = float(switch_threshold)
        p.gamma = float(gamma)
        p.fqe_epochs = int(fqe_epochs)
        p.seed = int(seed)
        p.threads = int(threads)
    except (TypeError, ValueError) as exc:
        raise OfflineRLError(Status.INVALID_ARGUMENT, str(exc), "estimate_value") from None
    out = c_void_p()
    with ExitStack() as stack:
        m = stack.enter_context(model._borrow())
        d = stack.enter_context(dataset._borrow())
        if behaviour_model is not None:
            p.behaviour_model = stack.enter_context(behaviour_model._borrow())
        if fqe_encoder is not None:
            p.fqe_encoder = stack.enter_context(fqe_encoder._borrow())
        _lib.check(lib.orl_model_estimate_value(m, d, byref(p), byref(out)),
                   "orl_model_estimate_value")
    try:
        return _read(out)
    finally:
        lib.orl_ope_result_free(out)
