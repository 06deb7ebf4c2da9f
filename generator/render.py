"""The Jinja2 environment for LaTeX templates.

Delimiters stay out of LaTeX's way: ``<< expr >>`` prints, ``<% stmt %>``
controls, ``<# ... #>`` comments. ``StrictUndefined`` makes a missing variable
an error. Computed LaTeX is inserted as is; plain text must go through the
``e`` filter (:func:`generator.latex.escape`); text a user typed (a name, a
course title from the configuration) through ``user`` (:func:`generator.names.to_tex`,
which also sets scripts pdfLaTeX's fonts lack).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

from . import latex, names
from .resources import TEMPLATES as TEMPLATES  # the folder the environment loads from

_ADDED: dict[str, str] = {}  # templates added at run time (a registered question family's): name -> source


def add_template(name: str, source: str) -> None:
    """Put ``source`` on the template search path as ``name`` (after the
    project's templates, which it may not replace)."""
    if (TEMPLATES / name).exists() or name in _ADDED:
        raise ValueError(f"a template named {name!r} exists already")
    _ADDED[name] = source


def remove_template(name: str) -> None:
    _ADDED.pop(name, None)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(TEMPLATES)), jinja2.DictLoader(_ADDED)]),
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["e"] = latex.escape
    env.filters["num"] = latex.num
    env.filters["pnum"] = lambda x: latex.num(x, paren=True)
    env.filters["user"] = names.to_tex
    env.filters["points"] = points_number
    env.filters["marks"] = lambda x: f"{points_number(x)}~{'mark' if float(x) == 1 else 'marks'}"
    env.filters["share"] = share
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def share(x: float) -> str:
    """A share of the marks as the key words it: all, half, a quarter, 0.3."""
    return {1.0: "all", 0.5: "half", 0.25: "a quarter", 0.75: "three quarters", 0.0: "none"}.get(float(x), f"{float(x):g}")


def points_number(x: float) -> str:
    """Points as printed: 6, 2.5, 1.33."""
    return str(int(x)) if float(x).is_integer() else f"{float(x):.2f}".rstrip("0").rstrip(".")
