"""Helpers for drawing parameters: explicit generators, redraw until the rules hold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from .errors import SamplingError

T = TypeVar("T")

MAX_DRAWS = 100_000


def choice(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One element of ``options``, uniformly (works for any sequence, unlike rng.choice)."""
    return options[int(rng.integers(len(options)))]


def integers(rng: np.random.Generator, low: int, high: int, size: int, *, nonzero: bool = False) -> list[int]:
    """``size`` integers from ``low..high`` inclusive, optionally excluding 0."""
    pool = [v for v in range(low, high + 1) if not (nonzero and v == 0)]
    return [pool[int(i)] for i in rng.integers(len(pool), size=size)]


def redraw(draw: Callable[[np.random.Generator], T], rules: Callable[[T], list[str]], rng: np.random.Generator, what: str) -> T:
    """Call ``draw`` until ``rules`` (returning the names of broken rules) is empty."""
    broken: dict[str, int] = {}
    for _ in range(MAX_DRAWS):
        candidate = draw(rng)
        failed = rules(candidate)
        if not failed:
            return candidate
        for name in failed:
            broken[name] = broken.get(name, 0) + 1
    worst = ", ".join(f"{k} ({v})" for k, v in sorted(broken.items(), key=lambda kv: -kv[1])[:3])
    raise SamplingError(f"{what}: no valid draw in {MAX_DRAWS} tries; rules most often broken: {worst}")
