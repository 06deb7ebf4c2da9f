"""A class set: one named version per student (or K unnamed versions), with
combined print files, a grading sheet and a manifest.

    roster -> per student, in worker processes: derived seed (a stable hash of
              the class seed and the ID) -> pipeline.build_problem_set ->
              pipeline.write_version (the same write path as a single version;
              the shared preamble loaded from a TeX format dumped once per run)
           -> no two students share a question's parameters: a student who
              already has a version in the class folder keeps it; newcomers are
              redrawn
           -> handouts.pdf, keys.pdf, grading-sheet.csv/.pdf, manifest.json,
              read back from the students' folders

Students stream through the workers a few at a time and come back as small
:class:`Outcome` records, so memory stays bounded for any class size and every
finished folder is on disk. A student whose documents cannot be made (a
character no font has, a name that looks like a broken encoding, a TeX error)
is listed and left out of the combined files; the rest of the class is made.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import signal
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from . import __version__, compile, key, marksheet, names, pdfcat, pipeline
from . import export as lms
from .config import Config, default
from .errors import GeneratorError, TexError, UsageError, printable
from .files import private_temp, staging_folder, sweep, sweep_temp, write_atomic
from .files import safe_folder as safe_folder  # the class set's student folders (the documents name them too)
from .model import JSONDict, Student

SEED_SPACE = 2**25  # derived seeds keep five-character version codes
MAX_REDRAWS = 100
# A student folder with PDFs (sheet.json: with an answer sheet, the default).
FILES = ("answers.json", "assignment.tex", "key.tex", "assignment.pdf", "key.pdf", "sheet.json")
Spread = dict[str, dict[str, dict[str, float]]]  # family -> measure -> min, median, max


# --------------------------------------------------------------------------
# Seeds and folders


def derive_seed(class_seed: int, student_id: str, salt: int = 0) -> int:
    """A student's version: a stable hash of the class seed and the ID alone, so
    adding a student changes nobody else's version."""
    text = f"nn-problem-set/class/{class_seed}/{student_id}" + (f"/{salt}" if salt else "")
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % SEED_SPACE


def count_students(count: int) -> list[Student]:
    """The students of --count K: IDs 1 ... K, unpadded, so folder names and
    versions stay the same when the class grows."""
    return [Student(str(k)) for k in range(1, count + 1)]


# --------------------------------------------------------------------------
# One student, in a worker process


@dataclass(slots=True)
class Outcome:
    """One student's result, small enough to keep for any class size."""

    student: Student
    folder: str
    salt: int
    seed: int
    version: str = ""
    params: tuple[int, ...] = ()  # 64-bit digest of each question's canonical parameters
    difficulty: dict[str, dict[str, float]] = field(default_factory=dict)
    answers_sha256: str = ""
    pages: dict[str, int] = field(default_factory=dict)
    compiled: bool = False
    error: str | None = None  # why this student's documents could not be made

    @property
    def ok(self) -> bool:
        return self.error is None

    def answers(self, class_dir: Path) -> key.Version:
        """This student's key, read back from their answers.json."""
        return key.read(class_dir / self.folder / "answers.json")


@dataclass(frozen=True)
class Job:
    student: Student
    salt: int
    class_seed: int
    class_dir: Path
    fmt: Path | None
    pdf: bool
    config: Config = field(default_factory=default)
    exports: tuple[lms.Format[Any], ...] = ()  # LMS formats: each renders its share of the version here
    spool: Path | None = None  # where those shares wait, one file per student, until the class is made
    variant: int = 0  # the student's place in the class (its variant number, while no student before it fails)


def make_student(job: Job) -> Outcome:
    """Build, verify and write one student's version (in a worker process)."""
    student = job.student
    seed = derive_seed(job.class_seed, student.id, job.salt)
    ps = pipeline.build_problem_set(seed=seed, student=student.printed, config=job.config)
    outcome = Outcome(
        student,
        safe_folder(student.id),
        job.salt,
        seed,
        ps.version,
        tuple(_digest(json.dumps(q.params, sort_keys=True)) for q in ps.questions),
        {f"{q.id}:{q.family}": {m: float(x) for m, x in q.difficulty.items()} for q in ps.questions},
    )
    bad = next(((t, b) for t in (student.name or "", student.id) if (b := names.broken_encoding(t))), None)
    if bad is not None:
        outcome.error = (f"{student.where}: the name or ID {bad[0]!r} looks like a broken encoding conversion "
                         f"({bad[1]}); re-export the roster as CSV UTF-8 and fix the name")
        return outcome
    try:
        written = pipeline.write_version(ps, job.class_dir / outcome.folder, pdf=job.pdf, fmt=job.fmt, label=student.where,
                                         class_seed=job.class_seed)
    except TexError as exc:
        outcome.error = " ".join(str(exc).split("\n", 1)[0].split())
        if outcome.error.endswith("did not compile:"):
            outcome.error += " " + compile.first_error(str(exc).split("\n", 1)[1] if "\n" in str(exc) else "")
        return outcome
    outcome.answers_sha256, outcome.pages, outcome.compiled = written.sha256["answers.json"], written.pages, written.compiled
    if job.exports and job.spool is not None:
        lms.spool(ps, job.variant, job.exports, job.spool / f"{outcome.folder}.pickle")
    return outcome


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the parent decides, workers finish their student
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --------------------------------------------------------------------------
# Progress


