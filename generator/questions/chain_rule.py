"""Question 2: the multivariable chain rule through two intermediate functions.

Every version is a composition ``f = h1(g1) +- h2(g2)`` with a transcendental
outer function ``h1`` (sin, cos, exp, log) and a polynomial one ``h2`` (square,
cube), never multiplied, and inner functions ``g1, g2`` of ``(x1, x2)`` from the
shapes of the original's size with small integer coefficients. The original
assignment, ``f = sin(g1) + g2^2``, ``g1 = x1 e^(x2)``, ``g2 = x1 + x2^2``, is
one member. The solver's tables hold more (tanh, sigmoid, sqrt, products of the
outer functions, smaller and larger shapes); the rules keep them out of a version.

Parts: (a) the six intermediate partials and ``df/dx1``, ``df/dx2`` by the
chain rule; (b) both derivatives at a point with integer coordinates.

The solver knows only the local derivative of each building block (a table
written out by hand, as a student learns it) and multiplies along the paths
of the computational graph ``x_j -> g_i -> f``. The verifier differentiates the
fully substituted ``f`` directly with ``sympy.diff``, requires the two results
to simplify to the same expression, and compares both numerically with
central finite differences in NumPy at several points. Any disagreement
aborts the version.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, NoReturn

import numpy as np
import sympy
from sympy.polys.polyerrors import PolynomialError
from sympy.printing.precedence import PRECEDENCE, precedence

from .. import latex
from ..model import EXACT, FOUR_PLACES, Answer, JSONDict, Mistake, Note, Part, Question, ref_symbol
from ..printers import lambdified, lambdified_once, tex, text
from ..sampling import choice, redraw
from ..speed import cached, factor_terms, substitute, times
from ..symbolic import cached_diff as _diff
from ..symbolic import derivative
from .family import Disagreement, PartSpec, distinct_notes, of_answer, same_value

NAME = "chain_rule"
TEMPLATE = "questions/chain_rule.tex.j2"

Expr = Any  # a SymPy expression (SymPy has no type information)
Pair = tuple[Expr, ...]  # two expressions, one per g_i or x_j
Point = tuple[int, int]
NumericFunction = Callable[..., Any]  # compiled by lambdify: NumPy arrays or floats in, out

X = sympy.symbols("x1 x2")  # plain symbols, so that sympy.parse_expr reads them back equal
G = sympy.symbols("g1 g2")


class sigmoid(sympy.Function):
    """The logistic function, kept as one symbol for printing (``\\sigma``).

    Machine forms (answers.json, the verifier) replace it by
    ``1/(1 + exp(-u))`` through :func:`to_machine`."""

    @classmethod
    def eval(cls, arg: Expr) -> Expr:
        if arg.is_zero:
            return sympy.Rational(1, 2)
        return None

    def _latex(self, printer: Any, exp: Any = None) -> str:
        arg = printer._print(self.args[0])
        head = r"\sigma" if exp is None else rf"\sigma^{{{exp}}}"
        return rf"{head}\!\left({arg}\right)"


class Shown(sympy.Function):
    """Display wrapper: ``g_i(x1, x2)`` substituted into a formula but kept as
    one unit, so the key prints ``2 (x_1 + x_2^2)`` and ``(x_1 e^{x_2})^3`` as a
    student writes them. Never used for computation (see :func:`unwrap`)."""

    @property
    def precedence(self) -> int:
        inner = self.args[0]
        if inner.is_Atom:
            return int(PRECEDENCE["Atom"])
        if inner.is_Function:
            return int(PRECEDENCE["Func"])
        return min(int(precedence(inner)), int(PRECEDENCE["Mul"]) - 1)  # bracketed in products and powers

    def _latex(self, printer: Any, exp: Any = None) -> str:
        body: str = printer._print(self.args[0])
        if exp is None:
            return body
        return rf"\left({body}\right)^{{{exp}}}"

    def _sympystr(self, printer: Any) -> str:
        return "(" + str(printer._print(self.args[0])) + ")"


def unwrap(expr: sympy.Expr) -> sympy.Expr:
    """The expression with every display wrapper removed (and re-evaluated)."""
    return expr.replace(Shown, lambda u: u)


def logistic(u: Expr) -> Expr:
    return 1 / (1 + sympy.exp(-u))


@cached(maxsize=4096)
def to_machine(expr: sympy.Expr) -> sympy.Expr:
    """The expression with every sigmoid written out, for sympy.parse_expr and sympy.diff."""
    return unwrap(expr).replace(sigmoid, logistic)


@cached(maxsize=4096)
def plain_width(expr: Expr) -> int:
    """A proxy for the printed width of an expression, in characters of a
    one-line plain-text rendering (``x1 e^(x2)`` for ``x1*exp(x2)``)."""
    s = text(expr).replace("**", "^").replace("*", "").replace("exp(", "e^(")
    s = s.replace("sigmoid", "s").replace("sqrt(", "r(").replace(" ", "")
    return len(s)



# --------------------------------------------------------------------------
# Building blocks and their local derivatives (the solver's rule table)


@dataclass(frozen=True)
class Outer:
    name: str
    apply: Callable[[Expr], Expr]
    derivative: Callable[[Expr], Expr]
    positive_domain: bool = False  # the argument must be > 0


OUTER = {
    "sin": Outer("sin", sympy.sin, sympy.cos),
    "cos": Outer("cos", sympy.cos, lambda u: -sympy.sin(u)),
    "exp": Outer("exp", sympy.exp, sympy.exp),
    "log": Outer("log", sympy.log, lambda u: 1 / u, positive_domain=True),
    "tanh": Outer("tanh", sympy.tanh, lambda u: 1 - sympy.tanh(u) ** 2),
    "sigmoid": Outer("sigmoid", sigmoid, lambda u: sigmoid(u) * (1 - sigmoid(u))),
    "square": Outer("square", lambda u: u**2, lambda u: 2 * u),
    "cube": Outer("cube", lambda u: u**3, lambda u: 3 * u**2),
    "sqrt": Outer("sqrt", sympy.sqrt, lambda u: 1 / (2 * sympy.sqrt(u)), positive_domain=True),
}
OUTER_NAMES = tuple(OUTER)
OPS = ("+", "-", "*")  # the solver's combinations; a version draws from SUM_OPS

# The classes every version is drawn from: the original's shape h1(g1) +- h2(g2)
# with one transcendental outer function (the original's sin) and one polynomial
# outer function (the original's square), never multiplied (no product rule).
TRANSCENDENTAL = ("sin", "cos", "exp", "log")  # h1: a derivative known by heart
POLYNOMIAL = ("square", "cube")  # h2
SUM_OPS = ("+", "-")


@dataclass(frozen=True)
class Shape:
    """An inner function ``g(X, Y)`` with coefficients ``a, b`` and its two
    partial derivatives, written out by hand."""

    name: str
    a_values: tuple[int, ...]
    b_values: tuple[int, ...]  # (1,) when the shape has no second coefficient
    expr: Callable[[int, int, Expr, Expr], Expr]
    d_first: Callable[[int, int, Expr, Expr], Expr]  # dg/dX
    d_second: Callable[[int, int, Expr, Expr], Expr]  # dg/dY


E = sympy.exp
SHAPES = {
    "prod_exp": Shape("prod_exp", (1, 2, 3, -1, -2, -3), (1, -1, 2, -2),
                      lambda a, b, X, Y: a * X * E(b * Y),
                      lambda a, b, X, Y: a * E(b * Y),
                      lambda a, b, X, Y: a * b * X * E(b * Y)),
    "lin_sq": Shape("lin_sq", (1, 2, 3, -1, -2, -3), (1, 2, 3, -1, -2, -3),
                    lambda a, b, X, Y: a * X + b * Y**2,
                    lambda a, b, X, Y: sympy.Integer(a),
                    lambda a, b, X, Y: 2 * b * Y),
    "prod": Shape("prod", (1, 2, 3, -1, -2, -3), (1,),
                  lambda a, b, X, Y: a * X * Y,
                  lambda a, b, X, Y: a * Y,
                  lambda a, b, X, Y: a * X),
    "sq_lin": Shape("sq_lin", (1, 2, 3, -1, -2, -3), (1, 2, 3, -1, -2, -3),
                    lambda a, b, X, Y: a * X**2 + b * Y,
                    lambda a, b, X, Y: 2 * a * X,
                    lambda a, b, X, Y: sympy.Integer(b)),
    "sin_prod": Shape("sin_prod", (1, 2, 3, -1, -2, -3), (1, 2, 3),
                      lambda a, b, X, Y: a * Y * sympy.sin(b * X),
                      lambda a, b, X, Y: a * b * Y * sympy.cos(b * X),
                      lambda a, b, X, Y: a * sympy.sin(b * X)),
    "ratio": Shape("ratio", (1, 2, 3, -1, -2), (1, 2),
                   lambda a, b, X, Y: a * X / (1 + b * Y**2),
                   lambda a, b, X, Y: a / (1 + b * Y**2),
                   lambda a, b, X, Y: -2 * a * b * X * Y / (1 + b * Y**2) ** 2),
}
SHAPE_NAMES = tuple(SHAPES)


def shape_size(name: str) -> int:
    """The operations in a shape's expression at unit coefficients
    (``x e^y``: a product and an exponential, 2)."""
    X_, Y_ = sympy.symbols("X Y")
    return int(sympy.count_ops(SHAPES[name].expr(1, 1, X_, Y_)))


INNER_SIZE = 2  # the original's g1 = x1 e^x2 and g2 = x1 + x2^2
INNER_SHAPES = tuple(n for n in SHAPE_NAMES if shape_size(n) == INNER_SIZE)  # the shapes a version draws from


@dataclass(frozen=True)
class Inner:
    shape: str
    a: int
    b: int
    swap: bool  # True: the shape's first variable is x2

    @property
    def variables(self) -> tuple[sympy.Symbol, sympy.Symbol]:
        return (X[1], X[0]) if self.swap else (X[0], X[1])

    def expr(self) -> sympy.Expr:
        return SHAPES[self.shape].expr(self.a, self.b, *self.variables)

    def partial(self, j: int) -> sympy.Expr:
        """dg/dx_{j+1} from the shape's table."""
        s = SHAPES[self.shape]
        first, second = self.variables
        if X[j] == first:
            return sympy.sympify(s.d_first(self.a, self.b, first, second))
        return sympy.sympify(s.d_second(self.a, self.b, first, second))

    def to_params(self) -> JSONDict:
        return {"shape": self.shape, "a": self.a, "b": self.b, "swap": self.swap, "expr": text(self.expr())}


