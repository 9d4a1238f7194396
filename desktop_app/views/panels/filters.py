"""The filter panel: favourites, rating, collection, duration, loop or one-shot.

It only says what to keep (a :class:`core.finding.filters.SoundFilter` in ``changed``); the window
applies it with ``core.finding.filters.filter_mask`` and the map highlights the sounds that pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.finding.filters import SoundFilter

_KINDS = (("Any", None), ("Loops", "loop"), ("One-shots", "one-shot"))


class FilterPanel(QWidget):
    """Signals: ``changed(SoundFilter)``; ``analyseRequested()`` when a loop/one-shot filter needs
    the loop analysis first."""

    changed = Signal(object)
    analyseRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FilterPanel")
        self.favourites = QCheckBox("Favourites only")
        self.rating = QSpinBox()
        self.rating.setRange(0, 5)
        self.rating.setSpecialValueText("any")
        self.rating.setSuffix(" ★")
        self.collection = QComboBox()
        self.collection.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.collection.setMinimumContentsLength(8)
        self.min_s, self.max_s = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.min_s, self.max_s):
            box.setRange(0.0, 999.0)
            box.setDecimals(1)
            box.setSingleStep(0.5)
            box.setSuffix(" s")
            box.setSpecialValueText("—")
        self.kind = QComboBox()
        for text, value in _KINDS:
            self.kind.addItem(text, value)
        self.count = QLabel("")
        self.count.setObjectName("FilterCount")
        self.count.setWordWrap(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self._analysed = False

        form = QFormLayout(self)
        form.setContentsMargins(6, 6, 6, 6)
        form.addRow(self.favourites)
        form.addRow("Rating ≥", self.rating)
        form.addRow("Collection", self.collection)
        form.addRow("Longer than", self.min_s)
        form.addRow("Shorter than", self.max_s)
        form.addRow("Kind", self.kind)
        form.addRow(self.count)
        form.addRow(self.clear_button)
        self.set_collections([])
        self.favourites.toggled.connect(self._emit)
        for w in (self.rating, self.min_s, self.max_s):
            w.valueChanged.connect(self._emit)
        for w in (self.collection, self.kind):
            w.currentIndexChanged.connect(self._emit)

    def set_collections(self, collections: Sequence[Any]) -> None:
        """Offer these collections (``core.catalog.marks.Collection``); keeps the chosen one if it is still there."""
        current = self.collection.currentData()
        self.collection.blockSignals(True)
        self.collection.clear()
        self.collection.addItem("Any", None)
        for c in collections:
            self.collection.addItem(f"{c.name} ({c.size})", c.id)
        i = self.collection.findData(current)
        self.collection.setCurrentIndex(max(0, i))
        self.collection.blockSignals(False)

    def value(self) -> SoundFilter:
        lo, hi = self.min_s.value(), self.max_s.value()
        return SoundFilter(favourites_only=self.favourites.isChecked(), min_rating=self.rating.value(),
                           collection=self.collection.currentData(), min_duration=lo or None,
                           max_duration=hi or None, kind=self.kind.currentData())

    def set_count(self, passing: int | None, total: int) -> None:
        self.count.setText("" if passing is None else f"{passing} of {total} sounds pass; the others are dimmed")

    def set_analysed(self, analysed: bool) -> None:
        self._analysed = analysed

    def clear(self) -> None:
        for w in (self.favourites, self.rating, self.min_s, self.max_s, self.collection, self.kind):
            w.blockSignals(True)
        self.favourites.setChecked(False)
        self.rating.setValue(0)
        self.min_s.setValue(0.0)
        self.max_s.setValue(0.0)
        self.collection.setCurrentIndex(0)
        self.kind.setCurrentIndex(0)
        for w in (self.favourites, self.rating, self.min_s, self.max_s, self.collection, self.kind):
            w.blockSignals(False)
        self._emit()

    def _emit(self, *_: Any) -> None:
        flt = self.value()
        if flt.kind is not None and not self._analysed:
            self.analyseRequested.emit()
        self.changed.emit(flt)
