"""Encoder registry: names → factories. No global instance; each Library owns one.

Built-in: ``mfcc`` and ``pretrained``. Trained models (stored in a library's catalog) are added
with :meth:`EncoderRegistry.add` by the training package, under their own names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is imported only when a model is actually built
    from core.encoders.base import Encoder

Factory = Callable[[Any], "Encoder"]


@dataclass(frozen=True, slots=True)
class EncoderInfo:
    name: str
    version: str
    description: str
    factory: Factory
    kind: str = "builtin"


#: What the app calls the built-in encoders (the CLI uses their names).
BUILTIN_LABELS = {"mfcc": "MFCC (fast)", "pretrained": "aiSFX CNN", "pretrained+mfcc": "aiSFX + MFCC"}
KIND_SUFFIX = {"trained": "trained", "imported": "imported"}
DEFAULT_MARK = " ★"  #: after the library's default model


class UnknownModel(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want a readable line
        return str(self.args[0])


class EncoderRegistry:
    def __init__(self) -> None:
        self._infos: dict[str, EncoderInfo] = {}
        self._instances: dict[tuple[str, str], Encoder] = {}

    def add(self, name: str, version: str, factory: Factory, description: str = "", kind: str = "builtin") -> None:
        """Register ``name``. ``version`` must equal the built encoder's ``version`` (it keys the cache)."""
        self._infos[name] = EncoderInfo(name, version, description, factory, kind)
        for key in [k for k in self._instances if k[0] == name]:
            del self._instances[key]

    def names(self) -> list[str]:
        return list(self._infos)

    def info(self, name: str) -> EncoderInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise UnknownModel(f"unknown model '{name}' (available: {', '.join(self._infos) or 'none'})") from None

    def label(self, name: str, default: str | None = None) -> str:
        """A readable name for menus: the built-ins in words, a trained or imported model's name with
        what it is (short enough for a narrow menu; the description is the tooltip); :data:`DEFAULT_MARK`
        after ``default`` (the model a new map of this library uses)."""
        kind = self.info(name).kind
        text = BUILTIN_LABELS.get(name) or (f"{name} ({KIND_SUFFIX[kind]})" if kind in KIND_SUFFIX else name)
        return f"{text}{DEFAULT_MARK}" if name == default else text

    def version(self, name: str) -> str:
        return self.info(name).version

    def get(self, name: str, device: Any = None) -> Encoder:
        """An encoder instance, created once per (name, device) and reused."""
        key = (name, str(device))
        if key not in self._instances:
            info = self.info(name)
            enc = info.factory(device)
            if enc.version != info.version:
                raise RuntimeError(f"model '{name}' was registered as version {info.version} but built {enc.version}")
            self._instances[key] = enc
        return self._instances[key]


def _mfcc(device: Any) -> Encoder:
    from core.encoders.mfcc import MfccEncoder

    return MfccEncoder(device)


def _pretrained(device: Any) -> Encoder:
    from core.encoders.pretrained import PretrainedEncoder

    return PretrainedEncoder(device)


#: versions of the built-in encoders (checked against the built model in :meth:`EncoderRegistry.get`)
MFCC_VERSION = "2"
PRETRAINED_VERSION = "aisfx-0.1.2+fast2"  # core.encoders.pretrained: the fast patch policy, bf16 where native


def builtin_registry() -> EncoderRegistry:
    reg = EncoderRegistry()
    reg.add("mfcc", MFCC_VERSION, _mfcc, "MFCC statistics (120-d): 20 MFCCs + Δ + ΔΔ, mean and std")
    reg.add("pretrained", PRETRAINED_VERSION, _pretrained, "aiSFX sound-effects CNN (512-d), pretrained on pro SFX libraries")
    return reg
