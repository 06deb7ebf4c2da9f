"""generator/marksheet.py: the printed grading sheet of a class set, from the students'
answers.json files (format 2): graded refs only, under the handout's labels,
with score columns, safe to open in a spreadsheet."""

import csv
import io
import json
from fractions import Fraction

import pytest
from pypdf import PdfReader

from generator import classset, config, key, marksheet, names, pipeline
from generator.errors import GeneratorError
from generator.model import Student

HOSTILE = '=HYPERLINK("http://x","y")'
STUDENTS = [Student("1001", "Ann Smith"), Student("1002", HOSTILE), Student("1003", None), Student("+1004", "@Bo, \"Ray\"")]
COURSE = config.Course(code="MATH 7&8", name="Deep_Learning", title="Homework 3", term="Fall 2027")


def make_class(d, students, include=config.PART_IDS, course=COURSE):
    """Students' answers.json in a class folder, as a class set leaves them,
    made with a configuration that includes the parts ``include``."""
    cfg = config.Config(course=course, include=tuple(include))
    outcomes = []
    for s in students:
        seed = classset.derive_seed(5, s.id)
        ps = pipeline.build_problem_set(seed=seed, student=s.printed, config=cfg)
        folder = classset.safe_folder(s.id)
        (d / folder).mkdir()
        (d / folder / "answers.json").write_text(pipeline.answers_json(ps), encoding="utf-8")
        outcomes.append(classset.Outcome(s, folder, 0, seed, ps.version))
    return d, outcomes


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("class"), STUDENTS)


def graded_answers(data):
    """(ref, answer) of every graded answer, in ref order within each part."""
    out = []
    for q in data["questions"]:
        for p in q["parts"]:
            out += sorted(((a["ref"], a) for a in p["answers"] if a["graded"]), key=lambda ra: int(ra[0].split("#")[1]))
    return out


def raw(o, d):
    """A student's answers.json as the plain JSON it is."""
    return json.loads((d / o.folder / "answers.json").read_text(encoding="utf-8"))


def read_csv(d):
    text = (d / "grading-sheet.csv").read_text(encoding="utf-8")
    return text, list(csv.reader(io.StringIO(text)))


# --------------------------------------------------------------------------
# What is graded


def test_graded_answers_only_in_ref_order(class_dir):
    d, outcomes = class_dir
    data, version = raw(outcomes[0], d), outcomes[0].answers(d)
    refs = [g.ref for g in marksheet.graded(version)]
    assert refs == [ref for ref, _ in graded_answers(data)]
    assert refs[:2] == ["1a#1", "1b#1"] and "1c#1" in refs
    answers = [a for q in data["questions"] for p in q["parts"] for a in p["answers"]]
    assert len(refs) == sum(a["graded"] for a in answers) < len(answers)  # the z and a values of 1a/1b are left out
    assert all(g.points for g in marksheet.graded(version))
    assert [p.id for p in marksheet.parts(version)] == [p["id"] for q in data["questions"] for p in q["parts"]]
    assert sum(p.points for p in marksheet.parts(version)) == data["points_total"]


def test_finals_are_the_graded_answers_with_one_exact_value(class_dir):
    d, outcomes = class_dir
    data = raw(outcomes[0], d)
    expected = [(ref, a["exact"]) for ref, a in graded_answers(data) if a["exact"] is not None and a["kind"] not in ("text", "choice")]
    assert marksheet.finals(outcomes[0].answers(d)) == expected
    assert all(ref and "#" in ref for ref, _ in expected)


def test_format_1_is_a_clear_error(class_dir):
    d, outcomes = class_dir
    data = key.parse(dict(raw(outcomes[0], d), format="nn-problem-set/1"))
    with pytest.raises(GeneratorError, match="format 'nn-problem-set/1'"):
        marksheet.parts(data)


# --------------------------------------------------------------------------
# Numbers and cells


