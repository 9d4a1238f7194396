"""The first launch on the bundled demo, as a new user gets it: default encoder and colouring, a
fresh per-user folder. Issue 9: a first map worth showing has at least 5 clusters and fewer than
20 % of the sounds unassigned."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.defaults import DEFAULT_CLUSTER_METHOD, DEFAULT_MODEL

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_first_launch_on_the_demo_shows_a_map_worth_showing(tmp_path: Path) -> None:
    env = {**os.environ, "SOUND_EXPLORER_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "desktop_app.main", "--smoke"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=580)
    assert r.returncode == 0, r.stderr[-3000:]
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("smoke:"))
    m = re.search(r"with (\d+) sounds \((\S+)\), (\d+) clusters, (\d+) unassigned", line)
    assert m, line
    n, model, k, loose = int(m[1]), m[2], int(m[3]), int(m[4])
    assert model == DEFAULT_MODEL and DEFAULT_CLUSTER_METHOD == "graph"
    assert n >= 80 and k >= 5 and loose < 0.2 * n, line
