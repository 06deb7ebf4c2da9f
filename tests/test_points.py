"""How a part's marks are split over its graded answers (pipeline.share_points):
in half marks (quarter marks where a part has fewer marks than answers),
adding up exactly to the part's marks, in the proportions of the weights each
family gives its answers."""

from fractions import Fraction

import pytest

from generator import config, pipeline
from generator.questions import families

# The weights of every part's graded answers, as the families give them (one version is enough:
# every version of a class asks the same refs of the same weights).
WEIGHTS = {p.id: [a.weight for a in p.graded]
           for q in pipeline.build_problem_set(seed=1).questions for p in q.parts}


def exact(points: list[float]) -> list[Fraction]:
    return [Fraction(p).limit_denominator(100) for p in points]


def test_the_weights_are_those_of_the_families() -> None:
    assert WEIGHTS["1c"] == [1] * 5 and WEIGHTS["2a"] == [1] * 6 + [4, 4] and WEIGHTS["2b"] == [1, 1, 3, 3]
    assert all(WEIGHTS[f"3.{k}"] == [4, 2] for k in range(1, 7))
    assert len(WEIGHTS) == sum(len(f.PARTS) for f in families())


def test_issue_examples() -> None:
    # 12.5 marks over 2a's eight answers: before, six of 0.89 and two of 3.57 and 3.59
    assert pipeline.share_points(12.5, WEIGHTS["2a"]) == [1, 1, 1, 1, 1, 0.5, 3.5, 3.5]
    # a 10-mark part of question 3: before, 6.66 / 3.34
    assert pipeline.share_points(10, WEIGHTS["3.1"]) == [6.5, 3.5]
    assert pipeline.share_points(7, WEIGHTS["1c"]) == [1.5, 1.5, 1.5, 1.5, 1]
    assert pipeline.share_points(1, WEIGHTS["3.4"]) == [0.75, 0.25]  # fewer marks than answers: quarters
    assert pipeline.share_points(1, WEIGHTS["1a"]) == [1]


@pytest.mark.parametrize("marks", [12.5, 10, 7, 1])
@pytest.mark.parametrize("part", sorted(WEIGHTS))
def test_splits_add_up_exactly_at_the_grain(marks: float, part: str) -> None:
    weights = WEIGHTS[part]
    shares = exact(pipeline.share_points(marks, weights))
    assert sum(shares) == Fraction(marks).limit_denominator(100), (part, shares)
    quarters_enough = len([w for w in weights if w]) <= 4 * marks
    grain = Fraction(1, 2) if marks >= len(weights) else Fraction(1, 4) if quarters_enough else Fraction(1, 100)
    assert all((s / grain).denominator == 1 for s in shares), (part, marks, shares)
    # the key's intent: a heavier answer never gets fewer points, and no share is off its exact
    # proportion by a grain or more
    total = sum(weights)
    for s, w in zip(shares, weights):
        assert abs(s - Fraction(marks).limit_denominator(100) * w / total) < grain, (part, marks, shares)
        assert all(s >= t for t, v in zip(shares, weights) if v < w), (part, marks, shares)
    if quarters_enough:
        assert all(s > 0 for s, w in zip(shares, weights) if w), (part, marks, shares)


@pytest.mark.parametrize("marks", [0.25, 0.5, 1, 2, 3.75, 4.35, 6, 7.25, 9.99, 12.5, 15, 20, 33.33, 100])
@pytest.mark.parametrize("part", ["1c", "2a", "2b", "3.2"])
def test_any_configured_marks_add_up_exactly(marks: float, part: str) -> None:
    shares = exact(pipeline.share_points(marks, WEIGHTS[part]))
    assert sum(shares) == Fraction(marks).limit_denominator(100)
    assert all(s >= 0 for s in shares)


def test_the_default_configuration_splits_in_whole_marks() -> None:
    ps = pipeline.build_problem_set(seed=7)
    for part in ps.parts:
        assert part.points == config.default().points_of(part.id)
        shares = [a.points for a in part.graded]
        assert all(s is not None and float(s).is_integer() and s > 0 for s in shares), (part.id, shares)
        assert sum(s or 0 for s in shares) == part.points


def test_no_points_give_no_points() -> None:
    assert pipeline.share_points(0, [1, 4]) == [0, 0]
    assert pipeline.share_points(3, []) == []
