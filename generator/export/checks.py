"""Moodle's and Canvas's import rules, checked on every export before it is
put in place (and by the tests), and a reader that parses an export back
into what an LMS would grade.

Every export is also checked against the keys (:class:`Expected`): one
variant per version in every category or section, every question present,
every number's key accepted and the key +/- 1.01 tolerance rejected, every
choice offering the key's options with the right one alone full marks.

Moodle (question/format/xml/format.php, question/type/multianswer/
questiontype.php, question/type/numerical): well-formed UTF-8 XML; a category
before its questions; every fraction in Moodle's fixed list; every cloze
sub-question with a 100% answer; every number matching Moodle's number
pattern; every ``@@PLUGINFILE@@`` reference with its ``<file>``; unique
question names. Canvas QTI 1.2: the manifest's references resolve; idents are
unique; a section's selection_number is at most its number of items; every
numerical item's bounds contain the key.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

# Moodle's list (question/format.php and lib/questionlib.php question_bank::fraction_options_full)
FRACTIONS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
             12.5, 11.11111, 10, 5, 0)

# question/type/multianswer/questiontype.php, ported: PCRE's variable-width
# lookbehind (?<!\\\\|&|&amp;) is split into three fixed-width ones for Python's re.
NUMBER_REGEX = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL_ALTERNATIVE_REGEX = "^(" + NUMBER_REGEX + ")(:" + NUMBER_REGEX + ")?$"
ANSWER_ALTERNATIVE_FRACTION_REGEX = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER_ALTERNATIVE_ANSWER_REGEX = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
ANSWER_ALTERNATIVE_FEEDBACK_REGEX = r".*?(?<!\\)(?=[~}]|$)"
ANSWER_ALTERNATIVE_REGEX = ("(" + ANSWER_ALTERNATIVE_FRACTION_REGEX + ")?" + "(" + ANSWER_ALTERNATIVE_ANSWER_REGEX + ")"
                            + "(#(" + ANSWER_ALTERNATIVE_FEEDBACK_REGEX + "))?")
ANSWER_TYPE_DEF_REGEX = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
                         "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
                         "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
                         "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
ANSWER_START_REGEX = r"\{([0-9]*):(" + ANSWER_TYPE_DEF_REGEX + "):"
ANSWER_REGEX = ANSWER_START_REGEX + "(" + ANSWER_ALTERNATIVE_REGEX + "(~" + ANSWER_ALTERNATIVE_REGEX + ")*)\\}"
_ANSWER = re.compile(ANSWER_REGEX, re.S)
_ALTERNATIVE = re.compile("~?" + ANSWER_ALTERNATIVE_REGEX, re.S)
_NUMERICAL = re.compile(NUMERICAL_ALTERNATIVE_REGEX, re.S)
_NUMBER = re.compile("^" + NUMBER_REGEX + "$")
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'<>\s)]+)")


@dataclass
class Numeric:
    """An answer as an LMS grades it: right when |r - value| <= tolerance."""

    value: float
    tolerance: float
    weight: float = 1.0

    def accepts(self, response: float) -> bool:
        return self.value - self.tolerance <= response <= self.value + self.tolerance


@dataclass
class Choice:
    """A choice as an LMS grades it: one option right, the others not."""

    right: str
    options: tuple[str, ...]
    weight: float = 1.0


@dataclass
class Parsed:
    """A question as read back from an export."""

    name: str
    category: str
    qtype: str
    numbers: list[Numeric] = field(default_factory=list)
    points: float = 0.0
    text: str = ""  # the question's text (HTML) as the student sees it
    choices: list[Choice] = field(default_factory=list)


@dataclass
class Expected:
    """What the keys say each exported question must accept: name -> [(value, tolerance)]."""

    numbers: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    manual: set[str] = field(default_factory=set)
    versions: int = 0
    choices: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)  # name -> [(right, options)]

    def problems(self, found: dict[str, Parsed], per_slot: dict[str, int]) -> list[str]:
        """Every way the questions read back (``found`` by name, and the number
        of variants in each category or section) differ from the keys."""
        problems: list[str] = []
        for slot, variants in per_slot.items():
            if variants != self.versions:
                problems.append(f"{slot!r} holds {variants} variants for {self.versions} versions")
        if set(found) != set(self.numbers) | self.manual:
            problems.append(f"{len(found)} questions written, {len(self.numbers) + len(self.manual)} expected")
        for name in sorted(set(found) | set(self.choices)):
            want = self.choices.get(name, [])
            have = [(c.right, c.options) for c in found[name].choices] if name in found else []
            if have != want:
                problems.append(f"{name}: the choices {have}, the key has {want}")
        for name, keys in self.numbers.items():
            got = found.get(name)
            if got is None or len(got.numbers) != len(keys):
                problems.append(f"{name}: {0 if got is None else len(got.numbers)} numbers, the key has {len(keys)}")
                continue
            for n, (value, tol) in zip(got.numbers, keys):
                if not n.accepts(value) or n.accepts(value + 1.01 * tol + 1e-12) or n.accepts(value - 1.01 * tol - 1e-12):
                    problems.append(f"{name}: grades the key {value} (tolerance {tol}) wrongly")
        return problems


def _number(text: str) -> float:
    return float(text.replace(",", "."))


_CLOZE_SPECIAL = re.compile(r'([\\}#~/"])')


def cloze_escape(text: str) -> str:
    """An option's text as a cloze answer: Moodle's special characters escaped with a backslash."""
    return _CLOZE_SPECIAL.sub(r"\\\1", text)


def cloze_choices(text: str) -> tuple[list[Choice], list[str]]:
    """The MULTICHOICE sub-questions of a cloze text as Moodle parses them, and problems."""
    out: list[Choice] = []
    problems: list[str] = []
    for m in _ANSWER.finditer(text):
        if not m.group(4):
            continue
        options, right, remaining = [], [], m.group(16)
        while remaining:
            alt = _ALTERNATIVE.match(remaining)
            if not alt or not alt.group(0):
                problems.append(f"cannot read the answers {remaining[:40]!r}")
                break
            option = re.sub(r"\\(.)", r"\1", alt.group(3))
            options.append(option)
            if alt.group(1) == "=":
                right.append(option)
            elif alt.group(2) and float(alt.group(2)) != 0:
                problems.append(f"option {option!r} of a choice earns {alt.group(2)}%: only the right one earns marks")
            remaining = remaining[len(alt.group(0)):]
        if len(right) != 1:
            problems.append(f"sub-question {m.group(0)[:60]!r} has {len(right)} right options, not one")
        else:
            out.append(Choice(right[0], tuple(options), float(m.group(1) or 1)))
    return out, problems


def cloze_numbers(text: str) -> tuple[list[Numeric], list[str]]:
    """The NUMERICAL sub-questions of a cloze text as Moodle parses them, and
    problems (a MULTICHOICE sub-question is read by :func:`cloze_choices`)."""
    out: list[Numeric] = []
    problems: list[str] = []
    for m in _ANSWER.finditer(text):
        if m.group(4):
            continue
        if not m.group(3):
            problems.append(f"sub-question {m.group(0)[:40]!r} is not NUMERICAL")
            continue
        weight = float(m.group(1) or 1)
        remaining = m.group(16)
        right = None
        while remaining:
            alt = _ALTERNATIVE.match(remaining)
            if not alt or not alt.group(0):
                problems.append(f"cannot read the answers {remaining[:40]!r}")
                break
            fraction = 1.0 if alt.group(1) == "=" else (0.01 * _number(alt.group(2)) if alt.group(2) else 0.0)
            num = _NUMERICAL.match(alt.group(3))
            if not num:
                problems.append(f"answer {alt.group(3)!r} does not match Moodle's number pattern")
            elif fraction == 1.0 and right is None:
                right = Numeric(_number(num.group(1)), abs(_number(num.group(6))) if num.group(6) else 0.0, weight)
            if alt.group(2) and not any(abs(float(alt.group(2)) - f) < 1e-9 for f in FRACTIONS):
                problems.append(f"fraction {alt.group(2)}% is not in Moodle's list")
            remaining = remaining[len(alt.group(0)):]
        if right is None:
            problems.append(f"sub-question {m.group(0)[:60]!r} has no 100% answer")
        else:
            out.append(right)
    leftover = _ANSWER.sub("", text)
    if re.search(r"\{[0-9]*:(NUMERICAL|NM):", leftover):
        problems.append("a NUMERICAL sub-question Moodle cannot parse")
    return out, problems


def moodle(source: str | IO[bytes]) -> tuple[list[Parsed], list[str]]:
    """Parse a Moodle XML export back; returns its questions and every broken import rule."""
    problems: list[str] = []
    try:
        root = ET.parse(source).getroot()
    except ET.ParseError as exc:
        return [], [f"not well-formed XML: {exc}"]
    if root.tag != "quiz":
        return [], [f"root element is <{root.tag}>, not <quiz>"]
    questions: list[Parsed] = []
    names: set[str] = set()
    current: str | None = None
    for q in root.findall("question"):
        qtype = q.get("type", "")
        if qtype == "category":
            current = q.findtext("category/text") or ""
            if not current.startswith("$course$/"):
                problems.append(f"category {current!r} is not in the course's question bank")
            continue
        name = q.findtext("name/text") or ""
        if current is None:
            problems.append(f"question {name!r} comes before any category")
        if name in names:
            problems.append(f"question name {name!r} is used twice")
        names.add(name)
        parsed = Parsed(name, current or "", qtype, text=q.findtext("questiontext/text") or "")
        for ans in q.findall("answer"):
            fraction = float(ans.get("fraction", "0"))
            if not any(abs(fraction - f) < 1e-9 for f in FRACTIONS):
                problems.append(f"{name}: fraction {fraction} is not in Moodle's list")
        text = q.findtext("questiontext/text") or ""
        files = {f.get("name") for f in q.findall("questiontext/file")}
        for ref in _PLUGINFILE.findall(text):
            if ref not in files:
                problems.append(f"{name}: @@PLUGINFILE@@/{ref} has no <file>")
        if qtype == "cloze":
            parsed.numbers, found = cloze_numbers(text)
            parsed.choices, found_choices = cloze_choices(text)
            problems += [f"{name}: {p}" for p in found + found_choices]
            if not parsed.numbers and not parsed.choices:
                problems.append(f"{name}: a cloze question without sub-questions")
            parsed.points = sum(n.weight for n in parsed.numbers) + sum(c.weight for c in parsed.choices)
        elif qtype == "numerical":
            for ans in q.findall("answer"):
                value, tol = ans.findtext("text") or "", ans.findtext("tolerance") or "0"
                for t in (value, tol):
                    if not _NUMBER.match(t.strip()):
                        problems.append(f"{name}: {t!r} does not match Moodle's number pattern")
                if float(ans.get("fraction", "0")) == 100 and _NUMBER.match(value.strip()) and _NUMBER.match(tol.strip()):
                    parsed.numbers.append(Numeric(_number(value), abs(_number(tol))))
            if not parsed.numbers:
                problems.append(f"{name}: a numerical question without a 100% answer")
            parsed.points = float(q.findtext("defaultgrade") or 1)
        elif qtype == "essay":
            parsed.points = float(q.findtext("defaultgrade") or 1)
        else:
            problems.append(f"{name}: unexpected question type {qtype!r}")
        questions.append(parsed)
    return questions, problems


# --------------------------------------------------------------------------
# Canvas QTI 1.2

NS = {"qti": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
_Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


@dataclass
class Section:
    title: str
    assessment: str
    select: int
    points_per_item: float
    items: list[Parsed] = field(default_factory=list)


def _meta(item: ET.Element, label: str) -> str | None:
    for f in item.iter(f"{_Q}qtimetadatafield"):
        if f.findtext(f"{_Q}fieldlabel") == label:
            return f.findtext(f"{_Q}fieldentry")
    return None


def canvas(path: str | IO[bytes]) -> tuple[list[Section], list[str]]:
    """Parse a Canvas QTI zip back; returns its sections and every broken rule."""
    problems: list[str] = []
    sections: list[Section] = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "imsmanifest.xml" not in names:
            return [], ["no imsmanifest.xml"]
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        resources = {r.get("identifier", ""): r for r in manifest.iter(f"{{{NS['cp']}}}resource")}
        qti_files = []
        for rid, r in resources.items():
            for f in r.findall(f"{{{NS['cp']}}}file"):
                href = f.get("href", "")
                if href not in names:
                    problems.append(f"manifest resource {rid}: {href} is not in the zip")
                elif r.get("type") == "imsqti_xmlv1p2":
                    qti_files.append(href)
            for d in r.findall(f"{{{NS['cp']}}}dependency"):
                if d.get("identifierref") not in resources:
                    problems.append(f"manifest resource {rid}: dependency {d.get('identifierref')} is not a resource")
        if not qti_files:
            problems.append("the manifest names no QTI assessment")
        idents: set[str] = set()
        for href in qti_files:
            try:
                root = ET.fromstring(z.read(href))
            except ET.ParseError as exc:
                problems.append(f"{href}: not well-formed XML: {exc}")
                continue
            folder = str(PurePosixPath(href).parent)
            assessment = root.find(f"{_Q}assessment")
            quiz = assessment.get("title", "") if assessment is not None else ""
            for el in root.iter():
                ident = el.get("ident")
                if ident is not None and el.tag in (f"{_Q}assessment", f"{_Q}section", f"{_Q}item"):
                    if ident in idents:
                        problems.append(f"ident {ident!r} is used twice")
                    idents.add(ident)
                if el.tag == f"{_Q}mattext":
                    for src in re.findall(r'src="([^"]+)"', el.text or ""):
                        local = src.replace("$IMS-CC-FILEBASE$/", "")
                        if not src.startswith("data:") and local not in names and f"{folder}/{local}" not in names:
                            problems.append(f"image {src} is not in the zip")
            for sec in root.iter(f"{_Q}section"):
                items = sec.findall(f"{_Q}item")
                if not items:
                    continue
                select = int(sec.findtext(f"{_Q}selection_ordering/{_Q}selection/{_Q}selection_number") or len(items))
                ppi = float(sec.findtext(f".//{_Q}points_per_item") or 0)
                s = Section(sec.get("title", ""), quiz, select, ppi)
                if select > len(items):
                    problems.append(f"section {s.title!r}: selection_number {select} > {len(items)} items")
                for item in items:
                    qtype = _meta(item, "question_type") or ""
                    p = Parsed(item.get("title", ""), s.title, qtype, points=float(_meta(item, "points_possible") or 0),
                               text=item.findtext(f"{_Q}presentation/{_Q}material/{_Q}mattext") or "")
                    if qtype == "numerical_question":
                        for cond in item.iter(f"{_Q}respcondition"):
                            score = cond.findtext(f"{_Q}setvar")
                            lo, hi = cond.find(f".//{_Q}vargte"), cond.find(f".//{_Q}varlte")
                            eq = cond.find(f".//{_Q}varequal")
                            if score and float(score) == 100 and lo is not None and hi is not None and eq is not None:
                                low, high, key = float(lo.text or "nan"), float(hi.text or "nan"), float(eq.text or "nan")
                                if not low <= key <= high:
                                    problems.append(f"item {p.name!r}: bounds [{low}, {high}] do not contain the key {key}")
                                p.numbers.append(Numeric((low + high) / 2, (high - low) / 2))
                        if not p.numbers:
                            problems.append(f"item {p.name!r}: a numerical question without scoring bounds")
                    elif qtype == "multiple_choice_question":
                        p.choices, found = _canvas_choice(item)
                        problems += [f"item {p.name!r}: {q}" for q in found]
                    elif qtype not in ("essay_question", "text_only_question"):
                        problems.append(f"item {p.name!r}: unexpected question type {qtype!r}")
                    s.items.append(p)
                sections.append(s)
    return sections, problems


# --------------------------------------------------------------------------
# What a student can be given


def moodle_slots(questions: list[Parsed], random_category: str) -> list[list[Parsed]]:
    """The quiz an export is built into (``scripts/moodle/build_quiz.php``), as
    the candidates of each slot: one random slot drawing from the category
    whose name ends with ``random_category``, then every other question in a
    fixed slot of its own, in the file's order."""
    drawn = [q for q in questions if q.category.rsplit("/", 1)[-1].startswith(random_category)]
    fixed = [[q] for q in questions if q not in drawn]
    return ([drawn] if drawn else []) + fixed


def assignments(slots: list[list[Parsed]]) -> list[list[Parsed]]:
    """Every assignment a quiz of these slots can give one student (a random slot
    draws any of its candidates, each on its own)."""
    out: list[list[Parsed]] = [[]]
    for candidates in slots:
        out = [chosen + [q] for chosen in out for q in candidates]
    return out


def _canvas_choice(item: ET.Element) -> tuple[list[Choice], list[str]]:
    """A multiple-choice item's options and the one that scores 100."""
    options = {label.get("ident", ""): label.findtext(f".//{_Q}mattext") or ""
               for label in item.iter(f"{_Q}response_label")}
    right = []
    for cond in item.iter(f"{_Q}respcondition"):
        score, eq = cond.findtext(f"{_Q}setvar"), cond.find(f".//{_Q}varequal")
        if score and float(score) == 100 and eq is not None:
            right.append(eq.text or "")
    if len(right) != 1 or right[0] not in options:
        return [], [f"a multiple-choice question with {len(right)} scoring options, not one of its {len(options)}"]
    return [Choice(options[right[0]], tuple(options.values()))], []
