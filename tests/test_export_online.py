"""Online quizzes that hold together: every assignment Moodle's or Canvas's
selection can give a student is one version (every number, every prompt and
the written parts), read back from the exports' own structure (the numbers
each box accepts and the text each question shows, against every version's
key), not from names; online prompts ask only for what the LMS grades, and
no box's width depends on its key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import pipeline
from generator.export import checks, export, feedback, moodle, source
from generator.model import ProblemSet

SEEDS = (5, 6, 7, 8)


@pytest.fixture(scope="module")
def versions() -> list[source.Version]:
    return [source.view(pipeline.build_problem_set(seed=s), k) for k, s in enumerate(SEEDS, start=1)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("online")
    problem_sets: list[ProblemSet] = [pipeline.build_problem_set(seed=s) for s in SEEDS]
    export(problem_sets, ["moodle", "canvas"], target)
    return target


def _keys(version: source.Version) -> list[tuple[float, float]]:
    return [(c.value, c.tolerance) for part in version.parts for c in part.components()]


def _matches(numbers: list[checks.Numeric], keys: list[tuple[float, float]]) -> bool:
    """The boxes accept exactly these keys, in order (each key in, key +/- 1.01 tolerance out)."""
    return len(numbers) == len(keys) and all(
        n.accepts(v) and not n.accepts(v + 1.01 * t + 1e-12) and not n.accepts(v - 1.01 * t - 1e-12)
        for n, (v, t) in zip(numbers, keys))


def _prompts(version: source.Version) -> list[str]:
    return [feedback.online_text(p.prompt, feedback.question_number(p)) for p in version.parts]


def _whose(numbers: list[checks.Numeric], text: str, versions: list[source.Version]) -> source.Version:
    """The one version whose every number the boxes grade and whose every prompt the text shows."""
    by_numbers = [v for v in versions if _matches(numbers, _keys(v))]
    assert len(by_numbers) == 1, f"the boxes grade {len(by_numbers)} versions' keys"
    mine = by_numbers[0]
    assert all(p in text for p in _prompts(mine))
    for other in versions:
        if other is not mine:
            assert not any(p in text for p in _prompts(other) if p not in _prompts(mine))
    return mine


def test_every_assignment_moodle_can_draw_is_one_version(versions: list[source.Version], exported: Path) -> None:
    questions, problems = checks.moodle(str(exported / "moodle.xml"))
    assert problems == []
    slots = checks.moodle_slots(questions, moodle.VERSIONS)
    drawn = checks.assignments(slots)
    assert len(drawn) == len(versions)  # one random slot, whose candidates are the versions
    every_prompt = {p for v in versions for p in _prompts(v)}
    given = set()
    for assignment in drawn:
        numbered = [q for q in assignment if q.numbers]
        assert len(numbered) == 1  # every number of the assignment is in one question
        mine = _whose(numbered[0].numbers, numbered[0].text, versions)
        given.add(mine.code)
        written = [q for q in assignment if q.qtype == "essay"]
        # the written answers: one question per answer of the version drawn no box grades, holding no version's wording
        assert [re.search(r"Written answer (\S+)</strong>", q.text).group(1) for q in written] == [  # type: ignore[union-attr]
            a.ref for p in mine.parts for a in p.manual]
        for q in written:
            assert not any(p in q.text for p in every_prompt)
            assert not any(feedback.number(v) in q.text for v, _ in _keys(mine) if abs(v) > 9)
        # the written parts' own prompts are those of the version drawn, in its question
        for p in mine.parts:
            for a in p.manual:
                assert f"\u201c{moodle.essay_title(a.ref)}\u201d" in numbered[0].text
    assert given == {v.code for v in versions}


def test_every_assignment_canvas_can_give_is_one_version(versions: list[source.Version], exported: Path) -> None:
    sections, problems = checks.canvas(str(exported / "canvas-qti.zip"))
    assert problems == []
    assert all(s.select == len(s.items) for s in sections)  # no group draws inside a quiz: a quiz is an assignment
    quizzes: dict[str, list[checks.Parsed]] = {}
    for s in sections:
        quizzes.setdefault(s.assessment, []).extend(s.items)
    assert len(quizzes) == len(versions)
    given = set()
    for items in quizzes.values():
        numbers = [n for i in items if i.qtype == "numerical_question" for n in i.numbers]
        text = "".join(i.text for i in items)
        mine = _whose(numbers, text, versions)
        given.add(mine.code)
        essays = [i for i in items if i.qtype == "essay_question"]
        assert [re.search(r"written answer (\S+):", i.text).group(1) for i in essays] == [  # type: ignore[union-attr]
            a.ref for p in mine.parts for a in p.manual]
        assert sum(i.points for i in items) == pytest.approx(sum(a.points for p in mine.parts for a in p.graded))
    assert given == {v.code for v in versions}


PAPER_FORMS = re.compile(r"exact|fraction|\\sigma\(k\)|\\tanh k", re.I)


def test_online_prompts_name_only_accepted_forms(versions: list[source.Version], exported: Path) -> None:
    questions, _ = checks.moodle(str(exported / "moodle.xml"))
    sections, _ = checks.canvas(str(exported / "canvas-qti.zip"))
    texts = [q.text for q in questions] + [i.text for s in sections for i in s.items]
    for text in texts:
        assert not PAPER_FORMS.search(re.sub(r"<p><strong>How to answer online.*?</p>", "", text, flags=re.S)), text[:300]
        assert not re.search(r"part \([a-z0-9.]+\)", text)
    for q in questions:
        if q.qtype == "cloze":
            assert "decimal separator" in q.text
            # every box's row states the decimal it takes
            rows = [r for r in re.findall(r"<tr>.*?</tr>", q.text, flags=re.S) if "NUMERICAL" in r]
            assert rows and all(re.search(r"a decimal to \d+ places?|exact decimal|whole number", r) for r in rows)
    for s in sections:
        for i in s.items:
            if i.qtype == "numerical_question":
                assert re.search(r"a decimal to \d+ places?", i.text)
    for v in versions:
        for part in v.parts:
            for c in part.components():
                d = feedback.places(c)
                assert d is not None and 0.5 * 10.0 ** -d <= c.tolerance / 2 * (1 + 1e-9)  # the key rounded so is right


def test_box_sizes_are_independent_of_the_key(exported: Path) -> None:
    """Moodle sizes a cloze box from its answers' text (question/type/multianswer/renderer.php): every answer is as wide."""
    text = (exported / "moodle.xml").read_text(encoding="utf-8")
    answers = re.findall(r"\{\d+:NUMERICAL:=([^:}]+):", text)
    assert answers and {len(a) for a in answers} == {moodle.WIDTH}
    for x in (16.0, -3.0300225101986635, 1.5e-05, -1.2345678901234567e-300, 0.0, 1e20):
        padded = moodle.padded(x)
        assert len(padded) == moodle.WIDTH and float(padded) == x and re.fullmatch(checks.NUMBER_REGEX, padded)


