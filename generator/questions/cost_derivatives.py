"""Question 3: derivatives of activation and cost functions of a weight vector.

Six parts, one per skill of the original (see :mod:`.cost_items`): a scalar
activation ``f(z)``; an activation of ``w^T x``; a robust regression cost; a
squared error with a penalty; a classification cost; a second activation of
``w^T x``. Each part asks for the derivative in simplified vector form and
then for its value at a numeric instance: ``w`` in R^2, a data set of ``m = 2``
or ``3`` points, and for the activation parts one input ``x`` (and bias ``b``).

Exact numbers are rationals, rational combinations of ``sigma(k)`` for
positive integers ``k``, or an activation's derivative at a small integer
(``1 - tanh^2(k)``, say); the key also prints them to four decimals and, where
short, in terms of ``e``.

The solver evaluates the vector-form answer exactly (:class:`cost_items.Lin`).
The verifier writes the cost out in components with the data substituted,
differentiates it with SymPy, and takes central finite differences; both must
match the solver's numbers, and the answer's formula in components must match
SymPy's derivative away from the instance too. Any disagreement aborts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import CodeType
from typing import Any, NoReturn, cast

import numpy as np
import sympy

from ..latex import num
from ..model import FOUR_PLACES, Answer, JSONDict, Mistake, Note, Part, Question, ref_symbol
from ..sampling import choice, redraw
from ..speed import cached
from ..symbolic import derivative
from . import cost_items as ci
from .cost_items import Expr, Lin, sstr
from .family import Disagreement, PartSpec, distinct_notes, lands_on_key, of_answer

NAME = "cost_derivatives"
TEMPLATE = "questions/cost_derivatives.tex.j2"
TITLE = "Derivatives of activation and cost functions"

# Sampling ranges: small integers, so that every score is a short sum.
W_VALUES = (-2, -1, 1, 2)
X_ACT_VALUES = (-2, -1, 1, 2, 3)
B_VALUES = (-2, -1, 1, 2)
X_DATA_RANGE = (-2, 3)
RESIDUALS = (-3, -2, -1, 1, 2, 3)
LAMBDAS = (1, 2, 3)
M_VALUES = (3,)  # every version has the same number of data points (difficulty parity)
MAX_ABS = 40  # every gradient entry stays within this


# --------------------------------------------------------------------------
# The items of one version and the numeric instance


@dataclass(frozen=True)
class Items:
    scalar: ci.ScalarItem
    act: ci.LinearActItem
    robust: ci.CostItem
    lsq: ci.CostItem
    cls: ci.CostItem
    act2: ci.LinearActItem

    def as_list(self) -> list[ci.Item]:
        return [self.scalar, self.act, self.robust, self.lsq, self.cls, self.act2]

    def keys(self) -> tuple[str, ...]:
        return tuple(it.key for it in self.as_list())


def items_of(chosen: Sequence[ci.Item]) -> Items:
    """The six items, one per skill in SKILL_ORDER, each of its skill's type."""
    scalar, act, robust, lsq, cls, act2 = chosen
    assert isinstance(scalar, ci.ScalarItem) and isinstance(act, ci.LinearActItem) and isinstance(act2, ci.LinearActItem)
    assert isinstance(robust, ci.CostItem) and isinstance(lsq, ci.CostItem) and isinstance(cls, ci.CostItem)
    return Items(scalar, act, robust, lsq, cls, act2)


ORIGINAL_ITEMS = items_of([ci.item(s, ci.ORIGINAL_KEYS[s]) for s in ci.SKILL_ORDER])


Pair = tuple[int, ...]  # a vector in R^2 with integer entries


@dataclass(frozen=True)
class Instance:
    w: Pair
    z0: int  # part 1: evaluate f'(z0)
    x_act: Pair  # part 2: x (and b)
    b_act: int
    x_act2: Pair  # part 6
    b_act2: int
    X: tuple[Pair, ...]  # parts 3-5: the m data points
    y: tuple[int, ...]  # regression targets (parts 3 and 4)
    labels: tuple[int, ...]  # class labels (part 5): 0/1
    lam: int


# A numeric instance for the original six functions (the original has none).
ORIGINAL_INSTANCE = Instance(
    w=(1, -1), z0=1, x_act=(2, 1), b_act=0, x_act2=(1, 3), b_act2=0,
    X=((1, 2), (2, 1), (3, 2)), y=(1, -1, 2), labels=(1, 0, 1), lam=2,
)


@dataclass(frozen=True)
class Params:
    """The parameters of one version: the six functions and the numeric instance."""

    items: Items
    inst: Instance


ORIGINAL = Params(ORIGINAL_ITEMS, ORIGINAL_INSTANCE)


def scores(w: Sequence[int], X: Sequence[Sequence[int]]) -> list[int]:
    return [sum(a * b for a, b in zip(w, x)) for x in X]


def residuals(inst: Instance) -> list[int]:
    return [z - y for z, y in zip(scores(inst.w, inst.X), inst.y)]


# --------------------------------------------------------------------------
# Rules, each returning True when it holds


def rule_distinct_activations(items: Items) -> bool:
    """Parts 1 and 6 use different activations (part 2 may build on part 1, as in the original),
    and so do parts 2 and 6."""
    return items.scalar.act.key != items.act2.act.key and items.act.act.key != items.act2.act.key


ITEM_RULES = {"distinct_activations": rule_distinct_activations}


def rule_activation_argument(w: Pair, x: Pair, b: int) -> bool:
    """u = w^T x + b is a small nonzero integer, so g'(u) has a short exact form."""
    return sum(a * c for a, c in zip(w, x)) + b in ci.ARG_VALUES


def rule_activation_inputs_nonzero(w: Pair, x: Pair, b: int) -> bool:
    """Both entries of x are nonzero, so both gradient entries are."""
    return all(v != 0 for v in x)


ACT_RULES = {
    "activation_argument": rule_activation_argument,
    "activation_inputs_nonzero": rule_activation_inputs_nonzero,
}


