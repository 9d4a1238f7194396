"""Playback ▸ OSC output…: turn OSC out on or off and set where it goes (host, port)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

__all__ = ["OscDialog"]


class OscDialog(QDialog):
    """Edits an :class:`~desktop_app.controllers.osc.OscOut`'s settings; OK applies (and keeps them)."""

    def __init__(self, osc: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("OSC output")
        self.osc = osc
        s = osc.settings
        self.enabled = QCheckBox("Send hover, selection and tour steps as OSC messages")
        self.enabled.setChecked(bool(s.osc_enabled))
        self.host = QLineEdit(str(s.osc_host))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(s.osc_port))
        self.error = QLabel("")
        self.error.setStyleSheet("color: #e57373")
        help_text = QLabel("Addresses: /sound-explorer/hover, /select, /tour, /tour/stop (see docs/explain.md). "
                           "57120 is SuperCollider's language port.")
        help_text.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.enabled)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(help_text)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def apply(self) -> bool:
        """Apply the fields; a bad host or port is said in the dialog, which stays open."""
        try:
            self.osc.configure(self.enabled.isChecked(), self.host.text().strip(), self.port.value())
        except ValueError as exc:
            self.error.setText(str(exc))
            return False
        self.accept()
        return True
