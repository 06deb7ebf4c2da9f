"""The printed grading sheet of a class set (not the grader, which is
generator/grade/), read back from the students' answers.json files (format
``nn-problem-set/2`` or ``/3``): the graded answers only, in ref order, under the labels
printed on the handout, with a score column per part.

``grading-sheet.csv`` (written with or without PDFs) has one row per student:
``id``, ``name``, ``version``, ``seed``, then one column per graded ref
headed ``<ref> <label as text>`` (``1c#3 dJ/dw_21^[2]``; where the versions
of a class ask different things at a ref, each character that differs is
shown as ``?``: ``1c#3 dJ/dw_?1^[2]``), then ``score <part> (/<points>)`` per
part and ``total (/<points total>)``, left blank for the grader.

Cells, so that a spreadsheet reads them as meant:

* a number is a plain number: its exact value when that is an integer or a
  terminating decimal (``-16``, ``1.06``), else its decimal to four places
  (``0.3333``, ``473.2023``); a negative number stays a number (``-16``);
* a vector is text, each component by the same rule: ``[-0.5, 0.3333]``;
* an expression is its exact form with ``**`` written ``^``
  (``-2*g2``, ``3*x2*cos(x1)``);
* an answer marked by hand (``kind: "text"``) reads ``marked by hand``;
* a choice is its right option (``yes``);
* any text cell (names, IDs, expressions) that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (or their full-width forms, or
  spaces before one of them), or with an apostrophe, gets a leading
  apostrophe, so a spreadsheet never runs it as a formula: ``=HYPERLINK(...)``
  is written ``'=HYPERLINK(...)`` (the rule of every CSV file the project
  writes: ``csvcells.py``).

``grading-sheet.pdf`` (A4 landscape, from ``templates/grading-sheet.tex.j2``)
gives each student a block that is never split across pages: ID, name,
version and a total box, then per part its graded answers as rendered maths
(each ``label = exact`` and, where different, ``≈`` its decimal to four
places; vectors component-wise) and a score box with the part's points.
The course, assignment title and points come from answers.json.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

from . import compile, names, render
from .csvcells import text_cell as text_cell  # the grading sheet's cells follow the rule of every CSV
from .errors import GeneratorError
from .files import replace_atomic
from .key import MARKED, Answer, Course, Part, Version
from .latex import decimal_str, escape, terminates
from .model import Student

HAND = "marked by hand"


class Entry(Protocol):
    """What the sheet needs of a student of the class (a class set's outcome)."""

    @property
    def student(self) -> Student: ...

    @property
    def version(self) -> str: ...

    @property
    def seed(self) -> int: ...

    def answers(self, class_dir: Path) -> Version: ...


# --------------------------------------------------------------------------
# What is graded, from one version's key


def parts(data: Version) -> tuple[Part, ...]:
    """The parts of a version (format 2) in order; each part's ``graded``
    answers are in ref order."""
    if data.format not in MARKED:
        raise GeneratorError(f"answers.json of version {data.version!r} is format {data.format!r}, "
                             f"not {' or '.join(map(repr, MARKED))}; make the class set again with this generator")
    return data.parts


def graded(data: Version) -> list[Answer]:
    """Every graded answer of a version, in ref order."""
    return [g for p in parts(data) for g in p.graded]


def finals(data: Version) -> list[tuple[str, str]]:
    """(ref, exact) of every graded answer that has one exact value; answers
    marked by hand are left out."""
    parts(data)
    return data.finals()


# --------------------------------------------------------------------------
# Numbers: exact and decimal

_RATIONAL = re.compile(r"\s*(-?\d+)\s*(?:/\s*(\d+))?\s*")


def rational(exact: str) -> Fraction | None:
    """The exact value when ``exact`` is an integer or a fraction p/q, else None."""
    m = _RATIONAL.fullmatch(exact)
    return Fraction(int(m.group(1)), int(m.group(2) or 1)) if m else None


def _decimal(x: Fraction | float, places: int) -> str:
    """``x`` rounded to ``places`` decimals (an exact terminating decimal is
    :func:`generator.latex.decimal_str`)."""
    with localcontext() as ctx:
        ctx.prec = 60
        d = Decimal(x.numerator) / Decimal(x.denominator) if isinstance(x, Fraction) else Decimal(repr(float(x)))
        d = d.quantize(Decimal(1).scaleb(-places))
        if d.is_zero():
            d = abs(d)  # no "-0.0000"
        return format(d, "f")


def decimal4(exact: str, value: Any) -> str | None:
    """The decimal to four places of a number (None when it is not known)."""
    q = rational(exact)
    if q is not None:
        return _decimal(q, 4)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _decimal(float(value), 4)
    return None


def plain_number(exact: str, value: Any) -> str:
    """A number as a spreadsheet cell: exact when an integer or terminating
    decimal, else to four places."""
    q = rational(exact)
    if q is not None and terminates(q):
        return decimal_str(q)
    return decimal4(exact, value) or readable(exact)


def components(exact: str, value: Any) -> list[tuple[str, Any]] | None:
    """The (exact, value) of each component of a vector, or None when the
    exact form does not split into as many components as the value has."""
    inner = exact.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return None
    pieces, depth, start = [], 0, 1
    for k, ch in enumerate(inner[1:-1], start=1):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            pieces.append(inner[start:k].strip())
            start = k + 1
    pieces.append(inner[start:-1].strip())
    values = value if isinstance(value, (list, tuple)) else [None] * len(pieces)
    return list(zip(pieces, values)) if len(values) == len(pieces) else None


def readable(exact: str) -> str:
    """An exact form as readable text: powers written ``^``."""
    return exact.replace("**", "^")


def number_text(exact: str, value: Any) -> str:
    """A number as readable text: ``-16``, ``53/50 = 1.06``, ``1/3 ≈ 0.3333``,
    ``exp(2) ≈ 7.3891``."""
    q = rational(exact)
    if q is not None:
        if q.denominator == 1:
            return str(q.numerator)
        return f"{q} = {decimal_str(q)}" if terminates(q) else f"{q} ≈ {_decimal(q, 4)}"
    approx = decimal4(exact, value)
    return readable(exact) + (f" ≈ {approx}" if approx is not None else "")


# --------------------------------------------------------------------------
# The CSV

_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def answer_cell(g: Answer) -> str:
    """A graded answer as a CSV cell (the module docstring gives the rules)."""
    if g.kind == "text" or g.exact is None:
        return HAND
    if g.kind == "number":
        cell = plain_number(g.exact, g.value)
        return cell if _PLAIN_NUMBER.fullmatch(cell) else text_cell(cell)
    if g.kind == "vector":
        comps = components(g.exact, g.value)
        if comps is not None:
            return "[" + ", ".join(plain_number(e, v) for e, v in comps) + "]"
    return text_cell(readable(g.exact))


def pattern(texts: Iterable[str]) -> str:
    """The common form of several labels: what differs becomes ``?``, one per
    character (``dJ/dw_21^[2]`` and ``dJ/dw_31^[2]`` give ``dJ/dw_?1^[2]``)."""
    seen = list(dict.fromkeys(texts))
    if not seen:
        return ""
    common = seen[0]
    for text in seen[1:]:
        out = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, common, text, autojunk=False).get_opcodes():
            out.append(common[i1:i2] if op == "equal" else "?" * max(i2 - i1, j2 - j1))
        common = "".join(out)
    return common


