"""The CLI's wrapper over the one job driver: a tqdm bar per stage (with ETA) on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from tqdm import tqdm

from core.jobs import Job, Progress, run_job

T = TypeVar("T")


def drive(job: Job[T], quiet: bool = False, postfix: Callable[[Progress], dict | None] | None = None) -> T:
    """Run ``job`` with :func:`core.jobs.run_job`, showing a progress bar per stage; return its result.

    ``postfix(progress)`` may return a dict shown after the bar (e.g. the loss terms); otherwise the
    progress message is. Ctrl-C closes the generator (its ``finally`` blocks run), then re-raises.
    """
    bars: dict[str, tqdm] = {}

    def show(p: Progress) -> None:
        bar = bars.get(p.stage)
        if bar is None:
            for old in bars.values():
                old.close()
            bars.clear()
            bar = bars[p.stage] = tqdm(total=p.total, desc=p.stage, unit="", file=sys.stderr, leave=False,
                                       dynamic_ncols=True)
        if p.total is not None and bar.total != p.total:
            bar.total = p.total
        bar.n = p.done
        extra = postfix(p) if postfix is not None else None
        if extra:
            bar.set_postfix(extra, refresh=False)
        elif p.message:
            bar.set_postfix_str(p.message[-40:], refresh=False)
        bar.refresh()

    try:
        return run_job(job, None if quiet else show)
    finally:
        for bar in bars.values():
            bar.close()
