"""The grading sheet of a class set: one row per student with every computed
final answer, as CSV for scripts and spreadsheets and as a PDF (built with
PyLaTeX, whose table structure comes from the data) for TAs grading a pile."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pylatex import Command, Document, NoEscape, Tabular

from . import compile, names, render
from .files import replace_atomic
from .model import JSONDict

if TYPE_CHECKING:  # classset imports this module
    from .classset import Outcome


def _answers(data: JSONDict) -> Iterator[tuple[str, int, str, str, str, str]]:
    """(part id, position, name, exact, latex, label) of every computed answer
    in a parsed answers.json."""
    for q in data["questions"]:
        for part in q["parts"]:
            for k, a in enumerate(part["answers"]):
                if a["exact"] is not None:
                    yield part["id"], k + 1, a["name"], a["exact"], a["latex"], a["label"]


def finals(data: JSONDict) -> list[tuple[str, str]]:
    """(part#position, exact) of every computed final answer; free text is left out."""
    return [(f"{part}#{pos}", exact) for part, pos, _, exact, _, _ in _answers(data)]


def columns(outcomes: Sequence[Outcome], class_dir: Path) -> list[tuple[str, int, str | None]]:
    """(part, position, name or None when the name differs between students)."""
    order: dict[tuple[str, int], set[str]] = {}
    for o in outcomes:
        for part, pos, name, *_ in _answers(o.answers(class_dir)):
            order.setdefault((part, pos), set()).add(name)
    return [(part, pos, next(iter(ns)) if len(ns) == 1 else None) for (part, pos), ns in order.items()]


def write_csv(outcomes: Sequence[Outcome], class_dir: Path) -> Path:
    """``class_dir``/grading-sheet.csv from the students' answers.json files,
    written row by row (atomically)."""
    cols = columns(outcomes, class_dir)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["id", "name", "version", "seed"] + [f"{p} {n}" if n else f"{p} #{k}" for p, k, n in cols])
            for o in outcomes:
                cells = {(part, pos): (name, exact) for part, pos, name, exact, *_ in _answers(o.answers(class_dir))}
                row = [o.student.id, o.student.name or "", o.version, o.seed]
                for part, pos, name in cols:
                    got = cells.get((part, pos))
                    row.append("" if got is None else got[1] if name else f"{got[0]} = {got[1]}")
                w.writerow(row)

    return replace_atomic(class_dir / "grading-sheet.csv", write)


def document(outcomes: Sequence[Outcome], class_dir: Path, class_seed: int, engine: str) -> str:
    doc = Document(
        documentclass="article",
        document_options=["a4paper", "landscape", "10pt"],
        page_numbers=False,
        geometry_options={"margin": "1.4cm", "includehead": True, "includefoot": True},
        fontenc=None,
        inputenc=None,
        lmodern=False,
        textcomp=False,
    )
    doc.preamble.append(NoEscape(render.render("fonts.tex.j2", engine=engine)))
    for package in ("amsmath", "amssymb", "array"):
        doc.packages.append(Command("usepackage", package))
    doc.packages.append(Command("usepackage", "fancyhdr"))
    widths = r"@{}p{2.6cm}p{3.6cm}p{1.3cm}>{\raggedright\arraybackslash}p{18.4cm}@{}"
    heading = (r"\begin{tabular}{" + widths + r"}\textbf{ID} & \textbf{Name} & \textbf{Version} & "
               r"\textbf{Final answers (exact)}\end{tabular}")
    doc.preamble.append(NoEscape(r"\setlength{\parindent}{0pt}\pagestyle{fancy}\fancyhf{}"
                                 r"\renewcommand{\headrulewidth}{0.4pt}\setlength{\headheight}{14pt}"
                                 r"\lhead{\small " + heading + r"}\cfoot{\small Page \thepage}"))
    doc.append(NoEscape(r"\pagestyle{fancy}"))
    doc.append(NoEscape(r"{\large\bfseries CSE 616 Neural Networks, Assignment 1: grading sheet}\hfill class seed "
                        + str(class_seed) + r", " + str(len(outcomes)) + r" students\par\medskip"))
    doc.append(NoEscape(r"\footnotesize"))
    for o in outcomes:
        parts: dict[str, list[str]] = {}
        for part, _, _, _, latex, label in _answers(o.answers(class_dir)):
            parts.setdefault(part, []).append(f"${label} = {latex}$")
        cell = "; ".join(rf"\textbf{{{p}}} " + ", ".join(items) for p, items in parts.items())
        name = names.to_tex(o.student.name) if o.student.name else ""
        # one small table per student: a page may break between students, never inside one
        with doc.create(Tabular(widths)) as table:
            table.add_row([NoEscape(names.to_tex(o.student.id)), NoEscape(name), NoEscape(rf"\textbf{{{o.version}}}"), NoEscape(cell)])
        doc.append(NoEscape(r"\par\vspace{2pt}\hrule\vspace{3pt}"))
    source: str = doc.dumps()  # PyLaTeX is untyped
    return source


def write_pdf(outcomes: Sequence[Outcome], class_seed: int, class_dir: Path) -> int:
    """Compile ``class_dir``/grading-sheet.pdf; returns its page count."""
    engine = names.engine_for(*[t for o in outcomes for t in (o.student.name, o.student.id)])
    source = document(outcomes, class_dir, class_seed, engine)
    head, body = source.split("\\begin{document}", 1)
    body = body.rsplit("\\end{document}", 1)[0]
    unit = compile.Unit("grading-sheet", head, [("grading-sheet", body)], engine=engine, label="grading sheet", paged=False)
    with compile.workdir() as tmp:
        pdf = compile.run_unit(unit, Path(tmp))
        compile.split(pdf, unit, {"grading-sheet": class_dir / "grading-sheet.pdf"})
    return unit.pages["grading-sheet"]
