"""Figures for the exports, one per question family that shows one
(``\\nnfigure`` in its template's introduction): a family registers how its
figure is drawn (:func:`register`), keyed by the family's name, and an export
embeds what it draws where the introduction shows the figure.

The network figure of question 1 as SVG, drawn from the version's
parameters: the same layout as the TikZ picture of
templates/questions/network.tex.j2 (inputs left, three hidden units, the
output right, each weight beside its edge, each bias beside its unit).

Drawing it in Python takes well under a millisecond and needs no TeX, so an
export works with ``--no-pdf`` and adds almost nothing to a class set's time;
a batched TeX run plus pdftoppm would cost seconds per class for the same
picture. SVG is text, so the file is small and byte-identical for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Figure:
    """How a family's figure is drawn for an export."""

    name: str  # the file name's stem: <name>-<version code>.svg
    alt: str  # the alternative text of the image
    svg: Callable[[dict[str, Any]], str]  # the question's params (answers.json) -> an SVG document


_FIGURES: dict[str, Figure] = {}


def register(family: str, figure: Figure) -> None:
    """Draw ``figure`` for the questions of ``family`` (a family's NAME)."""
    _FIGURES[family] = figure


def of(family: str) -> Figure | None:
    """The figure a family registers, or None."""
    return _FIGURES.get(family)

_SCALE = 48.0  # pixels per TikZ cm
_R = 0.45  # unit radius in cm
_POS = {"x1": (0.0, 1.7), "x2": (0.0, -1.7), "h1": (5.2, 2.9), "h2": (5.2, 0.0), "h3": (5.2, -2.9), "o": (10.0, 0.0)}
_LEFT, _TOP = 1.6, 3.9  # cm of margin: the origin of the drawing is at (_LEFT, _TOP) from the top left
_WIDTH, _HEIGHT = 14.0, 7.9


def number(x: Any) -> str:
    """A parameter as printed: integers without a point, a true minus sign."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    text = repr(x) if isinstance(x, float) else str(x)
    return text.replace("-", "\u2212")


def _xy(p: tuple[float, float]) -> tuple[float, float]:
    return (_LEFT + p[0]) * _SCALE, (_TOP - p[1]) * _SCALE


def _label(x: float, y: float, parts: list[tuple[str, str]], anchor: str = "middle", size: int = 14) -> str:
    """A text of (kind, text) runs: kind "" normal, "_" subscript, "^" superscript."""
    spans, shift = [], 0.0
    for kind, text in parts:
        target = {"": 0.0, "_": 4.0, "^": -6.0}[kind]
        font = f' font-size="{size - 4}"' if kind else ""
        gap = ' dx="4"' if shift and not kind else ""  # back on the baseline after an index: a little space
        dy = target - shift
        # a run on the baseline with nothing to change is plain text (a figure per version: its bytes count)
        spans.append(escape(text) if dy == 0 and not gap and not font else f'<tspan dy="{dy:g}"{gap}{font}>{escape(text)}</tspan>')
        shift = target
    attrs = (f' class="{anchor[0]}"' if anchor != "middle" else "") + (f' font-size="{size}"' if size != 14 else "")
    return f'<text x="{x:.1f}" y="{y:.1f}"{attrs}>{"".join(spans)}</text>'


def _edge(a: str, b: str, weight: str, pos: float, side: int) -> str:
    (x0, y0), (x1, y1) = _xy(_POS[a]), _xy(_POS[b])
    d = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    r = _R * _SCALE
    line = (f'<line x1="{x0 + ux * r:.1f}" y1="{y0 + uy * r:.1f}" x2="{x1 - ux * (r + 2):.1f}" y2="{y1 - uy * (r + 2):.1f}" '
            f'marker-end="url(#arrow)"/>')
    # the weight beside its edge: a point at ``pos`` along it, moved off the line (side -1 above, +1 below)
    px, py = x0 + (x1 - x0) * pos, y0 + (y1 - y0) * pos
    nx, ny = -uy, ux
    if ny > 0:
        nx, ny = -nx, -ny  # (nx, ny) points upwards on the page
    off = 9.0 if side < 0 else -15.0
    return line + _label(px + nx * off, py + ny * off + 5, [("", weight)])


def network_svg(params: dict[str, Any]) -> str:
    """The figure of a version's network (the ``params`` of question 1)."""
    x, w1, b1, w2, b2 = params["x"], params["W1"], params["b1"], params["W2"], params["b2"]
    w2 = [row[0] if isinstance(row, list) else row for row in w2]
    b2 = b2[0] if isinstance(b2, list) else b2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH * _SCALE:.0f}" height="{_HEIGHT * _SCALE:.0f}" '
           f'viewBox="0 0 {_WIDTH * _SCALE:.0f} {_HEIGHT * _SCALE:.0f}">',
           '<title>The 2-3-1 network with its weights and biases</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
           '<style>text{font-family:serif;font-size:14px;text-anchor:middle;paint-order:stroke;stroke:white;'
           'stroke-width:4px}.e{text-anchor:end}.s{text-anchor:start}line{stroke:black;stroke-width:1.2px}</style>',
           '<rect width="100%" height="100%" fill="white"/>']
    for j in range(3):
        h = f"h{j + 1}"
        out.append(_edge("x1", h, number(w1[0][j]), 0.25, -1))
        out.append(_edge("x2", h, number(w1[1][j]), 0.25, +1))
        out.append(_edge(h, "o", number(w2[j]), 0.5, -1))
    ox, oy = _xy(_POS["o"])
    r = _R * _SCALE
    out.append(f'<line x1="{ox + r:.1f}" y1="{oy:.1f}" x2="{ox + r + 1.0 * _SCALE:.1f}" y2="{oy:.1f}" '
               f'marker-end="url(#arrow)"/>')
    out.append(_label(ox + r + 1.05 * _SCALE, oy + 5, [("", "\u0177")], anchor="start"))
    names = {"x1": [("", "x"), ("_", "1")], "x2": [("", "x"), ("_", "2")], "h1": [("", "a"), ("_", "1")],
             "h2": [("", "a"), ("_", "2")], "h3": [("", "a"), ("_", "3")], "o": [("", "\u0177")]}
    for node, label in names.items():
        cx, cy = _xy(_POS[node])
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="white" stroke="black" stroke-width="1.6"/>')
        out.append(_label(cx, cy + 5, label, size=16))
    for k, node in enumerate(("x1", "x2")):
        cx, cy = _xy(_POS[node])
        out.append(_label(cx - r - 6, cy + 5, [("", number(x[k]))], anchor="end"))
    for j in range(3):
        cx, cy = _xy(_POS[f"h{j + 1}"])
        dy = r + 18 if j == 2 else -r - 8
        out.append(_label(cx, cy + dy, [("", "b"), ("_", str(j + 1)), ("^", "[1]"), ("", f"= {number(b1[j])}")]))
    out.append(_label(ox, oy - r - 8, [("", "b"), ("_", "1"), ("^", "[2]"), ("", f"= {number(b2)}")]))
    out.append("</svg>")
    return "\n".join(out) + "\n"


register("network", Figure("network", "The network with its weights and biases", network_svg))
