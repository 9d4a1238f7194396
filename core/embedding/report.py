"""Results of the embed job (torch-free, so a cached run never imports torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class EmbedBatch:
    """A partial result: the sounds embedded by the last batch."""

    ids: np.ndarray  # int64 [B]
    vectors: np.ndarray  # float32 [B, D]


@dataclass(slots=True)
class EmbedReport:
    model: str
    version: str
    embedded: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def files_per_s(self) -> float:
        return self.embedded / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        s = f"{self.model}: embedded {self.embedded} sounds in {self.seconds:.1f} s"
        if self.embedded:
            s += f" ({self.files_per_s:.1f} files/s)"
        s += f", {self.cached} already cached"
        if self.failed:
            s += f", {len(self.failed)} failed"
        return s
