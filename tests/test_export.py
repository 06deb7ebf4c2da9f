"""LMS exports (generator/export): Moodle's and Canvas's import rules on every
export, a round trip of every version's keys, hostile course titles, the
LaTeX-to-HTML converter (strict: an unknown command is an error), and the
command line. Formats as plug-ins: tests/test_export_plugin.py."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from generator import classset, pipeline
from generator import export as lms
from generator.export import ExportError, checks, export, feedback, html, moodle, source
from generator.export.figure import network_svg
from generator.model import ProblemSet, Student

SEEDS = (1, 2, 3)


@pytest.fixture(scope="module")
def problem_sets() -> list[ProblemSet]:
    return [pipeline.build_problem_set(seed=seed) for seed in SEEDS]


@pytest.fixture(scope="module")
def folders(problem_sets: list[ProblemSet], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    base = tmp_path_factory.mktemp("versions")
    return [pipeline.write_version(ps, base / f"seed-{ps.seed}", pdf=False).folder for ps in problem_sets]


@pytest.fixture(scope="module")
def exported(problem_sets: list[ProblemSet], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("export")
    export(problem_sets, ["moodle", "canvas"], target)
    return target


def _write(version: source.Version, fmt: str, folder: Path) -> Path:
    """One export of one version (rendered here)."""
    return lms.write([lms.Prepared(version)], lms.named([fmt]), folder)[0]


def _keys(folder: Path) -> dict[str, list[tuple[float, float]]]:
    """Every graded number of a version, straight from answers.json: ref -> [(value, absolute tolerance)]."""
    data = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[float, float]]] = {}
    for q in data["questions"]:
        for p in q["parts"]:
            for a in p["answers"]:
                if a["graded"] and a["kind"] in ("number", "vector"):
                    values = a["value"] if a["kind"] == "vector" else [a["value"]]
                    tol = a["tolerance"]
                    out[a["ref"]] = [(float(v), max(tol["abs"], tol["rel"] * abs(v))) for v in values]
    return out


def _version(folder: Path) -> str:
    return str(json.loads((folder / "answers.json").read_text(encoding="utf-8"))["version"])


# --------------------------------------------------------------------------
# Moodle


def test_moodle_export_follows_moodles_import_rules(exported: Path) -> None:
    raw = (exported / "moodle.xml").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    raw.decode("utf-8")  # UTF-8 throughout
    questions, problems = checks.moodle(io.BytesIO(raw))
    assert problems == []
    root = ET.fromstring(raw)
    seen_category = False
    for q in root.findall("question"):
        seen_category = seen_category or q.get("type") == "category"
        assert seen_category, "a question before the first category"
    names = [q.name for q in questions]
    assert len(names) == len(set(names))
    assert {q.qtype for q in questions} == {"cloze", "essay"}
    # every cloze sub-question is NUMERICAL with exactly one 100% answer and a number Moodle reads
    for q in root.findall("question[@type='cloze']"):
        text = q.findtext("questiontext/text") or ""
        subs = re.findall(r"\{(\d+):NUMERICAL:=([^:}]+):([^}]+)\}", text)
        assert subs
        for weight, value, tol in subs:
            assert int(weight) > 0
            assert re.fullmatch(checks.NUMBER_REGEX, value) and re.fullmatch(checks.NUMBER_REGEX, tol)
        for ref in re.findall(r"@@PLUGINFILE@@/([^\"]+)\"", text):
            assert q.find(f"questiontext/file[@name='{ref}']") is not None


def _by_code(questions: list[checks.Parsed], code: str) -> checks.Parsed:
    return next(q for q in questions if q.qtype == "cloze" and f"Version {code} " in q.name)


def test_moodle_weights_follow_the_points(folders: list[Path], exported: Path) -> None:
    """Each box's integer weight is its answer's points (whole here); each written-answer question carries its answer's points."""
    questions, _ = checks.moodle(str(exported / "moodle.xml"))
    data = json.loads((folders[0] / "answers.json").read_text(encoding="utf-8"))
    numeric = [a["points"] / (len(a["value"]) if a["kind"] == "vector" else 1)
               for q in data["questions"] for p in q["parts"] for a in p["answers"] if a["graded"]
               for _ in (a["value"] if a["kind"] == "vector" else [0]) if a["kind"] in ("number", "vector")]
    got = [n.weight for n in _by_code(questions, data["version"]).numbers]
    assert got == numeric
    for q in data["questions"]:
        for p in q["parts"]:
            for a in p["answers"]:
                if a["graded"] and a["kind"] in ("expression", "text"):
                    essay = next(e for e in questions if e.name == moodle.essay_title(a["ref"]))
                    assert essay.qtype == "essay" and essay.points == pytest.approx(a["points"])


