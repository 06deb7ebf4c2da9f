"""Accessible HTML (``--export html``): for every version one self-contained
page of the student handout and one of the instructor key, written into the
folder ``html/`` as ``assignment-<version>.html`` and ``key-<version>.html``.

Each page needs no network and no JavaScript to be read: the styles are in the
page, every formula is MathML (converted by latex2mathml from the same LaTeX
the PDFs typeset: the question templates' fragments and the answers' LaTeX of
answers.json), the network figure and the computational graph are SVG images
(data URLs) whose caption states, as text, every input, weight, bias and edge
with its value or local derivative. Headings follow the reading order
(h1 the assignment, h2 a question, h3 a part), the landmarks are a banner, a
navigation list of the questions, the main content and a content footer;
``lang`` is set. The handout's answers are labelled form fields (one per
answer of the answer sheet, under its ref, and a working area per part) that a
student fills in and prints, or saves to a text file with a button (the only
script, optional). Every text typed in the course configuration is escaped.

The page is also well-formed XML (void elements closed, only XML's own
entities), so :meth:`Writer.check` reads every file back with the standard
library's XML parser and checks what the page must hold: its language, title,
landmarks and headings, a label for every field, one field per graded answer
of its version, every answer of the key, a text alternative for every image
naming every weight, and nothing that reaches out of the page.
"""

from __future__ import annotations

import base64
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any

import latex2mathml.converter

from .. import key
from . import feedback, figure, formats, html
from .feedback import clean
from .source import ExportError, PartView, Version

LANG = "en"
DOCUMENTS = ("assignment", "key")  # the handout and the key, as the PDFs are named
_XHTML = "{http://www.w3.org/1999/xhtml}"
_MATHML = "{http://www.w3.org/1998/Math/MathML}"


def file_names(code: str) -> tuple[str, str]:
    """The handout's and the key's file of version ``code``."""
    return f"assignment-{code}.html", f"key-{code}.html"


def esc(text: str) -> str:
    """Text typed by a person (course titles, instructions) or from the data, for HTML."""
    return html.escape(clean(text))


# --- MathML -------------------------------------------------------------------------------------

_BOXED = re.compile(r'<menclose notation="box">')
_COLUMN = re.compile(r'<mtd columnalign="(left|right|center)"')
# a minus sign that starts a number (after "=", a comma, an opening parenthesis, at the start of a
# row or cell) belongs to the number: one <mn>, set tight and read as "minus 2", not an operator with spaces
_NEGATIVE = re.compile(r"(<mo>&#x0003D;</mo>|<mo>&#x0002C;</mo>|<mo[^>]*>&#x00028;</mo>|<mrow>|<mtd[^>]*>)"
                       r"<mo>&#x02212;</mo><mn>([^<]*)</mn>")
_UNSUPPORTED = re.compile(r' (?:columnspacing|rowspacing)="[^"]*"')


@lru_cache(maxsize=8192)
def mathml(tex: str, display: bool = False) -> str:
    """The MathML of a LaTeX formula (the inside of ``$...$``), as MathML Core
    lays it out in a browser: a box (``\\boxed``, the key's final answers) is an
    ``mrow`` with a border, an alignment column a cell aligned by a class."""
    tex = " ".join(tex.split())
    # the LMS converter writes align* as aligned (for MathJax); latex2mathml knows the original
    tex = tex.replace("\\begin{aligned}", "\\begin{align*}").replace("\\end{aligned}", "\\end{align*}")
    tex = re.sub(r"\\finalanswer\b", r"\\boxed", tex)
    try:
        out: str = latex2mathml.converter.convert(tex, display="block" if display else "inline")
    except Exception as exc:  # the converter raises its own exception types for LaTeX it cannot read
        raise ExportError(f"the formula {tex!r} cannot be converted to MathML: {exc}") from None
    out = _BOXED.sub('<mrow class="boxed">', out).replace("</menclose>", "</mrow>")
    out = _COLUMN.sub(lambda m: f'<mtd class="{m.group(1)[0]}"', out)
    out = _UNSUPPORTED.sub("", out)
    out = _NEGATIVE.sub(r"\1<mn>&#x02212;\2</mn>", out)
    text = re.sub(r"<[^>]*>", " ", out)
    left = re.search(r"\\[A-Za-z]+|&(?!#x?[0-9A-Fa-f]+;|amp;|lt;|gt;|quot;)", text)
    if left:
        raise ExportError(f"the formula {tex!r} has {left.group(0)!r} left after its conversion to MathML")
    return out


WIDE = 60  # characters of LaTeX above which an inline formula may not fit a phone's width
_MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)


