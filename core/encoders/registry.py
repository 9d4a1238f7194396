"""Encoder registry: names → factories. No global instance; each Library owns one.

Built-in: ``mfcc`` and ``pretrained``. Trained models (stored in a library's catalog) are added
with :meth:`EncoderRegistry.add` by the training package, under their own names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from core.encoders.base import Encoder

Factory = Callable[[torch.device | str | None], Encoder]


@dataclass(frozen=True, slots=True)
class EncoderInfo:
    name: str
    description: str
    factory: Factory
    kind: str = "builtin"


class UnknownModel(KeyError):
    def __str__(self) -> str:  # KeyError quotes its message; we want a readable line
        return str(self.args[0])


class EncoderRegistry:
    def __init__(self) -> None:
        self._infos: dict[str, EncoderInfo] = {}
        self._instances: dict[tuple[str, str], Encoder] = {}

    def add(self, name: str, factory: Factory, description: str = "", kind: str = "builtin") -> None:
        self._infos[name] = EncoderInfo(name, description, factory, kind)
        for key in [k for k in self._instances if k[0] == name]:
            del self._instances[key]

    def names(self) -> list[str]:
        return list(self._infos)

    def info(self, name: str) -> EncoderInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise UnknownModel(f"unknown model '{name}' (available: {', '.join(self._infos) or 'none'})") from None

    def get(self, name: str, device: torch.device | str | None = None) -> Encoder:
        """An encoder instance, created once per (name, device) and reused."""
        key = (name, str(device))
        if key not in self._instances:
            self._instances[key] = self.info(name).factory(device)
        return self._instances[key]


def builtin_registry() -> EncoderRegistry:
    from core.encoders.mfcc import MfccEncoder
    from core.encoders.pretrained import PretrainedEncoder

    reg = EncoderRegistry()
    reg.add("mfcc", MfccEncoder, "MFCC statistics (120-d): 20 MFCCs + Δ + ΔΔ, mean and std")
    reg.add("pretrained", PretrainedEncoder, "aiSFX sound-effects CNN (512-d), pretrained on pro SFX libraries")
    return reg
