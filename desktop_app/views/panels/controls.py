"""The control panel: encoder, colour-by, map and cluster parameters, point size and search.

Parameter edits are debounced (superqt ``qdebounced``) before they are emitted, so dragging a
spin box recomputes once when the user pauses, in the background, and the map updates live.
The panel does no work itself: it emits what the user asked for and reflects the state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import qdebounced

from desktop_app.model.session import COLOUR_MODES

COLOUR_LABELS = {
    "hdbscan": "Clusters (HDBSCAN)",
    "kmeans": "Clusters (k-means)",
    "graph": "Communities (kNN graph)",
    "folder": "Folder",
    "tag": "Tag",
}
MODEL_LABELS = {"mfcc": "MFCC statistics (fast)", "pretrained": "aiSFX pretrained"}

#: Parameter widgets: name -> (label, min, max, step, decimals or None for int, methods using it)
CLUSTER_FIELDS = {
    "min_cluster_size": ("Min cluster size", 2, 500, 1, None, ("hdbscan",)),
    "k": ("Clusters / neighbours k", 2, 200, 1, None, ("kmeans", "graph")),
    "resolution": ("Resolution", 0.1, 5.0, 0.1, 2, ("graph",)),
}


def _spin(lo: float, hi: float, step: float, decimals: int | None) -> QSpinBox | QDoubleSpinBox:
    if decimals is None:
        s: QSpinBox | QDoubleSpinBox = QSpinBox()
    else:
        s = QDoubleSpinBox()
        s.setDecimals(decimals)
    s.setRange(lo, hi)
    s.setSingleStep(step)
    s.setKeyboardTracking(False)
    return s


class ControlsPanel(QWidget):
    """Signals (all already debounced where it matters):

    ``modelChanged(str)``, ``colourByChanged(str)``, ``projectionChanged(dict)``,
    ``clusterParamsChanged(str method, dict)``, ``pointSizeChanged(float)``, ``queryChanged(str)``.
    """

    modelChanged = Signal(str)
    colourByChanged = Signal(str)
    projectionChanged = Signal(object)
    clusterParamsChanged = Signal(str, object)
    pointSizeChanged = Signal(float)
    queryChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None, debounce_ms: int = 350) -> None:
        super().__init__(parent)
        self.setObjectName("ControlsPanel")
        self._updating = False

        self.search = QLineEdit()
        self.search.setObjectName("SearchBox")
        self.search.setPlaceholderText("Search names, folders, tags…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.match_label = QLabel("")
        self.match_label.setObjectName("MatchCount")

        self.model = QComboBox()
        self.model.setToolTip("How sounds are compared. Cached results are reused when you switch back.")
        self.colour = QComboBox()
        for mode in COLOUR_MODES:
            self.colour.addItem(COLOUR_LABELS[mode], mode)

        self.n_neighbors = _spin(2, 200, 1, None)
        self.n_neighbors.setToolTip("UMAP neighbours: small values keep local detail, large values global shape")
        self.min_dist = _spin(0.0, 0.99, 0.05, 2)
        self.min_dist.setToolTip("UMAP minimum distance: small values pack clusters tightly")
        self.cluster_spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.point_size = QSlider(Qt.Orientation.Horizontal)
        self.point_size.setRange(2, 30)

        search_box = QVBoxLayout()
        search_box.addWidget(self.search)
        search_box.addWidget(self.match_label)

        sound = QGroupBox("Listening with")
        f = QFormLayout(sound)
        f.addRow("Encoder", self.model)
        f.addRow("Colour by", self.colour)

        mapbox = QGroupBox("Map (UMAP)")
        f = QFormLayout(mapbox)
        f.addRow("Neighbours", self.n_neighbors)
        f.addRow("Min distance", self.min_dist)
        f.addRow("Point size", self.point_size)

        self.cluster_box = QGroupBox("Clusters")
        self._cluster_form = QFormLayout(self.cluster_box)
        self._cluster_labels: dict[str, QLabel] = {}
        for name, (label, lo, hi, step, dec, _methods) in CLUSTER_FIELDS.items():
            spin = _spin(lo, hi, step, dec)
            self.cluster_spins[name] = spin
            lab = QLabel(label)
            self._cluster_labels[name] = lab
            self._cluster_form.addRow(lab, spin)
            spin.valueChanged.connect(self._cluster_edited)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addLayout(search_box)
        lay.addWidget(sound)
        lay.addWidget(mapbox)
        lay.addWidget(self.cluster_box)
        lay.addStretch(1)

        self._emit_projection = qdebounced(self._do_emit_projection, timeout=debounce_ms, parent=self)
        self._emit_cluster = qdebounced(self._do_emit_cluster, timeout=debounce_ms, parent=self)
        self._emit_query = qdebounced(self.queryChanged.emit, timeout=150, parent=self)
        self._emit_point_size = qdebounced(self.pointSizeChanged.emit, timeout=30, parent=self)

        self.model.currentIndexChanged.connect(self._model_edited)
        self.colour.currentIndexChanged.connect(self._colour_edited)
        self.n_neighbors.valueChanged.connect(self._projection_edited)
        self.min_dist.valueChanged.connect(self._projection_edited)
        self.search.textChanged.connect(self._emit_query)
        self.point_size.valueChanged.connect(lambda v: self._updating or self._emit_point_size(float(v)))
        self._show_cluster_fields("hdbscan")

    # ----------------------------------------------------------------- state → widgets
    def set_models(self, names: Sequence[str], current: str) -> None:
        self._updating = True
        try:
            self.model.clear()
            for n in names:
                self.model.addItem(MODEL_LABELS.get(n, n), n)
            i = self.model.findData(current)
            if i < 0:
                self.model.addItem(MODEL_LABELS.get(current, current), current)
                i = self.model.count() - 1
            self.model.setCurrentIndex(i)
        finally:
            self._updating = False

    def set_values(self, *, colour_by: str, projection: dict, cluster_params: dict[str, dict],
                   point_size: float) -> None:
        """Reflect the state without emitting anything."""
        self._updating = True
        try:
            self.colour.setCurrentIndex(max(0, self.colour.findData(colour_by)))
            self.n_neighbors.setValue(int(projection.get("n_neighbors", 15)))
            self.min_dist.setValue(float(projection.get("min_dist", 0.1)))
            self._cluster_params = {m: dict(p) for m, p in cluster_params.items()}
            self._show_cluster_fields(colour_by)
            self.point_size.setValue(int(round(point_size)))
        finally:
            self._updating = False

    def set_match_count(self, query: str, n: int | None) -> None:
        if not query or n is None:
            self.match_label.setText("")
        else:
            self.match_label.setText("No match" if n == 0 else f"{n} match{'es' if n != 1 else ''}")

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # ----------------------------------------------------------------- widgets → signals
    def current_model(self) -> str:
        return str(self.model.currentData() or "")

    def current_colour(self) -> str:
        return str(self.colour.currentData())

    def _show_cluster_fields(self, method: str) -> None:
        params = getattr(self, "_cluster_params", {}).get(method, {})
        visible_any = False
        for name, (_l, _lo, _hi, _st, _dec, methods) in CLUSTER_FIELDS.items():
            show = method in methods
            self.cluster_spins[name].setVisible(show)
            self._cluster_labels[name].setVisible(show)
            visible_any |= show
            if show and name in params:
                was = self._updating
                self._updating = True
                self.cluster_spins[name].setValue(params[name])
                self._updating = was
        self.cluster_box.setVisible(visible_any)

    def _model_edited(self) -> None:
        if not self._updating and self.current_model():
            self.modelChanged.emit(self.current_model())

    def _colour_edited(self) -> None:
        mode = self.current_colour()
        self._show_cluster_fields(mode)
        if not self._updating:
            self.colourByChanged.emit(mode)

    def _projection_edited(self) -> None:
        if not self._updating:
            self._emit_projection()

    def _do_emit_projection(self) -> None:
        self.projectionChanged.emit({"n_neighbors": int(self.n_neighbors.value()),
                                     "min_dist": round(float(self.min_dist.value()), 3)})

    def _cluster_edited(self) -> None:
        if not self._updating:
            self._emit_cluster()

    def _do_emit_cluster(self) -> None:
        method = self.current_colour()
        if method not in ("hdbscan", "kmeans", "graph"):
            return
        params = {}
        for name, (_l, _lo, _hi, _st, dec, methods) in CLUSTER_FIELDS.items():
            if method in methods:
                v = self.cluster_spins[name].value()
                params[name] = int(v) if dec is None else round(float(v), 3)
        self._cluster_params = {**getattr(self, "_cluster_params", {}), method: params}
        self.clusterParamsChanged.emit(method, params)

    def flush(self) -> None:
        """Emit pending debounced edits now (tests, and before closing)."""
        for f in (self._emit_projection, self._emit_cluster, self._emit_query, self._emit_point_size):
            f.flush()
