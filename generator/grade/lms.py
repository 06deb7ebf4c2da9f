"""Responses from an LMS quiz built from the class's export: Moodle 4.3's quiz
responses report (its CSV download) and Canvas's quiz "Student Analysis"
report (CSV), read as :class:`~generator.grade.sources.Source` s.

Each row becomes the responses of one student of the class, with cells keyed
by the class's refs as in a typed responses file, and the version the LMS
gave that student (:attr:`Row.version`): the grader then judges the row
against that version's key, with follow-through and named mistakes, exactly as
a typed row.

Moodle (``generator/export/moodle.py``): one cloze question per version, its
text starting "<course>: version CODE", whose "Response" cell is Moodle's
summary ``part 1: 8; part 2: 17; ...`` (one part per box, in the version's
order: a vector's components are consecutive boxes); one essay per written
answer, its text starting "Written answer REF". The report must be
downloaded with "Question text" and "Response" ticked (the question text
names the version). Students are found by "ID number" when it is a student
of the class, else by "Email address" through the roster's ``email`` column.
Moodle writes ``-`` for a question not answered.

Canvas (``generator/export/canvas.py``): one quiz per version; the Student
Analysis report heads each question's column "<question id>: <question
text>", and every graded item's text carries "[answer REF, version CODE]".
Students are found by ``sis_id`` (the roster's ID as the SIS user ID; the
report has no e-mail column).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..key import Version, read_manifest
from .responses import Responses, Row, csv_rows

MOODLE, CANVAS = "moodle-responses", "canvas-student-analysis"  # the kinds of report
_MOODLE_VERSION = re.compile(r":\s*version\s+([A-Z0-9]+)\b", re.I)
_MOODLE_WRITTEN = re.compile(r"\s*written answer\s+(\S+)", re.I)
_MOODLE_PART = re.compile(r"part (\d+): (.*?)(?=; part \d+: |$)", re.S)
_CANVAS_TAG = re.compile(r"\[answer (\S+), version ([A-Z0-9]+)\]")
_CANVAS_QUESTION = re.compile(r"\d+: ")


def boxes(version: Version) -> list[tuple[str, int, int]]:
    """The boxes of a version's Moodle question in their order: (ref, component, size); per part its
    numbers (a vector's components one box each), then its choices."""
    out = []
    for q in version.questions:
        for p in q.parts:
            for a in p.answers:
                if a.graded and a.kind in ("number", "vector"):
                    size = len(a.value) if isinstance(a.value, tuple) else 1
                    out += [(a.ref, k, size) for k in range(size)]
            out += [(a.ref, 0, 1) for a in p.answers if a.graded and a.kind == "choice"]  # a menu after the part's numbers
    return out


def kind_of(header: list[str]) -> str | None:
    """Which LMS report a CSV header is: Moodle's responses report, Canvas's Student Analysis, or neither."""
    cells = [h.strip().lower() for h in header]
    if any(re.fullmatch(r"response \d+", h) for h in cells) and ("email address" in cells or "id number" in cells):
        return MOODLE
    if {"name", "id", "section_id", "submitted"} <= set(cells) and "score" in cells:
        return CANVAS
    return None


def sniff(path: Path) -> str | None:
    """:func:`kind_of` the first line of a file (None when it is unreadable or no LMS report).
    Only a regular file is looked at: a FIFO or a device is left to the reader that refuses it
    (opening one to look would block or read without end)."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            first = fh.read(1 << 16).decode("utf-8-sig", errors="replace").splitlines()[:1]
    except OSError:
        return None
    return kind_of(next(csv.reader(first), [])) if first else None


def roster_emails(path: Path | None) -> dict[str, str]:
    """e-mail (lower case) -> ID, from a roster's ``email`` column (none without a roster)."""
    if path is None:
        return {}
    rows = csv_rows(path, "responses file", str(path), sniff=False)
    if not rows:
        return {}
    header = [h.strip().lower() for h in rows[0]]
    if "id" not in header or not ({"email", "e-mail"} & set(header)):
        raise UsageError(f"{path}: the roster has no 'email' column to find the LMS's students by")
    i, e = header.index("id"), header.index("email" if "email" in header else "e-mail")
    return {r[e].strip().lower(): r[i].strip() for r in rows[1:] if len(r) > max(i, e) and r[e].strip()}


@dataclass(frozen=True)
class Report:
    """An LMS quiz report of the class in ``class_dir``."""

    path: Path
    class_dir: Path
    kind: str  # MOODLE or CANVAS
    roster: Path | None = None

    @property
    def label(self) -> str:
        return str(self.path)

    def read(self, refs: Sequence[str]) -> Responses:
        manifest = read_manifest(self.class_dir / "manifest.json")
        versions = {v.version: v for _, v in manifest.read_keys()}
        students = {e.student.id for e in manifest.students}
        rows = csv_rows(self.path, "responses file", self.label, sniff=False)
        if not rows:
            raise UsageError(f"{self.label}: empty")
        known = {r.lower(): r for r in refs}
        reader = _moodle if self.kind == MOODLE else _canvas
        return reader(self.label, rows, versions, students, known, roster_emails(self.roster))


def _vector_cells(cells: dict[str, list[str]]) -> dict[str, str]:
    """Components typed in boxes of their own, as one cell "(a; b)" (a ';' between them, as a
    decimal comma typed in a box stays readable); a number as it is."""
    out = {}
    for ref, parts in cells.items():
        if len(parts) == 1:
            out[ref] = parts[0]
        else:
            out[ref] = "" if not any(p.strip() for p in parts) else "(" + "; ".join(p.strip() for p in parts) + ")"
    return out


def _cell(row: list[str], k: int | None) -> str:
    return row[k].strip() if k is not None and k < len(row) else ""


def _moodle(label: str, rows: list[list[str]], versions: dict[str, Version], students: set[str],
            known: dict[str, str], emails: dict[str, str]) -> Responses:
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    if not any(re.fullmatch(r"question \d+", h) for h in lowered):
        raise UsageError(f"{label}: Moodle's responses report without its 'Question' columns; download it again "
                         f"with 'Question text' ticked (the question's text names the version)")
    id_col = lowered.index("id number") if "id number" in lowered else None
    mail_col = lowered.index("email address") if "email address" in lowered else None
    first = lowered.index("first name") if "first name" in lowered else None
    last = lowered.index("last name") if "last name" in lowered else None
    slots = {int(m.group(1)): k for k, h in enumerate(lowered) if (m := re.fullmatch(r"response (\d+)", h))}
    texts = {int(m.group(1)): k for k, h in enumerate(lowered) if (m := re.fullmatch(r"question (\d+)", h))}
    out = Responses([])
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{label} row {line}"
        idnumber, email = _cell(row, id_col), _cell(row, mail_col)
        sid = idnumber if idnumber in students else emails.get(email.lower(), "")
        if not sid:
            what = " or ".join(t for t in (f"ID number {idnumber[:40]!r}" if idnumber else "",
                                           f"e-mail {email[:60]!r}" if email else "") if t)
            out.problems.append(f"{where}: no student of this class has {what}; row skipped" if what
                                else f"{where}: no ID number or e-mail; row skipped")
            continue
        code = ""
        cells: dict[str, list[str]] = {}
        for slot, k in sorted(slots.items()):
            question = _cell(row, texts.get(slot))
            response = _cell(row, k)
            response = "" if response == "-" else response
            found = _MOODLE_VERSION.search(question[:400])
            if found and found.group(1).upper() in versions:
                code = found.group(1).upper()
                layout = boxes(versions[code])
                typed = {int(m.group(1)): m.group(2).strip() for m in _MOODLE_PART.finditer(response)}
                if response and len(typed) != len(layout):
                    out.problems.append(f"{where}: {len(typed)} boxes in the response, version {code} has {len(layout)}")
                for n, (ref, component, size) in enumerate(layout, start=1):
                    cells.setdefault(ref, [""] * size)[component] = typed.get(n, "")
                continue
            written = _MOODLE_WRITTEN.match(question)
            if written and written.group(1).lower() in known:
                cells[known[written.group(1).lower()]] = [response]
        if not code:
            out.problems.append(f"{where} (ID {sid}): no question names a version of this class; row skipped")
            continue
        name = " ".join(t for t in (_cell(row, first), _cell(row, last)) if t)
        out.rows.append(Row(line, sid, name, _vector_cells(cells), version=code))
    return out


def _canvas(label: str, rows: list[list[str]], versions: dict[str, Version], students: set[str],
            known: dict[str, str], emails: dict[str, str]) -> Responses:
    header = rows[0]
    lowered = [h.strip().lower() for h in header]
    if "sis_id" not in lowered:
        raise UsageError(f"{label}: Canvas's Student Analysis without its sis_id column: students are found by "
                         f"their SIS user ID (the roster's id)")
    sis, name_col = lowered.index("sis_id"), lowered.index("name")
    columns: dict[int, tuple[str, str]] = {}  # column -> (ref, version)
    for k, h in enumerate(header):
        if _CANVAS_QUESTION.match(h):
            tag = _CANVAS_TAG.search(h)
            if tag:
                columns[k] = (tag.group(1), tag.group(2))
    out = Responses([])
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{label} row {line}"
        sid = row[sis].strip() if sis < len(row) else ""
        if sid not in students:
            out.problems.append(f"{where}: SIS ID {sid[:40]!r} is no student of this class; row skipped"
                                if sid else f"{where}: no SIS ID; row skipped")
            continue
        codes = {code for k, (_, code) in columns.items() if k < len(row) and row[k].strip()}
        if len(codes) != 1 or next(iter(codes)) not in versions:
            out.problems.append(f"{where} (ID {sid}): answers of {len(codes)} versions of this class; row skipped")
            continue
        code = next(iter(codes))
        cells: dict[str, list[str]] = {}
        for k, (ref, c) in columns.items():
            if c != code:
                continue
            base, _, comp = ref.partition("[")
            if base.lower() not in known:
                continue
            value = row[k].strip() if k < len(row) else ""
            parts = cells.setdefault(known[base.lower()], [])
            index = int(comp.rstrip("]")) - 1 if comp else 0
            parts.extend([""] * (index + 1 - len(parts)))
            parts[index] = value
        out.rows.append(Row(line, sid, row[name_col].strip() if name_col < len(row) else "", _vector_cells(cells),
                            version=code))
    return out
