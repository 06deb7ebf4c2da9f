"""Question 1: a 2-3-1 network, forward pass, backprop, one update, a concept.

Notation as in the original assignment: layer ``[1]`` is input -> hidden,
layer ``[2]`` hidden -> output; ``w_ij^[l]`` joins unit ``i`` of layer ``l-1``
to unit ``j`` of layer ``l``. In code, ``W1[i][j]`` and ``W2[j][0]`` are
0-based, printed 1-based.

Parts: (a) forward pass with identity activations, (b) with ReLU, (c) the loss
``J = (y_hat - y)^2`` of the identity network and four gradients chosen per
version, (d) one gradient-descent step on the two layer-1 parameters of (c),
with the loss before and after, (e) a conceptual question from a bank.

The solver works in exact fractions and backpropagates node by node; the
verifier differentiates the closed-form loss with SymPy and recomputes the
forward passes in NumPy floating point. Any disagreement aborts the version.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import NoReturn

import numpy as np
import sympy

from .. import latex, speed
from ..latex import num
from ..model import EXACT, Answer, JSONDict, Mistake, Note, Part, Question, ref_symbol
from ..sampling import choice, integers, redraw
from . import concepts
from .family import Disagreement, PartSpec, distinct_notes, lands_on_key, of_answer

NAME = "network"
TEMPLATE = "questions/network.tex.j2"
N_IN, N_HIDDEN = 2, 3

# Sampling ranges: small integers a student multiplies by hand.
X_VALUES = (-2, -1, 1, 2, 3)
W_RANGE = (-3, 3)
B_RANGE = (-2, 2)
ERRORS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)  # y_hat - y of the identity network
# Learning rates: each is drawn relative to the step's threshold 1/s (see ``sensitivity``).
ETAS = tuple(Fraction(v) for v in ("0.01", "0.02", "0.05", "0.1", "0.2", "0.25", "0.5", "1"))
# eta * s for a step that lowers the loss, and for one that overshoots: the error after the
# step is e (1 - 2 eta s), so the loss goes down exactly when eta s < 1 (never at 1 itself).
STEP_DOWN = (Fraction(1, 10), Fraction(9, 10))
STEP_UP = (Fraction(11, 10), Fraction(2))
MAX_ABS = 200  # every number a student computes stays within this


# --------------------------------------------------------------------------
# Parameters


@dataclass(frozen=True)
class Param:
    """One trainable parameter: kind in {'W1', 'b1', 'W2', 'b2'} and its indices."""

    kind: str
    i: int
    j: int = 0

    @property
    def name(self) -> str:
        if self.kind == "W1":
            return f"W1[{self.i}][{self.j}]"
        if self.kind == "W2":
            return f"W2[{self.i}][{self.j}]"
        return f"{self.kind}[{self.i}]"

    @property
    def tex(self) -> str:
        if self.kind == "W1":
            return f"w_{{{self.i + 1}{self.j + 1}}}^{{[1]}}"
        if self.kind == "W2":
            return f"w_{{{self.i + 1}{self.j + 1}}}^{{[2]}}"
        layer = 1 if self.kind == "b1" else 2
        return f"b_{{{self.i + 1}}}^{{[{layer}]}}"

    @property
    def grad_tex(self) -> str:
        return rf"\frac{{\partial J}}{{\partial {self.tex}}}"


ALL_PARAMS = (
    [Param("W1", i, j) for j in range(N_HIDDEN) for i in range(N_IN)]
    + [Param("b1", j) for j in range(N_HIDDEN)]
    + [Param("W2", j, 0) for j in range(N_HIDDEN)]
    + [Param("b2", 0)]
)


Num = int | Fraction  # a parameter's value: an integer as drawn, a fraction after an update


@dataclass(frozen=True)
class Network:
    x: tuple[int, ...]  # N_IN inputs
    W1: tuple[tuple[Num, ...], ...]  # N_IN rows of N_HIDDEN
    b1: tuple[Num, ...]
    W2: tuple[Num, ...]  # W2[j] is w_{j+1,1}^[2]
    b2: Num
    y: int
    eta: Fraction
    asked: tuple[Param, Param, Param, Param]  # output bias, output weight, hidden bias, hidden weight
    concept: int  # index into concepts.BANK

    def get(self, p: Param) -> Num:
        if p.kind == "W1":
            return self.W1[p.i][p.j]
        if p.kind == "b1":
            return self.b1[p.i]
        if p.kind == "W2":
            return self.W2[p.i]
        return self.b2

    def with_values(self, new: dict[Param, Fraction]) -> Network:
        W1 = [list(r) for r in self.W1]
        b1, W2, b2 = list(self.b1), list(self.W2), self.b2
        v: Num
        for p, v in new.items():
            if p.kind == "W1":
                W1[p.i][p.j] = v
            elif p.kind == "b1":
                b1[p.i] = v
            elif p.kind == "W2":
                W2[p.i] = v
            else:
                b2 = v
        return Network(self.x, tuple(map(tuple, W1)), tuple(b1), tuple(W2), b2, self.y, self.eta, self.asked, self.concept)

    def to_params(self) -> JSONDict:
        return {
            "x": list(self.x),
            "y": self.y,
            "W1": [list(r) for r in self.W1],
            "b1": list(self.b1),
            "W2": [[w] for w in self.W2],
            "b2": [self.b2],
            "eta": latex.json_number(self.eta),
            "activations": {"1a": "identity", "1b": "relu", "1c": "identity", "1d": "identity"},
            "loss": "squared_error",
            "asked": [p.name for p in self.asked],
            "concept": concepts.BANK[self.concept].key,
        }


ORIGINAL = Network(
    x=(1, 3),
    W1=((2, 1, 3), (2, -1, 1)),
    b1=(1, 0, -1),
    W2=(3, 1, 2),
    b2=1,
    y=32,
    eta=Fraction(2),
    asked=(Param("b2", 0), Param("W2", 1, 0), Param("b1", 1), Param("W1", 0, 2)),
    concept=0,
)


# --------------------------------------------------------------------------
# The rules that make a version a good question (each returns True when it holds)


def rule_no_zero_preactivation(net: Network, sol: Solution) -> bool:
    """No hidden or output pre-activation sits on the ReLU kink."""
    return all(z != 0 for z in sol.identity.z1) and sol.identity.z2 != 0 and sol.relu.z2 != 0


def rule_hidden_signs_mixed(net: Network, sol: Solution) -> bool:
    """At least one hidden pre-activation is negative and one positive."""
    return any(z < 0 for z in sol.identity.z1) and any(z > 0 for z in sol.identity.z1)


def rule_relu_output_active(net: Network, sol: Solution) -> bool:
    """The ReLU network's output is positive, so (1b) is not a trivial 0."""
    return sol.relu.z2 > 0


