"""The shape every question family has: the same stages, with the same names
and signatures, in every family module.

A family is a module (or any object with these names: see
:func:`generator.questions.register`) with::

    NAME: str                                    # "network", ...; keys the family's random draws
    TEMPLATE: str                                # its one template, "questions/<name>.tex.j2"
    ORIGINAL: Params                             # the original assignment's parameters
    PARTS: tuple[PartSpec, ...]                  # its parts in printed order: id suffix, default points, skill
    MISTAKES: Mapping[str, str]                  # its catalogue of usual mistakes: name -> what the student did

    def broken_rules(params, solution) -> list[str]   # the names of the rules a draw breaks
    def sample(rng) -> Params                    # draw until every rule holds
    def solve(params) -> Solution                # the answers, by the first route (from params alone)
    def verify(params, solution) -> None         # a second, independent route; raises Disagreement
    def mistakes(params, solution) -> list[Mistake]   # the usual wrong answers, most likely first
    def present(params, solution, mistakes, number) -> Question   # parts, answers, grading notes, context

``Params`` and ``Solution`` are the family's own typed dataclasses; ``sample``
returns everything ``solve`` needs (no state is kept between the stages).
:func:`generator.pipeline.build_question` alone orders the stages, gives each
part its skill from ``PARTS``, and writes the mistakes into the answers: it
checks that none lands on the key (:func:`same_value`, the one tolerance rule)
and leaves out a mistake whose value an earlier one of the same answer already
gives. The configuration's catalogue of parts and default points is built from
``PARTS`` (:mod:`generator.config`), so a new family needs its module, its
template and its registration, nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np

from ..errors import VerificationError
from ..model import JSONValue, Mistake, MistakeValue, Note, Question

P = TypeVar("P")
K = TypeVar("K")  # what a family keys its answers by (a name, a part number)
S = TypeVar("S")


class Family(Protocol[P, S]):
    """A question family: a module with these names (see the module docstring)."""

    NAME: str
    TEMPLATE: str
    ORIGINAL: P

    @property
    def PARTS(self) -> Sequence[PartSpec]: ...  # noqa: N802 (a module constant)

    @property
    def MISTAKES(self) -> Mapping[str, str]: ...  # noqa: N802 (a module constant)

    def broken_rules(self, params: P, solution: S) -> list[str]: ...

    def sample(self, rng: np.random.Generator) -> P: ...

    def solve(self, params: P) -> S: ...

    def verify(self, params: P, solution: S) -> None: ...

    def mistakes(self, params: P, solution: S) -> list[Mistake]: ...

    def present(self, params: P, solution: S, mistakes: list[Mistake], number: int) -> Question: ...


@dataclass(frozen=True)
class PartSpec:
    """One part as a family declares it: the configuration's catalogue (part
    ids, default points) and answers.json's ``skill`` come from these."""

    suffix: str  # the part's id after the question number: "a" (1a), ".4" (3.4)
    points: float  # default marks
    skill: str  # what the part tests, the same for every version (docs/answers-json.md)

    def id(self, number: int) -> str:
        return f"{number}{self.suffix}"


# The one rule for "the same value", used wherever a wrong answer is compared
# with the key or with another wrong answer: every entry within 1e-6, relative
# to the larger of 1 and the entry compared with. Exact values (fractions) that
# differ differ by far more; values computed twice in floating point (a sum of
# paths against the same sum by another route) agree to about 1e-15.
SAME_VALUE = 1e-6


Comparable = MistakeValue | JSONValue | np.ndarray  # a value compared by same_value


def _entries(v: Comparable) -> list[float]:
    if isinstance(v, (tuple, list, np.ndarray)):
        return [float(x) for x in v]
    if v is None:
        return [math.nan]
    return [float(v)]


def same_value(a: Comparable, b: Comparable) -> bool:
    """Whether ``a`` and ``b`` (numbers, fractions, or vectors of them) are the
    same value under :data:`SAME_VALUE`; a value that is not finite is the same
    as anything (it can never serve as a distinct wrong answer)."""
    xs, ys = _entries(a), _entries(b)
    if len(xs) != len(ys):
        return False
    return all(not (math.isfinite(x) and math.isfinite(y)) or abs(x - y) <= SAME_VALUE * max(1.0, abs(y))
               for x, y in zip(xs, ys))



def lands_on_key(right: Mapping[K, Comparable], wrongs: Mapping[K, Mapping[str, Comparable]]) -> bool:
    """Whether some common mistake gives the right answer (``wrongs``: answer ->
    mistake -> value; ``right``: answer -> value), by :func:`same_value`: the
    pipeline's rule, which a sampler uses to reject such a draw."""
    return any(same_value(w, right[name]) for name, ws in wrongs.items() for w in ws.values())


class Disagreement(VerificationError):
    """The two routes of a family's verifier disagree on one answer.

    ``part`` is the part's label after the question number (``"c"`` for 1c,
    ``".4"`` for 3.4); :meth:`naming` adds the version and the question."""

    def __init__(self, part: str, what: str, solver: object, second: object):
        self.part, self.what, self.solver, self.second = part, what, solver, second
        super().__init__(self._text(f"part {part.lstrip('.')}"))

    def _text(self, where: str) -> str:
        return f"{where}: {self.what}: solver gives {self.solver}, second route gives {self.second}"

    def naming(self, version: str, number: int) -> VerificationError:
        """The same disagreement as one line naming the version and the part."""
        return VerificationError(self._text(f"version {version}, q{number} part {number}{self.part}"))


def distinct_notes(answer: str, wrongs: Iterable[tuple[str, str]]) -> list[Note]:
    """The grading notes of one answer from ``(mistake, value)`` pairs, most likely
    first: a value already listed is left out, so no two notes of an answer share
    a value under different names."""
    out: list[Note] = []
    seen: set[str] = set()
    for mistake, value in wrongs:
        if value not in seen:
            seen.add(value)
            out.append(Note(answer, mistake, value))
    return out


def of_answer(mistakes: Iterable[Mistake], part: str, answer: str) -> list[Mistake]:
    """The mistakes of one answer (``part`` as in :attr:`Mistake.part`), in order."""
    return [m for m in mistakes if m.part == part and m.answer == answer]
