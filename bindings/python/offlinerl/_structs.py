"""ctypes mirrors of the public C structs, field for field, plus helpers.

Every struct starts with ``struct_size``; :func:`new` sets it to the mirror's
size, and a test checks that size against what the library expects.
"""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    c_char,
    c_char_p,
    c_double,
    c_float,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
)
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar

from ._errors import OfflineRLError, Status


class DatasetParams(ctypes.Structure):
    """``orl_dataset_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("window", c_uint32),
        ("min_session_len", c_uint32),
        ("min_item_count", c_uint32),
        ("iterate_filters", c_int32),
        ("item_order", c_int32),
        ("session_gap", c_int64),
    ]


class CsvParams(ctypes.Structure):
    """``orl_csv_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("delimiter", c_char),
        ("header", c_int32),
        ("column_names", c_char_p),
        ("session_col", c_char_p),
        ("item_col", c_char_p),
        ("time_col", c_char_p),
        ("event_col", c_char_p),
        ("reward_col", c_char_p),
        ("propensity_col", c_char_p),
        ("date_col", c_char_p),
        ("filter_col", c_char_p),
        ("flag_events", c_char_p),
        ("event_map", c_char_p),
        ("default_event", c_char_p),
        ("time_format", c_int32),
        ("strict", c_int32),
        ("unknown_events", c_int32),
        ("only_known_sessions", c_int32),
        ("integer_items", c_int32),
        ("max_field_len", c_uint32),
        ("impressions_col", c_char_p),
        ("impression_propensities_col", c_char_p),
        ("impression_inclusion_col", c_char_p),
        ("slate_propensity_col", c_char_p),
    ]


class LoadReport(ctypes.Structure):
    """``orl_load_report``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("rows_read", c_uint64),
        ("rows_loaded", c_uint64),
        ("rows_unknown_event", c_uint64),
        ("rows_filtered", c_uint64),
        ("rows_unknown_session", c_uint64),
        ("rows_malformed", c_uint64),
        ("first_error_line", c_uint64),
        ("first_error", c_char * 256),
    ]


class DatasetStats(ctypes.Structure):
    """``orl_dataset_stats``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("finalized", c_int32),
        ("n_items", c_uint32),
        ("n_event_types", c_uint32),
        ("window", c_uint32),
        ("n_events", c_uint64),
        ("n_sessions", c_uint64),
        ("n_purchases", c_uint64),
        ("n_sessions_with_purchase", c_uint64),
        ("n_with_propensity", c_uint64),
        ("min_session_len", c_uint64),
        ("max_session_len", c_uint64),
        ("mean_session_len", c_double),
        ("time_min", c_int64),
        ("time_max", c_int64),
        ("memory_bytes", c_uint64),
    ]


class SplitParams(ctypes.Structure):
    """``orl_split_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("method", c_int32),
        ("train", c_float),
        ("valid", c_float),
        ("seed", c_uint64),
    ]


_SIM_FLOATS = (
    "popularity_zipf leave_prob leave_skip leave_satisfaction click_bias click_relevance "
    "click_appeal click_successor click_satisfaction purchase_bias purchase_quality "
    "purchase_satisfaction sat_decay sat_quality sat_variety interest_drift log_epsilon "
    "log_temperature log_successor_prob log_popularity_weight log_taste_weight "
    "log_cluster_boost reward_click reward_purchase rollout_temperature"
).split()


class DisplayView(ctypes.Structure):
    """``orl_display_view``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("session", c_int64),
        ("display_session", c_uint64),
        ("events_before", c_uint64),
        ("event_in_session", c_int64),
        ("timestamp", c_int64),
        ("clicked_slot", c_int32),
        ("reward", c_float),
        ("slate_propensity", c_double),
        ("n_shown", c_size_t),
        ("item_ids", ctypes.POINTER(c_int32)),
        ("propensities", ctypes.POINTER(c_float)),
        ("inclusion", ctypes.POINTER(c_float)),
    ]


