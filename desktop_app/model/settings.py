"""Per-user settings as a small JSON file (``core.paths.config_dir()/settings.json``).

Only window geometry and dock layout go through ``QSettings`` (they are Qt blobs); everything
else — recent libraries, last library, volume, output device, hover-to-play, encoder and the
UMAP/cluster parameters — lives here, readable and editable by hand. A missing or corrupt file
gives defaults (the bad file is kept as ``settings.json.bad``); unknown keys are ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from core import paths
from core.defaults import DEFAULT_CLUSTER_METHOD, DEFAULT_MODEL, DEFAULT_NEIGHBORS_K
from core.maps.params import default_cluster_values, default_projection_values

MAX_RECENT = 10


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


@dataclass
class Settings:
    """The user's preferences. ``path`` is where :meth:`save` writes (not serialised)."""

    recent_libraries: list[str] = field(default_factory=list)
    last_library: str | None = None
    volume: float = 0.8
    device: str | None = None  # output device *name* (indices change between sessions)
    hover_to_play: bool = False
    model: str = DEFAULT_MODEL
    projection: dict[str, float] = field(default_factory=default_projection_values)
    colour_by: str = DEFAULT_CLUSTER_METHOD
    cluster_params: dict[str, dict[str, float]] = field(default_factory=default_cluster_values)
    point_size: float = 0.0  # 0: sized for the number of sounds (the slider sets a fixed size)
    neighbors_k: int = DEFAULT_NEIGHBORS_K
    tour_seconds: float = 6.0
    colour_tag: str = ""  # "Colour by tag": the chosen tag ("" = the most common tags)
    osc_enabled: bool = False  # OSC out of hover, selection and the tour (core.osc), off by default
    osc_host: str = "127.0.0.1"
    osc_port: int = 57120
    path: Path | None = field(default=None, repr=False, compare=False)

    # ----------------------------------------------------------------------- load/save
    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = Path(path) if path is not None else settings_path()
        s = cls(path=path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("settings file is not a JSON object")
        except FileNotFoundError:
            return s
        except (OSError, ValueError):
            try:
                path.replace(path.with_suffix(".json.bad"))
            except OSError:
                pass
            return s
        defaults = cls()
        for f in fields(cls):
            if f.name == "path" or f.name not in raw:
                continue
            value = raw[f.name]
            default = getattr(defaults, f.name)
            if default is not None and value is not None and not isinstance(value, type(default)):
                if isinstance(default, float) and isinstance(value, int):
                    value = float(value)
                else:
                    continue  # wrong type: keep the default
            if isinstance(default, dict) and isinstance(value, dict):
                merged = dict(default)
                merged.update(value)
                value = merged
            setattr(s, f.name, value)
        s.volume = min(1.0, max(0.0, float(s.volume)))
        s.recent_libraries = [str(p) for p in s.recent_libraries if isinstance(p, str)][:MAX_RECENT]
        return s

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("path", None)
        return d

    def save(self) -> None:
        """Write atomically (temp file + rename)."""
        path = self.path or settings_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    # -------------------------------------------------------------------------- helpers
    def add_recent(self, folder: str | os.PathLike[str]) -> None:
        """Move ``folder`` to the top of the recent list and make it the last library."""
        p = str(Path(folder).expanduser().resolve())
        self.recent_libraries = [p] + [r for r in self.recent_libraries if r != p]
        del self.recent_libraries[MAX_RECENT:]
        self.last_library = p

    def existing_recent(self) -> list[Path]:
        return [Path(p) for p in self.recent_libraries if Path(p).is_dir()]

    def forget(self, folder: str | os.PathLike[str]) -> None:
        p = str(Path(folder).expanduser().resolve())
        self.recent_libraries = [r for r in self.recent_libraries if r != p]
        if self.last_library == p:
            self.last_library = None
