"""Exports: NumPy ``.npz``, CSV/Parquet tables, TensorBoard projector TSVs, M3U playlists.

Every writer is atomic: it writes a temporary file in the destination folder, flushes and
fsyncs it, then ``os.replace``\\s it over the destination. A crash or a full disk therefore
never leaves a half-written file (an existing destination stays as it was). Any
``OSError`` during the write is re-raised as :class:`ExportError` (itself an ``OSError``
with the same ``errno``) naming the destination, and the temporary file is removed.

Table rows (:func:`export_table`) are :class:`ExportRow` objects (built by
:func:`core.export.rows.export_rows`, for the CLI and the GUI alike) or mappings with the same keys.
Clusters are written as people see them: ``cluster`` is the number (1, 2, …; 0 = noise, as
:func:`core.maps.labels.cluster_number`) and ``cluster_name`` its name.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from core.maps.labels import cluster_name, cluster_number

COLUMNS = ("path", "name", "folder", "duration", "x", "y", "cluster", "cluster_name", "tags", "vector")


class ExportError(OSError):
    """Writing an export failed; nothing was left at the destination."""


@dataclass
class ExportRow:
    """One sound of a table export. ``cluster`` is the label (-1 = noise); the writers number it."""

    path: str
    x: float
    y: float
    cluster: int = -1
    tags: list[str] = field(default_factory=list)
    vector: np.ndarray | None = None
    name: str = ""  # the file name (default: from path)
    folder: str = ""  # the folder inside the library
    duration: float | None = None
    cluster_name: str = ""  # default: cluster_name(cluster)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb", **open_kw: Any) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; on success it replaces ``path``."""
    dest = Path(path)
    parent = dest.parent if str(dest.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise ExportError(exc.errno, f"cannot write {dest}: {exc.strerror or exc}") from exc
    try:
        try:  # mkstemp makes 0600 files; give the export ordinary permissions
            os.chmod(tmp, dest.stat().st_mode & 0o777 if dest.exists() else 0o644)
        except OSError:
            pass
        with os.fdopen(fd, mode, **open_kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, ExportError):
            raise ExportError(exc.errno, f"cannot write {dest}: {exc.strerror or exc}") from exc
        raise


def _write_bytes(path: str | os.PathLike[str], writer: Callable[[IO[bytes]], None]) -> Path:
    with atomic_write(path, "wb") as fh:
        writer(fh)
    return Path(path)


def export_npz(
    path: str | os.PathLike[str],
    paths: Sequence[str],
    vectors: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
) -> Path:
    """``.npz`` with ``paths`` (unicode ``[N]``), ``vectors`` float32 ``[N, D]``, ``xy`` float32
    ``[N, 2]``, ``labels`` int64 ``[N]``; loads with ``np.load(path)`` (no pickle)."""
    n = len(paths)
    vectors = np.asarray(vectors, dtype=np.float32)
    xy = np.asarray(xy, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    if not (vectors.shape[0] == xy.shape[0] == labels.shape[0] == n):
        raise ValueError("paths, vectors, xy and labels must have the same length")
    arrays = {"paths": np.asarray(list(paths), dtype=str), "vectors": vectors, "xy": xy, "labels": labels}
    return _write_bytes(path, lambda fh: np.savez(fh, **arrays))  # type: ignore[arg-type]


def _row_dict(row: ExportRow | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(row, ExportRow):
        row = row.__dict__
    tags = row.get("tags") or []
    vec = row.get("vector")
    label = int(row.get("cluster", -1))
    duration = row.get("duration")
    return {
        "path": str(row["path"]),
        "name": str(row.get("name") or Path(str(row["path"])).name),
        "folder": str(row.get("folder") or ""),
        "duration": None if duration is None or not np.isfinite(duration) else float(duration),
        "x": float(row["x"]),
        "y": float(row["y"]),
        "cluster": cluster_number(label),
        "cluster_name": str(row.get("cluster_name") or cluster_name(label)),
        "tags": [str(t) for t in tags],
        "vector": None if vec is None else np.asarray(vec, dtype=np.float32).reshape(-1),
    }


def export_table(path: str | os.PathLike[str], rows: Sequence[ExportRow | Mapping[str, Any]]) -> Path:
    """A table with the columns :data:`COLUMNS`; the format from the suffix.

    ``.csv``: UTF-8 with header; ``tags`` joined with ';', ``vector`` as space-separated
    floats. ``.parquet``: ``tags`` list<string>, ``vector`` fixed_size_list<float32>[D]
    (omitted when no row has a vector).
    """
    suffix = Path(path).suffix.lower()
    recs = [_row_dict(r) for r in rows]
    if suffix == ".csv":
        return _write_bytes(path, lambda fh: _write_csv(fh, recs))
    if suffix == ".parquet":
        table = _arrow_table(recs)
        import pyarrow.parquet as pq

        return _write_bytes(path, lambda fh: pq.write_table(table, fh))
    raise ValueError(f"unsupported table format {suffix!r} (use .csv or .parquet)")


def _write_csv(fh: IO[bytes], recs: list[dict[str, Any]]) -> None:
    # surrogateescape: a file name that is not valid UTF-8 is written as its own bytes (it round-trips)
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="")
    w = csv.writer(text)
    w.writerow(COLUMNS)
    for r in recs:
        vec = "" if r["vector"] is None else " ".join(repr(float(v)) for v in r["vector"])
        dur = "" if r["duration"] is None else f"{r['duration']:.6g}"
        w.writerow([r["path"], r["name"], r["folder"], dur, repr(r["x"]), repr(r["y"]), r["cluster"],
                    r["cluster_name"], ";".join(r["tags"]), vec])
    text.flush()
    text.detach()


def _utf8(text: str) -> str:
    """Parquet strings must be valid UTF-8: undecodable name bytes become U+FFFD there."""
    return os.fsencode(text).decode("utf-8", "replace") if isinstance(text, str) else text


def _arrow_table(recs: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    cols: dict[str, Any] = {
        "path": pa.array([_utf8(r["path"]) for r in recs], pa.string()),
        "name": pa.array([_utf8(r["name"]) for r in recs], pa.string()),
        "folder": pa.array([_utf8(r["folder"]) for r in recs], pa.string()),
        "duration": pa.array([r["duration"] for r in recs], pa.float64()),
        "x": pa.array([r["x"] for r in recs], pa.float32()),
        "y": pa.array([r["y"] for r in recs], pa.float32()),
        "cluster": pa.array([r["cluster"] for r in recs], pa.int64()),
        "cluster_name": pa.array([r["cluster_name"] for r in recs], pa.string()),
        "tags": pa.array([r["tags"] for r in recs], pa.list_(pa.string())),
    }
    vecs = [r["vector"] for r in recs]
    if any(v is not None for v in vecs):
        dims = {len(v) for v in vecs if v is not None}
        if len(dims) != 1 or any(v is None for v in vecs):
            raise ValueError("every row needs a vector of the same length for Parquet")
        d = dims.pop()
        flat = pa.array(np.concatenate(vecs).astype(np.float32) if vecs else [], pa.float32())
        cols["vector"] = pa.FixedSizeListArray.from_arrays(flat, d)
    return pa.table(cols)


def _tsv_cell(value: Any) -> str:
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def export_projector(
    prefix_path: str | os.PathLike[str],
    vectors: np.ndarray,
    metadata: Sequence[Sequence[Any]] | None = None,
    header: Sequence[str] | None = None,
) -> tuple[Path, Path | None]:
    """TensorBoard Embedding Projector files: ``<prefix>_vectors.tsv`` (one row of D floats
    per item) and ``<prefix>_metadata.tsv`` (one row per item, tab-separated; a header row
    is written when there is more than one column, as the projector requires)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    prefix = str(prefix_path)
    vec_path = Path(prefix + "_vectors.tsv")

    def write_vectors(fh: IO[bytes]) -> None:
        np.savetxt(fh, vectors, fmt="%.7g", delimiter="\t", encoding="utf-8")

    meta_path: Path | None = None
    if metadata is not None:
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in metadata]
        if len(rows) != vectors.shape[0]:
            raise ValueError("metadata needs one row per vector")
        n_cols = len(header) if header is not None else (len(rows[0]) if rows else 1)
        if n_cols > 1 and header is None:
            raise ValueError("metadata with more than one column needs a header")
        lines = []
        if n_cols > 1:
            lines.append("\t".join(_tsv_cell(h) for h in header or []))
        lines += ["\t".join(_tsv_cell(c) for c in r) for r in rows]
        data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
        meta_path = Path(prefix + "_metadata.tsv")
        _write_bytes(vec_path, write_vectors)
        _write_bytes(meta_path, lambda fh: fh.write(data))
    else:
        _write_bytes(vec_path, write_vectors)
    return vec_path, meta_path


def export_m3u(
    path: str | os.PathLike[str],
    abs_paths: Sequence[str],
    titles: Sequence[str] | None = None,
    durations: Sequence[float | None] | None = None,
) -> Path:
    """Extended M3U playlist (UTF-8): ``#EXTM3U`` then ``#EXTINF:<seconds>,<title>`` + path
    per entry (seconds with up to 3 decimals, as RFC 8216 allows, so that one-shots are not "0";
    -1 when unknown; the title defaults to the file name)."""
    lines = ["#EXTM3U"]
    for i, p in enumerate(abs_paths):
        title = titles[i] if titles is not None else Path(p).stem
        dur = durations[i] if durations is not None else None
        secs = "-1" if dur is None or not np.isfinite(dur) else f"{float(dur):.3f}".rstrip("0").rstrip(".")
        lines.append(f"#EXTINF:{secs},{_tsv_cell(title)}")
        lines.append(str(p))
    data = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
    return _write_bytes(path, lambda fh: fh.write(data))
