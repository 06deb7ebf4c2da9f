"""A class set: one named version per student (or K unnamed versions), with
combined print files, a grading sheet and a manifest.

    roster -> derived seed per student (stable hash of class seed and ID)
           -> build every version in worker processes (sample, solve, verify, render)
           -> check that no two students share a question's parameters
           -> compile each version (one TeX run for handout and key, the shared
              preamble loaded from a TeX format) in parallel threads
           -> handouts.pdf, keys.pdf, grading-sheet.csv/.pdf, manifest.json

Each student's folder is assembled in a temporary folder and renamed into
place, so it exists whole or not at all; a rerun skips the folders that are
already complete and identical, and finishes an interrupted set.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from . import compile, grading, pipeline
from .errors import GeneratorError
from .files import write_atomic
from .roster import Entry

SEED_SPACE = 2**25  # derived seeds keep five-character version codes
FILES = ("answers.json", "assignment.tex", "key.tex", "assignment.pdf", "key.pdf")


# --------------------------------------------------------------------------
# Seeds and folders


def derive_seed(class_seed: int, student_id: str, salt: int = 0) -> int:
    """A student's version: a stable hash of the class seed and the ID alone, so
    adding a student changes nobody else's version."""
    text = f"nn-problem-set/class/{class_seed}/{student_id}" + (f"/{salt}" if salt else "")
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % SEED_SPACE


def safe_folder(student_id: str) -> str:
    """A filesystem-safe folder name for an ID; IDs that needed changes get a
    short hash so that two different IDs never share a folder."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._") or "student"
    safe = safe[:60]
    if safe != student_id:
        safe += "-" + hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:6]
    return safe


@dataclass
class Version:
    """One student's version, as the worker processes hand it back: strings and
    numbers only, small to pass between processes."""

    index: int
    student_id: str
    name: str | None
    seed: int
    salt: int
    version: str
    engine: str
    answers_json: str
    params: list[str]  # canonical JSON of each question's parameters
    bodies: dict[str, str]
    sources: dict[str, str]
    difficulty: dict[str, dict[str, float]]
    folder: str = ""
    pages: dict[str, int] = field(default_factory=dict)


def build_version(index: int, student_id: str, name: str | None, class_seed: int, salt: int = 0) -> Version:
    seed = derive_seed(class_seed, student_id, salt)
    student = pipeline.Student(student_id, name) if name is not None else None
    ps = pipeline.build_problem_set(seed=seed, student=student)
    return Version(
        index=index,
        student_id=student_id,
        name=name,
        seed=seed,
        salt=salt,
        version=ps.version,
        engine=pipeline.engine_for(ps),
        answers_json=pipeline.answers_json(ps),
        params=[json.dumps(q.params, sort_keys=True) for q in ps.questions],
        bodies=pipeline.render_bodies(ps),
        sources=pipeline.render_documents(ps),
        difficulty={f"{q.id}:{q.family}": dict(q.difficulty) for q in ps.questions},
    )


def _build_star(args):
    return build_version(*args)


# --------------------------------------------------------------------------
# Progress


class Progress:
    """A progress bar on a terminal (tqdm), plain log lines otherwise."""

    def __init__(self, total: int, what: str, stream=None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.total, self.what, self.done, self.quiet = total, what, 0, quiet
        self.bar = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=what, unit="student", file=self.stream, leave=False)

    def step(self, label: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet:
            print(f"{self.what}: {self.done}/{self.total} {label}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------
# The class set


@dataclass
class Result:
    folder: Path
    versions: list[Version]
    pages: int
    seconds: float
    compiled: int
    skipped: int
    shared: dict
    fairness: dict
    resalted: list[str]
    phases: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        n = len(self.versions)
        per = self.seconds / n if n else 0.0
        lines = [
            f"class set: {n} students, {self.pages} pages, {self.seconds:.1f} s ({per:.3f} s per student); "
            f"{self.compiled} compiled, {self.skipped} already complete",
            "time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items()),
            f"files: {self.folder}/ (handouts.pdf, keys.pdf, grading-sheet.csv, grading-sheet.pdf, manifest.json)",
            f"distinct: no two students share a question's parameters"
            + (f" ({len(self.resalted)} redrawn: {', '.join(self.resalted)})" if self.resalted else ""),
            "shared answers: " + self.shared["summary"],
        ]
        for family, measures in self.fairness.items():
            spread = ", ".join(f"{m} {v['min']:g}..{v['max']:g} (median {v['median']:g})" for m, v in measures.items())
            lines.append(f"fairness {family}: {spread}")
        return "\n".join(lines)


def _distinct(versions: list[Version]) -> list[int]:
    """Indices of versions that repeat an earlier student's parameters for some
    question; the earlier one (by derived seed, then ID) keeps its version."""
    order = sorted(range(len(versions)), key=lambda i: (versions[i].seed, versions[i].student_id))
    seen: list[dict[str, int]] = defaultdict(dict)
    clash = []
    for i in order:
        v = versions[i]
        if any(p in seen[k] for k, p in enumerate(v.params)):
            clash.append(i)
            continue
        for k, p in enumerate(v.params):
            seen[k][p] = i
    return clash


def shared_answers(versions: list[Version]) -> dict:
    """How often two students share a final answer on a sub-part."""
    groups: dict[str, Counter] = defaultdict(Counter)
    for v in versions:
        for key, exact in _final_answers(v):
            groups[key][exact] += 1
    per_answer = {}
    total = sharing = 0
    for key, counter in groups.items():
        n = sum(counter.values())
        shared = sum(c for c in counter.values() if c > 1)
        total += n
        sharing += shared
        if shared:
            per_answer[key] = {"students_sharing": shared, "largest_group": max(counter.values()), "distinct_values": len(counter)}
    worst = max(per_answer.items(), key=lambda kv: kv[1]["students_sharing"], default=None)
    summary = f"{sharing} of {total} final answers equal another student's on the same sub-part"
    if worst:
        summary += f" (most: {worst[0]}, {worst[1]['students_sharing']} students, largest group {worst[1]['largest_group']})"
    return {"summary": summary, "answers": total, "shared": sharing, "by_answer": dict(sorted(per_answer.items()))}


def _final_answers(v: Version):
    """(part:position, exact) for every computed answer; free text is left out."""
    data = json.loads(v.answers_json)
    for q in data["questions"]:
        for part in q["parts"]:
            for k, a in enumerate(part["answers"]):
                if a["exact"] is not None:
                    yield f"{part['id']}#{k + 1}", a["exact"]


def fairness(versions: list[Version]) -> dict:
    measures: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for v in versions:
        for family, d in v.difficulty.items():
            for m, value in d.items():
                measures[family][m].append(float(value))
    return {
        family: {m: {"min": min(xs), "median": statistics.median(xs), "max": max(xs)} for m, xs in ms.items()}
        for family, ms in measures.items()
    }


def _complete(folder: Path, v: Version) -> bool:
    """True when an earlier run left this student's folder complete and identical."""
    try:
        same = (folder / "answers.json").read_text(encoding="utf-8") == v.answers_json and all(
            (folder / name).read_text(encoding="utf-8") == v.sources[name[:-4]] for name in ("assignment.tex", "key.tex")
        )
    except (FileNotFoundError, UnicodeDecodeError):
        return False
    return same and all((folder / f).is_file() for f in FILES)


