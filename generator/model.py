"""Plain data that mirrors answers.json (format nn-problem-set/1).

A question family builds a :class:`Question`; the pipeline collects them in a
:class:`ProblemSet`. Everything the key prints comes from these objects:
``parts``/``answers`` go to answers.json, ``context`` holds the worked-solution
data only the templates read: a dataclass per family, whose fields are the
names its template uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT = "nn-problem-set/1"

JSONDict = dict[str, Any]  # a JSON object


@dataclass
class Answer:
    name: str  # machine name, unique within its part
    label: str  # LaTeX of what is asked, e.g. \frac{\partial J}{\partial b_1^{[2]}}
    latex: str  # LaTeX of the answer as printed in the key
    exact: str | None  # sympy.parse_expr-readable string; None for free text
    value: Any  # JSON number, list of numbers, or None
    check: JSONDict | None = None  # {function, wrt, derivative, at} for derivatives

    def to_json(self) -> JSONDict:
        return {
            "name": self.name,
            "label": self.label,
            "latex": self.latex,
            "exact": self.exact,
            "value": self.value,
            "check": self.check,
        }


@dataclass(frozen=True)
class Note:
    """One common wrong answer of a part, for the key's grading note: what the
    student did, in the student's terms, and the value it gives."""

    answer: str  # LaTeX of what the value answers, e.g. J or \frac{\partial J}{\partial b_1^{[2]}}
    mistake: str  # LaTeX/text: "used $y - \hat y$ instead of $\hat y - y$"
    value: str  # LaTeX of the wrong value

    @property
    def text(self) -> str:
        """As the key prints it: '$-4$ if the student used ...'."""
        return f"${self.value}$ if the student {self.mistake}"


@dataclass
class Part:
    id: str  # "1a", "2", "3.4", ...
    prompt: str  # LaTeX of the question text
    answers: list[Answer]
    skill: str = ""  # what the part tests, the same for every version (docs/answers-json.md)
    notes: list[Note] = field(default_factory=list)  # the key's grading note: common wrong answers

    def note_items(self) -> list[tuple[str, list[Note]]]:
        """The grading notes grouped by answer, in order: [(answer, its notes)]."""
        out: list[tuple[str, list[Note]]] = []
        for n in self.notes:
            if out and out[-1][0] == n.answer:
                out[-1][1].append(n)
            else:
                out.append((n.answer, [n]))
        return out

    def to_json(self) -> JSONDict:
        return {
            "id": self.id,
            "skill": self.skill,
            "prompt": self.prompt,
            "answers": [a.to_json() for a in self.answers],
        }


@dataclass
class Question:
    id: str  # "q1", "q2", ...
    family: str  # "network", "chain_rule", "cost_derivatives"
    title: str
    params: JSONDict  # JSON-able parameters of this version
    parts: list[Part]
    template: str  # path under templates/, e.g. "questions/network.tex.j2"
    context: object = None  # the family's typed template context (a dataclass the template reads)
    difficulty: dict[str, int | float] = field(default_factory=dict)  # fairness measures (numbers)
    number: int = 1  # printed question number

    def to_json(self) -> JSONDict:
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "params": self.params,
            "parts": [p.to_json() for p in self.parts],
        }

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)


@dataclass
class ProblemSet:
    seed: int | None  # None for a preset
    version: str  # short code printed on every page
    questions: list[Question]
    generator: str = "0.1.0"
    preset: str | None = None
    student_name: str | None = None
    student_id: str | None = None

    def to_json(self) -> JSONDict:
        return {
            "format": FORMAT,
            "generator": self.generator,
            "seed": self.seed,
            "version": self.version,
            "questions": [q.to_json() for q in self.questions],
        }
