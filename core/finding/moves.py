"""Move chosen files to a folder, with undo. Nothing is ever deleted or overwritten.

:func:`move_files` returns a :class:`MoveRecord` (JSON-serialisable, so an undo survives a
restart); :func:`undo_moves` puts the files back. The catalog follows on the next scan
(:mod:`core.catalog.scan` recognises a file moved inside the library by its content hash and keeps
its id, vectors and marks; a file moved out of the library leaves the catalog, and comes back as a
new sound when the move is undone).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(slots=True)
class MoveRecord:
    """What :func:`move_files` did: ``moves`` are ``(source, destination)`` absolute paths."""

    moves: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (source, one-line reason)
    when: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"moves": self.moves, "failed": self.failed, "when": self.when})

    @classmethod
    def from_json(cls, text: str) -> MoveRecord:
        d = json.loads(text)
        return cls([tuple(m) for m in d["moves"]], [tuple(f) for f in d.get("failed", [])], float(d.get("when", 0)))


def _free_name(dest: Path) -> Path:
    """``dest`` itself, or ``name (2).ext``, ``name (3).ext``, … when it exists."""
    if not dest.exists():
        return dest
    for n in range(2, 10000):
        candidate = dest.with_name(f"{dest.stem} ({n}){dest.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free name for {dest}")


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.exists():
        raise FileExistsError(f"{dst} exists")
    try:
        os.rename(src, dst)  # same file system: atomic
    except OSError:
        shutil.copy2(src, dst)  # across drives: copy, then remove the source only once the copy is whole
        if os.path.getsize(dst) != os.path.getsize(src):
            os.unlink(dst)
            raise OSError(f"copying {src} to {dst} was incomplete")
        os.unlink(src)


def move_files(paths: Sequence[str | os.PathLike[str]], folder: str | os.PathLike[str],
               root: str | os.PathLike[str] | None = None) -> MoveRecord:
    """Move ``paths`` into ``folder``; returns the record to undo it.

    With ``root`` (the library folder) and a ``folder`` outside it, a file under ``root`` keeps its
    sub-folders inside ``folder`` (``kicks/a.wav`` → ``folder/kicks/a.wav``), so same-named files
    from different folders do not collide; otherwise files land directly in ``folder``. An existing file is never overwritten: the
    moved one gets a `` (2)`` suffix. A file that cannot be moved is listed in ``failed``.
    """
    folder = Path(folder).expanduser().resolve()
    base = Path(root).expanduser().resolve() if root is not None else None
    record = MoveRecord(when=time.time())
    for p in paths:
        src = Path(p).expanduser().resolve()
        try:
            if not src.is_file():
                raise FileNotFoundError("no such file")
            inside = base is not None and base in src.parents and base not in folder.parents and base != folder
            target = folder / (src.relative_to(base) if inside else src.name)
            if target == src:
                raise ValueError("the file is already there")
            dst = _free_name(target)
            _move(src, dst)
        except (OSError, ValueError) as exc:
            record.failed.append((str(src), " ".join(str(exc).split()) or type(exc).__name__))
            continue
        record.moves.append((str(src), str(dst)))
    return record


def undo_moves(record: MoveRecord) -> MoveRecord:
    """Move the files of ``record`` back, last first; returns what was moved back.

    A file whose original place is taken again, or which is no longer where it was moved to, is
    left alone and listed in ``failed``.
    """
    back = MoveRecord(when=time.time())
    for src, dst in reversed(record.moves):
        try:
            if not Path(dst).is_file():
                raise FileNotFoundError(f"{dst} is no longer there")
            if Path(src).exists():
                raise FileExistsError(f"{src} exists again")
            _move(Path(dst), Path(src))
        except OSError as exc:
            back.failed.append((dst, " ".join(str(exc).split())))
            continue
        back.moves.append((dst, src))
    return back
