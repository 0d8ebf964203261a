"""Finding, loading and declaring the C library (ctypes).

Search order: an explicit path given to :func:`load`, then the environment
variable ``OFFLINERL_LIBRARY``, then the build tree of this checkout
(``build*/lib/libofflinerl.so*``), then the system loader.

Every exported function is declared once in :data:`_SIGNATURES` (restype and
argtypes). Calls go through :class:`ctypes.CDLL`, which releases the GIL for the
duration of each call, so Python threads can score with one model at once.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import warnings
from ctypes import (
    CFUNCTYPE,
    POINTER,
    c_char,
    c_char_p,
    c_double,
    c_float,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Callable, Optional

from . import _structs as S
from ._errors import OfflineRLError, Status
from ._version import __binding_version__

#: The major version this package speaks; another major is refused.
ABI_MAJOR = int(__binding_version__.split(".")[0])
#: The minor version this package was written for; another minor loads with a warning.
ABI_MINOR = int(__binding_version__.split(".")[1])


class VersionWarning(UserWarning):
    """The loaded library's minor version differs from the binding's.

    The same major keeps the ABI, so the library loads; a newer library may have
    functions this binding does not declare, an older one may lack some it does
    (calling those raises ``AttributeError``).
    """

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


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


#: Log callback: (level, message, user_data).
LOG_FN = CFUNCTYPE(None, c_int32, c_char_p, c_void_p)
#: Simulator policy: (history keys, history length, out scores, n_items, user_data) -> int.
POLICY_FN = CFUNCTYPE(c_int, POINTER(c_int64), c_size_t, POINTER(c_float), c_size_t, c_void_p)
#: Training progress: (progress, user_data) -> int.
PROGRESS_FN = CFUNCTYPE(c_int, POINTER(S.Progress), c_void_p)

_P = c_void_p  # opaque handles travel as void pointers
_PP = POINTER(c_void_p)
_I64P = POINTER(c_int64)
_F32P = POINTER(c_float)
_STRP = POINTER(c_char_p)
_SIZEP = POINTER(c_size_t)

# name: (restype, argtypes). Every exported function is declared here, in header order.
_SIGNATURES = {
    # common.h
    "orl_version_number": (c_uint32, []),
    "orl_version_string": (c_char_p, []),
    "orl_build_info": (c_char_p, []),
    "orl_status_string": (c_char_p, [c_int]),
    "orl_last_error": (c_char_p, []),
    "orl_last_status": (c_int, []),
    "orl_set_log_callback": (c_int, [c_void_p, c_int32, c_void_p]),
    # dataset.h
    "orl_dataset_params_init": (None, [POINTER(S.DatasetParams)]),
    "orl_dataset_create": (c_int, [POINTER(S.DatasetParams), _PP]),
    "orl_dataset_free": (None, [_P]),
    "orl_dataset_event_type": (c_int, [_P, c_char_p, POINTER(c_int32)]),
    "orl_dataset_set_event_reward": (c_int, [_P, c_char_p, c_float]),
    "orl_dataset_set_event_purchase": (c_int, [_P, c_char_p, c_int32]),
    "orl_dataset_add_events_i64": (
        c_int,
        [_P, c_size_t, _I64P, _I64P, _I64P, POINTER(c_int32), _F32P, _F32P],
    ),
    "orl_dataset_add_events_str": (
        c_int,
        [_P, c_size_t, _STRP, _STRP, _I64P, POINTER(c_int32), _F32P, _F32P],
    ),
    "orl_dataset_finalize": (c_int, [_P]),
    "orl_csv_params_init": (None, [POINTER(S.CsvParams)]),
    "orl_csv_params_preset": (c_int, [POINTER(S.CsvParams), c_char_p]),
    "orl_dataset_load_csv": (c_int, [_P, c_char_p, POINTER(S.CsvParams), POINTER(S.LoadReport)]),
    "orl_dataset_load_jsonl": (c_int, [_P, c_char_p, c_int32, POINTER(S.LoadReport)]),
    "orl_dataset_get_stats": (c_int, [_P, POINTER(S.DatasetStats)]),
    "orl_dataset_count_events": (c_int, [_P, c_char_p, POINTER(c_uint64)]),
    "orl_dataset_session_length_histogram": (c_int, [_P, POINTER(c_uint64), c_size_t]),
    "orl_dataset_stats_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_dataset_item_id_i64": (c_int, [_P, c_int64, POINTER(c_int32)]),
    "orl_dataset_item_id_str": (c_int, [_P, c_char_p, POINTER(c_int32)]),
    "orl_dataset_item_key": (c_int, [_P, c_int32, c_void_p, c_size_t, _SIZEP]),
    "orl_dataset_session_count": (c_int, [_P, POINTER(c_uint64)]),
    "orl_dataset_display_count": (c_int, [_P, POINTER(c_uint64)]),
    "orl_dataset_display_get": (c_int, [_P, c_uint64, POINTER(S.DisplayView)]),
    "orl_dataset_session_events": (
        c_int,
        [_P, c_uint64, POINTER(c_int32), _I64P, _I64P, POINTER(c_int32), _F32P, c_size_t, _SIZEP],
    ),
    "orl_dataset_session_key": (c_int, [_P, c_uint64, c_void_p, c_size_t, _SIZEP]),
    "orl_split_params_init": (None, [POINTER(S.SplitParams)]),
    "orl_dataset_split": (c_int, [_P, POINTER(S.SplitParams), _PP, _PP, _PP]),
    "orl_dataset_save": (c_int, [_P, c_char_p]),
    "orl_dataset_load": (c_int, [c_char_p, _PP]),
    # sim.h
    "orl_sim_params_init": (None, [POINTER(S.SimParams)]),
    "orl_sim_create": (c_int, [POINTER(S.SimParams), _PP]),
    "orl_sim_free": (None, [_P]),
    "orl_sim_num_items": (c_int, [_P, _SIZEP]),
    "orl_sim_session_user": (c_int, [_P, c_int64, POINTER(c_uint32)]),
    "orl_sim_generate": (c_int, [_P, c_uint64, _P]),
    "orl_sim_write_csv": (c_int, [_P, c_uint64, c_char_p]),
    "orl_sim_rollout": (c_int, [_P, POLICY_FN, c_void_p, c_uint64, c_uint64,
                                POINTER(S.RolloutResult)]),
    "orl_sim_rollout_logging": (c_int, [_P, c_uint64, c_uint64, POINTER(S.RolloutResult)]),
    "orl_sim_rollout_random": (c_int, [_P, c_uint64, c_uint64, POINTER(S.RolloutResult)]),
    "orl_sim_rollout_popularity": (c_int, [_P, c_uint64, c_uint64, POINTER(S.RolloutResult)]),
    "orl_sim_logging_probs": (c_int, [_P, c_uint32, _I64P, c_size_t, _F32P, c_size_t]),
    "orl_sim_rollout_model": (c_int, [_P, _P, c_uint64, c_uint64, POINTER(S.RolloutResult)]),
    "orl_model_create_baseline": (c_int, [_P, c_int32, _PP]),
    # policy.h
    "orl_policy_rule_init": (None, [POINTER(S.PolicyRule)]),
    "orl_policy_rule_parse": (c_int, [c_char_p, POINTER(S.PolicyRule)]),
    "orl_policy_rule_format": (
        c_int, [POINTER(S.PolicyRule), c_char_p, c_size_t, POINTER(c_size_t)]),
    "orl_model_policy_probs": (
        c_int,
        [_P, POINTER(S.PolicyRule), POINTER(c_int64), c_size_t, POINTER(c_float), c_size_t],
    ),
    "orl_sim_rollout_model_policy": (
        c_int,
        [_P, _P, POINTER(S.PolicyRule), c_uint64, c_uint64, POINTER(S.RolloutResult)],
    ),
    # encoder.h
    "orl_encoder_params_init": (None, [POINTER(S.EncoderParams)]),
    "orl_encoder_create": (c_int, [POINTER(S.EncoderParams), _PP]),
    "orl_encoder_set_int": (c_int, [_P, c_char_p, c_int64]),
    "orl_encoder_set_float": (c_int, [_P, c_char_p, c_double]),
    "orl_encoder_set_int_list": (c_int, [_P, c_char_p, POINTER(c_int32), c_size_t]),
    "orl_encoder_config_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_encoder_free": (None, [_P]),
    "orl_genmodel_params_init": (None, [POINTER(S.GenmodelParams)]),
    "orl_genmodel_create": (c_int, [POINTER(S.GenmodelParams), _PP]),
    "orl_genmodel_free": (None, [_P]),
    "orl_qnet_params_init": (None, [POINTER(S.QnetParams)]),
    "orl_qnet_create": (c_int, [POINTER(S.QnetParams), _PP]),
    "orl_qnet_free": (None, [_P]),
    # trainer.h
    "orl_trainer_params_init": (None, [POINTER(S.TrainerParams)]),
    "orl_trainer_create": (c_int, [POINTER(S.TrainerParams), _P, _P, _P, _PP]),
    "orl_trainer_free": (None, [_P]),
    "orl_trainer_set_float": (c_int, [_P, c_char_p, c_double]),
    "orl_trainer_set_generative_model": (c_int, [_P, _P]),
    "orl_trainer_get_float": (c_int, [_P, c_char_p, POINTER(c_double)]),
    "orl_trainer_config_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_trainer_set_progress_callback": (c_int, [_P, c_void_p, c_void_p]),
    "orl_trainer_fit": (c_int, [_P, _P, _P]),
    "orl_trainer_interrupt": (c_int, [_P]),
    "orl_trainer_history_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_trainer_export_model": (c_int, [_P, _PP]),
    "orl_trainer_write_report": (c_int, [_P, POINTER(S.EvalResult), c_char_p]),
    # model.h
    "orl_model_free": (None, [_P]),
    "orl_model_item_count": (c_int, [_P, POINTER(c_uint64)]),
    "orl_model_head_count": (c_int, [_P, POINTER(c_uint32)]),
    "orl_model_head": (c_int, [_P, POINTER(c_uint32)]),
    "orl_model_with_head": (c_int, [_P, c_uint32, _PP]),
    "orl_model_recommend": (c_int, [_P, _I64P, c_size_t, c_uint32, _I64P, _F32P, _SIZEP]),
    "orl_model_recommend_str": (c_int, [_P, _STRP, c_size_t, c_uint32, _STRP, _F32P, _SIZEP]),
    "orl_model_score_candidates": (
        c_int,
        [_P, _I64P, c_size_t, _I64P, c_size_t, _F32P, _SIZEP, _SIZEP],
    ),
    "orl_model_recommend_batch": (c_int, [_P, c_size_t, _I64P, _SIZEP, c_uint32, _I64P, _F32P]),
    "orl_model_recommend_excluding": (
        c_int,
        [_P, _I64P, c_size_t, _I64P, c_size_t, c_uint32, _I64P, _F32P, _SIZEP, _SIZEP],
    ),
    "orl_model_recommend_batch_excluding": (
        c_int,
        [_P, c_size_t, _I64P, _SIZEP, _I64P, _SIZEP, c_uint32, _I64P, _F32P, _SIZEP],
    ),
    "orl_model_recommend_batch_excluding_str": (
        c_int,
        [_P, c_size_t, _STRP, _SIZEP, _STRP, _SIZEP, c_uint32, _STRP, _F32P, _SIZEP],
    ),
    "orl_model_recommend_batch_str": (
        c_int,
        [_P, c_size_t, _STRP, _SIZEP, c_uint32, _STRP, _F32P],
    ),
    "orl_model_score_candidates_str": (
        c_int,
        [_P, _STRP, c_size_t, _STRP, c_size_t, _F32P, _SIZEP, _SIZEP],
    ),
    "orl_model_ensemble_size": (c_int, [_P, POINTER(c_uint32)]),
    "orl_model_with_score_rule": (c_int, [_P, c_uint32, c_float, _PP]),
    "orl_model_score_rule": (c_int, [_P, POINTER(c_uint32), POINTER(c_float)]),
    "orl_model_recommend_with_std": (
        c_int,
        [_P, _I64P, c_size_t, c_uint32, _I64P, _F32P, _F32P, _SIZEP],
    ),
    "orl_model_score_candidates_with_std": (
        c_int,
        [_P, _I64P, c_size_t, _I64P, c_size_t, _F32P, _F32P, _SIZEP, _SIZEP],
    ),
    "orl_model_item_key": (c_int, [_P, c_uint64, _I64P]),
    "orl_model_item_key_str": (c_int, [_P, c_uint64, c_void_p, c_size_t, _SIZEP]),
    "orl_model_evaluate": (c_int, [_P, _P, c_int32, POINTER(S.EvalResult)]),
    "orl_eval_result_json": (c_int, [POINTER(S.EvalResult), c_void_p, c_size_t, _SIZEP]),
    # ope.h
    "orl_ope_params_init": (None, [POINTER(S.OpeParams)]),
    "orl_model_estimate_value": (c_int, [_P, _P, POINTER(S.OpeParams), _PP]),
    "orl_ope_result_count": (c_int, [_P, _SIZEP]),
    "orl_ope_result_get": (c_int, [_P, c_size_t, POINTER(S.OpeEstimate)]),
    "orl_ope_result_warning_count": (c_int, [_P, _SIZEP]),
    "orl_ope_result_warning": (c_int, [_P, c_size_t, c_void_p, c_size_t, _SIZEP]),
    "orl_ope_result_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_ope_result_free": (None, [_P]),
    "orl_model_save": (c_int, [_P, c_char_p]),
    "orl_model_save_buffer": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
    "orl_model_load": (c_int, [c_char_p, _PP]),
    "orl_model_load_buffer": (c_int, [c_void_p, c_size_t, _PP]),
    "orl_model_info_json": (c_int, [_P, c_void_p, c_size_t, _SIZEP]),
}


def _declare(lib: ctypes.CDLL) -> None:
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load(path: Optional[str] = None) -> ctypes.CDLL:
    """Load (once) and return the library, checking its major version.

    :param path: explicit path of ``libofflinerl.so``; overrides the search.
    :raises OSError: when no library can be loaded.
    :raises OfflineRLError: when the library's major version is not ``ABI_MAJOR``
        (status :attr:`Status.UNSUPPORTED`).
    :warns VersionWarning: when its minor version is not ``ABI_MINOR`` (the binding's).
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
            lib.orl_version_number.restype = c_uint32
            lib.orl_version_number.argtypes = []
            number = int(lib.orl_version_number())
            major, minor = number // 10000, number // 100 % 100
            if major != ABI_MAJOR:
                raise OfflineRLError(
                    Status.UNSUPPORTED,
                    f"{candidate} is libofflinerl major {major}; this package needs {ABI_MAJOR}",
                    "load",
                )
            if minor != ABI_MINOR:
                warnings.warn(
                    f"{candidate} is libofflinerl {major}.{minor}; this offlinerl package "
                    f"{__binding_version__} was written for {ABI_MAJOR}.{ABI_MINOR}",
                    VersionWarning,
                    stacklevel=2,
                )
            _declare(lib)
            if path is None:
                _lib = lib
            return lib
        raise OSError("libofflinerl not found; tried:\n  " + "\n  ".join(errors))


def last_error() -> str:
    """This thread's last library error message."""
    return load().orl_last_error().decode("utf-8", "replace")


def check(status: int, function: str = "") -> None:
    """Raise :class:`OfflineRLError` for a non-zero status, with the library's message."""
    if status != 0:
        raise OfflineRLError(status, last_error(), function)


def fail(status: int, message: str, function: str = "") -> OfflineRLError:
    """An error the package itself detected (returned, for ``raise fail(...)``)."""
    return OfflineRLError(status, message, function)


def read_buffer(call: Callable[[Optional[ctypes.Array], int, ctypes.c_size_t], int],
                function: str, text: bool = True) -> bytes:
    """Run a caller-owned-buffer function twice: once for the size, once to fill.

    ``call(buf, buf_len, out_len)`` must invoke the C function. For text the
    trailing NUL is dropped.
    """
    need = c_size_t(0)
    check(call(None, 0, ctypes.byref(need)), function)  # a size query is ORL_OK
    for _ in range(4):  # the size cannot change for immutable objects; be safe anyway
        buf = (c_char * max(need.value, 1))()
        size = need.value
        status = call(buf, size, ctypes.byref(need))
        if status == Status.BUFFER_TOO_SMALL:
            continue
        check(status, function)
        n = need.value
        return buf.raw[: n - 1 if text and n > 0 else n]
    raise fail(Status.INTERNAL, "the buffer size kept changing", function)
