"""SymPy's printers, sooner: text, LaTeX and NumPy code of computed
expressions, and the compiled NumPy functions lambdify makes from that code.

Nothing here changes a result: each printer prints what the SymPy printer it
extends prints, with the same settings, and remembers the text of every
subexpression across calls (in a memo of :mod:`generator.speed`, so that
:func:`generator.speed.clear_all` forgets it).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.str import StrPrinter

from .speed import cached, memo, remember


class MemoPrinter:
    """A printer mixin remembering the text of every subexpression it prints,
    across calls, in the class's ``_memo``. With fixed settings a
    subexpression's text does not depend on where it occurs (its parent adds
    any brackets); a Float's may, so Floats are never kept, and neither is a
    call with extra arguments (such as an exponent)."""

    _memo: dict[Any, Any]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if kwargs or not isinstance(expr, sympy.Basic) or expr.is_Float:
            return super()._print(expr, **kwargs)  # type: ignore[misc, no-any-return]
        out = self._memo.get(expr)
        if out is None:
            out = super()._print(expr)  # type: ignore[misc]
            remember(self._memo, expr, out)
        return out  # type: ignore[no-any-return]


_ORDERED_TERMS = memo()  # sum -> its terms in printing order


class SharedTermOrder:
    """A printer mixin: the terms of a sum in printing order (SymPy's default
    order, a function of the sum alone), shared by the printers below: a value
    or derivative printed as text and as LaTeX is ordered once."""

    order: Any

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> list[Any]:
        if (order or self.order) is not None:
            return super()._as_ordered_terms(expr, order=order)  # type: ignore[misc, no-any-return]
        terms = _ORDERED_TERMS.get(expr)
        if terms is None:
            terms = tuple(super()._as_ordered_terms(expr, order=order))  # type: ignore[misc]
            remember(_ORDERED_TERMS, expr, terms)
        return list(terms)


class _TextPrinter(SharedTermOrder, MemoPrinter, StrPrinter):
    """``str``: SymPy's str printer with its default settings."""

    _memo = memo()


class _TexPrinter(SharedTermOrder, MemoPrinter, LatexPrinter):
    """:func:`tex`: SymPy's LaTeX printer with TEX_SETTINGS."""

    _memo = memo()


class _NumPyCode(SharedTermOrder, NumPyPrinter):
    """The printer ``sympy.lambdify(..., modules="numpy")`` uses, with the
    settings it gives it (:func:`numpy_code`). Printing a subexpression also
    records the imports it needs in the printer: they are remembered with the
    text and recorded again whenever the text is reused, so the printer ends in
    the same state as without the memo. A subexpression printed while some
    part is unsupported or a number constant is declared is not remembered."""

    _memo = memo()

    def __init__(self, settings: dict[str, Any] | None = None):
        super().__init__(settings)
        self._recording: list[set[tuple[str, str]]] = []  # imports of the subexpressions being printed

    def _module_format(self, fqn: str, register: bool = True) -> str:
        parts = fqn.split(".")
        if register and len(parts) > 1:
            for imports in self._recording:
                imports.add((".".join(parts[:-1]), parts[-1]))
        return super()._module_format(fqn, register)  # type: ignore[no-any-return]

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if kwargs or not isinstance(expr, sympy.Basic) or expr.is_Float:
            return NumPyPrinter._print(self, expr, **kwargs)  # type: ignore[no-any-return]
        hit = self._memo.get(expr)
        if hit is not None:
            out, reused = hit
            for module, name in reused:
                self.module_imports[module].add(name)
                for imports in self._recording:
                    imports.add((module, name))
            return out  # type: ignore[no-any-return]
        needed: set[tuple[str, str]] = set()
        self._recording.append(needed)
        try:
            out = NumPyPrinter._print(self, expr)
        finally:
            self._recording.pop()
        if not self._not_supported and not self._number_symbols:
            remember(self._memo, expr, (out, frozenset(needed)))
        return out  # type: ignore[no-any-return]


def numpy_code() -> _NumPyCode:
    """A fresh printer for one ``sympy.lambdify(..., modules="numpy")`` call
    (lambdify's own settings for NumPy; no implemented functions occur)."""
    return _NumPyCode({"fully_qualified_modules": False, "inline": True,
                       "allow_unknown_functions": True, "user_functions": {}})


TEX_SETTINGS = {"ln_notation": False, "fold_func_brackets": True}


@cached(maxsize=4096)
def tex(expr: Any) -> str:
    """LaTeX of a computed expression: natural logarithm printed as ``\\log`` (one notation in every question),
    brackets dropped around a single symbol (``\\cos g_1``). The same as
    ``sympy.latex(expr, **TEX_SETTINGS)``."""
    return _TexPrinter(TEX_SETTINGS).doprint(expr)  # type: ignore[no-any-return]


def text(expr: Any) -> str:
    """``str(expr)``, the same text, computed once per subexpression."""
    if not isinstance(expr, sympy.Basic):
        return str(expr)
    return _TextPrinter({"order": None}).doprint(expr)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# Compiled NumPy functions

# The generated functions need no docstring (it would print every expression
# once more); SymPy before 1.13 has no such option and always writes one.
_LAMBDIFY_OPTIONS = {"docstring_limit": 0} if "docstring_limit" in inspect.signature(sympy.lambdify).parameters else {}


def lambdified(args: Iterable[sympy.Symbol], exprs: Any) -> Callable[..., Any]:
    """``sympy.lambdify(args, exprs, modules="numpy")``: args -> exprs in
    floating point, printed by the memoizing :func:`numpy_code`."""
    return sympy.lambdify(tuple(args), exprs, modules="numpy", printer=numpy_code(), **_LAMBDIFY_OPTIONS)  # type: ignore[no-any-return]


@cached(maxsize=256)
def lambdified_once(args: tuple[sympy.Symbol, ...], exprs: tuple[sympy.Expr, ...]) -> Callable[..., Any]:
    """:func:`lambdified` for a list of expressions that recurs across
    versions, compiled once (each compiled function keeps a copy of NumPy's
    namespace, so not many are kept)."""
    return lambdified(args, list(exprs))
