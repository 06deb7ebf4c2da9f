"""An export format, and the registry of formats.

A format is one loop's worth of work per version, in the spirit of R/exams'
``xexams`` driver: :meth:`Format.render` makes a version's share of the
export (in the process that builds the version, from the version in memory);
a :class:`Writer` takes those shares one version at a time (:meth:`Writer.add`,
in the class's order), writes the export (:meth:`Writer.finish`) and reads it
back (:meth:`Writer.check`) before it is put in place. An export is a file or
a folder (:attr:`Format.folder`).

The registry is the one list of formats: the command line's ``--export``
choices, what a version folder may hold beside its own files
(:func:`targets`, used by ``pipeline.current``), the checks and the file names
all come from it. Every module of this package that defines ``FORMAT`` is a
built-in format (found when the package is imported); a format defined
anywhere else is added with :func:`register`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import UsageError
from .source import Version

R = TypeVar("R")


class Writer(ABC, Generic[R]):
    """Writes one export of a class (or of one version)."""

    @abstractmethod
    def add(self, version: Version, rendered: R) -> None:
        """Add the next version (variant ``version.index``) and its share,
        ``Format.render(version)``. Raises ValueError when the version does not
        fit the ones before it (other parts)."""

    @abstractmethod
    def finish(self, target: Path) -> None:
        """Write the export to ``target``: a file, or a folder that exists and
        is empty (for a format with ``folder``)."""

    @abstractmethod
    def check(self, target: Path) -> list[str]:
        """Read the written export back: every rule it breaks (of the LMS's
        import, or against the keys added), as one line each; none when it is right."""

    def close(self) -> None:
        """Free what :meth:`add` kept (temporary files); called once, whatever happened."""


class Format(ABC, Generic[R]):
    """An export format. Instances are sent to worker processes, so they hold
    no state beyond their class (pickled by reference)."""

    name: str  # the --export choice
    target: str  # the file (or folder) it writes into a version or class folder
    description: str  # what it is, for --help: "Moodle XML"
    folder: bool = False  # the export is a folder, not a file

    @abstractmethod
    def render(self, version: Version) -> R:
        """A version's share of the export: everything :meth:`Writer.add` needs
        of it beyond the version itself. Runs where the version is built."""

    @abstractmethod
    def writer(self) -> Writer[R]:
        """A new writer for one export."""


_REGISTRY: dict[str, Format[Any]] = {}


def register(fmt: Format[Any]) -> Format[Any]:
    """Add a format; its name and its target must be new."""
    for other in _REGISTRY.values():
        if other is not fmt and (other.name == fmt.name or other.target == fmt.target):
            raise ValueError(f"export format {fmt.name!r} ({fmt.target}) clashes with {other.name!r} ({other.target})")
    _REGISTRY[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a format (a test's, once it is done)."""
    _REGISTRY.pop(name, None)


def registered() -> tuple[Format[Any], ...]:
    """Every format, in the order registered."""
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def named(chosen: Iterable[str]) -> tuple[Format[Any], ...]:
    """The formats of ``chosen`` names, each once, in the order given."""
    out: list[Format[Any]] = []
    for name in dict.fromkeys(chosen):
        if name not in _REGISTRY:
            raise UsageError(f"unknown export format {name!r}; choose from: {', '.join(_REGISTRY)}")
        out.append(_REGISTRY[name])
    return tuple(out)


def targets() -> tuple[tuple[str, bool], ...]:
    """What the exports write beside a version's own files: (name, is a folder)."""
    return tuple((f.target, f.folder) for f in _REGISTRY.values())