def with_mathml(fragment: str) -> str:
    """HTML whose maths (``\\( \\)`` and ``\\[ \\]``, as the LMS converter writes it) is MathML."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            tex = unescape(m.group(1))
            if len(tex) > WIDE:  # may be wider than a phone: it scrolls in its own box, reached by keyboard
                return f'<span class="wide" tabindex="0">{mathml(tex)}</span>'
            return mathml(tex)
        return f'<span class="display" tabindex="0">{mathml(unescape(m.group(2)), True)}</span>'

    out = _MATH.sub(one, fragment)
    if "\\(" in out or "\\[" in out:
        raise ExportError(f"a formula without its end in {out[:80]!r}")
    return out


def inline(tex: str) -> str:
    return mathml(tex)


# --- figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawn:
    """A figure of the accessible pages: the SVG and its text alternative (HTML
    with ``\\( \\)`` maths) naming every value the picture shows."""

    svg: str
    summary: str  # the image's alt: what the picture is
    caption: str  # HTML: the figure's whole content as text


def _img(drawn: Drawn, ident: str) -> str:
    data = base64.b64encode(drawn.svg.encode("utf-8")).decode("ascii")
    return (f'<figure class="figure" aria-labelledby="{ident}-c">'
            f'<img src="data:image/svg+xml;base64,{data}" alt="{esc(drawn.summary)}"/>'
            f'<figcaption id="{ident}-c">{drawn.caption}</figcaption></figure>')


def _num(x: Any) -> str:
    """A parameter as LaTeX: integers without a point."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return repr(x) if isinstance(x, float) else str(x)


def network(params: dict[str, Any]) -> Drawn:
    """The 2-3-1 network of question 1: the SVG the LMS exports embed, and every
    input, weight and bias as a list."""
    drawn = figure.of("network")
    if drawn is None:
        raise ExportError("the network figure is not registered (generator.export.figure)")
    x, w1, b1, w2, b2 = params["x"], params["W1"], params["b1"], params["W2"], params["b2"]
    w2 = [row[0] if isinstance(row, list) else row for row in w2]
    b2 = b2[0] if isinstance(b2, list) else b2
    items = [f"<li>inputs \\(x_1 = {_num(x[0])}\\) and \\(x_2 = {_num(x[1])}\\)</li>"]
    for i in range(2):
        for j in range(3):
            items.append(f"<li>edge from input \\(x_{i + 1}\\) to hidden unit \\(a_{j + 1}\\): weight "
                         f"\\(w_{{{i + 1}{j + 1}}}^{{[1]}} = {_num(w1[i][j])}\\)</li>")
    for j in range(3):
        items.append(f"<li>edge from hidden unit \\(a_{j + 1}\\) to the output \\(\\hat y\\): weight "
                     f"\\(w_{{{j + 1}1}}^{{[2]}} = {_num(w2[j])}\\)</li>")
    for j in range(3):
        items.append(f"<li>bias of hidden unit \\(a_{j + 1}\\): \\(b_{j + 1}^{{[1]}} = {_num(b1[j])}\\)</li>")
    items.append(f"<li>bias of the output \\(\\hat y\\): \\(b_1^{{[2]}} = {_num(b2)}\\)</li>")
    caption = ("<span class=\"lead\">The network drawn above, as text: inputs \\(x_1, x_2\\), every input joined to each of the "
               "hidden units \\(a_1, a_2, a_3\\), each hidden unit joined to the output \\(\\hat y\\).</span>"
               f"<ul>{''.join(items)}</ul>")
    return Drawn(drawn.svg(params), "The 2-3-1 network with its weights and biases; every value is listed below.",
                 caption)


_GRAPH_POS = {"x1": (0.0, 1.7), "x2": (0.0, -1.7), "g1": (6.4, 1.7), "g2": (6.4, -1.7), "f": (10.4, 0.0)}
_GRAPH_EDGES = (("x1", "g1", "dg1/dx1"), ("x2", "g1", "dg1/dx2"), ("x1", "g2", "dg2/dx1"), ("x2", "g2", "dg2/dx2"),
                ("g1", "f", "df/dg1"), ("g2", "f", "df/dg2"))
_SUB = str.maketrans("0123456789", "\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089")


def plain_formula(text: str) -> str:
    """A formula of answers.json's plain text (SymPy's) as a picture's label:
    ``-3*exp(2*x2)`` -> ``−3·e^(2·x₂)``."""
    out = text.replace("**", "^").replace("*", "\u00b7").replace("exp(", "e^(").replace("-", "\u2212")
    return re.sub(r"\b([xg])(\d)\b", lambda m: m.group(1) + m.group(2).translate(_SUB), out)


