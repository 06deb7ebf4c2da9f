"""Moodle XML: one question per version, drawn by one random slot, and one
written-answer question per hand-marked part, the same for every student.

A Moodle quiz draws each random slot on its own, so any split of a version
over several random slots lets one student's parts come from different
versions. Here a version is one cloze question (category "<course>/Versions:
one per student"): the whole assignment's text and figures, and a
``{w:NUMERICAL:=value:tolerance}`` box for every number of every part (and a
``{w:MULTICHOICE:=yes~no}`` menu for a choice answer, after its part's
numbers), with the answer's tolerance as Moodle's absolute tolerance and
integer weights ``w`` in the proportions of the answers' points (so the
question's mark is the points of the assignment's numbers and choices). Its name and its first line carry the version
code, which Moodle's responses report shows in its "Question" column.
Expressions and text cannot be graded by stock Moodle: each hand-marked part
answer (a formula, an explanation) is one plain-text essay question (category
"<course>/Written answers: fixed") that every student gets in a fixed slot;
it names its answer's ref and holds no version's wording, so it cannot
disagree with the version drawn, and the responses report gives each answer
a column of its own for ``grade``. The quiz is one random
slot from the versions' category, then the essays in order
(``scripts/moodle/build_quiz.php`` builds it with every slot's marks).

Every box is written as wide as the longest number can be (the key's value
padded with zeros that do not change it: Moodle sizes a cloze box from its
answers' text), so a box's width tells nothing of its key. HTML goes in CDATA
sections; the file is UTF-8. The XML is written as text (the standard
library's ElementTree cannot write CDATA) and parsed back by
:mod:`generator.export.checks` before it is put in place.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from .. import key
from . import checks, feedback, formats
from .feedback import clean, number
from .html import escape as html_escape
from .html import math as html_math
from .source import Image, PartView, Version

VERSIONS = "Versions: one per student"
WRITTEN = "Written answers: fixed"
WIDTH = 24  # characters of every box's answer text: the longest repr of a float ("-1.2345678901234567e-308")
LMS = "Moodle"


def cdata(text: str) -> str:
    """Text in a CDATA section; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def category_path(*names: str) -> str:
    """``$course$/top/a/b``: a '/' inside a name is written '//', as Moodle reads it."""
    return "/".join(["$course$", "top"] + [" ".join(clean(n).split()).replace("/", "//") for n in names])


def _name(text: str) -> str:
    return f"<name><text>{escape(clean(text))}</text></name>"


def category(path: str) -> str:
    return (f'  <question type="category">\n    <category><text>{escape(path)}</text></category>\n'
            f'    <info format="html"><text></text></info>\n  </question>\n')


def padded(x: float) -> str:
    """``number(x)`` widened to :data:`WIDTH` characters by zeros that keep its value
    (16 -> 16.000...0, 1.5e-05 -> 1.5000...e-05)."""
    text = number(x)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += "."
    fill = WIDTH - len(mantissa) - len(e) - len(exponent)
    return mantissa + "0" * max(0, fill) + e + exponent


def written(version: Version) -> list[tuple[PartView, key.Answer]]:
    """The answers no number box grades (formulas, explanations), in order: one essay question each."""
    return [(part, a) for part in version.parts for a in part.manual]


def essay_title(ref: str) -> str:
    """"Written answer 2a#3": the same question for every version."""
    return f"Written answer {ref}"


def numeric_points(version: Version) -> float:
    """The points the version's question grades: its numbers and choices."""
    return sum(a.points for part in version.parts for a in part.numeric + part.choices)


def _img(image: Image) -> str:
    return (f'<img src="@@PLUGINFILE@@/{image.name}" alt="{html_escape(image.alt)}" '
            f'style="max-width:100%;height:auto">')


def boxes(part: PartView, weights: list[int]) -> str:
    """The answer table of a part: one row per number answer, one box per number."""
    rows = []
    comps = part.components()
    k = 0
    for a in part.numeric:
        cells = []
        size = len(a.value) if isinstance(a.value, tuple) else 1
        for c in comps[k:k + size]:
            cells.append(f"{{{weights[k]}:NUMERICAL:={padded(c.value)}:{number(c.tolerance)}}}")
            k += 1
        cell = cells[0] if size == 1 else "\\(\\Bigl(\\)" + ", ".join(cells) + "\\(\\Bigr)\\)"
        last = comps[k - 1]
        rows.append(f"<tr><td>\\({html_math(a.label)} =\\)</td><td>{cell}</td><td><small>"
                    f"({feedback.form_text(last)}; {feedback.tolerance_text(last)}; {feedback.marks(a.points)})"
                    f"</small></td></tr>")
    return '<table cellpadding="5">' + "".join(rows) + "</table>\n"


