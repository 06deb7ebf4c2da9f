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

Which font shows each character is decided by :mod:`generator.fonts`, from
the fonts' character maps: a character no installed font has is a clear error
naming it, never a silently missing glyph.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .errors import TexError
from .fonts import clean, installed_fonts, is_rtl, runs
from .resources import TEMPLATES
from .texrun import log_excerpt, run

SIZE_SP = 10 * 65536  # boxes are set at 10pt and scaled to the surrounding size
PAD_SP = 3 * 65536  # margin around the glyphs, so that marks and swashes are never clipped
ENGINE = "luahbtex"
LUA = TEMPLATES / "namebox.lua"

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
    (workdir / "namebox.lua").write_text(LUA.read_text(encoding="utf-8"), encoding="utf-8")
    (workdir / "nnboxes.lua").write_text(_lua_data(texts), encoding="utf-8")
    # initex without a format: half the start-up time of plain LuaHBTeX
    (workdir / "nnboxes.tex").write_text(
        "\\catcode`\\{=1 \\catcode`\\}=2\n\\directlua{tex.enableprimitives('', tex.extraprimitives())}\n"
        "\\outputmode=1 \\pdfvariable horigin=0pt \\pdfvariable vorigin=0pt \\pdfvariable minorversion=5\n"
        "\\pdfvariable compresslevel=9 \\pdfvariable objcompresslevel=2\n"
        "\\directlua{dofile('namebox.lua')}\n\\end\n", encoding="utf-8")
    result = run([ENGINE, "-ini", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "nnboxes.tex"], workdir, env)
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
