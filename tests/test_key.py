"""generator/key.py: the one reader of answers.json and manifest.json, and
what it guards (issue 21): nothing read or written outside the class folder,
no edited key graded, no stale grading/, one line for a hand-edited file."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from grade_fixtures import RIGHT, make_class, version

from generator import classset, cli, config, key, pipeline
from generator.model import FORMAT, Student

# --------------------------------------------------------------------------
# Reading


@pytest.mark.parametrize("seed", [1, 7, 123456])
def test_every_field_reads_back_as_written(seed: int) -> None:
    ps = pipeline.build_problem_set(seed=seed, student=Student("1001", "Ann"))
    data = json.loads(pipeline.answers_json(ps))
    v = key.parse(data)
    assert (v.format, v.generator, v.seed, v.version, v.points_total) == (
        FORMAT, data["generator"], seed, data["version"], data["points_total"])
    assert v.student == Student("1001", "Ann") and v.course is not None
    assert v.course.line == "CSE 616 Neural Networks, Assignment 1"
    answers = [(p, a) for q in data["questions"] for p in q["parts"] for a in p["answers"]]
    read = [a for p in v.parts for a in p.answers]
    assert len(read) == len(answers)
    for (p, raw), a in zip(answers, read):
        assert (a.part, a.name, a.label, a.text, a.latex, a.exact, a.kind, a.graded, a.recompute) == (
            p["id"], raw["name"], raw["label"], raw["text"], raw["latex"], raw["exact"], raw["kind"], raw["graded"],
            raw["recompute"])
        assert a.value == (tuple(raw["value"]) if isinstance(raw["value"], list) else raw["value"])
        assert a.ref == (raw["ref"] or "") and a.points == (raw["points"] or 0)
        assert a.tolerance == (key.Tolerance(**raw["tolerance"]) if raw["tolerance"] else None)
        assert a.depends_on == tuple(raw["depends_on"]) and a.variables == tuple(raw["variables"] or ())
        assert [(m.name, m.text) for m in a.mistakes] == [(m["name"], m["text"]) for m in raw["mistakes"]]
        assert a.choices == tuple(raw["choices"] or ())
        if raw["check"]:
            assert a.check is not None and a.check.function == raw["check"]["function"]
            assert a.check.derivative == tuple(raw["check"]["derivative"]) and a.check.at == raw["check"]["at"]
    assert v.refs == tuple(a.ref for p in ps.parts for a in p.graded)
    assert [p.id for p in v.parts] == [p.id for p in ps.parts]
    assert v.answer("1c#1").name == "J" and [a.ref for a in v.depends_on("1c#1")] == ["1a#1"]
    assert v.finals() == [(a.ref, a.exact) for a in v.graded if a.exact is not None and a.kind not in ("text", "choice")]


def test_a_configured_version_and_format_1() -> None:
    cfg = config.Config(include=tuple(p for p in config.PART_IDS if p != "1a"))
    v = key.parse(json.loads(pipeline.answers_json(pipeline.build_problem_set(seed=3, config=cfg))))
    assert "1a#1" not in v.refs and v.answer("1c#1").depends_on == ()  # nothing to carry an error from
    old = json.loads(pipeline.answers_json(pipeline.build_problem_set(seed=3)))
    old["format"] = key.FORMAT_1
    for name in ("course", "student", "points_total"):
        del old[name]
    for q in old["questions"]:
        for p in q["parts"]:
            del p["points"], p["skill"]
            p["answers"] = [{k: a[k] for k in ("name", "label", "latex", "exact", "value", "check")} for a in p["answers"]]
    v1 = key.parse(old)
    assert v1.format == key.FORMAT_1 and v1.graded == () and v1.course is None and v1.points_total == 0
    assert {a.kind for p in v1.parts for a in p.answers} >= {"number", "vector", "expression"}
    with pytest.raises(key.KeyFormatError, match="format 'nn-problem-set/1', not 'nn-problem-set/3'"):
        v1.require(FORMAT, "grading")
    with pytest.raises(key.KeyFormatError, match="format 'nn-problem-set/1', not 'nn-problem-set/2' or 'nn-problem-set/3'"):
        v1.require(key.MARKED, "grading")


def _edit(data: dict[str, Any], where: str, value: Any) -> dict[str, Any]:
    """``data`` with one field replaced (``value`` DELETE removes it); ``where``
    is a path such as ``questions.0.parts.2.answers.1.tolerance``."""
    out = copy.deepcopy(data)
    *path, last = where.split(".")
    node: Any = out
    for step in path:
        node = node[int(step)] if isinstance(node, list) else node[step]
    if value is DELETE:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


DELETE = object()
J = "questions.0.parts.1.answers.0"  # 1c#1 of the fixture: J, with a mistake
HAND_EDITED = [  # (field, value, what the message names)
    (f"{J}.tolerance", "x", "tolerance"),
    (f"{J}.mistakes", ["s"], "mistakes[0]"),
    ("questions.0.parts.1.answers.0", "J = 4", "answers[0]"),
    ("course", "CSE 616", "course"),
    ("course", ["CSE 616"], "course"),
    (f"{J}.points", math.nan, "points"),
    (f"{J}.points", 1e308, "points"),
    ("questions.0.parts.0.points", math.inf, "points"),
    (f"{J}.ref", DELETE, "'ref'"),
    (f"{J}.depends_on", ["9z#1"], "depends_on"),
    (f"{J}.value", "4", "value"),
    ("questions.0.parts.1.id", 3, "id"),
    ("questions.1.parts.1.answers.0.check.derivative", [], "check"),
    ("questions.1.parts.1.answers.0.check.at", {"x1": "1"}, "check.at.x1"),
]


@pytest.mark.parametrize("where, value, named", HAND_EDITED, ids=[f"{w}={v!r}" for w, v, _ in HAND_EDITED])
def test_a_hand_edited_answers_json_is_one_clear_error(where: str, value: Any, named: str) -> None:
    with pytest.raises(key.KeyFormatError) as info:
        key.parse(_edit(version(), where, value), "s1/answers.json")
    message = str(info.value)
    assert message.startswith("s1/answers.json: ") and named in message and "\n" not in message


def _rehash(klass: Path) -> None:
    """Record the answers.json files as they are now in the manifest (as if
    the class set had made them), so that only the edit itself is judged."""
    path = klass / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for s in manifest["students"]:
        s["answers_sha256"] = hashlib.sha256((klass / s["folder"] / "answers.json").read_bytes()).hexdigest()
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _responses(tmp_path: Path) -> Path:
    path = tmp_path / "r.csv"
    refs = list(RIGHT)
    path.write_text("id,name," + ",".join(refs) + "\n1,Ann," + ",".join(f'"{RIGHT[r]}"' for r in refs) + "\n", encoding="utf-8")
    return path


def _grade_fails(klass: Path, responses: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = cli.main(["grade", str(klass), "--responses", str(responses), "--no-pdf"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert not (klass / "grading").exists()
    return err


@pytest.mark.parametrize("where, value, named", HAND_EDITED, ids=[f"{w}={v!r}" for w, v, _ in HAND_EDITED])
def test_grade_refuses_a_hand_edited_answers_json_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              where: str, value: Any, named: str) -> None:
    """Issue 21, item 6: each of these was a traceback (or a crash after grading)."""
    klass = make_class(tmp_path / "class", [("1", "Ann", _edit(version(), where, value))])
    _rehash(klass)
    err = _grade_fails(klass, _responses(tmp_path), capsys)
    assert "s1/answers.json" in err and named in err


def test_grade_refuses_a_manifest_nested_too_deeply(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 21, item 6: json's RecursionError was a traceback; a rerun of the
    class set over such a manifest treats every student as new."""
    klass = make_class(tmp_path / "class", [("1", "Ann", version())])
    (klass / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "nested too deeply" in _grade_fails(klass, _responses(tmp_path), capsys)
    out = tmp_path / "out"
    (out / "class-3").mkdir(parents=True)
    (out / "class-3" / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = classset.make(3, classset.count_students(1), out, pdf=False, quiet=True)
    assert not result.failed and json.loads((out / "class-3" / "manifest.json").read_text(encoding="utf-8"))["students"]


@pytest.mark.parametrize("what", ["fifo", "device", "folder"])
def test_grade_refuses_a_manifest_that_is_no_regular_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           what: str) -> None:
    """A FIFO nobody writes to is refused at once (no hang), /dev/zero is not read until memory runs out."""
    klass = make_class(tmp_path / "class", [("1", "Ann", version())])
    path = klass / "manifest.json"
    path.unlink()
    if what == "fifo":
        os.mkfifo(path)
    elif what == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    err = _grade_fails(klass, _responses(tmp_path), capsys)
    assert "manifest.json" in err


@pytest.mark.parametrize("where, value", [
    ("course", "CSE 616"), ("students", "all"), ("students.0", "1"), ("students.0.answers_sha256", 7),
    ("students.0.id", None), ("format", "nn-problem-set-class/9")])
def test_grade_refuses_a_hand_edited_manifest_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          where: str, value: Any) -> None:
    klass = make_class(tmp_path / "class", [("1", "Ann", version())])
    path = klass / "manifest.json"
    path.write_text(json.dumps(_edit(json.loads(path.read_text(encoding="utf-8")), where, value)), encoding="utf-8")
    if where != "course":
        assert "manifest.json" in _grade_fails(klass, _responses(tmp_path), capsys)
    else:  # the manifest's own course is not what grading reads: the students' keys are
        assert cli.main(["grade", str(klass), "--responses", str(_responses(tmp_path)), "--no-pdf"]) == 0


