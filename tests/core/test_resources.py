from __future__ import annotations

import sys
from pathlib import Path

import pytest

from core import resources


def test_resource_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SOUND_EXPLORER_RESOURCES", raising=False)
    assert resources.demo_dir() == resources.resource_path("demo")
    assert resources.resources_root().name == "resources"
    assert (resources.resources_root().parent / "core").is_dir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons", "x.svg") == tmp_path / "resources" / "icons" / "x.svg"
    monkeypatch.setenv("SOUND_EXPLORER_RESOURCES", str(tmp_path / "r"))
    assert resources.demo_dir() == tmp_path / "r" / "demo"