def rule_points_independent(items: Items, inst: Instance) -> bool:
    """The data points are distinct and span R^2."""
    X = inst.X
    distinct = len(set(X)) == len(X)
    spans = any(X[i][0] * X[j][1] - X[i][1] * X[j][0] != 0 for i in range(len(X)) for j in range(i + 1, len(X)))
    return distinct and spans


def rule_scores_small(items: Items, inst: Instance) -> bool:
    """Every score w^T x^(i) lies in [-2, 2], so sigma(z) needs only sigma(1), sigma(2)."""
    return all(abs(z) <= 2 for z in scores(inst.w, inst.X))


def rule_scores_vary(items: Items, inst: Instance) -> bool:
    return len(set(scores(inst.w, inst.X))) > 1


def rule_residuals_nonzero(items: Items, inst: Instance) -> bool:
    """No residual sits on the kink of |r| (the L1 cost is differentiable at w)."""
    return all(r != 0 for r in residuals(inst))


def rule_residuals_small(items: Items, inst: Instance) -> bool:
    return all(abs(r) <= max(RESIDUALS) for r in residuals(inst))


def rule_residual_signs_mixed(items: Items, inst: Instance) -> bool:
    """Some residual is positive and some negative, so the signs matter."""
    rs = residuals(inst)
    return any(r > 0 for r in rs) and any(r < 0 for r in rs)


def rule_labels_valid(items: Items, inst: Instance) -> bool:
    return all(v in (0, 1) for v in inst.labels) and len(inst.labels) == len(inst.X)


def rule_labels_mixed(items: Items, inst: Instance) -> bool:
    return len(set(inst.labels)) == 2


DATA_RULES = {
    "points_independent": rule_points_independent,
    "scores_small": rule_scores_small,
    "scores_vary": rule_scores_vary,
    "residuals_nonzero": rule_residuals_nonzero,
    "residuals_small": rule_residuals_small,
    "residual_signs_mixed": rule_residual_signs_mixed,
    "labels_valid": rule_labels_valid,
    "labels_mixed": rule_labels_mixed,
}


def part_difficulty(items: Items, inst: Instance) -> dict[str, int]:
    """Each part's difficulty measures, keyed ".<part>:<measure>": inner chain-rule
    factors, product or quotient rules beyond the standard derivation, data points,
    penalty terms."""
    out: dict[str, int] = {
        ".1:chain_factors": int(items.scalar.a != 1),
        ".1:product_rules": items.scalar.act.product_rules,
        ".2:product_rules": items.act.act.product_rules,
        ".6:product_rules": items.act2.act.product_rules,
        ".6:quotient_rules": items.act2.act.quotient_rules,
        ".6:chain_rules": items.act2.act.chain_rules,
        ".6:kinks": items.act2.act.kinks,
    }
    for k, it in ((3, items.robust), (4, items.lsq), (5, items.cls)):
        out[f".{k}:points"] = len(inst.X)
        out[f".{k}:penalty_terms"] = int(it.penalty is not None)
    return out


# The band of every measure: the same for every version.
DIFFICULTY_BANDS = {
    ".1:chain_factors": (0, 0), ".1:product_rules": (0, 0), ".2:product_rules": (0, 0), ".6:product_rules": (0, 0),
    ".6:quotient_rules": (1, 1), ".6:chain_rules": (0, 0), ".6:kinks": (0, 0),
    ".3:points": (3, 3), ".4:points": (3, 3), ".5:points": (3, 3),
    ".3:penalty_terms": (0, 0), ".4:penalty_terms": (1, 1), ".5:penalty_terms": (0, 0),
}


def rule_difficulty_band(items: Items, inst: Instance) -> bool:
    """Every part's difficulty measures lie in their bands (DIFFICULTY_BANDS)."""
    return all(DIFFICULTY_BANDS[k][0] <= v <= DIFFICULTY_BANDS[k][1] for k, v in part_difficulty(items, inst).items())


def rule_weights_nonzero(items: Items, inst: Instance) -> bool:
    """No weight is 0, so every entry of w, and of 2 lambda w, counts."""
    return all(v != 0 for v in inst.w)


def rule_scalar_point(items: Items, inst: Instance) -> bool:
    """Part 1 is evaluated where a z0 + c is a small nonzero integer."""
    return inst.z0 in items.scalar.points()


def rule_gradients_nonzero(items: Items, inst: Instance) -> bool:
    """No data part has the zero vector as its answer."""
    return all(any(not v.is_zero() for v in grad) for grad in data_gradients(items, inst))


def rule_hand_sized(items: Items, inst: Instance) -> bool:
    return all(abs(float(v)) <= MAX_ABS for grad in data_gradients(items, inst) for v in grad)


def rule_mistakes_differ(items: Items, inst: Instance) -> bool:
    """No common mistake lands on the right numeric answer (the pipeline's rule, :func:`.family.same_value`)."""
    return not lands_on_key(numeric_values(items, inst), common_mistakes(items, inst))


VERSION_RULES = {
    "difficulty_band": rule_difficulty_band,
    "weights_nonzero": rule_weights_nonzero,
    "scalar_point": rule_scalar_point,
    "gradients_nonzero": rule_gradients_nonzero,
    "hand_sized": rule_hand_sized,
    "mistakes_differ": rule_mistakes_differ,
}


def broken_rules(params: Params, sol: Solution | None = None) -> list[str]:
    """Names of the rules ``params`` breaks (the solution is not needed)."""
    return _broken(params.items, params.inst)


def _broken(items: Items, inst: Instance) -> list[str]:
    """Every rule of a version (the activation rules for both activation parts)."""
    broken = [name for name, rule in ITEM_RULES.items() if not rule(items)]
    for tag, (x, b) in (("part 2", (inst.x_act, inst.b_act)), ("part 6", (inst.x_act2, inst.b_act2))):
        broken += [f"{name} ({tag})" for name, rule in ACT_RULES.items() if not rule(inst.w, x, b)]
    broken += [name for name, rule in DATA_RULES.items() if not rule(items, inst)]
    broken += [name for name in ("difficulty_band", "weights_nonzero", "scalar_point") if not VERSION_RULES[name](items, inst)]
    if broken:  # the remaining rules compute the answers, which need the rules above
        return broken
    return [name for name, rule in VERSION_RULES.items() if not rule(items, inst)]