@pytest.mark.parametrize("exact, value, cell, text", [
    ("-16", -16, "-16", "-16"),
    ("12/5", 2.4, "2.4", "12/5 = 2.4"),
    ("53/50", 1.06, "1.06", "53/50 = 1.06"),
    ("1/64", 0.015625, "0.015625", "1/64 = 0.015625"),
    ("1/3", 1 / 3, "0.3333", "1/3 ≈ 0.3333"),
    ("-2/3", -2 / 3, "-0.6667", "-2/3 ≈ -0.6667"),
    ("-1/30000", -1 / 30000, "0.0000", "-1/30000 ≈ 0.0000"),
    ("exp(2)", 7.38905609893065, "7.3891", "exp(2) ≈ 7.3891"),
    ("-32 + 6*exp(6*sin(1))*cos(1)", 473.2022821012043, "473.2023", "-32 + 6*exp(6*sin(1))*cos(1) ≈ 473.2023"),
])
def test_numbers_exact_and_to_four_places(exact, value, cell, text):
    assert marksheet.plain_number(exact, value) == cell
    assert marksheet.number_text(exact, value) == text
    float(cell)  # a spreadsheet reads it as a number


def test_answer_cells_by_kind():
    def g(kind, exact, value=None):
        value = tuple(value) if isinstance(value, list) else value
        return key.Answer("3.2", "x", "x", "x", "x", exact, value, None, True, "3.2#2", 3, kind, None, (), (), None, ())

    assert marksheet.answer_cell(g("number", "-9/4", -2.25)) == "-2.25"  # a negative number stays a number
    assert marksheet.answer_cell(g("vector", "[-1/3, 5/3]", [-1 / 3, 5 / 3])) == "[-0.3333, 1.6667]"
    assert marksheet.answer_cell(g("vector", "[2*exp(1)/(1 + exp(1))**2, 3]", [0.39322386648, 3])) == "[0.3932, 3]"
    assert marksheet.answer_cell(g("expression", "-2*x1**2 + exp(x2)")) == "'-2*x1^2 + exp(x2)"
    assert marksheet.answer_cell(g("expression", "3*x2*cos(x1)")) == "3*x2*cos(x1)"
    assert marksheet.answer_cell(g("text", None)) == "marked by hand"
    assert marksheet.answer_cell(g("text", "[w1, w2]")) == "marked by hand"
    assert marksheet.answer_cell(g("choice", "no")) == "no"


@pytest.mark.parametrize("text, cell", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("  =1", "'  =1"), ("\uff1d1", "'\uff1d1"), ("Ann", "Ann"), ("a=b", "a=b"), ("", ""),
])
def test_text_cells_never_start_a_formula(text, cell):
    assert marksheet.text_cell(text) == cell


def test_label_patterns_mark_what_differs():
    assert marksheet.pattern(["dJ/dw_21^[2]"] * 3) == "dJ/dw_21^[2]"
    assert marksheet.pattern(["dJ/dw_21^[2]", "dJ/dw_31^[2]", "dJ/dw_21^[2]"]) == "dJ/dw_?1^[2]"
    assert marksheet.pattern(["dJ/dw_21^[2]", "dJ/db_1^[2]"]) == "dJ/d?_?1^[2]"
    assert marksheet.pattern(["f'(0)", "f'(-1)"]) == "f'(??)"
    assert marksheet.pattern(["a", "b", "c"]) == "?" and marksheet.pattern([]) == ""


# --------------------------------------------------------------------------
# The CSV


