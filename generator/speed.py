"""Speed machinery shared by the question families: caches, memos and cached
SymPy operations, with one :func:`clear_all`. The memoizing printers and the
compiled NumPy functions that use these caches are in :mod:`generator.printers`.

Nothing here changes a result: every function returns what the plain SymPy
call it names returns, only sooner the second time. The same expressions
recur within a version (a function, its derivatives, their values and the
check strings) and from one version to the next (an outer or inner function,
one data point's loss), so each is worked out once. :func:`clear_all` forgets
everything kept, for timing a cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol, TypeVar

import sympy

F = TypeVar("F", bound=Callable[..., Any])


class _Clearable(Protocol):
    def cache_clear(self) -> None: ...


_CACHES: list[_Clearable] = []  # every cache made by cached()
_MEMOS: list[dict[Any, Any]] = []  # every memo made by memo()


def cached(maxsize: int | None = 4096, typed: bool = False) -> Callable[[F], F]:
    """``functools.lru_cache``, registered so that :func:`clear_all` empties it."""

    def wrap(function: F) -> F:
        wrapper = lru_cache(maxsize=maxsize, typed=typed)(function)
        _CACHES.append(wrapper)
        return wrapper  # type: ignore[return-value]  # same call signature

    return wrap


def memo() -> dict[Any, Any]:
    """A dict kept across versions, emptied by :func:`clear_all`."""
    table: dict[Any, Any] = {}
    _MEMOS.append(table)
    return table


def clear_all() -> None:
    """Forget what is kept from one version to the next (for timing a cold start)."""
    for cache in _CACHES:
        cache.cache_clear()
    for table in _MEMOS:
        table.clear()


MEMO_LIMIT = 20_000  # subexpressions remembered by each printer (then forgotten at once)


def remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    """``table[key] = value``, emptying the table first when it is full."""
    if len(table) >= MEMO_LIMIT:
        table.clear()
    table[key] = value


# --------------------------------------------------------------------------
# Cached SymPy operations


@cached(maxsize=4096)
def factor_terms(expr: sympy.Expr) -> sympy.Expr:
    """``sympy.factor_terms``, once per expression."""
    return sympy.factor_terms(expr)


@cached(maxsize=4096)
def xreplace(expr: sympy.Expr, pairs: tuple[tuple[Any, Any], ...]) -> sympy.Expr:
    """``expr.xreplace(dict(pairs))``, once per expression and replacement (an
    inner function at a point recurs across versions)."""
    return expr.xreplace(dict(pairs))


@cached(maxsize=4096)
def times(a: sympy.Expr, b: sympy.Expr) -> sympy.Expr:
    """``a * b``, once per pair (a chain-rule product along one path recurs
    with its outer and inner function)."""
    return a * b


def substitute(expr: sympy.Expr, mapping: dict[Any, Any]) -> sympy.Expr:
    """``expr.xreplace(mapping)`` for a mapping of symbols, by :func:`xreplace`
    with the symbols ``expr`` contains (an outer derivative depends on one
    inner function only, and recurs with it)."""
    free = expr.free_symbols
    return xreplace(expr, tuple((k, v) for k, v in mapping.items() if k in free))