# --------------------------------------------------------------------------
# Sampler


def draw_items(rng: np.random.Generator) -> Items:
    return items_of([choice(rng, ci.SKILLS[s]) for s in ci.SKILL_ORDER])


@cached(maxsize=None)
def act_pool(w: Pair, b: int) -> tuple[Pair, ...]:
    """Inputs x with entries from X_ACT_VALUES at which w^T x + b is in ARG_VALUES."""
    return tuple((a, c) for a in X_ACT_VALUES for c in X_ACT_VALUES if w[0] * a + w[1] * c + b in ci.ARG_VALUES)


@cached(maxsize=None)
def data_pool(w: Pair) -> tuple[Pair, ...]:
    """Nonzero data points in the sampling range with a score w^T x in [-2, 2]."""
    lo, hi = X_DATA_RANGE
    return tuple((a, c) for a in range(lo, hi + 1) for c in range(lo, hi + 1)
                 if (a, c) != (0, 0) and abs(w[0] * a + w[1] * c) <= 2)


def _draw_act(rng: np.random.Generator, w: Pair, item: ci.LinearActItem) -> tuple[Pair, int]:
    def draw(r: np.random.Generator) -> tuple[Pair, int]:
        b = choice(r, B_VALUES) if item.bias else 0
        pool = act_pool(tuple(w), b)
        x = choice(r, pool) if pool else tuple(choice(r, X_ACT_VALUES) for _ in range(2))
        return x, b

    def rules(xb: tuple[Pair, int]) -> list[str]:
        return [name for name, rule in ACT_RULES.items() if not rule(w, *xb)]

    return redraw(draw, rules, rng, f"activation input for {item.key}")


def _draw_data(rng: np.random.Generator, items: Items, w: Pair) -> tuple[tuple[Pair, ...], Pair, Pair]:
    def draw(r: np.random.Generator) -> Instance:
        m = choice(r, M_VALUES)
        pool = data_pool(tuple(w))
        X = tuple(choice(r, pool) for _ in range(m))
        y = tuple(z - choice(r, RESIDUALS) for z in scores(w, X))
        labels = tuple(choice(r, (0, 1)) for _ in range(m))
        r.integers(2)  # a draw no part uses any more (a Huber threshold), kept so that every seed keeps its version
        return Instance(w, 0, (1, 1), 0, (1, 1), 0, X, y, labels, 1)

    def rules(inst: Instance) -> list[str]:
        return [name for name, rule in DATA_RULES.items() if not rule(items, inst)]

    inst = redraw(draw, rules, rng, "data set")
    return inst.X, inst.y, inst.labels


def draw_instance(rng: np.random.Generator, items: Items) -> Instance:
    w = tuple(choice(rng, W_VALUES) for _ in range(2))
    z0 = choice(rng, items.scalar.points())
    x_act, b_act = _draw_act(rng, w, items.act)
    x_act2, b_act2 = _draw_act(rng, w, items.act2)
    X, y, labels = _draw_data(rng, items, w)
    lam = choice(rng, LAMBDAS)
    return Instance(w, z0, x_act, b_act, x_act2, b_act2, X, y, labels, lam)


def sample(rng: np.random.Generator) -> Params:
    items = redraw(draw_items, lambda its: [n for n, r in ITEM_RULES.items() if not r(its)], rng, "question 3 items")

    def draw(r: np.random.Generator) -> Params:
        return Params(items, draw_instance(r, items))

    return redraw(draw, broken_rules, rng, "question 3 numeric instance")


# --------------------------------------------------------------------------
# Solver: the answers' vector forms evaluated exactly at the instance


def data_gradients(items: Items, inst: Instance) -> list[list[Lin]]:
    """Exact gradients of parts 3, 4, 5."""
    try:
        grads = _data_gradients(items, inst)
    except TypeError:  # an instance holding lists cannot be a cache key
        grads = _data_gradients.__wrapped__(items, inst)  # type: ignore[attr-defined]  # lru_cache's
    return [list(grad) for grad in grads]


@cached(maxsize=256)
def _data_gradients(items: Items, inst: Instance) -> tuple[tuple[Lin, ...], ...]:
    """data_gradients, computed once per version (the rules, the solver and
    the common mistakes all ask for them)."""
    out = []
    for it in (items.robust, items.lsq, items.cls):
        Y = inst.y if it.regression else inst.labels
        out.append(tuple(it.grad_exact(inst.w, inst.X, Y, inst.lam)))
    return tuple(out)


def act_point(item: ci.LinearActItem, w: Pair, x: Pair, b: int) -> int:
    return sum(a * c for a, c in zip(w, x)) + (b if item.bias else 0)


def numeric_values(items: Items, inst: Instance) -> dict[int, np.ndarray]:
    """Floating-point answers by part index (1..6), from the exact solver."""
    u2 = act_point(items.act, inst.w, inst.x_act, inst.b_act)
    u6 = act_point(items.act2, inst.w, inst.x_act2, inst.b_act2)
    out = {
        1: np.array([items.scalar.dfloat(inst.z0)]),
        2: items.act.act.dg_float(u2) * np.array(inst.x_act, dtype=float),
        6: items.act2.act.dg_float(u6) * np.array(inst.x_act2, dtype=float),
    }
    for k, grad in zip((3, 4, 5), data_gradients(items, inst)):
        out[k] = np.array([float(v) for v in grad])
    return out


# --------------------------------------------------------------------------
# One part's computable forms: function and derivative in components, value


@dataclass
class PartSolution:
    index: int  # 1..6
    item: ci.Item
    function: sympy.Expr  # in components, data substituted
    wrt: tuple[sympy.Symbol, ...]
    derivative: list[sympy.Expr]  # the answer's formula in components
    at: dict[sympy.Symbol, int]
    exact: list[sympy.Expr]  # exact numeric answer, component by component
    value: list[float]
    work: dict[str, Any] = field(default_factory=dict)  # numbers for the worked solution
    function_str: str = ""  # the check strings of answers.json
    derivative_str: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.function_str = sstr(self.function)
        self.derivative_str = [sstr(d) for d in self.derivative]


