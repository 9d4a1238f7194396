"""A small animated-GIF writer (GIF89a, LZW), numpy + numba only: no imaging library needed.

``write_gif(path, frames, palette, delays_cs)``: ``frames`` are uint8 ``[H, W]`` arrays of indices
into ``palette`` (uint8 ``[P, 3]``, P ≤ 256), one global colour table, ``delays_cs`` per frame in
hundredths of a second, looping forever (the NETSCAPE2.0 extension). Each frame is a full image;
LZW follows the GIF89a specification (variable code width from ``min code size + 1`` to 12 bits,
a clear code when the table is full), as in Charlie Tangora's public-domain ``gif.h``. The
encoder is a numba kernel (a few milliseconds per 600 × 400 frame).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np


@functools.cache
def _kernel():
    """The LZW kernel, compiled once (numba's on-disk cache, in the project's numba folder)."""
    from core.maps.numba_cache import configure

    configure()
    from numba import njit

    return njit(cache=True, nogil=True)(_lzw)


def _lzw(pixels: np.ndarray, min_code_size: int) -> np.ndarray:  # pragma: no cover - run compiled
    clear = 1 << min_code_size
    eoi = clear + 1
    out = np.zeros(pixels.size * 2 + 64, dtype=np.uint8)
    n_out = 0
    bitbuf = 0
    nbits = 0
    # the code table as a trie: child[code * 256 + byte] = code, -1 when absent; only the entries
    # set since the last clear are reset (``used``)
    child = np.full(4096 * 256, -1, dtype=np.int32)
    used = np.zeros(4096, dtype=np.int64)
    n_used = 0
    code_size = min_code_size + 1
    max_code = eoi
    # clear code first
    bitbuf |= clear << nbits
    nbits += code_size
    cur = np.int64(pixels[0])
    for k in range(1, pixels.size):
        px = np.int64(pixels[k])
        key = cur * 256 + px
        nxt = child[key]
        if nxt >= 0:
            cur = nxt
            continue
        bitbuf |= cur << nbits
        nbits += code_size
        while nbits >= 8:
            out[n_out] = bitbuf & 0xFF
            n_out += 1
            bitbuf >>= 8
            nbits -= 8
        max_code += 1
        child[key] = max_code
        used[n_used] = key
        n_used += 1
        if max_code >= (1 << code_size) and code_size < 12:
            code_size += 1
        if max_code == 4095:
            bitbuf |= clear << nbits
            nbits += code_size
            while nbits >= 8:
                out[n_out] = bitbuf & 0xFF
                n_out += 1
                bitbuf >>= 8
                nbits -= 8
            for j in range(n_used):
                child[used[j]] = -1
            n_used = 0
            code_size = min_code_size + 1
            max_code = eoi
        cur = px
    bitbuf |= cur << nbits
    nbits += code_size
    bitbuf |= eoi << nbits
    nbits += code_size
    while nbits > 0:
        out[n_out] = bitbuf & 0xFF
        n_out += 1
        bitbuf >>= 8
        nbits -= 8
    return out[:n_out]


def _sub_blocks(data: bytes) -> bytes:
    parts = [bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)]
    return b"".join(parts) + b"\x00"


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
    min_code = max(2, bits)
    head = b"GIF89a" + int(w).to_bytes(2, "little") + int(h).to_bytes(2, "little")
    head += bytes([0x80 | 0x70 | (bits - 1), 0, 0]) + table.tobytes()
    head += b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + int(loop).to_bytes(2, "little") + b"\x00"
    body = []
    for frame, delay in zip(frames, delays):
        f = np.ascontiguousarray(frame, dtype=np.uint8)
        if f.shape != (h, w):
            raise ValueError("every frame must have the size of the first")
        if int(f.max(initial=0)) >= len(pal):
            raise ValueError("a frame uses an index outside the palette")
        gce = b"\x21\xf9\x04\x04" + max(0, min(delay, 65535)).to_bytes(2, "little") + b"\x00\x00"
        desc = b"\x2c" + b"\x00\x00\x00\x00" + int(w).to_bytes(2, "little") + int(h).to_bytes(2, "little") + b"\x00"
        data = _kernel()(f.reshape(-1), min_code).tobytes()
        body.append(gce + desc + bytes([min_code]) + _sub_blocks(data))
    return head + b"".join(body) + b"\x3b"


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
