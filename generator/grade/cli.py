"""``python -m generator grade CLASS_DIR --responses FILE.csv``."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import NoReturn

from .. import compile
from ..errors import TexError, UsageError, printable
from . import output, run, sources

PROG = "python -m generator grade"

EPILOG = """\
example:
  python -m generator grade output/class-2026 --responses responses.csv

the responses file is the class folder's responses-template.csv filled in:
a UTF-8 CSV (',' or ';' between cells) with a header id,name,<ref>,... and one
row per student, or the quiz's report from the LMS the class was exported to
(Moodle's responses report as CSV with 'Question text' and 'Response', or
Canvas's Student Analysis), each row graded against the version the LMS gave;
the marks file is its marks-template.csv filled in (hand
marks, whole-part marks replacing the automatic ones, a comment). Writes
CLASS_DIR/grading/: grades.csv (points per part, total out of the configured
total, by_hand and missing_hand_marks, check_by_hand), gradebook-moodle.csv and
gradebook-canvas.csv, summary.csv and summary.pdf, and feedback/ with one PDF
per student. Rows and cells that cannot be used are listed on stderr, one line
each, and the rest is graded; so is a student whose feedback cannot be
typeset. A run that fails removes the grading/ of an earlier run.

exit status: 0 done; 2 bad input (class folder, responses file, option);
4 TeX missing or a document failed to compile; 130 interrupted.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


def _fraction(text: str) -> float:
    try:
        if not re.fullmatch(r"[0-9]*\.?[0-9]+|[0-9]+\.", text, re.ASCII):  # float() also takes ٠.٥, 1_0, nan
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Grade typed student responses of a class set against each student's own version.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("class_dir", type=Path, metavar="CLASS_DIR", help="the class folder (holds manifest.json)")
    p.add_argument("--responses", type=Path, metavar="FILE.csv", help="the filled-in responses file")
    p.add_argument("--marks", type=Path, metavar="FILE.csv",
                   help="the filled-in marks-template.csv: hand marks, whole-part marks that replace the automatic "
                        "ones, TA comments (with --responses or alone)")
    p.add_argument("--roster", type=Path, metavar="ROSTER.csv",
                   help="with an LMS quiz report: the class's roster with an 'email' column, to find students by e-mail")
    p.add_argument("--follow-through", type=_fraction, default=None, metavar="F",
                   help="share of an answer's points given when it is right from the student's own wrong earlier "
                        "answer (error carried forward); default: the course configuration's [grading] "
                        "follow_through the class was made with")
    p.add_argument("--no-pdf", action="store_true", help="write grades.csv and summary.csv only, no PDFs")
    p.add_argument("--quiet", action="store_true", help="no progress line, only the problems and the final summary")
    return p


def run_grade(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.responses is None and args.marks is None:
        raise UsageError(f"give --responses FILE.csv, --marks FILE.csv or both (see {PROG} --help)")
    with output.replacing(args.class_dir):
        partly = _grade(args)
    if partly is not None:
        raise partly  # grading/ is installed and current; what is missing is said above and here
    return 0


def _grade(args: argparse.Namespace) -> TexError | None:
    start = time.perf_counter()
    source = (sources.open_source(args.responses, class_dir=args.class_dir, roster=args.roster)
              if args.responses is not None else None)
    result = run.grade(args.class_dir, source, follow_through=args.follow_through, marks=args.marks)
    if not args.quiet:
        print(f"graded {len(result.grades)} rows in {time.perf_counter() - start:.2f} s"
              + ("" if args.no_pdf else "; typesetting the feedback"), file=sys.stderr, flush=True)
    pdf = not args.no_pdf and compile.tex_available("pdflatex")
    target, failed = output.write(result, args.class_dir, pdf)
    for line in result.problems + failed:
        print(f"warning: {printable(line)}", file=sys.stderr)
    if not args.no_pdf and not pdf:
        return TexError(f"no TeX engine (pdflatex) found; {target}/grades.csv and summary.csv were written, "
                        f"the PDFs were not; {compile.INSTALL_HINT}")
    if failed:
        return TexError(f"the feedback of {len(failed)} student{'s' if len(failed) > 1 else ''} could not be made "
                       f"(listed above); everything else is in {target}/")
    n = len(result.grades)
    mean = sum(g.total for g in result.grades) / n if n else 0.0
    what = "grades.csv, the gradebooks, summary.csv, analysis.csv" + ("" if args.no_pdf else ", summary.pdf and feedback/")
    missing = sum(1 for g in result.grades if g.missing())
    print(printable(f"graded {n} students (mean {mean:.1f} of {result.grades[0].maximum if n else 0:g} points"
                    + (f", {missing} with hand marks missing" if missing else "") + "; "
                    f"{len(result.problems)} problems listed above): {what} in {target}/ in {time.perf_counter() - start:.2f} s"))
    return None
