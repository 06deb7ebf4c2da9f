"""Running TeX: in a private temporary folder, without shell escape, with file
access restricted to that folder, and with fixed dates so the bytes repeat.

One TeX run (a :class:`Unit`) typesets the handout and the key of a version
one after the other; the PDF is then split into one file per document with
pikepdf. Loading the preamble, embedding fonts and starting TeX are paid once
per version instead of once per document.

The documents print "page i of n"; each ``n`` travels through the ``.aux``
file. Instead of always running TeX twice, the ``.aux`` is seeded with a guess
of the page counts (those of the last document compiled of the same kind), and
TeX runs again only when a guess was wrong. The PDF is the same either way:
TeX's output depends only on its input.

A class set loads the shared preamble from a TeX format dumped once per run
(:func:`build_format`), which saves most of TeX's start-up per version. The
format is linked into each run's folder and named without a path, so no folder
name (commas, colons, braces, ...) ever passes through kpathsea's path parsing.

Every TeX program is started by :mod:`generator.texrun`, with a clean, explicit
environment: none of the user's TeX variables or trees (``TEXINPUTS``,
``TEXMFHOME``, ``~/texmf``) can change what is compiled.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from . import namebox, names
from .errors import TexError
from .files import exhausted, private_temp, write_atomic
from .texrun import first_error as first_error  # re-exported: the class set reports a TeX error by it
from .texrun import log_excerpt, run, tex_env

ENGINES = ("pdflatex", "lualatex")
INSTALL_HINT = "install TeX with the README's set-up command: sh scripts/setup.sh"
FORMAT_NAME = "nnpreamble"

_TOTAL_RE = re.compile(r"\\nn@settotal\s*\{([\w-]+)\}\{(\d+)\}")
_MISSING_RE = re.compile(r"Missing character: There is no (.+?) \(U\+([0-9A-F]+)\)")
_guess_lock = threading.Lock()
_page_guess: dict[str, int] = {}


@dataclass
class Unit:
    """One TeX run: a preamble and the bodies of one or more documents."""

    name: str  # stem of the .tex file TeX runs
    preamble: str  # rendered preamble (not used when a format is given)
    documents: list[tuple[str, str]]  # (document name, body LaTeX), in page order
    engine: str = "pdflatex"
    label: str = ""  # how errors name the unit, e.g. "seed 7" or "student 123"
    paged: bool = True  # documents report "page i of n" totals through the .aux file
    pages: dict[str, int] = field(default_factory=dict)  # filled after the run

    def source(self, with_preamble: bool = True) -> str:
        parts = [self.preamble if with_preamble else "", "\\begin{document}\n"]
        parts += [body for _, body in self.documents]
        parts.append("\\end{document}\n")
        return "".join(parts)


def tex_available(engine: str = "pdflatex") -> bool:
    return shutil.which(engine) is not None


def require_tex(engine: str = "pdflatex") -> None:
    if not tex_available(engine):
        raise TexError(f"no TeX engine ({engine}) found; the .tex sources and answers.json were written; {INSTALL_HINT}")


def explain_failure(unit: Unit, log: str) -> TexError:
    missing = _MISSING_RE.search(log)
    if missing:
        char, code = missing.group(1), missing.group(2)
        return TexError(f"{unit.label or unit.name}: no installed font can show the character {char!r} (U+{code}); "
                        "remove it or install a font that has it")
    return TexError(f"{unit.label or unit.name}: {unit.name}.tex did not compile:\n{log_excerpt(log)}")


def build_format(preamble: str, folder: Path) -> Path:
    """Dump the shared pdfLaTeX preamble as a TeX format in ``folder``."""
    require_tex("pdflatex")
    (folder / f"{FORMAT_NAME}.tex").write_text(preamble + "\\dump\n", encoding="utf-8")
    result = run(["pdftex", "-ini", "-interaction=nonstopmode", "-halt-on-error", f"-jobname={FORMAT_NAME}",
                  "&pdflatex", f"{FORMAT_NAME}.tex"], folder, tex_env())
    fmt = folder / f"{FORMAT_NAME}.fmt"
    if result.returncode != 0 or not fmt.exists():
        log = result.stdout.decode("utf-8", "replace")
        raise TexError(f"the shared preamble did not compile: {exhausted(result.returncode, folder, log) or first_error(log)}")
    return fmt


def typeset_names(source: str, workdir: Path, label: str) -> None:
    """Before a pdfLaTeX run: typeset every name box ``source`` uses (names
    pdfLaTeX's fonts cannot show) with LuaHBTeX, into ``workdir``."""
    texts = names.foreign_texts(source)
    if texts:
        for text in texts:
            names.check(text, label)  # a clear error before looking for the engine
        require_tex(namebox.ENGINE)
        namebox.prepare(texts, workdir, tex_env(), label)


def _link_format(fmt: Path, workdir: Path) -> None:
    """Put the format into the working folder under its plain name (a hard link
    when possible, else a copy)."""
    target = workdir / f"{FORMAT_NAME}.fmt"
    try:
        os.link(fmt, target)
    except OSError:
        shutil.copyfile(fmt, target)


def workdir() -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder for one TeX run, in the system's temporary
    folder (never in the output folder, so a killed run leaves nothing there;
    the next run removes it)."""
    return private_temp("tex")


def _totals(aux: Path) -> dict[str, int]:
    try:
        text = aux.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return {}
    return {name: int(n) for name, n in _TOTAL_RE.findall(text)}


def run_unit(unit: Unit, workdir: Path, fmt: Path | None = None) -> Path:
    """Typeset ``unit`` in ``workdir`` (a fresh, private folder); return the PDF.
    Sets ``unit.pages`` to the page count of each document."""
    require_tex(unit.engine)
    if unit.engine != "pdflatex":
        fmt = None  # the shared format is a pdfLaTeX one
    source = unit.source(with_preamble=fmt is None)
    if unit.engine == "pdflatex":
        typeset_names(source, workdir, unit.label or unit.name)
    (workdir / f"{unit.name}.tex").write_text(source, encoding="utf-8")
    aux = workdir / f"{unit.name}.aux"
    with _guess_lock:
        guesses = {doc: _page_guess[doc] for doc, _ in unit.documents if doc in _page_guess}
    if len(guesses) == len(unit.documents):
        aux.write_text("\\relax\n" + "".join(f"\\nn@settotal{{{d}}}{{{n}}}\n" for d, n in guesses.items()), encoding="utf-8")
    cmd = [unit.engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error"]
    if fmt is not None:
        _link_format(fmt, workdir)
        cmd.append(f"-fmt={FORMAT_NAME}")
    cmd.append(f"{unit.name}.tex")
    env = tex_env(None if fmt is None else Path("."))
    for _ in range(3):
        before = _totals(aux)
        result = run(cmd, workdir, env)
        if result.returncode != 0:
            log_path = workdir / f"{unit.name}.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else result.stdout.decode("utf-8", "replace")
            ran_out = exhausted(result.returncode, workdir, log)
            if ran_out:
                raise TexError(f"{unit.label or unit.name}: {unit.name}.tex could not be typeset: {ran_out}")
            raise explain_failure(unit, log)
        after = _totals(aux)
        if unit.paged and unit.engine == "pdflatex":
            # the totals are bound late (a PDF form written at each document's end): one run suffices
            unit.pages = {doc: after[doc] for doc, _ in unit.documents}
            return workdir / f"{unit.name}.pdf"
        if not unit.paged:
            log = (workdir / f"{unit.name}.log").read_text(encoding="utf-8", errors="replace")
            if "Rerun" in log:
                continue
            with pikepdf.open(workdir / f"{unit.name}.pdf") as pdf:
                unit.pages = {unit.documents[0][0]: len(pdf.pages)}
            return workdir / f"{unit.name}.pdf"
        if after and after == before:
            unit.pages = {doc: after[doc] for doc, _ in unit.documents}
            with _guess_lock:
                _page_guess.update(unit.pages)
            return workdir / f"{unit.name}.pdf"
    raise TexError(f"{unit.label or unit.name}: the page count did not settle after three TeX runs")


def split(pdf_path: Path, unit: Unit, targets: dict[str, Path], stamps: dict[str, str] | None = None) -> list[Path]:
    """Cut the unit's PDF into one file per document, each written atomically.
    Output bytes depend only on the pages' content (deterministic IDs, no dates).
    ``stamps`` (document -> text) is recorded in each PDF's information
    dictionary as ``/NNSource``: the sources it was made from."""
    out = []
    with pikepdf.open(pdf_path) as src:
        first = 0
        for doc, _ in unit.documents:
            count = unit.pages[doc]
            target = targets.get(doc)
            if target is not None:
                part = pikepdf.new()
                part.pages.extend(src.pages[first : first + count])
                if stamps and doc in stamps:
                    part.docinfo[STAMP] = stamps[doc]
                save_pdf(part, target)
                out.append(target)
            first += count
        if first != len(src.pages):
            raise TexError(f"{unit.label or unit.name}: expected {first} pages, TeX wrote {len(src.pages)}")
    return out


STAMP = "/NNSource"


def stamp_of(path: Path) -> tuple[str | None, int]:
    """(the /NNSource stamp, page count) of a PDF; (None, 0) when it is missing,
    empty or unreadable."""
    try:
        with pikepdf.open(path) as pdf:
            value = pdf.docinfo.get(STAMP)
            return (str(value) if value is not None else None), len(pdf.pages)
    except (pikepdf.PdfError, OSError, ValueError):
        return None, 0


def save_pdf(pdf: pikepdf.Pdf, target: Path) -> Path:
    """Save a PDF atomically with reproducible bytes. pikepdf writes into memory
    and Python writes the file, so a full disk is an OSError (never an abort in
    the PDF library) and leaves no partial file."""
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return write_atomic(target, buf.getvalue())
