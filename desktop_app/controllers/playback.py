"""Audio playback: one long-lived PortAudio output stream fed from pre-decoded buffers.

Design (Friture-style):

* ONE ``sounddevice.OutputStream`` lives as long as the :class:`Player`. Its callback only copies
  (and scales) samples from the current voice's float32 buffer into the output, with no decoding,
  no allocation of audio buffers and no locks: the GUI thread swaps ``self._voice`` (one attribute
  assignment, atomic under the GIL) and the callback reads it once per block.
* Decoding never runs in the callback. ``play(path)`` on a cache miss decodes the first
  ``head_seconds`` synchronously (a few ms for a one-shot) so sound starts at once; the rest of a
  longer file is decoded on a worker thread and handed to the voice, which the callback adopts
  at the current position. ``preload(paths)`` decodes on the same worker into an LRU cache
  bounded in MB.
* Resampling to the stream rate uses ``scipy.signal.resample_poly`` after
  ``core.audio.decode.load(path)`` at the file's own rate: torchaudio's resampler (what
  ``load(path, sample_rate=...)`` uses) shares torch's intra-op thread pool and was measured at
  75–330 ms for one second of audio on a busy 2-core machine, versus 1–6 ms here.
* No audio device (or no PortAudio): ``unavailable(reason)`` is emitted once, every call becomes
  a no-op, the app keeps working.

This module owns what plays (transport, state, the decode worker); the device, the stream and its
callback are :mod:`desktop_app.controllers.playback_output`, the cache and the decode path
:mod:`desktop_app.controllers.playback_cache`.
"""

from __future__ import annotations

import os
import queue
import threading
import time

from PySide6 import QtCore

from core.audio import decode as audio
from desktop_app.controllers.playback_cache import AudioCache, decode_for_playback
from desktop_app.controllers.playback_output import AudioOutput, Voice

__all__ = ["Player", "AudioCache", "decode_for_playback"]


class Player(AudioOutput, QtCore.QObject):
    """Plays sound files on an output device. See the module docstring for the design."""

    stateChanged = QtCore.Signal(str)  # 'playing' | 'stopped'
    positionChanged = QtCore.Signal(float)  # seconds into the current sound
    error = QtCore.Signal(str)
    unavailable = QtCore.Signal(str)

    def __init__(self, device: int | str | None = None, *, blocksize: int = 256, cache_mb: float = 256.0,
                 head_seconds: float = 0.5, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._init_output(device, blocksize)
        self._head_s = float(head_seconds)
        self._cache = AudioCache(cache_mb)
        self._gain = 1.0
        self._voice: Voice | None = None
        self._recent: Voice | None = None  # the last voice started (stats stay readable after it ends)
        self._state = "stopped"
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._on_poll)
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = 0
        self._preload_gen = 0
        self._worker = threading.Thread(target=self._work, name="audio-decode", daemon=True)
        self._worker.start()
        self._open(device)

    # ================================================================ transport
    def play(self, path: str | os.PathLike[str]) -> None:
        """Start ``path`` from the beginning (replacing what plays, with a short cross-fade)."""
        t_play = time.perf_counter()
        if self._stream is None:
            return
        p = os.fspath(path)
        hit = self._cache.get(p)
        if hit is None:
            try:
                buf, complete = decode_for_playback(p, self._rate, self._head_s)
            except audio.DecodeError as exc:
                self.error.emit(f"{os.path.basename(p)}: {exc}")
                self.stop()
                return
            self._cache.put(p, buf, complete)
        else:
            buf, complete = hit
        v = Voice(p, buf, complete, t_play)
        old = self._voice
        if old is not None:
            old.fade_out = True
        self._voice = v  # the callback picks it up at its next block
        self._recent = v
        if not complete:
            self._submit(0, "full", p, v)
        self._set_state("playing")
        self._poll.start()

    def stop(self) -> None:
        """Stop with a short fade-out."""
        v = self._voice
        if v is not None:
            v.fade_out = True
        self._voice = None
        self._set_state("stopped")

    def toggle(self, path: str | os.PathLike[str]) -> None:
        """Stop if ``path`` is playing, else play it."""
        v = self._voice
        if self.is_playing() and v is not None and v.path == os.fspath(path):
            self.stop()
        else:
            self.play(path)

    def is_playing(self) -> bool:
        return self._state == "playing"

    def current_path(self) -> str | None:
        v = self._voice
        return None if v is None else v.path

    def position(self) -> float:
        """Seconds into the current sound (0 when stopped)."""
        v = self._voice
        return 0.0 if v is None or not self._rate else v.pos / self._rate

    def voice_frames(self) -> int:
        """Frames of the last started sound already written to the device."""
        v = self._recent
        return 0 if v is None else v.pos

    def peak(self) -> float:
        """Largest absolute output sample of the last started sound so far (after volume)."""
        v = self._recent
        return 0.0 if v is None else v.peak

    def last_latency(self) -> float | None:
        """Seconds from the last ``play()`` call to the callback that first output its samples."""
        v = self._recent
        if v is None or not v.t_first:
            return None
        return v.t_first - v.t_play

    def set_volume(self, volume: float) -> None:
        self._gain = float(min(1.0, max(0.0, volume)))

    def volume(self) -> float:
        return self._gain

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)
        if state == "stopped":
            self._poll.stop()

    def _on_poll(self) -> None:
        v = self._voice
        if v is None:
            self._set_state("stopped")
            return
        if v.done:
            self._voice = None
            self.positionChanged.emit(v.pos / self._rate)
            self._set_state("stopped")
            return
        self.positionChanged.emit(v.pos / self._rate)

    # ================================================================ decoding
    def preload(self, paths: list[str] | tuple[str, ...]) -> None:
        """Decode these files in the background (replaces any earlier pending preload)."""
        if self._stream is None:
            return
        self._preload_gen += 1
        for p in paths:
            p = os.fspath(p)
            if p not in self._cache:
                self._submit(1, "preload", p, None, self._preload_gen)

    def is_cached(self, path: str | os.PathLike[str]) -> bool:
        e = self._cache.get(os.fspath(path))
        return e is not None and e[1]

    def cache(self) -> AudioCache:
        return self._cache

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until the decode worker has no queued work (for tests and benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._jobs.unfinished_tasks == 0:
                return True
            time.sleep(0.005)
        return False

    def _submit(self, prio: int, kind: str, path: str, voice: Voice | None, gen: int = 0) -> None:
        self._seq += 1
        self._jobs.put((prio, self._seq, kind, path, voice, gen))

    def _work(self) -> None:
        while True:
            prio, _seq, kind, path, voice, gen = self._jobs.get()
            try:
                if kind == "quit":
                    return
                if kind == "preload" and gen != self._preload_gen:
                    continue  # stale
                hit = self._cache.get(path)
                if hit is not None and hit[1]:
                    buf = hit[0]
                else:
                    rate = self._rate
                    try:
                        buf, complete = decode_for_playback(path, rate, None if kind == "full" else 30.0)
                    except audio.DecodeError:
                        continue  # play() reports errors; preload failures are silent
                    if rate == self._rate:
                        self._cache.put(path, buf, complete)
                if voice is not None and not voice.done:
                    voice.pending = buf
            finally:
                self._jobs.task_done()

    # ================================================================ teardown
    def close(self) -> None:
        """Stop the stream and the decode worker. The player is unusable afterwards."""
        self._poll.stop()
        self._voice = None
        self._close_stream()
        if self._worker.is_alive():
            self._submit(-1, "quit", "", None)
            self._worker.join(timeout=2.0)
        self._state = "stopped"
