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
"""

from __future__ import annotations

import os
import queue
import threading
import time

import numpy as np
from PySide6 import QtCore

from core.audio import decode as audio
from desktop_app.controllers.playback_cache import AudioCache, decode_for_playback

__all__ = ["Player", "AudioCache", "decode_for_playback"]

_FADE = 128  # frames of cross-fade between voices / fade-out on stop


class _Voice:
    """One sound being played. The callback owns ``pos``, ``done``, ``t_first``, ``peak``."""

    __slots__ = ("path", "buf", "pending", "pos", "complete", "done", "fade_out", "t_play", "t_first", "peak")

    def __init__(self, path: str, buf: np.ndarray, complete: bool, t_play: float) -> None:
        self.path = path
        self.buf = buf
        self.pending: np.ndarray | None = None
        self.pos = 0
        self.complete = complete
        self.done = False
        self.fade_out = False
        self.t_play = t_play
        self.t_first = 0.0
        self.peak = 0.0


class Player(QtCore.QObject):
    """Plays sound files on an output device. See the module docstring for the design."""

    stateChanged = QtCore.Signal(str)  # 'playing' | 'stopped'
    positionChanged = QtCore.Signal(float)  # seconds into the current sound
    error = QtCore.Signal(str)
    unavailable = QtCore.Signal(str)

    def __init__(self, device: int | str | None = None, *, blocksize: int = 256, cache_mb: float = 256.0,
                 head_seconds: float = 0.5, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._blocksize = int(blocksize)
        self._head_s = float(head_seconds)
        self._cache = AudioCache(cache_mb)
        self._gain = 1.0
        self._voice: _Voice | None = None
        self._recent: _Voice | None = None  # the last voice started (stats stay readable after it ends)
        self._cb_last: _Voice | None = None
        self._state = "stopped"
        self._stream = None
        self._sd = None
        self._rate = 0
        self._channels = 1
        self._device: int | str | None = device
        self._unavailable_reason: str | None = None
        self._unavailable_sent = False
        self._ramp_down = np.linspace(1.0, 0.0, _FADE, dtype=np.float32)
        self._ramp_up = self._ramp_down[::-1].copy()
        self._scratch = np.zeros(_FADE, dtype=np.float32)
        #: frames of sound-file samples written to the device since the player was created
        self.frames_played = 0
        self.callbacks = 0
        #: callbacks that PortAudio flagged (output underflow etc.): glitches the user may have heard
        self.underruns = 0
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._on_poll)
        self._jobs: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = 0
        self._preload_gen = 0
        self._worker = threading.Thread(target=self._work, name="audio-decode", daemon=True)
        self._worker.start()
        self._open(device)

    # ================================================================ device / stream
    def _open(self, device: int | str | None) -> bool:
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio library missing
            self._mark_unavailable(f"no audio output: PortAudio is not available ({exc})")
            return False
        self._sd = sd
        try:
            info = sd.query_devices(device, "output")
            rate = int(round(float(info["default_samplerate"]))) or 48000
            channels = max(1, min(2, int(info["max_output_channels"])))
            stream = sd.OutputStream(device=device, samplerate=rate, channels=channels, dtype="float32",
                                     blocksize=self._blocksize, latency="low", callback=self._callback)
            stream.start()
        except Exception as exc:  # noqa: BLE001 - PortAudioError, ValueError (no such device), ...
            self._mark_unavailable(f"no audio output device ({exc})")
            return False
        if self._stream is not None:
            self._close_stream()
        if self._rate and rate != self._rate:
            self._cache.clear()
        self._stream, self._rate, self._channels, self._device = stream, rate, channels, device
        self._unavailable_reason = None
        return True

    def _mark_unavailable(self, reason: str) -> None:
        if self._stream is not None:
            return  # keep the working stream; callers report the failure as an error
        self._unavailable_reason = reason
        if not self._unavailable_sent:
            self._unavailable_sent = True
            # deferred so that slots connected right after construction receive it
            QtCore.QTimer.singleShot(0, lambda: self.unavailable.emit(reason))

    def _close_stream(self) -> None:
        s, self._stream = self._stream, None
        if s is not None:
            try:
                s.stop()
                s.close()
            except Exception:  # noqa: BLE001 - a vanished device must not break shutdown
                pass

    def is_available(self) -> bool:
        return self._stream is not None

    def unavailable_reason(self) -> str | None:
        return self._unavailable_reason

    def devices(self) -> list[tuple[int, str]]:
        """Output devices as (index, name)."""
        if self._sd is None:
            return []
        try:
            devs = self._sd.query_devices()
            apis = self._sd.query_hostapis()
        except Exception:  # noqa: BLE001
            return []
        return [(i, f"{d['name']} ({apis[d['hostapi']]['name']})") for i, d in enumerate(devs)
                if d["max_output_channels"] > 0]

    def device(self) -> int | str | None:
        return self._device

    def set_device(self, index: int | str | None) -> bool:
        """Switch output device (stops the current sound). Returns False (and emits ``error``)
        when the device cannot be opened; the previous device stays in use."""
        self.stop()
        ok = self._open(index)
        if not ok and self._stream is not None:
            self.error.emit(f"cannot open audio device {index!r}")
        return ok

    def stream_info(self) -> dict[str, object]:
        """Sample rate, channels, blocksize, the device's reported output latency (s)."""
        s = self._stream
        return {"rate": self._rate, "channels": self._channels, "blocksize": self._blocksize,
                "latency": None if s is None else float(s.latency), "device": self._device}

    def sample_rate(self) -> int:
        return self._rate

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
        v = _Voice(p, buf, complete, t_play)
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

    def _submit(self, prio: int, kind: str, path: str, voice: _Voice | None, gen: int = 0) -> None:
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

    # ================================================================ the audio callback
    def _callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:  # noqa: ANN001
        """PortAudio thread: copy/scale samples only. ``outdata`` float32 ``[frames, channels]``."""
        self.callbacks += 1
        if status:
            self.underruns += 1  # PortAudio flagged an output underflow (or another xrun)
        out = outdata[:, 0]
        v = self._voice
        last = self._cb_last
        # cross-fade only when a previous sound is cut off; a fresh start keeps its transient
        xfade = last is not None and last is not v and not last.done
        n = 0
        if v is None or v.done:
            out.fill(0.0)
        else:
            pend = v.pending
            if pend is not None:
                v.pending = None
                v.buf = pend
                v.complete = True
            buf = v.buf
            pos = v.pos
            n = min(frames, buf.shape[0] - pos)
            if n > 0:
                np.multiply(buf[pos : pos + n], self._gain, out=out[:n])
            else:
                n = 0
            if n < frames:
                out[n:].fill(0.0)
            if last is not v:
                if n and not v.t_first:
                    v.t_first = time.perf_counter()
                m = min(n, _FADE)
                if xfade and m:
                    out[:m] *= self._ramp_up[:m]
            if v.fade_out:
                m = min(frames, _FADE)
                out[:m] *= self._ramp_down[:m]
                out[m:].fill(0.0)
                v.done = True
            v.pos = pos + n
            if v.complete and v.pos >= buf.shape[0]:
                v.done = True
            if n:
                pk = max(float(out[:n].max()), -float(out[:n].min()))
                if pk > v.peak:
                    v.peak = pk
            self.frames_played += n
        # fade the previous voice's continuation out over the first frames of this block
        if last is not None and last is not v:
            if xfade:
                b = last.buf
                m = min(frames, _FADE, max(0, b.shape[0] - last.pos))
                if m:
                    np.multiply(b[last.pos : last.pos + m], self._ramp_down[:m], out=self._scratch[:m])
                    self._scratch[:m] *= self._gain
                    out[:m] += self._scratch[:m]
                last.pos += m
                last.done = True
            self._cb_last = v
        elif last is None:
            self._cb_last = v
        if outdata.shape[1] > 1:
            outdata[:, 1:] = outdata[:, :1]

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
