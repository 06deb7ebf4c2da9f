"""Question 1: the original's numbers, the rules, the verifier, many seeds."""

from collections import Counter
from dataclasses import replace
from fractions import Fraction

import pytest

from generator.errors import VerificationError
from generator.pipeline import build_question
from generator.questions import family_rng
from generator.questions import network as nw

N_SEEDS = 2000


def answers(q, part):
    return {a.name: a.value for a in q.part(part).answers}


def test_original_preset_numbers():
    q = build_question(nw, None, 1)
    assert answers(q, "1a")["y_hat"] == 36
    assert [answers(q, "1a")[f"z1[{j}]"] for j in range(3)] == [9, -2, 5]
    assert answers(q, "1b")["y_hat"] == 38
    assert [answers(q, "1b")[f"a1[{j}]"] for j in range(3)] == [9, 0, 5]
    c = answers(q, "1c")
    assert c == {"J": 16, "grad:b2[0]": 8, "grad:W2[1][0]": -16, "grad:b1[1]": 8, "grad:W1[0][2]": 16}
    d = answers(q, "1d")
    assert d["new:b1[1]"] == -16 and d["new:W1[0][2]"] == -29
    # the key remarks on divergence: the step makes the loss far larger
    assert d["J_after"] == 5776 and q.context.loss_went == "up"


def test_original_params_follow_the_contract():
    q = build_question(nw, None, 1)
    p = q.params
    assert p["x"] == [1, 3] and p["y"] == 32
    assert p["W1"] == [[2, 1, 3], [2, -1, 1]] and p["b1"] == [1, 0, -1]
    assert p["W2"] == [[3], [1], [2]] and p["b2"] == [1] and p["eta"] == 2
    assert p["activations"] == {"1a": "identity", "1b": "relu", "1c": "identity", "1d": "identity"}
    assert p["loss"] == "squared_error"


def test_original_satisfies_every_rule_but_the_step_band():
    """The original's step (eta = 2, threshold 1/5) overshoots far: J after = 5776.
    The step rules constrain sampled versions only."""
    assert nw.broken_rules(nw.ORIGINAL) == list(nw.ORIGINAL_BREAKS) == ["step_hand_sized", "eta_band"]


def test_original_key_explains_the_divergence_with_the_threshold():
    q = build_question(nw, None, 1)
    c = q.context
    assert (c.s, c.threshold, c.step_factor, c.loss_went) == ("5", r"\tfrac{1}{5}", "-19", "up")
    assert answers(q, "1d")["y_hat_after"] == 32 - 76


def test_student_error_mixing_1a_and_1b_is_a_listed_mistake():
    """The seed text used the ReLU output in 1c; the key's wrong-answer list names it."""
    sol = nw.solve(nw.ORIGINAL)
    m = nw.wrong_values(nw.ORIGINAL, sol)
    assert m["J"]["relu_values_in_1c"] == 36
    assert m["grad:b2[0]"]["relu_values_in_1c"] == 12


def test_backprop_matches_hand_chain_rule():
    net = nw.ORIGINAL
    sol = nw.solve(net)
    e = sol.identity.y_hat - net.y
    for p in nw.ALL_PARAMS:
        if p.kind == "W1":
            expected = 2 * e * net.W2[p.j] * net.x[p.i]
        elif p.kind == "b1":
            expected = 2 * e * net.W2[p.i]
        elif p.kind == "W2":
            expected = 2 * e * sol.identity.a1[p.i]
        else:
            expected = 2 * e
        assert sol.bp.grads[p] == expected, p


def test_verifier_catches_a_wrong_gradient():
    net = nw.ORIGINAL
    sol = nw.solve(net)
    p = nw.Param("W1", 0, 2)
    sol.bp.grads[p] += 1
    with pytest.raises(VerificationError, match=r"part c: dJ/dW1\[0\]\[2\]"):
        nw.verify(net, sol)


def test_verifier_catches_a_wrong_update_and_forward():
    net = nw.ORIGINAL
    sol = nw.solve(net)
    p = nw.Param("b1", 1)
    sol.updated[p] = Fraction(-15)
    with pytest.raises(VerificationError, match="part d"):
        nw.verify(net, sol)
    sol = nw.solve(net)
    sol.relu.y_hat += 1
    with pytest.raises(VerificationError, match="part b"):
        nw.verify(net, sol)


# Each rule rejects a case built to break it ---------------------------------


def broken(**changes):
    return nw.broken_rules(replace(nw.ORIGINAL, **changes))


