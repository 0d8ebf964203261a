"""Network shapes: the sequence encoder, the generative head and the Q head."""

from __future__ import annotations

import json
import operator
from ctypes import byref, c_int32, c_void_p
from typing import Any, Dict, Optional, Sequence, Tuple, Union

from . import _lib
from . import _structs as S
from ._errors import OfflineRLError, Status
from ._handle import Handle

#: The encoder architectures, and the settings each has beyond the common ones
#: (``embed_dim``, ``hidden_dim``, ``window``, ``dropout``).
KIND_SETTINGS: Dict[str, Tuple[str, ...]] = {
    "gru4rec": (),
    "sasrec": ("num_blocks", "num_heads"),
    "caser": ("num_filters", "filter_heights", "num_v_filters"),
    "nextitnet": ("dilations", "kernel_size", "independent_init"),
}
#: Every architecture-specific setting (what ``Encoder(**settings)`` and ``Trainer`` accept).
SETTING_KEYS = frozenset(k for keys in KIND_SETTINGS.values() for k in keys)
#: The settings that take a list of integers.
LIST_KEYS = frozenset({"filter_heights", "dilations"})

#: A setting's value: an integer, or a list of integers for :data:`LIST_KEYS`.
SettingValue = Union[int, Sequence[int]]


def _create(kind: str, cls, params: Dict[str, Any]):
    lib = _lib.load()
    p = S.new(cls)
    getattr(lib, f"orl_{kind}_params_init")(byref(p))
    keep: list = []
    S.apply(p, params, keep, None, kind)
    out = c_void_p()
    _lib.check(getattr(lib, f"orl_{kind}_create")(byref(p), byref(out)), f"orl_{kind}_create")
    return out, S.to_dict(p)


def _integer(key: str, value: Any, bits: int) -> int:
    """``value`` as an integer of ``bits`` signed bits, or the error naming ``key``."""
    if isinstance(value, bool):
        value = int(value)
    try:
        v = operator.index(value)
    except TypeError:
        raise OfflineRLError(Status.INVALID_ARGUMENT,
                             f"encoder setting {key}={value!r}: an integer is expected",
                             "Encoder") from None
    if not -(1 << (bits - 1)) <= v < (1 << (bits - 1)):
        raise OfflineRLError(Status.OUT_OF_RANGE,
                             f"encoder setting {key}={v} is outside the {bits}-bit integers",
                             "Encoder")
    return v


