"""Judging one student's typed responses against their own version's key.

Every graded answer of answers.json format 2 becomes a :class:`Key`. A
response is read by kind (:func:`read_number`, :func:`read_vector`, or the
safe formula parser for expressions), then

- right when it is within the answer's tolerance (numbers, vectors) or equal
  to the key as a function (expressions: compared at random points of a safe
  domain, by symbolic simplification when the points cannot decide);
- right by follow-through ("error carried forward") when an answer it
  depends on was wrong and it equals the value recomputed from the student's
  own earlier answers (the key's ``recompute``);
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
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..key import NO_TOLERANCE, Answer, Tolerance, Version, parse
from ..key import Mistake as Mistake  # judge.Mistake: what a verdict names
from ..model import FORMAT
from . import safe
from .safe import Node, Unreadable

RIGHT, FOLLOW, WRONG, BLANK, UNREADABLE, UNJUDGED, HAND = ("right", "follow-through", "wrong", "blank", "unreadable",
                                                           "unjudged", "by hand")
CELL_SECONDS = 2.0  # time limit of one cell
MAX_CELL = 2000  # characters of a response that are read at all

Value = float | list[float] | Node


Key = Answer  # one graded answer of a version, as generator.key reads it


def keys_of(data: Version | Mapping[str, Any]) -> list[Key]:
    """The graded answers of a version (or of a parsed answers.json, format 2),
    in the order asked."""
    version = data if isinstance(data, Version) else parse(data)
    return list(version.require(FORMAT, "grading").graded)


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


# ---------------------------------------------------------------- expressions


@lru_cache(maxsize=4096)
def key_node(text: str, names: frozenset[str]) -> Node:
    return safe.parse_trusted(text, names)


@lru_cache(maxsize=64)
def sample_points(variables: tuple[str, ...]) -> tuple[dict[str, float], ...]:
    """Fixed random points (the same every run): most in (0.2, 1.6), where
    logarithms and square roots of the variables are defined, some with
    negative coordinates."""
    rng = random.Random(",".join(variables))
    points = []
    for k in range(12):
        lo, hi = (0.2, 1.6) if k < 8 else (-1.6, 1.6)
        points.append({v: round(rng.uniform(lo, hi), 6) for v in variables})
    return tuple(points)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-7 * max(abs(a), abs(b))


def own_function(key: Key) -> tuple[frozenset[str], dict[str, Any]]:
    """The question's own ``f`` (check.function) as an extra function a formula
    in one variable may use ("in terms of f(z) itself")."""
    function = key.check.function if key.check else None
    if not function or len(key.variables) != 1:
        return frozenset(), {}
    var = key.variables[0]
    try:
        node = key_node(function, frozenset(key.variables))
    except Unreadable:
        return frozenset(), {}
    return frozenset({"f"}), {"f": lambda t: safe.evaluate(node, {var: t})}


_SYMBOLIC_CACHE: dict[tuple[str, str, tuple[str, ...]], bool | None] = {}


def equal_expressions(student: Node, key: Key) -> bool | None:
    """True or False, or None when neither the points nor the symbolic check
    can decide (or a check ran out of time)."""
    assert key.exact is not None
    names = frozenset(key.variables)
    knode = key_node(key.exact, names)
    _, extra = own_function(key)
    agree = disagree = undefined = 0
    for point in sample_points(key.variables):
        k = safe.evaluate(knode, point)
        if math.isnan(k):
            continue
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
          follow_through: float = 1.0, seconds: float = CELL_SECONDS) -> Verdict:
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
            _judge(verdict, text, key, earlier, keys, follow_through)
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
           follow_through: float) -> None:
    value = read(text, key)
    verdict.value = value
    if key.kind == "expression":
        same = equal_expressions(value if isinstance(value, tuple) else ("n", math.nan, "nan"), key)
        if same is None:
            verdict.status, verdict.note = UNJUDGED, "could not be judged, please check by hand"
            return
        if same:
            verdict.status, verdict.points, verdict.note = RIGHT, key.points, "right"
            return
    elif _matches(value, key.value, key.tolerance):
        verdict.status, verdict.points, verdict.note = RIGHT, key.points, "right"
        return
    # follow-through from the student's own wrong earlier answers
    wrong_deps = [d for d in key.depends_on if d in earlier and not earlier[d].right]
    if wrong_deps and isinstance(value, float):
        target = recomputed(key, earlier, keys)
        if target is not None and _within(value, target, key.tolerance):
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
                  seconds: float = CELL_SECONDS) -> list[Verdict]:
    """Verdicts on every graded answer, in the order asked (blank where no response)."""
    by_ref = {k.ref: k for k in keys}
    done: dict[str, Verdict] = {}
    for key in keys:
        done[key.ref] = judge(responses.get(key.ref, ""), key, done, by_ref, follow_through, seconds)
    return list(done.values())
