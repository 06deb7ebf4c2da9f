"""The pipeline's one treatment of the families' usual mistakes: typed, checked
against the key, de-duplicated and written by one rule (family.same_value),
and the stages hand data on only through what they return."""

import json
from dataclasses import replace
from fractions import Fraction

import pytest
from toy_family import Params, TinySum

from generator import config, pipeline
from generator.errors import VerificationError
from generator.model import Mistake
from generator.questions import chain_rule, families, family_rng
from generator.questions.family import same_value


def test_same_value_is_one_rule_for_exact_numbers_floats_and_vectors():
    assert same_value(Fraction(1, 3), 1 / 3) and not same_value(Fraction(1, 100), Fraction(1, 99))
    assert same_value(2.0, 2.0 + 1e-7) and not same_value(2.0, 2.0 + 1e-5)
    assert same_value(1000.0, 1000.0005) and not same_value(1000.0, 1000.002)  # relative above 1
    assert same_value(1e-9, 0.0) and not same_value(1e-5, 0.0)  # absolute below 1
    assert same_value((1.0, Fraction(1, 2)), [1.0, 0.5]) and not same_value((1.0, 0.5), (1.0, 0.6))
    assert not same_value((1.0,), (1.0, 1.0))
    assert same_value(float("nan"), 3.0) and same_value(float("inf"), 3.0)  # never a distinct wrong answer


def toy_question(params, wrong):
    return TinySum.present(params, TinySum.solve(params), wrong, 4)


def test_the_pipeline_writes_the_mistakes_once_in_order_without_repeats():
    params = Params(5, 2)
    wrong = [Mistake("a", "sum", "subtracted", "s", Fraction(3)),
             Mistake("a", "sum", "swapped_sign", "w", Fraction(-3)),
             Mistake("a", "sum", "subtracted", "again", Fraction(30000001, 10000000))]  # the first value, within 1e-6
    q = toy_question(params, wrong)
    pipeline.write_mistakes(TinySum, q, wrong, "TEST")
    (answer,) = q.parts[0].answers
    # credit and scope come later, from the configuration (pipeline.mark_mistakes): none yet
    assert [m.to_json() for m in answer.mistakes] == [
        {"name": "subtracted", "text": "s", "value": 3, "credit": 0, "scope": "answer"},
        {"name": "swapped_sign", "text": "w", "value": -3, "credit": 0, "scope": "answer"}]


def test_a_mistake_that_lands_on_the_key_stops_the_version():
    params = Params(5, 2)
    wrong = [Mistake("a", "sum", "subtracted", "s", Fraction(7))]
    with pytest.raises(VerificationError, match=r"^version TEST, part 4a answer 4a#1: the usual mistake subtracted gives the right value 7$"):
        pipeline.write_mistakes(TinySum, toy_question(params, wrong), wrong, "TEST")


def test_a_mistake_outside_the_catalogue_is_refused():
    wrong = [Mistake("a", "sum", "made_up", "s", Fraction(1))]
    with pytest.raises(ValueError, match="not in its catalogue"):
        pipeline.write_mistakes(TinySum, toy_question(Params(5, 2), wrong), wrong, "TEST")


def test_presented_parts_must_be_the_declared_ones():
    q = toy_question(Params(5, 2), [])
    q.parts[0].id = "4b"
    with pytest.raises(ValueError, match=r"presents the parts \['4b'\], but declares \['4a'\]"):
        pipeline.declared_parts(TinySum, q)


@pytest.mark.parametrize("family", families(), ids=lambda f: f.NAME)
def test_every_mistake_is_typed_catalogued_and_of_a_graded_number(family):
    for seed in (None, 1, 2):
        rng = None if seed is None else family_rng(seed, family.NAME)
        params = family.ORIGINAL if rng is None else family.sample(rng)
        solution = family.solve(params)
        wrong = family.mistakes(params, solution)
        assert wrong and all(isinstance(m, Mistake) and m.name in family.MISTAKES and m.text for m in wrong)
        q = family.present(params, solution, wrong, 1)
        for m in wrong:
            answer = q.part(f"1{m.part}").answer(m.answer)
            assert answer.graded and answer.kind in ("number", "vector")


def test_chain_rule_sample_hands_its_solution_to_solve_in_the_params():
    assert not hasattr(chain_rule, "_SAMPLED")
    comp = chain_rule.sample(family_rng(3, "chain_rule"))
    assert comp.solved is not None and chain_rule.solve(comp) is comp.solved
    # the solution carried is the one solve finds from the composition alone
    plain = replace(comp, solved=None)
    assert plain == comp and chain_rule.solve(plain) is not comp.solved
    a = pipeline.build_question(chain_rule, family_rng(3, "chain_rule"), 2)
    fresh, sol = plain, chain_rule.solve(plain)
    b = chain_rule.present(fresh, sol, chain_rule.mistakes(fresh, sol), 2)
    pipeline.declared_parts(chain_rule, b)
    pipeline.write_mistakes(chain_rule, b, chain_rule.mistakes(fresh, sol), "-")
    pipeline.apply_config(b, config.default(), "-")
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())
