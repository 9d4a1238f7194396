"""Persistent, warm numba caches for the UMAP code paths.

umap-learn and pynndescent compile their numba kernels on first use (tens of seconds on a
small machine). Two things keep that cost to once per install instead of once per run:

* :func:`configure` points ``NUMBA_CACHE_DIR`` at ``core.paths.cache_dir()/"numba"`` so every
  ``cache=True`` kernel is written to (and later loaded from) a per-user folder that exists
  in a frozen app too. Call it before ``umap``/``pynndescent`` are imported (their kernels
  pick their cache location when they are decorated, at import).
* Several kernels on our path are compiled *without* ``cache=True`` in umap itself
  (``smooth_knn_dist``, ``compute_membership_strengths``, the SGD epoch), so they would be
  recompiled in every process. :func:`umap_kernels` returns cached, serial clones of them
  made from umap's own Python source; :mod:`core.maps.umap_pieces` and :mod:`core.maps.projection`
  use those. Serial clones also make the kernels safe to call from any thread (numba's default ``workqueue``
  threading layer does not allow concurrent parallel kernels).

:func:`core.maps.projection.warm_up` runs a tiny projection and placement so that later calls start at once; it
is safe to call from a background thread.
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


ENV = "NUMBA_CACHE_DIR"


def cache_path() -> Path:
    """Where numba's cache goes: ``core.paths.cache_dir()/"numba"``."""
    from core.paths import cache_dir

    return cache_dir() / "numba"


def configure(path: Path | None = None, *, override: bool = False) -> Path:
    """Set ``NUMBA_CACHE_DIR`` (and create it); returns the folder in force.

    An existing ``NUMBA_CACHE_DIR`` set by the user wins unless ``override``. When numba
    is already imported its configuration is reloaded; kernels of modules imported
    before this call keep the cache location they were given (see :func:`late`).
    """
    current = os.environ.get(ENV, "").strip()
    if current and not override and path is None:
        target = Path(current)
    else:
        target = Path(path) if path is not None else cache_path()
    target.mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = str(target)
    if "numba" in sys.modules:
        from numba.core import config

        if getattr(config, "CACHE_DIR", None) != str(target):
            config.reload_config()
    return target


@dataclass(frozen=True)
class UmapKernels:
    """Cached serial clones of umap's kernels (same Python source, ``cache=True``)."""

    smooth_knn_dist: Any
    compute_membership_strengths: Any
    sgd_epoch: Any


def _clone(dispatcher: Any, **overrides: Any) -> Any:
    import numba

    opts = {k: v for k, v in dispatcher.targetoptions.items() if k not in ("nopython", "boundscheck")}
    opts.update(overrides)
    return numba.njit(dispatcher.py_func, cache=True, locals=dict(dispatcher.locals), **opts)


@functools.lru_cache(maxsize=1)
def umap_kernels() -> UmapKernels:
    """The kernels :mod:`core.maps.umap_pieces` and :mod:`core.maps.projection` run (compiled lazily,
    cached on disk)."""
    import numba
    from umap import layouts, umap_

    return UmapKernels(
        smooth_knn_dist=_clone(umap_.smooth_knn_dist, parallel=False),
        compute_membership_strengths=_clone(umap_.compute_membership_strengths, parallel=False),
        sgd_epoch=numba.njit(
            layouts._optimize_layout_euclidean_single_epoch,
            fastmath=True,
            parallel=False,
            cache=True,
        ),
    )
