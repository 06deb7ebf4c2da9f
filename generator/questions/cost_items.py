"""The item bank of Question 3: activation and cost functions of a weight vector.

Every item is one function a student differentiates, organised by the skill the
original part tests:

* ``scalar_activation`` (3.1): ``f(z) = g(az + c)`` for an activation ``g``;
* ``activation_linear`` (3.2) and ``activation_linear_2`` (3.6): ``f(w) = g(w^T x [+ b])``;
* ``robust_regression`` (3.3): L1, Huber and log-cosh costs of the residuals;
* ``penalized_least_squares`` (3.4): squared error (factor 1/2, 1, 1/m or 1/(2m))
  plus ``lambda ||w||_2^2``, ``lambda/2 ||w||_2^2`` or ``lambda ||w||_1``;
* ``classification`` (3.5): log-likelihood, cross-entropy, logistic loss with
  labels +-1, hinge.

Each item carries its texts (function, derivation, simplified vector-form
answer, non-differentiable points) and three computable forms of itself: the
cost in components (SymPy, for any ``n`` and ``m``), the answer's formula in
components (SymPy), and the answer evaluated exactly at integer data
(:class:`Lin`, a rational combination of ``sigma(k)`` and ``tanh(k)``) and in
floating point. Exact numbers are written in terms of ``sigma(k)`` and
``tanh(k)`` for positive integers ``k`` (``sigma(-k) = 1 - sigma(k)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy
from sympy.printing.str import StrPrinter

from ..latex import num
from ..speed import MemoPrinter, cached, memo


# --------------------------------------------------------------------------
# Exact numbers: rational combinations of sigma(k) and tanh(k)


def sigma_f(u: float) -> float:
    return 1.0 / (1.0 + math.exp(-u))


@cached(maxsize=4096, typed=True)
def sig(u):
    """sigma(u) written out, as SymPy: 1/(1 + exp(-u)) (once per argument)."""
    return 1 / (1 + sympy.exp(-u))


class _Printer(MemoPrinter, StrPrinter):
    """``str`` for the contract: Euler's number as ``exp(1)``, not ``E``,
    remembering the text of every subexpression (see :class:`MemoPrinter`):
    the same pieces recur in a cost, its derivatives and from one version to
    the next."""

    _memo = memo()

    def _print_Exp1(self, expr):
        return "exp(1)"


def sstr(expr) -> str:
    return _Printer().doprint(expr)


def _rat(q) -> sympy.Rational:
    q = Fraction(q)
    return sympy.Rational(q.numerator, q.denominator)


# Atoms: ("1", 0), ("sigma", k), ("tanh", k) with k a positive integer.
def _atom_order(atom):
    return ({"1": 0, "sigma": 1, "tanh": 2}[atom[0]], atom[1])


class Lin:
    """An exact number ``sum_a q_a * atom_a`` with rational ``q_a``."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict | None = None):
        self.terms = {a: Fraction(q) for a, q in (terms or {}).items() if q != 0}

    @classmethod
    def const(cls, q) -> "Lin":
        return cls({("1", 0): Fraction(q)})

    @classmethod
    def sigma(cls, z: int) -> "Lin":
        """sigma(z) for an integer z, using sigma(0) = 1/2 and sigma(-k) = 1 - sigma(k)."""
        if z == 0:
            return cls.const(Fraction(1, 2))
        if z > 0:
            return cls({("sigma", z): 1})
        return cls({("1", 0): 1, ("sigma", -z): -1})

    @classmethod
    def tanh(cls, r: int) -> "Lin":
        if r == 0:
            return cls()
        return cls({("tanh", abs(r)): 1 if r > 0 else -1})

    def __add__(self, other: "Lin") -> "Lin":
        out = dict(self.terms)
        for a, q in other.terms.items():
            out[a] = out.get(a, Fraction(0)) + q
        return Lin(out)

    def __neg__(self) -> "Lin":
        return self * -1

    def __sub__(self, other: "Lin") -> "Lin":
        return self + (-other)

    def __mul__(self, q) -> "Lin":
        q = Fraction(q)
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
            atom = 1.0 if kind == "1" else (sigma_f(k) if kind == "sigma" else math.tanh(k))
            total += float(q) * atom
        return total

    def sym(self) -> sympy.Expr:
        out = sympy.Integer(0)
        for (kind, k), q in sorted(self.terms.items(), key=lambda t: _atom_order(t[0])):
            atom = {"1": sympy.Integer(1), "sigma": sig(sympy.Integer(k)), "tanh": sympy.tanh(sympy.Integer(k))}[kind]
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
                body = rf"\sigma({k})" if kind == "sigma" else rf"\tanh {k}"
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
    steps: Callable[[str], list[str]]  # align lines deriving g'(arg)
    g_sym: Callable  # SymPy g(u), written out
    dg_sym: Callable  # SymPy of the answer g'(u) as written, written out
    dg_float: Callable[[float], float]
    at: Callable[[int], tuple[str, sympy.Expr]]  # g'(u0) for integer u0: (LaTeX in sigma/tanh, exact SymPy in e)
    note: str = ""  # a remark on differentiability, if any


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
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\frac{{1}}{{1 + e^{{-{a}}}}} &= \frac{{0 \cdot (1 + e^{{-{a}}}) - 1 \cdot (-e^{{-{a}}})}}{{(1 + e^{{-{a}}})^2}} = \frac{{e^{{-{a}}}}}{{(1 + e^{{-{a}}})^2}} \qquad \text{{(quotient rule)}}",
        rf"&= \frac{{1}}{{1 + e^{{-{a}}}}} \cdot \frac{{(1 + e^{{-{a}}}) - 1}}{{1 + e^{{-{a}}}}} = \sigma({a})\bigl(1 - \sigma({a})\bigr)",
    ],
    g_sym=sig,
    dg_sym=lambda u: sig(u) * (1 - sig(u)),
    dg_float=lambda u: sigma_f(u) * (1 - sigma_f(u)),
    at=lambda u: (rf"\sigma({u})\bigl(1 - \sigma({u})\bigr)", _e_sig_prime(u)),
)

