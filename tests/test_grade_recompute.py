"""The grader's marks equal an independent recomputation over 50 random
versions, each with random perturbations of the right answers: blanks, wrong
numbers, the version's own common mistakes, other forms of right answers,
wrong formulas, and answers computed consistently from the student's own
wrong earlier answers.

The independent route reads what the test itself wrote with SymPy (the test
wrote it, so parsing it is safe here), decides formulas by symbolic
simplification instead of sample points, and recomputes follow-through
values by SymPy substitution into the key's ``recompute`` texts."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import pytest
import sympy

from generator import pipeline
from generator.grade import judge
from generator.grade.judge import Key
from generator.key import NO_TOLERANCE, as_number, as_vector

VERSIONS = 50


def _symbol(ref: str) -> sympy.Symbol:
    part, k = ref.split("#")
    return sympy.Symbol(f"ref_{part.replace('.', '_')}_{k}")


def _num_text(x: float, rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        return repr(float(x))
    if choice == 1:
        return f"{x:.7f}".replace(".", ",")
    return str(Fraction(x).limit_denominator(10**9))


def respond(keys: list[Key], rng: random.Random) -> dict[str, str]:
    """Random responses: each answer right, right in another form, blank,
    wrong, a known mistake, or computed from the student's own earlier values."""
    cells: dict[str, str] = {}
    values: dict[str, Any] = {}  # sympy values of the student's answers
    for k in keys:
        if k.kind == "text":
            continue
        wrong_deps = [d for d in k.depends_on if d in values and d in cells and not _right(keys, d, cells)]
        roll = rng.random()
        if k.kind == "number":
            v = as_number(k.value)
            if wrong_deps and k.recompute and roll < 0.6 and all(d in values for d in k.depends_on):
                at = {sympy.Symbol(n): x for n, x in ((k.check.at if k.check else None) or {}).items()}
                subs = {_symbol(d): values[d].subs(at) if isinstance(values[d], sympy.Basic) else values[d]
                        for d in k.depends_on}
                try:
                    follow = float(sympy.sympify(k.recompute).subs(subs).evalf(30))
                except (TypeError, ValueError):
                    follow = None
                if follow is not None:
                    cells[k.ref] = _num_text(follow, rng)
            elif roll < 0.35:
                cells[k.ref] = _num_text(v, rng)
            elif roll < 0.5:
                cells[k.ref] = ""
            elif roll < 0.7 and k.mistakes:
                cells[k.ref] = repr(as_number(rng.choice(k.mistakes).value))
            elif roll < 0.9:
                cells[k.ref] = _num_text(v + rng.choice([-1, 1]) * rng.choice([0.5, 1, 2, 7]), rng)
            else:
                cells[k.ref] = str(k.exact)
        elif k.kind == "vector":
            vec = list(as_vector(k.value))
            if roll < 0.4:
                cells[k.ref] = "[" + ", ".join(repr(x) for x in vec) + "]"
            elif roll < 0.55:
                cells[k.ref] = ""
            elif roll < 0.75 and k.mistakes:
                cells[k.ref] = "; ".join(repr(x) for x in as_vector(rng.choice(k.mistakes).value))
            else:
                vec[rng.randrange(len(vec))] += 0.5
                cells[k.ref] = "(" + ", ".join(repr(x) for x in vec) + ")"
        elif k.kind == "expression":
            var = k.variables[0]
            if roll < 0.4:
                cells[k.ref] = str(k.exact)
            elif roll < 0.55:
                cells[k.ref] = str(sympy.expand(sympy.sympify(k.exact)))
            elif roll < 0.65:
                cells[k.ref] = ""
            elif roll < 0.85:
                cells[k.ref] = f"{k.exact} + {var}"
            else:
                cells[k.ref] = f"2*({k.exact})"
        if k.ref in cells and cells[k.ref].strip():
            values[k.ref] = _read(k, cells[k.ref])
    return cells