def rule_relu_differs(net: Network, sol: Solution) -> bool:
    """Part (1b) has a different answer from part (1a)."""
    return sol.relu.y_hat != sol.identity.y_hat


def rule_error_small(net: Network, sol: Solution) -> bool:
    """``y_hat - y`` of the identity network is a nonzero small integer."""
    e = sol.identity.y_hat - net.y
    return e.denominator == 1 and e != 0 and abs(e) <= max(ERRORS)


def rule_asked_gradients_nonzero(net: Network, sol: Solution) -> bool:
    return all(sol.bp.grads[p] != 0 for p in net.asked)


def student_numbers(net: Network, sol: Solution) -> list[Fraction]:
    """Every number a student writes down on the way to the answers."""
    nums = [Fraction(net.y)]
    for fwd in (sol.identity, sol.relu):
        nums += fwd.z1 + fwd.a1 + [fwd.z2, fwd.y_hat]
        nums += [Fraction(net.W1[i][j] * net.x[i]) for i in range(N_IN) for j in range(N_HIDDEN)]
        nums += [net.W2[j] * a for j, a in enumerate(fwd.a1)]
    nums += [sol.bp.loss, sol.bp.dJ_dyhat] + [sol.bp.grads[p] for p in net.asked]
    nums += [net.eta * sol.bp.grads[p] for p in sol.updated] + list(sol.updated.values())
    return nums


def rule_hand_sized(net: Network, sol: Solution) -> bool:
    """Every number a student computes has |value| <= MAX_ABS and at most two decimals."""
    return all(abs(v) <= MAX_ABS and 100 % v.denominator == 0 for v in student_numbers(net, sol))


def step_numbers(net: Network, sol: Solution) -> list[Fraction]:
    """Every number a student writes down for the forward pass after the step (part d)."""
    return sol.after.z1 + [sol.after.z2, sol.after.y_hat, sol.after.y_hat - net.y, sol.loss_after]


def rule_step_hand_sized(net: Network, sol: Solution) -> bool:
    """The forward pass after the step obeys the same hand-sized rule."""
    return all(abs(v) <= MAX_ABS and 100 % v.denominator == 0 for v in step_numbers(net, sol))


def _in(band: tuple[Fraction, Fraction], v: Fraction) -> bool:
    return band[0] <= v <= band[1]


def rule_eta_band(net: Network, sol: Solution) -> bool:
    """eta s lies in the band of a step that lowers the loss or in that of one that
    overshoots (so the step's outcome is a fair coin across versions, never the threshold)."""
    es = net.eta * sol.sensitivity
    return _in(STEP_DOWN, es) or _in(STEP_UP, es)


def rule_mistakes_differ(net: Network, sol: Solution) -> bool:
    """No common mistake lands on the right answer (the pipeline's rule, :func:`.family.same_value`)."""
    return not lands_on_key(right_answers(net, sol), wrong_values(net, sol))


RULES = {
    "no_zero_preactivation": rule_no_zero_preactivation,
    "hidden_signs_mixed": rule_hidden_signs_mixed,
    "relu_output_active": rule_relu_output_active,
    "relu_differs": rule_relu_differs,
    "error_small": rule_error_small,
    "asked_gradients_nonzero": rule_asked_gradients_nonzero,
    "hand_sized": rule_hand_sized,
    "step_hand_sized": rule_step_hand_sized,
    "eta_band": rule_eta_band,
    "mistakes_differ": rule_mistakes_differ,
}
# The rules constrain sampled versions; the original's step (eta = 2, threshold 1/5)
# overshoots far (J after = 5776), and its key explains that with the threshold.
ORIGINAL_BREAKS = ("step_hand_sized", "eta_band")


def broken_rules(net: Network, sol: Solution | None = None) -> list[str]:
    sol = sol or solve(net)
    return [name for name, rule in RULES.items() if not rule(net, sol)]


def right_answers(net: Network, sol: Solution) -> dict[str, Fraction]:
    right = {"J": sol.bp.loss, "y_hat@1a": sol.identity.y_hat, "y_hat@1b": sol.relu.y_hat}
    right.update({f"grad:{p.name}": sol.bp.grads[p] for p in net.asked})
    right.update({f"new:{p.name}": v for p, v in sol.updated.items()})
    right["y_hat_after"] = sol.after.y_hat
    right["J_after"] = sol.loss_after
    return right


# --------------------------------------------------------------------------
# Sampler