class Encoder(Handle):
    """A sequence encoder: its architecture and every setting (``orl_encoder``).

    It holds no weights: a trainer copies it and builds the network for its
    catalogue. ``Encoder(kind="sasrec", num_blocks=2, num_heads=2)``.

    :param kind: ``"gru4rec"`` (default), ``"sasrec"``, ``"caser"`` or
        ``"nextitnet"``.
    :param embed_dim: item embedding size (1..4096). SASRec and NextItNet need
        ``embed_dim == hidden_dim``.
    :param hidden_dim: state size (1..4096); Caser's state is
        ``num_filters * len(filter_heights) + num_v_filters * embed_dim`` values.
    :param window: history length N, the last N items (1..1024); the dataset's
        window must be the same.
    :param dropout: dropout rate while training, [0, 1); None (the default)
        or a negative value takes the architecture's own: 0 for GRU4Rec and
        NextItNet, 0.1 for SASRec and Caser.
    :param architecture: the former name of ``kind`` (0.1.0 code); give one of
        the two.
    :param settings: the architecture's own settings, applied in the order
        given: SASRec ``num_blocks`` (1..8, default 1), ``num_heads`` (1..64,
        dividing ``hidden_dim``, default 1); Caser ``num_filters`` (1..1024,
        default 16), ``filter_heights`` (1..8 heights, each 1..window, default
        ``[2, 3, 4]``), ``num_v_filters`` (1..64, default 1); NextItNet
        ``dilations`` (1..16 blocks, each 1..window, default
        ``[1, 2, 1, 2, 1, 2]``), ``kernel_size`` (2..16, default 3),
        ``independent_init`` (0 or 1, default 0).
    :raises OfflineRLError: with the library's message, which names the field:
        ``Status.UNSUPPORTED`` (unknown kind, or one not built into the
        library), ``Status.UNKNOWN_KEY`` (a setting the kind does not have),
        ``Status.OUT_OF_RANGE`` (a value outside its range),
        ``Status.INVALID_ARGUMENT`` (a value of the wrong type, or both
        ``kind`` and ``architecture``).

    :ivar kind: the architecture's name.
    :ivar params: the ``orl_encoder_params`` the encoder was created from
        (``dropout`` -1 = the architecture's default); :meth:`config` gives
        every setting as it is now.
    """

    _free_name = "orl_encoder_free"

    def __init__(self, kind: Optional[str] = None, embed_dim: int = 64, hidden_dim: int = 64,
                 window: int = 10, dropout: Optional[float] = None, *,
                 architecture: Optional[str] = None, **settings: SettingValue):
        if kind is not None and architecture is not None and kind != architecture:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"kind={kind!r} and architecture={architecture!r}: give one "
                                 "(architecture is the former name of kind)", "Encoder")
        name = kind if kind is not None else architecture
        params: Dict[str, Any] = {"embed_dim": embed_dim, "hidden_dim": hidden_dim,
                                  "window": window}
        if name is not None:
            params["architecture"] = name
        if dropout is not None:
            params["dropout"] = dropout
        ptr, self.params = _create("encoder", S.EncoderParams, params)
        super().__init__(ptr)
        self.kind: str = self.params["architecture"]
        try:
            for key, value in settings.items():
                self.set(key, value)
        except BaseException:
            self.close()
            raise

    def set(self, key: str, value: Union[float, SettingValue]) -> None:
        """Change one setting (``orl_encoder_set_int``, ``orl_encoder_set_float`` or
        ``orl_encoder_set_int_list``, after the key and the value).

        Trainers created afterwards use the new value; the encoder is
        unchanged when this raises.

        :param key: ``"dropout"`` (a float), ``"filter_heights"`` or
            ``"dilations"`` (lists of integers), or an integer setting
            (``"embed_dim"``, ``"hidden_dim"``, ``"window"`` or one of the
            architecture's own).
        :param value: its new value.
        :raises OfflineRLError: ``Status.UNKNOWN_KEY``, ``Status.OUT_OF_RANGE``
            (the library's message names the field) or
            ``Status.INVALID_ARGUMENT`` (a value of the wrong type).
        """
        lib = _lib.load()
        if not isinstance(key, str):
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"encoder setting names are strings, got {key!r}", "Encoder")
        k = key.encode("utf-8")
        if key == "dropout":
            try:
                x = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise OfflineRLError(Status.INVALID_ARGUMENT,
                                     f"encoder setting dropout={value!r}: a number is expected",
                                     "Encoder") from None
            with self._borrow() as p:
                _lib.check(lib.orl_encoder_set_float(p, k, x), "orl_encoder_set_float")
            return
        is_list = isinstance(value, (list, tuple, range)) or (
            not isinstance(value, (str, bytes)) and hasattr(value, "__len__"))
        if key in LIST_KEYS and not is_list:
            raise OfflineRLError(Status.INVALID_ARGUMENT,
                                 f"encoder setting {key}={value!r}: a list of integers is "
                                 "expected", "Encoder")
        if is_list:
            values = [_integer(key, v, 32) for v in value]  # type: ignore[union-attr]
            arr = (c_int32 * max(len(values), 1))(*values)
            with self._borrow() as p:
                _lib.check(lib.orl_encoder_set_int_list(p, k, arr, len(values)),
                           "orl_encoder_set_int_list")
            return
        v = _integer(key, value, 64)
        with self._borrow() as p:
            _lib.check(lib.orl_encoder_set_int(p, k, v), "orl_encoder_set_int")

    def config(self) -> Dict[str, Any]:
        """The architecture and every setting it uses, defaults resolved
        (``orl_encoder_config_json``), e.g. ``{"architecture": "sasrec",
        "embed_dim": 64, "hidden_dim": 64, "window": 10, "dropout": 0.1,
        "num_blocks": 1, "num_heads": 1}``."""
        with self._borrow() as p:
            fn = _lib.load().orl_encoder_config_json
            return json.loads(_lib.read_buffer(lambda b, n, o: fn(p, b, n, o),
                                               "orl_encoder_config_json"))

    def __repr__(self) -> str:
        if self.closed:
            return f"<offlinerl.Encoder {self.kind} closed>"
        return f"<offlinerl.Encoder {json.dumps(self.config())}>"


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
