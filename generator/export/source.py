"""What an export reads of one version: its answers.json (format 2) and the
HTML of its key, cut out of the rendered key.tex.

The key's LaTeX is the single source of the questions' wording and worked
solutions (the templates render it, verified numbers and all), so the export
converts that text rather than re-rendering the templates: each question's
introduction (``\\section*{Question N: ...}`` up to its first ``\\qpart``), each
part's prompt (``\\qpart{id}`` up to its answer space) and its solution (the
``solution`` environment after it). The key's grading note is left out of the
solution: the feedback lists the ``mistakes`` of answers.json instead.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GeneratorError
from ..model import FORMAT, JSONDict
from . import html

FIGURE = "@@NNFIGURE:{}@@"  # where a figure goes in the HTML; each writer puts its own <img> there


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
    question: JSONDict
    data: JSONDict  # the part of answers.json
    prompt: str  # HTML
    solution: str  # HTML, without the grading note
    intro: str  # HTML of the question's introduction (with a figure marker)
    feedback: str | None = None  # the general feedback's HTML, once made (feedback.feedback_html)
    _components: list[Component] | None = None

    @property
    def graded(self) -> list[JSONDict]:
        return [a for a in self.data["answers"] if a["graded"]]

    @property
    def numeric(self) -> list[JSONDict]:
        return [a for a in self.graded if a["kind"] in ("number", "vector")]

    @property
    def manual(self) -> list[JSONDict]:
        return [a for a in self.graded if a["kind"] in ("expression", "text")]

    def components(self) -> list[Component]:
        """Every number a student types in this part, in the handout's order (made once)."""
        if self._components is None:
            self._components = self._make_components()
        return self._components

    def _make_components(self) -> list[Component]:
        out = []
        for a in self.numeric:
            tol = a["tolerance"] or {"abs": 0.0, "rel": 0.0}
            values = a["value"] if a["kind"] == "vector" else [a["value"]]
            if not isinstance(values, list) or not values:
                raise ExportError(f"answer {a['ref']}: a {a['kind']} answer without a value")
            for k, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ExportError(f"answer {a['ref']}: value {v!r} is not a finite number")
                absolute = max(float(tol["abs"]), float(tol["rel"]) * abs(float(v)))
                vector = a["kind"] == "vector"
                out.append(Component(a["ref"] + (f"[{k + 1}]" if vector else ""), a["label"], a["text"],
                                     k + 1 if vector else None, len(values), float(v), absolute,
                                     float(a["points"]) / len(values)))
        return out


@dataclass
class Version:
    """One version as an export needs it."""

    index: int  # 1-based position in the class (the variant number)
    data: JSONDict
    parts: list[PartView] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # figures, made once per version

    @property
    def code(self) -> str:
        return str(self.data["version"])

    @property
    def course(self) -> JSONDict:
        course: JSONDict = self.data.get("course") or {}
        return course


_SECTION = re.compile(r"\\section\*\{Question [^\n]*")
_QPART = re.compile(r"\\qpart\{([^{}]*)\}")
_PROMPT_END = re.compile(r"\\answerspace\b|\\end\{nnkeep\}|\\begin\{solution\}")
_NOTE = re.compile(r"\\par\\smallskip\\noindent\\begin\{minipage\}.*?\\end\{minipage\}\\par", re.S)
_SHEET = re.compile(r"\\par\{\\small\\textit\{Answer sheet:\}[^\n]*")  # the handout's answer-sheet line: not online
_END = re.compile(r"\\nnend\b|\\end\{document\}")


_ANSWER_FIELDS = {"name", "label", "text", "latex", "value", "graded", "ref", "points", "kind", "tolerance", "mistakes"}


def _figure(name: str) -> str:
    return FIGURE.format(name)


def cut_key(key_tex: str) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The key's LaTeX cut into question introductions (in order) and, per
    part id, (prompt, solution)."""
    body = key_tex.split("\\begin{document}", 1)[-1]
    body = _END.split(body, 1)[0]
    chunks = _SECTION.split(body)[1:]
    intros: list[str] = []
    parts: dict[str, tuple[str, str]] = {}
    for chunk in chunks:
        pieces = _QPART.split(chunk)
        intros.append(pieces[0])
        for k in range(1, len(pieces), 2):
            part_id, text = pieces[k], pieces[k + 1]
            m = _PROMPT_END.search(text)
            prompt = _SHEET.sub("", text[:m.start()] if m else text)
            solution = ""
            start = text.find("\\begin{solution}")
            if start >= 0:
                end = text.find("\\end{solution}", start)
                solution = text[start + len("\\begin{solution}"):end if end >= 0 else len(text)]
                solution = _NOTE.sub("", solution)
            parts[part_id] = (prompt, solution)
    return intros, parts


def load(data: JSONDict, key_tex: str, index: int) -> Version:
    """A version from its parsed answers.json and the text of its key.tex."""
    if data.get("format") != FORMAT:
        raise ExportError(f"version {data.get('version')!r}: answers.json is format {data.get('format')!r}, "
                          f"an export needs {FORMAT!r}")
    intros, parts = cut_key(key_tex)
    if len(intros) != len(data["questions"]):
        raise ExportError(f"version {data['version']}: key.tex has {len(intros)} questions, answers.json {len(data['questions'])}")
    version = Version(index, data)
    for q, intro in zip(data["questions"], intros):
        intro_html = html.to_html(intro, _figure)
        for p in q["parts"]:
            for a in p["answers"]:
                missing = sorted(_ANSWER_FIELDS - set(a))
                if missing:
                    raise KeyError(missing[0])
            if p["id"] not in parts:
                raise ExportError(f"version {data['version']}: part {p['id']} is not in key.tex")
            prompt, solution = parts[p["id"]]
            version.parts.append(PartView(p["id"], q, p, html.to_html(prompt, _figure), html.to_html(solution, _figure), intro_html))
    return version


def read(folder: Path, index: int) -> Version:
    """A version from its folder (answers.json and key.tex); a folder that
    cannot be read or does not hold what the export needs is one clear error."""
    try:
        data: Any = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
        key = (folder / "key.tex").read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ExportError(f"cannot export {folder}/: {reason}") from None
    try:
        return load(data, key, index)
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ExportError(f"cannot export {folder}/: its answers.json lacks {exc} (not format {FORMAT}?)") from None