Z = sympy.Symbol("z", real=True)


def _act_solution(k: int, item: ci.LinearActItem, inst: Instance, x: Pair, b: int) -> PartSolution:
    w = ci.symbols(2)
    b = b if item.bias else 0
    u0 = act_point(item, inst.w, x, b)
    coef_tex, coef_exact = item.act.at(u0)
    return PartSolution(
        k, item,
        function=item.sym(w, x, b),
        wrt=w,
        derivative=item.dsym(w, x, b),
        at=dict(zip(w, inst.w)),
        exact=[coef_exact * xk for xk in x],
        value=[item.act.dg_float(u0) * xk for xk in x],
        work={"u": u0, "coef_tex": coef_tex, "coef_exact": coef_exact, "x": x, "b": b},
    )


@dataclass
class Solution:
    parts: list[PartSolution]  # parts 1..6 in order


def solve(params: Params) -> Solution:
    items, inst = params.items, params.inst
    w = ci.symbols(2)
    sc = items.scalar
    u1 = int(sc.a * inst.z0 + sc.c)
    coef_tex, coef_exact = sc.act.at(u1)
    parts = [PartSolution(
        1, sc, function=sc.sym(Z), wrt=(Z,), derivative=[sc.dsym(Z)], at={Z: inst.z0},
        exact=[ci._rat(sc.a) * coef_exact], value=[sc.dfloat(inst.z0)],
        work={"u": u1, "coef_tex": coef_tex, "coef_exact": coef_exact},
    )]
    parts.append(_act_solution(2, items.act, inst, inst.x_act, inst.b_act))
    for k, it, grad in zip((3, 4, 5), (items.robust, items.lsq, items.cls), data_gradients(items, inst)):
        Y = inst.y if it.regression else inst.labels
        lam = sympy.Integer(inst.lam)
        zs = scores(inst.w, inst.X)
        parts.append(PartSolution(
            k, it,
            function=it.cost_sym(w, inst.X, Y, lam),
            wrt=w,
            derivative=it.grad_sym(w, inst.X, Y, lam),
            at=dict(zip(w, inst.w)),
            exact=[v.sym() for v in grad],
            value=[float(v) for v in grad],
            work={"z": zs, "Y": Y, "coefs": [it.coef_exact(z, y) for z, y in zip(zs, Y)], "grad": grad},
        ))
    parts.append(_act_solution(6, items.act2, inst, inst.x_act2, inst.b_act2))
    return Solution(parts)


# --------------------------------------------------------------------------
# Verifier: SymPy's derivative of the written-out cost, and finite differences


GENERIC_OFFSETS = ((0.3141, -0.2718), (-0.1732, 0.4142))
FD_STEP = 1e-5


# The functions a check string may use, for evaluating it in floating point.
CHECK_NAMESPACE = {
    "__builtins__": {},
    "exp": math.exp, "log": math.log, "tanh": math.tanh,
    "Abs": abs, "sign": lambda v: float((v > 0) - (v < 0)),
}


@cached(maxsize=4096)
def _compiled(text: str) -> CodeType:
    return compile(text, "<check>", "eval")


def check_function(text: str) -> Callable[[dict[str, float]], float]:
    """A check string (function or derivative of answers.json) as a Python function of a point dict."""
    code = _compiled(text)
    return lambda point: float(eval(code, CHECK_NAMESPACE, dict(point)))  # noqa: S307 - our own SymPy output


@cached(maxsize=4096)
def _value_30(exact: sympy.Expr) -> float:
    """An exact number evaluated to 30 digits, as a float (values recur across versions)."""
    return float(sympy.N(exact, 30))


def verify(params: Params, sol: Solution) -> None:
    """Second routes for every part, evaluated from the very strings answers.json publishes:
    SymPy's derivative of the written-out function, central finite differences of it, and
    the answer's formula in components, at the instance and at two other points."""

    def fail(p: PartSolution, what: str, a: object, b: object) -> NoReturn:
        raise Disagreement(f".{p.index}", what, a, b)

    for p in sol.parts:
        names = [str(s) for s in p.wrt]
        sym_grad = [derivative(p.function, s) for s in p.wrt]
        F = check_function(p.function_str)
        D = [check_function(d) for d in p.derivative_str]
        G = [check_function(sstr(g)) for g in sym_grad]
        at = {n: float(p.at[s]) for n, s in zip(names, p.wrt)}
        for k, name in enumerate(names):
            what = f"d/d{name}"
            exact_val = _value_30(p.exact[k])
            if not math.isclose(exact_val, p.value[k], rel_tol=1e-12, abs_tol=1e-12):
                fail(p, f"{what} exact form", p.value[k], exact_val)
            formula = D[k](at)
            if not math.isclose(formula, p.value[k], rel_tol=1e-10, abs_tol=1e-10):
                fail(p, f"{what} vector form in components", p.value[k], formula)
            via_sympy = G[k](at)
            if not math.isclose(via_sympy, p.value[k], rel_tol=1e-10, abs_tol=1e-10):
                fail(p, f"{what} by SymPy", p.value[k], via_sympy)
            plus, minus = dict(at), dict(at)
            plus[name] += FD_STEP
            minus[name] -= FD_STEP
            fd = (F(plus) - F(minus)) / (2 * FD_STEP)
            if not math.isclose(fd, p.value[k], rel_tol=1e-6, abs_tol=1e-6):
                fail(p, f"{what} by central differences", p.value[k], fd)
            for offset in GENERIC_OFFSETS:
                other = {n: at[n] + offset[j] for j, n in enumerate(names)}
                a, b = D[k](other), G[k](other)
                if not math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-10):
                    fail(p, f"{what} formula away from the instance", a, b)
        if p.index in (3, 4, 5):
            # exact agreement with SymPy at the integer instance
            ints = {s: sympy.Integer(c) for s, c in p.at.items()}
            for k, name in enumerate(names):
                gap = sympy.N(sym_grad[k].xreplace(ints) - p.exact[k], 40)
                if abs(float(gap)) > 1e-25:
                    fail(p, f"d/d{name} exactly", p.exact[k], sym_grad[k].xreplace(ints))


