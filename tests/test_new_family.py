"""A fourth question family, defined here and nowhere else, runs through the
whole pipeline to answers.json and a compiled PDF: a new family needs its own
module (here the class TinySum), its template and an entry in the family list."""

import json
from dataclasses import dataclass

import jinja2
import numpy as np
import pytest

from generator import pipeline, render
from generator.latex import num
from generator.model import Answer, Part, Question
from generator.questions import FAMILIES
from generator.questions.family import Disagreement
from generator.sampling import integers, redraw

TEMPLATE_SOURCE = r"""<# Question: the sum of two integers (family tiny_sum, tests/test_new_family.py). #>
<% set c = q.context %>
\begin{nnkeep}
\qpart{<< q.parts[0].id >>} << q.parts[0].prompt >>
\answerspace{2cm}
\end{nnkeep}
<% if key %>
\begin{solution}
$<< c.a >> + << c.b >> = \finalanswer{<< c.total >>}$
\marking{<< c.marking|e >>}
\end{solution}
<% endif %>
"""


@dataclass(frozen=True)
class Params:
    a: int
    b: int


@dataclass(frozen=True)
class Context:
    a: str
    b: str
    total: str
    marking: str


class TinySum:
    """The family: the same names as a family module."""

    NAME = "tiny_sum"
    TEMPLATE = "questions/tiny_sum.tex.j2"
    ORIGINAL = Params(2, 3)

    @staticmethod
    def broken_rules(params: Params, solution: int | None) -> list[str]:
        return ["distinct"] if params.a == params.b else []

    @staticmethod
    def sample(rng: np.random.Generator) -> Params:
        return redraw(lambda r: Params(*integers(r, -9, 9, 2, nonzero=True)),
                      lambda p: TinySum.broken_rules(p, None), rng, "tiny sum")

    @staticmethod
    def solve(params: Params) -> int:
        return params.a + params.b

    @staticmethod
    def verify(params: Params, solution: int) -> None:
        second = int(np.sum(np.array([params.a, params.b])))  # NumPy adds, the solver adds in Python
        if second != solution:
            raise Disagreement("a", "a + b", solution, second)

    @staticmethod
    def mistakes(params: Params, solution: int) -> dict[str, dict[str, int]]:
        return {"sum": {"subtracted": params.a - params.b}}

    @staticmethod
    def present(params: Params, solution: int, number: int) -> Question:
        wrong = TinySum.mistakes(params, solution)["sum"]["subtracted"]
        part = Part(f"{number}a", rf"Compute $a + b$ for $a = {num(params.a)}$ and $b = {num(params.b)}$.",
                    [Answer("sum", "a + b", num(solution), str(solution), solution)])
        context = Context(num(params.a), num(params.b, paren=True), num(solution), f"{wrong} means a - b & co.")
        return Question(id=f"q{number}", family=TinySum.NAME, title="A tiny sum", params={"a": params.a, "b": params.b},
                        parts=[part], template=TinySum.TEMPLATE, context=context, difficulty={"size": abs(solution)},
                        number=number)


@pytest.fixture
def four_families(monkeypatch):
    env = render.environment()
    loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader({TinySum.TEMPLATE: TEMPLATE_SOURCE})])
    monkeypatch.setattr(env, "loader", loader)
    monkeypatch.setattr(pipeline, "FAMILIES", [*FAMILIES, TinySum])


def test_the_fourth_family_reaches_answers_json(four_families):
    ps = pipeline.build_problem_set(seed=5)
    data = json.loads(pipeline.answers_json(ps))
    q4 = data["questions"][3]
    assert q4["id"] == "q4" and q4["family"] == "tiny_sum"
    (answer,) = q4["parts"][0]["answers"]
    assert answer["value"] == q4["params"]["a"] + q4["params"]["b"]
    assert q4["params"]["a"] != q4["params"]["b"]
    sources = pipeline.render_documents(ps)
    assert r"\finalanswer{" + str(answer["value"]) + "}" in sources["key"]
    assert "means a - b \\& co." in sources["key"]  # plain text escaped by the template


def test_adding_a_family_changes_no_other_familys_questions(four_families, monkeypatch):
    four = pipeline.build_problem_set(seed=11).to_json()["questions"]
    monkeypatch.setattr(pipeline, "FAMILIES", FAMILIES)
    three = pipeline.build_problem_set(seed=11).to_json()["questions"]
    assert four[:3] == three


def test_the_original_preset_of_the_fourth_family(four_families):
    q4 = pipeline.build_problem_set(preset="original").questions[3]
    assert q4.params == {"a": 2, "b": 3} and q4.parts[0].answers[0].value == 5


@pytest.mark.pdf
def test_the_fourth_family_compiles(four_families, tmp_path):
    from pypdf import PdfReader

    ps = pipeline.build_problem_set(seed=5)
    pipeline.write_version(ps, tmp_path)
    key = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "key.pdf").pages)
    handout = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "assignment.pdf").pages)
    assert "Question 4: A tiny sum" in key and "Question 4: A tiny sum" in handout
    assert "(4a)" in key and "Solution" in key
