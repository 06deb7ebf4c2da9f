"""The one reader of answers.json (formats ``nn-problem-set/1``, ``/2`` and ``/3``) and
of a class set's manifest.json, into frozen, typed objects every consumer uses.

:func:`parse` takes a parsed JSON object, :func:`read` a file. Both check as
they read: a field of the wrong type, a missing field, a number that is not a
finite number in range (``NaN``, ``1e308`` points), a ref that is not
``<part id>#<k>``, a dependency on a ref the version does not have are one
:class:`KeyFormatError` naming the file and the field, never a traceback.

The objects mirror docs/answers-json.md field by field, with two
conveniences: an ungraded answer has ``ref`` ``""`` and ``points`` 0 (both
``null`` in the file), and ``variables``, ``depends_on`` and ``mistakes`` are
tuples (empty for ``null``). A vector is a tuple of numbers. A format-1 file
reads as a version with no graded answers (its kinds inferred from the
values; no course, student or points); a format-2 file as one whose answers
have no ``choices`` (format 3 added the kind ``choice``).

:func:`read_manifest` reads ``manifest.json``: every student's folder must be
one plain folder name inside the class folder (never absolute, never ``..``),
so a hand-edited manifest cannot make a reader or writer leave the class.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from .errors import UsageError
from .files import read_input
from .model import FORMAT, KINDS, Student
from .plain import plain

FORMAT_1 = "nn-problem-set/1"
FORMAT_2 = "nn-problem-set/2"
FORMATS = (FORMAT_1, FORMAT_2, FORMAT)
MARKED = (FORMAT_2, FORMAT)  # the formats with marks: what the grader and the grading sheet read
CHOICE_FORMATS = (FORMAT,)  # the formats that may hold choice answers
MANIFEST_FORMAT = "nn-problem-set-class/1"
MAX_POINTS = 10**6  # any points field: far above any real assignment, far below overflow
MAX_BYTES = 256 * 1024 * 1024  # of one answers.json or manifest.json

Number = int | float
Vector = tuple[Number, ...]
Value = Number | Vector | None  # a number, a vector, or None (free text, symbolic answers)


def as_number(value: Value) -> float:
    """The value of a number answer (or mistake) as a float; TypeError for any other value."""
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def as_vector(value: Value) -> tuple[float, ...]:
    """The value of a vector answer (or mistake), component by component; TypeError for any other value."""
    if isinstance(value, tuple):
        return tuple(float(v) for v in value)
    raise TypeError(f"not a vector: {value!r}")


class KeyFormatError(UsageError):
    """An answers.json or manifest.json that cannot be used: one line naming
    the file and the field (exit status 2)."""


class Tolerance(NamedTuple):
    """A response r is right when |r - value| <= max(abs, rel * |value|)."""

    abs: float
    rel: float

    def allows(self, value: float) -> float:
        """The accepted absolute error around ``value``."""
        return max(self.abs, self.rel * abs(value))


NO_TOLERANCE = Tolerance(0.0, 0.0)


@dataclass(frozen=True)
class Check:
    """What a reader needs to verify a derivative answer without the generator."""

    function: str
    wrt: tuple[str, ...]
    derivative: tuple[str, ...]
    at: Mapping[str, Number] | None  # the point of ``value``; None for a symbolic answer


@dataclass(frozen=True)
class Mistake:
    """One common wrong answer: a machine name, what the student did (LaTeX
    maths in ``$...$``) and the value it gives."""

    name: str
    text: str
    value: Value
    credit: float = 0.0  # the share of the answer's points it still earns (the method marks)
    scope: str = "answer"  # "answer": it costs in every answer; "part": once per part (see :data:`SCOPES`)


SCOPES = ("answer", "part")


@dataclass(frozen=True)
class Marking:
    """How a version's answers are marked beyond right and wrong (answers.json's
    ``grading``; a file without it marks all or nothing): the share of an
    answer's points for an answer right from the student's own wrong earlier
    answers, and for one right to fewer decimals than asked."""

    follow_through: float = 1.0
    rounding: float = 0.0


ALL_OR_NOTHING = Marking(1.0, 0.0)


@dataclass(frozen=True)
class Answer:
    part: str  # the id of the part it belongs to
    name: str
    label: str  # LaTeX
    text: str  # the label as readable plain text
    latex: str | None
    exact: str | None
    value: Value
    check: Check | None
    graded: bool
    ref: str  # "<part id>#<k>"; "" for an ungraded answer
    points: float  # 0 for an ungraded answer
    kind: str  # one of model.KINDS
    tolerance: Tolerance | None  # number and vector answers
    variables: tuple[str, ...]  # of an expression answer
    depends_on: tuple[str, ...]  # refs of earlier answers this one is computed from
    recompute: str | None  # SymPy text in the symbols ref_<part>_<k>
    mistakes: tuple[Mistake, ...]
    choices: tuple[str, ...] = ()  # a choice answer's options (``exact`` is the right one); () for any other kind

    @property
    def position(self) -> int:
        """k of the ref ``<part>#<k>`` (0 for an ungraded answer)."""
        return int(self.ref.rsplit("#", 1)[1]) if self.ref else 0


