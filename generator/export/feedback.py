"""HTML shared by the Moodle and Canvas exports: a part's question text,
the key list and common mistakes of its general feedback, and the plain
helpers both writers need (XML-safe text, numbers, integer weights)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction

from .. import key
from . import html
from .source import Component, ExportError, PartView, Version

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (control characters)."""
    return _XML_BAD.sub("\ufffd", text)


def course_label(version: Version) -> str:
    """"CSE 616 Neural Networks, Assignment 1" (and the term, when there is one)."""
    c = version.course
    head = " ".join(t for t in (c.code, c.name) if t) if c else ""
    label = ", ".join(t for t in (head, c.title, c.term or "") if t) if c else ""
    return " ".join(clean(label or "nn-problem-set").split())


def number(x: float) -> str:
    """A number as Moodle's and Canvas's number parsers read it: plain
    decimal or exponent notation, no leading +, never inf or nan."""
    if not math.isfinite(x):
        raise ExportError(f"{x!r} is not a finite number")
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(float(x))


def weights(points: Sequence[float]) -> list[int]:
    """Integer weights in the proportions of ``points``: the points themselves
    when they are whole, else the smallest common multiple that makes them whole
    (2.5 each -> 5 each). A part the configuration gives no points gets
    weight 1 per number (Moodle needs a positive weight)."""
    if points and all(p == 0 for p in points):
        return [1] * len(points)
    fractions = [Fraction(p).limit_denominator(1000) for p in points]
    scale = 1
    for f in fractions:
        scale = scale * f.denominator // math.gcd(scale, f.denominator)
    out = [int(f * scale) for f in fractions]
    if any(w <= 0 for w in out):
        raise ExportError(f"points {list(points)} must all be positive")
    return out


def marks(points: float) -> str:
    """"1 mark", "2.5 marks"."""
    return f"{number(points)} mark" + ("" if points == 1 else "s")


def math_html(latex: str) -> str:
    return f"\\({html.math(latex)}\\)"


def tolerance_text(c: Component) -> str:
    return f"within \u00b1{number(c.tolerance)}" if c.tolerance else "exactly"


def part_name(part_id: str) -> str:
    """"part 1b", "part 3.2": how every online text names a part."""
    return f"part {part_id}"


def question_number(part: PartView) -> str:
    """The question's number of a part: "1" of 1b, "3" of 3.2."""
    return part.question.id.lstrip("q")


def part_refs(text: str, qnum: str) -> str:
    """The documents' "part (b)" and "part (1a)" as the online texts name parts: "part 1b"."""
    text = re.sub(r"\bpart \((\d+(?:\.\d+)?[a-z]?)\)", r"part \1", text)
    return re.sub(r"\bpart \(([a-z])\)", lambda m: f"part {qnum}{m.group(1)}", text)


# Sentences of the handout asking for forms an LMS's number box cannot take
# (exact values, e, sigma(k)); online, each box states the decimal it takes instead.
_PAPER_FORMS = (re.compile(r"\s*Give [^.]*\bexact[^.]*\.", re.S),
                re.compile(r"\s*Give numeric answers exactly[^.]*\.", re.S),
                re.compile(r"\s*Exact values may be written.*?\)\)\.", re.S))


def online_text(html_text: str, qnum: str) -> str:
    """A prompt or introduction as an online quiz shows it: parts named "part 1b",
    and without the handout's requests for exact forms."""
    for pattern in _PAPER_FORMS:
        html_text = pattern.sub("", html_text)
    return part_refs(html_text, qnum)


def places(c: Component) -> int | None:
    """Decimal places a number is asked to: the fewest whose rounding error is
    at most half the tolerance (None: no tolerance, the exact decimal)."""
    if c.tolerance <= 0:
        return None
    d = 0
    while 10.0 ** -d > c.tolerance * (1 + 1e-9) and d < 15:
        d += 1
    return d


def form_text(c: Component) -> str:
    """What a box takes, as its prompt says it: "a decimal to 3 places"."""
    d = places(c)
    if d is None:
        return "the exact decimal"
    if d == 0:
        return "a whole number or decimal"
    return f"a decimal to {d} place{'s' if d > 1 else ''}"


HOW_TO_ANSWER = ("<p><strong>How to answer online.</strong> Type every number as a decimal with a point "
                 "(<code>.</code>) as the decimal separator and no thousands separator: <code>-0.25</code>, "
                 "not <code>-1/4</code>, <code>-0,25</code> or an expression with \\(e\\) or \\(\\sigma\\). "
                 "Round to the places stated beside each box (more are fine). "
                 "Written answers are marked after the quiz.</p>\n")


