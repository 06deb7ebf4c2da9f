"""Judging one student's typed responses against their own version's key.

Every graded answer of answers.json (format 2 or 3) becomes a :class:`Key`. A
response is read by kind (:func:`read_number`, :func:`read_vector`, the
safe formula parser for expressions, or :func:`read_choice` for a choice), then

- right when it is within the answer's tolerance (numbers, vectors) or equal
  to the key as a function (expressions: compared at points drawn where the
  key is real and defined, :func:`domain_points`, by symbolic simplification
  when the points cannot decide; a chain-rule formula in the other variables
  after substituting the question's own g1 and g2);
- right by follow-through ("error carried forward") when an answer it
  depends on was wrong and it equals the value recomputed from the student's
  own earlier answers (the key's ``recompute``), unless one of those could
  not be judged: then it is left to check by hand too;
- wrong, naming the mistake when it equals one of the key's common wrong
  answers.

Each cell runs under a time limit: a runaway check becomes "could not be
judged, please check by hand", never a hang.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..key import MARKED, NO_TOLERANCE, Answer, Tolerance, Version, parse
from ..key import Mistake as Mistake  # judge.Mistake: what a verdict names
from . import safe
from .safe import Node, Unreadable

RIGHT, FOLLOW, WRONG, BLANK, UNREADABLE, UNJUDGED, HAND = ("right", "follow-through", "wrong", "blank", "unreadable",
                                                           "unjudged", "by hand")
CHECK_BY_HAND = frozenset({UNREADABLE, UNJUDGED})  # grades.csv's check_by_hand and the summary's count
CELL_SECONDS = 2.0  # time limit of one cell
MAX_CELL = 2000  # characters of a response that are read at all

Value = float | list[float] | Node


Key = Answer  # one graded answer of a version, as generator.key reads it


def keys_of(data: Version | Mapping[str, Any]) -> list[Key]:
    """The graded answers of a version (or of a parsed answers.json, format 2),
    in the order asked."""
    version = data if isinstance(data, Version) else parse(data)
    return list(version.require(MARKED, "grading").graded)


@dataclass
class Verdict:
    ref: str
    part: str
    response: str
    status: str
    points: float
    max_points: float
    note: str = ""
    mistake: Mistake | None = None
    value: Value | None = field(default=None, repr=False)  # what was read, for follow-through

    @property
    def right(self) -> bool:
        return self.status == RIGHT

    @property
    def check_by_hand(self) -> bool:
        """Unreadable, or a check that could not decide: 0 points until a TA looks."""
        return self.status in CHECK_BY_HAND


# ---------------------------------------------------------------- reading


_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_COMMA = re.compile(r"[+-]?\d+,\d+")
_FRACTION = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))/([+-]?(?:\d+\.?\d*|\.\d+))")
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "＋": "+"})


def _clean(text: str, nfkc: bool = True) -> str:
    """The text after the last '=' (or '≈'); NFKC-normalized for numbers (a
    formula keeps its superscripts for the parser, which reads x² as x^2)."""
    text = text.translate(_DASHES).strip()
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    for sign in ("=", "≈"):
        if sign in text:  # "y = 32", "J ≈ 0.64": the value is after the last sign
            text = text.rsplit(sign, 1)[1].strip()
    return text


def read_number(text: str) -> float:
    """A number as typed: 32, -0.5, 0,5, 3/2, 1.5e-3, −2, 6 sin(1), e^2/(1+e^2)."""
    t = _SPACES.sub("", _clean(text))
    if not t:
        raise Unreadable("empty")
    if _COMMA.fullmatch(t):
        t = t.replace(",", ".")
    if _PLAIN.fullmatch(t):
        value = float(t)
    elif m := _FRACTION.fullmatch(t):
        den = float(m.group(2))
        if den == 0:
            raise Unreadable("division by zero")
        value = float(Fraction(m.group(1)) / Fraction(m.group(2)))
    else:
        node = safe.parse(_clean(text, nfkc=False), frozenset())
        value = safe.evaluate(node, {})
    if not math.isfinite(value):
        raise Unreadable("not a finite number")
    return value


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(text[start:k])
            start = k + 1
    out.append(text[start:])
    return out


_PAIRS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "<": ">"}


def _wraps(t: str) -> bool:
    """True when the bracket opening ``t`` closes at its very end ("(1, 2)", not "(1)*(2)")."""
    depth = 0
    for k, ch in enumerate(t):
        depth += 1 if ch in "([{⟨<" else -1 if ch in ")]}⟩>" else 0
        if depth == 0 and k < len(t) - 1:
            return False
    return True


def read_vector(text: str, size: int) -> list[float]:
    """A vector as typed: (a, b), [a, b], a; b, (0,5; 1,5)."""
    t = _clean(text)
    if t[:1] in _PAIRS and t.endswith(_PAIRS[t[0]]) and _wraps(t):
        t = t[1:-1]
    pieces = _split_top(t, ";") if ";" in t else _split_top(t, ",")
    if ";" not in t and len(pieces) == 2 * size and all(_PLAIN.fullmatch(p.strip()) for p in pieces):
        raise Unreadable("ambiguous commas: with decimal commas, separate the components with ';'")
    if len(pieces) != size:
        raise Unreadable(f"expected {size} components, read {len(pieces)}")
    return [read_number(p) for p in pieces]


# The spellings a choice between "yes" and "no" accepts, in any case and with spaces around: the
# question is whether the step lowered the loss, so "decreased" and "lower" say yes. Anything else
# (a "maybe", both words, a number) is unreadable rather than guessed.
SPELLINGS = {
    "yes": ("yes", "y", "true", "decreased", "lower"),
    "no": ("no", "n", "false", "increased", "higher"),
}


def read_choice(text: str, choices: Sequence[str]) -> str:
    """The option a response names: one of ``choices`` as written or, for a
    choice between yes and no, one of their :data:`SPELLINGS`; in any case
    (and width), with spaces around it. Anything else is unreadable."""
    t = unicodedata.normalize("NFKC", text).strip().casefold()
    if not t:
        raise Unreadable("empty")
    yes_no = sorted(c.casefold() for c in choices) == ["no", "yes"]
    for option in choices:
        if t == option.casefold() or (yes_no and t in SPELLINGS[option.casefold()]):
            return option
    raise Unreadable(f"expected {' or '.join(choices)}")


# ---------------------------------------------------------------- expressions


@lru_cache(maxsize=4096)
def key_node(text: str, names: frozenset[str]) -> Node:
    return safe.parse_trusted(text, names)


@lru_cache(maxsize=64)
def sample_points(variables: tuple[str, ...]) -> tuple[dict[str, float], ...]:
    """Fixed random points (the same every run): most in (0.2, 1.6), where
    logarithms and square roots of the variables are defined, some with
    negative coordinates. :func:`domain_points` keeps those inside a key's
    domain and draws more there."""
    rng = random.Random(",".join(variables))
    points = []
    for k in range(12):
        lo, hi = (0.2, 1.6) if k < 8 else (-1.6, 1.6)
        points.append({v: round(rng.uniform(lo, hi), 6) for v in variables})
    return tuple(points)


POINTS = 12  # check points of a formula, all inside the key's domain
MAX_DRAWS = 4000  # candidate points tried for a key defined on a small region
DOMAIN_MARGIN = 1e-3  # arguments of sqrt and log (and bases of fractional powers) stay above this
MAX_KEY_VALUE = 1e8  # a point where the key is larger is too near a pole to compare at
_BOXES = ((0.2, 1.6), (-1.6, 1.6), (-4.0, 4.0), (-12.0, 12.0))  # where further points are drawn, in turn


def in_domain(knode: Node, point: Mapping[str, float]) -> bool:
    """True when the key is real and defined at ``point`` with a margin: its
    value finite and not huge, every argument of ``sqrt`` and ``log`` and every
    base of a fractional power above :data:`DOMAIN_MARGIN`."""
    k = safe.evaluate(knode, point)
    if math.isnan(k) or abs(k) > MAX_KEY_VALUE:
        return False
    for sub in safe.subtrees(knode):
        if sub[0] == "f" and sub[1] in ("sqrt", "log"):
            inner = sub[2]
        elif sub[0] == "^" and not float(safe.evaluate(sub[2], point)).is_integer():
            inner = sub[1]
        else:
            continue
        if not safe.evaluate(inner, point) > DOMAIN_MARGIN:  # NaN is outside too
            return False
    return True


@lru_cache(maxsize=16384)  # one entry per formula key of a class: 500 students have about 4,500
def domain_points(exact: str, variables: tuple[str, ...], function: str | None = None) -> tuple[dict[str, float], ...]:
    """:data:`POINTS` check points where the key ``exact`` is real and defined
    (:func:`in_domain`): the fixed :func:`sample_points` that are, then points
    drawn from widening boxes, each kept only when the key is defined there.
    Deterministic: the draws are seeded by the variables and the key's text.
    ``function``, the question's own f of an answer a student may give in
    terms of f(z), must be defined there too."""
    nodes = [key_node(text, frozenset(variables)) for text in (exact, function) if text]

    def inside(point: dict[str, float]) -> bool:
        return all(in_domain(node, point) for node in nodes)

    points = [p for p in sample_points(variables) if inside(p)]
    rng = random.Random("domain|" + ",".join(variables) + "|" + exact)
    draws = 0
    while len(points) < POINTS and draws < MAX_DRAWS:
        lo, hi = _BOXES[draws % len(_BOXES)]
        draws += 1
        point = {v: round(rng.uniform(lo, hi), 6) for v in variables}
        if inside(point):
            points.append(point)
    return tuple(points)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-7 * max(abs(a), abs(b))


def own_function(key: Key) -> tuple[frozenset[str], dict[str, Any]]:
    """The question's own ``f`` (check.function) as an extra function a formula
    in one variable may use ("in terms of f(z) itself")."""
    function = key.check.function if key.check else None
    extra = _function_of(function, key.variables)
    return (frozenset({"f"}) if extra else frozenset()), extra


def _function_of(function: str | None, variables: tuple[str, ...]) -> dict[str, Any]:
    if not function or len(variables) != 1:
        return {}
    var = variables[0]
    try:
        node = key_node(function, frozenset(variables))
    except Unreadable:
        return {}
    return {"f": lambda t: safe.evaluate(node, {var: t})}


_SYMBOLIC_CACHE: dict[tuple[str, str, tuple[str, ...]], bool | None] = {}


def equal_expressions(student: Node, key: Key) -> bool | None:
    """True or False, or None when neither the points nor the symbolic check
    can decide (or a check ran out of time)."""
    assert key.exact is not None
    names = frozenset(key.variables)
    knode = key_node(key.exact, names)
    _, extra = own_function(key)
    agree = disagree = undefined = 0
    function = key.check.function if key.check and extra else None
    for point in domain_points(key.exact, key.variables, function):
        k = safe.evaluate(knode, point)
        s = safe.evaluate(student, point, extra)
        if math.isnan(s):
            undefined += 1
        elif _close(s, k):
            agree += 1
        else:
            disagree += 1
    if disagree or (undefined and not agree):
        return False  # different values, or undefined wherever the key is defined
    if agree >= 3 and not undefined:
        return True
    return symbolic_equal(student, key)


def symbolic_equal(student: Node, key: Key) -> bool | None:
    cache_key = (key.exact or "", repr(student), key.variables)
    if cache_key in _SYMBOLIC_CACHE:
        return _SYMBOLIC_CACHE[cache_key]
    import sympy

    symbols = {v: sympy.Symbol(v, real=True) for v in key.variables}
    functions: dict[str, Any] = {}
    try:
        if own_function(key)[0] and key.check:
            # the key's own texts go through the same parser (no sympify, which runs eval)
            f_expr = safe.to_sympy(key_node(key.check.function, frozenset(key.variables)), symbols)
            var = symbols[key.variables[0]]
            functions["f"] = lambda arg: f_expr.subs(var, arg)
        k = safe.to_sympy(key_node(key.exact or "", frozenset(key.variables)), symbols)
    except Unreadable:
        _SYMBOLIC_CACHE[cache_key] = None
        return None
    try:
        s = safe.to_sympy(student, symbols, functions)
        result: bool | None = sympy.simplify(s - k) == 0 or None
    except Unreadable:
        result = None
    except safe.Timeout:
        _SYMBOLIC_CACHE[cache_key] = None  # the same response again is not given another full time limit
        raise
    _SYMBOLIC_CACHE[cache_key] = result
    return result


# ---------------------------------------------------------------- judging


def _within(r: float, v: float, tol: Tolerance | None) -> bool:
    return abs(r - v) <= (tol or NO_TOLERANCE).allows(v) + 1e-12 * max(1.0, abs(v))


def _matches(read: Value, target: Any, tol: Tolerance | None) -> bool:
    if isinstance(read, float) and isinstance(target, (int, float)) and not isinstance(target, bool):
        return _within(read, float(target), tol)
    if isinstance(read, list) and isinstance(target, tuple) and len(read) == len(target):
        return all(isinstance(t, (int, float)) and _within(r, float(t), tol) for r, t in zip(read, target))
    return False


def read(text: str, key: Key) -> Value:
    if key.kind == "number":
        return read_number(text)
    if key.kind == "vector":
        size = len(key.value) if isinstance(key.value, tuple) else 2
        return read_vector(text, size)
    if key.kind == "expression":
        extra, _ = own_function(key)
        return safe.parse(_clean(text, nfkc=False), frozenset(key.variables), extra)
    raise Unreadable(f"unknown kind {key.kind!r}")


Inner = Mapping[str, Mapping[str, str]]  # ref -> {inner function's name: its formula}, see inner_functions


def inner_functions(version: Version) -> dict[str, dict[str, str]]:
    """For each formula answer of a question whose ``params`` define inner
    functions (chain_rule's ``g1`` and ``g2``, each ``{"expr": ...}`` in
    x1 and x2): those functions, so that a formula written in x1, x2 where
    g1, g2 are asked (or the other way round) can be judged after
    substituting them."""
    out: dict[str, dict[str, str]] = {}
    for question in version.questions:
        defined = {name: p["expr"] for name, p in question.params.items()
                   if isinstance(p, Mapping) and isinstance(p.get("expr"), str)}
        if not defined:
            continue
        try:
            inside = set().union(*(safe.variables_of(key_node(e, _names_in(e))) for e in defined.values()))
        except Unreadable:
            continue
        for part in question.parts:
            for answer in part.graded:
                if answer.kind == "expression" and set(answer.variables) <= set(defined) | inside:
                    out[answer.ref] = dict(defined)
    return out


def _names_in(text: str) -> frozenset[str]:
    """The variable names of a trusted formula's text."""
    return frozenset(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text)) - set(safe.FUNCTIONS) - set(safe.CONSTANTS) - {"Max"}