def draw(rng: np.random.Generator) -> Network:
    x = tuple(X_VALUES[k] for k in integers(rng, 0, len(X_VALUES) - 1, N_IN))
    w1 = integers(rng, *W_RANGE, N_IN * N_HIDDEN)
    W1 = (tuple(w1[:N_HIDDEN]), tuple(w1[N_HIDDEN:]))
    b1 = tuple(integers(rng, *B_RANGE, N_HIDDEN))
    W2 = tuple(integers(rng, *W_RANGE, N_HIDDEN, nonzero=True))
    b2 = integers(rng, *B_RANGE, 1)[0]
    err = choice(rng, ERRORS)
    j_out, j_bias, j_w = (int(v) for v in rng.integers(N_HIDDEN, size=3))
    i_w = int(rng.integers(N_IN))
    asked = (Param("b2", 0), Param("W2", j_out, 0), Param("b1", j_bias), Param("W1", i_w, j_w))
    concept = int(rng.integers(len(concepts.BANK)))
    net = Network(x, W1, b1, W2, b2, 0, ETAS[0], asked, concept)
    # the learning rate, drawn relative to the threshold 1/s: a fair coin decides
    # whether this version's step lowers the loss or overshoots
    s = sensitivity(net)
    band = STEP_DOWN if rng.integers(2) == 0 else STEP_UP
    fitting = [e for e in ETAS if _in(band, e * s)]
    eta = choice(rng, fitting) if fitting else ETAS[-1]  # none fits: rule eta_band redraws
    y_hat = forward(net, "identity").y_hat
    return Network(x, W1, b1, W2, b2, int(y_hat - err), eta, asked, concept)


def output_slopes(net: Network) -> dict[Param, Fraction]:
    """d y_hat / d theta of the identity network for the two parameters part (d) updates:
    w_ij^[1] -> w_j1^[2] x_i, b_j^[1] -> w_j1^[2]."""
    out = {}
    for p in update_params(net):
        j = p.j if p.kind == "W1" else p.i
        out[p] = Fraction(net.W2[j]) * (net.x[p.i] if p.kind == "W1" else 1)
    return out


def sensitivity(net: Network) -> Fraction:
    """s = |d y_hat / d theta|^2 over the updated parameters. y_hat is linear in them, so
    one step leaves the error e (1 - 2 eta s): the loss goes down exactly when eta < 1/s."""
    return sum((v * v for v in output_slopes(net).values()), Fraction(0))


def sample(rng: np.random.Generator) -> Network:
    return redraw(draw, broken_rules, rng, "network question")


# --------------------------------------------------------------------------
# Solver: exact forward pass and node-by-node backprop

ACTIVATIONS: dict[str, tuple[Callable[[Fraction], Fraction], Callable[[Fraction], Fraction]]] = {
    "identity": (lambda z: z, lambda z: Fraction(1)),
    "relu": (lambda z: z if z > 0 else Fraction(0), lambda z: Fraction(1) if z > 0 else Fraction(0)),
}


@dataclass
class Forward:
    activation: str
    z1: list[Fraction]
    a1: list[Fraction]
    z2: Fraction
    y_hat: Fraction


def forward(net: Network, activation: str) -> Forward:
    f, _ = ACTIVATIONS[activation]
    z1 = [sum((Fraction(net.W1[i][j]) * net.x[i] for i in range(N_IN)), Fraction(net.b1[j])) for j in range(N_HIDDEN)]
    a1 = [f(z) for z in z1]
    z2 = sum((Fraction(net.W2[j]) * a1[j] for j in range(N_HIDDEN)), Fraction(net.b2))
    return Forward(activation, z1, a1, z2, f(z2))


@dataclass
class Backprop:
    fwd: Forward
    loss: Fraction
    dJ_dyhat: Fraction
    dyhat_dz2: Fraction
    delta2: Fraction  # dJ/dz2
    dJ_da1: list[Fraction]
    da1_dz1: list[Fraction]
    delta1: list[Fraction]  # dJ/dz1
    grads: dict[Param, Fraction]
    local: dict[Param, Fraction]  # d(node the parameter feeds)/d(parameter)


def backprop(net: Network, activation: str, *, use_derivative: bool = True) -> Backprop:
    """Gradients of J = (y_hat - y)^2. ``use_derivative=False`` models the
    mistake of treating every activation derivative as 1."""
    fwd = forward(net, activation)
    _, df = ACTIVATIONS[activation]
    deriv = df if use_derivative else (lambda z: Fraction(1))
    err = fwd.y_hat - net.y
    dJ_dyhat = 2 * err
    dyhat_dz2 = deriv(fwd.z2)
    delta2 = dJ_dyhat * dyhat_dz2
    dJ_da1 = [delta2 * net.W2[j] for j in range(N_HIDDEN)]
    da1_dz1 = [deriv(z) for z in fwd.z1]
    delta1 = [dJ_da1[j] * da1_dz1[j] for j in range(N_HIDDEN)]
    grads, local = {}, {}
    for p in ALL_PARAMS:
        if p.kind == "W1":
            local[p], grads[p] = Fraction(net.x[p.i]), delta1[p.j] * net.x[p.i]
        elif p.kind == "b1":
            local[p], grads[p] = Fraction(1), delta1[p.i]
        elif p.kind == "W2":
            local[p], grads[p] = fwd.a1[p.i], delta2 * fwd.a1[p.i]
        else:
            local[p], grads[p] = Fraction(1), delta2
    return Backprop(fwd, err * err, dJ_dyhat, dyhat_dz2, delta2, dJ_da1, da1_dz1, delta1, grads, local)


@dataclass
class Solution:
    net: Network
    identity: Forward
    relu: Forward
    bp: Backprop  # part (c): the identity network
    updated: dict[Param, Fraction]  # part (d): new values of the two layer-1 parameters
    after: Forward  # part (d): the identity network with the new values
    loss_after: Fraction
    sensitivity: Fraction  # s = |d y_hat / d theta|^2; the threshold is 1/s

    @property
    def lowered(self) -> bool:
        """Part (d)'s last question: did the step lower the loss? From the losses themselves."""
        return self.loss_after < self.bp.loss


def update_params(net: Network) -> list[Param]:
    """Part (d) updates the two layer-1 parameters asked in (c), as in the original."""
    return [p for p in net.asked if p.kind in ("W1", "b1")]


def solve(net: Network) -> Solution:
    bp = backprop(net, "identity")
    updated = {p: net.get(p) - net.eta * bp.grads[p] for p in update_params(net)}
    after = forward(net.with_values(updated), "identity")
    return Solution(net, bp.fwd, forward(net, "relu"), bp, updated, after, (after.y_hat - net.y) ** 2, sensitivity(net))


