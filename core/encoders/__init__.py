"""Encoders: one interface (:class:`~core.encoders.base.Encoder`), a registry, and the built-in models.

Importing this package does not import torch; building a model does.
"""

from core.encoders.registry import EncoderRegistry, UnknownModel, builtin_registry

__all__ = ["EncoderRegistry", "UnknownModel", "builtin_registry"]
