"""Grading a class: every row of the responses file against that student's own
version (CLASS_DIR/manifest.json and each student's answers.json), then
CLASS_DIR/grading/grades.csv and summary.csv (and, in report.py, the PDFs)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..csvcells import text_cell, text_row
from ..errors import UsageError
from ..key import MARKED, Course, Version, read_manifest
from ..model import Student
from . import credit, judge
from . import marks as marks_module
from .judge import Key, Verdict
from .sources import Source, open_source


@dataclass(frozen=True)
class Member:
    """A student of the class being graded: who, their folder and their version's key."""

    student: Student
    folder: str
    version: str  # the version code
    key: Version

    @property
    def id(self) -> str:
        return self.student.id

    @property
    def name(self) -> str:
        return self.student.name or ""

    @property
    def keys(self) -> list[Key]:
        """The graded answers, in the order asked."""
        return judge.keys_of(self.key)


@dataclass
class StudentGrade:
    """One student's marks: the verdicts of the automatic marking, and what a
    TA gave in the marks file (hand marks of text answers, whole-part marks
    that replace the automatic ones, a comment)."""

    student: Member
    row: int  # the row in the responses file (0: graded from the marks file alone)
    verdicts: list[Verdict]
    hand: dict[str, float] = field(default_factory=dict)  # ref -> a TA's mark of an answer marked by hand
    part_marks: dict[str, float] = field(default_factory=dict)  # part id -> a TA's mark replacing the automatic one
    comment: str = ""

    @property
    def parts(self) -> list[str]:
        return list(dict.fromkeys(v.part for v in self.verdicts))

    def answer_points(self, v: Verdict) -> float:
        """An answer's points: its hand mark (0 while missing) when marked by hand, else the automatic points."""
        return self.hand.get(v.ref, 0.0) if v.status == judge.HAND else v.points

    def automatic(self, part: str) -> float:
        """The automatic points of ``part`` plus the hand marks given in it."""
        return sum(self.answer_points(v) for v in self.verdicts if v.part == part)

    def part_points(self, part: str) -> float:
        """The part's mark: a TA's whole-part mark when given, else :meth:`automatic`."""
        return self.part_marks[part] if part in self.part_marks else self.automatic(part)

    def part_max(self, part: str) -> float:
        return sum(v.max_points for v in self.verdicts if v.part == part)

    def missing(self, part: str | None = None) -> list[Verdict]:
        """The answers marked by hand whose mark is still missing (none in a part a TA marked whole)."""
        return [v for v in self.verdicts if v.status == judge.HAND and v.ref not in self.hand
                and v.part not in self.part_marks and part in (None, v.part)]

    def hand_max(self, part: str | None = None) -> float:
        """The points of the answers marked by hand whose mark is still missing."""
        return sum(v.max_points for v in self.missing(part))

    @property
    def total(self) -> float:
        return sum(self.part_points(p) for p in self.parts)

    @property
    def maximum(self) -> float:
        """Every part's points: the configured total."""
        return sum(v.max_points for v in self.verdicts)


@dataclass
class ClassGrades:
    class_dir: Path
    course: Course | None
    parts: list[str]
    grades: list[StudentGrade]
    problems: list[str] = field(default_factory=list)
    follow_through: float = 1.0


def load_class(class_dir: Path) -> tuple[list[Member], Course | None]:
    """The students of a class folder with their keys; a :class:`UsageError`
    when it is no class folder, its manifest names a folder outside it, or a
    version is unreadable or was edited after the class set was made (its
    SHA-256 is not the manifest's)."""
    manifest_path = class_dir / "manifest.json"
    if not class_dir.is_dir():
        raise UsageError(f"class folder {class_dir} not found")
    if not manifest_path.exists():
        raise UsageError(f"{class_dir} has no manifest.json; give the folder of a class set (made with --roster or --count)")
    manifest = read_manifest(manifest_path)
    students: list[Member] = []
    course: Course | None = None
    for entry, version in manifest.read_keys():
        version.require(MARKED, "grading")
        course = course or version.course
        students.append(Member(entry.student, entry.folder, entry.version or version.version, version))
    if not students:
        raise UsageError(f"the class in {class_dir} has no students")
    return students, course


