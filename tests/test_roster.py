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
    ],
)
def test_bad_rosters(tmp_path, data, message):
    p = write(tmp_path, data)
    with pytest.raises(UsageError) as err:
        read_roster(p)
    assert message in str(err.value)
    assert str(p) in str(err.value)


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
