"""Gradebook files written beside grades.csv, in the columns each LMS's own
CSV grade import reads:

- ``gradebook-moodle.csv`` for Moodle's Grades → Import → CSV file
  (``grade/import/csv``): ``ID number`` (the roster ID: map it to the user
  field *ID number* under *Identify user by*), ``Full name`` (leave it
  unmapped) and one column named after the assignment with the total (map it
  to a grade item, or to *New grade item*).
- ``gradebook-canvas.csv`` for Canvas's Grades → Import: the columns of
  Canvas's own gradebook export, ``Student``, ``ID`` (Canvas's internal user
  ID, unknown here: blank), ``SIS User ID`` (the roster ID, which Canvas
  matches students by), ``SIS Login ID`` and ``Section`` (blank), then the
  assignment column, and a ``Points Possible`` row under the header. A column
  named ``Title`` becomes a new assignment; ``Title (12345)``, with the
  Canvas assignment's own ID, fills that assignment.

Every text cell goes through :func:`generator.csvcells.text_cell`.
"""

from __future__ import annotations

import csv
import io

from ..csvcells import text_cell, text_row
from .run import ClassGrades, _num

MOODLE = "gradebook-moodle.csv"
CANVAS = "gradebook-canvas.csv"


def assignment(result: ClassGrades) -> str:
    """The gradebook column of the assignment: the course's title ("Assignment 1")."""
    return (result.course.title if result.course and result.course.title else "") or "Assignment 1"


def moodle_csv(result: ClassGrades) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["ID number", "Full name", assignment(result)]))
    for g in result.grades:
        w.writerow(text_row([g.student.id, g.student.name]) + [_num(g.total)])
    return buf.getvalue()


def canvas_csv(result: ClassGrades) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment(result)]))
    top = max((g.maximum for g in result.grades), default=0.0)
    w.writerow(["    Points Possible", "", "", "", "", _num(top)])
    for g in result.grades:
        w.writerow([text_cell(g.student.name or g.student.id), "", text_cell(g.student.id), "", "", _num(g.total)])
    return buf.getvalue()
