"""The handout's answer sheet: how big each box is, which line it is on, and
which page.

A box is sized for the answer written by hand: about :data:`HAND_MM` a
character, a line :data:`LINE_MM` high, a fraction (or a column vector) two
lines high. What a ref needs is the largest of

- the family's answers to that ref over :data:`TABLE_SEEDS` seeds, measured
  once and stored with the package (``sheet-sizes.json``; ``python -m
  generator.sheet_table --write`` remakes it, a test fails when it is stale), so that
  every student of a class gets the same sheet whoever else is enrolled;
- the version's own key answer (so a version whose answer is longer than any
  in the table still gets room for it).

A number asked exactly whose key answer is not a plain decimal (2b's) gets
room for the exact value and its decimal (``-2 sin 2 + 12 ≈ 10.1814``). An
explanation (a prose answer) gets :data:`LINES_PER_MARK` handwritten lines per
mark, never fewer than its model answer typeset at the handout's size needs.
Every size scales with one number, the handout's font size in points
(``font_pt``, :data:`BASE_PT` by default): the handwriting unit is
``HAND_MM * font_pt / BASE_PT``.

The boxes keep ref order, left to right, a question starting a new line; the
lines go on one page, or on two filled evenly, each box growing by the same
height (at most one handwritten line) and the gaps sharing what is left, so
that the sheet fills its page(s). TeX gives each line's spare width to its
frames (``\\nnsheetrow`` in the preamble).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .latex import escape as latex_ref
from .model import Answer, Part, ProblemSet, Question

BASE_PT = 11.0  # the handout's font size the constants below are for
HAND_MM = 3.0  # one handwritten character
LINE_MM = 7.0  # one handwritten line (college-ruled paper)
PAD_CHARS = 1.5  # room at the ends of a box
MIN_CHARS = 7.0  # the narrowest box, in characters (with its ends)
LINES_PER_MARK = 1.5  # an explanation's handwritten lines per mark
GAP_MM = 2.0  # between two lines of boxes, at least
TIGHT_GAP_MM = 1.0  # the same, where that keeps the sheet to two pages (letter paper)
QUESTION_GAP = 2  # before the first line of a question, in gaps
GROW_MM = LINE_MM  # the most a box grows to fill its page
PROSE_CHAR_MM = 1.5  # a typeset character of prose at the handout's size (an upper bound, checked by TeX in the tests)
PROSE_LINE_MM = 4.8  # a typeset line of prose at the handout's size (13.6pt)
TABLE_SEEDS = 300  # the seeds of each family the table is measured over
TABLE = Path(__file__).resolve().parent / "sheet-sizes.json"

# The page: the text block of the preamble's geometry (margin 2.3cm, 1.7cm in a
# compact handout), and what the sheet's heading takes of it (with a margin:
# TeX's fill glue takes up the difference, tests check both with TeX).
PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
MARGIN_MM = {False: 23.0, True: 17.0}
HEAD_MM = {1: 33.5, 2: 23.5}  # first page (title, course, name line, instructions); a following page
DIGITS_NOTE_MM = 4.5  # the first page's line more with digit grids (telling students to fill them)
SAFETY_MM = 4.0
# Large print: a page's heading may wrap (the name line, the instructions) and labels grow taller
# than their frames; this much more room is kept per point of scale above 1 (checked with TeX:
# sheet.json's read-back stops a version whose boxes TeX put on other pages).
LARGE_SAFETY_MM = 14.0
SQUEEZE = 1.1  # an answer a little too long for one line of a box as wide as the line is written 10% closer, not on two
BOX_GAP_MM = 3.6  # between two boxes of a line (0.8em and the frame's rules)
RULES_MM = 0.3  # a frame's rules, top and bottom
# Kept free at the foot of a sheet page for its QR code (generator/sheetmarks.py), whose top
# is 21.6 mm above the paper's edge: a compact page's text block reaches down into the bottom
# margin where the code sits, and a page's last frame hangs up to 2 mm below its text block.
MARKS_MM = {False: 2.0, True: 9.0}
PART_BREAK_MM = 40.0  # how much less even two pages may be to break between questions rather than parts
# The bubbles a TA fills (``\nnbubble`` in the preamble): beside each answer marked by hand its
# score, and at the foot of the last page a row per part for a mark replacing the automatic one.
BUBBLE_R_MM = 1.6  # a bubble's radius (the preamble's \nnbubbler)
BUBBLE_GAP_MM = 0.9  # between two bubbles of a row
BUBBLE_PITCH_MM = 2 * BUBBLE_R_MM + BUBBLE_GAP_MM
MAX_ROW_BUBBLES = 33  # a row of more would not fit a line: a coarser step, and the part's marks last
GRAINS = (1.0, 0.5, 0.25)  # the steps a row counts in: the coarsest that all of a part's marks are multiples of
PART_TAG_MM = 9.5  # a part's tag before its row (2.4em)
PART_ROW_MM = 4.7  # one line of the part rows
MAX_DECIMALS = 6  # a digit grid's decimals at most (a number without an absolute tolerance gets these)
GRADER_COLUMNS = 4  # the part rows' grid: an entry spans as many of its columns as it needs
GRADER_HEAD_MM = 5.0  # the part rows' heading
DIGIT_ROW_MM = 4.7  # one place of a digit grid
DIGIT_HEAD_MM = 4.7  # a digit grid's ref and sign bubble (its lines are DIGIT_ROW_MM apart, exactly)
DIGIT_GAP_MM = 6.0  # between two lines of digit grids (4 mm and the last line's depth)
DIGIT_COLUMNS = 3  # digit grids side by side
DIGITS_PAGE_HEAD_MM = 14.0  # what a page of digit grids gives its instructions


@dataclass(frozen=True)
class Need:
    """What one answer needs, in handwritten characters and lines."""

    chars: float
    lines: int

    def __or__(self, other: Need) -> Need:
        return Need(max(self.chars, other.chars), max(self.lines, other.lines))

    def to_json(self) -> dict[str, float | int]:
        return {"chars": round(self.chars, 2), "lines": self.lines}


@dataclass(frozen=True)
class SheetBox:
    """One box of the answer sheet: a graded answer's ref and label, and the
    frame's inside, at least ``width`` by ``height`` millimetres (TeX widens
    the frames of a line to fill it)."""

    ref: str
    label: str  # LaTeX (text mode)
    width: float  # mm
    height: float  # mm
    prose: bool = False
    scores: tuple[str, ...] = ()  # an answer marked by hand: the values of its score bubbles, beside or under its label

    @property
    def width_tex(self) -> str:
        return f"{self.width:.1f}mm"

    @property
    def height_tex(self) -> str:
        return f"{self.height:.1f}mm"


@dataclass(frozen=True)
class SheetRow:
    boxes: list[SheetBox]
    new_question: bool  # the first line of a question (after a wider gap)
    column: str = ""  # a line of one box: its ref and label are as wide as the widest of this column's (its question's)


@dataclass(frozen=True)
class DigitGrid:
    """A numeric answer's digit grid (``[layout] digit_bubbles``): a row of
    bubbles 0-9 for each place, highest first (``places`` are powers of ten:
    2 for hundreds, -1 for tenths), and a sign bubble when the answer may be
    negative."""

    ref: str
    places: tuple[int, ...]
    sign: bool

    @property
    def places_tex(self) -> str:
        return ",".join(str(p) for p in self.places)

    def height(self) -> float:
        return DIGIT_HEAD_MM + len(self.places) * DIGIT_ROW_MM


@dataclass(frozen=True)
class SheetPage:
    rows: list[SheetRow]
    gap: float  # mm between two lines of boxes, twice that before a question (TeX adds what is left on the page, evenly)
    grids: list[list[DigitGrid]] = field(default_factory=list)  # a page of digit grids: its lines of grids
    grader: bool = False  # the page the part rows are at the foot of (the last page of boxes)

    def gap_tex(self, row: SheetRow) -> str:
        return f"{self.gap * (QUESTION_GAP if row.new_question else 1):.1f}mm"


@dataclass(frozen=True)
class GraderEntry:
    """A part's row of bubbles for a mark replacing the automatic one, spanning
    ``span`` of the grid's :data:`GRADER_COLUMNS` columns."""

    part: str
    values: tuple[str, ...]
    span: int

    @property
    def width_tex(self) -> str:
        return f"{self.span / GRADER_COLUMNS:.4f}\\linewidth"