@dataclass(frozen=True)
class Part:
    id: str
    skill: str
    points: float
    prompt: str
    answers: tuple[Answer, ...]

    @property
    def graded(self) -> tuple[Answer, ...]:
        """The answers the handout asks for, in the answer sheet's order."""
        return tuple(sorted((a for a in self.answers if a.graded), key=lambda a: a.position))


@dataclass(frozen=True)
class Question:
    id: str
    family: str
    title: str
    params: Mapping[str, Any]
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Course:
    code: str
    name: str
    title: str
    term: str | None
    instructor: str | None
    due: str | None  # an ISO date

    @property
    def line(self) -> str:
        """"CSE 616 Neural Networks, Assignment 1" (what is given of it)."""
        head = " ".join(t for t in (self.code, self.name) if t)
        return f"{head}, {self.title}" if head and self.title else head or self.title


@dataclass(frozen=True)
class Version:
    """One version's key: everything answers.json holds."""

    format: str
    generator: str
    seed: int | None
    version: str  # the code printed on every page
    course: Course | None  # None in format 1
    student: Student | None
    points_total: float
    questions: tuple[Question, ...]
    source: str = field(default="answers.json", compare=False)  # how messages name the file
    marking: Marking = ALL_OR_NOTHING  # answers.json's grading (all or nothing when the file has none)

    @property
    def parts(self) -> tuple[Part, ...]:
        """Every part, in order."""
        return tuple(p for q in self.questions for p in q.parts)

    @property
    def graded(self) -> tuple[Answer, ...]:
        """Every graded answer, in the answer sheet's order."""
        return tuple(a for p in self.parts for a in p.graded)

    @property
    def refs(self) -> tuple[str, ...]:
        """Every graded ref, in the answer sheet's order."""
        return tuple(a.ref for a in self.graded)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def answer(self, ref: str) -> Answer:
        """The graded answer ``ref``."""
        for a in self.graded:
            if a.ref == ref:
                return a
        raise KeyError(ref)

    def depends_on(self, ref: str) -> tuple[Answer, ...]:
        """The graded answers the answer ``ref`` is computed from, in order."""
        return tuple(self.answer(r) for r in self.answer(ref).depends_on)

    def finals(self) -> list[tuple[str, str]]:
        """(ref, exact) of every graded answer with one exact value: not marked by hand, and no choice (a
        yes or no is shared by half a class, which says nothing of who worked with whom)."""
        return [(a.ref, a.exact) for a in self.graded if a.exact is not None and a.kind not in ("text", "choice")]

    def require(self, fmt: str | tuple[str, ...] = MARKED, what: str = "this") -> Version:
        """This version, or a :class:`KeyFormatError` when it is not in ``fmt`` (a format or several)."""
        formats = (fmt,) if isinstance(fmt, str) else fmt
        if self.format not in formats:
            raise KeyFormatError(f"{self.source}: format {self.format!r}, not {' or '.join(map(repr, formats))}: make the "
                                 f"class set again with this version of the generator for {what}")
        return self


