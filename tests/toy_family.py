"""A fourth question family defined outside the package: the sum of two
integers. It has every name a family declares (generator/questions/family.py)
and is registered at run time with :func:`registered`, so tests (and other
test modules) can take it through the whole pipeline without any change in
``generator/``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from generator import questions
from generator.latex import num
from generator.model import EXACT, Answer, Mistake, Note, Part, Question
from generator.questions.family import Disagreement, PartSpec, distinct_notes, of_answer, same_value
from generator.sampling import integers, redraw

TEMPLATE_SOURCE = r"""<# Question: the sum of two integers (family tiny_sum, tests/toy_family.py). #>
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
    PARTS = (PartSpec("a", 5, "integer_addition"),)
    MISTAKES = {"subtracted": r"subtracted $b$ instead of adding it", "swapped_sign": r"added $-a$ instead of $a$"}

    @staticmethod
    def broken_rules(params: Params, solution: int | None) -> list[str]:
        broken = ["distinct"] if params.a == params.b else []
        right = params.a + params.b
        if any(same_value(m.value, right) for m in TinySum._wrong(params)):
            broken.append("mistakes_differ")
        return broken

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
    def _wrong(params: Params) -> list[Mistake]:
        return [Mistake("a", "sum", "subtracted", TinySum.MISTAKES["subtracted"], Fraction(params.a - params.b)),
                Mistake("a", "sum", "swapped_sign", TinySum.MISTAKES["swapped_sign"], Fraction(params.b - params.a))]

    @staticmethod
    def mistakes(params: Params, solution: int) -> list[Mistake]:
        return TinySum._wrong(params)

    @staticmethod
    def present(params: Params, solution: int, mistakes: list[Mistake], number: int) -> Question:
        answer = Answer("sum", "a + b", num(solution), str(solution), solution, graded=True, weight=1, tolerance=dict(EXACT))
        notes: list[Note] = distinct_notes("a + b", ((m.text, num(m.value)) for m in of_answer(mistakes, "a", "sum")))
        part = Part(f"{number}a", rf"Compute $a + b$ for $a = {num(params.a)}$ and $b = {num(params.b)}$.", [answer], notes=notes)
        part.number_refs()
        context = Context(num(params.a), num(params.b, paren=True), num(solution), f"{params.a - params.b} means a - b & co.")
        return Question(id=f"q{number}", family=TinySum.NAME, title="A tiny sum", params={"a": params.a, "b": params.b},
                        parts=[part], template=TinySum.TEMPLATE, context=context, difficulty={f"{number}a:size": abs(solution)},
                        number=number)


@contextlib.contextmanager
def registered() -> Iterator[type[TinySum]]:
    """The toy family registered (with its template) for the duration of the block."""
    questions.register(TinySum, template=TEMPLATE_SOURCE)
    try:
        yield TinySum
    finally:
        questions.unregister(TinySum.NAME)
