"""Grading a real class set's typed responses end to end (generator/grade/):
six students, each a scenario of the issue, plus the command line."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sympy

from generator import classset, cli
from generator.grade import judge, responses, run
from generator.grade.judge import Key
from generator.key import as_number, as_vector

SEED = 2026
HOSTILE = ["__import__('os').system('touch pwned')", "().__class__", "lambda: 0", "9**9**9**9",
           "x1**x1**x1**x1**x1**x1**x1**x1**99999999999", "z" * 100_000,
           "\\input{/etc/passwd} $x^{ % \\end{document}", "\u202e\u0000\U0001f600 \u03c3\u00b7\u2212 ^^5c"]


def typed(exact: str) -> str:
    """The key's formula in another algebraic form, typed as people type:
    ^ for powers, implicit products (2x1), e^( ) for exp, a centred dot."""
    e = sympy.sympify(exact)
    other = sympy.expand(e)
    if other == e:
        other = sympy.factor(e)
    text = str(other).replace("**", "^").replace("exp(", "e^(")
    text = re.sub(r"(?<![a-z])(\d+)\*(?=[a-z(])", r"\1", text)
    return text.replace("*", "\u00b7")


def decimal_comma(value: float) -> str:
    text = f"{abs(value):.6f}".replace(".", ",")
    return ("\u2212" if value < 0 else "") + text


def right_exact(k: Key) -> str:
    return "" if k.kind == "text" else str(k.exact)


def right_other(k: Key) -> str:
    if k.kind == "number":
        return decimal_comma(as_number(k.value))
    if k.kind == "vector":
        return "(" + "; ".join(decimal_comma(v) for v in as_vector(k.value)) + ")"
    if k.kind == "expression":
        return typed(str(k.exact))
    if k.kind == "choice":
        return " Decreased " if k.exact == "yes" else "HIGHER"
    return "my derivation"


def follow_from_wrong_y_hat(keys: list[Key]) -> dict[str, str]:
    """1a's ŷ wrong by one and every answer after it computed from that value
    (an independent route: SymPy substitution into the recompute texts)."""
    values: dict[str, Any] = {}
    changed: set[str] = set()
    cells: dict[str, str] = {}
    for k in keys:
        if k.ref == "1a#1":
            values[k.ref] = sympy.Integer(int(k.exact or 0)) + 1
            changed.add(k.ref)
        elif k.depends_on and changed & set(k.depends_on):
            expr = sympy.sympify(k.recompute)
            subs = {sympy.Symbol(judge._symbol(d)): values[d] for d in k.depends_on}
            values[k.ref] = sympy.nsimplify(expr.subs(subs))
            changed.add(k.ref)
        elif k.kind in ("number", "expression", "vector", "choice"):
            cells[k.ref] = str(k.exact)
            if k.kind == "number":
                values[k.ref] = sympy.sympify(k.exact)
            continue
        else:
            continue
        cells[k.ref] = str(values[k.ref])
    return cells


def first_mistake(keys: list[Key], part: str) -> tuple[str, judge.Mistake]:
    for k in keys:
        if k.part == part:
            for m in k.mistakes:
                if abs(as_number(m.value) - as_number(k.value)) > 0.01:
                    return k.ref, m
    raise AssertionError(f"no mistake listed in {part}")


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("grade")
    result = classset.make(SEED, classset.count_students(6), out, pdf=False, quiet=True)
    assert not result.failed
    return out / f"class-{SEED}"


SCENARIOS = ["exact", "other forms", "blank", "wrong y_hat", "mistake in 1c", "hostile"]


@pytest.fixture(scope="module")
def filled(klass: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    cells: dict[str, dict[str, str]] = {}
    for s, scenario in zip(students, SCENARIOS):
        if scenario == "exact":
            cells[s.id] = {k.ref: right_exact(k) for k in s.keys}
        elif scenario == "other forms":
            cells[s.id] = {k.ref: right_other(k) for k in s.keys}
        elif scenario == "blank":
            cells[s.id] = {}
        elif scenario == "wrong y_hat":
            cells[s.id] = follow_from_wrong_y_hat(s.keys)
        elif scenario == "mistake in 1c":
            cells[s.id] = {k.ref: right_exact(k) for k in s.keys}
            ref, m = first_mistake(s.keys, "1c")
            cells[s.id][ref] = str(m.value)
        else:
            cells[s.id] = {r: HOSTILE[n % len(HOSTILE)] for n, r in enumerate(refs)}
    template = (klass / responses.TEMPLATE).read_text(encoding="utf-8").splitlines()
    assert template[0].split(",") == ["id", "name"] + refs
    path = klass.parent / "responses.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for s in students:
            w.writerow([s.id, s.name] + [cells[s.id].get(r, "") for r in refs])
    return path, cells


def _grades(klass: Path, path: Path, **kw: Any) -> dict[str, run.StudentGrade]:
    result = run.grade(klass, path, **kw)
    return {g.student.id: g for g in result.grades}


def test_template_has_a_column_per_ref_and_a_row_per_student(klass: Path) -> None:
    rows = list(csv.reader((klass / responses.TEMPLATE).open(encoding="utf-8")))
    assert rows[0][:4] == ["id", "name", "1a#1", "1b#1"]
    assert {"1c#5", "1d#4", "1e#1", "2a#8", "2b#4", "3.1#2", "3.6#2"} <= set(rows[0])
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert all(cell == "" for r in rows[1:] for cell in r[2:])


def test_every_scenario(klass: Path, filled: tuple[Path, dict[str, dict[str, str]]]) -> None:
    path, _ = filled
    grades = _grades(klass, path)
    by_scenario = dict(zip(SCENARIOS, grades.values()))
    keys = by_scenario["exact"].student.keys
    assert by_scenario["exact"].maximum == by_scenario["exact"].student.key.points_total == 100
    maximum = sum(k.points for k in keys if k.kind != "text")  # the automatic points: the hand marks are still missing
    assert maximum + by_scenario["exact"].hand_max() == by_scenario["exact"].student.key.points_total
    y_hat_points = next(k.points for k in keys if k.ref == "1a#1")
    assert by_scenario["exact"].total == maximum
    assert by_scenario["other forms"].total == maximum, [
        (v.ref, v.response, v.note) for v in by_scenario["other forms"].verdicts if v.status not in (judge.RIGHT, judge.HAND)]
    assert by_scenario["blank"].total == 0
    wrong = by_scenario["wrong y_hat"]
    assert wrong.total == maximum - y_hat_points
    assert {v.ref for v in wrong.verdicts if v.status == judge.FOLLOW} >= {"1c#1", "1c#2", "1d#1", "1d#3", "1d#4"}
    note = next(v.note for v in wrong.verdicts if v.ref == "1c#1")
    assert re.fullmatch(r"correct from your 1a value -?\d+", note), note
    mistaken = by_scenario["mistake in 1c"]
    named = [v for v in mistaken.verdicts if v.mistake is not None]
    assert len(named) == 1 and named[0].part == "1c" and named[0].note.startswith("wrong: ")
    credit = named[0].mistake.credit if named[0].mistake else 0.0
    assert mistaken.total == maximum - named[0].max_points * (1 - credit)  # the key's method credit kept
    hostile = by_scenario["hostile"]
    assert hostile.total == 0
    # code is unreadable; the power towers are formulas, judged wrong (or unreadable where no formula is asked)
    assert all(v.status in (judge.UNREADABLE, judge.HAND) for v in hostile.verdicts if "**" not in v.response)
    assert all(v.status in (judge.UNREADABLE, judge.WRONG, judge.HAND) for v in hostile.verdicts)
    assert all(v.points == 0 for v in hostile.verdicts)
    assert not Path("pwned").exists() and not (klass / "pwned").exists()


def test_partial_follow_through(klass: Path, filled: tuple[Path, dict[str, dict[str, str]]]) -> None:
    grades = _grades(klass, filled[0], follow_through=0.5)
    wrong = list(grades.values())[3]
    follows = [v for v in wrong.verdicts if v.status == judge.FOLLOW]
    assert follows and all(v.points == v.max_points / 2 for v in follows)
    y_hat_points = next(v.max_points for v in wrong.verdicts if v.ref == "1a#1")
    automatic = wrong.maximum - wrong.hand_max()
    assert wrong.total == automatic - y_hat_points - sum(v.max_points for v in follows) / 2


def test_command_writes_grades_and_summary(klass: Path, filled: tuple[Path, dict[str, dict[str, str]]],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = filled
    assert cli.main(["grade", str(klass), "--responses", str(path), "--no-pdf"]) == 0
    rows = list(csv.DictReader((klass / "grading" / "grades.csv").open(encoding="utf-8")))
    assert list(rows[0])[:4] == ["id", "name", "version", "1a"]
    assert list(rows[0])[-5:] == ["total", "maximum", "by_hand", "missing_hand_marks", "check_by_hand"]
    grades = list(_grades(klass, path).values())
    # only the hostile student's cells are left to check by hand: every one that could not be read
    assert all(r["check_by_hand"] == "" for r in rows[:5])
    assert rows[5]["check_by_hand"].split() == [v.ref for v in grades[5].verdicts if v.status == judge.UNREADABLE]
    assert len(rows[5]["check_by_hand"].split()) >= 25
    expected = [run._num(g.total) for g in grades]
    assert [r["total"] for r in rows] == expected
    m = grades[0].maximum - grades[0].hand_max()  # every automatic point; the hand marks are missing
    assert expected[:3] == [run._num(m), run._num(m), "0"] and expected[5] == "0"
    assert rows[0]["1e"] == "0" and rows[0]["by_hand"] == run._num(grades[0].hand_max())
    assert rows[0]["missing_hand_marks"].split() == [k.ref for k in grades[0].student.keys if k.kind == "text"]
    assert [r["maximum"] for r in rows] == ["100"] * 6
    manifest = json.loads((klass / "manifest.json").read_text(encoding="utf-8"))
    assert [r["version"] for r in rows] == [s["version"] for s in manifest["students"]]
    summary = list(csv.DictReader((klass / "grading" / "summary.csv").open(encoding="utf-8")))
    c = next(r for r in summary if r["part"] == "1c")
    assert c["maximum"] == run._num(grades[0].part_max("1c")) and c["most_frequent_mistakes"].endswith("(1 student)")
    err = capsys.readouterr().err
    assert err.count("warning: row 7 (ID 6)") >= 25  # each unreadable hostile cell reported, one line each
    assert "Traceback" not in err


def test_bad_rows_and_columns_are_reported_and_the_rest_graded(klass: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id;name;1a#1;bogus;1a#1\n1;A;0\n99;Ghost;1\n1;Again;2\n;;\n;x;3\n2;B\n", encoding="utf-8")
    assert cli.main(["grade", str(klass), "--responses", str(path), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert "column 4 'bogus' is no answer ref" in err and "column 5 repeats the ref '1a#1'" in err
    assert "row 3: ID '99' is not a student" in err and "row 4: ID '1' again (first on row 2)" in err
    assert "row 6: no ID" in err and "student 3 (unnamed) has no row" in err
    rows = list(csv.DictReader((klass / "grading" / "grades.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["1", "2"]


@pytest.mark.parametrize("content", [None, b"", b"\xff\xfe\x00bad", b"name,1a#1\nA,1\n", b"\n\n"])
def test_missing_or_malformed_file_exits_2_and_writes_nothing(klass: Path, tmp_path: Path, content: bytes | None,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class"
    import shutil

    shutil.copytree(klass, target, ignore=shutil.ignore_patterns("grading"))
    path = tmp_path / "r.csv"
    if content is not None:
        path.write_bytes(content)
    assert cli.main(["grade", str(target), "--responses", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (target / "grading").exists()


def test_not_a_class_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.csv").write_text("id,name\n", encoding="utf-8")
    assert cli.main(["grade", str(tmp_path), "--responses", str(tmp_path / "r.csv")]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path), "--responses", str(tmp_path / "r.csv"), "--follow-through", "2"]) == 2


@pytest.mark.pdf
def test_feedback_and_summary_pdfs(klass: Path, filled: tuple[Path, dict[str, dict[str, str]]]) -> None:
    from pypdf import PdfReader

    path, _ = filled
    assert cli.main(["grade", str(klass), "--responses", str(path)]) == 0
    folder = klass / "grading"
    pdfs = sorted((folder / "feedback").glob("*.pdf"))
    assert [p.stem for p in pdfs] == ["1", "2", "3", "4", "5", "6"]
    text = {p.stem: " ".join(page.extract_text() for page in PdfReader(p).pages) for p in pdfs}
    first = run.grade(klass, path).grades[0]
    assert f"{run._num(first.total)} of 100 points" in text["1"] and first.total == first.maximum - first.hand_max()
    assert "correct from your 1a value" in text["4"]
    assert "forgot" in text["5"] or "dropped" in text["5"] or "wrong:" in text["5"]
    assert "could not read" in text["6"]
    summary = " ".join(page.extract_text() for page in PdfReader(folder / "summary.pdf").pages)
    assert "6 students graded" in summary


def test_without_tex_the_csv_files_are_written_and_the_exit_is_4(klass: Path, filled: tuple[Path, dict[str, dict[str, str]]],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from generator import compile

    monkeypatch.setattr(compile, "tex_available", lambda engine="pdflatex": False)
    stale = klass / "grading" / "feedback" / "old-student.pdf"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"%PDF stale")
    assert cli.main(["grade", str(klass), "--responses", str(filled[0]), "--quiet"]) == 4
    assert "no TeX engine" in capsys.readouterr().err
    assert (klass / "grading" / "grades.csv").exists() and (klass / "grading" / "summary.csv").exists()
    assert not stale.exists()  # grading/ is replaced as a whole: nothing stale is left beside the new grades


def test_a_configured_class_is_graded_on_its_own_parts_and_points(tmp_path: Path) -> None:
    from generator import config

    toml = tmp_path / "course.toml"
    toml.write_text('[points]\n"1c" = 10\n"1d" = 8\n[questions]\ninclude = [1]\nexclude = ["1e"]\n', encoding="utf-8")
    cfg = config.load(toml)
    classset.make(7, classset.count_students(2), tmp_path, pdf=False, quiet=True, config=cfg)
    klass = tmp_path / "class-7"
    header = (klass / responses.TEMPLATE).read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[2:] == ["1a#1", "1b#1", "1c#1", "1c#2", "1c#3", "1c#4", "1c#5", "1d#1", "1d#2", "1d#3", "1d#4", "1d#5"]
    students, _ = run.load_class(klass)
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for s in students:
            w.writerow([s.id, ""] + [right_exact(k) for k in s.keys])
    result = run.grade(klass, path)
    assert result.parts == ["1a", "1b", "1c", "1d"]
    assert [g.total for g in result.grades] == [6 + 5 + 10 + 8] * 2
    assert [g.part_points("1c") for g in result.grades] == [10, 10]