TANH = Activation(
    key="tanh",
    name="hyperbolic tangent",
    g=lambda a: rf"\tanh({a})",
    g_explicit=lambda a: rf"\frac{{e^{{{a}}} - e^{{-{_p(a)}}}}}{{e^{{{a}}} + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"1 - \tanh^2({a})",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\frac{{e^{{{a}}} - e^{{-{a}}}}}{{e^{{{a}}} + e^{{-{a}}}}} &= \frac{{(e^{{{a}}} + e^{{-{a}}})^2 - (e^{{{a}}} - e^{{-{a}}})^2}}{{(e^{{{a}}} + e^{{-{a}}})^2}} \qquad \text{{(quotient rule)}}",
        rf"&= 1 - \left(\frac{{e^{{{a}}} - e^{{-{a}}}}}{{e^{{{a}}} + e^{{-{a}}}}}\right)^2 = 1 - \tanh^2({a}) = \operatorname{{sech}}^2({a})",
    ],
    g_sym=sympy.tanh,
    dg_sym=lambda u: 1 - sympy.tanh(u) ** 2,
    dg_float=lambda u: 1 - math.tanh(u) ** 2,
    at=lambda u: (rf"1 - \tanh^2({u})", 4 * sympy.exp(2 * abs(u)) / (1 + sympy.exp(2 * abs(u))) ** 2),
)

SOFTPLUS = Activation(
    key="softplus",
    name="softplus",
    g=lambda a: rf"\log\bigl(1 + e^{{{a}}}\bigr)",
    g_explicit=lambda a: rf"\log\bigl(1 + e^{{{a}}}\bigr)",
    dg=lambda a: rf"\sigma({a})",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\log\bigl(1 + e^{{{a}}}\bigr) &= \frac{{e^{{{a}}}}}{{1 + e^{{{a}}}}} \qquad \text{{(chain rule)}}",
        rf"&= \frac{{1}}{{e^{{-{a}}} + 1}} = \sigma({a})",
    ],
    g_sym=lambda u: sympy.log(1 + sympy.exp(u)),
    dg_sym=sig,
    dg_float=sigma_f,
    at=lambda u: (rf"\sigma({u})", _e_sig(u)),
)

LOG_SIGMOID = Activation(
    key="log_sigmoid",
    name="log-sigmoid",
    g=lambda a: rf"\log\sigma({a})",
    g_explicit=lambda a: rf"-\log\bigl(1 + e^{{-{_p(a)}}}\bigr)",
    dg=lambda a: rf"1 - \sigma({a})",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\log\sigma({a}) &= \frac{{\sigma'({a})}}{{\sigma({a})}} = \frac{{\sigma({a})\bigl(1 - \sigma({a})\bigr)}}{{\sigma({a})}} \qquad \text{{(chain rule, }}\sigma' = \sigma(1 - \sigma)\text{{)}}",
        rf"&= 1 - \sigma({a})",
    ],
    g_sym=lambda u: sympy.log(sig(u)),
    dg_sym=lambda u: 1 - sig(u),
    dg_float=lambda u: 1 - sigma_f(u),
    at=lambda u: (rf"1 - \sigma({u})", _e_sig(-u)),
)

BIPOLAR = Activation(
    key="bipolar_sigmoid",
    name="bipolar sigmoid",
    g=lambda a: rf"\frac{{1 - e^{{-{_p(a)}}}}}{{1 + e^{{-{_p(a)}}}}}",
    g_explicit=lambda a: rf"\frac{{1 - e^{{-{_p(a)}}}}}{{1 + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"2\sigma({a})\bigl(1 - \sigma({a})\bigr)",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\frac{{1 - e^{{-{a}}}}}{{1 + e^{{-{a}}}}} &= \frac{{e^{{-{a}}}(1 + e^{{-{a}}}) + (1 - e^{{-{a}}})\,e^{{-{a}}}}}{{(1 + e^{{-{a}}})^2}} = \frac{{2e^{{-{a}}}}}{{(1 + e^{{-{a}}})^2}} \qquad \text{{(quotient rule)}}",
        rf"&= 2 \cdot \frac{{1}}{{1 + e^{{-{a}}}}} \cdot \frac{{e^{{-{a}}}}}{{1 + e^{{-{a}}}}} = 2\sigma({a})\bigl(1 - \sigma({a})\bigr)",
    ],
    g_sym=lambda u: (1 - sympy.exp(-u)) / (1 + sympy.exp(-u)),
    dg_sym=lambda u: 2 * sig(u) * (1 - sig(u)),
    dg_float=lambda u: 2 * sigma_f(u) * (1 - sigma_f(u)),
    at=lambda u: (rf"2\sigma({u})\bigl(1 - \sigma({u})\bigr)", 2 * _e_sig_prime(u)),
)

