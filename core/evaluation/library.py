"""Side-by-side scores of every encoder of a library against reference labels (``sound-explorer evaluate``).

Labels come from the folder layout, the filename prefix, or a CSV; optional groups (e.g. the
source recording or the instrument program) keep near-duplicates out of each other's candidates.
Scores (:mod:`core.evaluation.metrics`): QbE mAP (cosine; candidates exclude the query and its group;
relevant = same label), precision@k, recall@k, MRR and nDCG@k, leave-one-out k-NN accuracy (k=1), and the NMI between the
labels and the HDBSCAN / k-means / kNN-graph clusterings (:mod:`core.maps.clustering`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from core.jobs import Job, Progress


def label_of(relpath: str, spec: str, table: dict[str, str] | None = None) -> str | None:
    """The label of one sound: ``folder`` (its parent folder path), ``top`` (its first folder),
    ``prefix`` (filename up to the first ``_``), or a CSV ``table`` lookup (``None`` when absent)."""
    p = PurePosixPath(relpath)
    if table is not None:
        return table.get(relpath) or table.get(p.name)
    if spec == "folder":
        return str(p.parent) if str(p.parent) != "." else "."
    if spec == "top":
        return p.parts[0] if len(p.parts) > 1 else "."
    if spec == "prefix":
        return p.stem.split("_", 1)[0].lower()
    raise ValueError(f"unknown label source {spec!r}: folder, top, prefix or a CSV file")


def _csv_rows(path: Path) -> Iterator[tuple[str, list[str]]]:
    """``(relative path with / separators, the other cells)`` per row; a header row starting with
    ``path``/``relpath``/``file`` and rows with an empty first cell are skipped."""
    with Path(path).open(newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.reader(fh):
            if not row or not row[0].strip() or row[0].strip().lower() in ("path", "relpath", "file"):
                continue
            yield row[0].strip().replace("\\", "/"), row[1:]


def read_label_csv(path: Path) -> dict[str, str]:
    """``path,label`` rows (rows without a label are skipped)."""
    return {rel: rest[0].strip() for rel, rest in _csv_rows(path) if rest}


def read_path_list(path: Path) -> list[str]:
    """Relative paths, one per line, or the first column of a CSV."""
    out = [rel for rel, _rest in _csv_rows(path)]
    if not out:
        raise ValueError(f"{path}: no paths listed")
    return out


def labels_for(relpaths: Sequence[str], spec: str | None) -> list[str | None]:
    if spec is None or spec == "none":
        return [None] * len(relpaths)
    table = read_label_csv(Path(spec)) if spec not in ("folder", "top", "prefix") else None
    return [label_of(r, spec, table) for r in relpaths]


def score_vectors(vectors: np.ndarray, labels: Sequence[str], groups: Sequence[str] | None = None,
                  k: int = 10, clusterings: Sequence[str] = ("hdbscan", "kmeans", "graph")) -> Job[dict[str, float]]:
    """Job: all scores for one set of vectors ``[N, D]`` with labels (and groups) per row."""
    from core.evaluation import metrics as ev
    from core.maps.clustering import cluster

    out: dict[str, float] = {
        "qbe_map": ev.qbe_map(vectors, labels, groups),
        f"p@{k}": ev.precision_at_k(vectors, labels, k, groups),
        "knn_acc": ev.knn_accuracy(vectors, labels, 1, groups),
        **ev.ranking_scores(vectors, labels, k, groups),  # recall@k, mrr, ndcg@k
    }
    n_classes = len(set(labels))
    params = {"hdbscan": {"min_cluster_size": max(3, len(labels) // 40)},
              "kmeans": {"k": max(2, n_classes)}, "graph": {}}
    for method in clusterings:
        if len(labels) < 5:
            break
        lab = yield from cluster(vectors, method, params[method])
        out[f"nmi_{method}"] = ev.cluster_scores(labels, lab.labels)["nmi"]
    return out


def evaluate_library(library, labels: str = "folder", groups: str | None = None, models: Sequence[str] | None = None,
                     k: int = 10, clusterings: Sequence[str] = ("hdbscan", "kmeans", "graph")
                     ) -> Job[list[dict[str, Any]]]:
    """Job: one row of scores per encoder that has (current-version) embeddings in the library."""
    sounds = {r.id: r.relpath for r in library.sounds()}
    if models is None:
        current = []
        for name, version, _count in library.catalog.embedded_models():
            try:
                if library.model_version(name) == version:
                    current.append(name)
            except KeyError:
                continue
        models = current
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(models):
        yield Progress(stage="evaluate", done=i, total=len(models), message=name)
        ids, vecs = library.vectors(name)
        rel = [sounds.get(int(s)) for s in ids]
        lab = labels_for([r or "" for r in rel], labels)
        grp = labels_for([r or "" for r in rel], groups) if groups else None
        keep = np.array([r is not None and la is not None for r, la in zip(rel, lab)], dtype=bool)
        if keep.sum() < 3:
            continue
        v = vecs[keep]
        la = [str(x) for x, kk in zip(lab, keep) if kk]
        gr = [str(x) for x, kk in zip(grp, keep) if kk] if grp is not None else None
        scores = yield from score_vectors(v, la, gr, k, clusterings)
        rows.append({"model": name, "n": int(keep.sum()), "classes": len(set(la)), **scores})
    yield Progress(stage="evaluate", done=len(models), total=len(models))
    return rows


def format_table(rows: Sequence[dict[str, Any]], reference: str | None = None) -> str:
    """Plain-text table, one row per model; ``reference`` adds a Δ-mAP column against that model."""
    if not rows:
        return "no model has embeddings with labels to score"
    cols = [c for c in rows[0] if c not in ("model",)]
    ref = next((r["qbe_map"] for r in rows if r["model"] == reference), None)
    width = max(8, max(len(r["model"]) for r in rows))
    head = f"{'model':<{width}}  " + "  ".join(f"{c:>11}" for c in cols) + ("  " + f"{'Δ mAP':>7}" if ref is not None else "")
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c)
            cells.append(f"{v:>11d}" if isinstance(v, int) else (f"{v:>11.3f}" if isinstance(v, float) else f"{'-':>11}"))
        line = f"{r['model']:<{width}}  " + "  ".join(cells)
        if ref is not None:
            line += f"  {r['qbe_map'] - ref:>+7.3f}"
        lines.append(line)
    return "\n".join(lines)