def graph(part: key.Part) -> Drawn:
    """The computational graph of the chain rule (question 2's key, part a):
    each edge labelled with its local derivative, from the part's answers."""
    by_name = {a.name: a for a in part.answers}
    missing = [name for _, _, name in _GRAPH_EDGES if name not in by_name or by_name[name].latex is None]
    if missing:
        raise ExportError(f"part {part.id}: the computational graph needs the answers {', '.join(missing)}")
    scale, r, left, top = 48.0, 0.45, 1.2, 2.8

    def xy(node: str) -> tuple[float, float]:
        px, py = _GRAPH_POS[node]
        return (left + px) * scale, (top - py) * scale

    width, height = (left * 2 + 10.4 + 2.5) * scale, top * 2 * scale
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}">',
           "<title>The computational graph of f with each edge's local derivative</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
           '<style>text{font-family:serif;font-size:14px;text-anchor:middle;paint-order:stroke;stroke:white;'
           'stroke-width:4px}.s{text-anchor:start}line{stroke:black;stroke-width:1.2px}</style>',
           '<rect width="100%" height="100%" fill="white"/>']
    # where each label sits: a fraction along its edge, an offset in pixels, and its text anchor (as the
    # TikZ picture of the key: the straight edges' labels above or below, the crossing ones near their start)
    offsets = {"dg1/dx1": (0.0, -10.0), "dg2/dx2": (0.0, 22.0), "dg2/dx1": (10.0, -4.0), "dg1/dx2": (10.0, 16.0),
               "df/dg1": (18.0, -10.0), "df/dg2": (18.0, 22.0)}
    positions = {"dg1/dx1": 0.5, "dg2/dx2": 0.5, "dg2/dx1": 0.16, "dg1/dx2": 0.16, "df/dg1": 0.5, "df/dg2": 0.5}
    anchors = {"dg2/dx1": "start", "dg1/dx2": "start"}
    for a, b, name in _GRAPH_EDGES:
        (x0, y0), (x1, y1) = xy(a), xy(b)
        d = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        rr = r * scale
        out.append(f'<line x1="{x0 + ux * rr:.1f}" y1="{y0 + uy * rr:.1f}" x2="{x1 - ux * (rr + 2):.1f}" '
                   f'y2="{y1 - uy * (rr + 2):.1f}" marker-end="url(#arrow)"/>')
        t = positions[name]
        dx, dy = offsets[name]
        label = plain_formula(by_name[name].exact or by_name[name].text)
        anchor = ' class="s"' if anchors.get(name) == "start" else ""
        out.append(f'<text x="{x0 + (x1 - x0) * t + dx:.1f}" y="{y0 + (y1 - y0) * t + dy:.1f}"{anchor}>'
                   f"{html.escape(label)}</text>")
    for node in _GRAPH_POS:
        cx, cy = xy(node)
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * scale:.1f}" fill="white" stroke="black" stroke-width="1.6"/>')
        name, index = node[0], node[1:]
        sub = f'<tspan dy="4" font-size="11">{index}</tspan>' if index else ""
        out.append(f'<text x="{cx:.1f}" y="{cy + 5:.1f}" font-size="16">{name}{sub}</text>')
    out.append("</svg>")
    items = []
    for a, b, name in _GRAPH_EDGES:
        ans = by_name[name]
        items.append(f"<li>edge from \\({a[0]}_{a[1]}\\) to \\({b[0]}{'_' + b[1] if b[1:] else ''}\\): "
                     f"\\({ans.label} = {ans.latex}\\)</li>")
    caption = ("<span class=\"lead\">The computational graph drawn above, as text: \\(x_1\\) and \\(x_2\\) each feed both "
               "\\(g_1\\) and \\(g_2\\), which feed \\(f\\); each edge carries its local derivative.</span>"
               f"<ul>{''.join(items)}</ul>")
    return Drawn("\n".join(out) + "\n", "The computational graph of f; every edge and its local derivative is listed below.",
                 caption)


# --- a page -------------------------------------------------------------------------------------

