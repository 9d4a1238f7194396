"""Embedding the open library on a Ray cluster from the app (:mod:`core.embedding.ray_engine`, docs/ray.md).

The run is the pipeline's embed job with the Ray engine in place of the local one, so the job bar shows
its progress and its cancel button, and when it ends the map is refreshed as after any embed (the clusters
and the map are computed for the new vectors). Nothing here needs Ray to be installed.
"""

from __future__ import annotations

from typing import Any

from core.embedding.ray_engine import ray_installed, ray_models

__all__ = ["INSTALL_HINT", "ray_installed", "ray_models", "start_ray_embed"]

INSTALL_HINT = (
    "Embedding on a Ray cluster needs the optional Ray extra (Ray Data), which is not installed in the "
    "Python environment this app runs in.\n\n"
    "Install it there, then restart the app:\n"
    "    pip install 'sound-explorer[cluster]'\n"
    "or, in a checkout of Sound Explorer (the pinned versions):\n"
    "    .venv/bin/uv pip install --python .venv/bin/python -r requirements-cluster.lock\n\n"
    "docs/ray.md says how to point it at a cluster."
)


def start_ray_embed(pipeline: Any, model: str, address: str = "") -> bool:
    """Scan the open library and embed its missing ``model`` vectors on the Ray cluster at ``address``
    (blank: a local cluster on this machine), then refresh the map. ``model`` becomes the shown model.
    Returns False when no library is open."""
    if pipeline.library is None:
        return False
    if model not in ray_models():
        raise ValueError(f"the Ray engine embeds the built-in models ({', '.join(ray_models())}), not {model!r}")
    target = address.strip() or None

    def embed(library: Any, name: str) -> Any:
        return library.embed_on_ray(name, address=target)

    if model != pipeline.state.model:
        pipeline.set_model(model, embed=embed)
    else:
        where = f"the Ray cluster at {target}" if target else "a local Ray cluster"
        pipeline.run(note=f"Embedding with {model} on {where}…", embed=embed)
    return True
