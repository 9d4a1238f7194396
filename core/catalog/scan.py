"""The scan job: bring a :class:`~core.catalog.db.Catalog` in step with the files of its folder.

``scan(catalog)`` is a job generator (:mod:`core.jobs`). It lists the folder, then

- skips files whose relpath, size and mtime are unchanged (nothing is read at all);
- hashes (blake2b-128) and probes new or changed files; a file that cannot be used is recorded
  with a readable ``error`` and the scan goes on;
- recognises moved/renamed files by content hash and updates their row in place (same id, the
  embeddings are kept);
- drops the embeddings of a file whose content changed;
- deletes the rows of files that vanished (embeddings go with them, ``ON DELETE CASCADE``).

Writes are committed in batches (every :data:`BATCH_FILES` files or :data:`BATCH_SECONDS`) and a
:class:`~core.jobs.Progress` is yielded after each commit, so killing the process at any
moment loses at most one batch and a rerun resumes where it stopped. Vanished rows are deleted
only at the very end, once every new file had its chance to claim one as a move.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.audio.decode import DecodeError, UnreadableFile, is_audio_path, probe
from core.catalog.db import Catalog
from core.catalog.rows import relpath_from_db, relpath_to_db
from core.jobs import SCAN, Job, Progress

BATCH_FILES = 100
BATCH_SECONDS = 1.0
_CHUNK = 1 << 20
_UNREADABLE = "unreadable"

Tagger = Callable[[str], list[str]]
_Op = tuple[str, tuple[Any, ...]]


@dataclass(slots=True)
class ScanReport:
    """What a scan did. ``failed`` lists the files read in this scan that cannot be used
    (``(relpath, error)``); older failures stay listed in :meth:`Catalog.failures`.
    ``skipped_dirs`` lists folders that could not be listed (their sounds were kept as they were).
    """

    added: int = 0
    changed: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    skipped_dirs: list[tuple[str, str]] = field(default_factory=list)
    hidden: int = 0  # hidden files and folders (names starting with ".") skipped
    duplicates: int = 0  # links to a file already listed, skipped

    def summary(self) -> str:
        """One line for a status bar or the CLI."""
        parts = [f"{self.added} added", f"{self.changed} changed", f"{self.moved} moved",
                 f"{self.removed} removed", f"{self.unchanged} unchanged"]
        text = ", ".join(parts)
        if self.failed:
            text += f"; {len(self.failed)} could not be read"
        if self.skipped_dirs:
            text += f"; {len(self.skipped_dirs)} folders could not be listed"
        if self.hidden:
            text += f"; {self.hidden} hidden files or folders skipped"
        if self.duplicates:
            text += f"; {self.duplicates} links to files already listed skipped"
        return f"{text} ({self.seconds:.1f} s)"


@dataclass(slots=True)
class _Entry:
    relpath: str
    path: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class _Known:
    id: int
    relpath: str
    size: int
    mtime_ns: int
    hash: str | None
    error: str | None

    @property
    def needs_retry(self) -> bool:
        """Rows that could not be read at all are re-read on every scan."""
        return self.hash is None or (self.error or "").startswith(_UNREADABLE)


def file_hash(path: str | os.PathLike[str]) -> str:
    """blake2b-128 hex digest of a file's content, streamed in 1 MiB chunks."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _check_root(root: Path) -> None:
    if not root.exists():
        raise FileNotFoundError(f"the sound folder {root} does not exist (or its drive is not connected)")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder")
    try:
        with os.scandir(root):
            pass
    except PermissionError as exc:
        raise PermissionError(f"the sound folder {root} cannot be read (permission denied)") from exc


def _list_files(
    root: Path, follow_symlinks: bool, out: list[_Entry], report: ScanReport, t0: float
) -> Iterator[Progress]:
    """Append every visible audio file under ``root`` to ``out``; yields progress while listing.

    Hidden files and folders (leading dot) are skipped (counted in ``report.hidden``). Symlinked
    files are included (their target is read) unless the target is already listed (each file is
    one sound, whatever links point at it); symlinked folders only with ``follow_symlinks`` (with a
    loop guard). Names that are not valid UTF-8 are kept (surrogate escapes; see
    :func:`core.catalog.rows.relpath_to_db`).
    """
    stack: list[tuple[str, str]] = [("", str(root))]
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: dict[tuple[int, int], tuple[int, bool]] = {}  # (device, inode) → (index in out, is a link)
    if follow_symlinks:
        st = os.stat(root)
        seen_dirs.add((st.st_dev, st.st_ino))
    last = time.monotonic()
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            with os.scandir(abs_dir) as it:
                children = list(it)
        except OSError as exc:
            report.skipped_dirs.append((rel_dir, f"{_UNREADABLE}: {exc.strerror or exc}"))
            continue
        for e in sorted(children, key=lambda c: c.is_symlink()):  # a file before a link beside it
            if e.name.startswith("."):
                report.hidden += 1
                continue
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            try:
                if e.is_dir(follow_symlinks=follow_symlinks):
                    if follow_symlinks:
                        st = os.stat(e.path)
                        if (st.st_dev, st.st_ino) in seen_dirs:
                            continue
                        seen_dirs.add((st.st_dev, st.st_ino))
                    stack.append((rel, e.path))
                    continue
                if not is_audio_path(e.name) or not e.is_file():
                    continue
                st = e.stat()
            except OSError:  # dangling link, vanished meanwhile
                continue
            key, entry = (st.st_dev, st.st_ino), _Entry(rel, e.path, int(st.st_size), int(st.st_mtime_ns))
            if key in seen_files:  # a link to a file already listed (or a hard link): one sound,
                report.duplicates += 1  # listed under the file's own name rather than the link's
                index, was_link = seen_files[key]
                if was_link and not e.is_symlink():
                    out[index], seen_files[key] = entry, (index, False)
                continue
            seen_files[key] = (len(out), e.is_symlink())
            out.append(entry)
        now = time.monotonic()
        if now - last > 0.5:
            last = now
            yield Progress(stage=SCAN, done=len(out), total=None, message=f"listing {rel_dir or '.'}", started=t0)


