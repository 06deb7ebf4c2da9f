"""analysis.csv against an independent recomputation with numpy."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from generator.grade import analysis, run
from tests.grade_fixtures import RIGHT, make_class, version


def _graded(tmp_path: Path, rows: list[dict[str, str]]) -> run.ClassGrades:
    klass = make_class(tmp_path / "c", [(f"{n}", f"S{n}", version(code=f"K{n}Q2")) for n in range(len(rows))])
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    path = tmp_path / "responses.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for s, cells in zip(students, rows):
            w.writerow([s.id, s.name] + [cells.get(r, "") for r in refs])
    return run.grade(klass, path)


def _corr(x: np.ndarray, y: np.ndarray) -> str:
    if x.std() == 0 or y.std() == 0:
        return ""
    xc, yc = x - x.mean(), y - y.mean()
    return f"{(xc @ yc) / np.sqrt((xc @ xc) * (yc @ yc)):.3f}"


def test_statistics_equal_a_recomputation(tmp_path: Path) -> None:
    rows = [dict(RIGHT), {}, {k: v for k, v in RIGHT.items() if k.startswith("1")}, {"1a#1": "32", "1c#1": "5"}]
    result = _graded(tmp_path, rows)
    out = list(csv.DictReader(io.StringIO(analysis.analysis_csv(result))))
    grades = list(csv.DictReader(io.StringIO(run.grades_csv(result))))
    total = np.array([float(g["total"]) for g in grades])
    matrix = np.array([[float(g[p] or 0) for p in result.parts] for g in grades])
    by = {(r["kind"], r["item"]): r for r in out}
    for j, p in enumerate(result.parts):
        r, x = by[("part", p)], matrix[:, j]
        assert r["students"] == str(len(grades))
        assert r["mean"] == f"{x.mean():.2f}"
        assert r["discrimination"] == _corr(x, total - x)
    k = len(result.parts)
    alpha = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total.var(ddof=1))
    assert by[("test", "total")]["cronbach_alpha"] == f"{alpha:.3f}"
    assert by[("test", "total")]["mean"] == f"{total.mean():.2f}"
    answers = [r for r in out if r["kind"] == "answer"]
    assert answers
    for r in answers:
        x = np.array([v.points for g in result.grades for v in g.verdicts if v.ref == r["item"]])
        assert r["mean"] == f"{x.mean():.2f}"
        assert r["discrimination"] == _corr(x, total - x)


def test_a_class_of_one_gives_empty_statistics(tmp_path: Path) -> None:
    out = list(csv.DictReader(io.StringIO(analysis.analysis_csv(_graded(tmp_path, [dict(RIGHT)])))))
    assert all(r["discrimination"] == "" for r in out)
    assert out[-1]["cronbach_alpha"] == ""