# --------------------------------------------------------------------------
# Verifier: a second, independent route


def _symbols() -> tuple[list[list[sympy.Symbol]], list[sympy.Symbol], list[sympy.Symbol], sympy.Symbol, dict[Param, sympy.Symbol]]:
    W1 = [[sympy.Symbol(f"w1_{i}{j}") for j in range(N_HIDDEN)] for i in range(N_IN)]
    b1 = [sympy.Symbol(f"b1_{j}") for j in range(N_HIDDEN)]
    W2 = [sympy.Symbol(f"w2_{j}") for j in range(N_HIDDEN)]
    b2 = sympy.Symbol("b2")
    table = {}
    for p in ALL_PARAMS:
        if p.kind == "W1":
            table[p] = W1[p.i][p.j]
        elif p.kind == "b1":
            table[p] = b1[p.i]
        elif p.kind == "W2":
            table[p] = W2[p.i]
        else:
            table[p] = b2
    return W1, b1, W2, b2, table


_W1s, _b1s, _W2s, _b2s, SYMBOL = _symbols()
_Xs = [sympy.Symbol(f"x_{i}") for i in range(N_IN)]
_Ys = sympy.Symbol("y")


@dataclass(frozen=True)
class _General:
    """The identity network's loss with the data as symbols too, and the
    derivatives of the loss and of the output in every parameter: the same closed form for every
    version, so SymPy differentiates it once; a version substitutes its own
    data and parameters into the derivatives. (The data are constants for the
    parameters' derivatives, so this is the derivative of the version's own
    closed-form loss.)"""

    loss: sympy.Expr
    d_loss: dict[Param, sympy.Expr]
    d_y_hat: dict[Param, sympy.Expr]


@speed.cached(maxsize=1)
def _general() -> _General:
    hidden = [sum(_W1s[i][j] * _Xs[i] for i in range(N_IN)) + _b1s[j] for j in range(N_HIDDEN)]
    y_hat = sum(_W2s[j] * hidden[j] for j in range(N_HIDDEN)) + _b2s
    loss = (y_hat - _Ys) ** 2
    return _General(loss, {p: sympy.diff(loss, SYMBOL[p]) for p in ALL_PARAMS},
                    {p: sympy.diff(y_hat, SYMBOL[p]) for p in ALL_PARAMS})


def _data(net: Network) -> dict[sympy.Symbol, sympy.Rational]:
    return {**{_Xs[i]: _rat(v) for i, v in enumerate(net.x)}, _Ys: _rat(net.y)}


def _rat(value: object) -> sympy.Rational:
    q = latex.as_fraction(value)
    return sympy.Rational(q.numerator, q.denominator)


def _values(net: Network) -> dict[sympy.Symbol, sympy.Rational]:
    return {SYMBOL[p]: _rat(net.get(p)) for p in ALL_PARAMS}


def _float_forward(net: Network, relu: bool) -> float:
    def act(v: np.ndarray) -> np.ndarray:
        return np.maximum(v, 0.0) if relu else v

    x = np.array(net.x, dtype=float)
    h = act(x @ np.array(net.W1, dtype=float) + np.array(net.b1, dtype=float))
    return float(act(h @ np.array(net.W2, dtype=float) + net.b2))


def verify(net: Network, sol: Solution) -> None:
    """Recompute everything by other means; raise Disagreement on any disagreement."""

    def fail(part: str, what: str, a: object, b: object) -> NoReturn:
        raise Disagreement(part, what, a, b)

    for part, fwd, relu in (("a", sol.identity, False), ("b", sol.relu, True)):
        f = _float_forward(net, relu)
        if abs(f - float(fwd.y_hat)) > 1e-9:
            fail(part, "y_hat", fwd.y_hat, f)
    general = _general()
    J = general.loss
    data = _data(net)
    vals = _values(net)
    at = {**data, **vals}
    if J.xreplace(at) != _rat(sol.bp.loss):
        fail("c", "J", sol.bp.loss, J.xreplace(at))
    for p in ALL_PARAMS:
        g = general.d_loss[p].xreplace(at)
        if g != _rat(sol.bp.grads[p]):
            fail("c", f"dJ/d{p.name}", sol.bp.grads[p], g)
    new_vals = dict(vals)
    for p, new in sol.updated.items():
        g = general.d_loss[p].xreplace(at)
        expected = vals[SYMBOL[p]] - _rat(net.eta) * g
        if expected != _rat(new):
            fail("d", f"new {p.name}", new, expected)
        new_vals[SYMBOL[p]] = expected
    after_at = {**data, **new_vals}
    if J.xreplace(after_at) != _rat(sol.loss_after):
        fail("d", "loss after the update", sol.loss_after, J.xreplace(after_at))
    f = _float_forward(net.with_values(sol.updated), False)
    if abs(f - float(sol.after.y_hat)) > 1e-9:
        fail("d", "y_hat after the update", sol.after.y_hat, f)
    s = sum((general.d_y_hat[p] ** 2 for p in sol.updated), sympy.Integer(0)).xreplace(at)
    if s != _rat(sol.sensitivity):
        fail("d", "s = |d y_hat / d theta|^2", sol.sensitivity, s)
    err = _rat(sol.identity.y_hat - net.y)
    if err * (1 - 2 * _rat(net.eta) * s) != _rat(sol.after.y_hat - net.y):
        fail("d", "error after the update", sol.after.y_hat - net.y, err * (1 - 2 * _rat(net.eta) * s))
    # did the step lower the loss: by the threshold, never looking at the losses (the error is scaled by
    # 1 - 2 eta s, so the loss goes down exactly when there is an error and |1 - 2 eta s| < 1)
    by_threshold = bool(err != 0 and abs(1 - 2 * _rat(net.eta) * s) < 1)
    if by_threshold != sol.lowered:
        fail("d", "whether the step lowered the loss", sol.lowered, by_threshold)


