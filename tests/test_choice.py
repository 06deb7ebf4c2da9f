"""1d's last question, "did the step lower the loss?", is a graded answer of
kind ``choice`` (answers.json format 3): decided from the losses and checked
by the threshold, read back by generator.key with its checks, judged by the
grader from the obvious spellings only, on the answer sheet, the grading sheet
and in both LMS exports."""

from __future__ import annotations

import copy
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator import cli, key, marksheet, pipeline
from generator.export import checks
from generator.grade import judge
from generator.grade.safe import Unreadable
from generator.questions import family_rng, network
from generator.questions.family import Disagreement


def q1(seed: int) -> Any:
    return pipeline.build_question(network, family_rng(seed, network.NAME), 1)


def test_the_choice_follows_the_losses_over_many_versions() -> None:
    said = []
    for seed in range(300):
        q = q1(seed)
        d = q.part("1d")
        choice = d.graded[-1]
        assert (choice.ref, choice.kind, choice.choices, choice.value) == ("1d#5", "choice", ["yes", "no"], None)
        before, after = q.part("1c").answer("J").value, d.answer("J_after").value
        assert choice.exact == ("yes" if after < before else "no"), seed
        assert choice.latex == rf"\text{{{choice.exact}}}" and choice.points == 1
        said.append(choice.exact)
    assert 0.3 < said.count("yes") / len(said) < 0.7  # the step's outcome is a fair coin across versions


def test_the_original_overshoots() -> None:
    d = pipeline.build_question(network, None, 1).part("1d")
    assert d.answer("loss_lowered").exact == "no"
    assert d.prompt.endswith("Did the step lower the loss (yes or no)?")


def test_the_second_route_catches_a_wrong_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    net = network.sample(family_rng(5, network.NAME))
    sol = network.solve(net)
    network.verify(net, sol)
    monkeypatch.setattr(network.Solution, "lowered", property(lambda s: not (s.loss_after < s.bp.loss)))
    with pytest.raises(Disagreement, match="whether the step lowered the loss"):
        network.verify(net, sol)


def test_default_points_of_1d_are_whole() -> None:
    d = q1(2).part("1d")
    assert [a.points for a in d.graded] == [3, 3, 3, 2, 1] and d.points == 12


# --------------------------------------------------------------------------
# Judging


def key_of(exact: str = "yes") -> key.Answer:
    return key.Answer("1d", "loss_lowered", network.LOWERED_LABEL, "loss lowered?", rf"\text{{{exact}}}", exact,
                      None, None, True, "1d#5", 1.0, "choice", None, (), (), None, (), ("yes", "no"))


@pytest.mark.parametrize("response", ["yes", "Yes", "YES", " y ", "Y", "true", "True", "decreased", "Decreased",
                                      "lower", "LOWER", "\tyes\n", "ｙｅｓ"])
def test_spellings_of_yes(response: str) -> None:
    assert judge.read_choice(response, ("yes", "no")) == "yes"
    right = judge.judge(response, key_of("yes"), {}, {})
    assert (right.status, right.points) == (judge.RIGHT, 1.0)
    wrong = judge.judge(response, key_of("no"), {}, {})
    assert (wrong.status, wrong.points, wrong.mistake) == (judge.WRONG, 0.0, None)


@pytest.mark.parametrize("response", ["no", "No", " n", "N", "false", "FALSE", "increased", "Increased", "higher", "Higher "])
def test_spellings_of_no(response: str) -> None:
    assert judge.read_choice(response, ("yes", "no")) == "no"
    assert judge.judge(response, key_of("no"), {}, {}).status == judge.RIGHT
    assert judge.judge(response, key_of("yes"), {}, {}).status == judge.WRONG


@pytest.mark.parametrize("response", ["maybe", "yes no", "yes.", "y/n", "1", "0", "t", "f", "decrease", "down", "ja",
                                      "not lower", "=yes", "lowered"])
