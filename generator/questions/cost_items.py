"""The item bank of Question 3: activation and cost functions of a weight vector.

Every item is one function a student differentiates, organised by the skill the
original part tests:

* ``scalar_activation`` (3.1): ``f(z) = g(az + c)`` for an activation ``g``;
* ``activation_linear`` (3.2) and ``activation_linear_2`` (3.6): ``f(w) = g(w^T x [+ b])``;
* ``robust_regression`` (3.3): the L1 cost of the residuals;
* ``penalized_least_squares`` (3.4): squared error (factor 1/2, 1, 1/m or 1/(2m))
  plus ``lambda ||w||_2^2``;
* ``classification`` (3.5): the logistic log-likelihood or its negative, the
  cross-entropy, labels 0/1.

Each item carries its texts (function, derivation, simplified vector-form
answer, non-differentiable points) and three computable forms of itself: the
cost in components (SymPy, for any ``n`` and ``m``), the answer's formula in
components (SymPy), and the answer evaluated exactly at integer data
(:class:`Lin`, a rational combination of ``sigma(k)``) and in floating point.
Exact numbers are written in terms of ``sigma(k)`` for positive integers ``k``
(``sigma(-k) = 1 - sigma(k)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from ..latex import num
from ..printers import MemoPrinter
from ..speed import cached, memo

Expr = Any  # a SymPy expression (SymPy has no type information)


@dataclass(frozen=True)
class Steps:
    """One block of a worked derivation: a sentence, then aligned lines,
    given here or by a macro of templates/questions/cost_steps.tex.j2."""

    text: str | None
    align: list[str] | None
    macro: str | None = None  # act_<activation key> or loss_<loss key>
    args: tuple[str, ...] = ()  # the macro's arguments


# --------------------------------------------------------------------------
# Exact numbers: rational combinations of sigma(k)


def sigma_f(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u))


@cached(maxsize=4096, typed=True)
def sig(u: Expr) -> Expr:
    """sigma(u) written out, as SymPy: 1/(1 + exp(-u)) (once per argument)."""
    return 1 / (1 + sympy.exp(-u))


class _Printer(MemoPrinter, StrPrinter):
    """``str`` for the contract: Euler's number as ``exp(1)``, not ``E``,
    remembering the text of every subexpression (see :class:`MemoPrinter`):
    the same pieces recur in a cost, its derivatives and from one version to
    the next."""

    _memo = memo()

    def _print_Exp1(self, expr: Expr) -> str:
        return "exp(1)"


def sstr(expr: Expr) -> str:
    return str(_Printer().doprint(expr))


def _rat(value: int | Fraction) -> Expr:
    q = Fraction(value)
    return sympy.Rational(q.numerator, q.denominator)


# Atoms: ("1", 0) and ("sigma", k) with k a positive integer.
Atom = tuple[str, int]


def _atom_order(atom: Atom) -> tuple[int, int]:
    return ({"1": 0, "sigma": 1}[atom[0]], atom[1])


class Lin:
    """An exact number ``sum_a q_a * atom_a`` with rational ``q_a``."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Atom, int | Fraction] | None = None):
        self.terms = {a: Fraction(q) for a, q in (terms or {}).items() if q != 0}

    @classmethod
    def const(cls, q: int | Fraction) -> Lin:
        return cls({("1", 0): Fraction(q)})

    @classmethod
    def sigma(cls, z: int) -> Lin:
        """sigma(z) for an integer z, using sigma(0) = 1/2 and sigma(-k) = 1 - sigma(k)."""
        if z == 0:
            return cls.const(Fraction(1, 2))
        if z > 0:
            return cls({("sigma", z): 1})
        return cls({("1", 0): 1, ("sigma", -z): -1})

    def __add__(self, other: Lin) -> Lin:
        out = dict(self.terms)
        for a, q in other.terms.items():
            out[a] = out.get(a, Fraction(0)) + q
        return Lin(out)

    def __neg__(self) -> Lin:
        return self * -1

    def __sub__(self, other: Lin) -> Lin:
        return self + (-other)

    def __mul__(self, factor: int | Fraction) -> Lin:
        q = Fraction(factor)
        return Lin({a: c * q for a, c in self.terms.items()})

    __rmul__ = __mul__

    def is_rational(self) -> bool:
        return all(a[0] == "1" for a in self.terms)

    def rational(self) -> Fraction:
        assert self.is_rational()
        return self.terms.get(("1", 0), Fraction(0))

    def is_zero(self) -> bool:
        return not self.terms

    def __float__(self) -> float:
        total = 0.0
        for (kind, k), q in self.terms.items():
            atom = 1.0 if kind == "1" else sigma_f(k)
            total += float(q) * atom
        return total

    def sym(self) -> sympy.Expr:
        out = sympy.Integer(0)
        for (kind, k), q in sorted(self.terms.items(), key=lambda t: _atom_order(t[0])):
            atom = sympy.Integer(1) if kind == "1" else sig(sympy.Integer(k))
            out += _rat(q) * atom
        return out

    def tex(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for (kind, k), q in sorted(self.terms.items(), key=lambda t: _atom_order(t[0])):
            if kind == "1":
                body, coef = num(abs(q)), ""
            else:
                body = rf"\sigma({k})"
                coef = "" if abs(q) == 1 else num(abs(q))
            sign = "-" if q < 0 else "+"
            parts.append((sign, coef + body))
        first_sign, first = parts[0]
        out = ("-" if first_sign == "-" else "") + first
        for sign, body in parts[1:]:
            out += f" {sign} {body}"
        return out


# --------------------------------------------------------------------------
# Activations g(u)


@dataclass(frozen=True)
class Activation:
    key: str
    name: str  # plain text
    g: Callable[[str], str]  # LaTeX of g(arg) in the sigma / tanh notation
    g_explicit: Callable[[str], str]  # LaTeX of g(arg) written out with e (for f(z) in 3.1)
    dg: Callable[[str], str]  # LaTeX of the simplified g'(arg)
    g_sym: Callable[[Expr], Expr]  # SymPy g(u), written out
    dg_sym: Callable[[Expr], Expr]  # SymPy of the answer g'(u) as written, written out
    dg_float: Callable[[float], float]
    at: Callable[[int], tuple[str, sympy.Expr]]  # g'(u0) for integer u0: (LaTeX in sigma/tanh, exact SymPy in e)
    note: str = ""  # a remark on differentiability, if any
    through_g: str = ""  # g' written through g itself, with f for g: "f(z)(1 - f(z))" ("" when none is short)
    slip: tuple[str, Callable[[float], float]] | None = None  # the usual slip deriving g': what the student did, and g' it gives
    product_rules: int = 0  # product or quotient rules beyond those of the standard derivation
    quotient_rules: int = 0  # quotient rules in the key's derivation of g' (templates/questions/cost_steps.tex.j2)
    chain_rules: int = 0  # chain rules in the key's derivation of g'

    @property
    def kinks(self) -> int:
        """Points where g has a kink to discuss: the absolute values in g(u)."""
        return int(sympy.sympify(self.g_sym(sympy.Symbol("u", real=True))).count(sympy.Abs))

    def steps(self, arg: str) -> tuple[str, tuple[str, ...]]:
        """The macro of templates/questions/cost_steps.tex.j2 deriving g'(arg), and its arguments."""
        return f"act_{self.key}", (arg,)


def _exact_tex(q: Fraction) -> str:
    """An integer, or a fraction as \\frac (for factors such as 1/2)."""
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    return ("-" if q < 0 else "") + rf"\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _p(arg: str) -> str:
    """Parenthesise a compound argument for exponents: '-z' but '-(2z - 1)'."""
    return arg if all(ch not in arg for ch in "+-") else f"({arg})"


def _sigma_at(u: int) -> str:
    return rf"\sigma({u})"


def _e_sig_prime(u: int) -> sympy.Expr:
    k = abs(u)
    return sympy.exp(k) / (1 + sympy.exp(k)) ** 2


def _e_sig(u: int) -> sympy.Expr:
    k = abs(u)
    return sympy.exp(k) / (1 + sympy.exp(k)) if u > 0 else 1 / (1 + sympy.exp(k))


SIGMOID = Activation(
    key="sigmoid",
    name="logistic sigmoid",
    g=lambda a: rf"\sigma({a})",
    g_explicit=lambda a: rf"\frac{{1}}{{1 + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"\sigma({a})\bigl(1 - \sigma({a})\bigr)",
    g_sym=sig,
    dg_sym=lambda u: sig(u) * (1 - sig(u)),
    dg_float=lambda u: sigma_f(u) * (1 - sigma_f(u)),
    at=lambda u: (rf"\sigma({u})\bigl(1 - \sigma({u})\bigr)", _e_sig_prime(u)),
    through_g=r"f(z)\bigl(1 - f(z)\bigr)",
    slip=(r"dropped the $-1$ from the derivative of $e^{-u}$", lambda u: -sigma_f(u) * (1 - sigma_f(u))),
    quotient_rules=1,
)

TANH = Activation(
    key="tanh",
    name="hyperbolic tangent",
    g=lambda a: rf"\tanh({a})",
    g_explicit=lambda a: rf"\frac{{e^{{{a}}} - e^{{-{_p(a)}}}}}{{e^{{{a}}} + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"1 - \tanh^2({a})",
    g_sym=sympy.tanh,
    dg_sym=lambda u: 1 - sympy.tanh(u) ** 2,
    dg_float=lambda u: 1 - math.tanh(u) ** 2,
    at=lambda u: (rf"1 - \tanh^2({u})", 4 * sympy.exp(2 * abs(u)) / (1 + sympy.exp(2 * abs(u))) ** 2),
    through_g=r"1 - f(z)^2",
    slip=(r"slipped a sign in the quotient rule, getting $1 + \tanh^2$", lambda u: 1 + math.tanh(u) ** 2),
    quotient_rules=1,
)

SOFTPLUS = Activation(
    key="softplus",
    name="softplus",
    g=lambda a: rf"\log\bigl(1 + e^{{{a}}}\bigr)",
    g_explicit=lambda a: rf"\log\bigl(1 + e^{{{a}}}\bigr)",
    dg=lambda a: rf"\sigma({a})",
    g_sym=lambda u: sympy.log(1 + sympy.exp(u)),
    dg_sym=sig,
    dg_float=sigma_f,
    at=lambda u: (rf"\sigma({u})", _e_sig(u)),
    slip=(r"forgot the chain rule inside the logarithm, getting $1/(1 + e^{u})$", lambda u: 1 - sigma_f(u)),
    chain_rules=1,
)

LOG_SIGMOID = Activation(
    key="log_sigmoid",
    name="log-sigmoid",
    g=lambda a: rf"\log\sigma({a})",
    g_explicit=lambda a: rf"-\log\bigl(1 + e^{{-{_p(a)}}}\bigr)",
    dg=lambda a: rf"1 - \sigma({a})",
    g_sym=lambda u: sympy.log(sig(u)),
    dg_sym=lambda u: 1 - sig(u),
    dg_float=lambda u: 1 - sigma_f(u),
    at=lambda u: (rf"1 - \sigma({u})", _e_sig(-u)),
    slip=(r"forgot the chain rule on the logarithm, getting $\sigma'(u) = \sigma(u)(1 - \sigma(u))$",
          lambda u: sigma_f(u) * (1 - sigma_f(u))),
    chain_rules=1,
)

BIPOLAR = Activation(
    key="bipolar_sigmoid",
    name="bipolar sigmoid",
    g=lambda a: rf"\frac{{1 - e^{{-{_p(a)}}}}}{{1 + e^{{-{_p(a)}}}}}",
    g_explicit=lambda a: rf"\frac{{1 - e^{{-{_p(a)}}}}}{{1 + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"2\sigma({a})\bigl(1 - \sigma({a})\bigr)",
    g_sym=lambda u: (1 - sympy.exp(-u)) / (1 + sympy.exp(-u)),
    dg_sym=lambda u: 2 * sig(u) * (1 - sig(u)),
    dg_float=lambda u: 2 * sigma_f(u) * (1 - sigma_f(u)),
    at=lambda u: (rf"2\sigma({u})\bigl(1 - \sigma({u})\bigr)", 2 * _e_sig_prime(u)),
    through_g=r"\tfrac12\bigl(1 - f(z)^2\bigr)",
    slip=(r"dropped the $-1$ from the derivative of $e^{-u}$", lambda u: -2 * sigma_f(u) * (1 - sigma_f(u))),
    quotient_rules=1,
)

SOFTSIGN = Activation(
    key="softsign",
    name="softsign",
    g=lambda a: rf"\frac{{{a}}}{{1 + |{a}|}}",
    g_explicit=lambda a: rf"\frac{{{a}}}{{1 + |{a}|}}",
    dg=lambda a: rf"\frac{{1}}{{(1 + |{a}|)^2}}",
    g_sym=lambda u: u / (1 + sympy.Abs(u)),
    dg_sym=lambda u: 1 / (1 + sympy.Abs(u)) ** 2,
    dg_float=lambda u: 1 / (1 + abs(u)) ** 2,
    at=lambda u: (rf"\frac{{1}}{{(1 + |{u}|)^2}}", sympy.Rational(1, (1 + abs(u)) ** 2)),
    note=r"Although $|u|$ has a kink at $0$, the softsign does not: both one-sided difference quotients at $u = 0$ tend "
         r"to $1$, so the formula holds for every $u$.",
    slip=(r"slipped a sign in the quotient rule, getting $(1 + 2|u|)/(1 + |u|)^2$", lambda u: (1 + 2 * abs(u)) / (1 + abs(u)) ** 2),
    quotient_rules=1,
)

ACTIVATIONS = {a.key: a for a in (SIGMOID, TANH, SOFTPLUS, LOG_SIGMOID, BIPOLAR, SOFTSIGN)}
ARG_VALUES = (-2, -1, 1, 2)  # every argument at which an activation is evaluated


# --------------------------------------------------------------------------
# Skill 3.1: a scalar activation f(z) = g(a z + c)


@dataclass(frozen=True)
class ScalarItem:
    key: str
    act: Activation
    a: Fraction = Fraction(1)  # f(z) = g(a z + c)
    c: int = 0
    skill: str = "scalar_activation"

    @property
    def inner(self) -> str:
        """LaTeX of a z + c."""
        if self.a == 1:
            s = "z"
        elif self.a.denominator == 1:
            s = f"{self.a.numerator}z"
        else:
            s = rf"z/{self.a.denominator}"
        if self.c:
            s += f" + {self.c}" if self.c > 0 else f" - {-self.c}"
        return s

    def inner_at(self, z0: int) -> str:
        """LaTeX of a z0 + c with the number z0 substituted."""
        if self.a == 1:
            s = num(z0)
        elif self.a.denominator == 1:
            s = rf"{self.a.numerator} \cdot {num(z0, paren=True)}"
        else:
            s = rf"{num(z0, paren=True)}/{self.a.denominator}"
        if self.c:
            s += f" + {self.c}" if self.c > 0 else f" - {-self.c}"
        return s

    @property
    def plain(self) -> bool:
        return self.a == 1 and self.c == 0

    def function_tex(self) -> str:
        return "f(z) = " + self.act.g_explicit(self.inner)

    def answer_tex(self) -> str:
        if self.a == 1:  # g'(z + c) written through f(z) = g(z + c) itself, the skill of the part
            extra = f" = {self.act.through_g}" if self.act.through_g else ""
            return "f'(z) = " + self.act.dg(self.inner) + extra
        factor = "" if self.a == 1 else (num(self.a) if self.a.denominator == 1 else rf"\frac{{1}}{{{self.a.denominator}}}")
        return "f'(z) = " + factor + (as_factor(self.act.dg(self.inner)) if factor else self.act.dg(self.inner))

    def steps(self) -> list[Steps]:
        if self.plain:
            return [Steps(None, None, *self.act.steps("z"))]
        u = self.inner
        return [
            Steps(rf"Write $f(z) = g(u)$ with $u = {u}$, $g(u) = {self.act.g('u')}$ and "
                  rf"$\frac{{du}}{{dz}} = {_exact_tex(self.a)}$. First the derivative of $g$:",
                  None, *self.act.steps("u")),
            Steps(rf"Then the chain rule: $f'(z) = g'(u)\,\frac{{du}}{{dz}} = {_exact_tex(self.a)}\,g'({u})$.", None),
        ]

    def sym(self, z: Expr) -> Expr:
        return self.act.g_sym(_rat(self.a) * z + self.c)

    def dsym(self, z: Expr) -> Expr:
        """The answer as written, as SymPy."""
        return _rat(self.a) * self.act.dg_sym(_rat(self.a) * z + self.c)

    def dfloat(self, z: float) -> float:
        return float(self.a) * self.act.dg_float(float(self.a) * z + self.c)

    def points(self) -> list[int]:
        """The integers z0 at which a z0 + c is one of ARG_VALUES."""
        return [z for z in range(-4, 5) if self.a * z + self.c in ARG_VALUES]


# Skill 3.1 is the derivative expressed through the activation itself (sigma' = sigma(1 - sigma)):
# activations whose derivative has such a form, unshifted or shifted (no inner factor, so no
# version needs one chain-rule step more than another).
SCALAR_ITEMS = [
    ScalarItem("sigmoid", SIGMOID),
    ScalarItem("tanh", TANH),
    ScalarItem("bipolar_sigmoid", BIPOLAR),
    ScalarItem("sigmoid_shifted_right", SIGMOID, c=-1),
    ScalarItem("sigmoid_shifted_left", SIGMOID, c=1),
    ScalarItem("tanh_shifted_right", TANH, c=-1),
    ScalarItem("tanh_shifted_left", TANH, c=1),
]


# --------------------------------------------------------------------------
# Skills 3.2 and 3.6: f(w) = g(w^T x) or g(w^T x + b)


@dataclass(frozen=True)
class LinearActItem:
    key: str
    act: Activation
    bias: bool
    skill: str

    @property
    def inner(self) -> str:
        return r"w^\top x + b" if self.bias else r"w^\top x"

    def function_tex(self) -> str:
        return "f(w) = " + self.act.g(self.inner)

    def answer_tex(self) -> str:
        return r"\nabla_w f(w) = " + _factor_before_x(self.act.dg(self.inner)) + "x"

    def steps(self) -> list[Steps]:
        u_def = r"u = w^\top x + b = \sum_{j=1}^n w_j x_j + b" if self.bias else r"u = w^\top x = \sum_{j=1}^n w_j x_j"
        return [
            Steps(rf"Write $f(w) = g(u)$ with ${u_def}$, so $\frac{{\partial u}}{{\partial w_j}} = x_j$, that is $\nabla_w u = x$. "
                  rf"The derivative of $g(u) = {self.act.g('u')}$:",
                  None, *self.act.steps("u")),
            Steps(r"By the chain rule, $\nabla_w f(w) = g'(u)\,\nabla_w u = g'(u)\,x$.", None),
        ]

    # components: w and x are lists of SymPy expressions
    def sym(self, w: Sequence[Expr], x: Sequence[int], b: int = 0) -> Expr:
        return _applied(self.act.g_sym, sum(wj * xj for wj, xj in zip(w, x)) + b)

    def dsym(self, w: Sequence[Expr], x: Sequence[int], b: int = 0) -> list[Expr]:
        d = _applied(self.act.dg_sym, sum(wj * xj for wj, xj in zip(w, x)) + b)
        return [d * xj for xj in x]


@cached(maxsize=4096, typed=True)
def _applied(function: Callable[[Expr], Expr], u: Expr) -> Expr:
    """``function(u)`` for an activation's SymPy form (``u = w^T x + b`` recurs across versions)."""
    return function(u)


def as_factor(tex: str) -> str:
    """A derivative written as a factor of a product: '1 - tanh^2(u)' needs parentheses."""
    if tex.startswith("1 -") or tex.startswith("1 +"):
        return rf"\bigl({tex}\bigr)"
    return tex


def _factor_before_x(tex: str) -> str:
    """The derivative as the factor of x, then a thin space."""
    return as_factor(tex) + r"\,"


LINEAR_ACT_ITEMS = [
    LinearActItem("sigmoid", SIGMOID, False, "activation_linear"),
    LinearActItem("sigmoid_bias", SIGMOID, True, "activation_linear"),
    LinearActItem("softplus_bias", SOFTPLUS, True, "activation_linear"),
    LinearActItem("log_sigmoid", LOG_SIGMOID, False, "activation_linear"),
    LinearActItem("log_sigmoid_bias", LOG_SIGMOID, True, "activation_linear"),
    LinearActItem("bipolar_sigmoid", BIPOLAR, False, "activation_linear"),
]

# 3.6 at one difficulty: both forms derive g' by one quotient rule of exponentials,
# with no chain rule inside g' and no kink (softsign's |u| would add one), then one
# chain factor, grad_w u = x.
LINEAR_ACT_ITEMS_2 = [
    LinearActItem("tanh", TANH, False, "activation_linear_2"),
    LinearActItem("tanh_bias", TANH, True, "activation_linear_2"),
    LinearActItem("bipolar_sigmoid", BIPOLAR, False, "activation_linear_2"),
    LinearActItem("bipolar_sigmoid_bias", BIPOLAR, True, "activation_linear_2"),
]


# --------------------------------------------------------------------------
# Skills 3.3 to 3.5: costs of a data set, J(w) = F * sum_i loss_i + penalty


@dataclass(frozen=True)
class Factor:
    """The factor in front of the sum: value(m) and its LaTeX."""

    key: str
    tex: str
    num: int
    per_m: bool  # divided by m
    den: int = 1

    def value(self, m: int) -> Fraction:
        return Fraction(self.num, self.den * (m if self.per_m else 1))

    def times(self, k: int) -> str:
        """LaTeX of k times this factor ('' for 1)."""
        q = Fraction(self.num * k, self.den)
        if self.per_m:
            top = q.numerator
            bottom = "m" if q.denominator == 1 else f"{q.denominator}m"
            return rf"\frac{{{top}}}{{{bottom}}}"
        if q == 1:
            return ""
        if q.denominator == 1:
            return str(q.numerator)
        return rf"\frac{{{q.numerator}}}{{{q.denominator}}}"


ONE = Factor("1", "", 1, False)
HALF = Factor("1/2", r"\frac{1}{2}", 1, False, 2)
MEAN = Factor("1/m", r"\frac{1}{m}", 1, True)
HALF_MEAN = Factor("1/(2m)", r"\frac{1}{2m}", 1, True, 2)

Vector = np.ndarray  # floating-point, one entry per weight


@dataclass(frozen=True)
class Penalty:
    """One penalty on the weights, everything about it in one place."""

    key: str
    tex: str  # in J
    grad_tex: str  # its gradient
    steps: tuple[str, ...]  # align lines
    sym: Callable[[Sequence[Expr], Expr], Expr]  # the penalty of (w, lambda), SymPy
    dsym: Callable[[Sequence[Expr], Expr], list[Expr]]  # its gradient as the answer writes it, one entry per weight
    exact: Callable[[Fraction, Sequence[int]], list[Fraction]]  # the gradient at integer weights
    total_tex: Callable[[int, Sequence[int]], str]  # (lambda, w): '+ 2 . lambda w' with the numbers substituted
    mistakes: Callable[[Vector, float, Vector], dict[str, Vector]]  # (M * data part, lambda, w) -> the usual wrong gradients


def penalty_gradient(key: str, lam: int | Fraction, w: Sequence[int]) -> list[Fraction]:
    """The gradient of a penalty at integer weights, exactly (2 lambda w for L2)."""
    return PENALTIES[key].exact(Fraction(lam), w)


L2 = Penalty(
    "l2", r"\lambda \|w\|_2^2", r"2\lambda w",
    (r"\lambda\|w\|_2^2 &= \lambda \sum_{j=1}^n w_j^2, \qquad \frac{\partial}{\partial w_k}\,\lambda \sum_{j=1}^n w_j^2 = 2\lambda w_k",
     r"\nabla_w\, \lambda\|w\|_2^2 &= 2\lambda\,(w_1, \dots, w_n)^\top = 2\lambda w"),
    sym=lambda w, lam: lam * sum(v ** 2 for v in w),
    dsym=lambda w, lam: [2 * lam * v for v in w],
    exact=lambda lam, w: [2 * lam * v for v in w],
    total_tex=lambda lam, w: rf" + 2 \cdot {lam}\,{column(w)}",
    mistakes=lambda data, lam, w: {"penalty_as_scalar_sum": data + 2 * lam * w.sum() * np.ones(2),
                                   "penalty_factor_2_dropped": data + lam * w},
)
PENALTIES = {p.key: p for p in (L2,)}


def column(entries: Sequence[object]) -> str:
    """A column vector of exact numbers."""
    return r"\begin{pmatrix}" + r" \\ ".join(num(a) for a in entries) + r"\end{pmatrix}"


RESIDUAL = r"w^\top x^{(i)} - y^{(i)}"
SCORE = r"w^\top x^{(i)}"


def _sign(v: int) -> int:
    return 1 if v > 0 else -1


def _abs_coef(z: int, y: int) -> Lin:
    if z == y:
        raise ValueError("|r| is not differentiable at r = 0")
    return Lin.const(_sign(z - y))


def _log_slip(X: Sequence[Sequence[int]], Y: Sequence[int], Z: Sequence[int]) -> Vector:
    """sum_i (2 y_i - 1) sigma'(z_i) x_i: the log-likelihood's gradient when the 1/sigma and
    1/(1 - sigma) of the logarithms are forgotten (log sigma differentiated as sigma')."""
    return sum(((2 * y - 1) * sigma_f(z) * (1 - sigma_f(z)) * np.array(x, dtype=float) for x, y, z in zip(X, Y, Z)),
               np.zeros(2))


_LOG_LIKELIHOOD = rf"\Bigl[y^{{(i)}} \log \sigma\bigl({SCORE}\bigr) + \bigl(1 - y^{{(i)}}\bigr) \log\bigl(1 - \sigma({SCORE})\bigr)\Bigr]"


@dataclass(frozen=True)
class Loss:
    """One loss of a data-set cost, everything about it in one place: the
    term of the sum and its derivative as LaTeX, SymPy and exact numbers, the
    non-differentiable points and the usual mistakes; its worked steps are the
    macro ``loss_<key>`` of templates/questions/cost_steps.tex.j2.
    ``z`` is the score w^T x^(i), ``y`` the target or label, ``r = z - y``."""

    key: str
    tex: str  # one term of the sum, in J
    coef_tex: str  # the coefficient of x^(i) in the answer
    coef_name_tex: str  # the coefficient in the numeric work, in terms of r or z
    coef_subst: Callable[[int, int], str]  # (z, y): the coefficient with the numbers, before simplifying
    sym: Callable[[Expr, Expr], Expr]  # (z, y): one term, SymPy
    coef_sym: Callable[[Expr, Expr], Expr]  # (z, y): the coefficient, SymPy (multiplier excluded)
    coef_exact: Callable[[int, int], Lin]  # (z, y) at integer data, exactly
    negated: bool = False  # J carries a minus sign in front of the sum (cross-entropy)
    multiplier: int = 1  # the derivative's constant, folded into the factor (2 for the square)
    note: str | None = None  # where J is not differentiable
    coef_is_residual: bool = False  # the numeric work needs no separate coefficient
    mistakes: Callable[[float, Vector, Sequence[Sequence[int]], Sequence[int], Sequence[int]], dict[str, Any]] = (
        lambda M, data, X, Y, Z: {})  # (M, data part, X, Y, scores) -> the usual wrong data parts (vectors)


ABS = Loss(
    "abs", rf"\bigl|{RESIDUAL}\bigr|",
    coef_tex=r"\operatorname{sign}\bigl(w^\top x^{(i)} - y^{(i)}\bigr)",
    coef_name_tex=r"\operatorname{sign}(r^{(i)})",
    coef_subst=lambda z, y: rf"\operatorname{{sign}}({num(z - y)})",
    sym=lambda z, y: sympy.Abs(z - y),
    coef_sym=lambda z, y: sympy.sign(z - y),
    coef_exact=_abs_coef,
    note=(r"$J$ is not differentiable at any $w$ with a zero residual, $w^\top x^{(i)} = y^{(i)}$ for some $i$: "
          r"there $|r|$ has a kink and only subgradients exist ($\operatorname{sign}(0)$ may be any value in $[-1, 1]$)."),
    mistakes=lambda M, data, X, Y, Z: {
        "residual_for_sign": M * sum((z - y) * np.array(x, dtype=float) for z, y, x in zip(Z, Y, X))},
)
SQUARE = Loss(
    "sq", rf"\bigl({RESIDUAL}\bigr)^2",
    coef_tex=r"\bigl(w^\top x^{(i)} - y^{(i)}\bigr)",
    coef_name_tex=r"r^{(i)}",
    coef_subst=lambda z, y: num(z - y),
    sym=lambda z, y: (z - y) ** 2,
    coef_sym=lambda z, y: z - y,
    coef_exact=lambda z, y: Lin.const(z - y),
    multiplier=2,
    coef_is_residual=True,
    mistakes=lambda M, data, X, Y, Z: {"factor_2_dropped": M / 2 * data},
)
LOG_LIKELIHOOD = Loss(
    "loglik", _LOG_LIKELIHOOD,
    coef_tex=r"\bigl(y^{(i)} - \sigma(w^\top x^{(i)})\bigr)",
    coef_name_tex=r"y^{(i)} - \sigma(z^{(i)})",
    coef_subst=lambda z, y: rf"{num(y)} - \sigma({num(z)})",
    sym=lambda z, y: y * sympy.log(sig(z)) + (1 - y) * sympy.log(1 - sig(z)),
    coef_sym=lambda z, y: y - sig(z),
    coef_exact=lambda z, y: Lin.const(y) - Lin.sigma(z),
    mistakes=lambda M, data, X, Y, Z: {"log_derivative_forgotten": M * _log_slip(X, Y, Z)},
)
CROSS_ENTROPY = Loss(
    "xent", _LOG_LIKELIHOOD,
    coef_tex=r"\bigl(\sigma(w^\top x^{(i)}) - y^{(i)}\bigr)",
    coef_name_tex=r"\sigma(z^{(i)}) - y^{(i)}",
    coef_subst=lambda z, y: rf"\sigma({num(z)}) - {num(y)}",
    sym=LOG_LIKELIHOOD.sym,
    coef_sym=lambda z, y: sig(z) - y,
    coef_exact=lambda z, y: Lin.sigma(z) - Lin.const(y),
    negated=True,
    mistakes=lambda M, data, X, Y, Z: {"log_derivative_forgotten": -M * _log_slip(X, Y, Z)},
)
LOSSES = {loss.key: loss for loss in (ABS, SQUARE, LOG_LIKELIHOOD, CROSS_ENTROPY)}


# One term of a cost and one coefficient of its gradient: pure functions of
# the loss and the (integer or symbolic) data, which recur across versions.
# ``typed`` keeps, say, a Python 2 and SymPy's 2 apart.


@cached(maxsize=4096, typed=True)
def _loss_sym(loss: str, z: Expr, y: Expr) -> Expr:
    return LOSSES[loss].sym(z, y)


@cached(maxsize=4096, typed=True)
def _coef_sym(loss: str, z: Expr, y: Expr) -> Expr:
    return LOSSES[loss].coef_sym(z, y)


@dataclass(frozen=True)
class CostItem:
    """J(w) = factor * sum_i loss(z_i, y_i) + penalty, with z_i = w^T x^(i)."""

    key: str
    skill: str
    loss: Loss
    factor: Factor = ONE
    penalty: Penalty | None = None
    labels: str = "real"  # real (regression targets) or 01 (class labels)

    # ---- texts
    def function_tex(self) -> str:
        sign = "-" if self.loss.negated else ""
        out = rf"J(w) = {sign}{self.factor.tex + ' ' if self.factor.tex else ''}\sum_{{i=1}}^m {self.loss.tex}"
        if self.penalty:
            out += " + " + self.penalty.tex
        return out

    @property
    def grad_multiplier(self) -> int:
        """The loss derivative's constant, folded into the factor (2 for the square)."""
        return self.loss.multiplier

    def answer_tex(self) -> str:
        f = self.factor.times(self.grad_multiplier)
        out = rf"\nabla_w J(w) = {f + ' ' if f else ''}\sum_{{i=1}}^m {self.loss.coef_tex}\, x^{{(i)}}"
        if self.penalty:
            out += " + " + self.penalty.grad_tex
        return out

    @property
    def regression(self) -> bool:
        return self.labels == "real"

    def nondiff_note(self) -> str | None:
        return self.loss.note

    def steps(self) -> list[Steps]:
        blocks: list[Steps] = []
        if self.regression:
            blocks.append(Steps(r"Write $r^{(i)} = w^\top x^{(i)} - y^{(i)}$. Since $w^\top x^{(i)} = \sum_j w_j x^{(i)}_j$, "
                                r"$\frac{\partial r^{(i)}}{\partial w_j} = x^{(i)}_j$, that is $\nabla_w r^{(i)} = x^{(i)}$; by the chain rule "
                                r"$\nabla_w \ell(r^{(i)}) = \ell'(r^{(i)})\, x^{(i)}$.", None))
        else:
            blocks.append(Steps(r"Write $z^{(i)} = w^\top x^{(i)}$, so $\nabla_w z^{(i)} = x^{(i)}$ and, by the chain rule, "
                                r"each term's gradient is its derivative with respect to $z^{(i)}$ times $x^{(i)}$.", None))
        blocks.append(Steps(None, None, f"loss_{self.loss.key}", (self.factor.tex, self.factor.times(2))))
        if self.penalty:
            blocks.append(Steps("The penalty, differentiated one weight at a time:", list(self.penalty.steps)))
        return blocks

    # ---- computable forms
    def loss_sym(self, z: Expr, y: Expr) -> Expr:
        """One term of the sum as SymPy, z = w^T x^(i)."""
        return _loss_sym(self.loss.key, z, y)

    def coef_sym(self, z: Expr, y: Expr) -> Expr:
        """The per-point coefficient of x^(i) in the answer, as SymPy (multiplier excluded)."""
        return _coef_sym(self.loss.key, z, y)

    def cost_sym(self, w: Sequence[Expr], X: Sequence[Sequence[int]], Y: Sequence[Expr], lam: Expr = None) -> Expr:
        m = len(X)
        F = self.factor.num * sympy.Integer(1) / (self.factor.den * (m if self.factor.per_m else 1))
        terms = sum(self.loss_sym(sum(wj * xj for wj, xj in zip(w, x)), y) for x, y in zip(X, Y))
        J = (-F if self.loss.negated else F) * terms
        if self.penalty:
            J += self.penalty.sym(w, lam)
        return J

    def grad_sym(self, w: Sequence[Expr], X: Sequence[Sequence[int]], Y: Sequence[Expr], lam: Expr = None) -> list[Expr]:
        """The answer's vector form written out in components."""
        m = len(X)
        M = self.grad_multiplier * self.factor.num * sympy.Integer(1) / (self.factor.den * (m if self.factor.per_m else 1))
        coefs = [self.coef_sym(sum(wj * xj for wj, xj in zip(w, x)), y) for x, y in zip(X, Y)]
        grad = [M * sum(c * x[k] for c, x in zip(coefs, X)) for k in range(len(w))]
        if self.penalty:
            grad = [g + p for g, p in zip(grad, self.penalty.dsym(w, lam))]
        return grad

    def coef_exact(self, z: int, y: int) -> Lin:
        """The per-point coefficient at integer data, exactly."""
        return self.loss.coef_exact(z, y)

    def grad_exact(self, w: Sequence[int], X: Sequence[Sequence[int]], Y: Sequence[int], lam: int | None = None) -> list[Lin]:
        m = len(X)
        M = self.grad_multiplier * self.factor.value(m)
        coefs = [self.coef_exact(sum(a * b for a, b in zip(w, x)), y) for x, y in zip(X, Y)]
        grad = [sum((c * x[k] for c, x in zip(coefs, X)), Lin()) * M for k in range(len(w))]
        if self.penalty:
            assert lam is not None, "a penalty needs lambda"
            grad = [g + Lin.const(p) for g, p in zip(grad, self.penalty.exact(Fraction(lam), w))]
        return grad

    def uses_lambda(self) -> bool:
        return self.penalty is not None


# Skill 3.3: the L1 cost, with its sign and its non-differentiable points; the forms vary
# in the factor in front of the sum only.
ROBUST_ITEMS = [
    CostItem("l1_half", "robust_regression", ABS, HALF),
    CostItem("l1", "robust_regression", ABS, ONE),
    CostItem("l1_mean", "robust_regression", ABS, MEAN),
    CostItem("l1_half_mean", "robust_regression", ABS, HALF_MEAN),
]

# Skill 3.4: squared error with the L2 penalty lambda ||w||_2^2, whose gradient is the vector 2 lambda w.
LEAST_SQUARES_ITEMS = [
    CostItem(f"sq_{fac.key}+l2", "penalized_least_squares", SQUARE, fac, L2) for fac in (HALF, ONE, MEAN, HALF_MEAN)
]

# Skill 3.5: the logistic log-likelihood (or its cross-entropy form, its negative), labels in
# {0, 1}, simplified to a sum of (y - sigma) x.
CLASSIFICATION_ITEMS = [
    CostItem("loglik", "classification", LOG_LIKELIHOOD, ONE, labels="01"),
    CostItem("loglik_mean", "classification", LOG_LIKELIHOOD, MEAN, labels="01"),
    CostItem("xent", "classification", CROSS_ENTROPY, ONE, labels="01"),
    CostItem("xent_mean", "classification", CROSS_ENTROPY, MEAN, labels="01"),
]

# The six skills in the order of the original parts 3.1 .. 3.6, each with its bank.
SKILLS: dict[str, Sequence[Item]] = {
    "scalar_activation": SCALAR_ITEMS,
    "activation_linear": LINEAR_ACT_ITEMS,
    "robust_regression": ROBUST_ITEMS,
    "penalized_least_squares": LEAST_SQUARES_ITEMS,
    "classification": CLASSIFICATION_ITEMS,
    "activation_linear_2": LINEAR_ACT_ITEMS_2,
}
SKILL_ORDER = list(SKILLS)


Item = ScalarItem | LinearActItem | CostItem  # one function a student differentiates


def item(skill: str, key: str) -> Item:
    for it in SKILLS[skill]:
        if it.key == key:
            return it
    raise KeyError(f"{skill}: {key}")


# The original assignment's six functions.
ORIGINAL_KEYS = {
    "scalar_activation": "sigmoid",
    "activation_linear": "sigmoid",
    "robust_regression": "l1_half",
    "penalized_least_squares": "sq_1/2+l2",
    "classification": "loglik",
    "activation_linear_2": "tanh",
}


@cached(maxsize=None)
def symbols(n: int) -> tuple[sympy.Symbol, ...]:
    """w1, ..., wn as real SymPy symbols (real, so that d|u|/du = sign(u))."""
    return tuple(sympy.Symbol(f"w{k + 1}", real=True) for k in range(n))

