"""Filters over the sounds of a library: favourites, rating, collection, duration, loop or one-shot.

:class:`SoundFilter` says what to keep; :class:`FilterData` is what the filter reads from the
catalog (marks, collections, loop flags), loaded once with :meth:`FilterData.load` — on a worker,
like every catalog read — and then applied as often as the controls change, without SQL.

Loop flags come from the per-sound analysis (:func:`core.finding.duplicates.analyse_sounds`; the
heuristic is :func:`core.finding.fingerprint.is_loop`). A sound not analysed yet is neither a loop
nor a one-shot: a loop/one-shot filter leaves it out until the analysis has run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.catalog import Catalog

KINDS = ("loop", "one-shot")


@dataclass(frozen=True, slots=True)
class SoundFilter:
    """What to keep; the defaults keep everything."""

    favourites_only: bool = False
    min_rating: int = 0  # 0 = any
    collection: int | None = None  # a collection id
    min_duration: float | None = None  # seconds
    max_duration: float | None = None
    kind: str | None = None  # 'loop', 'one-shot' or None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind is one of {', '.join(KINDS)}, not '{self.kind}'")
        if not 0 <= self.min_rating <= 5:
            raise ValueError(f"min_rating is 0 to 5, not {self.min_rating}")

    @property
    def active(self) -> bool:
        return self != SoundFilter()


@dataclass(slots=True)
class FilterData:
    favourites: set[int] = field(default_factory=set)
    ratings: dict[int, int] = field(default_factory=dict)
    collections: dict[int, set[int]] = field(default_factory=dict)  # collection id → sound ids
    loops: dict[int, bool] = field(default_factory=dict)  # sound id → is a loop (analysed sounds only)

    @classmethod
    def load(cls, catalog: Catalog) -> FilterData:
        from core.catalog.analysis import loop_flags
        from core.catalog.marks import MarkStore
        from core.finding.fingerprint import FP_VERSION

        marks = MarkStore(catalog)
        return cls(marks.favourites(), marks.ratings(),
                   {c.id: set(marks.members(c.id)) for c in marks.collections()}, loop_flags(catalog, FP_VERSION))


def keep(sound: Any, flt: SoundFilter, data: FilterData) -> bool:
    """Whether one sound (with ``id`` and ``duration``: a catalog row) passes the filter."""
    sid = int(sound.id)
    if flt.favourites_only and sid not in data.favourites:
        return False
    if flt.min_rating and data.ratings.get(sid, 0) < flt.min_rating:
        return False
    if flt.collection is not None and sid not in data.collections.get(flt.collection, ()):
        return False
    dur = sound.duration
    if flt.min_duration is not None and (dur is None or dur < flt.min_duration):
        return False
    if flt.max_duration is not None and (dur is None or dur > flt.max_duration):
        return False
    if flt.kind is not None:
        loop = data.loops.get(sid)
        if loop is None or loop != (flt.kind == "loop"):
            return False
    return True


def filter_sounds(sounds: Iterable[Any], flt: SoundFilter, data: FilterData) -> list[int]:
    """The ids of the sounds that pass, in the given order."""
    return [int(s.id) for s in sounds if keep(s, flt, data)]


def filter_mask(ids: np.ndarray, sounds: Sequence[Any], flt: SoundFilter, data: FilterData) -> np.ndarray:
    """bool ``[N]``: which of the map's points ``ids`` int64 ``[N]`` pass (for dimming the others)."""
    by_id = {int(s.id): s for s in sounds}
    return np.array([int(i) in by_id and keep(by_id[int(i)], flt, data) for i in ids], dtype=bool)
