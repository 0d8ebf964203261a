"""Python bindings (ctypes) for libofflinerl: offline reinforcement learning for
recommendation.

>>> import offlinerl
>>> sim = offlinerl.Simulator(n_items=50, seed=1)
>>> data = sim.generate(200)
>>> train, valid, test = data.split(0.8, 0.1)
>>> trainer = offlinerl.Trainer("sl", epochs=1, embed_dim=16, hidden_dim=16)
>>> trainer.fit(train)
True
>>> model = trainer.export()
>>> len(model.recommend([3, 7], k=5))
5

``offlinerl.__version__`` is the loaded C library's version; the package's own
(its metadata) is ``offlinerl.__binding_version__``: a library of another major
is refused, another minor loads with a :class:`VersionWarning`.

Every failure raises :class:`OfflineRLError` with the library's message.
Handles are freed by ``close()`` or a ``with`` block (``__del__`` is a fallback).
numpy is optional: numpy arrays are accepted (without copies where the layout
allows it) but never required.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, Optional

from ._errors import OfflineRLError, Status
from ._lib import ABI_MAJOR, LOG_FN, VersionWarning, check, load
from ._version import __binding_version__
from .dataset import Dataset
from .encoder import Encoder, GenModel, QNet
from .model import Model, eval_result_json
from .ope import OpeResult
from .simulator import Simulator
from .trainer import Trainer

__all__ = [
    "ABI_MAJOR",
    "Dataset",
    "Encoder",
    "GenModel",
    "Model",
    "OpeResult",
    "OfflineRLError",
    "QNet",
    "Simulator",
    "Status",
    "Trainer",
    "VersionWarning",
    "build_info",
    "eval_result_json",
    "last_error",
    "last_status",
    "load",
    "set_log_callback",
    "status_string",
    "version",
    "version_number",
]



def __getattr__(name: str) -> Any:
    """``offlinerl.__version__``: the loaded C library's version string (loads it).

    The binding's own version (its package metadata) is ``__binding_version__``;
    :func:`load` refuses a library of another major and warns of another minor.
    """
    if name == "__version__":
        try:
            return version()
        except OSError as exc:  # getattr(offlinerl, "__version__", None) stays usable
            raise AttributeError(f"offlinerl.__version__: {exc}") from exc
    raise AttributeError(f"module 'offlinerl' has no attribute {name!r}")


LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF = range(5)


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return load().orl_version_string().decode()


def version_number() -> int:
    """The loaded library's version as major*10000 + minor*100 + patch."""
    return int(load().orl_version_number())


def build_info() -> Dict[str, Any]:
    """How the library was built (version, BLAS, threads, compiler, ...)."""
    return json.loads(load().orl_build_info().decode())


def status_string(status: int) -> str:
    """The library's short description of a status code."""
    return load().orl_status_string(status).decode()


def last_error() -> str:
    """The message of this thread's last failed library call (``orl_last_error``)."""
    return load().orl_last_error().decode("utf-8", "replace")


def last_status() -> int:
    """The status of this thread's last failed library call (``orl_last_status``)."""
    return int(load().orl_last_status())


_log_keepalive: Optional[Any] = None


def set_log_callback(fn: Optional[Callable[[int, str], None]], min_level: int = LOG_WARN) -> None:
    """Route the library's log messages to ``fn(level, message)``; None restores stderr.

    The callback may run on library threads; it is kept alive by this module
    until replaced. Exceptions in it are ignored.
    """
    global _log_keepalive
    lib = load()
    if fn is None:
        check(lib.orl_set_log_callback(None, min_level, None), "orl_set_log_callback")
        _log_keepalive = None
        return

    def trampoline(level, message, _user):
        try:
            fn(int(level), message.decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - a logger must not break the library call
            pass

    cb = LOG_FN(trampoline)
    check(lib.orl_set_log_callback(ctypes.cast(cb, ctypes.c_void_p), min_level, None),
          "orl_set_log_callback")
    _log_keepalive = cb
