"""The control panel: encoder, colour-by, map and cluster parameters, point size and search.

Parameter edits are debounced (``desktop_app.views.debounce``) before they are emitted, so dragging a
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

from core.defaults import DEFAULT_CLUSTER_METHOD
from core.encoders.registry import DEFAULT_MARK
from desktop_app.views.debounce import Debounced
from desktop_app.views.param_widgets import spin_for
from core.maps.params import CLUSTER_PARAMS, ProjectionParams, labelled_fields
from desktop_app.model.colouring import DESCRIPTOR_AXES
from desktop_app.model.session_colouring import COLOUR_MODES

COLOUR_LABELS = {
    "hdbscan": "Clusters (HDBSCAN)",
    "kmeans": "Clusters (k-means)",
    "graph": "Communities (kNN graph)",
    "folder": "Folder",
    "tag": "Tag",
    "type": "Sound type",
    "faithfulness": "Map faithfulness",
    "descriptor:brightness": "Brightness",
    "descriptor:loudness": "Loudness",
    "descriptor:duration": "Duration",
    "descriptor:pitch": "Pitch",
}
COLOUR_TIPS = {
    "tag": "Colour the sounds that carry one tag, or the most common tags (one colour each)",
    "type": "What kind of sound it is (from the folder and file names)",
    "faithfulness": "How many of each sound's 10 nearest neighbours are also near on the map "
                    "(dark: the map tore its neighbourhood apart)",
    "descriptor:brightness": "Spectral centroid (Hz), averaged over time",
    "descriptor:loudness": "RMS level (dBFS), averaged over time",
    "descriptor:duration": "Length in seconds",
    "descriptor:pitch": "Autocorrelation pitch (MIDI note number) of the voiced frames",
}
ALL_TAGS = ""  #: the tag picker's first entry: the most common tags
#: Cluster parameter widgets, from the parameter classes: field name -> (field, its method)
CLUSTER_FIELDS = {f.name: (f, method) for method, cls in CLUSTER_PARAMS.items() for f in labelled_fields(cls)}


def _value(spin: QSpinBox | QDoubleSpinBox) -> int | float:
    return round(float(spin.value()), 3) if isinstance(spin, QDoubleSpinBox) else int(spin.value())


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
    colourTagChanged = Signal(str)  # "" = the most common tags
    placeByChanged = Signal(str, str)  # (x axis, y axis): descriptors; ("", "") = the UMAP map

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
            if mode in COLOUR_TIPS:
                self.colour.setItemData(self.colour.count() - 1, COLOUR_TIPS[mode], Qt.ItemDataRole.ToolTipRole)
            if mode in ("folder", "faithfulness"):  # groupings, then continuous colourings
                self.colour.insertSeparator(self.colour.count() - 1)
        self.place_x = QComboBox()
        self.place_x.setObjectName("PlaceX")
        self.place_x.addItem("Map (UMAP)", "")
        self.place_y = QComboBox()
        self.place_y.setObjectName("PlaceY")
        for axis in DESCRIPTOR_AXES:
            self.place_x.addItem(f"{axis.capitalize()} (x) ×", axis)
            self.place_y.addItem(axis.capitalize(), axis)
        self.place_y.setCurrentIndex(min(3, self.place_y.count() - 1))
        self.place_x.setToolTip("Place the sounds by the map, or by two descriptors (x and y), as CataRT does")
        self.place_y_label = QLabel("… by (y)")
        self.tag = QComboBox()
        self.tag.setObjectName("ColourTag")
        self.tag.setToolTip("Which tag to colour by")
        self.tag.addItem("Most common tags", ALL_TAGS)
        self.tag_label = QLabel("Tag")
        for combo in (self.model, self.colour, self.tag, self.place_x, self.place_y):  # long names elide instead of widening the panel
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(7)

        self.projection_spins = {f.name: spin_for(f) for f in labelled_fields(ProjectionParams)}
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
        f.addRow(self.tag_label, self.tag)

        mapbox = QGroupBox("Map (UMAP)")
        f = QFormLayout(mapbox)
        f.addRow("Place by", self.place_x)
        f.addRow(self.place_y_label, self.place_y)
        for fld in labelled_fields(ProjectionParams):
            f.addRow(fld.metadata["label"], self.projection_spins[fld.name])
        f.addRow("Point size", self.point_size)

        self.cluster_box = QGroupBox("Clusters")
        self._cluster_form = QFormLayout(self.cluster_box)
        self._cluster_labels: dict[str, QLabel] = {}
        for name, (fld, _method) in CLUSTER_FIELDS.items():
            spin = spin_for(fld)
            self.cluster_spins[name] = spin
            lab = QLabel(fld.metadata["label"])
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

        self._emit_projection = Debounced(self._do_emit_projection, debounce_ms, self)
        self._emit_cluster = Debounced(self._do_emit_cluster, debounce_ms, self)
        self._emit_query = Debounced(self.queryChanged.emit, 150, self)
        self._emit_point_size = Debounced(self.pointSizeChanged.emit, 30, self)

        self.model.currentIndexChanged.connect(self._model_edited)
        self.colour.currentIndexChanged.connect(self._colour_edited)
        self.tag.currentIndexChanged.connect(self._tag_edited)
        self.place_x.currentIndexChanged.connect(self._place_edited)
        self.place_y.currentIndexChanged.connect(self._place_edited)
        for spin in self.projection_spins.values():
            spin.valueChanged.connect(self._projection_edited)
        self.search.textChanged.connect(self._emit_query)
        self.point_size.valueChanged.connect(lambda v: self._updating or self._emit_point_size(float(v)))
        self._show_cluster_fields(DEFAULT_CLUSTER_METHOD)
        self._show_tag_picker(DEFAULT_CLUSTER_METHOD)
        self._place_edited()

    # ----------------------------------------------------------------- state → widgets
    def set_models(self, choices: Sequence[tuple[str, str, str]], current: str) -> None:
        """``choices``: ``(name, readable label, description)`` (``Library.model_choices``)."""
        self._updating = True
        try:
            self.model.clear()
            for name, label, tip in choices:
                self.model.addItem(label, name)
                mark = " (★ this library's default)" if label.endswith(DEFAULT_MARK) else ""
                self.model.setItemData(self.model.count() - 1, (f"{name}: {tip}" if tip else name) + mark,
                                       Qt.ItemDataRole.ToolTipRole)
            i = self.model.findData(current)
            if i < 0:
                self.model.addItem(current, current)
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
            current = ProjectionParams().updated(projection)
            for name, spin in self.projection_spins.items():
                spin.setValue(getattr(current, name))
            self._cluster_params = {m: dict(p) for m, p in cluster_params.items()}
            self._show_cluster_fields(colour_by)
            self._show_tag_picker(colour_by)
            self.point_size.setValue(int(round(point_size)))
        finally:
            self._updating = False

    def set_tags(self, counts: Sequence[tuple[str, int]], current: str | None = None) -> None:
        """Fill the tag picker with ``(tag, sounds)`` pairs, most common first (no signal)."""
        current = self.current_tag() if current is None else current
        self._updating = True
        try:
            self.tag.clear()
            self.tag.addItem("Most common tags", ALL_TAGS)
            for tag, n in counts:
                self.tag.addItem(f"{tag} ({n})", tag)
            i = self.tag.findData(current)
            if i < 0 and current:
                self.tag.addItem(current, current)
                i = self.tag.count() - 1
            self.tag.setCurrentIndex(max(0, i))
        finally:
            self._updating = False

    def current_tag(self) -> str:
        return str(self.tag.currentData() or "")

    def _show_tag_picker(self, mode: str) -> None:
        self.tag.setVisible(mode == "tag")
        self.tag_label.setVisible(mode == "tag")

    def reset_place(self) -> None:
        """Show "Map (UMAP)" again without emitting (the pipeline put the map back)."""
        self._updating = True
        try:
            self.place_x.setCurrentIndex(0)
        finally:
            self._updating = False

    def _place_edited(self) -> None:
        x = str(self.place_x.currentData() or "")
        self.place_y.setVisible(bool(x))
        self.place_y_label.setVisible(bool(x))
        if not self._updating:
            self.placeByChanged.emit(x, str(self.place_y.currentData() or "") if x else "")

    def _tag_edited(self) -> None:
        if not self._updating:
            self.colourTagChanged.emit(self.current_tag())

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
        for name, (_fld, owner) in CLUSTER_FIELDS.items():
            show = method == owner
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
        self._show_tag_picker(mode)
        if not self._updating:
            self.colourByChanged.emit(mode)

    def _projection_edited(self) -> None:
        if not self._updating:
            self._emit_projection()

    def _do_emit_projection(self) -> None:
        self.projectionChanged.emit({name: _value(spin) for name, spin in self.projection_spins.items()})

    def _cluster_edited(self) -> None:
        if not self._updating:
            self._emit_cluster()

    def _do_emit_cluster(self) -> None:
        method = self.current_colour()
        if method not in CLUSTER_PARAMS:
            return
        params = {name: _value(self.cluster_spins[name]) for name, (_f, owner) in CLUSTER_FIELDS.items() if owner == method}
        self._cluster_params = {**getattr(self, "_cluster_params", {}), method: params}
        self.clusterParamsChanged.emit(method, params)

    def flush(self) -> None:
        """Emit pending debounced edits now (tests, and before closing)."""
        for f in (self._emit_projection, self._emit_cluster, self._emit_query, self._emit_point_size):
            f.flush()
