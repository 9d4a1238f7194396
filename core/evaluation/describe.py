"""Describe a cluster: the descriptors and tags that set it apart from the rest of the library.

Plain data for a panel (:class:`ClusterDescription`). For each descriptor (:mod:`core.audio.descriptors`):

- the effect size, Cohen's ``d = (mean_in − mean_out) / s_pooled`` with
  ``s_pooled = sqrt(((n_in − 1)·s_in² + (n_out − 1)·s_out²) / (n_in + n_out − 2))`` (sample variances);
- the z-score of the cluster mean against the library, ``z = (mean_in − mean_all) / (s_all / sqrt(n_in))``.

For each tag: how many sounds carry it inside and outside the cluster, the enrichment
``(c_in / n_in) / (c_out / n_out)`` (with +0.5 added to both counts), and the hypergeometric
probability of seeing at least ``c_in`` tagged sounds in a random set of ``n_in`` sounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

#: friendly words for the descriptors a person reads first
WORDS: dict[str, tuple[str, str, str]] = {  # name → (quantity, more, less)
    "centroid_mean": ("brightness", "brighter", "darker"),
    "bandwidth_mean": ("spectral spread", "wider-band", "narrower-band"),
    "loudness_mean": ("loudness", "louder", "quieter"),
    "loudness_var": ("loudness variation", "more dynamic", "steadier"),
    "duration": ("duration", "longer", "shorter"),
    "pitch_mean": ("pitch", "higher", "lower"),
    "pitch_voiced": ("pitchedness", "more pitched", "noisier"),
}


@dataclass(frozen=True, slots=True)
class DescriptorContrast:
    name: str
    mean_in: float
    mean_out: float
    effect: float  # Cohen's d
    z: float

    def phrase(self) -> str:
        if self.name not in WORDS:
            return f"{'higher' if self.effect > 0 else 'lower'} {self.name} (d = {self.effect:+.2f})"
        quantity, more, less = WORDS[self.name]
        return f"{more if self.effect > 0 else less} ({quantity}, d = {self.effect:+.2f})"


@dataclass(frozen=True, slots=True)
class TagEnrichment:
    tag: str
    count_in: int
    n_in: int
    count_out: int
    n_out: int
    enrichment: float
    p_value: float


@dataclass(slots=True)
class ClusterDescription:
    cluster: int
    n_in: int
    n_out: int
    descriptors: list[DescriptorContrast] = field(default_factory=list)  # largest |d| first
    tags: list[TagEnrichment] = field(default_factory=list)  # most significant first

    def lines(self, n: int = 5) -> list[str]:
        """A few readable lines for the panel."""
        out = [f"{self.n_in} sounds against {self.n_out}"]
        out += [d.phrase() for d in self.descriptors[:n]]
        out += [f"tag '{t.tag}': {t.count_in} of {self.n_in} here, {t.count_out} of {self.n_out} elsewhere"
                for t in self.tags[:n]]
        return out


def contrasts(values: np.ndarray, names: Sequence[str], inside: np.ndarray) -> list[DescriptorContrast]:
    """Effect size and z-score of every descriptor column, in column order."""
    v = np.asarray(values, np.float64)
    inside = np.asarray(inside, bool)
    a, b = v[inside], v[~inside]
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        return []
    m1, m2, m_all = a.mean(axis=0), b.mean(axis=0), v.mean(axis=0)
    var1 = a.var(axis=0, ddof=1) if n1 > 1 else np.zeros(v.shape[1])
    var2 = b.var(axis=0, ddof=1) if n2 > 1 else np.zeros(v.shape[1])
    pooled = np.sqrt(((n1 - 1) * var1 + (n2 - 1) * var2) / max(n1 + n2 - 2, 1))
    d = np.where(pooled > 1e-12, (m1 - m2) / np.maximum(pooled, 1e-12), 0.0)
    s_all = v.std(axis=0, ddof=1) if len(v) > 1 else np.zeros(v.shape[1])
    se = s_all / np.sqrt(n1)
    z = np.where(se > 1e-12, (m1 - m_all) / np.maximum(se, 1e-12), 0.0)
    return [DescriptorContrast(str(nm), float(x1), float(x2), float(dd), float(zz))
            for nm, x1, x2, dd, zz in zip(names, m1, m2, d, z)]


def tag_enrichment(tags: Sequence[Sequence[str]], inside: np.ndarray, min_count: int = 2) -> list[TagEnrichment]:
    """Tags carried by at least ``min_count`` sounds of the cluster and enriched in it, most significant first."""
    from scipy.stats import hypergeom

    inside = np.asarray(inside, bool)
    n, n_in = len(inside), int(inside.sum())
    n_out = n - n_in
    counts: dict[str, list[int]] = {}
    for t_list, here in zip(tags, inside):
        for t in set(t_list):
            counts.setdefault(t, [0, 0])[0 if here else 1] += 1
    out = []
    for tag, (c_in, c_out) in counts.items():
        if c_in < min_count:
            continue
        enr = ((c_in + 0.5) / max(n_in, 1)) / ((c_out + 0.5) / max(n_out, 1))
        if enr <= 1.0:
            continue
        p = float(hypergeom.sf(c_in - 1, n, c_in + c_out, n_in))
        out.append(TagEnrichment(tag, c_in, n_in, c_out, n_out, float(enr), p))
    return sorted(out, key=lambda t: (t.p_value, -t.count_in, t.tag))


def describe_cluster(labels: np.ndarray, cluster: int, descriptors: np.ndarray | None = None,
                     names: Sequence[str] | None = None, tags: Sequence[Sequence[str]] | None = None,
                     top: int = 8, min_count: int = 2) -> ClusterDescription:
    """What sets cluster ``cluster`` (a label of ``labels`` ``[N]``) apart from all other sounds.

    ``descriptors`` ``[N, K]`` with ``names`` (:func:`core.audio.descriptors.names`) and ``tags``
    (per sound) are optional and aligned with ``labels``. Keeps the ``top`` strongest of each.
    """
    labels = np.asarray(labels)
    inside = labels == cluster
    if not inside.any():
        raise ValueError(f"there is no cluster {cluster}")
    desc = ClusterDescription(int(cluster), int(inside.sum()), int((~inside).sum()))
    if descriptors is not None:
        names = list(names) if names is not None else [f"d{i}" for i in range(np.shape(descriptors)[1])]
        rows = contrasts(descriptors, names, inside)
        desc.descriptors = sorted(rows, key=lambda r: -abs(r.effect))[:top]
    if tags is not None:
        desc.tags = tag_enrichment(tags, inside, min_count)[:top]
    return desc
