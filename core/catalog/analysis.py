"""Per-sound analysis kept in the catalog: the decoded-content fingerprint used to find
near-duplicates, and the loop flag used by the filters (computed in :mod:`core.finding.fingerprint`).

A row is valid while the sound's content hash and the fingerprint version are unchanged; a changed
file simply gets a new row. Rows go with their sound (``ON DELETE CASCADE``).
``frames`` is uint8 ``[n_frames, n_bands]``: dB below the sound's loudest cell, quantised
(see :data:`core.finding.fingerprint.DB_STEP`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.catalog.db import Catalog


@dataclass(slots=True)
class SoundAnalysis:
    """What one decode of a sound tells: trimmed duration, leading silence, level, loop flag, frames."""

    version: str
    hash: str
    duration: float  # seconds, silence trimmed
    lead: float  # seconds of leading silence trimmed
    level_db: float  # RMS level of the trimmed sound, dBFS
    loop: bool
    frames: np.ndarray  # uint8 [n_frames, n_bands]


def put_analyses(catalog: Catalog, items: Sequence[tuple[int, SoundAnalysis]]) -> None:
    """Store ``(sound_id, analysis)`` items in one transaction (sounds that vanished are skipped)."""
    rows = []
    for sid, a in items:
        f = np.ascontiguousarray(a.frames, dtype=np.uint8)
        if f.ndim != 2 or not 0 < f.shape[1] < 256:
            raise ValueError(f"analysis frames of sound {sid} must be [n, 1..255], got shape {f.shape}")
        rows.append((int(sid), a.version, a.hash, float(a.duration), float(a.lead), float(a.level_db),
                     int(bool(a.loop)), int(f.shape[0]), _with_bands(f.tobytes(), f.shape[1]), int(sid)))
    with catalog.transaction() as c:
        c.executemany(
            "INSERT OR REPLACE INTO sound_analysis(sound_id, version, hash, duration, lead, level_db, loop, "
            "n_frames, frames) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sounds WHERE id = ?)",
            rows)


def _with_bands(frames: bytes, n_bands: int) -> bytes:
    """The blob: one byte with the band count, then the frames (so a row knows its own shape)."""
    return bytes([n_bands]) + frames


def analyses(catalog: Catalog, version: str) -> dict[int, SoundAnalysis]:
    """``{sound_id: analysis}`` of the sounds analysed with ``version`` whose content is unchanged."""
    rows = catalog._all(
        "SELECT a.sound_id, a.version, a.hash, a.duration, a.lead, a.level_db, a.loop, a.n_frames, a.frames "
        "FROM sound_analysis a JOIN sounds s ON s.id = a.sound_id "
        "WHERE a.version = ? AND a.hash = s.hash AND s.error IS NULL", (version,))
    out: dict[int, SoundAnalysis] = {}
    for sid, ver, hsh, dur, lead, level, loop, n, blob in rows:
        bands = blob[0]
        frames = np.frombuffer(blob, dtype=np.uint8, offset=1).reshape(int(n), bands).copy()
        out[int(sid)] = SoundAnalysis(ver, hsh, float(dur), float(lead), float(level), bool(loop), frames)
    return out


def loop_flags(catalog: Catalog, version: str) -> dict[int, bool]:
    """``{sound_id: is_loop}`` of the analysed sounds (a cheap read: no frames)."""
    rows = catalog._all(
        "SELECT a.sound_id, a.loop FROM sound_analysis a JOIN sounds s ON s.id = a.sound_id "
        "WHERE a.version = ? AND a.hash = s.hash", (version,))
    return {int(sid): bool(loop) for sid, loop in rows}