@dataclass(frozen=True)
class Sheet:
    pages: list[SheetPage]
    line: float  # mm, one handwritten line
    columns: list[tuple[str, list[SheetBox]]]  # the boxes alone on their line, by question: their labels line up
    reserve: float = 0.0  # mm kept free at the foot of every page (MARKS_MM)
    grader: list[list[GraderEntry]] = field(default_factory=list)  # the part rows, a line at a time
    scale: float = 1.0  # the handout's font size over BASE_PT

    @property
    def digit_row_tex(self) -> str:
        return f"{DIGIT_ROW_MM:.1f}mm"

    @property
    def has_grids(self) -> bool:
        return self.grid_pages > 0

    @property
    def grid_pages(self) -> int:
        return sum(1 for p in self.pages if p.grids)

    @property
    def grader_tex(self) -> str:
        return f"{self.grader_mm():.1f}mm"

    @property
    def grader_head_tex(self) -> str:
        return f"{grader_head_mm(self.scale):.1f}mm"

    @property
    def grader_row_tex(self) -> str:
        return f"{PART_ROW_MM * max(self.scale, 1.0):.1f}mm"

    def grader_mm(self) -> float:
        """The height of the part rows' block (a gap above it is extra)."""
        return grader_mm(len(self.grader), self.scale) if self.grader else 0.0

    def bubbles(self) -> list[tuple[str, str, str, str]]:
        """Every bubble as (target, kind, column, value): ``column`` a digit's
        place (a power of ten, or ``sign``), ``-`` for a score."""
        out = [(b.ref, "score", "-", v) for p in self.pages for r in p.rows for b in r.boxes for v in b.scores]
        out += [(e.part, "score", "-", v) for line in self.grader for e in line for v in e.values]
        for p in self.pages:
            for line in p.grids:
                for g in line:
                    out += [(g.ref, "digit", "sign", "-")] if g.sign else []
                    out += [(g.ref, "digit", str(place), str(d)) for place in g.places for d in range(10)]
        return out

    @property
    def line_tex(self) -> str:
        return f"{self.line:.1f}mm"


