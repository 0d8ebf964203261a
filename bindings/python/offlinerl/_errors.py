"""The exception every failure raises, and the library's status codes."""

from __future__ import annotations

import enum


class Status(enum.IntEnum):
    """The library's status codes (``orl_status``); stable numbers."""

    OK = 0
    INVALID_ARGUMENT = -1
    OUT_OF_RANGE = -2
    NOMEM = -3
    IO = -4
    PARSE = -5
    FORMAT = -6
    VERSION = -7
    CHECKSUM = -8
    TRUNCATED = -9
    BUFFER_TOO_SMALL = -10
    NOT_FOUND = -11
    UNKNOWN_KEY = -12
    STATE = -13
    CANCELLED = -14
    NUMERIC = -15
    UNSUPPORTED = -16
    THREAD = -17
    INTERNAL = -18


class OfflineRLError(Exception):
    """A failing status from the library, with ``orl_last_error()``'s message.

    Errors the package detects itself (a closed handle, arguments of the wrong
    kind) are raised as this class too, with the matching :class:`Status`.

    :ivar status: the negative status code (compare with :class:`Status`).
    :ivar message: the library's message.
    :ivar function: the C function (or Python method) that failed.
    """

    def __init__(self, status: int, message: str, function: str = ""):
        self.status = int(status)
        self.message = message
        self.function = function
        # library messages often start with the function's name already
        where = f"{function}: " if function and not message.startswith(function) else ""
        super().__init__(f"{where}{message} (status {status})")