def in_other_variables(text: str, key: Key, inner: Inner) -> tuple[Node, Key, str]:
    """A formula not in the key's variables read in those of the question's
    inner functions as well; the formula and a key of the same answer with the
    inner functions substituted (both in the inner functions' variables), and
    the substitution made ("g1 = 2*x2*exp(2*x1)"). Raises :class:`Unreadable`
    when it is not a formula in these variables either."""
    defined = inner.get(key.ref)
    if not defined or key.exact is None:
        raise Unreadable(f"not a formula in {', '.join(key.variables)}")
    trees = {name: key_node(e, _names_in(e)) for name, e in defined.items()}
    inside = set().union(*(safe.variables_of(t) for t in trees.values()))
    names = set(key.variables) | set(defined) | inside
    extra, _ = own_function(key)
    student = safe.parse(_clean(text, nfkc=False), frozenset(names), extra)
    used = sorted(n for n in defined if n in safe.variables_of(student) or re.search(rf"\b{n}\b", key.exact))
    exact = re.sub(r"\b(" + "|".join(map(re.escape, defined)) + r")\b", lambda m: f"({defined[m.group(1)]})", key.exact)
    variables = tuple(sorted((set(key.variables) - set(defined)) | inside))
    substituted = safe.substitute(student, trees)
    if not safe.variables_of(substituted) <= set(variables) | set(safe.CONSTANTS):
        raise Unreadable(f"not a formula in {', '.join(key.variables)}")
    note = ", ".join(f"{n} = {defined[n]}" for n in used)
    return substituted, replace(key, exact=exact, variables=variables), note


