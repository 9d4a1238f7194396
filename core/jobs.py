"""The progress/cancel protocol shared by every long-running job.

A long job is a generator that ``yield``\\s :class:`Progress` objects and ``return``\\s its result.
Each ``yield`` is both a progress point and a cancellation point: the consumer cancels by
simply not resuming the generator and calling ``close()`` on it (``GeneratorExit`` is raised
at the ``yield``), exactly like superqt's ``thread_worker``. Jobs must therefore keep their
persistent state consistent at every ``yield`` (commit before yielding).

:func:`run_job` is the one driver. The CLI's progress bar (:func:`core.cli.progress.drive`) and
the GUI's worker threads (``desktop_app.controllers.jobs.JobManager``) are thin wrappers over it;
the generator itself knows nothing of either.

Stages are the constants below (``Progress.stage``); a consumer that shows a stage looks it up
rather than guessing from free text. A stage may carry a detail after a space (``"embed mfcc"``):
:func:`stage_of` gives the constant.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# -- stages ---------------------------------------------------------------------------------------
SCAN = "scan"  #: walking the folder, reading new and changed files
EMBED = "embed"  #: computing vectors ("embed <model>"); ``partial`` is an EmbedBatch of new vectors
KNN = "umap-graph"  #: the neighbour graph of a UMAP map
UMAP = "umap"  #: UMAP optimisation; ``partial`` is the current layout float32 [N, 2]
PCA = "pca"
TSNE = "tsne"
PLACE = "place new sounds"  #: new sounds placed into an existing map
CLUSTER = "cluster"
TAGS = "tags"  #: building the tag vocabulary
FEATURES = "features"  #: the training feature cache
PREPARE = "prepare"
TRAIN = "train"  #: training steps; ``partial`` is a dict of loss terms
SAVE = "save"
VERDICT = "verdict"
EVALUATE = "evaluate"
LOAD = "load"  #: reading results from the catalog (on a worker, never the GUI thread)
TIMELAPSE = "timelapse"  #: the training timelapse's maps, one per epoch


def stage_of(stage: str) -> str:
    """The stage constant of a progress stage (its first word: ``"embed mfcc"`` → ``"embed"``)."""
    return stage if stage in _STAGES else stage.partition(" ")[0]


@dataclass(slots=True)
class Progress:
    """One progress report.

    ``done``/``total`` count units of work (files, batches, epochs); ``total`` may be ``None``
    when unknown. ``partial`` optionally carries a partial result for live display (e.g. the
    current UMAP layout, or the ids/vectors embedded so far).
    """

    stage: str
    done: int = 0
    total: int | None = None
    message: str = ""
    partial: Any = None
    started: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def eta_seconds(self, now: float | None = None) -> float | None:
        """Linear ETA from the stage start time; ``None`` before any work is done."""
        frac = self.fraction
        if not frac:
            return None
        elapsed = (now or time.monotonic()) - self.started
        return elapsed * (1.0 - frac) / frac


Job = Generator[Progress, None, T]


class Cancelled(Exception):
    """Raised by :func:`run_job` when ``should_stop`` asks a job to stop."""


def run_job(
    job: Job[T],
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> T:
    """Drive a job generator to completion and return its result: the one driver.

    ``should_stop`` is polled before each step and at every yield; when true, the generator is
    closed (its ``finally`` blocks run) and :class:`Cancelled` is raised. ``on_progress`` sees every
    yielded :class:`Progress`. Any exception (Ctrl-C included) closes the generator and propagates.
    """
    try:
        while True:
            if should_stop is not None and should_stop():
                job.close()
                raise Cancelled("stopped")
            p = next(job)
            if on_progress is not None:
                on_progress(p)
    except StopIteration as stop:
        return stop.value
    except BaseException:
        job.close()
        raise


_STAGES = frozenset({SCAN, EMBED, KNN, UMAP, PCA, TSNE, PLACE, CLUSTER, TAGS, FEATURES, PREPARE, TRAIN, SAVE,
                     VERDICT, EVALUATE, LOAD, TIMELAPSE})