def test_no_block_inside_a_paragraph(exported: Path) -> None:
    questions, _ = checks.moodle(str(exported / "moodle.xml"))
    sections, _ = checks.canvas(str(exported / "canvas-qti.zip"))
    for text in [q.text for q in questions] + [i.text for s in sections for i in s.items]:
        depth = 0
        for m in re.finditer(r"<(/?)(p|div|table|ul|ol|h\d)\b[^>]*>", text):
            if m.group(2) == "p":
                depth += -1 if m.group(1) else 1
                assert depth in (0, 1), text[max(0, m.start() - 200):m.end()]
            else:
                assert depth == 0, text[max(0, m.start() - 200):m.end()]  # no block inside a paragraph
        assert depth == 0


@pytest.mark.parametrize("given,tidy", [
    ("<p>a <div>b</div> c</p>", "<p>a </p><div>b</div> c"),
    ("<p><div>\nx\n</div>\n</p><p>y</p>", "<div>\nx\n</div>\n<p>y</p>"),
    ("<p>a<p>b</p>", "<p>a</p><p>b</p>"),
    ("<div>x</p><p><table><tr><td>1</td></tr></table></div>", "<div>x<table><tr><td>1</td></tr></table></div>"),
])
def test_paragraphs_apart(given: str, tidy: str) -> None:
    assert source.paragraphs_apart(given) == tidy