# --------------------------------------------------------------------------
# Measuring an answer as written by hand

_TOKEN = re.compile(r"\\[a-zA-Z]+\*?|\\.|[{}^_&]|\s+|.", re.S)
_FUNCTIONS = {"sin", "cos", "tan", "exp", "log", "ln", "tanh", "sinh", "cosh", "max", "min", "sign", "det", "arg"}
_SYMBOLS = {"sigma", "lambda", "eta", "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "theta", "mu", "pi",
            "phi", "varphi", "psi", "omega", "rho", "tau", "xi", "zeta", "nu", "kappa", "chi", "Delta", "Sigma", "Phi",
            "nabla", "partial", "top", "ell", "infty", "prime", "ldots", "cdots", "dots", "sum", "prod", "int"}
_OPERATORS = {"cdot": 1.5, "times": 2.0, "approx": 2.0, "leq": 2.0, "geq": 2.0, "le": 2.0, "ge": 2.0, "neq": 2.0,
              "leftarrow": 2.0, "rightarrow": 2.0, "to": 2.0, "pm": 2.0, "mp": 2.0, "in": 2.0, "mid": 1.0}
_SPACES = {",": 0.3, ";": 0.5, ":": 0.4, "!": 0.0, " ": 0.5, "quad": 1.0, "qquad": 2.0}
_DELIMITERS = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg", "middle"}
_TEXT = {"text", "mathrm", "operatorname", "textit", "textbf", "mathit", "mathbf", "mathsf", "textrm"}
_ACCENTS = {"hat", "bar", "tilde", "vec", "dot", "ddot", "widehat", "overline", "boldsymbol", "mathbb", "mathcal", "displaystyle",
            "textstyle", "limits"}
_MATRICES = {"pmatrix", "bmatrix", "matrix", "vmatrix", "array", "cases", "aligned"}
_DECIMAL = re.compile(r"^\s*-?\s*\d+(?:\.\d+)?\s*$")


@dataclass
class _Size:
    w: float = 0.0
    h: int = 1

    def then(self, other: _Size) -> None:
        self.w += other.w
        self.h = max(self.h, other.h)