SWISH = Activation(
    key="swish",
    name="swish",
    g=lambda a: rf"{_p(a)}\,\sigma({a})",
    g_explicit=lambda a: rf"\frac{{{a}}}{{1 + e^{{-{_p(a)}}}}}",
    dg=lambda a: rf"\sigma({a})\bigl(1 + {_p(a)}\bigl(1 - \sigma({a})\bigr)\bigr)",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,{_p(a)}\,\sigma({a}) &= \sigma({a}) + {_p(a)}\,\sigma'({a}) \qquad \text{{(product rule)}}",
        rf"&= \sigma({a}) + {_p(a)}\,\sigma({a})\bigl(1 - \sigma({a})\bigr) = \sigma({a})\bigl(1 + {_p(a)}\bigl(1 - \sigma({a})\bigr)\bigr)",
    ],
    g_sym=lambda u: u * sig(u),
    dg_sym=lambda u: sig(u) * (1 + u * (1 - sig(u))),
    dg_float=lambda u: sigma_f(u) * (1 + u * (1 - sigma_f(u))),
    at=lambda u: (rf"\sigma({u})\bigl(1 + {num(u, paren=True)}\bigl(1 - \sigma({u})\bigr)\bigr)",
                  sig(sympy.Integer(u)) * (1 + u * (1 - sig(sympy.Integer(u))))),
)

SOFTSIGN = Activation(
    key="softsign",
    name="softsign",
    g=lambda a: rf"\frac{{{a}}}{{1 + |{a}|}}",
    g_explicit=lambda a: rf"\frac{{{a}}}{{1 + |{a}|}}",
    dg=lambda a: rf"\frac{{1}}{{(1 + |{a}|)^2}}",
    steps=lambda a: [
        rf"\frac{{d}}{{d{a}}}\,\frac{{{a}}}{{1 + |{a}|}} &= \frac{{(1 + |{a}|) - {_p(a)}\operatorname{{sign}}({a})}}{{(1 + |{a}|)^2}} \qquad \text{{(quotient rule, }}{a} \neq 0\text{{)}}",
        rf"&= \frac{{1}}{{(1 + |{a}|)^2}} \qquad \text{{since }} {_p(a)}\operatorname{{sign}}({a}) = |{a}|",
    ],
    g_sym=lambda u: u / (1 + sympy.Abs(u)),
    dg_sym=lambda u: 1 / (1 + sympy.Abs(u)) ** 2,
    dg_float=lambda u: 1 / (1 + abs(u)) ** 2,
    at=lambda u: (rf"\frac{{1}}{{(1 + |{u}|)^2}}", sympy.Rational(1, (1 + abs(u)) ** 2)),
    note=r"Although $|u|$ has a kink at $0$, the softsign does not: both one-sided difference quotients at $u = 0$ tend to $1$, so the formula holds for every $u$.",
)

ACTIVATIONS = {a.key: a for a in (SIGMOID, TANH, SOFTPLUS, LOG_SIGMOID, BIPOLAR, SWISH, SOFTSIGN)}
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
        if self.plain:
            extra = {"sigmoid": r" = f(z)\bigl(1 - f(z)\bigr)", "tanh": r" = 1 - f(z)^2"}.get(self.act.key, "")
            return "f'(z) = " + self.act.dg("z") + extra
        factor = "" if self.a == 1 else (num(self.a) if self.a.denominator == 1 else rf"\frac{{1}}{{{self.a.denominator}}}")
        return "f'(z) = " + factor + (as_factor(self.act.dg(self.inner)) if factor else self.act.dg(self.inner))

    def steps(self) -> list[dict]:
        if self.plain:
            return [{"text": None, "align": self.act.steps("z")}]
        u = self.inner
        return [
            {"text": rf"Write $f(z) = g(u)$ with $u = {u}$, $g(u) = {self.act.g('u')}$ and $\frac{{du}}{{dz}} = {_exact_tex(self.a)}$. First the derivative of $g$:",
             "align": self.act.steps("u")},
            {"text": rf"Then the chain rule: $f'(z) = g'(u)\,\frac{{du}}{{dz}} = {_exact_tex(self.a)}\,g'({u})$.", "align": None},
        ]

    def sym(self, z) -> sympy.Expr:
        return self.act.g_sym(_rat(self.a) * z + self.c)

    def dsym(self, z) -> sympy.Expr:
        """The answer as written, as SymPy."""
        return _rat(self.a) * self.act.dg_sym(_rat(self.a) * z + self.c)

    def dfloat(self, z: float) -> float:
        return float(self.a) * self.act.dg_float(float(self.a) * z + self.c)

    def points(self) -> list[int]:
        """The integers z0 at which a z0 + c is one of ARG_VALUES."""
        return [z for z in range(-4, 5) if self.a * z + self.c in ARG_VALUES]