# --------------------------------------------------------------------------
# Common mistakes: the wrong numeric answers a student is likely to give


def mistakes(params: Params, sol: Solution) -> list[Mistake]:
    """The usual wrong values of each part's numeric answer, most likely first."""
    items = params.items.as_list()
    out = []
    for k, wrongs in common_mistakes(params.items, params.inst).items():
        it = items[k - 1]
        scalar = isinstance(it, ci.ScalarItem)
        for name, vec in wrongs.items():
            value: float | tuple[float, ...] = float(vec[0]) if scalar else tuple(float(c) for c in vec)
            out.append(Mistake(f".{k}", "derivative_at" if scalar else "grad_at", name, mistake_text(name, it), value))
    return out


def common_mistakes(items: Items, inst: Instance) -> dict[int, dict[str, np.ndarray]]:
    """For each part (1..6), the wrong numeric answers by mistake name, most likely first;
    only mistakes the part's function can produce."""
    w = np.array(inst.w, dtype=float)
    sc = items.scalar
    u1 = float(sc.a * inst.z0 + sc.c)
    out: dict[int, dict[str, np.ndarray]] = {1: {}}
    if sc.act.slip is not None:
        out[1]["derivation_slip"] = np.array([float(sc.a) * sc.act.slip[1](u1)])
    out[1]["activation_for_derivative"] = np.array([float(sc.act.g_sym(sympy.Integer(int(u1))))])
    if sc.c:
        out[1]["shift_dropped"] = np.array([sc.act.dg_float(float(inst.z0))])
    for k, act, x, b in ((2, items.act, inst.x_act, inst.b_act), (6, items.act2, inst.x_act2, inst.b_act2)):
        u = act_point(act, inst.w, x, b)
        xv = np.array(x, dtype=float)
        out[k] = {"activation_for_derivative": float(act.act.g_sym(sympy.Integer(u))) * xv}
        if act.act.slip is not None:
            out[k]["derivation_slip"] = act.act.slip[1](float(u)) * xv
    Z = scores(inst.w, inst.X)
    for k, it in ((3, items.robust), (4, items.lsq), (5, items.cls)):
        Y = inst.y if it.regression else inst.labels
        m = len(inst.X)
        F = float(it.factor.value(m))
        M = float(it.grad_multiplier) * F
        coefs = [float(it.coef_exact(z, y)) for z, y in zip(Z, Y)]
        data = cast(np.ndarray, sum(c * np.array(x, dtype=float) for c, x in zip(coefs, inst.X)))  # m >= 2 points
        pen = np.array([float(v) for v in it.penalty.exact(Fraction(inst.lam), inst.w)]) if it.penalty else np.zeros(2)
        wrong: dict[str, np.ndarray] = {}
        if it.penalty is not None:
            wrong.update(it.penalty.mistakes(M * data, inst.lam, w))
        wrong["sign_flipped"] = -M * data + pen
        for name, value in it.loss.mistakes(M, data, inst.X, Y, Z).items():
            wrong[name] = value + pen
        if F != 1:
            wrong["factor_dropped"] = float(it.grad_multiplier) * data + pen
        out[k] = wrong
    return out


# --------------------------------------------------------------------------
# Presentation


@dataclass(frozen=True)
class NumericWork:
    """A part's numeric instance: what is asked, and the key's working."""

    ask: str
    lines: list[str]  # align lines ending in the boxed value
    score_rows: list[str] = field(default_factory=list)  # per data point (data parts only)


@dataclass(frozen=True)
class PartTex:
    """One part as templates/questions/cost_derivatives.tex.j2 prints it."""

    id: str
    skill: str
    item: str
    function: str
    ask: str
    steps: list[ci.Steps]
    answer: str
    note: str | None
    numeric_ask: str
    numeric_lines: list[str]
    score_rows: list[str]
    space: str  # answer space in the handout
    answer_lead: str
    marking: str


@dataclass(frozen=True)
class DataRow:
    i: int
    x: str
    y: str
    label: str


@dataclass(frozen=True)
class DataSet:
    """The data set as the introduction prints it for the parts asked: the
    parts that use it and a column of targets for each kind of part asked."""

    parts: str  # "parts 3.3–3.5", "part 3.5"
    regression: str | None  # "3.3, 3.4": the parts whose targets a column holds; None: no such part asked
    classification: str | None  # "3.5", or None
    rows: list[DataRow]

    @property
    def columns(self) -> int:
        return 2 + (self.regression is not None) + (self.classification is not None)


def part_list(ids: Sequence[str], among: Sequence[str]) -> str:
    """Part ids as a list: a run of three or more neighbours in ``among`` (the
    family's order) as a range, "3.3–3.5", the others one by one, "3.3, 3.5"."""
    runs: list[list[str]] = []
    for pid in ids:
        if runs and among.index(pid) == among.index(runs[-1][-1]) + 1:
            runs[-1].append(pid)
        else:
            runs.append([pid])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) >= 3 else ", ".join(r) for r in runs)


@dataclass(frozen=True)
class Context:
    """What templates/questions/cost_derivatives.tex.j2 reads (as ``c``)."""

    parts: list[PartTex]
    w: str
    m: int
    table: list[DataRow]
    label_set: str
    regression_parts: tuple[str, ...]  # the parts whose data set has regression targets (3.3, 3.4)
    classification_parts: tuple[str, ...]  # those with class labels (3.5)

    def data_for(self, asked: Sequence[str]) -> DataSet | None:
        """The data set as printed when the parts ``asked`` are (a configuration
        may leave some out): it names only those, and None when none uses it."""
        order = [p.id for p in self.parts]
        regression = [p for p in self.regression_parts if p in asked]
        classification = [p for p in self.classification_parts if p in asked]
        users = [p for p in order if p in regression + classification]
        if not users:
            return None
        return DataSet(("parts " if len(users) > 1 else "part ") + part_list(users, order),
                       part_list(regression, order) if regression else None,
                       part_list(classification, order) if classification else None, self.table)


def _vec(entries: Sequence[str]) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(entries) + r"\end{pmatrix}"