class _Bar(Protocol):
    """What :class:`Progress` uses of a tqdm bar (tqdm ships no type information)."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


class Progress:
    """A progress bar on a terminal (tqdm), plain log lines otherwise."""

    def __init__(self, total: int, what: str, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.total, self.what, self.done, self.quiet = total, what, 0, quiet
        self.bar: _Bar | None = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=what, unit="student", file=self.stream, leave=False)

    def step(self, label: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet:
            print(printable(f"{self.what}: {self.done}/{self.total} {label}"), file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# Students a worker makes before it is replaced. Every cache of the solvers is
# bounded by its number of entries (generator/speed.py), but together they fill
# only over about a thousand versions: one process grows from 117 MB after 100
# versions to 179 MB after 900 (--no-pdf). A fresh worker every 200 students
# keeps each near its 200-student size.
RECYCLE = 200


def _run(jobs: Iterable[Job], workers: int) -> Generator[Outcome, None, None]:
    """Make every job in worker processes, streamed (at most two per worker in
    flight); each worker is replaced after about :data:`RECYCLE` students, so
    memory stays bounded however large the class."""
    it = iter(jobs)
    while chunk := list(itertools.islice(it, RECYCLE * workers)):
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
        try:
            yield from _stream(pool, chunk, 2 * workers)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()


def _stream(pool: ProcessPoolExecutor, jobs: Iterable[Job], window: int) -> Generator[Outcome, None, None]:
    """Run jobs with at most ``window`` in flight; yield outcomes as they finish."""
    it = iter(jobs)
    pending: set[Future[Outcome]] = set()
    for job in it:
        pending.add(pool.submit(make_student, job))
        if len(pending) >= window:
            break
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            following = next(it, None)
            if following is not None:
                pending.add(pool.submit(make_student, following))
            yield fut.result()


# --------------------------------------------------------------------------
# The class set


@dataclass
class Result:
    folder: Path
    outcomes: list[Outcome]
    pages: int
    seconds: float
    pdf: bool
    shared: JSONDict
    fairness: Spread
    redrawn: list[str]
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def compiled(self) -> int:
        return sum(o.compiled for o in self.ok)

    @property
    def skipped(self) -> int:
        return sum(not o.compiled for o in self.ok)

    def summary(self) -> str:
        n = len(self.outcomes)
        per = self.seconds / n if n else 0.0
        files = ["handouts.pdf", "keys.pdf", "grading-sheet.csv", "grading-sheet.pdf", "manifest.json"] if self.pdf else [
            "grading-sheet.csv", "manifest.json"]
        files += ["responses-template.csv", "marks-template.csv"]
        lines = [
            f"class set: {n} students, {self.pages} pages, {self.seconds:.1f} s ({per:.3f} s per student); "
            f"{self.compiled} written, {self.skipped} already complete"
            + (f", {len(self.failed)} failed" if self.failed else ""),
            "time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items()),
            f"files: {self.folder}/ ({', '.join(files)})",
            "distinct: no two students share a question's parameters"
            + (f" ({len(self.redrawn)} redrawn: {', '.join(self.redrawn)})" if self.redrawn else ""),
            "shared answers: " + self.shared["summary"],
        ]
        for family, measures in self.fairness.items():
            spread = ", ".join(f"{m} {v['min']:g}..{v['max']:g} (median {v['median']:g})" for m, v in measures.items())
            lines.append(f"fairness {family}: {spread}")
        return "\n".join(printable(line) for line in lines)  # a folder or an ID with a newline stays on its line


def _distinct(outcomes: list[Outcome], settled: set[str]) -> list[int]:
    """Indices of outcomes that repeat another student's parameters for some
    question and must be redrawn. Students who already have a version in the
    class folder (``settled``) come first and are never redrawn; among the
    others the smaller derived seed (then ID) keeps its version."""
    order = sorted(range(len(outcomes)), key=lambda i: (outcomes[i].student.id not in settled, outcomes[i].seed, outcomes[i].student.id))
    seen: list[set[int]] = [set() for _ in range(max((len(o.params) for o in outcomes), default=0))]
    clash = []
    for i in order:
        o = outcomes[i]
        if any(p in seen[k] for k, p in enumerate(o.params)) and o.student.id not in settled:
            clash.append(i)
            continue
        for k, p in enumerate(o.params):
            seen[k].add(p)
    return sorted(clash)


def shared_answers(finals: Iterable[list[tuple[str, str]]]) -> JSONDict:
    """How often two students share a final answer on a sub-part; ``finals``
    gives each student's (part#position, exact) pairs."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for pairs in finals:
        for ref, exact in pairs:
            groups[ref][exact] += 1
    per_answer = {}
    total = sharing = 0
    for ref, counter in groups.items():
        n = sum(counter.values())
        shared = sum(c for c in counter.values() if c > 1)
        total += n
        sharing += shared
        if shared:
            per_answer[ref] = {"students_sharing": shared, "largest_group": max(counter.values()), "distinct_values": len(counter)}
    worst = max(per_answer.items(), key=lambda kv: kv[1]["students_sharing"], default=None)
    summary = f"{sharing} of {total} final answers equal another student's on the same sub-part"
    if worst:
        summary += f" (most: {worst[0]}, {worst[1]['students_sharing']} students, largest group {worst[1]['largest_group']})"
    return {"summary": summary, "answers": total, "shared": sharing, "by_answer": dict(sorted(per_answer.items()))}


