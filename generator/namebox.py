"""Names in any script, at pdfLaTeX speed.

The documents are always typeset by pdfLaTeX. A name (or ID) that pdfLaTeX's
T1 fonts cannot show is typeset on its own by LuaHBTeX: HarfBuzz shapes it
(right to left and joined for Arabic, Hebrew, Persian and Urdu; reordered and
combined for Indic scripts and Thai; marks placed on Latin letters) in fonts
from Debian's packages, and each name becomes a one-page PDF of its own size
(a "name box") that the document includes at the current font size. The text
stays real text: the glyphs carry ToUnicode maps, and the whole name sits in
an /ActualText span, so copying or pdftotext gives the name as typed.

The step is cheap: LuaHBTeX without a format, LaTeX or luaotfload, running a
few lines of Lua (``namebox.lua``), about 0.05 s per TeX run; all
names a TeX run needs are done in one LuaHBTeX run, and boxes are kept in
memory by text, so a class set's grading sheet reuses its students' boxes.

Which font shows a character is decided here, from the fonts' character
maps (one ``fc-list`` call per process): a character no installed font has is
a clear error naming it, never a silently missing glyph.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import os
import subprocess
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pikepdf

from .errors import TexError

SIZE_SP = 10 * 65536  # boxes are set at 10pt and scaled to the surrounding size
PAD_SP = 3 * 65536  # margin around the glyphs, so that marks and swashes are never clipped
ENGINE = "luahbtex"
LUA = Path(__file__).resolve().parent.parent / "templates" / "namebox.lua"

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


@dataclass(frozen=True)
class Box:
    pdf: bytes  # one page: the name with a margin of PAD_SP on every side
    width: int  # of the glyphs, in sp at 10pt
    height: int
    depth: int
    top: int  # of the page above the baseline
    bottom: int  # of the page below the baseline


_cache: dict[str, Box] = {}
_cache_lock = threading.Lock()


def _lua_string(text: str) -> str:
    return '"' + "".join(f"\\{b}" for b in text.encode("utf-8")) + '"'


def _lua_data(texts: list[str]) -> str:
    """The Lua table namebox.lua reads: only the fonts these names use."""
    from .names import is_rtl  # names imports this module for its checks

    fonts = installed_fonts()
    used: dict[int, int] = {}  # font number in installed_fonts -> number in the table (from 1)
    rows = []
    for text in texts:
        parts = runs(text)
        for k, _ in parts:
            used.setdefault(k, len(used) + 1)
        if is_rtl(text):
            parts.reverse()  # the runs in visual order; HarfBuzz orders the glyphs within each
        # left to right: the name as typed over the glyphs (Indic scripts reorder
        # them); with right-to-left letters, readers put the glyphs back in
        # logical order from their ToUnicode maps (an ActualText would be reordered)
        rtl = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)
        actual = "nil" if rtl else _lua_string(clean(text).encode("utf-16-be").hex().upper())
        rows.append("{actual=%s, runs={%s}}" % (actual,
                    ", ".join("{font=%d, text=%s}" % (used[k], _lua_string(t)) for k, t in parts)))
    font_rows = ", ".join("{file=%s, index=%d}" % (_lua_string(fonts[k].file), fonts[k].index) for k in used)
    return f"return {{size={SIZE_SP}, pad={PAD_SP}, fonts={{{font_rows}}}, boxes={{{', '.join(rows)}}}}}\n"


def _typeset(texts: list[str], workdir: Path, env: dict[str, str], label: str) -> dict[str, Box]:
    """Typeset ``texts`` in one LuaHBTeX run in ``workdir``."""
    from .compile import _run, log_excerpt

    (workdir / "namebox.lua").write_text(LUA.read_text(encoding="utf-8"), encoding="utf-8")
    (workdir / "nnboxes.lua").write_text(_lua_data(texts), encoding="utf-8")
    # initex without a format: half the start-up time of plain LuaHBTeX
    (workdir / "nnboxes.tex").write_text(
        "\\catcode`\\{=1 \\catcode`\\}=2\n\\directlua{tex.enableprimitives('', tex.extraprimitives())}\n"
        "\\outputmode=1 \\pdfvariable horigin=0pt \\pdfvariable vorigin=0pt \\pdfvariable minorversion=5\n"
        "\\pdfvariable compresslevel=9 \\pdfvariable objcompresslevel=2\n"
        "\\directlua{dofile('namebox.lua')}\n\\end\n", encoding="utf-8")
    result = _run([ENGINE, "-ini", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "nnboxes.tex"], workdir, env)
    dat = workdir / "nnboxes.dat"
    if result.returncode != 0 or not dat.exists():
        log = workdir / "nnboxes.log"
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else result.stdout.decode("utf-8", "replace")
        raise TexError(f"{label}: the name box did not compile:\n{log_excerpt(text)}")
    dims = [tuple(int(x) for x in line.split()) for line in dat.read_text(encoding="utf-8").splitlines()]
    if len(texts) == 1 and len(dims) == 1:  # one name, one page: the file as LuaHBTeX wrote it
        return {texts[0]: Box((workdir / "nnboxes.pdf").read_bytes(), *dims[0])}
    boxes = {}
    with pikepdf.open(workdir / "nnboxes.pdf") as src:
        if len(src.pages) != len(texts) or len(dims) != len(texts):
            raise TexError(f"{label}: the name box run wrote {len(src.pages)} pages for {len(texts)} names")
        for text, page, (w, h, d, top, bottom) in zip(texts, src.pages, dims):
            one = pikepdf.new()
            one.pages.append(page)
            buf = io.BytesIO()
            one.save(buf, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
            boxes[text] = Box(buf.getvalue(), w, h, d, top, bottom)
    return boxes


def file_name(text: str) -> str:
    return "nnname-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] + ".pdf"


def prepare(texts: list[str], workdir: Path, env: dict[str, str], label: str) -> None:
    """Make the name boxes of ``texts`` (cleaned names) available to a pdfLaTeX
    run in ``workdir``: one PDF per name and ``nnnames.tex``, which defines them.
    The caller has checked each text (``names.check``) before TeX is looked for."""
    texts = sorted(set(texts))
    with _cache_lock:
        todo = [t for t in texts if t not in _cache]
    if todo:
        with tempfile.TemporaryDirectory(prefix="names-", dir=workdir) as tmp:
            made = _typeset(todo, Path(tmp), env, label)
        with _cache_lock:
            _cache.update(made)
    lines = []
    for text in texts:
        with _cache_lock:
            box = _cache[text]
        name = file_name(text)
        (workdir / name).write_bytes(box.pdf)
        key = text.encode("utf-8").hex()
        lines.append(f"\\csname nn@defbox\\endcsname{{{key}}}{{{name}}}{{{box.width}}}{{{box.height}}}{{{box.depth}}}"
                     f"{{{box.bottom}}}{{{PAD_SP}}}%\n")
    (workdir / "nnnames.tex").write_text("".join(lines) + "\\endinput\n", encoding="utf-8")
