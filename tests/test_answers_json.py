"""answers.json follows the contract (shared by every family)."""

import json
from pathlib import Path

import sympy

from generator import pipeline


def load(seed=None, preset=None):
    ps = pipeline.build_problem_set(seed=seed, preset=preset)
    return json.loads(pipeline.answers_json(ps))


def test_top_level():
    data = load(seed=7)
    assert list(data) == ["format", "generator", "seed", "version", "course", "student", "points_total", "grading",
                          "questions"]
    assert data["grading"] == {"follow_through": 1, "rounding": 0.5}  # the default [grading] shares
    assert data["format"] == "nn-problem-set/3"
    assert data["course"] == {"code": "CSE 616", "name": "Neural Networks", "title": "Assignment 1",
                              "term": None, "instructor": None, "due": None}
    assert data["student"] is None
    assert data["points_total"] == 100
    assert data["seed"] == 7
    assert data["version"] == pipeline.version_code(7)
    assert len(data["version"]) == 5


def test_questions_parts_answers_shape():
    data = load(seed=3)
    families = {"network", "chain_rule", "cost_derivatives"}
    for q in data["questions"]:
        assert set(q) == {"id", "family", "title", "params", "parts"}
        assert q["family"] in families
        for part in q["parts"]:
            assert set(part) == {"id", "skill", "points", "prompt", "answers"}
            assert part["skill"], part["id"]
            names = [a["name"] for a in part["answers"]]
            assert len(names) == len(set(names)), part["id"]
            for a in part["answers"]:
                assert set(a) == {"name", "label", "text", "latex", "exact", "value", "check", "graded", "ref", "points",
                                  "kind", "tolerance", "variables", "depends_on", "recompute", "mistakes", "choices"}
                assert (a["choices"] is not None) == (a["kind"] == "choice")
                if a["kind"] == "choice":
                    assert a["exact"] in a["choices"] and a["value"] is None
                elif a["exact"] is not None:
                    sympy.parse_expr(a["exact"])  # readable by sympy


def test_network_exact_matches_value():
    data = load(seed=5)
    q = data["questions"][0]
    assert q["family"] == "network"
    for part in q["parts"]:
        for a in part["answers"]:
            if a["exact"] is not None and a["kind"] != "choice":
                assert float(sympy.Rational(a["exact"])) == a["value"]


def test_every_part_has_the_same_skill_in_every_version():
    """The skill of a part is fixed: the original and three seeds agree part by part."""
    skills = [{p["id"]: p["skill"] for q in data["questions"] for p in q["parts"]}
              for data in (load(preset="original"), load(seed=3), load(seed=4711), load(seed=123456))]
    assert all(s == skills[0] for s in skills)
    documented = Path("docs/answers-json.md").read_text(encoding="utf-8")
    assert all(f"`{skill}`" in documented for skill in skills[0].values())


GRADED = {  # the refs every version asks for, with their kinds (docs/answers-json.md)
    "1a": ["number"], "1b": ["number"], "1c": ["number"] * 5, "1d": ["number"] * 4 + ["choice"], "1e": ["text"],
    "2a": ["expression"] * 8, "2b": ["number"] * 4, "3.1": ["expression", "number"],
    **{f"3.{k}": ["text", "vector"] for k in range(2, 7)},
}


def graded(data):
    return [(p, a) for q in data["questions"] for p in q["parts"] for a in p["answers"] if a["graded"]]


def test_every_version_asks_the_same_refs_of_the_same_kinds():
    expected = [(f"{part}#{k + 1}", kind) for part, kinds in GRADED.items() for k, kind in enumerate(kinds)]
    for data in (load(preset="original"), load(seed=3), load(seed=4711), load(seed=2**40)):
        assert [(a["ref"], a["kind"]) for _, a in graded(data)] == expected


def test_points_add_up_part_by_part_and_in_total():
    data = load(seed=11)
    total = 0
    for q in data["questions"]:
        for p in q["parts"]:
            shares = [a["points"] for a in p["answers"] if a["graded"]]
            assert abs(sum(shares) - p["points"]) < 1e-9, p["id"]
            assert all(s > 0 for s in shares)
            total += p["points"]
            for a in p["answers"]:
                if not a["graded"]:
                    assert a["ref"] is None and a["points"] is None
    assert total == data["points_total"] == 100


def test_tolerances_kinds_and_variables():
    for _p, a in graded(load(seed=5)):
        if a["kind"] in ("number", "vector"):
            assert a["tolerance"]["abs"] > 0 and a["tolerance"]["rel"] >= 0
            assert isinstance(a["value"], list) == (a["kind"] == "vector")
        else:
            assert a["tolerance"] is None
        if a["kind"] == "expression":
            names = {str(s) for s in sympy.sympify(a["exact"]).free_symbols}
            assert names <= set(a["variables"]), a["ref"]
        else:
            assert a["variables"] is None


def test_recompute_gives_the_answer_from_the_right_earlier_answers():
    """What a grader does for error carried forward, done with the right values:
    every recompute expression gives the answer itself."""
    for seed in (1, 2, 3, 99):
        data = load(seed=seed)
        by_ref = {a["ref"]: a for _, a in graded(data)}
        order = list(by_ref)
        for _, a in graded(data):
            if not a["depends_on"]:
                assert a["recompute"] is None
                continue
            assert all(order.index(d) < order.index(a["ref"]) for d in a["depends_on"])
            expr = sympy.sympify(a["recompute"])
            subs = {sympy.Symbol("ref_" + d.replace(".", "_").replace("#", "_")): sympy.sympify(by_ref[d]["exact"])
                    for d in a["depends_on"]}
            assert {str(s) for s in expr.free_symbols} <= {str(s) for s in subs}
            got = expr.subs(subs)
            if a["check"] and a["check"].get("at"):
                got = got.subs({sympy.Symbol(k): v for k, v in a["check"]["at"].items()})
            assert abs(float(got) - float(sympy.sympify(a["exact"]))) < 1e-9, (seed, a["ref"])


def test_mistakes_are_wrong_answers_of_graded_numbers():
    data = load(seed=8)
    named = 0
    for _, a in graded(data):
        for m in a["mistakes"]:
            assert a["kind"] in ("number", "vector")
            assert m["name"] and m["text"]
            assert 0 <= m["credit"] <= 1 and m["scope"] in ("answer", "part")
            right = a["value"] if isinstance(a["value"], list) else [a["value"]]
            wrong = m["value"] if isinstance(m["value"], list) else [m["value"]]
            assert max(abs(x - y) for x, y in zip(right, wrong)) > 1e-9, (a["ref"], m["name"])
            named += 1
    assert named >= 20