@dataclass(frozen=True)
class Composition:
    outer: tuple[str, str]
    op: str
    inner: tuple[Inner, Inner]
    point: tuple[int, int] | None = None
    # the solution the sampler computed for this composition, handed to solve (not part of its value)
    solved: Solution | None = field(default=None, compare=False, repr=False)

    def with_point(self, point: Point | None) -> Composition:
        return Composition(self.outer, self.op, self.inner, point)

    def to_params(self, sym: Symbolic | None = None) -> JSONDict:
        """The parameters for answers.json; ``sym``, if given, is this
        composition's symbolic solution (computed here otherwise)."""
        sym = solve_symbolic(self) if sym is None else sym
        return {
            "f": text(to_machine(sym.f_g)),
            "f_x": text(to_machine(sym.f_x)),
            "outer": list(self.outer),
            "op": self.op,
            "g1": self.inner[0].to_params(),
            "g2": self.inner[1].to_params(),
            "point": None if self.point is None else {"x1": self.point[0], "x2": self.point[1]},
        }


ORIGINAL = Composition(
    outer=("sin", "square"),
    op="+",
    inner=(Inner("prod_exp", 1, 1, False), Inner("lin_sq", 1, 1, False)),
    point=(1, 1),
)


def combine(op: str, u: sympy.Expr, v: sympy.Expr) -> sympy.Expr:
    return {"+": u + v, "-": u - v, "*": u * v}[op]


def outer_partials(op: str, h1: Outer, h2: Outer) -> tuple[sympy.Expr, sympy.Expr]:
    """df/dg1 and df/dg2 of ``f = h1(g1) op h2(g2)`` by the sum or product rule."""
    g1, g2 = G
    if op == "+":
        return h1.derivative(g1), h2.derivative(g2)
    if op == "-":
        return h1.derivative(g1), -h2.derivative(g2)
    return h1.derivative(g1) * h2.apply(g2), h1.apply(g1) * h2.derivative(g2)


# --------------------------------------------------------------------------
# The rules that make a version a good question (each returns True when it holds)

LINE_WIDTH = 56  # plain_width of any expression printed on one line of the key
LABEL_WIDTH = 22  # plain_width of an edge label in the graph
DOMAIN_MARGIN = 0.1  # ln and sqrt arguments stay above this near the point
NEIGHBOURHOOD = 0.25  # half-width of the square around the point checked for the domain
MAX_VALUE = 500.0
MAX_G = 12.0  # |g1|, |g2| at the point
MIN_VALUE = 1e-3
VALUE_WIDTH = 28  # plain_width of each exact value at the point


