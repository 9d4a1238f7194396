"""The held-out verdict: a model replaces the default only when it clearly beats the reference."""

from __future__ import annotations

import numpy as np

from core.training.verdict import judge


class _Vectors:
    """Stands in for a Library: only ``vectors(name)`` is used by ``judge``."""

    def __init__(self, table: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.table = table

    def vectors(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return self.table[name]


def _setup(seed: int = 0):
    rng = np.random.default_rng(seed)
    n, classes = 40, 4
    ids = np.arange(100, 100 + n, dtype=np.int64)
    labels = {int(i): {f"c{k % classes}"} for k, i in enumerate(ids)}
    centres = rng.standard_normal((classes, 16))
    good = np.stack([centres[k % classes] + 0.3 * rng.standard_normal(16) for k in range(n)])
    noisy = np.stack([centres[k % classes] + 3.0 * rng.standard_normal(16) for k in range(n)])
    norm = lambda v: (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    return ids, labels, norm(good), norm(noisy)


def test_clear_win_switches_and_the_margin_guards_against_noise():
    ids, labels, good, noisy = _setup()
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy)})
    v = judge(lib, "new", "ref", ids, labels, others=(), margin_se=0.15)
    assert v.decided and v.wins and v.scores["new"] > v.scores["ref"]
    assert "wins" in v.summary
    # the same difference, demanded to exceed an absurd margin: not made the default, and said why
    v2 = judge(lib, "new", "ref", ids, labels, others=(), margin_se=100.0)
    assert not v2.wins and "too little" in v2.summary and v2.scores == v.scores
    # the reference against itself never wins
    same = judge(_Vectors({"new": (ids, noisy), "ref": (ids, noisy)}), "new", "ref", ids, labels, others=())
    assert not same.wins and "does not beat" in same.summary


def test_too_few_tagged_held_out_sounds_is_undecided():
    ids, labels, good, noisy = _setup()
    lib = _Vectors({"new": (ids, good), "ref": (ids, noisy)})
    v = judge(lib, "new", "ref", ids[:3], labels, others=())
    assert not v.decided and not v.wins and "undecided" in v.summary