STYLE = """
:root{color-scheme:light;--ink:#111;--muted:#3d3d3d;--rule:#595959;--accent:#0b4f9c}
*{box-sizing:border-box}
html{background:#fff;color:var(--ink)}
body{margin:0 auto;max-width:50rem;padding:1rem 1.25rem 3rem;font-family:"Latin Modern Roman","DejaVu Serif",Georgia,serif;
font-size:1.125rem;line-height:1.55;overflow-wrap:break-word}
header.banner{border-bottom:2px solid var(--rule);padding-bottom:.5rem;margin-bottom:1rem}
header.banner p{margin:.1rem 0}
h1{font-size:1.7rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.4rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--rule)}
h3{font-size:1.15rem;margin:1.5rem 0 .4rem}
h4{font-size:1.05rem;margin:1rem 0 .3rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999rem}
.skip:focus{position:static}
.ref{display:inline-block;border:1px solid var(--rule);padding:0 .3em;font-family:"DejaVu Sans",Arial,sans-serif;
font-size:.85em;font-weight:normal}
.marks{font-weight:normal;color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid var(--rule);padding:.2rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.2rem 0;white-space:nowrap}
.wide{display:inline-block;max-width:100%;overflow-x:auto;overflow-y:hidden;vertical-align:middle}
.display{display:block;overflow-x:auto;overflow-y:hidden;max-width:100%;padding:.2rem 0}
math{font-size:1.05em;font-family:"Latin Modern Math","STIX Two Math",math}
math[display="block"]{margin:.3rem 0}
.boxed{border:1.5px solid var(--ink);padding:.1em .3em}
mtd{padding:.15em 0}
mtd.r{text-align:right}
mtd.l{text-align:left}
mtd.c{text-align:center}
figure.figure{margin:1rem 0}
figure.figure img{display:block;max-width:100%;height:auto;border:1px solid var(--rule)}
figcaption{font-size:1rem}
.lead{display:block;margin:.4rem 0}
.field{margin:.6rem 0}
.field label{display:block;font-weight:bold;margin-bottom:.2rem}
fieldset.choice{border:1px solid var(--rule);padding:.3rem .75rem .5rem}
legend{font-weight:bold;padding:0 .2rem}
.choice .option{display:inline-block;margin-right:1.5rem}
.choice .option label{display:inline;font-weight:normal;margin-left:.3rem}
input[type=radio]{width:1.2rem;height:1.2rem;vertical-align:middle}
.hint{display:block;color:var(--muted);font-size:.95rem;margin-bottom:.3rem}
input[type=text],textarea{display:block;width:100%;font:inherit;color:var(--ink);background:#fff;
border:2px solid var(--rule);border-radius:2px;padding:.35rem .5rem}
textarea{min-height:6rem;resize:vertical}
.key-note{border:2px solid var(--rule);padding:.5rem .75rem}
button{font:inherit;padding:.4rem .9rem;border:2px solid var(--accent);background:#fff;color:var(--accent);border-radius:3px}
footer.contentinfo{margin-top:2rem;border-top:1px solid var(--rule);padding-top:.5rem;color:var(--muted);font-size:1rem}
@media (max-width:30rem){body{padding:.5rem .75rem 2rem;font-size:1.0625rem}h1{font-size:1.4rem}}
@media print{.noprint{display:none}body{max-width:none;font-size:11pt}textarea{min-height:4rem}
section.part{break-inside:avoid-page}a{color:inherit}}
"""

# The one script: a button that saves the typed answers to a text file. The page reads and prints without it.
SCRIPT = """
(function(){
  var b=document.getElementById('save');if(!b){return;}
  b.hidden=false;
  b.addEventListener('click',function(){
    var lines=[document.title,''];
    var seen={};
    document.querySelectorAll('[data-ref]').forEach(function(el){
      var ref=el.getAttribute('data-ref');
      if(el.type==='radio'){ if(seen[ref]){ if(el.checked){lines[seen[ref]]=ref+': '+el.value;} return; }
        seen[ref]=lines.length; lines.push(ref+': '+(el.checked?el.value:'')); return; }
      lines.push(ref+': '+el.value.replace(/\\r?\\n/g,' / '));});
    var blob=new Blob([lines.join('\\n')+'\\n'],{type:'text/plain;charset=utf-8'});
    var a=document.createElement('a');a.href=URL.createObjectURL(blob);
    a.download=b.getAttribute('data-file');document.body.appendChild(a);a.click();a.remove();
  });
})();
"""


