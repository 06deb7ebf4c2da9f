"""Online responses graded here: Moodle 4.3's quiz responses report, made by a
real Moodle (scripts/moodle/quiz_run.php: the class's export imported, the
quiz built, four attempts made through mod_quiz's attempt API and graded by
Moodle's question engine, the report downloaded with quiz_responses' own
code), and Canvas's Student Analysis of the same attempts, written to Canvas's
columns (Canvas cannot run here). tests/data/lms/ holds the class (its
manifest and answers.json), the roster with e-mails, the attempts, Moodle's
run and both reports; scripts/moodle/make_fixtures.sh makes them again.

The attempts (scripts/moodle/make_attempts.py): S001 types every key; S002
draws S001's version, types 1c with "forgot the 2" and 1d computed correctly
from those wrong values, and 2a's formulas; S003 types decimal commas;
a fourth student is on no roster row."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from generator.errors import UsageError
from generator.grade import judge, lms, run, sources

DATA = Path(__file__).parent / "data" / "lms"


@pytest.fixture()
def class_dir(tmp_path: Path) -> Path:
    target = tmp_path / "class"
    shutil.copytree(DATA / "class", target)
    return target


def _by_id(result: run.ClassGrades) -> dict[str, run.StudentGrade]:
    return {g.student.id: g for g in result.grades}


def _numeric(g: run.StudentGrade) -> list[judge.Verdict]:
    refs = {k.ref for k in g.student.keys if k.kind in ("number", "vector", "choice")}
    return [v for v in g.verdicts if v.ref in refs]


def _check_follow_through(result: run.ClassGrades) -> None:
    grades = _by_id(result)
    versions = json.loads((DATA / "class" / "manifest.json").read_text(encoding="utf-8"))["students"]
    first_version = versions[0]["version"]
    assert versions[1]["version"] != first_version
    bob = grades["S002"]
    assert bob.student.version == first_version  # graded against the version the LMS gave, not the roster's
    c = [v for v in bob.verdicts if v.part == "1c"]
    assert c[0].status == judge.RIGHT and all(v.status == judge.WRONG and v.mistake for v in c[1:])
    assert all("2" in (v.mistake.text if v.mistake else "") for v in c[1:])  # "forgot the 2 ..." named
    d = [v for v in _numeric(bob) if v.part == "1d" and v.ref != "1d#5"]  # 1d#5 is the choice
    assert d and all(v.status == judge.FOLLOW for v in d)  # from the student's own online 1c
    assert bob.part_points("1d") == pytest.approx(bob.part_max("1d"))
    ann = grades["S001"]
    assert _numeric(ann) and all(v.status == judge.RIGHT for v in _numeric(ann))


def test_moodle_responses_report_graded_with_follow_through(class_dir: Path) -> None:
    source = sources.open_source(DATA / "moodle-responses.csv", class_dir=class_dir, roster=DATA / "roster.csv")
    assert isinstance(source, lms.Report) and source.kind == lms.MOODLE
    result = run.grade(class_dir, source)
    assert sorted(_by_id(result)) == ["S001", "S002", "S003"]
    _check_follow_through(result)
    bob = _by_id(result)["S002"]
    # 2a's formulas, typed in the plain-text questions, judged like typed cells
    assert [v.status for v in bob.verdicts if v.part == "2a"] == [judge.RIGHT] * 8
    # the unknown student: one line naming the ID number and the e-mail
    unknown = [p for p in result.problems if "X999" in p or "nobody@example.edu" in p]
    assert unknown == [f"{DATA / 'moodle-responses.csv'} row 5: no student of this class has ID number 'X999' or "
                       f"e-mail 'nobody@example.edu'; row skipped"]


def test_moodle_follow_through_is_what_moodle_did_not_give(class_dir: Path) -> None:
    """Moodle's engine marked S002's 1d wrong (no follow-through): the run's own record of its marks."""
    moodle_run = json.loads((DATA / "moodle-run.json").read_text(encoding="utf-8"))
    assert moodle_run["ok"] and moodle_run["import"]["errors"] == 0
    assert moodle_run["quiz"]["sumgrades"] == 100  # every slot's mark set by the build, none typed
    marks = {a["email"]: a["slots"][0]["mark"] for a in moodle_run["attempts"]}
    result = run.grade(class_dir, sources.open_source(DATA / "moodle-responses.csv", class_dir=class_dir,
                                                      roster=DATA / "roster.csv"))
    bob = _by_id(result)["S002"]
    numeric = sum(v.points for v in _numeric(bob))
    assert marks["ann.lee@example.edu"] == pytest.approx(58)
    follow = sum(v.points for v in bob.verdicts if v.status == judge.FOLLOW)
    assert follow > 0 and numeric - marks["bob.ray@example.edu"] == pytest.approx(follow, abs=1e-5)


