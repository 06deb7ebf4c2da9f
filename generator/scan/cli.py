"""``python -m generator scan CLASS_DIR FILE_OR_FOLDER...``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from ..errors import GeneratorError, UsageError, printable
from . import images, run

PROG = "python -m generator scan"

EPILOG = """\
example:
  python -m generator scan output/class-2026 scans/monday.pdf scans/tuesday/
  python -m generator grade output/class-2026 --marks output/class-2026/scans/marks.csv --responses responses.csv

reads PDFs of scans and PNG, JPEG or TIFF images (a folder: its files of these
kinds), in any order and orientation, and writes CLASS_DIR/scans/: marks.csv
(the columns of marks-template.csv, filled from the score bubbles and part
rows), crops/<ref>/<folder>.png (each answer box of each student), review.csv
and review.pdf (every unsure read and every page that could not be used or is
missing), and pages.csv (every page and what became of it). A second run with
more scans adds them; a page read before is not read again.

exit status: 0 done (see review.csv for what needs a look); 2 bad input (class
folder, no scans); 4 TeX missing (review.pdf); 130 interrupted.
"""


class Interrupted(GeneratorError):
    """Ctrl-C while the pile was read: the scans folder is as it was before."""

    exit_code = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {PROG} --help)")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def _dpi(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a resolution from 100 to 600, not {text!r}") from None
    if not 100 <= value <= 600:
        raise argparse.ArgumentTypeError(f"expected a resolution from 100 to 600, not {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Read scanned answer sheets of a class set: identify every page, read the bubbles, "
                "crop the answer boxes.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("class_dir", type=Path, metavar="CLASS_DIR", help="the class folder (made with --roster or --count)")
    p.add_argument("inputs", type=Path, nargs="+", metavar="FILE_OR_FOLDER", help="PDFs or images of scans, or folders of them")
    p.add_argument("--jobs", type=_positive, default=max(1, min(os.cpu_count() or 1, 8)),
                   help="pages read at once (default: the number of cores)")
    p.add_argument("--dpi", type=_dpi, default=images.PDF_DPI,
                   help=f"the resolution a PDF's pages are rasterized at (default {images.PDF_DPI})")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def run_scan(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    start = time.perf_counter()
    problems: list[str] = []

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            print(f"\rread {done} of {total} files", end="" if done < total else "\n", file=sys.stderr, flush=True)

    try:
        summary = run.scan(args.class_dir, args.inputs, jobs=args.jobs, dpi=args.dpi, problems=problems, progress=progress)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: {args.class_dir / run.FOLDER}/ is as it was before this run; "
                          "run the same command again to read the scans") from None
    problems += summary.unreadable
    for line in problems:
        print(f"warning: {printable(line)}", file=sys.stderr)
    lines = list(run.iter_lines(summary))
    print(printable("; ".join(lines) + f"; wrote {args.class_dir / run.FOLDER}/ in {time.perf_counter() - start:.1f} s"))
    return 0