class _Reader:
    def __init__(self, latex: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(latex)]
        self.k = 0

    def peek(self) -> str | None:
        while self.k < len(self.tokens) and self.tokens[self.k].isspace():
            self.k += 1
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def take(self) -> str | None:
        t = self.peek()
        if t is not None:
            self.k += 1
        return t

    def raw_group(self) -> str:
        """The source of the next argument ({...} or one token), unmeasured."""
        t = self.take()
        if t != "{":
            return t or ""
        depth, out = 1, []
        while self.k < len(self.tokens):
            t = self.tokens[self.k]
            self.k += 1
            depth += (t == "{") - (t == "}")
            if depth == 0:
                break
            out.append(t)
        return "".join(out)

    def argument(self, nested: bool) -> _Size:
        t = self.peek()
        if t == "{":
            self.take()
            return self.sequence(nested, until="}")
        return self.atom(nested) or _Size(0.0)

    def sequence(self, nested: bool, until: str | None = None) -> _Size:
        """Measure up to ``until`` (a closing brace, ``\\end``) or the end;
        ``\\\\`` outside a matrix starts a new line."""
        lines = [_Size(0.0)]
        while (t := self.peek()) is not None:
            if t == until:
                self.take()
                break
            if until == "}" and t == "\\end":
                break
            if t == "\\\\":
                self.take()
                lines.append(_Size(0.0))
                continue
            size = self.atom(nested)
            if size is not None:
                lines[-1].then(size)
        return _Size(max(s.w for s in lines), sum(s.h for s in lines))

    def scripts(self, base: _Size, nested: bool) -> _Size:
        """Sub- and superscripts stacked after a base: as wide as the wider."""
        sub = sup = 0.0
        while self.peek() in ("^", "_", "'"):
            t = self.take()
            if t == "'":
                base.w += 0.5
                continue
            w = self.argument(True).w * 0.6  # written smaller
            if t == "^":
                sup = max(sup, w)
            else:
                sub = max(sub, w)
        base.w += max(sub, sup)
        return base

    def atom(self, nested: bool) -> _Size | None:
        t = self.take()
        if t is None or t == "}":
            return None
        if t == "{":
            return self.scripts(self.sequence(nested, until="}"), nested)
        if t in ("^", "_"):
            self.k -= 1
            return self.scripts(_Size(0.0), nested)
        if t == "&":
            return _Size(2.0)
        if not t.startswith("\\"):
            if t in "+-=<>":
                return _Size(2.0)
            if t in ".":
                return self.scripts(_Size(0.5), nested)
            if t == "~":
                return _Size(0.5)
            return self.scripts(_Size(1.0), nested)
        name = t[1:]
        if name in _SPACES:
            return _Size(_SPACES[name])
        if name in ("frac", "tfrac", "dfrac"):
            num, den = self.argument(True), self.argument(True)
            if nested:  # written a/b inside another fraction
                return self.scripts(_Size(num.w + 1 + den.w, max(num.h, den.h)), nested)
            return self.scripts(_Size(max(num.w, den.w) + 1, max(num.h, 1) + max(den.h, 1)), nested)
        if name == "sqrt":
            inner = self.argument(nested)
            return self.scripts(_Size(inner.w + 1.5, inner.h), nested)
        if name in _DELIMITERS:
            d = self.take()
            return self.scripts(_Size(0.0 if d == "." else 1.0), nested)
        if name in _TEXT:
            text = self.raw_group()
            return self.scripts(_Size(float(len(re.sub(r"\\[a-zA-Z]+\s*|[{}\\]", "", text)))), nested)
        if name in _ACCENTS:
            return _Size(0.0)
        if name == "begin":
            env = self.raw_group()
            if env in _MATRICES:
                return self.scripts(self.matrix(env), nested)
            return self.sequence(nested, until="\\end") if env else _Size(0.0)
        if name == "end":
            self.raw_group()
            return None
        if name in _FUNCTIONS:
            return self.scripts(_Size(len(name) + 0.5), nested)
        if name in _SYMBOLS:
            return self.scripts(_Size(1.5 if name in ("sum", "prod", "int") else 1.0), nested)
        if name in _OPERATORS:
            return _Size(_OPERATORS[name])
        return self.scripts(_Size(float(len(name))), nested)  # an unknown command: as long as its name

    def matrix(self, env: str) -> _Size:
        """A vector or matrix: room for it written as a row, (a, b), and as high
        as its column."""
        if env == "array":
            self.raw_group()
        rows: list[list[_Size]] = [[_Size(0.0)]]
        while (t := self.peek()) is not None:
            if t == "\\end":
                self.take()
                self.raw_group()
                break
            if t == "\\\\":
                self.take()
                rows.append([_Size(0.0)])
                continue
            if t == "&":
                self.take()
                rows[-1].append(_Size(0.0))
                continue
            size = self.atom(False)
            if size is not None:
                rows[-1][-1].then(size)
        cells = [c for r in rows for c in r if c.w > 0]
        width = sum(c.w for c in cells) + 2.0 * max(len(cells) - 1, 0) + 2.0
        height = max(len(rows), max((c.h for c in cells), default=1))  # a column of rows, or one row of fractions
        return _Size(width, height)


def handwritten(latex: str) -> Need:
    """The characters and lines ``latex`` (maths) takes written by hand."""
    size = _Reader(latex).sequence(False)
    return Need(size.w, max(size.h, 1))


def is_prose(a: Answer) -> bool:
    """A free-text answer (an explanation), marked by hand."""
    return a.kind == "text" and a.exact is None


