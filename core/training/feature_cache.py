"""A disk cache of log-mel frames per front end, streamed (memory-mapped float16) during training.

Layout, under ``cache_dir()/features/<front-end digest>/``:

- ``frames.f16``: raw little-endian float16 rows of ``n_mels`` values, i.e. ``[T_total, n_mels]``
  (time first so that one sound's frames are contiguous); only ever appended to;
- ``index.json``: ``{content key: [[file_offset_frames, first_row, n_frames], ...]}``, one entry per
  segment of a sound, replaced atomically (temp file + ``os.replace``) after its rows are on disk;
- ``lock``: an advisory lock (``fcntl``) serialising writers (two processes may build at once).

Content keys are the catalog's content hash (so moved or renamed files reuse their frames). A sound
longer than ``max_seconds`` is stored as evenly spaced 10 s segments totalling about
``max_seconds``, which bounds the cache whatever the file lengths. A writer killed mid-append leaves
unreferenced bytes at the end of ``frames.f16``, never a dangling index entry.

Training never loads the library into RAM: :class:`FrameStore` memory-maps ``frames.f16`` and cuts
random 96-frame crops (:meth:`FrameStore.crop`) on the fly.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.audio import decode as audio
from core.audio.features import MelConfig, MelFrontend
from core.paths import cache_dir
from core.jobs import Job, Progress

SEGMENT_SECONDS = 10.0
INDEX_NAME = "index.json"
FRAMES_NAME = "frames.f16"


def sound_key(row) -> str:
    """Cache key of a catalog :class:`~core.catalog.rows.SoundRow`: its content hash when known."""
    if getattr(row, "hash", None):
        return str(row.hash)
    return f"{row.relpath}|{row.size}|{row.mtime_ns}"


def segment_offsets(duration: float, max_seconds: float) -> list[tuple[float, float | None]]:
    """``(offset_s, seconds | None)`` windows to decode for a sound of ``duration`` seconds."""
    if duration <= max_seconds:
        return [(0.0, None)]
    k = max(1, int(round(max_seconds / SEGMENT_SECONDS)))
    span = duration - SEGMENT_SECONDS
    return [(span * i / max(k - 1, 1), SEGMENT_SECONDS) for i in range(k)]


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        except ImportError:  # Windows: single writer assumed
            pass
        yield


@dataclass(slots=True)
class BuildReport:
    added: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] | None = None


class FeatureCache:
    """The frame cache of one front end (``mel``) and one ``max_seconds`` setting."""

    def __init__(self, mel: MelConfig, root: Path | None = None, max_seconds: float = 60.0) -> None:
        self.mel = mel
        self.max_seconds = float(max_seconds)
        digest = hashlib.sha1(f"{mel.key()}|max={self.max_seconds}".encode()).hexdigest()[:16]
        self.dir = (root or cache_dir() / "features") / digest
        self.frames_path = self.dir / FRAMES_NAME
        self.index_path = self.dir / INDEX_NAME
        self.row_bytes = mel.n_mels * 2
        self._fe: MelFrontend | None = None

    def _frontend(self) -> MelFrontend:
        if self._fe is None:
            self._fe = MelFrontend(self.mel, "cpu")
        return self._fe

    def index(self) -> dict[str, list[list[int]]]:
        try:
            return json.loads(self.index_path.read_text())
        except FileNotFoundError:
            return {}
        except (ValueError, OSError):  # a damaged index: rebuild from scratch
            return {}

    def missing(self, rows: Sequence) -> list:
        idx = self.index()
        return [r for r in rows if sound_key(r) not in idx]

    def _frames(self, path: Path) -> list[tuple[int, np.ndarray]]:
        """Decode and analyse one sound: ``[(file offset in frames, float16 [T, M])]``."""
        info = audio.probe(path)
        fe = self._frontend()
        out: list[tuple[int, np.ndarray]] = []
        for offset_s, secs in segment_offsets(info.duration, self.max_seconds):
            wave, _ = audio.load(path, self.mel.sample_rate, offset_s=offset_s, max_seconds=secs)
            logmel = fe(wave)[0]  # [M, T]
            out.append((int(round(offset_s * self.mel.sample_rate / self.mel.hop_length)),
                        logmel.T.contiguous().numpy().astype(np.float16)))
        return out

    def build(self, catalog, rows: Sequence, *, batch: int = 16) -> Job[BuildReport]:
        """Add the frames of ``rows`` (catalog sound rows) that are not cached yet.

        Yields ``Progress(stage='features')``; each batch is committed (frames appended, index
        replaced) before the yield, so cancelling or killing keeps all finished batches.
        """
        todo = self.missing(rows)
        report = BuildReport(cached=len(rows) - len(todo), failed=[])
        prog = Progress(stage="features", done=0, total=len(todo), message="log-mel cache")
        yield prog
        for s in range(0, len(todo), batch):
            chunk = todo[s : s + batch]
            computed: dict[str, list[tuple[int, np.ndarray]]] = {}
            with torch.no_grad():
                for row in chunk:
                    try:
                        computed[sound_key(row)] = self._frames(catalog.abspath(row))
                    except audio.DecodeError as exc:
                        report.failed.append((row.relpath, str(exc)))  # type: ignore[union-attr]
            self._append(computed)
            report.added += len(computed)
            prog.done += len(chunk)
            prog.message = chunk[-1].relpath
            yield prog
        return report

    def _append(self, computed: dict[str, list[tuple[int, np.ndarray]]]) -> None:
        if not computed:
            return
        with _locked(self.dir / "lock"):
            index = self.index()
            size = self.frames_path.stat().st_size if self.frames_path.exists() else 0
            row = -(-size // self.row_bytes)  # align past a torn write
            with open(self.frames_path, "ab") as fh:
                if row * self.row_bytes > size:
                    fh.write(b"\0" * (row * self.row_bytes - size))
                for key, segs in computed.items():
                    entry = []
                    for file_off, frames in segs:
                        fh.write(np.ascontiguousarray(frames, dtype="<f2").tobytes())
                        entry.append([file_off, row, int(frames.shape[0])])
                        row += int(frames.shape[0])
                    index[key] = entry
                fh.flush()
                os.fsync(fh.fileno())
            tmp = self.index_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(index, separators=(",", ":")))
            os.replace(tmp, self.index_path)

    def store(self, rows: Sequence) -> FrameStore:
        """A read-only :class:`FrameStore` over ``rows`` (in that order); they must be cached."""
        index = self.index()
        n_rows = self.frames_path.stat().st_size // self.row_bytes if self.frames_path.exists() else 0
        mm = (np.memmap(self.frames_path, dtype="<f2", mode="r", shape=(n_rows, self.mel.n_mels))
              if n_rows else np.zeros((0, self.mel.n_mels), np.float16))
        segs = []
        for r in rows:
            entry = index.get(sound_key(r))
            if entry is None:
                raise KeyError(f"{r.relpath} is not in the feature cache")
            segs.append([tuple(e) for e in entry])
        return FrameStore(mm, segs, self.mel)


class FrameStore:
    """Random access to the cached frames of N sounds (sound ``i`` = the i-th row given).

    ``segments[i]``: ``[(file_offset_frames, first_row, n_frames), ...]``.
    """

    def __init__(self, frames: np.ndarray, segments: list[list[tuple[int, int, int]]], mel: MelConfig) -> None:
        self.frames = frames
        self.segments = segments
        self.mel = mel
        self.patch_frames = mel.patch_frames
        self.n_frames = np.array([sum(s[2] for s in segs) for segs in segments], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.segments)

    def patch_at(self, i: int, seg: int, start: int) -> np.ndarray:
        """float32 ``[M, F]`` patch of sound ``i``, segment ``seg``, starting at frame ``start``
        (zero-padded past the segment's end)."""
        _off, first, n = self.segments[i][seg]
        f = self.patch_frames
        stop = min(n, start + f)
        out = np.zeros((f, self.mel.n_mels), dtype=np.float32)
        if stop > start:
            out[: stop - start] = self.frames[first + start : first + stop]
        return out.T

    def random_position(self, i: int, rng: np.random.Generator) -> tuple[int, int]:
        """``(segment, start frame)`` of a uniformly random patch of sound ``i``."""
        segs = self.segments[i]
        lengths = np.array([max(1, s[2] - self.patch_frames + 1) for s in segs], dtype=np.float64)
        seg = int(rng.choice(len(segs), p=lengths / lengths.sum())) if len(segs) > 1 else 0
        return seg, int(rng.integers(0, lengths[seg]))

    def crop(self, i: int, rng: np.random.Generator) -> np.ndarray:
        """A random patch of sound ``i``: float32 ``[M, F]``."""
        seg, start = self.random_position(i, rng)
        return self.patch_at(i, seg, start)

    def time_of(self, i: int, seg: int, start: int) -> float:
        """Start time in seconds (within the file) of a patch position."""
        return (self.segments[i][seg][0] + start) * self.mel.hop_length / self.mel.sample_rate

    def patches(self, i: int, hop: int | None = None) -> np.ndarray:
        """All patches of sound ``i`` at the front end's patch hop: float32 ``[P, M, F]``."""
        hop = hop or self.mel.patch_hop
        out = []
        for seg, (_o, _first, n) in enumerate(self.segments[i]):
            starts = list(range(0, max(1, n - self.patch_frames + 1), hop))
            if n > self.patch_frames and starts[-1] + self.patch_frames < n:
                starts.append(n - self.patch_frames)
            out.extend(self.patch_at(i, seg, s) for s in starts)
        return np.stack(out)
