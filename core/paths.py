"""Per-user paths (data, cache, logs, config) and where a library's catalog lives.

Everything Sound Explorer writes goes under these per-user folders, never inside the user's
sound folder (it may be read-only, shared, or on a network drive).

Setting the environment variable ``SOUND_EXPLORER_HOME`` to a non-empty path puts all four
folders under it (``data/``, ``cache/``, ``logs/``, ``config/``); tests use this to stay out of
the real user's directories. The functions only compute paths; callers create them as needed.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import platformdirs

APP_NAME = "sound-explorer"
HOME_ENV = "SOUND_EXPLORER_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """Per-user data folder (catalogs, trained models)."""
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Per-user cache folder (anything that can be recomputed)."""
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Per-user log folder."""
    home = _home()
    return home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """Per-user configuration folder."""
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def _sanitise(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    return clean[:40] or "root"


def default_catalog_path(root: Path) -> Path:
    """The catalog file of the sound folder ``root``.

    ``data_dir()/libraries/<sanitised folder name>-<10 hex digits of sha1(resolved root)>.sqlite``:
    readable for a human, unique per folder, and never inside the folder itself.
    """
    resolved = Path(root).expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return data_dir() / "libraries" / f"{_sanitise(resolved.name)}-{digest}.sqlite"
