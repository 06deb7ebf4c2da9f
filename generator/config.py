"""The instructor's course configuration: a TOML file read with the standard
library's ``tomllib`` and checked here, key by key.

    python -m generator --write-config course.toml    # a commented default
    python -m generator --seed 7 --config course.toml

Every check failure is one line naming the file, the key and its line, and
exits with status 2 before anything is written (:class:`ConfigError`). The
default (no file, or the file ``--write-config`` writes) reproduces the
documents made without a configuration.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import questions
from .errors import UsageError
from .files import read_input

# The catalogue of parts and default points is built from the question families'
# declarations (their PARTS: generator/questions/family.py), in printed order, so
# that a family registered at run time is configured like the built-in ones.
# The names QUESTIONS, PART_IDS, DEFAULT_POINTS and DEFAULT are read from the
# families when used (see __getattr__ below); code here calls the functions.


@dataclass(frozen=True)
class Catalogue:
    questions: dict[str, tuple[str, ...]]  # question number -> its part ids, in printed order
    part_ids: tuple[str, ...]  # every part, in printed order
    default_points: dict[str, float]  # marks per part (42 for the network, 22 for the chain rule, 36 for the derivatives)


@lru_cache(maxsize=4)
def _catalogue(generation: int) -> Catalogue:
    numbered = list(enumerate(questions.families(), start=1))
    qs = {str(n): tuple(spec.id(n) for spec in f.PARTS) for n, f in numbered}
    points = {spec.id(n): spec.points for n, f in numbered for spec in f.PARTS}
    return Catalogue(qs, tuple(points), points)


def catalogue() -> Catalogue:
    """The parts and default points of every question family now registered."""
    return _catalogue(questions.generation())


def part_ids() -> tuple[str, ...]:
    return catalogue().part_ids


def default_points() -> dict[str, float]:
    return dict(catalogue().default_points)


def __getattr__(name: str) -> Any:
    """QUESTIONS, PART_IDS, DEFAULT_POINTS and DEFAULT, as of the families registered now."""
    if name == "QUESTIONS":
        return dict(catalogue().questions)
    if name == "PART_IDS":
        return part_ids()
    if name == "DEFAULT_POINTS":
        return default_points()
    if name == "DEFAULT":
        return default()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_INSTRUCTIONS = ("Show your work: the method earns marks, not only the final number. "
                        "Give exact values (integers or fractions) unless a part says otherwise.")
PAPERS = ("a4", "letter")
ANSWER_SPACES = ("full", "compact", "none")
FONT_SIZE = 11  # points: the documents' body text by default
FONT_SIZES = (10, 24)  # the whole points [layout] font_size may be: large print up to 24 pt
MAX_TEXT = 2000  # characters of the instructions paragraph (it wraps)
MAX_SHORT = {"code": 60, "name": 60, "title": 60, "term": 80, "instructor": 80}  # characters
# The code, name and title share every page header with "Instructor key" (in the
# key) and the version. The header wraps upwards into the top margin, which
# holds two lines; the last line must end clear of the version on the right.
# :func:`header_fits` sets the header as TeX does, word by word, with Latin
# Modern's widths in the header's type (thousandths of an em, characters 33 to
# 126; a space 333, a wide character such as a Chinese one 1000, any other
# 600) on A4 with full answer space, the narrowest line (46.6 em).
HEADER_LINE_EM = 46.6
HEADER_LINES = 2
VERSION_EM = 11.1  # "Version" and a bold code of five wide letters, and a gap
_KEY_EM = (0.278, 7.19)  # the cdot and "Instructor key" in bold
_WIDTHS = (278, 374, 833, 500, 833, 778, 278, 389, 389, 500, 778, 278, 333, 278, 500, 500, 500, 500, 500, 500, 500, 500,
           500, 500, 500, 278, 278, 778, 778, 778, 472, 778, 750, 708, 722, 764, 681, 653, 785, 750, 361, 514, 778, 625,
           917, 750, 778, 681, 778, 736, 556, 722, 750, 750, 1028, 750, 750, 611, 278, 500, 278, 556, 750, 278, 500, 556,
           444, 556, 444, 306, 500, 556, 278, 306, 528, 278, 833, 556, 500, 556, 528, 392, 394, 389, 556, 528, 722, 528,
           528, 444, 500, 278, 500, 556)
MAX_POINTS = 1000
MAX_FILE = 1024 * 1024  # bytes of a configuration file


class ConfigError(UsageError):
    """A configuration file that cannot be used (exit 2, nothing written)."""


@dataclass(frozen=True)
class Course:
    code: str = "CSE 616"
    name: str = "Neural Networks"
    title: str = "Assignment 1"
    term: str | None = None
    instructor: str | None = None
    due: datetime.date | None = None
    instructions: str = DEFAULT_INSTRUCTIONS

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "name": self.name, "title": self.title, "term": self.term,
                "instructor": self.instructor, "due": self.due.isoformat() if self.due else None}

    @property
    def due_text(self) -> str | None:
        """The due date as printed: "14 February 2027"."""
        return f"{self.due.day} {self.due:%B %Y}" if self.due else None

    @property
    def texts(self) -> list[str]:
        """Every text a user typed (for escaping and font choice)."""
        return [t for t in (self.code, self.name, self.title, self.term, self.instructor, self.instructions) if t]


@dataclass(frozen=True)
class Layout:
    paper: str = "a4"
    answer_space: str = "full"  # "full": space under every part; "compact"/"none": questions only
    answer_sheet: bool = True  # the last page or two: one box per graded answer
    font_size: int = FONT_SIZE  # points of the body text (large print: 14, 17, 20)
    digit_bubbles: bool = False  # the answer sheet's numbers also as digit grids, for a scanner to read

    @property
    def compact(self) -> bool:
        return self.answer_space != "full"

    @property
    def scale(self) -> Fraction:
        """How much larger than the default the type is: what figures, tables and the answer space scale by."""
        return Fraction(self.font_size, FONT_SIZE)


@dataclass(frozen=True)
class Grading:
    """How answers are marked beyond right and wrong (the ``[grading]``
    table): the key's marking notes are printed from these values and the
    grader reads them back from each version's answers.json."""

    follow_through: float = 1.0  # share of an answer's points when right from the student's own wrong earlier answers
    method: float = 0.5  # share kept by a named slip with a correct method ("half for a correct method")
    rounding: float = 0.5  # share of an answer right to fewer decimals than asked
    credit: tuple[tuple[str, float], ...] = ()  # a mistake's own share, replacing the default (by mistake name)

    def credit_of(self, name: str, slip: bool) -> float:
        """The share of an answer's points a mistake still earns: its own
        [grading.credit] value, else the method share for a slip the family
        declares (its SLIPS), else 0."""
        own = dict(self.credit)
        return own.get(name, self.method if slip else 0.0)

    def to_json(self) -> dict[str, Any]:
        return {"follow_through": _number(self.follow_through), "method": _number(self.method),
                "rounding": _number(self.rounding), "credit": {k: _number(v) for k, v in self.credit}}