def test_moodle_students_found_by_email_without_id_numbers(class_dir: Path, tmp_path: Path) -> None:
    """A site that shows no ID number: students found by e-mail through the roster; an unknown e-mail is one line."""
    rows = list(csv.reader(io.StringIO((DATA / "moodle-responses.csv").read_text(encoding="utf-8-sig"))))
    col = rows[0].index("ID number")
    out = io.StringIO()
    csv.writer(out).writerows([r[:col] + r[col + 1:] for r in rows])
    report = tmp_path / "responses.csv"
    report.write_text(out.getvalue(), encoding="utf-8")
    result = run.grade(class_dir, sources.open_source(report, class_dir=class_dir, roster=DATA / "roster.csv"))
    assert sorted(_by_id(result)) == ["S001", "S002", "S003"]
    _check_follow_through(result)
    assert [p for p in result.problems if "nobody" in p] == [
        f"{report} row 5: no student of this class has e-mail 'nobody@example.edu'; row skipped"]
    # without the roster, nobody can be found by e-mail: one line per row
    result = run.grade(class_dir, sources.open_source(report, class_dir=class_dir))
    assert result.grades == [] and sum("no student of this class has e-mail" in p for p in result.problems) == 4


def test_moodle_report_without_question_text_is_refused(class_dir: Path, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO((DATA / "moodle-responses.csv").read_text(encoding="utf-8-sig"))))
    keep = [k for k, h in enumerate(rows[0]) if not h.startswith("Question ")]
    out = io.StringIO()
    csv.writer(out).writerows([[r[k] for k in keep if k < len(r)] for r in rows])
    report = tmp_path / "responses.csv"
    report.write_text(out.getvalue(), encoding="utf-8")
    with pytest.raises(UsageError, match="'Question text' ticked"):
        run.grade(class_dir, sources.open_source(report, class_dir=class_dir))


def test_canvas_student_analysis_graded_with_follow_through(class_dir: Path) -> None:
    source = sources.open_source(DATA / "canvas-student-analysis.csv", class_dir=class_dir)
    assert isinstance(source, lms.Report) and source.kind == lms.CANVAS
    result = run.grade(class_dir, source)
    assert sorted(_by_id(result)) == ["S001", "S002"]  # the report of the first version's quiz
    _check_follow_through(result)
    assert [p for p in result.problems if "X999" in p] == [
        f"{DATA / 'canvas-student-analysis.csv'} row 4: SIS ID 'X999' is no student of this class; row skipped"]


def test_the_cli_grades_a_moodle_report(class_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator import cli

    assert cli.main(["grade", str(class_dir), "--responses", str(DATA / "moodle-responses.csv"),
                     "--roster", str(DATA / "roster.csv"), "--no-pdf", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert sum("X999" in line for line in err.splitlines()) == 1
    grades = list(csv.DictReader((class_dir / "grading" / "grades.csv").open(encoding="utf-8")))
    assert [g["id"] for g in grades] == ["S001", "S002", "S003"]
    assert grades[1]["version"] == grades[0]["version"]


def test_a_typed_responses_file_is_still_read_as_before(class_dir: Path) -> None:
    """The csv source is chosen for a file that is no LMS report."""
    path = class_dir / "responses.csv"
    path.write_text("id,name,1a#1\nS001,Ann,27\n", encoding="utf-8")
    source = sources.open_source(path, class_dir=class_dir)
    assert isinstance(source, sources.CsvFile)
