"""User text (names, IDs) on its way into LaTeX: escaped, and set in a font and
direction that can show it.

Every document is typeset by pdfLaTeX. Text that its T1 and TS1 fonts show
(ASCII, accented Latin letters such as é, ß, ł, ő, ş, after NFC
normalization) is set inline. Anything else (Arabic, Hebrew, Persian, Urdu,
Chinese, Japanese, Korean, Indic scripts, Thai, Greek, Cyrillic, Armenian,
Georgian, Ethiopic, Latin letters T1 lacks such as Ħ ŧ ĸ ŀ ſ, letters with
combining marks that have no precomposed form, emoji) becomes
``\\nnforeign{<hex of the UTF-8 text>}{<escaped text>}``: pdfLaTeX shows it as
a name box typeset once by LuaHBTeX (:mod:`generator.namebox`), and the
LuaLaTeX preamble of a standalone ``.tex`` file sets the escaped text with
fallback fonts.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

from . import fonts
from .errors import TexError
from .fonts import is_arabic, is_rtl
from .latex import escape

# Code points pdfLaTeX shows with T1 + TS1 (inputenc's t1enc.dfu and
# ts1enc.dfu) in Latin Modern, restricted to the Latin-1 and Latin Extended-A
# blocks: everything else goes to a name box, which can show these too.
PDFLATEX_RANGES = ((0x20, 0x7E), (0xA0, 0xB7), (0xB9, 0x125), (0x128, 0x137), (0x139, 0x13E), (0x141, 0x148),
                   (0x14A, 0x165), (0x168, 0x17E))
_STARTS = [lo for lo, _ in PDFLATEX_RANGES]


def pdflatex_can_show(ch: str) -> bool:
    cp = ord(ch)
    if cp < 32 or cp == 127:
        return True  # control characters are dropped by the escaping
    k = bisect.bisect_right(_STARTS, cp) - 1
    return k >= 0 and PDFLATEX_RANGES[k][0] <= cp <= PDFLATEX_RANGES[k][1]


def needs_box(text: str) -> bool:
    """True when ``text`` needs a name box: a character pdfLaTeX cannot show
    after NFC normalization, or signs of a broken encoding (so that the check
    in :func:`check` names it)."""
    return not all(pdflatex_can_show(ch) for ch in unicodedata.normalize("NFC", text)) or broken_encoding(text) is not None


# A lead byte of UTF-8 read as Latin-1/Windows-1252 ('Ã', 'Â', 'â', ...) followed by
# continuation bytes read the same way ('©', '¼', '€', '™', ...)
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]+")


def _undo_mojibake(piece: str) -> str | None:
    for codec in ("cp1252", "latin-1"):
        try:
            return piece.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return None


def broken_encoding(text: str) -> str | None:
    """A message when ``text`` looks like a broken encoding conversion: the
    replacement character U+FFFD, or UTF-8 read as Latin-1/Windows-1252
    ("JosÃ©" for "José"); None for a name that does not."""
    if "\ufffd" in text:
        return "has the replacement character U+FFFD"
    pieces = [(m.group(), fixed) for m in _MOJIBAKE.finditer(text) if (fixed := _undo_mojibake(m.group())) is not None]
    if not pieces:
        return None
    meant = text
    for piece, fixed in pieces:
        meant = meant.replace(piece, fixed)
    piece, fixed = pieces[0]
    return f"{piece!r} reads as {fixed!r} when decoded as UTF-8, so it was probably {meant!r}"


def check(text: str, label: str = "") -> None:
    """Raise a one-line :class:`TexError` when ``text`` cannot be printed
    faithfully: a broken encoding, or a character no installed font has."""
    where = f"{label}: " if label else ""
    broken = broken_encoding(text)
    if broken:
        raise TexError(f"{where}the name {text!r} looks like a broken encoding ({broken}); "
                       "save the roster as UTF-8 from the original data")
    ch = fonts.missing_character(text)
    if ch is not None:
        hint = "; run the README's set-up command" if not fonts.installed_fonts() else ""
        raise TexError(f"{where}no installed font can show the character {ch!r} (U+{ord(ch):04X}); "
                       f"remove it or install a font that has it{hint}")


def to_tex(text: str) -> str:
    """Escaped LaTeX for a name or ID: inline for pdfLaTeX's fonts, else a
    name box (right to left for Arabic and Hebrew script in a LuaLaTeX source)."""
    if not needs_box(text):
        return rf"\nnname{{{escape(unicodedata.normalize('NFC', text))}}}"
    shown = fonts.clean(text)
    body = rf"\nnforeign{{{shown.encode('utf-8').hex()}}}{{{escape(shown)}}}"
    if is_rtl(shown):
        return rf"\nnarabic{{{body}}}" if is_arabic(shown) else rf"\nnrtl{{{body}}}"
    return rf"\nnname{{{body}}}"


def foreign_texts(source: str) -> list[str]:
    """The texts of every ``\\nnforeign`` in a LaTeX source, in order of first use."""
    out, start = [], 0
    marker = "\\nnforeign{"
    while (k := source.find(marker, start)) >= 0:
        end = source.find("}", k + len(marker))
        try:
            text = bytes.fromhex(source[k + len(marker) : end]).decode("utf-8")
        except ValueError:
            text = None
        if text is not None and text not in out:
            out.append(text)
        start = end
    return out


def engine_for(*texts: str | None) -> str:
    """The engine that typesets the documents: always pdfLaTeX (names its fonts
    lack come as name boxes)."""
    return "pdflatex"


def source_engine_for(*texts: str | None) -> str:
    """The engine a standalone ``.tex`` file needs: LuaLaTeX when a name or ID
    needs a name box (its preamble then sets the name with fallback fonts)."""
    return "lualatex" if any(t and needs_box(t) for t in texts) else "pdflatex"
