"""Training configuration: one plain dataclass, JSON-able, stored with every trained model.

Methods
-------
``triplet``  a CNN (compact, or the pretrained aiSFX CNN) trained with a triplet margin loss on
             triplets drawn by the enabled samplers, semi-hard negatives mined in the batch.
``coala``    COALA: audio autoencoder + tag autoencoder + NT-Xent alignment of their latents.
``ec``       the E-C ablation of COALA: the two encoders and the alignment only, no decoders.

Guards against "making the map worse" (``keep``): ``distill`` matches the in-batch similarity
structure of the reference encoder's sound vectors, ``recon`` adds a spectrogram reconstruction
term (a decoder on the embedding for ``triplet``; COALA's own decoder otherwise), ``both`` or
``none``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Method = Literal["triplet", "coala", "ec"]
Init = Literal["random", "pretrained"]
Keep = Literal["none", "distill", "recon", "both"]

SAMPLERS = ("noise", "shift", "mix", "proximity", "tags", "ranked")
SELF_SUPERVISED = ("noise", "shift", "mix", "proximity")


@dataclass(slots=True)
class TrainConfig:
    """Everything that defines a training run (and, with the seed, makes it reproducible)."""

    name: str = ""  # the model's name in the library; empty → derived from the method
    method: Method = "triplet"
    init: Init = "random"
    dim: int = 128  # output dimension d of the final linear layer
    width: int = 16  # compact CNN: channels of the first block (then 2×, 4×, 8×)
    freeze_blocks: int = 3  # pretrained init: aiSFX conv blocks kept frozen (0–4)
    # the library's tags join the self-supervised samplers by default (skipped when there are none)
    samplers: dict[str, float] = field(
        default_factory=lambda: {"noise": 1.0, "shift": 1.0, "mix": 1.0, "proximity": 1.0, "tags": 2.0}
    )
    # sampler parameters
    noise_sigma: float = 0.2
    shift_max_bins: int = 8  # ±S mel bins
    mix_alpha: tuple[float, float] = (0.1, 0.5)
    proximity_seconds: float = 4.0  # Δt between anchor and positive patch starts
    ranked_top: int = 5  # ranked-list mining: positives from the top N_p
    ranked_far: int = 50  # … negatives from beyond rank N_n
    # tags / vocabulary
    max_tags: int = 1000
    max_doc_freq: float = 0.7
    min_tag_count: int = 2
    exclude_tags: list[str] = field(default_factory=list)
    min_consistency: float | None = 0.0  # drop tags whose sounds are less alike than random pairs
    # content vs provenance (core.audio.taxonomy): provenance tags (kit, pack, velocity, mic words,
    # tags spread over several sound types) are not training relevance unless this is on; the
    # user's flips force a tag either way
    provenance_relevance: bool = False
    content_tags: list[str] = field(default_factory=list)
    provenance_tags: list[str] = field(default_factory=list)
    # tags sampler: positives from another folder, negatives from the anchor's folder when there are
    # any (so that a kit, pack or session is not what makes two sounds alike)
    cross_folder: bool = True
    # losses
    margin: float = 0.2
    keep: Keep = "distill"
    distill_weight: float = 1.0
    recon_weight: float = 0.05  # triplet + recon: the summed-over-mel KL is ~100× the triplet loss
    lambda_audio: float = 5.0
    lambda_tags: float = 5.0
    lambda_align: float = 10.0
    temperature: float = 0.1
    dropout: float = 0.25
    embed_from: Literal["head", "latent"] = "head"  # coala/ec: which layer is the sound vector
    # optimisation
    epochs: int = 10
    batch_size: int = 32  # triplets (3 patches each) or COALA pairs per step
    steps_per_epoch: int = 0  # 0 → about two anchors per training sound, within [30, 50]
    lr: float = 1e-3
    weight_decay: float = 1e-5
    patience: int = 4  # early stopping: epochs clearly worse than the best on validation
    val_fraction: float = 0.1  # held out for early stopping
    test_fraction: float = 0.15  # held out for the verdict
    # the verdict: whole folders are held out when the library has folders ("folders") or random
    # sounds ("random"); the new model becomes the default only when the one-sided
    # verdict_confidence bootstrap lower bound of its mAP gain (content tags, paired over queries)
    # is above zero
    hold_out: Literal["folders", "random"] = "folders"
    verdict_confidence: float = 0.95
    val_batches: int = 6
    seed: int = 0
    max_minutes: float | None = None  # stop (keeping the best epoch) after this much training time
    reference: str = "auto"  # encoder for distillation/ranking/verdict: auto → pretrained, else mfcc
    max_cache_seconds: float = 60.0  # per sound, in the feature cache
    amp: bool = True  # mixed precision on CUDA (never on CPU)
    threads: int = 0  # torch CPU threads; 0 → leave torch's default
    # the training timelapse: after every epoch, the vectors of this many sounds (a fixed random
    # subset) under the epoch's model go to the live map (0: off; the epoch weights are saved anyway)
    timelapse_sounds: int = 500
    # train on these sounds only (relative paths; ``None`` → the whole library). The other sounds are
    # still embedded by the new model but never seen in training, nor their tags
    train_on: list[str] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.samplers) - set(SAMPLERS)
        if unknown:
            raise ValueError(f"unknown sampler(s) {sorted(unknown)}; choose from {', '.join(SAMPLERS)}")
        if self.method not in ("triplet", "coala", "ec"):
            raise ValueError(f"unknown method {self.method!r}: triplet, coala or ec")
        if self.init not in ("random", "pretrained"):
            raise ValueError(f"unknown init {self.init!r}: random or pretrained")
        if self.keep not in ("none", "distill", "recon", "both"):
            raise ValueError(f"unknown keep {self.keep!r}: none, distill, recon or both")
        if self.method == "triplet" and not any(w > 0 for w in self.samplers.values()):
            raise ValueError("triplet training needs at least one sampler with a positive weight")
        if self.hold_out not in ("folders", "random"):
            raise ValueError(f"unknown hold_out {self.hold_out!r}: folders or random")
        if not 0.5 <= self.verdict_confidence < 1.0:
            raise ValueError("verdict_confidence must be in [0.5, 1)")
        self.mix_alpha = (float(self.mix_alpha[0]), float(self.mix_alpha[1]))
        if self.train_on is not None:
            self.train_on = sorted({p.strip().replace("\\", "/") for p in self.train_on if p.strip()})

    @property
    def uses_tags(self) -> bool:
        return self.method in ("coala", "ec") or self.samplers.get("tags", 0) > 0

    @property
    def distill(self) -> bool:
        return self.keep in ("distill", "both") and self.distill_weight > 0

    @property
    def recon(self) -> bool:
        if self.method == "ec":
            return False
        if self.method == "coala":
            return True  # reconstruction is part of COALA itself
        return self.keep in ("recon", "both") and self.recon_weight > 0

    def default_name(self) -> str:
        if self.method == "triplet":
            used = [s for s in SAMPLERS if self.samplers.get(s, 0) > 0]
            tail = "joint" if len(used) > 1 else (used[0] if used else "none")
            return f"triplet-{tail}" + ("-ft" if self.init == "pretrained" else "")
        return self.method + ("-ft" if self.init == "pretrained" else "")

    def model_name(self) -> str:
        return self.name or self.default_name()

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["mix_alpha"] = list(self.mix_alpha)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if "mix_alpha" in kw:
            kw["mix_alpha"] = tuple(kw["mix_alpha"])
        return cls(**kw)

    def architecture(self) -> dict[str, Any]:
        """The subset of the config that determines the network's shape (what the encoder needs)."""
        keys = ("method", "init", "dim", "width", "freeze_blocks", "dropout", "embed_from", "max_tags")
        return {k: getattr(self, k) for k in keys}


def parse_samplers(text: str) -> dict[str, float]:
    """``"noise,shift:2,tags:0.5"`` → ``{'noise': 1.0, 'shift': 2.0, 'tags': 0.5}``."""
    out: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, weight = part.partition(":")
        name = name.strip().lower()
        if name == "all":
            out.update({s: 1.0 for s in SELF_SUPERVISED + ("tags",)})
            continue
        if name not in SAMPLERS:
            raise ValueError(f"unknown sampler {name!r}; choose from {', '.join(SAMPLERS)}")
        out[name] = float(weight) if weight else 1.0
    if not out:
        raise ValueError("no sampler given")
    return out
