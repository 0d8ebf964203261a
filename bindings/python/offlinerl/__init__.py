"""Python bindings (ctypes) for libofflinerl.

>>> import offlinerl
>>> offlinerl.version()
'0.1.0'
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, Optional

from ._lib import ABI_MAJOR, LOG_FN, OfflineRLError, check, load

__all__ = [
    "ABI_MAJOR",
    "OfflineRLError",
    "build_info",
    "load",
    "set_log_callback",
    "status_string",
    "version",
    "version_number",
]

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


_log_keepalive: Optional[Any] = None


def set_log_callback(fn: Optional[Callable[[int, str], None]], min_level: int = LOG_WARN) -> None:
    """Route the library's log messages to ``fn(level, message)``; None restores stderr.

    The callback object is kept alive by this module until replaced.
    """
    global _log_keepalive
    lib = load()
    if fn is None:
        check(lib.orl_set_log_callback(None, min_level, None), "orl_set_log_callback")
        _log_keepalive = None
        return

    def trampoline(level, message, _user):
        fn(int(level), message.decode("utf-8", "replace"))

    cb = LOG_FN(trampoline)
    check(lib.orl_set_log_callback(ctypes.cast(cb, ctypes.c_void_p), min_level, None),
          "orl_set_log_callback")
    _log_keepalive = cb
