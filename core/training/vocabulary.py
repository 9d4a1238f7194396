"""From raw tags (:mod:`core.audio.tags`) to a training vocabulary of weak labels.

Pipeline (:func:`build_vocabulary`): lower-case → drop stopwords and junk → singularise plurals →
map words and phrases to their sound type (:mod:`core.audio.taxonomy`: ``bd``, ``bass drum`` →
``kick``) → drop user-excluded tags → drop provenance tags (kit, pack, velocity, mic words and
tags spread over several sound types; :func:`core.audio.taxonomy.classify_tags`, the user can flip
any tag) → drop tags on more than ``max_doc_freq`` of the sounds and tags seen fewer
than ``min_count`` times → keep the ``max_tags`` most frequent → optionally weigh by
informativeness (IDF × acoustic consistency under a reference encoder, :func:`acoustic_consistency`)
and drop tags whose sounds are no more alike than random pairs → drop sounds left with no tag.

Filename tags name kits, microphones and velocities as often as instruments: only content tags
are training relevance by default; provenance tags stay searchable in the catalog.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.audio.taxonomy import TagKind, Taxonomy, classify_tags, load_taxonomy
from core.audio.words import STOPWORDS, normalise_tag, singularise  # noqa: F401  (re-exported)

@dataclass(slots=True)
class Vocabulary:
    """A tag vocabulary over the sounds of a library.

    ``tags``: the kept tags (most frequent first); ``sound_tags[i]``: tag indices of sound ``i``
    (in the order the sounds were given; empty for sounds without a kept tag); ``weights``: float32
    ``[C]`` informativeness (IDF, times acoustic consistency when a reference was given);
    ``dropped``: ``{tag: reason}`` for everything filtered out (for the GUI and reports).
    """

    tags: list[str]
    sound_tags: list[list[int]]
    weights: np.ndarray
    doc_freq: np.ndarray  # int64 [C]
    dropped: dict[str, str] = field(default_factory=dict)
    consistency: np.ndarray | None = None  # float32 [C]
    kinds: dict[str, TagKind] = field(default_factory=dict)  # every classified tag: content or provenance
    sound_types: list[str | None] = field(default_factory=list)  # per sound, its taxonomy type

    def provenance_tags(self) -> list[str]:
        """Tags classified as provenance (kept out of training relevance unless flipped)."""
        return [t for t, k in self.kinds.items() if not k.is_content]

    @property
    def size(self) -> int:
        return len(self.tags)

    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tags)}

    def tagged(self) -> np.ndarray:
        """Indices (int64) of the sounds that kept at least one tag."""
        return np.array([i for i, t in enumerate(self.sound_tags) if t], dtype=np.int64)

    def multi_hot(self, rows: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
        """float32 ``[N, C]`` multi-hot matrix of the given sound rows (all by default)."""
        rows = range(len(self.sound_tags)) if rows is None else rows
        rows = list(rows)
        out = np.zeros((len(rows), self.size), dtype=np.float32)
        for r, i in enumerate(rows):
            out[r, self.sound_tags[int(i)]] = 1.0
        return out

    def label_sets(self) -> list[set[str]]:
        """Per sound, its kept tags as strings (relevance for ``qbe_map_multi``)."""
        return [{self.tags[j] for j in t} for t in self.sound_tags]

    def as_dict(self) -> dict[str, object]:
        return {"tags": self.tags, "weights": [float(w) for w in self.weights],
                "doc_freq": [int(d) for d in self.doc_freq]}


def acoustic_consistency(vectors: np.ndarray, sound_tags: Sequence[Sequence[int]], n_tags: int,
                         max_members: int = 200, seed: int = 0) -> np.ndarray:
    """Per tag: mean cosine similarity between its sounds minus the mean over all pairs.

    ``vectors`` float32 ``[N, D]`` (L2-normalised reference vectors, row i = sound i). Positive
    means the tag's sounds sound alike under the reference encoder; ~0 means the tag is
    acoustically arbitrary (a kit or session name). Tags with < 2 sounds get 0. Returns ``[C]``.
    """
    v = np.asarray(vectors, dtype=np.float32)
    rng = np.random.default_rng(seed)
    mean_vec = v.mean(axis=0)
    n = len(v)
    base = float((mean_vec @ mean_vec * n * n - n) / max(n * n - n, 1))  # mean over i≠j of cos
    members: list[list[int]] = [[] for _ in range(n_tags)]
    for i, ts in enumerate(sound_tags):
        for t in ts:
            members[t].append(i)
    out = np.zeros(n_tags, dtype=np.float32)
    for t, m in enumerate(members):
        if len(m) < 2:
            continue
        if len(m) > max_members:
            m = list(rng.choice(m, size=max_members, replace=False))
        sub = v[m]
        s = sub.sum(axis=0)
        k = len(m)
        within = (float(s @ s) - float((sub * sub).sum())) / (k * (k - 1))
        out[t] = within - base
    return out


def build_vocabulary(
    raw: Sequence[Iterable[str]],
    *,
    max_tags: int = 1000,
    max_doc_freq: float = 0.7,
    min_count: int = 2,
    exclude: Iterable[str] = (),
    reference: np.ndarray | None = None,
    min_consistency: float | None = None,
    relpaths: Sequence[str] | None = None,
    taxonomy: Taxonomy | None = None,
    content_only: bool = True,
    content_tags: Iterable[str] = (),
    provenance_tags: Iterable[str] = (),
) -> Vocabulary:
    """Build a :class:`Vocabulary` from per-sound raw tag lists (see the module docstring).

    ``reference`` (float32 ``[N, D]``, row i = sound i) enables acoustic-consistency weighting,
    and with ``min_consistency`` the filter dropping tags whose consistency is at or below it.
    ``relpaths`` (per sound) lets the provenance detector name the folder a tag is confined to;
    ``content_only`` (default) drops provenance tags; ``content_tags`` / ``provenance_tags`` are
    the user's flips.
    """
    excluded = {normalise_tag(t) or t.strip().lower() for t in exclude}
    tax = taxonomy or load_taxonomy()
    per_sound: list[list[str]] = []
    dropped: dict[str, str] = {}
    for tags in raw:
        tags = [str(t) for t in tags]
        for t in tags:
            if normalise_tag(t) is None:
                dropped.setdefault(t.lower(), "stopword")
        seen: list[str] = []
        for nt in tax.canonical(tags):
            if nt in excluded:
                dropped.setdefault(nt, "excluded")
            else:
                seen.append(nt)
        per_sound.append(seen)
    kinds = classify_tags(per_sound, relpaths, taxonomy=tax, force_content=content_tags,
                          force_provenance=provenance_tags)
    sound_types = [tax.sound_type(tags) for tags in per_sound]
    if content_only:
        for t, k in kinds.items():
            if not k.is_content:
                dropped[t] = f"provenance: {k.reason}"
        per_sound = [[t for t in tags if kinds[t].is_content] for tags in per_sound]
    n = max(len(per_sound), 1)
    df = Counter(t for tags in per_sound for t in tags)
    keep: list[str] = []
    for t, c in df.most_common():
        if c / n > max_doc_freq:
            dropped[t] = f"on {100 * c / n:.0f}% of sounds"
        elif c < min_count:
            dropped[t] = f"only {c} sound(s)"
        else:
            keep.append(t)
    for t in keep[max_tags:]:
        dropped[t] = "beyond the top tags"
    keep = keep[:max_tags]
    index = {t: i for i, t in enumerate(keep)}
    sound_tags = [[index[t] for t in tags if t in index] for tags in per_sound]
    doc = np.array([df[t] for t in keep], dtype=np.int64)
    idf = np.log((1.0 + n) / (1.0 + doc)).astype(np.float32) + 1.0
    weights = idf
    consistency = None
    if reference is not None and keep:
        consistency = acoustic_consistency(reference, sound_tags, len(keep))
        # weight ∝ IDF × how much more alike the tag's sounds are than random pairs (floor 5 %)
        scale = max(float(consistency.max()), 1e-6)
        weights = (idf * np.clip(consistency / scale, 0.05, 1.0)).astype(np.float32)
        if min_consistency is not None:
            bad = {i for i in range(len(keep)) if consistency[i] <= min_consistency and doc[i] >= 2}
            if bad and len(bad) < len(keep):
                for i in sorted(bad):
                    dropped[keep[i]] = f"acoustically inconsistent ({consistency[i]:+.3f})"
                kept_idx = [i for i in range(len(keep)) if i not in bad]
                remap = {old: new for new, old in enumerate(kept_idx)}
                keep = [keep[i] for i in kept_idx]
                sound_tags = [[remap[t] for t in ts if t in remap] for ts in sound_tags]
                doc, weights, consistency = doc[kept_idx], weights[kept_idx], consistency[kept_idx]
    return Vocabulary(keep, sound_tags, np.asarray(weights, dtype=np.float32), doc, dropped, consistency,
                      kinds, sound_types)


def tag_report(vocab: Vocabulary, top: int = 20) -> str:
    """A short human-readable summary of a vocabulary (for the CLI)."""
    lines = [f"{vocab.size} tags on {len(vocab.tagged())} of {len(vocab.sound_tags)} sounds"]
    order = np.argsort(-vocab.weights)[:top]
    lines.append("most informative: " + ", ".join(f"{vocab.tags[i]}({vocab.doc_freq[i]})" for i in order))
    reasons = Counter(r.split(" (")[0] if r.startswith("acoustically") else r.split(" ")[0].rstrip(":")
                      for r in vocab.dropped.values())
    prov = vocab.provenance_tags()
    if prov:
        lines.append(f"provenance (not training relevance): {', '.join(sorted(prov)[:top])}"
                     + (" …" if len(prov) > top else ""))
    if reasons:
        lines.append("dropped: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    return "\n".join(lines)
