"""The grader on what students really type: formulas on a key's domain, the
names people give functions, formulas in the other variables of the chain
rule, any character a cell can hold in the PDFs, and runs that fail."""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from grade_fixtures import answer, make_class, version

from generator import classset, cli, fonts, pipeline
from generator.errors import TexError
from generator.grade import judge, pdftext, report, responses, run, safe
from generator.grade.judge import Key
from generator.key import parse

SEED = 2026

# ---------------------------------------------------------------- function names


def keys_of_seed(seed: int) -> dict[str, Key]:
    return {k.ref: k for k in judge.keys_of(pipeline.build_problem_set(seed=seed).to_json())}


def test_sigma_and_the_other_names_of_the_logistic_are_read_as_it() -> None:
    key = keys_of_seed(1)["3.1#1"]  # seed 1: f(z) = 1/(1 + e^(-z)), the key its derivative
    assert key.check is not None and key.check.function == "1/(1 + exp(-z))"
    for text in ["sigma(z)(1 - sigma(z))", "sig(z) * (1 - sig(z))", "logistic(z) - logistic(z)^2", "σ(z)(1-σ(z))",
                 "sigmoid(z)(1 - sigmoid(z))", "Sigma(z)*(1-Sigma(z))"]:
        v = judge.judge(text, key, {}, {key.ref: key})
        assert (v.status, v.points) == (judge.RIGHT, key.points), (text, v.note)
    assert judge.judge("sigma(z)", key, {}, {key.ref: key}).status == judge.WRONG


@pytest.mark.parametrize(("exact", "right", "wrong"), [
    ("log(1 + exp(z))", ["softplus(z)", "ln(1 + e^z)"], ["relu(z)"]),
    ("1/(1 + exp(-z))", ["sigma(z)", "1/(1+e^-z)"], ["softplus(z)"]),
    ("Max(0, z - 1)", ["relu(z - 1)", "ReLU(z-1)", "max(0, z - 1)", "max(z - 1, 0)"], ["max(0, z)", "relu(z)"]),
])
def test_softplus_relu_and_max_of_zero(exact: str, right: list[str], wrong: list[str]) -> None:
    key = parse(_version_with(answer("f", "3.1#1", "expression", exact, None, 4, variables=["z"]))).graded[0]
    for text in right:
        assert judge.judge(text, key, {}, {key.ref: key}).status == judge.RIGHT, text
    for text in wrong:
        assert judge.judge(text, key, {}, {key.ref: key}).status == judge.WRONG, text


def test_max_is_read_only_as_the_relu_and_a_variable_keeps_its_name() -> None:
    z = frozenset({"z"})
    for text in ["max(1, z)", "max(z)", "max(0, z, 1)", "max(0, *z)"]:
        with pytest.raises(safe.Unreadable):
            safe.parse(text, z)
    # a question whose variable is called sigma keeps it: sigma(z) is then a product
    assert safe.parse("sigma(z)", frozenset({"sigma", "z"})) == ("*", ("v", "sigma"), ("v", "z"))


