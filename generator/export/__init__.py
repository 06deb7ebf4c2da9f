"""Exports for learning-management systems: Moodle XML (``moodle.xml``) and
Canvas QTI 1.2 (``canvas-qti.zip``), for one version or a whole class set.

Each export is built from the versions' answers.json (format 2) and key.tex,
read back from their folders one version at a time, written to a temporary
file, parsed back and checked against Moodle's and Canvas's import rules and
against the keys (every variant present, every number's key accepted and the
key +/- 1.01 tolerance rejected) before it is renamed into place. A file that
fails a check is never left behind.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from ..files import replace_atomic
from . import canvas, checks, moodle, source
from .source import ExportError, Version

FORMATS = ("moodle", "canvas")
FILES = {"moodle": "moodle.xml", "canvas": "canvas-qti.zip"}

__all__ = ["FORMATS", "FILES", "ExportError", "export", "export_all", "export_folders", "remove_stale"]


@dataclass
class Expected:
    """What the key says each exported question must accept: name -> [(value, tolerance)]."""

    numbers: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    manual: set[str] = field(default_factory=set)
    versions: int = 0


def _record(v: Version, fmt: str, expected: Expected) -> None:
    """Note what the key says the questions of version ``v`` must accept."""
    expected.versions += 1
    if fmt == "moodle":
        for part, kind in moodle.slots(v):
            name = moodle.question_name(v, part, kind)
            if kind == "auto":
                expected.numbers[name] = [(c.value, c.tolerance) for c in part.components()]
            else:
                expected.manual.add(name)
    else:
        for part, comp in canvas.slots(v):
            name = canvas.item_title(v, part, comp)
            if comp is None:
                expected.manual.add(name)
            else:
                expected.numbers[name] = [(comp.value, comp.tolerance)]


def _verify(fmt: str, path: Path, expected: Expected) -> None:
    """Parse the written file back: import rules, then every key against its question."""
    problems: list[str]
    per_slot: dict[str, int] = {}
    found: dict[str, checks.Parsed] = {}
    if fmt == "moodle":
        with path.open("rb") as fh:
            questions, problems = checks.moodle(fh)
        for q in questions:
            per_slot[q.category] = per_slot.get(q.category, 0) + 1
            found[q.name] = q
    else:
        sections, problems = checks.canvas(str(path))
        for s in sections:
            per_slot[s.title] = len(s.items)
            for q in s.items:
                found[q.name] = q
    for slot, variants in per_slot.items():
        if variants != expected.versions:
            problems.append(f"{slot!r} holds {variants} variants for {expected.versions} versions")
    if set(found) != set(expected.numbers) | expected.manual:
        problems.append(f"{len(found)} questions written, {len(expected.numbers) + len(expected.manual)} expected")
    for name, keys in expected.numbers.items():
        got = found.get(name)
        if got is None or len(got.numbers) != len(keys):
            problems.append(f"{name}: {0 if got is None else len(got.numbers)} numbers, the key has {len(keys)}")
            continue
        for n, (value, tol) in zip(got.numbers, keys):
            if not n.accepts(value) or n.accepts(value + 1.01 * tol + 1e-12) or n.accepts(value - 1.01 * tol - 1e-12):
                problems.append(f"{name}: grades the key {value} (tolerance {tol}) wrongly")
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ExportError(f"the {fmt} export failed its own import check: {problems[0]}{more}")


@dataclass
class Prepared:
    """A version with each format's share of it already rendered (by a worker)."""

    version: Version
    moodle: list[str] | None = None
    canvas: canvas.Rendered | None = None


def export_all(versions: Iterable[Version | Prepared], targets: dict[str, Path]) -> list[Path]:
    """Write every export in ``targets`` (format -> file) of ``versions`` in
    one pass over them; each file is checked, then renamed into place. When a
    check fails, no file of that format is left (not even an older one)."""
    for fmt in targets:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}")
    writers: dict[str, moodle.Writer | canvas.Writer] = {
        fmt: moodle.Writer() if fmt == "moodle" else canvas.Writer() for fmt in targets}
    expected = {fmt: Expected() for fmt in targets}
    written: list[Path] = []
    try:
        try:
            for item in versions:
                pre = item if isinstance(item, Prepared) else Prepared(item)
                v = pre.version
                for fmt, writer in writers.items():
                    _record(v, fmt, expected[fmt])
                    if isinstance(writer, moodle.Writer):
                        writer.add(v, pre.moodle)
                    else:
                        writer.add(v, pre.canvas)
        except ValueError as exc:
            raise ExportError(f"cannot export: {exc}") from None
        for fmt, writer in writers.items():
            if expected[fmt].versions == 0:
                raise ExportError(f"nothing to export to {fmt}: no version was written")

            def write(tmp: Path, fmt: str = fmt, writer: moodle.Writer | canvas.Writer = writer) -> None:
                writer.finish(tmp)
                _verify(fmt, tmp, expected[fmt])

            written.append(replace_atomic(targets[fmt], write))
    except ExportError:
        for fmt, target in targets.items():
            if target not in written:
                target.unlink(missing_ok=True)
        raise
    finally:
        for writer in writers.values():
            writer.close()
    return written


def export(versions: Iterable[Version], fmt: str, target: Path) -> Path:
    """Write one export of ``versions`` to ``target``, checked, atomically."""
    return export_all(versions, {fmt: target})[0]


def export_folders(folders: Sequence[Path], formats: Sequence[str], target_dir: Path) -> list[Path]:
    """Export the versions in ``folders`` (each with answers.json and key.tex;
    variant k is folders[k - 1]) to ``target_dir``/moodle.xml and/or
    canvas-qti.zip. Versions are read back from disk one at a time, each once
    for all formats, so memory stays bounded for any class size."""
    fmts = list(dict.fromkeys(formats))
    return export_all(read_versions(folders, fmts), {fmt: target_dir / FILES[fmt] for fmt in fmts})


PARALLEL_FROM = 16  # versions: below this, reading them in this process is faster than starting workers


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the export, workers print nothing
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _read(job: tuple[Path, int, tuple[str, ...]]) -> Prepared:
    folder, k, formats = job
    v = source.read(folder, k)
    return Prepared(v, moodle.render(v) if "moodle" in formats else None, canvas.render(v) if "canvas" in formats else None)


def read_versions(folders: Sequence[Path], formats: Sequence[str] = (), workers: int | None = None) -> Iterator[Prepared]:
    """The versions of ``folders`` in order, each rendered for ``formats``.
    Reading a version (answers.json, and the key's LaTeX converted to HTML)
    and rendering its questions is most of an export's work, so a class is
    done by a pool of worker processes, a bounded window of versions ahead of
    the writers: memory stays bounded for any class size."""
    jobs = [(folder, k, tuple(formats)) for k, folder in enumerate(folders, start=1)]
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        yield from map(_read, jobs)
        return
    window = 4 * workers
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts) as pool:
        pending: deque[Future[Prepared]] = deque()
        for job in jobs:
            pending.append(pool.submit(_read, job))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def remove_stale(target_dir: Path, formats: Sequence[str]) -> None:
    """Remove the exports of formats not asked for this time: they would
    describe an older class."""
    for fmt, name in FILES.items():
        if fmt not in formats:
            (target_dir / name).unlink(missing_ok=True)