def fairness(outcomes: list[Outcome]) -> Spread:
    measures: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for o in outcomes:
        for family, d in o.difficulty.items():
            for m, value in d.items():
                measures[family][m].append(float(value))
    return {
        family: {m: {"min": min(xs), "median": statistics.median(xs), "max": max(xs)} for m, xs in ms.items()}
        for family, ms in measures.items()
    }


def combine(paths: list[Path], target: Path) -> int:
    """Concatenate PDFs for duplex printing: each starts on an odd page.
    Returns the page count. One source document is in memory at a time
    (``pdfcat``), so the memory does not grow with the class."""
    return pdfcat.concatenate(paths, target, odd_starts=True)


def _previous(class_dir: Path) -> key.Manifest | None:
    """The manifest of the last completed run, or None (none, or one that
    cannot be trusted: every student is new)."""
    try:
        return key.read_manifest(class_dir / "manifest.json")
    except UsageError:
        return None


def _settled(previous: key.Manifest | None) -> dict[str, int]:
    """Students who already have a version in the class folder: ID -> redraws."""
    return {e.student.id: e.redraws for e in previous.students if e.redraws < MAX_REDRAWS} if previous else {}


GRADING = "grading"  # what `generator grade` writes into the class folder


def remove_stale_grading(class_dir: Path, previous: key.Manifest | None, ok: list[Outcome]) -> bool:
    """Remove ``class_dir``/grading/ when the class's keys are no longer those
    it was graded against (the keys' SHA-256 in the last manifest): other
    points, another configuration, a student added or gone. Returns True when
    it was removed."""
    target = class_dir / GRADING
    if not (target.exists() or target.is_symlink()):
        return False
    before = {e.student.id: e.answers_sha256 for e in previous.students} if previous else None
    if before == {o.student.id: o.answers_sha256 for o in ok}:
        return False
    if target.is_symlink() or not target.is_dir():
        target.unlink()
        return True
    old = staging_folder(target)  # renamed aside first: a killed run leaves a temporary name that sweep removes
    os.replace(target, old / GRADING)
    shutil.rmtree(old, ignore_errors=True)
    return True


def check_folders(students: list[Student]) -> None:
    """Two students never share a folder: a clear error, before anything is written."""
    first: dict[str, Student] = {}
    for s in students:
        folder = safe_folder(s.id)
        other = first.setdefault(folder, s)
        if other is not s:
            raise UsageError(f"{s.where} and {other.where} would share the folder {folder!r}; change one of the IDs")


def max_jobs() -> int:
    return 4 * (os.cpu_count() or 1)


def make(
    class_seed: int,
    students: list[Student],
    out: Path,
    *,
    jobs: int | None = None,
    pdf: bool = True,
    stream: TextIO | None = None,
    quiet: bool = False,
    config: Config | None = None,
    export: tuple[str, ...] = (),
) -> Result:
    """Make the whole class set in ``out/class-<seed>/``, with the LMS exports named in ``export``."""
    config = config or default()
    formats = lms.named(export)
    with private_temp("export") as spool:  # each student's share of the exports, until the class is made
        return _make(class_seed, students, out, jobs, pdf, stream, quiet, config, formats, Path(spool))


