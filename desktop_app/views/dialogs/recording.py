"""Record a query from the microphone: device, Record/Stop, a level meter, up to 10 s, a trim, then
"Find sounds like this". With no input device the dialog says so and offers nothing to press.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.finding.query import MAX_RECORD_SECONDS, trim_buffer
from desktop_app.controllers.recording import Recorder, default_input, input_devices

METER_FLOOR_DB = -60


class RecordDialog(QDialog):
    """Signal ``recorded(samples float32 [n, ch], rate)``: the trimmed recording to query with."""

    recorded = Signal(object, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("RecordDialog")
        self.setWindowTitle("Find sounds like a recording")
        self.recorder = Recorder(self)
        self._samples = np.zeros((0, 1), np.float32)
        self._rate = 0
        self.device = QComboBox()
        self.record = QPushButton("Record")
        self.record.setObjectName("RecordButton")
        self.record.clicked.connect(self.toggle)
        self.meter = QProgressBar()
        self.meter.setRange(METER_FLOOR_DB, 0)
        self.meter.setFormat("peak %v dB")
        self.meter.setValue(METER_FLOOR_DB)
        self.time = QLabel(f"0.0 s of {MAX_RECORD_SECONDS:g} s")
        self.start_s, self.end_s = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.start_s, self.end_s):
            box.setDecimals(2)
            box.setSingleStep(0.05)
            box.setSuffix(" s")
            box.setRange(0.0, 0.0)
        self.find = QPushButton("Find sounds like this")
        self.find.setDefault(True)
        self.find.setEnabled(False)
        self.find.clicked.connect(self.submit)
        self.message = QLabel("")
        self.message.setObjectName("RecordMessage")
        self.message.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Microphone", self.device)
        row = QHBoxLayout()
        row.addWidget(self.record)
        row.addWidget(self.meter, 1)
        row.addWidget(self.time)
        form.addRow(row)
        trim = QHBoxLayout()
        trim.addWidget(QLabel("from"))
        trim.addWidget(self.start_s)
        trim.addWidget(QLabel("to"))
        trim.addWidget(self.end_s)
        form.addRow("Trim", trim)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(self.find)

        self.recorder.level.connect(lambda _rms, peak: self.meter.setValue(int(max(METER_FLOOR_DB, min(0, peak)))))
        self.recorder.seconds.connect(lambda s: self.time.setText(f"{s:.1f} s of {self.recorder.max_seconds:g} s"))
        self.recorder.stopped.connect(self._on_stopped)
        self.refresh_devices()

    def refresh_devices(self) -> None:
        """List the input devices; with none, say so and disable recording."""
        self.device.clear()
        devices = input_devices()
        for index, name in devices:
            self.device.addItem(name, index)
        self.device.setCurrentIndex(max(0, self.device.findData(default_input())))
        has = bool(devices)
        self.record.setEnabled(has)
        self.device.setEnabled(has)
        self.message.setText("" if has else "No microphone or other input device was found, so nothing can be "
                             "recorded. Connect one and open this window again, or use File ▸ Find sounds like… "
                             "with a file.")

    # ------------------------------------------------------------------------- record
    def toggle(self) -> None:
        if self.recorder.is_recording():
            self.recorder.stop()
            return
        why = self.recorder.start(self.device.currentData())
        if why:
            self.message.setText(why)
            return
        self.message.setText(f"Recording… (at most {self.recorder.max_seconds:g} s; press Stop when done)")
        self.record.setText("Stop")
        self.find.setEnabled(False)

    def _on_stopped(self) -> None:
        self.record.setText("Record")
        self.set_recording(self.recorder.samples(), self.recorder.rate)

    def set_recording(self, samples: np.ndarray, rate: int) -> None:
        """Use ``samples`` (float ``[n]`` or ``[n, channels]`` at ``rate``) as the recording: what a
        recording ends with, and how tests feed synthetic audio through the same path."""
        x = np.asarray(samples, np.float32)
        self._samples, self._rate = (x[:, None] if x.ndim == 1 else x), int(rate)
        seconds = len(self._samples) / self._rate if self._rate else 0.0
        for box in (self.start_s, self.end_s):
            box.setRange(0.0, seconds)
        self.start_s.setValue(0.0)
        self.end_s.setValue(seconds)
        self.time.setText(f"{seconds:.1f} s of {self.recorder.max_seconds:g} s")
        self.find.setEnabled(seconds > 0)
        self.message.setText("Trim the recording if you like, then find the sounds like it." if seconds > 0
                             else "Nothing was recorded.")

    def trimmed(self) -> np.ndarray:
        """The recording cut to the trim (``core.finding.query.trim_buffer``; raises ``ValueError`` when empty)."""
        end = None if self.end_s.value() >= self.end_s.maximum() else self.end_s.value()  # the box rounds
        return trim_buffer(self._samples, self._rate, self.start_s.value(), end)

    def submit(self) -> None:
        try:
            clip = self.trimmed()
        except ValueError as exc:
            self.message.setText(f"Cannot search: {exc}.")
            return
        self.recorded.emit(clip, self._rate)

    def closeEvent(self, event: Any) -> None:
        self.recorder.stop()
        super().closeEvent(event)
