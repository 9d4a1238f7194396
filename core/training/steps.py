"""One optimisation step's loss terms for each method (shared by training and validation).

:class:`Objective` draws a batch (triplets from the samplers, or sound/tag pairs for COALA),
runs the model and returns a dict of named loss terms, already weighted; their sum is the loss.
Term names: ``triplet``, ``distill``, ``recon`` (triplet); ``audio``, ``tags``, ``align``,
``distill`` (coala/ec).
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

from core.training.config import TrainConfig
from core.training.losses import (
    AlignmentLoss, TripletObjective, generalised_kl, multi_label_cross_entropy, relation_matrix,
    similarity_distillation, tag_groups, to_unit,
)
from core.training.models import TrainableModel
from core.training.samplers import JointSampler, Triplets


def autocast_for(device: torch.device, enabled: bool):
    """Mixed precision on CUDA (bf16 when supported, else fp16); nothing on CPU."""
    if device.type != "cuda" or not enabled:
        return contextlib.nullcontext
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return lambda: torch.autocast("cuda", dtype=dtype)


class Objective:
    """Batches and loss terms for one training run.

    ``ref`` float32 ``[N, Dr]`` reference vectors and ``tags`` float32 ``[N, C]`` multi-hot, both
    indexed by store index (``tags`` may be ``None`` when no vocabulary is used).
    """

    def __init__(self, config: TrainConfig, model: TrainableModel, device: torch.device,
                 ref: np.ndarray, tags: np.ndarray | None) -> None:
        self.config = config
        self.model = model
        self.device = device
        self.ref = torch.from_numpy(np.ascontiguousarray(ref, dtype=np.float32)).to(device)
        self.tags = None if tags is None else torch.from_numpy(np.ascontiguousarray(tags, dtype=np.float32)).to(device)
        self.triplet = TripletObjective(config.margin)
        self.align = AlignmentLoss(config.temperature)
        self.autocast = autocast_for(device, config.amp)

    # -- batches ---------------------------------------------------------------------------
    def draw(self, sampler: JointSampler | None, store, pool: np.ndarray, rng: np.random.Generator):
        b = self.config.batch_size
        if self.config.method == "triplet":
            assert sampler is not None
            return sampler.sample(b, rng)
        sounds = pool[rng.integers(0, len(pool), size=min(b, max(len(pool), 2)))]
        patches = np.stack([store.crop(int(i), rng) for i in sounds]).astype(np.float32)
        return sounds, patches

    def terms(self, batch, validation: bool = False) -> dict[str, torch.Tensor]:
        """Weighted loss terms of one batch; ``validation`` scores triplets without mining."""
        if self.config.method == "triplet":
            return self.triplet_terms(batch, mine=not validation)
        return self.coala_terms(*batch)

    # -- triplet ---------------------------------------------------------------------------
    def triplet_terms(self, batch: Triplets, mine: bool = True) -> dict[str, torch.Tensor]:
        c, emb_net = self.config, self.model.embedder
        b = len(batch)
        x = torch.from_numpy(np.concatenate([batch.anchor, batch.positive, batch.negative])).to(self.device)
        sounds = torch.from_numpy(np.ascontiguousarray(batch.sounds.T.reshape(-1))).to(self.device)
        with self.autocast():
            z = emb_net.latent(x)
            e = emb_net.project(z)
            rec = self.model.decoder(z[:b]) if (c.recon and self.model.decoder is not None) else None
        tags = self.tags[sounds] if (self.tags is not None and c.samplers.get("tags", 0) > 0) else None
        trip, _n = self.triplet(e.float(), relation_matrix(sounds, tags), mine=mine)
        out = {"triplet": trip}
        if c.distill:
            out["distill"] = c.distill_weight * similarity_distillation(e, self.ref[sounds])
        if rec is not None:
            out["recon"] = c.recon_weight * generalised_kl(to_unit(x[:b]), rec)
        return out

    # -- COALA / E-C -----------------------------------------------------------------------
    def coala_terms(self, sounds_np: np.ndarray, patches: np.ndarray) -> dict[str, torch.Tensor]:
        c, m = self.config, self.model
        assert m.tags is not None and m.tag_head is not None and self.tags is not None
        x = torch.from_numpy(patches).to(self.device)
        sounds = torch.from_numpy(sounds_np).to(self.device)
        y = self.tags[sounds]
        with self.autocast():
            z_a = m.embedder.latent(x)
            z_t = m.tags.encoder(y)
            h_a = m.embedder.project(z_a)
            h_t = m.tag_head(m.tag_dropout(z_t))
            rec_a = m.decoder(m.embedder.dropout(z_a)) if m.decoder is not None else None
            logits = m.tags.decoder(m.tag_dropout(z_t)) if m.tags.decoder is not None else None
        out: dict[str, torch.Tensor] = {}
        if rec_a is not None:
            out["audio"] = c.lambda_audio * generalised_kl(to_unit(x), rec_a)
        if logits is not None:
            out["tags"] = c.lambda_tags * multi_label_cross_entropy(logits, y)
        out["align"] = c.lambda_align * self.align(F.normalize(h_a.float(), dim=1), F.normalize(h_t.float(), dim=1),
                                                   tag_groups(y))
        if c.distill:
            vec = h_a if m.embedder.embed_from == "head" else z_a
            out["distill"] = c.distill_weight * similarity_distillation(vec, self.ref[sounds])
        return out
