"""Near-duplicates: exact copies, the same audio in another format, and near-identical sounds.

:func:`find_duplicates` is a job (:mod:`core.jobs`) over a scanned catalog:

1. **analyse** — one decoded-content fingerprint per distinct content hash
   (:mod:`core.finding.fingerprint`), cached in the catalog (``sound_analysis``), so a second run
   decodes only new or changed files;
2. **compare** — sounds whose trimmed durations are within ``min_overlap`` of each other and whose
   mean spectra are close (a cheap pre-filter) are compared frame by frame
   (:func:`~core.finding.fingerprint.frame_distance`); pairs within ``threshold_db`` are linked and
   the linked components are the groups. Files with the same content hash are always grouped.

Each group has a *reference* (the best copy: highest bit depth, then rate, lossless before lossy,
longest) and each other member a kind relative to it: ``exact`` (same bytes), ``same-audio`` (in
another format, bit depth or rate, with the same trimmed length, lead-in and level) or ``near``
(trimmed, gain-changed or slightly edited). The fingerprint is coarse (32 ms frames, 8 kHz), so an
edit it cannot see, such as a 30 ms fade-out, in another format is also called ``same-audio``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.maps.params import param_field
from core.catalog import Catalog, SoundRow
from core.catalog.analysis import SoundAnalysis, analyses, put_analyses
from core.finding.fingerprint import FP_RATE, FP_VERSION, analyse_file, frame_distance, summary
from core.jobs import Job, Progress

ANALYSE = "analyse"  #: decoding sounds for their fingerprints
COMPARE = "compare"  #: comparing fingerprints

KINDS = ("reference", "exact", "same-audio", "near")
SAME_LEVEL_DB = 0.5  # a re-encoding keeps the level within this
_LOSSY = {"OGG", "MP3", "MPEG", "OPUS"}
_BATCH = 32


@dataclass(frozen=True, slots=True)
class DuplicateParams:
    """How alike two sounds must be to count as duplicates (fields carry GUI/CLI metadata like
    :mod:`core.maps.params`: ``label``, ``help``, ``range``, ``step``)."""

    threshold_db: float = param_field(
        0.75, "Threshold (dB)", "near-identical when their spectrograms differ by at most this many dB on average "
        "(silence trimmed, gain change removed, the 20 % most different cells ignored)", 0.0, 20.0, 0.25)
    min_overlap: float = param_field(
        0.9, "Minimum overlap", "the shorter sound must last at least this fraction of the longer", 0.5, 1.0, 0.01)
    max_lag: int = param_field(2, "", "frames (32 ms) of misalignment searched", 0, 20, 1)

    def __post_init__(self) -> None:
        for name in ("threshold_db", "min_overlap", "max_lag"):
            lo, hi = DuplicateParams.__dataclass_fields__[name].metadata["range"]
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")


@dataclass(slots=True)
class DuplicateMember:
    sound_id: int
    relpath: str
    kind: str  # one of KINDS
    distance_db: float  # to the group's reference (0 for the reference and exact copies)


@dataclass(slots=True)
class DuplicateGroup:
    number: int  # 1, 2, … in the order shown
    members: list[DuplicateMember]  # the reference first

    @property
    def kind(self) -> str:
        """The loosest kind in the group: ``exact`` < ``same-audio`` < ``near``."""
        kinds = {m.kind for m in self.members[1:]}
        return next((k for k in ("near", "same-audio", "exact") if k in kinds), "exact")

    @property
    def reference(self) -> DuplicateMember:
        return self.members[0]


@dataclass(slots=True)
class DuplicateReport:
    groups: list[DuplicateGroup]
    params: DuplicateParams
    sounds: int = 0  # sounds considered
    analysed: int = 0  # files decoded in this run (the others were cached)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        n = sum(len(g.members) for g in self.groups)
        return (f"{len(self.groups)} groups of duplicates ({n} sounds) among {self.sounds} sounds "
                f"at threshold {self.params.threshold_db:g} dB ({self.seconds:.1f} s)")


def find_duplicates(catalog: Catalog, params: DuplicateParams | None = None) -> Job[DuplicateReport]:
    """Job: group the catalog's usable sounds into duplicates (run a scan first)."""
    params = params or DuplicateParams()
    t0 = time.monotonic()
    rows = [r for r in catalog.sounds() if r.hash]
    report = DuplicateReport([], params, sounds=len(rows))
    by_hash = _by_hash(rows)
    fps, report.analysed, report.failed = yield from analyse_sounds(catalog, rows)
    links = yield from _compare(fps, params)
    report.groups = _groups(by_hash, fps, links, params)
    report.seconds = time.monotonic() - t0
    return report


def _by_hash(rows: list[SoundRow]) -> dict[str, list[SoundRow]]:
    by_hash: dict[str, list[SoundRow]] = defaultdict(list)
    for r in rows:
        if r.hash:
            by_hash[r.hash].append(r)
    return by_hash


