"""Network shapes: the sequence encoder, the generative head and the Q head."""

from __future__ import annotations

from ctypes import byref, c_void_p
from typing import Any, Dict

from . import _lib
from . import _structs as S
from ._handle import Handle


def _create(kind: str, cls, params: Dict[str, Any]):
    lib = _lib.load()
    p = S.new(cls)
    getattr(lib, f"orl_{kind}_params_init")(byref(p))
    keep: list = []
    S.apply(p, params, keep, None, kind)
    out = c_void_p()
    _lib.check(getattr(lib, f"orl_{kind}_create")(byref(p), byref(out)), f"orl_{kind}_create")
    return out, S.to_dict(p)


class Encoder(Handle):
    """A sequence encoder's architecture and sizes (``orl_encoder``).

    Settings: ``architecture`` (``"gru4rec"``), ``embed_dim``, ``hidden_dim``,
    ``window``, ``dropout``. A trainer copies it; it holds no weights.
    """

    _free_name = "orl_encoder_free"

    def __init__(self, **params: Any):
        ptr, self.params = _create("encoder", S.EncoderParams, params)
        super().__init__(ptr)


class GenModel(Handle):
    """A generative (supervised / behaviour) head (``orl_genmodel``); ``kind="softmax"``."""

    _free_name = "orl_genmodel_free"

    def __init__(self, **params: Any):
        ptr, self.params = _create("genmodel", S.GenmodelParams, params)
        super().__init__(ptr)


class QNet(Handle):
    """A Q head for the reinforcement-learning algorithms (``orl_qnet``); ``gamma``."""

    _free_name = "orl_qnet_free"

    def __init__(self, **params: Any):
        ptr, self.params = _create("qnet", S.QnetParams, params)
        super().__init__(ptr)
