"""answers.json follows the contract (shared by every family)."""

import json

import sympy

from generator import pipeline


def load(seed=None, preset=None):
    ps = pipeline.build_problem_set(seed=seed, preset=preset)
    return json.loads(pipeline.answers_json(ps))


def test_top_level():
    data = load(seed=7)
    assert list(data) == ["format", "generator", "seed", "version", "questions"]
    assert data["format"] == "nn-problem-set/1"
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
            assert set(part) == {"id", "skill", "prompt", "answers"}
            assert part["skill"], part["id"]
            names = [a["name"] for a in part["answers"]]
            assert len(names) == len(set(names)), part["id"]
            for a in part["answers"]:
                assert set(a) == {"name", "label", "latex", "exact", "value", "check"}
                if a["exact"] is not None:
                    sympy.parse_expr(a["exact"])  # readable by sympy


def test_network_exact_matches_value():
    data = load(seed=5)
    q = data["questions"][0]
    assert q["family"] == "network"
    for part in q["parts"]:
        for a in part["answers"]:
            if a["exact"] is not None:
                assert float(sympy.Rational(a["exact"])) == a["value"]


def test_every_part_has_the_same_skill_in_every_version():
    """The skill of a part is fixed: the original and three seeds agree part by part."""
    skills = [{p["id"]: p["skill"] for q in data["questions"] for p in q["parts"]}
              for data in (load(preset="original"), load(seed=3), load(seed=4711), load(seed=123456))]
    assert all(s == skills[0] for s in skills)
    documented = open("docs/answers-json.md", encoding="utf-8").read()
    assert all(f"`{skill}`" in documented for skill in skills[0].values())