def test_feedback_lists_the_key_and_mistakes(folders: list[Path], exported: Path) -> None:
    root = ET.parse(exported / "moodle.xml").getroot()
    code = _version(folders[0])
    q = next(q for q in root.findall("question[@type='cloze']") if f"Version {code} " in (q.findtext("name/text") or ""))
    fb = q.findtext("generalfeedback/text") or ""
    data = json.loads((folders[0] / "answers.json").read_text(encoding="utf-8"))
    for p in (p for q in data["questions"] for p in q["parts"]):
        for a in p["answers"]:
            if a["graded"] and a["kind"] == "text" and a["exact"] is None:  # an explanation: as prose, never as a formula
                assert html.to_html(a["latex"]).removeprefix("<p>").removesuffix("</p>") in fb
                assert f"\\({html.math(a['label'])} = " not in fb
            elif a["graded"]:
                assert html.math(a["latex"]) in fb
            for m in a["mistakes"]:
                for v in (m["value"] if isinstance(m["value"], list) else [m["value"]]):
                    assert feedback.number(float(v)) in fb
    assert "Common mistakes" in fb and "Worked solution" in fb and "\\boxed{" in fb
    assert "if the student" not in fb and "If you " in fb  # students read it
    # what Moodle does, not what the paper's marking promises
    assert "no follow-through" in fb and "earns its marks in full even" not in fb and "half for a correct method" not in fb
    assert not re.search(r"part \([a-z0-9]+\)", fb)  # parts named "part 1b" throughout


def test_network_figure_is_embedded(folders: list[Path], exported: Path) -> None:
    root = ET.parse(exported / "moodle.xml").getroot()
    code = _version(folders[1])
    q = next(q for q in root.findall("question[@type='cloze']") if f"Version {code} " in (q.findtext("name/text") or ""))
    f = q.find("questiontext/file")
    assert f is not None and f.get("name") == f"network-{code}.svg" and f.get("encoding") == "base64"
    import base64

    svg = ET.fromstring(base64.b64decode(f.text or ""))
    params = json.loads((folders[1] / "answers.json").read_text(encoding="utf-8"))["questions"][0]["params"]
    texts = "".join(svg.itertext())
    for w in params["W1"][0] + params["W1"][1]:
        assert str(w).replace("-", "\u2212") in texts


# --------------------------------------------------------------------------
# Canvas


def test_canvas_zip_follows_qti_rules_and_grades_every_key(folders: list[Path], exported: Path) -> None:
    sections, problems = checks.canvas(str(exported / "canvas-qti.zip"))
    assert problems == []
    with zipfile.ZipFile(exported / "canvas-qti.zip") as z:
        names = z.namelist()
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
    hrefs = [f.get("href") for f in manifest.iter(f"{{{checks.NS['cp']}}}file")]
    assert hrefs and all(h in names for h in hrefs)
    assert sum(n.endswith("/assessment_meta.xml") for n in names) == len(folders)  # a quiz per version
    for s in sections:
        assert s.select == len(s.items)  # nothing drawn inside a quiz
    items = {i.name: i for s in sections for i in s.items}
    total = json.loads((folders[0] / "answers.json").read_text(encoding="utf-8"))["points_total"]
    for k, folder in enumerate(folders, start=1):
        code = _version(folder)
        mine = [i for name, i in items.items() if name.endswith(f" v{k} {code}") and i.qtype == "numerical_question"]
        expected = [c for comps in _keys(folder).values() for c in comps]
        assert len(mine) == len(expected)
        for item, (value, tol) in zip(mine, expected):
            n = item.numbers[0]
            assert n.accepts(value) and not n.accepts(value + 1.01 * tol) and not n.accepts(value - 1.01 * tol)
        quiz = [i for s in sections for i in s.items if s.assessment.endswith(f"version {code} (v{k})")]
        assert sum(i.points for i in quiz) == pytest.approx(total)


