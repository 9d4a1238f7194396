"""End to end on a synthetic collection with known classes: scan → embed → map → cluster → neighbours → export."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from core.cli.main import main as cli
from core.library import Library
from core.maps.params import ProjectionParams


def test_library_pipeline_recovers_the_classes(synth_dir, home: Path) -> None:
    root, labels = synth_dir
    with Library.open(root) as lib:
        report = _run(lib.embed("mfcc"))
        assert report.embedded == len(labels) and not report.failed
        ids, V = lib.vectors("mfcc")
        rel = {r.id: r.relpath for r in lib.sounds()}
        y = np.array([labels[rel[int(i)]] for i in ids])

        # neighbours are mostly same-class
        same = [np.mean([y[list(ids).index(n)] == y[k] for n, _ in lib.neighbors("mfcc", int(i), 5)]) for k, i in enumerate(ids)]
        assert np.mean(same) >= 0.8, np.mean(same)

        result = _run(lib.map("mfcc", ProjectionParams(n_neighbors=8)))
        assert result.xy.shape == (len(ids), 2) and np.isfinite(result.xy).all()

        # Threshold: 4 well-separated synthetic classes of 8; k-means with the true k should find them
        # almost exactly (NMI ≈ 1). 0.7 leaves room for one class split in two (NMI ≈ 0.8) but fails
        # on a random labelling (NMI ≈ 0.1–0.2 for 32 items) or a collapsed one (0).
        km = _run(lib.cluster("mfcc", "kmeans", {"k": 4}))
        assert normalized_mutual_info_score(y, km.labels) > 0.7
        graph = _run(lib.cluster("mfcc", "graph", {"k": 6, "resolution": 1.0}))
        assert normalized_mutual_info_score(y, graph.labels) > 0.6
        hdb = _run(lib.cluster("mfcc", "hdbscan", {"min_cluster_size": 4}))
        assert len(hdb.labels) == len(ids) and hdb.scores is not None

        # caches: same params → same result without recomputation
        again = _run(lib.map("mfcc", ProjectionParams(n_neighbors=8)))
        np.testing.assert_array_equal(again.xy, result.xy)


def _run(job):
    from core.jobs import run_job

    return run_job(job)


def test_cli_end_to_end_and_exports(synth_dir, home: Path, tmp_path: Path, capsys) -> None:
    root, labels = synth_dir
    assert cli(["embed", str(root), "--model", "mfcc", "-q"]) == 0
    assert cli(["map", str(root), "--model", "mfcc", "-q", "--n-neighbors", "8"]) == 0
    assert cli(["cluster", str(root), "--model", "mfcc", "-q", "--method", "kmeans", "--k", "4"]) == 0
    capsys.readouterr()
    assert cli(["neighbors", str(root), "tone/tone_000.wav", "-k", "5", "-q", "--model", "mfcc"]) == 0
    out = capsys.readouterr().out.splitlines()
    hits = [line.split()[-1] for line in out[1:]]
    assert len(hits) == 5 and "tone/tone_000.wav" not in hits
    # 7 other tones among 31 candidates: chance gives about 1.1 of 5; a majority is required.
    assert sum(h.startswith("tone/") for h in hits) >= 3

    npz = tmp_path / "out.npz"
    assert cli(["export", str(root), "--format", "npz", "--out", str(npz), "-q", "--model", "mfcc", "--n-neighbors", "8"]) == 0
    data = np.load(npz)
    assert set(data.files) >= {"paths", "vectors", "xy", "labels"}
    assert len(data["paths"]) == len(labels) and all(os.path.isabs(p) for p in data["paths"])
    assert data["vectors"].shape == (len(labels), 120) and data["xy"].shape == (len(labels), 2)

    import pandas as pd

    for fmt in ("csv", "parquet"):
        out_path = tmp_path / f"t.{fmt}"
        assert cli(["export", str(root), "--format", fmt, "--out", str(out_path), "-q", "--model", "mfcc", "--n-neighbors", "8"]) == 0
        df = pd.read_csv(out_path) if fmt == "csv" else pd.read_parquet(out_path)
        assert list(df.columns)[:9] == ["path", "name", "folder", "duration", "x", "y", "cluster", "cluster_name",
                                        "tags"] and len(df) == len(labels)
        assert (df["duration"] > 0).all() and set(df["folder"]) == {"tone", "noise", "click", "chirp"}
        assert all(n == f"Cluster {c}" for n, c in zip(df["cluster_name"], df["cluster"]))

    m3u = tmp_path / "n.m3u8"
    assert cli(["export", str(root), "--format", "m3u", "--out", str(m3u), "--neighbors-of", "click/click_001.flac", "-k", "3", "-q", "--model", "mfcc"]) == 0
    lines = [ln for ln in m3u.read_text().splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == 4 and lines[0].endswith("click_001.flac")
    secs = [float(ln.split(":")[1].split(",")[0]) for ln in m3u.read_text().splitlines() if ln.startswith("#EXTINF")]
    assert len(secs) == 4 and all(s > 0 for s in secs)  # one-shots are not written as 0 s

    prefix = tmp_path / "proj"
    assert cli(["export", str(root), "--format", "projector", "--out", str(prefix), "-q", "--model", "mfcc", "--n-neighbors", "8"]) == 0
    assert len((tmp_path / "proj_vectors.tsv").read_text().splitlines()) == len(labels)

    capsys.readouterr()
    assert cli(["info", str(root)]) == 0
    assert "mfcc (2): 32" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path: Path, home: Path, capsys) -> None:
    assert cli(["scan", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("sound-explorer: error: folder not found") and "\n" not in err
    (tmp_path / "lib").mkdir()
    assert cli(["embed", str(tmp_path / "lib"), "--model", "nosuchmodel", "-q"]) == 1
    assert "unknown model 'nosuchmodel'" in capsys.readouterr().err
