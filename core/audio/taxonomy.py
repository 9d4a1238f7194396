"""A sound taxonomy for tags: what a word says a sound *is*, and which words only say where it came from.

Two data files ship in ``resources/taxonomy/`` and can be extended by the user with files of the
same names in :func:`core.paths.config_dir` (read after the shipped ones; a user row wins):

- ``sound_types.csv`` (``term,sound_type,group``): a word or phrase (as :func:`tokenize` splits
  names, so ``HiHat`` is ``hi hat``) → the sound type it names and the type's broad group
  (``bd``/``bass drum``/``kik`` → ``kick``, group ``drums``; the UCS categories and their
  abbreviations for effects). A row whose sound type is ``-`` removes a term.
- ``provenance.csv`` (``term,kind``): velocity and dynamics words, microphone positions, takes,
  kit/pack words, processing.

:meth:`Taxonomy.canonical` turns a sequence of tokens into tags: known phrases become their sound
type, everything else keeps its normal form. :func:`sound_type` gives a sound's type from its tags.
:func:`classify_tags` tells content tags (what a sound is) from provenance tags (who recorded it,
with which kit, mic and velocity) for a whole library: the provenance words of the table, numbers,
and tags spread over several sound types, as a kit, pack or session name is (a tag confined to one
folder that holds several sound types is the typical case). The user can flip any tag.
"""

from __future__ import annotations

import csv
import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.audio.words import normalise_tag, tokenize

TYPES_FILE = "sound_types.csv"
PROVENANCE_FILE = "provenance.csv"
CONTENT, PROVENANCE = "content", "provenance"
MAX_PHRASE = 3
# a tag is provenance when its typed sounds span ≥ 2 sound types and no type has this share of them
SPREAD_MAX_SHARE = 0.6
SPREAD_MIN_TYPED = 3


def _rows(path: Path) -> Iterable[list[str]]:
    if not path.is_file():
        return
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        for row in csv.reader(fh):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#") or row[0].strip() == "term":
                continue
            yield [c.strip() for c in row]


def _key(term: str) -> tuple[str, ...]:
    return tuple(normalise_tag(t) or t for t in tokenize(term))


class Taxonomy:
    """``types``: phrase (normalised tokens) → (sound type, group); ``provenance``: phrase → kind."""

    def __init__(self, types: Mapping[tuple[str, ...], tuple[str, str]], provenance: Mapping[tuple[str, ...], str]):
        self.types = dict(types)
        self.provenance = dict(provenance)
        self._types = {t for t, _ in self.types.values()}
        self._groups = {g for _, g in self.types.values()}
        self._group_of = {t: g for t, g in self.types.values()}

    @classmethod
    def from_files(cls, folders: Sequence[Path]) -> Taxonomy:
        """Tables read from each folder in turn (later folders extend and override earlier ones)."""
        types: dict[tuple[str, ...], tuple[str, str]] = {}
        prov: dict[tuple[str, ...], str] = {}
        for folder in folders:
            for row in _rows(Path(folder) / TYPES_FILE):
                key = _key(row[0])
                if not key:
                    continue
                if len(row) < 2 or row[1] in ("", "-"):
                    types.pop(key, None)
                else:
                    types[key] = (row[1].lower(), (row[2] if len(row) > 2 and row[2] else row[1]).lower())
            for row in _rows(Path(folder) / PROVENANCE_FILE):
                key = _key(row[0])
                if key:
                    prov[key] = row[1].lower() if len(row) > 1 and row[1] else "provenance"
        return cls(types, prov)

    def type_names(self) -> set[str]:
        return set(self._types)

    def group_names(self) -> set[str]:
        return set(self._groups)

    def type_of(self, tag: str) -> str | None:
        """The sound type a single tag names (``'bd'`` → ``'kick'``, ``'kick'`` → ``'kick'``), or ``None``."""
        key = _key(tag)
        hit = self.types.get(key)
        if hit is not None:
            return hit[0]
        t = " ".join(key)
        return t if t in self._types else None

    def group_of(self, sound_type: str) -> str | None:
        return self._group_of.get(sound_type)

    def is_broad(self, sound_type: str) -> bool:
        """A type that is also a group name (``drums``): less specific than any type in its group."""
        return sound_type in self._groups

    def provenance_kind(self, tag: str) -> str | None:
        return self.provenance.get(_key(tag))

    def canonical(self, tokens: Sequence[str]) -> list[str]:
        """Tokens → tags: stopwords and junk dropped, the longest known phrase at each position
        replaced by its sound type (``['hi', 'hat', 'closed']`` → ``['hihat', 'closed']``), other
        tokens in their normal form; de-duplicated in order."""
        norm = [n for n in (normalise_tag(t) for t in tokens) if n]
        out: dict[str, None] = {}
        i = 0
        while i < len(norm):
            for n in range(min(MAX_PHRASE, len(norm) - i), 0, -1):
                key = tuple(norm[i:i + n])
                if key in self.types:
                    out[self.types[key][0]] = None
                    i += n
                    break
                if n > 1 and key in self.provenance:
                    out[" ".join(key)] = None
                    i += n
                    break
            else:
                out[norm[i]] = None
                i += 1
        return list(out)

    def sound_type(self, tags: Sequence[str]) -> str | None:
        """The type of a sound with these (canonical or raw) tags, in path order (folders outer to
        inner, then the file name): the first specific type, else the first broad one."""
        found = [t for t in (self.type_of(x) for x in tags) if t]
        specific = [t for t in found if not self.is_broad(t)]
        return (specific or found or [None])[0]


