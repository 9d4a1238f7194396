"""Words from names: the tokeniser and the normal form of a tag (pure text, no tables).

:func:`tokenize` splits on separators, camelCase (``HiHatClosed`` → ``hi hat closed``, ``OHHits`` →
``oh hits``) and letter/digit boundaries (``BD02`` → ``bd 02``, ``TR-808`` → ``tr 808``).
:func:`split_tokens` is what a sound's raw tags are made of: tokens minus numbers and single
letters. :func:`normalise_tag` gives a tag's vocabulary form (lower case, singular), or ``None`` for
stopwords and junk.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[\s_\-.,;:()\[\]{}+&'\"!?#@/\\~=|]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")

STOPWORDS: frozenset[str] = frozenset(
    """a an the and or of in on at to for with from by into over under up down out off is are be was so
    this that these those it its as no not yes all any some my your our their his her mix master final
    new old copy edit edited version ver untitled sample samples sound sounds audio file files track
    stereo mono left right wav wave flac mp3 aif aiff ogg hz khz bit bpm ms sec st nd rd th
    """.split()
)

# plural → singular exceptions (and words ending in s that are not plurals)
_IRREGULAR = {
    "children": "child", "feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose",
    "men": "man", "women": "woman", "people": "person", "leaves": "leaf", "knives": "knife",
    "wolves": "wolf", "lives": "life", "halves": "half", "shelves": "shelf", "hooves": "hoof",
}
_KEEP_S = frozenset(
    """bass glass brass class grass moss cross boss less mass kiss hiss buzz chaos bus gas
    lens atlas canvas bonus chorus virus campus status focus radius cactus octopus walrus corpus
    this its was is us yes news series species analysis basis synthesis thesis crisis axis
    ss""".split()
)
_JUNK = re.compile(r"^(?:[a-z]?\d+[a-z]{0,2}|[a-z])$")  # "v3", "01a", single letters


def tokenize(text: str) -> list[str]:
    """Lower-case tokens, numbers included: ``"PearlKick-Softest_02"`` → ``['pearl', 'kick', 'softest', '02']``."""
    out: list[str] = []
    for part in _SPLIT.split(text):
        out.extend(tok.lower() for tok in _CAMEL.split(part) if tok)
    return out


def split_tokens(text: str) -> list[str]:
    """Tokens that can be tags: ``"DoorWood_Creak-Slow 02.wav"`` → ``['door', 'wood', 'creak', 'slow', 'wav']``
    (numbers and single letters dropped)."""
    return [t for t in tokenize(text) if len(t) >= 2 and not t.isdigit()]


def singularise(word: str) -> str:
    """A light English singulariser: ``drums→drum``, ``boxes→box``, ``bodies→body``, ``bass→bass``."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w in _KEEP_S or w.endswith(("ss", "us", "is", "ous")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


def normalise_tag(tag: str) -> str | None:
    """One raw tag → its vocabulary form, or ``None`` for a stopword/junk token."""
    t = tag.strip().lower()
    if not t or t in STOPWORDS or _JUNK.match(t):
        return None
    t = singularise(t)
    if t in STOPWORDS or len(t) < 2:
        return None
    return t
