"""Reading a class roster: a UTF-8 CSV file (with or without a byte-order
mark) whose header row has one ``id`` and one ``name`` column; other columns
are ignored. Every problem is reported as one line naming the file and the
row (the line of the file), and ambiguous files are refused rather than
guessed at: an unbalanced quote, a field spanning lines, two columns of the
same name, another delimiter or encoding (the message names what was seen)."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from .errors import UsageError
from .files import read_input
from .model import Student

MAX_FIELD = 500  # characters in an id or a name
_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _decode(path: Path, raw: bytes) -> str:
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            raise UsageError(f"{path}: row 1: the file is {name} (it starts with a {name} byte-order mark); "
                             "save the roster as CSV UTF-8")
    if raw[:200].count(b"\x00") >= 2 and (raw[1:2] == b"\x00" or raw[0:1] == b"\x00"):
        raise UsageError(f"{path}: row 1: the file looks like UTF-16 without a byte-order mark; save the roster as CSV UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1]
        try:
            guess = raw[raw.rfind(b"\n", 0, exc.start) + 1 : exc.end + 8].split(b"\n")[0].decode("cp1252")
            hint = f"; it looks like Windows-1252/Latin-1 (byte 0x{bad.hex().upper()}, read that way: {guess.strip()!r})"
        except UnicodeDecodeError:
            hint = f" (byte 0x{bad.hex().upper()})"
        raise UsageError(f"{path}: row {row}: not valid UTF-8{hint}; save the roster as CSV UTF-8") from None


def _header(path: Path, cells: list[str]) -> tuple[int, int]:
    header = [cell.strip().lower() for cell in cells]
    where = {}
    for column in ("id", "name"):
        found = [k for k, h in enumerate(header) if h == column]
        if len(found) > 1:
            raise UsageError(f"{path}: row 1: {len(found)} '{column}' columns (columns {', '.join(str(k + 1) for k in found)}); "
                             "keep one")
        if not found:
            seen = next((what for d, what in _DELIMITERS.items() if column in [c.strip().lower() for c in ",".join(cells).split(d)]), None)
            if seen:
                raise UsageError(f"{path}: row 1: the columns are separated by {seen}, not commas; save the roster as "
                                 "comma-separated CSV (UTF-8)")
            raise UsageError(f"{path}: row 1: no '{column}' column in the header ({', '.join(cells)})")
        where[column] = found[0]
    return where["id"], where["name"]


def read_roster(path: Path) -> list[Student]:
    path = Path(path)
    raw = read_input(path, "roster file")
    text = _decode(path, raw)
    if "\x00" in text:
        raise UsageError(f"{path}: row {text[: text.index(chr(0))].count(chr(10)) + 1}: contains a NUL byte; not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []  # (line where the record starts, cells)
    line = 1
    try:
        for cells in reader:
            if reader.line_num != line:
                raise UsageError(f"{path}: row {line}: a quoted field runs over {reader.line_num - line + 1} lines "
                                 "(an unbalanced quote?); names and IDs must be on one line")
            records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        reason = "a quote is never closed" if "end of data" in str(exc) else str(exc)
        raise UsageError(f"{path}: row {line}: not readable as CSV: {reason}") from None
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise UsageError(f"{path}: row 1: empty roster: expected a header row with 'id' and 'name' columns")
    i_id, i_name = _header(path, records[0][1])
    students: list[Student] = []
    first_row: dict[str, int] = {}
    for number, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) <= max(i_id, i_name):
            raise UsageError(f"{path}: row {number}: has {len(cells)} columns, expected at least {max(i_id, i_name) + 1}")
        sid, name = cells[i_id].strip(), " ".join(cells[i_name].split())
        if not sid:
            raise UsageError(f"{path}: row {number}: empty id")
        if not name:
            raise UsageError(f"{path}: row {number}: empty name for id {sid!r}")
        if len(sid) > MAX_FIELD or len(name) > MAX_FIELD:
            raise UsageError(f"{path}: row {number}: id or name longer than {MAX_FIELD} characters")
        if sid in first_row:
            raise UsageError(f"{path}: row {number}: duplicate id {sid!r} (first at row {first_row[sid]})")
        first_row[sid] = number
        students.append(Student(sid, name, number))
    if not students:
        raise UsageError(f"{path}: row 2: empty roster: no students after the header row")
    return students
