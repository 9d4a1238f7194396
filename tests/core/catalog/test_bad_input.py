"""Bad input found by a 93-file corpus (issue 9): every case gets a clear outcome, nothing is lost,
and no non-finite vector is ever stored."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.cli.main import main as cli
from core.jobs import run_job
from core.library import Library

SR = 22050


def _tone(scale: float = 0.3, freq: float = 5.0) -> np.ndarray:
    return (scale * np.sin(np.arange(SR) / freq)).astype(np.float32)


@pytest.fixture()
def odd_library(tmp_path: Path) -> Path:
    root = tmp_path / "odd"
    (root / "sub").mkdir(parents=True)
    sf.write(root / "ok.wav", _tone(), SR)
    sf.write(root / "huge.wav", _tone(1e30), SR, subtype="FLOAT")  # finite, but 1e30 × full scale
    latin1 = os.fsencode(root) + b"/caf\xe9"  # a folder and a file whose names are Latin-1 bytes
    os.makedirs(latin1)
    sf.write(latin1 + b"/na\xefve.wav", _tone(0.5, 3.0), SR)
    sf.write(root / "sub" / "real.wav", _tone(0.2, 7.0), SR)
    os.symlink(root / "sub" / "real.wav", root / "link.wav")  # the same sound twice
    sf.write(root / ".hidden.wav", _tone(), SR)
    return root


def test_odd_files_are_embedded_once_reported_or_skipped_with_a_reason(odd_library: Path, home: Path,
                                                                       tmp_path: Path, capsys) -> None:
    with Library.open(odd_library) as lib:
        scan = run_job(lib.scan())
        assert scan.hidden == 1 and scan.duplicates == 1
        assert "1 hidden" in scan.summary() and "1 links" in scan.summary()
        run_job(lib.embed("mfcc"))
        rels = sorted(r.relpath for r in lib.sounds())
        assert rels == sorted(["ok.wav", os.fsdecode(b"caf\xe9/na\xefve.wav"), "sub/real.wav"])  # the file, not the link
        failures = dict(lib.failures())
        assert "huge.wav" in failures and "out of range" in failures["huge.wav"]
        ids, vectors = lib.vectors("mfcc")
        assert len(ids) == 3 and np.isfinite(vectors).all()
        # the non-UTF-8 name round-trips: the catalog gives back the path that opens the file
        naive = next(r for r in lib.sounds() if r.relpath.endswith("ve.wav"))
        assert lib.catalog.abspath(naive).exists()
        assert lib.catalog.sound_by_relpath(naive.relpath).id == naive.id
    # …through the exports too
    npz, table = tmp_path / "out.npz", tmp_path / "out.csv"
    assert cli(["export", str(odd_library), "--model", "mfcc", "--format", "npz", "-o", str(npz), "-q"]) == 0
    with np.load(npz) as z:
        assert all(os.path.exists(p) for p in z["paths"]) and np.isfinite(z["vectors"]).all()
    assert cli(["export", str(odd_library), "--model", "mfcc", "--format", "csv", "-o", str(table), "-q"]) == 0
    with open(table, newline="", encoding="utf-8", errors="surrogateescape") as fh:
        paths = [row["path"] for row in csv.DictReader(fh)]
    assert len(paths) == 3 and all(os.path.exists(p) for p in paths)
    capsys.readouterr()
    assert cli(["info", str(odd_library)]) == 0
    assert "hidden" in capsys.readouterr().out  # the policy is said where people look


def test_the_catalog_refuses_a_non_finite_vector(tmp_path: Path) -> None:
    from core.catalog import Catalog

    root = tmp_path / "lib"
    root.mkdir()
    sf.write(root / "a.wav", _tone(), SR)
    with Catalog.open(root, tmp_path / "c.sqlite") as cat:
        run_job(__import__("core.catalog.scan", fromlist=["scan"]).scan(cat))
        (sid,) = [r.id for r in cat.sounds()]
        with pytest.raises(ValueError, match="not finite"):
            cat.put_embeddings("m", "1", [(sid, np.array([1.0, np.nan], np.float32), None)])
        assert cat.embeddings("m", "1")[0].size == 0