def prose_text(latex: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\\[a-zA-Z]+\s*|[{}]|\\(.)", r"\1", latex)).strip()


def need(a: Answer) -> Need:
    """What the key's answer ``a`` needs in the box, written by hand (for an
    explanation: its characters, the lines come from its marks)."""
    if is_prose(a):
        return Need(float(len(prose_text(a.latex))), 1)
    size = handwritten(a.latex)
    if a.kind == "number" and isinstance(a.value, (int, float)) and not _DECIMAL.match(a.latex):
        size = Need(size.chars + 2.0 + len(f"{a.value:.4f}"), size.lines)  # "≈ 10.1814" after the exact value
    return size


# --------------------------------------------------------------------------
# The table: each family's refs over many seeds


def table_key(question: Question, part: Part, a: Answer) -> str:
    """A ref without its question number ("a#7" of 2a#7, ".4#2" of 3.4#2):
    the question's number may change, the family's parts do not."""
    return (a.ref or "")[len(str(question.number)):]


@cache
def table() -> dict[str, dict[str, Need]]:
    """The stored table: family name -> ref key -> what it needs."""
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    return {family: {ref: Need(float(n["chars"]), int(n["lines"])) for ref, n in refs.items()}
            for family, refs in data["families"].items()}


@cache
def number_table() -> dict[str, dict[str, tuple[int, bool]]]:
    """The stored table's numbers: family name -> ref key -> (the most
    integer digits, whether any is negative) over the table's seeds."""
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    return {family: {ref: (int(n["digits"]), bool(n["negative"])) for ref, n in refs.items()}
            for family, refs in data.get("numbers", {}).items()}


def is_number(a: Answer) -> bool:
    """A final answer that is one number: with ``[layout] digit_bubbles`` it
    gets a digit grid."""
    return a.kind == "number" and isinstance(a.value, (int, float)) and not isinstance(a.value, bool)


def decimals(a: Answer) -> int:
    """The decimals a number is written to: enough that rounding stays within
    its absolute tolerance (0.005: 2; 0.0001: 4), at most :data:`MAX_DECIMALS`."""
    tol = float((a.tolerance or {}).get("abs", 0.0) or 0.0)
    if tol <= 0:
        return MAX_DECIMALS
    return max(0, min(MAX_DECIMALS, math.ceil(-math.log10(2 * tol) - 1e-9)))


def integer_digits(value: float, places: int) -> int:
    """How many integer digits ``value`` has written to ``places`` decimals."""
    whole = int(abs(round(float(value), places)))
    return max(1, len(str(whole)))


def measure_table(versions: Iterable[ProblemSet], seeds: int) -> dict[str, object]:
    """The table of ``versions`` (those of seeds 0 .. seeds-1, made with the
    default configuration: a configuration changes points, not answers):
    per family and ref the most any of them needs."""
    families: dict[str, dict[str, Need]] = {}
    numbers: dict[str, dict[str, dict[str, object]]] = {}
    for ps in versions:
        for q in ps.questions:
            refs = families.setdefault(q.family, {})
            nums = numbers.setdefault(q.family, {})
            for p in q.parts:
                for a in p.graded:
                    key = table_key(q, p, a)
                    refs[key] = refs[key] | need(a) if key in refs else need(a)
                    if is_number(a):
                        was = nums.get(key, {"digits": 1, "negative": False})
                        nums[key] = {"digits": max(int(str(was["digits"])), integer_digits(a.value, decimals(a))),
                                     "negative": bool(was["negative"]) or float(a.value) < 0}
    return {"seeds": seeds, "unit": "handwritten characters and lines",
            "families": {f: {ref: n.to_json() for ref, n in refs.items()} for f, refs in sorted(families.items())},
            "numbers": {f: nums for f, nums in sorted(numbers.items()) if nums}}


def table_text(data: dict[str, object]) -> str:
    """The table as stored: one ref a line."""
    head = {k: v for k, v in data.items() if k not in ("families", "numbers")}
    lines = [json.dumps(head)[:-1] + ","]
    groups = [name for name in ("families", "numbers") if name in data]
    for g, name in enumerate(groups):
        block = data[name]
        assert isinstance(block, dict)
        lines.append(f" {json.dumps(name)}: {{")
        for k, (family, refs) in enumerate(block.items()):
            lines.append(f"  {json.dumps(family)}: {{")
            lines += [f"    {json.dumps(ref)}: {json.dumps(n)}," for ref, n in refs.items()]
            lines[-1] = lines[-1].rstrip(",")
            lines.append("  }" + ("," if k < len(block) - 1 else ""))
        lines.append(" }" + ("," if g < len(groups) - 1 else ""))
    return "\n".join(lines) + "\n}\n"


# --------------------------------------------------------------------------
# Laying out the sheet


def head_foot_mm(font_pt: float) -> float:
    """What the running head and foot take of the text block: nothing at the
    handout's usual size, whose geometry leaves them in the margins; in large
    print (``includeheadfoot``) the head's height, the gap below it and the
    foot's skip, as the preamble sets them."""
    if font_pt == BASE_PT:
        return 0.0
    scale = font_pt / BASE_PT
    return (2.7 * font_pt + 12 * scale + 28 * scale) * 25.4 / 72.27


def text_block(paper: str, compact: bool, font_pt: float = BASE_PT) -> tuple[float, float]:
    """The width and height of the text on a sheet page, in mm."""
    w, h = PAPER_MM[paper]
    m = MARGIN_MM[compact]
    return w - 2 * m, h - 2 * m - (0.0 if compact else head_foot_mm(font_pt))


def label_mm(ref: str, label: str, hand: float) -> float:
    """A generous estimate of the ref's tag and label beside a box (TeX
    measures them, and gives what is left of the line to the frames)."""
    printed = handwritten(re.sub(r"\$", "", label)).chars
    return (5.0 + 1.7 * len(ref) + 3.8 + 2.2 * printed) * hand / HAND_MM


def marked_by_hand(a: Answer) -> bool:
    """An answer a TA marks by hand (a text answer: an explanation, a vector
    form): it gets score bubbles (the marks template's columns are these too)."""
    return a.kind == "text"


def _value(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def grain(points: list[float]) -> float:
    """The step a part's marks count in: the coarsest of :data:`GRAINS` that
    every one of ``points`` is a whole number of (0.01 when none is)."""
    for g in GRAINS:
        if all(abs(p / g - round(p / g)) < 1e-9 for p in points):
            return g
    return 0.01


def score_values(points: float, step: float) -> tuple[str, ...]:
    """A row of score bubbles from 0 to ``points`` in steps of ``step``: a
    coarser step (1, 2, 5, 10, ...) when that would be more than
    :data:`MAX_ROW_BUBBLES`, and ``points`` always the last."""
    coarser = [1.0, 2.0, 5.0]
    k = 0
    while points / step + 1 > MAX_ROW_BUBBLES:
        step = coarser[k % 3] * 10 ** (k // 3)
        k += 1
    n = int(math.floor(points / step + 1e-9))
    values = [_value(i * step) for i in range(n + 1)]
    if abs(n * step - points) > 1e-9:
        values.append(_value(points))
    return tuple(values)


def row_mm(values: tuple[str, ...]) -> float:
    """The width of a row of bubbles."""
    return len(values) * BUBBLE_PITCH_MM - BUBBLE_GAP_MM


def sheet_label(a: Answer) -> str:
    """What an answer-sheet box asks for, as LaTeX in text mode."""
    if is_prose(a) and a.label == "model answer":
        return "your explanation"
    at = a.label.find(r"\big|")
    return f"${a.label[:at]}$ at $w$" if at > 0 else f"${a.label}$"


@dataclass
class _Cell:
    question: int
    part: str
    ref: str
    label: str
    need: Need  # the most of the table's and the version's own answer
    prose: bool
    points: float
    scores: tuple[str, ...] = ()
    beside: bool = False  # the score bubbles follow the label on its line (else they sit a line below it)
    label_w: float = 0.0  # mm, the ref and label beside the frame
    width: float = 0.0  # the frame's inside, mm
    height: float = 0.0
    aligned: bool = False  # alone on its line, lined up with the question's others

    def fit(self, label_w: float, line_w: float, hand: float, line_h: float) -> None:
        """Size the frame beside a label ``label_w`` wide on a line ``line_w`` wide."""
        self.label_w = label_w
        room = line_w - label_w - 1.0
        n = self.need
        if self.prose:
            typeset_lines = math.ceil(n.chars * PROSE_CHAR_MM * hand / HAND_MM / room)
            self.width = room
            self.height = max(math.ceil(LINES_PER_MARK * (self.points or 1)) * line_h,
                              typeset_lines * PROSE_LINE_MM * hand / HAND_MM + 4.0)
            return
        width, lines = max(n.chars + PAD_CHARS, MIN_CHARS) * hand, n.lines
        if width > room:  # written on several lines of a box as wide as the line (a little closer on one)
            lines *= math.ceil(n.chars * hand / (room - PAD_CHARS * hand) / SQUEEZE)
            width = room
        if self.scores and not self.beside:  # the score bubbles sit a line below the label, beside the frame
            lines = max(lines, 2)
        self.width, self.height = width, lines * line_h

    def tex_label(self) -> str:
        """The label as the sheet prints it: with the score bubbles under it."""
        if not self.scores:
            return self.label
        how = "nnscorebeside" if self.beside else "nnscorelabel"
        return rf"\{how}{{{self.label}}}{{{latex_ref(self.ref)}}}{{{','.join(self.scores)}}}"


def _cells(ps: ProblemSet, line_w: float, hand: float, line_h: float) -> list[_Cell]:
    """Every graded answer's cell, in ref order."""
    known = table()
    out: list[_Cell] = []
    for q in ps.questions:
        stored = known.get(q.family, {})
        for p in q.parts:
            for a in p.graded:
                key, own = table_key(q, p, a), need(a)
                scores = score_values(a.points or 0.0, grain([g.points or 0.0 for g in p.graded])) if marked_by_hand(a) else ()
                cell = _Cell(q.number, p.id, a.ref or "", sheet_label(a), stored[key] | own if key in stored else own,
                             is_prose(a), a.points or 0.0, scores)
                label_w = label_mm(cell.ref, cell.label, hand)
                if scores and not cell.prose:  # beside the label when the answer then still fits one line
                    cell.beside = True
                    cell.fit(label_w + row_mm(scores) + 2.0, line_w, hand, line_h)
                    if cell.height <= line_h:
                        out.append(cell)
                        continue
                    cell.beside = False
                if scores:
                    label_w = max(label_w, label_mm(cell.ref, "", hand) + row_mm(scores) + 1.0)
                cell.fit(label_w, line_w, hand, line_h)
                out.append(cell)
    return out


def _align(rows: list[list[_Cell]], line_w: float, hand: float, line_h: float) -> None:
    """The frames of a question's lines of one box start at one place: their
    labels take the width of the widest (explanations keep theirs)."""
    for question in dict.fromkeys(r[0].question for r in rows):
        single = [r[0] for r in rows if len(r) == 1 and r[0].question == question and not r[0].prose]
        if len(single) > 1:
            column = max(c.label_w for c in single)
            for c in single:
                c.fit(column, line_w, hand, line_h)
                c.aligned = True


def _rows(cells: list[_Cell], line_w: float) -> list[list[_Cell]]:
    """Cells left to right in ref order; a question starts a new line."""
    rows: list[list[_Cell]] = []
    used = 0.0
    for cell in cells:
        w = cell.label_w + cell.width + BOX_GAP_MM
        if rows and cell.question == rows[-1][-1].question and used + w <= line_w:
            rows[-1].append(cell)
            used += w
        else:
            rows.append([cell])
            used = w
    return rows


def _starts_question(rows: list[list[_Cell]], k: int) -> bool:
    return k > 0 and rows[k][0].question != rows[k - 1][-1].question


def _height(rows: list[list[_Cell]], gap: float = GAP_MM) -> float:
    """The height of lines of boxes on a page (the first one's gap left out)."""
    boxes = sum(max(c.height for c in r) + RULES_MM for r in rows)
    gaps = sum(gap * (QUESTION_GAP if _starts_question(rows, k) else 1) for k in range(1, len(rows)))
    return boxes + gaps


def _split(rows: list[list[_Cell]], room: list[float], tail: float = 0.0, gap: float = GAP_MM) -> list[list[list[_Cell]]]:
    """The lines on one page if they fit, else on two, broken between two
    parts (between two questions unless that leaves the pages much less even),
    with the free space as even as can be; else on as many pages as it takes.
    The last page keeps ``tail`` mm for the part rows."""
    if _height(rows, gap) + tail <= room[0]:
        return [rows]
    best: tuple[float, int] | None = None
    for k in range(1, len(rows)):
        if rows[k][0].part == rows[k - 1][-1].part:
            continue
        a, b = room[0] - _height(rows[:k], gap), room[1] - _height(rows[k:], gap) - tail
        score = abs(a - b) + (0.0 if _starts_question(rows, k) else PART_BREAK_MM)
        if a >= 0 and b >= 0 and (best is None or score < best[0]):
            best = (score, k)
    if best is not None:
        return [rows[:best[1]], rows[best[1]:]]
    pages: list[list[list[_Cell]]] = [[]]
    for r in rows:
        if pages[-1] and _height(pages[-1] + [r], gap) > room[min(len(pages) - 1, 1)]:
            pages.append([])
        pages[-1].append(r)
    if _height(pages[-1], gap) + tail > room[min(len(pages) - 1, 1)]:  # the part rows on a page of their own
        pages.append([])
    return pages


def grader_head_mm(scale: float) -> float:
    """The part rows' heading: one line, two in large print (where it wraps)."""
    return GRADER_HEAD_MM * scale * (2 if scale > 1.2 else 1)


def grader_mm(lines: int, scale: float) -> float:
    return grader_head_mm(scale) + lines * PART_ROW_MM * max(scale, 1.0)


def grader_lines(ps: ProblemSet, line_w: float, tag: float) -> list[list[GraderEntry]]:
    """The part rows: every graded part's tag and bubbles from 0 to its marks,
    in part order on a grid of :data:`GRADER_COLUMNS` columns, each spanning
    the columns it needs."""
    column = line_w / GRADER_COLUMNS
    lines: list[list[GraderEntry]] = [[]]
    used = 0
    for q in ps.questions:
        for p in q.parts:
            if not p.graded:
                continue
            values = score_values(p.points or 0.0, grain([p.points or 0.0] + [a.points or 0.0 for a in p.graded]))
            span = min(GRADER_COLUMNS, math.ceil((tag + row_mm(values) + 2.0) / column))
            if used + span > GRADER_COLUMNS:
                lines.append([])
                used = 0
            lines[-1].append(GraderEntry(p.id, values, span))
            used += span
    return [line for line in lines if line]


def digit_grids(ps: ProblemSet) -> list[DigitGrid]:
    """A digit grid for every numeric final answer: as many integer places as
    the table's seeds need for that ref (and the version's own answer), the
    decimals its tolerance needs, a sign bubble when any may be negative."""
    known = number_table()
    out = []
    for q in ps.questions:
        stored = known.get(q.family, {})
        for p in q.parts:
            for a in p.graded:
                if not is_number(a):
                    continue
                places = decimals(a)
                digits, negative = stored.get(table_key(q, p, a), (1, False))
                digits = max(digits, integer_digits(a.value, places))
                negative = negative or float(a.value) < 0
                out.append(DigitGrid(a.ref or "", tuple(range(digits - 1, -places - 1, -1)), negative))
    return out


def _grid_pages(grids: list[DigitGrid], room: float) -> list[list[list[DigitGrid]]]:
    """Digit grids :data:`DIGIT_COLUMNS` to a line, lines on pages of ``room`` mm."""
    lines = [grids[k : k + DIGIT_COLUMNS] for k in range(0, len(grids), DIGIT_COLUMNS)]
    pages: list[list[list[DigitGrid]]] = [[]]
    used = DIGITS_PAGE_HEAD_MM
    for line in lines:
        h = max(g.height() for g in line) + DIGIT_GAP_MM
        if pages[-1] and used + h > room:
            pages.append([])
            used = DIGITS_PAGE_HEAD_MM
        pages[-1].append(line)
        used += h
    return [p for p in pages if p]


def layout(ps: ProblemSet, paper: str = "a4", compact: bool = False, font_pt: float = BASE_PT, digits: bool = False) -> Sheet:
    """The answer sheet of ``ps``: its pages, their lines of boxes (with
    ``digits``, then pages of digit grids)."""
    scale = font_pt / BASE_PT
    hand, line_h = HAND_MM * scale, LINE_MM * scale
    line_w, text_h = text_block(paper, compact, font_pt)
    rows = _rows(_cells(ps, line_w, hand, line_h), line_w)
    _align(rows, line_w, hand, line_h)
    head = HEAD_MM[1] + (DIGITS_NOTE_MM if digits else 0.0)
    safety = SAFETY_MM + LARGE_SAFETY_MM * max(scale - 1.0, 0.0)
    room = [text_h - head * scale - safety - MARKS_MM[compact], text_h - HEAD_MM[2] * scale - safety - MARKS_MM[compact]]
    for r in rows:  # no box taller than a page (in large print an explanation's would be): it is written smaller
        for c in r:
            c.height = min(c.height, room[1] - RULES_MM - 1.0)
    grader = grader_lines(ps, line_w, PART_TAG_MM * scale)
    tail = QUESTION_GAP * GAP_MM + grader_mm(len(grader), scale) if grader else 0.0
    gap = GAP_MM
    split = _split(rows, room, tail)
    if len(split) > 2:  # closer lines rather than a third page
        tight = _split(rows, room, tail, TIGHT_GAP_MM)
        if len(tight) < len(split):
            split, gap = tight, TIGHT_GAP_MM
    pages = []
    for k, page in enumerate(split):
        free = room[min(k, 1)] - _height(page, gap) - (tail if k == len(split) - 1 else 0.0)
        grow = max(0.0, min(GROW_MM * scale, free / max(len(page), 1)))
        for r in page:
            for c in r:
                c.height += grow
        rows_out = [SheetRow([SheetBox(c.ref, c.tex_label(), c.width, c.height, c.prose, c.scores) for c in r], _starts_question(page, j),
                             f"q{r[0].question}" if r[0].aligned else "")
                    for j, r in enumerate(page)]
        pages.append(SheetPage(rows_out, gap, grader=k == len(split) - 1))
    if digits:
        pages += [SheetPage([], GAP_MM, grids) for grids in _grid_pages(digit_grids(ps), room[1])]
    columns: dict[str, list[SheetBox]] = {}
    for page_out in pages:
        for row in page_out.rows:
            if row.column:
                columns.setdefault(row.column, []).extend(row.boxes)
    return Sheet(pages, line_h, list(columns.items()), MARKS_MM[compact], grader, scale)
