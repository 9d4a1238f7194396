"""The colouring of the session's points (Qt-free): a mixin of :class:`desktop_app.model.session.SessionState`.

Owns the colour-by mode (:data:`COLOUR_MODES`) and what it puts on the rows: the cluster labels of a
clustering (``labels``, ``label_names``, the core ``labelling`` behind them), the groupings the state
computes itself (folder, tag with its ``colour_tag``, sound type) and a continuous colouring quantised
into bins (``colour_scale``), plus the cluster names a person edits. Changes emit ``colour_by`` and
``labels`` on ``state.events``. The state owns the rows (``ids``, ``sounds``, ``_align``) and the
attributes' initial values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.maps.labels import cluster_name
from core.maps.params import CLUSTER_METHODS
from desktop_app.model.colouring import CONTINUOUS_MODES, GROUPING_MODES, ColourScale, grouping, quantise
from desktop_app.model.events import StateEvents
from desktop_app.model.sounds import SoundInfo

#: Colour-by modes: the first three are clusterings computed by ``lib.cluster``; then groupings the
#: state computes itself (folder, tag, sound type) and continuous colourings computed by jobs
#: (map faithfulness, descriptors; see ``desktop_app.model.colouring``).
COLOUR_MODES: tuple[str, ...] = (*CLUSTER_METHODS, *GROUPING_MODES, *CONTINUOUS_MODES)


class SessionColouring:
    """Colour-by for :class:`~desktop_app.model.session.SessionState` (see the module docstring)."""

    events: StateEvents
    ids: np.ndarray
    sounds: dict[int, SoundInfo]
    colour_by: str
    colour_tag: str | None
    colour_scale: ColourScale | None
    labels: np.ndarray
    label_names: dict[int, str]
    labelling: Any

    def set_colour_by(self, mode: str) -> None:
        if mode not in COLOUR_MODES:
            raise ValueError(f"unknown colour-by mode {mode!r}; expected one of {COLOUR_MODES}")
        if mode != self.colour_by:
            self.colour_by = mode
            self.events.colour_by.emit(mode)
            if mode in GROUPING_MODES:
                self._apply_grouping()

    def set_labelling(self, labels: np.ndarray, ids: np.ndarray | None = None,
                      names: dict[int, str] | None = None, labelling: Any = None) -> bool:
        """Cluster labels (int ``[M]``, rows following ``ids``); ``-1`` is noise."""
        aligned = self._align(ids, np.asarray(labels, dtype=np.int64), -1)
        if aligned is None:
            return False
        self.labels = aligned
        self.colour_scale = None
        uniq = sorted(int(v) for v in np.unique(aligned) if v >= 0)
        self.label_names = dict(names) if names else {lab: cluster_name(lab) for lab in uniq}
        self.labelling = labelling
        self.events.labels.emit(self.labels, self.label_names)
        return True

    def set_colour_tag(self, tag: str | None) -> None:
        """The tag of the "tag" colouring (None or "": the most common tags, one colour each)."""
        tag = tag or None
        if tag != self.colour_tag:
            self.colour_tag = tag
            if self.colour_by == "tag":
                self._apply_grouping()

    def set_colour_values(self, values: np.ndarray, ids: np.ndarray | None, scale: ColourScale) -> bool:
        """A continuous colouring: ``values`` float ``[M]`` (rows following ``ids``), drawn as
        ``scale.bins`` bins of ``scale``; rows without a value are grey. Emits ``labels``."""
        aligned = self._align(ids, np.asarray(values, dtype=np.float64), np.nan)
        if aligned is None:
            return False
        self.labels = quantise(aligned, scale.lo, scale.hi, scale.bins)
        self.label_names = {b: scale.bin_name(b) for b in range(scale.bins)}
        self.labelling = None
        self.colour_scale = scale
        self.events.labels.emit(self.labels, self.label_names)
        return True

    def _grouping_labels(self) -> tuple[np.ndarray, dict[int, str]]:
        self.colour_scale = None
        infos = [self.sounds.get(int(i)) for i in self.ids]
        return grouping(self.colour_by, infos, self.colour_tag)

    def _apply_grouping(self) -> None:
        self.labels, self.label_names = self._grouping_labels()
        self.labelling = None
        self.events.labels.emit(self.labels, self.label_names)

    def cluster_rows(self, label: int) -> np.ndarray:
        return np.flatnonzero(self.labels == label)

    def rename_label(self, label: int, name: str) -> None:
        """Give cluster ``label`` the name ``name`` (blank: its default name) for this colouring."""
        name = " ".join(str(name).split()) or cluster_name(label)
        if self.label_names.get(label) != name:
            self.label_names = {**self.label_names, int(label): name}
            self.events.labels.emit(self.labels, self.label_names)
