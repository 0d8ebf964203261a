"""Host arrays to C pointers, without copying when the layout allows it.

A 1-D C-contiguous numpy array of the exact dtype, or a buffer such as
``array.array('q')`` with the exact item format, is passed by address. Anything
else (lists, tuples, other dtypes) is converted into a new ctypes array. The
returned ``keep`` object must stay referenced for the duration of the call.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_float, c_int32, c_int64, c_size_t
from typing import Any, List, Sequence, Tuple

from ._errors import OfflineRLError, Status

# ctype -> (numpy typestr, buffer formats with that size and kind)
_LAYOUTS = {
    c_int64: ("<i8", {"q", "l"} if ctypes.sizeof(ctypes.c_long) == 8 else {"q"}),
    c_int32: ("<i4", {"i"} | ({"l"} if ctypes.sizeof(ctypes.c_long) == 4 else set())),
    c_float: ("<f4", {"f"}),
    c_size_t: ("<u8" if ctypes.sizeof(c_size_t) == 8 else "<u4",
               {"Q", "L"} if ctypes.sizeof(c_size_t) == 8 else {"I"}),
}

Converted = Tuple[Any, int, Any]  # (pointer, length, object to keep alive)


def _numpy_view(values: Any, ctype) -> Converted:
    info = values.__array_interface__
    typestr, _ = _LAYOUTS[ctype]
    shape = info["shape"]
    if len(shape) != 1:
        raise OfflineRLError(Status.INVALID_ARGUMENT, f"a 1-D array is expected, got shape {shape}")
    itemsize = ctypes.sizeof(ctype)
    contiguous = info.get("strides") in (None, (itemsize,))
    if info["typestr"] == typestr and contiguous:
        return ctypes.cast(info["data"][0], POINTER(ctype)), shape[0], values
    converted = values.astype(typestr)  # another dtype or strided: one conversion copy
    return _numpy_view(converted, ctype)


def _buffer_view(values: Any, ctype) -> Converted:
    mv = memoryview(values)
    _, formats = _LAYOUTS[ctype]
    fmt = mv.format.lstrip("@=<")
    if mv.ndim == 1 and mv.c_contiguous and fmt in formats and mv.itemsize == ctypes.sizeof(ctype):
        n = len(mv)
        if n == 0:
            return (ctype * 1)(), 0, None
        if not mv.readonly:
            arr = (ctype * n).from_buffer(mv)  # shares the memory: no copy
            return ctypes.cast(arr, POINTER(ctype)), n, (arr, mv, values)
        arr = (ctype * n).from_buffer_copy(mv)
        return ctypes.cast(arr, POINTER(ctype)), n, arr
    return _copy(mv.tolist(), ctype)


def _copy(values: Sequence[Any], ctype) -> Converted:
    n = len(values)
    try:
        arr = (ctype * max(n, 1))(*values)
    except (TypeError, ValueError, OverflowError) as exc:
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"cannot convert to {ctype.__name__}: {exc}") from None
    return ctypes.cast(arr, POINTER(ctype)), n, arr


def as_array(values: Any, ctype, name: str = "") -> Converted:
    """``(pointer, n, keep)`` for a 1-D sequence of numbers as ``ctype``."""
    try:
        if hasattr(values, "__array_interface__"):
            return _numpy_view(values, ctype)
        if isinstance(values, (bytes, bytearray, memoryview)) or _has_buffer(values):
            return _buffer_view(values, ctype)
        if not hasattr(values, "__len__"):
            values = list(values)
        return _copy(values, ctype)
    except OfflineRLError as exc:
        raise OfflineRLError(exc.status, f"{name}: {exc.message}" if name else exc.message,
                             exc.function) from None


def _has_buffer(values: Any) -> bool:
    try:
        memoryview(values)
        return True
    except TypeError:
        return False


def as_optional(values: Any, ctype, name: str = "") -> Converted:
    """As :func:`as_array`, but ``None`` gives a NULL pointer."""
    if values is None:
        return None, -1, None
    return as_array(values, ctype, name)


def is_text(values: Any) -> bool:
    """True when the keys are strings (so the ``_str`` functions are needed)."""
    dtype = getattr(values, "dtype", None)
    if dtype is not None:
        return getattr(dtype, "kind", "") in ("U", "S", "O") and (
            dtype.kind != "O" or any(isinstance(v, (str, bytes)) for v in values))
    if _has_buffer(values) and not isinstance(values, (str, bytes)):
        return False
    return any(isinstance(v, (str, bytes)) for v in values)


def as_strings(values: Any, name: str = "") -> Converted:
    """``(char** pointer, n, keep)`` for a sequence of keys as UTF-8 text."""
    encoded: List[bytes] = []
    for v in values:
        if isinstance(v, bytes):
            encoded.append(v)
        elif isinstance(v, str):
            encoded.append(v.encode("utf-8"))
        elif isinstance(v, int) or hasattr(v, "__index__"):
            encoded.append(str(int(v)).encode("ascii"))
        else:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"{name}: a key must be str or int, got {type(v).__name__}")
    arr = (c_char_p * max(len(encoded), 1))(*encoded)
    return ctypes.cast(arr, POINTER(c_char_p)), len(encoded), (arr, encoded)


def numpy_module():
    """numpy when installed, else None (numpy is optional)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy
