"""generator/render.py: the Jinja2 environment the LaTeX templates are rendered in."""

from fractions import Fraction

import jinja2
import pytest

from generator import latex, render


def from_string(source: str, **context) -> str:
    return render.environment().from_string(source).render(**context)


def test_a_missing_variable_is_an_error_not_an_empty_string():
    with pytest.raises(jinja2.UndefinedError, match="'missing' is undefined"):
        from_string(r"\textbf{<< missing >>}")
    with pytest.raises(jinja2.UndefinedError):
        from_string("<< q.absent >>", q={})


def test_a_template_file_without_its_variables_is_an_error():
    assert "pdflatex" in render.render("preamble.tex.j2", engine="pdflatex", paper="a4", font_size=11)
    with pytest.raises(jinja2.UndefinedError, match="'engine' is undefined"):
        render.render("preamble.tex.j2")


def test_delimiters_leave_latex_braces_alone():
    source = "<# a comment #>\\frac{<< a >>}{{ b }}<% for x in xs %>{<< x >>}<% endfor %>{% raw %}"
    assert from_string(source, a=1, xs=[2, 3]) == "\\frac{1}{{ b }}{2}{3}{% raw %}"


def test_block_lines_leave_no_blank_lines():
    source = "A\n  <% if show %>\nB\n  <% endif %>\nC\n"
    assert from_string(source, show=True) == "A\nB\nC\n"
    assert from_string(source, show=False) == "A\nC\n"


def test_values_are_inserted_as_is_and_plain_text_through_e():
    text = "50% of $x_1$ & {y} -- #1 \\input"
    assert from_string("<< t >>", t=r"\frac{1}{2}") == r"\frac{1}{2}"  # computed LaTeX: no autoescape
    assert from_string("<< t|e >>", t=text) == latex.escape(text)
    assert from_string("<< t|e >>", t=text) == r"50\% of \$x\_1\$ \& \{y\} -{}- \#1 \textbackslash{}input"


def test_number_filters():
    half = Fraction(-1, 2)
    assert from_string("<< x|num >>", x=half) == latex.num(half)
    assert from_string("<< x|pnum >>", x=half) == latex.num(half, paren=True)
    assert from_string("<< x|pnum >>", x=half) != from_string("<< x|num >>", x=half)  # a negative gets parentheses


def test_the_environment_is_built_once():
    assert render.environment() is render.environment()
    assert render.TEMPLATES.is_dir() and (render.TEMPLATES / "document.tex.j2").is_file()
