"""The grader's readers: numbers, vectors and formulas as people type them,
and hostile text that must never run (generator/grade/safe.py, judge.py)."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from grade_fixtures import version
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.grade import judge, safe

X = frozenset({"x1", "x2"})
POINT = {"x1": 0.7, "x2": 0.3, "z": 0.4}


@pytest.mark.parametrize("text, value", [
    ("32", 32), ("-16", -16), ("+4", 4), ("0.64", 0.64), ("0,64", 0.64), ("-0,5", -0.5), (".5", 0.5),
    ("3/2", 1.5), ("-159/50", -3.18), ("\u22122", -2), ("\u2212 3/4", -0.75), ("1.5e-3", 0.0015), ("2E3", 2000),
    ("1.5\u00d710^-3", 0.0015), ("1.5*10**-3", 0.0015), ("6 sin(1)", 6 * math.sin(1)), ("e^2", math.e**2),
    ("4e^2/(1+e^2)^2", 4 * math.e**2 / (1 + math.e**2) ** 2), ("y = 32", 32), ("J \u2248 0.64", 0.64), (" 12 ", 12),
    ("1 000", 1000), ("sqrt(2)", math.sqrt(2)), ("\uff13\uff12", 32),
])
def test_numbers_as_typed(text: str, value: float) -> None:
    assert judge.read_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "1/0", "1..2", "9**9**9**9", "0.5.5", "(1, 2)", "x1", "1e999"])
def test_not_numbers(text: str) -> None:
    with pytest.raises(safe.Unreadable):
        judge.read_number(text)


@pytest.mark.parametrize("text, value", [
    ("(1, 2)", [1, 2]), ("[0.39, -0.19]", [0.39, -0.19]), ("0.5; 1.5", [0.5, 1.5]), ("(0,5; 1,5)", [0.5, 1.5]),
    ("-1/4, 1/4", [-0.25, 0.25]), ("[e/(1+e)^2, -1/4]", [math.e / (1 + math.e) ** 2, -0.25]), ("\u27e81, 2\u27e9", [1, 2]),
    ("{1; \u22122}", [1, -2]),
])
def test_vectors_as_typed(text: str, value: list[float]) -> None:
    assert judge.read_vector(text, 2) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["(0,5, 1,5)", "(1, 2, 3)", "1", "(1, x)", "((1, 2)"])
def test_not_vectors(text: str) -> None:
    with pytest.raises(safe.Unreadable):
        judge.read_vector(text, 2)


@pytest.mark.parametrize("text, expected", [
    ("2x1 + x1 e^(x2)", lambda x1, x2: 2 * x1 + x1 * math.exp(x2)),
    ("2*x1 + x1*exp(x2)", lambda x1, x2: 2 * x1 + x1 * math.exp(x2)),
    ("x1^2 x2", lambda x1, x2: x1**2 * x2), ("x1**2*x2", lambda x1, x2: x1**2 * x2), ("x1\u00b2x2", lambda x1, x2: x1**2 * x2),
    ("x1x2", lambda x1, x2: x1 * x2), ("3\u00b7x2\u00b7cos(x1)", lambda x1, x2: 3 * x2 * math.cos(x1)),
    ("ln x1 + log(x2)", lambda x1, x2: math.log(x1) + math.log(x2)), ("sqrt(x1)", lambda x1, x2: math.sqrt(x1)),
    ("tanh^2(x1)", lambda x1, x2: math.tanh(x1) ** 2), ("sech\u00b2(x2)", lambda x1, x2: 1 / math.cosh(x2) ** 2),
    ("\u03c3(x1)", lambda x1, x2: 1 / (1 + math.exp(-x1))), ("sigmoid(x1)(1 \u2212 sigmoid(x1))",
                                                           lambda x1, x2: math.exp(-x1) / (1 + math.exp(-x1)) ** 2),
    ("e^-x1", lambda x1, x2: math.exp(-x1)), ("(x1+1)(x2-1)", lambda x1, x2: (x1 + 1) * (x2 - 1)),
    ("X1 * Sin(X2)", lambda x1, x2: x1 * math.sin(x2)), ("|x1 - x2|".replace("|", ""), lambda x1, x2: x1 - x2),
    ("abs(x2 - x1)", lambda x1, x2: abs(x2 - x1)), ("pi x1", lambda x1, x2: math.pi * x1),
    ("\u2212(2x1\u00b2 + x2)", lambda x1, x2: -(2 * x1**2 + x2)),
])
def test_formulas_as_typed(text: str, expected: object) -> None:
    node = safe.parse(text, X)
    assert callable(expected)
    assert safe.evaluate(node, POINT) == pytest.approx(expected(POINT["x1"], POINT["x2"]), rel=1e-12)


HOSTILE = [
    "__import__('os').system('touch pwned')", "().__class__", "().__class__.__bases__[0].__subclasses__()", "lambda: 0",
    "9**9**9**9", "x1**x1**x1**x1**x1**x1**x1**x1**999999999999", "exec('1')", "eval", "open('f').read()",
    "[x for x in ()]", "x1 if x1 else x2", "{}", "f'{1}'", "'a' * 10", "x1.real", "x1[0]", "x1 = 2", "import os",
    "(" * 300 + "1" + ")" * 300, "1" * 5000, "x" * 100_000, "\x00", "x1; x2", "sin(x1, x2)", "exp(x=1)", "*x1",
    "$(rm -rf /)", "`ls`", "\\input{/etc/passwd}", "x1 @ x2", "x1 // x2", "x1 % x2", "~x1", "not x1", "x1 < x2",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_formulas_are_rejected_or_harmless(text: str) -> None:
    try:
        node = safe.parse(text, X)
    except safe.Unreadable:
        return
    value = safe.evaluate(node, POINT)  # what parses is a plain formula: evaluating it is bounded
    assert isinstance(value, float)


def _key(ref: str) -> judge.Key:
    return next(k for k in judge.keys_of(version()) if k.ref == ref)


_TOKENS = ["x1", "x2", "z", "e", "pi", "**", "^", "*", "/", "+", "-", "(", ")", "9", "99999", ".", ",", ";", "exp", "log",
           "sin", "tanh", "sqrt", "sigmoid", "\u03c3", "__import__", "lambda", ":", "'", '"', "[", "]", "{", "}", " ",
           "__class__", "os", "system", "=", "!", "\u00b2", "\u2212", "f", "e^", "0", "1e308", "x1x1", "@", "\\", "%"]
_KEYS = ["1a#1", "1c#1", "2a#7", "2b#3", "3.1#1", "3.2#2"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(_TOKENS), max_size=80).map("".join)),
       st.sampled_from(_KEYS))
def test_property_hostile_text_never_runs_hangs_or_raises(text: str, ref: str) -> None:
    key = _key(ref)
    start = time.perf_counter()
    verdict = judge.judge(text, key, {}, {key.ref: key}, seconds=1.0)
    assert time.perf_counter() - start < 10  # a guard against hangs, far above the 1 s limit
    assert verdict.status in (judge.RIGHT, judge.WRONG, judge.BLANK, judge.UNREADABLE, judge.UNJUDGED)
    assert 0 <= verdict.points <= key.points
    assert not Path("pwned").exists()


def test_nothing_is_evaluated_as_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """No text (student or key) reaches eval, exec or SymPy's parsers: the grader builds SymPy objects itself."""
    import builtins

    import sympy

    real_eval, real_exec = builtins.eval, builtins.exec

    def refuse(*args: object, **kwargs: object) -> object:
        raise AssertionError(f"called with {args!r}")

    def no_text(real: object) -> object:
        def guard(code: object, *args: object) -> object:
            assert not isinstance(code, (str, bytes)), f"source text run: {code!r}"  # imports run code objects
            assert callable(real)
            return real(code, *args)
        return guard

    monkeypatch.setattr(builtins, "eval", no_text(real_eval))
    monkeypatch.setattr(builtins, "exec", no_text(real_exec))
    monkeypatch.setattr(sympy, "sympify", refuse)
    monkeypatch.setattr(sympy, "parse_expr", refuse)
    for text in HOSTILE + ["-8x1(2x1\u00b2+x2)+3x2 e^(3x2 sin x1) cos x1", "sech(z-1)^2", "1-f(z)^2", "x1^0.5 * x1^0.5"]:
        for ref in _KEYS:
            key = _key(ref)
            judge.judge(text, key, {}, {ref: key})


