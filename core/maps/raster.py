"""Drawing map frames into palette images with numpy alone (for GIFs written without an imaging library).

:class:`Canvas` is a uint8 ``[H, W]`` image of indices into a palette; it draws filled discs (the
sounds), rectangles and text in a built-in 5 × 7 pixel font (with descenders) (lower-case letters, digits and a
little punctuation; upper case is drawn lower case), scaled by an integer factor.
"""

from __future__ import annotations

import numpy as np

# 5 × 7 glyphs (g, p, q, y: their x-height plus descender): seven rows, each a 5-bit number (bit 4 = leftmost pixel), as hex pairs
_GLYPHS = {
    "0": "0E11131519110E", "1": "040C040404040E", "2": "0E11010204081F", "3": "1F02040201110E",
    "4": "02060A121F0202", "5": "1F101E0101110E", "6": "0608101E11110E", "7": "1F010204080808",
    "8": "0E11110E11110E", "9": "0E11110F01020C",
    "a": "00000E010F110F", "b": "1010161911111E", "c": "00000E1010110E", "d": "01010D1311110F",
    "e": "00000E111F100E", "f": "0609081C080808", "g": "0F1111110F010E", "h": "10101619111111",
    "i": "04000C0404040E", "j": "0200060202120C", "k": "10101214181412",
    "l": "0C04040404040E", "m": "00001A15151111", "n": "00001619111111", "o": "00000E1111110E",
    "p": "1E1111111E1010", "q": "0F1111110F0101", "r": "00001619101010", "s": "00000E100E011E",
    "t": "08081C08080906", "u": "0000111111130D", "v": "00001111110A04",
    "w": "0000111115150A", "x": "0000110A040A11", "y": "111111110F010E",
    "z": "00001F0204081F", " ": "00000000000000", "/": "00010204081000", ".": "00000000000C0C",
    ",": "000000000C0408", "-": "0000001F000000", ":": "000C0C000C0C00",
    "(": "02040808080402", ")": "08040202020408", "_": "0000000000001F", "+": "0004041F040400",
    "%": "18190204081303", "=": "00001F001F0000", "?": "0E110102040004", "'": "0C040800000000",
    "·": "0000000C0C0000", "#": "0A0A1F0A1F0A0A", "&": "0C12140815120D",
}
GLYPH_W, GLYPH_H = 5, 9  # 7 rows, 2 more for the descenders of the glyphs below (drawn 2 rows lower)
_DESCENDERS = frozenset("gpqy")


def _glyph(ch: str) -> np.ndarray:
    code = _GLYPHS.get(ch) or _GLYPHS.get(ch.lower()) or _GLYPHS["?"]
    rows = [int(code[i:i + 2], 16) for i in range(0, 14, 2)]
    return np.array([[(r >> (4 - c)) & 1 for c in range(GLYPH_W)] for r in rows], dtype=bool)


_CACHE: dict[str, np.ndarray] = {}


def glyph(ch: str) -> np.ndarray:
    """bool ``[9, 5]`` bitmap of a character."""
    g = _CACHE.get(ch)
    if g is None:
        g = np.zeros((GLYPH_H, GLYPH_W), dtype=bool)
        shift = 2 if ch.lower() in _DESCENDERS else 0
        g[shift:shift + 7] = _glyph(ch)
        _CACHE[ch] = g
    return g


def text_width(text: str, scale: int = 2) -> int:
    return max(0, len(text) * (GLYPH_W + 1) * scale - scale)


def disc_offsets(radius: int) -> np.ndarray:
    """int ``[K, 2]`` (dy, dx) offsets of the pixels of a filled disc."""
    r = int(radius)
    dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
    keep = dy * dy + dx * dx <= r * r + r  # a little fuller than the exact circle: rounder small dots
    return np.stack([dy[keep], dx[keep]], axis=1)


class Canvas:
    """A palette-index image: ``pixels`` uint8 ``[height, width]`` filled with ``background``."""

    def __init__(self, width: int, height: int, background: int = 0) -> None:
        self.pixels = np.full((int(height), int(width)), background, dtype=np.uint8)

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: int) -> None:
        x0, x1 = max(0, int(x0)), min(self.width, int(x1))
        y0, y1 = max(0, int(y0)), min(self.height, int(y1))
        if x1 > x0 and y1 > y0:
            self.pixels[y0:y1, x0:x1] = colour

    def discs(self, x: np.ndarray, y: np.ndarray, colours: np.ndarray, radius: int) -> None:
        """Filled discs at pixel centres ``x``, ``y`` (later ones drawn over earlier ones)."""
        off = disc_offsets(radius)
        ys = (np.round(np.asarray(y)).astype(np.int64)[:, None] + off[None, :, 0]).ravel()
        xs = (np.round(np.asarray(x)).astype(np.int64)[:, None] + off[None, :, 1]).ravel()
        cs = np.repeat(np.asarray(colours, dtype=np.uint8), len(off))
        ok = (ys >= 0) & (ys < self.height) & (xs >= 0) & (xs < self.width)
        self.pixels[ys[ok], xs[ok]] = cs[ok]

    def text(self, x: int, y: int, text: str, colour: int, scale: int = 2) -> int:
        """Draw ``text`` with its top-left corner at (x, y); returns the x after it."""
        for ch in text:
            g = glyph(ch)
            if g.any():
                big = np.kron(g, np.ones((scale, scale), dtype=bool))
                h, w = big.shape
                y0, x0 = int(y), int(x)
                ys, xs = slice(max(0, y0), min(self.height, y0 + h)), slice(max(0, x0), min(self.width, x0 + w))
                sub = big[ys.start - y0: ys.stop - y0, xs.start - x0: xs.stop - x0]
                if sub.size:
                    self.pixels[ys, xs][sub] = colour
            x += (GLYPH_W + 1) * scale
        return int(x)


def fit_text(text: str, width: int, scale: int = 2) -> str:
    """``text`` shortened with '..' to fit ``width`` pixels."""
    if text_width(text, scale) <= width:
        return text
    n = max(0, width // ((GLYPH_W + 1) * scale) - 2)
    return text[:n] + ".."


def hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
