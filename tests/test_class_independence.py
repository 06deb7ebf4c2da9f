"""A student's files are byte-identical whatever else is in the class: made
alone, in a class of 5 and in a class of 40, with PDFs (font subsets, object
numbering, /ID, the source stamp, page counts: nothing of another student may
leak into them, however the class set schedules its TeX runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import cli

pytestmark = [pytest.mark.pdf, pytest.mark.slow]

GIVEN = ["Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hugo"]
FAMILY = ["Lovelace", "Moreau", "Novak", "Okafor", "Petersen"]
TARGET = ("S1007", "Zoë Ångström-Okafor")


def _rows(n: int) -> list[tuple[str, str]]:
    """n students, the target last; from 5 on, one Arabic and one Chinese name
    among them (name boxes typeset by LuaHBTeX, other fonts in the class)."""
    others = [("S2001", "ليلى حداد"), ("S2002", "王小明")] if n >= 5 else []
    latin = [(f"S{1000 + k}", f"{GIVEN[k % len(GIVEN)]} {FAMILY[k // len(GIVEN) % len(FAMILY)]}") for k in range(n)]
    latin = [r for r in latin if r[0] != TARGET[0]]
    return (others + latin)[: n - 1] + [TARGET]


def _make(tmp: Path, n: int) -> dict[str, bytes]:
    roster = tmp / f"roster-{n}.csv"
    # the target student last in a small class, in the middle of a large one
    rows = _rows(n)
    if n > 5:
        rows.insert(n // 2, rows.pop())
    roster.write_text("id,name\n" + "".join(f"{i},{name}\n" for i, name in rows), encoding="utf-8")
    out = tmp / f"out-{n}"
    assert cli.main(["--seed", "28", "--roster", str(roster), "--out", str(out), "--quiet"]) == 0
    folder = out / "class-28" / TARGET[0]
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_students_files_are_the_same_alone_in_5_and_in_40(tmp_path):
    alone = _make(tmp_path, 1)
    assert {"assignment.pdf", "key.pdf", "answers.json", "assignment.tex", "key.tex"} <= set(alone)
    for n in (5, 40):
        other = _make(tmp_path, n)
        assert sorted(other) == sorted(alone), n
        for name in alone:
            assert other[name] == alone[name], f"{name} differs in a class of {n}"
