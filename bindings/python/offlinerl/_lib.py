"""Finding, loading and declaring the C library (ctypes).

Search order: an explicit path given to :func:`load`, then the environment
variable ``OFFLINERL_LIBRARY``, then the build tree of this checkout
(``build*/lib/libofflinerl.so*``), then the system loader.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from ctypes import POINTER, c_char_p, c_int, c_int32, c_size_t, c_uint32, c_void_p
from typing import Optional

#: The major version this package speaks; another major is refused.
ABI_MAJOR = 0

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


class OfflineRLError(Exception):
    """A failing status from the library, with ``orl_last_error()``'s message."""

    def __init__(self, status: int, message: str, function: str = ""):
        self.status = status
        self.message = message
        self.function = function
        where = f"{function}: " if function else ""
        super().__init__(f"{where}{message} (status {status})")


def _candidates(explicit: Optional[str]):
    if explicit:
        yield explicit
        return
    env = os.environ.get("OFFLINERL_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(os.path.join(here, "..", "..", ".."))
    for path in sorted(glob.glob(os.path.join(repo, "build*", "lib", "libofflinerl.so*"))):
        yield path
    yield "libofflinerl.so.%d" % ABI_MAJOR
    yield "libofflinerl.so"


# name: (restype, argtypes). Every function this package calls is declared here.
_SIGNATURES = {
    "orl_version_number": (c_uint32, []),
    "orl_version_string": (c_char_p, []),
    "orl_build_info": (c_char_p, []),
    "orl_status_string": (c_char_p, [c_int]),
    "orl_last_error": (c_char_p, []),
    "orl_last_status": (c_int, []),
    "orl_set_log_callback": (c_int, [c_void_p, c_int32, c_void_p]),
}

#: Log callback type: (level, message, user_data).
LOG_FN = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Load (once) and return the library, checking its major version.

    :param path: explicit path of ``libofflinerl.so``; overrides the search.
    :raises OSError: when no library can be loaded.
    :raises OfflineRLError: when the library's major version is not ``ABI_MAJOR``.
    """
    global _lib
    with _lock:
        if _lib is not None and path is None:
            return _lib
        errors = []
        for candidate in _candidates(path):
            try:
                lib = ctypes.CDLL(candidate)
            except OSError as exc:
                errors.append(f"{candidate}: {exc}")
                continue
            _declare(lib)
            major = lib.orl_version_number() // 10000
            if major != ABI_MAJOR:
                raise OfflineRLError(
                    -16,
                    f"{candidate} is libofflinerl major {major}; this package needs {ABI_MAJOR}",
                    "load",
                )
            if path is None:
                _lib = lib
            return lib
        raise OSError("libofflinerl not found; tried:\n  " + "\n  ".join(errors))


def check(status: int, function: str = "") -> None:
    """Raise :class:`OfflineRLError` for a negative status."""
    if status != 0:
        lib = load()
        raise OfflineRLError(status, lib.orl_last_error().decode("utf-8", "replace"), function)