def test_rule_no_zero_preactivation():
    # b1 = (1, 2, -1) makes z2 = 1 - 3 + 2 = 0 on the kink
    assert "no_zero_preactivation" in broken(b1=(1, 2, -1))


def test_rule_hidden_signs_mixed():
    assert "hidden_signs_mixed" in broken(b1=(1, 5, -1))


def test_rule_relu_output_active_and_differs():
    # output weights that make the ReLU network's output negative
    b = broken(W2=(-3, 1, -2), b2=1)
    assert "relu_output_active" in b
    # the negative hidden unit has weight 0 -> ReLU changes nothing
    assert "relu_differs" in broken(W2=(3, 0, 2))


def test_rule_error_small():
    assert "error_small" in broken(y=0)  # y_hat - y = 36
    assert "error_small" in broken(y=36)  # y_hat - y = 0


def test_rule_asked_gradients_nonzero():
    assert "asked_gradients_nonzero" in broken(W2=(3, 0, 2))


def test_rule_hand_sized():
    assert "hand_sized" in broken(eta=Fraction(1, 3))
    assert "hand_sized" in broken(x=(1, 300))


def test_rule_mistakes_differ():
    # With y_hat - y = 1 the unsquared error equals J = 1: a mistake lands on the answer.
    assert "mistakes_differ" in broken(y=35)
    # Transposed indices: asking w_12^[1] where w_21^[1] has the same gradient and value.
    net = replace(nw.ORIGINAL, W1=((2, 1, 3), (1, -1, 1)), asked=(nw.Param("b2", 0), nw.Param("W2", 1, 0), nw.Param("b1", 1), nw.Param("W1", 0, 1)))
    sol = nw.solve(net)
    m = nw.wrong_values(net, sol)
    assert "indices_transposed" in m["grad:W1[0][1]"]


def test_asked_gradients_cover_the_four_kinds():
    for seed in range(50):
        net = nw.sample(family_rng(seed, "network"))
        assert [p.kind for p in net.asked] == ["b2", "W2", "b1", "W1"]


@pytest.mark.slow
def test_many_seeds_verify_hold_rules_and_differ():
    """2,000 seeds (verification, the rules and distinct versions are in
    test_family_contract.py): the rules restated independently, and the draws
    spread over the parameter space."""
    etas, negatives, asked = Counter(), Counter(), Counter()
    went_down, largest = 0, Fraction(0)
    for seed in range(N_SEEDS):
        net = nw.sample(family_rng(seed, "network"))
        sol = nw.solve(net)
        # the rules, restated independently of the rule functions
        assert all(z != 0 for z in sol.identity.z1)
        assert min(sol.identity.z1) < 0 < max(sol.identity.z1)
        e = sol.identity.y_hat - net.y
        assert e != 0 and e.denominator == 1 and abs(e) <= 5
        # 1d: every number of the step, the forward pass after it included, is hand-sized
        step = nw.student_numbers(net, sol) + nw.step_numbers(net, sol)
        assert all(abs(v) <= 200 and 100 % v.denominator == 0 for v in step), seed
        largest = max([largest] + [abs(v) for v in step])
        # the error after the step is e (1 - 2 eta s); never at the threshold eta s = 1
        s = sum(v * v for v in nw.output_slopes(net).values())
        assert net.eta * s != 1 and sol.after.y_hat - net.y == e * (1 - 2 * net.eta * s)
        assert (sol.loss_after < sol.bp.loss) == (net.eta * s < 1)
        went_down += sol.loss_after < sol.bp.loss
        # every part's difficulty stays in its band
        for key, v in nw.difficulty_of(net, sol, 1).items():
            lo, hi = nw.DIFFICULTY_BANDS[key[1:]]
            assert lo <= v <= hi, (seed, key, v)
        for name, wrongs in nw.wrong_values(net, sol).items():
            right = nw.right_answers(net, sol)[name]
            assert right not in wrongs.values(), (seed, name)
        etas[net.eta] += 1
        negatives[sum(z < 0 for z in sol.identity.z1)] += 1
        asked[net.asked[3]] += 1
    print(f"\n{N_SEEDS} seeds: eta {dict(etas)}; negative hidden units {dict(negatives)}; "
          f"1d lowers the loss in {went_down}; largest number in part 1d {largest}")
    assert 0.4 * N_SEEDS <= went_down <= 0.6 * N_SEEDS
    assert len(etas) >= 6
    assert set(negatives) == {1, 2}
    assert len(asked) == 6  # every hidden weight gets asked