def _symbol(ref: str) -> str:
    part, k = ref.split("#", 1)
    return f"ref_{part.replace('.', '_')}_{k}"


def recomputed(key: Key, earlier: Mapping[str, Verdict], keys: Mapping[str, Key]) -> float | None:
    """This answer's value recomputed from the student's own earlier answers,
    or None when it cannot be (a dependency blank, unreadable or free text)."""
    if not key.recompute or not key.depends_on:
        return None
    env: dict[str, float] = {}
    at = {str(k): float(v) for k, v in (key.check.at or {}).items()} if key.check else {}
    for dep in key.depends_on:
        v = earlier.get(dep)
        if v is None or v.value is None:
            return None
        if isinstance(v.value, float):
            env[_symbol(dep)] = v.value
        elif isinstance(v.value, tuple):  # an expression: its value at this answer's point
            dep_key = keys.get(dep)
            extra = own_function(dep_key)[1] if dep_key else {}
            value = safe.evaluate(v.value, at, extra)
            if math.isnan(value):
                return None
            env[_symbol(dep)] = value
        else:
            return None
    try:
        node = key_node(key.recompute, frozenset(env))
    except Unreadable:
        return None
    value = safe.evaluate(node, env)
    return None if math.isnan(value) else value


def _where(ref: str, keys: Mapping[str, Key]) -> str:
    """How feedback names an earlier answer: its part ("1a") when the part asks
    for one answer, else its ref ("1c#3")."""
    part = ref.split("#", 1)[0]
    return part if sum(1 for r in keys if r.split("#", 1)[0] == part) == 1 else ref


