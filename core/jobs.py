"""The progress/cancel protocol shared by every long-running job.

A long job is a generator that ``yield``\\s :class:`Progress` objects and ``return``\\s its result.
Each ``yield`` is both a progress point and a cancellation point: the consumer cancels by
simply not resuming the generator and calling ``close()`` on it (``GeneratorExit`` is raised
at the ``yield``), exactly like superqt's ``thread_worker``. Jobs must therefore keep their
persistent state consistent at every ``yield`` (commit before yielding).

The CLI drives these generators with a progress bar, the GUI with a worker thread; the
generator itself knows nothing of either.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


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
    """Drive a job generator to completion and return its result.

    ``on_progress`` sees every yielded :class:`Progress`; ``should_stop`` is polled at every
    yield and, when true, closes the generator and raises :class:`Cancelled`.
    """
    try:
        while True:
            p = next(job)
            if on_progress is not None:
                on_progress(p)
            if should_stop is not None and should_stop():
                job.close()
                raise Cancelled(p.stage)
    except StopIteration as stop:
        return stop.value