def _read(k: Key, text: str) -> Any:
    if k.kind == "number":
        return sympy.Rational(Fraction(text.replace(",", "."))) if "(" not in text and "e" not in text.lower()[1:] \
            else sympy.sympify(text)
    if k.kind == "expression":
        return sympy.sympify(text, locals={v: sympy.Symbol(v) for v in k.variables})
    return [float(x) for x in text.strip("[]() ").replace(";", ",").split(",")]


_RIGHT_CACHE: dict[tuple[str, str], bool] = {}


def _right(keys: list[Key], ref: str, cells: dict[str, str]) -> bool:
    k = next(k for k in keys if k.ref == ref)
    return _judge_right(k, cells.get(ref, ""))


def _within(r: float, v: float, k: Key) -> bool:
    tol = k.tolerance or NO_TOLERANCE
    return abs(r - v) <= max(tol.abs, tol.rel * abs(v)) + 1e-12 * max(1.0, abs(v))


def _judge_right(k: Key, text: str) -> bool:
    if not text.strip():
        return False
    if k.kind == "number":
        return _within(float(_read(k, text)), as_number(k.value), k)
    if k.kind == "vector":
        r = _read(k, text)
        return len(r) == len(as_vector(k.value)) and all(_within(a, b, k) for a, b in zip(r, as_vector(k.value)))
    symbols = {v: sympy.Symbol(v) for v in k.variables}
    diff = sympy.sympify(text, locals=symbols) - sympy.sympify(k.exact, locals=symbols)
    return bool(sympy.simplify(diff) == 0)


def expected_points(keys: list[Key], cells: dict[str, str], follow_through: float) -> dict[str, float]:
    points: dict[str, float] = {}
    for k in keys:
        if k.kind == "text":
            continue
        text = cells.get(k.ref, "")
        got = 0.0
        if _judge_right(k, text):
            got = k.points
        elif text.strip() and k.kind == "number" and k.recompute:
            deps = k.depends_on
            if all(cells.get(d, "").strip() for d in deps) and any(not _right(keys, d, cells) for d in deps):
                at = {sympy.Symbol(n): v for n, v in ((k.check.at if k.check else None) or {}).items()}
                subs = {}
                for d in deps:
                    dk = next(x for x in keys if x.ref == d)
                    val = _read(dk, cells[d])
                    subs[_symbol(d)] = val.subs(at) if dk.kind == "expression" else val
                target = float(sympy.sympify(k.recompute).subs(subs).evalf(30))
                if _within(float(_read(k, text)), target, k):
                    got = k.points * follow_through
        points[k.part] = points.get(k.part, 0.0) + got
    return points


@pytest.mark.slow
@pytest.mark.parametrize("follow_through", [1.0, 0.5])
def test_grades_equal_an_independent_recomputation(follow_through: float) -> None:
    rng = random.Random(15 + int(follow_through * 10))
    statuses: set[str] = set()
    for _n in range(VERSIONS // 2):
        seed = rng.randrange(10**9)
        data = pipeline.build_problem_set(seed=seed).to_json()
        keys = judge.keys_of(data)
        cells = respond(keys, rng)
        verdicts = judge.judge_student(cells, keys, follow_through)
        statuses |= {v.status for v in verdicts}
        got: dict[str, float] = {}
        for v in verdicts:
            if v.status != judge.HAND:
                got[v.part] = got.get(v.part, 0.0) + v.points
        expected = expected_points(keys, cells, follow_through)
        assert got.keys() == expected.keys()
        for part in got:
            assert got[part] == pytest.approx(expected[part], abs=1e-9), (seed, part, [
                (v.ref, v.response, v.status, v.note) for v in verdicts if v.part == part])
    # the random responses reached every outcome
    assert {judge.RIGHT, judge.WRONG, judge.BLANK, judge.FOLLOW, judge.HAND} <= statuses
