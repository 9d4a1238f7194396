"""``sound-explorer train`` then ``sound-explorer timelapse`` end to end on a tiny synthetic library."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli.main import main as cli

TINY = ["--width", "8", "--dim", "16", "--batch-size", "8", "--steps-per-epoch", "3", "--reference", "mfcc",
        "--samplers", "noise,shift", "--min-consistency", "-1", "-q"]


def _frames(path: Path) -> int:
    from PySide6.QtGui import QImageReader

    reader = QImageReader(str(path))
    assert reader.canRead(), reader.errorString()
    return reader.imageCount()


def test_timelapse_command_writes_the_gif(fresh_synth, home, tmp_path, capsys):
    root, _ = fresh_synth
    cat = str(tmp_path / "cat.sqlite")
    assert cli(["train", str(root), "--catalog", cat, "--name", "tiny", "--epochs", "2", *TINY]) == 0
    out = tmp_path / "out" / "tiny.gif"
    capsys.readouterr()
    rc = cli(["timelapse", str(root), "--catalog", cat, "--model", "tiny", "-o", str(out), "--fps", "10",
              "--steps", "3", "--max-sounds", "12", "--colour-by", "folder", "--size", "320x240", "-q"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "9 frames (3 epochs, 12 sounds)" in printed  # epochs 0, 1, 2 and 3 eased frames between each pair
    assert _frames(out) == 9
    from PySide6.QtGui import QImageReader

    assert QImageReader(str(out)).size().width() == 320


@pytest.mark.parametrize("model", ["mfcc", "nosuchmodel"])
def test_timelapse_of_a_model_without_epochs_is_a_one_line_error(fresh_synth, home, tmp_path, capsys, model):
    root, _ = fresh_synth
    rc = cli(["timelapse", str(root), "--catalog", str(tmp_path / "c.sqlite"), "--model", model,
              "-o", str(tmp_path / "x.gif"), "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "is not a model trained in Sound Explorer" in err and not (tmp_path / "x.gif").exists()
