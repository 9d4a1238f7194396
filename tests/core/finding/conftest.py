from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.synth import CLASSES, make_sound


@pytest.fixture(scope="module")
def flat_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """12 sounds of each synthetic class in ONE folder under names that say nothing
    (``s_<shuffled number>.wav``): only the audio tells the classes apart. Returns ``{relpath: class}``."""
    root = tmp_path_factory.mktemp("flat") / "lib"
    root.mkdir()
    rng = np.random.default_rng(11)
    kinds = [k for k in CLASSES for _ in range(12)]
    order = rng.permutation(len(kinds))
    truth = {}
    for n, i in enumerate(order):
        rel = f"s_{n:03d}.wav"
        sf.write(root / rel, make_sound(kinds[i], rng, 22050), 22050)
        truth[rel] = kinds[i]
    return root, truth