def _read_facts(path: str) -> tuple[dict[str, Any] | None, str | None, bool]:
    """``(facts, error, gone)`` of an audio file: facts for the ``sounds`` columns, or a readable error."""
    try:
        info = probe(path)
    except UnreadableFile as exc:
        if not os.path.exists(path):
            return None, None, True
        return None, str(exc), False
    except DecodeError as exc:
        return None, str(exc), False
    except Exception as exc:  # never let one odd file kill the scan
        return None, " ".join(f"corrupt: cannot decode ({type(exc).__name__}: {exc})".split()), False
    return {"duration": info.duration, "sample_rate": info.sample_rate, "channels": info.channels,
            "bit_depth": info.bit_depth, "format": info.format}, None, False


def _tags(tagger: Tagger | None, relpath: str) -> str | None:
    """JSON tags from ``tagger`` (``None`` without one; a tagger that raises gives no tags)."""
    if tagger is None:
        return None
    try:
        return json.dumps([str(t) for t in tagger(relpath)])
    except Exception:
        return "[]"


_FACT_COLS = ("duration", "sample_rate", "channels", "bit_depth", "format")


def _facts_params(facts: dict[str, Any] | None) -> tuple[Any, ...]:
    return tuple((facts or {}).get(c) for c in _FACT_COLS)


def _update(sid: int, **cols: Any) -> _Op:
    names = ", ".join(f"{k} = ?" for k in cols)
    return f"UPDATE sounds SET {names} WHERE id = ?", (*cols.values(), sid)


def scan(catalog: Catalog, *, tagger: Tagger | None = None, follow_symlinks: bool = False) -> Job[ScanReport]:
    """Job: scan ``catalog.root`` and update the catalog; returns a :class:`ScanReport`.

    Yields ``Progress(stage=SCAN, done, total, message=relpath)`` after every committed batch
    (``total`` is ``None`` while listing). ``tagger(relpath)`` gives the tags stored for new,
    changed and moved files. An unreadable root raises ``FileNotFoundError``/``NotADirectoryError``/
    ``PermissionError`` with a readable message (on the first ``next()``).
    """
    t0 = time.monotonic()
    root = catalog.root
    _check_root(root)
    report = ScanReport()
    files: list[_Entry] = []
    yield from _list_files(root, follow_symlinks, files, report, t0)
    files.sort(key=lambda e: e.relpath)

    known = {relpath_from_db(r[1]): _Known(r[0], relpath_from_db(r[1]), *r[2:])
             for r in catalog._all("SELECT id, relpath, size, mtime_ns, hash, error FROM sounds")}
    listed = {e.relpath for e in files}
    bad_prefixes = tuple(f"{d}/" for d, _ in report.skipped_dirs)
    vanished = {rp: k for rp, k in known.items()
                if rp not in listed and not (bad_prefixes and rp.startswith(bad_prefixes))}
    by_hash: dict[str, list[_Known]] = {}
    for k in vanished.values():
        if k.hash is not None:
            by_hash.setdefault(k.hash, []).append(k)

    todo: list[tuple[_Entry, _Known | None]] = []
    for e in files:
        k = known.get(e.relpath)
        if k is not None and k.size == e.size and k.mtime_ns == e.mtime_ns and not k.needs_retry:
            report.unchanged += 1
        else:
            todo.append((e, k))
    total, done = len(files), report.unchanged
    yield Progress(stage=SCAN, done=done, total=total, message="", started=t0)

    ops: list[_Op] = []
    last_commit = time.monotonic()
    pending = 0
    for e, k in todo:
        ops.extend(_process(e, k, vanished, by_hash, tagger, report))
        pending += 1
        done += 1
        if pending >= BATCH_FILES or time.monotonic() - last_commit >= BATCH_SECONDS:
            _commit(catalog, ops)
            ops, pending, last_commit = [], 0, time.monotonic()
            yield Progress(stage=SCAN, done=done, total=total, message=e.relpath, started=t0)

    ops.extend(("DELETE FROM sounds WHERE id = ?", (k.id,)) for k in vanished.values())
    report.removed += len(vanished)
    _commit(catalog, ops)
    report.seconds = time.monotonic() - t0
    yield Progress(stage=SCAN, done=total, total=total, message=report.summary(), started=t0)
    return report


