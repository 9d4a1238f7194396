"""Registering a library's trained models as encoders, without importing torch.

:class:`~core.library.Library` calls :func:`register_trained_models` when it opens; the model
(:class:`~core.encoders.trained.TrainedEncoder`, which needs torch) is only built when used.
"""

from __future__ import annotations

from pathlib import Path


def register_trained_models(library) -> list[str]:
    """Add every trained model of ``library``'s catalog whose weights file exists to its registry."""
    names: list[str] = []
    for m in library.catalog.models():
        weights = m.get("weights_path")
        arch = (m.get("config") or {}).get("architecture")
        if not weights or arch is None or not Path(weights).is_file():
            continue
        name, version = m["name"], m["version"]
        metrics = m.get("metrics") or {}
        verdict = metrics.get("verdict", {})
        desc = f"trained {m['kind']} model"
        if verdict.get("summary"):
            desc += f" — {verdict['summary']}"

        def factory(device, _n=name, _v=version, _a=arch, _w=weights):
            from core.encoders.trained import TrainedEncoder

            return TrainedEncoder(_n, _v, _a, Path(_w), device)

        library.registry.add(name, version, factory, desc, kind="trained")
        names.append(name)
    return names
