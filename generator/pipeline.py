"""The one place that orders the stages: seed -> ProblemSet -> files.

    seed -> per-family generator -> sample, solve, verify, present -> ProblemSet
         -> answers.json + two LaTeX documents from one template per question
         -> PDFs (TeX in a private folder, moved into place when done)
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from . import __version__, compile, export, names, render, sheet, sheetjson, sheetmarks
from .config import Config, default
from .errors import TexError, UsageError, VerificationError
from .files import install_folder, safe_folder, staging_folder, write_atomic
from .model import Answer, Mistake, Part, ProblemSet, Question, Student, ref_symbol
from .questions import families, family_rng
from .questions.family import Disagreement, Family, same_value

PRESETS = ("original",)
MAX_SEED = 2**63 - 1
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


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
    if seed is None:
        raise ValueError("a version code needs a seed or a preset")
    if seed < _SHORT:
        return _encode((seed * _MIX + 0x5BD1E9) % _SHORT, 5)
    digest = hashlib.sha256(f"nn-problem-set/version/{seed}".encode()).digest()
    return _encode(int.from_bytes(digest[:8], "big"), 7)


def build_question(family: Family[Any, Any], rng: np.random.Generator | None, number: int, version: str = "-",
                   config: Config | None = None) -> Question:
    """One question: the original's parameters (``rng`` None) or a sample,
    solved, verified by the second route, presented as question ``number``
    with its usual mistakes and with the parts and points of ``config`` (the
    default when None)."""
    params = family.ORIGINAL if rng is None else family.sample(rng)
    solution = family.solve(params)
    try:
        family.verify(params, solution)
    except Disagreement as d:
        raise d.naming(version, number) from None
    wrong = family.mistakes(params, solution)
    question = family.present(params, solution, wrong, number)
    declared_parts(family, question)
    write_mistakes(family, question, wrong, version)
    config = config or default()
    mark_mistakes(family, question, config)
    return apply_config(question, config, version)


def mark_mistakes(family: Family[Any, Any], question: Question, config: Config) -> None:
    """Give every usual mistake its credit and scope: a slip the family
    declares (its SLIPS: name -> scope) keeps the method's share of the
    configuration's [grading], any other mistake none, unless [grading.credit]
    names it; every part carries the shares for the key's marking notes."""
    slips: Mapping[str, str] = getattr(family, "SLIPS", {})
    for part in question.parts:
        part.marking = config.grading
        for a in part.answers:
            a.mistakes = [replace(m, credit=config.grading.credit_of(m.name, m.name in slips),
                                  scope=slips.get(m.name, "answer")) for m in a.mistakes]


def declared_parts(family: Family[Any, Any], question: Question) -> None:
    """The parts ``present`` made are the ones the family declares, in order;
    each gets its declared skill."""
    specs = family.PARTS
    got, declared = [p.id for p in question.parts], [spec.id(question.number) for spec in specs]
    if got != declared:
        raise ValueError(f"family {family.NAME!r} presents the parts {got}, but declares {declared} (its PARTS)")
    for part, spec in zip(question.parts, specs):
        part.skill = spec.skill


def write_mistakes(family: Family[Any, Any], question: Question, mistakes: list[Mistake], version: str) -> None:
    """Write each usual mistake into the answer it is a wrong value of, in the
    order given (most likely first): a mistake whose value is the answer's own
    stops the version (a student making it would be marked right), and one
    whose value an earlier mistake of the same answer gives is left out. Both
    use the one rule :func:`~generator.questions.family.same_value` (the
    family's sampler rejects a draw by the same rule)."""
    for m in mistakes:
        if m.name not in family.MISTAKES:
            raise ValueError(f"family {family.NAME!r}: the mistake {m.name!r} is not in its catalogue (MISTAKES)")
        answer = question.part(f"{question.number}{m.part}").answer(m.answer)
        if same_value(m.value, answer.value):
            raise VerificationError(f"version {version}, part {question.number}{m.part} answer {answer.ref}: "
                                    f"the usual mistake {m.name} gives the right value {answer.value}")
        if not any(same_value(m.value, earlier.value) for earlier in answer.mistakes):
            answer.mistakes.append(m)


GRAINS = (Fraction(1, 2), Fraction(1, 4), Fraction(1, 100))  # answer points, coarsest first (a cent: the configuration's resolution)


def share_points(points: float, weights: list[int]) -> list[float]:
    """A part's points split over its graded answers in the proportions of
    their weights, in exact arithmetic, adding up exactly to ``points``.

    The split counts in grains: half marks, or quarter marks where the part
    has fewer marks than answers (or its marks are not a whole number of
    halves), or cents where quarters cannot give every answer a share (or
    the marks are not a whole number of quarters). The part's grains go to
    its answers by largest remainder: each answer gets the whole grains of
    its exact share, and the grains left over go to the largest fractions,
    the earlier answer first on a tie. So an answer of greater weight never
    gets fewer points than one of smaller weight."""
    total = sum(weights)
    if not weights or total == 0:
        return [0.0] * len(weights)
    marks = Fraction(round(points * 100), 100)  # the configuration allows at most two decimals
    for grain in GRAINS:
        units = marks / grain
        if units.denominator != 1 or (grain == GRAINS[0] and marks < len(weights)):
            continue
        shares = largest_remainder(int(units), weights)
        if grain == GRAINS[-1] or all(s > 0 for s, w in zip(shares, weights) if w > 0):
            return [float(s * grain) for s in shares]
    raise AssertionError("unreachable: a cent divides every configured mark")


def largest_remainder(units: int, weights: list[int]) -> list[int]:
    """``units`` whole grains shared in the proportions of ``weights`` (not all 0):
    the whole part of each exact share, then one more grain each to the largest
    remainders, the earlier on a tie, until all are given."""
    total = sum(weights)
    quotas = [Fraction(units * w, total) for w in weights]
    shares = [int(q) for q in quotas]  # floor: quotas are non-negative
    by_remainder = sorted(range(len(weights)), key=lambda k: (-(quotas[k] - shares[k]), k))
    for k in by_remainder[:units - sum(shares)]:
        shares[k] += 1
    return shares


def apply_config(question: Question, config: Config, version: str) -> Question:
    """Keep the parts the configuration includes, give them their points, word
    each prompt without naming a left-out part, and drop dependencies on
    left-out parts (nothing to carry an error from)."""
    question.parts = [p for p in question.parts if config.includes(p.id)]
    by_ref = {a.ref: a for p in question.parts for a in p.answers if a.ref}
    kept = {p.id for p in question.parts}
    question.difficulty = {k: v for k, v in question.difficulty.items() if k.split(":")[0] in kept}  # "<part>:<measure>"
    for part in question.parts:
        if any(r not in kept for r in part.refers_to):
            if not part.alone:
                raise ValueError(f"part {part.id} names the parts {part.refers_to} in its prompt but has no prompt without them")
            part.prompt = part.alone
        part.points = config.points_of(part.id)
        graded = part.graded
        for a, pts in zip(graded, share_points(part.points, [a.weight for a in graded])):
            a.points = pts
        for a in part.answers:
            if any(r not in by_ref for r in a.depends_on):
                a.depends_on, a.recompute = [], None
        verify_recompute(part, by_ref, version)
    return question


def verify_recompute(part: Part, by_ref: dict[str, Answer], version: str) -> None:
    """Second route for error carried forward: each ``recompute`` expression, fed
    the right answers of the refs it depends on, must give the answer itself."""
    for a in part.answers:
        if a.recompute is None:
            continue
        values = {}
        for ref in a.depends_on:
            dep = by_ref[ref]
            values[sympy.Symbol(ref_symbol(ref))] = _parsed(dep.exact)
        got = _recompute(a.recompute, values, a.check)
        want = _parsed(a.exact)
        ok = got == want or (not (got - want).free_symbols and abs(float(got - want)) <= 1e-9 * max(1.0, abs(float(want))))
        if not ok:
            raise VerificationError(f"version {version}, part {part.id} answer {a.ref}: the solver gives {a.exact}, "
                                    f"recomputing it from the answers it depends on gives {got}")


# sympy.sympify of a string, remembered: each parse runs ``from sympy import *``
# into a fresh namespace (half its cost), and a version's answers and the ones
# they depend on repeat the same few exact strings (small integers above all:
# 1872 parses for 60 versions, 819 distinct). Expressions are immutable, so a
# remembered one is the same value a fresh parse gives.
@lru_cache(maxsize=4096)
def _parsed(expr: str) -> sympy.Expr:
    return sympy.sympify(expr)


def _recompute(expr: str, values: dict[sympy.Symbol, sympy.Expr], check: dict[str, Any] | None) -> sympy.Expr:
    out = _parsed(expr).xreplace(values)
    if check and check.get("at"):
        out = out.xreplace({sympy.Symbol(k): sympy.Integer(v) for k, v in check["at"].items()})
    return sympy.nsimplify(out) if out.is_Float else out


def build_problem_set(seed: int | None = None, preset: str | None = None, student: Student | None = None,
                      config: Config | None = None) -> ProblemSet:
    if preset is not None and preset not in PRESETS:
        raise UsageError(f"unknown preset {preset!r}; choose from: {', '.join(PRESETS)}")
    if preset is None and (seed is None or not 0 <= seed <= MAX_SEED):
        raise UsageError(f"seed must be an integer from 0 to {MAX_SEED}")
    config = config or default()
    version = version_code(seed, preset)
    questions = []
    for number, family in enumerate(families(), start=1):
        if not config.includes_question(number):
            continue  # each family draws from its own stream: leaving one out changes no other
        rng = None if preset == "original" or seed is None else family_rng(seed, family.NAME)
        questions.append(build_question(family, rng, number, version, config))
    return ProblemSet(
        seed=None if preset else seed,
        version=version,
        questions=questions,
        generator=__version__,
        preset=preset,
        student_name=student.name if student else None,
        student_id=student.id if student else None,
        config=config,
    )


def answers_json(ps: ProblemSet) -> str:
    return json.dumps(ps.to_json(), indent=2, ensure_ascii=False) + "\n"


def student_of(ps: ProblemSet) -> Student | None:
    return Student(ps.student_id, ps.student_name) if ps.student_id is not None else None


@dataclass(frozen=True)
class PrintedStudent:
    """What the documents print of a student: the ID and the name as LaTeX."""

    student: Student

    @property
    def id_tex(self) -> str:
        return names.to_tex(self.student.id)

    @property
    def name_tex(self) -> str:
        """The name as LaTeX; only a printed student (one with a name) has one."""
        if self.student.name is None:
            raise ValueError(f"{self.student.where} has no name to print")
        return names.to_tex(self.student.name)


def printed_student(ps: ProblemSet) -> PrintedStudent | None:
    student = student_of(ps)
    return PrintedStudent(student) if student is not None else None


def config_of(ps: ProblemSet) -> Config:
    return ps.config if isinstance(ps.config, Config) else default()


def engine_for(ps: ProblemSet) -> str:
    """The engine that makes the PDFs: pdflatex (a name, ID or configured text
    in a script its fonts lack is included as a name box, see generator/namebox.py)."""
    return names.engine_for(ps.student_name, ps.student_id, *config_of(ps).course.texts)


def source_engine_for(ps: ProblemSet) -> str:
    """The engine a standalone .tex file names: lualatex when a name, ID or
    configured text needs a name box, so that the file compiles on its own."""
    return names.source_engine_for(ps.student_name, ps.student_id, *config_of(ps).course.texts)


@cache
def preamble(engine: str = "pdflatex", paper: str = "a4", font_size: int = 11) -> str:
    return render.render("preamble.tex.j2", engine=engine, paper=paper, font_size=font_size)


DOCUMENTS = (("assignment", False), ("key", True))  # (name, is the key), in page order
PDFS = tuple(f"{name}.pdf" for name, _ in DOCUMENTS)


def exports_in(folder: Path) -> set[str]:
    """The LMS exports (--export, every registered format's file or folder) in
    a version's folder: made from the same version, so they do not make a
    current folder stale."""
    return {name for name, is_folder in export.targets() if ((folder / name).is_dir() if is_folder else (folder / name).is_file())}


