"""Grading inputs as sources (generator/grade/sources.py): the CSV file is the
first one, and another kind of source, defined here outside the package,
plugs in beside it and is graded exactly like the CSV."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest
from grade_fixtures import RIGHT, make_class, version

from generator.errors import UsageError
from generator.grade import run, sources
from generator.grade.responses import Responses, Row


class Station:
    """A grading station's answers, already keyed by ref: no file at all."""

    def __init__(self, answers: dict[str, dict[str, str]]) -> None:
        self.answers = answers

    @property
    def label(self) -> str:
        return "station"

    def read(self, refs: Sequence[str]) -> Responses:
        rows = [Row(k + 2, sid, "", {r: cells[r] for r in refs if r in cells}) for k, (sid, cells) in enumerate(self.answers.items())]
        return Responses(rows, [f"{self.label}: {len(rows)} students"])


def _klass(tmp_path: Path) -> Path:
    klass: Path = make_class(tmp_path / "class", [("1", "Ann", version()), ("2", "Bo", version(y_hat=33))])
    return klass


def test_the_csv_file_is_a_source_and_a_path_still_means_csv(tmp_path: Path) -> None:
    klass = _klass(tmp_path)
    path = tmp_path / "r.csv"
    refs = list(RIGHT)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        w.writerow(["1", "Ann"] + [RIGHT[r] for r in refs])
    source = sources.open_source(path)
    assert isinstance(source, sources.CsvFile) and source.label == str(path)
    by_source, by_path = run.grade(klass, source), run.grade(klass, path)
    assert run.grades_csv(by_source) == run.grades_csv(by_path)
    assert [g.student.id for g in by_path.grades] == ["1"]


def test_another_source_plugs_in_and_grades_like_the_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    klass = _klass(tmp_path)
    monkeypatch.setattr(sources, "SOURCES", dict(sources.SOURCES))  # the registry as it was, after the test
    answers = {"1": dict(RIGHT), "2": {**RIGHT, "1a#1": "32"}}
    sources.register("station", lambda _path: Station(answers))
    with pytest.raises(ValueError, match="registered already"):
        sources.register("station", lambda _path: Station(answers))
    station = run.grade(klass, sources.open_source(Path("-"), "station"))
    path = tmp_path / "r.csv"
    refs = list(RIGHT)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for sid, cells in answers.items():
            w.writerow([sid, ""] + [cells[r] for r in refs])
    assert run.grades_csv(station) == run.grades_csv(run.grade(klass, path))
    assert station.problems[0] == "station: 2 students"


def test_an_unknown_kind_of_source_is_one_line() -> None:
    with pytest.raises(UsageError, match="unknown kind of responses 'scan'; known: csv"):
        sources.open_source(Path("x"), "scan")
