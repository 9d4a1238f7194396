"""The search results: matching sounds first (and which words matched), then sounds like them.

Typing in the search box fills the list; Enter (or Down) in the box goes to the first result and
selects it, the arrow keys step through the results and play them, Esc clears the search. The box
suggests words from the library's vocabulary as you type. The panel only shows what the session
state says and asks for selections (``selectRequested(row, play)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

ROW_ROLE = Qt.ItemDataRole.UserRole


def vocabulary_words(sounds: Iterable[object], limit: int = 5000) -> list[str]:
    """The library's words for completion, most frequent first (:class:`core.finding.search.Vocabulary`)."""
    from core.finding.search import Vocabulary

    counts = Vocabulary.from_sounds(sounds).counts
    return [w for w, _c in counts.most_common(limit) if len(w) > 1]


class SearchResults(QWidget):
    """Signals: ``selectRequested(row, play)``, ``clearRequested()``."""

    selectRequested = Signal(int, bool)
    clearRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchResults")
        self.title = QLabel("Type in the search box (Ctrl+F) to find sounds by name, folder or tag")
        self.title.setObjectName("PanelSubtitle")
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._on_current)
        self.list.itemActivated.connect(lambda item: self.selectRequested.emit(int(item.data(ROW_ROLE)), True))
        self.list.installEventFilter(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.title)
        lay.addWidget(self.list, 1)
        self._box: QLineEdit | None = None
        self._words = QStringListModel(self)
        self._filling = False

    # ------------------------------------------------------------------ state → widget
    def set_results(self, query: str, results: Sequence[tuple[int, float, tuple[str, ...]]],
                    names: Sequence[str]) -> None:
        """``results``: ``(row, score, matched words)``, ranked; ``names`` the rows' names."""
        self._filling = True
        try:
            self.list.clear()
            matched = [r for r in results if r[2]]
            if not query:
                self.title.setText("Type in the search box (Ctrl+F) to find sounds by name, folder or tag")
                return
            self.title.setText(f"{len(matched)} sound{'s' if len(matched) != 1 else ''} match “{query}”"
                               + ("; then sounds like them" if len(results) > len(matched) else ""))
            for row, _score, words in results:
                label = names[row] if 0 <= row < len(names) else str(row)
                item = QListWidgetItem(f"{label}   — {', '.join(words)}" if words else f"{label}   ~ similar")
                item.setData(ROW_ROLE, int(row))
                if not words:
                    item.setForeground(Qt.GlobalColor.gray)
                self.list.addItem(item)
        finally:
            self._filling = False

    def set_vocabulary(self, words: Sequence[str]) -> None:
        """Words the search box suggests (most frequent first)."""
        self._words.setStringList(list(words))

    # ------------------------------------------------------------------ the search box
    def attach(self, box: QLineEdit) -> None:
        """Drive ``box``: completions, Enter/Down to the results, Esc to clear."""
        self._box = box
        completer = QCompleter(self._words, box)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setCompleter(completer)
        box.installEventFilter(self)

    def step(self, delta: int) -> None:
        """Move to the next (``+1``) or previous (``-1``) result, which selects and plays it."""
        n = self.list.count()
        if n:
            cur = self.list.currentRow()
            self.list.setCurrentRow(0 if cur < 0 else max(0, min(n - 1, cur + delta)))

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt API
        if (ev.type() == QEvent.Type.ShortcutOverride and obj is self._box and ev.key() == Qt.Key.Key_Escape
                and self._box.text()):
            ev.accept()  # Esc clears the search here rather than stopping playback
            return True
        if ev.type() != QEvent.Type.KeyPress:
            return False
        key = ev.key()
        if key == Qt.Key.Key_Escape:
            self.clearRequested.emit()
            return True
        if obj is self._box and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Down):
            popup = self._box.completer().popup() if self._box.completer() else None
            if popup is not None and popup.isVisible():
                return False
            self.step(+1 if self.list.currentRow() >= 0 else 0)
            return True
        if obj is self._box and key == Qt.Key.Key_Up:
            self.step(-1)
            return True
        return False

    def _on_current(self, index: int) -> None:
        if not self._filling and index >= 0:
            self.selectRequested.emit(int(self.list.item(index).data(ROW_ROLE)), True)