# --------------------------------------------------------------------------
# Reading JSON


def _non_finite(name: str) -> float:
    return float(name.replace("Infinity", "inf"))  # NaN, Infinity: refused where a number is read


def load_json(path: Path, what: str) -> tuple[Any, bytes]:
    """A JSON file's parsed content and its bytes; a missing, unreadable,
    over-large, non-UTF-8, non-JSON or absurdly nested file is one line."""
    raw = read_input(path, what, error=KeyFormatError, limit=MAX_BYTES)  # regular files only, read with a cap
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KeyFormatError(f"{path}: not UTF-8 (byte {exc.start}); not a {what}") from None
    try:
        return json.loads(text, parse_constant=_non_finite), raw
    except RecursionError:
        raise KeyFormatError(f"{path}: nested too deeply; not a {what}") from None
    except ValueError as exc:
        raise KeyFormatError(f"{path}: not JSON ({exc}); not a {what}") from None


class _Reader:
    """Typed access to one JSON object, each failure naming the file and field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> NoReturn:
        raise KeyFormatError(f"{self.source}: {where}: {problem}")

    @staticmethod
    def kind(x: object) -> str:
        if x is None:
            return "null"
        if isinstance(x, bool):
            return "true" if x else "false"
        if isinstance(x, (int, float)):
            return repr(x) if math.isfinite(x) else str(x).replace("inf", "Infinity").replace("nan", "NaN")
        if isinstance(x, str):
            return "a string " + repr(x if len(x) <= 20 else x[:17] + "...")
        return "a list" if isinstance(x, list) else "an object" if isinstance(x, dict) else type(x).__name__

    # Each check takes where it reads as ``where`` + ``name`` (".label"), joined only for a message.

    def obj(self, x: object, where: str, name: str = "") -> Mapping[str, Any]:
        if not isinstance(x, dict):
            self.fail(where + name, f"expected an object, not {self.kind(x)}")
        return x

    def get(self, d: Mapping[str, Any], name: str, where: str) -> Any:
        if name not in d:
            self.fail(where, f"no {name!r} field")
        return d[name]

    def items(self, x: object, where: str, name: str = "") -> list[Any]:
        if not isinstance(x, list):
            self.fail(where + name, f"expected a list, not {self.kind(x)}")
        return x

    def text(self, x: object, where: str, name: str = "") -> str:
        if not isinstance(x, str):
            self.fail(where + name, f"expected a string, not {self.kind(x)}")
        return x

    def text_or_none(self, x: object, where: str, name: str = "") -> str | None:
        if x is None:
            return None
        if not isinstance(x, str):
            self.fail(where + name, f"expected a string or null, not {self.kind(x)}")
        return x

    def strs(self, x: object, where: str, name: str = "") -> tuple[str, ...]:
        """A list of strings (null: none)."""
        if x is None:
            return ()
        items = self.items(x, where, name)
        for k, s in enumerate(items):
            if not isinstance(s, str):
                self.fail(f"{where}{name}[{k}]", f"expected a string, not {self.kind(s)}")
        return tuple(items)

    def flag(self, x: object, where: str, name: str = "") -> bool:
        if not isinstance(x, bool):
            self.fail(where + name, f"expected true or false, not {self.kind(x)}")
        return x

    def number(self, x: object, where: str, name: str = "", *, lo: float | None = None, hi: float | None = None) -> Number:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            self.fail(where + name, f"expected a finite number, not {self.kind(x)}")
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            self.fail(where + name, f"expected a number from {lo:g} to {hi:g}, not {x!r}" if hi is not None
                      else f"expected a number of at least {lo:g}, not {x!r}")
        return x

    def points(self, x: object, where: str, name: str = "") -> float:
        return float(self.number(x, where, name, lo=0, hi=MAX_POINTS))

    def value(self, x: object, where: str, name: str = "") -> Value:
        """A JSON number, a list of numbers, or null."""
        if x is None:
            return None
        if isinstance(x, list):
            for k, v in enumerate(x):
                if not _finite_number(v):
                    self.number(v, f"{where}{name}[{k}]")
            return tuple(x)
        return self.number(x, where, name)

    def finite(self, x: object, where: str) -> None:
        """No NaN or Infinity anywhere inside ``x`` (iteratively: any nesting);
        the path to the first one is worked out only when there is one."""
        stack: list[object] = [x]
        while stack:
            item = stack.pop()
            if isinstance(item, float) and not math.isfinite(item):
                break
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        else:
            return
        paths: list[tuple[object, str]] = [(x, where)]
        while paths:
            item, at = paths.pop()
            if isinstance(item, float) and not math.isfinite(item):
                self.fail(at, f"{self.kind(item)} is not a number")
            if isinstance(item, dict):
                paths.extend((v, f"{at}.{k}") for k, v in item.items())
            elif isinstance(item, list):
                paths.extend((v, f"{at}[{k}]") for k, v in enumerate(item))


def _finite_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


_REF = re.compile(r"(?P<part>[^#\s]+)#(?P<k>[1-9][0-9]{0,3})")


def _answer(r: _Reader, a: Any, part_id: str, where: str, fmt: str) -> Answer:
    d = r.obj(a, where)
    name = r.text(r.get(d, "name", where), where, ".name")
    where = f"{where} ({name[:40]})"
    label = r.text(r.get(d, "label", where), where, ".label")
    latex = r.text_or_none(r.get(d, "latex", where), where, ".latex")
    exact = r.text_or_none(r.get(d, "exact", where), where, ".exact")
    value = r.value(r.get(d, "value", where), where, ".value")
    check = _check(r, r.get(d, "check", where), where + ".check")
    if fmt == FORMAT_1:
        kind = "vector" if isinstance(value, tuple) else "number" if value is not None else "expression" if exact else "text"
        return Answer(part_id, name, label, plain(label), latex, exact, value, check, False, "", 0.0, kind, None, (), (),
                      None, ())
    text = r.text(r.get(d, "text", where), where, ".text")
    graded = r.flag(r.get(d, "graded", where), where, ".graded")
    kind = r.text(r.get(d, "kind", where), where, ".kind")
    kinds = KINDS if fmt in CHOICE_FORMATS else tuple(k for k in KINDS if k != "choice")
    if kind not in kinds:
        r.fail(where + ".kind", f"expected one of {', '.join(kinds)}, not {kind!r}")
    choices = r.strs(r.get(d, "choices", where), where, ".choices") if fmt in CHOICE_FORMATS else ()
    ref_raw, points_raw = r.get(d, "ref", where), r.get(d, "points", where)
    ref, points = "", 0.0
    if graded:
        ref = r.text(ref_raw, where, ".ref")
        m = _REF.fullmatch(ref)
        if not m or m["part"] != part_id:
            r.fail(where + ".ref", f"expected {part_id}#<k> (k from 1), not {ref[:40]!r}")
        points = r.points(points_raw, where, ".points")
    elif ref_raw is not None or points_raw is not None:
        r.fail(where, "an answer that is not graded has no ref and no points (null)")
    tol = r.get(d, "tolerance", where)
    tolerance = None
    if tol is not None:
        t = r.obj(tol, where, ".tolerance")
        tolerance = Tolerance(float(r.number(r.get(t, "abs", where + ".tolerance"), where, ".tolerance.abs", lo=0)),
                              float(r.number(r.get(t, "rel", where + ".tolerance"), where, ".tolerance.rel", lo=0)))
    variables = r.strs(r.get(d, "variables", where), where, ".variables")
    depends_on = r.strs(r.get(d, "depends_on", where), where, ".depends_on")
    for k, dep in enumerate(depends_on):
        if not _REF.fullmatch(dep):
            r.fail(f"{where}.depends_on[{k}]", f"expected a ref <part>#<k>, not {dep[:40]!r}")
    recompute = r.text_or_none(r.get(d, "recompute", where), where, ".recompute")
    mistakes = []
    for k, m in enumerate(r.items(r.get(d, "mistakes", where) or [], where, ".mistakes")):
        at = f"{where}.mistakes[{k}]"
        md = r.obj(m, at)
        scope = md.get("scope", "answer")
        if scope not in SCOPES:
            r.fail(at + ".scope", f"expected one of {', '.join(map(repr, SCOPES))}, not {r.kind(scope)}")
        mistakes.append(Mistake(r.text(r.get(md, "name", at), at, ".name"), r.text(r.get(md, "text", at), at, ".text"),
                                r.value(r.get(md, "value", at), at, ".value"),
                                float(r.number(md.get("credit", 0), at, ".credit", lo=0, hi=1)), str(scope)))
    if graded:  # what a grader relies on
        if kind == "number" and not isinstance(value, (int, float)):
            r.fail(where + ".value", f"a number answer needs a number, not {r.kind(d['value'])}")
        if kind == "vector" and not (isinstance(value, tuple) and value):
            r.fail(where + ".value", f"a vector answer needs a list of numbers, not {r.kind(d['value'])}")
        if kind == "expression" and (exact is None or not variables):
            r.fail(where, "an expression answer needs its exact formula and its variables")
    if kind == "choice":
        if len(choices) < 2 or len(set(choices)) != len(choices) or not all(c.strip() for c in choices):
            r.fail(where + ".choices", "a choice answer needs two or more distinct options")
        if exact not in choices:
            r.fail(where + ".exact", f"a choice answer's exact is one of its choices, not {r.kind(exact)}")
        if value is not None:
            r.fail(where + ".value", f"a choice answer has no value (null), not {r.kind(d['value'])}")
    elif choices:
        r.fail(where + ".choices", f"only a choice answer has choices, not a {kind} answer")
    return Answer(part_id, name, label, text, latex, exact, value, check, graded, ref, points, kind, tolerance,
                  variables, depends_on, recompute, tuple(mistakes), choices)


def _check(r: _Reader, x: object, where: str) -> Check | None:
    if x is None:
        return None
    d = r.obj(x, where)
    at_raw = r.get(d, "at", where)
    at = None
    if at_raw is not None:
        at = {str(k): r.number(v, f"{where}.at.{k}") for k, v in r.obj(at_raw, where, ".at").items()}
    wrt, derivative = r.strs(r.get(d, "wrt", where), where, ".wrt"), r.strs(r.get(d, "derivative", where), where, ".derivative")
    if len(wrt) != len(derivative):
        r.fail(where, f"{len(wrt)} variables in wrt but {len(derivative)} derivatives")
    return Check(r.text(r.get(d, "function", where), where, ".function"), wrt, derivative, at)


def _course(r: _Reader, x: object) -> Course:
    d = r.obj(x, "course")
    get = {k: r.text_or_none(d.get(k), f"course.{k}") for k in ("code", "name", "title", "term", "instructor", "due")}
    for k in ("code", "name", "title"):
        r.get(d, k, "course")
    return Course(get["code"] or "", get["name"] or "", get["title"] or "", get["term"], get["instructor"], get["due"])


def _student(r: _Reader, x: object) -> Student | None:
    if x is None:
        return None
    d = r.obj(x, "student")
    return Student(r.text(r.get(d, "id", "student"), "student.id"), r.text_or_none(d.get("name"), "student.name"))


def parse(data: object, source: str = "answers.json") -> Version:
    """A version's key from a parsed answers.json; ``source`` names the file in errors."""
    r = _Reader(source)
    d = r.obj(data, "the top level")
    fmt = r.get(d, "format", "the top level")
    if fmt not in FORMATS:
        r.fail("format", f"expected {' or '.join(map(repr, FORMATS))}, not {r.kind(fmt)}")
    seed = r.get(d, "seed", "the top level")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        r.fail("seed", f"expected a non-negative integer or null, not {r.kind(seed)}")
    questions = []
    for i, q in enumerate(r.items(r.get(d, "questions", "the top level"), "questions")):
        qw = f"questions[{i}]"
        qd = r.obj(q, qw)
        params = r.obj(r.get(qd, "params", qw), qw, ".params")
        r.finite(params, qw + ".params")
        parts = []
        for j, p in enumerate(r.items(r.get(qd, "parts", qw), qw, ".parts")):
            pw = f"{qw}.parts[{j}]"
            pd = r.obj(p, pw)
            pid = r.text(r.get(pd, "id", pw), pw, ".id")
            pw = f"part {pid[:20]}"
            answers = tuple(_answer(r, a, pid, f"{pw}, answers[{k}]", fmt)
                            for k, a in enumerate(r.items(r.get(pd, "answers", pw), pw, ".answers")))
            v2 = fmt in MARKED
            parts.append(Part(pid, r.text(r.get(pd, "skill", pw), pw, ".skill") if v2 else "",
                              r.points(r.get(pd, "points", pw), pw, ".points") if v2 else 0.0,
                              r.text(r.get(pd, "prompt", pw), pw, ".prompt"), answers))
        questions.append(Question(r.text(r.get(qd, "id", qw), qw, ".id"), r.text(r.get(qd, "family", qw), qw, ".family"),
                                  r.text(r.get(qd, "title", qw), qw, ".title"), params, tuple(parts)))
    v2 = fmt in MARKED
    version = Version(
        fmt, r.text(r.get(d, "generator", "the top level"), "generator"), seed,
        r.text(r.get(d, "version", "the top level"), "version"),
        _course(r, r.get(d, "course", "the top level")) if v2 else None,
        _student(r, r.get(d, "student", "the top level")) if v2 else None,
        r.points(r.get(d, "points_total", "the top level"), "points_total") if v2 else 0.0,
        tuple(questions), source, _marking(r, d.get("grading")) if v2 else ALL_OR_NOTHING)
    _check_refs(r, version)
    return version