def _make(class_seed: int, students: list[Student], out: Path, jobs: int | None, pdf: bool, stream: TextIO | None,
          quiet: bool, config: Config, export: tuple[lms.Format[Any], ...], spool: Path) -> Result:
    start = time.perf_counter()
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(students)))
    stream = stream or sys.stderr
    check_folders(students)
    class_dir = out / f"class-{class_seed}"
    try:
        class_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file, or a link to none, where the class folder belongs
        raise UsageError(f"cannot write {class_dir}/: a file of that name is in the way; move it and run again") from None
    except OSError as exc:
        raise UsageError(f"cannot create the class folder {class_dir}: {exc.strerror}") from None
    sweep(out)
    sweep(class_dir)
    sweep_temp()
    previous = _previous(class_dir)
    settled = _settled(previous)
    missing_tex = pdf and not compile.tex_available("pdflatex")
    if missing_tex:
        pdf = False  # write the sources and answers, then say how to install TeX

    with private_temp("format") as fmt_dir:
        fmt = compile.build_format(pipeline.preamble("pdflatex", config.layout.paper, config.layout.font_size), Path(fmt_dir)) if pdf else None
        phases = {"format": time.perf_counter() - start} if pdf else {}
        progress = Progress(len(students), "students", stream, quiet)
        first: dict[str, Outcome] = {}
        index = {s.id: i for i, s in enumerate(students)}
        redrawn: list[str] = []

        def job(s: Student, salt: int) -> Job:
            return Job(s, salt, class_seed, class_dir, fmt, pdf, config, export, spool, index[s.id] + 1)

        try:
            with closing(_run((job(s, settled.get(s.id, 0)) for s in students), jobs)) as made:
                for o in made:
                    first[o.student.id] = o
                    progress.step(o.student.id)
        finally:
            progress.close()
        outcomes = [first[s.id] for s in students]
        # no two students share a question's parameters: redraw newcomers only
        for _ in range(MAX_REDRAWS):
            clash = _distinct(outcomes, set(settled))
            if not clash:
                break
            with closing(_run([job(outcomes[i].student, outcomes[i].salt + 1) for i in clash], jobs)) as made:
                for o in made:
                    outcomes[index[o.student.id]] = o
                    redrawn.append(o.student.id)
        else:
            raise GeneratorError(f"could not make every version distinct after {MAX_REDRAWS} redraws")
    phases["versions"] = time.perf_counter() - start - sum(phases.values())

    ok = [o for o in outcomes if o.ok]
    remove_stale_grading(class_dir, previous, ok)
    pages = 0
    if pdf and ok:
        pages = combine([class_dir / o.folder / "assignment.pdf" for o in ok], class_dir / "handouts.pdf")
        pages += combine([class_dir / o.folder / "key.pdf" for o in ok], class_dir / "keys.pdf")
        phases["combine"] = time.perf_counter() - start - sum(phases.values())
    shared = shared_answers(marksheet.finals(o.answers(class_dir)) for o in ok)
    fair = fairness(ok)
    marksheet.write_csv(ok, class_dir)
    if pdf and ok:
        pages += marksheet.write_pdf(ok, class_seed, class_dir)
    manifest = {
        "format": "nn-problem-set-class/1",
        "generator": __version__,
        "class_seed": class_seed,
        "config": config.to_json(),
        "students": [
            {
                "id": o.student.id,
                "name": o.student.name,
                "folder": o.folder,
                "seed": o.seed,
                "version": o.version,
                "redraws": o.salt,
                "answers_sha256": o.answers_sha256,
                "pages": o.pages,
            }
            for o in ok
        ],
        "failed": [{"id": o.student.id, "name": o.student.name, "row": o.student.row, "error": o.error} for o in outcomes if not o.ok],
        "shared_answers": shared,
        "fairness": fair,
    }
    write_atomic(class_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    from .grade import marks, responses  # responses-template.csv: one column per graded ref, for `generator grade`

    responses.write_template(class_dir)
    marks.write_template(class_dir)  # marks-template.csv: hand marks, whole-part marks, a comment (`grade --marks`)
    phases["grading sheet and manifest"] = time.perf_counter() - start - sum(phases.values())
    lms.remove_stale(class_dir, [fmt.name for fmt in export])
    if export and ok:  # the LMS exports of the class, from the shares its workers rendered
        lms.write((lms.unspool(spool / f"{o.folder}.pickle") for o in ok), export, class_dir)
        phases["export"] = time.perf_counter() - start - sum(phases.values())
    if missing_tex:
        compile.require_tex("pdflatex")
    return Result(class_dir, outcomes, pages, time.perf_counter() - start, pdf, shared, fair, redrawn, phases)