# --------------------------------------------------------------------------
# Common mistakes: the wrong answers a student is likely to give


def mistakes(net: Network, sol: Solution) -> list[Mistake]:
    """The usual wrong answers of every asked value, most likely first."""
    return [Mistake(*answer_of(key), name, MISTAKE_TEXT[name], Fraction(v))
            for key, wrongs in wrong_values(net, sol).items() for name, v in wrongs.items()]


def answer_of(key: str) -> tuple[str, str]:
    """The part and the answer's name of a key of :func:`wrong_values`."""
    if key.startswith("y_hat@1"):
        return key[-1], "y_hat"
    return {"J": "c", "grad": "c"}.get(key.split(":")[0], "d"), key


def wrong_values(net: Network, sol: Solution) -> dict[str, dict[str, Fraction]]:
    """For each asked value (keyed as :func:`right_answers`), the usual wrong
    answers by mistake name, most likely first."""
    out: dict[str, dict[str, Fraction]] = {}
    relu_bp = backprop(net, "relu")
    relu_noderiv = backprop(net, "relu", use_derivative=False)
    no_bias = replace(net, b1=(0,) * N_HIDDEN, b2=0)
    out["y_hat@1a"] = {"relu_values_in_1a": sol.relu.y_hat, "biases_dropped": forward(no_bias, "identity").y_hat}
    out["y_hat@1b"] = {"identity_values_in_1b": sol.identity.y_hat, "biases_dropped": forward(no_bias, "relu").y_hat}
    out["J"] = {"relu_values_in_1c": relu_bp.loss, "error_not_squared": sol.bp.fwd.y_hat - net.y}
    for p in net.asked:
        g = sol.bp.grads[p]
        wrong = {
            "factor_2_dropped": g / 2,
            "sign_flipped": -g,
            "relu_values_in_1c": relu_bp.grads[p],
            "relu_values_derivative_forgotten": relu_noderiv.grads[p],
        }
        t = transposed(p)
        if t is not None:
            wrong["indices_transposed"] = sol.bp.grads[t]
        out[f"grad:{p.name}"] = wrong
    added = {p: net.get(p) + net.eta * sol.bp.grads[p] for p in sol.updated}
    after_added = forward(net.with_values(added), "identity")
    for p, _new in sol.updated.items():
        g = sol.bp.grads[p]
        wrong = {
            "sign_flipped_in_update": added[p],
            "factor_2_dropped": net.get(p) - net.eta * g / 2,
            "relu_values_in_1c": net.get(p) - net.eta * relu_bp.grads[p],
        }
        t = transposed(p)
        if t is not None:
            wrong["indices_transposed"] = net.get(t) - net.eta * sol.bp.grads[t]
        out[f"new:{p.name}"] = wrong
    out["y_hat_after"] = {"sign_flipped_in_update": after_added.y_hat, "old_values_kept": sol.identity.y_hat}
    out["J_after"] = {"sign_flipped_in_update": (after_added.y_hat - net.y) ** 2,
                      "error_not_squared": sol.after.y_hat - net.y}
    return out


MISTAKE_TEXT = {  # the family's catalogue of mistakes
    "factor_2_dropped": r"forgot the $2$ from differentiating $(\hat y - y)^2$",
    "sign_flipped": r"used $y - \hat y$ instead of $\hat y - y$",
    "relu_values_in_1c": r"used the ReLU network instead of the identity network",
    "relu_values_derivative_forgotten": r"used the ReLU network's values and took every ReLU derivative as $1$",
    "indices_transposed": r"read $w_{ji}$ for $w_{ij}$ (swapped the weight's indices)",
    "sign_flipped_in_update": r"added $\eta\,\partial J/\partial\theta$ instead of subtracting it",
    "error_not_squared": r"forgot to square the error",
    "identity_values_in_1b": r"did not apply the ReLU (kept the identity network's values)",
    "relu_values_in_1a": r"applied the ReLU instead of the identity",
    "biases_dropped": r"left out the biases",
    "old_values_kept": r"ran the network with the old parameter values",
}


def answer_tex(net: Network, name: str) -> str:
    """LaTeX of the value an answer name stands for (the head of its grading note)."""
    heads = {"y_hat@1a": r"\hat y", "y_hat@1b": r"\hat y", "J": "J", "y_hat_after": r"\hat y_{\text{after}}",
             "J_after": r"J_{\text{after}}"}
    if name in heads:
        return heads[name]
    p = next(q for q in ALL_PARAMS if q.name == name.split(":", 1)[1])
    return rf"\partial J/\partial {p.tex}" if name.startswith("grad:") else p.tex


def notes(net: Network, wrong: list[Mistake], part: str, names: Sequence[str]) -> list[Note]:
    """The grading notes of the answers ``names`` of ``part``, one per distinct wrong value."""
    return [note for name in names for note in distinct_notes(
        answer_tex(net, "y_hat@1" + part if name == "y_hat" else name),
        ((m.text, num(m.value)) for m in of_answer(wrong, part, name)))]


def transposed(p: Param) -> Param | None:
    """The parameter a student reads when swapping the two indices, where it exists:
    ``w_ij^[1]`` for ``w_ji^[1]``; for ``w_j1^[2]`` the weight of hidden unit 1."""
    if p.kind == "W1" and p.j < N_IN and p.i != p.j:
        return Param("W1", p.j, p.i)
    if p.kind == "W2" and p.i != p.j:
        return Param("W2", p.j, 0)
    return None


# --------------------------------------------------------------------------
# Presentation: parts, answers and the worked solution for the templates


@dataclass(frozen=True)
class NetworkTex:
    """The parameters as printed."""

    x: list[str]
    y: str
    y_p: str  # y, bracketed when negative
    eta: str
    W1: list[list[str]]
    b1: list[str]
    W2: list[str]
    b2: str


