"""Compare models ▸ What they capture: the COALA correlation table (CCA against acoustic descriptor
groups, on held-out folds) and the MLP probe (mean ± std over repeats) of every model, as one job.

The measures are :func:`core.evaluation.probes.cca_table` and :func:`~core.evaluation.probes.mlp_probe_job`
on the vectors of each model and the library's descriptors (:func:`core.audio.descriptors.library_descriptors`,
cached in the catalog), with labels and groups read like Compare's (:func:`core.evaluation.library.labels_for`)
— the same recipe as ``sound-explorer explain``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.jobs import Progress

__all__ = ["explain_models"]


def explain_models(library: Any, models: Sequence[str], labels: str | None = "folder", groups: str | None = None,
                   repeats: int = 10, folds: int = 5) -> Any:
    """Job → ``[{"model", "n", "cca": [CcaRow], "probe": ProbeResult | None, "why": str}]``, one per model
    with vectors. ``labels`` None skips the probe."""
    from core.audio import descriptors as D
    from core.evaluation.library import labels_for
    from core.evaluation.probes import cca_table, mlp_probe_job

    sounds = {int(r.id): r.relpath for r in library.sounds()}
    d_ids, desc = yield from D.library_descriptors(library)
    pos = {int(i): k for k, i in enumerate(d_ids.tolist())}
    out: list[dict[str, Any]] = []
    for m, name in enumerate(models):
        yield Progress(stage="evaluate", done=m, total=len(models), message=f"what {name} captures")
        ids, vecs = library.vectors(name)
        keep = [k for k, i in enumerate(ids.tolist()) if int(i) in pos and int(i) in sounds]
        if len(keep) < 10:
            out.append({"model": name, "n": len(keep), "cca": [], "probe": None,
                        "why": "fewer than 10 analysed sounds"})
            continue
        x = np.asarray(vecs[keep], np.float64)
        rel = [sounds[int(ids[k])] for k in keep]
        d = desc[[pos[int(ids[k])] for k in keep]]
        grp = labels_for(rel, groups) if groups else None
        grp = [str(g) for g in grp] if grp is not None and all(g is not None for g in grp) else None
        row: dict[str, Any] = {"model": name, "n": len(keep), "cca": cca_table(x, d, D.groups(), grp, folds=folds),
                               "probe": None, "why": ""}
        if labels is not None:
            lab = labels_for(rel, labels)
            have = [k for k, la in enumerate(lab) if la is not None]
            if len({lab[k] for k in have}) >= 2:
                row["probe"] = yield from mlp_probe_job(x[have], [lab[k] for k in have],
                                                        [grp[k] for k in have] if grp else None,
                                                        repeats=repeats, folds=folds)
            else:
                row["why"] = "the probe needs at least two labels"
        out.append(row)
    return out