def rule_outer_classes(sol: Solution) -> bool:
    """f = h1(g1) +- h2(g2) with h1 transcendental and h2 polynomial (TRANSCENDENTAL,
    POLYNOMIAL, SUM_OPS): the original's shape, no product rule."""
    comp = sol.comp
    return comp.outer[0] in TRANSCENDENTAL and comp.outer[1] in POLYNOMIAL and comp.op in SUM_OPS


def rule_inner_same_size(sol: Solution) -> bool:
    """Both inner functions come from shapes of the original's size (INNER_SIZE)."""
    return all(shape_size(g.shape) == INNER_SIZE for g in sol.comp.inner)


REAL_X = sympy.symbols("x1 x2", real=True)  # so that sqrt(u^2) is |u| and log(e^u) is u


def outer_arguments(name: str, expr: sympy.Expr) -> list[sympy.Expr]:
    """The arguments of every application of outer function ``name`` in ``expr``
    (the base of a power for square, cube and sqrt)."""
    u = sympy.Dummy("u")
    head = OUTER[name].apply(u)
    if head.is_Pow:
        return [e.base for e in expr.find(lambda e: e.is_Pow and e.exp == head.exp)]
    return [e.args[0] for e in expr.find(lambda e: e.func == head.func)]


@cached(maxsize=4096)
def collapses(name: str, g: sympy.Expr) -> bool:
    """True when ``h(g)`` for outer function ``name`` simplifies so that no
    application of h keeps an argument in both variables: the chain rule through
    g is no longer needed on some path (log of a product or of an exponential,
    exp of a log, sqrt of a square, a power of a product, ...). The term is
    simplified over the reals with logarithms expanded and powers denested."""
    term = OUTER[name].apply(g.xreplace(dict(zip(X, REAL_X))))
    simplified = sympy.powdenest(sympy.expand_log(term, force=True), force=True)
    return not any(set(REAL_X) <= a.free_symbols for a in outer_arguments(name, simplified))


def rule_no_collapse(sol: Solution) -> bool:
    """The simplified f still needs every local derivative the key's graph shows:
    neither h1(g1) nor h2(g2) simplifies into functions of fewer variables
    (:func:`collapses`)."""
    return not any(collapses(name, g) for name, g in zip(sol.comp.outer, sol.sym.g_x))


ANSWER_TERMS = (2, 8)  # terms of each simplified df/dx_j, expanded
ANSWER_CHARS = 60  # characters of each df/dx_j in the key's plain text form (answers.json)
VALUE_BAND = (0.01, 50.0)  # |v| of every value of part (b)


def answer_terms(expr: sympy.Expr) -> int:
    return len(sympy.Add.make_args(sympy.expand(expr)))


def answer_chars(expr: sympy.Expr) -> int:
    return len(text(to_machine(expr)))


def rule_answer_band(sol: Solution) -> bool:
    """Each simplified df/dx_j has ANSWER_TERMS terms and at most ANSWER_CHARS
    characters in its plain text form."""
    lo, hi = ANSWER_TERMS
    return all(lo <= answer_terms(g) <= hi and answer_chars(g) <= ANSWER_CHARS for g in sol.sym.grad)


def rule_paths_present(sol: Solution) -> bool:
    """Both variables reach f through both g1 and g2: every local derivative on
    the graph is not identically zero, and each g_i uses both x1 and x2."""
    sym = sol.sym
    uses_both = all(set(X) <= g.free_symbols for g in sym.g_x)
    return uses_both and all(d != 0 for d in sym.df_dg) and all(d != 0 for row in sym.dg_dx for d in row)


def rule_distinct_inner(sol: Solution) -> bool:
    """g1 and g2 have different shapes (so no path repeats another)."""
    a, b = sol.comp.inner
    return a.shape != b.shape


def product_width(a: sympy.Expr, b: sympy.Expr) -> int:
    """plain_width of ``a . b`` printed as two factors."""
    return plain_width(a) + plain_width(b) + 3


def rule_fits_one_line(sol: Solution) -> bool:
    """f, every chain-rule product (in g and in x) and both simplified
    derivatives fit on one line of the key; every local derivative fits on its
    edge of the graph."""
    sym = sol.sym
    labels = list(sym.df_dg) + [d for row in sym.dg_dx for d in row] + list(sym.g_x)
    if any(plain_width(e) > LABEL_WIDTH for e in labels):
        return False
    if product_width(*sym.f_parts_shown) > LINE_WIDTH:
        return False
    if any(product_width(sym.df_dg_shown[i], sym.dg_dx[i][j]) > LINE_WIDTH for i in range(2) for j in range(2)):
        return False
    return all(plain_width(g) <= LINE_WIDTH for g in sym.grad)


def rule_difficulty_band(sol: Solution) -> bool:
    """Versions are of comparable difficulty: chain_products in DIFFICULTY_BAND."""
    lo, hi = DIFFICULTY_BAND
    return lo <= chain_products(sol.sym) <= hi


def rule_point_chosen(sol: Solution) -> bool:
    """Some point with small integer coordinates satisfies every point rule."""
    return sol.at is not None


def rule_terms_nonzero_at_point(sol: Solution) -> bool:
    """Every path product and both derivatives are nonzero at the point, so a
    student who drops a path gets a different number."""
    at = sol.at_point
    vals = [p for row in at.paths_float for p in row] + list(at.grad_float)
    return all(math.isfinite(v) and abs(v) >= MIN_VALUE for v in vals)


