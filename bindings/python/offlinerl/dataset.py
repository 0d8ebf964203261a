"""Logged sessions of events: the ``orl_dataset`` handle."""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import byref, c_float, c_int32, c_int64, c_size_t, c_uint64, c_void_p
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _arrays as A
from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status
from ._handle import Handle

Key = Union[int, str]
PathLike = Union[str, "os.PathLike[str]"]

_ITEM_ORDER = {"sorted": 0, "first_seen": 1}
_CSV_ENUMS = {
    "time_format": {"auto": 0, "integer": 1, "datetime": 2},
    "unknown_events": {"skip": 0, "error": 1},
}
_SPLIT_METHODS = {"random": 0, "time": 1}
_DATASET_FIELDS = {name for name, _ in S.DatasetParams._fields_} - {"struct_size"}


def _path(path: PathLike) -> bytes:
    return os.fsencode(path)


def _report_dict(r: S.LoadReport) -> Dict[str, Any]:
    return S.to_dict(r)


def dataset_params(**kwargs: Any) -> S.DatasetParams:
    """``orl_dataset_params`` from the defaults and keyword settings."""
    p = S.new(S.DatasetParams)
    _lib.load().orl_dataset_params_init(byref(p))
    S.apply(p, kwargs, [], {"item_order": _ITEM_ORDER}, "Dataset")
    return p


def csv_params(preset: Optional[str] = None, keep: Optional[list] = None,
               **columns: Any) -> S.CsvParams:
    """``orl_csv_params`` from a preset (or the canonical form) and column settings."""
    lib = _lib.load()
    p = S.new(S.CsvParams)
    if preset is None:
        lib.orl_csv_params_init(byref(p))
    else:
        _lib.check(lib.orl_csv_params_preset(byref(p), preset.encode()), "orl_csv_params_preset")
    S.apply(p, columns, keep if keep is not None else [], _CSV_ENUMS, "from_csv")
    return p


