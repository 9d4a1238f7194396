from __future__ import annotations

import os
from pathlib import Path

import pytest

import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep per-user state of the test run (catalogs, settings, logs, numba cache) out of the real
# user's directories: a private home for the session unless the caller chose one.
if not os.environ.get("SOUND_EXPLORER_HOME"):
    os.environ["SOUND_EXPLORER_HOME"] = tempfile.mkdtemp(prefix="sound-explorer-tests-")

from tests.synth import write_collection  # noqa: E402


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A read-only-by-convention synthetic collection shared by the session (8 sounds × 4 classes)."""
    root = tmp_path_factory.mktemp("synth_collection")
    labels = write_collection(root, per_class=8, seed=0)
    return root, labels


@pytest.fixture()
def fresh_synth(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A private synthetic collection a test may modify (4 sounds × 4 classes)."""
    root = tmp_path / "lib"
    labels = write_collection(root, per_class=4, seed=1)
    return root, labels


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private per-user home (catalogs, settings, caches) for one test."""
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