def test_anything_else_is_unreadable(response: str) -> None:
    with pytest.raises(Unreadable, match="expected yes or no"):
        judge.read_choice(response, ("yes", "no"))
    v = judge.judge(response, key_of("yes"), {}, {})
    assert (v.status, v.points) == (judge.UNREADABLE, 0.0) and "expected yes or no" in v.note


def test_a_blank_choice_is_blank() -> None:
    assert judge.judge("   ", key_of("yes"), {}, {}).status == judge.BLANK


def test_other_options_are_read_as_written() -> None:
    assert judge.read_choice(" Up ", ("down", "up")) == "up"
    with pytest.raises(Unreadable):
        judge.read_choice("yes", ("down", "up"))  # the yes/no spellings belong to a yes/no choice only


# --------------------------------------------------------------------------
# Reading answers.json


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(pipeline.answers_json(pipeline.build_problem_set(seed=3)))
    return loaded


def _choice(d: dict[str, Any]) -> dict[str, Any]:
    part = d["questions"][0]["parts"][3]
    return next(a for a in part["answers"] if a["kind"] == "choice")


def test_the_reader_reads_the_choice(data: dict[str, Any]) -> None:
    v = key.parse(data)
    a = v.answer("1d#5")
    assert (a.kind, a.choices, a.exact, a.value, a.points) == ("choice", ("yes", "no"), _choice(data)["exact"], None, 1)
    assert "1d#5" not in dict(v.finals())  # a yes or no says nothing of who worked with whom


@pytest.mark.parametrize("edit, message", [
    ({"exact": "maybe"}, "exact is one of its choices"),
    ({"exact": None}, "exact is one of its choices"),
    ({"choices": ["yes"]}, "two or more distinct options"),
    ({"choices": ["yes", "yes"]}, "two or more distinct options"),
    ({"choices": ["yes", " "]}, "two or more distinct options"),
    ({"choices": None}, "two or more distinct options"),
    ({"choices": ["yes", 1]}, "expected a string"),
    ({"value": 1}, "has no value"),
])
def test_the_reader_refuses_a_broken_choice(data: dict[str, Any], edit: dict[str, Any], message: str) -> None:
    broken = copy.deepcopy(data)
    _choice(broken).update(edit)
    with pytest.raises(key.KeyFormatError, match=message):
        key.parse(broken)


def test_the_reader_refuses_choices_elsewhere_and_a_choice_in_format_2(data: dict[str, Any]) -> None:
    broken = copy.deepcopy(data)
    broken["questions"][0]["parts"][0]["answers"][-1]["choices"] = ["yes", "no"]
    with pytest.raises(key.KeyFormatError, match="only a choice answer has choices"):
        key.parse(broken)
    old = copy.deepcopy(data)
    old["format"] = key.FORMAT_2
    with pytest.raises(key.KeyFormatError, match="expected one of number, vector, expression, text, not 'choice'"):
        key.parse(old)
    missing = copy.deepcopy(data)
    del _choice(missing)["choices"]
    with pytest.raises(key.KeyFormatError, match="no 'choices' field"):
        key.parse(missing)


def test_a_format_2_file_reads_and_grades(data: dict[str, Any]) -> None:
    old = copy.deepcopy(data)
    old["format"] = key.FORMAT_2
    for q in old["questions"]:
        for p in q["parts"]:
            p["answers"] = [a for a in p["answers"] if a["kind"] != "choice"]
            for a in p["answers"]:
                del a["choices"]
    v = key.parse(old)
    assert "1d#5" not in v.refs and all(a.choices == () for a in v.graded)
    assert len(judge.keys_of(v)) == len(v.graded)
    assert marksheet.graded(v)


# --------------------------------------------------------------------------
# The documents and the exports