def _marking(r: _Reader, x: object) -> Marking:
    if x is None:
        return ALL_OR_NOTHING
    d = r.obj(x, "grading")
    return Marking(float(r.number(d.get("follow_through", 1), "grading", ".follow_through", lo=0, hi=1)),
                   float(r.number(d.get("rounding", 0), "grading", ".rounding", lo=0, hi=1)))


def _check_refs(r: _Reader, version: Version) -> None:
    """Refs are unique, and every dependency is a graded answer of the version."""
    seen: set[str] = set()
    for part in version.parts:
        ids = [a.name for a in part.answers]
        if len(set(ids)) != len(ids):
            r.fail(f"part {part.id}", "two answers of the same name")
        for a in part.graded:
            if a.ref in seen:
                r.fail(f"part {part.id}", f"the ref {a.ref} twice")
            seen.add(a.ref)
    for a in (a for p in version.parts for a in p.answers):
        for dep in a.depends_on:
            if dep not in seen:
                r.fail(f"part {a.part}, answer {a.name[:40]}.depends_on", f"{dep!r} is no graded answer of this version")


def read(path: Path) -> Version:
    """A version's key from its answers.json file."""
    data, _ = load_json(path, "answers.json")
    return parse(data, str(path))


def sha256(path: Path) -> tuple[Version, str]:
    """A version's key and the SHA-256 of the file's bytes, read once."""
    data, raw = load_json(path, "answers.json")
    return parse(data, str(path)), hashlib.sha256(raw).hexdigest()