class SimParams(ctypes.Structure):
    """``orl_sim_params``."""

    _fields_ = (
        [
            ("struct_size", c_size_t),
            ("seed", c_uint64),
            ("n_users", c_uint32),
            ("n_items", c_uint32),
            ("n_clusters", c_uint32),
            ("taste_dim", c_uint32),
            ("min_steps", c_uint32),
            ("max_steps", c_uint32),
        ]
        + [(name, c_float) for name in _SIM_FLOATS]
        + [
            ("log_skips", c_int32),
            ("rollout_repeat", c_int32),
            ("start_timestamp", c_int64),
            ("slate_size", c_uint32),
            ("position_bias", c_float),
            ("log_impressions", c_int32),
        ]
    )


class RolloutResult(ctypes.Structure):
    """``orl_sim_rollout_result``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("n_sessions", c_uint64),
        ("mean_return", c_double),
        ("std_error", c_double),
        ("ci_low", c_double),
        ("ci_high", c_double),
        ("mean_clicks", c_double),
        ("mean_purchases", c_double),
        ("mean_length", c_double),
    ]

class PolicyRule(ctypes.Structure):
    """``orl_policy_rule``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("kind", c_int32),
        ("top_k", c_uint32),
        ("temperature", c_double),
        ("epsilon", c_double),
    ]



class EncoderParams(ctypes.Structure):
    """``orl_encoder_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("architecture", c_char_p),
        ("embed_dim", c_uint32),
        ("hidden_dim", c_uint32),
        ("window", c_uint32),
        ("dropout", c_float),
    ]


class GenmodelParams(ctypes.Structure):
    """``orl_genmodel_params``."""

    _fields_ = [("struct_size", c_size_t), ("kind", c_char_p)]


class QnetParams(ctypes.Structure):
    """``orl_qnet_params``."""

    _fields_ = [("struct_size", c_size_t), ("gamma", c_float)]


class TrainerParams(ctypes.Structure):
    """``orl_trainer_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("algorithm", c_char_p),
        ("epochs", c_uint32),
        ("batch_size", c_uint32),
        ("learning_rate", c_float),
        ("seed", c_uint64),
        ("threads", c_int32),
    ]


class EvalResult(ctypes.Structure):
    """``orl_eval_result``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("click_count", c_uint64),
        ("purchase_count", c_uint64),
        ("click_hr", c_double * 3),
        ("click_ndcg", c_double * 3),
        ("purchase_hr", c_double * 3),
        ("purchase_ndcg", c_double * 3),
        ("unknown_targets", c_uint64),
    ]


class Progress(ctypes.Structure):
    """``orl_progress``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("epoch", c_uint32),
        ("epochs", c_uint32),
        ("step", c_uint64),
        ("total_steps", c_uint64),
        ("loss", c_float),
        ("epoch_loss", c_float),
        ("transitions_per_s", c_double),
        ("elapsed_s", c_double),
        ("end_of_epoch", c_int32),
        ("validation", POINTER(EvalResult)),
    ]


