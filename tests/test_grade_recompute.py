"""The grader's marks equal an independent recomputation over 50 random
versions, each with random perturbations of the right answers: blanks, wrong
numbers, the version's own common mistakes (with the key's partial credit:
the method share, a slip of scope "part" made again costing nothing more),
answers right to fewer decimals than asked (the rounding share), other forms
of right answers, wrong formulas, answers computed consistently from the
student's own wrong earlier answers, and random hand marks and whole-part
marks of a TA merged into the part marks.

The independent route reads what the test itself wrote with SymPy (the test
wrote it, so parsing it is safe here), decides formulas by symbolic
simplification instead of sample points, and recomputes follow-through
values by SymPy substitution into the key's ``recompute`` texts."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy

from generator import pipeline
from generator.grade import credit, judge, run
from generator.grade.judge import Key
from generator.key import NO_TOLERANCE, Marking, as_number, as_vector, parse
from generator.model import Student

VERSIONS = 50
ROUNDING = 0.5  # the default [grading] rounding share


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
    slips: dict[str, str] = {}  # part -> the slip of scope "part" a student made there, made again where it can be
    for k in keys:
        if k.kind == "text":
            continue
        wrong_deps = [d for d in k.depends_on if d in values and d in cells and not _right(keys, d, cells)]
        roll = rng.random()
        if k.kind == "number":
            v = as_number(k.value)
            again = next((m for m in k.mistakes if slips.get(k.part) == m.name), None)
            if again is not None and rng.random() < 0.5:  # the part's slip made again, consistently
                cells[k.ref] = repr(as_number(again.value))
            elif wrong_deps and k.recompute and roll < 0.6 and all(d in values for d in k.depends_on):
                at = {sympy.Symbol(n): x for n, x in ((k.check.at if k.check else None) or {}).items()}
                subs = {_symbol(d): values[d].subs(at) if isinstance(values[d], sympy.Basic) else values[d]
                        for d in k.depends_on}
                try:
                    follow = float(sympy.sympify(k.recompute).subs(subs).evalf(30))
                except (TypeError, ValueError):
                    follow = None
                if follow is not None:
                    cells[k.ref] = _num_text(follow, rng)
            elif roll < 0.3:
                cells[k.ref] = _num_text(v, rng)
            elif roll < 0.38:  # rounded to fewer decimals (or as many) as the tolerance asks
                cells[k.ref] = f"{v:.{rng.choice([1, 2, 3])}f}"
            elif roll < 0.5:
                cells[k.ref] = ""
            elif roll < 0.7 and k.mistakes:
                m = _slip(k, rng, slips)
                cells[k.ref] = repr(as_number(m.value))
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
                cells[k.ref] = "; ".join(repr(x) for x in as_vector(_slip(k, rng, slips).value))
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


def _slip(k: Key, rng: random.Random, slips: dict[str, str]) -> Any:
    """One of the answer's mistakes: the part's slip again when this answer has it, else a random one."""
    again = next((m for m in k.mistakes if slips.get(k.part) == m.name), None)
    m = again or rng.choice(k.mistakes)
    if m.scope == "part":
        slips.setdefault(k.part, m.name)
    return m


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


def _asked(k: Key) -> int | None:
    """The decimals a tolerance ±a asks: those of 2a written out (0.01: 2, 0.0002: 4)."""
    tol = k.tolerance
    if tol is None or tol.rel or not tol.abs:
        return None
    text = format(Decimal(repr(2 * tol.abs)).normalize(), "f")
    return len(text.split(".")[1]) if "." in text else 0


def _named(k: Key, text: str) -> Any:
    """The first of the key's mistakes the response is (within the tolerance), or None."""
    if k.kind == "number":
        r = float(_read(k, text))
        return next((m for m in k.mistakes if _within(r, as_number(m.value), k)), None)
    if k.kind == "vector":
        vec = _read(k, text)
        return next((m for m in k.mistakes if len(as_vector(m.value)) == len(vec)
                     and all(_within(a, b, k) for a, b in zip(vec, as_vector(m.value)))), None)
    return None


def _rounded(k: Key, text: str) -> bool:
    """A number typed with d decimals, 1 <= d < asked, not 0, within half a unit of the d-th decimal of the key."""
    asked = _asked(k)
    t = text.strip()
    if k.kind != "number" or asked is None or "." not in t or not t.replace(".", "", 1).lstrip("-").isdigit():
        return False
    d = len(t.split(".")[1])
    r = Fraction(t)
    return 1 <= d < asked and r != 0 and abs(r - Fraction(as_number(k.value))) <= Fraction(1, 2 * 10**d)


def expected_points(keys: list[Key], cells: dict[str, str], follow_through: float,
                    rounding: float = 0.0) -> dict[str, float]:
    points: dict[str, float] = {}
    slipped: set[tuple[str, str]] = set()
    for k in keys:
        if k.kind == "text":
            continue
        text = cells.get(k.ref, "")
        got = 0.0
        followed = False
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
                    got, followed = k.points * follow_through, True
        if not got and not followed and text.strip() and k.kind in ("number", "vector"):
            m = _named(k, text)
            if m is not None and (k.part, m.name) in slipped:
                got = k.points  # the same slip again in the part: judged from the slipped values
            elif m is not None:
                if m.scope == "part":
                    slipped.add((k.part, m.name))
                got = k.points * m.credit
            elif _rounded(k, text):
                got = k.points * rounding
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
        credit.apply(verdicts, keys, Marking(follow_through, ROUNDING))
        statuses |= {v.status for v in verdicts}
        # a TA's marks: random hand marks of the text answers (some left out), and now and then a whole part
        hand = {k.ref: rng.randrange(int(2 * k.points) + 1) / 2 for k in keys if k.kind == "text" and rng.random() < 0.8}
        parts = list(dict.fromkeys(k.part for k in keys))
        whole = {p: rng.randrange(int(2 * sum(k.points for k in keys if k.part == p)) + 1) / 2
                 for p in parts if rng.random() < 0.1}
        version = parse(data)
        g = run.StudentGrade(run.Member(Student("s"), "s", version.version, version), 2, verdicts, hand, whole)
        expected = expected_points(keys, cells, follow_through, ROUNDING)
        for p in parts:
            want = whole[p] if p in whole else expected.get(p, 0.0) + sum(hand.get(k.ref, 0.0) for k in keys if k.part == p)
            assert g.part_points(p) == pytest.approx(want, abs=1e-9), (seed, p, [
                (v.ref, v.response, v.status, v.note) for v in verdicts if v.part == p])
        missing = [k.ref for k in keys if k.kind == "text" and k.ref not in hand and k.part not in whole]
        assert [v.ref for v in g.missing()] == missing
        assert g.total == pytest.approx(sum(g.part_points(p) for p in parts)) and g.maximum == pytest.approx(version.points_total)
    # the random responses reached every outcome
    assert {judge.RIGHT, judge.WRONG, judge.BLANK, judge.FOLLOW, judge.HAND, credit.PARTIAL, credit.SLIP} <= statuses