# --------------------------------------------------------------------------
# Hostile text, broken files


def test_hostile_course_title_is_escaped(problem_sets: list[ProblemSet], folders: list[Path], tmp_path: Path) -> None:
    data = json.loads((folders[0] / "answers.json").read_text(encoding="utf-8"))
    hostile = 'A1 <script>alert("x")</script> ]]> & 50/50 \x07'
    data["course"] = {**data["course"], "title": hostile}
    version = source.load(data, source.texts(problem_sets[0]), 1)
    m = _write(version, "moodle", tmp_path)
    c = _write(copy.deepcopy(version), "canvas", tmp_path)
    raw = m.read_text(encoding="utf-8")
    assert "<script>" not in raw
    categories = [q.findtext("category/text") for q in ET.fromstring(raw).findall("question[@type='category']")]
    assert all(c is not None and "50//50" in c and "<script>" in c for c in categories)  # escaped in the file, whole when read
    with zipfile.ZipFile(c) as z:
        qti = next(n for n in z.namelist() if n.endswith(".xml") and "/" in n and "meta" not in n)
        root = ET.fromstring(z.read(qti))
    assert any("<script>" in (el.get("title") or "") for el in root.iter())


def test_cdata_never_breaks() -> None:
    text = "a ]]> b ]]]]> c"
    wrapped = moodle.cdata(text)
    assert ET.fromstring(f"<t>{wrapped}</t>").text == text


BROKEN = {
    "fraction": '<question type="numerical"><name><text>n</text></name><questiontext format="html"><text>x</text></questiontext>'
                '<answer fraction="33"><text>1</text><tolerance>0</tolerance></answer></question>',
    "no 100% answer": '<question type="cloze"><name><text>n</text></name><questiontext format="html">'
                      '<text><![CDATA[{1:NUMERICAL:%50%3:0.1}]]></text></questiontext></question>',
    "number pattern": '<question type="cloze"><name><text>n</text></name><questiontext format="html">'
                      '<text><![CDATA[{1:NUMERICAL:=+3:0.1}]]></text></questiontext></question>',
    "PLUGINFILE": '<question type="essay"><name><text>n</text></name><questiontext format="html">'
                  '<text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text></questiontext></question>',
}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_checks_catch_broken_files(rule: str) -> None:
    cat = '<question type="category"><category><text>$course$/top/x</text></category></question>'
    _, problems = checks.moodle(io.BytesIO(f"<quiz>{cat}{BROKEN[rule]}</quiz>".encode()))
    assert problems, rule


def test_checks_catch_order_and_duplicates() -> None:
    q = '<question type="essay"><name><text>n</text></name><questiontext format="html"><text>x</text></questiontext></question>'
    cat = '<question type="category"><category><text>$course$/top/x</text></category></question>'
    _, problems = checks.moodle(io.BytesIO(f"<quiz>{q}{cat}{q}</quiz>".encode()))
    assert any("before any category" in p for p in problems)
    assert any("used twice" in p for p in problems)
    _, problems = checks.moodle(io.BytesIO(b"<quiz><question"))
    assert problems and "well-formed" in problems[0]


@pytest.mark.parametrize("text,ok", [("1", True), ("-3.5", True), ("3,5", True), ("1e-05", True), (".5", True),
                                     ("2.", True), ("+1", False), ("inf", False), ("nan", False), ("1e", False), ("", False)])
def test_moodle_number_pattern(text: str, ok: bool) -> None:
    assert bool(re.fullmatch(checks.NUMBER_REGEX, text)) is ok


def test_numbers_are_written_as_moodle_reads_them() -> None:
    for x in (0.0001, 1e-5, -7.2134739194397, 2.4, 16.0, -16, 1e20):
        assert re.fullmatch(checks.NUMBER_REGEX, feedback.number(x)), x
        assert float(feedback.number(x)) == x
    with pytest.raises(ExportError):
        feedback.number(float("nan"))