class OpeParams(ctypes.Structure):
    """``orl_ope_params``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("estimators", c_char_p),
        ("policy", ctypes.POINTER(PolicyRule)),
        ("interval", c_int32),
        ("bootstrap_samples", c_uint32),
        ("confidence", c_double),
        ("clip", c_double),
        ("switch_threshold", c_double),
        ("gamma", c_double),
        ("behaviour", c_int32),
        ("behaviour_model", ctypes.c_void_p),
        ("reward_model", c_int32),
        ("fqe_epochs", c_uint32),
        ("fqe_batch", c_uint32),
        ("fqe_learning_rate", c_float),
        ("fqe_encoder", ctypes.c_void_p),
        ("seed", c_uint64),
        ("threads", c_int32),
    ]


class OpeEstimate(ctypes.Structure):
    """``orl_ope_estimate``."""

    _fields_ = [
        ("struct_size", c_size_t),
        ("estimator", c_char * 32),
        ("value", c_double),
        ("ci_low", c_double),
        ("ci_high", c_double),
        ("std_error", c_double),
        ("ess", c_double),
        ("clipped_share", c_double),
        ("per_session", c_int32),
        ("n_steps", c_uint64),
        ("n_sessions", c_uint64),
        ("session_value", c_double),
        ("session_ci_low", c_double),
        ("session_ci_high", c_double),
    ]


#: Every mirror, for the size test.
ALL = (DatasetParams, CsvParams, LoadReport, DatasetStats, SplitParams, SimParams,
       RolloutResult, EncoderParams, GenmodelParams, QnetParams, TrainerParams, EvalResult,
       Progress, PolicyRule, OpeParams, OpeEstimate)

T = TypeVar("T", bound=ctypes.Structure)


def new(cls: Type[T]) -> T:
    """A zeroed struct with ``struct_size`` set to the mirror's size."""
    s = cls()
    s.struct_size = ctypes.sizeof(cls)
    return s


def to_dict(s: ctypes.Structure) -> Dict[str, Any]:
    """The fields (except ``struct_size``) as plain Python values."""
    out: Dict[str, Any] = {}
    for name, ctype in s._fields_:
        if name == "struct_size":
            continue
        value = getattr(s, name)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif isinstance(value, ctypes.Array):
            value = list(value)
        out[name] = value
    return out


def eval_to_dict(r: EvalResult) -> Dict[str, Any]:
    """An evaluation result in the shape of ``orl_eval_result_json``, plus ``unknown_targets``."""

    def part(count: int, hr, ndcg) -> Dict[str, float]:
        d: Dict[str, Any] = {"count": int(count)}
        for i, k in enumerate((5, 10, 20)):
            d[f"hr@{k}"] = hr[i]
        for i, k in enumerate((5, 10, 20)):
            d[f"ndcg@{k}"] = ndcg[i]
        return d

    return {
        "click": part(r.click_count, r.click_hr, r.click_ndcg),
        "purchase": part(r.purchase_count, r.purchase_hr, r.purchase_ndcg),
        "unknown_targets": int(r.unknown_targets),
    }


def apply(s: ctypes.Structure, values: Mapping[str, Any], keep: List[Any],
          enums: Optional[Mapping[str, Mapping[str, int]]] = None, where: str = "") -> None:
    """Set fields by name; strings are encoded (and kept alive in ``keep``).

    :raises OfflineRLError: ``UNKNOWN_KEY`` for a name that is not a field,
        ``INVALID_ARGUMENT`` for a value of the wrong kind.
    """
    fields = dict(s._fields_)
    for name, value in values.items():
        if name not in fields or name == "struct_size":
            known = ", ".join(n for n in fields if n != "struct_size")
            raise OfflineRLError(Status.UNKNOWN_KEY, f"unknown setting '{name}' (known: {known})",
                                 where)
        ctype = fields[name]
        if enums and name in enums and isinstance(value, str):
            table = enums[name]
            if value not in table:
                raise OfflineRLError(Status.INVALID_ARGUMENT,
                                     f"{name} must be one of {sorted(table)}, got '{value}'", where)
            value = table[value]
        try:
            if ctype is c_char_p:
                if value is not None:
                    value = str(value).encode("utf-8")
                    keep.append(value)
            elif ctype is c_char:
                value = {"tab": "\t", "auto": "\0"}.get(value, value)
                if isinstance(value, str):
                    value = value.encode("utf-8")
                if len(value) != 1:
                    raise TypeError("a single-byte character is expected")
            elif isinstance(value, bool):
                value = int(value)
            setattr(s, name, value)
        except (TypeError, ValueError) as exc:
            raise OfflineRLError(Status.INVALID_ARGUMENT, f"{name}={value!r}: {exc}",
                                 where) from None
