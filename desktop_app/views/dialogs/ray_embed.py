"""File ▸ Embed on a Ray cluster…: where the cluster is (blank: start one on this machine) and which model."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.controllers.ray_embed import INSTALL_HINT, ray_installed, ray_models, start_ray_embed

__all__ = ["RayEmbedDialog", "open_ray_dialog"]


class RayEmbedDialog(QDialog):
    """The cluster's address and the model; ``values()`` → ``(model, address)``."""

    def __init__(self, models: list[tuple[str, str]], current: str, parent: QWidget | None = None) -> None:
        """``models``: ``(name, readable label)``."""
        super().__init__(parent)
        self.setObjectName("RayEmbedDialog")
        self.setWindowTitle("Embed on a Ray cluster")
        self.address = QLineEdit()
        self.address.setObjectName("RayAddress")
        self.address.setPlaceholderText("blank: start a local cluster on this machine")
        self.address.setToolTip("The head node's address, e.g. 10.0.0.5:6379 (ray start --head prints it)")
        self.model = QComboBox()
        self.model.setObjectName("RayModel")
        for name, label in models:
            self.model.addItem(label, name)
        if self.model.findData(current) >= 0:
            self.model.setCurrentIndex(self.model.findData(current))
        about = QLabel("The cluster's workers decode and embed the sounds that have no vector yet; the catalog, "
                       "the map and this app stay here. Every worker must read the sound files at the same path "
                       "(a shared folder). The job bar shows the progress and can cancel.")
        about.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Cluster address", self.address)
        form.addRow("Model", self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Embed")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(about)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.resize(460, self.sizeHint().height())

    def values(self) -> tuple[str, str]:
        return self.model.currentData(), self.address.text().strip()


def open_ray_dialog(win: Any) -> QDialog | None:
    """Show the dialog (OK starts the run), or say how to install Ray when it is missing. Returns the
    window shown (the dialog or the message), or None when no library is open."""
    if win.pipeline.library is None:
        win.notify("Open a library first", 4000)
        return None
    if not ray_installed():
        box = QMessageBox(QMessageBox.Icon.Information, "Ray is not installed", INSTALL_HINT,
                          QMessageBox.StandardButton.Ok, win)
        box.setObjectName("RayMissing")
        box.open()
        win._ray_dialog = box
        return box
    usable = set(ray_models())
    choices = [(n, label) for n, label, _ in win.pipeline.model_choices if n in usable]
    dialog = RayEmbedDialog(choices, win.state.model, win)

    def start() -> None:
        if start_ray_embed(win.pipeline, *dialog.values()):  # the model chosen is now the one shown
            win.pipeline.refresh_models(lambda choices: win.controls.set_models(choices, win.state.model))

    dialog.accepted.connect(start)
    dialog.open()
    win._ray_dialog = dialog
    return dialog