def _version_with(*answers: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = version()
    data["questions"] = [{"id": "q2", "family": "chain_rule", "title": "Chain rule", "params": {}, "parts": [
        {"id": a["ref"].split("#")[0], "skill": "s", "points": a["points"], "prompt": "", "answers": [a]}
        for a in answers]}]
    data["points_total"] = sum(a["points"] for a in answers)
    return data


# ---------------------------------------------------------------- the key's domain

F_SQRT = "sqrt(-x1 - x2**2) + x2"  # real only where x1 < -x2^2
DF_SQRT = "-1/(2*sqrt(-x1 - x2**2))"
AT = {"x1": -2, "x2": 1}
DF_AT = -0.5  # -1/(2 sqrt(2 - 1))


def sqrt_version() -> dict[str, Any]:
    check = {"function": F_SQRT, "wrt": ["x1"], "derivative": [DF_SQRT], "at": None}
    return _version_with(
        answer("df/dx1", "2a#7", "expression", DF_SQRT, None, 4, variables=["x1", "x2"], check=check),
        answer("df/dx1", "2b#3", "number", "-1/2", DF_AT, 3, tol=0.0001, depends_on=["2a#7"], recompute="ref_2a_7",
               check={**check, "at": AT}))


def test_a_domain_restricted_formula_is_judged_on_its_domain() -> None:
    keys = {k.ref: k for k in parse(sqrt_version()).graded}
    key = keys["2a#7"]
    x = frozenset(key.variables)
    knode = judge.key_node(DF_SQRT, x)
    # the fixed points alone hardly meet the domain: the old check could not decide
    assert sum(1 for p in judge.sample_points(key.variables) if not math.isnan(safe.evaluate(knode, p))) < 3
    points = judge.domain_points(DF_SQRT, key.variables)
    assert len(points) == judge.POINTS
    assert all(-p["x1"] - p["x2"] ** 2 > judge.DOMAIN_MARGIN and math.isfinite(safe.evaluate(knode, p)) for p in points)
    for text in ["-1/(2*sqrt(-x1 - x2**2))", "-(1/2)(-x1-x2^2)^(-1/2)", "-1/(2√(-x1-x2²))",
                 "-sqrt(-x1 - x2^2)/(2(-x1 - x2^2))", "-0.5 (-x2^2 - x1)^-0.5"]:
        v = judge.judge(text, key, {}, keys)
        assert (v.status, v.points) == (judge.RIGHT, 4), (text, v.note)
    for text in ["1/(2*sqrt(-x1 - x2**2))", "-1/sqrt(-x1 - x2^2)", "-1/(2 sqrt(x1 + x2^2))"]:
        assert judge.judge(text, key, {}, keys).status == judge.WRONG, text


def test_the_points_are_the_same_every_run() -> None:
    code = ("from generator.grade import judge; print(repr(judge.domain_points('-1/(2*sqrt(-x1 - x2**2))', ('x1', 'x2')))"
            " + repr(judge.domain_points('log(x1 - 5)*z', ('x1', 'z'))))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1
    here = repr(judge.domain_points("-1/(2*sqrt(-x1 - x2**2))", ("x1", "x2"))) + repr(
        judge.domain_points("log(x1 - 5)*z", ("x1", "z")))
    assert outs == {here + "\n"}
    assert all(p["x1"] > 5 + judge.DOMAIN_MARGIN for p in judge.domain_points("log(x1 - 5)*z", ("x1", "z")))


def test_follow_through_from_an_unjudged_formula_is_checked_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = parse(sqrt_version()).graded
    wrong = "1/(2*sqrt(-x1 - x2**2))"  # the sign lost; 2b from it: +0.5
    cells = {"2a#7": wrong, "2b#3": "0.5"}
    got = {v.ref: v for v in judge.judge_student(cells, keys)}
    assert got["2a#7"].status == judge.WRONG and got["2b#3"].status == judge.FOLLOW
    # a formula the grader cannot decide (no point and no simplification settles it) earns nothing
    # downstream either: the answer that rests on it waits for the same TA
    original = judge.equal_expressions
    monkeypatch.setattr(judge, "equal_expressions", lambda s, k: None if k.ref == "2a#7" else original(s, k))
    got = {v.ref: v for v in judge.judge_student(cells, keys)}
    assert got["2a#7"].status == judge.UNJUDGED
    assert (got["2b#3"].status, got["2b#3"].points) == (judge.UNJUDGED, 0.0)
    assert got["2b#3"].check_by_hand and "2a" in got["2b#3"].note
    # right by itself stays right
    got = {v.ref: v for v in judge.judge_student({"2a#7": wrong, "2b#3": "-0.5"}, keys)}
    assert got["2b#3"].status == judge.RIGHT


# ---------------------------------------------------------------- the other variables


def test_a_chain_rule_formula_in_the_other_variables_is_judged_after_substituting_g() -> None:
    data = pipeline.build_problem_set(seed=5).to_json()
    v = parse(data)
    keys = {k.ref: k for k in v.graded}
    g1, g2 = v.questions[1].params["g1"]["expr"], v.questions[1].params["g2"]["expr"]
    inner = judge.inner_functions(v)
    assert set(inner) == {f"2a#{k}" for k in range(1, 9)} and inner["2a#1"] == {"g1": g1, "g2": g2}
    k1 = keys["2a#1"]
    assert k1.variables == ("g1", "g2")
    in_x = str(k1.exact).replace("g1", f"({g1})").replace("g2", f"({g2})")
    # 2a#7 in g1, g2 and x1, x2 where x1, x2 are asked: df/dx1 = df/dg1 dg1/dx1 + df/dg2 dg2/dx1, unsubstituted
    chain = "({}) * ({}) + ({}) * ({})".format(*(keys[f"2a#{k}"].exact for k in (1, 3, 2, 5)))
    cells = {"2a#1": in_x, "2a#2": "x1 + x2", "2a#7": chain}
    got = {vd.ref: vd for vd in judge.judge_student(cells, list(keys.values()), inner=inner)}
    assert (got["2a#1"].status, got["2a#1"].points) == (judge.RIGHT, k1.points)
    assert got["2a#1"].note.startswith(f"right after substituting g1 = {g1}") and got["2a#1"].note.endswith("(asked in g1, g2)")
    assert got["2a#2"].status == judge.WRONG and got["2a#2"].note.startswith("wrong (after substituting")
    assert got["2a#7"].status == judge.RIGHT and "asked in x1, x2" in got["2a#7"].note
    assert {vd.value for vd in got.values() if vd.ref == "2a#7"} != {None}  # 2b's follow-through reads it in x1, x2
    # without the question's g (another family, or a reader that passes none) the same text is unreadable
    alone = judge.judge_student({"2a#1": in_x}, list(keys.values()))
    assert next(x for x in alone if x.ref == "2a#1").status == judge.UNREADABLE
    # an unknown name stays unreadable with the first reading's message
    bad = judge.judge_student({"2a#1": "y1 + g1"}, list(keys.values()), inner=inner)
    assert next(x for x in bad if x.ref == "2a#1").note == "could not read: unknown name 'y1'"


# ---------------------------------------------------------------- a class


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("robust")
    result = classset.make(SEED, classset.count_students(3), out, pdf=False, quiet=True)
    assert not result.failed
    return out / f"class-{SEED}"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_unreadable_cells_are_in_check_by_hand_and_in_the_summary_count(klass: Path, tmp_path: Path) -> None:
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    odd = {"1a#1": "-4 rad", "1b#1": "0.5 (4 d.p.)", "3.2#2": "(-0.2689, 0.2689)^T", "3.3#2": "(0.25  0.5)",
           "2a#1": "y + 1"}
    path = _write(tmp_path / "r.csv", ["id", "name"] + refs,
                  [[s.id, ""] + [odd.get(r, "") if n == 0 else "" for r in refs] for n, s in enumerate(students)])
    assert cli.main(["grade", str(klass), "--responses", str(path), "--no-pdf", "--quiet"]) == 0
    rows = list(csv.DictReader((klass / "grading" / "grades.csv").open(encoding="utf-8")))
    assert rows[0]["check_by_hand"].split() == [r for r in refs if r in odd]
    assert rows[1]["check_by_hand"] == rows[2]["check_by_hand"] == ""
    table = list(csv.DictReader((klass / "grading" / "summary.csv").open(encoding="utf-8")))
    summary = {r["part"]: int(r["check_by_hand_answers"]) for r in table}  # answers; check_by_hand_students: students
    assert sum(summary.values()) == len(odd)
    assert summary["1a"] == summary["1b"] == summary["3.2"] == summary["3.3"] == summary["2a"] == 1
    assert {r["part"]: int(r["check_by_hand_students"]) for r in table} == summary  # one student, one answer per part


CHARACTERS = ["✓", "✗", "≤", "∞", "μ", "θ", "★", "😀", "\u200f", "\x00", "ש", "中", "\u202e", "\ue000", "Ħ", "é"]


def _shown(text: str, ch: str) -> bool:
    return ch in text or f"U+{ord(ch):04X}" in text


@pytest.mark.pdf
def test_every_character_reaches_the_feedback(klass: Path, tmp_path: Path) -> None:
    target = tmp_path / "class"
    shutil.copytree(klass, target)
    students, _ = run.load_class(target)
    refs = run.refs_of(students)
    lines = [",".join(["id", "name"] + refs).encode()]
    placed: dict[str, list[str]] = {}
    for n, s in enumerate(students):
        chars = CHARACTERS[n::len(students)]
        placed[s.folder] = chars + ["\ufffd"]
        cells = [f"9 {c}".encode() for c in chars]
        cells.append(b"x\xed\xa0\x80y")  # a lone surrogate as CESU-8 bytes: not UTF-8, read as U+FFFD
        cells += [b""] * (len(refs) - len(cells))
        lines.append(b",".join([s.id.encode(), b""] + [b'"' + c.replace(b'"', b'""') + b'"' for c in cells]))
    path = tmp_path / "r.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert cli.main(["grade", str(target), "--responses", str(path), "--quiet"]) == 0
    for s in students:
        pdf = target / "grading" / "feedback" / f"{s.folder}.pdf"
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        missing = [f"U+{ord(c):04X}" for c in placed[s.folder] if not _shown(text, c)]
        assert not missing, (s.folder, missing)


@pytest.mark.pdf
def test_a_lone_surrogate_from_another_source_reaches_the_feedback(klass: Path, tmp_path: Path) -> None:
    students, _ = run.load_class(klass)

    class Typed:  # a response source that hands over str cells, as an LMS reader does
        def read(self, refs: list[str]) -> responses.Responses:
            return responses.Responses([responses.Row(2 + n, s.id, "", {refs[0]: "1\ud800", refs[1]: "\udcff ✓ \x00"})
                                        for n, s in enumerate(students)])

    result = run.grade(klass, Typed())  # type: ignore[arg-type]
    assert report.write_pdfs(result, tmp_path) == 1 + len(students)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "feedback" / f"{students[0].folder}.pdf"), "-"],
                          capture_output=True, check=True).stdout.decode()
    assert all(_shown(text, c) for c in "\ud800\udcff✓\x00")


