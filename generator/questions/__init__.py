"""Question families, one module each, printed in the order of FAMILIES.

Every family module provides::

    FAMILY: str                  # "network", "chain_rule", "cost_derivatives"
    def build(rng: numpy.random.Generator | None, number: int) -> Question

``build`` samples (``rng is None`` means the original assignment's numbers),
solves, verifies by an independent second route (raising
``VerificationError`` on any disagreement) and returns a ``Question`` whose
``template`` names its one template under ``templates/questions/``.
Each family receives its own child generator, so adding a family never changes
another family's draws for the same seed.
"""

from __future__ import annotations

import importlib
import zlib

import numpy as np

FAMILIES = ["network", "chain_rule", "cost_derivatives"]


def family_module(name: str):
    return importlib.import_module(f"{__name__}.{name}")


def family_rng(seed: int, family: str) -> np.random.Generator:
    """A generator for one family of one seed, stable across code changes
    elsewhere: keyed by the seed and the family's name."""
    key = zlib.crc32(family.encode("ascii"))
    return np.random.default_rng(np.random.SeedSequence([seed, key]))
