"""Training: one algorithm driving an encoder and its heads (``orl_trainer``)."""

from __future__ import annotations

import contextlib
import ctypes
import json
from ctypes import byref, c_double, c_void_p
from typing import Any, Callable, Dict, List, Optional, Union

from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status
from ._handle import Handle
from .dataset import Dataset
from .encoder import SETTING_KEYS, Encoder, GenModel, QNet
from .model import Model

#: Progress callback: receives a dict; returning True stops the fit.
ProgressFn = Callable[[Dict[str, Any]], Optional[bool]]

# Keywords for the trainer's own encoder: orl_encoder_params' fields and every architecture's
# settings (Encoder's keywords).
_ENCODER_KEYS = ({name for name, _ in S.EncoderParams._fields_} - {"struct_size"}) | SETTING_KEYS
_TRAINER_KEYS = {name for name, _ in S.TrainerParams._fields_} - {"struct_size"}


def progress_dict(p: S.Progress) -> Dict[str, Any]:
    """An ``orl_progress`` report as a dict; ``validation`` is a metrics dict or None."""
    d = S.to_dict(p)
    d["end_of_epoch"] = bool(d["end_of_epoch"])
    d["validation"] = S.eval_to_dict(p.validation.contents) if p.validation else None
    return d


class Trainer(Handle):
    """Learns a policy from logged transitions.

    ``Trainer(algorithm="sl", epochs=10, batch_size=256, learning_rate=0.01,
    seed=0, threads=0, embed_dim=64, hidden_dim=64, window=10, dropout=None,
    gamma=..., ...)``: the fields of ``orl_trainer_params`` set the training,
    ``encoder="sasrec"`` (or ``architecture=``), ``embed_dim``,
    ``hidden_dim``, ``window``, ``dropout`` and the architecture's own
    settings (``num_blocks=2``, ``dilations=[1, 2, 4]``, ...: see
    :class:`Encoder`) the network; any other keyword is an algorithm setting
    applied with :meth:`set` (e.g. ``gamma``). Or pass a ready
    ``encoder=Encoder(...)``, and ``genmodel=``, ``qnet=`` objects.

    Used by one thread at a time, except :meth:`interrupt`.
    """

    _free_name = "orl_trainer_free"

    def __init__(self, algorithm: str = "sl", *, encoder: Union[Encoder, str, None] = None,
                 genmodel: Optional[GenModel] = None, qnet: Optional[QNet] = None,
                 **settings: Any):
        lib = _lib.load()
        enc_kw = {k: settings.pop(k) for k in list(settings) if k in _ENCODER_KEYS}
        tr_kw = {k: settings.pop(k) for k in list(settings) if k in _TRAINER_KEYS}
        tr_kw["algorithm"] = algorithm
        p = S.new(S.TrainerParams)
        lib.orl_trainer_params_init(byref(p))
        keep: list = []
        S.apply(p, tr_kw, keep, None, "Trainer")
        if isinstance(encoder, str):
            enc_kw["kind"] = encoder
            encoder = None
        if encoder is not None and enc_kw:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"give either encoder= or {sorted(enc_kw)}, not both", "Trainer")
        own_enc = encoder is None
        enc = Encoder(**enc_kw) if own_enc else encoder
        out = c_void_p()
        try:
            with contextlib.ExitStack() as stack:
                e = stack.enter_context(enc._borrow())
                g = stack.enter_context(genmodel._borrow()) if genmodel is not None else None
                q = stack.enter_context(qnet._borrow()) if qnet is not None else None
                _lib.check(lib.orl_trainer_create(byref(p), e, g, q, byref(out)),
                           "orl_trainer_create")
        finally:
            if own_enc:
                enc.close()
        super().__init__(out)
        self.algorithm = algorithm
        self._progress_cb = None  # the ctypes callback object, alive while installed
        try:
            for key, value in settings.items():
                self.set(key, value)
        except BaseException:
            self.close()
            raise

    # ---- settings -------------------------------------------------------------------------

    def set(self, key: str, value: float) -> None:
        """Set a numeric setting by name (``orl_trainer_set_float``)."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise OfflineRLError(Status.INVALID_ARGUMENT, f"{key}: {value!r} is not a number",
                                 "Trainer.set") from None
        with self._borrow() as p:
            _lib.check(_lib.load().orl_trainer_set_float(p, key.encode(), value),
                       "orl_trainer_set_float")

    def get(self, key: str) -> float:
        """Read a numeric setting by name (``orl_trainer_get_float``)."""
        out = c_double()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_trainer_get_float(p, key.encode(), byref(out)),
                       "orl_trainer_get_float")
        return out.value

    def set_generative_model(self, model: Optional[Model]) -> None:
        """Use ``model``'s supervised head as BCQ's generative model G and keep it fixed
        (``orl_trainer_set_generative_model``; the trainer's algorithm must be ``"bcq"``).

        ``model`` is typically trained with ``"sl"`` on the same dataset: the fit checks that
        its catalogue is the training set's (same items, same keys in the same order). G may
        use another encoder than the trainer's, with the same window. The trainer keeps its
        own copy, so ``model`` may be closed afterwards; ``None`` clears G (the trainer trains
        its own again). The exported model then scores with the constrained head, and
        ``with_head("supervised")`` gives G back.
        """
        with self._borrow() as p:
            if model is None:
                _lib.check(_lib.load().orl_trainer_set_generative_model(p, None),
                           "orl_trainer_set_generative_model")
                return
            with model._borrow() as m:
                _lib.check(_lib.load().orl_trainer_set_generative_model(p, m),
                           "orl_trainer_set_generative_model")

    @property
    def config(self) -> Dict[str, Any]:
        """Algorithm, network and every setting (``orl_trainer_config_json``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_trainer_config_json
            return json.loads(_lib.read_buffer(lambda b, n, o: fn(p, b, n, o),
                                               "orl_trainer_config_json"))

    @property
    def history(self) -> List[Dict[str, Any]]:
        """One record per completed epoch of the last fit (``orl_trainer_history_json``)."""
        with self._borrow() as p:
            fn = _lib.load().orl_trainer_history_json
            return json.loads(_lib.read_buffer(lambda b, n, o: fn(p, b, n, o),
                                               "orl_trainer_history_json"))

    # ---- training -------------------------------------------------------------------------

    def fit(self, train: Dataset, valid: Optional[Dataset] = None,
            progress: Optional[ProgressFn] = None) -> bool:
        """Train from fresh weights on ``train`` (validating on ``valid`` each epoch).

        ``progress(report)`` is called after every step and epoch with a dict
        (``epoch``, ``epochs``, ``step``, ``total_steps``, ``loss``,
        ``epoch_loss``, ``transitions_per_s``, ``elapsed_s``, ``end_of_epoch``,
        ``validation``); returning True stops training. An exception in it stops
        training and is re-raised. The GIL is released while the library trains.

        :return: True when every epoch ran; False when stopped early by
            ``progress`` or :meth:`interrupt` (the weights reached so far can
            still be exported).
        :raises OfflineRLError: any other failure (e.g. ``Status.NUMERIC``).
        """
        lib = _lib.load()
        error: List[BaseException] = []

        def trampoline(report, _user):
            try:
                return 1 if progress(progress_dict(report.contents)) else 0
            except BaseException as exc:  # noqa: BLE001 - re-raised after the fit
                error.append(exc)
                return 1

        with contextlib.ExitStack() as stack:
            p = stack.enter_context(self._borrow())
            t = stack.enter_context(train._borrow())
            v = stack.enter_context(valid._borrow()) if valid is not None else None
            if progress is not None:
                cb = _lib.PROGRESS_FN(trampoline)
                _lib.check(lib.orl_trainer_set_progress_callback(p, ctypes.cast(cb, c_void_p),
                                                                 None),
                           "orl_trainer_set_progress_callback")
                self._progress_cb = cb
            try:
                status = lib.orl_trainer_fit(p, t, v)
                message = _lib.last_error()
            finally:
                if progress is not None:
                    lib.orl_trainer_set_progress_callback(p, None, None)
                    self._progress_cb = None
        if error:
            raise error[0]
        if status == Status.CANCELLED:
            return False
        if status != 0:
            raise OfflineRLError(status, message, "orl_trainer_fit")
        return True

    def interrupt(self) -> None:
        """Ask a running fit (in another thread) to stop after its step (``orl_trainer_interrupt``)."""
        with self._borrow() as p:
            _lib.check(_lib.load().orl_trainer_interrupt(p), "orl_trainer_interrupt")

    def export(self) -> Model:
        """The trained policy, independent of the trainer (``orl_trainer_export_model``)."""
        out = c_void_p()
        with self._borrow() as p:
            _lib.check(_lib.load().orl_trainer_export_model(p, byref(out)),
                       "orl_trainer_export_model")
        return Model._wrap(out)

    def write_report(self, path: Any, model: Optional[Model] = None,
                     test: Optional[Dataset] = None) -> None:
        """Write the self-contained HTML training report (``orl_trainer_write_report``):
        learning curves of the last fit, and the final metrics of ``model`` on ``test``
        when both are given."""
        import os

        from . import _structs as S

        result = None
        if model is not None and test is not None:
            result = S.new(S.EvalResult)
            with model._borrow() as m, test._borrow() as d:
                _lib.check(_lib.load().orl_model_evaluate(m, d, 0, byref(result)),
                           "orl_model_evaluate")
        with self._borrow() as p:
            _lib.check(_lib.load().orl_trainer_write_report(
                p, byref(result) if result is not None else None, os.fsencode(path)),
                "orl_trainer_write_report")

    def __repr__(self) -> str:
        return f"<offlinerl.Trainer {self.algorithm}{' closed' if self.closed else ''}>"