@dataclass(frozen=True)
class AnswerSheet:
    """A version's answer sheet: its layout and each page's marks."""

    layout: sheet.Sheet
    marks: list[sheetmarks.PageMarks]
    folder: str  # the folder its QR codes name
    digest: str
    class_seed: int | None = None  # the class set's seed its QR codes carry (None: a version made alone)


def answer_sheet(ps: ProblemSet, folder: str | None = None, class_seed: int | None = None) -> AnswerSheet | None:
    """The answer sheet of ``ps`` (None when the course prints none); its QR
    codes carry ``class_seed``, the seed of the class set it is part of."""
    config = config_of(ps)
    if not config.layout.answer_sheet:
        return None
    layout = sheet.layout(ps, config.layout.paper, config.layout.compact, config.layout.font_size, config.layout.digit_bubbles)
    name = version_folder(ps) if folder is None else folder
    digest = sheetmarks.digest(layout, config.layout.paper)
    marks = sheetmarks.sheet_marks(layout, config.layout.paper, ps.version, class_seed, name, digest)
    return AnswerSheet(layout, marks, name, digest, class_seed)


def render_bodies(ps: ProblemSet, folder: str | None = None, sheet_of: AnswerSheet | None = None) -> dict[str, str]:
    """The body LaTeX of both documents: {'assignment': ..., 'key': ...}.
    ``folder`` is the name of the folder they are written to, which the answer
    sheet's QR codes name (default :func:`version_folder`); ``sheet_of`` its
    answer sheet when already laid out."""
    student, config = printed_student(ps), config_of(ps)
    answers = sheet_of if sheet_of is not None else answer_sheet(ps, folder)
    return {name: render.render("document.tex.j2", ps=ps, key=key, student=student, course=config.course, layout=config.layout,
                                sheet=answers.layout if answers else None, marks=answers.marks if answers else None)
            for name, key in DOCUMENTS}


def _standalone(ps: ProblemSet, bodies: dict[str, str]) -> dict[str, str]:
    layout = config_of(ps).layout
    pre = preamble(source_engine_for(ps), layout.paper, layout.font_size)
    return {name: f"{pre}\\begin{{document}}\n{body}\\end{{document}}\n" for name, body in bodies.items()}


def render_documents(ps: ProblemSet) -> dict[str, str]:
    """Complete, standalone LaTeX files of both documents."""
    return _standalone(ps, render_bodies(ps))


def unit_for(ps: ProblemSet, label: str, bodies: dict[str, str] | None = None) -> compile.Unit:
    engine = engine_for(ps)
    bodies = render_bodies(ps) if bodies is None else bodies
    layout = config_of(ps).layout
    return compile.Unit("version", preamble(engine, layout.paper, layout.font_size), list(bodies.items()), engine=engine, label=label)


def folder_name(ps: ProblemSet) -> str:
    return ps.preset if ps.preset else f"seed-{ps.seed}"


def version_folder(ps: ProblemSet) -> str:
    """The name of the folder a version is written to when nothing else says:
    a named student's (from their ID), else :func:`folder_name`. A class set's
    students are not all named (``--count``): :func:`write_version` passes the
    folder it writes to."""
    if ps.student_id is not None:
        return safe_folder(ps.student_id)
    return folder_name(ps)