@dataclass(frozen=True)
class HiddenUnit:
    j: int  # 1-based
    sum: str  # the weighted sum written out
    z: str
    a: str
    active: bool  # z > 0


@dataclass(frozen=True)
class ForwardTex:
    hidden: list[HiddenUnit]
    out_sum: str
    z2: str
    y_hat: str


@dataclass(frozen=True)
class ChainTex:
    """The chain-rule factors of one asked gradient."""

    name: str  # the answer's name
    param: str
    label: str
    symbolic: str
    formula: str
    numbers: str
    value: str


@dataclass(frozen=True)
class TableRow:
    """A row of the node table (a node) or of the gradient table (a parameter)."""

    name: str
    value: str
    local: str  # the local derivative
    grad: str  # dJ/d(this)
    asked: bool = False  # a gradient part (c) asks for


@dataclass(frozen=True)
class UpdateTex:
    name: str  # the answer's name
    param: str
    old: str
    grad: str
    new: str


@dataclass(frozen=True)
class Context:
    """What templates/questions/network.tex.j2 reads (as ``c``)."""

    net: NetworkTex
    identity: ForwardTex
    relu: ForwardTex
    error: str
    relu_error: str
    relu_loss: str
    loss: str
    dJ_dyhat: str
    chains: list[ChainTex]
    node_table: list[TableRow]
    grad_table: list[TableRow]
    updates: list[UpdateTex]
    after: ForwardTex  # the identity network after the step
    error_after: str
    loss_after: str
    loss_went: str  # "down", "up" or "unchanged"
    loss_ratio: str | None
    slopes: list[tuple[str, str]]  # (parameter, d y_hat / d parameter) of the updated two
    s: str  # |d y_hat / d theta|^2
    threshold: str  # 1/s
    step_factor: str  # 1 - 2 eta s: the error after is the error before times this
    concept: concepts.Concept


def _sum_tex(terms: Sequence[tuple[Num, Num]], bias: Num) -> str:
    """'(2 \\times 1) + (2 \\times 3) + 1' from (weight, input) pairs and a bias."""
    out = " + ".join(rf"({num(w)} \times {num(v, paren=True)})" for w, v in terms)
    b = latex.as_fraction(bias)
    return out + (f" + {num(b)}" if b >= 0 else f" - {num(-b)}")


def _forward_context(net: Network, fwd: Forward) -> ForwardTex:
    hidden = []
    for j in range(N_HIDDEN):
        terms = [(net.W1[i][j], net.x[i]) for i in range(N_IN)]
        hidden.append(HiddenUnit(j + 1, _sum_tex(terms, net.b1[j]), num(fwd.z1[j]), num(fwd.a1[j]), fwd.z1[j] > 0))
    out_terms = [(net.W2[j], fwd.a1[j]) for j in range(N_HIDDEN)]
    return ForwardTex(hidden, _sum_tex(out_terms, net.b2), num(fwd.z2), num(fwd.y_hat))


def _chain(net: Network, sol: Solution, p: Param) -> ChainTex:
    """The chain-rule factors of one asked gradient, symbolic and numeric."""
    bp = sol.bp
    factors: list[tuple[str, str, Num]] = [(r"\frac{\partial J}{\partial \hat y}", r"2(\hat y - y)", bp.dJ_dyhat)]
    if p.kind in ("W1", "b1"):
        j = p.j if p.kind == "W1" else p.i
        factors.append((rf"\frac{{\partial \hat y}}{{\partial a_{j + 1}}}", Param("W2", j, 0).tex, Fraction(net.W2[j])))
        factors.append((rf"\frac{{\partial a_{j + 1}}}{{\partial z_{j + 1}}}", "1", bp.da1_dz1[j]))
        node = f"z_{j + 1}"
    else:
        node = r"\hat y"
    local_sym = {"W1": f"x_{p.i + 1}", "b1": "1", "W2": f"a_{p.i + 1}", "b2": "1"}[p.kind]
    factors.append((rf"\frac{{\partial {node}}}{{\partial {p.tex}}}", local_sym, bp.local[p]))
    return ChainTex(
        name=f"grad:{p.name}",
        param=p.tex,
        label=p.grad_tex,
        symbolic=r" \cdot ".join(f[0] for f in factors),
        formula=r" \cdot ".join(f[1] for f in factors),
        numbers=r" \cdot ".join(num(f[2], paren=True) for f in factors),
        value=num(bp.grads[p]),
    )


def _answer(name: str, label: str, value: Num) -> Answer:
    return Answer(name, label, num(value), latex.exact_str(value), latex.json_number(value))


LOWERED_LABEL = r"\text{loss lowered?}"  # 1d's last answer, as the sheet, the key and the grading sheet name it


def _choice(name: str, label: str, option: str, options: list[str]) -> Answer:
    """A choice answer: ``option``, one of ``options`` (``exact`` is the option itself)."""
    return Answer(name, label, rf"\text{{{option}}}", option, None, kind="choice", choices=list(options))


def _hidden_answers(fwd: Forward) -> list[Answer]:
    return ([_answer(f"z1[{j}]", f"z_{j + 1}", fwd.z1[j]) for j in range(N_HIDDEN)]
            + [_answer(f"a1[{j}]", f"a_{j + 1}", fwd.a1[j]) for j in range(N_HIDDEN)])


PARTS = (  # part, default marks (42 in all), what it tests (docs/answers-json.md)
    PartSpec("a", 6, "forward_pass_identity"),
    PartSpec("b", 5, "forward_pass_relu"),
    PartSpec("c", 15, "backprop_gradients"),
    PartSpec("d", 12, "gradient_descent_step"),
    PartSpec("e", 4, "concept_explanation"),
)
MISTAKES = MISTAKE_TEXT
SLIPS = {  # the mistakes made with a correct method (they keep the method's share), and their scope
    "factor_2_dropped": "part",  # made in every gradient of the part: costs once there
    "sign_flipped": "part",
    "relu_values_in_1c": "answer",  # the right method on part (b)'s network: the method marks of each answer
    "indices_transposed": "answer",
}


