"""SymPy helpers shared by the question families' verifiers."""

from __future__ import annotations

import sympy


def sympy_diff(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(expr, x)``, the same expression. ``sympy.diff`` makes a
    ``Derivative``, which evaluates by the expression's own rule
    (``_eval_derivative_n_times``) and then asks whether the result is zero,
    returning the result either way (no Derivative is left in it to rewrite).
    The question is skipped here: its answer does not change the result, and
    for, say, tanh of a polynomial in complex symbols it costs far more than
    the derivative. Anything unusual goes to ``sympy.diff`` itself."""
    if (isinstance(expr, sympy.Expr) and not isinstance(expr, sympy.Derivative)
            and hasattr(expr, "_eval_derivative") and x in expr.free_symbols):
        d = expr._eval_derivative_n_times(x, sympy.S.One)
        if d is not None and not d.has(sympy.Derivative):
            return d
    return sympy.diff(expr, x)