def analyse_sounds(catalog: Catalog, rows: list[SoundRow] | None = None
                   ) -> Job[tuple[dict[str, SoundAnalysis], int, list[tuple[str, str]]]]:
    """Job: make sure every sound (of ``rows``, default all usable ones) has a stored analysis —
    fingerprint and loop flag — decoding one file per content hash that has none yet.

    Returns ``({hash: analysis}, files decoded, [(relpath, error)])``. The filters' loop flags come
    from here (:func:`core.catalog.analysis.loop_flags`).
    """
    by_hash = _by_hash(catalog.sounds() if rows is None else rows)
    failed: list[tuple[str, str]] = []
    decoded = 0
    cached = analyses(catalog, FP_VERSION)
    fps: dict[str, SoundAnalysis] = {}
    for h, members in by_hash.items():
        hit = next((cached[m.id] for m in members if m.id in cached), None)
        if hit is not None:
            fps[h] = hit
    todo = [h for h in by_hash if h not in fps]
    pending: list[tuple[int, SoundAnalysis]] = []
    for done, h in enumerate(todo):
        if done % _BATCH == 0:
            if pending:
                put_analyses(catalog, pending)
                pending.clear()
            yield Progress(stage=ANALYSE, done=done, total=len(todo))
        row = by_hash[h][0]
        try:
            a = analyse_file(catalog.abspath(row), h)
        except Exception as exc:  # a file that fails to decode is reported, never fatal
            failed.append((row.relpath, " ".join(str(exc).split())))
            continue
        fps[h] = a
        decoded += 1
        pending += [(m.id, a) for m in by_hash[h] if m.id not in cached]
    if pending:
        put_analyses(catalog, pending)
    yield Progress(stage=ANALYSE, done=len(todo), total=len(todo))
    return fps, decoded, failed


def _compare(fps: dict[str, SoundAnalysis], params: DuplicateParams) -> Job[dict[str, dict[str, float]]]:
    """Links ``{hash: {hash: distance_db}}`` between fingerprints within the threshold."""
    items = sorted((a.duration, h) for h, a in fps.items() if len(a.frames))
    hashes = [h for _, h in items]
    durs = np.array([d for d, _ in items], dtype=np.float64)
    summ = np.stack([summary(fps[h].frames) for h in hashes]) if hashes else np.zeros((0, 1), np.float32)
    links: dict[str, dict[str, float]] = defaultdict(dict)
    pre = 3.0 * params.threshold_db + 2.0  # generous: the pre-filter must never drop a true pair
    for i, h in enumerate(hashes):
        if i % 200 == 0:
            yield Progress(stage=COMPARE, done=i, total=len(hashes))
        stop = int(np.searchsorted(durs, durs[i] / params.min_overlap, side="right"))
        if stop <= i + 1:
            continue
        d = summ[i + 1 : stop] - summ[i]
        close = np.flatnonzero(np.mean(np.abs(d - np.median(d, axis=1, keepdims=True)), axis=1) <= pre)
        for j in close + i + 1:
            g = hashes[j]
            dist, overlap = frame_distance(fps[h].frames, fps[g].frames, params.max_lag)
            if dist <= params.threshold_db and overlap >= params.min_overlap:
                links[h][g] = links[g][h] = dist
    yield Progress(stage=COMPARE, done=len(hashes), total=len(hashes))
    return links


def _quality(row: SoundRow, a: SoundAnalysis | None) -> tuple:
    lossless = (row.format or "").upper() not in _LOSSY
    return (lossless, row.bit_depth or 0, row.sample_rate or 0, a.duration if a else 0.0, -row.id)


def _groups(by_hash: dict[str, list[SoundRow]], fps: dict[str, SoundAnalysis],
            links: dict[str, dict[str, float]], params: DuplicateParams) -> list[DuplicateGroup]:
    seen: set[str] = set()
    groups: list[DuplicateGroup] = []
    for h in sorted(by_hash, key=lambda h: min(r.relpath for r in by_hash[h])):
        if h in seen:
            continue
        comp, stack = [], [h]
        seen.add(h)
        while stack:  # the linked component of h
            x = stack.pop()
            comp.append(x)
            for y in links.get(x, ()):
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        rows = [r for x in comp for r in by_hash[x]]
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: _quality(r, fps.get(r.hash)), reverse=True)
        ref = rows[0]
        members = [DuplicateMember(ref.id, ref.relpath, "reference", 0.0)]
        members += [_member(r, ref, fps, params) for r in rows[1:]]
        groups.append(DuplicateGroup(len(groups) + 1, members))
    return groups


def _member(row: SoundRow, ref: SoundRow, fps: dict[str, SoundAnalysis], params: DuplicateParams) -> DuplicateMember:
    if row.hash == ref.hash:
        return DuplicateMember(row.id, row.relpath, "exact", 0.0)
    a, b = fps.get(row.hash), fps.get(ref.hash)
    if a is None or b is None:
        return DuplicateMember(row.id, row.relpath, "near", float("inf"))
    dist, _ = frame_distance(a.frames, b.frames, params.max_lag)
    tol = 0.005 + 2.0 / FP_RATE  # 5 ms, and a sample of resampling at either end
    encoding = (row.format, row.bit_depth, row.sample_rate) != (ref.format, ref.bit_depth, ref.sample_rate)
    same = (encoding and abs(a.duration - b.duration) <= tol and abs(a.lead - b.lead) <= tol
            and abs(a.level_db - b.level_db) <= SAME_LEVEL_DB)
    return DuplicateMember(row.id, row.relpath, "same-audio" if same else "near", dist)


def write_duplicates_csv(report: DuplicateReport, root: Path, path: Path) -> Path:
    """The report as CSV: ``group,path,kind,distance_db``, one row per sound in a group (atomic)."""
    import csv

    from core.export.writers import atomic_write

    with atomic_write(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["group", "path", "kind", "distance_db"])
        for g in report.groups:
            for m in g.members:
                w.writerow([g.number, str(Path(root) / m.relpath), m.kind,
                            "" if not np.isfinite(m.distance_db) else f"{m.distance_db:.2f}"])
    return Path(path)
