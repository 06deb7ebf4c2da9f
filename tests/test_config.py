"""generator/config.py and --config: the instructor's course, points, layout and
questions reach every document, and a bad configuration stops before anything
is written."""

import json
import re
import subprocess

import pytest

from generator import cli, config, pipeline

COURSE = """\
[course]
code = "EE 599"
name = "Deep Learning Systems"
title = "Homework 2"
term = "Spring 2027"
instructor = "Prof. Ada Okafor"
due = 2027-02-14
instructions = "Work alone; cite every source you use."

[points]
"1a" = 10
"1c" = 20
"2b" = 7.5
"3.6" = 0
"""


def pdf_text(path, layout=False):
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(path), "-"]
    out = subprocess.run(args, capture_output=True, check=True).stdout
    return out.decode("utf-8")


def pages(path):
    return pdf_text(path).count("\f")


def is_sheet(page):
    return any(re.fullmatch(r"Answer sheet(, page \d of \d)?", line.strip()) for line in page.splitlines()[:6])


def write(tmp_path, text, name="course.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_file_reads_back_as_the_default(tmp_path):
    path = write(tmp_path, config.default_toml())
    loaded = config.load(path)
    assert loaded == config.Config(source=str(path))
    assert loaded.points_total == sum(config.DEFAULT_POINTS.values()) == 100


def test_write_config_then_use_it_gives_the_same_bytes(tmp_path, capsys):
    path = tmp_path / "course.toml"
    assert cli.main(["--write-config", str(path)]) == 0
    assert cli.main(["--write-config", str(path)]) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["--seed", "4", "--no-pdf", "--out", str(tmp_path / "a")]) == 0
    assert cli.main(["--seed", "4", "--no-pdf", "--out", str(tmp_path / "b"), "--config", str(path)]) == 0
    for name in ("answers.json", "assignment.tex", "key.tex"):
        assert (tmp_path / "a/seed-4" / name).read_bytes() == (tmp_path / "b/seed-4" / name).read_bytes(), name


def test_points_follow_the_configuration_in_answers_json(tmp_path):
    cfg = config.load(write(tmp_path, COURSE))
    ps = pipeline.build_problem_set(seed=9, config=cfg)
    data = json.loads(pipeline.answers_json(ps))
    points = {p["id"]: p["points"] for q in data["questions"] for p in q["parts"]}
    assert points["1a"] == 10 and points["1c"] == 20 and points["2b"] == 7.5 and points["3.6"] == 0
    assert data["points_total"] == sum(points.values()) == 100 + 4 + 5 - 0.5 - 6
    assert data["course"] == {"code": "EE 599", "name": "Deep Learning Systems", "title": "Homework 2",
                              "term": "Spring 2027", "instructor": "Prof. Ada Okafor", "due": "2027-02-14"}
    for q in data["questions"]:
        for p in q["parts"]:
            assert abs(sum(a["points"] for a in p["answers"] if a["graded"]) - p["points"]) < 1e-9
    # the points change no answer and no question
    plain = json.loads(pipeline.answers_json(pipeline.build_problem_set(seed=9)))
    strip = lambda d: [[[(a["name"], a["exact"]) for a in p["answers"]] for p in q["parts"]] for q in d["questions"]]  # noqa: E731
    assert strip(plain) == strip(data)


