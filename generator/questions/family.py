"""The shape every question family has: the same stages, with the same names
and signatures, in every family module.

A family is a module (listed in :data:`generator.questions.FAMILIES`) with::

    NAME: str                                    # "network", ...; keys the family's random draws
    TEMPLATE: str                                # its one template, "questions/<name>.tex.j2"
    ORIGINAL: Params                             # the original assignment's parameters

    def broken_rules(params, solution) -> list[str]   # the names of the rules a draw breaks
    def sample(rng) -> Params                    # draw until every rule holds
    def solve(params) -> Solution                # the answers, by the first route
    def verify(params, solution) -> None         # a second, independent route; raises Disagreement
    def mistakes(params, solution) -> Mistakes   # the usual wrong answers, by answer and mistake
    def present(params, solution, number) -> Question   # parts, answers and the template's context

``Params`` and ``Solution`` are the family's own typed dataclasses.
:func:`generator.pipeline.build_question` alone orders the stages; a new family
needs its module, its template and an entry in the family list, nothing else.
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol, TypeVar

import numpy as np

from ..errors import VerificationError
from ..model import Note, Question

P = TypeVar("P")
S = TypeVar("S")


class Family(Protocol[P, S]):
    """A question family: a module with these names (see the module docstring)."""

    NAME: str
    TEMPLATE: str
    ORIGINAL: P

    def broken_rules(self, params: P, solution: S) -> list[str]: ...

    def sample(self, rng: np.random.Generator) -> P: ...

    def solve(self, params: P) -> S: ...

    def verify(self, params: P, solution: S) -> None: ...

    def mistakes(self, params: P, solution: S) -> Any: ...

    def present(self, params: P, solution: S, number: int) -> Question: ...


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
