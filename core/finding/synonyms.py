"""The synonym lookup that search uses: ``synonyms(word) -> set[str]``.

Search depends only on the :class:`Synonyms` protocol, so any table can be plugged in. The built-in
:data:`BUILTIN` is a deliberately small table of the abbreviations sound libraries use (``bd`` for
a kick, ``hh`` for a hi-hat, ``sfx``, ``vox``, …). A bigger term → type table (such as the
taxonomy under ``resources/taxonomy/``) plugs in with :meth:`TableSynonyms.from_terms`::

    TableSynonyms.from_terms({"bd": "kick", "bass drum": "kick", "kick": "kick", ...})

Words are lower case; a phrase is its words joined by single spaces (``"bass drum"``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol


class Synonyms(Protocol):
    def synonyms(self, word: str) -> set[str]:
        """Every word meaning the same as ``word`` (``word`` itself included), lower case."""
        ...


def _norm(word: str) -> str:
    return " ".join(word.lower().split())


class TableSynonyms:
    """Synonyms from groups of equivalent words (the first word of a group is its head, the word
    suggestions offer); a word in no group is only its own synonym."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self._of: dict[str, set[str]] = defaultdict(set)
        self._heads: set[str] = set()
        for group in groups:
            group = [_norm(w) for w in group if _norm(w)]
            if not group:
                continue
            self._heads.add(group[0])
            words = set(group)
            for w in words:
                self._of[w] |= words

    @classmethod
    def from_terms(cls, term_to_type: Mapping[str, str]) -> TableSynonyms:
        """Groups from a term → type table: the terms of one type (and the type's name) are synonyms."""
        groups: dict[str, set[str]] = defaultdict(set)
        for term, kind in term_to_type.items():
            groups[_norm(kind)].add(_norm(term))
        return cls([kind, *sorted(terms)] for kind, terms in groups.items())

    def synonyms(self, word: str) -> set[str]:
        w = _norm(word)
        return set(self._of.get(w, ())) | {w}

    def words(self) -> set[str]:
        """Every word the table knows."""
        return set(self._of)

    def heads(self) -> set[str]:
        """The first word of each group (the type's name): what suggestions offer."""
        return set(self._heads)


#: A minimal built-in table; the taxonomy replaces it when present.
BUILTIN = TableSynonyms([
    ("kick", "kik", "kck", "bd", "bassdrum", "bass drum", "kickdrum", "kick drum"),
    ("snare", "snr", "sn", "sd", "snaredrum", "snare drum"),
    ("hihat", "hi hat", "hh", "hat", "chh", "ohh", "closed hat", "open hat"),
    ("clap", "clp", "cp", "handclap", "hand clap"),
    ("cymbal", "cym", "cy", "crash", "ride"),
    ("tom", "tt", "floor tom", "tomtom"),
    ("percussion", "perc", "percs"),
    ("vocal", "vox", "voice", "vocals"),
    ("fx", "sfx", "effect", "effects"),
    ("whoosh", "woosh", "swoosh", "swish", "swoosh"),
    ("impact", "thud"),
    ("footstep", "footsteps", "step", "steps"),
    ("ambience", "amb", "atmos", "atmosphere", "background"),
    ("noise", "hiss", "static"),
    ("tone", "beep", "sine"),
    ("click", "tick"),
    ("chirp", "sweep"),
    ("loop", "lp", "loops"),
])
