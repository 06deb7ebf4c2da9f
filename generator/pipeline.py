"""The one place that orders the stages: seed -> ProblemSet -> files.

    seed -> per-family generator -> sample, solve, verify, present -> ProblemSet
         -> answers.json + two LaTeX documents from one template per question
         -> PDFs (TeX in a private folder, moved into place when done)
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, compile, names, render
from .errors import UsageError
from .files import write_atomic
from .model import ProblemSet, Question
from .questions import FAMILIES, family_rng
from .questions.family import Disagreement, Family

PRESETS = ("original",)
MAX_SEED = 2**63 - 1
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


@dataclass(frozen=True)
class Student:
    id: str
    name: str

    @property
    def id_tex(self) -> str:
        return names.to_tex(self.id)

    @property
    def name_tex(self) -> str:
        return names.to_tex(self.name)


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


def build_question(family: Family[Any, Any], rng: np.random.Generator | None, number: int, version: str = "-") -> Question:
    """One question: the original's parameters (``rng`` None) or a sample,
    solved, verified by the second route, presented as question ``number``."""
    params = family.ORIGINAL if rng is None else family.sample(rng)
    solution = family.solve(params)
    try:
        family.verify(params, solution)
    except Disagreement as d:
        raise d.naming(version, number) from None
    return family.present(params, solution, number)


def build_problem_set(seed: int | None = None, preset: str | None = None, student: Student | None = None) -> ProblemSet:
    if preset is not None and preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose from: {', '.join(PRESETS)}")
    if preset is None and (seed is None or not 0 <= seed <= MAX_SEED):
        raise UsageError(f"seed must be an integer from 0 to {MAX_SEED}")
    version = version_code(seed, preset)
    questions = []
    for number, family in enumerate(FAMILIES, start=1):
        rng = None if preset == "original" else family_rng(seed, family.NAME)
        questions.append(build_question(family, rng, number, version))
    return ProblemSet(
        seed=None if preset else seed,
        version=version,
        questions=questions,
        generator=__version__,
        preset=preset,
        student_name=student.name if student else None,
        student_id=student.id if student else None,
    )


def answers_json(ps: ProblemSet) -> str:
    return json.dumps(ps.to_json(), indent=2, ensure_ascii=False) + "\n"


def student_of(ps: ProblemSet) -> Student | None:
    return Student(ps.student_id, ps.student_name) if ps.student_id is not None else None


def engine_for(ps: ProblemSet) -> str:
    """The engine that makes the PDFs: pdflatex (a name or ID in a script its
    fonts lack is included as a name box, see generator/namebox.py)."""
    return names.engine_for(ps.student_name, ps.student_id)


def source_engine_for(ps: ProblemSet) -> str:
    """The engine a standalone .tex file names: lualatex when a name or ID
    needs a name box, so that the file compiles on its own."""
    return names.source_engine_for(ps.student_name, ps.student_id)


@lru_cache(maxsize=None)
def preamble(engine: str = "pdflatex") -> str:
    return render.render("preamble.tex.j2", engine=engine)


DOCUMENTS = (("assignment", False), ("key", True))  # (name, is the key), in page order


def render_bodies(ps: ProblemSet) -> dict[str, str]:
    """The body LaTeX of both documents: {'assignment': ..., 'key': ...}."""
    student = student_of(ps)
    return {name: render.render("document.tex.j2", ps=ps, key=key, student=student) for name, key in DOCUMENTS}


def render_documents(ps: ProblemSet) -> dict[str, str]:
    """Complete, standalone LaTeX files of both documents."""
    pre = preamble(source_engine_for(ps))
    return {name: f"{pre}\\begin{{document}}\n{body}\\end{{document}}\n" for name, body in render_bodies(ps).items()}


def unit_for(ps: ProblemSet, label: str) -> compile.Unit:
    engine = engine_for(ps)
    return compile.Unit("version", preamble(engine), list(render_bodies(ps).items()), engine=engine, label=label)


def folder_name(ps: ProblemSet) -> str:
    return ps.preset if ps.preset else f"seed-{ps.seed}"


def write_version(ps: ProblemSet, folder: Path, *, pdf: bool = True, fmt: Path | None = None, label: str | None = None) -> list[Path]:
    """Write answers.json, both .tex sources and (with ``pdf``) both PDFs.

    Each file appears whole or not at all; the PDFs are moved into place only
    when TeX succeeded for both documents.
    """
    written = [write_atomic(folder / "answers.json", answers_json(ps))]
    for name, source in render_documents(ps).items():
        written.append(write_atomic(folder / f"{name}.tex", source))
    if pdf:
        unit = unit_for(ps, label or folder_name(ps))
        compile.require_tex(unit.engine)
        with tempfile.TemporaryDirectory(prefix=".tex-", dir=folder) as tmp:
            result = compile.run_unit(unit, Path(tmp), fmt)
            written += compile.split(result, unit, {name: folder / f"{name}.pdf" for name, _ in DOCUMENTS})
    return written
