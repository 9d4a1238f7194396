"""Work on one sound of the open library, on workers: its neighbours and its preview (waveform,
spectrogram) for the details panel. Separate from the :class:`~desktop_app.controllers.pipeline.Pipeline`,
which runs the library-wide chain; results for a sound that is no longer selected are dropped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.controllers.jobs import JobHandle


class SoundWork(QObject):
    """Signals: ``previewReady(row, Preview | None, why)``."""

    previewReady = Signal(int, object, str)

    def __init__(self, pipeline: Any) -> None:
        super().__init__()
        self.pipeline = pipeline

    def neighbors(self, row: int, k: int | None = None) -> JobHandle | None:
        """Find the neighbours of ``row`` on a worker (building the index may import torch)."""
        p = self.pipeline
        info = p.state.info(row)
        if p.library is None or info is None:
            return None
        lib, model, sid = p.library, p.state.model, info.id
        k = int(k or p.settings.neighbors_k)

        def done(pairs: list[tuple[int, float]]) -> None:
            if p.state.selected == row and p.state.info(row) is info:
                p.state.set_neighbors(pairs)

        return p.jobs.call("neighbours", lib.neighbors, model, sid, k, key=p.key,
                           description="Finding neighbours", on_result=done)

    def preview(self, row: int) -> JobHandle | None:
        """Decode and analyse ``row`` for the details panel; ``previewReady`` carries the result."""
        p = self.pipeline
        info = p.state.info(row)
        if info is None:
            return None
        from core.audio.decode import DecodeError
        from core.audio.preview import load_preview

        def work() -> tuple[Any, str]:
            try:
                return load_preview(info.path), ""
            except DecodeError as exc:
                return None, f"Cannot show this sound: {exc}"

        return p.jobs.call("preview", work, key=p.key, description="Reading the sound",
                           on_result=lambda res: self.previewReady.emit(row, res[0], res[1]))
