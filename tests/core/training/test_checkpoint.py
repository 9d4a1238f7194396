"""Kill -9 during training, then ``--resume`` continues from the saved epoch; files load weights-only."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from core.training import checkpoint as ckpt

REPO = Path(__file__).resolve().parents[3]


def _cmd(root: Path, cat: Path, epochs: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "core.cli", "train", str(root), "--catalog", str(cat), "--name", "kr",
            "--epochs", str(epochs), "--steps-per-epoch", "3", "--batch-size", "8", "--width", "8", "--dim", "16",
            "--reference", "mfcc", "--samplers", "noise,shift", "--patience", "99", "--seed", "3", "-q", *extra]


def test_atomic_save_and_weights_only_load(tmp_path):
    path = tmp_path / "x.pt"
    ckpt.atomic_save({"a": torch.ones(3), "epoch": 2, "h": [{"k": 1.5}]}, path)
    out = ckpt.load(path)
    assert out["epoch"] == 2 and torch.equal(out["a"], torch.ones(3))
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind

    # an object that needs arbitrary unpickling (any class outside torch's allowlist) is refused
    torch.save({"x": Fraction(1, 3)}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError):
        ckpt.load(tmp_path / "evil.pt")


@pytest.mark.timeout(600)
def test_kill_and_resume(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cat = tmp_path / "cat.sqlite"
    env = {**os.environ, "SOUND_EXPLORER_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(_cmd(root, cat, 40), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    os.environ["SOUND_EXPLORER_HOME"] = env["SOUND_EXPLORER_HOME"]  # to compute the same model folder
    try:
        folder = ckpt.model_dir(cat, "kr")
    finally:
        del os.environ["SOUND_EXPLORER_HOME"]
    saved = None
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline and proc.poll() is None:
        if (folder / ckpt.CHECKPOINT_NAME).exists():
            saved = ckpt.load_checkpoint(folder)
            if saved["epoch"] >= 1:
                break
        time.sleep(0.2)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # still training: we kill it mid-run
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert saved is not None
    saved = ckpt.load_checkpoint(folder)  # whatever the kill left: a complete checkpoint (atomic replace)
    epoch = int(saved["epoch"])
    assert 1 <= epoch < 40
    assert len(saved["history"]) == epoch
    assert saved["config"]["seed"] == 3

    # resume with the same settings and a smaller total of epochs: continues at epoch+1
    done = subprocess.run(_cmd(root, cat, epoch + 2, "--resume"), cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"resumed from epoch {epoch}" in done.stdout
    lines = [ln.split() for ln in done.stdout.splitlines()]
    epochs_listed = [int(ln[0]) for ln in lines if ln and ln[0].isdigit()]
    assert epochs_listed == list(range(1, epoch + 3))  # the saved history plus the two new epochs
    final = ckpt.load_checkpoint(folder)
    assert final["epoch"] == epoch + 2
    weights = next(folder.glob("weights-*.pt"))
    state = torch.load(weights, weights_only=True)
    assert "head.weight" in state and state["head.weight"].shape[0] == 16

    # a changed architecture cannot resume
    bad = subprocess.run(_cmd(root, cat, epoch + 3, "--resume", "--dim", "8"), cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=400)
    assert bad.returncode != 0 and "cannot resume" in bad.stderr