def _course(version: Version) -> key.Course:
    c = version.course
    return c if c is not None else key.Course("", "", "", None, None, None)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def due_text(iso: str) -> str:
    """"2027-02-14" -> "14 February 2027", as the PDFs print it."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return iso
    return f"{int(m.group(3))} {_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def _marks(points: float) -> str:
    return feedback.marks(points)


def key_list(part: PartView) -> str:
    """The key of a part: every graded answer under its ref with its exact value, how it is
    graded and its marks, then its common mistakes (the Moodle and Canvas feedback's content,
    each formula a display formula of its own, so that a long one scrolls in its own box)."""
    rows = []
    for a in part.graded:
        if a.latex is None:
            raise ExportError(f"answer {a.ref}: a graded answer without its LaTeX value")
        ref = f'<span class="ref">{esc(a.ref)}</span> '
        if a.kind == "text" and a.label == "model answer":  # an explanation (1e), not a formula
            rows.append(f"<li>{ref}model answer (marked by hand, {_marks(a.points)}): {html.to_html(a.latex)}</li>")
            continue
        how = ""
        if a.kind in ("number", "vector"):
            tol = a.tolerance or key.NO_TOLERANCE
            how = f"accepted within \u00b1{esc(feedback.number(max(tol.abs, 0.0)))}"
            how += f" or {esc(feedback.number(tol.rel))} relative" if tol.rel else ""
            value = a.value if isinstance(a.value, tuple) else (a.value,)
            decimals = ", ".join(esc(feedback.number(float(v))) for v in value if isinstance(v, (int, float)))
            how = f"decimal {'(' + decimals + ')' if len(value) > 1 else decimals}; {how}"
        elif a.kind == "choice":
            how = "one of " + ", ".join(esc(c) for c in a.choices)
        else:
            how = "marked by hand; any equivalent form is right"
        rows.append(f"<li>{ref}({how}; {_marks(a.points)})\\[{a.label} = {a.latex}\\]</li>")
    out = "<h4>Key</h4>\n<ul>" + "".join(rows) + "</ul>\n"
    mistakes = [(a, m) for a in part.graded for m in a.mistakes]
    if mistakes:
        items = []
        for a, m in mistakes:
            value = m.value if isinstance(m.value, tuple) else (m.value,)
            shown = ", ".join(esc(feedback.number(float(v))) if isinstance(v, (int, float)) and not isinstance(v, bool)
                              else esc(str(v)) for v in value)
            shown = f"({shown})" if len(value) > 1 else shown
            items.append(f'<li><span class="ref">{esc(a.ref)}</span> {shown} if the student {html.to_html(m.text)[3:-4]}</li>')
        out += f"<h4>Common mistakes</h4>\n<ul>{''.join(items)}</ul>\n"
    return out


def _convert(tex: str, where: str, figure_html: Callable[[str], str]) -> str:
    """A template fragment as HTML with MathML; a TikZ picture outside ``\\nnfigure``
    (the key's computational graph) becomes the figure named ``graph``."""
    tex = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}",
                 lambda m: "\\nnfigure{graph}{}", tex, flags=re.S) if "\\nnfigure{" not in tex else tex
    try:
        out = html.to_html(tex + "\n\n", figure_html)
    except html.UnknownLaTeX as exc:
        raise ExportError(f"{where}: {exc}") from None
    out = out.replace("<table ", '<div class="scroll" tabindex="0" role="group" aria-label="table"><table ')
    out = out.replace("</table>", "</table></div>")
    out = re.sub(r' style="[^"]*"', "", out)  # the page's own styles, no inline ones
    return with_mathml(blocks(out))


_BLOCK = re.compile(r"<(?:div|table|figure|ul|ol|h[1-6])\b")


def blocks(fragment: str) -> str:
    """The LMS converter's HTML as a page holds it: void elements closed, and a
    paragraph that holds a block (a table, a list, a figure) a ``div``, which may."""
    fragment = fragment.replace("<br>", "<br/>")

    def one(m: re.Match[str]) -> str:
        inner = m.group(1)
        return f'<div class="para">{inner}</div>' if _BLOCK.search(inner) else m.group(0)

    return re.sub(r"<p>(.*?)</p>", one, fragment, flags=re.S)


