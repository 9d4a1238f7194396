"""Bring your own embeddings: vectors computed elsewhere (CLAP, OpenL3, …) as a model of a library.

``sound-explorer import DIR FILE --name NAME`` (:mod:`core.cli.import_vectors`) reads a file keyed
by path (:func:`read_vectors`), matches the paths to the library's sounds (absolute, or relative to
the library folder), and stores the vectors as the embeddings of a model of kind ``imported``
(catalog ``models`` table, no weights). :class:`~core.library.Library` registers imported models
when it opens (:func:`register_imported_models`), so they work wherever a model name does: map,
clusters, neighbours, evaluate, Compare. They cannot embed audio: a sound without an imported
vector is simply left out.

Formats:
- ``.npz``: arrays ``paths`` (strings ``[N]``) and ``vectors`` (``[N, D]``), as ``export --format npz`` writes;
- ``.parquet``: a path column (``path``, ``relpath``, ``file`` or ``filename``) and either a list
  column ``vector`` (or ``embedding``) or else every numeric column, in order;
- ``.csv``: the same columns with a header (a ``vector`` cell holds space- or ``;``-separated numbers,
  as ``export --format csv`` writes), or without a header: path, then one number per column.

Rows with a non-finite or all-zero vector are reported and never stored. Vectors are L2-normalised
like every encoder's; rows already of unit norm (within 1e-4) are stored bit for bit, so an
exported and re-imported model is identical.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from core.jobs import LOAD, SAVE, Job, Progress

KIND = "imported"
PATH_COLUMNS = ("path", "relpath", "file", "filename")
VECTOR_COLUMNS = ("vector", "embedding")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
UNIT_TOL = 1e-4


@dataclass(slots=True)
class ImportReport:
    name: str
    version: str = ""
    dim: int = 0
    rows: int = 0  # rows in the file
    imported: int = 0  # vectors stored
    unmatched: list[str] = field(default_factory=list)  # paths that are no usable sound of the library
    non_finite: list[str] = field(default_factory=list)  # paths whose vector has NaN/inf (or is all zero)
    duplicates: list[str] = field(default_factory=list)  # a second row for the same sound (the first is kept)
    without_vector: int = 0  # usable sounds of the library that got no vector

    def summary(self) -> str:
        return (f"imported {self.imported} of {self.rows} vectors ({self.dim}-d) as model '{self.name}' "
                f"({self.version}); {len(self.unmatched)} paths did not match a sound, "
                f"{len(self.non_finite)} rows were not finite, {len(self.duplicates)} duplicates; "
                f"{self.without_vector} sounds of the library have no vector")


# -- reading ------------------------------------------------------------------------------------


def read_vectors(path: str | Path) -> tuple[list[str], np.ndarray]:
    """``(paths, vectors float64 [N, D])`` from an npz, Parquet or CSV file (see the module doc)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        paths, vectors = _read_npz(path)
    elif suffix == ".parquet":
        paths, vectors = _read_parquet(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        paths, vectors = _read_csv(path)
    else:
        raise ValueError(f"{path.name}: unknown vector file type {suffix!r} (use .npz, .parquet or .csv)")
    if vectors.ndim != 2 or vectors.shape[0] != len(paths):
        raise ValueError(f"{path.name}: {len(paths)} paths but vectors of shape {vectors.shape}")
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        raise ValueError(f"{path.name}: no vectors")
    return paths, vectors


def _read_npz(path: Path) -> tuple[list[str], np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in ("paths", "vectors") if k not in z.files]
        if missing:
            raise ValueError(f"{path.name}: the npz needs arrays 'paths' and 'vectors' (has {', '.join(z.files)})")
        paths = [str(p) for p in z["paths"].reshape(-1)]
        vectors = np.asarray(z["vectors"])
    if not np.issubdtype(vectors.dtype, np.number):
        raise ValueError(f"{path.name}: 'vectors' is not numeric ({vectors.dtype})")
    return paths, vectors.astype(np.float64, copy=False) if vectors.dtype != np.float32 else vectors


def _read_parquet(path: Path) -> tuple[list[str], np.ndarray]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = [n.lower() for n in table.column_names]
    pcol = next((table.column_names[names.index(c)] for c in PATH_COLUMNS if c in names), None)
    if pcol is None:
        raise ValueError(f"{path.name}: no path column ({', '.join(PATH_COLUMNS)})")
    paths = [str(p) for p in table.column(pcol).to_pylist()]
    vcol = next((table.column_names[names.index(c)] for c in VECTOR_COLUMNS if c in names), None)
    if vcol is not None:
        rows = table.column(vcol).to_pylist()
        dims = {len(r) for r in rows if r is not None}
        if len(dims) != 1:
            raise ValueError(f"{path.name}: the '{vcol}' rows have different lengths {sorted(dims)}")
        d = dims.pop()
        return paths, np.array([r if r is not None else [np.nan] * d for r in rows], dtype=np.float64)
    num = [c for c in table.column_names if c != pcol and (pa.types.is_integer(table.schema.field(c).type)
                                                           or pa.types.is_floating(table.schema.field(c).type))]
    if not num:
        raise ValueError(f"{path.name}: no vector column and no numeric columns")
    return paths, np.column_stack([table.column(c).to_numpy(zero_copy_only=False).astype(np.float64) for c in num])


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def _read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        delim = "\t" if sample.count("\t") > sample.count(",") else ","
        rows = [r for r in csv.reader(fh, delimiter=delim) if r and r[0].strip()]
    if not rows:
        raise ValueError(f"{path.name}: empty")
    head = [c.strip().lower() for c in rows[0]]
    paths: list[str] = []
    vecs: list[list[float]] = []
    if head[0] in PATH_COLUMNS:
        body = rows[1:]
        vi = next((head.index(c) for c in VECTOR_COLUMNS if c in head), None)
        if vi is not None:
            for r in body:
                cell = r[vi] if len(r) > vi else ""
                vecs.append([_number(t) for t in re.split(r"[\s;]+", cell.strip()) if t] or [float("nan")])
                paths.append(r[0].strip())
        else:
            for r in body:
                paths.append(r[0].strip())
                vecs.append([_number(c) for c in r[1:]])
    else:
        for r in rows:
            paths.append(r[0].strip())
            vecs.append([_number(c) for c in r[1:]])
    dims = {len(v) for v in vecs}
    d = max(dims) if dims else 0
    # a short row is a broken row: padded with NaN so that it is reported as non-finite
    return paths, np.array([v + [float("nan")] * (d - len(v)) for v in vecs], dtype=np.float64).reshape(len(vecs), d)


# -- matching and storing -----------------------------------------------------------------------


def relpath_in(root: Path, path: str) -> str | None:
    """The library-relative POSIX path of ``path`` (absolute, or relative to ``root``); ``None`` outside."""
    p = path.strip().replace("\\", "/")
    if not p:
        return None
    pp = Path(p)
    if pp.is_absolute():
        for cand in (pp, pp.resolve()):
            try:
                return cand.relative_to(root).as_posix()
            except ValueError:
                continue
        return None
    parts = [s for s in PurePosixPath(p).parts if s not in (".", "")]
    if ".." in parts:
        try:
            return (root / p).resolve().relative_to(root).as_posix()
        except ValueError:
            return None
    return "/".join(parts)


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows as float32 of unit norm; rows already of unit norm (float32, within ``UNIT_TOL``) untouched."""
    out = v.astype(np.float32)
    norms = np.linalg.norm(v.astype(np.float64), axis=1)
    fix = np.abs(norms - 1.0) > UNIT_TOL
    out[fix] = (v[fix].astype(np.float64) / norms[fix, None]).astype(np.float32)
    return out


def version_of(ids: np.ndarray, vectors: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=6)
    h.update(np.ascontiguousarray(ids, dtype="<i8").tobytes())
    h.update(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
    return f"{KIND}-{h.hexdigest()}"


def import_vectors(library, file: str | Path, name: str) -> Job[ImportReport]:
    """Job: read ``file``, match its paths to ``library``'s sounds, store the vectors as model ``name``.

    ``name`` may be new or an earlier imported model (replaced, with its maps and clusterings);
    built-in and trained names are refused. Nothing is stored when no row matches.
    """
    if not NAME_RE.match(name or ""):
        raise ValueError(f"invalid model name {name!r}: letters, digits and . _ + - (at most 64)")
    existing = library.catalog.model(name)
    if (existing["kind"] != KIND) if existing is not None else name in library.registry.names():
        raise ValueError(f"'{name}' is already a model of this library; choose another --name")
    report = ImportReport(name)
    yield Progress(stage=LOAD, done=0, total=2, message=Path(file).name)
    paths, vectors = read_vectors(file)
    report.rows, report.dim = len(paths), int(vectors.shape[1])
    yield Progress(stage=LOAD, done=1, total=2, message="matching paths")
    by_rel = {r.relpath: r.id for r in library.catalog.sounds()}
    finite = np.isfinite(vectors).all(axis=1) & (np.abs(vectors).sum(axis=1) > 0)
    seen: dict[int, int] = {}
    for i, p in enumerate(paths):
        sid = by_rel.get(relpath_in(library.root, p) or "")
        if sid is None:
            report.unmatched.append(p)
        elif not finite[i]:
            report.non_finite.append(p)
        elif sid in seen:
            report.duplicates.append(p)
        else:
            seen[sid] = i
    report.without_vector = len(by_rel) - len(seen)
    if not seen:
        raise ValueError(f"none of the {len(paths)} paths in {Path(file).name} is a sound of {library.root} "
                         f"(first: {paths[0]!r}); paths must be absolute or relative to the library folder")
    ids = np.array(sorted(seen), dtype=np.int64)
    vecs = _unit(vectors[[seen[int(s)] for s in ids]])
    report.version = version_of(ids, vecs)
    yield Progress(stage=SAVE, done=0, total=1, message=name)
    cat = library.catalog
    with cat.transaction():
        old = cat.model(name)
        if old is not None and old["version"] != report.version:
            cat.delete_embeddings(name)
            cat.delete_projections(name)
            cat.delete_labellings(name)
        cat.put_model(name, report.version, KIND,
                      config={"source": str(Path(file).resolve()), "dim": report.dim},
                      metrics={"imported": len(ids), "unmatched": len(report.unmatched),
                               "non_finite": len(report.non_finite)})
        report.imported = cat.put_embeddings(name, report.version, [(int(s), v, None) for s, v in zip(ids, vecs)])
    register_imported_models(library)
    yield Progress(stage=SAVE, done=1, total=1, message=name)
    return report


# -- registration -------------------------------------------------------------------------------


def _cannot_embed(name: str):
    def factory(_device: Any):
        raise RuntimeError(f"'{name}' holds imported vectors and cannot embed audio; import vectors for "
                           "new sounds with `sound-explorer import`")
    return factory


def register_imported_models(library) -> list[str]:
    """Add every imported model of ``library``'s catalog to its registry (kind ``imported``)."""
    names = []
    for m in library.catalog.models():
        if m["kind"] != KIND:
            continue
        dim = (m.get("config") or {}).get("dim", "?")
        src = Path((m.get("config") or {}).get("source", "")).name
        library.registry.add(m["name"], m["version"], _cannot_embed(m["name"]),
                             f"imported vectors ({dim}-d) from {src}", kind=KIND)
        names.append(m["name"])
    return names


def is_imported(library, model: str) -> bool:
    try:
        return library.registry.info(model).kind == KIND
    except KeyError:
        return False
