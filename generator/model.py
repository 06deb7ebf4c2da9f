"""Plain data that mirrors answers.json (format nn-problem-set/3).

A question family builds a :class:`Question`; the pipeline collects them in a
:class:`ProblemSet`. Everything the key prints comes from these objects:
``parts``/``answers`` go to answers.json, ``context`` holds the worked-solution
data only the templates read: a dataclass per family, whose fields are the
names its template uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from .plain import plain

FORMAT = "nn-problem-set/3"

KINDS = ("number", "vector", "expression", "text", "choice")

JSONDict = dict[str, Any]  # a JSON object
JSONValue = int | float | list[int | float] | None  # an answer's ``value``: a number, a vector, or none

MistakeValue = Fraction | float | tuple[Fraction | float, ...]  # a wrong number, exact or not, or a wrong vector


@dataclass(frozen=True)
class Mistake:
    """A usual wrong answer of one answer of a family's question: the family
    names it (``mistakes`` stage), the pipeline checks it and writes it into
    the answer (answers.json's ``mistakes``: name, text, value)."""

    part: str  # the part's id after the question number: "a" for 1a, ".4" for 3.4
    answer: str  # the answer's name in that part
    name: str  # the mistake, a key of the family's catalogue (its MISTAKES)
    text: str  # what the student did, in the student's terms (LaTeX in text mode)
    value: MistakeValue  # the value it gives
    credit: float = 0.0  # the share of the answer's points it still earns (set by the pipeline from the configuration)
    scope: str = "answer"  # "part": made consistently through a part, it costs once there (the family's SLIPS)

    def to_json(self) -> JSONDict:
        return {"name": self.name, "text": self.text, "value": json_value(self.value), "credit": number(self.credit),
                "scope": self.scope}

    @property
    def number(self) -> float:
        """The value of a mistake of a number answer, as a float."""
        if isinstance(self.value, tuple):
            raise ValueError(f"the mistake {self.name} gives a vector, not a number")
        return float(self.value)


def json_value(v: MistakeValue) -> int | float | list[int | float]:
    """A value as answers.json writes it: a fraction as an int when whole (else
    a float), a float as itself, a vector as a list."""
    if isinstance(v, tuple):
        return [_json_number(x) for x in v]
    return _json_number(v)


def _json_number(x: Fraction | float) -> int | float:
    if isinstance(x, (Fraction, int)):  # an int is a whole fraction
        q = Fraction(x)
        return int(q.numerator) if q.denominator == 1 else float(q)
    return float(x)


@dataclass
class Answer:
    name: str  # machine name, unique within its part
    label: str  # LaTeX of what is asked, e.g. \frac{\partial J}{\partial b_1^{[2]}}
    latex: str  # LaTeX of the answer as printed in the key
    exact: str | None  # sympy.parse_expr-readable string; None for free text
    value: Any  # JSON number, list of numbers, or None
    check: JSONDict | None = None  # {function, wrt, derivative, at} for derivatives
    # format 2: marking (docs/answers-json.md). A graded answer is one the handout asks for.
    graded: bool = False
    kind: str = "number"  # one of KINDS
    weight: int = 0  # a graded answer's share of its part's points (the pipeline turns it into points)
    tolerance: JSONDict | None = None  # {"abs": ..., "rel": ...} for number and vector
    variables: list[str] | None = None  # the symbols of an expression answer
    depends_on: list[str] = field(default_factory=list)  # refs of earlier answers this one is computed from
    recompute: str | None = None  # SymPy expression in ref symbols (ref_1a_1) giving this answer from those
    mistakes: list[Mistake] = field(default_factory=list)  # common wrong answers (written by the pipeline)
    ref: str | None = None  # "<part>#<k>", set by :func:`number_refs`
    points: float | None = None  # set by the pipeline from the configuration
    text: str = ""  # the label as readable plain text, set by :func:`number_refs`
    choices: list[str] | None = None  # a choice answer's options, as the student writes them; ``exact`` is the right one

    def to_json(self) -> JSONDict:
        return {
            "name": self.name,
            "label": self.label,
            "text": self.text,
            "latex": self.latex,
            "exact": self.exact,
            "value": self.value,
            "check": self.check,
            "graded": self.graded,
            "ref": self.ref,
            "points": None if self.points is None else number(self.points),
            "kind": self.kind,
            "tolerance": self.tolerance,
            "variables": self.variables,
            "depends_on": list(self.depends_on),
            "recompute": self.recompute,
            "mistakes": [m.to_json() for m in self.mistakes],
            "choices": None if self.choices is None else list(self.choices),
        }


@dataclass(frozen=True)
class Student:
    """A student everywhere (roster, class set, documents, grader): read from a
    roster (with the row it came from), numbered in a --count class set (no
    name, no row), or read back from an answers.json or a manifest."""

    id: str
    name: str | None = None
    row: int | None = field(default=None, compare=False)  # line of the roster file

    @property
    def printed(self) -> Student | None:
        """The student as printed on the documents: only a named student is."""
        return self if self.name is not None else None

    @property
    def where(self) -> str:
        """How messages name the student: "student '1001' (row 3)"."""
        return f"student {self.id!r}" + (f" (row {self.row})" if self.row is not None else "")


EXACT = {"abs": 0.005, "rel": 0.0}  # the tolerance of a number asked exactly (a rounded decimal is accepted)
FOUR_PLACES = {"abs": 0.0001, "rel": 0.0}  # the tolerance of a number asked to four decimal places


def ref_symbol(ref: str) -> str:
    """The symbol that stands for a student's answer ``ref`` in a ``recompute``
    expression: 1a#1 -> ref_1a_1, 3.1#2 -> ref_3_1_2."""
    part, k = ref.split("#")
    return f"ref_{part.replace('.', '_')}_{k}"


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
    points: float = 0  # the part's marks, from the configuration (set by the pipeline)
    refers_to: list[str] = field(default_factory=list)  # ids of the other parts the prompt names ("the network of part (1a)")
    alone: str = ""  # the prompt naming none of them, for when the configuration leaves one out
    marking: Marking | None = None  # the configuration's shares, for the key's marking notes (set by the pipeline)

    def note_items(self) -> list[tuple[str, list[Note]]]:
        """The grading notes grouped by answer, in order: [(answer, its notes)]."""
        out: list[tuple[str, list[Note]]] = []
        for n in self.notes:
            if out and out[-1][0] == n.answer:
                out[-1][1].append(n)
            else:
                out.append((n.answer, [n]))
        return out

    @property
    def graded(self) -> list[Answer]:
        """The answers the handout asks for, in ref order."""
        return [a for a in self.answers if a.graded]

    def note_credit(self, note: Note) -> str:
        """What a common wrong answer of the grading note still earns, as the
        key prints it after the note: " (half the marks, once in the part)",
        or "" when it earns nothing (from the mistakes' credit and scope)."""
        for a in self.graded:
            for m in a.mistakes:
                if m.text == note.mistake and m.credit > 0:
                    share = {1.0: "all", 0.5: "half", 0.25: "a quarter", 0.75: "three quarters"}.get(m.credit, f"{m.credit:g} of")
                    return f" ({share} the marks{', once in the part' if m.scope == 'part' else ''})"
                if m.text == note.mistake and m.scope == "part":
                    return " (once in the part)"
        return ""

    @property
    def carried_from(self) -> list[str]:
        """The earlier refs this part's answers are computed from, in order."""
        out: list[str] = []
        for a in self.graded:
            out += [r for r in a.depends_on if r not in out]
        return out

    def answer(self, name: str) -> Answer:
        for a in self.answers:
            if a.name == name:
                return a
        raise KeyError(name)

    def number_refs(self) -> None:
        """Give every graded answer its ref, ``<part id>#<k>`` in the order the
        handout asks for them, and every answer its readable label."""
        k = 0
        for a in self.answers:
            a.text = plain(a.label)
            if a.graded:
                k += 1
                a.ref = f"{self.id}#{k}"

    def to_json(self) -> JSONDict:
        return {
            "id": self.id,
            "skill": self.skill,
            "points": number(self.points),
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

    def find(self, suffix: str) -> Part | None:
        """The part ``<number><suffix>`` ("a" is 1a in question 1), or None when
        the configuration leaves it out."""
        for p in self.parts:
            if p.id == f"{self.number}{suffix}":
                return p
        return None

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)


class CourseJSON(Protocol):
    def to_json(self) -> dict[str, str | None]: ...


class Marking(Protocol):
    """The shares of the points beyond right and wrong (:class:`generator.config.Grading`)."""

    @property
    def follow_through(self) -> float: ...

    @property
    def method(self) -> float: ...

    @property
    def rounding(self) -> float: ...


class Configured(Protocol):
    """What a problem set reads of the configuration it was made with
    (:class:`generator.config.Config`, which the model does not import)."""

    @property
    def course(self) -> CourseJSON: ...

    @property
    def grading(self) -> Marking: ...


@dataclass
class ProblemSet:
    seed: int | None  # None for a preset
    version: str  # short code printed on every page
    questions: list[Question]
    generator: str = "0.1.0"
    preset: str | None = None
    student_name: str | None = None
    student_id: str | None = None
    config: Configured | None = field(default=None, kw_only=True)  # the course configuration it was made with (required to write it)

    @property
    def points_total(self) -> float:
        return sum(p.points for q in self.questions for p in q.parts)

    @property
    def parts(self) -> list[Part]:
        return [p for q in self.questions for p in q.parts]

    def to_json(self) -> JSONDict:
        if self.config is None:
            raise ValueError("a problem set is written with the configuration it was made with (ProblemSet.config)")
        course = self.config.course
        return {
            "format": FORMAT,
            "generator": self.generator,
            "seed": self.seed,
            "version": self.version,
            "course": course.to_json(),
            "student": None if self.student_id is None else {"id": self.student_id, "name": self.student_name},
            "points_total": number(self.points_total),
            "grading": {"follow_through": number(self.config.grading.follow_through),
                        "rounding": number(self.config.grading.rounding)},
            "questions": [q.to_json() for q in self.questions],
        }


def number(x: float) -> float | int:
    """A point count as JSON shows it: 6, not 6.0."""
    return int(x) if float(x).is_integer() else round(float(x), 4)