def question_name(version: Version) -> str:
    return f"Version {version.code} (v{version.index})"


def box_points(part: PartView) -> list[float]:
    """The points of a part's boxes in the cloze's order: its numbers, then its choices."""
    return [c.points for c in part.components()] + [a.points for a in part.choices]


def choice_rows(part: PartView, weights: list[int]) -> str:
    """A row per choice answer, with its menu of options."""
    rows = []
    for a, weight in zip(part.choices, weights):
        options = "~".join(("=" if c == a.exact else "") + checks.cloze_escape(c) for c in a.choices)
        rows.append(f"<tr><td>{feedback.math_html(a.label)}</td><td>{{{weight}:MULTICHOICE:{options}}}</td>"
                    f"<td><small>({feedback.marks(a.points)})</small></td></tr>")
    return '<table cellpadding="5">' + "".join(rows) + "</table>\n" if rows else ""


def version_text(version: Version) -> tuple[str, list[Image]]:
    """A version's whole assignment as one cloze text, and the figures it shows."""
    weights = feedback.weights([p for part in version.parts for p in box_points(part)])
    text = (f"<p><strong>{html_escape(feedback.course_label(version))}: version {html_escape(version.code)}</strong></p>\n"
            + feedback.HOW_TO_ANSWER)
    figures: list[Image] = []
    seen: set[str] = set()
    k = 0
    for part in version.parts:
        if part.question.id not in seen:
            seen.add(part.question.id)
            fig = version.figure(part)
            if fig and fig not in figures:
                figures.append(fig)
            intro = feedback.part_heading(part) + feedback.online_text(part.intro, feedback.question_number(part))
            text += feedback.figure_in(intro, _img(fig) if fig else "") + "\n"
        text += feedback.part_html(part)
        n = len(part.components())
        if n:
            text += boxes(part, weights[k:k + n])
            k += n
        text += choice_rows(part, weights[k:k + len(part.choices)])
        k += len(part.choices)
        if part.manual:
            asked = "; ".join(f"{feedback.math_html(a.label)} in \u201c{html_escape(essay_title(a.ref))}\u201d "
                              f"({feedback.marks(a.points)})" for a in part.manual)
            text += (f"<p><em>Written answers, each typed in its own question of this quiz and marked after the "
                     f"quiz: {asked}.</em></p>\n")
    return text, figures


def version_feedback(version: Version) -> str:
    out = feedback.online_marking(LMS)
    for part in version.parts:
        out += f"<h4>Part {html_escape(part.id)}</h4>\n" + feedback.feedback_html(part)
    return out


def question(version: Version) -> str:
    """The XML of a version's question."""
    text, figures = version_text(version)
    files = "".join(f'\n      <file name={quoteattr(fig.name)} path="/" encoding="base64">'
                    f'{base64.b64encode(fig.data).decode("ascii")}</file>' for fig in figures)
    return (f'  <question type="cloze">\n    {_name(question_name(version))}\n'
            f'    <questiontext format="html">\n      <text>{cdata(text)}</text>{files}\n    </questiontext>\n'
            f'    <generalfeedback format="html"><text>{cdata(version_feedback(version))}</text></generalfeedback>\n'
            f'    <penalty>0</penalty>\n    <hidden>0</hidden>\n  </question>\n')


def essay(ref: str, label: str, points: float, kind: str) -> str:
    """The written-answer question of an answer, the same for every version."""
    part_id = ref.split("#")[0]
    what = {"text": "your explanation", "expression": "the formula"}.get(kind, "your answer")
    text = (f"<p><strong>{html_escape(essay_title(ref))}</strong> ({html_escape(feedback.marks(points))}, marked after "
            f"the quiz).</p>\n<p>Part {html_escape(part_id)} of your version (the first question of this quiz): type "
            f"{what} {label}here, as plain text"
            + (" (for example <code>2*x*exp(x^2)</code> or <code>sigma(z)*(1 - sigma(z))</code>)" if kind == "expression" else "")
            + ".</p>\n")
    info = ("<p>The model answer of each student's version is in the general feedback of the student's first "
            "question (its name and first line carry the version code) and in that version's key.</p>")
    return (f'  <question type="essay">\n    {_name(essay_title(ref))}\n'
            f'    <questiontext format="html">\n      <text>{cdata(text)}</text>\n    </questiontext>\n'
            f'    <generalfeedback format="html"><text></text></generalfeedback>\n'
            f'    <defaultgrade>{number(points)}</defaultgrade>\n    <penalty>0</penalty>\n    <hidden>0</hidden>\n'
            f'    <responseformat>plain</responseformat>\n    <responserequired>1</responserequired>\n'
            f'    <responsefieldlines>{10 if kind == "text" else 3}</responsefieldlines>\n    <attachments>0</attachments>\n'
            f'    <attachmentsrequired>0</attachmentsrequired>\n'
            f'    <graderinfo format="html"><text>{cdata(info)}</text></graderinfo>\n'
            f'    <responsetemplate format="html"><text></text></responsetemplate>\n  </question>\n')


