"""What the views know about one sound."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class SoundInfo:
    """What the views need to know about one sound (from ``lib.sounds()``). ``path`` is made on demand
    from ``root`` (a reopened 20k library spent 0.2 s of its start making every path up front)."""

    id: int
    relpath: str
    root: Path
    duration: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_depth: int | None = None
    format: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.root / self.relpath

    @property
    def name(self) -> str:
        return self.relpath.replace("\\", "/").rpartition("/")[2]

    @property
    def folder(self) -> str:
        return self.relpath.replace("\\", "/").rpartition("/")[0]

    @classmethod
    def from_row(cls, row: Any, root: Path) -> SoundInfo:
        """Build from a ``core.library.SoundRow``-like object (attribute access)."""
        return cls(int(row.id), str(row.relpath), root, getattr(row, "duration", None),
                   getattr(row, "sample_rate", None), getattr(row, "channels", None),
                   getattr(row, "bit_depth", None), getattr(row, "format", None),
                   list(getattr(row, "tags", None) or []))
