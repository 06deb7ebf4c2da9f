"""Exports for learning-management systems, for one version or a whole class
set: every format registered in :mod:`generator.export.formats` (the built-in
ones are the modules of this package that define ``FORMAT``: Moodle XML and
Canvas QTI 1.2).

One loop over the versions, one writer per format: each version's share of
every export is rendered where the version is built (:func:`prepare`: a class
set's worker processes, from the ProblemSet in memory; a class set keeps it on
disk, :func:`spool`, until every version is made); :func:`write` then adds the
versions in the class's order, writes each export to a temporary name, reads it
back and checks it against its LMS's import rules and against the keys (every
variant present, every number's key accepted and the key +/- 1.01 tolerance
rejected), and only then renames it into place. An export that fails a check
is never left behind.
"""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import shutil
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import install_folder, replace_atomic, staging_folder, write_atomic
from ..model import ProblemSet
from . import html, source
from .formats import Format, Writer, named, names, register, registered, targets, unregister
from .source import ExportError, Version

__all__ = ["ExportError", "Format", "Prepared", "Version", "Writer", "export", "named", "names", "prepare", "register",
           "registered", "remove_stale", "spool", "targets", "unregister", "unspool", "write"]


@dataclass
class Prepared:
    """A version and each format's share of it (by format name), rendered where the version was built."""

    version: Version
    rendered: dict[str, Any] = field(default_factory=dict)


def _render(version: Version, formats: Sequence[Format[Any]]) -> dict[str, Any]:
    try:
        return {fmt.name: fmt.render(version) for fmt in formats}
    except html.UnknownLaTeX as exc:
        raise ExportError(f"version {version.code}: {exc}") from None


def prepare(ps: ProblemSet, index: int, formats: Sequence[Format[Any]]) -> Prepared:
    """Version ``ps`` as variant ``index`` of its class, with its share of every export in ``formats``."""
    version = source.view(ps, index)
    return Prepared(version, _render(version, formats))


def spool(ps: ProblemSet, index: int, formats: Sequence[Format[Any]], path: Path) -> None:
    """:func:`prepare` a version into the file ``path`` (in a class set's
    worker); an export that cannot be made is kept there as its error, for
    :func:`unspool` to raise when the class's exports are written."""
    made: Prepared | ExportError
    try:
        made = prepare(ps, index, formats)
    except ExportError as exc:
        made = exc
    # compressed: the XML of a version is repetitive (a tenth of the size, for about 2 ms)
    write_atomic(path, zlib.compress(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL), 1))


def unspool(path: Path) -> Prepared:
    """What :func:`spool` kept in ``path`` (a private file this run wrote); the file is removed."""
    made = pickle.loads(zlib.decompress(path.read_bytes()))
    path.unlink()
    if isinstance(made, ExportError):
        raise made
    if not isinstance(made, Prepared):
        raise ExportError(f"{path.name} holds no prepared version")
    return made


def _remove(fmt: Format[Any], target: Path) -> None:
    """Remove an export (a folder for a folder format, else a file); anything else of that name stays."""
    if target.is_symlink() or target.is_file():
        if not fmt.folder or target.is_symlink():
            target.unlink(missing_ok=True)
    elif fmt.folder and target.is_dir():
        shutil.rmtree(target)


def _install(fmt: Format[Any], writer: Writer[Any], target: Path) -> Path:
    """Write, check, then put in place: a file by renaming, a folder assembled aside."""

    def made(tmp: Path) -> None:
        writer.finish(tmp)
        problems = writer.check(tmp)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ExportError(f"the {fmt.name} export failed its own import check: {problems[0]}{more}")

    if not fmt.folder:
        return replace_atomic(target, made)
    staging = staging_folder(target)
    try:
        made(staging)
        install_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write(versions: Iterable[Prepared], formats: Sequence[Format[Any]], folder: Path) -> list[Path]:
    """Write every export in ``formats`` of ``versions`` (variant k is the k-th)
    into ``folder``, in one pass over them; each export is checked, then put in
    place. When a check fails, no export of ``formats`` is left (not even an
    older one)."""
    writers = {fmt.name: fmt.writer() for fmt in formats}
    written: list[Path] = []
    count = 0
    try:
        try:
            for k, item in enumerate(versions, start=1):
                count = k
                if item.version.index != k or any(fmt.name not in item.rendered for fmt in formats):
                    item.version.index = k  # a student before it failed: its variant number moved up
                    item.rendered = _render(item.version, formats)
                for fmt in formats:
                    writers[fmt.name].add(item.version, item.rendered[fmt.name])
        except ValueError as exc:
            raise ExportError(f"cannot export: {exc}") from None
        for fmt in formats:
            if count == 0:
                raise ExportError(f"nothing to export to {fmt.name}: no version was written")
            written.append(_install(fmt, writers[fmt.name], folder / fmt.target))
    except ExportError:
        for fmt in formats:
            if folder / fmt.target not in written:
                _remove(fmt, folder / fmt.target)
        raise
    finally:
        for writer in writers.values():
            writer.close()
    return written


def export(problem_sets: Sequence[ProblemSet], formats: Sequence[str], folder: Path) -> list[Path]:
    """Write the exports named ``formats`` of ``problem_sets`` (variant k is
    problem_sets[k - 1]) into ``folder``, each version prepared in this process."""
    chosen = named(formats)
    return write((prepare(ps, k, chosen) for k, ps in enumerate(problem_sets, start=1)), chosen, folder)


def remove_stale(folder: Path, formats: Sequence[str]) -> None:
    """Remove the exports of formats not asked for this time: they would describe an older class."""
    for fmt in registered():
        if fmt.name not in formats:
            _remove(fmt, folder / fmt.target)


def _builtins() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, Format):
            register(fmt)


_builtins()