class Dataset(Handle):
    """Logged sessions: events in, sessions and transitions out.

    Life cycle: create (``Dataset(window=10, ...)``), append events
    (:meth:`add_events`, :meth:`load_csv`, :meth:`load_jsonl`), then
    :meth:`finalize`; a finalized dataset can be split, saved, inspected and
    trained on. Or build one in a step with :meth:`from_csv`,
    :meth:`from_events`, :meth:`load` or :meth:`Simulator.generate`.

    Keyword settings are the fields of ``orl_dataset_params``: ``window``,
    ``min_session_len``, ``min_item_count``, ``iterate_filters``,
    ``item_order`` (``"sorted"`` or ``"first_seen"``), ``session_gap``.

    Used by one thread at a time; a finalized dataset may be read from several.
    """

    _free_name = "orl_dataset_free"

    def __init__(self, **params: Any):
        p = dataset_params(**params)
        out = c_void_p()
        _lib.check(_lib.load().orl_dataset_create(byref(p), byref(out)), "orl_dataset_create")
        super().__init__(out)
        self._codes: Dict[str, int] = {}

    @classmethod
    def _wrap(cls, ptr: c_void_p) -> "Dataset":
        self = cls.__new__(cls)
        Handle.__init__(self, ptr)
        self._codes = {}
        return self

    # ---- building -------------------------------------------------------------------------

    def event_type(self, name: str) -> int:
        """Code of an event type, registering it when new (``orl_dataset_event_type``)."""
        code = self._codes.get(name)
        if code is not None:
            return code
        out = c_int32()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_event_type(p, name.encode(), byref(out)),
                       "orl_dataset_event_type")
        self._codes[name] = out.value
        return out.value

    def set_event_reward(self, name: str, reward: float) -> None:
        """Reward of an event type (``orl_dataset_set_event_reward``)."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_set_event_reward(p, name.encode(), float(reward)),
                       "orl_dataset_set_event_reward")

    def set_event_purchase(self, name: str, is_purchase: bool = True) -> None:
        """Whether an event type counts as a purchase (``orl_dataset_set_event_purchase``)."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_set_event_purchase(p, name.encode(),
                                                                  int(bool(is_purchase))),
                       "orl_dataset_set_event_purchase")

    def _event_codes(self, events: Any) -> A.Converted:
        if A.is_text(events):
            return A.as_array([self.event_type(str(e)) for e in events], c_int32, "events")
        return A.as_array(events, c_int32, "events")

    def add_events(self, sessions: Sequence[Key], items: Sequence[Key],
                   timestamps: Sequence[int], events: Sequence[Union[int, str]],
                   rewards: Optional[Sequence[float]] = None,
                   propensities: Optional[Sequence[float]] = None) -> None:
        """Append events (all or nothing).

        Integer keys (lists, ``array.array('q')``, numpy int64) go through
        ``orl_dataset_add_events_i64`` and are passed without a copy when their
        layout is int64; string keys through ``orl_dataset_add_events_str``.
        ``events`` are event-type names or codes from :meth:`event_type`;
        ``rewards`` and ``propensities`` are float32 (NaN = from the table /
        unknown) or None.
        """
        text = A.is_text(sessions) or A.is_text(items)
        if text:
            sp, n, k1 = A.as_strings(sessions, "sessions")
            ip, ni, k2 = A.as_strings(items, "items")
        else:
            sp, n, k1 = A.as_array(sessions, c_int64, "sessions")
            ip, ni, k2 = A.as_array(items, c_int64, "items")
        tp, nt, k3 = A.as_array(timestamps, c_int64, "timestamps")
        ep, ne, k4 = self._event_codes(events)
        rp, nr, k5 = A.as_optional(rewards, ctypes.c_float, "rewards")
        pp, np_, k6 = A.as_optional(propensities, ctypes.c_float, "propensities")
        lengths = {n, ni, nt, ne} | ({nr} if rewards is not None else set()) | (
            {np_} if propensities is not None else set())
        if len(lengths) != 1:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"arrays differ in length: sessions {n}, items {ni}, "
                                 f"timestamps {nt}, events {ne}", "add_events")
        fn = "orl_dataset_add_events_str" if text else "orl_dataset_add_events_i64"
        with self._borrow() as p:
            _lib.check(getattr(_lib.load(), fn)(p, n, sp, ip, tp, ep, rp, pp), fn)
        del k1, k2, k3, k4, k5, k6

    def load_csv(self, path: PathLike, preset: Optional[str] = None,
                 **columns: Any) -> Dict[str, Any]:
        """Append the events of a CSV/TSV file (gzip accepted); returns the load report.

        ``preset`` names a known log format (``orl_csv_params_preset``);
        keyword settings are the fields of ``orl_csv_params`` (``session_col``,
        ``item_col``, ``time_col``, ``event_col``, ``event_map``, ``delimiter``
        (a character, ``"tab"`` or ``"auto"``), ``header``, ``strict``,
        ``time_format`` (``"auto"``, ``"integer"``, ``"datetime"``), ...).
        """
        keep: List[bytes] = []
        params = csv_params(preset, keep, **columns)
        report = S.new(S.LoadReport)
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_load_csv(p, _path(path), byref(params),
                                                        byref(report)), "orl_dataset_load_csv")
        return _report_dict(report)

    def load_jsonl(self, path: PathLike, strict: bool = True) -> Dict[str, Any]:
        """Append the sessions of an OTTO-style JSON-lines file; returns the load report."""
        report = S.new(S.LoadReport)
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_load_jsonl(p, _path(path), int(bool(strict)),
                                                          byref(report)), "orl_dataset_load_jsonl")
        return _report_dict(report)

    def finalize(self) -> "Dataset":
        """Freeze: sort sessions, apply filters, assign dense item ids. Returns self."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_finalize(p), "orl_dataset_finalize")
        return self

    @classmethod
    def from_events(cls, sessions: Sequence[Key], items: Sequence[Key],
                    timestamps: Sequence[int], events: Sequence[Union[int, str]],
                    rewards: Optional[Sequence[float]] = None,
                    propensities: Optional[Sequence[float]] = None, finalize: bool = True,
                    **params: Any) -> "Dataset":
        """A dataset of host arrays (see :meth:`add_events`), finalized by default."""
        return cls._built(params, lambda ds: ds.add_events(sessions, items, timestamps, events,
                                                           rewards, propensities), finalize)

    @classmethod
    def _built(cls, params: Dict[str, Any], fill: Callable[["Dataset"], None],
               finalize: bool) -> "Dataset":
        """A new dataset filled by ``fill`` and finalized if asked; closed again on any error."""
        ds = cls(**params)
        try:
            fill(ds)
            if finalize:
                ds.finalize()
        except BaseException:
            ds.close()
            raise
        return ds

    @classmethod
    def from_csv(cls, path: PathLike, preset: Optional[str] = None, finalize: bool = True,
                 **settings: Any) -> "Dataset":
        """A dataset of one CSV file, finalized by default.

        ``settings`` mix the dataset's settings (``window``, ``min_session_len``,
        ...) and the column mapping of :meth:`load_csv`.
        """
        ds_kw = {k: v for k, v in settings.items() if k in _DATASET_FIELDS}
        csv_kw = {k: v for k, v in settings.items() if k not in _DATASET_FIELDS}

        def fill(ds: "Dataset") -> None:
            ds.last_report = ds.load_csv(path, preset, **csv_kw)

        return cls._built(ds_kw, fill, finalize)

    @classmethod
    def from_jsonl(cls, path: PathLike, strict: bool = True, finalize: bool = True,
                   **params: Any) -> "Dataset":
        """A dataset of one OTTO-style JSON-lines file, finalized by default."""

        def fill(ds: "Dataset") -> None:
            ds.last_report = ds.load_jsonl(path, strict)

        return cls._built(params, fill, finalize)

    # ---- files and splits -----------------------------------------------------------------

    @classmethod
    def load(cls, path: PathLike) -> "Dataset":
        """Load a binary dataset file written by :meth:`save` (``orl_dataset_load``)."""
        out = c_void_p()
        _lib.check(_lib.load().orl_dataset_load(_path(path), byref(out)), "orl_dataset_load")
        return cls._wrap(out)

    def save(self, path: PathLike) -> None:
        """Save a finalized dataset as a binary file, atomically (``orl_dataset_save``)."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_save(p, _path(path)), "orl_dataset_save")

    def split(self, train: float = 0.8, valid: float = 0.1, method: str = "random",
              seed: int = 0) -> Tuple["Dataset", "Dataset", "Dataset"]:
        """Split by session into (train, valid, test) datasets sharing the item ids."""
        params = S.new(S.SplitParams)
        _lib.load().orl_split_params_init(byref(params))
        S.apply(params, {"train": train, "valid": valid, "method": method, "seed": seed}, [],
                {"method": _SPLIT_METHODS}, "split")
        parts = [c_void_p(), c_void_p(), c_void_p()]
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_split(p, byref(params), *(byref(x) for x in parts)),
                       "orl_dataset_split")
        return tuple(Dataset._wrap(x) for x in parts)  # type: ignore[return-value]

    # ---- reading --------------------------------------------------------------------------

    def stats(self) -> Dict[str, Any]:
        """Counts of the dataset (``orl_dataset_get_stats``) as a dict."""
        st = S.new(S.DatasetStats)
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_get_stats(p, byref(st)), "orl_dataset_get_stats")
        d = S.to_dict(st)
        d["finalized"] = bool(d["finalized"])
        return d

    def stats_json(self) -> Dict[str, Any]:
        """All statistics, per-type counts and the length histogram (``orl_dataset_stats_json``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_dataset_stats_json
            text = _lib.read_buffer(lambda b, n, o: fn(p, b, n, o), "orl_dataset_stats_json")
        return json.loads(text)

    def count_events(self, name: str) -> int:
        """Events of one type (``orl_dataset_count_events``)."""
        out = c_uint64()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_count_events(p, name.encode(), byref(out)),
                       "orl_dataset_count_events")
        return out.value

    def session_length_histogram(self, buckets: int = 32) -> List[int]:
        """``h[k]`` = sessions of length k; the last bucket counts all longer ones."""
        buf = (c_uint64 * max(buckets, 0))()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_session_length_histogram(p, buf, buckets),
                       "orl_dataset_session_length_histogram")
        return list(buf)

    def item_id(self, key: Key) -> int:
        """Dense id of an item key (``orl_dataset_item_id_i64`` / ``_str``)."""
        out = c_int32()
        lib = _lib.load()
        with self._borrow() as p:
            if isinstance(key, (str, bytes)):
                raw = key.encode() if isinstance(key, str) else key
                _lib.check(lib.orl_dataset_item_id_str(p, raw, byref(out)),
                           "orl_dataset_item_id_str")
            else:
                _lib.check(lib.orl_dataset_item_id_i64(p, int(key), byref(out)),
                           "orl_dataset_item_id_i64")
        return out.value

    def item_key(self, item_id: int) -> str:
        """External key (as text) of a dense item id (``orl_dataset_item_key``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_dataset_item_key
            raw = _lib.read_buffer(lambda b, n, o: fn(p, int(item_id), b, n, o),
                                   "orl_dataset_item_key")
        return raw.decode("utf-8")

    def session_count(self) -> int:
        """Sessions of a finalized dataset (``orl_dataset_session_count``); session indexes
        are ``0 .. session_count() - 1``."""
        out = c_uint64()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_session_count(p, byref(out)),
                       "orl_dataset_session_count")
        return out.value

    def session_key(self, session: int) -> str:
        """The key of session ``session`` as text (``orl_dataset_session_key``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_dataset_session_key
            raw = _lib.read_buffer(lambda b, n, o: fn(p, int(session), b, n, o),
                                   "orl_dataset_session_key")
        return raw.decode("utf-8")

    def session_events(self, session: int) -> List[Dict[str, Any]]:
        """The events of session ``session`` in time order (``orl_dataset_session_events``).

        Each event is ``{"item": key, "item_id": dense id, "timestamp": t,
        "event_code": code, "reward": r}``: the item key is an ``int`` for integer
        keys and a ``str`` otherwise, the reward the one training sees (the event's
        own, else its event type's). Replaying logs through a model needs no copy
        of them on the host side.
        """
        lib = _lib.load()
        need = c_size_t()
        with self._borrow() as p:
            _lib.check(lib.orl_dataset_session_events(p, int(session), None, None, None, None,
                                                      None, 0, byref(need)),
                       "orl_dataset_session_events")
            n = need.value
            ids = (c_int32 * max(n, 1))()
            times = (c_int64 * max(n, 1))()
            codes = (c_int32 * max(n, 1))()
            rewards = (c_float * max(n, 1))()
            _lib.check(lib.orl_dataset_session_events(p, int(session), ids, None, times, codes,
                                                      rewards, max(n, 1), byref(need)),
                       "orl_dataset_session_events")
        events = []
        for j in range(n):
            text = self.item_key(ids[j])
            try:
                key: Key = int(text) if str(int(text)) == text else text
            except ValueError:
                key = text
            events.append({"item": key, "item_id": ids[j], "timestamp": times[j],
                           "event_code": codes[j], "reward": rewards[j]})
        return events

    def display_count(self) -> int:
        """Displays of a finalized dataset (``orl_dataset_display_count``): the logged steps
        with what was shown, clicked or not (0 when the logs did not list impressions)."""
        out = c_uint64()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_display_count(p, byref(out)),
                       "orl_dataset_display_count")
        return out.value

    def display(self, index: int) -> Dict[str, Any]:
        """Display ``index`` (``orl_dataset_display_get``) as a record.

        Keys: ``session`` (session index, -1 when the logged session has no event),
        ``display_session``, ``events_before`` (its state is the items of the session's
        events before it), ``event_in_session`` (-1 without a click), ``timestamp``,
        ``clicked_slot`` (-1 none), ``reward``, ``slate_propensity`` (NaN unknown),
        ``item_ids`` (dense ids, -1 outside the catalogue), ``items`` (their keys, None
        for -1), ``propensities`` (single-draw logging probability per shown item) and
        ``inclusion`` (probability each was in the list), NaN when unknown.
        """
        v = S.new(S.DisplayView)
        with self._borrow() as p:
            _lib.check(_lib.load().orl_dataset_display_get(p, int(index), byref(v)),
                       "orl_dataset_display_get")
            n = v.n_shown
            ids = [v.item_ids[a] for a in range(n)]
            props = [v.propensities[a] for a in range(n)]
            incl = [v.inclusion[a] for a in range(n)]
        items: List[Optional[Key]] = []
        for i in ids:
            if i < 0:
                items.append(None)
                continue
            text = self.item_key(i)
            try:
                items.append(int(text) if str(int(text)) == text else text)
            except ValueError:
                items.append(text)
        return {"session": v.session, "display_session": v.display_session,
                "events_before": v.events_before, "event_in_session": v.event_in_session,
                "timestamp": v.timestamp, "clicked_slot": v.clicked_slot, "reward": v.reward,
                "slate_propensity": v.slate_propensity, "item_ids": ids, "items": items,
                "propensities": props, "inclusion": incl}

    def displays(self) -> List[Dict[str, Any]]:
        """Every display as a record (see :meth:`display`), in the dataset's order."""
        return [self.display(i) for i in range(self.display_count())]

    def sessions(self) -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
        """Iterate ``(session_key, events)`` over every session (see :meth:`session_events`)."""
        for i in range(self.session_count()):
            yield self.session_key(i), self.session_events(i)

    @property
    def n_items(self) -> int:
        """Items in the catalogue (dense ids ``0 .. n_items-1`` once finalized)."""
        return self.stats()["n_items"]

    @property
    def n_sessions(self) -> int:
        """Sessions."""
        return self.stats()["n_sessions"]

    @property
    def finalized(self) -> bool:
        """True once :meth:`finalize` ran (loaded files and split parts are finalized)."""
        return self.stats()["finalized"]

    def __len__(self) -> int:
        """Events (= transitions once finalized)."""
        return self.stats()["n_events"]

    def __repr__(self) -> str:
        if self.closed:
            return "<offlinerl.Dataset closed>"
        st = self.stats()
        return (f"<offlinerl.Dataset {st['n_events']} events, {st['n_sessions']} sessions, "
                f"{st['n_items']} items{'' if st['finalized'] else ', open'}>")
