"""Loss terms: thin wrappers over pytorch-metric-learning, plus generalised KL and similarity distillation.

- :class:`TripletObjective`: ``TripletMarginLoss`` on squared Euclidean distances of L2-normalised
  embeddings (``LpDistance(power=2, normalize_embeddings=True)``) over the sampler's explicit
  triplets plus the semi-hard triplets ``TripletMarginMiner(type_of_triplets='semihard')`` finds in
  the batch (a mined negative related to its anchor — same recording, or sharing a tag — is dropped).
- :func:`generalised_kl`: ``Σ x·log(x/y) − x + y`` (COALA's spectrogram reconstruction loss);
  :func:`multi_label_cross_entropy` for the tag reconstruction.
- :class:`AlignmentLoss`: ``NTXentLoss(τ)`` between each audio latent and its own tags' latent,
  against the other sounds' tags in the batch.
- :func:`similarity_distillation`: mean squared difference between the in-batch cosine-similarity
  matrices of the student's embeddings and of the reference encoder's vectors (dimension-free, so
  a 128-d student can keep the structure of a 512-d teacher).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pytorch_metric_learning import distances, losses, miners, reducers


class TripletObjective:
    def __init__(self, margin: float = 0.2) -> None:
        dist = distances.LpDistance(power=2, normalize_embeddings=True)
        self.miner = miners.TripletMarginMiner(margin=margin, type_of_triplets="semihard", distance=dist)
        self.loss = losses.TripletMarginLoss(margin=margin, distance=dist)
        # validation: the plain mean hinge over the sampler's own triplets — steadier than the
        # mined, non-zero-averaged training loss, so it can drive early stopping
        self.plain = losses.TripletMarginLoss(margin=margin, distance=dist, reducer=reducers.MeanReducer())

    def __call__(self, emb: torch.Tensor, related: torch.Tensor | None = None, mine: bool = True
                 ) -> tuple[torch.Tensor, int]:
        """``emb`` float ``[3B, D]`` = anchors, positives, negatives (in that order).

        ``related`` bool ``[3B, 3B]``: pairs that must not serve as (anchor, negative). With
        ``mine=False`` only the explicit triplets count, averaged plainly. Returns the loss and the
        number of triplets it averaged over.
        """
        b = emb.shape[0] // 3
        dev = emb.device
        ar = torch.arange(b, device=dev)
        if not mine:
            return self.plain(emb.float(), indices_tuple=(ar, ar + b, ar + 2 * b)), b
        labels = torch.cat([ar, ar, ar + b])
        a, p, n = self.miner(emb.float(), labels)
        if related is not None and len(a):
            keep = ~related[a, n]
            a, p, n = a[keep], p[keep], n[keep]
        a = torch.cat([ar, a])
        p = torch.cat([ar + b, p])
        n = torch.cat([ar + 2 * b, n])
        return self.loss(emb.float(), indices_tuple=(a, p, n)), int(len(a))


def relation_matrix(sounds: torch.Tensor, tags: torch.Tensor | None = None) -> torch.Tensor:
    """bool ``[N, N]``: items from the same sound, or (with multi-hot ``tags`` ``[N, C]``) sharing a tag."""
    rel = sounds[:, None] == sounds[None, :]
    if tags is not None:
        rel = rel | ((tags @ tags.T) > 0)
    return rel


def generalised_kl(x: torch.Tensor, y: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Generalised KL divergence ``D(x‖y) = Σ x·log(x/y) − x + y`` of spectrograms ``[B, M, F]``.

    ``x`` (target) and ``y`` (reconstruction) are non-negative (in [0, 1]). Summed over the mel
    axis, averaged over frames and the batch, so a 96×96 patch gives O(1) values (comparable with
    the other terms under COALA's λ weights).
    """
    x = x.float().clamp_min(0.0)
    y = y.float().clamp_min(eps)
    d = torch.where(x > 0, x * torch.log((x + eps) / y), torch.zeros_like(x)) - x + y
    return d.sum(dim=1).mean()


def multi_label_cross_entropy(logits: torch.Tensor, multi_hot: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of softmax(``logits``) against the multi-hot tags normalised to a distribution
    (``[B, C]`` each); rows without tags are ignored."""
    mass = multi_hot.float().sum(dim=1, keepdim=True)
    target = multi_hot.float() / mass.clamp_min(1.0)
    ce = -(target * F.log_softmax(logits.float(), dim=1)).sum(dim=1)
    keep = mass.squeeze(1) > 0
    return ce[keep].mean() if bool(keep.any()) else ce.sum() * 0.0


def to_unit(patches: torch.Tensor) -> torch.Tensor:
    """Log-mel patches → [0, 1] for the reconstruction loss (the front ends' values are ≈[0, 1])."""
    return patches.clamp(0.0, 1.0)


class AlignmentLoss:
    def __init__(self, temperature: float = 0.1) -> None:
        self.loss = losses.NTXentLoss(temperature=temperature)

    def __call__(self, audio: torch.Tensor, tags: torch.Tensor, groups: torch.Tensor | None = None) -> torch.Tensor:
        """``audio``/``tags`` ``[B, d]`` (row i of both = sound i). ``groups`` int ``[B]``: sounds
        with identical tag sets share a group, so they are not each other's negatives."""
        labels = groups if groups is not None else torch.arange(audio.shape[0], device=audio.device)
        return self.loss(audio.float(), labels, ref_emb=tags.float(), ref_labels=labels)


def similarity_distillation(emb: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """``emb`` ``[N, D]``, ``ref`` ``[N, Dr]`` (rows aligned) → mean squared difference of their
    cosine-similarity matrices (diagonal excluded)."""
    e = F.normalize(emb.float(), dim=1)
    r = F.normalize(ref.float(), dim=1)
    diff = e @ e.T - r @ r.T
    n = diff.shape[0]
    off = ~torch.eye(n, dtype=torch.bool, device=diff.device)
    return diff[off].pow(2).mean() if n > 1 else diff.sum() * 0.0


def tag_groups(multi_hot: torch.Tensor) -> torch.Tensor:
    """int64 ``[B]`` group id per row, equal for identical tag sets."""
    _, inverse = torch.unique(multi_hot, dim=0, return_inverse=True)
    return inverse
