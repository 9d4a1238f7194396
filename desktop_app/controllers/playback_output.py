"""The output side of :class:`desktop_app.controllers.playback.Player`: the device, the stream, its callback.

Owns choosing and opening the output device (ONE long-lived ``sounddevice.OutputStream``, reopened only
when the device changes), reporting once when there is no device or no PortAudio, and the stream's
callback on the PortAudio thread. The callback only copies (and scales) samples from the current
:class:`Voice`'s float32 buffer into the output: no decoding, no allocation of audio buffers, no
locks. It reads ``self._voice`` once per block (the player swaps it on the GUI thread, one attribute
assignment, atomic under the GIL), cross-fades when a sound is cut off and fades out on stop.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore

from desktop_app.controllers.playback_cache import AudioCache

_FADE = 128  # frames of cross-fade between voices / fade-out on stop


class Voice:
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


class AudioOutput:
    """Mixin of :class:`~desktop_app.controllers.playback.Player` (a ``QObject``): the output device and
    stream. The player owns what plays: ``_voice`` (read by the callback), ``_gain``, ``_cache`` (cleared
    when the stream rate changes), ``stop()`` and the ``error`` / ``unavailable`` signals."""

    _voice: Voice | None
    _gain: float
    _cache: AudioCache
    error: QtCore.SignalInstance
    unavailable: QtCore.SignalInstance

    def _init_output(self, device: int | str | None, blocksize: int) -> None:
        """The stream's state before :meth:`_open` (the player opens the device last)."""
        self._blocksize = int(blocksize)
        self._cb_last: Voice | None = None
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