def test_weights() -> None:
    assert feedback.weights([3, 3, 3, 3, 3]) == [3, 3, 3, 3, 3]
    assert feedback.weights([2.5, 2.5, 2.5, 2.5]) == [5, 5, 5, 5]
    assert feedback.weights([1, 1, 3, 3]) == [1, 1, 3, 3]
    assert feedback.weights([1, 1 / 3]) == [3, 1]
    assert feedback.weights([0, 0]) == [1, 1]  # a part configured with no points


def test_failed_check_leaves_no_file(problem_sets: list[ProblemSet], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "moodle", lambda src: ([], ["broken on purpose"]))
    (tmp_path / "moodle.xml").write_text("<quiz/>")  # an older export goes too
    with pytest.raises(ExportError, match="broken on purpose"):
        export(problem_sets[:1], ["moodle", "canvas"], tmp_path)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# LaTeX to HTML


@pytest.mark.parametrize("tex,html_text", [
    (r"if $x < y$ & more", r"<p>if \(x &lt; y\) &amp; more</p>"),
    (r"\textbf{bold} and \emph{it}", "<p><strong>bold</strong> and <em>it</em></p>"),
    (r"\[ J = \finalanswer{16} \]", r"<p>\[J = \boxed{16}\]</p>"),
    (r"\begin{align*} a &= 1 \\ b &= 2 \end{align*}", r"<p>\[\begin{aligned} a &amp;= 1 \\ b &amp;= 2 \end{aligned}\]</p>"),
    (r"\begin{itemize}\item one \item two\end{itemize}", "<p><ul><li>one</li><li>two</li></ul></p>"),
    (r"a \par\smallskip c", "<p>a  c</p>"),
    (r"\answerspace{4cm}x\vspace{2pt}", "<p>x</p>"),
    ("one\n\ntwo", "<p>one\n</p><p>two</p>"),
    (r"\nnfigure{network}{\begin{tikzpicture}\draw (0,0);\end{tikzpicture}}", "<p><img></p>"),
    (r"\text{a} $\text{went \textbf{up}}$", r"<p><span>a</span> \(\text{went up}\)</p>"),
])
def test_html_converter(tex: str, html_text: str) -> None:
    assert html.to_html(tex, lambda name: "<img>") == html_text


@pytest.mark.parametrize("tex,what", [
    (r"a \unknownmacro b\par\smallskip c", r"\unknownmacro"),
    (r"\begin{nnkeep}x\end{nnkeep}", "environment nnkeep"),
    (r"x \end{center} y", r"\end{center} without its \begin"),
])
def test_html_converter_refuses_what_it_does_not_know(tex: str, what: str) -> None:
    """Nothing is silently dropped: a student online would miss whatever it stood for."""
    with pytest.raises(html.UnknownLaTeX, match=re.escape(what)):
        html.to_html(tex, lambda name: "<img>")


def test_html_table() -> None:
    out = html.to_html(r"\begin{tabular}{@{}lr@{}}\toprule a & $b$ \\ \midrule 1 & 2 \\ \bottomrule\end{tabular}")
    assert "<th" in out and out.count("<tr>") == 2 and r"\(b\)" in out and "text-align:right" in out


def test_svg_figure_is_xml() -> None:
    svg = network_svg({"x": [1, -3], "W1": [[2, 1, 3], [2, -1, 1]], "b1": [1, 0, -1], "W2": [[3], [1], [2]], "b2": [1]})
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and "\u22123" in "".join(root.itertext())


# --------------------------------------------------------------------------
# Command line and class set


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
                          env=None, timeout=300)


