"""Drive a job generator from the terminal: one tqdm bar per stage (with ETA) on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from tqdm import tqdm

from core.jobs import Job, Progress

T = TypeVar("T")


def drive(job: Job[T], quiet: bool = False, postfix: Callable[[Progress], dict | None] | None = None) -> T:
    """Run ``job`` to completion, showing a progress bar per stage; return its result.

    ``postfix(progress)`` may return a dict shown after the bar (e.g. the loss terms); otherwise the
    progress message is. Ctrl-C closes the generator (its ``finally`` blocks run), then re-raises.
    """
    bar: tqdm | None = None
    stage: str | None = None
    try:
        while True:
            p: Progress = next(job)
            if quiet:
                continue
            if p.stage != stage:
                if bar is not None:
                    bar.close()
                stage = p.stage
                bar = tqdm(total=p.total, desc=p.stage, unit="", file=sys.stderr, leave=False, dynamic_ncols=True)
            assert bar is not None
            if p.total is not None and bar.total != p.total:
                bar.total = p.total
            bar.n = p.done
            extra = postfix(p) if postfix is not None else None
            if extra:
                bar.set_postfix(extra, refresh=False)
            elif p.message:
                bar.set_postfix_str(p.message[-40:], refresh=False)
            bar.refresh()
    except StopIteration as stop:
        return stop.value
    except BaseException:
        job.close()
        raise
    finally:
        if bar is not None:
            bar.close()