@dataclass
class Written:
    """What :func:`write_version` left in a folder."""

    folder: Path
    files: list[str]  # names, sorted
    sha256: dict[str, str]  # of answers.json and the .tex sources
    pages: dict[str, int] = field(default_factory=dict)  # per document, when the PDFs are there
    compiled: bool = False  # False: the folder was already complete and current, nothing was written


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sheet_current(path: Path, source_sha: str) -> bool:
    """Whether ``sheet.json`` was made with the handout of that source."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == sheetjson.FORMAT and data.get("assignment_tex_sha256") == source_sha


def current(folder: Path, files: dict[str, bytes], pdf: bool, with_sheet: bool = False) -> dict[str, int] | None:
    """The one test of "this folder is complete and current": it holds exactly
    the expected files, the text files have the expected bytes, and each PDF is
    readable and stamped with the SHA-256 of the source it was made from (so a
    PDF of an older name or version never counts); with ``with_sheet``, the
    PDFs come with a ``sheet.json`` made with the same handout. Without
    ``pdf``, PDFs may be present only when they are current too. Returns the
    page counts, or None."""
    made = set(PDFS) | ({sheetjson.NAME} if with_sheet else set())
    try:
        if folder.is_symlink() or not folder.is_dir():
            return None
        present = {p.name for p in folder.iterdir()} - exports_in(folder)
        if present != set(files) | made and (pdf or present != set(files)):
            return None
        if with_sheet and sheetjson.NAME in present and not _sheet_current(folder / sheetjson.NAME, _sha(files["assignment.tex"])):
            return None
        for name, data in files.items():
            if (folder / name).read_bytes() != data:
                return None
    except OSError:
        return None
    pages = {}
    for doc, _ in DOCUMENTS:
        if f"{doc}.pdf" not in present:
            continue
        stamp, count = compile.stamp_of(folder / f"{doc}.pdf")
        if stamp != _sha(files[f"{doc}.tex"]) or count < 1:
            return None
        pages[doc] = count
    return pages


def write_version(ps: ProblemSet, folder: Path, *, pdf: bool = True, fmt: Path | None = None, label: str | None = None,
                  class_seed: int | None = None) -> Written:
    """Write answers.json, both .tex sources and (with ``pdf``) both PDFs.

    The folder is assembled aside and renamed into place as a whole, so it is
    complete or absent (or, when TeX is missing or fails, holds the sources and
    answers.json without PDFs: never a PDF of older sources). A folder that is
    already complete and current is left alone. Each document is rendered once.
    """
    answers = answer_sheet(ps, folder.name, class_seed)
    bodies = render_bodies(ps, folder.name, answers)
    files = {"answers.json": answers_json(ps).encode("utf-8")}
    files.update({f"{name}.tex": source.encode("utf-8") for name, source in _standalone(ps, bodies).items()})
    sha = {name: _sha(data) for name, data in files.items()}
    pages = current(folder, files, pdf, answers is not None)
    if pages is not None:
        return Written(folder, sorted(p.name for p in folder.iterdir()), sha, pages, compiled=False)
    staging = staging_folder(folder)
    error: TexError | None = None
    unit = unit_for(ps, label or folder_name(ps), bodies)
    try:
        for name, data in files.items():
            write_atomic(staging / name, data)
        if pdf:
            try:
                compile.require_tex(unit.engine)
                with compile.workdir() as tmp:
                    result = compile.run_unit(unit, Path(tmp), fmt)
                    stamps = {doc: sha[f"{doc}.tex"] for doc, _ in DOCUMENTS}
                    if answers is not None:
                        write_atomic(staging / sheetjson.NAME, sheet_json(ps, answers, Path(tmp), unit, sha["assignment.tex"]))
                    compile.split(result, unit, {doc: staging / f"{doc}.pdf" for doc, _ in DOCUMENTS}, stamps)
            except TexError as exc:
                error = exc
                for name in (*PDFS, sheetjson.NAME):
                    (staging / name).unlink(missing_ok=True)
        install_folder(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if error is not None:
        raise error
    made = sorted([*PDFS, sheetjson.NAME] if answers is not None else PDFS) if pdf else []
    return Written(folder, sorted(files) + made, sha, dict(unit.pages) if pdf else {}, compiled=True)


def sheet_json(ps: ProblemSet, answers: AnswerSheet, workdir: Path, unit: compile.Unit, source_sha: str) -> str:
    """``sheet.json`` from the positions TeX wrote while typesetting ``unit`` in ``workdir``."""
    paper = config_of(ps).layout.paper
    path = sheetjson.positions_file(workdir, unit.name)
    try:
        records = path.read_text(encoding="utf-8")
    except OSError:
        raise sheetjson.SheetError(f"version {ps.version}: TeX wrote no positions of the answer sheet's boxes") from None
    placed = sheetjson.read_positions(records, sheet.PAPER_MM[paper][1] * sheetmarks.BP_PER_MM)
    data = sheetjson.build(answers.layout, answers.marks, placed, unit.pages[DOCUMENTS[0][0]], paper=paper, version=ps.version,
                           seed=ps.seed, class_seed=answers.class_seed, folder=answers.folder, digest=answers.digest,
                           source_sha256=source_sha)
    return sheetjson.text(data)
