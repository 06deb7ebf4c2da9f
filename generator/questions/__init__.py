"""Question families, one module each, printed in the order of FAMILIES.

Every family module has the same names and stages (:mod:`.family`): ``NAME``,
``TEMPLATE``, ``ORIGINAL`` and ``broken_rules``, ``sample``, ``solve``, ``verify``,
``mistakes``, ``present``; :func:`generator.pipeline.build_question` orders
them. Each family receives its own child generator, keyed by its name, so
adding a family never changes another family's draws for the same seed.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from . import chain_rule, cost_derivatives, network
from .family import Family

FAMILIES: list[Family[Any, Any]] = [network, chain_rule, cost_derivatives]


def family_rng(seed: int, family: str) -> np.random.Generator:
    """A generator for one family of one seed, stable across code changes
    elsewhere: keyed by the seed and the family's name."""
    key = zlib.crc32(family.encode("ascii"))
    return np.random.default_rng(np.random.SeedSequence([seed, key]))