class _Page:
    """One document (the handout or the key) of one version, built as text."""

    def __init__(self, version: Version, is_key: bool) -> None:
        self.version = version
        self.key = is_key
        self.fields = 0
        self.figures: set[str] = set()
        self.parts: list[str] = []

    def figure_html(self, question: key.Question, part: PartView | None) -> Callable[[str], str]:
        def draw(name: str) -> str:
            ident = f"fig-{question.id}-{name}"
            if ident in self.figures:
                return ""
            self.figures.add(ident)
            if name == "network":
                drawn = network(dict(question.params))
            elif name == "graph" and part is not None:
                drawn = graph(part.data)
            else:
                raise ExportError(f"version {self.version.code}: question {question.id} shows a figure "
                                  f"{name!r} that the accessible export cannot draw")
            return with_mathml(_img(drawn, ident))
        return draw

    def field(self, answer: key.Answer) -> str:
        self.fields += 1
        ident = f"answer-{self.fields}"
        what = "your explanation" if answer.kind == "text" and answer.label == "model answer" else inline(answer.label)
        hint = {"number": "A number: exact (such as 3/2) or a decimal.",
                "vector": "A vector, written (a, b).",
                "expression": "A formula" + (f" in {', '.join(answer.variables)}" if answer.variables else "") + ".",
                "text": "A few sentences."}.get(answer.kind, "")
        control: str
        if answer.kind == "choice":  # a group of radio buttons under its ref and label
            ref = esc(answer.ref)
            buttons = "".join(f'<span class="option"><input type="radio" id="{ident}-{k}" name="{ref}" value="{esc(c)}" '
                              f'data-ref="{ref}"/><label for="{ident}-{k}">{esc(c)}</label></span>'
                              for k, c in enumerate(answer.choices, start=1))
            return (f'<fieldset class="field choice" aria-describedby="{ident}-hint"><legend><span class="ref">{ref}</span> '
                    f'{what}</legend><span class="hint" id="{ident}-hint">Choose one.</span>{buttons}</fieldset>')
        if answer.kind in ("expression", "text"):
            control = (f'<textarea id="{ident}" name="{esc(answer.ref)}" data-ref="{esc(answer.ref)}" rows="3" '
                       f'aria-describedby="{ident}-hint"></textarea>')
        else:
            control = (f'<input type="text" id="{ident}" name="{esc(answer.ref)}" data-ref="{esc(answer.ref)}" '
                       f'autocomplete="off" spellcheck="false" aria-describedby="{ident}-hint"/>')
        return (f'<div class="field"><label for="{ident}"><span class="ref">{esc(answer.ref)}</span> {what}</label>'
                f'<span class="hint" id="{ident}-hint">{hint}</span>{control}</div>')

    def part(self, part: PartView, first: bool) -> str:
        intro_tex, prompt_tex, solution_tex = part.tex
        q = part.question
        where = f"version {self.version.code}, part {part.id}"
        prompt = _convert(prompt_tex, where, self.figure_html(q, part))
        prompt = re.sub(r"^(<p>)?\s*<small>\[[^\]]*\]</small>\s*", r"\1", prompt)  # the marks are in the heading
        ident = f"part-{part.id}"
        out = [f'<section class="part" aria-labelledby="{ident}">',
               f'<h3 id="{ident}">Part {esc(part.id)} <span class="marks">({_marks(part.data.points)})</span></h3>',
               prompt]
        if self.key:
            out.append(with_mathml(blocks(key_list(part))))
            if solution_tex.strip():
                out.append("<h4>Worked solution</h4>")
                out.append(_convert(solution_tex, where, self.figure_html(q, part)))
        else:
            graded = part.graded
            if graded:
                out.append('<div class="answers">' + "".join(self.field(a) for a in graded) + "</div>")
            self.fields += 1
            work = f"answer-{self.fields}"
            out.append(f'<div class="field"><label for="{work}">Your working for part {esc(part.id)}</label>'
                       f'<textarea id="{work}" name="working {esc(part.id)}" data-ref="working {esc(part.id)}" '
                       f'rows="6"></textarea></div>')
        out.append("</section>")
        return "\n".join(out)

    def build(self) -> str:
        v = self.version
        c = _course(v)
        doc = "Instructor key" if self.key else "Handout"
        head = " ".join(t for t in (c.code, c.name) if t)
        title = f"{head}: {c.title}" if head and c.title else head or c.title or "Assignment"
        questions: list[tuple[key.Question, list[PartView]]] = []
        for p in v.parts:
            if questions and questions[-1][0] is p.question:
                questions[-1][1].append(p)
            else:
                questions.append((p.question, [p]))
        body: list[str] = []
        nav = "".join(f'<li><a href="#question-{esc(q.id)}">Question {esc(q.id[1:] if q.id[:1] == "q" else q.id)}: '
                      f"{esc(q.title)}</a></li>" for q, _ in questions)
        facts = [esc(t) for t in (c.term, c.instructor) if t] + ([f"Due {esc(due_text(c.due))}"] if c.due else [])
        body.append('<a class="skip" href="#main">Skip to the questions</a>')
        body.append(f'<header class="banner"><p>{esc(head)}{" &#183; " if head else ""}{esc(c.title)}</p>'
                    f"<p>Version <strong>{esc(v.code)}</strong>{' &#183; <strong>Instructor key</strong>' if self.key else ''}</p>"
                    "</header>")
        body.append(f'<nav aria-label="Questions"><ul>{nav}</ul></nav>')
        body.append('<main id="main">')
        body.append(f"<h1>{esc(title)}{' &#8212; instructor key' if self.key else ''}</h1>")
        if facts:
            body.append(f"<p>{' &#183; '.join(facts)}</p>")
        body.append(f"<p>Version <strong>{esc(v.code)}</strong></p>")
        if self.key:
            body.append('<p class="key-note">For instructors and teaching assistants only. Do not distribute. '
                        "Every number and formula in this key was computed and checked by two independent routes.</p>")
        elif v.instructions:
            body.append(f"<p>{esc(v.instructions)}</p>")
        if not self.key:
            body.append("<p>Type each final answer into its field under the part, marked like "
                        '<span class="ref">1a#1</span> as on the answer sheet of the printed handout. '
                        "To keep your answers, print this page (or print it to a PDF file); "
                        "the button at the end saves them to a text file.</p>")
        rows = "".join(f'<tr><th scope="row">{esc(p.id)}</th><td>{esc(feedback.number(p.data.points))}</td></tr>'
                       for p in v.parts)
        body.append('<div class="scroll" tabindex="0" role="group" aria-label="Marks"><table>'
                    "<caption>Marks of each part</caption>"
                    '<thead><tr><th scope="col">Part</th><th scope="col">Marks</th></tr></thead>'
                    f"<tbody>{rows}</tbody><tfoot><tr><th scope=\"row\">Total</th>"
                    f"<td>{esc(feedback.number(v.data.points_total))}</td></tr></tfoot></table></div>")
        if not self.key:
            body.append('<form id="answers" action="#" aria-label="Your answers">')
        for q, parts in questions:
            ident = f"question-{q.id}"
            number = q.id[1:] if q.id[:1] == "q" else q.id
            intro = _convert(parts[0].tex[0], f"version {v.code}, question {q.id}", self.figure_html(q, None))
            body.append(f'<section class="question" aria-labelledby="{ident}-h" id="{ident}">')
            body.append(f'<h2 id="{ident}-h">Question {esc(number)}: {esc(q.title)}</h2>')
            body.append(intro)
            for k, p in enumerate(parts):
                body.append(self.part(p, k == 0))
            body.append("</section>")
        if not self.key:
            body.append("</form>")
            body.append(f'<p class="noprint"><button type="button" id="save" hidden="hidden" '
                        f'data-file="answers-{esc(v.code)}.txt">Save my answers to a text file</button></p>')
        body.append("</main>")
        body.append(f'<footer class="contentinfo"><p>{esc(head)}{" &#183; " if head else ""}{esc(c.title)} &#183; '
                    f"Version {esc(v.code)} &#183; {doc}</p></footer>")
        script = f"<script>{SCRIPT}</script>" if not self.key else ""
        page_title = f"{title} \u2014 version {v.code} \u2014 {doc.lower()}"
        return ("<!DOCTYPE html>\n"
                f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{LANG}" xml:lang="{LANG}">\n<head>\n'
                '<meta charset="utf-8"/>\n<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
                f"<title>{esc(page_title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
                + "\n".join(body) + f"\n{script}\n</body>\n</html>\n")


