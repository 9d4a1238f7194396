"""Row types and (de)serialisation helpers shared by the catalog modules."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_from_bytes, unquote_to_bytes

import numpy as np

#: Column list matching :meth:`SoundRow.from_row`.
SOUND_COLUMNS = (
    "id, relpath, size, mtime_ns, hash, duration, sample_rate, channels, bit_depth, format, tags, error, seen_at"
)


_RAW = "\x00"  # no file name contains NUL: it marks a stored name that was not valid UTF-8


def relpath_to_db(relpath: str) -> str:
    """The catalog's text for a relative path. A name that is not valid UTF-8 (its undecodable bytes
    are surrogate escapes, as ``os.fsdecode`` gives them) is stored as NUL + its percent-encoded
    bytes, so that it round-trips exactly; every other name is stored as it is."""
    try:
        relpath.encode("utf-8")
        return relpath
    except UnicodeEncodeError:
        return _RAW + quote_from_bytes(os.fsencode(relpath), safe="/")


def relpath_from_db(text: str) -> str:
    """The inverse of :func:`relpath_to_db` (surrogate escapes for undecodable bytes)."""
    return os.fsdecode(unquote_to_bytes(text[1:])) if text.startswith(_RAW) else text


def shown_path(relpath: str) -> str:
    """A path for messages and tables: undecodable bytes shown as U+FFFD."""
    return os.fsencode(relpath).decode("utf-8", "replace")


@dataclass(slots=True)
class SoundRow:
    """One file of the library as the catalog knows it.

    ``error`` is ``None`` for a usable sound, else one readable line such as
    ``"corrupt: cannot decode (Format not recognised.)"``; the facts (duration, ...) are then ``None``.
    ``seen_at`` is the unix time the scan last read the file's content.
    """

    id: int
    relpath: str
    size: int
    mtime_ns: int
    hash: str | None
    duration: float | None
    sample_rate: int | None
    channels: int | None
    bit_depth: int | None
    format: str | None
    tags: list[str] = field(default_factory=list)
    error: str | None = None
    seen_at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple[Any, ...]) -> SoundRow:
        (sid, relpath, size, mtime_ns, hsh, duration, sr, ch, bd, fmt, tags, error, seen_at) = tuple(row)
        return cls(
            id=int(sid), relpath=relpath_from_db(relpath), size=int(size), mtime_ns=int(mtime_ns), hash=hsh,
            duration=duration, sample_rate=sr, channels=ch, bit_depth=bd, format=fmt,
            tags=list(_tags(tags)) if tags else [], error=error, seen_at=float(seen_at),
        )


@lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[str, ...]:
    """A stored tag list, decoded once per distinct text (sounds of one folder share theirs)."""
    return tuple(json.loads(text))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in catalog parameters")


def canonical_json(value: Any) -> str:
    """Deterministic JSON (sorted keys, compact, numpy scalars as Python numbers) for exact matching."""
    return json.dumps(value if value is not None else {}, sort_keys=True, separators=(",", ":"),
                      default=_json_default, allow_nan=True)


def ids_blob(ids: Any) -> bytes:
    """int64 ``[n]`` → bytes."""
    arr = np.ascontiguousarray(np.asarray(ids), dtype="<i8")
    if arr.ndim != 1:
        raise ValueError(f"ids must be 1-D, got shape {arr.shape}")
    return arr.tobytes()


def blob_ids(blob: bytes) -> np.ndarray:
    """bytes → writable int64 ``[n]``."""
    return np.frombuffer(blob, dtype="<i8").astype(np.int64)


def f32_blob(values: Any, shape_tail: tuple[int, ...] = ()) -> bytes:
    """float32 array with trailing shape ``shape_tail`` → bytes."""
    arr = np.ascontiguousarray(np.asarray(values), dtype="<f4")
    if arr.shape[1:] != shape_tail:
        raise ValueError(f"expected shape [n, {', '.join(map(str, shape_tail))}], got {arr.shape}")
    return arr.tobytes()


def blob_f32(blob: bytes, shape_tail: tuple[int, ...] = ()) -> np.ndarray:
    """bytes → writable float32 ``[n, *shape_tail]``."""
    arr = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    return arr.reshape((-1, *shape_tail)) if shape_tail else arr
