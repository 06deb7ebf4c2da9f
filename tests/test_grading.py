"""generator/grading.py: the grading sheet of a class set, from the students'
answers.json files (the compiled PDF is checked in test_classset.py)."""

import csv
import io

import pytest

from generator import classset, grading, names, pipeline
from generator.pipeline import Student

STUDENTS = [Student("1001", "Ann Smith"), Student("1002", '=HYPERLINK("x"), "quoted" name'), Student("1003", None)]


@pytest.fixture(scope="module")
def class_dir(tmp_path_factory):
    """Three students' answers.json in a class folder, as a class set leaves them."""
    d = tmp_path_factory.mktemp("class")
    outcomes = []
    for k, s in enumerate(STUDENTS):
        seed = classset.derive_seed(5, s.id)
        ps = pipeline.build_problem_set(seed=seed, student=s.printed)
        folder = classset.safe_folder(s.id)
        (d / folder).mkdir()
        (d / folder / "answers.json").write_text(pipeline.answers_json(ps), encoding="utf-8")
        outcomes.append(classset.Outcome(s, folder, 0, seed, ps.version))
    return d, outcomes


def computed(data):
    """(part, position, name, exact) of every answer with an exact value."""
    return [(p["id"], k, a["name"], a["exact"]) for q in data["questions"] for p in q["parts"]
            for k, a in enumerate(p["answers"], start=1) if a["exact"] is not None]


def test_finals_are_the_computed_answers_only(class_dir):
    d, outcomes = class_dir
    data = outcomes[0].answers(d)
    free_text = [a for q in data["questions"] for p in q["parts"] for a in p["answers"] if a["exact"] is None]
    assert free_text, "the conceptual part has a free-text answer"
    assert grading.finals(data) == [(f"{part}#{k}", exact) for part, k, _, exact in computed(data)]


def test_columns_name_an_answer_only_when_every_student_has_the_same_one(class_dir):
    d, outcomes = class_dir
    cols = grading.columns(outcomes, d)
    per_student = [{(part, k): name for part, k, name, _ in computed(o.answers(d))} for o in outcomes]
    assert [(part, k) for part, k, _ in cols] == list(dict.fromkeys(key for s in per_student for key in s))
    for part, k, name in cols:
        seen = {s[(part, k)] for s in per_student if (part, k) in s}
        assert name == (seen.pop() if len(seen) == 1 else None)
    assert any(name is None for *_, name in cols)  # question 1 asks for different gradients per version


def test_csv_has_a_row_per_student_with_their_answers(class_dir):
    d, outcomes = class_dir
    assert grading.write_csv(outcomes, d) == d / "grading-sheet.csv"
    rows = list(csv.reader(io.StringIO((d / "grading-sheet.csv").read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    cols = grading.columns(outcomes, d)
    assert header == ["id", "name", "version", "seed"] + [f"{p} {n}" if n else f"{p} #{k}" for p, k, n in cols]
    assert len(body) == len(STUDENTS)
    for row, o in zip(body, outcomes):
        assert row[:4] == [o.student.id, o.student.name or "", o.version, str(o.seed)]
        cells = dict(zip(header[4:], row[4:]))
        for part, k, name, exact in computed(o.answers(d)):
            if f"{part} {name}" in cells:
                assert cells[f"{part} {name}"] == exact
            else:
                assert cells[f"{part} #{k}"] == f"{name} = {exact}"
    assert not [p for p in d.iterdir() if p.name.startswith(".")]


def test_csv_writes_a_name_as_it_is(class_dir):
    """Commas and quotes survive CSV quoting; the sheet does not rewrite a name
    that a spreadsheet might read as a formula."""
    d, outcomes = class_dir
    grading.write_csv(outcomes, d)
    rows = list(csv.DictReader((d / "grading-sheet.csv").open(encoding="utf-8", newline="")))
    assert [r["name"] for r in rows] == ["Ann Smith", '=HYPERLINK("x"), "quoted" name', ""]


def test_document_lists_every_student_once(class_dir):
    d, outcomes = class_dir
    source = grading.document(outcomes, d, 5, "pdflatex")
    assert "class seed 5, 3 students" in source
    assert source.count(r"\begin{tabular}") == len(outcomes) + 1  # one per student and the running head
    for o in outcomes:
        assert names.to_tex(o.student.id) in source and rf"\textbf{{{o.version}}}" in source
        if o.student.name:
            assert names.to_tex(o.student.name) in source
        first_answer = next(a["latex"] for q in o.answers(d)["questions"] for p in q["parts"] for a in p["answers"]
                           if a["exact"] is not None)
        assert first_answer in source