# Parts (c) and (d) without naming the parts they build on (for when the configuration leaves those out).
IDENTITY_LOSS = r"With the loss $J = (\hat y - y)^2$ and every activation (hidden and output) the identity, $\sigma(z) = z$"


def _parts(net: Network, sol: Solution, wrong: list[Mistake], n: int) -> list[Part]:
    """Parts (a) to (e) with their prompts, answers and grading notes."""
    bp = sol.bp
    pa = Part(f"{n}a", r"Compute $\hat y$ when every activation (hidden and output) is the identity, $\sigma(z) = z$.",
              _hidden_answers(sol.identity) + [_answer("y_hat", r"\hat y", sol.identity.y_hat)],
              notes=notes(net, wrong, "a", ["y_hat"]))
    pb = Part(f"{n}b", r"Compute $\hat y$ when every activation (hidden and output) is the ReLU, $\sigma(z) = \max(0, z)$.",
              _hidden_answers(sol.relu) + [_answer("y_hat", r"\hat y", sol.relu.y_hat)],
              notes=notes(net, wrong, "b", ["y_hat"]))
    asked_tex = r"\[ " + r",\qquad ".join(p.grad_tex for p in net.asked) + r". \]"
    pc_prompt = (rf"With the loss $J = (\hat y - y)^2$ and the network of part ({n}a) (identity activations), "
                 rf"compute $J$ and the four gradients {asked_tex}")
    pc = Part(f"{n}c", pc_prompt, [_answer("J", "J", bp.loss)] + [_answer(f"grad:{p.name}", p.grad_tex, bp.grads[p]) for p in net.asked],
              notes=notes(net, wrong, "c", ["J"] + [f"grad:{p.name}" for p in net.asked]),
              refers_to=[f"{n}a"], alone=rf"{IDENTITY_LOSS}, compute $J$ and the four gradients {asked_tex}")
    upd = update_params(net)
    upd_tex = " and ".join(f"${p.tex}$" for p in upd)
    step = rf"one step of gradient descent with learning rate $\eta = {num(net.eta)}$ to {upd_tex}"
    asks = r"Give their new values, the output $\hat y$ and the loss $J$ after the step. Did the step lower the loss (yes or no)?"
    pd_prompt = (rf"Apply {step} (the layer-1 parameters of part ({n}c)), keeping every other parameter fixed. {asks}")
    pd_alone = rf"{IDENTITY_LOSS}, apply {step}, keeping every other parameter fixed. {asks}"
    pd = Part(f"{n}d", pd_prompt,
              [_answer(f"new:{p.name}", p.tex, v) for p, v in sol.updated.items()]
              + [_answer("y_hat_after", r"\hat y_{\text{after}}", sol.after.y_hat), _answer("J_after", r"J_{\text{after}}", sol.loss_after),
                 _choice("loss_lowered", LOWERED_LABEL, "yes" if sol.lowered else "no", ["yes", "no"])],
              notes=notes(net, wrong, "d", [f"new:{p.name}" for p in sol.updated] + ["y_hat_after", "J_after"]),
              refers_to=[f"{n}c"], alone=pd_alone)
    concept = concepts.BANK[net.concept]
    pe = Part(f"{n}e", concept.question, [Answer("concept", "model answer", concept.answer, None, None)],
              notes=[Note("model answer", concepts.WEAK_ANSWERS[concept.key], "")])
    parts = [pa, pb, pc, pd, pe]
    _mark(net, sol, parts)
    return parts


D_WEIGHTS = (3, 3, 3, 2, 1)  # 1d's answers: the two updated parameters, y_hat_after, J_after, loss_lowered


def _fr(q: Num) -> str:
    """A rational as SymPy reads it exactly: (-12/5)."""
    q = Fraction(q)
    return f"({q.numerator})" if q.denominator == 1 else f"({q.numerator}/{q.denominator})"


def _mark(net: Network, sol: Solution, parts: list[Part]) -> None:
    """What the handout asks for in each part (graded answers, their kinds and
    weights) and how each answer follows from the student's own earlier answers
    (``recompute``, for error carried forward)."""
    pa, pb, pc, pd, pe = parts
    for part in (pa, pb):
        a = part.answer("y_hat")
        a.graded, a.weight, a.tolerance = True, 1, dict(EXACT)
    for a in pc.answers:
        a.graded, a.weight, a.tolerance = True, 1, dict(EXACT)
    # 1d: the step itself (3 each), the forward pass after it (3), the loss after it (2), whether it went down (1)
    if len(pd.answers) != len(D_WEIGHTS):
        raise ValueError(f"part (d) has {len(pd.answers)} answers and {len(D_WEIGHTS)} weights")
    for a, weight in zip(pd.answers, D_WEIGHTS):
        a.graded, a.weight, a.tolerance = True, weight, None if a.kind == "choice" else dict(EXACT)
    concept = pe.answers[0]
    concept.graded, concept.kind, concept.weight, concept.tolerance = True, "text", 1, None
    for part in parts:
        part.number_refs()
    y_hat = ref_symbol(pa.answer("y_hat").ref or "")
    error = f"2*({y_hat} - {_fr(net.y)})"
    J = pc.answer("J")
    J.depends_on, J.recompute = [pa.answer("y_hat").ref or ""], f"({y_hat} - {_fr(net.y)})**2"
    fwd = sol.identity
    for p in net.asked:
        # dJ/dtheta = 2 (y_hat - y) * d y_hat/d theta, the second factor from the network alone
        j = p.j if p.kind == "W1" else p.i
        if p.kind == "b2":
            slope = Fraction(1)
        elif p.kind == "W2":
            slope = Fraction(fwd.a1[p.i])
        elif p.kind == "b1":
            slope = Fraction(net.W2[j])
        else:
            slope = Fraction(net.W2[j]) * net.x[p.i]
        a = pc.answer(f"grad:{p.name}")
        a.depends_on, a.recompute = list(J.depends_on), f"{error}*{_fr(slope)}"
    slopes = output_slopes(net)
    shifted = []
    for p in sol.updated:
        g = pc.answer(f"grad:{p.name}")
        a = pd.answer(f"new:{p.name}")
        a.depends_on, a.recompute = [g.ref or ""], f"{_fr(net.get(p))} - {_fr(net.eta)}*{ref_symbol(g.ref or '')}"
        shifted.append((a.ref or "", f"{_fr(slopes[p])}*({ref_symbol(a.ref or '')} - {_fr(net.get(p))})"))
    after = pd.answer("y_hat_after")
    after.depends_on = [r for r, _ in shifted]
    after.recompute = f"{_fr(sol.identity.y_hat)} + " + " + ".join(s for _, s in shifted)
    J_after = pd.answer("J_after")
    J_after.depends_on, J_after.recompute = [after.ref or ""], f"({ref_symbol(after.ref or '')} - {_fr(net.y)})**2"