SCALAR_ITEMS = [
    ScalarItem("sigmoid", SIGMOID),
    ScalarItem("tanh", TANH),
    ScalarItem("softplus", SOFTPLUS),
    ScalarItem("log_sigmoid", LOG_SIGMOID),
    ScalarItem("bipolar_sigmoid", BIPOLAR),
    ScalarItem("swish", SWISH),
    ScalarItem("softsign", SOFTSIGN),
    ScalarItem("sigmoid_steep", SIGMOID, a=Fraction(2)),
    ScalarItem("sigmoid_flat", SIGMOID, a=Fraction(1, 2)),
    ScalarItem("sigmoid_shifted_right", SIGMOID, c=-1),
    ScalarItem("sigmoid_shifted_left", SIGMOID, c=1),
    ScalarItem("tanh_steep", TANH, a=Fraction(2)),
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

    def steps(self) -> list[dict]:
        u_def = r"u = w^\top x + b = \sum_{j=1}^n w_j x_j + b" if self.bias else r"u = w^\top x = \sum_{j=1}^n w_j x_j"
        return [
            {"text": rf"Write $f(w) = g(u)$ with ${u_def}$, so $\frac{{\partial u}}{{\partial w_j}} = x_j$, that is $\nabla_w u = x$. The derivative of $g(u) = {self.act.g('u')}$:",
             "align": self.act.steps("u")},
            {"text": r"By the chain rule, $\nabla_w f(w) = g'(u)\,\nabla_w u = g'(u)\,x$.", "align": None},
        ]

    # components: w and x are lists of SymPy expressions
    def sym(self, w, x, b=0) -> sympy.Expr:
        return _applied(self.act.g_sym, sum(wj * xj for wj, xj in zip(w, x)) + b)

    def dsym(self, w, x, b=0) -> list[sympy.Expr]:
        d = _applied(self.act.dg_sym, sum(wj * xj for wj, xj in zip(w, x)) + b)
        return [d * xj for xj in x]


@cached(maxsize=4096, typed=True)
def _applied(function: Callable, u) -> sympy.Expr:
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

LINEAR_ACT_ITEMS_2 = [
    LinearActItem("tanh", TANH, False, "activation_linear_2"),
    LinearActItem("tanh_bias", TANH, True, "activation_linear_2"),
    LinearActItem("softsign", SOFTSIGN, False, "activation_linear_2"),
    LinearActItem("softsign_bias", SOFTSIGN, True, "activation_linear_2"),
    LinearActItem("swish", SWISH, False, "activation_linear_2"),
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


@dataclass(frozen=True)
class Penalty:
    key: str
    tex: str  # in J
    grad_tex: str  # its gradient
    steps: tuple[str, ...]  # align lines
    note: str  # differentiability / vector remark

    def sym(self, w, lam) -> sympy.Expr:
        if self.key == "l2":
            return lam * sum(v ** 2 for v in w)
        if self.key == "l2_half":
            return lam / 2 * sum(v ** 2 for v in w)
        return lam * sum(sympy.Abs(v) for v in w)

    def dsym(self, w, lam) -> list[sympy.Expr]:
        """The penalty's gradient as the answer writes it: a vector, one entry per weight."""
        if self.key == "l2":
            return [2 * lam * v for v in w]
        if self.key == "l2_half":
            return [lam * v for v in w]
        return [lam * sympy.sign(v) for v in w]


def penalty_gradient(key: str, lam, w: list) -> list[Fraction]:
    """The gradient of a penalty at integer weights, exactly: 2 lambda w, lambda w or lambda sign(w)."""
    lam = Fraction(lam)
    if key == "l2":
        return [2 * lam * v for v in w]
    if key == "l2_half":
        return [lam * v for v in w]
    if key == "l1":
        if any(v == 0 for v in w):
            raise ValueError("lambda ||w||_1 is not differentiable where a weight is 0")
        return [lam * (1 if v > 0 else -1) for v in w]
    raise KeyError(key)


L2 = Penalty(
    "l2", r"\lambda \|w\|_2^2", r"2\lambda w",
    (r"\lambda\|w\|_2^2 &= \lambda \sum_{j=1}^n w_j^2, \qquad \frac{\partial}{\partial w_k}\,\lambda \sum_{j=1}^n w_j^2 = 2\lambda w_k",
     r"\nabla_w\, \lambda\|w\|_2^2 &= 2\lambda\,(w_1, \dots, w_n)^\top = 2\lambda w"),
    r"The penalty's gradient is the vector $2\lambda w$ (entry $k$ is $2\lambda w_k$), not the scalar $2\lambda\sum_j w_j$.",
)
L2_HALF = Penalty(
    "l2_half", r"\frac{\lambda}{2} \|w\|_2^2", r"\lambda w",
    (r"\frac{\lambda}{2}\|w\|_2^2 &= \frac{\lambda}{2} \sum_{j=1}^n w_j^2, \qquad \frac{\partial}{\partial w_k}\,\frac{\lambda}{2} \sum_{j=1}^n w_j^2 = \lambda w_k",
     r"\nabla_w\, \frac{\lambda}{2}\|w\|_2^2 &= \lambda w"),
    r"The penalty's gradient is the vector $\lambda w$ (entry $k$ is $\lambda w_k$), not the scalar $\lambda\sum_j w_j$.",
)
L1 = Penalty(
    "l1", r"\lambda \|w\|_1", r"\lambda \operatorname{sign}(w)",
    (r"\lambda\|w\|_1 &= \lambda \sum_{j=1}^n |w_j|, \qquad \frac{\partial}{\partial w_k}\,\lambda \sum_{j=1}^n |w_j| = \lambda \operatorname{sign}(w_k) \quad (w_k \neq 0)",
     r"\nabla_w\, \lambda\|w\|_1 &= \lambda \operatorname{sign}(w) \quad \text{(sign taken entry by entry)}"),
    r"$\lambda\|w\|_1$ is not differentiable where some $w_j = 0$; there any value in $[-\lambda, \lambda]$ for entry $j$ is a subgradient.",
)
PENALTIES = {p.key: p for p in (L2, L2_HALF, L1)}


# One term of a cost and one coefficient of its gradient: pure functions of
# the loss and the (integer or symbolic) data, which recur across versions.
# ``typed`` keeps, say, a Python 2 and SymPy's 2 apart (delta / 2 differs).


@cached(maxsize=4096, typed=True)
def _loss_sym(loss: str, z, y, delta) -> sympy.Expr:
    if loss == "abs":
        return sympy.Abs(z - y)
    if loss == "sq":
        return (z - y) ** 2
    if loss == "huber":
        r = z - y
        return sympy.Piecewise((r ** 2 / 2, sympy.Abs(r) <= delta), (delta * (sympy.Abs(r) - delta / 2), True))
    if loss == "logcosh":
        return sympy.log(sympy.cosh(z - y))
    if loss in ("loglik", "xent"):
        return y * sympy.log(sig(z)) + (1 - y) * sympy.log(1 - sig(z))
    if loss == "logistic_pm":
        return sympy.log(1 + sympy.exp(-y * z))
    if loss == "hinge":
        return sympy.Max(0, 1 - y * z)
    raise KeyError(loss)


@cached(maxsize=4096, typed=True)
def _coef_sym(loss: str, z, y, delta) -> sympy.Expr:
    if loss == "abs":
        return sympy.sign(z - y)
    if loss == "sq":
        return z - y
    if loss == "huber":
        r = z - y
        return sympy.Piecewise((r, sympy.Abs(r) <= delta), (delta * sympy.sign(r), True))
    if loss == "logcosh":
        return sympy.tanh(z - y)
    if loss == "loglik":
        return y - sig(z)
    if loss == "xent":
        return sig(z) - y
    if loss == "logistic_pm":
        return -y * sig(-y * z)
    if loss == "hinge":
        return -y * sympy.Heaviside(1 - y * z)
    raise KeyError(loss)


RESIDUAL = r"w^\top x^{(i)} - y^{(i)}"
SCORE = r"w^\top x^{(i)}"


@dataclass(frozen=True)
class CostItem:
    """J(w) = factor * sum_i loss(z_i, y_i) + penalty, with z_i = w^T x^(i)."""

    key: str
    skill: str
    loss: str  # abs, sq, huber, logcosh, loglik, xent, logistic_pm, hinge
    factor: Factor = ONE
    penalty: Penalty | None = None
    labels: str = "real"  # real (regression targets), 01, pm1

    # ---- texts
    def loss_tex(self) -> str:
        return {
            "abs": rf"\bigl|{RESIDUAL}\bigr|",
            "sq": rf"\bigl({RESIDUAL}\bigr)^2",
            "huber": rf"H_\delta\bigl({RESIDUAL}\bigr)",
            "logcosh": rf"\log\cosh\bigl({RESIDUAL}\bigr)",
            "loglik": rf"\Bigl[y^{{(i)}} \log \sigma\bigl({SCORE}\bigr) + \bigl(1 - y^{{(i)}}\bigr) \log\bigl(1 - \sigma({SCORE})\bigr)\Bigr]",
            "xent": rf"\Bigl[y^{{(i)}} \log \sigma\bigl({SCORE}\bigr) + \bigl(1 - y^{{(i)}}\bigr) \log\bigl(1 - \sigma({SCORE})\bigr)\Bigr]",
            "logistic_pm": rf"\log\Bigl(1 + e^{{-y^{{(i)}} {SCORE}}}\Bigr)",
            "hinge": rf"\max\bigl(0,\; 1 - y^{{(i)}} {SCORE}\bigr)",
        }[self.loss]

    def function_tex(self) -> str:
        sign = "-" if self.loss == "xent" else ""
        out = rf"J(w) = {sign}{self.factor.tex + ' ' if self.factor.tex else ''}\sum_{{i=1}}^m {self.loss_tex()}"
        if self.penalty:
            out += " + " + self.penalty.tex
        return out

    def definitions(self) -> str | None:
        if self.loss == "huber":
            return (r"H_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\ "
                    r"\delta\bigl(|r| - \tfrac12\delta\bigr) & |r| > \delta \end{cases}")
        return None

    @property
    def grad_multiplier(self) -> int:
        """The loss derivative's constant, folded into the factor (2 for the square)."""
        return 2 if self.loss == "sq" else 1

    def coef_tex(self, i: str = "i") -> str:
        """LaTeX of the per-point coefficient multiplying x^(i) in the answer."""
        r = rf"w^\top x^{{({i})}} - y^{{({i})}}"
        z = rf"w^\top x^{{({i})}}"
        y = rf"y^{{({i})}}"
        return {
            "abs": rf"\operatorname{{sign}}\bigl({r}\bigr)",
            "sq": rf"\bigl({r}\bigr)",
            "huber": rf"H_\delta'\bigl({r}\bigr)",
            "logcosh": rf"\tanh\bigl({r}\bigr)",
            "loglik": rf"\bigl({y} - \sigma({z})\bigr)",
            "xent": rf"\bigl(\sigma({z}) - {y}\bigr)",
            "logistic_pm": rf"{y}\,\sigma\bigl(-{y} {z}\bigr)",
            "hinge": rf"{y}",
        }[self.loss]

    def answer_tex(self) -> str:
        f = self.factor.times(self.grad_multiplier)
        if self.loss in ("logistic_pm", "hinge"):
            f = "-" + f
        under = r"\sum_{i=1}^m"
        if self.loss == "hinge":
            under = r"\sum_{i:\; y^{(i)} w^\top x^{(i)} < 1}"
        out = rf"\nabla_w J(w) = {f + ' ' if f else ''}{under} {self.coef_tex()}\, x^{{(i)}}"
        if self.penalty:
            out += " + " + self.penalty.grad_tex
        return out

    def coef_name_tex(self) -> str:
        """Short LaTeX for the coefficient in the numeric work, in terms of r or z."""
        return {
            "abs": r"\operatorname{sign}(r^{(i)})",
            "sq": r"r^{(i)}",
            "huber": r"H_\delta'(r^{(i)})",
            "logcosh": r"\tanh(r^{(i)})",
            "loglik": r"y^{(i)} - \sigma(z^{(i)})",
            "xent": r"\sigma(z^{(i)}) - y^{(i)}",
            "logistic_pm": r"-y^{(i)}\sigma(-y^{(i)} z^{(i)})",
            "hinge": r"-y^{(i)}\,[\,y^{(i)} z^{(i)} < 1\,]",
        }[self.loss]

    @property
    def regression(self) -> bool:
        return self.labels == "real"

    def nondiff_note(self) -> str | None:
        notes = []
        if self.loss == "abs":
            notes.append(r"$J$ is not differentiable at any $w$ with a zero residual, $w^\top x^{(i)} = y^{(i)}$ for some $i$: "
                         r"there $|r|$ has a kink and only subgradients exist ($\operatorname{sign}(0)$ may be any value in $[-1, 1]$).")
        if self.loss == "hinge":
            notes.append(r"$J$ is not differentiable at any $w$ with a margin exactly $y^{(i)} w^\top x^{(i)} = 1$; "
                         r"there the point contributes any multiple $t\,(-y^{(i)} x^{(i)})$, $t \in [0, 1]$ (a subgradient).")
        if self.loss == "huber":
            notes.append(r"$H_\delta$ is differentiable everywhere: at $|r| = \delta$ both pieces have slope $\pm\delta$ "
                         r"(only the second derivative jumps), so $J$ has a gradient at every $w$.")
        if self.penalty and self.penalty.key == "l1":
            notes.append(self.penalty.note)
        return " ".join(notes) if notes else None

    def steps(self) -> list[dict]:
        F = self.factor
        blocks: list[dict] = []
        if self.regression:
            blocks.append({"text": r"Write $r^{(i)} = w^\top x^{(i)} - y^{(i)}$. Since $w^\top x^{(i)} = \sum_j w_j x^{(i)}_j$, "
                                   r"$\frac{\partial r^{(i)}}{\partial w_j} = x^{(i)}_j$, that is $\nabla_w r^{(i)} = x^{(i)}$; by the chain rule "
                                   r"$\nabla_w \ell(r^{(i)}) = \ell'(r^{(i)})\, x^{(i)}$.", "align": None})
        else:
            blocks.append({"text": r"Write $z^{(i)} = w^\top x^{(i)}$, so $\nabla_w z^{(i)} = x^{(i)}$ and, by the chain rule, "
                                   r"each term's gradient is its derivative with respect to $z^{(i)}$ times $x^{(i)}$.", "align": None})
        ft = F.tex
        if self.loss == "abs":
            lines = [r"\frac{d}{dr}\,|r| &= \frac{r}{|r|} = \operatorname{sign}(r) \qquad (r \neq 0)",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m |r^{{(i)}}| &= {ft} \sum_{{i=1}}^m \operatorname{{sign}}(r^{{(i)}})\, x^{{(i)}}"]
        elif self.loss == "sq":
            two = F.times(2)
            lines = [r"\frac{d}{dr}\,r^2 &= 2r",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m \bigl(r^{{(i)}}\bigr)^2 &= {ft}\sum_{{i=1}}^m 2 r^{{(i)}} x^{{(i)}} = {two} \sum_{{i=1}}^m r^{{(i)}} x^{{(i)}}"]
        elif self.loss == "huber":
            lines = [r"H_\delta'(r) &= \begin{cases} r & |r| \le \delta \\ \delta \operatorname{sign}(r) & |r| > \delta \end{cases}"
                     r" \;=\; \text{$r$ clipped to } [-\delta, \delta]",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m H_\delta(r^{{(i)}}) &= {ft} \sum_{{i=1}}^m H_\delta'(r^{{(i)}})\, x^{{(i)}}"]
        elif self.loss == "logcosh":
            lines = [r"\frac{d}{dr}\,\log\cosh r &= \frac{\sinh r}{\cosh r} = \tanh r",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m \log\cosh(r^{{(i)}}) &= {ft} \sum_{{i=1}}^m \tanh(r^{{(i)}})\, x^{{(i)}}"]
        elif self.loss in ("loglik", "xent"):
            lines = [r"\frac{d}{dz}\,\log\sigma(z) &= \frac{\sigma(z)\bigl(1 - \sigma(z)\bigr)}{\sigma(z)} = 1 - \sigma(z) \qquad (\sigma' = \sigma(1 - \sigma))",
                     r"\frac{d}{dz}\,\log\bigl(1 - \sigma(z)\bigr) &= \frac{-\sigma(z)\bigl(1 - \sigma(z)\bigr)}{1 - \sigma(z)} = -\sigma(z)",
                     r"\frac{d}{dz}\Bigl[y \log\sigma(z) + (1 - y)\log\bigl(1 - \sigma(z)\bigr)\Bigr] &= y\bigl(1 - \sigma(z)\bigr) - (1 - y)\,\sigma(z)",
                     r"&= y - y\sigma(z) - \sigma(z) + y\sigma(z) = y - \sigma(z)"]
            if self.loss == "loglik":
                lines.append(rf"\nabla_w J(w) &= {ft} \sum_{{i=1}}^m \bigl(y^{{(i)}} - \sigma(z^{{(i)}})\bigr)\, x^{{(i)}}")
            else:
                lines.append(rf"\nabla_w J(w) &= -{ft} \sum_{{i=1}}^m \bigl(y^{{(i)}} - \sigma(z^{{(i)}})\bigr)\, x^{{(i)}} "
                             rf"= {ft} \sum_{{i=1}}^m \bigl(\sigma(z^{{(i)}}) - y^{{(i)}}\bigr)\, x^{{(i)}}")
        elif self.loss == "logistic_pm":
            lines = [r"\frac{d}{dz}\,\log\bigl(1 + e^{-yz}\bigr) &= \frac{-y\,e^{-yz}}{1 + e^{-yz}} = \frac{-y}{e^{yz} + 1} = -y\,\sigma(-yz)",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m \log\bigl(1 + e^{{-y^{{(i)}} z^{{(i)}}}}\bigr) &= -{ft} \sum_{{i=1}}^m y^{{(i)}}\,\sigma\bigl(-y^{{(i)}} z^{{(i)}}\bigr)\, x^{{(i)}}"]
        elif self.loss == "hinge":
            lines = [r"\frac{\partial}{\partial z}\,\max(0,\, 1 - yz) &= \begin{cases} -y & yz < 1 \\ 0 & yz > 1 \end{cases}",
                     rf"\nabla_w\, {ft} \sum_{{i=1}}^m \max\bigl(0,\, 1 - y^{{(i)}} z^{{(i)}}\bigr) &= -{ft} \sum_{{i:\; y^{{(i)}} z^{{(i)}} < 1}} y^{{(i)}} x^{{(i)}}"]
        else:  # pragma: no cover - the bank only holds the losses above
            raise KeyError(self.loss)
        blocks.append({"text": None, "align": lines})
        if self.penalty:
            blocks.append({"text": "The penalty, differentiated one weight at a time:", "align": list(self.penalty.steps)})
        return blocks

    # ---- computable forms
    def loss_sym(self, z, y, delta=None) -> sympy.Expr:
        """One term of the sum as SymPy, z = w^T x^(i)."""
        return _loss_sym(self.loss, z, y, delta)

    def coef_sym(self, z, y, delta=None) -> sympy.Expr:
        """The per-point coefficient of x^(i) in the answer, as SymPy (multiplier excluded)."""
        return _coef_sym(self.loss, z, y, delta)

    def cost_sym(self, w, X, Y, lam=None, delta=None) -> sympy.Expr:
        m = len(X)
        F = self.factor.num * sympy.Integer(1) / (self.factor.den * (m if self.factor.per_m else 1))
        terms = sum(self.loss_sym(sum(wj * xj for wj, xj in zip(w, x)), y, delta) for x, y in zip(X, Y))
        J = (-F if self.loss == "xent" else F) * terms
        if self.penalty:
            J += self.penalty.sym(w, lam)
        return J

    def grad_sym(self, w, X, Y, lam=None, delta=None) -> list[sympy.Expr]:
        """The answer's vector form written out in components."""
        m = len(X)
        M = self.grad_multiplier * self.factor.num * sympy.Integer(1) / (self.factor.den * (m if self.factor.per_m else 1))
        coefs = [self.coef_sym(sum(wj * xj for wj, xj in zip(w, x)), y, delta) for x, y in zip(X, Y)]
        grad = [M * sum(c * x[k] for c, x in zip(coefs, X)) for k in range(len(w))]
        if self.penalty:
            grad = [g + p for g, p in zip(grad, self.penalty.dsym(w, lam))]
        return grad

    def coef_exact(self, z: int, y: int, delta: int | None = None) -> Lin:
        """The per-point coefficient at integer data, exactly."""
        r = z - y
        if self.loss == "abs":
            if r == 0:
                raise ValueError("|r| is not differentiable at r = 0")
            return Lin.const(1 if r > 0 else -1)
        if self.loss == "sq":
            return Lin.const(r)
        if self.loss == "huber":
            return Lin.const(r if abs(r) <= delta else delta * (1 if r > 0 else -1))
        if self.loss == "logcosh":
            return Lin.tanh(r)
        if self.loss == "loglik":
            return Lin.const(y) - Lin.sigma(z)
        if self.loss == "xent":
            return Lin.sigma(z) - Lin.const(y)
        if self.loss == "logistic_pm":
            return Lin.sigma(-y * z) * (-y)
        if self.loss == "hinge":
            if y * z == 1:
                raise ValueError("the hinge is not differentiable at margin 1")
            return Lin.const(-y if y * z < 1 else 0)
        raise KeyError(self.loss)

    def grad_exact(self, w, X, Y, lam=None, delta=None) -> list[Lin]:
        m = len(X)
        M = self.grad_multiplier * self.factor.value(m)
        coefs = [self.coef_exact(sum(a * b for a, b in zip(w, x)), y, delta) for x, y in zip(X, Y)]
        grad = [sum((c * x[k] for c, x in zip(coefs, X)), Lin()) * M for k in range(len(w))]
        if self.penalty:
            grad = [g + Lin.const(p) for g, p in zip(grad, penalty_gradient(self.penalty.key, lam, w))]
        return grad

    def uses_lambda(self) -> bool:
        return self.penalty is not None

    def uses_delta(self) -> bool:
        return self.loss == "huber"


ROBUST_ITEMS = [
    CostItem("l1_half", "robust_regression", "abs", HALF),
    CostItem("l1", "robust_regression", "abs", ONE),
    CostItem("l1_mean", "robust_regression", "abs", MEAN),
    CostItem("huber", "robust_regression", "huber", ONE),
    CostItem("huber_mean", "robust_regression", "huber", MEAN),
    CostItem("logcosh", "robust_regression", "logcosh", ONE),
]

LEAST_SQUARES_ITEMS = [
    CostItem(f"sq_{fac.key}+{pen.key}", "penalized_least_squares", "sq", fac, pen)
    for fac in (HALF, ONE, MEAN, HALF_MEAN) for pen in (L2, L2_HALF, L1)
]

CLASSIFICATION_ITEMS = [
    CostItem("loglik", "classification", "loglik", ONE, labels="01"),
    CostItem("xent", "classification", "xent", ONE, labels="01"),
    CostItem("xent_mean", "classification", "xent", MEAN, labels="01"),
    CostItem("xent+l2_half", "classification", "xent", ONE, L2_HALF, labels="01"),
    CostItem("logistic_pm", "classification", "logistic_pm", ONE, labels="pm1"),
    CostItem("hinge", "classification", "hinge", ONE, labels="pm1"),
    CostItem("hinge+l2_half", "classification", "hinge", ONE, L2_HALF, labels="pm1"),
]

# The six skills in the order of the original parts 3.1 .. 3.6, each with its bank.
SKILLS = {
    "scalar_activation": SCALAR_ITEMS,
    "activation_linear": LINEAR_ACT_ITEMS,
    "robust_regression": ROBUST_ITEMS,
    "penalized_least_squares": LEAST_SQUARES_ITEMS,
    "classification": CLASSIFICATION_ITEMS,
    "activation_linear_2": LINEAR_ACT_ITEMS_2,
}
SKILL_ORDER = list(SKILLS)


def item(skill: str, key: str):
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

