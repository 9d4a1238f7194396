"""The verdict: whole folders held out, content tags as relevance, a bootstrap interval that must clear zero."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.audio.tags import raw_tags
from core.training.data import folder_keys, split_indices
from core.training.verdict import bootstrap_interval, judge
from core.training.vocabulary import build_vocabulary


class _Vectors:
    """Stands in for a Library: only ``vectors(name)`` is used by ``judge``."""

    def __init__(self, table: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.table = table

    def vectors(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.table[name]


def _norm(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _setup(seed: int = 0, n: int = 40):
    rng = np.random.default_rng(seed)
    classes = 4
    ids = np.arange(100, 100 + n, dtype=np.int64)
    labels = {int(i): {f"c{k % classes}"} for k, i in enumerate(ids)}
    centres = rng.standard_normal((classes, 16))
    good = np.stack([centres[k % classes] + 0.3 * rng.standard_normal(16) for k in range(n)])
    noisy = np.stack([centres[k % classes] + 3.0 * rng.standard_normal(16) for k in range(n)])
    return ids, labels, _norm(good), _norm(noisy)


def test_clear_win_switches_and_the_interval_guards_against_noise():
    ids, labels, good, noisy = _setup()
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy)})
    v = judge(lib, "new", "ref", ids, labels, others=())
    assert v.decided and v.wins and v.scores["new"] > v.scores["ref"]
    assert v.ci[0] > 0 and v.ci[0] <= v.delta <= v.ci[1] and "wins" in v.summary
    # a slightly perturbed reference: a gain of about zero must not be promoted
    rng = np.random.default_rng(5)
    ids2, labels2, _, noisy2 = _setup(n=40)
    jitter = _norm(noisy2 + 0.05 * rng.standard_normal(noisy2.shape))
    tie = judge(_Vectors({"new": (ids2, jitter), "ref": (ids2, noisy2)}), "new", "ref", ids2, labels2, others=())
    assert tie.ci[0] < 0 < tie.ci[1] and not tie.wins
    # the reference against itself never wins
    same = judge(_Vectors({"new": (ids, noisy), "ref": (ids, noisy)}), "new", "ref", ids, labels, others=())
    assert not same.wins and "does not beat" in same.summary


def test_a_new_default_must_also_beat_the_current_default():
    ids, labels, good, noisy = _setup()
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy), "default": (ids, good)})
    v = judge(lib, "new", "ref", ids, labels, others=(), must_beat=("default",))
    assert v.ci[0] > 0 and not v.wins and "default" in v.summary  # beats the reference, not the default
    lib.table["default"] = (ids, noisy)
    assert judge(lib, "new", "ref", ids, labels, others=(), must_beat=("default",)).wins


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_more_queries():
    rng = np.random.default_rng(0)
    few, many = rng.normal(0.05, 0.2, 20), rng.normal(0.05, 0.2, 2000)
    lo1, hi1 = bootstrap_interval(few)
    lo2, hi2 = bootstrap_interval(many)
    assert lo1 < few.mean() < hi1 and lo2 < many.mean() < hi2
    assert hi2 - lo2 < (hi1 - lo1) / 4
    assert lo2 > 0  # 2,000 queries with a +0.05 mean gain: sure
    assert bootstrap_interval(np.zeros(10)) == (0.0, 0.0)


def test_the_bar_is_one_sided():
    """Promoting is a one-sided question: at confidence 0.95 the lower bound is the 5th percentile of
    the bootstrap means (≈ mean − 1.645 standard errors), not the 2.5th (≈ mean − 1.96)."""
    rng = np.random.default_rng(1)
    d = rng.normal(0.03, 0.2, 400)
    se = d.std() / np.sqrt(len(d))
    lo, hi = bootstrap_interval(d, 0.95, n_boot=20000)
    assert abs(lo - (d.mean() - 1.645 * se)) < 0.25 * se
    assert abs(hi - (d.mean() + 1.645 * se)) < 0.25 * se
    lo99, _ = bootstrap_interval(d, 0.99, n_boot=20000)
    assert lo99 < lo


def test_too_few_tagged_held_out_sounds_is_undecided():
    ids, labels, good, noisy = _setup()
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy)})
    v = judge(lib, "new", "ref", ids[:3], labels, others=())
    assert not v.decided and not v.wins and "undecided" in v.summary


def test_folder_keys_pick_the_level_with_enough_folders():
    paths = [f"Kit {k}/{mic}/x{i}.wav" for k in range(5) for mic in ("Close", "OH") for i in range(2)]
    keys = folder_keys(paths)
    assert keys is not None and len(set(keys)) == 5 and keys[0] == "Kit 0"  # the mics of a kit stay together
    assert folder_keys(["a.wav", "b.wav"]) is None
    assert folder_keys(["A/a.wav", "B/b.wav", "C/c.wav"]) is None  # too few folders: a random split
    # with sound types: kits (several types per folder) are held out, category folders are not
    kits = [f"Kit {k}/{t}_{i}.wav" for k in range(5) for t in ("kick", "snare", "hihat") for i in range(2)]
    types = [p.split("/")[1].split("_")[0] for p in kits]
    assert folder_keys(kits, types) is not None
    cats = [f"{t}s/{t}_{k}_{i}.wav" for t in ("kick", "snare", "hihat", "tom", "clap") for k in range(5) for i in range(2)]
    assert folder_keys(cats, [p.split("/")[1].split("_")[0] for p in cats]) is None
    assert folder_keys(cats, [None] * len(cats)) is None  # nothing known: the folder names decide
    packs = [f"Pack Vol {k}/x{i}.wav" for k in range(5) for i in range(3)]
    assert folder_keys(packs, [None] * len(packs)) is not None  # "pack", "vol": provenance words


def test_split_holds_out_whole_folders():
    paths = [f"Kit{k}/s{i}.wav" for k in range(10) for i in range(10)]
    keys = folder_keys(paths)
    train, val, test = split_indices(len(paths), 0.1, 0.15, seed=0, folders=keys)
    assert len(test) >= 15 and len(val) >= 10
    kits = lambda idx: {keys[int(i)] for i in idx}  # noqa: E731
    assert not kits(test) & kits(train) and not kits(val) & kits(train) and not kits(test) & kits(val)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(100))
    # no folders: the old random split, every sound in exactly one part
    tr, va, te = split_indices(100, 0.1, 0.15, seed=0)
    assert len(te) == 15 and len(va) == 10 and len(set(tr) | set(va) | set(te)) == 100


KITS = ["Pearl Kit", "Ludwig", "Vintage 909", "Tama Star", "Gretsch Round", "Yamaha Oak", "Sonor", "DW Collectors"]
INSTRUMENTS = ["Kick", "Snare", "HiHat", "Tom", "Crash", "Clap"]


def _kit_library():
    """Eight kits × six instruments × three velocities, named as real kits are: the kit's name is in
    every file name. Vectors: a provenance-only model that places every sound by its kit (what
    tag triplets on kit names learn), and a reference that hears the instrument, weakly."""
    paths, kit_of, inst_of = [], [], []
    for k, kit in enumerate(KITS):
        prefix = kit.split()[0]
        for j, inst in enumerate(INSTRUMENTS):
            for vel in ("Soft", "Med", "Hard"):
                paths.append(f"{kit}/{prefix}{inst}-{vel}.wav")
                kit_of.append(k)
                inst_of.append(j)
    rng = np.random.default_rng(1)
    kit_c, inst_c = rng.standard_normal((len(KITS), 32)), rng.standard_normal((len(INSTRUMENTS), 32))
    kit_of, inst_of = np.array(kit_of), np.array(inst_of)
    provenance_model = _norm(kit_c[kit_of] + 0.2 * inst_c[inst_of] + 0.3 * rng.standard_normal((len(paths), 32)))
    reference = _norm(0.5 * kit_c[kit_of] + inst_c[inst_of] + 1.5 * rng.standard_normal((len(paths), 32)))
    return paths, provenance_model, reference


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_a_provenance_only_model_is_not_promoted(seed):
    paths, prov_model, reference = _kit_library()
    ids = np.arange(len(paths), dtype=np.int64)
    raw = [raw_tags(Path("/nonexistent"), p, metadata=False) for p in paths]
    lib = _Vectors({"kits": (ids, prov_model), "ref": (ids, reference)})

    vocab = build_vocabulary(raw, max_doc_freq=0.7, min_count=2, relpaths=paths)
    assert sorted(vocab.tags) == ["clap", "cymbal", "hihat", "kick", "snare", "tom"]  # kit names are provenance
    keys = folder_keys(paths, vocab.sound_types)
    assert keys is not None  # kit folders: held out whole
    _train, _val, test = split_indices(len(paths), 0.1, 0.15, seed=seed, folders=keys)
    labels = {int(i): {vocab.tags[t] for t in ts} for i, ts in zip(ids, vocab.sound_tags)}
    v = judge(lib, "kits", "ref", ids[test], labels, others=(), folders=len({keys[int(i)] for i in test}))
    assert v.decided and not v.wins and v.folders >= 2
    assert v.scores["kits"] < v.scores["ref"]

    # what the old verdict did: random held-out sounds, every tag (kit names included) as relevance
    old = build_vocabulary(raw, max_doc_freq=0.7, min_count=2, content_only=False)
    assert any(t in old.tags for t in ("pearl", "ludwig", "vintage"))
    _tr, _va, test_r = split_indices(len(paths), 0.1, 0.15, seed=seed)
    labels_old = {int(i): {old.tags[t] for t in ts} for i, ts in zip(ids, old.sound_tags)}
    fooled = judge(lib, "kits", "ref", ids[test_r], labels_old, others=())
    assert fooled.scores["kits"] > fooled.scores["ref"]  # the provenance model looked better


def test_extra_candidates_are_ranked_but_never_queried():
    """With ``candidates`` each held-out query ranks the other held-out sounds *and* the candidates;
    its score is the brute-force average precision over that pool."""
    ids, labels, good, noisy = _setup(seed=3, n=40)
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy)})
    held = ids[:12]
    v = judge(lib, "new", "ref", held, labels, others=(), candidates=ids)
    assert v.held_out == 12

    def brute(vecs: np.ndarray) -> float:
        aps = []
        for q in range(12):
            others = [j for j in range(40) if j != q]
            sims = vecs[others] @ vecs[q]
            order = np.array(others)[np.argsort(-sims, kind="stable")]
            rel = np.array([labels[int(ids[j])] & labels[int(ids[q])] != set() for j in order])
            hits = np.cumsum(rel)
            aps.append(float((hits / np.arange(1, len(rel) + 1))[rel].sum() / rel.sum()))
        return float(np.mean(aps))

    assert v.scores["new"] == pytest.approx(brute(good)) and v.scores["ref"] == pytest.approx(brute(noisy))
    # without candidates only the 12 held-out sounds are ranked: a different (noisier) score
    assert judge(lib, "new", "ref", held, labels, others=()).scores["ref"] != pytest.approx(brute(noisy))


def test_a_new_model_must_also_beat_the_default_the_library_already_has(fresh_synth, home, tmp_path):
    """Besides its reference, a new model is judged against the product default and against the
    model a previous run made this library's default; never against itself."""
    from core.cli.main import main as cli
    from core.defaults import DEFAULT_MODEL
    from core.library import Library
    from core.training.loop import verdict_bars

    root, _ = fresh_synth
    npz = tmp_path / "v.npz"
    assert cli(["export", str(root), "--model", "mfcc", "-q", "--format", "npz", "-o", str(npz)]) == 0
    assert cli(["import", str(root), str(npz), "--name", "earlier", "-q"]) == 0
    with Library.open(root) as lib:
        assert verdict_bars(lib, "pretrained", "new") == (DEFAULT_MODEL,)
        lib.catalog.set_default_model("earlier")
        assert verdict_bars(lib, "pretrained", "new") == (DEFAULT_MODEL, "earlier")
        assert verdict_bars(lib, "pretrained", "earlier") == (DEFAULT_MODEL,)  # a retrained default
        assert verdict_bars(lib, DEFAULT_MODEL, "new") == ("earlier",)