def domain_grid(point: tuple[int, int], n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(-NEIGHBOURHOOD, NEIGHBOURHOOD, n)
    a, b = np.meshgrid(point[0] + t, point[1] + t)
    return a.ravel(), b.ravel()


def domain_ok(sym: Symbolic, point: tuple[int, int]) -> bool:
    """Arguments of ln and sqrt exceed DOMAIN_MARGIN on a square around ``point``."""
    checked = [i for i, name in enumerate(sym.comp.outer) if OUTER[name].positive_domain]
    if not checked:
        return True
    a, b = domain_grid(point)
    with np.errstate(all="ignore"):
        values = sym.numeric(a, b)
    return all(np.all(np.asarray(values[i], dtype=float) * np.ones_like(a) > DOMAIN_MARGIN) for i in checked)


def rule_domain_near_point(sol: Solution) -> bool:
    """Arguments of ln and sqrt stay positive (with a margin) near the point."""
    return domain_ok(sol.sym, sol.at_point.point)


def rule_values_readable(sol: Solution) -> bool:
    """Both values at the point are short exact expressions of moderate size,
    and so are g1, g2 there (no cos of a three-digit argument)."""
    at = sol.at_point
    if not all(abs(v) <= MAX_G for v in at.g_float) or not all(abs(v) <= MAX_VALUE for v in at.grad_float):
        return False
    return all(plain_width(v) <= VALUE_WIDTH for v in at.grad)


def rule_values_band(sol: Solution) -> bool:
    """Every value of part (b), g1, g2 and both derivatives, has VALUE_BAND[0] <= |v| <= VALUE_BAND[1]."""
    lo, hi = VALUE_BAND
    at = sol.at_point
    return all(math.isfinite(v) and lo <= abs(v) <= hi for v in (*at.g_float, *at.grad_float))


def rule_mistakes_differ(sol: Solution) -> bool:
    """No common mistake lands on the right value at the point (the pipeline's
    rule, :func:`.family.same_value`; a value that is not finite counts as landing)."""
    for j, wrongs in enumerate(mistakes_at(sol).values()):
        right = sol.at_point.grad_float[j]
        if any(same_value(w, right) for w in wrongs.values()):
            return False
    return True


STRUCTURE_RULES = {  # cheapest first: the sampler stops at the first broken one
    "outer_classes": rule_outer_classes,
    "inner_same_size": rule_inner_same_size,
    "distinct_inner": rule_distinct_inner,
    "difficulty_band": rule_difficulty_band,
    "paths_present": rule_paths_present,
    "no_collapse": rule_no_collapse,
    "fits_one_line": rule_fits_one_line,
    "answer_band": rule_answer_band,
}
POINT_RULES = {  # cheapest first; values_readable needs the exact values
    "domain_near_point": rule_domain_near_point,
    "terms_nonzero_at_point": rule_terms_nonzero_at_point,
    "values_band": rule_values_band,
    "mistakes_differ": rule_mistakes_differ,
    "values_readable": rule_values_readable,
}
RULES = {**STRUCTURE_RULES, "point_chosen": rule_point_chosen, **POINT_RULES}


def broken_rules(comp: Composition, sol: Solution) -> list[str]:
    """Names of the rules the solution of ``comp`` breaks."""
    return _broken(sol)


def _broken(sol: Solution) -> list[str]:
    """Names of the rules ``sol`` breaks (point rules only once a point exists)."""
    broken = [name for name, rule in STRUCTURE_RULES.items() if not rule(sol)]
    if broken:
        return broken
    if sol.at is None:
        return ["point_chosen"]
    return [name for name, rule in POINT_RULES.items() if not rule(sol)]


# --------------------------------------------------------------------------
# Sampler

POINT_COORDS = (-2, -1, 0, 1, 2)
POINT_POOL = 6  # qualifying points compared
POINT_CHOICES = 5  # the point is drawn among this many of them with the shortest values


def draw_inner(rng: np.random.Generator, shape: str) -> Inner:
    s = SHAPES[shape]
    return Inner(shape, choice(rng, s.a_values), choice(rng, s.b_values), bool(rng.integers(2)))


def draw_structure(rng: np.random.Generator) -> Composition:
    outer = (choice(rng, TRANSCENDENTAL), choice(rng, POLYNOMIAL))
    op = choice(rng, SUM_OPS)
    shapes = (choice(rng, INNER_SHAPES), choice(rng, INNER_SHAPES))
    return Composition(outer, op, (draw_inner(rng, shapes[0]), draw_inner(rng, shapes[1])))


def _point_solution(sym: Symbolic, point: Point) -> Solution | None:
    """The solution at ``point`` if every point rule holds there, else None
    (rules in order, so exact values are computed only where the cheap ones hold)."""
    sol = Solution(sym, solve_at(sym, point))
    if all(rule(sol) for rule in POINT_RULES.values()):
        return sol
    return None


def _choose_point(sym: Symbolic, rng: np.random.Generator) -> AtPoint | None:
    """The solution at the point :func:`choose_point` chooses, or None."""
    candidates = [(a, b) for a in POINT_COORDS for b in POINT_COORDS]
    good = []
    for k in rng.permutation(len(candidates)):
        p = candidates[int(k)]
        sol = _point_solution(sym, p)
        if sol is not None:
            good.append((sum(plain_width(v) for v in sol.at_point.grad), p, sol.at_point))
            if len(good) == POINT_POOL:
                break
    if not good:
        return None
    good.sort(key=lambda t: t[:2])  # by width, then point (points are distinct)
    return choice(rng, [at for _, _, at in good[:POINT_CHOICES]])


def choose_point(sym: Symbolic, rng: np.random.Generator) -> tuple[int, int] | None:
    """A point with small integer coordinates where every point rule holds:
    candidates are tried in random order until POINT_POOL qualify, and the
    point is drawn among the POINT_CHOICES of those whose answers print shortest."""
    at = _choose_point(sym, rng)
    return None if at is None else at.point


def draw(rng: np.random.Generator) -> Solution:
    comp = draw_structure(rng)
    sym = solve_symbolic(comp)
    if any(not rule(Solution(sym, None)) for rule in STRUCTURE_RULES.values()):
        return Solution(sym, None)
    at = _choose_point(sym, rng)
    if at is None:
        return Solution(sym, None)
    # solve(comp.with_point(at.point)), reusing what the sampler computed
    final = sym.for_composition(comp.with_point(at.point))
    return Solution(final, at.for_symbolic(final))


def sample(rng: np.random.Generator) -> Composition:
    """A composition with its point where every rule holds. The sampler
    solves every candidate; the composition returned carries the solution of
    the one chosen (``solved``), which :func:`solve` returns: the same
    solution, computed once, and nothing kept between the stages."""
    sol = redraw(draw, _broken, rng, "chain-rule question")
    return replace(sol.comp, solved=sol)


# --------------------------------------------------------------------------
# Solver: local derivatives multiplied along the paths of the graph


class Symbolic:
    """The symbolic solution: local derivatives and their chain-rule products.

    The products and the simplified answers are computed on first use, so
    that the sampler's cheap rules run before the costly steps."""

    def __init__(self, comp: Composition):
        self.comp = comp
        h = [OUTER[n] for n in comp.outer]
        self.g_x = tuple(inner.expr() for inner in comp.inner)  # g_i(x1, x2)
        self.f_g = combine(comp.op, h[0].apply(G[0]), h[1].apply(G[1]))  # f in terms of g1, g2
        self.df_dg = outer_partials(comp.op, h[0], h[1])  # in terms of g1, g2
        self.dg_dx = tuple(tuple(inner.partial(j) for j in range(2)) for inner in comp.inner)  # [i][j] = dg_i/dx_j
        self._sub = dict(zip(G, self.g_x))
        self._shown = {g: Shown(e) for g, e in self._sub.items()}
        # f as printed: h1(g1) first, then h2(g2), whatever sympy's order
        self.f_parts_g = tuple(h[i].apply(G[i]) for i in range(2))
        self.f_parts_shown = tuple(substitute(e, self._shown) for e in self.f_parts_g)

    def for_composition(self, comp: Composition) -> Symbolic:
        """The solution of ``comp``, the same structure at most at another
        point: nothing here depends on the point, so every expression
        computed so far is shared rather than computed again."""
        other = copy.copy(self)
        other.comp = comp
        return other

    @cached_property
    def f_x(self) -> sympy.Expr:
        """f fully substituted, evaluated."""
        return self.f_g.xreplace(self._sub)

    @cached_property
    def df_dg_shown(self) -> tuple[sympy.Expr, sympy.Expr]:
        """df/dg_i with g_i(x1, x2) substituted as a unit, as a student writes it."""
        return tuple(substitute(d, self._shown) for d in self.df_dg)

    @cached_property
    def paths(self) -> tuple[Pair, ...]:
        """[j][i] = df/dg_i * dg_i/dx_j in x1, x2, evaluated."""
        df = [substitute(d, self._sub) for d in self.df_dg]
        return tuple(tuple(times(df[i], self.dg_dx[i][j]) for i in range(2)) for j in range(2))

    @cached_property
    def numeric(self) -> Callable[[Any, Any], list[Any]]:
        """(x1, x2) -> [g1, g2, df/dg1, df/dg2, dg1/dx1, dg1/dx2, dg2/dx1, dg2/dx2] in floating point.

        Each entry is computed by the code ``sympy.lambdify`` writes for it
        (the same code whether or not other entries share the function); an
        inner function and its partials recur across versions, so they are
        compiled together, once."""
        df = tuple(to_machine(substitute(d, self._sub)) for d in self.df_dg)
        inner = [lambdified_once(X, (self.g_x[i], *self.dg_dx[i])) for i in range(2)]
        outer = lambdified(X, list(df))

        def numeric(x1: Any, x2: Any) -> list[Any]:
            g1, g2 = (f(x1, x2) for f in inner)
            d = outer(x1, x2)
            return [g1[0], g2[0], d[0], d[1], g1[1], g1[2], g2[1], g2[2]]

        return numeric

    @cached_property
    def grad(self) -> tuple[sympy.Expr, sympy.Expr]:
        """df/dx_j assembled from the paths: like terms combined, common
        numeric factors pulled out of each path."""
        return tuple(sympy.Add(*(factor_terms(p) for p in self.paths[j])) for j in range(2))


class AtPoint:
    """The solution at one point. Floating-point values of every factor come
    first (cheap, for the sampler's rules); the exact values, factor by factor
    as a student substitutes, are computed on first use."""

    def __init__(self, sym: Symbolic, point: tuple[int, int]):
        self.sym = sym
        self.point = point
        with np.errstate(all="ignore"):
            v = [complex(t) for t in sym.numeric(*(np.float64(c) for c in point))]
        real = all(abs(t.imag) <= 1e-12 * max(1.0, abs(t.real)) for t in v)
        r = [t.real if real else math.nan for t in v]
        self.g_float = (r[0], r[1])
        self.df_float = (r[2], r[3])
        dg = ((r[4], r[5]), (r[6], r[7]))
        self.paths_float = tuple(tuple(self.df_float[i] * dg[i][j] for i in range(2)) for j in range(2))
        self.grad_float = tuple(sum(self.paths_float[j]) for j in range(2))

    def for_symbolic(self, sym: Symbolic) -> AtPoint:
        """The solution at the same point of ``sym``, the same structure as
        this one's (see :meth:`Symbolic.for_composition`); values are shared."""
        other = copy.copy(self)
        other.sym = sym
        return other

    @cached_property
    def _exact(self) -> tuple[Pair, Pair, tuple[Pair, ...], tuple[Pair, ...], Pair]:
        xs = {X[0]: sympy.Integer(self.point[0]), X[1]: sympy.Integer(self.point[1])}
        g = tuple(substitute(e, xs) for e in self.sym.g_x)
        df = tuple(substitute(d, dict(zip(G, g))) for d in self.sym.df_dg)
        dg = tuple(tuple(substitute(self.sym.dg_dx[i][j], xs) for j in range(2)) for i in range(2))
        paths = tuple(tuple(times(df[i], dg[i][j]) for i in range(2)) for j in range(2))
        return g, df, dg, paths, tuple(sympy.Add(*paths[j]) for j in range(2))

    @property
    def g(self) -> tuple[sympy.Expr, sympy.Expr]:
        return self._exact[0]

    @property
    def df_dg(self) -> tuple[sympy.Expr, sympy.Expr]:
        return self._exact[1]

    @property
    def dg_dx(self) -> tuple[Pair, ...]:
        """[i][j] = dg_i/dx_j at the point."""
        return self._exact[2]

    @property
    def paths(self) -> tuple[Pair, ...]:
        """[j][i] = df/dg_i * dg_i/dx_j at the point."""
        return self._exact[3]

    @property
    def grad(self) -> tuple[sympy.Expr, sympy.Expr]:
        return self._exact[4]


@dataclass
class Solution:
    sym: Symbolic
    at: AtPoint | None

    @property
    def comp(self) -> Composition:
        return self.sym.comp

    @property
    def at_point(self) -> AtPoint:
        """The solution at the point, which every point rule and the
        presentation need (the sampler only keeps solutions that have one)."""
        if self.at is None:
            raise ValueError("no point chosen for this composition")
        return self.at


def solve_symbolic(comp: Composition) -> Symbolic:
    return Symbolic(comp)


@cached(maxsize=4096)
def _float(expr: sympy.Expr) -> float:
    v = complex(to_machine(expr).evalf(30))
    if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
        return math.nan
    return v.real


def solve_at(sym: Symbolic, point: tuple[int, int]) -> AtPoint:
    return AtPoint(sym, point)


def solve(comp: Composition) -> Solution:
    if comp.solved is not None:
        return comp.solved
    sym = solve_symbolic(comp)
    return Solution(sym, None if comp.point is None else solve_at(sym, comp.point))


# --------------------------------------------------------------------------
# Difficulty: how many chain, product and quotient steps a student takes


def rule_steps(expr: sympy.Expr, x: sympy.Symbol) -> int:
    """Differentiation-rule applications in ``d expr / d x`` by hand: one per
    chain-rule product (a function or power of something other than ``x``
    itself), one per product-rule split; sums and constants are free."""
    if not expr.has(x) or expr == x:
        return 0
    if expr.is_Add:
        return sum(rule_steps(t, x) for t in expr.args)
    if expr.is_Mul:
        factors = [t for t in expr.args if t.has(x)]
        return len(factors) - 1 + sum(rule_steps(t, x) for t in factors)
    if expr.is_Pow:
        base, e = expr.args
        if not e.has(x):  # power rule, chained unless the base is x itself
            return (0 if base == x else 1) + rule_steps(base, x)
        if not base.has(x):  # a constant to a variable power, like e^u
            return (0 if e == x else 1) + rule_steps(e, x)
    if isinstance(expr, sympy.Function):
        (u,) = expr.args
        return (0 if u == x else 1) + rule_steps(u, x)
    raise ValueError(f"no rule-step count for {expr!r}")


def chain_products(sym: Symbolic) -> int:
    """Rule applications for df/dx1 and df/dx2 together, counted on the graph:
    for each variable, one chain-rule product per path x_j -> g_i -> f, one
    product-rule split when f multiplies h1(g1) by h2(g2), and the chain,
    product and quotient steps inside each dg_i/dx_j."""
    comp = sym.comp
    total = 0
    for x in X:
        total += 1 if comp.op == "*" else 0
        total += sum(1 + rule_steps(g, x) for g in sym.g_x)
    return total


DIFFICULTY_BAND = (4, 6)  # chain_products of every version lies in this band


def difficulty(sym: Symbolic) -> dict[str, int | float]:
    return {
        "chain_products": chain_products(sym),
        "path_products": sum(1 for j in range(2) for i in range(2) if sym.paths[j][i] != 0),
        "answer_terms": sum(len(sympy.Add.make_args(sympy.expand(g))) for g in sym.grad),
        "answer_width": max(plain_width(g) for g in sym.grad),
    }


# --------------------------------------------------------------------------
# Verifier: differentiate the substituted f directly, compare three ways

_VERIFY_POINTS = 5
_FD_STEP = 1e-3
_FD_RTOL = 1e-6


def central_difference(f: NumericFunction, a: Any, b: Any, j: int, h: float = _FD_STEP) -> Any:
    """d f / d x_{j+1} at (a, b) by the five-point central difference (error O(h^4))."""
    def at(t: float) -> Any:
        return f(a + t, b) if j == 0 else f(a, b + t)
    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)



