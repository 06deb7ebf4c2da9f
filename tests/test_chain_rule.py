"""Question 2: the original's derivatives, the rules, the verifier, many seeds, the PDFs."""

import math
import shutil
import subprocess
import time
from collections import Counter

import numpy as np
import pytest
import sympy
from sympy.parsing.sympy_parser import parse_expr

from generator import config
from generator.errors import VerificationError
from generator.model import ProblemSet
from generator.pipeline import build_question, render_documents
from generator.questions import chain_rule as cr
from generator.questions import family_rng

N_SEEDS = 2000
N_VARIETY = 1000
x1, x2 = sympy.symbols("x1 x2")


def answer(q, part, name):
    (a,) = [a for a in q.part(part).answers if a.name == name]
    return a


def equal(a, b) -> bool:
    return sympy.simplify(a - b) == 0


def sol_for(outer, op, inner, point):
    return cr.solve(cr.Composition(outer, op, inner, point))


ORIG_INNER = (cr.Inner("prod_exp", 1, 1, False), cr.Inner("lin_sq", 1, 1, False))


# --------------------------------------------------------------------------
# The original assignment


def test_original_preset_derivatives():
    q = build_question(cr, None, 2)
    d1 = parse_expr(answer(q, "2a", "df/dx1").exact)
    d2 = parse_expr(answer(q, "2a", "df/dx2").exact)
    assert equal(d1, sympy.cos(x1 * sympy.exp(x2)) * sympy.exp(x2) + 2 * (x1 + x2**2))
    assert equal(d2, x1 * sympy.exp(x2) * sympy.cos(x1 * sympy.exp(x2)) + 4 * x2 * (x1 + x2**2))
    g1, g2 = sympy.symbols("g1 g2")
    partials = {
        "df/dg1": sympy.cos(g1), "df/dg2": 2 * g2,
        "dg1/dx1": sympy.exp(x2), "dg1/dx2": x1 * sympy.exp(x2),
        "dg2/dx1": sympy.Integer(1), "dg2/dx2": 2 * x2,
    }
    for name, expected in partials.items():
        assert equal(parse_expr(answer(q, "2a", name).exact), expected), name


def test_original_params_and_point():
    q = build_question(cr, None, 2)
    p = q.params
    assert p["outer"] == ["sin", "square"] and p["op"] == "+"
    assert equal(parse_expr(p["f"]), sympy.sin(sympy.Symbol("g1")) + sympy.Symbol("g2") ** 2)
    assert equal(parse_expr(p["f_x"]), sympy.sin(x1 * sympy.exp(x2)) + (x1 + x2**2) ** 2)
    assert parse_expr(p["g1"]["expr"]) == x1 * sympy.exp(x2) and parse_expr(p["g2"]["expr"]) == x1 + x2**2
    assert p["point"] == {"x1": 1, "x2": 1}
    v1 = answer(q, "2b", "df/dx1")
    assert equal(parse_expr(v1.exact), sympy.E * sympy.cos(sympy.E) + 4)
    assert math.isclose(v1.value, math.e * math.cos(math.e) + 4, rel_tol=1e-12)
    assert answer(q, "2b", "g2").value == 2


def test_original_key_shows_the_seed_texts_chain_rule_form():
    q = build_question(cr, None, 2)
    d1 = q.context.derivs[0]
    assert d1.in_g == r"\cos {g_{1}} \cdot e^{x_{2}} + 2 g_{2} \cdot 1"
    assert d1.in_x == [r"\cos{\left(x_{1} e^{x_{2}} \right)} \cdot e^{x_{2}} + 2 \left(x_{1} + x_{2}^{2}\right) \cdot 1"]
    assert q.context.f_g == r"\sin {g_{1}} + g_{2}^{2}"


def test_original_satisfies_every_rule():
    assert cr.broken_rules(cr.ORIGINAL, cr.solve(cr.ORIGINAL)) == []
    assert cr.chain_products(cr.solve_symbolic(cr.ORIGINAL)) == 4


def test_original_structure_is_reachable_by_the_sampler():
    comp = cr.ORIGINAL
    for name, inner in zip(("g1", "g2"), comp.inner):
        shape = cr.SHAPES[inner.shape]
        assert inner.a in shape.a_values and inner.b in shape.b_values, name
    assert set(comp.outer) <= set(cr.OUTER_NAMES) and comp.op in cr.OPS
    assert comp.point[0] in cr.POINT_COORDS and comp.point[1] in cr.POINT_COORDS


