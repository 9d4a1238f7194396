"""The embed job: decode sounds in parallel, encode them in batches, store vectors in the catalog.

Decoding runs on a small thread pool ahead of the model (soundfile and torch release the GIL), so
the CPU cores stay busy; inference batches patches from many sounds. Long files are decoded in
blocks of ``block_seconds`` so memory stays bounded whatever their length. Each batch is committed
in one transaction before the job yields, so a kill loses at most one batch and a rerun resumes.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.audio import decode as audio
from core.encoders.base import Encoder, l2_normalise, pool
from core.embedding.report import EmbedBatch, EmbedReport
from core.jobs import EMBED, Job, Progress


@dataclass(slots=True)
class _Decoded:
    sound_id: int
    relpath: str
    blocks: list[np.ndarray] | None  # None for a long file decoded lazily
    path: Path
    error: str | None = None


def decode_blocks(path: Path, sample_rate: int, block_seconds: float, overlap_s: float) -> Iterator[np.ndarray]:
    """Mono blocks of at most ``block_seconds`` (one block for ordinary files)."""
    yield from audio.iter_blocks(path, sample_rate, block_seconds, overlap_s)


def _decode(
    sound_id: int, relpath: str, path: Path, sample_rate: int, duration: float | None, block_seconds: float
) -> _Decoded:
    if duration is not None and duration > block_seconds:
        return _Decoded(sound_id, relpath, None, path)  # decoded block by block on the consumer side
    try:
        wave, _ = audio.load(path, sample_rate)
        return _Decoded(sound_id, relpath, [wave], path)
    except audio.DecodeError as exc:
        return _Decoded(sound_id, relpath, None, path, error=str(exc))


def _encode_long(encoder: Encoder, item: _Decoded, block_seconds: float) -> torch.Tensor:
    """Patch vectors of a long file, block by block: memory bounded by one block."""
    overlap = encoder.mel.patch_seconds
    parts = [
        encoder.encode([block])[0]
        for block in decode_blocks(item.path, encoder.sample_rate, block_seconds, overlap)
    ]
    return torch.cat(parts)


def embed_sounds(
    catalog,  # core.catalog.Catalog (typed loosely to keep this module import-light)
    encoder: Encoder,
    *,
    batch_size: int = 16,
    block_seconds: float = 120.0,
    keep_patches: bool = False,
    decode_workers: int = 2,
    on_batch: Callable[[EmbedBatch], None] | None = None,
) -> Job[EmbedReport]:
    """Embed every ok sound of ``catalog`` that has no vector for ``encoder.key`` yet."""
    name, version = encoder.key
    start = time.monotonic()
    todo = catalog.missing_embeddings(name, version)
    total_ok = len(catalog.sounds())
    report = EmbedReport(name, version, cached=total_ok - len(todo))
    progress = Progress(stage=f"{EMBED} {name}", done=0, total=len(todo))
    yield progress
    if not todo:
        report.seconds = time.monotonic() - start
        return report

    with ThreadPoolExecutor(max_workers=decode_workers, thread_name_prefix="decode") as pool_:
        pending: deque[Future[_Decoded]] = deque()
        rows = iter(todo)
        window = max(2 * batch_size, 8)

        def refill() -> None:
            while len(pending) < window:
                row = next(rows, None)
                if row is None:
                    return
                pending.append(
                    pool_.submit(
                        _decode, row.id, row.relpath, catalog.abspath(row), encoder.sample_rate, row.duration, block_seconds
                    )
                )

        refill()
        try:
            while pending:
                batch: list[_Decoded] = []
                while pending and len(batch) < batch_size:
                    batch.append(pending.popleft().result())
                    refill()
                items = _encode_batch(encoder, batch, block_seconds, report, catalog)
                if items:
                    catalog.put_embeddings(name, version, [(i, v, p if keep_patches else None) for i, v, p in items])
                    partial = EmbedBatch(
                        np.array([i for i, _, _ in items], dtype=np.int64), np.stack([v for _, v, _ in items])
                    )
                    if on_batch is not None:
                        on_batch(partial)
                else:
                    partial = None
                report.embedded += len(items)
                progress.done += len(batch)
                progress.message = batch[-1].relpath
                progress.partial = partial
                report.seconds = time.monotonic() - start
                yield progress
        finally:
            for fut in pending:
                fut.cancel()
    report.seconds = time.monotonic() - start
    return report


def embed_files(
    encoder: Encoder, files: list[tuple[Path, float | None]], block_seconds: float = 120.0
) -> list[tuple[np.ndarray | None, str | None]]:
    """Decode and embed ``(path, duration)`` files as the embed job does (one batch; long files block by
    block): per file ``(vector float32 [D], None)`` or ``(None, error)``. Used by the Ray engine's workers."""
    decoded = [_decode(i, str(p), p, encoder.sample_rate, d, block_seconds) for i, (p, d) in enumerate(files)]
    short = [d for d in decoded if d.error is None and d.blocks is not None]
    vectors: dict[int, np.ndarray] = {}
    if short:
        for d, pv in zip(short, encoder.encode([d.blocks[0] for d in short])):  # type: ignore[index]
            vectors[d.sound_id] = pool(pv).numpy()
    out: list[tuple[np.ndarray | None, str | None]] = []
    for d in decoded:
        if d.error is None and d.blocks is None:
            try:
                vectors[d.sound_id] = pool(_encode_long(encoder, d, block_seconds)).numpy()
            except audio.DecodeError as exc:
                d.error = str(exc)
        out.append((None, d.error) if d.error is not None else (vectors[d.sound_id], None))
    return out


def _encode_batch(
    encoder: Encoder, batch: list[_Decoded], block_seconds: float, report: EmbedReport, catalog
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Encode one batch; per-file errors are recorded, never raised."""
    out: list[tuple[int, np.ndarray, np.ndarray]] = []
    short = [d for d in batch if d.error is None and d.blocks is not None]
    patch_sets: dict[int, torch.Tensor] = {}
    if short:
        for d, pv in zip(short, encoder.encode([d.blocks[0] for d in short])):  # type: ignore[index]
            patch_sets[d.sound_id] = pv
    for d in batch:
        if d.error is None and d.blocks is None:
            try:
                patch_sets[d.sound_id] = _encode_long(encoder, d, block_seconds)
            except audio.DecodeError as exc:
                d.error = str(exc)
        if d.error is not None:
            catalog.record_error(d.sound_id, d.error)
            report.failed.append((d.relpath, d.error))
            continue
        pv = patch_sets[d.sound_id]
        vec = pool(pv).numpy()
        if not np.isfinite(vec).all():  # reported like an undecodable file; never stored
            error = "corrupt: the sound could not be embedded (its vector is not finite)"
            catalog.record_error(d.sound_id, error)
            report.failed.append((d.relpath, error))
            continue
        out.append((d.sound_id, vec, l2_normalise(pv).numpy()))
    return out