def _commit(catalog: Catalog, ops: list[_Op]) -> None:
    if not ops:
        return
    with catalog.transaction() as c:
        for sql, params in ops:
            c.execute(sql, params)


def _claim_moved(e: _Entry, digest: str, by_hash: dict[str, list[_Known]]) -> _Known | None:
    """A vanished row with the same content (preferring the same file name), removed from the pool."""
    pool = by_hash.get(digest)
    if not pool:
        return None
    name = e.relpath.rsplit("/", 1)[-1]
    idx = next((i for i, k in enumerate(pool) if k.relpath.rsplit("/", 1)[-1] == name), 0)
    return pool.pop(idx)


def _process(
    e: _Entry, k: _Known | None, vanished: dict[str, _Known], by_hash: dict[str, list[_Known]],
    tagger: Tagger | None, report: ScanReport,
) -> list[_Op]:
    """Read one new/changed file and return the SQL that records it (executed later, in a batch)."""
    now = time.time()
    try:
        digest: str | None = file_hash(e.path)
        read_error = None
    except FileNotFoundError:  # deleted between listing and reading
        if k is not None:
            vanished[k.relpath] = k
        return []
    except PermissionError:
        digest, read_error = None, f"{_UNREADABLE}: permission denied"
    except OSError as exc:
        digest, read_error = None, f"{_UNREADABLE}: {exc.strerror or exc}"

    if digest is None:  # could not read it: keep the old content facts, retry next scan
        report.failed.append((e.relpath, read_error or _UNREADABLE))
        if k is not None:
            report.changed += 1
            return [_update(k.id, size=e.size, mtime_ns=e.mtime_ns, error=read_error, seen_at=now)]
        report.added += 1
        return [("INSERT INTO sounds(relpath, size, mtime_ns, hash, error, seen_at) VALUES (?, ?, ?, NULL, ?, ?)",
                 (relpath_to_db(e.relpath), e.size, e.mtime_ns, read_error, now))]

    ops: list[_Op] = []
    moved = _claim_moved(e, digest, by_hash) if (k is None or k.hash != digest) else None
    if moved is not None:
        cols: dict[str, Any] = {"relpath": relpath_to_db(e.relpath), "size": e.size, "mtime_ns": e.mtime_ns}
        if moved.needs_retry:  # the old row never had its facts read: read them now
            facts, error, gone = _read_facts(e.path)
            if gone:
                by_hash[digest].append(moved)
                if k is not None:
                    vanished[k.relpath] = k
                return []
            cols.update(zip(_FACT_COLS, _facts_params(facts)), error=error, seen_at=now)
            if error is not None:
                report.failed.append((e.relpath, error))
        del vanished[moved.relpath]
        report.moved += 1
        if k is not None:  # a file was moved over an existing one: the old row goes
            ops.append(("DELETE FROM sounds WHERE id = ?", (k.id,)))
            report.removed += 1
        tags = _tags(tagger, e.relpath)
        if tags is not None:
            cols["tags"] = tags
        ops.append(_update(moved.id, **cols))
        return ops

    if k is not None and k.hash == digest and not k.needs_retry:  # touched, same content
        report.unchanged += 1
        return [_update(k.id, size=e.size, mtime_ns=e.mtime_ns)]

    facts, error, gone = _read_facts(e.path)
    if gone:
        if k is not None:
            vanished[k.relpath] = k
        return []
    if error is not None:
        report.failed.append((e.relpath, error))
    tags = _tags(tagger, e.relpath)
    if k is None:
        report.added += 1
        return [("INSERT INTO sounds(relpath, size, mtime_ns, hash, duration, sample_rate, channels, bit_depth, "
                 "format, tags, error, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT(relpath) DO NOTHING",
                 (relpath_to_db(e.relpath), e.size, e.mtime_ns, digest, *_facts_params(facts), tags or "[]", error,
                  now))]
    if k.hash != digest:  # content changed: its embeddings describe another sound
        ops.append(("DELETE FROM embeddings WHERE sound_id = ?", (k.id,)))
        report.changed += 1
    else:  # an unreadable file became readable again, same content
        report.unchanged += 1
    cols = {"size": e.size, "mtime_ns": e.mtime_ns, "hash": digest, **dict(zip(_FACT_COLS, _facts_params(facts))),
            "error": error, "seen_at": now}
    if tags is not None:
        cols["tags"] = tags
    ops.append(_update(k.id, **cols))
    return ops