@pytest.mark.pdf
def test_course_texts_and_marks_reach_handout_and_key(tmp_path):
    path = write(tmp_path, COURSE)
    assert cli.main(["--seed", "9", "--out", str(tmp_path), "--config", str(path)]) == 0
    folder = tmp_path / "seed-9"
    total = 100 + 4 + 5 - 0.5 - 6
    for doc in ("assignment.pdf", "key.pdf"):
        text = pdf_text(folder / doc)
        for shown in ("EE 599: Deep Learning Systems", "Homework 2", "Spring 2027", "Prof. Ada Okafor",
                      "Due 14 February 2027", "EE 599 Deep Learning Systems · Homework 2"):
            assert shown in text, (doc, shown)
        assert "CSE 616" not in text, doc
        marks_row = next(line.strip() for line in pdf_text(folder / doc, layout=True).splitlines() if line.strip().startswith("Marks "))
        numbers = [float(x) for x in marks_row.split()[1:]]
        assert numbers[-1] == total and abs(sum(numbers[:-1]) - total) < 1e-9, marks_row
        assert "[10 marks]" in text and "[20 marks]" in text and "[7.5 marks]" in text and "[0 marks]" in text
    assert "Work alone; cite every source you use." in pdf_text(folder / "assignment.pdf")
    key = pdf_text(folder / "key.pdf")
    assert "Marks (20 marks): 1c#1 J: 4;" in " ".join(key.split())


@pytest.mark.pdf
def test_without_a_configuration_the_course_is_the_original(tmp_path):
    assert cli.main(["--seed", "9", "--out", str(tmp_path)]) == 0
    text = pdf_text(tmp_path / "seed-9/assignment.pdf")
    assert "CSE 616: Neural Networks" in text and "Assignment 1" in text
    assert "[6 marks]" in text and "[15 marks]" in text


@pytest.mark.pdf
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_answer_sheet_has_one_box_per_graded_ref(tmp_path, paper):
    """On the last two pages, A4 or letter."""
    path = write(tmp_path, f'[layout]\npaper = "{paper}"\n')
    assert cli.main(["--seed", "12", "--out", str(tmp_path), "--config", str(path)]) == 0
    folder = tmp_path / "seed-12"
    data = json.loads((folder / "answers.json").read_text())
    refs = [a["ref"] for q in data["questions"] for p in q["parts"] for a in p["answers"] if a["graded"]]
    assert len(refs) == 37  # 1d#5, the choice, is the 37th
    handout = pdf_text(folder / "assignment.pdf", layout=True).split("\f")[:-1]
    assert [is_sheet(p) for p in handout[-3:]] == [False, True, True]
    assert all(data["version"] in p for p in handout[-2:])
    sheet = "".join(handout[-2:])
    assert re.findall(r"\b\d(?:[a-e]|\.\d)#\d\b", sheet) == refs  # one box each, in ref order (read row by row)
    # each ref is also printed beside its part on the question pages, and in the key's marks
    questions = "".join(pdf_text(folder / "assignment.pdf").split("\f")[:-3])
    assert sorted(set(re.findall(r"\b\d(?:[a-e]|\.\d)#\d\b", questions))) == sorted(refs)
    assert sorted(set(re.findall(r"\b\d(?:[a-e]|\.\d)#\d\b", pdf_text(folder / "key.pdf")))) == sorted(refs)
    key_refs = [r.replace("\\#", "#") for r in re.findall(r"\\nnref\{([^}]*)\}", (folder / "key.tex").read_text().split(r"\begin{document}")[1])]
    assert [r for k, r in enumerate(key_refs) if r not in key_refs[:k]] == refs  # first named in ref order


@pytest.mark.pdf
def test_no_answer_sheet(tmp_path):
    path = write(tmp_path, '[layout]\nanswer_sheet = false\n')
    assert cli.main(["--seed", "12", "--out", str(tmp_path), "--config", str(path)]) == 0
    text = pdf_text(tmp_path / "seed-12/assignment.pdf")
    assert not re.search(r"^Answer sheet(, page \d of \d)?$", text, re.M) and "answer sheet (the last page" not in text


