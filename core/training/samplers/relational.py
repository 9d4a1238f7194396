"""Samplers whose positive is another real patch: temporal proximity, shared tags, ranked lists.

- :class:`ProximitySampler` (Tile2Vec): anchor and positive are two different patches of the same
  recording whose start times are at most ``Δt`` apart; the negative comes from another recording.
  Anchors are drawn from the sounds long enough to hold two distinct patches, weighted by length
  (loops, ambiences and long files are where this matters).
- :class:`TagSampler`: anchor and positive share a tag (the tag drawn by informativeness weight),
  the negative shares none of the anchor's tags. With folders (``ctx.folders``) the positive comes
  from another folder when the tag has sounds there, and half of the negatives from the anchor's
  own folder when it holds a sound sharing none of its tags: what makes two sounds alike is then
  never their kit, pack or session.
- :class:`RankedSampler`: positives from the top ``N_p`` of a reference ranking (e.g. the starting
  encoder's neighbours), negatives from beyond rank ``N_n``.
"""

from __future__ import annotations

import numpy as np

from core.training.samplers.base import Sampler, SamplerUnavailable, SamplingContext, Triplets


class ProximitySampler(Sampler):
    name = "proximity"

    def __init__(self, ctx: SamplingContext, max_seconds: float = 4.0) -> None:
        super().__init__(ctx)
        store = ctx.store
        self.max_frames = max(1, int(max_seconds * store.mel.sample_rate / store.mel.hop_length))
        room = np.array([max(s[2] for s in store.segments[int(i)]) - store.patch_frames for i in ctx.pool])
        ok = room >= 1
        if not ok.any():
            raise SamplerUnavailable("no sound is longer than one patch (2.2 s), so no recording has two moments to pair")
        self.eligible = ctx.pool[ok]
        w = store.n_frames[self.eligible].astype(np.float64)
        self.p = w / w.sum()

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        store = self.ctx.store
        a_s = self.eligible[rng.choice(len(self.eligible), size=n, p=self.p)]
        n_s = self.other_sounds(a_s, rng)
        anchors, positives, ta, tp = [], [], [], []
        f = store.patch_frames
        for i in a_s:
            i = int(i)
            segs = store.segments[i]
            long_segs = [k for k, s in enumerate(segs) if s[2] > f]
            seg = int(rng.choice(long_segs))
            last = segs[seg][2] - f  # last valid start
            start = int(rng.integers(0, last + 1))
            lo, hi = max(0, start - self.max_frames), min(last, start + self.max_frames)
            choices = np.arange(lo, hi + 1)
            choices = choices[choices != start]
            other = int(rng.choice(choices))
            anchors.append(store.patch_at(i, seg, start))
            positives.append(store.patch_at(i, seg, other))
            ta.append(store.time_of(i, seg, start))
            tp.append(store.time_of(i, seg, other))
        sounds = np.stack([a_s, a_s, n_s], axis=1)
        info = {"anchor_time": np.array(ta), "positive_time": np.array(tp)}
        return Triplets(np.stack(anchors), np.stack(positives), self.crops(n_s, rng), sounds,
                        [self.name] * n, info)


class TagSampler(Sampler):
    name = "tags"

    def __init__(self, ctx: SamplingContext) -> None:
        super().__init__(ctx)
        if ctx.sound_tags is None:
            raise SamplerUnavailable("the library has no usable tags")
        self.tags = ctx.sound_tags
        members: dict[int, list[int]] = {}
        for i in ctx.pool:
            for t in self.tags[int(i)]:
                members.setdefault(t, []).append(int(i))
        self.members = {t: np.array(m) for t, m in members.items() if len(m) >= 2}
        self.anchors = np.array([int(i) for i in ctx.pool if any(t in self.members for t in self.tags[int(i)])])
        if len(self.anchors) < 2:
            raise SamplerUnavailable("fewer than two sounds share a tag")
        n_tags = 1 + max(self.members)
        self.weights = np.ones(n_tags) if ctx.tag_weights is None else np.asarray(ctx.tag_weights, np.float64)
        self.folders = ctx.folders
        self.by_folder: dict[int, np.ndarray] = {}
        if self.folders is not None:
            for f in np.unique(self.folders[ctx.pool]):
                self.by_folder[int(f)] = ctx.pool[self.folders[ctx.pool] == f]

    def _negative(self, anchor: int, rng: np.random.Generator) -> int:
        mine = set(self.tags[anchor])
        if self.folders is not None and rng.random() < 0.5:  # from the anchor's own folder
            same = self.by_folder[int(self.folders[anchor])]
            for _ in range(16):
                cand = int(same[rng.integers(0, len(same))])
                if cand != anchor and not mine.intersection(self.tags[cand]):
                    return cand
        pool = self.ctx.pool
        for _ in range(64):
            cand = int(pool[rng.integers(0, len(pool))])
            if cand != anchor and not mine.intersection(self.tags[cand]):
                return cand
        free = [int(i) for i in pool if int(i) != anchor and not mine.intersection(self.tags[int(i)])]
        if not free:
            raise SamplerUnavailable("a sound shares a tag with every other sound")
        return int(rng.choice(free))

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        a_s = self.anchors[rng.integers(0, len(self.anchors), size=n)]
        p_s, n_s, chosen = [], [], []
        for a in a_s:
            a = int(a)
            cands = [t for t in self.tags[a] if t in self.members]
            w = self.weights[cands]
            t = int(rng.choice(cands, p=w / w.sum())) if w.sum() > 0 else int(rng.choice(cands))
            others = self.members[t][self.members[t] != a]
            if self.folders is not None:
                away = others[self.folders[others] != self.folders[a]]
                others = away if len(away) else others
            p_s.append(int(rng.choice(others)))
            n_s.append(self._negative(a, rng))
            chosen.append(t)
        p_s, n_s = np.array(p_s), np.array(n_s)
        sounds = np.stack([a_s, p_s, n_s], axis=1)
        return Triplets(self.crops(a_s, rng), self.crops(p_s, rng), self.crops(n_s, rng), sounds,
                        [self.name] * n, {"tag": np.array(chosen, dtype=np.float64)})


class RankedSampler(Sampler):
    name = "ranked"

    def __init__(self, ctx: SamplingContext, top: int = 5, far: int = 50) -> None:
        super().__init__(ctx)
        if ctx.ranking is None:
            raise SamplerUnavailable("no reference ranking")
        self.top, self.far = int(top), int(far)
        in_pool = np.zeros(len(ctx.store), dtype=bool)
        in_pool[ctx.pool] = True
        self.in_pool = in_pool

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        a_s = self.random_sounds(n, rng)
        p_s, n_s = [], []
        for a in a_s:
            ranked = self.ctx.ranking[int(a)]
            near = [int(j) for j in ranked[: self.top] if self.in_pool[j] and j != a]
            p_s.append(near[int(rng.integers(0, len(near)))] if near else int(a))
            close = set(int(j) for j in ranked[: self.far])
            for _ in range(64):
                cand = int(self.ctx.pool[rng.integers(0, len(self.ctx.pool))])
                if cand != a and cand not in close:
                    break
            n_s.append(cand)
        p_s, n_s = np.array(p_s), np.array(n_s)
        sounds = np.stack([a_s, p_s, n_s], axis=1)
        return Triplets(self.crops(a_s, rng), self.crops(p_s, rng), self.crops(n_s, rng), sounds, [self.name] * n)
