"""Raw tags for a sound, from what a real library already has.

- filename tokens (:func:`core.audio.words.split_tokens`: separators, camelCase, letter/digit
  boundaries; numbers and single letters dropped);
  UCS-style names (``CatID_FXName_Creator_Source``) are parsed: the CatID gives category tags;
- folder names along the path (relative to the library root);
- embedded metadata read with mutagen (ID3 title/genre/comment, Vorbis comments, RIFF INFO/BWF
  description where readable);
- an optional sidecar CSV (``path,tags`` with tags separated by ``;`` or ``,``).

These are raw: lower-cased tokens. Vocabulary building (stopwords, plurals, frequency caps) is a
separate step in :mod:`core.training.vocabulary`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from core.audio.words import split_tokens

SIDECAR_NAMES = ("sound-explorer-tags.csv", "tags.csv")

# UCS CatIDs are an upper-case category of 2-5 letters then an upper-case subcategory: AMBForst, DOORWood.
_UCS_CATID = re.compile(r"^([A-Z]{2,6})([A-Z][a-z]+[A-Za-z]*)$")

_META_KEYS = ("title", "genre", "comment", "description", "keywords", "subject", "album", "tit2", "tcon", "comm", "icmt", "inam", "ignr", "ikey", "isbj")


def parse_ucs(stem: str) -> list[str] | None:
    """Tags of a UCS name ``CatID_FXName_Creator_Source`` (creator/source dropped), or None."""
    parts = stem.split("_")
    if len(parts) < 3:
        return None
    m = _UCS_CATID.match(parts[0])
    if not m:
        return None
    cat, sub = m.group(1).lower(), m.group(2).lower()
    return [cat, sub, *split_tokens(parts[1])]


def filename_tags(relpath: str) -> list[str]:
    stem = PurePosixPath(relpath).stem
    ucs = parse_ucs(stem)
    return ucs if ucs is not None else split_tokens(stem)


def folder_tags(relpath: str) -> list[str]:
    parents = PurePosixPath(relpath).parent.parts
    return [t for folder in parents for t in split_tokens(folder)]


def metadata_tags(path: Path) -> list[str]:
    """Tags from embedded metadata via mutagen; never raises (unreadable metadata → no tags)."""
    try:
        import mutagen

        f = mutagen.File(str(path))
    except Exception:  # mutagen raises many types for odd files; tags are best-effort
        return []
    if f is None or not getattr(f, "tags", None):
        return []
    texts: list[str] = []
    try:
        items = f.tags.items()
    except Exception:
        return []
    for key, value in items:
        k = str(key).lower().split(":")[0]
        if k not in _META_KEYS:
            continue
        vals = value if isinstance(value, list) else [value]
        for v in vals:
            texts.append(str(getattr(v, "text", v)))
    return [t for text in texts for t in split_tokens(text)]


def read_sidecar(root: Path) -> dict[str, list[str]]:
    """``{relpath: [tags]}`` from a sidecar CSV in the library root, if there is one."""
    for name in SIDECAR_NAMES:
        p = root / name
        if not p.is_file():
            continue
        out: dict[str, list[str]] = {}
        with p.open(newline="", encoding="utf-8", errors="replace") as fh:
            for row in csv.reader(fh):
                if len(row) < 2 or row[0].strip().lower() == "path":
                    continue
                tags = [t.strip().lower() for t in re.split(r"[;,|]", ",".join(row[1:])) if t.strip()]
                out[row[0].strip().replace("\\", "/")] = tags
        return out
    return {}


def raw_tags(root: Path, relpath: str, sidecar: dict[str, list[str]] | None = None, metadata: bool = True) -> list[str]:
    """All raw tags of one sound, de-duplicated in first-seen order."""
    tags = folder_tags(relpath) + filename_tags(relpath)
    if metadata:
        tags += metadata_tags(root / relpath)
    if sidecar:
        tags += sidecar.get(relpath, [])
    return list(dict.fromkeys(tags))


def make_tagger(root: Path, metadata: bool = True) -> Callable[[str], list[str]]:
    """A ``relpath → tags`` function for the scanner, with the sidecar read once."""
    sidecar = read_sidecar(root)
    return lambda relpath: raw_tags(root, relpath, sidecar, metadata)