@pytest.mark.pdf
@pytest.mark.parametrize("sheet", [True, False])
def test_compact_handout(tmp_path, sheet):
    """Compact: the questions of the default configuration on at most three pages (letter
    paper, the tighter of the two), then the answer sheet's two pages when it is on."""
    path = write(tmp_path, f'[layout]\nanswer_space = "compact"\npaper = "letter"\nanswer_sheet = {str(sheet).lower()}\n')
    for seed in ("0", "12", "77"):
        assert cli.main(["--seed", seed, "--out", str(tmp_path), "--config", str(path)]) == 0
        handout = tmp_path / f"seed-{seed}/assignment.pdf"
        text = pdf_text(handout).split("\f")[:-1]
        question_pages = [p for p in text if not is_sheet(p)]
        assert len(question_pages) <= 3, seed
        assert len(text) == len(question_pages) + (2 if sheet else 0)
        info = subprocess.run(["pdfinfo", str(handout)], capture_output=True, text=True).stdout
        assert "612 x 792" in info  # letter
        assert pages(tmp_path / f"seed-{seed}/key.pdf") >= 9  # the key keeps its full layout


@pytest.mark.pdf
def test_leaving_out_a_question_and_a_part(tmp_path):
    path = write(tmp_path, '[questions]\nexclude = [2, "1e"]\n')
    assert cli.main(["--seed", "5", "--out", str(tmp_path), "--config", str(path)]) == 0
    folder = tmp_path / "seed-5"
    data = json.loads((folder / "answers.json").read_text())
    assert [q["id"] for q in data["questions"]] == ["q1", "q3"]
    assert [p["id"] for p in data["questions"][0]["parts"]] == ["1a", "1b", "1c", "1d"]
    assert data["points_total"] == 100 - 22 - 4
    for doc in ("assignment.pdf", "key.pdf"):
        text = pdf_text(folder / doc)
        assert "Question 2" not in text and "(1e)" not in text and "2a#1" not in text and "1e#1" not in text
        assert "Question 1" in text and "Question 3" in text and "(3.6)" in text


def test_a_question_left_out_changes_no_other_question():
    full = pipeline.build_problem_set(seed=31)
    cfg = config.Config(include=tuple(p for p in config.PART_IDS if not p.startswith("1")))
    part = pipeline.build_problem_set(seed=31, config=cfg)
    assert [q.params for q in part.questions] == [q.params for q in full.questions[1:]]


def test_dependencies_on_a_left_out_part_are_dropped():
    cfg = config.Config(include=("1b", "1c", "1d"))
    ps = pipeline.build_problem_set(seed=2, config=cfg)
    c = ps.questions[0].part("1c")
    assert all(a.depends_on == [] and a.recompute is None for a in c.graded)  # 1a is not there
    d = ps.questions[0].part("1d")
    assert d.graded[0].depends_on == ["1c#4"] or d.graded[0].depends_on == ["1c#5"]


BAD = [
    ("unknown key", '[course]\ncolour = "red"\n', "line 2: [course] colour: unknown key"),
    ("unknown section", '[colours]\nx = 1\n', "line 1: [colours]: unknown section"),
    ("unknown top-level key", 'title = "x"\n', "line 1: unknown key 'title'"),
    ("wrong type", '[course]\ncode = 616\n', "line 2: [course] code: expected text in quotes, not the number 616"),
    ("negative points", '[points]\n"1a" = -2\n', "line 2: [points] 1a: points must be a non-negative number"),
    ("text points", '[points]\n"1b" = "five"\n', "[points] 1b: points must be a number, not the text 'five'"),
    ("boolean points", '[points]\n"1b" = true\n', "[points] 1b: points must be a number"),
    ("nan points", '[points]\n"1b" = nan\n', "[points] 1b: points must be a non-negative number"),
    ("unknown part", '[points]\n"1f" = 3\n', "line 2: [points] 1f: unknown part id"),
    ("not a date", '[course]\ndue = "next Friday"\n', "[course] due: expected a date such as 2027-02-14"),
    ("a date and time", '[course]\ndue = 2027-02-14T09:00:00\n', "[course] due: expected a date such as 2027-02-14, not a date and time"),
    ("impossible date", '[course]\ndue = 2027-02-30\n', "not a valid TOML file"),
    ("not TOML", 'points: 3\n', "not a valid TOML file"),
    ("bad paper", '[layout]\npaper = "A3"\n', "[layout] paper: expected \"a4\" or \"letter\""),
    ("bad answer space", '[layout]\nanswer_space = "wide"\n', "[layout] answer_space"),
    ("unknown question", '[questions]\ninclude = [4]\n', "[questions] include: unknown question or part '4'"),
    ("nothing left", '[questions]\nexclude = [1, 2, 3]\n', "[questions] exclude: leaves out every part"),
    ("empty code", '[course]\ncode = "  "\n', "[course] code: must not be empty"),
    ("control character", '[course]\nname = "a\\u0007b"\n', "[course] name: contains the control"),
    ("section as value", 'course = 3\n', "'course' must be a section [course]"),
]


