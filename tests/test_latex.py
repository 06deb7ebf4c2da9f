from fractions import Fraction

import pytest

from generator import latex


@pytest.mark.parametrize(
    "text, expected",
    [
        ("A & B", r"A \& B"),
        ("50% _x_ #1 $5", r"50\% \_x\_ \#1 \$5"),
        (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
        ("^^5c", r"\textasciicircum{}\textasciicircum{}5c"),
        ("a~b", r"a\textasciitilde{}b"),
        ("line\nbreak", "line break"),
        ("bell\x07", "bell"),
        ("Zoë Ångström", "Zoë Ångström"),
        ("Smith--Jones,,x", "Smith-{}-Jones,{},x"),
    ],
)
def test_escape(text, expected):
    assert latex.escape(text) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (16, "16"),
        (-16, "-16"),
        (Fraction(-29, 10), "-2.9"),
        (Fraction(11, 4), "2.75"),
        (Fraction(1, 3), r"\frac{1}{3}"),
        (Fraction(-2, 3), r"-\frac{2}{3}"),
    ],
)
def test_num(value, expected):
    assert latex.num(value) == expected


def test_num_paren_and_exact():
    assert latex.num(-2, paren=True) == "(-2)"
    assert latex.num(2, paren=True) == "2"
    assert latex.exact_str(Fraction(3, 2)) == "3/2"
    assert latex.json_number(Fraction(3, 2)) == 1.5
    assert latex.json_number(Fraction(4, 2)) == 2 and isinstance(latex.json_number(Fraction(4, 2)), int)