def _numeric(expr: Expr) -> NumericFunction:
    return lambdified(X, to_machine(expr))


@cached(maxsize=4096)
def same_expression(a: sympy.Expr, b: sympy.Expr) -> bool:
    """True when ``a - b`` simplifies to 0. Cheap rewritings, each of which
    can only show a difference that is identically 0, are tried first: the
    difference over one denominator with its numerator expanded; the
    difference expanded; as one cancelled fraction. Then sympy.simplify."""
    d = a - b
    if d == 0:
        return True
    if sympy.expand(sympy.fraction(sympy.together(d))[0]) == 0 or sympy.expand(d) == 0:
        return True
    try:
        if sympy.cancel(d) == 0:
            return True
    except PolynomialError:
        pass
    return bool(sympy.simplify(d) == 0)


def verify(comp: Composition, sol: Solution) -> None:
    """Recompute every derivative by a second route; raise Disagreement on disagreement."""
    sym = sol.sym

    def fail(part: str, what: str, a: object, b: object) -> NoReturn:
        raise Disagreement(part, what, a, b)

    f = to_machine(sym.f_x)
    direct = [derivative(f, x) for x in X]
    # the intermediate partials against sympy.diff of the pieces
    f_g = to_machine(sym.f_g)
    for i in range(2):
        d = _diff(f_g, G[i])
        if not same_expression(to_machine(sym.df_dg[i]), d):
            fail("a", f"df/dg{i + 1}", sym.df_dg[i], d)
        for j in range(2):
            d = _diff(sym.g_x[i], X[j])
            if not same_expression(sym.dg_dx[i][j], d):
                fail("a", f"dg{i + 1}/dx{j + 1}", sym.dg_dx[i][j], d)
    for j in range(2):
        if not same_expression(to_machine(sym.grad[j]), direct[j]):
            fail("a", f"df/dx{j + 1}", sym.grad[j], direct[j])

    # numerically, near the point (inside the domain), against finite differences
    centre = comp.point if comp.point is not None else (1, 1)
    check_rng = np.random.default_rng(616)
    a = centre[0] + check_rng.uniform(-NEIGHBOURHOOD, NEIGHBOURHOOD, _VERIFY_POINTS)
    b = centre[1] + check_rng.uniform(-NEIGHBOURHOOD, NEIGHBOURHOOD, _VERIFY_POINTS)
    f_num = _numeric(sym.f_x)
    # chain rule, then sympy.diff; an expression both routes reach is compiled once
    exprs = [to_machine(sym.grad[0]), to_machine(sym.grad[1]), direct[0], direct[1]]
    distinct = list(dict.fromkeys(exprs))
    both = lambdified(X, distinct)
    with np.errstate(all="raise"):
        computed = both(a, b)
        values = [np.asarray(computed[distinct.index(e)], dtype=float) * np.ones_like(a) for e in exprs]
        for j in range(2):
            chain, exact = values[j], values[2 + j]
            fd = central_difference(f_num, a, b, j)
            if not np.allclose(chain, exact, rtol=1e-10, atol=1e-10):
                fail("a", f"df/dx{j + 1} (numerically)", chain.tolist(), exact.tolist())
            if not np.allclose(chain, fd, rtol=_FD_RTOL, atol=_FD_RTOL):
                fail("a", f"df/dx{j + 1} (finite differences)", chain.tolist(), fd.tolist())

    if sol.at is not None:
        at = sol.at
        xs = {X[0]: sympy.Integer(at.point[0]), X[1]: sympy.Integer(at.point[1])}
        for j in range(2):
            second = direct[j].xreplace(xs)
            if not same_expression(to_machine(at.grad[j]), second):
                fail("b", f"df/dx{j + 1} at {at.point}", at.grad[j], second)
            fd_val = float(central_difference(f_num, float(at.point[0]), float(at.point[1]), j))
            value = _float(at.grad[j])
            if not math.isclose(value, fd_val, rel_tol=_FD_RTOL, abs_tol=_FD_RTOL):
                fail("b", f"df/dx{j + 1} at {at.point} (finite differences)", value, fd_val)