def test_pdf_text_of_each_kind_of_character() -> None:
    assert pdftext.to_latex("a\x00b", breaks=False) == r"a{\ttfamily[U+0000]}b"
    assert pdftext.to_latex("\ud800", breaks=False) == r"{\ttfamily[U+D800]}"
    assert pdftext.to_latex("\u200f5", breaks=False) == r"{\ttfamily[U+200F]}5"
    assert pdftext.to_latex("x\ufffd", breaks=False) == r"x{\ttfamily[U+FFFD]}"
    assert pdftext.to_latex("$\\{x}%", breaks=False) == r"\$\textbackslash{}\{x\}\%"
    assert pdftext.to_latex("σ·x", breaks=False) == r"\ensuremath{\sigma}\ensuremath{\cdot}x"
    boxed = pdftext.to_latex("9 ✓", breaks=False)
    if fonts.installed_fonts():
        assert boxed == r"9 \nnforeign{" + "✓".encode().hex() + "}{✓}"
    else:
        assert boxed == r"9 {\ttfamily[U+2713]}"
    # nothing invisible or unencodable is left in the LaTeX
    for text in CHARACTERS + ["\ud800", "a\u0301\u0331", "👨\u200d👩", "\ufeff1", "\u2028"]:
        out = pdftext.to_latex(text)
        out.encode("utf-8")
        assert not any(pdftext._invisible(c) and c not in "\u200c\u200d" for c in out), repr(out)


