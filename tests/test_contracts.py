"""Architecture contracts: core/ is headless (no Qt, pyqtgraph, sounddevice, superqt)."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import core

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "pyqtgraph", "sounddevice", "superqt", "desktop_app")


def test_import_linter_contract() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is part of the test extra"
    r = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_core_module_imports_with_gui_modules_blocked() -> None:
    """Import each core module in a fresh interpreter where the GUI modules cannot be imported."""
    names = [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]
    assert "core.library" in names and "core.cli" in names
    code = (
        "import sys\n"
        f"for m in {FORBIDDEN!r}: sys.modules[m] = None\n"
        f"import importlib\nfor n in {names!r}: importlib.import_module(n)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} and sys.modules[m] is not None]\n"
        "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]


def test_no_module_over_limit() -> None:
    """Modules stay small enough to read (the brief: about 500 lines)."""
    big = [
        (p.relative_to(ROOT), n)
        for pkg in ("core", "desktop_app")
        for p in (ROOT / pkg).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 550
    ]
    assert not big, big
