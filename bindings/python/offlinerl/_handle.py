"""Deterministic freeing of library handles.

A :class:`Handle` owns one C pointer. ``close()`` (or leaving a ``with`` block)
frees it; ``__del__`` is only a fallback. Calls borrow the pointer for their
duration, so closing while another thread is inside a call defers the free
until that call returns, and any call after ``close()`` raises
:class:`OfflineRLError` (``Status.STATE``) instead of touching freed memory.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Optional

from . import _lib
from ._errors import OfflineRLError, Status


class _Borrow:
    __slots__ = ("_h",)

    def __init__(self, handle: "Handle"):
        self._h = handle

    def __enter__(self) -> ctypes.c_void_p:
        h = self._h
        with h._lock:
            if h._ptr is None or h._closing:
                raise OfflineRLError(Status.STATE, f"this {type(h).__name__} is closed",
                                     type(h).__name__)
            h._users += 1
            return h._ptr

    def __exit__(self, *exc) -> None:
        h = self._h
        with h._lock:
            h._users -= 1
            last = h._closing and h._users == 0
        if last:
            h._release()


class Handle:
    """Base of every wrapper that owns a library handle."""

    #: Name of the C function that frees this kind of handle.
    _free_name = ""

    def __init__(self, ptr: ctypes.c_void_p):
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False
        self._ptr: Optional[ctypes.c_void_p] = ptr

    def _borrow(self) -> _Borrow:
        """``with self._borrow() as p:`` gives the live pointer for one call."""
        return _Borrow(self)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._ptr is None or self._closing

    def close(self) -> None:
        """Free the handle now (idempotent). Deferred while another thread is in a call."""
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ did not finish
            return
        with lock:
            if self._ptr is None or self._closing:
                return
            self._closing = True
            busy = self._users > 0
        if not busy:
            self._release()

    def _release(self) -> None:
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            getattr(_lib.load(), self._free_name)(ptr)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass
