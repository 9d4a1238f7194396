"""The verdict: is the trained model better than where it started, on sounds it never trained on?

Held-out sounds (the test split) are the queries and candidates; relevance is the library's own
tag vocabulary (a candidate is relevant when it shares a tag with the query), scored with
:func:`core.evaluation.metrics.qbe_map_multi`. The trained model wins only if its QbE mAP beats the
reference encoder's by more than a noise margin; only then does it become the library's default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

MIN_QUERIES = 5


@dataclass(slots=True)
class Verdict:
    model: str
    reference: str
    held_out: int  # held-out sounds with at least one tag (queries)
    scores: dict[str, float] = field(default_factory=dict)  # model name → QbE mAP on the held-out set
    wins: bool = False
    decided: bool = True
    summary: str = ""

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["scores"] = {k: (None if not np.isfinite(v) else float(v)) for k, v in self.scores.items()}
        return d

    def table(self) -> str:
        """A plain-text table for the CLI."""
        lines = [f"verdict on {self.held_out} held-out sounds (relevant = shares a tag), QbE mAP:"]
        width = max(len(k) for k in self.scores) if self.scores else 10
        for name, score in self.scores.items():
            mark = "  ← trained" if name == self.model else ("  ← reference" if name == self.reference else "")
            lines.append(f"  {name:<{width}}  {score:.3f}{mark}")
        lines.append(self.summary)
        return "\n".join(lines)


def _rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    pos = {int(i): k for k, i in enumerate(ids)}
    return np.array([pos[int(i)] for i in wanted if int(i) in pos], dtype=np.int64)


def judge(library, model: str, reference: str, held_out_ids: np.ndarray, label_sets: dict[int, set[str]],
          others: tuple[str, ...] = ("mfcc",), margin_se: float = 0.0) -> Verdict:
    """Score ``model`` and ``reference`` (and any of ``others`` already embedded) on ``held_out_ids``.

    ``label_sets``: sound id → its vocabulary tags. Both models must be embedded already. The model
    wins only if it beats the reference by more than ``margin_se / √queries``: with a
    few dozen held-out queries the mAP difference is noisy (its standard error is roughly
    0.3/√queries), and a model that does not clearly win must not replace the default.
    """
    from core.evaluation.metrics import qbe_map_multi

    queries = np.array([i for i in held_out_ids if label_sets.get(int(i))], dtype=np.int64)
    v = Verdict(model, reference, len(queries))
    if len(queries) < MIN_QUERIES:
        v.decided = False
        v.summary = (f"undecided: only {len(queries)} held-out sound(s) have tags; "
                     f"{model} is available but not made the default")
        return v
    names = [model, reference] + [o for o in others if o not in (model, reference)]
    for name in names:
        try:
            ids, vecs = library.vectors(name)
        except Exception:  # an optional comparison model that cannot be built here
            continue
        rows = _rows(ids, queries)
        if len(rows) < len(queries):
            if name in (model, reference):
                raise RuntimeError(f"{name} has no vector for some held-out sounds")
            continue
        v.scores[name] = qbe_map_multi(vecs[rows], [label_sets[int(i)] for i in ids[rows]])
    new, old = v.scores[model], v.scores[reference]
    margin = margin_se / np.sqrt(len(queries))
    v.wins = bool(np.isfinite(new) and np.isfinite(old) and new > old + margin)
    delta = new - old
    if v.wins:
        v.summary = f"{model} wins: QbE mAP {new:.3f} vs {old:.3f} for {reference} ({delta:+.3f}); made the default"
    elif delta > 0:
        v.summary = (f"{model} beats {reference} by too little to be sure: QbE mAP {new:.3f} vs {old:.3f} "
                     f"({delta:+.3f}, margin {margin:.3f} on {len(queries)} held-out sounds); the default is unchanged")
    else:
        v.summary = (f"{model} does not beat {reference}: QbE mAP {new:.3f} vs {old:.3f} ({delta:+.3f}); "
                     f"the default is unchanged")
    return v
