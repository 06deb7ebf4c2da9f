"""Where grading inputs come from: one interface, :class:`Source`, and a
registry of the kinds of source the grader knows.

A source hands the grader the students' typed responses as
:class:`~generator.grade.responses.Responses`: one :class:`Row` per student
(the ID, the name, and a cell per answer ref) and problem lines for what
could not be used. The grader judges rows, never files, so a new way in (a
scanned answer sheet, an LMS report, a grading station) is a class with a
``label`` and a ``read(refs)`` method, registered under a name with
:func:`register`; ``grade --responses FILE.csv`` is the ``csv`` source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import UsageError
from . import lms, responses
from .responses import Responses, Row

__all__ = ["CsvFile", "Responses", "Row", "SOURCES", "Source", "open_source", "register"]


class Source(Protocol):
    """Students' responses from somewhere."""

    @property
    def label(self) -> str:
        """How messages name the source (a file name, a station)."""
        ...

    def read(self, refs: Sequence[str]) -> Responses:
        """Every student's responses, with cells keyed by the class's refs
        (``refs``, in the answer sheet's order). An input that cannot be used
        at all is a :class:`~generator.errors.UsageError`; a bad row or cell
        is a problem line, and the rest is read."""
        ...


@dataclass(frozen=True)
class CsvFile:
    """A responses CSV as TAs type it (the class's responses-template.csv filled in)."""

    path: Path

    @property
    def label(self) -> str:
        return str(self.path)

    def read(self, refs: Sequence[str]) -> Responses:
        return responses.read(self.path, list(refs))


Opener = Callable[[Path], Source]  # a source from what the user named (a file, a folder, an address)

SOURCES: dict[str, Opener] = {"csv": CsvFile}
DEFAULT = "csv"


def register(kind: str, opener: Opener) -> None:
    """Make a kind of source known to :func:`open_source` (and so to the grader)."""
    if kind in SOURCES:
        raise ValueError(f"a responses source {kind!r} is registered already")
    SOURCES[kind] = opener


def open_source(path: Path, kind: str = DEFAULT, class_dir: Path | None = None, roster: Path | None = None) -> Source:
    """The source of ``kind`` reading from ``path``. A file of the default kind
    whose header is an LMS quiz report (Moodle's responses report, Canvas's
    Student Analysis) of the class in ``class_dir`` is read as that report,
    finding students by ID or by e-mail through ``roster``."""
    if kind == DEFAULT and class_dir is not None:
        report = lms.sniff(path)
        if report is not None:
            return lms.Report(path, class_dir, report, roster)
    try:
        opener = SOURCES[kind]
    except KeyError:
        raise UsageError(f"unknown kind of responses {kind!r}; known: {', '.join(sorted(SOURCES))}") from None
    return opener(path)
