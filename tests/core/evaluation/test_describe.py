"""Describe a cluster: effect sizes, z-scores and tag enrichment against plain-Python references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import hypergeom

from core.evaluation.describe import DescriptorContrast, contrasts, describe_cluster, tag_enrichment


def _mean(v):
    return sum(v) / len(v)


def _svar(v):
    m = _mean(v)
    return sum((a - m) ** 2 for a in v) / (len(v) - 1)


def test_contrasts_match_reference() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(30, 3))
    inside = rng.random(30) < 0.3
    got = contrasts(values, ["a", "b", "c"], inside)
    for j, row in enumerate(got):
        a = [values[i, j] for i in range(30) if inside[i]]
        b = [values[i, j] for i in range(30) if not inside[i]]
        pooled = math.sqrt(((len(a) - 1) * _svar(a) + (len(b) - 1) * _svar(b)) / (len(a) + len(b) - 2))
        assert row.effect == pytest.approx((_mean(a) - _mean(b)) / pooled)
        allv = list(values[:, j])
        assert row.z == pytest.approx((_mean(a) - _mean(allv)) / (math.sqrt(_svar(allv)) / math.sqrt(len(a))))
        assert row.mean_in == pytest.approx(_mean(a)) and row.mean_out == pytest.approx(_mean(b))


def test_describe_finds_the_distinguishing_descriptor_and_tag() -> None:
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 20)
    values = rng.normal(size=(60, 4))
    values[labels == 1, 2] += 3.0  # cluster 1 is brighter
    tags = [["hit"] if (lab == 1 and i % 4) else (["hit"] if i % 10 == 0 else ["x"]) for i, lab in enumerate(labels)]
    d = describe_cluster(labels, 1, values, ["a", "b", "centroid_mean", "d"], tags, top=2)
    assert d.n_in == 20 and d.n_out == 40 and len(d.descriptors) == 2
    assert d.descriptors[0].name == "centroid_mean" and d.descriptors[0].effect > 2
    assert d.descriptors[0].phrase().startswith("brighter (brightness, d = +")
    assert DescriptorContrast("mfcc3_var", 0.0, 1.0, -0.5, 0.0).phrase() == "lower mfcc3_var (d = -0.50)"
    assert [t.tag for t in d.tags] == ["hit"]
    hit = d.tags[0]
    c_in = sum(1 for t, lab in zip(tags, labels) if lab == 1 and "hit" in t)
    c_out = sum(1 for t, lab in zip(tags, labels) if lab != 1 and "hit" in t)
    assert (hit.count_in, hit.count_out) == (c_in, c_out) == (16, 4)
    assert hit.p_value == pytest.approx(hypergeom.sf(c_in - 1, 60, c_in + c_out, 20))
    assert hit.enrichment == pytest.approx(((c_in + 0.5) / 20) / ((c_out + 0.5) / 40))
    assert any("tag 'hit'" in line for line in d.lines())
    assert [t.tag for t in tag_enrichment(tags, labels == 0)] == ["x"]  # 'hit' is rarer there than elsewhere
    with pytest.raises(ValueError, match="no cluster"):
        describe_cluster(labels, 7)