# --------------------------------------------------------------------------
# Common mistakes at the point


def mistakes(comp: Composition, sol: Solution) -> list[Mistake]:
    """The values the usual mistakes give for each derivative at the point (part b)."""
    return [Mistake("b", answer, name, MISTAKE_TEXT[name], v) for answer, wrongs in mistakes_at(sol).items()
            for name, v in wrongs.items()]


def mistakes_at(sol: Solution) -> dict[str, dict[str, float]]:
    """For each derivative at the point (by answer name), the value each usual mistake gives."""
    at = sol.at_point
    out = {}
    for j in range(2):
        p = at.paths_float[j]
        wrong = {
            "path_through_g1_dropped": p[1],
            "path_through_g2_dropped": p[0],
            "inner_derivative_forgotten": at.df_float[0] + at.df_float[1],
            "other_variable": at.grad_float[1 - j],
        }
        out[f"df/dx{j + 1}"] = wrong
    return out


# --------------------------------------------------------------------------
# Presentation: parts, answers and the worked solution for the templates


@dataclass(frozen=True)
class Labels:
    df_dg: list[str]  # [i]: df/dg_i
    dg_dx: list[list[str]]  # [i][j]: dg_i/dx_j


@dataclass(frozen=True)
class Derivation:
    """df/dx_j by the chain rule, line by line."""

    j: int  # 1-based
    label: str
    rule: str  # the sum over both paths, in partials
    in_g: str  # the local derivatives substituted, in g
    in_x: list[str]  # the same in x1, x2: one line, or two when long
    simplified: str