# --------------------------------------------------------------------------
# Nothing outside the class folder (issue 21, item 1)


@pytest.mark.parametrize("folder", ["ABSOLUTE", "../outside", "s1/../../outside", "..", ".", ""])
def test_grade_never_leaves_the_class_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str) -> None:
    """A manifest whose student folder is absolute or climbs out: before, grade
    read that folder's answers.json and wrote the student's feedback PDF
    beside it; now one line, exit 2, nothing written."""
    klass = make_class(tmp_path / "class", [("1", "Ann", version())])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "answers.json").write_bytes((klass / "s1" / "answers.json").read_bytes())
    folder = str(outside) if folder == "ABSOLUTE" else folder
    path = klass / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["students"][0]["folder"] = folder
    path.write_text(json.dumps(manifest), encoding="utf-8")
    responses = _responses(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    err = _grade_fails(klass, responses, capsys)
    assert "is not a folder inside the class folder" in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_symbolic_link_out_of_the_class_is_not_inside(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "class" / "s1").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "class" / "s2").mkdir()
    assert not key.inside(tmp_path / "class", "s1") and key.inside(tmp_path / "class", "s2")
    assert not key.inside(tmp_path / "class", "s2/x") and not key.inside(tmp_path / "class", "a\\b")


# --------------------------------------------------------------------------
# An edited key, a stale grading/ (issue 21, item 5)


