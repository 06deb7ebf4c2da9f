"""Which installed font shows a character, and which way a text runs.

A name that pdfLaTeX's fonts cannot show is set in a name box
(:mod:`generator.namebox`) from fonts of Debian's packages. Which font shows
which character is decided here, from the fonts' character maps (one
``fc-list`` call per process): a character no installed font has is a clear
error naming it (:func:`generator.names.check`), never a silently missing
glyph. The text a box shows is :func:`clean`'s, and :func:`is_rtl` tells a
right-to-left name, for the box's run order and for a LuaLaTeX source.
"""

from __future__ import annotations

import bisect
import os
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The fonts a name box may use, in order of preference, by file name (Debian's
# fonts-lmodern, fonts-noto-core, fonts-hosny-amiri, fonts-wqy-zenhei,
# fonts-dejavu-core, fonts-symbola). A word is set in the first font that has
# all its characters, so a name keeps one font where it can.
STACK = (
    "lmroman10-regular.otf",  # Latin, as in the documents
    "NotoSerif-Regular.ttf",  # every Latin letter and mark, Greek, Cyrillic
    "Amiri-Regular.ttf",  # Arabic, Persian, Urdu
    "NotoSerifHebrew-Regular.ttf",
    "NotoSerifArmenian-Regular.ttf",
    "NotoSerifGeorgian-Regular.ttf",
    "NotoSerifEthiopic-Regular.ttf",
    "NotoSerifDevanagari-Regular.ttf",
    "NotoSerifBengali-Regular.ttf",
    "NotoSerifTamil-Regular.ttf",
    "NotoSerifThai-Regular.ttf",
    "wqy-zenhei.ttc",  # Chinese, Japanese kana, Korean Hangul
    "NotoSans-Regular.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSans.ttf",
    "Symbola_hint.ttf",  # emoji and symbols, as black-and-white glyphs
)

LATIN_FONTS = STACK[:2]

# Characters that attach to the one before them (marks, joiners, variation
# selectors, emoji modifiers) and need no glyph of their own in a font's map.
_IGNORABLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} | set(range(0xFE00, 0xFE10)) | set(range(0xE0020, 0xE0080))
_MODIFIERS = set(range(0x1F3FB, 0x1F400))
# Emoji print as black-and-white glyphs (Symbola, DejaVu); one that no font
# has prints as this placeholder, a dotted square (copying still gives the emoji).
EMOJI_PLACEHOLDER = "\u2B1A"
_EMOJI = ((0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))


def is_emoji(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in _EMOJI)


@dataclass(frozen=True)
class Font:
    file: str
    index: int
    ranges: tuple[tuple[int, int], ...]  # covered code points, sorted, inclusive

    def has(self, cp: int) -> bool:
        k = bisect.bisect_right(self.ranges, (cp, 0x10FFFF + 1)) - 1
        return k >= 0 and self.ranges[k][0] <= cp <= self.ranges[k][1]


def _parse_charset(text: str) -> tuple[tuple[int, int], ...]:
    ranges = []
    for item in text.split():
        lo, _, hi = item.partition("-")
        ranges.append((int(lo, 16), int(hi or lo, 16)))
    return tuple(sorted(ranges))


@lru_cache(maxsize=1)
def installed_fonts() -> tuple[Font, ...]:
    """The fonts of :data:`STACK` that are installed, in its order, with their
    character maps (from fontconfig, asked once per process)."""
    try:
        out = subprocess.run(["fc-list", "--format", "%{file}\t%{index}\t%{charset}\n"], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    found: dict[str, Font] = {}
    for line in out.splitlines():
        path, _, rest = line.partition("\t")
        index, _, charset = rest.partition("\t")
        base = os.path.basename(path)
        if base in STACK and index == "0" and base not in found:
            found[base] = Font(path, 0, _parse_charset(charset))
    return tuple(found[b] for b in STACK if b in found)


def clean(text: str) -> str:
    """The text a box shows: control characters dropped, NFC-normalized,
    every run of white space one space (as the LaTeX escaping does)."""
    kept = "".join(" " if ch in "\r\n\t" else ch for ch in text if ord(ch) >= 32 and ord(ch) != 127 or ch in "\r\n\t")
    return " ".join(unicodedata.normalize("NFC", kept).split())


def _attaches(ch: str, prev: str | None) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Mc", "Me") or cp in _IGNORABLE or cp in _MODIFIERS
            or (prev is not None and ord(prev) == 0x200D))


def clusters(text: str) -> list[str]:
    """Base characters with the marks, joiners and selectors that follow them."""
    out: list[str] = []
    for ch in text:
        if out and _attaches(ch, out[-1][-1]):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _needs(chunk: str) -> list[int]:
    return [ord(ch) for ch in chunk if ord(ch) not in _IGNORABLE and ord(ch) not in _MODIFIERS]


def _first_font(chunk: str, fonts: tuple[Font, ...]) -> int | None:
    need = _needs(chunk)
    for k, font in enumerate(fonts):
        if all(font.has(cp) for cp in need):
            return k
    return None


def missing_character(text: str) -> str | None:
    """The first character of ``text`` that no installed font can show."""
    fonts = installed_fonts()
    for ch in clean(text):
        cp = ord(ch)
        if ch != " " and cp not in _IGNORABLE and cp not in _MODIFIERS and not is_emoji(ch) and not any(f.has(cp) for f in fonts):
            return ch
    return None


def runs(text: str) -> list[tuple[int, str]]:
    """(font number in :func:`installed_fonts`, text) runs of a name in logical
    order: each cluster in the first font that has it (a Latin word that Latin
    Modern cannot show whole goes to Noto Serif whole); spaces are runs of
    their own."""
    fonts = installed_fonts()
    out: list[tuple[int, str]] = []

    def add(k: int, chunk: str) -> None:
        if out and out[-1][0] == k and chunk != " " and out[-1][1] != " ":
            out[-1] = (k, out[-1][1] + chunk)
        else:
            out.append((k, chunk))

    latin = {n for n, f in enumerate(fonts) if os.path.basename(f.file) in LATIN_FONTS}
    for k, word in enumerate(clean(text).split(" ")):
        if k:
            out.append((out[-1][0] if out else 0, " "))
        if not word:
            continue
        firsts = {_first_font(c, fonts) for c in clusters(word)}
        if len(firsts) > 1 and firsts <= latin:
            # a Latin word with a letter Latin Modern lacks: all of it in Noto Serif
            add(max(latin), word)
            continue
        for cluster in clusters(word):
            font = _first_font(cluster, fonts)
            if font is None:  # a mark no font has together with its base: set them apart
                for ch in cluster:
                    if is_emoji(ch) and _first_font(ch, fonts) is None:
                        ch = EMOJI_PLACEHOLDER
                    font = _first_font(ch, fonts)
                    if font is None:
                        continue  # only an ignorable character can get here; HarfBuzz drops it
                    add(font, ch)
            else:
                add(font, cluster)
    return out


def is_rtl(text: str) -> bool:
    """True when most letters are of a right-to-left script."""
    rtl = sum(1 for ch in text if unicodedata.bidirectional(ch) in ("R", "AL"))
    ltr = sum(1 for ch in text if unicodedata.bidirectional(ch) == "L")
    return rtl > ltr


def is_arabic(text: str) -> bool:
    """True when ``text`` has a letter of bidirectional class AL (the Arabic script: Arabic, Persian, Urdu)."""
    return any(unicodedata.bidirectional(ch) == "AL" for ch in text)