def mistake_names() -> tuple[str, ...]:
    """Every mistake name of the families registered now (their MISTAKES), sorted."""
    return tuple(sorted({name for f in questions.families() for name in f.MISTAKES}))


@dataclass(frozen=True)
class Config:
    course: Course = field(default_factory=Course)
    points: tuple[tuple[str, float], ...] = field(default_factory=lambda: tuple(default_points().items()))
    layout: Layout = field(default_factory=Layout)
    grading: Grading = field(default_factory=Grading)
    include: tuple[str, ...] = field(default_factory=part_ids)  # the parts in the documents, in printed order
    source: str | None = None  # the file it was read from (its name as given), None for the default

    # The catalogue is the one of the families registered when the configuration
    # is made; a family registered later (its parts unknown to it) is included
    # with its default points.

    def points_of(self, part_id: str) -> float:
        points = dict(self.points)
        if part_id not in points and part_id not in self.include:
            return catalogue().default_points.get(part_id, 0.0)
        return points.get(part_id, 0.0)

    def includes(self, part_id: str) -> bool:
        return part_id in self.include or part_id not in dict(self.points)

    def includes_question(self, number: int) -> bool:
        parts = catalogue().questions.get(str(number), ())
        return any(self.includes(p) for p in parts) if parts else True

    @property
    def points_total(self) -> float:
        return sum(v for p, v in self.points if p in self.include)

    def to_json(self) -> dict[str, Any]:
        """As the class manifest records it (with a digest, so two runs can be compared)."""
        data: dict[str, Any] = {
            "course": dict(self.course.to_json(), instructions=self.course.instructions),
            "points": {p: _number(v) for p, v in self.points if p in self.include},
            "points_total": _number(self.points_total),
            "layout": {"paper": self.layout.paper, "answer_space": self.layout.answer_space,
                       "answer_sheet": self.layout.answer_sheet, "font_size": self.layout.font_size,
                       **({"digit_bubbles": True} if self.layout.digit_bubbles else {})},
            "questions": {"include": list(self.include)},
            "grading": self.grading.to_json(),
        }
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return {"file": self.source, "sha256": digest, **data}


