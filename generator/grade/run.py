"""Grading a class: every row of the responses file against that student's own
version (CLASS_DIR/manifest.json and each student's answers.json), then
CLASS_DIR/grading/grades.csv and summary.csv (and, in report.py, the PDFs)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..csvcells import text_cell, text_row
from ..errors import UsageError
from ..key import MARKED, Course, Version, read_manifest
from ..model import Student
from . import judge
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
    student: Member
    row: int
    verdicts: list[Verdict]

    def part_points(self, part: str) -> float:
        return sum(v.points for v in self.verdicts if v.part == part and v.status != judge.HAND)

    def part_max(self, part: str) -> float:
        return sum(v.max_points for v in self.verdicts if v.part == part and v.status != judge.HAND)

    def hand_max(self, part: str | None = None) -> float:
        return sum(v.max_points for v in self.verdicts if v.status == judge.HAND and part in (None, v.part))

    @property
    def total(self) -> float:
        return sum(v.points for v in self.verdicts if v.status != judge.HAND)

    @property
    def maximum(self) -> float:
        return sum(v.max_points for v in self.verdicts if v.status != judge.HAND)


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


def grade(class_dir: Path, source: Source | Path, follow_through: float = 1.0,
          seconds: float = judge.CELL_SECONDS) -> ClassGrades:
    """Grade every row of ``source`` (a path is a responses CSV file); bad
    rows and cells become problem lines, never errors."""
    students, course = load_class(class_dir)
    refs = refs_of(students)
    resp = (open_source(source) if isinstance(source, Path) else source).read(refs)
    by_id = {s.id: s for s in students}
    result = ClassGrades(class_dir, course, parts_of(students), [], list(resp.problems), follow_through)
    seen: dict[str, int] = {}
    for row in resp.rows:
        where = f"row {row.line}"
        if not row.id:
            result.problems.append(f"{where}: no ID; row skipped")
            continue
        student = by_id.get(row.id)
        if student is None:
            result.problems.append(f"{where}: ID {row.id[:40]!r} is not a student of this class; row skipped")
            continue
        if row.id in seen:
            result.problems.append(f"{where}: ID {row.id!r} again (first on row {seen[row.id]}); row skipped")
            continue
        seen[row.id] = row.line
        verdicts = judge.judge_student(row.cells, student.keys, follow_through, seconds, judge.inner_functions(student.key))
        for v in verdicts:
            if v.check_by_hand:
                result.problems.append(f"{where} (ID {row.id}), {v.ref}: {v.note}")
        result.grades.append(StudentGrade(student, row.line, verdicts))
    for s in students:
        if s.id not in seen:
            result.problems.append(f"student {s.id} ({s.name or 'unnamed'}) has no row in the responses; not graded")
    return result


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def grades_csv(result: ClassGrades) -> str:
    """grades.csv: id, name, version, points per part (automatic marking), total,
    maximum, then by_hand: the points marked by hand (text answers), not
    included, and check_by_hand: the refs that could not be read or whose check
    could not decide (0 points until a TA looks)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["id", "name", "version"] + result.parts + ["total", "maximum", "by_hand", "check_by_hand"]))
    for g in result.grades:
        cells = [_num(g.part_points(p)) if g.part_max(p) else "" for p in result.parts]
        check = " ".join(v.ref for v in g.verdicts if v.check_by_hand)
        w.writerow(text_row([g.student.id, g.student.name, g.student.version]) + cells
                   + [_num(g.total), _num(g.maximum), _num(g.hand_max()), text_cell(check)])
    return buf.getvalue()


@dataclass
class PartSummary:
    part: str
    maximum: float
    hand: float
    mean: float
    median: float
    share_full: float
    mistakes: list[tuple[str, str, int]]  # (name, text, count), most frequent first
    unjudged: int  # cells a TA must check: unreadable or not decided


def summarize(result: ClassGrades) -> list[PartSummary]:
    out = []
    for p in result.parts:
        marks = [g.part_points(p) for g in result.grades]
        maxima = [g.part_max(p) for g in result.grades]
        counts: Counter[tuple[str, str]] = Counter(
            (v.mistake.name, v.mistake.text) for g in result.grades for v in g.verdicts if v.part == p and v.mistake)
        hand = max((g.hand_max(p) for g in result.grades), default=0.0)
        top = max(maxima, default=0.0)
        out.append(PartSummary(
            p, top, hand,
            statistics.fmean(marks) if marks and top else 0.0,
            statistics.median(marks) if marks and top else 0.0,
            (sum(1 for m, x in zip(marks, maxima) if x and m >= x - 1e-9) / len(marks)) if marks and top else 0.0,
            [(n, t, c) for (n, t), c in counts.most_common(3)],
            sum(1 for g in result.grades for v in g.verdicts if v.part == p and v.check_by_hand),
        ))
    return out


def summary_csv(result: ClassGrades) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["part", "maximum", "by_hand", "students", "mean", "median", "share_full_marks", "most_frequent_mistakes",
                "check_by_hand"])
    for s in summarize(result):
        w.writerow([text_cell(s.part), _num(s.maximum), _num(s.hand), len(result.grades),
                    f"{s.mean:.2f}" if s.maximum else "", f"{s.median:.2f}" if s.maximum else "",
                    f"{s.share_full:.3f}" if s.maximum else "",
                    text_cell("; ".join(f"{n} ({c})" for n, _, c in s.mistakes)), s.unjudged])
    return buf.getvalue()