def fmt_points(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


@dataclass(frozen=True)
class Columns:
    """The columns of a class's grading sheet: graded refs with their readable
    labels, and the parts with their points, in order."""

    refs: list[tuple[str, str]]  # (ref, label pattern)
    parts: list[tuple[str, float]]  # (part id, points)
    total: float

    def header(self) -> list[str]:
        return (["id", "name", "version", "seed"] + [text_cell(f"{ref} {label}".strip()) for ref, label in self.refs]
                + [f"score {p} (/{fmt_points(pts)})" for p, pts in self.parts] + [f"total (/{fmt_points(self.total)})"])


def columns(outcomes: Sequence[Entry], class_dir: Path) -> Columns:
    """The refs and parts of every student's version, in the order of the
    first version that has them."""
    labels: dict[str, list[str]] = {}
    points: dict[str, float] = {}
    total = 0.0
    for o in outcomes:
        data = o.answers(class_dir)
        total = max(total, data.points_total)
        for p in parts(data):
            points.setdefault(p.id, p.points)
            for g in p.graded:
                labels.setdefault(g.ref, []).append(g.text)
    return Columns([(ref, pattern(ts)) for ref, ts in labels.items()], list(points.items()), total)


def write_csv(outcomes: Sequence[Entry], class_dir: Path) -> Path:
    """``class_dir``/grading-sheet.csv from the students' answers.json files,
    written row by row (atomically)."""
    cols = columns(outcomes, class_dir)

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(cols.header())
            for o in outcomes:
                cells = {g.ref: answer_cell(g) for g in graded(o.answers(class_dir))}
                row = [text_cell(o.student.id), text_cell(o.student.name or ""), text_cell(o.version), str(o.seed)]
                row += [cells.get(ref, "") for ref, _ in cols.refs]
                row += [""] * (len(cols.parts) + 1)
                w.writerow(row)

    return replace_atomic(class_dir / "grading-sheet.csv", write)


# --------------------------------------------------------------------------
# The PDF


def _frac_tex(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return rf"{sign}\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def number_tex(exact: str, value: Any, latex: str) -> str:
    """A number as maths: ``-16``, ``\\frac{53}{50} = 1.06``,
    ``\\frac{1}{3} \\approx 0.3333``, or the key's form ``\\approx`` its decimal."""
    q = rational(exact)
    if q is not None:
        if q.denominator == 1:
            return str(q.numerator)
        return _frac_tex(q) + (rf" = {decimal_str(q)}" if terminates(q) else rf" \approx {_decimal(q, 4)}")
    approx = decimal4(exact, value)
    return latex + (rf" \approx {approx}" if approx is not None else "")


_COLUMN_VECTOR = re.compile(r"\\begin\{pmatrix\}([^&]*?)\\end\{pmatrix\}")


def row_vectors(latex: str) -> str:
    """The key's column vectors written as transposed rows, so that an answer
    takes one line: ``\\begin{pmatrix}a \\\\ b\\end{pmatrix}`` -> ``(a,\\ b)^\\top``."""
    return _COLUMN_VECTOR.sub(lambda m: r"\left(" + r",\ ".join(x.strip() for x in m.group(1).split(r"\\")) + r"\right)^{\!\top}", latex)


def answer_tex(g: Answer) -> str | None:
    """The maths shown after ``label =`` in the PDF: for an answer marked by
    hand, the key's model formula when it has one (the gradient in vector
    form), else None (an explanation in words)."""
    if g.kind == "text" or g.exact is None:
        return g.latex if g.exact is not None else None
    if g.kind == "number":
        return number_tex(g.exact, g.value, g.latex or "")
    if g.kind == "vector":
        comps = components(g.exact, g.value)
        if comps is not None and all(rational(e) is not None for e, _ in comps):
            return r"\left(" + r",\ \ ".join(number_tex(e, v, "") for e, v in comps) + r"\right)"
        approx = [decimal4(e, v) for e, v in comps] if comps is not None else []
        if approx and all(a is not None for a in approx):
            return row_vectors(g.latex or "") + r" \approx \bigl(" + r",\ ".join(str(a) for a in approx) + r"\bigr)"
    return row_vectors(g.latex or "")


def _block(o: Entry, data: Version) -> dict[str, Any]:
    """What the template prints for one student."""
    rows = []
    for p in parts(data):
        items = []
        for g in p.graded:
            tex = answer_tex(g)
            items.append({
                "ref": escape(g.ref),
                "label": g.label,
                "tex": tex,
                "hand": g.kind == "text",
                "points": fmt_points(g.points),
            })
        rows.append({"id": escape(p.id), "points": fmt_points(p.points), "items": items})
    return {
        "id": names.to_tex(o.student.id),
        "name": names.to_tex(o.student.name) if o.student.name else "",
        "version": escape(o.version),
        "rows": rows,
        "total": fmt_points(data.points_total),
    }


def _course_line(course: Course | None) -> str:
    """"CSE 616 Neural Networks, Assignment 1" from answers.json's course, as
    LaTeX in a font that shows it (course texts are user text, in any script)."""
    line = course.line if course else ""
    return names.to_tex(line) if line else ""


def document(outcomes: Sequence[Entry], class_dir: Path, class_seed: int, engine: str) -> str:
    """The LaTeX source of the grading sheet."""
    students = []
    course: Course | None = None
    for o in outcomes:
        data = o.answers(class_dir)
        course = course or data.course
        students.append(_block(o, data))
    n = len(outcomes)
    return render.render(
        "grading-sheet.tex.j2",
        fonts=render.render("fonts.tex.j2", engine=engine),
        course=_course_line(course),
        term=names.to_tex(course.term) if course and course.term else "",
        class_seed=class_seed,
        count=f"{n} student" + ("" if n == 1 else "s"),
        students=students,
    )


def write_pdf(outcomes: Sequence[Entry], class_seed: int, class_dir: Path) -> int:
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
