"""Roster files: what is read, and a one-line error naming file and row for the rest."""

import subprocess
import sys

import pytest

from generator.errors import UsageError
from generator.roster import read_roster


def write(tmp_path, data: bytes, name="students.csv"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_reads_ids_names_ignores_other_columns(tmp_path):
    p = write(tmp_path, "email,Name,ID\nx@y,Zoë  Ångström ,  7 \n\nz@y,محمد,8\n".encode())
    entries = read_roster(p)
    assert [(e.row, e.id, e.name) for e in entries] == [(2, "7", "Zoë Ångström"), (4, "8", "محمد")]


def test_byte_order_mark_is_accepted(tmp_path):
    p = write(tmp_path, "\ufeffid,name\n1,Ann\n".encode("utf-8"))
    assert read_roster(p)[0].id == "1"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"id,name\n1,Ann\n2,Bob\n1,Cy\n", "row 4: duplicate id '1' (first at row 2)"),
        (b"id,fullname\n1,Ann\n", "row 1: no 'name' column"),
        (b"name\nAnn\n", "row 1: no 'id' column"),
        (b"", "row 1: empty roster"),
        (b"id,name\n", "row 2: empty roster: no students"),
        (b"id,name\n1,Ann\n2,Ren\xe9\n", "row 3: not valid UTF-8"),
        (b"id,name\n,Ann\n", "row 2: empty id"),
        (b"id,name\n3,\n", "row 2: empty name"),
        # issue 10, defect 5: ambiguous files are refused, with the row and the reason
        (b'id,name\n1001,"Ann Smith\n1002,Bob Jones\n', "row 2: not readable as CSV: a quote is never closed"),
        (b'id,name\n1001,"Ann\nSmith"\n1002,Bob\n', "row 2: a quoted field runs over 2 lines"),
        (b'id,name\n1,"Ann" Lee\n', "row 2: not readable as CSV"),
        (b"id,name,email,Name\n1,Ann,a@b,Ann L\n", "row 1: 2 'name' columns (columns 2, 4)"),
        (b"ID,name,id\n1,Ann,2\n", "row 1: 2 'id' columns (columns 1, 3)"),
        # defect 9: the delimiter or encoding that was seen is named
        (b"id;name\n1;Ann\n", "row 1: the columns are separated by semicolons"),
        (b"id\tname\n1\tAnn\n", "row 1: the columns are separated by tabs"),
        ("id,name\n1,Ann\n".encode("utf-16"), "row 1: the file is UTF-16"),
        ("id,name\n1,Ann\n".encode("utf-16-le"), "looks like UTF-16 without a byte-order mark"),
        (b"id,name\n1,Ren\xe9\n", "looks like Windows-1252/Latin-1 (byte 0xE9, read that way: '1,Ren\u00e9')"),
    ],
)
def test_bad_rosters(tmp_path, data, message):
    p = write(tmp_path, data)
    with pytest.raises(UsageError) as err:
        read_roster(p)
    assert message in str(err.value)
    assert str(p) in str(err.value)


def test_rows_are_lines_of_the_file(tmp_path):
    """Error rows count the lines of the file (what an editor shows), not CSV records."""
    p = write(tmp_path, b'id,name\n\n1,"Lee, Ann"\n\n\n2,Bob\n2,Cy\n')
    with pytest.raises(UsageError, match="row 7: duplicate id '2' \\(first at row 6\\)"):
        read_roster(p)
    p = write(tmp_path, b"id,name\r\n1,Ann\r\n\r\n2,Bob\r\n")
    assert [(s.row, s.id, s.name) for s in read_roster(p)] == [(2, "1", "Ann"), (4, "2", "Bob")]


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="roster file not found"):
        read_roster(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"id,name\n1,Ann\n1,Bob\n", "row 3: duplicate id"),
        (b"ident,name\n1,Ann\n", "no 'id' column"),
        (b"", "empty roster"),
        (b"id,name\n1,Ann\n2,\xff\xfe\n", "row 3: not valid UTF-8"),
    ],
)
def test_cli_rejects_bad_roster_cleanly(tmp_path, data, message):
    p = write(tmp_path, data)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "generator", "--seed", "1", "--roster", str(p), "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 2
    assert message in r.stderr and str(p) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not out.exists()