def _row(v: Sequence[int]) -> str:
    return "(" + ", ".join(num(a) for a in v) + r")^\top"


def _dec(v: float) -> str:
    s = f"{v:.4f}"
    return "0.0000" if s == "-0.0000" else s


def _dot_tex(w: Sequence[int], x: Sequence[int], b: int = 0) -> str:
    """'1 \\cdot 2 + (-1) \\cdot 1 + 1'."""
    out = " + ".join(rf"{num(a, paren=True)} \cdot {num(c, paren=True)}" for a, c in zip(w, x))
    if b:
        out += f" + {num(b)}" if b > 0 else f" - {num(-b)}"
    return out


def _frac_tex(value: int | Fraction) -> str:
    """An exact number as an integer or a fraction (never a decimal), for factors."""
    q = Fraction(value)
    if q.denominator == 1:
        return str(q.numerator)
    return ("-" if q < 0 else "") + rf"\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _linear_combination(terms: Sequence[tuple[Lin, Sequence[int]]]) -> str:
    """'-(x1) + sigma(1) (x2) + (1 - sigma(2)) (x3)': coefficients before column vectors."""
    out = []
    for c, x in terms:
        if len(c.terms) == 1:
            (atom, q), = c.terms.items()
            sign = "-" if q < 0 else "+"
            body = Lin({atom: -q}) if q < 0 else c
            coef = "" if body.tex() == "1" else body.tex() + r"\,"
        else:
            sign, coef = "+", rf"\bigl({c.tex()}\bigr)\,"
        out.append((sign, coef + ci.column(x)))
    if not out:
        return "0"
    text = ("-" if out[0][0] == "-" else "") + out[0][1]
    for sign, rest in out[1:]:
        text += f" {sign} {rest}"
    return text


def _short(v: float) -> str:
    """A float as printed in marking notes: a short fraction when it is one, else four decimals."""
    q = Fraction(v).limit_denominator(12)
    if abs(float(q) - v) < 1e-12:
        return num(q)
    return _dec(v)


@cached(maxsize=4096)
def _e_form(expr: Expr) -> str:
    return str(sympy.latex(expr))


def _short_e_form(tex: str) -> bool:
    """Print the value in terms of e too when that is a short single fraction."""
    return "sigma" not in tex and "e^{-" not in tex and len(tex) < 60


def _scalar_value_tex(coef_tex: str, coef_exact: Expr, rational: bool) -> str:
    """g'(u0) as printed: the sigma form, the e form when it is short, four decimals."""
    if rational:
        return num(Fraction(int(coef_exact.p), int(coef_exact.q)))
    out = coef_tex
    e = _e_form(coef_exact)
    if _short_e_form(e):
        out += " = " + e
    return out


def _act_context(p: PartSolution, item: ci.LinearActItem, inst: Instance) -> NumericWork:
    u = p.work["u"]
    rational = p.work["coef_exact"].is_Rational
    coef_value = _scalar_value_tex(p.work["coef_tex"], p.work["coef_exact"], rational)
    lines = [
        rf"u &= w^\top x{' + b' if item.bias else ''} = {_dot_tex(inst.w, p.work['x'], p.work['b'])} = {num(u)}",
        rf"g'({u}) &= {coef_value}" + ("" if rational else rf" \approx {_dec(float(p.work['coef_exact']))}"),
    ]
    value_vec = _vec([num(Fraction(int(e.p), int(e.q))) for e in p.exact]) if rational else None
    if rational:
        coef = num(Fraction(int(p.work['coef_exact'].p), int(p.work['coef_exact'].q)))
        final = rf"\nabla_w f &= {coef}\,{ci.column(p.work['x'])} = \boxed{{{value_vec}}}"
        approx = None
    else:
        final = rf"\nabla_w f &= g'({u})\, x = \boxed{{{ci.as_factor(p.work['coef_tex'])}\,{ci.column(p.work['x'])}}}"
        approx = rf"&\approx {_vec([_dec(v) for v in p.value])}"
    lines.append(final)
    if approx:
        lines.append(approx)
    ask_b = rf", $b = {num(p.work['b'])}$" if item.bias else ""
    return NumericWork(rf"Evaluate $\nabla_w f$ at $w = {_row(inst.w)}$ with $x = {_row(p.work['x'])}${ask_b}.", lines)


def _scalar_context(p: PartSolution, sc: ci.ScalarItem, inst: Instance) -> NumericWork:
    u = p.work["u"]
    rational = p.work["coef_exact"].is_Rational
    value = p.exact[0]
    lines = []
    if not sc.plain:
        lines.append(rf"u &= {sc.inner} = {sc.inner_at(inst.z0)} = {num(u)}")
    factor = "" if sc.a == 1 else _frac_tex(sc.a) + r" \cdot "
    coef = ci.as_factor(p.work["coef_tex"]) if factor else p.work["coef_tex"]
    head = rf"f'({num(inst.z0)}) &= {factor}{coef}"
    if rational:
        lines.append(rf"{head} = \boxed{{{num(Fraction(int(value.p), int(value.q)))}}}")
    else:
        e = _e_form(value)
        if not _short_e_form(e):
            lines.append(rf"f'({num(inst.z0)}) &= \boxed{{{factor}{coef}}} \approx {_dec(p.value[0])}")
        else:
            lines.append(rf"{head} = \boxed{{{e}}} \approx {_dec(p.value[0])}")
    return NumericWork(rf"Evaluate $f'(z)$ at $z = {num(inst.z0)}$.", lines)


