"""Learning an embedding from the user's own collection: triplet loss, COALA and E-C.

Use::

    from core.training.config import TrainConfig
    from core.training.loop import train_job
    result = run_job(train_job(library, TrainConfig(method="triplet", samplers={"noise": 1, "tags": 1})))

Modules: :mod:`~core.training.config` (settings), :mod:`~core.training.vocabulary` (weak labels from
tags), :mod:`~core.training.feature_cache` (memory-mapped log-mel frames),
:mod:`~core.training.samplers` (triplet sampling strategies), :mod:`~core.training.models`,
:mod:`~core.training.losses`, :mod:`~core.training.steps`, :mod:`~core.training.loop` (the job),
:mod:`~core.training.checkpoint`, :mod:`~core.training.registration` (trained models become encoders,
:mod:`core.encoders.trained`), :mod:`~core.training.verdict` (held-out comparison with the reference).
Importing this package, or its ``config``, does not import torch.
"""
