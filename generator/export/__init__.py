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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..files import replace_atomic
from . import canvas, checks, moodle, source
from .source import ExportError, Version

FORMATS = ("moodle", "canvas")
FILES = {"moodle": "moodle.xml", "canvas": "canvas-qti.zip"}

__all__ = ["FORMATS", "FILES", "ExportError", "export", "export_folders"]


@dataclass
class Expected:
    """What the key says each exported question must accept: name -> [(value, tolerance)]."""

    numbers: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    manual: set[str] = field(default_factory=set)
    versions: int = 0


def _recorded(versions: Iterable[Version], fmt: str, expected: Expected) -> Iterator[Version]:
    for v in versions:
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
        yield v


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


def export(versions: Iterable[Version], fmt: str, target: Path) -> Path:
    """Write one export of ``versions`` to ``target``, checked, atomically."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")

    def write(tmp: Path) -> None:
        expected = Expected()
        stream = _recorded(versions, fmt, expected)
        try:
            (moodle.write_file if fmt == "moodle" else canvas.write_file)(stream, tmp)
        except ValueError as exc:
            raise ExportError(f"cannot export to {fmt}: {exc}") from None
        if expected.versions == 0:
            raise ExportError(f"nothing to export to {fmt}: no version was written")
        _verify(fmt, tmp, expected)

    return replace_atomic(target, write)


def export_folders(folders: Sequence[Path], formats: Sequence[str], target_dir: Path) -> list[Path]:
    """Export the versions in ``folders`` (each with answers.json and key.tex;
    variant k is folders[k - 1]) to ``target_dir``/moodle.xml and/or
    canvas-qti.zip. Versions are read back from disk one at a time, so memory
    stays bounded for any class size."""
    written = []
    for fmt in dict.fromkeys(formats):
        versions = (source.read(folder, k) for k, folder in enumerate(folders, start=1))
        written.append(export(versions, fmt, target_dir / FILES[fmt]))
    return written


def remove_stale(target_dir: Path, formats: Sequence[str]) -> None:
    """Remove the exports of formats not asked for this time: they would
    describe an older class."""
    for fmt, name in FILES.items():
        if fmt not in formats:
            (target_dir / name).unlink(missing_ok=True)
