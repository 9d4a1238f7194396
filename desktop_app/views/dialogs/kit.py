"""The kit builder: 16 pads, filled by dragging sounds from the map (file URLs) or "Add selection";
played with the keys 1–8 and Q–I or a 16-step sequencer; ``N`` swaps the current pad for its next
nearest neighbour (``Library.neighbors``); exported as a folder + SFZ + DecentSampler preset
(``core.export.kits.export_kit``).

Playback goes through the app's one-voice ``Player``, so two pads on the same step do not sound
together: the lowest pad of the step plays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.export.kits import GM_DRUM_NOTES, MAX_PADS, Kit, Pad

KEYS = "12345678QWERTYUI"
STEPS = 16
NEIGHBOURS = 8


class PadButton(QPushButton):
    """One pad: shows its sound; accepts a dropped audio file. Signal ``dropped(index, path)``."""

    dropped = Signal(int, str)

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(96, 64)
        self.set_sound(None)

    def set_sound(self, name: str | None, current: bool = False) -> None:
        shown = self.fontMetrics().elidedText(Path(name).stem, Qt.TextElideMode.ElideLeft, 92) if name else "—"
        self.setText(f"{KEYS[self.index]}\n{shown}")
        self.setToolTip(name or "Drop a sound here")
        self.setStyleSheet("font-weight: bold; border: 2px solid #ff4fa3;" if current else "")

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.dropped.emit(self.index, urls[0].toLocalFile())


class KitDialog(QDialog):
    """``finding``: :class:`desktop_app.controllers.finding.Finding`; ``play_file(path)``."""

    def __init__(self, finding: Any, play_file: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KitDialog")
        self.setWindowTitle("Kit builder")
        self.finding = finding
        self.state = finding.state
        self._play = play_file
        self.paths: list[Path | None] = [None] * MAX_PADS
        self.current = 0
        self._neighbours: dict[int, list[int]] = {}  # pad → neighbour sound ids (nearest first)
        self._step = 0
        self.last_export: Any = None
        grid = QGridLayout()
        self.pads = [PadButton(i) for i in range(MAX_PADS)]
        for p in self.pads:
            grid.addWidget(p, p.index // 8, p.index % 8)
            p.clicked.connect(lambda _=False, i=p.index: self.hit(i))
            p.dropped.connect(self.set_pad)
        self.seq = QTableWidget(MAX_PADS, STEPS)
        self.seq.setHorizontalHeaderLabels([str(i + 1) for i in range(STEPS)])
        self.seq.setVerticalHeaderLabels(list(KEYS))
        for r in range(MAX_PADS):
            for c in range(STEPS):
                item = QTableWidgetItem("")
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.seq.setItem(r, c, item)
        self.seq.horizontalHeader().setDefaultSectionSize(26)
        self.seq.verticalHeader().setDefaultSectionSize(20)
        self.seq.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tempo = QSpinBox()
        self.tempo.setRange(40, 240)
        self.tempo.setValue(110)
        self.tempo.setSuffix(" BPM")
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.tempo.valueChanged.connect(lambda _v: self.timer.setInterval(self._step_ms()))
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle_sequencer)
        add = QPushButton("Add selection")
        add.setToolTip("Put the sounds selected on the map on the empty pads")
        add.clicked.connect(self.add_selection)
        swap = QPushButton("Swap for a neighbour (N)")
        swap.clicked.connect(self.swap_current)
        self.name = QLineEdit("My kit")
        export = QPushButton("Export kit (SFZ + DecentSampler)…")
        export.clicked.connect(lambda: self.export())
        self.message = QLabel("Drag sounds from the map onto the pads, or select some and press Add selection. "
                              "Keys 1–8 and Q–I play the pads; N swaps the current pad for a similar sound.")
        self.message.setWordWrap(True)
        for b in (self.play_button, add, swap, export):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        controls = QHBoxLayout()
        for w in (add, swap, QLabel("Tempo"), self.tempo, self.play_button):
            controls.addWidget(w)
        controls.addStretch(1)
        out = QHBoxLayout()
        out.addWidget(QLabel("Kit name"))
        out.addWidget(self.name, 1)
        out.addWidget(export)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addLayout(grid)
        lay.addLayout(controls)
        lay.addWidget(self.seq, 1)
        lay.addLayout(out)
        self.resize(900, 720)

    # ------------------------------------------------------------------------- pads
    def set_pad(self, index: int, path: str | Path | None) -> None:
        self.paths[index] = None if path is None else Path(path)
        self._neighbours.pop(index, None)
        self.current = index
        self._refresh()

    def _refresh(self) -> None:
        for p in self.pads:
            path = self.paths[p.index]
            p.set_sound(None if path is None else path.name, p.index == self.current)

    def add_sounds(self, sound_ids: Sequence[int]) -> int:
        """Put these library sounds on the empty pads, in order; returns how many found a pad."""
        placed = 0
        for sid in sound_ids:
            info = self.state.sounds.get(int(sid))
            free = [i for i, p in enumerate(self.paths) if p is None]
            if info is None or not free:
                break
            self.set_pad(free[0], info.path)
            placed += 1
        return placed

    def add_selection(self) -> None:
        st = self.state
        rows = st.selection.tolist() or ([st.selected] if st.selected is not None else [])
        if not self.add_sounds([int(st.ids[r]) for r in rows]):
            self.message.setText("Select sounds on the map first (or drag them onto the pads); empty pads are needed.")

    def hit(self, index: int) -> None:
        """Play pad ``index`` and make it the current pad."""
        self.current = index
        self._refresh()
        if self.paths[index] is not None:
            self._play(str(self.paths[index]))

    def _is_ours(self, event: Any) -> bool:
        text = event.text().upper()
        return bool(text and text in KEYS) or event.key() in (Qt.Key.Key_N, Qt.Key.Key_Space)

    def event(self, event: Any) -> bool:
        """The pad keys win over the main window's one-key shortcuts (N, T, …) while the kit has the keyboard."""
        if event.type() == QEvent.Type.ShortcutOverride and not event.modifiers() and self._is_ours(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: Any) -> None:
        text = event.text().upper()
        if text and text in KEYS and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.hit(KEYS.index(text))
        elif event.key() == Qt.Key.Key_N:
            self.swap_current()
        elif event.key() == Qt.Key.Key_Space:
            self.toggle_sequencer()
        else:
            super().keyPressEvent(event)

    # ------------------------------------------------------------------ neighbours
    def _sound_id(self, path: Path) -> int | None:
        return next((sid for sid, s in self.state.sounds.items() if Path(s.path) == path), None)

    def swap_current(self) -> None:
        """Replace the current pad's sound with its next nearest neighbour not on another pad."""
        index, path = self.current, self.paths[self.current]
        if path is None:
            return
        if index in self._neighbours:
            self._swap_from(index, self._neighbours[index])
            return
        sid = self._sound_id(path)
        if sid is None:
            self.message.setText(f"{path.name} is not in the open library, so it has no neighbours.")
            return
        self.finding.neighbors(sid, NEIGHBOURS, lambda pairs: self._swap_from(index, [s for s, _ in pairs]))

    def _swap_from(self, index: int, candidates: list[int]) -> None:
        used = {p for p in self.paths if p is not None}
        for n, sid in enumerate(candidates):
            info = self.state.sounds.get(int(sid))
            if info is not None and Path(info.path) not in used:
                rest = candidates[n + 1 :] + candidates[:n]  # the next press takes the next neighbour
                self.paths[index] = Path(info.path)
                self._neighbours[index] = rest
                self.current = index
                self._refresh()
                self.hit(index)
                return
        self.message.setText("No other neighbour to swap in.")

    # ------------------------------------------------------------------- sequencer
    def _step_ms(self) -> int:
        return max(20, round(60_000 / self.tempo.value() / 4))  # sixteenth notes

    def set_step(self, pad: int, step: int, on: bool = True) -> None:
        self.seq.item(pad, step).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def toggle_sequencer(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.play_button.setText("Play")
            return
        self._step = 0
        self.timer.start(self._step_ms())
        self.play_button.setText("Stop")

    def tick(self) -> int | None:
        """Play the current step (its lowest ticked pad with a sound) and advance; returns the pad played."""
        step, self._step = self._step, (self._step + 1) % STEPS
        self.seq.selectColumn(step)  # shows where the sequencer is
        for pad in range(MAX_PADS):
            if self.paths[pad] is not None and self.seq.item(pad, step).checkState() == Qt.CheckState.Checked:
                self._play(str(self.paths[pad]))
                return pad
        return None

    # ---------------------------------------------------------------------- export
    def kit(self) -> Kit:
        """The pads with a sound, each on its General MIDI drum note (pad 1 = 36 kick, …)."""
        pads = [Pad(p, GM_DRUM_NOTES[i]) for i, p in enumerate(self.paths) if p is not None]
        return Kit(self.name.text().strip(), pads)

    def export(self, parent: str | Path | None = None) -> None:
        """Write the kit into ``parent`` (asked when None) on a worker."""
        if not any(self.paths):
            self.message.setText("Put some sounds on the pads first.")
            return
        if parent is None:
            parent = QFileDialog.getExistingDirectory(self, "Export the kit into…", str(Path.home()))
            if not parent:
                return
        self.finding.export_kit(self.kit(), parent, self._exported, self._failed)

    def _exported(self, result: Any) -> None:
        self.last_export = result
        self.message.setText(f"Kit written to {result.folder}: {result.sfz.name}, {result.dspreset.name} and "
                             f"{len(result.samples)} samples.")

    def _failed(self, err: Any) -> None:
        self.message.setText(f"The kit was not exported: {' '.join(str(err.exc).split())}")

    def closeEvent(self, event: Any) -> None:
        self.timer.stop()
        super().closeEvent(event)