def render(version: Version) -> str:
    """The XML of a version's question."""
    return question(version)


def _label(a: key.Answer) -> str:
    return "" if a.kind == "text" else feedback.math_html(a.label) + " "


class Writer(formats.Writer[str]):
    """Takes versions one at a time (:meth:`add`), then writes the file
    (:meth:`finish`). The versions' questions are spooled to a temporary
    file meanwhile, so memory does not grow with the class."""

    def __init__(self) -> None:
        self.count = 0
        self.spool: IO[str] | None = None
        self.course = ""
        self.layout: list[tuple[str, float, str, str]] = []  # (ref, points, label, kind) of each essay
        self.points = 0.0
        self.expected = checks.Expected()

    def add(self, version: Version, rendered: str) -> None:
        """Add a version and :func:`render` of it."""
        self.count += 1
        layout = [(a.ref, a.points, _label(a), a.kind) for _, a in written(version)]
        if self.spool is None:
            self.course = feedback.course_label(version)
            self.layout = layout
            self.points = numeric_points(version)
            self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (open until finish; close() closes it)
        if [(r, pts, kind) for r, pts, _, kind in self.layout] != [(r, pts, kind) for r, pts, _, kind in layout] \
                or numeric_points(version) != self.points:
            raise ValueError(f"version {version.code} has other parts or marks than the first version")
        # a label the versions do not share is left out of the essay's text
        self.layout = [(r, pts, lab if lab == other[2] else "", kind) for (r, pts, lab, kind), other in zip(self.layout, layout)]
        self.expected.versions += 1
        self.expected.numbers[question_name(version)] = [(c.value, c.tolerance) for part in version.parts
                                                         for c in part.components()]
        choices = [(a.exact or "", a.choices) for part in version.parts for a in part.choices]
        if choices:
            self.expected.choices[question_name(version)] = choices
        self.spool.write(rendered)

    def finish(self, target: Path) -> None:
        if self.spool is None:
            raise ValueError("no version was added")
        with target.open("w", encoding="utf-8", newline="\n") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
            out.write(category(category_path(self.course, f"{VERSIONS} ({feedback.marks(self.points)})")))
            self.spool.seek(0)
            while chunk := self.spool.read(1 << 20):
                out.write(chunk)
            if self.layout:
                out.write(category(category_path(self.course, WRITTEN)))
                for ref, points, label, kind in self.layout:
                    out.write(essay(ref, label, points, kind))
            out.write("</quiz>\n")

    def check(self, target: Path) -> list[str]:
        """Moodle's import rules, then every key against its question."""
        with target.open("rb") as fh:
            questions, problems = checks.moodle(fh)
        versions = [q for q in questions if q.qtype == "cloze"]
        essays = [q for q in questions if q.qtype == "essay"]
        per_category = {q.category: sum(1 for v in versions if v.category == q.category) for q in versions}
        if len(per_category) != 1:
            problems.append(f"the versions' questions are in {len(per_category)} categories, not one")
        if [q.name for q in essays] != [essay_title(r) for r, _, _, _ in self.layout]:
            problems.append(f"{len(essays)} written-answer questions, {len(self.layout)} written answers")
        for q in versions:
            if abs(q.points - sum(n.weight for n in q.numbers) - sum(c.weight for c in q.choices)) > 1e-9:
                problems.append(f"{q.name}: its mark is not the sum of its boxes' weights")
        expected = checks.Expected(self.expected.numbers, set(), self.expected.versions, self.expected.choices)
        return problems + expected.problems({q.name: q for q in versions}, per_category)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class Moodle(formats.Format[str]):
    """Moodle XML: moodle.xml, a question per version and one per written part."""

    name = "moodle"
    target = "moodle.xml"
    description = "Moodle XML"

    def render(self, version: Version) -> str:
        return render(version)

    def writer(self) -> Writer:
        return Writer()


FORMAT = Moodle()