def taxonomy_folders() -> list[Path]:
    from core.paths import config_dir
    from core.resources import resources_root

    return [resources_root() / "taxonomy", config_dir()]


@functools.lru_cache(maxsize=4)
def _cached(folders: tuple[Path, ...], stamps: tuple[float, ...]) -> Taxonomy:
    return Taxonomy.from_files(folders)


def load_taxonomy(folders: Sequence[Path] | None = None) -> Taxonomy:
    """The shipped taxonomy extended by the user's files (re-read when a file changes)."""
    folders = tuple(taxonomy_folders() if folders is None else folders)
    stamps = tuple((f / n).stat().st_mtime if (f / n).is_file() else 0.0
                   for f in folders for n in (TYPES_FILE, PROVENANCE_FILE))
    return _cached(folders, stamps)


def canonical_tags(raw: Sequence[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """A sound's raw tags (``core.audio.tags``, in path order) → its canonical tags."""
    return (taxonomy or load_taxonomy()).canonical(raw)


def sound_type(raw: Sequence[str], taxonomy: Taxonomy | None = None) -> str | None:
    """The sound type of one sound from its raw tags (e.g. ``Library.sounds()[i].tags``), or
    ``None`` when no tag is in the taxonomy: a colour-by, a cluster-name source and a search word."""
    tax = taxonomy or load_taxonomy()
    return tax.sound_type(tax.canonical(raw))


def dominant_type(types: Sequence[str | None], min_share: float = 0.5) -> str | None:
    """A cluster's name from its members' sound types: the most common type when it holds at least
    ``min_share`` of the members that have one, else ``None``."""
    counts = Counter(t for t in types if t)
    if not counts:
        return None
    top, n = counts.most_common(1)[0]
    return top if n >= min_share * sum(counts.values()) else None


def search_term(word: str, taxonomy: Taxonomy | None = None) -> str:
    """What a search word means in the taxonomy: ``'bd'`` → ``'kick'``; unknown words unchanged."""
    return (taxonomy or load_taxonomy()).type_of(word) or word.strip().lower()


@dataclass(frozen=True, slots=True)
class TagKind:
    """What a tag says: ``kind`` is ``'content'`` (what the sound is) or ``'provenance'`` (where it
    came from); ``reason`` says why, for the training dialog; ``flipped`` when the user chose it."""

    tag: str
    kind: str
    reason: str
    sound_type: str | None = None
    flipped: bool = False

    @property
    def is_content(self) -> bool:
        return self.kind == CONTENT


def _folder(relpath: str) -> str:
    parent = str(PurePosixPath(relpath).parent)
    return "" if parent == "." else parent


def classify_tags(sound_tags: Sequence[Sequence[str]], relpaths: Sequence[str] | None = None, *,
                  taxonomy: Taxonomy | None = None, force_content: Iterable[str] = (),
                  force_provenance: Iterable[str] = ()) -> dict[str, TagKind]:
    """Content or provenance for every tag of a library.

    ``sound_tags``: per sound, its canonical tags (:func:`canonical_tags`); ``relpaths``: per sound,
    its path (for saying which folder a tag is confined to). Rules, in order: the user's flips; a
    sound type of the taxonomy is content; a provenance word of the taxonomy is provenance; a
    tag whose typed sounds (≥ 3) span several sound types with none holding 60 % of them is
    provenance (a kit, pack or session name: it says nothing about what the sound is); anything
    else is content.
    """
    tax = taxonomy or load_taxonomy()
    forced_c = {normalise_tag(t) or t.strip().lower() for t in force_content}
    forced_p = {normalise_tag(t) or t.strip().lower() for t in force_provenance}
    types = [tax.sound_type(tags) for tags in sound_tags]
    members: dict[str, list[int]] = {}
    for i, tags in enumerate(sound_tags):
        for t in tags:
            members.setdefault(t, []).append(i)
    folders = [_folder(r) for r in relpaths] if relpaths is not None else None
    n_folders = len(set(folders)) if folders is not None else 0
    out: dict[str, TagKind] = {}
    for tag, rows in members.items():
        st = tax.type_of(tag)
        if tag in forced_c or tag in forced_p:
            kind = CONTENT if tag in forced_c else PROVENANCE
            out[tag] = TagKind(tag, kind, f"set by you ({kind})", st, flipped=True)
            continue
        if st is not None:
            out[tag] = TagKind(tag, CONTENT, f"sound type ({st})", st)
            continue
        pk = tax.provenance_kind(tag)
        if pk is not None:
            out[tag] = TagKind(tag, PROVENANCE, f"{pk} word")
            continue
        typed = Counter(types[i] for i in rows if types[i] is not None)
        n_typed = sum(typed.values())
        if n_typed >= SPREAD_MIN_TYPED and len(typed) >= 2 and max(typed.values()) < SPREAD_MAX_SHARE * n_typed:
            spread = ", ".join(f"{t} {100 * c / n_typed:.0f}%" for t, c in typed.most_common(3))
            where = ""
            if folders is not None and n_folders >= 2:
                for level in (lambda f: f, lambda f: f.split("/", 1)[0]):  # its folder, else its top folder
                    top = Counter(level(folders[i]) for i in rows).most_common(1)[0]
                    if top[0] and top[1] >= 0.9 * len(rows):
                        where = f"only in folder '{top[0]}', "
                        break
            out[tag] = TagKind(tag, PROVENANCE, f"{where}on {len(typed)} sound types ({spread}): a kit, pack or source name")
            continue
        out[tag] = TagKind(tag, CONTENT, "describes the sound" if n_typed else "no sound type known")
    return out


def library_tag_kinds(relpaths: Sequence[str], raw: Sequence[Sequence[str]], *, force_content: Iterable[str] = (),
                      force_provenance: Iterable[str] = ()) -> tuple[list[list[str]], dict[str, TagKind]]:
    """For a whole library (``relpaths`` and raw tags per sound, e.g. from ``Library.sounds()``):
    per sound its canonical tags, and every tag's :class:`TagKind` (what the GUI shows and searches;
    the provenance tags of a sound are a colour-by, e.g. its kit)."""
    tax = load_taxonomy()
    tags = [tax.canonical(r) for r in raw]
    return tags, classify_tags(tags, relpaths, taxonomy=tax, force_content=force_content,
                               force_provenance=force_provenance)