def _context(net: Network, sol: Solution) -> Context:
    """The worked solution the template prints."""
    bp = sol.bp
    grad_table = [
        TableRow(p.tex, num(net.get(p)), num(bp.local[p]), num(bp.grads[p]), p in net.asked)
        for p in ALL_PARAMS
    ]
    node_table = [
        TableRow("J", num(bp.loss), "", "1"),
        TableRow(r"\hat y", num(sol.identity.y_hat), rf"\partial J/\partial \hat y = 2(\hat y - y) = {num(bp.dJ_dyhat)}", num(bp.delta2)),
    ] + [
        TableRow(f"a_{j + 1} = z_{j + 1}", num(sol.identity.a1[j]),
                rf"\partial \hat y/\partial a_{j + 1} = {Param('W2', j, 0).tex} = {num(net.W2[j])}", num(bp.delta1[j]))
        for j in range(N_HIDDEN)
    ]
    loss_change = sol.loss_after - bp.loss
    return Context(
        net=NetworkTex(
            x=[num(v) for v in net.x], y=num(net.y), y_p=num(net.y, paren=True), eta=num(net.eta),
            W1=[[num(v) for v in row] for row in net.W1], b1=[num(v) for v in net.b1],
            W2=[num(v) for v in net.W2], b2=num(net.b2),
        ),
        identity=_forward_context(net, sol.identity),
        relu=_forward_context(net, sol.relu),
        error=num(sol.identity.y_hat - net.y),
        relu_error=num(sol.relu.y_hat - net.y),
        relu_loss=num((sol.relu.y_hat - net.y) ** 2),
        loss=num(bp.loss),
        dJ_dyhat=num(bp.dJ_dyhat),
        chains=[_chain(net, sol, p) for p in net.asked],
        node_table=node_table,
        grad_table=grad_table,
        updates=[
            UpdateTex(f"new:{p.name}", p.tex, num(net.get(p)), num(bp.grads[p], paren=True), num(v))
            for p, v in sol.updated.items()
        ],
        after=_forward_context(net.with_values(sol.updated), sol.after),
        error_after=num(sol.after.y_hat - net.y),
        loss_after=num(sol.loss_after),
        loss_went="down" if loss_change < 0 else ("up" if loss_change > 0 else "unchanged"),
        loss_ratio=num(sol.loss_after / bp.loss) if bp.loss else None,
        slopes=[(p.tex, num(v)) for p, v in output_slopes(net).items()],
        s=num(sol.sensitivity),
        threshold=_frac(1 / sol.sensitivity),
        step_factor=num(1 - 2 * net.eta * sol.sensitivity),
        concept=concepts.BANK[net.concept],
    )


def _frac(q: Fraction) -> str:
    """A fraction as \\tfrac (1/7 has no short decimal), an integer as itself."""
    return str(q.numerator) if q.denominator == 1 else rf"\tfrac{{{q.numerator}}}{{{q.denominator}}}"


# The band of every measure (keys after the question number): the rules keep every version inside.
DIFFICULTY_BANDS: dict[str, tuple[float, float]] = {
    "a:max_abs_number": (1, MAX_ABS),
    "b:zeroed_units": (1, 2),
    "c:abs_error": (1, max(ERRORS)),
    "c:chain_factors": (12, 12),
    "d:eta_over_threshold": (float(STEP_DOWN[0]), float(STEP_UP[1])),
    "d:max_abs_number": (0, MAX_ABS),
    "e:marks": (4, 4),
}


def difficulty_of(net: Network, sol: Solution, n: int) -> dict[str, int | float]:
    """Each part's difficulty measures, keyed "<part>:<measure>" (the class manifest
    reports the spread of each across a class)."""
    return {
        f"{n}a:max_abs_number": float(max(abs(v) for v in sol.identity.z1 + [sol.identity.y_hat])),
        f"{n}b:zeroed_units": sum(1 for z in sol.relu.z1 if z <= 0),
        f"{n}c:abs_error": float(abs(sol.identity.y_hat - net.y)),
        f"{n}c:chain_factors": sum(4 if p.kind in ("W1", "b1") else 2 for p in net.asked),
        f"{n}d:eta_over_threshold": float(net.eta * sol.sensitivity),
        f"{n}d:max_abs_number": float(max(abs(v) for v in step_numbers(net, sol))),
        f"{n}e:marks": concepts.BANK[net.concept].marks,
    }


def present(net: Network, sol: Solution, wrong: list[Mistake], number: int) -> Question:
    difficulty = difficulty_of(net, sol, number)
    return Question(
        id=f"q{number}", family=NAME, title="A 2-3-1 network: forward pass and backpropagation",
        params=net.to_params(), parts=_parts(net, sol, wrong, number), template=TEMPLATE,
        context=_context(net, sol), difficulty=difficulty, number=number,
    )
