"""Keeps the :class:`MapView` in step with the :class:`SessionState`.

State events mark what is stale (points, positions, labels, overlays); a zero-delay timer
flushes at most ~40 times a second, so a burst of streamed batches or UMAP frames becomes one
``set_points``/``update_positions`` per frame and the GUI stays responsive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer

from core.maps.labels import cluster_name, label_centroids
from desktop_app.model.session import SessionState
from desktop_app.views.map.far_layer import FarNeighbourLayer
from desktop_app.views.map.labels import ScaleNames

FRAME_MS = 25


class MapBinding(QObject):
    """State → map view. ``annotations`` turns on cluster captions (presentation mode)."""

    def __init__(self, state: SessionState, map_view: Any) -> None:
        super().__init__(map_view)
        self.state = state
        self.map = map_view
        self.annotations = False
        self.far = FarNeighbourLayer(map_view.vb)  # true neighbours the map put far away
        self.filter_rows: Any = None  # rows that pass the filter panel (None: no filter)
        self._dirty: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.flush)
        ev = state.events
        ev.points.connect(lambda: self._mark("points"))
        ev.positions.connect(lambda _xy, _final: self._mark("positions"))
        ev.labels.connect(lambda _l, _n: self._mark("labels"))
        ev.query.connect(lambda _q, _r: self._mark("overlays"))
        ev.selected.connect(lambda _r: self._mark("overlays"))
        ev.neighbors.connect(lambda _n: self._mark("overlays"))
        ev.selection.connect(lambda _r: self._mark("overlays"))
        ev.true_neighbours.connect(lambda _t: self._mark("overlays"))

    def _mark(self, what: str) -> None:
        self._dirty.add(what)
        if not self._timer.isActive():
            self._timer.start()

    def set_annotations(self, on: bool) -> None:
        self.annotations = on
        self._mark("labels")

    def set_filter(self, rows: Any) -> None:
        """Highlight only ``rows`` (int64, those passing the filter panel) and the search matches among them."""
        self.filter_rows = rows
        self._mark("overlays")

    def flush(self) -> None:
        """Push everything stale to the view now."""
        dirty, self._dirty = self._dirty, set()
        if not dirty:
            return
        st, m = self.state, self.map
        n = len(st.ids)
        if "points" in dirty or m.point_count() != n:
            paths = [str(p) if p is not None else "" for p in st.paths()]
            m.set_points(st.xy, st.names(), paths)
            dirty |= {"labels", "overlays"}
        elif "positions" in dirty:
            m.update_positions(st.xy)
            dirty |= {"captions", "overlays"}
        if "labels" in dirty:
            if n and (st.labels >= 0).any():
                names = st.label_names if st.colour_scale is None else ScaleNames(st.label_names, st.colour_scale)
                m.set_labels(st.labels, names, -1)
            else:
                m.set_labels(None)
            dirty.add("captions")
        if "captions" in dirty:
            self._captions()
        if "overlays" in dirty:
            hl = st.matches if self.filter_rows is None else (
                self.filter_rows if st.matches is None else np.intersect1d(st.matches, self.filter_rows))
            m.set_highlight(hl)
            m.set_selected(st.selected)
            m.set_selection(st.selection if len(st.selection) else None)
            if st.selected is not None and st.neighbors:
                m.set_neighbor_lines(st.selected, [r for r, _ in st.neighbors])
            else:
                m.set_neighbor_lines(None, None)
            tn = st.true_neighbours
            far = [nb.row for nb in tn.far] if tn is not None and tn.row == st.selected else []
            self.far.set(st.xy, st.selected, far, m.enabled_mask(), m.point_size())

    def _captions(self) -> None:
        st = self.state
        if not self.annotations or not len(st.ids) or not (st.labels >= 0).any():
            self.map.set_cluster_annotations({})
            return
        anchors = label_centroids(st.xy, st.labels)
        self.map.set_cluster_annotations(
            {lab: (x, y, st.label_names.get(lab, cluster_name(lab))) for lab, (x, y) in anchors.items()}
        )
