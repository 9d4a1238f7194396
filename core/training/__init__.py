"""Learning an embedding from the user's own collection: triplet loss and COALA.

Public API::

    from core.training import TrainConfig, train_job, TrainResult
    result = run_job(train_job(library, TrainConfig(method="triplet", samplers={"noise": 1, "tags": 1})))

Modules: :mod:`~core.training.config` (settings), :mod:`~core.training.vocabulary` (weak labels from
tags), :mod:`~core.training.feature_cache` (memory-mapped log-mel frames),
:mod:`~core.training.samplers` (triplet sampling strategies), :mod:`~core.training.models`,
:mod:`~core.training.losses`, :mod:`~core.training.steps`, :mod:`~core.training.loop` (the job),
:mod:`~core.training.checkpoint`, :mod:`~core.encoders.trained` (trained models as encoders),
:mod:`~core.training.verdict` (held-out comparison with the starting encoder).
"""

from typing import Any

__all__ = ["SAMPLERS", "TrainConfig", "TrainResult", "parse_samplers", "train_job"]


def __getattr__(name: str) -> Any:
    """Lazy exports: importing ``core.training.config`` (the CLI parser does) must not import torch."""
    if name in ("SAMPLERS", "TrainConfig", "parse_samplers"):
        from core.training import config

        return getattr(config, name)
    if name in ("TrainResult", "train_job"):
        from core.training import loop

        return getattr(loop, name)
    raise AttributeError(f"module 'core.training' has no attribute {name!r}")
