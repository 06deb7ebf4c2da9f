"""Reading a class roster: a UTF-8 CSV file (with or without a byte-order
mark) whose header row has an ``id`` and a ``name`` column; other columns are
ignored. Every problem is reported as one line naming the file and row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

MAX_FIELD = 500  # characters in an id or a name


@dataclass(frozen=True)
class Entry:
    row: int  # 1-based row in the file (the header is row 1)
    id: str
    name: str


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}: row {row}: not valid UTF-8 (save the roster as CSV UTF-8)") from None


def read_roster(path: Path) -> list[Entry]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: roster file not found") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not a roster file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read roster: {exc.strerror}") from None
    text = _decode(path, raw)
    if "\x00" in text:
        raise UsageError(f"{path}: row {text[: text.index(chr(0))].count(chr(10)) + 1}: contains a NUL byte; not a CSV text file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise UsageError(f"{path}: not a readable CSV file: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UsageError(f"{path}: row 1: empty roster: expected a header row with 'id' and 'name' columns")
    header = [cell.strip().lower() for cell in rows[0]]
    for column in ("id", "name"):
        if column not in header:
            raise UsageError(f"{path}: row 1: no '{column}' column in the header ({', '.join(rows[0])})")
    i_id, i_name = header.index("id"), header.index("name")
    entries: list[Entry] = []
    first_row: dict[str, int] = {}
    for number, cells in enumerate(rows[1:], start=2):
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
        entries.append(Entry(number, sid, name))
    if not entries:
        raise UsageError(f"{path}: row 2: empty roster: no students after the header row")
    return entries
