"""What the views know about one sound."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class SoundInfo:
    """What the views need to know about one sound (from ``lib.sounds()``)."""

    id: int
    relpath: str
    path: Path
    duration: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_depth: int | None = None
    format: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.relpath.replace("\\", "/").rpartition("/")[2]

    @property
    def folder(self) -> str:
        return self.relpath.replace("\\", "/").rpartition("/")[0]

    @classmethod
    def from_row(cls, row: Any, root: Path) -> SoundInfo:
        """Build from a ``core.library.SoundRow``-like object (attribute access)."""
        return cls(
            id=int(row.id),
            relpath=str(row.relpath),
            path=Path(root) / str(row.relpath),
            duration=getattr(row, "duration", None),
            sample_rate=getattr(row, "sample_rate", None),
            channels=getattr(row, "channels", None),
            bit_depth=getattr(row, "bit_depth", None),
            format=getattr(row, "format", None),
            tags=list(getattr(row, "tags", None) or []),
        )
