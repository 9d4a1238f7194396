"""The verdict: is the trained model better than where it started, on sounds it never trained on?

What users mean by "better" is "finds sounds of the same kind", not "finds sounds from the same
kit". So:

- the held-out sounds are whole folders when the library has folders
  (:func:`core.training.data.split_indices`), so a model cannot win by recognising a kit, a pack
  or a session;
- relevance is the library's *content* tags only (:mod:`core.audio.taxonomy`: provenance tags such
  as kit names, velocities and mic positions never count), a candidate being relevant when it
  shares one with the query (:func:`core.evaluation.metrics.qbe_ap_multi`);
- the uncertainty is a paired bootstrap interval over the queries of the difference in average
  precision, and the model is promoted to the library's default only when the interval clears
  zero. The question is one-sided ("is the new model better?"), so the test is too: at confidence
  0.95 the bar is the 5th percentile of the bootstrap means (the reported interval is the central
  90 % one, from the 5th to the 95th percentile), and a model that is no better is promoted in at
  most about 5 % of libraries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

MIN_QUERIES = 5
N_BOOT = 2000


@dataclass(slots=True)
class Verdict:
    model: str
    reference: str
    held_out: int  # held-out sounds with at least one content tag (queries)
    scores: dict[str, float] = field(default_factory=dict)  # model name → QbE mAP on the held-out set
    wins: bool = False
    decided: bool = True
    summary: str = ""
    delta: float = float("nan")  # mAP(model) − mAP(reference) on the scored queries
    ci: tuple[float, float] = (float("nan"), float("nan"))  # bootstrap interval of delta (see bootstrap_interval)
    confidence: float = 0.95
    folders: int = 0  # held-out groups: whole folders, or file-name prefixes in a flat library (0: random sounds)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        fin = lambda v: None if not np.isfinite(v) else float(v)  # noqa: E731
        d["scores"] = {k: fin(v) for k, v in self.scores.items()}
        d["delta"], d["ci"] = fin(self.delta), [fin(c) for c in self.ci]
        return d

    def table(self) -> str:
        """A plain-text table for the CLI."""
        where = f"{self.folders} held-out groups" if self.folders else "held-out sounds"
        lines = [f"verdict on {self.held_out} sounds of {where} (relevant = shares a content tag), QbE mAP:"]
        width = max(len(k) for k in self.scores) if self.scores else 10
        for name, score in self.scores.items():
            mark = "  ← trained" if name == self.model else ("  ← reference" if name == self.reference else "")
            lines.append(f"  {name:<{width}}  {score:.3f}{mark}")
        lines.append(self.summary)
        return "\n".join(lines)


def bootstrap_interval(diff: np.ndarray, confidence: float = 0.95, n_boot: int = N_BOOT, seed: int = 0
                       ) -> tuple[float, float]:
    """Percentile bootstrap bounds of the mean of ``diff`` (per-query paired differences):
    ``(lower, upper)`` = the ``1 − confidence`` and ``confidence`` quantiles of the bootstrap means,
    i.e. the one-sided ``confidence`` lower and upper bounds (together the central
    ``2·confidence − 1`` interval: 90 % at 0.95)."""
    d = np.asarray(diff, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(n_boot, len(d)))].mean(axis=1)
    a = 1.0 - confidence
    return float(np.quantile(means, a)), float(np.quantile(means, 1.0 - a))


def _rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    pos = {int(i): k for k, i in enumerate(ids)}
    return np.array([pos[int(i)] for i in wanted if int(i) in pos], dtype=np.int64)


def judge(library, model: str, reference: str, held_out_ids: np.ndarray, label_sets: dict[int, set[str]],
          others: tuple[str, ...] = ("mfcc",), confidence: float = 0.95, folders: int = 0,
          seed: int = 0, must_beat: tuple[str, ...] = (), candidates: np.ndarray | None = None) -> Verdict:
    """Score ``model`` and ``reference`` (and any of ``others`` already embedded) on ``held_out_ids``.

    ``label_sets``: sound id → its content tags. Both models must be embedded already. The model
    wins only if the one-sided ``confidence`` bootstrap lower bound of its mAP gain over the
    reference (paired over queries) is above zero, and likewise against each of ``must_beat`` that is
    embedded (the library's default encoder, when it is not the reference: a new default must beat
    the map the user already has). ``folders``: how many whole folders were held out (for the report).
    ``candidates``: more sound ids (with content tags in ``label_sets``) that each held-out query
    ranks besides the other held-out sounds, e.g. the rest of the library (default: none).
    """
    from core.evaluation.metrics import qbe_ap_multi

    queries = np.array([i for i in held_out_ids if label_sets.get(int(i))], dtype=np.int64)
    v = Verdict(model, reference, len(queries), confidence=confidence, folders=folders)
    if len(queries) < MIN_QUERIES:
        v.decided = False
        v.summary = (f"undecided: only {len(queries)} held-out sound(s) have content tags; "
                     f"{model} is available but not made the default")
        return v
    extra = [] if candidates is None else [int(i) for i in candidates if label_sets.get(int(i))]
    if extra:  # only candidates both compared models have a vector for
        have = set(map(int, library.vectors(model)[0])) & set(map(int, library.vectors(reference)[0]))
        extra = [i for i in extra if i in have]
    qset = set(queries.tolist())
    pool = np.concatenate([queries, np.array([i for i in dict.fromkeys(extra) if i not in qset], dtype=np.int64)])
    names = [model, reference] + [o for o in (*must_beat, *others) if o not in (model, reference)]
    names = list(dict.fromkeys(names))
    aps: dict[str, np.ndarray] = {}
    for name in names:
        try:
            ids, vecs = library.vectors(name)
        except Exception:  # an optional comparison model that cannot be built here
            continue
        rows = _rows(ids, pool)
        if len(rows) < len(pool):
            if name in (model, reference):
                raise RuntimeError(f"{name} has no vector for some held-out sounds")
            continue
        aps[name] = qbe_ap_multi(vecs[rows], [label_sets[int(i)] for i in ids[rows]],
                                 queries=np.arange(len(queries)))
        ok = np.isfinite(aps[name])
        v.scores[name] = float(aps[name][ok].mean()) if ok.any() else float("nan")
    counted = np.isfinite(aps[model]) & np.isfinite(aps[reference])
    if counted.sum() < MIN_QUERIES:
        v.decided = False
        v.summary = (f"undecided: only {int(counted.sum())} held-out sound(s) share a content tag with another; "
                     f"{model} is available but not made the default")
        return v
    pct = f"{100 * (2 * confidence - 1):.0f}%"
    new = v.scores[model]
    v.wins = True
    gains = []
    for base in [reference] + [b for b in must_beat if b in aps and b != reference]:
        diff = aps[model][counted] - aps[base][counted]
        delta, ci = float(diff.mean()), bootstrap_interval(diff, confidence, seed=seed)
        if base == reference:
            v.delta, v.ci = delta, ci
        gains.append(f"QbE mAP {new:.3f} vs {v.scores[base]:.3f} for {base} ({delta:+.3f}, {pct} interval "
                     f"{ci[0]:+.3f} … {ci[1]:+.3f})")
        if not ci[0] > 0:
            v.wins = False
            if delta > 0:
                v.summary = f"{model} is not surely better: {gains[-1]}; the default is unchanged"
            else:
                v.summary = f"{model} does not beat {base}: {gains[-1]}; the default is unchanged"
            return v
    v.summary = f"{model} wins: {'; '.join(gains)}; made the default"
    return v