def _show(value: Value | None, response: str) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    text = " ".join(response.split())
    return text if len(text) <= 30 else text[:27] + "..."


def judge(response: str, key: Key, earlier: Mapping[str, Verdict], keys: Mapping[str, Key],
          follow_through: float = 1.0, seconds: float = CELL_SECONDS, inner: Inner | None = None) -> Verdict:
    """The verdict on one response; never raises for any text."""
    text = response.strip()
    verdict = Verdict(key.ref, key.part, response, BLANK, 0.0, key.points, "no answer")
    if key.kind == "text":
        verdict.status, verdict.note = HAND, "marked by hand"
        return verdict
    if not text:
        return verdict
    if len(text) > MAX_CELL:
        verdict.status, verdict.note = UNREADABLE, f"could not read: longer than {MAX_CELL} characters"
        return verdict
    try:
        with safe.time_limit(seconds):
            _judge(verdict, text, key, earlier, keys, follow_through, inner or {})
    except safe.Timeout:
        verdict.status, verdict.points, verdict.mistake = UNJUDGED, 0.0, None
        verdict.note = "could not be judged, please check by hand"
    except (Unreadable, RecursionError, MemoryError, OverflowError, ValueError, ZeroDivisionError) as exc:
        verdict.status, verdict.points, verdict.mistake = UNREADABLE, 0.0, None
        verdict.note = f"could not read: {exc}" if isinstance(exc, Unreadable) else "could not read"
    except Exception:  # a SymPy failure on an odd formula must not stop the class: a TA looks at it
        verdict.status, verdict.points, verdict.mistake = UNJUDGED, 0.0, None
        verdict.note = "could not be judged, please check by hand"
    return verdict


