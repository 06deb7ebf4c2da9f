"""SymPy helpers shared by the question families' verifiers."""

from __future__ import annotations

import sympy

from .speed import cached


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


@cached(maxsize=8192)
def cached_diff(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """``sympy_diff`` of a piece that recurs across versions (an outer or inner
    function, one data point's loss), computed once per expression."""
    return sympy_diff(expr, x)


def _derivative_of_term(term: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(term, x)``. For ``c * u`` with a number ``c`` SymPy's
    product rule gives ``Mul(0, u) + Mul(c, u')``, which is ``Mul(c, u')``:
    so is this, with ``u'`` computed once per ``u``."""
    if term.is_Mul and len(term.args) == 2 and term.args[0].is_Number:
        c, u = term.args
        return sympy.Mul(c, cached_diff(u, x))
    return cached_diff(term, x)


def derivative(f: sympy.Expr, x: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff(f, x)``, the same expression: SymPy differentiates a sum
    term by term (``Add._eval_derivative``), and so does this, computing each
    term's derivative once."""
    return sympy.Add(*(_derivative_of_term(t, x) for t in sympy.Add.make_args(f)))