def pages(version: Version) -> dict[str, str]:
    """The handout's and the key's page of a version, by file name."""
    handout, key_file = file_names(version.code)
    return {handout: _Page(version, False).build(), key_file: _Page(version, True).build()}


# --- reading a page back ------------------------------------------------------------------------

@dataclass
class _Expected:
    refs: tuple[str, ...]
    weights: tuple[str, ...]  # what the network figure's caption must state, as its text reads: "w21[1]=−3"


def _expected(version: Version) -> _Expected:
    refs = tuple(a.ref for p in version.parts for a in p.graded)
    weights: list[str] = []
    for q in version.data.questions:
        if q.family == "network" and any(p.question is q for p in version.parts):
            params = q.params
            weights += [f"w{i + 1}{j + 1}[1]={figure.number(w)}" for i, row in enumerate(params["W1"]) for j, w in enumerate(row)]
            weights += [f"w{j + 1}1[2]={figure.number(w[0] if isinstance(w, list) else w)}" for j, w in enumerate(params["W2"])]
            weights += [f"b{j + 1}[1]={figure.number(b)}" for j, b in enumerate(params["b1"])]
            b2 = params["b2"][0] if isinstance(params["b2"], list) else params["b2"]
            weights += [f"b1[2]={figure.number(b2)}"]
    return _Expected(refs, tuple(weights))


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def check_page(data: bytes, expected: _Expected, is_key: bool, name: str) -> list[str]:
    """Every rule one page breaks, one line each (none when it is right)."""
    problems: list[str] = []
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [f"{name}: not well-formed: {exc}"]
    if root.get("lang") != LANG:
        problems.append(f"{name}: the html element has no lang={LANG!r}")
    title = root.find(f"{_XHTML}head/{_XHTML}title")
    if title is None or not _text(title):
        problems.append(f"{name}: no title")
    body = root.find(f"{_XHTML}body")
    if body is None:
        return problems + [f"{name}: no body"]
    for tag in ("header", "nav", "main", "footer", "h1"):
        if len(body.findall(f".//{_XHTML}{tag}")) != 1:
            problems.append(f"{name}: not exactly one {tag}")
    levels = [int(el.tag[-1]) for el in body.iter() if re.fullmatch(rf"{re.escape(_XHTML)}h[1-6]", str(el.tag))]
    for a, b in zip(levels, levels[1:]):
        if b > a + 1:
            problems.append(f"{name}: a heading h{b} after h{a}")
            break
    labels = {el.get("for") for el in body.iter(f"{_XHTML}label")}
    refs: list[str] = []
    for el in body.iter():
        if el.tag in (f"{_XHTML}input", f"{_XHTML}textarea"):
            if el.get("id") not in labels:
                problems.append(f"{name}: the field {el.get('name')!r} has no label")
            ref = el.get("data-ref", "")
            if not ref.startswith("working ") and not (el.get("type") == "radio" and refs and refs[-1] == ref):
                refs.append(ref)  # a choice's radio buttons are one answer
    if not is_key and refs != list(expected.refs):
        problems.append(f"{name}: fields {refs} instead of one per answer {list(expected.refs)}")
    text = _text(body)
    if is_key:
        missing = [r for r in expected.refs if r not in text]
        if missing:
            problems.append(f"{name}: the key does not show the answers {missing}")
    for el in body.iter(f"{_XHTML}img"):
        if not el.get("alt"):
            problems.append(f"{name}: an image without alternative text")
        if not (el.get("src") or "").startswith("data:image/svg+xml;base64,"):
            problems.append(f"{name}: an image that is not inside the page")
    captions = "".join("".join(el.itertext()) for el in body.iter(f"{_XHTML}figcaption"))
    captions = re.sub(r"\s+", "", captions)
    for w in expected.weights:
        if w not in captions:
            problems.append(f"{name}: the figure's text does not state {w}")
    for el in root.iter():
        for attr in ("src", "href", "action"):
            value = el.get(attr) or ""
            if re.match(r"[a-z][a-z0-9+.-]*:", value, re.I) and not value.startswith("data:"):
                problems.append(f"{name}: {attr}={value[:40]!r} reaches out of the page")
        if str(el.tag) == f"{_XHTML}script" and el.get("src"):
            problems.append(f"{name}: a script from outside the page")
    if not any(el.tag == f"{_MATHML}math" for el in body.iter()):
        problems.append(f"{name}: no MathML")
    if "\\(" in text or "\\[" in text or "@@NNFIGURE" in text:
        problems.append(f"{name}: maths or a figure left unconverted")
    return problems


