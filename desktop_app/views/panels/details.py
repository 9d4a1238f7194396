"""Details of the selected sound: waveform, spectrogram, metadata, and "Show in folder".

The arrays come from :func:`core.audio.preview.load_preview` (computed on a worker by the app); this
widget only draws them.
"""

from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from core.audio.preview import Preview
from desktop_app.model.sounds import SoundInfo
from desktop_app.views.reveal import reveal_in_file_manager

ACCENT = "#5ac8fa"


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.2f} s"
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:05.2f}"


def _fmt_channels(ch: int | None) -> str:
    return {None: "—", 1: "mono", 2: "stereo"}.get(ch, f"{ch} channels")


def breakable(path: str) -> str:
    """``path`` with zero-width spaces after separators, so a long path wraps instead of being cut."""
    return path.replace("/", "/\u200b").replace("_", "_\u200b").replace("-", "-\u200b")


def frequency_ticks(freqs: np.ndarray) -> list[tuple[float, str]]:
    """Axis ticks (row position, label) at 50 Hz, 100 Hz, 200 Hz … for rows centred on ``freqs``."""
    if len(freqs) < 2:
        return []
    out = []
    for f in (50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000):
        if freqs[0] <= f <= freqs[-1]:
            pos = float(np.interp(np.log(f), np.log(freqs.astype(np.float64)), np.arange(len(freqs)))) + 0.5
            out.append((pos, f"{f // 1000}k" if f >= 1000 else str(f)))
    return out


def _plot(height: int) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setFixedHeight(height)  # the metadata below stays in view
    w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    w.setMenuEnabled(False)
    w.setMouseEnabled(x=False, y=False)
    w.hideButtons()
    w.setBackground(None)
    item = w.getPlotItem()
    item.hideAxis("left")
    item.getAxis("bottom").setStyle(tickLength=-4)
    item.getAxis("bottom").setTextPen(pg.mkPen("#9aa0a6"))
    return w


class DetailsPanel(QWidget):
    """Signals: ``playRequested()`` (the Play button)."""

    playRequested = Signal()
    notice = Signal(str)  # a message for the status line

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DetailsPanel")
        self.info: SoundInfo | None = None

        self.title = QLabel("No sound selected")
        self.title.setObjectName("PanelTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("PanelSubtitle")

        self.wave = _plot(70)
        self._upper = pg.PlotDataItem(pen=pg.mkPen(ACCENT, width=1))
        self._lower = pg.PlotDataItem(pen=pg.mkPen(ACCENT, width=1))
        self._fill = pg.FillBetweenItem(self._upper, self._lower, brush=pg.mkBrush(90, 200, 250, 110))
        for it in (self._upper, self._lower, self._fill):
            self.wave.addItem(it)

        self.spec = _plot(120)
        freq_axis = self.spec.getPlotItem().getAxis("left")
        freq_axis.setTextPen(pg.mkPen("#9aa0a6"))
        freq_axis.setWidth(34)
        self.spec.getPlotItem().showAxis("left")
        self._image = pg.ImageItem()
        self._image.setColorMap(pg.colormap.get("magma"))
        self.spec.addItem(self._image)

        self.message = QLabel("")
        self.message.setObjectName("PanelMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for key, label in (("duration", "Duration"), ("rate", "Sample rate"), ("channels", "Channels"),
                           ("depth", "Bit depth"), ("format", "Format"), ("tags", "Tags"), ("path", "Path")):
            value = QLabel("—")
            value.setObjectName(f"Detail-{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key in ("tags", "path"):  # long values wrap onto as many lines as they need
                value.setWordWrap(True)
                value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.MinimumExpanding)
            self.fields[key] = value
            form.addRow(label, value)

        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play / stop (Space)")
        self.play_button.clicked.connect(self.playRequested.emit)
        self.reveal_button = QPushButton("Show in folder")
        self.reveal_button.setToolTip("Open the folder of this sound in the file manager")
        self.reveal_button.clicked.connect(self.reveal)
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.wave)
        lay.addWidget(self.spec)
        lay.addWidget(self.message)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.set_sound(None)

    # --------------------------------------------------------------------------- content
    def set_sound(self, info: SoundInfo | None) -> None:
        """Show ``info``'s metadata; the previews are cleared until :meth:`set_preview`."""
        self.info = info
        self.clear_preview()
        enabled = info is not None
        self.play_button.setEnabled(enabled)
        self.reveal_button.setEnabled(enabled)
        if info is None:
            self.title.setText("No sound selected")
            self.subtitle.setText("Click a point on the map")
            for v in self.fields.values():
                v.setText("—")
            return
        self.title.setText(info.name)
        self.subtitle.setText(info.folder or "")
        self.fields["duration"].setText(_fmt_duration(info.duration))
        self.fields["rate"].setText(f"{info.sample_rate:,} Hz" if info.sample_rate else "—")
        self.fields["channels"].setText(_fmt_channels(info.channels))
        self.fields["depth"].setText(f"{info.bit_depth}-bit" if info.bit_depth else "—")
        self.fields["format"].setText(info.format or "—")
        self.fields["tags"].setText(", ".join(info.tags) if info.tags else "—")
        self.fields["path"].setText(breakable(str(info.path)))
        self.fields["path"].setToolTip(str(info.path))

    def set_preview(self, preview: Preview | None, error: str | None = None) -> None:
        """Draw the waveform envelope and spectrogram (or show ``error``)."""
        if preview is None:
            self.clear_preview()
            if error:
                self.message.setText(error)
                self.message.show()
            return
        self.message.hide()
        self.wave.setVisible(True)
        self.spec.setVisible(True)
        env = preview.envelope
        t = np.linspace(0.0, preview.seconds, len(env), dtype=np.float32) if len(env) else np.zeros(0)
        self._upper.setData(t, env[:, 1] if len(env) else [])
        self._lower.setData(t, env[:, 0] if len(env) else [])
        self.wave.setXRange(0, max(preview.seconds, 1e-3), padding=0)
        self.wave.setYRange(-1.0, 1.0, padding=0.05)

        spec = preview.spectrogram
        if spec.db.size:
            self._image.setImage(spec.db.T, autoLevels=False, levels=spec.levels)
            rows = spec.db.shape[0]
            t_max = float(spec.times[-1] + (spec.times[0] if len(spec.times) else 0.0)) or preview.seconds
            tr = QTransform()
            tr.scale(t_max / spec.db.shape[1], 1.0)  # y in rows: log-spaced bands, labelled in Hz
            self._image.setTransform(tr)
            self.spec.getPlotItem().getAxis("left").setTicks([frequency_ticks(spec.freqs)])
            self.spec.setXRange(0, t_max, padding=0)
            self.spec.setYRange(0, rows, padding=0)
        if preview.truncated:
            self.message.setText(f"Showing the first {preview.seconds:.0f} s.")
            self.message.show()

    def clear_preview(self) -> None:
        self._upper.setData([], [])
        self._lower.setData([], [])
        self._image.clear()
        self.message.hide()
        self.wave.setVisible(False)
        self.spec.setVisible(False)

    def has_preview(self) -> bool:
        return self._image.image is not None

    # ------------------------------------------------------------------------- actions
    def reveal(self) -> None:
        """Open the sound's folder in the file manager (``notice`` says what happened)."""
        if self.info is not None:
            self.notice.emit(reveal_in_file_manager(self.info.path))