def parts_of(students: list[Member]) -> list[str]:
    """Every part id of the class, in order of first appearance."""
    return list(dict.fromkeys(k.part for s in students for k in s.keys))


def refs_of(students: list[Member]) -> list[str]:
    """Every graded ref of the class, in order of first appearance."""
    return list(dict.fromkeys(k.ref for s in students for k in s.keys))


def grade(class_dir: Path, source: Source | Path | None, follow_through: float | None = None,
          seconds: float = judge.CELL_SECONDS, marks: Path | None = None) -> ClassGrades:
    """Grade every row of ``source`` (a path is a responses CSV file; None:
    no typed responses, every student is marked from ``marks`` alone) and
    merge the marks file ``marks``; bad rows and cells become problem lines,
    never errors. ``follow_through`` overrides the share the key's grading
    gives an answer right from the student's own wrong earlier ones."""
    students, course = load_class(class_dir)
    refs = refs_of(students)
    by_id = {s.id: s for s in students}
    by_version = {s.version: s.key for s in students}
    given = (marks_module.read(marks, {s.id: marks_module.limits_of(s.key) for s in students})
             if marks is not None else marks_module.Marks({}))
    result = ClassGrades(class_dir, course, parts_of(students), [], [],
                         follow_through if follow_through is not None else credit.grading_of(students[0].key).follow_through)
    rows: list[tuple[int, str, dict[str, str]]] = []
    member = dict(by_id)  # a student as graded: with the version an LMS gave, when it says
    seen: dict[str, int] = {}
    if source is not None:
        resp = (open_source(source, class_dir=class_dir) if isinstance(source, Path) else source).read(refs)
        result.problems += resp.problems
        for row in resp.rows:
            where = f"row {row.line}"
            if not row.id:
                result.problems.append(f"{where}: no ID; row skipped")
                continue
            if row.id not in by_id:
                result.problems.append(f"{where}: ID {row.id[:40]!r} is not a student of this class; row skipped")
                continue
            if row.id in seen:
                result.problems.append(f"{where}: ID {row.id!r} again (first on row {seen[row.id]}); row skipped")
                continue
            if row.version and row.version != by_id[row.id].version:  # an LMS gave the student another version
                if row.version not in by_version:
                    result.problems.append(f"{where} (ID {row.id}): version {row.version!r} is no version of this class; "
                                           f"row skipped")
                    continue
                member[row.id] = replace(by_id[row.id], version=row.version, key=by_version[row.version])
            seen[row.id] = row.line
            rows.append((row.line, row.id, row.cells))
    result.problems += given.problems
    for sid in given.students:  # marked on paper, no typed responses: graded from the marks alone
        if sid not in seen:
            seen[sid] = 0
            rows.append((0, sid, {}))
    for line, sid, cells in rows:
        student = member[sid]
        verdicts = judge.judge_student(cells, student.keys, result.follow_through, seconds, judge.inner_functions(student.key))
        credit.apply(verdicts, student.keys, credit.grading_of(student.key))
        if line:
            for v in verdicts:
                if v.check_by_hand:
                    result.problems.append(f"row {line} (ID {sid}), {v.ref}: {v.note}")
        g = StudentGrade(student, line, verdicts)
        if sid in given.students:
            m = given.students[sid]
            g.hand, g.part_marks, g.comment = dict(m.hand), dict(m.parts), m.comment
        result.grades.append(g)
    for s in students:
        if s.id not in seen:
            what = "in the responses or the marks" if source is not None and marks is not None else (
                "in the responses" if source is not None else "in the marks")
            result.problems.append(f"student {s.id} ({s.name or 'unnamed'}) has no row {what}; not graded")
    return result


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def grades_csv(result: ClassGrades) -> str:
    """grades.csv: id, name, version, the mark of every part (automatic
    marking, hand marks given, or a TA's whole-part mark), total (out of
    maximum, the configured total), by_hand (the points of the answers marked
    by hand whose mark is still missing), missing_hand_marks (their refs) and
    check_by_hand (the refs that could not be read or whose check could not
    decide: 0 points until a TA looks)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["id", "name", "version"] + result.parts
                        + ["total", "maximum", "by_hand", "missing_hand_marks", "check_by_hand"]))
    for g in result.grades:
        own = set(g.parts)
        cells = [_num(g.part_points(p)) if p in own else "" for p in result.parts]
        check = " ".join(v.ref for v in g.verdicts if v.check_by_hand and v.part not in g.part_marks)
        missing = " ".join(v.ref for v in g.missing())
        w.writerow(text_row([g.student.id, g.student.name, g.student.version]) + cells
                   + [_num(g.total), _num(g.maximum), _num(g.hand_max()), text_cell(missing), text_cell(check)])
    return buf.getvalue()


@dataclass
class PartSummary:
    part: str
    maximum: float
    hand: float  # points still to be marked by hand (the most of any student)
    mean: float
    median: float
    share_full: float
    mistakes: list[tuple[str, str, int, int]]  # (name, text, students, answers), by students then answers
    unjudged: int  # students with an answer a TA must check: unreadable or not decided
    unjudged_answers: int  # those answers


def _plural(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def counted(students: int, answers: int) -> str:
    """"1 student, 4 answers"; "3 students" when each made it once."""
    return _plural(students, "student") + ("" if answers == students else f", {_plural(answers, 'answer')}")


def summarize(result: ClassGrades) -> list[PartSummary]:
    out = []
    for p in result.parts:
        graded = [g for g in result.grades if p in g.parts]
        marks = [g.part_points(p) for g in graded]
        maxima = [g.part_max(p) for g in graded]
        answers: Counter[tuple[str, str]] = Counter()
        students: Counter[tuple[str, str]] = Counter()
        for g in graded:
            if p in g.part_marks:
                continue  # a TA's mark of the whole part replaces what was recognised in it
            made = [(v.mistake.name, v.mistake.text) for v in g.verdicts if v.part == p and v.mistake]
            answers.update(made)
            students.update(set(made))
        hand = max((g.hand_max(p) for g in graded), default=0.0)
        top = max(maxima, default=0.0)
        unjudged = [sum(1 for v in g.verdicts if v.part == p and v.check_by_hand)
                    for g in graded if p not in g.part_marks]
        ranked = sorted(students, key=lambda m: (-students[m], -answers[m], m))
        out.append(PartSummary(
            p, top, hand,
            statistics.fmean(marks) if marks and top else 0.0,
            statistics.median(marks) if marks and top else 0.0,
            (sum(1 for m, x in zip(marks, maxima) if x and m >= x - 1e-9) / len(marks)) if marks and top else 0.0,
            [(n, t, students[(n, t)], answers[(n, t)]) for n, t in ranked[:3]],
            sum(1 for u in unjudged if u), sum(unjudged),
        ))
    return out


def summary_csv(result: ClassGrades) -> str:
    """summary.csv: per part its maximum, the points still to mark by hand,
    the number of students graded, mean, median, share with full marks, the
    most frequent recognised mistakes with the students who made them (and
    the answers, when a student made one in more than one answer), and the
    students (and answers) a TA must check."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["part", "maximum", "by_hand", "students", "mean", "median", "share_full_marks", "most_frequent_mistakes",
                "check_by_hand_students", "check_by_hand_answers"])
    for s in summarize(result):
        w.writerow([text_cell(s.part), _num(s.maximum), _num(s.hand), len(result.grades),
                    f"{s.mean:.2f}" if s.maximum else "", f"{s.median:.2f}" if s.maximum else "",
                    f"{s.share_full:.3f}" if s.maximum else "",
                    text_cell("; ".join(f"{n} ({counted(st, an)})" for n, _, st, an in s.mistakes)),
                    s.unjudged, s.unjudged_answers])
    return buf.getvalue()
