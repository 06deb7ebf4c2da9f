"""The responses file: a CSV with a header ``id,name,<ref>,...`` and one row
per student, as TAs type it or a form or LMS export is mapped onto it.
:func:`write_template` writes the blank one every class set carries."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..csvcells import read_cell, text_row
from ..errors import UsageError
from ..files import read_input, wide_encoding, write_atomic
from ..key import class_refs, read_manifest

TEMPLATE = "responses-template.csv"
MAX_FILE = 200 * 1024 * 1024


def csv_rows(path: Path, what: str, label: str, *, sniff: bool, limit: int = MAX_FILE) -> list[list[str]]:
    """The rows of a UTF-8 CSV file that must be decoded whole (a marks file, an LMS report): UTF-16 and
    non-UTF-8 files refused with one line, NULs dropped; ``sniff`` takes ';' or a tab as the delimiter
    when the first line has more of them than commas (Excel in some locales)."""
    raw = read_input(path, what, label, limit=limit)
    wide = wide_encoding(raw)
    if wide:
        raise UsageError(f"{label}: the file is {wide}; save it as CSV UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{label}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    text = text.replace("\x00", "")
    delimiter = ","
    if sniff:
        first = text.split("\n", 1)[0]
        best = max(",;\t", key=first.count)
        delimiter = best if first.count(best) else ","
    field_limit = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise UsageError(f"{label}: not a readable CSV file ({exc})") from None
    finally:
        csv.field_size_limit(field_limit)


@dataclass
class Row:
    line: int  # row number in the file (the header is row 1)
    id: str
    name: str
    cells: dict[str, str]
    version: str = ""  # the version the student answered, when the source says (an LMS quiz); else the roster's


@dataclass
class Responses:
    rows: list[Row]
    problems: list[str] = field(default_factory=list)  # one line each, the run goes on


def read(path: Path, refs: list[str], where: str = "") -> Responses:
    """Read a responses file. A missing, unreadable or headerless file is a
    :class:`UsageError`; a bad row or column is a problem line, and the rest is read."""
    label = where or str(path)
    raw = read_input(path, "responses file", label, limit=MAX_FILE)
    wide = wide_encoding(raw)
    if wide:
        raise UsageError(f"{label}: the file is {wide}; save it as CSV UTF-8")
    # bytes that are not UTF-8 (a cell pasted from elsewhere, a file saved in another
    # encoding) are kept as lone surrogates here and become U+FFFD row by row below
    text = raw.decode("utf-8-sig", "surrogateescape")
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FILE)
    try:
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first.count)  # Excel saves CSV with ';' in some locales
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if first.count(delimiter) else ","))
    except csv.Error as exc:
        raise UsageError(f"{label}: not a readable CSV file ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    if not rows or not any(c.strip() for c in rows[0]):
        raise UsageError(f"{label}: empty; expected a header row id,name,{','.join(refs[:3])},...")
    header = [read_cell(c).strip() for c in rows[0]]
    lowered = [c.lower() for c in header]
    if "id" not in lowered:
        raise UsageError(f"{label}: the header row has no 'id' column (it reads {','.join(header)[:80]})")
    id_col = lowered.index("id")
    name_col = lowered.index("name") if "name" in lowered else None
    out = Responses([])
    if any(_BAD_BYTE.search(c) for c in header):
        out.problems.append(f"{label} row 1: {_not_utf8(sum(len(_BAD_BYTE.findall(c)) for c in header))}")
        header = [_BAD_BYTE.sub("\ufffd", c) for c in header]
        lowered = [c.lower() for c in header]
    known = {r.lower(): r for r in refs}  # "1A#1" is 1a#1
    columns: dict[int, str] = {}
    for k, h in enumerate(header):
        if k in (id_col, name_col):
            continue
        if h.lower() in known:
            h = known[h.lower()]
            if h in columns.values():
                out.problems.append(f"{label}: column {k + 1} repeats the ref {h!r}; ignored")
            else:
                columns[k] = h
        elif h:
            out.problems.append(f"{label}: column {k + 1} {h[:40]!r} is no answer ref of this class; ignored")
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        bad = sum(len(_BAD_BYTE.findall(c)) for c in row)
        if bad:
            out.problems.append(f"{label} row {line}: {_not_utf8(bad)}")
            row = [_BAD_BYTE.sub("\ufffd", c) for c in row]
        row = [read_cell(c) for c in row]  # the apostrophe the template put before =, +, -, @ goes
        sid = row[id_col].strip() if id_col < len(row) else ""
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        if len(row) > len(header):
            out.problems.append(f"{label} row {line}: {len(row) - len(header)} cells beyond the header; ignored")
        cells = {ref: row[k] for k, ref in columns.items() if k < len(row)}
        out.rows.append(Row(line, sid, name, cells))
    return out


_BAD_BYTE = re.compile("[\udc80-\udcff]")  # a byte that is not UTF-8, as decoded with surrogateescape


def _not_utf8(count: int) -> str:
    return (f"{count} byte{'s' if count > 1 else ''} that {'are' if count > 1 else 'is'} not UTF-8, read as U+FFFD "
            "(a cell holding one is left to check by hand); save the file as CSV UTF-8 to read them")


def write_template(class_dir: Path) -> Path:
    """``class_dir``/responses-template.csv from the manifest and the students'
    answers.json: header id,name,<ref>..., one row per student, answers blank."""
    manifest = read_manifest(class_dir / "manifest.json")
    refs = class_refs(v for _, v in manifest.read_keys())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["id", "name"] + refs))
    for s in (e.student for e in manifest.students):
        w.writerow(text_row([s.id, s.name or ""]) + [""] * len(refs))
    return write_atomic(class_dir / TEMPLATE, buf.getvalue())
