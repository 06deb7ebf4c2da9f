"""The one place that orders the stages: seed -> ProblemSet -> files.

    seed -> per-family generator -> build (sample, solve, verify) -> ProblemSet
         -> answers.json + two LaTeX documents from one template per question
         -> PDFs (TeX in a private folder, moved into place when done)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import __version__, compile, render
from .errors import UsageError
from .files import write_atomic
from .model import ProblemSet
from .questions import FAMILIES, family_module, family_rng

PRESETS = ("original",)
MAX_SEED = 2**63 - 1
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


@dataclass
class Student:
    id: str
    name: str


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, k = divmod(value, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[k])
    return "".join(chars)


_SHORT = len(_CODE_ALPHABET) ** 5  # 2**25 seeds get a five-character code
_MIX = 0x1B873593  # odd, so seed -> seed * _MIX mod 2**25 is a bijection


def version_code(seed: int | None, preset: str | None = None) -> str:
    """The short code printed on every page, matching a handout to its key.

    Seeds below 2**25 map one-to-one to five characters (scrambled, so that
    neighbouring seeds do not look alike); larger seeds get seven characters
    from a hash.
    """
    if preset is not None:
        return preset[:4].upper()
    if seed < _SHORT:
        return _encode((seed * _MIX + 0x5BD1E9) % _SHORT, 5)
    digest = hashlib.sha256(f"nn-problem-set/version/{seed}".encode()).digest()
    return _encode(int.from_bytes(digest[:8], "big"), 7)


def build_problem_set(seed: int | None = None, preset: str | None = None, student: Student | None = None) -> ProblemSet:
    if preset is not None and preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose from: {', '.join(PRESETS)}")
    if preset is None and (seed is None or not 0 <= seed <= MAX_SEED):
        raise UsageError(f"seed must be an integer from 0 to {MAX_SEED}")
    questions = []
    for number, family in enumerate(FAMILIES, start=1):
        rng = None if preset == "original" else family_rng(seed, family)
        questions.append(family_module(family).build(rng, number))
    return ProblemSet(
        seed=None if preset else seed,
        version=version_code(seed, preset),
        questions=questions,
        generator=__version__,
        preset=preset,
        student_name=student.name if student else None,
        student_id=student.id if student else None,
    )


def answers_json(ps: ProblemSet) -> str:
    return json.dumps(ps.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_documents(ps: ProblemSet) -> dict[str, str]:
    """The LaTeX of both documents: {'assignment': ..., 'key': ...}."""
    student = Student(ps.student_id, ps.student_name) if ps.student_id is not None else None
    return {
        name: render.render("base.tex.j2", ps=ps, key=key, student=student)
        for name, key in (("assignment", False), ("key", True))
    }


def folder_name(ps: ProblemSet) -> str:
    return ps.preset if ps.preset else f"seed-{ps.seed}"


def write_version(ps: ProblemSet, folder: Path, *, pdf: bool = True) -> list[Path]:
    """Write answers.json, both .tex sources and (with ``pdf``) both PDFs."""
    docs = render_documents(ps)
    written = [write_atomic(folder / "answers.json", answers_json(ps))]
    for name, source in docs.items():
        written.append(write_atomic(folder / f"{name}.tex", source))
    if pdf:
        jobs = [compile.Job(name, source, kind=name) for name, source in docs.items()]
        written += compile.compile_all(jobs, folder)
    return written
