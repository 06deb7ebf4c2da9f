"""What an export reads of one version, taken from the version as it is built
(the ProblemSet in memory, in the process that builds it): its answers as
answers.json holds them (format 2, read by the one typed reader
:mod:`generator.key`), and the HTML of its questions.

The question templates are the single source of the questions' wording and
worked solutions: each renders its text as fragments (the macros ``intro``,
``prompt`` and ``solution``, see templates/questions/notes.tex.j2) that the
documents assemble and the export converts one by one, so nothing parses
rendered LaTeX back. A part's solution online is
the worked solution alone: the key's marking note (its marks split, method
credit, follow-through) describes the paper's marking, not an LMS's, so the
exports state what the LMS does instead (:func:`feedback.online_marking`), and
the feedback lists the ``mistakes`` of answers.json.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .. import key, render
from ..config import Config, default
from ..errors import GeneratorError
from ..model import JSONDict, ProblemSet
from . import figure, html

FIGURE = "@@NNFIGURE:{}@@"  # where a figure goes in the HTML; each writer puts its own <img> there
FRAGMENTS = ("intro", "prompt", "solution")  # the macros a question template defines for the exports
PARAGRAPH_END = "\n\n"  # a blank line: the converter's paragraph break


class ExportError(GeneratorError):
    """An export could not be made or failed its own import checks: a bug, not bad input."""

    exit_code = 3


@dataclass(frozen=True)
class Component:
    """One number a student types: a number answer, or one component of a vector."""

    ref: str  # "1c#3", or "3.2#2[1]" for the second component of a vector
    label: str  # LaTeX
    text: str  # plain text of the label
    position: int | None  # 1-based component of a vector, None for a number
    size: int  # components of the answer (1 for a number)
    value: float
    tolerance: float  # absolute: right when |r - value| <= tolerance
    points: float


@dataclass
class PartView:
    id: str
    question: key.Question
    data: key.Part  # the part of the version's key
    prompt: str  # HTML
    solution: str  # HTML, without the grading note
    intro: str  # HTML of the question's introduction (with a figure marker)
    feedback: str | None = None  # the general feedback's HTML, once made (feedback.feedback_html)
    tex: tuple[str, str, str] = ("", "", "")  # the LaTeX of intro, prompt and solution (for exports that convert it themselves)
    _components: list[Component] | None = None

    @property
    def graded(self) -> list[key.Answer]:
        """The graded answers, in the order answers.json lists them."""
        return [a for a in self.data.answers if a.graded]

    @property
    def numeric(self) -> list[key.Answer]:
        return [a for a in self.graded if a.kind in ("number", "vector")]

    @property
    def choices(self) -> list[key.Answer]:
        """The choice answers (graded automatically, one option among several)."""
        return [a for a in self.graded if a.kind == "choice"]

    @property
    def manual(self) -> list[key.Answer]:
        """The graded answers no number box or choice takes (formulas, explanations, and any other
        kind): each is a written answer online, so no graded answer is ever left out of an export."""
        return [a for a in self.graded if a.kind not in ("number", "vector", "choice")]

    def components(self) -> list[Component]:
        """Every number a student types in this part, in the handout's order (made once)."""
        if self._components is None:
            self._components = self._make_components()
        return self._components

    def _make_components(self) -> list[Component]:
        out = []
        for a in self.numeric:
            tol = a.tolerance or key.NO_TOLERANCE
            vector = a.kind == "vector"
            values = a.value if vector else (a.value,)
            if not isinstance(values, tuple) or not values:
                raise ExportError(f"answer {a.ref}: a {a.kind} answer without a value")
            for k, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ExportError(f"answer {a.ref}: value {v!r} is not a finite number")
                out.append(Component(a.ref + (f"[{k + 1}]" if vector else ""), a.label, a.text,
                                     k + 1 if vector else None, len(values), float(v), tol.allows(float(v)),
                                     a.points / len(values)))
        return out


@dataclass(frozen=True)
class Image:
    """A figure as an export embeds it: a file of the version and its alternative text."""

    name: str  # file name, e.g. network-K7QXA.svg
    data: bytes
    alt: str


@dataclass
class Version:
    """One version as an export needs it."""

    index: int  # 1-based position in the class (the variant number)
    data: key.Version
    parts: list[PartView] = field(default_factory=list)
    files: dict[str, Image] = field(default_factory=dict)  # figures, made once per version
    instructions: str = ""  # the course configuration's instructions (the handout's paragraph under the title)

    @property
    def code(self) -> str:
        return self.data.version

    @property
    def course(self) -> key.Course | None:
        return self.data.course

    def figure(self, part: PartView) -> Image | None:
        """The figure of the part's question, drawn by the figure its family
        registers (:mod:`generator.export.figure`), when its introduction shows one."""
        if "@@NNFIGURE:" not in part.intro:
            return None
        family = part.question.family
        drawn = figure.of(family)
        if drawn is None:
            raise ExportError(f"version {self.code}: question {part.question.id} (family {family}) shows a "
                              f"figure, and the family registers none for the exports (generator.export.figure.register)")
        name = f"{drawn.name}-{self.code}.svg"
        if name not in self.files:
            self.files[name] = Image(name, drawn.svg(dict(part.question.params)).encode("utf-8"), drawn.alt)
        return self.files[name]


