from __future__ import annotations

import csv
import errno
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from core.export import writers as export
from core.export.writers import COLUMNS, ExportError, ExportRow, export_m3u, export_npz, export_projector, export_table


def _rows(n: int = 5, d: int = 4) -> list[ExportRow]:
    rng = np.random.default_rng(0)
    tags = [["drum", "loud"], [], ["ünïcode; ok"], ["a"], ["b", "c"]]
    return [
        ExportRow(path=f"/sounds/dir {i}/kick,{i}.wav", x=float(rng.normal()), y=float(rng.normal()),
                  cluster=i % 2 - (i == 4), tags=tags[i % 5], vector=rng.normal(size=d).astype(np.float32))
        for i in range(n)
    ]  # fmt: skip


def test_npz_roundtrip(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    paths = ["/a/ß.wav", "/b/c d.flac", "/e.mp3"]
    vecs, xy, labels = rng.normal(size=(3, 8)), rng.normal(size=(3, 2)), np.array([0, -1, 1])
    out = export_npz(tmp_path / "map.npz", paths, vecs, xy, labels)
    with np.load(out) as z:  # allow_pickle stays False: plain arrays only
        assert sorted(z.files) == ["labels", "paths", "vectors", "xy"]
        assert list(z["paths"]) == paths
        np.testing.assert_allclose(z["vectors"], vecs.astype(np.float32))
        assert z["vectors"].dtype == np.float32 and z["labels"].dtype == np.int64
        np.testing.assert_array_equal(z["labels"], labels)
    with pytest.raises(ValueError):
        export_npz(tmp_path / "bad.npz", paths, vecs[:2], xy, labels)
    assert not (tmp_path / "bad.npz").exists()


def test_csv_table(tmp_path: Path) -> None:
    rows = _rows()
    out = export_table(tmp_path / "t.csv", rows)
    with open(out, newline="", encoding="utf-8") as fh:
        recs = list(csv.DictReader(fh))
    assert list(recs[0]) == list(COLUMNS)
    for r, src in zip(recs, rows):
        assert r["path"] == src.path and r["name"] == Path(src.path).name
        assert float(r["x"]) == src.x and int(r["cluster"]) == src.cluster + 1  # numbered as people see them
        assert r["cluster_name"] == ("Noise" if src.cluster < 0 else f"Cluster {src.cluster + 1}")
        assert r["tags"] == ";".join(src.tags)
        np.testing.assert_allclose(np.array(r["vector"].split(), dtype=np.float32), src.vector)
    table = pacsv.read_csv(out)
    assert table.num_rows == 5 and table.column("path")[0].as_py() == rows[0].path
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(out)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 5


def test_parquet_table(tmp_path: Path) -> None:
    rows = _rows(d=6)
    out = export_table(tmp_path / "t.parquet", [r.__dict__ for r in rows])
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert table.schema.field("vector").type == pa.list_(pa.float32(), 6)
    assert table.schema.field("tags").type == pa.list_(pa.string())
    assert table.column("tags").to_pylist() == [r.tags for r in rows]
    np.testing.assert_allclose(np.array(table.column("vector").to_pylist()), np.stack([r.vector for r in rows]))
    assert table.column("cluster").to_pylist() == [r.cluster + 1 for r in rows]
    with pytest.raises(ValueError):
        export_table(tmp_path / "t.xlsx", rows)


def test_projector_and_m3u(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    vecs = rng.normal(size=(3, 5)).astype(np.float32)
    vpath, mpath = export_projector(tmp_path / "emb", vecs, [["a\tb", 0], ["c", 1], ["d", 2]], header=["name", "cluster"])
    assert vpath.name == "emb_vectors.tsv" and mpath is not None and mpath.name == "emb_metadata.tsv"
    np.testing.assert_allclose(np.loadtxt(vpath, delimiter="\t"), vecs, rtol=1e-6)
    lines = mpath.read_text(encoding="utf-8").splitlines()
    assert lines == ["name\tcluster", "a b\t0", "c\t1", "d\t2"]
    _, single = export_projector(tmp_path / "one", vecs, ["x", "y", "z"])
    assert single is not None and single.read_text().splitlines() == ["x", "y", "z"]  # no header for 1 column
    m3u = export_m3u(tmp_path / "list.m3u8", ["/s/é 1.wav", "/s/2.wav"], titles=["Kick é", "Snare"], durations=[1.6, None])
    assert m3u.read_text(encoding="utf-8").splitlines() == [
        "#EXTM3U", "#EXTINF:1.6,Kick é", "/s/é 1.wav", "#EXTINF:-1,Snare", "/s/2.wav",
    ]  # fmt: skip
    short = export_m3u(tmp_path / "short.m3u8", ["/s/a.wav", "/s/b.wav"], durations=[0.2345, 3.0])
    assert short.read_text().splitlines()[1::2] == ["#EXTINF:0.234,a", "#EXTINF:3,b"]  # a one-shot is not "0"


def test_full_disk_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "t.csv"
    target.write_text("previous export\n")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(export.os, "fsync", no_space)
    with pytest.raises(ExportError) as info:
        export_table(target, _rows())
    assert info.value.errno == errno.ENOSPC
    assert str(target) in str(info.value)
    assert isinstance(info.value, OSError)
    assert target.read_text() == "previous export\n"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temp files left
    with pytest.raises(ExportError):
        export_npz(tmp_path / "new.npz", ["/a"], np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_failure_mid_write_leaves_nothing(tmp_path: Path) -> None:
    rows = _rows()
    rows[3].vector = np.zeros(9, np.float32)  # ragged vectors cannot go into a fixed-size list
    with pytest.raises(ValueError):
        export_table(tmp_path / "t.parquet", rows)
    with pytest.raises(ExportError):
        export_m3u(tmp_path / "missing-dir" / "x.m3u", ["/a.wav"])
    assert list(tmp_path.iterdir()) == []
    target = tmp_path / "half.bin"
    with pytest.raises(RuntimeError):
        with export.atomic_write(target) as fh:
            fh.write(b"x" * 100_000)
            raise RuntimeError("crash in the middle of a write")
    assert list(tmp_path.iterdir()) == []
    ok = export_table(tmp_path / "ok.csv", _rows())
    assert oct(ok.stat().st_mode & 0o777) == oct(0o644)