def _judge(verdict: Verdict, text: str, key: Key, earlier: Mapping[str, Verdict], keys: Mapping[str, Key],
           follow_through: float, inner: Inner) -> None:
    if key.kind == "choice":  # right or wrong, nothing to carry forward and no mistake to name
        if read_choice(text, key.choices) == key.exact:
            verdict.status, verdict.points, verdict.note = RIGHT, key.points, "right"
        else:
            verdict.status, verdict.note = WRONG, "wrong"
        return
    substituted, asked = "", key.variables
    try:
        value = read(text, key)
    except Unreadable as exc:
        if key.kind != "expression" or key.ref not in inner:
            raise
        # not in the asked variables: perhaps in those of the question's own g (2a#1 in x1, x2)
        try:
            value, key, substituted = in_other_variables(text, key, inner)
        except Unreadable:
            raise exc from None
    verdict.value = value
    if key.kind == "expression":
        same = equal_expressions(value if isinstance(value, tuple) else ("n", math.nan, "nan"), key)
        if same is None:
            verdict.status, verdict.note = UNJUDGED, "could not be judged, please check by hand"
            return
        if same:
            verdict.status, verdict.points, verdict.note = RIGHT, key.points, "right"
            if substituted:
                verdict.note = f"right after substituting {substituted} (asked in {', '.join(asked)})"
            return
        if substituted:
            verdict.status, verdict.note = WRONG, f"wrong (after substituting {substituted})"
            return
    elif _matches(value, key.value, key.tolerance):
        verdict.status, verdict.points, verdict.note = RIGHT, key.points, "right"
        return
    # follow-through from the student's own wrong earlier answers
    wrong_deps = [d for d in key.depends_on if d in earlier and not earlier[d].right]
    if wrong_deps and isinstance(value, float):
        target = recomputed(key, earlier, keys)
        if target is not None and _within(value, target, key.tolerance):
            unjudged = [d for d in wrong_deps if earlier[d].status == UNJUDGED]
            if unjudged:  # credit resting on an answer nobody has judged yet is no credit: a TA decides both
                verdict.status = UNJUDGED
                verdict.note = ("could not be judged: it follows from your " + ", ".join(_where(d, keys) for d in unjudged)
                                + ", which must be checked by hand")
                return
            verdict.status, verdict.points = FOLLOW, round(key.points * follow_through, 4)
            verdict.note = "correct from your " + ", ".join(
                f"{_where(d, keys)} value {_show(earlier[d].value, earlier[d].response)}" if isinstance(earlier[d].value, float)
                else f"{_where(d, keys)} formula" for d in wrong_deps)
            return
    verdict.status, verdict.note = WRONG, "wrong"
    for m in key.mistakes:
        if _matches(value, m.value, key.tolerance):
            verdict.mistake = m
            verdict.note = f"wrong: {m.text}" if m.text else f"wrong: {m.name}"
            return


def judge_student(responses: Mapping[str, str], keys: Sequence[Key], follow_through: float = 1.0,
                  seconds: float = CELL_SECONDS, inner: Inner | None = None) -> list[Verdict]:
    """Verdicts on every graded answer, in the order asked (blank where no
    response). ``inner`` (:func:`inner_functions`) lets a formula written in
    the variables of the question's own inner functions be judged."""
    by_ref = {k.ref: k for k in keys}
    done: dict[str, Verdict] = {}
    for key in keys:
        done[key.ref] = judge(responses.get(key.ref, ""), key, done, by_ref, follow_through, seconds, inner)
    return list(done.values())