@dataclass(frozen=True)
class ValueAtPoint:
    """df/dx_j at the point: the path products with numbers, the value."""

    label: str
    factors: str
    value: str
    approx: str | None  # four decimals, unless the value is rational


@dataclass(frozen=True)
class Context:
    """What templates/questions/chain_rule.tex.j2 reads (as ``c``)."""

    f_g: str
    f_x: str
    g: list[str]
    notes: list[str]
    df_dg: list[str]
    dg_dx: list[list[str]]
    labels: Labels
    derivs: list[Derivation]
    point: list[int]
    point_tex: str
    g_at: list[str]
    at_point: list[ValueAtPoint]


def _factor_tex(expr: sympy.Expr, first: bool) -> str:
    """LaTeX of one factor of a product, bracketed where needed (a leading
    minus sign of the first factor stays outside)."""
    s = tex(expr)
    if expr.is_Add or (s.startswith("-") and not first):
        return rf"\left({s}\right)"
    return s


def _product_tex(a: sympy.Expr, b: sympy.Expr) -> str:
    return rf"{_factor_tex(a, True)} \cdot {_factor_tex(b, False)}"


def _join_terms(terms: list[str]) -> str:
    """'a + b', written 'a - b' when b starts with a minus sign."""
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:].lstrip()}" if t.startswith("-") else f" + {t}"
    return out


def _value_tex(v: sympy.Expr) -> str:
    if v.is_Rational:
        return latex.num(latex.as_fraction(v))
    return tex(v)


def _value_json(v: Expr) -> int | float:
    if v.is_Rational:
        return latex.json_number(latex.as_fraction(v))
    return float(_float(v))


def _approx(x: float) -> str:
    """Four decimal places, as the question asks; integers print plainly."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4f}"


def _g_tex(i: int) -> str:
    return f"g_{i + 1}"


def _dfdg(i: int) -> str:
    return rf"\frac{{\partial f}}{{\partial g_{i + 1}}}"


def _dgdx(i: int, j: int) -> str:
    return rf"\frac{{\partial g_{i + 1}}}{{\partial x_{j + 1}}}"


def _dfdx(j: int) -> str:
    return rf"\frac{{\partial f}}{{\partial x_{j + 1}}}"


def _point_dict(point: Point) -> dict[str, int]:
    return {"x1": int(point[0]), "x2": int(point[1])}


def f_tex(sym: Symbolic, shown: bool = False) -> str:
    """LaTeX of f with h1(g1) first: in g, or with g1, g2 substituted."""
    a, b = (tex(e) for e in (sym.f_parts_shown if shown else sym.f_parts_g))
    return {"+": f"{a} + {b}", "-": f"{a} - {b}", "*": rf"{a} \cdot {b}"}[sym.comp.op]


def grad_tex(sym: Symbolic, j: int) -> str:
    """LaTeX of the simplified df/dx_j: path by path (through g1 first) when no
    terms of the two paths combined, else in sympy's order."""
    terms = [factor_terms(p) for p in sym.paths[j]]
    if all(not t.is_Add for t in terms) and Counter(sympy.Add.make_args(sym.grad[j])) == Counter(terms):
        return _join_terms([tex(t) for t in terms])
    return tex(sym.grad[j])


def _check(function: Expr, wrt: Expr, derivative: Expr, point: Point | None = None) -> JSONDict:
    """The check block of answers.json: the function, the variable, the derivative, where."""
    return {"function": text(function), "wrt": [str(wrt)], "derivative": [text(to_machine(derivative))],
            "at": None if point is None else _point_dict(point)}


def _sym_answer(name: str, label: str, expr: Expr, chk: JSONDict) -> Answer:
    return Answer(name, label, tex(expr), text(to_machine(expr)), None, chk)


def _point_tex(at: AtPoint) -> str:
    return rf"(x_1, x_2) = ({at.point[0]}, {at.point[1]})"


def _parts(sol: Solution, wrong: list[Mistake], n: int) -> list[Part]:
    """Parts (a) and (b) with their prompts and answers."""
    sym, at = sol.sym, sol.at_point
    f_machine = to_machine(sym.f_x)
    f_g_machine = to_machine(sym.f_g)
    answers_a = []
    for i in range(2):
        answers_a.append(_sym_answer(f"df/dg{i + 1}", _dfdg(i), sym.df_dg[i], _check(f_g_machine, G[i], sym.df_dg[i])))
    for i in range(2):
        for j in range(2):
            answers_a.append(_sym_answer(f"dg{i + 1}/dx{j + 1}", _dgdx(i, j), sym.dg_dx[i][j],
                                        _check(sym.g_x[i], X[j], sym.dg_dx[i][j])))
    for j in range(2):
        answers_a.append(_sym_answer(f"df/dx{j + 1}", _dfdx(j), sym.grad[j], _check(f_machine, X[j], sym.grad[j])))

    answers_b = []
    for i in range(2):
        v = at.g[i]
        answers_b.append(Answer(f"g{i + 1}", _g_tex(i), _value_tex(v), text(to_machine(v)), _value_json(v), None))
    for j in range(2):
        v = at.grad[j]
        answers_b.append(Answer(f"df/dx{j + 1}", _dfdx(j), _value_tex(v), text(to_machine(v)), _value_json(v),
                                _check(f_machine, X[j], sym.grad[j], at.point)))

    point_tex = _point_tex(at)
    prompt_a = (r"Use the chain rule to find $\partial f/\partial x_1$ and $\partial f/\partial x_2$. "
                r"First give the intermediate partial derivatives $\partial f/\partial g_1$, $\partial f/\partial g_2$, "
                r"$\partial g_1/\partial x_1$, $\partial g_1/\partial x_2$, $\partial g_2/\partial x_1$ and "
                r"$\partial g_2/\partial x_2$; then combine them, and write both answers in terms of $x_1$ and $x_2$ only.")
    prompt_b = (rf"Evaluate $g_1$, $g_2$, $\partial f/\partial x_1$ and $\partial f/\partial x_2$ at ${point_tex}$. "
                r"Give exact values, and each derivative also as a decimal to four places.")
    parts = [Part(f"{n}a", prompt_a, answers_a, notes=_symbolic_notes(sym)),
             Part(f"{n}b", prompt_b, answers_b, notes=_value_notes(wrong))]
    _mark(sol, parts)
    return parts