# --------------------------------------------------------------------------
# The class manifest


@dataclass(frozen=True)
class Entry:
    """A student of a class set as its manifest lists them."""

    student: Student
    folder: str  # one folder name inside the class folder
    seed: int | None
    version: str
    redraws: int
    answers_sha256: str

    def answers_path(self, class_dir: Path) -> Path:
        return class_dir / self.folder / "answers.json"


@dataclass(frozen=True)
class Manifest:
    path: Path
    class_seed: int | None
    students: tuple[Entry, ...]

    @property
    def class_dir(self) -> Path:
        return self.path.parent

    def read_keys(self) -> Iterator[tuple[Entry, Version]]:
        """Every student's key, checked against the SHA-256 the manifest recorded:
        an answers.json edited after the class set was made is refused."""
        for e in self.students:
            path = e.answers_path(self.class_dir)
            version, digest = sha256(path)
            if digest != e.answers_sha256:
                raise KeyFormatError(f"{path}: edited after the class set was made (its SHA-256 is not the "
                                     f"manifest's answers_sha256); make the class set again to change a key")
            yield e, version


_HEX64 = re.compile(r"[0-9a-f]{64}")


def inside(class_dir: Path, folder: str) -> bool:
    """True when ``folder`` is one plain folder name that resolves inside ``class_dir``."""
    if not folder or folder in (".", "..") or "/" in folder or "\\" in folder or "\x00" in folder:
        return False
    try:
        base = class_dir.resolve()
        return (base / folder).resolve().parent == base
    except (OSError, RuntimeError, ValueError):
        return False