def _write_student(v: Version, class_dir: Path, fmt: Path | None) -> tuple[bool, dict[str, int]]:
    """Write one student's folder (atomically, as a whole); returns (compiled, pages)."""
    target = class_dir / v.folder
    if _complete(target, v):
        with pikepdf.open(target / "assignment.pdf") as a, pikepdf.open(target / "key.pdf") as k:
            return False, {"assignment": len(a.pages), "key": len(k.pages)}
    staging = Path(tempfile.mkdtemp(prefix=f".{v.folder}.", suffix=".part", dir=class_dir))
    try:
        write_atomic(staging / "answers.json", v.answers_json)
        for name, source in v.sources.items():
            write_atomic(staging / f"{name}.tex", source)
        unit = compile.Unit("version", pipeline.preamble(v.engine), list(v.bodies.items()), engine=v.engine, label=f"student {v.student_id!r}")
        with tempfile.TemporaryDirectory(prefix=".tex-", dir=class_dir) as tmp:
            pdf = compile.run_unit(unit, Path(tmp), fmt)
            compile.split(pdf, unit, {name: staging / f"{name}.pdf" for name, _ in pipeline.DOCUMENTS})
        os.chmod(staging, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{v.folder}.", suffix=".old", dir=class_dir))
            os.replace(target, old / "x")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
        return True, dict(unit.pages)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def combine(paths: list[Path], target: Path) -> int:
    """Concatenate PDFs for duplex printing: each starts on an odd page.
    Returns the page count."""
    out = pikepdf.new()
    opened = []
    try:
        for path in paths:
            src = pikepdf.open(path)
            opened.append(src)
            out.pages.extend(src.pages)
            if len(src.pages) % 2:
                box = src.pages[-1].mediabox
                out.add_blank_page(page_size=(float(box[2]), float(box[3])))
        compile.save_pdf(out, target)
        return len(out.pages)
    finally:
        for src in opened:
            src.close()


def make(
    class_seed: int,
    entries: list[Entry] | None,
    count: int | None,
    out: Path,
    *,
    jobs: int | None = None,
    pdf: bool = True,
    stream=None,
    quiet: bool = False,
) -> Result:
    """Make the whole class set in ``out/class-<seed>/``."""
    start = time.perf_counter()
    jobs = max(1, jobs or os.cpu_count() or 1)
    stream = stream or sys.stderr
    if entries is None:
        width = len(str(count))
        students = [(f"{k:0{width}d}", None) for k in range(1, count + 1)]
    else:
        students = [(e.id, e.name) for e in entries]
    class_dir = out / f"class-{class_seed}"
    class_dir.mkdir(parents=True, exist_ok=True)

    # 1. build every version in worker processes
    progress = Progress(len(students), "solving", stream, quiet)
    versions: list[Version | None] = [None] * len(students)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            futures = {pool.submit(_build_star, (i, sid, name, class_seed)): i for i, (sid, name) in enumerate(students)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    v = fut.result()
                    versions[v.index] = v
                    progress.step(v.student_id)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            progress.close()
        # 2. no two students share a question's parameters: redraw the later one
        resalted = []
        for _ in range(100):
            clash = _distinct(versions)
            if not clash:
                break
            for i in clash:
                old = versions[i]
                versions[i] = pool.submit(build_version, i, old.student_id, old.name, class_seed, old.salt + 1).result()
                resalted.append(old.student_id)
        else:
            raise GeneratorError("could not make every version distinct after 100 redraws")
    phases = {"solve": time.perf_counter() - start}
    folders = Counter()
    for v in versions:
        v.folder = safe_folder(v.student_id)
        folders[v.folder] += 1
    assert max(folders.values()) == 1, "folder names are unique by construction"

    compiled = skipped = 0
    missing_tex = sorted({v.engine for v in versions if not compile.tex_available(v.engine)}) if pdf else []
    if missing_tex:
        pdf = False  # write the sources and answers, then say how to install TeX
    if pdf:
        # 3. compile, the shared preamble loaded from a format dumped once
        progress = Progress(len(versions), "typesetting", stream, quiet)
        with tempfile.TemporaryDirectory(prefix=".format-", dir=class_dir) as fmt_dir:
            fmt = compile.build_format(pipeline.preamble("pdflatex"), Path(fmt_dir))
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                futures = {pool.submit(_write_student, v, class_dir, fmt): v for v in versions}
                try:
                    for fut in as_completed(futures):
                        v = futures[fut]
                        did, v.pages = fut.result()
                        compiled += did
                        skipped += not did
                        progress.step(v.student_id)
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
                finally:
                    progress.close()
        phases["typeset"] = time.perf_counter() - start - sum(phases.values())
        pages = combine([class_dir / v.folder / "assignment.pdf" for v in versions], class_dir / "handouts.pdf")
        pages += combine([class_dir / v.folder / "key.pdf" for v in versions], class_dir / "keys.pdf")
    else:
        pages = 0
        for v in versions:
            target = class_dir / v.folder
            write_atomic(target / "answers.json", v.answers_json)
            for name, source in v.sources.items():
                write_atomic(target / f"{name}.tex", source)

    phases["combine"] = time.perf_counter() - start - sum(phases.values())
    shared = shared_answers(versions)
    fair = fairness(versions)
    grading.write_csv(versions, class_dir / "grading-sheet.csv")
    if pdf:
        pages += grading.write_pdf(versions, class_seed, class_dir / "grading-sheet.pdf")
    manifest = {
        "format": "nn-problem-set-class/1",
        "generator": pipeline.__version__,
        "class_seed": class_seed,
        "students": [
            {
                "id": v.student_id,
                "name": v.name,
                "folder": v.folder,
                "seed": v.seed,
                "version": v.version,
                "redraws": v.salt,
                "answers_sha256": hashlib.sha256(v.answers_json.encode("utf-8")).hexdigest(),
                "pages": v.pages,
            }
            for v in versions
        ],
        "shared_answers": shared,
        "fairness": fair,
    }
    write_atomic(class_dir / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    phases["grading sheet and manifest"] = time.perf_counter() - start - sum(phases.values())
    if missing_tex:
        compile.require_tex(missing_tex[0])
    return Result(class_dir, versions, pages, time.perf_counter() - start, compiled, skipped, shared, fair, resalted, phases)