def _mark(sol: Solution, parts: list[Part]) -> None:
    """Every answer of both parts is asked for: (a) the six intermediate partial
    derivatives (weight 1 each) and the two combined ones (4 each), as formulas;
    (b) g1, g2 (1 each) and the two values (3 each), which follow from the
    student's own formulas of (a) at the point."""
    pa, pb = parts
    for a in pa.answers:
        a.graded, a.kind = True, "expression"
        a.weight = 4 if a.name.startswith("df/dx") else 1
        a.variables = ["g1", "g2"] if a.name.startswith("df/dg") else ["x1", "x2"]
    for a in pb.answers:
        a.graded = True
        a.weight, a.tolerance = (3, dict(FOUR_PLACES)) if a.name.startswith("df/dx") else (1, dict(EXACT))
    pa.number_refs()
    pb.number_refs()
    for j in range(2):
        formula = pa.answer(f"df/dx{j + 1}")
        a = pb.answer(f"df/dx{j + 1}")
        a.depends_on, a.recompute = [formula.ref or ""], ref_symbol(formula.ref or "")


PARTS = (PartSpec("a", 14, "chain_rule_two_paths"), PartSpec("b", 8, "chain_rule_at_point"))  # 22 marks; docs/answers-json.md

MISTAKE_TEXT = {  # the family's catalogue of mistakes
    "path_through_g1_dropped": r"followed only the path through $g_2$ (left out $\partial f/\partial g_1 \cdot \partial g_1/\partial x_j$)",
    "path_through_g2_dropped": r"followed only the path through $g_1$ (left out $\partial f/\partial g_2 \cdot \partial g_2/\partial x_j$)",
    "inner_derivative_forgotten": r"forgot the inner derivatives: added $\partial f/\partial g_1 + \partial f/\partial g_2$",
    "other_variable": r"differentiated with respect to the other variable",
    "g_left_in": r"left $g_1, g_2$ in the answer instead of writing it in $x_1, x_2$",
}


def _symbolic_notes(sym: Symbolic) -> list[Note]:
    """Part (a): the one-path answers and the answer left in g, per derivative."""
    out = []
    for j in range(2):
        paths = [_product_tex(sym.df_dg_shown[i], sym.dg_dx[i][j]) for i in range(2)]
        in_g = _join_terms([_product_tex(sym.df_dg[i], sym.dg_dx[i][j]) for i in range(2)])
        out += distinct_notes(rf"\partial f/\partial x_{j + 1}", [(MISTAKE_TEXT["path_through_g2_dropped"], paths[0]),
                                         (MISTAKE_TEXT["path_through_g1_dropped"], paths[1]),
                                         (MISTAKE_TEXT["g_left_in"], in_g)])
    return out


MISTAKES = MISTAKE_TEXT


def _value_notes(wrong: list[Mistake]) -> list[Note]:
    """Part (b): the values the usual mistakes give at the point."""
    return [note for j in range(2) for note in distinct_notes(
        rf"\partial f/\partial x_{j + 1}", ((m.text, _approx(m.number)) for m in of_answer(wrong, "b", f"df/dx{j + 1}")))]


def _context(comp: Composition, sol: Solution) -> Context:
    """The worked solution the template prints."""
    sym, at = sol.sym, sol.at_point
    notes = []
    if "log" in comp.outer:
        notes.append(r"$\log$ is the natural logarithm")
    if "sigmoid" in comp.outer:
        notes.append(r"$\sigma(u) = 1/(1 + e^{-u})$ is the logistic sigmoid")
    derivs = []
    for j in range(2):
        in_x = [_product_tex(sym.df_dg_shown[i], sym.dg_dx[i][j]) for i in range(2)]
        one_line = sum(product_width(sym.df_dg_shown[i], sym.dg_dx[i][j]) for i in range(2)) + 3 <= LINE_WIDTH
        derivs.append(Derivation(
            j=j + 1,
            label=_dfdx(j),
            rule=" + ".join(rf"{_dfdg(i)}\,{_dgdx(i, j)}" for i in range(2)),
            in_g=_join_terms([_product_tex(sym.df_dg[i], sym.dg_dx[i][j]) for i in range(2)]),
            in_x=[_join_terms(in_x)] if one_line else [in_x[0], _join_terms(["", in_x[1]]).lstrip()],
            simplified=grad_tex(sym, j),
        ))
    values = [
        ValueAtPoint(
            label=_dfdx(j),
            factors=_join_terms([_product_tex(at.df_dg[i], at.dg_dx[i][j]) for i in range(2)]),
            value=_value_tex(at.grad[j]),
            approx=None if at.grad[j].is_Rational else _approx(_float(at.grad[j])),
        )
        for j in range(2)
    ]
    return Context(
        f_g=f_tex(sym),
        f_x=f_tex(sym, shown=True),
        g=[tex(g) for g in sym.g_x],
        notes=notes,
        df_dg=[tex(d) for d in sym.df_dg],
        dg_dx=[[tex(d) for d in row] for row in sym.dg_dx],
        labels=Labels([_dfdg(i) for i in range(2)], [[_dgdx(i, j) for j in range(2)] for i in range(2)]),
        derivs=derivs,
        point=list(at.point),
        point_tex=_point_tex(at),
        g_at=[_value_tex(v) for v in at.g],
        at_point=values,
    )


def present(comp: Composition, sol: Solution, wrong: list[Mistake], number: int) -> Question:
    return Question(
        id=f"q{number}", family=NAME, title="The chain rule through two intermediate functions",
        params=comp.to_params(sol.sym), parts=_parts(sol, wrong, number), template=TEMPLATE,
        context=_context(comp, sol), number=number,
        # per part (the class manifest reports each measure's spread): the structure of f sets 2a's work
        difficulty={f"{number}a:{k}": v for k, v in difficulty(sol.sym).items()},
    )
