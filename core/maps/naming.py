"""Names for clusters from the tags that set them apart ("kick", "tabla · loop", "ambient").

A tag names a cluster when it is common inside it and rarer outside: the score of tag ``t`` for
cluster ``c`` is ``p(t | c) · log(p(t | c) / p(t))`` (the cluster's share of the tag's information),
and a tag must be carried by at least ``min_share`` of the cluster and be ``min_lift`` times more
common inside it than overall. A cluster's name is its best
one or two tags; two clusters never get the same name (the later, smaller one gets a number).
Clusters without a distinctive tag keep their default name (``Cluster n``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from core.maps.labels import cluster_name

#: Words that name no sound: numbers, takes, formats, filler.
_STOP = frozenset({"wav", "flac", "aif", "aiff", "mp3", "ogg", "sample", "samples", "sound", "sounds", "sfx",
                   "take", "the", "and", "of", "a", "an", "by", "so", "processed", "new", "final", "mix", "v", "x"})


def _usable(tag: str) -> bool:
    t = tag.strip().lower()
    return len(t) > 1 and t not in _STOP and not t.replace(".", "").isdigit()


def _same_word(a: str, b: str) -> bool:
    """Two spellings of one word (drum/drums, ambi/ambient): one starts with the other."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short)


def cluster_names(labels: np.ndarray, tags: Sequence[Sequence[str]], *, min_share: float = 0.35,
                  min_lift: float = 1.5, max_words: int = 2, normalise: Callable[[str], str | None] | None = None) -> dict[int, str]:
    """``{label: name}`` for every cluster of ``labels`` int ``[N]`` (-1 = noise, named "Noise").

    ``tags[i]`` are sound ``i``'s tags; ``normalise`` maps a tag to its canonical form or ``None``
    to drop it (e.g. a synonym table: "bd" → "kick").
    """
    labels = np.asarray(labels)
    if normalise is None:  # through the sound taxonomy: "bd", "BassDrum" and "kick" are one word
        from core.audio.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()  # once: it checks its files for changes (20k checks took 3 s)

        def words(ts: Sequence[str]) -> frozenset[str]:
            return frozenset(t for t in taxonomy.canonical([t for t in ts if _usable(t)]) if _usable(t))
    else:
        def words(ts: Sequence[str]) -> frozenset[str]:
            return frozenset(n for t in ts if _usable(t) and (n := normalise(t)))
    memo: dict[tuple[str, ...], frozenset[str]] = {}  # the sounds of a folder mostly share their tags
    sets = [memo[k] if (k := tuple(ts)) in memo else memo.setdefault(k, words(ts)) for ts in tags]
    total = Counter(t for s in sets for t in s)
    n = max(1, len(sets))
    scored: list[tuple[int, int, list[str]]] = []
    for lab in sorted({int(v) for v in labels.tolist()}):
        if lab < 0:
            continue
        rows = np.flatnonzero(labels == lab)
        inside = Counter(t for r in rows for t in sets[r])
        size = len(rows)
        cands = []
        for t, c in inside.items():
            share = c / size
            lift = share / (total[t] / n)
            if share >= min_share and lift >= min_lift:  # a tag on most sounds names nothing
                cands.append((share * math.log(share / (total[t] / n)), share, t))
        cands.sort(key=lambda x: (-x[0], -x[1], x[2]))
        words: list[str] = []
        for score, _share, t in cands:
            if score > 0 and len(words) < max_words and not any(_same_word(t, w) for w in words):
                words.append(t)
        scored.append((lab, size, words))
    names: dict[int, str] = {}
    used: Counter[str] = Counter()
    for lab, _size, words in sorted(scored, key=lambda x: (-x[1], x[0])):
        if not words:
            names[lab] = cluster_name(lab)
            continue
        base = " · ".join(words)
        used[base] += 1
        names[lab] = base if used[base] == 1 else f"{base} {used[base]}"
    if (labels < 0).any():
        names[-1] = cluster_name(-1)
    return names