def test_csv_one_row_per_student_one_column_per_graded_ref(class_dir):
    d, outcomes = class_dir
    assert marksheet.write_csv(outcomes, d) == d / "grading-sheet.csv"
    _, rows = read_csv(d)
    header, body = rows[0], rows[1:]
    first = raw(outcomes[0], d)
    refs = [ref for ref, _ in graded_answers(first)]
    part_points = [(p["id"], p["points"]) for q in first["questions"] for p in q["parts"]]
    assert header[:4] == ["id", "name", "version", "seed"]
    assert [h.split(" ", 1)[0] for h in header[4 : 4 + len(refs)]] == refs
    assert header[4 + len(refs) :] == [f"score {p} (/{pts})" for p, pts in part_points] + ["total (/100)"]
    assert len(body) == len(STUDENTS) and all(len(row) == len(header) for row in body)
    for row, o in zip(body, outcomes):
        assert row[1:4] == [marksheet.text_cell(o.student.name or ""), o.version, str(o.seed)]
        cells = dict(zip(header, row))
        for (_ref, a), h in zip(graded_answers(raw(o, d)), header[4:]):
            cell = cells[h]
            if a["kind"] == "number":
                exact = marksheet.rational(a["exact"])
                if exact is not None and marksheet.terminates(exact):
                    assert Fraction(cell) == exact  # the exact value, as a plain number
                else:  # to four places
                    assert len(cell.split(".")[1]) == 4
                    assert abs(Fraction(cell) - (exact if exact is not None else Fraction(a["value"]))) <= Fraction(1, 20000)
            elif a["kind"] == "text":
                assert cell == "marked by hand"
            elif a["kind"] == "expression":
                assert cell.lstrip("'") == a["exact"].replace("**", "^")
            elif a["kind"] == "choice":
                assert cell == a["exact"] and cell in a["choices"]
            else:
                assert [float(x) for x in cell.strip("[]").split(",")] == pytest.approx(a["value"], abs=5e-5)
        assert all(cells[h] == "" for h in header[4 + len(refs) :])  # score columns left for the grader
    assert not [p for p in d.iterdir() if p.name.startswith(".")]


def test_csv_header_says_what_each_ref_is(class_dir):
    d, outcomes = class_dir
    marksheet.write_csv(outcomes, d)
    header = read_csv(d)[1][0]
    texts = {}
    for o in outcomes:
        for ref, a in graded_answers(raw(o, d)):
            texts.setdefault(ref, set()).add(a["text"])
    by_ref = {h.split(" ", 1)[0]: h for h in header[4:] if "#" in h.split(" ", 1)[0]}
    assert set(by_ref) == set(texts)
    for ref, seen in texts.items():
        label = by_ref[ref].split(" ", 1)[1]
        if len(seen) == 1:
            assert label == seen.pop()
        else:
            assert "?" in label and all(t.startswith(label.split("?")[0]) for t in seen)
    assert any(len(seen) > 1 for seen in texts.values())  # question 1 asks different gradients per version
    assert by_ref["1a#1"] == "1a#1 y_hat" and by_ref["1c#1"] == "1c#1 J"


def test_csv_hostile_name_is_not_a_formula(class_dir):
    """The name is kept, but a spreadsheet cannot run it: no cell of the file
    starts with =, +, -, @ unless it is a plain number."""
    d, outcomes = class_dir
    marksheet.write_csv(outcomes, d)
    text, rows = read_csv(d)
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["1002"][1] == "'" + HOSTILE
    assert by_id["'+1004"][1] == '\'@Bo, "Ray"'
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a negative number may start with -


def test_csv_is_written_atomically_and_replaced(class_dir, tmp_path):
    d, outcomes = class_dir
    marksheet.write_csv(outcomes, d)
    marksheet.write_csv(outcomes[:1], d)
    assert len(read_csv(d)[1]) == 2
    marksheet.write_csv(outcomes, d)
    assert len(read_csv(d)[1]) == len(STUDENTS) + 1


