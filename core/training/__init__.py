"""Learning an embedding from the user's own collection: triplet loss and COALA.

Public API::

    from core.training import TrainConfig, train_job, TrainResult
    result = run_job(train_job(library, TrainConfig(method="triplet", samplers={"noise": 1, "tags": 1})))

Modules: :mod:`~core.training.config` (settings), :mod:`~core.training.vocabulary` (weak labels from
tags), :mod:`~core.training.feature_cache` (memory-mapped log-mel frames),
:mod:`~core.training.samplers` (triplet sampling strategies), :mod:`~core.training.models`,
:mod:`~core.training.losses`, :mod:`~core.training.steps`, :mod:`~core.training.loop` (the job),
:mod:`~core.training.checkpoint`, :mod:`~core.training.registry` (trained models as encoders),
:mod:`~core.training.verdict` (held-out comparison with the starting encoder).
"""

from core.training.config import SAMPLERS, TrainConfig, parse_samplers
from core.training.loop import TrainResult, train_job

__all__ = ["SAMPLERS", "TrainConfig", "TrainResult", "parse_samplers", "train_job"]