def online_marking(lms: str) -> str:
    """What the LMS does with the numbers, for the feedback students read."""
    return (f"<p><strong>How {lms} marked the numbers:</strong> a box within the stated tolerance of your version's "
            f"key has all its marks, any other none: no marks for a method, no follow-through from your own earlier "
            f"answers (your instructor may regrade the responses with both). Written answers are marked after the "
            f"quiz.</p>\n")


def part_heading(part: PartView) -> str:
    return f"<h4>{html.escape(clean(part.question.title))}</h4>\n"


def question_html(part: PartView, figure: str) -> str:
    """The question's introduction and the part's prompt, with ``figure`` (an
    <img> element) where the key has its network figure."""
    qnum = question_number(part)
    text = (part_heading(part) + online_text(part.intro, qnum) + "\n" + part_html(part))
    return re.sub(r"@@NNFIGURE:[^@]*@@", lambda m: figure, text)


def figure_in(text: str, figure: str) -> str:
    """``text`` with ``figure`` (an <img> element) where the key has its figure."""
    return re.sub(r"@@NNFIGURE:[^@]*@@", lambda m: figure, text)


def part_html(part: PartView) -> str:
    """A part's label ("Part 1b", a paragraph of its own) and its online prompt."""
    return (f"<p><strong>Part {html.escape(part.id)}</strong></p>\n"
            + online_text(part.prompt, question_number(part)) + "\n")


def _value_html(value: key.Value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_value_html(v) for v in value) + ")"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return html.escape(number(float(value)))
    return html.escape(str(value))


def key_html(part: PartView, answers: list[key.Answer]) -> str:
    """Every answer's label and exact value, how it is graded, and its common mistakes."""
    rows = []
    for a in answers:
        if a.latex is None:
            raise ExportError(f"answer {a.ref}: a graded answer without its LaTeX value")
        if a.kind == "text" and a.exact is None:  # an explanation: prose, not a formula
            prose = html.to_html(a.latex)
            if prose.startswith("<p>") and prose.endswith("</p>") and prose.count("<p>") == 1:
                prose = prose[3:-4]  # one paragraph: inline in the list item
            line = f"{html.escape(a.label[:1].upper() + a.label[1:])}: {prose}"
        else:
            line = f"\\({html.math(a.label)} = {html.math(a.latex)}\\)"
        if a.kind in ("number", "vector"):
            tol = a.tolerance or key.NO_TOLERANCE
            decimal = _value_html(a.value)
            line += f" ({'' if decimal == html.escape(a.latex) else decimal + ', '}\u00b1{html.escape(number(max(tol.abs, 0.0)))}"
            line += f" or {html.escape(number(tol.rel))} relative" if tol.rel else ""
        elif a.kind == "choice":
            line += f" (one of {html.escape(', '.join(a.choices))}"
        else:
            line += " (marked after the quiz" + ("; any equivalent form is right" if a.kind == "expression" else "")
        line += f"; {marks(a.points)})"
        rows.append(f"<li>{line}</li>")
    out = "<p><strong>Key</strong></p>\n<ul>" + "".join(rows) + "</ul>\n"
    by_text: dict[str, list[str]] = {}  # a mistake's text -> the wrong values it gives, each once
    for a in answers:
        for m in a.mistakes:
            by_text.setdefault(m.text, []).append(f"\\({html.math(a.label)} = {_value_html(m.value)}\\)")
    if by_text:
        qnum = question_number(part)
        items = "".join(f"<li>If you {part_refs(html.to_html(text)[3:-4], qnum)}: {', '.join(values)}</li>"
                        for text, values in by_text.items())
        out += f"<p><strong>Common mistakes</strong></p>\n<ul>{items}</ul>\n"
    return out


def feedback_html(part: PartView) -> str:
    """The general feedback: the key list, the mistakes, the key's worked solution
    (computed once per part and version)."""
    if part.feedback is not None:
        return part.feedback
    out = key_html(part, part.graded)
    if part.solution:
        out += (f"<p><strong>Worked solution</strong></p>\n"
                f"{part_refs(part.solution, question_number(part))}\n")
    part.feedback = re.sub(r"@@NNFIGURE:[^@]*@@", "", out)
    return part.feedback