def test_cli_single_version_export(tmp_path: Path) -> None:
    from generator import cli

    assert cli.main(["--seed", "4", "--no-pdf", "--export", "moodle", "--export", "canvas", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "seed-4"
    assert (folder / "moodle.xml").is_file() and (folder / "canvas-qti.zip").is_file()
    assert checks.moodle(str(folder / "moodle.xml"))[1] == []


def test_cli_rejects_an_unknown_export(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    r = _cli("--seed", "4", "--no-pdf", "--export", "blackboard", "--out", str(tmp_path), cwd=root)
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "seed-4").exists()


def test_class_set_export_and_stale_files(tmp_path: Path) -> None:
    students = classset.count_students(3)
    result = classset.make(11, students, tmp_path, jobs=1, pdf=False, quiet=True, export=("moodle", "canvas"))
    class_dir = result.folder
    questions, problems = checks.moodle(str(class_dir / "moodle.xml"))
    assert problems == [] and len({q.category for q in questions}) == 2
    assert sum(q.qtype == "cloze" for q in questions) == 3
    sections, problems = checks.canvas(str(class_dir / "canvas-qti.zip"))
    assert problems == [] and len({s.assessment for s in sections}) == 3
    # a run without --export leaves no export of an older class behind
    classset.make(11, students, tmp_path, jobs=1, pdf=False, quiet=True, export=("canvas",))
    assert not (class_dir / "moodle.xml").exists() and (class_dir / "canvas-qti.zip").exists()


def test_student_names_never_reach_an_export(tmp_path: Path) -> None:
    students = [Student("7", 'Eve <b>]]></b> & "Mallory"', row=2), Student("x</name>", "Ada", row=3)]
    result = classset.make(12, students, tmp_path, jobs=1, pdf=False, quiet=True, export=("moodle", "canvas"))
    raw = (result.folder / "moodle.xml").read_text(encoding="utf-8")
    assert checks.moodle(str(result.folder / "moodle.xml"))[1] == []
    assert "Mallory" not in raw and "Ada" not in raw and "x</name>" not in raw
    with zipfile.ZipFile(result.folder / "canvas-qti.zip") as z:
        blob = b"".join(z.read(n) for n in z.namelist())
    assert b"Mallory" not in blob and b"Ada" not in blob
    assert checks.canvas(str(result.folder / "canvas-qti.zip"))[1] == []


def test_configured_course_points_and_questions(tmp_path: Path) -> None:
    """A course configuration's title (hostile), fractional points and a left-out question reach the export."""
    from generator import config

    toml = tmp_path / "course.toml"
    toml.write_text('[course]\ncode = "ML 101"\nname = "Deep <b>Learning</b> ]]>"\ntitle = "Homework 2/3"\n'
                    '[points]\n"1c" = 7.5\n[questions]\ninclude = [1, 3]\n', encoding="utf-8")
    cfg = config.load(toml)
    result = classset.make(13, classset.count_students(2), tmp_path / "out", jobs=1, pdf=False, quiet=True,
                           config=cfg, export=("moodle", "canvas"))
    questions, problems = checks.moodle(str(result.folder / "moodle.xml"))
    assert problems == []
    categories = {q.category for q in questions}
    # "/" doubled inside a name, as Moodle reads category paths
    assert all(c.startswith("$course$/top/ML 101 Deep <b>Learning<//b> ]]>, Homework 2//3/") for c in categories)
    assert not any(q.name.startswith("Part 2") for q in questions)
    v1 = next(q for q in questions if q.qtype == "cloze" and q.name.endswith(" (v1)"))
    weights = [n.weight for n in v1.numbers]
    # 1c's five numbers share 7.5 marks: 1.5 each, beside 1a's 6 and 1b's 5 (weights 12, 10 and 3 each)
    assert weights[:7] == [12, 10, 3, 3, 3, 3, 3]
    sections, problems = checks.canvas(str(result.folder / "canvas-qti.zip"))
    assert problems == []
    quiz = [i for s in sections for i in s.items if s.assessment.endswith(" (v1)")]
    assert sum(i.points for i in quiz) == pytest.approx(cfg.points_total)


def test_an_export_a_worker_cannot_make_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export error in a class set's worker (here: a question's figure nobody
    draws) ends the run after the class's files, with no export left."""
    monkeypatch.setattr(lms.figure, "_FIGURES", {})  # inherited by the forked workers
    (tmp_path / "class-4").mkdir()
    (tmp_path / "class-4" / "canvas-qti.zip").write_bytes(b"PK")  # an older export goes too
    with pytest.raises(ExportError, match="family network\\) shows a figure"):
        classset.make(4, classset.count_students(2), tmp_path, jobs=1, pdf=False, quiet=True, export=("moodle", "canvas"))
    left = {p.name for p in (tmp_path / "class-4").iterdir()}
    assert "manifest.json" in left and "grading-sheet.csv" in left
    assert "moodle.xml" not in left and "canvas-qti.zip" not in left


def _in_process(class_seed: int, students: list[Student], folder: Path) -> list[Path]:
    """The class's exports made again in this process, from versions built here."""
    return export([pipeline.build_problem_set(seed=classset.derive_seed(class_seed, s.id), student=s.printed) for s in students],
                  ["moodle", "canvas"], folder)


def test_a_class_rendered_by_its_workers_gives_the_same_files(tmp_path: Path) -> None:
    """Each version's share of the exports is rendered by the worker that makes
    the version: the files are byte for byte those of rendering them in one process."""
    students = classset.count_students(18)
    result = classset.make(5, students, tmp_path, jobs=2, pdf=False, quiet=True, export=("moodle", "canvas"))
    alone = _in_process(5, students, tmp_path / "alone")
    assert [p.name for p in alone] == ["moodle.xml", "canvas-qti.zip"]
    assert (result.folder / "moodle.xml").read_bytes() == alone[0].read_bytes()
    assert (result.folder / "canvas-qti.zip").read_bytes() == alone[1].read_bytes()
    assert (result.folder / "moodle.xml").read_text(encoding="utf-8").count(" (v18)</text></name>") == 1  # every version a variant


def test_variants_follow_the_students_that_were_made(tmp_path: Path) -> None:
    """A student whose documents cannot be made is no variant: the ones after
    move up (variant k is the k-th student of the manifest), as if the class
    had been exported without them."""
    students = [Student("1", "Ann", row=2), Student("2", "\u00c3\u00a9ric", row=3),
                Student("3", "Bob", row=4), Student("4", "Cy", row=5)]
    result = classset.make(8, students, tmp_path, jobs=1, pdf=False, quiet=True, export=("moodle", "canvas"))
    assert [o.student.id for o in result.failed] == ["2"]
    alone = _in_process(8, [s for s in students if s.id != "2"], tmp_path / "alone")
    assert (result.folder / "moodle.xml").read_bytes() == alone[0].read_bytes()
    assert (result.folder / "canvas-qti.zip").read_bytes() == alone[1].read_bytes()


# --------------------------------------------------------------------------
# Fragments


def test_the_exports_fragments_are_the_documents_own_text(problem_sets: list[ProblemSet]) -> None:
    """Each question's introduction and each part's prompt and solution, as the
    export converts them, is text the handout and the key print (the templates
    assemble the same fragments; nothing is cut back out of the key)."""
    for ps in problem_sets:
        docs = pipeline.render_documents(ps)
        for q, text in zip(ps.questions, source.texts(ps)):
            assert text.intro.strip() and text.intro in docs["assignment"] and text.intro in docs["key"]
            assert set(text.parts) == {p.id for p in q.parts}
            for part_id, (prompt, solution) in text.parts.items():
                assert f"\\qpart{{{part_id}}}{prompt}\n" in docs["assignment"] and f"\\qpart{{{part_id}}}{prompt}\n" in docs["key"]
                assert solution in docs["key"] and solution not in docs["assignment"]
                # the worked solution alone: the paper's marking note is not what an LMS does
                assert "Grading note" not in solution and "\\textit{Marks}" not in solution


@pytest.mark.slow
def test_every_fragment_of_many_versions_converts(tmp_path: Path) -> None:
    """The strict converter knows every command the templates and the mistakes'
    texts use, for many seeds and a configuration that leaves parts out."""
    from generator import config

    toml = tmp_path / "course.toml"
    toml.write_text('[points]\n"1c" = 7.5\n[questions]\nexclude = ["1a", "2b", "3.4"]\n', encoding="utf-8")
    configured = config.load(toml)
    versions = [pipeline.build_problem_set(preset="original")]
    versions += [pipeline.build_problem_set(seed=seed) for seed in range(40)]
    versions += [pipeline.build_problem_set(seed=seed, config=configured) for seed in range(10)]
    for ps in versions:
        v = source.view(ps, 1)
        assert len(v.parts) == len(ps.parts)
        for part in v.parts:
            assert part.prompt.startswith("<p><small>[") and part.solution.startswith("<p>")
            assert "Worked solution" in feedback.feedback_html(part)
            for text in (part.intro, part.prompt, part.solution):  # outside the maths, no LaTeX is left
                assert "\\" not in re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]", "", text, flags=re.S), text[:200]