def default() -> Config:
    """The default configuration (no file), for the families registered now."""
    return _default(questions.generation())


@lru_cache(maxsize=4)
def _default(generation: int) -> Config:
    return Config()


def _number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


# --------------------------------------------------------------------------
# Reading and checking


_SECTIONS: dict[str, tuple[str, ...]] = {
    "course": ("code", "name", "title", "term", "instructor", "due", "instructions"),
    "points": (),  # the part ids of the catalogue
    "layout": ("paper", "answer_space", "answer_sheet", "font_size", "digit_bubbles"),
    "questions": ("include", "exclude"),
    "grading": ("follow_through", "method", "rounding", "credit"),
}


class _Reader:
    def __init__(self, path: Path, text: str):
        self.path, self.text = path, text

    def line_of(self, section: str, key: str | None = None) -> int | None:
        """The line of ``[section]`` or of ``key`` inside it (tomllib gives none)."""
        lines = self.text.splitlines()
        start = None
        for k, line in enumerate(lines):
            stripped = line.strip()
            if re.fullmatch(r"\[\s*" + re.escape(section) + r"\s*\]\s*(#.*)?", stripped):
                start = k
                if key is None:
                    return k + 1
                continue
            if start is not None and stripped.startswith("["):
                start = None
            if start is not None and key is not None:
                m = re.match(r"""\s*("([^"]*)"|'([^']*)'|[A-Za-z0-9_.-]+)\s*=""", line)
                if m and (m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(1)) == key:
                    return k + 1
        return None

    def fail(self, what: str, section: str | None = None, key: str | None = None) -> ConfigError:
        where = f"{self.path}"
        line = self.line_of(section, key) if section is not None else None
        if line is not None:
            where += f", line {line}"
        name = f"[{section}] {key}" if section and key else f"[{section}]" if section else ""
        return ConfigError(f"{where}: {name + ': ' if name else ''}{what}")


