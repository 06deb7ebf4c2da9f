"""Marks a TA gives by hand: ``marks-template.csv`` (written with every class
set, beside responses-template.csv) and its reader for ``grade --marks``.

The template has one row per student and, after ``id`` and ``name``:

- one column per answer marked by hand (a text answer: 1e's explanation, a
  vector form of 3.2-3.6), headed ``<ref> (of <points>)``;
- one column per part, headed ``<part> mark (of <points>)``: a TA's mark for
  the whole part that replaces the automatic one (blank keeps it);
- ``comment``: a TA's comment, printed on the student's feedback.

Reading checks every cell against the student's own version: a mark that is
not a number, negative, or above the answer's (or part's) points, a mark for
an answer that is not marked by hand in that student's version, an ID that is
no student of the class or a repeated ID is one problem line each; that cell
(or row) is ignored and the rest is used.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..csvcells import read_cell, text_row
from ..errors import UsageError
from ..files import write_atomic
from ..key import MARKED, Version, read_manifest
from .responses import csv_rows

TEMPLATE = "marks-template.csv"
MAX_FILE = 50 * 1024 * 1024
COMMENT = "comment"
MAX_COMMENT = 2000  # characters of a TA comment that are kept
_HEADER = re.compile(r"(?P<what>[^\s(]+?)(?P<mark>\s+mark)?\s*(?:\(\s*of\s+[^)]*\))?", re.IGNORECASE)
_MARK = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+")


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


@dataclass(frozen=True)
class Columns:
    """What a class's marks template asks for: the hand-marked refs and the
    parts, each with its largest maximum over the class (for the header)."""

    hand: dict[str, float]  # ref -> points
    parts: dict[str, float]  # part id -> points

    def header(self) -> list[str]:
        return (["id", "name"] + [f"{ref} (of {_num(p)})" for ref, p in self.hand.items()]
                + [f"{part} mark (of {_num(p)})" for part, p in self.parts.items()] + [COMMENT])


def columns_of(versions: Iterable[Version]) -> Columns:
    hand: dict[str, float] = {}
    parts: dict[str, float] = {}
    for v in versions:
        for a in v.require(MARKED, "marking by hand").graded:
            if a.kind == "text":
                hand[a.ref] = max(hand.get(a.ref, 0.0), a.points)
        for p in v.parts:
            if p.graded:
                parts[p.id] = max(parts.get(p.id, 0.0), p.points)
    return Columns(hand, parts)


def write_template(class_dir: Path) -> Path:
    """``class_dir``/marks-template.csv from the manifest and the students'
    answers.json: every cell blank but the ID and the name."""
    manifest = read_manifest(class_dir / "manifest.json")
    cols = columns_of(v for _, v in manifest.read_keys())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = cols.header()
    w.writerow(text_row(header))
    for s in (e.student for e in manifest.students):
        w.writerow(text_row([s.id, s.name or ""]) + [""] * (len(header) - 2))
    return write_atomic(class_dir / TEMPLATE, buf.getvalue())


@dataclass
class StudentMarks:
    line: int  # the row in the marks file
    hand: dict[str, float] = field(default_factory=dict)  # ref -> mark
    parts: dict[str, float] = field(default_factory=dict)  # part id -> mark replacing the automatic one
    comment: str = ""


@dataclass
class Marks:
    students: dict[str, StudentMarks]  # by ID
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """One student's own maxima: what a mark is checked against."""

    hand: Mapping[str, float]  # the refs marked by hand in the student's version -> points
    parts: Mapping[str, float]  # part id -> points


def limits_of(version: Version) -> Limits:
    return Limits({a.ref: a.points for a in version.graded if a.kind == "text"},
                  {p.id: p.points for p in version.parts if p.graded})


def _mark(cell: str) -> float | str:
    """The mark a cell holds, or why it is none."""
    t = cell.strip().replace("\u2212", "-")
    negative = t.startswith("-")
    body = t[1:].strip() if negative else t
    if not _MARK.fullmatch(body):
        return f"{cell.strip()[:40]!r} is not a number"
    value = float(body.replace(",", "."))
    if negative and value:
        return f"{t[:40]} is negative"
    return value


def read(path: Path, limits: Mapping[str, Limits]) -> Marks:
    """Read a filled-in marks file against each student's own maxima
    (``limits`` by ID). A missing, unreadable or headerless file is a
    :class:`UsageError`; a bad cell, column or row is a problem line."""
    rows = csv_rows(path, "marks file", str(path), sniff=True, limit=MAX_FILE)
    if not rows or not any(c.strip() for c in rows[0]):
        raise UsageError(f"{path}: empty; expected the header of marks-template.csv (id,name,...)")
    header = [read_cell(c).strip() for c in rows[0]]
    lowered = [h.lower() for h in header]
    if "id" not in lowered:
        raise UsageError(f"{path}: the header row has no 'id' column (it reads {','.join(header)[:80]})")
    id_col = lowered.index("id")
    out = Marks({})
    refs = {r.lower(): r for lim in limits.values() for r in lim.hand}
    parts = {p.lower(): p for lim in limits.values() for p in lim.parts}
    cols: dict[int, tuple[str, str]] = {}  # column -> ("hand", ref) | ("part", id) | ("comment", "")
    for k, h in enumerate(header):
        if k == id_col or lowered[k] == "name" or not h:
            continue
        if lowered[k] == COMMENT:
            cols[k] = ("comment", "")
            continue
        m = _HEADER.fullmatch(h)
        what = m.group("what").lower() if m else ""
        if m and "#" in what and what in refs and not m.group("mark"):
            col = ("hand", refs[what])
        elif m and what in parts and "#" not in what:
            col = ("part", parts[what])
        else:
            out.problems.append(f"{path}: column {k + 1} {h[:40]!r} is no hand-marked answer or part of this class; ignored")
            continue
        if col in cols.values():
            out.problems.append(f"{path}: column {k + 1} repeats {h[:40]!r}; ignored")
            continue
        cols[k] = col
    for line, raw_row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw_row):
            continue
        row = [read_cell(c) for c in raw_row]
        sid = row[id_col].strip() if id_col < len(row) else ""
        where = f"{path} row {line}"
        if not sid:
            if any(row[k].strip() for k in cols if k < len(row)):
                out.problems.append(f"{where}: no ID; row ignored")
            continue
        lim = limits.get(sid)
        if lim is None:
            out.problems.append(f"{where}: ID {sid[:40]!r} is not a student of this class; row ignored")
            continue
        if sid in out.students:
            out.problems.append(f"{where}: ID {sid!r} again (first on row {out.students[sid].line}); row ignored")
            continue
        got = out.students[sid] = StudentMarks(line)
        for k, (kind, name) in cols.items():
            cell = row[k] if k < len(row) else ""
            if not cell.strip():
                continue
            if kind == "comment":
                got.comment = " ".join(cell.split())[:MAX_COMMENT]
                continue
            here = f"{where} (ID {sid}), {name}"
            top = (lim.hand if kind == "hand" else lim.parts).get(name)
            if top is None:
                what = "is not marked by hand" if kind == "hand" else "is not asked"
                out.problems.append(f"{here}: {name} {what} in this student's version; mark ignored")
                continue
            value = _mark(cell)
            if isinstance(value, str):
                out.problems.append(f"{here}: {value}; mark ignored")
            elif value > top + 1e-9:
                out.problems.append(f"{here}: {_num(value)} is more than the {_num(top)} points of {name}; mark ignored")
            else:
                (got.hand if kind == "hand" else got.parts)[name] = value
    return out

