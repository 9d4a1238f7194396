"""The training dialog's tag list: the vocabulary a run would use, with each tag's kind.

Unticking a tag excludes it (it joins the *Exclude tags* field); ticking it again brings it back.
The *kind* column says whether a tag is content (what a sound is: training relevance) or provenance
(kit, pack, velocity, mic: kept as metadata, not trained on), with the reason as a tooltip; clicking
it flips the tag. A mixin of :class:`desktop_app.views.dialogs.training.TrainingDialog`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout,
)

from core.training.config import TrainConfig


class TagListMixin:
    """Tag-list methods; the dialog provides ``library``, ``_jobs``, ``config()`` and the form."""

    def _build_tags(self) -> QGroupBox:
        box = QGroupBox("Tags (untick to exclude)")
        self.tags_table = QTableWidget(0, 4)
        self.tags_table.setHorizontalHeaderLabels(["tag", "sounds", "weight", "kind"])
        self.tags_table.setToolTip("the weak labels of the tag-based samplers and COALA, most informative "
                                   "first; weight = IDF × how alike the tag's sounds are under the reference; "
                                   "kind: content tags are trained on, provenance tags (kit, pack, velocity, "
                                   "mic) are not — click the kind to flip it")
        self.tags_table.itemClicked.connect(self._on_kind_clicked)
        self.tags_table.verticalHeader().setVisible(False)
        self.tags_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tags_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.tags_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the tag gets the room that is left
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tags_table.setMinimumWidth(400)  # tag names readable without scrolling sideways
        self.tags_table.itemChanged.connect(self._on_tag_toggled)
        self.tags_note = QLabel("")
        self.tags_note.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.setToolTip("recompute the vocabulary (after embedding with the reference model, or new tags)")
        refresh.clicked.connect(self.load_tags)
        self.exclude.editingFinished.connect(self._sync_tag_checks)
        lay = QVBoxLayout(box)
        lay.addWidget(self.tags_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.tags_note, 1)
        row.addWidget(refresh)
        lay.addLayout(row)
        return box

    def excluded_tags(self) -> list[str]:
        return [t.strip() for t in self.exclude.text().split(",") if t.strip()]

    def _excluded_normalised(self) -> set[str]:
        from core.training.vocabulary import normalise_tag

        return {normalise_tag(t) or t.lower() for t in self.excluded_tags()}

    def load_tags(self) -> None:
        """Compute the vocabulary the current settings would use, on a worker."""
        from core.training.data import preview_tags

        self._tags_requested = True
        try:
            cfg = self.config()
        except ValueError:  # e.g. no sampler ticked: the tags do not depend on the samplers
            cfg = TrainConfig(**{k: v for k, v in self._defaults_kw().items() if k != "samplers"})
        self.tags_note.setText("Reading tags…")
        self._jobs.submit(
            "tags", lambda: preview_tags(self.library, cfg), description="reading tags",
            on_result=self._show_tags, on_error=lambda err: self.tags_note.setText(f"Tags unavailable: {err.exc}"))

    def _show_tags(self, preview) -> None:
        vocab = preview.vocab
        excluded = self._excluded_normalised()
        order = sorted(range(vocab.size), key=lambda i: -float(vocab.weights[i]))
        self._filling_tags = True
        try:
            self.tags_table.setRowCount(len(order))
            for row, i in enumerate(order):
                tag = QTableWidgetItem(vocab.tags[i])
                tag.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                tag.setCheckState(Qt.CheckState.Unchecked if vocab.tags[i] in excluded else Qt.CheckState.Checked)
                count = QTableWidgetItem(str(int(vocab.doc_freq[i])))
                weight = QTableWidgetItem(f"{float(vocab.weights[i]):.2f}")
                for item in (count, weight):
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.tags_table.setItem(row, 0, tag)
                self.tags_table.setItem(row, 1, count)
                self.tags_table.setItem(row, 2, weight)
                self.tags_table.setItem(row, 3, self._kind_item(vocab.kinds.get(vocab.tags[i])))
        finally:
            self._filling_tags = False
        dropped = len(vocab.dropped)
        how = (f"weighed by how alike their sounds are under {preview.reference}" if preview.reference
               else "weighed by rarity only (embed with the reference model to weigh by sound)")
        self.tags_note.setText(f"{vocab.size} tags on {len(vocab.tagged())} of {preview.n_sounds} sounds, {how}; "
                               f"{dropped} dropped (stopwords, too common or rare, inconsistent)."
                               if vocab.size else "No usable tags: the tag sampler and COALA need some.")
        self.tagsLoaded.emit(vocab.size)

    def _kind_item(self, kind) -> QTableWidgetItem:
        """The *kind* cell of a tag (``kind``: a :class:`core.audio.taxonomy.TagKind`, or ``None``)."""
        text = kind.kind if kind is not None else "content"
        item = QTableWidgetItem(text + (" (yours)" if kind is not None and kind.flipped else ""))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setData(Qt.ItemDataRole.UserRole, text)
        item.setToolTip((kind.reason if kind is not None else "") + " — click to flip")
        if text == "provenance":
            item.setForeground(Qt.GlobalColor.gray)
        return item

    def tag_kind(self, tag: str) -> str | None:
        """``'content'`` or ``'provenance'`` as listed (``None`` when the tag is not listed)."""
        for row in range(self.tags_table.rowCount()):
            if self.tags_table.item(row, 0).text() == tag:
                return self.tags_table.item(row, 3).data(Qt.ItemDataRole.UserRole)
        return None

    def flip_tag(self, tag: str) -> None:
        """Make a content tag provenance or the reverse (for the next run; the list is updated)."""
        from core.audio.taxonomy import TagKind

        for row in range(self.tags_table.rowCount()):
            if self.tags_table.item(row, 0).text() != tag:
                continue
            new = "content" if self.tags_table.item(row, 3).data(Qt.ItemDataRole.UserRole) == "provenance" else "provenance"
            self._flips[tag] = new
            self.tags_table.setItem(row, 3, self._kind_item(TagKind(tag, new, f"set by you ({new})", flipped=True)))

    def _on_kind_clicked(self, item: QTableWidgetItem) -> None:
        if item.column() == 3:
            self.flip_tag(self.tags_table.item(item.row(), 0).text())

    def _tag_items(self) -> list[QTableWidgetItem]:
        return [self.tags_table.item(row, 0) for row in range(self.tags_table.rowCount())]

    def tag_checked(self, tag: str) -> bool | None:
        """Whether ``tag`` is ticked in the list (``None`` when it is not listed)."""
        item = next((i for i in self._tag_items() if i.text() == tag), None)
        return None if item is None else item.checkState() == Qt.CheckState.Checked

    def set_tag_checked(self, tag: str, on: bool) -> None:
        for item in self._tag_items():
            if item.text() == tag:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _on_tag_toggled(self, item: QTableWidgetItem) -> None:
        if self._filling_tags or item.column() != 0:
            return
        from core.training.vocabulary import normalise_tag

        tag = item.text()
        excluded = [t for t in self.excluded_tags() if (normalise_tag(t) or t.lower()) != tag]
        if item.checkState() != Qt.CheckState.Checked:
            excluded.append(tag)
        self.exclude.setText(", ".join(excluded))

    def _sync_tag_checks(self) -> None:
        excluded = self._excluded_normalised()
        self._filling_tags = True
        try:
            for item in self._tag_items():
                want = Qt.CheckState.Unchecked if item.text() in excluded else Qt.CheckState.Checked
                if item.checkState() != want:
                    item.setCheckState(want)
        finally:
            self._filling_tags = False

    # -- running ----------------------------------------------------------------------------