def test_the_answer_sheet_and_the_key_show_the_choice() -> None:
    bodies = pipeline.render_bodies(pipeline.build_problem_set(seed=3))
    assert r"\nnbox{1d\#5}{$\text{loss lowered?}$}" in bodies["assignment"]
    assert r"\nnref{1d\#5}\,$\text{loss lowered?}$" in bodies["assignment"]  # under the prompt
    assert r"Did the step lower the loss?}\quad \finalanswer{\text{" in bodies["key"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[key.Version]]:
    out = tmp_path_factory.mktemp("choice")
    assert cli.main(["--seed", "8", "--count", "4", "--no-pdf", "--quiet", "--out", str(out),
                     "--export", "moodle", "--export", "canvas"]) == 0
    folder = out / "class-8"
    versions = [key.read(p) for p in sorted(folder.glob("*/answers.json"), key=lambda p: int(p.parent.name))]
    return folder, versions


def test_moodle_asks_the_choice_in_the_cloze(exported: tuple[Path, list[key.Version]]) -> None:
    """1d's choice is a MULTICHOICE box of the version's one question, after 1d's numbers."""
    folder, versions = exported
    questions, problems = checks.moodle(str(folder / "moodle.xml"))
    assert problems == []
    d = {q.name.split(" ")[1]: q for q in questions if q.qtype == "cloze"}
    for v in versions:
        q = d[v.version]
        assert [(c.right, c.options, c.weight) for c in q.choices] == [(v.answer("1d#5").exact, ("yes", "no"), 1.0)]
        assert q.points == sum(n.weight for n in q.numbers) + 1
    assert {q.choices[0].right for q in d.values()} == {"yes", "no"}  # both outcomes among the versions


def test_canvas_asks_the_choice_as_multiple_choice(exported: tuple[Path, list[key.Version]]) -> None:
    folder, versions = exported
    sections, problems = checks.canvas(str(folder / "canvas-qti.zip"))
    assert problems == []
    items = [i for s in sections for i in s.items if i.name.startswith("1d#5 ")]
    assert len(items) == len(versions)
    for item, v in zip(items, versions):
        assert item.qtype == "multiple_choice_question" and v.version in item.name and item.points == 1
        assert [(c.right, c.options) for c in item.choices] == [(v.answer("1d#5").exact, ("yes", "no"))]


def test_the_export_checks_catch_a_wrong_option(exported: tuple[Path, list[key.Version]], tmp_path: Path) -> None:
    folder, versions = exported
    xml = (folder / "moodle.xml").read_text(encoding="utf-8")
    flipped = re.sub(r":MULTICHOICE:(=?)yes~(=?)no}", lambda m: f":MULTICHOICE:{m.group(2)}yes~{m.group(1)}no}}", xml)
    assert flipped != xml
    (tmp_path / "moodle.xml").write_text(flipped, encoding="utf-8")
    questions, problems = checks.moodle(str(tmp_path / "moodle.xml"))
    assert problems == []  # still a good import, but it marks the wrong option right
    expected = checks.Expected(choices={f"Version {v.version} (v{k})": [(v.answer("1d#5").exact or "", ("yes", "no"))]
                                        for k, v in enumerate(versions, start=1)})
    wrong = [p for p in expected.problems({q.name: q for q in questions}, {}) if "the choices" in p]
    assert len(wrong) == len(versions)
    with zipfile.ZipFile(folder / "canvas-qti.zip") as z:
        assert any("multiple_choice_question" in z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_cloze_options_are_escaped() -> None:
    text = "{1:MULTICHOICE:=" + checks.cloze_escape('a}b#c~d/e"f\\g') + "~no}"
    choices, problems = checks.cloze_choices(text)
    assert problems == [] and [(c.right, c.options) for c in choices] == [('a}b#c~d/e"f\\g', ('a}b#c~d/e"f\\g', "no"))]
    assert checks.cloze_choices("{1:MULTICHOICE:yes~no}")[1]  # no right option
    assert checks.cloze_choices("{1:MULTICHOICE:=yes~=no}")[1]  # two