def test_grade_refuses_an_answers_json_edited_after_the_class_set(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    klass = make_class(tmp_path / "class", [("1", "Ann", version()), ("2", "Bo", version(y_hat=33))])
    path = klass / "s2" / "answers.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["questions"][0]["parts"][0]["answers"][1]["value"] = 34  # a valid file, but not the key that was handed out
    path.write_text(json.dumps(data), encoding="utf-8")
    err = _grade_fails(klass, _responses(tmp_path), capsys)
    assert "s2/answers.json" in err and "SHA-256" in err


def test_a_rerun_with_other_points_removes_the_old_grading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    klass = tmp_path / "class-4"
    classset.make(4, classset.count_students(2), tmp_path, pdf=False, quiet=True)
    template = klass / "responses-template.csv"
    assert cli.main(["grade", str(klass), "--responses", str(template), "--no-pdf", "--quiet"]) == 0
    assert (klass / "grading" / "grades.csv").is_file()
    classset.make(4, classset.count_students(2), tmp_path, pdf=False, quiet=True)  # the same keys: still current
    assert (klass / "grading" / "grades.csv").is_file()
    toml = tmp_path / "course.toml"
    toml.write_text('[points]\n"1c" = 40\n', encoding="utf-8")
    classset.make(4, classset.count_students(2), tmp_path, pdf=False, quiet=True, config=config.load(toml))
    assert not (klass / "grading").exists()  # its maximum belonged to the old points
    assert not [p.name for p in klass.iterdir() if p.name.startswith(".")]
    assert cli.main(["grade", str(klass), "--responses", str(template), "--no-pdf", "--quiet"]) == 0
    assert "maximum" in (klass / "grading" / "grades.csv").read_text(encoding="utf-8")
    classset.make(4, classset.count_students(3), tmp_path, pdf=False, quiet=True, config=config.load(toml))
    assert not (klass / "grading").exists()  # a student more: the grades no longer cover the class
    capsys.readouterr()
