"""Query by any sound: the results window (the neighbour list, playable) and the query's marker on
the map, where the sound would land (``core.finding.query``'s ``xy``).

A query comes from a file (dropped on the map, or File ▸ Find sounds like…) or a recording
(:mod:`desktop_app.views.dialogs.recording`); both end in :meth:`FindLikeDialog.query_file` /
:meth:`FindLikeDialog.query_buffer`, which run ``query_library`` on a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.views.panels.neighbor_list import NeighborList


class QueryMarker:
    """A star on the map where a query sound would land, with its name."""

    def __init__(self, map_view: Any) -> None:
        self.item = pg.ScatterPlotItem(pxMode=True, size=24, symbol="star", pen=pg.mkPen("#ffffff", width=1.6),
                                       brush=pg.mkBrush("#ff4fa3"))
        self.text = pg.TextItem("", color="#ffffff", anchor=(0.5, 1.4), fill=pg.mkBrush(20, 20, 28, 200))
        for z, it in ((60, self.item), (61, self.text)):
            it.setZValue(z)
            map_view.vb.addItem(it, ignoreBounds=True)
        self.clear()

    def show(self, xy: np.ndarray, label: str) -> None:
        x, y = float(xy[0]), float(xy[1])
        self.item.setData([x], [y])
        self.text.setText(label)
        self.text.setPos(x, y)
        self.item.show()
        self.text.show()

    def clear(self) -> None:
        self.item.setData([], [])
        self.item.hide()
        self.text.hide()

    def position(self) -> tuple[float, float] | None:
        if not self.item.isVisible():
            return None
        x, y = self.item.getData()
        return (float(x[0]), float(y[0])) if len(x) else None


class FindLikeDialog(QDialog):
    """The neighbours of a query sound. ``finding``: :class:`desktop_app.controllers.finding.Finding`."""

    def __init__(self, finding: Any, map_view: Any, play_row: Callable[[int], None],
                 select_row: Callable[[int], None], play_file: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FindLikeDialog")
        self.setWindowTitle("Sounds like…")
        self.finding = finding
        self.state = finding.state
        self.map = map_view
        self.marker = QueryMarker(map_view)
        self.result: Any = None
        self.label = ""
        self._play_file = play_file
        self._query_path: str | None = None
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.neighbors = NeighborList()
        self.neighbors.playRequested.connect(play_row)
        self.neighbors.selectRequested.connect(select_row)
        self.play_query = QPushButton("Play the query")
        self.play_query.clicked.connect(self._play)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.addButton(self.play_query, QDialogButtonBox.ButtonRole.ActionRole)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.neighbors, 1)
        lay.addWidget(buttons)
        self.resize(420, 440)

    # ----------------------------------------------------------------------- queries
    def query_file(self, path: str | Path) -> None:
        """Find the sounds like the file at ``path`` (any audio file, inside the library or not)."""
        self._query_path = str(path)
        self._start(Path(path).name, path=str(path))

    def query_buffer(self, samples: np.ndarray, rate: int, label: str = "the recording") -> None:
        """Find the sounds like a recording (float ``[n]`` or ``[n, channels]`` at ``rate``)."""
        self._query_path = None
        self._start(label, samples=np.asarray(samples, np.float32), rate=int(rate))

    def _start(self, label: str, **query: Any) -> None:
        self.label, self.result = label, None
        self.play_query.setEnabled(self._query_path is not None)
        if not len(self.state.ids):
            self.status.setText("Open a folder of sounds first: the query is compared with its sounds.")
            return
        self.status.setText(f"Listening to <b>{label}</b> with {self.state.model}…")
        self.neighbors.set_neighbors(None, [], [])
        self.marker.clear()
        self.finding.query(**query, on_result=self._done, on_error=self._failed)

    def _failed(self, err: Any) -> None:
        self.status.setText(f"Could not use <b>{self.label}</b>: {' '.join(str(err.exc).split())}")

    def _done(self, result: Any) -> None:
        self.result = result
        st = self.state
        pairs = [(r, d) for sid, d in result.neighbors if (r := st.row_of(sid)) is not None]
        self.neighbors.set_neighbors(self.label, pairs, st.names())
        where = ""
        if result.xy is not None:
            self.marker.show(result.xy, self.label)
            rows = [r for r, _ in pairs]
            if rows:
                self.map.fly_to_rows(rows, margin=0.3)
            where = " The star on the map shows where it would land."
        self.status.setText(f"{len(pairs)} sounds like <b>{self.label}</b> ({st.model}).{where} "
                            "Click one to play it; double-click selects it on the map.")

    def rows(self) -> list[int]:
        return self.neighbors.rows()

    def _play(self) -> None:
        if self._query_path is not None:
            self._play_file(self._query_path)

    def closeEvent(self, event: Any) -> None:
        self.marker.clear()
        super().closeEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)
