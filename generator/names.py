"""User text (names, IDs) on its way into LaTeX: escaped, and set in a font and
direction that can show it.

pdfLaTeX with T1 fonts shows ASCII and the Latin-1 and Latin Extended-A
letters (accents, ß, ł, ő, ş, ...). Any other script (Arabic, Greek, Cyrillic,
...) makes the document use LuaLaTeX, with fallback fonts from Debian's
packages (Amiri for Arabic, DejaVu for Greek, Cyrillic, Hebrew and more);
Arabic and Hebrew are set right to left.
"""

from __future__ import annotations

import unicodedata

from .latex import escape

PDFLATEX_MAX = 0x17F  # end of Latin Extended-A


def needs_unicode_engine(text: str) -> bool:
    return any(ord(ch) > PDFLATEX_MAX for ch in text)


def is_rtl(text: str) -> bool:
    """True when most letters are of a right-to-left script."""
    rtl = sum(1 for ch in text if unicodedata.bidirectional(ch) in ("R", "AL"))
    ltr = sum(1 for ch in text if unicodedata.bidirectional(ch) == "L")
    return rtl > ltr


def is_arabic(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) == "AL" for ch in text)


def to_tex(text: str) -> str:
    """Escaped LaTeX for a name or ID, in the right font and direction:
    Arabic script in Amiri (shaped, right to left), other right-to-left text
    (Hebrew) right to left in the fallback fonts, everything else left to right."""
    body = escape(text)
    if is_rtl(text):
        return rf"\nnarabic{{{body}}}" if is_arabic(text) else rf"\nnrtl{{{body}}}"
    return rf"\nnname{{{body}}}"


def engine_for(*texts: str | None) -> str:
    return "lualatex" if any(t and needs_unicode_engine(t) for t in texts) else "pdflatex"
