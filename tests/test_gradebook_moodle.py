"""The grader's Moodle gradebook file through a real Moodle's own CSV grade
import (grade/import/csv), by scripts/moodle/gradebook_import.php: every
total lands on the user with that ID number. Runs only where a Moodle 4.3
site is installed: set NNPS_MOODLE_DIR to its code folder (the one holding
config.php); PHP CLI must be on the path."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator import classset, cli
from generator.grade import gradebook, run

ROOT = Path(__file__).resolve().parent.parent
MOODLE = os.environ.get("NNPS_MOODLE_DIR", "")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not MOODLE or not shutil.which("php"),
                                                   reason="no Moodle site (set NNPS_MOODLE_DIR) or no php")]


def test_moodle_imports_the_gradebook_by_id_number(tmp_path: Path) -> None:
    classset.make(2212, classset.count_students(5), tmp_path, pdf=False, quiet=True)
    klass = tmp_path / "class-2212"
    students, _ = run.load_class(klass)
    refs = run.refs_of(students)
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"] + refs)
        for n, s in enumerate(students):  # each student right in a different share of the answers
            w.writerow([s.id, s.name] + ["" if k.kind == "text" or i % (n + 1) else str(k.exact) for i, k in enumerate(s.keys)])
    assert cli.main(["grade", str(klass), "--responses", str(path), "--no-pdf", "--quiet"]) == 0
    book = klass / "grading" / gradebook.MOODLE
    done = subprocess.run(["php", str(ROOT / "scripts" / "moodle" / "gradebook_import.php"), f"--moodle={MOODLE}",
                           f"--course=nnps-test-{os.getpid()}-{int(time.time())}", str(book)],
                          capture_output=True, text=True, timeout=600, check=False)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and out["ok"], out
    totals = {r["id"]: float(r["total"]) for r in csv.DictReader((klass / "grading" / "grades.csv").open(encoding="utf-8"))}
    assert {k: v["moodle"] for k, v in out["grades"].items()} == totals
    assert len(set(totals.values())) > 1  # different marks, each on its own user