# --- the format ---------------------------------------------------------------------------------

class Writer(formats.Writer[dict[str, str]]):
    """Keeps each version's pages in a private temporary folder until the export is written."""

    def __init__(self) -> None:
        self.spool = Path(tempfile.mkdtemp(prefix="nn-html-"))
        self.expected: dict[str, tuple[_Expected, bool]] = {}

    def add(self, version: Version, rendered: dict[str, str]) -> None:
        names = file_names(version.code)
        if names[0] in self.expected:
            raise ValueError(f"version {version.code} twice in one class")
        if sorted(rendered) != sorted(names):
            raise ValueError(f"version {version.code}: pages {sorted(rendered)} instead of {sorted(names)}")
        exp = _expected(version)
        for name, is_key in zip(names, (False, True)):
            (self.spool / name).write_text(rendered[name], encoding="utf-8", newline="\n")
            self.expected[name] = (exp, is_key)

    def finish(self, target: Path) -> None:
        target.mkdir(exist_ok=True)
        for name in self.expected:
            shutil.copyfile(self.spool / name, target / name)

    def check(self, target: Path) -> list[str]:
        problems = []
        present = {p.name for p in target.iterdir()}
        if present != set(self.expected):
            problems.append(f"the folder holds {sorted(present ^ set(self.expected))[:3]} unexpectedly")
        for name, (exp, is_key) in self.expected.items():
            if name in present:
                problems += check_page((target / name).read_bytes(), exp, is_key, name)
        return problems

    def close(self) -> None:
        shutil.rmtree(self.spool, ignore_errors=True)


class Accessible(formats.Format[dict[str, str]]):
    """Accessible HTML: html/, the handout and the key of every version as one page each."""

    name = "html"
    target = "html"
    description = "accessible HTML pages (MathML, text for every figure, form fields)"
    folder = True

    def render(self, version: Version) -> dict[str, str]:
        return pages(version)

    def writer(self) -> Writer:
        return Writer()


FORMAT = Accessible()