def read_manifest(path: Path) -> Manifest:
    """A class set's manifest.json. Every student's folder must lie inside the
    class folder; an ID twice, a folder twice or a missing field is refused."""
    data, _ = load_json(path, "class manifest (manifest.json)")
    r = _Reader(str(path))
    d = r.obj(data, "the top level")
    fmt = r.get(d, "format", "the top level")
    if fmt != MANIFEST_FORMAT:
        r.fail("format", f"expected {MANIFEST_FORMAT!r}, not {r.kind(fmt)}")
    class_seed = d.get("class_seed")
    if class_seed is not None and (isinstance(class_seed, bool) or not isinstance(class_seed, int) or class_seed < 0):
        r.fail("class_seed", f"expected a non-negative integer, not {r.kind(class_seed)}")
    entries: list[Entry] = []
    ids: set[str] = set()
    folders: set[str] = set()
    for k, s in enumerate(r.items(r.get(d, "students", "the top level"), "students")):
        where = f"students[{k}]"
        sd = r.obj(s, where)
        sid = r.text(r.get(sd, "id", where), where, ".id")
        where = f"students[{k}] (ID {sid[:40]!r})"
        folder = r.text(r.get(sd, "folder", where), where, ".folder")
        if not inside(path.parent, folder):
            r.fail(where + ".folder", f"{folder[:60]!r} is not a folder inside the class folder")
        seed = sd.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            r.fail(where + ".seed", f"expected a non-negative integer, not {r.kind(seed)}")
        redraws = sd.get("redraws", 0)
        if isinstance(redraws, bool) or not isinstance(redraws, int) or redraws < 0:
            r.fail(where + ".redraws", f"expected a non-negative integer, not {r.kind(redraws)}")
        digest = r.text(r.get(sd, "answers_sha256", where), f"{where}.answers_sha256")
        if not _HEX64.fullmatch(digest):
            r.fail(f"{where}.answers_sha256", f"expected 64 hexadecimal digits, not {digest[:70]!r}")
        if sid in ids:
            r.fail(where, f"the ID {sid[:40]!r} twice")
        if folder in folders:
            r.fail(where, f"the folder {folder[:40]!r} twice")
        ids.add(sid)
        folders.add(folder)
        entries.append(Entry(Student(sid, r.text_or_none(sd.get("name"), where, ".name")), folder, seed,
                             r.text(sd.get("version", ""), where, ".version"), redraws, digest))
    return Manifest(path, class_seed, tuple(entries))


def class_refs(versions: Iterable[Version]) -> list[str]:
    """Every graded ref of several versions, in the answer sheet's order of
    the first version that has it."""
    return list(dict.fromkeys(ref for v in versions for ref in v.refs))
