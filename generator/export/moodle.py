"""Moodle XML: a question category per part, holding one variant per version.

Every part becomes a category (``$course$/top/<course, assignment>/<part>``,
written as a ``category`` question first, as R/exams does) followed by one
question per version; a quiz then takes one random question from each
category. Numbers (kind number and vector) are graded automatically in a
cloze question: one ``{w:NUMERICAL:=value:tolerance}`` per number, with the
answer's tolerance as Moodle's absolute tolerance and integer weights ``w``
in the proportions of the answers' points; a choice answer (1d's "did the
step lower the loss?") is a ``{w:MULTICHOICE:=yes~no}`` in the same cloze.
Expressions and text cannot be
graded by stock Moodle: they go to an essay question (in a category "<part>,
marked by hand") whose grader information holds the model answer. Every
variant carries its question's introduction, its figure if it has one (an
SVG file in the question, e.g. ``@@PLUGINFILE@@/network-<version>.svg``), the
prompt as HTML with MathJax maths and, as general feedback, the key.

HTML goes in CDATA sections; the file is UTF-8. The XML is written as text
(the standard library's ElementTree cannot write CDATA) and parsed back by
:mod:`generator.export.checks` before it is put in place.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from . import checks, feedback, formats
from .feedback import clean, number
from .html import escape as html_escape
from .source import Image, PartView, Version


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


def slots(version: Version) -> list[tuple[PartView, str]]:
    """The questions of a version, in order: (part, "auto" or "manual")."""
    out = []
    for part in version.parts:
        if part.numeric or part.choices:
            out.append((part, "auto"))
        if part.manual:
            out.append((part, "manual"))
    return out


def slot_title(part: PartView, kind: str) -> str:
    return part.id if kind == "auto" else f"{part.id}, marked by hand"


def slot_points(part: PartView, kind: str) -> float:
    """The points of one of a part's questions: those of its numbers, or of its hand-marked answers."""
    return sum(a.points for a in (part.numeric + part.choices if kind == "auto" else part.manual))


def _img(image: Image) -> str:
    return (f'<img src="@@PLUGINFILE@@/{image.name}" alt="{html_escape(image.alt)}" '
            f'style="max-width:100%;height:auto">')