def _text(r: _Reader, section: str, key: str, value: object, optional: bool) -> str | None:
    if not isinstance(value, str):
        raise r.fail(f"expected text in quotes, not {_tomltype(value)}", section, key)
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        if optional:
            return None
        raise r.fail("must not be empty", section, key)
    cap = MAX_SHORT.get(key, MAX_TEXT)
    if len(value) > cap:
        where = " (it is printed in every page header)" if key in ("code", "name", "title") else ""
        raise r.fail(f"at most {cap} characters{where}, not {len(value)}", section, key)
    bad = next((ch for ch in value if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\t"), None)
    if bad is not None:
        raise r.fail(f"contains the control or unassigned character U+{ord(bad):04X}", section, key)
    return value


def header_fits(code: str, name: str, title: str) -> bool:
    """Whether ``code name · title`` (and `` · Instructor key``) sets on at
    most two header lines, the last one clear of the version, a word never
    wider than a line. A text that needs a name box is one word (a box does
    not break)."""
    from .names import needs_box

    def words(text: str) -> list[float]:
        return [_em(text)] if needs_box(text) else [_em(w) for w in text.split()]

    for suffix in ((), _KEY_EM):  # the handout's header and the key's
        lines, width = 1, 0.0
        for w in words(code) + words(name) + [_KEY_EM[0]] + words(title) + list(suffix):
            if w > HEADER_LINE_EM:
                return False
            if width and width + 0.333 + w > HEADER_LINE_EM:
                lines, width = lines + 1, w
            else:
                width = width + 0.333 + w if width else w
        if lines > HEADER_LINES or width > HEADER_LINE_EM - VERSION_EM:
            return False
    return True


def _em(text: str) -> float:
    """The width of ``text`` in the page header's type, in em (about)."""
    total = 0
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0]  # é is as wide as e
        code = ord(base)
        total += (_WIDTHS[code - 33] if 33 <= code <= 126 else 333 if base.isspace()
                  else 1000 if unicodedata.east_asian_width(ch) in "WF" else 600)
    return total / 1000


def _tomltype(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    if isinstance(value, datetime.date):
        return "a date"
    return type(value).__name__


def _date(r: _Reader, value: object) -> datetime.date:
    if isinstance(value, datetime.datetime):
        raise r.fail("expected a date such as 2027-02-14, not a date and time", "course", "due")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise r.fail(f"expected a date such as 2027-02-14, not {_tomltype(value)}", "course", "due")


def _parts_of(r: _Reader, key: str, value: object) -> list[str]:
    QUESTIONS, PART_IDS = catalogue().questions, part_ids()
    if not isinstance(value, list):
        raise r.fail(f"expected a list of question numbers and part ids such as [1, \"2a\", \"3.4\"], not {_tomltype(value)}",
                     "questions", key)
    out: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise r.fail(f"expected question numbers and part ids, not {_tomltype(item)}", "questions", key)
        name = str(item).strip()
        if name in QUESTIONS:
            out += QUESTIONS[name]
        elif name in PART_IDS:
            out.append(name)
        else:
            raise r.fail(f"unknown question or part {name!r} (questions {', '.join(QUESTIONS)}; parts {', '.join(PART_IDS)})",
                         "questions", key)
    return out


def parse(text: str, path: Path) -> Config:
    """Check a configuration's text; ``path`` names it in messages."""
    r = _Reader(path, text)
    PART_IDS, DEFAULT_POINTS = part_ids(), default_points()
    _KEYS = dict(_SECTIONS, points=PART_IDS)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not a valid TOML file: {exc}") from None
    except RecursionError:  # tomllib reads nested lists and tables by recursion
        raise ConfigError(f"{path}: lists or tables nested too deeply (hundreds of levels); not a course configuration") from None
    for section, value in data.items():
        if section not in _KEYS:
            if r.line_of(section):
                raise r.fail(f"unknown section (expected {', '.join('[' + s + ']' for s in _KEYS)})", section)
            line = next((k + 1 for k, ln in enumerate(text.splitlines())
                         if re.match(r"""\s*["']?""" + re.escape(section) + r"""["']?\s*[=.]""", ln)), None)
            raise ConfigError(f"{path}{f', line {line}' if line else ''}: unknown key {section!r} "
                              f"(keys belong in the sections {', '.join('[' + s + ']' for s in _KEYS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {section!r} must be a section [{section}], not {_tomltype(value)}")
        for key in value:
            if key not in _KEYS[section]:
                hint = f"part ids are {', '.join(PART_IDS)}" if section == "points" else f"expected one of {', '.join(_KEYS[section])}"
                what = "unknown part id" if section == "points" else "unknown key"
                raise r.fail(f"{what} ({hint})", section, key)

    c = data.get("course", {})
    course_args: dict[str, Any] = {}
    for key in ("code", "name", "title", "term", "instructor", "instructions"):
        if key in c:
            course_args[key] = _text(r, "course", key, c[key], optional=key in ("term", "instructor"))
    if "due" in c:
        course_args["due"] = _date(r, c["due"])
    course = Course(**course_args)
    if not header_fits(course.code, course.name, course.title):
        longest = max(("code", "name", "title"), key=lambda k: _em(getattr(course, k)))
        texts = {k: getattr(course, k) for k in ("code", "name", "title")}
        cut = next((n for n in range(1, len(texts[longest]) + 1)
                    if header_fits(**dict(texts, **{longest: texts[longest][:-n]}))), len(texts[longest]))
        raise r.fail(f"the code, name and title are printed together in every page header, on at most two lines beside "
                     f"the version: they are too long for it by about {cut} characters; shorten them", "course")

    points = dict(DEFAULT_POINTS)
    for key, value in data.get("points", {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise r.fail(f"points must be a number, not {_tomltype(value)}", "points", key)
        if not math.isfinite(value) or value < 0:
            raise r.fail(f"points must be a non-negative number, not {value}", "points", key)
        if value > MAX_POINTS:
            raise r.fail(f"at most {MAX_POINTS} points per part, not {value}", "points", key)
        if decimal.Decimal(repr(value)) % decimal.Decimal("0.01"):
            # as a decimal, exactly as typed: in binary floating point 0.29 * 100 is 28.999999999999996
            raise r.fail(f"points may have at most two decimals, not {value}", "points", key)
        points[key] = value

    lay = data.get("layout", {})
    paper, space, sheet, size = "a4", "full", True, FONT_SIZE
    if "paper" in lay:
        paper = lay["paper"]
        if paper not in PAPERS:
            raise r.fail(f"expected \"a4\" or \"letter\", not {_tomltype(paper)}", "layout", "paper")
    if "answer_space" in lay:
        space = lay["answer_space"]
        if space not in ANSWER_SPACES:
            raise r.fail(f"expected \"full\", \"compact\" or \"none\", not {_tomltype(space)}", "layout", "answer_space")
    if "answer_sheet" in lay:
        sheet = lay["answer_sheet"]
        if not isinstance(sheet, bool):
            raise r.fail(f"expected true or false, not {_tomltype(sheet)}", "layout", "answer_sheet")
    digit_bubbles = lay.get("digit_bubbles", False)
    if not isinstance(digit_bubbles, bool):
        raise r.fail(f"expected true or false, not {_tomltype(digit_bubbles)}", "layout", "digit_bubbles")
    if "font_size" in lay:
        size = lay["font_size"]
        low, high = FONT_SIZES
        if isinstance(size, float) and math.isfinite(size) and size == int(size):
            size = int(size)
        if isinstance(size, bool) or not isinstance(size, int) or not low <= size <= high:
            shown = _tomltype(size) if isinstance(size, bool) or not isinstance(size, (int, float)) else size
            raise r.fail(f"expected a whole number of points from {low} to {high}, not {shown}", "layout", "font_size")

    q = data.get("questions", {})
    include = list(PART_IDS)
    if "include" in q:
        chosen = set(_parts_of(r, "include", q["include"]))
        include = [p for p in PART_IDS if p in chosen]
    if "exclude" in q:
        dropped = set(_parts_of(r, "exclude", q["exclude"]))
        include = [p for p in include if p not in dropped]
    if not include:
        raise r.fail("leaves out every part: at least one must stay", "questions", "exclude" if "exclude" in q else "include")
    if sum(points[p] for p in include) <= 0:
        raise r.fail("the included parts are worth 0 points in total: give at least one part points", "points")

    return Config(course=course, points=tuple((p, float(points[p])) for p in PART_IDS),
                  layout=Layout(paper, space, sheet, size, digit_bubbles), include=tuple(include), grading=_grading(r, data.get("grading", {})),
                  source=str(path))


def _share(r: _Reader, value: object, key: str, table: str = "grading") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise r.fail(f"expected a share of the points from 0 to 1, not {_tomltype(value)}", table, key)
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise r.fail(f"expected a share of the points from 0 to 1, not {value}", table, key)
    return float(value)


def _grading(r: _Reader, g: dict[str, Any]) -> Grading:
    args: dict[str, Any] = {k: _share(r, g[k], k) for k in ("follow_through", "method", "rounding") if k in g}
    if "credit" in g:
        table = g["credit"]
        if not isinstance(table, dict):
            raise r.fail(f"expected a table of mistake names and shares ([grading.credit]), not {_tomltype(table)}",
                         "grading", "credit")
        known = mistake_names()
        credit = []
        for name, value in table.items():
            if name not in known:
                raise r.fail(f"unknown mistake {name[:40]!r} (mistakes: {', '.join(known)})", "grading.credit", name)
            credit.append((name, _share(r, value, name, "grading.credit")))
        args["credit"] = tuple(sorted(credit))
    return Grading(**args)


def load(path: Path) -> Config:
    """Read and check the configuration file ``path``."""
    raw = read_input(path, "configuration file", error=ConfigError, limit=MAX_FILE)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte {exc.start}): save it as UTF-8") from None
    return parse(text.removeprefix("\ufeff"), path)


def default_toml() -> str:
    """The commented default configuration; reading it gives :func:`default`."""
    points = "\n".join(f'"{p}" = {_number(v)}' for p, v in default_points().items())
    numbers = ", ".join(catalogue().questions)
    return f'''# Course configuration for the assignment generator (TOML, https://toml.io).
# Use it with:  python -m generator --seed N --config THIS_FILE
# Every key is optional: a key left out keeps the value shown here, and this
# file as written reproduces the documents made without a configuration.

[course]
code = "CSE 616"                # printed in the title and in every page header
name = "Neural Networks"
title = "Assignment 1"
# term = "Spring 2027"          # printed under the title when given
# instructor = "Dr. A. Smith"   # printed under the title when given
# due = 2027-02-14              # a date (YYYY-MM-DD, quoted or not): "Due 14 February 2027"
instructions = "{DEFAULT_INSTRUCTIONS}"

[points]
# Marks per part (non-negative, at most two decimals). The total is computed
# from the parts included below and printed in the marks table on page 1.
{points}

[layout]
paper = "a4"                    # "a4" or "letter"
answer_space = "full"           # "full": room to answer under every part;
                                # "compact" (or "none"): questions only, for answers on the student's own paper
answer_sheet = true             # the last page or two: one box per final answer, to copy answers into
font_size = 11                  # points of the body text, {FONT_SIZES[0]} to {FONT_SIZES[1]}: 14, 17 or 20 for large print
                                # (figures, tables and the answer space scale with it)
digit_bubbles = false           # true: every number on the answer sheet also gets a digit grid (a page more),
                                # so that `scan` reads the numbers from paper into scans/responses.csv

[questions]
# Which questions and parts to include: question numbers ({numbers}) and part ids.
# Numbering always stays that of the original assignment.
include = [{numbers}]
# exclude = ["1e", 2]           # parts or questions to leave out

[grading]
# Shares of an answer's points (0 to 1), printed in the key's marking notes and
# used by `python -m generator grade`:
follow_through = 1              # right from the student's own wrong earlier answers (error carried forward)
method = 0.5                    # a named slip with a correct method: the method's share of the marks
rounding = 0.5                  # right to fewer decimals than asked
# [grading.credit]              # one mistake's own share instead (names: {", ".join(mistake_names())})
# sign_flipped = 0.25
'''
