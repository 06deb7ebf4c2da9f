"""Question families, one module each, printed in the order of :func:`families`.

Every family has the same names and stages (:mod:`.family`): ``NAME``,
``TEMPLATE``, ``ORIGINAL``, ``PARTS``, ``MISTAKES`` and ``broken_rules``,
``sample``, ``solve``, ``verify``, ``mistakes``, ``present``;
:func:`generator.pipeline.build_question` orders them. Each family receives its
own child generator, keyed by its name, so adding a family never changes
another family's draws for the same seed.

The built-in families are this package's modules; :func:`register` adds one
more at run time (a module or an object with the same names, defined anywhere),
with its template, after them. The configuration's catalogue of parts and
points (:mod:`generator.config`) and the template search path follow.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .. import render
from . import chain_rule, cost_derivatives, network
from .family import Family, PartSpec

BUILT_IN: tuple[Family[Any, Any], ...] = (network, chain_rule, cost_derivatives)
NAMES = ("NAME", "TEMPLATE", "ORIGINAL", "PARTS", "MISTAKES")
STAGES = ("broken_rules", "sample", "solve", "verify", "mistakes", "present")

_registered: list[Family[Any, Any]] = []
_generation = [0]  # counts changes of the family list, for the catalogue built from it


def families() -> tuple[Family[Any, Any], ...]:
    """Every family, in printed order: the built-in ones, then those registered."""
    return (*BUILT_IN, *_registered)


def generation() -> int:
    """A number that changes whenever the family list does."""
    return _generation[0]


def register(family: Family[Any, Any], *, template: str | Path | None = None) -> None:
    """Add ``family`` after the others: its questions are numbered after theirs
    and its parts and default points join the configuration's catalogue.

    ``template`` is the family's template (``family.TEMPLATE``), as its text or
    as the file holding it; None when it is already on the template search
    path. A family whose names or stages are missing, whose name or part ids
    are taken, or whose parts repeat, is refused (ValueError)."""
    missing = [n for n in NAMES if not hasattr(family, n)] + [n for n in STAGES if not callable(getattr(family, n, None))]
    if missing:
        raise ValueError(f"a question family needs {', '.join(missing)}")
    if any(f.NAME == family.NAME for f in families()):
        raise ValueError(f"a question family named {family.NAME!r} is registered already")
    suffixes = [spec.suffix for spec in family.PARTS]
    if not suffixes or not all(isinstance(spec, PartSpec) for spec in family.PARTS) or len(set(suffixes)) != len(suffixes):
        raise ValueError(f"family {family.NAME!r}: PARTS must be one or more PartSpec with distinct suffixes")
    if template is not None:
        source = template.read_text(encoding="utf-8") if isinstance(template, Path) else template
        render.add_template(family.TEMPLATE, source)
    _registered.append(family)
    _generation[0] += 1


def unregister(name: str) -> None:
    """Remove the registered family ``name`` (and its template); built-in families stay."""
    for family in _registered:
        if name == family.NAME:
            _registered.remove(family)
            render.remove_template(family.TEMPLATE)
            _generation[0] += 1
            return
    raise ValueError(f"no registered question family named {name!r}")


def family_rng(seed: int, family: str) -> np.random.Generator:
    """A generator for one family of one seed, stable across code changes
    elsewhere: keyed by the seed and the family's name."""
    key = zlib.crc32(family.encode("ascii"))
    return np.random.default_rng(np.random.SeedSequence([seed, key]))
