"""Command line: argument parsing and friendly errors only."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

from . import __version__, config, export, pipeline
from .errors import GeneratorError, UsageError, message, printable
from .files import ran_out, sweep, sweep_temp, write_atomic

PROG = "python -m generator"

EPILOG = """\
examples:
  python -m generator --seed 7                 one version in output/seed-7/
  python -m generator --preset original        the original assignment's numbers in output/original/
  python -m generator --seed 7 --no-pdf        sources and answers.json only (no TeX needed)
  python -m generator --seed 7 --out exams/    write exams/seed-7/
  python -m generator --seed 2026 --roster students.csv
                                               a named version per student in output/class-2026/
  python -m generator --seed 2026 --count 40   forty unnamed versions in output/class-2026/
  python -m generator --write-config course.toml
                                               a commented course configuration to edit
  python -m generator --seed 2026 --roster students.csv --config course.toml
                                               the class set with your course, points and layout
  python -m generator --seed 2026 --count 40 --export moodle --export canvas
                                               also moodle.xml and canvas-qti.zip for the LMS
  python -m generator grade output/class-2026 --responses responses.csv
                                               grade typed responses (see grade --help)
  python -m generator scan output/class-2026 scans.pdf
                                               read scanned answer sheets into output/class-2026/scans/
                                               (see scan --help)

each version folder holds assignment.pdf (student handout), key.pdf
(instructor key), assignment.tex, key.tex, answers.json and, with the PDFs,
sheet.json (where the answer sheet's boxes and bubbles are, for `scan`). The
same seed gives byte-identical files.

a class set (--roster or --count) writes DIR/class-SEED/ with a folder per
student (the same files), handouts.pdf and keys.pdf (every document
starting on an odd page, for duplex printing), grading-sheet.csv and
grading-sheet.pdf (graded answers and score boxes), responses-template.csv
(typed answers for `grade`), marks-template.csv (hand marks for `grade
--marks`) and manifest.json.
A student's version depends only on the class seed and their ID. The roster
is a UTF-8 CSV file with a header row naming an 'id' and a 'name' column.

exit status: 0 done; 2 bad input (seed, option, roster, configuration, folder); 3 a version
failed verification or sampling; 4 TeX missing, a document failed to compile
(in a class set: some students, each listed on one line; the others are
written) or a file could not be written (a full disk); 130 interrupted.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise UsageError(f"{message} (see {PROG} --help)")


def _digits(text: str) -> int | None:
    """``text`` as an integer when it is ASCII digits only (``int`` also takes
    ``1_0``, spaces and other scripts' digits such as ``٣``), else None."""
    return int(text) if re.fullmatch(r"[0-9]+", text, re.ASCII) else None


def _seed(text: str) -> int:
    value = _digits(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"seed must be a non-negative integer in ASCII digits 0-9, not {text!r}")
    if not 0 <= value <= pipeline.MAX_SEED:
        raise argparse.ArgumentTypeError(f"seed must be between 0 and {pipeline.MAX_SEED}, not {value}")
    return value


def _positive(text: str) -> int:
    value = _digits(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a positive integer in ASCII digits 0-9, not {text!r}")
    if value < 1 or value > 100_000:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to 100000, not {value}")
    return value


def _jobs(text: str) -> int:
    value = _positive(text)
    cap = 4 * (os.cpu_count() or 1)
    if value > cap:
        raise argparse.ArgumentTypeError(f"at most {cap} (4 per core on this machine's {os.cpu_count() or 1} cores), not {value}")
    return value


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Generate a fresh, verified version of CSE 616 Neural Networks, Assignment 1: "
        "a student handout, an instructor key and answers.json.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--seed", type=_seed, metavar="N", help="the version to generate, a non-negative integer (e.g. --seed 7)")
    which.add_argument("--preset", choices=pipeline.PRESETS,
                       help="a fixed version instead of a seed: 'original' reproduces the original assignment's numbers")
    p.add_argument("--config", type=Path, metavar="FILE.toml",
                   help="the course configuration: course code, name and title, term, instructor, due date, instructions, "
                        "points per part, paper, answer space, answer sheet, which questions (see --write-config)")
    p.add_argument("--write-config", type=Path, metavar="FILE.toml",
                   help="write a fully commented default configuration to FILE.toml (it reproduces the documents made without one) and exit")
    p.add_argument("--out", type=Path, default=Path("output"), metavar="DIR",
                   help="folder to write into (default: output/); the version goes to DIR/seed-N/ or DIR/original/")
    p.add_argument("--no-pdf", action="store_true", help="write the .tex sources and answers.json only, without running TeX")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--roster", type=Path, metavar="FILE.csv",
                       help="make a class set: one named version per student of this CSV file (columns 'id' and 'name'); --seed is the class seed")
    group.add_argument("--count", type=_positive, metavar="K", help="make a class set of K unnamed versions; --seed is the class seed")
    p.add_argument("--jobs", type=_jobs, metavar="N", default=None, help="parallel workers for a class set (default: the number of cores)")
    p.add_argument("--quiet", action="store_true", help="print only the final summary")
    exports = " or ".join(f"{f.target} ({f.description}, --export {f.name})" for f in export.registered()).replace("%", "%%")
    p.add_argument("--export", action="append", choices=export.names(), default=[], metavar="LMS",
                   help=f"also write {exports} beside the PDFs; repeatable")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"cannot create output folder {folder}: a file of that name is in the way") from None
    except OSError as exc:
        raise UsageError(f"cannot create output folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to output folder {folder}: permission denied")


