"""Partial credit from the key's own marking and hand marks in, on a real
class of 8 (issue 22): the student who used part (b)'s ReLU network in 1c
earns the key's method credit, the y - ŷ student loses once per part, an
answer right to fewer decimals earns the rounding credit, a marks file brings
every student to a total out of 100, bad marks cells are one line each, and
the summary counts students."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from generator import classset, cli
from generator.grade import credit, gradebook, judge, marks, run
from generator.grade.judge import Key
from generator.key import as_number

SEED = 2207
SCENARIOS = ["exact", "relu in 1c", "sign flipped", "factor 2 dropped", "rounded", "paper only", "ta part", "bad marks"]


def right(k: Key) -> str:
    return "" if k.kind == "text" else str(k.exact)


def mistake_of(k: Key, name: str) -> str:
    return next(repr(as_number(m.value)) for m in k.mistakes if m.name == name)


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("credit")
    result = classset.make(SEED, classset.count_students(8), out, pdf=False, quiet=True)
    assert not result.failed
    return out / f"class-{SEED}"


def cells_of(scenario: str, keys: list[Key]) -> dict[str, str]:
    cells = {k.ref: right(k) for k in keys}
    grads = [k for k in keys if k.part == "1c" and k.ref != "1c#1"]
    if scenario == "relu in 1c":
        for k in keys:
            if k.part == "1c":
                cells[k.ref] = mistake_of(k, "relu_values_in_1c")
    elif scenario in ("sign flipped", "factor 2 dropped"):
        name = "sign_flipped" if scenario == "sign flipped" else "factor_2_dropped"
        for k in grads:
            cells[k.ref] = mistake_of(k, name)
    elif scenario == "rounded":
        k = next(k for k in keys if k.ref == "2b#3")  # four decimals asked
        cells[k.ref] = f"{as_number(k.value):.2f}"
    elif scenario == "paper only":
        return {}
    return cells


@pytest.fixture(scope="module")
def files(klass: Path) -> tuple[Path, Path]:
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    responses = klass.parent / "responses.csv"
    with responses.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for s, scenario in zip(students, SCENARIOS):
            if scenario != "paper only":
                cells = cells_of(scenario, s.keys)
                w.writerow([s.id, s.name] + [cells.get(r, "") for r in refs])
    template = list(csv.reader((klass / marks.TEMPLATE).open(encoding="utf-8")))
    header = template[0]
    assert header[:2] == ["id", "name"] and header[-1] == "comment"
    assert [row[0] for row in template[1:]] == [s.id for s in students]
    assert all(not any(row[2:]) for row in template[1:])
    path = klass.parent / "marks.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for s, scenario in zip(students, SCENARIOS):
            row = [s.id, s.name or ""]
            for h in header[2:-1]:
                ref = h.split(" ", 1)[0]
                full = next((k.points for k in s.keys if k.ref == ref and k.kind == "text"), None)
                if scenario == "paper only" and "#" not in ref:  # marked on paper: every part by the TA
                    full = next(p.points for p in s.key.parts if p.id == ref)
                row.append("" if full is None or ("#" not in ref and scenario != "paper only") else f"{full:g}")
            row.append("")
            if scenario == "ta part":
                row[header.index(next(h for h in header if h.startswith("1a mark")))] = "2,5"
                row[-1] = "=HYPERLINK(\"x\") good work on 1e"
            if scenario == "bad marks":  # three of the student's own hand-marked answers
                own = [n for n, h in enumerate(header) if "#" in h and row[n]]
                row[own[0]], row[own[1]], row[own[2]] = "99", "-1", "abc"
            w.writerow(row)
        w.writerow(["nobody", "Ghost"] + ["1"] * (len(header) - 2))
    return responses, path


def test_partial_credit_and_hand_marks(klass: Path, files: tuple[Path, Path]) -> None:
    responses, path = files
    result = run.grade(klass, responses, marks=path)
    scenario_of = dict(zip((s.id for s in run.load_class(klass)[0]), SCENARIOS))
    by = {scenario_of[g.student.id]: g for g in result.grades}
    assert len(by) == 8
    c = {s: g.part_max("1c") for s, g in by.items()}
    assert all(g.maximum == 100 for g in result.grades)
    assert by["exact"].total == 100 and not by["exact"].missing()
    # part (b)'s ReLU network through 1c: the key's method credit, half of every answer
    relu = by["relu in 1c"]
    assert relu.part_points("1c") == pytest.approx(c["relu in 1c"] / 2)
    assert all(v.status == credit.PARTIAL for v in relu.verdicts if v.part == "1c")
    assert relu.total == pytest.approx(100 - c["relu in 1c"] / 2)
    # y - ŷ in all four gradients: costs once in the part (half of the first gradient's points)
    for scenario in ("sign flipped", "factor 2 dropped"):
        g = by[scenario]
        grads = [v for v in g.verdicts if v.part == "1c" and v.ref != "1c#1"]
        assert [v.status for v in grads] == [credit.PARTIAL] + [credit.SLIP] * (len(grads) - 1)
        assert g.part_points("1c") == pytest.approx(c[scenario] - grads[0].max_points / 2)
        assert g.total == pytest.approx(100 - grads[0].max_points / 2)
    rounded = next(v for v in by["rounded"].verdicts if v.ref == "2b#3")
    assert rounded.status == credit.PARTIAL and rounded.points == rounded.max_points / 2 and "2 decimals" in rounded.note
    # marked on paper only: the TA's part marks are the marks
    assert by["paper only"].row == 0 and by["paper only"].total == 100
    ta = by["ta part"]
    assert ta.part_points("1a") == 2.5 and ta.total == 100 - ta.part_max("1a") + 2.5
    assert ta.comment.startswith("=HYPERLINK")
    # the bad cells are ignored, so those hand marks are missing; the rest is graded
    bad = by["bad marks"]
    assert len(bad.missing()) == 3 and bad.total == 100 - bad.hand_max()
    lines = [p for p in result.problems if "marks.csv" in p]
    assert sum("99 is more than" in p for p in lines) == 1
    assert sum("-1 is negative" in p for p in lines) == 1
    assert sum("'abc' is not a number" in p for p in lines) == 1
    assert sum("'nobody' is not a student" in p for p in lines) == 1
    assert len(lines) == 4


def test_grades_csv_summary_and_gradebooks(klass: Path, files: tuple[Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    responses, path = files
    assert cli.main(["grade", str(klass), "--responses", str(responses), "--marks", str(path), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert err.count("marks.csv") == 4 and "Traceback" not in err
    folder = klass / "grading"
    rows = list(csv.DictReader((folder / "grades.csv").open(encoding="utf-8")))
    assert [r["maximum"] for r in rows] == ["100"] * 8
    scenario_of = dict(zip((s.id for s in run.load_class(klass)[0]), SCENARIOS))
    assert [r["missing_hand_marks"] != "" for r in rows] == [scenario_of[r["id"]] == "bad marks" for r in rows]
    assert all(float(r["total"]) == sum(float(r[p]) for p in run.parts_of(run.load_class(klass)[0])) for r in rows)
    summary = list(csv.DictReader((folder / "summary.csv").open(encoding="utf-8")))
    c = next(r for r in summary if r["part"] == "1c")
    # four answers with y - ŷ are one student; the ReLU student made one mistake in all five answers
    assert "sign_flipped (1 student, 4 answers)" in c["most_frequent_mistakes"]
    assert "relu_values_in_1c (1 student, 5 answers)" in c["most_frequent_mistakes"]
    moodle = list(csv.reader((folder / gradebook.MOODLE).open(encoding="utf-8")))
    assert moodle[0] == ["ID number", "Full name", "Assignment 1"]
    assert [r[0] for r in moodle[1:]] == [r["id"] for r in rows] and [r[2] for r in moodle[1:]] == [r["total"] for r in rows]
    canvas = list(csv.reader((folder / gradebook.CANVAS).open(encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Assignment 1"]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][-1] == "100"
    assert [r[2] for r in canvas[2:]] == [r["id"] for r in rows]


def test_marks_alone(klass: Path, files: tuple[Path, Path]) -> None:
    result = run.grade(klass, None, marks=files[1])
    paper = next(g for g in result.grades if g.student.id == "6")
    assert paper.total == 100 and len(result.grades) == 8  # every student of the marks file, blank automatic marks
    assert all(g.row == 0 for g in result.grades)


@pytest.mark.pdf
def test_feedback_shows_hand_marks_comment_and_model_answer(klass: Path, files: tuple[Path, Path]) -> None:
    from pypdf import PdfReader

    responses, path = files
    assert cli.main(["grade", str(klass), "--responses", str(responses), "--marks", str(path), "--quiet"]) == 0
    folder = klass / "grading" / "feedback"
    text = {p.stem: " ".join(" ".join(page.extract_text() for page in PdfReader(p).pages).split())
            for p in folder.glob("*.pdf")}
    ta = text["7"]
    assert "Comment from your TA" in ta and "good work on 1e" in ta and "marked 1a as a whole" in ta
    assert "Marked by hand by your TA" in ta and "see the key" not in ta
    assert "the same slip as 1c#2, counted once in the part" in text["3"]
    assert "for the method" in text["2"]
    assert "still to come" in text["8"]
    summary = " ".join(" ".join(page.extract_text() for page in PdfReader(klass / "grading" / "summary.pdf").pages).split())
    assert "8 students graded" in summary and "1 student, 4 answers" in summary


def test_bad_grading_values_are_refused(tmp_path: Path) -> None:
    from generator import config

    for text, what in [("[grading]\nmethod = 1.5\n", "[grading] method"), ("[grading.credit]\nnot_a_mistake = 0.5\n", "unknown mistake"),
                       ("[grading]\nrounding = true\n", "[grading] rounding")]:
        (tmp_path / "c.toml").write_text(text, encoding="utf-8")
        with pytest.raises(config.ConfigError, match=what.replace("[", r"\[").replace("]", r"\]")):
            config.load(tmp_path / "c.toml")
    (tmp_path / "c.toml").write_text("[grading]\nmethod = 0.25\nrounding = 0\n[grading.credit]\nsign_flipped = 0\n",
                                     encoding="utf-8")
    cfg = config.load(tmp_path / "c.toml")
    classset.make(5, classset.count_students(1), tmp_path, pdf=False, quiet=True, config=cfg)
    klass = tmp_path / "class-5"
    students, _ = run.load_class(klass)
    keys = students[0].keys
    assert students[0].key.marking.rounding == 0
    credits = {m.name: (m.credit, m.scope) for k in keys for m in k.mistakes}
    assert credits["sign_flipped"] == (0.0, "part") and credits["factor_2_dropped"] == (0.25, "part")
    assert credits["relu_values_in_1c"] == (0.25, "answer")
    key_tex = (klass / students[0].folder / "key.tex").read_text(encoding="utf-8")
    assert "a quarter for a correct method" in key_tex and "fewer decimals" not in key_tex
    verdicts = judge.judge_student({k.ref: cells_of("sign flipped", keys).get(k.ref, "") for k in keys}, keys)
    credit.apply(verdicts, keys, students[0].key.marking)
    grads = [v for v in verdicts if v.part == "1c" and v.ref != "1c#1"]
    assert grads[0].points == 0 and all(v.status == credit.SLIP for v in grads[1:])


def test_a_long_key_formula_breaks_only_at_its_top_level() -> None:
    from generator.grade import report

    tex = (r"4 x_{1} \left(x_{1}^{2} + 2 x_{2}\right) - 4 x_{2} e^{- 2 x_{1}} \cos{\left(2 x_{2} e^{- 2 x_{1}} \right)}"
           r" + \begin{pmatrix} 1 - a \\ b + 2 \end{pmatrix} + \frac{1}{2} \sum_{i=1}^m \bigl(w^\top x^{(i)} - y\bigr)")
    out = report.show_formula(tex)
    pieces = [p.removeprefix(r"\nnfit{$").removesuffix("$}") for p in out.split(r"\allowbreak{}")]
    assert len(pieces) > 1 and " ".join(pieces).split() == tex.split()
    for p in pieces:  # every piece a whole formula: braces, \left..\right and environments closed in it
        assert p.count("{") - p.count(r"\{") == p.count("}") - p.count(r"\}")
        assert p.count(r"\left") == p.count(r"\right") and p.count(r"\begin") == p.count(r"\end")
        assert p.count(r"\bigl") == p.count(r"\bigr")
    assert report.show_formula("2 g_{2}") == r"\nnfit{$2 g_{2}$}"


def test_the_command_needs_responses_or_marks(klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["grade", str(klass), "--no-pdf"]) == 2
    assert "give --responses FILE.csv, --marks FILE.csv or both" in capsys.readouterr().err
    assert cli.main(["grade", str(klass), "--marks", str(tmp_path / "none.csv"), "--no-pdf"]) == 2
    assert "marks file not found" in capsys.readouterr().err
    (tmp_path / "m.csv").write_text("name,1e#1 (of 4)\nA,3\n", encoding="utf-8")
    assert cli.main(["grade", str(klass), "--marks", str(tmp_path / "m.csv"), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert "no 'id' column" in err and err.count("\n") == 1