def test_leaving_out_a_question_removes_it_from_the_sheet(tmp_path):
    kept = [p for p in config.PART_IDS if p not in config.QUESTIONS["2"] and p != "3.4"]
    d, outcomes = make_class(tmp_path, STUDENTS[:2], include=kept)
    marksheet.write_csv(outcomes, d)
    header = read_csv(d)[1][0]
    assert not [h for h in header if h.startswith(("2a", "2b", "score 2", "3.4", "score 3.4"))]
    assert [h for h in header if h.startswith("1c#")] and "score 3.6 (/6)" in header
    assert header[-1] == "total (/72)"  # 100 less question 2 (22) and 3.4 (6)
    source = marksheet.document(outcomes, d, 5, "pdflatex")
    assert r"\nnpart{2a}" not in source and r"\nnpart{2b}" not in source and r"\nnpart{1c}" in source


# --------------------------------------------------------------------------
# The PDF


def test_document_from_the_course_of_answers_json(class_dir):
    d, outcomes = class_dir
    source = marksheet.document(outcomes, d, 5, "pdflatex")
    assert "CSE 616" not in source
    assert r"\nnname{MATH 7\&8 Deep\_Learning, Homework 3}: grading sheet" in source
    assert r"\nnname{Fall 2027}, class seed 5, 4 students" in source
    assert source.count(r"\begin{nnstudent}") == len(outcomes)  # one unbreakable block per student
    for o in outcomes:
        assert source.count(names.to_tex(o.student.id)) == 1
        assert rf"\textbf{{{o.version}}}" in source
        if o.student.name:
            assert names.to_tex(o.student.name) in source
    data = outcomes[0].answers(d)
    for p in marksheet.parts(data):
        assert rf"\nnscore{{{marksheet.fmt_points(p.points)}}}" in source
        for g in p.graded:
            assert g.label in source or g.kind == "text"  # answers marked by hand are shown as such
            ref = g.ref.replace("#", r"\#")
            assert rf"\nnans{{{ref}}}" in source  # the ref as on the handout's answer sheet


@pytest.mark.pdf
def test_pdf_one_student_per_block_never_split(class_dir):
    d, outcomes = class_dir
    pages = marksheet.write_pdf(outcomes, 5, d)
    reader = PdfReader(d / "grading-sheet.pdf")
    assert pages == len(reader.pages) >= 1
    texts = [page.extract_text() for page in reader.pages]
    assert "grading sheet" in texts[0] and "Homework 3" in texts[0]
    for o in outcomes:
        on = [k for k, t in enumerate(texts) if o.version in t]
        assert len(on) == 1, (o.version, on)  # every student on exactly one page
        assert "3.6" in texts[on[0]] and "/ 100" in texts[on[0]].replace("/100", "/ 100")
    assert "Ann Smith" in " ".join(texts) and "HYPERLINK" in " ".join(texts)


@pytest.mark.pdf
def test_pdf_short_blocks_share_a_page(tmp_path):
    """With question 1 only, two students' blocks fit on a page, each whole."""
    d, outcomes = make_class(tmp_path, STUDENTS, include=config.QUESTIONS["1"])
    assert marksheet.write_pdf(outcomes, 5, d) == 2
    texts = [page.extract_text() for page in PdfReader(d / "grading-sheet.pdf").pages]
    for k, o in enumerate(outcomes):
        assert o.version in texts[k // 2]
    assert "/ 42" in texts[0].replace("/42", "/ 42") and "2a" not in " ".join(texts)


@pytest.mark.pdf
def test_pdf_course_and_names_in_other_scripts(tmp_path):
    course = config.Course(code="ΝΔ 101", name="Νευρωνικά Δίκτυα", title="Εργασία 1")
    d, outcomes = make_class(tmp_path, [Student("1", "李小龙"), Student("2", "محمد علي")], course=course)
    assert marksheet.write_pdf(outcomes, 5, d) == 2
    texts = [page.extract_text() for page in PdfReader(d / "grading-sheet.pdf").pages]
    assert all("grading sheet" in t for t in texts)
    assert [o.version in t for o, t in zip(outcomes, texts)] == [True, True]