def test_time_limit_interrupts_a_runaway_cell() -> None:
    start = time.perf_counter()
    with pytest.raises(safe.Timeout), safe.time_limit(0.2):
        while True:
            pass
    assert time.perf_counter() - start < 5


def test_symbolic_check_decides_what_points_cannot() -> None:
    key = _key("3.1#1")
    # equal on the whole line: decided by points
    assert judge.equal_expressions(safe.parse("sech(z - 1)^2", frozenset({"z"})), key) is True
    assert judge.equal_expressions(safe.parse("1 - f(z)^2", frozenset({"z"}), frozenset({"f"})), key) is True
    assert judge.equal_expressions(safe.parse("1 - f(z)", frozenset({"z"}), frozenset({"f"})), key) is False
    # undefined at some sample points (sqrt of a negative): the symbolic route decides
    key2 = _key("2a#7")
    text = "-8x1(2x1^2+x2) + 3x2 e^(3x2 sin x1) cos x1 + sqrt(x1)^2 - x1"
    assert judge.equal_expressions(safe.parse(text, X), key2) is True


@pytest.mark.parametrize("text, right", [
    ("\u03c3(z)(1\u2212\u03c3(z))", True), ("f(z)(1 - f(z))", True), ("sigmoid(z)*(1-sigmoid(z))", True),
    ("e^-z/(1+e^-z)^2", True), ("exp(-z)/(1 + exp(-z))**2", True), ("f(z)", False), ("\u03c3(z)^2", False),
    ("1 - f(z)^2", False),
])
def test_derivative_in_terms_of_f(text: str, right: bool) -> None:
    from grade_fixtures import answer

    data = answer("derivative", "3.1#1", "expression", "exp(-z)/(1 + exp(-z))**2", None, 4, variables=["z"],
                  check={"function": "1/(1 + exp(-z))", "wrt": ["z"], "derivative": ["exp(-z)/(1 + exp(-z))**2"], "at": None})
    v = version()
    v["questions"] = [{"id": "q3", "family": "cost_derivatives", "title": "", "params": {},
                       "parts": [{"id": "3.1", "skill": "", "points": 4, "prompt": "", "answers": [data]}]}]
    key = judge.keys_of(v)[0]
    verdict = judge.judge(text, key, {}, {key.ref: key})
    assert verdict.status == (judge.RIGHT if right else judge.WRONG), verdict


def test_a_runaway_simplification_is_marked_for_a_human(monkeypatch: pytest.MonkeyPatch) -> None:
    import sympy

    def forever(expr: object, *args: object, **kwargs: object) -> object:
        while True:
            try:  # noqa: SIM105 (the stand-in must swallow exceptions itself, as a try/except does)
                time.sleep(0.01)
            except Exception:  # even code that swallows exceptions cannot hold the cell
                pass

    monkeypatch.setattr(sympy, "simplify", forever)
    key = _key("2a#7")
    # undefined at some sample points (sqrt of a negative x1), so the symbolic route is taken
    text = "-8x1(2x1^2+x2) + 3x2 e^(3x2 sin x1) cos x1 + sqrt(x1)^2 - x1 + 0*sqrt(x2)"
    start = time.perf_counter()
    verdict = judge.judge(text, key, {}, {key.ref: key}, seconds=0.3)
    assert time.perf_counter() - start < 5
    assert verdict.status == judge.UNJUDGED and verdict.note == "could not be judged, please check by hand"
    assert verdict.points == 0