def _write_config(path: Path) -> int:
    if path.exists() or path.is_symlink():  # a link, even to nothing, is not replaced
        raise UsageError(f"{path} already exists: choose another name or remove it first")
    try:
        write_atomic(path, config.default_toml().encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    print(printable(f"wrote the default configuration to {path}; edit it and pass it with --config {path}"))
    return 0


def run(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "grade":  # python -m generator grade CLASS_DIR --responses FILE.csv
        from .grade.cli import run_grade

        return run_grade(argv[1:])
    if argv and argv[0] == "scan":  # python -m generator scan CLASS_DIR FILE_OR_FOLDER...
        from .scan.cli import run_scan

        return run_scan(argv[1:])
    args = parser().parse_args(argv)
    if args.write_config is not None:
        return _write_config(args.write_config)
    course = config.load(args.config) if args.config is not None else config.DEFAULT
    if args.roster is not None or args.count is not None:
        if args.seed is None:
            raise UsageError(f"a class set needs --seed N (the class seed), not a preset (see {PROG} --help)")
        from . import classset, roster  # only class sets need pikepdf's combining and tqdm

        students = roster.read_roster(args.roster) if args.roster is not None else classset.count_students(args.count)
        classset.check_folders(students)
        _check_writable(args.out)
        result = classset.make(args.seed, students, args.out, jobs=args.jobs, pdf=not args.no_pdf, quiet=args.quiet, config=course,
                               export=tuple(args.export))
        print(result.summary())
        if result.failed:
            for o in result.failed:
                print(f"error: {printable(o.error or '')}", file=sys.stderr)
            print(f"error: {len(result.failed)} of {len(result.outcomes)} students failed (listed above); the other "
                  f"{len(result.ok)} and the class files were written; fix the roster and run the same command again",
                  file=sys.stderr)
            return 4
        return 0
    if args.seed is None and args.preset is None:
        raise UsageError(f"give --seed N or --preset original (see {PROG} --help)")
    start = time.perf_counter()
    ps = pipeline.build_problem_set(seed=args.seed, preset=args.preset, config=course)
    folder = args.out / pipeline.folder_name(ps)
    _check_writable(args.out)
    sweep(args.out)
    sweep_temp()
    written = pipeline.write_version(ps, folder, pdf=not args.no_pdf)
    exported = export.export([ps], args.export, folder) if args.export else []
    elapsed = time.perf_counter() - start
    what = f"wrote {len(written.files)} files to" if written.compiled else f"{len(written.files)} files already complete in"
    print(printable(f"version {ps.version}: {what} {folder}/ in {elapsed:.2f} s"
                    + (f"; exported {', '.join(p.name for p in exported)}" if exported else "")))
    return 0


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(argv)
    except GeneratorError as exc:
        print(f"error: {message(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted: every finished version is complete and nothing partial was left; "
              "run the same command again to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the summary piped into `head`: the files are written, nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout at exit
        return 0
    except OSError as exc:  # a limit that ran out outside the writing of a file: too many open files (ulimit -n)
        limit = ran_out(exc)
        if limit is None:
            raise
        print(f"error: {message(limit)}", file=sys.stderr)
        return limit.exit_code
    finally:
        signal.signal(signal.SIGTERM, previous)