def _data_context(p: PartSolution, it: ci.CostItem, inst: Instance) -> NumericWork:
    w, X = inst.w, inst.X
    m = len(X)
    Y = p.work["Y"]
    rows = []
    for i, (x, z, y, c) in enumerate(zip(X, p.work["z"], Y, p.work["coefs"]), start=1):
        cells = [(rf"z^{{({i})}}", rf"{_dot_tex(w, x)} = {num(z)}")]
        if it.regression:
            cells.append((rf"r^{{({i})}}", rf"{num(z)} - {num(y, paren=True)} = {num(z - y)}"))
        subst = it.loss.coef_subst(z, y)
        value = c.tex()
        if not it.loss.coef_is_residual:
            cells.append((it.loss.coef_name_tex.replace("(i)", f"({i})"), value if subst == value else f"{subst} = {value}"))
        rows.append(r" &\qquad ".join(f"{lhs} &= {rhs}" for lhs, rhs in cells))
    M = it.grad_multiplier * it.factor.value(m)
    terms = [(c, x) for c, x in zip(p.work["coefs"], X) if not c.is_zero()]
    inner = _linear_combination(terms)
    total = inner if M == 1 else rf"{_frac_tex(M)}\Bigl[{inner}\Bigr]"
    if it.penalty:
        total += it.penalty.total_tex(inst.lam, w)
    grad = p.work["grad"]
    result = _vec([v.tex() for v in grad])
    lines = [r"\nabla_w J(w) &= " + total, rf"&= \boxed{{{result}}}"]
    if not all(v.is_rational() and 100 % v.rational().denominator == 0 for v in grad):
        lines.append(rf"&\approx {_vec([_dec(v) for v in p.value])}")
    given = []
    if it.uses_lambda():
        given.append(rf"$\lambda = {inst.lam}$")
    col = "regression" if it.regression else "classification"
    ask = rf"Evaluate $\nabla_w J$ at $w = {_row(w)}$ on the data set above (targets from the {col} column)"
    ask += (", with " + " and ".join(given) + ".") if given else "."
    return NumericWork(ask, lines, rows)


def mistake_text(name: str, it: ci.Item) -> str:
    """What the student did, in the student's terms, for a mistake of ``common_mistakes``."""
    if name == "derivation_slip":
        assert not isinstance(it, ci.CostItem) and it.act.slip is not None
        return it.act.slip[0]
    if name == "activation_for_derivative":
        return r"wrote $f(z)$ itself instead of $f'(z)$" if isinstance(it, ci.ScalarItem) else r"wrote $g(u)\,x$ instead of $g'(u)\,x$"
    if name == "shift_dropped":
        assert isinstance(it, ci.ScalarItem)
        return rf"evaluated the derivative at $z$ instead of at ${it.inner}$"
    assert isinstance(it, ci.CostItem)
    if name == "sign_flipped":
        if it.regression:
            return r"used $y^{(i)} - w^\top x^{(i)}$ instead of $w^\top x^{(i)} - y^{(i)}$"
        if it.loss.negated:
            return r"lost the minus sign in front of the sum: $y^{(i)} - \sigma$ instead of $\sigma - y^{(i)}$"
        return r"wrote $\sigma(w^\top x^{(i)}) - y^{(i)}$ instead of $y^{(i)} - \sigma(w^\top x^{(i)})$"
    return {
        "residual_for_sign": r"differentiated $|r|$ as if it were $r^2/2$: $r^{(i)}$ instead of $\operatorname{sign}(r^{(i)})$",
        "factor_2_dropped": r"forgot the $2$ from differentiating the square",
        "factor_dropped": rf"dropped the factor ${it.factor.tex}$ in front of the sum",
        "penalty_as_scalar_sum": (r"wrote the penalty's gradient as the scalar $2\lambda\sum_j w_j$ added to every entry, "
                                  r"not the vector $2\lambda w$"),
        "penalty_factor_2_dropped": r"wrote $\lambda w$ instead of $2\lambda w$ for the penalty",
        "log_derivative_forgotten": r"differentiated $\log\sigma(z)$ as $\sigma'(z)$, forgetting the $1/\sigma$ of the logarithm",
    }[name]


def _vector_tex(vec: np.ndarray) -> str:
    return "(" + ", ".join(_short(v) for v in vec) + ")" if len(vec) > 1 else _short(vec[0])


def _notes(p: PartSolution, wrongs: list[Mistake], z0: int) -> list[Note]:
    """The grading notes of one part, one per distinct wrong value."""
    it = p.item
    head = rf"f'({num(z0)})" if isinstance(it, ci.ScalarItem) else (r"\nabla_w f" if isinstance(it, ci.LinearActItem) else r"\nabla_w J")
    return distinct_notes(head, ((m.text, _vector_tex(np.atleast_1d(np.array(m.value, dtype=float)))) for m in wrongs))


MARKING = "the simplified derivative, then the value (exact, or four decimals)."

PARTS = tuple(PartSpec(f".{k + 1}", 6, skill) for k, skill in enumerate(ci.SKILL_ORDER))  # 36 marks

MISTAKES = {  # the family's catalogue of mistakes (each part's text names it in that part's terms: mistake_text)
    "derivation_slip": "a slip in the activation's derivative",
    "activation_for_derivative": "wrote the activation itself instead of its derivative",
    "shift_dropped": "evaluated the derivative at z instead of at the shifted argument",
    "sign_flipped": "the residual or the error taken with the wrong sign",
    "residual_for_sign": "differentiated |r| as if it were r^2/2",
    "factor_2_dropped": "forgot the 2 from differentiating the square",
    "factor_dropped": "dropped the averaging factor in front of the sum",
    "penalty_as_scalar_sum": "wrote the penalty's gradient as a scalar added to every entry",
    "penalty_factor_2_dropped": "wrote lambda w instead of 2 lambda w for the penalty",
    "log_derivative_forgotten": "differentiated log sigma(z) as sigma'(z)",
}


SLIPS = {  # the mistakes made with a correct method (they keep the method's share), and their scope
    "sign_flipped": "part",  # in the formula and its value alike: costs once in the part
    "factor_2_dropped": "part",
    "derivation_slip": "answer",
    "penalty_factor_2_dropped": "part",
}


def _answers_names(p: PartSolution) -> tuple[str, str]:
    """The names of a part's two answers: the formula and its value."""
    return ("derivative", "derivative_at") if isinstance(p.item, ci.ScalarItem) else ("grad", "grad_at")


def _ask_tex(item: ci.Item) -> str:
    if isinstance(item, ci.ScalarItem):
        return r"Find $f'(z)$ and write it in terms of $f(z)$ itself."
    if isinstance(item, ci.LinearActItem):
        return r"Find the gradient $\nabla_w f(w)$ in vector form and simplify it."
    return r"Find the gradient $\nabla_w J(w)$ in vector form (a sum of vectors $x^{(i)}$) and simplify it."


