"""Encoders: one interface (:class:`Encoder`), a registry, and the built-in models."""

from core.encoders.base import Encoder, l2_normalise, pool
from core.encoders.registry import EncoderRegistry, UnknownModel, builtin_registry

__all__ = ["Encoder", "EncoderRegistry", "UnknownModel", "builtin_registry", "l2_normalise", "pool"]
