"""Any text a student typed (and the notes that quote it), as LaTeX that
pdfLaTeX always typesets: no character a cell can hold stops the feedback.

Each character is shown in one of three ways:

- inline, escaped, when pdfLaTeX's T1 and TS1 fonts have it
  (:func:`generator.names.pdflatex_can_show`), a few maths signs as maths
  (``σ``, ``·``, ``×``, ``√``, ``π``, ``²``);
- in a name box (:mod:`generator.namebox`: set by LuaHBTeX in Debian's fonts
  before the pdfLaTeX run, copied out as the text it shows) when an installed
  font has it: ``✓ ✗ ≤ ∞ μ θ ★``, emoji, letters of any script;
- as its code point, ``[U+200F]`` in typewriter type, when it shows nothing
  or no installed font has it: control characters (a NUL), the bidirectional
  marks and other format characters, lone surrogates, private-use and
  unassigned code points, and U+FFFD (which stands for bytes that were not
  UTF-8).
"""

from __future__ import annotations

import unicodedata

from .. import fonts, latex, names

_MATH_CHARS = {
    "σ": r"\ensuremath{\sigma}", "·": r"\ensuremath{\cdot}", "⋅": r"\ensuremath{\cdot}", "×": r"\ensuremath{\times}",
    "−": "-", "–": "-", "π": r"\ensuremath{\pi}", "√": r"\ensuremath{\surd}", "²": r"\textsuperscript{2}",
    "³": r"\textsuperscript{3}", "≈": r"\ensuremath{\approx}", "÷": r"\ensuremath{\div}",
}
_BREAK_AFTER = set("+-*/^,;)=")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # categories shown by their code point
_JOINERS = {"\u200c", "\u200d"}  # kept inside a box (emoji sequences, Indic and Arabic shaping)
_BOX_RUN = 12  # clusters per name box: a line may break between boxes
_WORD = 12  # characters after which a long word may break anywhere


def code_point(ch: str) -> str:
    return rf"{{\ttfamily[U+{ord(ch):04X}]}}"


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE or ch == "\ufffd"


def _attached(ch: str) -> bool:
    """A character that belongs to the one before it in a box (a mark, a joiner,
    a variation selector, an emoji modifier)."""
    return ch in _JOINERS or not _invisible(ch)


def _boxable(text: str) -> bool:
    """True when a name box can show ``text`` exactly as it is."""
    if not fonts.installed_fonts() or names.broken_encoding(text) is not None:
        return False
    return fonts.missing_character(text) is None and fonts.clean(text) == text


class _Out:
    def __init__(self, breaks: bool) -> None:
        self.parts: list[str] = []
        self.box: list[str] = []  # clusters of the open name box
        self.breaks = breaks
        self.run = 0  # characters since the last place a line may break

    def flush(self) -> None:
        if self.box:
            text = "".join(self.box)
            self.parts.append(rf"\nnforeign{{{text.encode('utf-8').hex()}}}{{{latex.escape(text)}}}")
            self.box = []
            if self.breaks:
                self.parts.append(r"\allowbreak{}")
            self.run = 0

    def inline(self, ch: str) -> None:
        self.flush()
        self.run = 0 if ch == " " or ch in _BREAK_AFTER else self.run + 1
        if self.breaks and self.run >= _WORD:  # a long word ("zzzz...") may break anywhere
            self.parts.append(r"\allowbreak{}")
            self.run = 0
        self.parts.append(_MATH_CHARS.get(ch) or latex.escape(ch))
        if self.breaks and ch in _BREAK_AFTER:
            self.parts.append(r"\allowbreak{}")
        elif ch in "-,":  # kept from TeX's ligatures: -- and --- are dashes, ,, a quote
            self.parts.append("{}")

    def boxed(self, cluster: str) -> None:
        self.box.append(cluster)
        if len(self.box) >= _BOX_RUN:
            self.flush()

    def code(self, ch: str) -> None:
        self.flush()
        self.parts.append(code_point(ch) + (r"\allowbreak{}" if self.breaks else ""))
        self.run = 0


def _showable_inline(ch: str) -> bool:
    return ch in _MATH_CHARS or (not _invisible(ch) and names.pdflatex_can_show(ch))


def to_latex(text: str, limit: int | None = None, breaks: bool = True) -> str:
    """``text`` as safe LaTeX for pdfLaTeX: white space runs made one space,
    cut to ``limit`` characters ("..." marks the cut), every character shown
    inline, in a name box or as its code point; with ``breaks``, a line may
    break after operators and inside long words."""
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    out = _Out(breaks)
    for cluster in fonts.clusters(unicodedata.normalize("NFC", flat)):
        base, rest = cluster[0], cluster[1:]
        if _invisible(base):
            for ch in cluster:
                out.code(ch)
            continue
        kept = base + "".join(ch for ch in rest if _attached(ch))
        dropped = [ch for ch in rest if not _attached(ch)]  # a zero-width space or a BOM after a letter
        if all(_showable_inline(ch) for ch in kept):
            for ch in kept:
                out.inline(ch)
        elif _boxable(kept):
            out.boxed(kept)
        else:  # a letter with a mark no font has: each character on its own
            for ch in kept:
                if _showable_inline(ch):
                    out.inline(ch)
                elif not _invisible(ch) and _boxable(ch):
                    out.boxed(ch)
                else:
                    out.code(ch)
        for ch in dropped:
            out.code(ch)
    out.flush()
    if breaks and out.parts and out.parts[-1] == r"\allowbreak{}":
        out.parts.pop()
    return "".join(out.parts)