def _answers(p: PartSolution) -> list[Answer]:
    s_names = [str(s) for s in p.wrt]
    check = {"function": p.function_str, "wrt": s_names, "derivative": list(p.derivative_str)}
    if isinstance(p.item, ci.ScalarItem):
        sym_label, num_label = "f'(z)", rf"f'({num(p.at[Z])})"
        names = _answers_names(p)
        formula_tex = p.item.answer_tex()[len("f'(z) = "):]
        num_tex = p.work["coef_tex"] if p.item.a == 1 else _frac_tex(p.item.a) + r" \cdot " + ci.as_factor(p.work["coef_tex"])
        exact_str = sstr(p.exact[0])
        value: float | list[float] = p.value[0]
    else:
        head = r"\nabla_w f(w)" if isinstance(p.item, ci.LinearActItem) else r"\nabla_w J(w)"
        sym_label, num_label = head, head.replace("(w)", "") + r"\big|_{w = " + _row([p.at[s] for s in p.wrt]) + "}"
        names = _answers_names(p)
        formula_tex = p.item.answer_tex()[len(head) + 3:].strip()
        if isinstance(p.item, ci.LinearActItem):
            num_tex = ci.as_factor(p.work["coef_tex"]) + r"\," + ci.column(p.work["x"])
        else:
            num_tex = _vec([v.tex() for v in p.work["grad"]])
        exact_str = "[" + ", ".join(sstr(e) for e in p.exact) + "]"
        value = list(p.value)
    symbolic_exact = p.derivative_str[0] if len(p.derivative) == 1 else "[" + ", ".join(p.derivative_str) + "]"
    at = {str(s): int(v) for s, v in p.at.items()}
    return [
        Answer(names[0], sym_label, formula_tex, symbolic_exact, None, dict(check, at=None)),
        Answer(names[1], num_label, num_tex, exact_str, value, dict(check, at=at)),
    ]


def _mark(part: Part, p: PartSolution) -> None:
    """Both answers of a part are asked for: the derivative (weight 4) and its value
    (weight 2, to four decimal places). A scalar derivative is a formula in z, and
    its value follows from the student's own formula; a gradient in vector form is
    a derivation marked by hand."""
    formula, value = part.answers
    scalar = isinstance(p.item, ci.ScalarItem)
    formula.graded, formula.weight = True, 4
    formula.kind, formula.variables = ("expression", ["z"]) if scalar else ("text", None)
    value.graded, value.weight, value.tolerance = True, 2, dict(FOUR_PLACES)
    value.kind = "number" if scalar else "vector"
    part.number_refs()
    if scalar:
        value.depends_on, value.recompute = [formula.ref or ""], ref_symbol(formula.ref or "")


def _numeric_work(p: PartSolution, inst: Instance) -> NumericWork:
    if isinstance(p.item, ci.ScalarItem):
        return _scalar_context(p, p.item, inst)
    if isinstance(p.item, ci.LinearActItem):
        return _act_context(p, p.item, inst)
    return _data_context(p, p.item, inst)


def _part_tex(p: PartSolution, inst: Instance, label: str) -> PartTex:
    """What the template prints of one part."""
    it = p.item
    work = _numeric_work(p, inst)
    return PartTex(
        id=label,
        skill=it.skill,
        item=it.key,
        function=it.function_tex(),
        ask=_ask_tex(it),
        steps=it.steps(),
        answer=it.answer_tex(),
        note=it.nondiff_note() if isinstance(it, ci.CostItem) else (it.act.note or None),
        numeric_ask=work.ask,
        numeric_lines=work.lines,
        score_rows=work.score_rows,
        space="6cm" if p.index in (3, 4, 5) else "4.5cm",
        answer_lead="Simplified:" if p.index == 1 else "In vector form, simplified:",
        marking=MARKING,
    )


def _published(items: Items, inst: Instance, n: int) -> JSONDict:
    """The version's parameters as answers.json publishes them."""
    return {
        "items": {f"{n}.{k + 1}": key for k, key in enumerate(items.keys())},
        "w": list(inst.w),
        "z0": inst.z0,
        "x": {f"{n}.2": list(inst.x_act), f"{n}.6": list(inst.x_act2)},
        "b": {f"{n}.2": inst.b_act if items.act.bias else None, f"{n}.6": inst.b_act2 if items.act2.bias else None},
        "X": [list(x) for x in inst.X],
        "y": list(inst.y),
        "labels": list(inst.labels),
        "lambda": inst.lam if items.lsq.penalty or items.cls.penalty else None,
    }


def present(params: Params, sol: Solution, wrong: list[Mistake], number: int) -> Question:
    items, inst, n = params.items, params.inst, number
    contexts, out_parts = [], []
    for p in sol.parts:
        ctx = _part_tex(p, inst, f"{n}.{p.index}")
        contexts.append(ctx)
        prompt = rf"\[{ctx.function}\]" + f"{ctx.ask} {ctx.numeric_ask}"
        part = Part(ctx.id, prompt, _answers(p), notes=_notes(p, of_answer(wrong, f".{p.index}", _answers_names(p)[1]), inst.z0))
        _mark(part, p)
        out_parts.append(part)
    table = [DataRow(i + 1, _row(x), num(y), num(lab)) for i, (x, y, lab) in enumerate(zip(inst.X, inst.y, inst.labels))]
    context = Context(
        parts=contexts,
        w=_row(inst.w),
        m=len(inst.X),
        table=table,
        label_set=r"\{0, 1\}",
        regression_parts=(f"{n}.3", f"{n}.4"),
        classification_parts=(f"{n}.5",),
    )
    difficulty: dict[str, int | float] = {f"{n}{key}": v for key, v in part_difficulty(items, inst).items()}
    return Question(
        id=f"q{n}", family=NAME, title=TITLE, params=_published(items, inst, n), parts=out_parts,
        template=TEMPLATE, context=context, difficulty=difficulty, number=n,
    )
