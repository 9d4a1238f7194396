"""Animated GIFs of index images, written with Pillow.

``write_gif(path, frames, palette, delays_cs)``: ``frames`` are uint8 ``[H, W]`` arrays of indices
into ``palette`` (uint8 ``[P, 3]``, 2 ≤ P ≤ 256), one global colour table, ``delays_cs`` per frame in
hundredths of a second, looping forever by default. Every frame is stored whole (no frame
differencing), so a frame decodes to exactly its indices.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def encode_gif(frames: Sequence[np.ndarray], palette: np.ndarray, delays_cs: Sequence[int] | int = 10,
               loop: int = 0) -> bytes:
    """The bytes of an animated GIF of ``frames`` (uint8 index images of one size)."""
    if not len(frames):
        raise ValueError("a GIF needs at least one frame")
    pal = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    if not 2 <= len(pal) <= 256:
        raise ValueError(f"a GIF palette has 2 to 256 colours, not {len(pal)}")
    bits = max(1, int(np.ceil(np.log2(len(pal)))))
    table = np.zeros((1 << bits, 3), dtype=np.uint8)
    table[: len(pal)] = pal
    h, w = np.asarray(frames[0]).shape
    delays = [int(delays_cs)] * len(frames) if np.isscalar(delays_cs) else [int(d) for d in delays_cs]
    if len(delays) != len(frames):
        raise ValueError("one delay per frame")
    from PIL import Image

    images = []
    for frame in frames:
        f = np.ascontiguousarray(frame, dtype=np.uint8)
        if f.shape != (h, w):
            raise ValueError("every frame must have the size of the first")
        if int(f.max(initial=0)) >= len(pal):
            raise ValueError("a frame uses an index outside the palette")
        im = Image.fromarray(f, mode="P")
        im.putpalette(table.reshape(-1).tolist())
        images.append(im)
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], optimize=False,
                   duration=[10 * max(0, min(d, 65535)) for d in delays], loop=int(loop), disposal=1)
    return buf.getvalue()


def write_gif(path: str | os.PathLike[str], frames: Sequence[np.ndarray], palette: np.ndarray,
              delays_cs: Sequence[int] | int = 10, loop: int = 0) -> Path:
    """Write an animated GIF (atomically: a temporary file, then renamed) and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(encode_gif(frames, palette, delays_cs, loop))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
