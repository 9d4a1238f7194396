"""Locating bundled resources (icons, style sheet, demo sounds) from source and from a bundle.

From a source checkout, resources live in ``<repo>/resources``. In a PyInstaller bundle they are
unpacked under ``sys._MEIPASS/resources`` (``build.spec`` puts them there). The environment
variable ``SOUND_EXPLORER_RESOURCES`` overrides both (useful for packagers).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_root() -> Path:
    """The folder holding ``icons/``, ``style.qss`` and ``demo/``."""
    override = os.environ.get("SOUND_EXPLORER_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. ``resource_path("icons", "play.svg")`` (may not exist)."""
    return resources_root().joinpath(*parts)


def demo_dir() -> Path:
    """The bundled demo collection (CC0 sounds in folders by category)."""
    return resource_path("demo")