# --------------------------------------------------------------------------
# answers.json contract for this family


def check_answer_block(a, at_point: bool):
    chk = a.check
    assert set(chk) == {"function", "wrt", "derivative", "at"}
    f = parse_expr(chk["function"])
    (wrt,) = chk["wrt"]
    (d,) = chk["derivative"]
    assert equal(sympy.diff(f, sympy.Symbol(wrt)), parse_expr(d)), a.name
    if at_point:
        subs = {sympy.Symbol(k): v for k, v in chk["at"].items()}
        assert math.isclose(float(parse_expr(d).subs(subs)), a.value, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(float(parse_expr(a.exact)), a.value, rel_tol=1e-9, abs_tol=1e-12)
    else:
        assert chk["at"] is None and a.value is None
        assert equal(parse_expr(a.exact), parse_expr(d))


def test_answers_follow_the_contract_for_the_original_and_a_seed():
    for rng in (None, family_rng(11, "chain_rule")):
        q = build_question(cr, rng, 2)
        assert [p.id for p in q.parts] == ["2a", "2b"]
        js = q.to_json()
        assert js["family"] == "chain_rule" and js["id"] == "q2"
        names_a = [a.name for a in q.part("2a").answers]
        assert names_a == ["df/dg1", "df/dg2", "dg1/dx1", "dg1/dx2", "dg2/dx1", "dg2/dx2", "df/dx1", "df/dx2"]
        assert [a.name for a in q.part("2b").answers] == ["g1", "g2", "df/dx1", "df/dx2"]
        for a in q.part("2a").answers:
            check_answer_block(a, at_point=False)
        for a in q.part("2b").answers[2:]:
            check_answer_block(a, at_point=True)
            assert a.check["at"] == q.params["point"]
        for a in q.part("2b").answers[:2]:
            assert a.check is None and isinstance(a.value, (int, float))


# --------------------------------------------------------------------------
# The solver's pieces


def test_rule_steps_counts_chain_product_and_quotient_steps():
    e = sympy.exp
    assert cr.rule_steps(sympy.sin(x1 * e(x2)), x2) == 1
    assert cr.rule_steps((x1 + x2**2) ** 2, x2) == 1
    assert cr.rule_steps(x1 * e(2 * x2), x2) == 1  # e^(2 x2): one chain step
    assert cr.rule_steps(x1 * x2 * sympy.sin(x2), x2) == 1  # product of two factors with x2
    assert cr.rule_steps(x1 / (1 + x2**2), x2) == 1  # quotient as a chain step
    assert cr.rule_steps(x1 + x2, x2) == 0


def test_sigmoid_prints_as_sigma_and_computes_as_the_logistic():
    u = sympy.Symbol("u")
    assert cr.tex(cr.sigmoid(u)) == r"\sigma\!\left(u\right)"
    assert cr.sigmoid(sympy.Integer(0)) == sympy.Rational(1, 2)
    assert equal(cr.to_machine(cr.sigmoid(u)), 1 / (1 + sympy.exp(-u)))
    # the solver's table entry is the true derivative
    assert equal(sympy.diff(1 / (1 + sympy.exp(-u)), u), cr.to_machine(cr.OUTER["sigmoid"].derivative(u)))


def test_every_table_entry_is_the_true_derivative():
    u = sympy.Symbol("u")
    for name, h in cr.OUTER.items():
        assert equal(sympy.diff(cr.to_machine(h.apply(u)), u), cr.to_machine(h.derivative(u))), name
    for name, s in cr.SHAPES.items():
        for a in s.a_values:
            for b in s.b_values:
                for swap in (False, True):
                    inner = cr.Inner(name, a, b, swap)
                    for j, x in enumerate((x1, x2)):
                        assert equal(sympy.diff(inner.expr(), x), inner.partial(j)), (name, a, b, swap, j)


# --------------------------------------------------------------------------
# The verifier


def test_verifier_catches_a_wrong_outer_derivative(monkeypatch):
    monkeypatch.setitem(cr.OUTER, "sin", cr.Outer("sin", sympy.sin, lambda u: -sympy.cos(u)))
    sol = cr.solve(cr.ORIGINAL)
    with pytest.raises(VerificationError, match=r"part a: df/dg1"):
        cr.verify(sol.comp, sol)


def test_verifier_catches_a_wrong_inner_derivative(monkeypatch):
    s = cr.SHAPES["lin_sq"]
    wrong = cr.Shape(s.name, s.a_values, s.b_values, s.expr, s.d_first, lambda a, b, X, Y: b * Y)  # forgot the 2
    monkeypatch.setitem(cr.SHAPES, "lin_sq", wrong)
    with pytest.raises(VerificationError, match=r"part a: dg2/dx2"):
        cr.verify(cr.ORIGINAL, cr.solve(cr.ORIGINAL))


def test_verifier_catches_a_wrong_assembly(monkeypatch):
    sol = cr.solve(cr.ORIGINAL)
    sym = sol.sym
    sym.__dict__["grad"] = (sym.grad[0], sym.grad[1] + x2)  # a spurious term in df/dx2
    with pytest.raises(VerificationError, match=r"part a: df/dx2"):
        cr.verify(sol.comp, sol)


def test_verifier_catches_a_wrong_value_at_the_point():
    sol = cr.solve(cr.ORIGINAL)
    exact = sol.at._exact
    sol.at.__dict__["_exact"] = exact[:4] + ((exact[4][0] + 1, exact[4][1]),)
    with pytest.raises(VerificationError, match=r"part b: df/dx1"):
        cr.verify(sol.comp, sol)


# --------------------------------------------------------------------------
# Each rule rejects a bad case


def assert_broken(sol, rule: str, why: object = None) -> None:
    """The draw ``sol`` breaks ``rule``: its function says so, and so does broken_rules."""
    assert not getattr(cr, f"rule_{rule}")(sol), why
    assert rule in cr.broken_rules(sol.comp, sol), why


def test_rule_distinct_inner():
    same = (cr.Inner("prod", 1, 1, False), cr.Inner("prod", 2, 1, False))
    sol = sol_for(("sin", "square"), "+", same, (1, 1))
    assert_broken(sol, "distinct_inner")


def test_rule_paths_present():
    # g2 = x1 + 0 * x2^2 does not depend on x2: the path x2 -> g2 -> f is missing
    inner = (cr.Inner("prod_exp", 1, 1, False), cr.Inner("lin_sq", 1, 0, False))
    sol = sol_for(("sin", "square"), "+", inner, (1, 1))
    assert_broken(sol, "paths_present")


def test_rule_difficulty_band():
    # a product of outer functions over two inner functions with extra chain steps
    inner = (cr.Inner("prod_exp", 1, 2, False), cr.Inner("ratio", 1, 1, False))
    sol = sol_for(("sin", "square"), "*", inner, (1, 1))
    assert cr.chain_products(sol.sym) > cr.DIFFICULTY_BAND[1]
    assert not cr.rule_difficulty_band(sol)


def test_rule_fits_one_line():
    inner = (cr.Inner("ratio", -2, 2, False), cr.Inner("sin_prod", 3, 1, True))
    sol = sol_for(("sigmoid", "tanh"), "-", inner, (1, 1))
    assert max(cr.plain_width(g) for g in sol.sym.grad) > cr.LINE_WIDTH
    assert not cr.rule_fits_one_line(sol)


def test_rule_point_chosen():
    sol = cr.Solution(cr.solve_symbolic(cr.ORIGINAL), None)
    assert not cr.rule_point_chosen(sol)
    assert cr.broken_rules(sol.comp, sol) == ["point_chosen"]


def test_rule_terms_nonzero_at_point():
    # at x2 = 0, dg2/dx2 = 2 x2 vanishes: dropping that path would still be right
    sol = cr.solve(cr.ORIGINAL.with_point((1, 0)))
    assert_broken(sol, "terms_nonzero_at_point")


def test_rule_domain_near_point():
    inner = (cr.Inner("prod_exp", 1, 1, False), cr.Inner("sq_lin", 1, -1, False))  # g2 = x1^2 - x2
    # negative at the point
    assert not cr.rule_domain_near_point(sol_for(("sin", "log"), "+", inner, (1, 2)))
    # positive at the point (g2 = 1) but not in its neighbourhood
    assert not cr.rule_domain_near_point(sol_for(("sin", "sqrt"), "+", inner, (2, 3)))
    # comfortably positive
    assert cr.rule_domain_near_point(sol_for(("sin", "log"), "+", inner, (2, 1)))


def test_rule_values_readable():
    inner = (cr.Inner("prod_exp", 3, 2, False), cr.Inner("lin_sq", 1, 1, False))
    sol = sol_for(("exp", "square"), "+", inner, (2, 2))  # e^(3*2*e^4): astronomically large
    assert not cr.rule_values_readable(sol)


def test_rule_mistakes_differ():
    # g1 = x1 x2, g2 = x1^2 + 2 x2 at (1, 1): df/dx1 = df/dx2, so mixing them up goes unnoticed
    inner = (cr.Inner("prod", 1, 1, False), cr.Inner("sq_lin", 1, 2, False))
    sol = sol_for(("sin", "square"), "+", inner, (1, 1))
    assert cr.rule_terms_nonzero_at_point(sol)
    assert not cr.rule_mistakes_differ(sol)


def test_rule_outer_classes():
    # the outer functions multiplied (the product rule), two polynomial outer functions, sigma outside
    for outer, op in ((("sin", "square"), "*"), (("square", "cube"), "+"), (("sigmoid", "square"), "+"),
                      (("square", "sin"), "-")):
        sol = sol_for(outer, op, ORIG_INNER, (1, 1))
        assert_broken(sol, "outer_classes", (outer, op))
    assert cr.rule_outer_classes(sol_for(("log", "cube"), "-", ORIG_INNER, (1, 1)))


def test_rule_inner_same_size():
    assert [n for n in cr.SHAPE_NAMES if cr.shape_size(n) == cr.INNER_SIZE] == list(cr.INNER_SHAPES)
    assert {"prod_exp", "lin_sq"} <= set(cr.INNER_SHAPES)  # the original's shapes
    for small_or_large in ("prod", "ratio"):  # x1 x2 is smaller, x1/(1 + x2^2) larger
        inner = (cr.Inner("prod_exp", 1, 1, False), cr.Inner(small_or_large, 1, 1, False))
        sol = sol_for(("sin", "square"), "+", inner, (1, 1))
        assert_broken(sol, "inner_same_size")


def test_rule_no_collapse():
    # the case: f = log g1 + log g2 with g1 = x1 e^x2 gives df/dx1 = 2/x1
    inner = (cr.Inner("prod_exp", 1, 1, False), cr.Inner("prod", 1, 1, False))
    sol = sol_for(("log", "log"), "+", inner, (1, 1))
    assert_broken(sol, "no_collapse")
    # compositions the sampler can draw: log of a product, a power of a product
    for outer, inner in ((("log", "square"), (cr.Inner("prod_exp", 2, -1, True), cr.Inner("lin_sq", 1, 1, False))),
                         (("log", "cube"), (cr.Inner("sin_prod", 3, 1, False), cr.Inner("sq_lin", 1, 1, False))),
                         (("sin", "square"), (cr.Inner("lin_sq", 1, 1, False), cr.Inner("prod_exp", 1, 1, False))),
                         (("cos", "cube"), (cr.Inner("lin_sq", 1, 1, False), cr.Inner("sin_prod", 1, 1, True)))):
        sol = sol_for(outer, "+", inner, (1, 1))
        assert_broken(sol, "no_collapse", outer)
    # the check works on expressions, whatever the inner function
    E, log, sqrt = sympy.exp, sympy.log, sympy.sqrt
    for name, g in (("log", x1 * E(x2)), ("log", -2 * x1 * x2), ("log", E(x1 * x2)), ("log", x1**2 * E(-3 * x2)),
                    ("log", x2 * sympy.sin(x1)), ("exp", log(x1) + x2), ("exp", log(x1 + x2**2)),
                    ("sqrt", (x1 + x2) ** 2), ("sqrt", (x1 - 2 * x2**2) ** 2), ("square", sqrt(x1 + x2**2)),
                    ("square", x1 * E(x2)), ("cube", x2 * sympy.sin(x1))):
        assert cr.collapses(name, g), (name, g)
    # and lets the original and its kind through
    for name, g in (("sin", x1 * E(x2)), ("square", x1 + x2**2), ("log", x1 + x2**2), ("exp", x1 + x2**2),
                    ("cos", x2 * sympy.sin(x1)), ("cube", x1**2 - 3 * x2), ("exp", 2 * x1 * E(-x2))):
        assert not cr.collapses(name, g), (name, g)
    assert cr.rule_no_collapse(cr.solve(cr.ORIGINAL))


def test_rule_answer_band():
    # exp(g1) with g1 = 3 x2 e^(2 x1): each derivative's text is longer than 60 characters
    inner = (cr.Inner("prod_exp", 3, 2, True), cr.Inner("sq_lin", 2, -3, False))
    sol = sol_for(("exp", "cube"), "-", inner, (1, 1))
    assert max(cr.answer_chars(g) for g in sol.sym.grad) > cr.ANSWER_CHARS
    assert_broken(sol, "answer_band")
    # too many terms: (x1 + x2^2)^3 (x2 + 2 x1^2)^3 expands each derivative into 15
    inner = (cr.Inner("lin_sq", 1, 1, False), cr.Inner("lin_sq", 2, 1, True))
    sol = sol_for(("cube", "cube"), "*", inner, (1, 1))
    assert max(cr.answer_terms(g) for g in sol.sym.grad) > cr.ANSWER_TERMS[1]
    assert not cr.rule_answer_band(sol)
    # the original: 3 terms each, expanded
    assert [cr.answer_terms(g) for g in cr.solve(cr.ORIGINAL).sym.grad] == [3, 3]


def test_rule_values_band():
    # at (2, 3) the original's df/dx2 = 2 e^3 cos(2 e^3) + 12 * 11 is about 131
    sol = cr.solve(cr.ORIGINAL.with_point((2, 3)))
    assert max(abs(v) for v in sol.at.grad_float) > cr.VALUE_BAND[1]
    assert_broken(sol, "values_band")
    assert cr.rule_values_band(cr.solve(cr.ORIGINAL))


def test_every_rule_is_tested():
    tested = {name[len("test_rule_"):] for name in globals() if name.startswith("test_rule_")}
    assert set(cr.RULES) <= tested


# --------------------------------------------------------------------------
# Many seeds


@pytest.mark.slow
def test_many_seeds_verify_hold_rules_and_vary():
    """2,000 seeds: build() verifies each (raises on disagreement); every rule
    holds, restated independently where it can be; the checks in answers.json
    hold numerically; the sampler reaches many structures; difficulty stays in
    band: every version in the outer-function classes, no product rule, each
    answer's terms and characters and every value of (b) in their bands."""
    fs, structures, difficulty = set(), set(), Counter()
    ops, outer, shapes, terms, largest = Counter(), Counter(), Counter(), Counter(), []
    g1, g2 = sympy.symbols("g1 g2")
    times = []
    for seed in range(N_SEEDS):
        t0 = time.perf_counter()
        q = build_question(cr, family_rng(seed, "chain_rule"), 2)
        times.append(time.perf_counter() - t0)
        sol = cr.solve(cr.Composition(
            tuple(q.params["outer"]), q.params["op"],
            tuple(cr.Inner(g["shape"], g["a"], g["b"], g["swap"]) for g in (q.params["g1"], q.params["g2"])),
            (q.params["point"]["x1"], q.params["point"]["x2"])))
        assert cr.broken_rules(sol.comp, sol) == [], seed
        # restated: both g use both variables; every path product and answer nonzero at the point
        assert all({x1, x2} <= g.free_symbols for g in sol.sym.g_x), seed
        assert all(abs(p) >= cr.MIN_VALUE for row in sol.at.paths_float for p in row), seed
        assert all(abs(v) >= cr.MIN_VALUE for v in sol.at.grad_float), seed
        lo, hi = cr.DIFFICULTY_BAND
        assert lo <= q.difficulty["2a:chain_products"] <= hi, seed
        # restated: the classes, no product of the outer functions, the bands of 2a and 2b
        h1, h2 = q.params["outer"]
        assert h1 in {"sin", "cos", "exp", "log"} and h2 in {"square", "cube"} and q.params["op"] in "+-", seed
        assert {q.params["g1"]["shape"], q.params["g2"]["shape"]} <= {"prod_exp", "lin_sq", "sq_lin", "sin_prod"}, seed
        f_g = parse_expr(q.params["f"])
        assert f_g.is_Add and not any(t.has(g1) and t.has(g2) for t in f_g.args), seed  # no product rule
        for j in range(2):
            exact = answer(q, "2a", f"df/dx{j + 1}").exact
            assert 2 <= len(sympy.Add.make_args(sympy.expand(parse_expr(exact)))) <= 8, (seed, exact)
            assert len(exact) <= 60, (seed, exact)
        for a in q.part("2b").answers:
            assert 0.01 <= abs(a.value) <= 50, (seed, a.name, a.value)
        assert cr.rule_no_collapse(sol), seed
        terms[q.difficulty["2a:answer_terms"]] += 1
        largest.append(max(abs(a.value) for a in q.part("2b").answers))
        # answers.json: each value at the point equals the check's derivative there
        f = parse_expr(answer(q, "2b", "df/dx1").check["function"])
        point = q.params["point"]
        for j, _x in enumerate((x1, x2)):
            a = answer(q, "2b", f"df/dx{j + 1}")
            d = parse_expr(a.check["derivative"][0])
            num_d = float(d.evalf(subs={x1: point["x1"], x2: point["x2"]}))
            assert math.isclose(num_d, a.value, rel_tol=1e-9, abs_tol=1e-12), seed
            h = 1e-6
            fd = sympy.lambdify((x1, x2), f, "numpy")
            shift = (h, 0) if j == 0 else (0, h)
            approx = (fd(point["x1"] + shift[0], point["x2"] + shift[1]) - fd(point["x1"] - shift[0], point["x2"] - shift[1])) / (2 * h)
            assert math.isclose(approx, a.value, rel_tol=1e-5, abs_tol=1e-5), seed
        if seed < N_VARIETY:
            fs.add(q.params["f_x"])
            structures.add((tuple(q.params["outer"]), q.params["op"], q.params["g1"]["shape"], q.params["g2"]["shape"]))
        difficulty[q.difficulty["2a:chain_products"]] += 1
        ops[q.params["op"]] += 1
        outer.update(q.params["outer"])
        shapes.update([q.params["g1"]["shape"], q.params["g2"]["shape"]])
    print(f"\n{N_SEEDS} seeds: distinct f among the first {N_VARIETY}: {len(fs)}; "
          f"distinct structures (outer, op, shapes): {len(structures)}; chain_products {dict(sorted(difficulty.items()))}; "
          f"ops {dict(ops)}; outer {dict(outer)}; shapes {dict(shapes)}; answer_terms {dict(sorted(terms.items()))}; "
          f"largest 2b value {max(largest):.2f}; "
          f"build time median {np.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    assert len(fs) >= 0.95 * N_VARIETY
    # every structure of the classes that does not collapse, at unit coefficients, is reached
    admissible = {(h, p, op, s1, s2) for h in cr.TRANSCENDENTAL for p in cr.POLYNOMIAL for op in cr.SUM_OPS
                  for s1 in cr.INNER_SHAPES for s2 in cr.INNER_SHAPES if s1 != s2
                  and not cr.collapses(h, cr.SHAPES[s1].expr(1, 1, x1, x2))
                  and not cr.collapses(p, cr.SHAPES[s2].expr(1, 1, x1, x2))}
    reached = {(o[0], o[1], op, s1, s2) for o, op, s1, s2 in structures}
    assert len(reached) >= 0.8 * len(admissible), (len(reached), len(admissible))
    assert set(ops) == set(cr.SUM_OPS) and set(shapes) == set(cr.INNER_SHAPES)
    assert set(outer) == set(cr.TRANSCENDENTAL) | set(cr.POLYNOMIAL)
    assert set(difficulty) <= set(range(cr.DIFFICULTY_BAND[0], cr.DIFFICULTY_BAND[1] + 1))


# --------------------------------------------------------------------------
# The documents


def compile_tex(folder, name, source):
    (folder / f"{name}.tex").write_text(source)
    for _ in range(2):
        r = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                           cwd=folder, capture_output=True, text=True, timeout=120)
    log = (folder / f"{name}.log").read_text(errors="replace")
    assert r.returncode == 0, log[-3000:]
    return log


@pytest.mark.pdf
def test_handout_and_key_compile_with_the_graph(tmp_path):
    questions = [build_question(cr, None, 2)] + [build_question(cr, family_rng(s, "chain_rule"), 2) for s in range(12)]
    ps = ProblemSet(seed=0, version="TEST", questions=questions, config=config.default())
    for name, source in render_documents(ps).items():
        log = compile_tex(tmp_path, name, source)
        assert "Overfull \\hbox" not in log, name
        assert (tmp_path / f"{name}.pdf").stat().st_size > 0
    key_tex = (tmp_path / "key.tex").read_text()
    handout_tex = (tmp_path / "assignment.tex").read_text()
    assert key_tex.count(r"\node[var] (g1)") == len(questions)  # one graph per question
    body = handout_tex.split(r"\begin{document}", 1)[1]
    assert r"\node[var] (g1)" not in body and r"\finalanswer{" not in body and "Along both paths" not in body
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "key.pdf"), "-"], capture_output=True, text=True).stdout
        assert "Along both paths" in text
