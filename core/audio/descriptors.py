"""Acoustic descriptors per sound: what an embedding might capture (CCA, cluster descriptions, axes).

Frame-wise descriptors (22.05 kHz mono, 2048-sample Hann frames, hop 512), each summarised over time
by its mean, variance and skewness:

- ``mfcc``: 20 MFCCs of the project's log-mel front end (:class:`core.audio.features.MelFrontend`);
- ``chroma``: 12 pitch classes (C … B), power per class between 55 Hz and 5 kHz, each frame scaled to max 1;
- ``centroid`` and ``bandwidth``: spectral centroid and spread (Hz), on frames that are not silent;
- ``loudness``: RMS level per frame (dBFS, floored at −100);
- ``pitch``: an autocorrelation pitch estimate (MIDI note numbers, 60–1000 Hz) on voiced frames
  (normalised autocorrelation ≥ 0.6; all three statistics are 0 when no frame is voiced), plus the
  voiced fraction of the frames (``pitch_voiced``);
- ``duration``: seconds (one value).

Only numpy and torch; no librosa. The first :data:`MAX_SECONDS` of a sound are analysed (bounded
cost), its duration is the catalog's. :func:`descriptor_job` computes what is missing and caches it
in the catalog (:mod:`core.catalog.descriptors`); :func:`library_descriptors` reads them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch

from core.jobs import Job, Progress

#: bump when the computation changes: cached rows of another version are recomputed
VERSION = "1"
SAMPLE_RATE = 22050
N_FFT = 2048
HOP = 512
N_MFCC = 20
MAX_SECONDS = 30.0
STAGE = "descriptors"
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
STATS = ("mean", "var", "skew")

#: descriptor group → its per-frame series names (each gives ``<name>_<stat>`` for the three stats)
SERIES: dict[str, tuple[str, ...]] = {
    "mfcc": tuple(f"mfcc{i}" for i in range(N_MFCC)),
    "chroma": tuple(f"chroma_{c}" for c in PITCH_CLASSES),
    "centroid": ("centroid",),
    "bandwidth": ("bandwidth",),
    "loudness": ("loudness",),
    "pitch": ("pitch",),
}
#: scalar descriptors (no time series) and the group they belong to
SCALARS: dict[str, str] = {"pitch_voiced": "pitch", "duration": "duration"}

#: friendly axes for colouring or placing sounds (CataRT style) → descriptor name. ``pitch`` is 0 for
#: a sound without any voiced frame: read it together with ``pitchedness`` (the voiced fraction).
AXES: dict[str, str] = {"brightness": "centroid_mean", "loudness": "loudness_mean", "duration": "duration",
                        "pitch": "pitch_mean", "pitchedness": "pitch_voiced", "spectral spread": "bandwidth_mean"}


def names() -> list[str]:
    """The descriptor names, in the order of a descriptor vector."""
    out = [f"{s}_{st}" for series in SERIES.values() for s in series for st in STATS]
    return out + list(SCALARS)


def column(values: np.ndarray, name: str) -> np.ndarray:
    """One descriptor of every row of ``values`` ``[N, K]``, by name or by friendly axis (:data:`AXES`)."""
    key = AXES.get(name, name)
    try:
        return np.asarray(values)[:, names().index(key)]
    except ValueError:
        raise KeyError(f"unknown descriptor {name!r} (axes: {', '.join(AXES)})") from None


def groups() -> dict[str, list[int]]:
    """Descriptor group → its columns in a descriptor vector."""
    out: dict[str, list[int]] = {}
    for i, n in enumerate(names()):
        out.setdefault(group_of(n), []).append(i)
    return out


def group_of(name: str) -> str:
    if name in SCALARS:
        return SCALARS[name]
    series = name.rsplit("_", 1)[0]
    return next(g for g, ss in SERIES.items() if series in ss)


def _stats(x: torch.Tensor) -> torch.Tensor:
    """``[C, T]`` → ``[C, 3]``: mean, (population) variance and skewness over time (0 when flat or empty)."""
    x = x.double()
    if x.shape[1] == 0:
        return torch.zeros(x.shape[0], 3, dtype=torch.float64)
    mean = x.mean(dim=1)
    d = x - mean[:, None]
    var = (d**2).mean(dim=1)
    m3 = (d**3).mean(dim=1)
    skew = torch.where(var > 1e-12, m3 / var.clamp_min(1e-12) ** 1.5, torch.zeros_like(var))
    return torch.stack([mean, var, skew], dim=1)


@lru_cache(maxsize=1)
def _tables() -> tuple[object, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    from core.audio.features import MelConfig, MelFrontend
    import torchaudio.functional as AF

    front = MelFrontend(MelConfig(sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP), device="cpu")
    dct = AF.create_dct(N_MFCC, front.config.n_mels, norm="ortho").double()  # [n_mels, 20]
    freqs = torch.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1, dtype=torch.float64)
    chroma_map = torch.zeros(12, freqs.numel(), dtype=torch.float64)
    band = (freqs >= 55) & (freqs <= 5000)
    pc = (torch.round(12 * torch.log2(freqs[band] / 440.0)).long() + 9) % 12  # A = 9 when C = 0
    chroma_map[pc, torch.nonzero(band).reshape(-1)] = 1.0
    return front, dct, freqs, chroma_map, torch.hann_window(N_FFT, dtype=torch.float64)


def _pitch(frames: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Per-frame MIDI pitch of the voiced frames ``[V]`` and the voiced fraction, by autocorrelation.

    The period is the first lag (after the autocorrelation first turns negative, and within
    60–1000 Hz) that reaches 90 % of the highest peak there; that avoids octave-down errors.
    """
    if frames.shape[0] == 0:
        return torch.zeros(0, dtype=torch.float64), 0.0
    f = frames - frames.mean(dim=1, keepdim=True)
    spec = torch.fft.rfft(f, n=2 * N_FFT, dim=1)
    ac = torch.fft.irfft(spec.real**2 + spec.imag**2, dim=1)[:, :N_FFT]
    hi = SAMPLE_RATE // 60
    lags = torch.arange(hi, dtype=ac.dtype)
    # unbiased normalisation: fewer overlapping samples at long lags
    norm = ac[:, :hi] / ac[:, :1].clamp_min(1e-12) * (N_FFT / (N_FFT - lags))
    after = (torch.cumsum((norm < 0).int(), dim=1) > 0) & (lags >= SAMPLE_RATE // 1000)
    masked = torch.where(after, norm, torch.full_like(norm, -np.inf))
    peak = masked.max(dim=1).values
    cand = masked >= 0.9 * peak[:, None]
    first = torch.argmax(cand.int(), dim=1)
    # the top of that first peak: the run of candidate lags starting at ``first``
    started = lags[None, :] >= first[:, None]
    run = started & (torch.cumsum((started & ~cand).int(), dim=1) == 0)
    lag = torch.argmax(torch.where(run, norm, torch.full_like(norm, -np.inf)), dim=1).clamp(1, hi - 2)
    rows = torch.arange(norm.shape[0])
    y0, y1, y2 = norm[rows, lag - 1], norm[rows, lag], norm[rows, lag + 1]
    den = y0 - 2 * y1 + y2
    shift = torch.where(den.abs() > 1e-12, 0.5 * (y0 - y2) / den, torch.zeros_like(den)).clamp(-0.5, 0.5)
    voiced = (peak >= 0.6) & (ac[:, 0] > 1e-8)
    f0 = SAMPLE_RATE / (lag + shift)[voiced].double()
    return 69.0 + 12.0 * torch.log2(f0 / 440.0), float(voiced.double().mean())


@torch.no_grad()
def describe_wave(wave: np.ndarray, duration: float | None = None) -> np.ndarray:
    """Descriptor vector float32 ``[len(names())]`` of a mono waveform at :data:`SAMPLE_RATE`."""
    front, dct, freqs, chroma_map, window = _tables()
    x = torch.as_tensor(np.asarray(wave, dtype=np.float64)).reshape(-1)
    dur = float(duration) if duration is not None else x.numel() / SAMPLE_RATE
    x = x[: int(MAX_SECONDS * SAMPLE_RATE)]
    if x.numel() < N_FFT:
        x = torch.nn.functional.pad(x, (0, N_FFT - x.numel()))
    spec = torch.stft(x, N_FFT, HOP, window=window, center=True, pad_mode="constant", return_complex=True)
    power = spec.real**2 + spec.imag**2  # [F, T]
    frames = torch.nn.functional.pad(x, (N_FFT // 2, N_FFT // 2)).unfold(0, N_FFT, HOP)  # [T, N_FFT]
    rms = frames.square().mean(dim=1).sqrt()
    loud = (20 * torch.log10(rms.clamp_min(1e-5)))[None]  # floor −100 dBFS
    active = (loud[0] > -80) & (power.sum(dim=0) > 0)
    pa = power[:, active]
    total = pa.sum(dim=0).clamp_min(1e-20)
    centroid = (freqs[:, None] * pa).sum(dim=0) / total
    bandwidth = (((freqs[:, None] - centroid[None]) ** 2) * pa).sum(dim=0).div(total).sqrt()
    chroma = chroma_map @ pa
    chroma = chroma / chroma.amax(dim=0, keepdim=True).clamp_min(1e-20)
    logmel = front(x.float())[0].double()  # [n_mels, T] in the front end's dB scale
    mfcc = dct.T @ logmel
    pitch, voiced = _pitch(frames[active])
    parts = [_stats(mfcc), _stats(chroma), _stats(centroid[None]), _stats(bandwidth[None]), _stats(loud),
             _stats(pitch[None])]
    out = torch.cat([p.reshape(-1) for p in parts] + [torch.tensor([voiced, dur], dtype=torch.float64)])
    return out.numpy().astype(np.float32)


# -- the catalog job ------------------------------------------------------------------------------


@dataclass(slots=True)
class DescriptorReport:
    computed: int = 0
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)


def _one(catalog, row) -> tuple[int, str | None, np.ndarray | None, str | None]:
    from core.audio import decode

    try:
        wave, _ = decode.load(catalog.abspath(row), SAMPLE_RATE, max_seconds=MAX_SECONDS)
    except decode.DecodeError as exc:
        return row.id, row.hash, None, str(exc)
    values = describe_wave(wave, row.duration)
    if not np.isfinite(values).all():
        return row.id, row.hash, None, "descriptors are not finite"
    return row.id, row.hash, values, None


def descriptor_job(catalog, *, batch_size: int = 32, workers: int = 2) -> Job[DescriptorReport]:
    """Job: compute and cache the descriptors of every usable sound that has none (or a stale row)."""
    from core.catalog.descriptors import missing_descriptors, put_descriptors

    todo = missing_descriptors(catalog, VERSION)
    report = DescriptorReport(cached=catalog.count() - len(todo))
    progress = Progress(stage=STAGE, done=0, total=len(todo))
    yield progress
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="descriptors") as pool:
        for s in range(0, len(todo), batch_size):
            rows = todo[s : s + batch_size]
            done = list(pool.map(lambda r: _one(catalog, r), rows))
            put_descriptors(catalog, VERSION, [(i, h, v) for i, h, v, err in done if v is not None])
            for r, (_, _, v, err) in zip(rows, done):
                if v is None:
                    report.failed.append((r.relpath, err or "failed"))
            report.computed += sum(v is not None for _, _, v, _ in done)
            progress.done = s + len(rows)
            progress.message = rows[-1].relpath
            yield progress
    return report


def library_descriptors(library, ids: Sequence[int] | np.ndarray | None = None) -> Job[tuple[np.ndarray, np.ndarray]]:
    """Job: ``(ids int64 [N], values float32 [N, K])``, computing what is missing first.

    With ``ids`` (e.g. a model's embedded sounds), rows follow that order and sounds without
    descriptors (unreadable) are left out.
    """
    from core.catalog.descriptors import load_descriptors

    yield from descriptor_job(library.catalog)
    have, values = load_descriptors(library.catalog, VERSION)
    if ids is None:
        return have, values
    pos = {int(i): k for k, i in enumerate(have)}
    keep = np.array([int(i) for i in ids if int(i) in pos], dtype=np.int64)
    return keep, values[[pos[int(i)] for i in keep]] if len(keep) else np.zeros((0, len(names())), np.float32)