# ---------------------------------------------------------------- runs that fail


def _filled(klass: Path, tmp_path: Path) -> Path:
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    keys = {s.id: {k.ref: k for k in s.keys} for s in students}
    return _write(tmp_path / "r.csv", ["id", "name"] + refs,
                  [[s.id, ""] + ["" if keys[s.id][r].kind == "text" else str(keys[s.id][r].exact) for r in refs]
                   for s in students])


def _stale(target: Path) -> Path:
    old = target / "grading" / "grades.csv"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text("id,total\nold,1\n", encoding="utf-8")
    return old


@pytest.mark.pdf
def test_one_student_whose_feedback_fails_is_one_line_and_the_rest_is_written(
        klass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class"
    shutil.copytree(klass, target, ignore=shutil.ignore_patterns("grading"))
    old = _stale(target)
    students, _ = run.load_class(target)
    body = report.feedback_body

    def broken(g: run.StudentGrade, result: run.ClassGrades, doc: str) -> str:  # a real TeX error for student 2
        return body(g, result, doc) + ("\\nnundefinedcommand\n" if g.student.id == students[1].id else "")

    monkeypatch.setattr(report, "feedback_body", broken)
    assert cli.main(["grade", str(target), "--responses", str(_filled(target, tmp_path)), "--quiet"]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    assert err[0].startswith(f"warning: row 3 (ID {students[1].id}): the feedback could not be typeset: ")
    assert "nnundefinedcommand" in err[0] or "Undefined control sequence" in err[0]
    assert err[1].startswith("error: the feedback of 1 student could not be made (listed above)")
    feedback = target / "grading" / "feedback"
    assert sorted(p.stem for p in feedback.glob("*.pdf")) == sorted(s.folder for s in students if s is not students[1])
    assert (target / "grading" / "summary.pdf").exists()
    assert old.read_text(encoding="utf-8").splitlines()[0].startswith("id,name,version")  # the new grades.csv
    assert [p.name for p in target.iterdir() if p.name.startswith(".")] == []


@pytest.mark.pdf
def test_a_run_whose_feedback_fails_for_everyone_leaves_no_grading_folder(
        klass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class"
    shutil.copytree(klass, target, ignore=shutil.ignore_patterns("grading"))
    _stale(target)
    body = report.feedback_body
    monkeypatch.setattr(report, "feedback_body", lambda g, result, doc: body(g, result, doc) + "\\nnundefinedcommand\n")
    assert cli.main(["grade", str(target), "--responses", str(_filled(target, tmp_path)), "--quiet"]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "of an earlier run was removed" in err and "no student's feedback could be made" in err
    assert not (target / "grading").exists()
    assert [p.name for p in target.iterdir() if p.name.startswith(".")] == []


@pytest.mark.pdf
@pytest.mark.parametrize("where", ["summary", "typeset"])
def test_a_failed_summary_or_tex_run_leaves_no_stale_grading(klass: Path, tmp_path: Path, where: str,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "class"
    shutil.copytree(klass, target, ignore=shutil.ignore_patterns("grading"))
    _stale(target)
    if where == "summary":
        summary = report.summary_body
        monkeypatch.setattr(report, "summary_body", lambda result: summary(result) + "\\nnundefinedcommand\n")
    else:
        def fail(*args: Any) -> None:
            raise TexError("feedback: pdflatex crashed")

        monkeypatch.setattr(report, "_typeset", fail)
    assert cli.main(["grade", str(target), "--responses", str(_filled(target, tmp_path)), "--quiet"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "of an earlier run was removed" in err.splitlines()[0]
    assert "Traceback" not in err
    assert not (target / "grading").exists()


def test_an_interrupted_run_leaves_no_stale_grading(klass: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "class"
    shutil.copytree(klass, target, ignore=shutil.ignore_patterns("grading"))
    _stale(target)

    def interrupt(result: run.ClassGrades) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "summary_csv", interrupt)
    assert cli.main(["grade", str(target), "--responses", str(_filled(target, tmp_path)), "--no-pdf", "--quiet"]) == 130
    assert not (target / "grading").exists()
    assert [p.name for p in target.iterdir() if p.name.startswith(".")] == []


def test_a_file_with_bytes_that_are_not_utf8_is_read_row_by_row(klass: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    students, _ = run.load_class(klass)
    y_hat = [str(next(k.exact for k in s.keys if k.ref == "1a#1")) for s in students]
    path = tmp_path / "r.csv"
    path.write_bytes(b"id,name,1a#1,1b#1\n" + f"{students[0].id},Jos\xe9,{y_hat[0]},".encode("latin-1")
                     + b"\xff\n" + f"{students[1].id},,{y_hat[1]},\n".encode())
    assert cli.main(["grade", str(klass), "--responses", str(path), "--no-pdf", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "r.csv row 2: 2 bytes that are not UTF-8, read as U+FFFD" in err and "row 3:" not in err
    rows = list(csv.DictReader((klass / "grading" / "grades.csv").open(encoding="utf-8")))
    assert rows[0]["1a"] == rows[1]["1a"] != "0"
    assert rows[0]["check_by_hand"] == "1b#1" and rows[1]["check_by_hand"] == ""


def test_the_fixture_class_is_graded_with_inner_functions(tmp_path: Path) -> None:
    """A class whose versions have no inner functions is graded as before."""
    make_class(tmp_path / "c", [("1", "A", version())])
    path = _write(tmp_path / "r.csv", ["id", "name", "2a#7"], [["1", "", "x1 + g1"]])
    result = run.grade(tmp_path / "c", path)
    assert next(v for v in result.grades[0].verdicts if v.ref == "2a#7").status == judge.UNREADABLE