def cloze_text(part: PartView) -> str:
    """The answer table of a cloze: one row per number answer, one box per
    number, then one row per choice answer with its menu of options."""
    rows = []
    comps = part.components()
    w = feedback.weights([c.points for c in comps] + [a.points for a in part.choices])
    k = 0
    for a in part.numeric:
        boxes = []
        size = len(a.value) if isinstance(a.value, tuple) else 1
        for c in comps[k:k + size]:
            boxes.append(f"{{{w[k]}:NUMERICAL:={number(c.value)}:{number(c.tolerance)}}}")
            k += 1
        cell = boxes[0] if size == 1 else "\\(\\Bigl(\\)" + ", ".join(boxes) + "\\(\\Bigr)\\)"
        accuracy = feedback.tolerance_text(comps[k - 1])
        rows.append(f"<tr><td style=\"padding:4px 8px\">{feedback.math_html(a.label)} \\(=\\)</td>"
                    f"<td style=\"padding:4px 8px\">{cell}</td><td style=\"padding:4px 8px\"><small>({accuracy})</small></td></tr>")
    for a, weight in zip(part.choices, w[len(comps):]):
        options = "~".join(("=" if c == a.exact else "") + checks.cloze_escape(c) for c in a.choices)
        rows.append(f"<tr><td style=\"padding:4px 8px\">{feedback.math_html(a.label)}</td>"
                    f"<td style=\"padding:4px 8px\">{{{weight}:MULTICHOICE:{options}}}</td><td></td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def question_name(version: Version, part: PartView, kind: str) -> str:
    return f"{slot_title(part, kind)} v{version.index} {version.code}"


def question(version: Version, part: PartView, kind: str) -> str:
    """One variant (the XML of one question) of a part."""
    fig = version.figure(part)
    text = feedback.question_html(part, _img(fig) if fig else "")
    files = ""
    if fig:
        files = f'\n      <file name={quoteattr(fig.name)} path="/" encoding="base64">{base64.b64encode(fig.data).decode("ascii")}</file>'
    name = question_name(version, part, kind)
    if kind == "auto":
        text += "\n<p>Give each number as a decimal.</p>\n" + cloze_text(part)
        fb = feedback.feedback_html(part)
        return (f'  <question type="cloze">\n    {_name(name)}\n'
                f'    <questiontext format="html">\n      <text>{cdata(text)}</text>{files}\n    </questiontext>\n'
                f'    <generalfeedback format="html"><text>{cdata(fb)}</text></generalfeedback>\n'
                f'    <penalty>0</penalty>\n    <hidden>0</hidden>\n  </question>\n')
    asked = ", ".join(feedback.math_html(a.label) for a in part.manual)
    text += f"\n<p>Answer here: {asked}. Show your derivation; this answer is marked by hand.</p>\n"
    if part.numeric:
        text += "<p>(The numeric value of this part is asked in a separate question.)</p>\n"
    fb = feedback.feedback_html(part)
    points = slot_points(part, kind)
    return (f'  <question type="essay">\n    {_name(name)}\n'
            f'    <questiontext format="html">\n      <text>{cdata(text)}</text>{files}\n    </questiontext>\n'
            f'    <generalfeedback format="html"><text>{cdata(fb)}</text></generalfeedback>\n'
            f'    <defaultgrade>{number(points)}</defaultgrade>\n    <penalty>0</penalty>\n    <hidden>0</hidden>\n'
            f'    <responseformat>editor</responseformat>\n    <responserequired>1</responserequired>\n'
            f'    <responsefieldlines>15</responsefieldlines>\n    <attachments>0</attachments>\n'
            f'    <attachmentsrequired>0</attachmentsrequired>\n'
            f'    <graderinfo format="html"><text>{cdata(feedback.key_html(part, part.graded))}</text></graderinfo>\n'
            f'    <responsetemplate format="html"><text></text></responsetemplate>\n  </question>\n')


def render(version: Version) -> list[str]:
    """The XML of each of a version's questions, in slot order."""
    return [question(version, part, kind) for part, kind in slots(version)]


class Writer(formats.Writer[list[str]]):
    """Takes versions one at a time (:meth:`add`), then writes the file
    (:meth:`finish`). Each category's questions are spooled to a temporary
    file meanwhile, so memory does not grow with the class."""

    def __init__(self) -> None:
        self.count = 0
        self.spools: list[tuple[str, IO[str]]] = []
        self.titles: list[str] = []
        self.expected = checks.Expected()

    def add(self, version: Version, rendered: list[str]) -> None:
        """Add a version and :func:`render` of it."""
        self.count += 1
        mine = slots(version)
        if not self.spools:
            course = feedback.course_label(version)
            self.titles = [slot_title(part, kind) for part, kind in mine]
            for part, kind in mine:
                self.spools.append((category_path(course, f"{slot_title(part, kind)} ({feedback.marks(slot_points(part, kind))})"),
                                    tempfile.TemporaryFile("w+", encoding="utf-8")))  # noqa: SIM115 (open until finish; close() closes it)
        titles = [slot_title(part, kind) for part, kind in mine]
        if self.titles != titles:
            raise ValueError(f"version {version.code} has other parts than the first version")
        self.expected.versions += 1
        for part, kind in mine:
            name = question_name(version, part, kind)
            if kind == "auto":
                self.expected.numbers[name] = [(c.value, c.tolerance) for c in part.components()]
                if part.choices:
                    self.expected.choices[name] = [(a.exact or "", a.choices) for a in part.choices]
            else:
                self.expected.manual.add(name)
        for text, (_, spool) in zip(rendered, self.spools):
            spool.write(text)

    def finish(self, target: Path) -> None:
        with target.open("w", encoding="utf-8", newline="\n") as out:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
            for path, spool in self.spools:
                out.write(category(path))
                spool.seek(0)
                while chunk := spool.read(1 << 20):
                    out.write(chunk)
            out.write("</quiz>\n")

    def check(self, target: Path) -> list[str]:
        """Moodle's import rules, then every key against its question."""
        with target.open("rb") as fh:
            questions, problems = checks.moodle(fh)
        per_category: dict[str, int] = {}
        for q in questions:
            per_category[q.category] = per_category.get(q.category, 0) + 1
        return problems + self.expected.problems({q.name: q for q in questions}, per_category)

    def close(self) -> None:
        for _, spool in self.spools:
            spool.close()


class Moodle(formats.Format[list[str]]):
    """Moodle XML: moodle.xml, a question category per part."""

    name = "moodle"
    target = "moodle.xml"
    description = "Moodle XML"

    def render(self, version: Version) -> list[str]:
        return render(version)

    def writer(self) -> Writer:
        return Writer()


FORMAT = Moodle()
