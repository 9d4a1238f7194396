"""Recording a query from the microphone: one ``sounddevice.InputStream`` for up to 10 s.

The PortAudio callback only copies each block into a buffer allocated before the stream starts
(no allocation, no lock: it advances one integer the GUI thread reads). A 30 ms timer on the GUI
thread reads the newest samples for the level meter (``core.finding.query.meter_levels``) and
notices when the stream has ended: the user pressed Stop, or the buffer is full
(:data:`core.finding.query.MAX_RECORD_SECONDS`). No PortAudio or no input device: :meth:`start`
returns the reason in words, and nothing else changes.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore

from core.finding.query import MAX_RECORD_SECONDS, meter_levels

_METER_FRAMES = 2048  # about 45 ms at 44.1 kHz


def default_input() -> int | None:
    """PortAudio's default input device (an index), or None."""
    try:
        import sounddevice as sd

        index = sd.default.device[0]
        return None if index is None or int(index) < 0 else int(index)
    except Exception:
        return None


def input_devices() -> list[tuple[int, str]]:
    """Input devices as ``(index, name)``; empty when there is no PortAudio or no input."""
    try:
        import sounddevice as sd

        devs, apis = sd.query_devices(), sd.query_hostapis()
    except Exception:
        return []
    return [(i, f"{d['name']} ({apis[d['hostapi']]['name']})") for i, d in enumerate(devs)
            if d["max_input_channels"] > 0]


class Recorder(QtCore.QObject):
    """Signals (GUI thread): ``level(rms_db, peak_db)`` while recording, ``stopped()`` once when the
    recording ends, ``seconds(float)`` recorded so far."""

    level = QtCore.Signal(float, float)
    seconds = QtCore.Signal(float)
    stopped = QtCore.Signal()

    def __init__(self, parent: QtCore.QObject | None = None, *, max_seconds: float = MAX_RECORD_SECONDS,
                 blocksize: int = 1024) -> None:
        super().__init__(parent)
        self.max_seconds = float(max_seconds)
        self.blocksize = int(blocksize)
        self.rate = 0
        self._stream = None
        self._buf = np.zeros((0, 1), np.float32)
        self._pos = 0
        self._full = False
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(30)
        self._poll.timeout.connect(self._on_poll)

    # ------------------------------------------------------------------------------ control
    def start(self, device: int | str | None = None) -> str | None:
        """Start recording from ``device`` (None: the default input). Returns why it cannot, or None."""
        self.stop()
        try:
            import sounddevice as sd
        except OSError as exc:
            return f"No microphone: PortAudio is not available ({exc})"
        try:
            info = sd.query_devices(device, "input")
            rate = round(float(info["default_samplerate"])) or 44100
            channels = max(1, min(2, int(info["max_input_channels"])))
            self._buf = np.zeros((int(self.max_seconds * rate), channels), np.float32)
            self._pos, self._full, self.rate = 0, False, rate
            stream = sd.InputStream(device=device, samplerate=rate, channels=channels, dtype="float32",
                                    blocksize=self.blocksize, callback=self._callback)
            stream.start()
        except Exception as exc:
            self._buf = np.zeros((0, 1), np.float32)
            return f"No microphone could be opened ({' '.join(str(exc).split())})"
        self._stream = stream
        self._poll.start()
        return None

    def stop(self) -> None:
        """Stop recording (what was recorded stays in :meth:`samples`)."""
        s, self._stream = self._stream, None
        if s is None:
            return
        try:
            s.stop()
            s.close()
        except Exception:
            pass
        self._poll.stop()
        self.level.emit(*meter_levels(self._buf[: self._pos]))  # the whole recording's level
        self.seconds.emit(self.recorded_seconds())
        self.stopped.emit()

    def is_recording(self) -> bool:
        return self._stream is not None

    def samples(self) -> np.ndarray:
        """A copy of what was recorded: float32 ``[n, channels]`` at :attr:`rate`."""
        return self._buf[: self._pos].copy()

    def recorded_seconds(self) -> float:
        return self._pos / self.rate if self.rate else 0.0

    # ------------------------------------------------------------------------- the threads
    def _callback(self, indata: np.ndarray, frames: int, _time, _status) -> None:
        """PortAudio thread: copy the block; stop the stream when the buffer is full."""
        pos = self._pos
        n = min(frames, self._buf.shape[0] - pos)
        if n > 0:
            self._buf[pos : pos + n] = indata[:n]
            self._pos = pos + n
        if self._pos >= self._buf.shape[0]:
            self._full = True
            import sounddevice as sd

            raise sd.CallbackStop

    def _emit_level(self) -> None:
        pos = self._pos
        self.level.emit(*meter_levels(self._buf[max(0, pos - _METER_FRAMES) : pos]))
        self.seconds.emit(self.recorded_seconds())

    def _on_poll(self) -> None:
        s = self._stream
        if s is None:
            return
        self._emit_level()
        if self._full or not s.active:
            self.stop()
