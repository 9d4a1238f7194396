"""Decoded-audio cache and the playback decode path (Qt-free; used by :mod:`desktop_app.controllers.playback`)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from core.audio import decode as audio

__all__ = ["AudioCache", "decode_for_playback"]


def decode_for_playback(path: str, rate: int, max_seconds: float | None = None) -> tuple[np.ndarray, bool]:
    """``(samples, complete)``: mono float32 ``[n]`` samples of ``path`` at ``rate``, at most the
    first ``max_seconds``; ``complete`` is True when that is the whole file.
    Raises :class:`core.audio.decode.DecodeError`."""
    x, _ = audio.load(path, rate, max_seconds=max_seconds, resampler="poly")
    complete = max_seconds is None or x.shape[0] < int(max_seconds * rate)
    return np.ascontiguousarray(x, dtype=np.float32), complete


class AudioCache:
    """Thread-safe LRU of decoded buffers, bounded in bytes. Entries are ``(samples, complete)``
    where ``complete`` is False for a decoded head of a longer file."""

    def __init__(self, max_mb: float = 256.0) -> None:
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._d: OrderedDict[str, tuple[np.ndarray, bool]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, path: str) -> tuple[np.ndarray, bool] | None:
        with self._lock:
            e = self._d.get(path)
            if e is not None:
                self._d.move_to_end(path)
            return e

    def put(self, path: str, buf: np.ndarray, complete: bool) -> None:
        if buf.nbytes > self.max_bytes:
            return
        with self._lock:
            old = self._d.pop(path, None)
            if old is not None:
                self._bytes -= old[0].nbytes
            self._d[path] = (buf, complete)
            self._bytes += buf.nbytes
            while self._bytes > self.max_bytes and self._d:
                _, (b, _c) = self._d.popitem(last=False)
                self._bytes -= b.nbytes

    def clear(self) -> None:
        with self._lock:
            self._d.clear()
            self._bytes = 0

    def __contains__(self, path: str) -> bool:
        with self._lock:
            return path in self._d

    def __len__(self) -> int:
        return len(self._d)

    @property
    def nbytes(self) -> int:
        return self._bytes