@pytest.mark.parametrize("what, text, message", BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("class_set", [False, True], ids=["version", "class"])
def test_a_bad_configuration_is_one_line_and_exit_2_with_nothing_written(tmp_path, capsys, what, text, message, class_set):
    path = write(tmp_path, text)
    out = tmp_path / "out"
    args = ["--seed", "3", "--no-pdf", "--out", str(out), "--config", str(path)] + (["--count", "2"] if class_set else [])
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}"), err
    assert message in err, err
    assert not out.exists()


@pytest.mark.parametrize("name, message", [("missing.toml", "configuration file not found"), ("folder", "is a folder")])
def test_a_missing_configuration(tmp_path, capsys, name, message):
    (tmp_path / "folder").mkdir()
    assert cli.main(["--seed", "3", "--no-pdf", "--out", str(tmp_path / "out"), "--config", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_a_configuration_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "course.toml"
    path.write_bytes('[course]\nname = "Réseaux"\n'.encode("latin-1"))
    assert cli.main(["--seed", "3", "--no-pdf", "--out", str(tmp_path / "out"), "--config", str(path)]) == 2
    assert "not a UTF-8 text file" in capsys.readouterr().err


HOSTILE = r"""
[course]
code = "CS \\input{/etc/passwd} 101"
name = "Nets & 100%"
title = "\\end{document}"
term = "<Graphs> $x$ #1 _a_ {b} ~c ^d"
instructor = "Zoë Ng 吴"
instructions = "\\write18{touch pwned} -- ,, `` ''"
"""


@pytest.mark.pdf
def test_typed_values_are_escaped(tmp_path):
    path = write(tmp_path, HOSTILE)
    assert cli.main(["--seed", "3", "--out", str(tmp_path), "--config", str(path)]) == 0
    folder = tmp_path / "seed-3"
    for doc in ("assignment.pdf", "key.pdf"):
        text = " ".join(pdf_text(folder / doc).split())
        assert r"CS \input{/etc/passwd} 101" in text
        assert "Nets & 100%" in text and "<Graphs> $x$ #1 _a_ {b} ~c ^d" in text  # (all of them did not fit the page header)
        assert r"\end{document}" in text
        assert "吴" in text
    assert r"\write18{touch pwned}" in pdf_text(folder / "assignment.pdf")
    assert not (tmp_path / "pwned").exists()


def test_the_class_manifest_records_the_configuration(tmp_path):
    path = write(tmp_path, COURSE)
    assert cli.main(["--seed", "3", "--count", "2", "--no-pdf", "--quiet", "--out", str(tmp_path), "--config", str(path)]) == 0
    manifest = json.loads((tmp_path / "class-3/manifest.json").read_text())
    recorded = manifest["config"]
    assert recorded["file"] == str(path) and len(recorded["sha256"]) == 64
    assert recorded["course"]["code"] == "EE 599" and recorded["points"]["1c"] == 20
    assert recorded["points_total"] == 100 + 4 + 5 - 0.5 - 6
    assert recorded["layout"] == {"paper": "a4", "answer_space": "full", "answer_sheet": True, "font_size": 11}
    answers = json.loads((tmp_path / "class-3/1/answers.json").read_text())
    assert answers["course"]["code"] == "EE 599" and answers["points_total"] == recorded["points_total"]
