"""CLASS_DIR/grading/ as a whole: built in a folder beside it and renamed into
place, so that after a run there is either the complete new folder or none.

A run that fails once grading has begun (a TeX failure of the summary or of
every student's feedback, a full disk, an interrupt) removes the grading/ of an
earlier run as well: its grades.csv would look current and is not. One
student whose feedback cannot be typeset does not fail the run: that student
is one line, and everything else is installed."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import GeneratorError
from ..files import install_folder, staging_folder, sweep, write_atomic
from . import analysis, gradebook, report, run

FOLDER = "grading"


def remove_stale(target: Path) -> bool:
    """Remove ``target`` (a grading/ folder of an earlier run): renamed aside
    first, so that no half-removed folder is left under its name. True when
    one was removed; a symbolic link or a file of that name is left alone."""
    if target.is_symlink() or not target.is_dir():
        return False
    try:
        # named as files.install_folder names the folders it moves aside, so a killed run's is swept
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".old", dir=target.parent))
        os.replace(target, aside / "x")
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return not target.exists()
    shutil.rmtree(aside, ignore_errors=True)
    return True


@contextmanager
def replacing(class_dir: Path) -> Iterator[None]:
    """Around a grading run of a class folder: on any failure inside, the
    earlier grading/ is removed (the message says so) and the failure goes on."""
    target = class_dir / FOLDER
    try:
        yield
    except BaseException as exc:
        if (class_dir / "manifest.json").is_file() and remove_stale(target) and isinstance(exc, GeneratorError):
            exc.args = (f"{target}/ of an earlier run was removed, as this run did not finish: {exc}",)
        raise


def write(result: run.ClassGrades, class_dir: Path, pdf: bool) -> tuple[Path, list[str]]:
    """Write grading/ (grades.csv, the gradebooks, summary.csv, analysis.csv and, with ``pdf``, the PDFs)
    in a folder beside it and rename it into place. Returns the folder and
    one line per student whose feedback could not be made."""
    target = class_dir / FOLDER
    sweep(class_dir)
    staging = staging_folder(target)
    failures: list[str] = []
    try:
        write_atomic(staging / "grades.csv", run.grades_csv(result))
        write_atomic(staging / "summary.csv", run.summary_csv(result))
        write_atomic(staging / "analysis.csv", analysis.analysis_csv(result))
        write_atomic(staging / gradebook.MOODLE, gradebook.moodle_csv(result))
        write_atomic(staging / gradebook.CANVAS, gradebook.canvas_csv(result))
        if pdf:
            report.write_pdfs(result, staging, failures=failures)
        install_folder(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target, failures