@dataclass(frozen=True)
class QuestionText:
    """A question's fragments as LaTeX: its introduction and, per part id, (prompt, solution)."""

    intro: str
    parts: dict[str, tuple[str, str]]


def texts(ps: ProblemSet) -> list[QuestionText]:
    """The fragments of every question of ``ps``, rendered from its template as
    the key renders them (without any student: nothing personal is exported)."""
    env = render.environment()
    config = ps.config if isinstance(ps.config, Config) else default()
    out = []
    for q in ps.questions:
        template = env.get_template(q.template)
        module: Any = template.make_module({"q": q, "key": True, "ps": ps, "student": None,
                                            "course": config.course, "layout": config.layout})
        missing = [name for name in FRAGMENTS if not callable(getattr(module, name, None))]
        if missing:
            raise ExportError(f"the template {q.template} of family {q.family} defines no {', '.join(missing)} "
                              f"macro: an export needs its fragments (templates/questions/notes.tex.j2)")
        parts = {p.id: (str(module.prompt(p)), str(module.solution(p))) for p in q.parts}
        out.append(QuestionText(str(module.intro()), parts))
    return out


def _figure(name: str) -> str:
    return FIGURE.format(name)


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_BLOCKS = {"div", "table", "ul", "ol", "dl", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}


def paragraphs_apart(text: str) -> str:
    """HTML with no block (a centred figure, a table, a list) inside a paragraph:
    a paragraph open at a block's start or end is closed there, as a browser
    closes it, and a ``</p>`` left with no paragraph open is dropped."""
    out: list[str] = []
    open_p = False
    last = 0
    for m in _TAG.finditer(text):
        out.append(text[last:m.start()])
        last = m.end()
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag == "p":
            if open_p:
                out.append("</p>")
            open_p = not closing
            if not closing:
                out.append(m.group(0))
            continue
        if tag in _BLOCKS and open_p:
            out.append("</p>")
            open_p = False
        out.append(m.group(0))
    out.append(text[last:])
    if open_p:
        out.append("</p>")
    return re.sub(r"<p>\s*</p>\n?", "", "".join(out))


_CELL = re.compile(r'<(td|th) style="text-align:(left|right|center);padding:2px 8px">')


def compact_tables(text: str) -> str:
    """The converter's tables with their cells' padding set once per table
    (``cellpadding``) and their alignment as ``align``, both of which Moodle's
    and Canvas's HTML filters keep: a version's tables are a tenth of its
    export, and most of that was the same style on every cell."""
    text = text.replace('<table style="border-collapse:collapse;margin:0.5em auto">',
                        '<table cellpadding="3" style="border-collapse:collapse;margin:0.5em auto">')
    return _CELL.sub(lambda m: f'<{m.group(1)} align="{m.group(2)}">', text)


def _html(tex: str, where: str) -> str:
    """The HTML of a fragment: whole paragraphs, the last one ended as the
    documents end it (the answer-sheet line or the next part follows), no
    block inside a paragraph."""
    try:
        return compact_tables(paragraphs_apart(html.to_html(tex + PARAGRAPH_END, _figure)))
    except html.UnknownLaTeX as exc:
        raise ExportError(f"{where}: {exc}") from None


def load(data: JSONDict, questions: list[QuestionText], index: int) -> Version:
    """A version from its answers (answers.json's content, read by :func:`key.parse`)
    and its questions' fragments."""
    try:
        answers = key.parse(data, "answers.json")
    except key.KeyFormatError as exc:
        raise ExportError(f"the version's answers: {exc}") from None
    code = answers.version
    if len(questions) != len(answers.questions):
        raise ExportError(f"version {code}: {len(questions)} questions rendered, answers.json has {len(answers.questions)}")
    version = Version(index, answers)
    for q, text in zip(answers.questions, questions):
        intro = _html(text.intro, f"version {code}, question {q.id}")
        for p in q.parts:
            if p.id not in text.parts:
                raise ExportError(f"version {code}: part {p.id} has no fragments")
            prompt, solution = text.parts[p.id]
            where = f"version {code}, part {p.id}"
            version.parts.append(PartView(p.id, q, p, _html(prompt, where), _html(solution, where), intro,
                                          tex=(text.intro, prompt, solution)))
    return version


def view(ps: ProblemSet, index: int) -> Version:
    """Version ``ps`` as an export needs it, variant ``index`` of its class."""
    data: JSONDict = json.loads(json.dumps(ps.to_json()))  # exactly what answers.json holds
    version = load(data, texts(ps), index)
    version.instructions = (ps.config if isinstance(ps.config, Config) else default()).course.instructions or ""
    return version
