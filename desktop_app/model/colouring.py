"""Colour-by beyond clusterings (Qt-free): groupings by folder, tag and sound type, and continuous
colourings (map faithfulness, acoustic descriptors) quantised into bins.

Continuous values become ``SCALE_BINS`` labels (bin ``b`` covers ``[lo + b·w, lo + (b+1)·w)``),
so the point cloud keeps colouring by groups; :class:`ColourScale` tells the legend how to draw
them as a colour bar. Rows without a value get ``-1`` (grey, like noise).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.maps.labels import group_labels

__all__ = [
    "CONTINUOUS_MODES",
    "DESCRIPTOR_AXES",
    "DESCRIPTOR_MODES",
    "GROUPING_MODES",
    "SCALE_BINS",
    "TOP_TAGS",
    "ColourScale",
    "descriptor_axis",
    "descriptor_colouring",
    "descriptor_xy",
    "grouping",
    "quantise",
    "scale_for_descriptor",
    "sound_type",
    "tag_counts",
    "value_range",
]

SCALE_BINS = 32
TOP_TAGS = 12  #: "Tag" without a chosen tag: the most common tags, each its own colour
DESCRIPTOR_AXES: tuple[str, ...] = ("brightness", "loudness", "duration", "pitch")
DESCRIPTOR_MODES: tuple[str, ...] = tuple(f"descriptor:{a}" for a in DESCRIPTOR_AXES)
CONTINUOUS_MODES: tuple[str, ...] = ("faithfulness", *DESCRIPTOR_MODES)
GROUPING_MODES: tuple[str, ...] = ("folder", "tag", "type")

#: descriptor axis → (unit, colour map, how values are formatted)
_AXIS_STYLE = {"brightness": ("Hz", "{:.0f}"), "loudness": ("dBFS", "{:.1f}"), "duration": ("s", "{:.2f}"),
               "pitch": ("MIDI", "{:.0f}")}


@dataclass(frozen=True, slots=True)
class ColourScale:
    """A continuous colouring: ``title`` (what the colour means), the value range, a caption line
    (e.g. the map's trustworthiness and continuity), the unit and the colour map's name."""

    title: str
    lo: float
    hi: float
    caption: str = ""
    unit: str = ""
    cmap: str = "viridis"
    bins: int = SCALE_BINS
    fmt: str = "{:.2f}"
    log: bool = False  # the values are log10 of the quantity (ticks show the quantity)

    def value(self, b: float) -> float:
        """The value at bin position ``b`` (0 = ``lo``, ``bins`` = ``hi``)."""
        return self.lo + (self.hi - self.lo) * float(b) / self.bins

    def text(self, v: float) -> str:
        return self.fmt.format(10.0 ** v if self.log else v) + (f" {self.unit}" if self.unit else "")

    def bin_name(self, b: int) -> str:
        lo = self.value(b)
        return f"{self.fmt.format(10.0 ** lo if self.log else lo)}–{self.text(self.value(b + 1))}"


def value_range(values: np.ndarray, robust: bool = True) -> tuple[float, float]:
    """(lo, hi) of the finite values; with ``robust`` the 2nd and 98th percentiles (one outlier
    does not flatten the colours). Never an empty range."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return 0.0, 1.0
    lo, hi = (np.percentile(v, [2, 98]) if robust else (v.min(), v.max()))
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def quantise(values: np.ndarray, lo: float, hi: float, bins: int = SCALE_BINS) -> np.ndarray:
    """Bin index int64 ``[N]`` in ``[0, bins)`` (values outside ``[lo, hi]`` go to the end bins);
    ``-1`` for non-finite values."""
    v = np.asarray(values, np.float64)
    out = np.full(v.shape, -1, dtype=np.int64)
    ok = np.isfinite(v)
    width = (hi - lo) / bins if hi > lo else 1.0
    out[ok] = np.clip(np.floor((v[ok] - lo) / width), 0, bins - 1).astype(np.int64)
    return out


def descriptor_axis(mode: str) -> str:
    """``"descriptor:brightness"`` → ``"brightness"``."""
    return mode.split(":", 1)[1]


#: axes coloured on a log scale (perceived brightness follows frequency ratios)
LOG_AXES = frozenset({"brightness"})


def descriptor_colouring(axis: str, values: np.ndarray) -> tuple[np.ndarray, ColourScale]:
    """The values to colour by (log10 for :data:`LOG_AXES`; non-positive → no value) and their scale."""
    unit, fmt = _AXIS_STYLE.get(axis, ("", "{:.2f}"))
    v = np.asarray(values, np.float64)
    log = axis in LOG_AXES
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
    lo, hi = value_range(v)
    n = int(np.isfinite(v).sum())
    note = f"{n} sounds · 2nd–98th percentile" + (" · log scale" if log else "")
    return v, ColourScale(axis.capitalize(), lo, hi, note, unit, "viridis", fmt=fmt, log=log)


def scale_for_descriptor(axis: str, values: np.ndarray) -> ColourScale:
    return descriptor_colouring(axis, values)[1]


# ----------------------------------------------------------------------------- groupings
_TOKEN = re.compile(r"[^a-z]+")


def sound_type(info: Any, taxonomy: Any = None) -> str | None:
    """The type of a sound (kick, snare, pad, door…) from its tags through the sound taxonomy
    (:func:`core.audio.taxonomy.sound_type`; pass ``taxonomy`` when typing many sounds), or None when no
    tag is in it."""
    if info is None:
        return None
    from core.audio.taxonomy import sound_type as taxonomy_type

    return taxonomy_type(list(info.tags), taxonomy)


def tag_counts(infos: Sequence[Any]) -> list[tuple[str, int]]:
    """Every tag with how many sounds carry it, most common first (ties by name)."""
    c = Counter(t for s in infos if s is not None for t in set(s.tags))
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


def _tag_keys(infos: Sequence[Any], tag: str | None) -> tuple[np.ndarray, dict[int, str]]:
    if tag:  # one tag: the sounds that carry it against the rest (grey)
        keys = [f"tagged '{tag}'" if s is not None and tag in s.tags else None for s in infos]
        return group_labels(keys)
    top = [t for t, _ in tag_counts(infos)[:TOP_TAGS]]
    rank = {t: i for i, t in enumerate(top)}
    keys = []
    for s in infos:  # each sound: its most common tag among the top ones; others are grey
        best = min((rank[t] for t in (s.tags if s is not None else ()) if t in rank), default=None)
        keys.append(None if best is None else top[best])
    return group_labels(keys)


def grouping(mode: str, infos: Sequence[Any], tag: str | None = None) -> tuple[np.ndarray, dict[int, str]]:
    """Labels int64 ``[N]`` and names for a grouping mode (``folder``, ``tag``, ``type``)."""
    if mode == "folder":
        return group_labels([(s.folder or "(top level)") if s else None for s in infos])
    if mode == "tag":
        return _tag_keys(infos, tag)
    if mode == "type":
        from core.audio.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()  # once: it checks its files for changes
        return group_labels([sound_type(s, taxonomy) for s in infos])
    raise ValueError(f"{mode!r} is not a grouping")


def descriptor_xy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A CataRT-style layout: float32 ``[N, 2]`` with x and y each scaled so that its 2nd–98th
    percentile spans ``[0, 1]`` (clipped to ``[-0.05, 1.05]``); rows without a value go to
    ``(-0.1, -0.1)``, the corner below the origin."""
    cols = []
    for v in (x, y):
        v = np.asarray(v, np.float64)
        lo, hi = value_range(v)
        s = np.clip((v - lo) / (hi - lo), -0.05, 1.05)
        cols.append(np.where(np.isfinite(s), s, -0.1))
    return np.stack(cols, axis=1).astype(np.float32)
