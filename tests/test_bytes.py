"""Refactoring changes no output byte: every .tex, answers.json, grading sheet,
responses template, manifest, moodle.xml and canvas-qti.zip of a fixed list of
versions and two class sets has the SHA-256 recorded in
``tests/data/digests.json``.

The list was first made from the commit named in its ``made_from`` field,
before the seams of issue 19 were cut. A change that is *meant* to change the
documents (a new rule for a question, a new answer on the sheet) remakes it in
the same commit and says why in the commit message:

    .venv/bin/python tests/test_bytes.py --write "why the bytes changed"
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "tests" / "data" / "digests.json"

SEEDS = (0, 1, 7, 42, 99, 2026, 123456789)
CONFIG = """\
[course]
code = "EE 599 & Co"
name = "Deep Learning_{x}"
title = "Homework #2"
term = "Spring 2027"
instructor = "Prof. A. O'Kafor"
due = 2027-02-14
instructions = "Work alone; 100% of your own work. Show ~all~ steps."

[points]
"1c" = 20
"1e" = 0
"2a" = 12.5
"3.2" = 7.25

[layout]
paper = "letter"
answer_space = "compact"

[questions]
exclude = ["1e", "3.5"]
"""

# (folder under the output root, command-line arguments)
RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((f"seed-{s}", ("--seed", str(s))) for s in SEEDS),
    ("original", ("--preset", "original")),
    ("seed-5-config", ("--seed", "5", "--config", "course.toml")),
    ("class-2026", ("--seed", "2026", "--count", "6", "--config", "course.toml")),
    ("class-7", ("--seed", "7", "--count", "5", "--export", "moodle", "--export", "canvas")),
)
KEPT = (".tex", ".json", ".csv", ".xml", ".zip")


def produce(work: Path) -> dict[str, str]:
    """Run every command of :data:`RUNS` in ``work`` and return the SHA-256
    of every file kept, by its path under the output root."""
    (work / "course.toml").write_text(CONFIG, encoding="utf-8")
    digests: dict[str, str] = {}
    for name, args in RUNS:
        out = work / "out" / name
        r = subprocess.run([sys.executable, "-m", "generator", *args, "--no-pdf", "--out", str(out)],
                           capture_output=True, text=True, cwd=work)
        assert r.returncode == 0, f"{args}: {r.stderr}"
        for path in sorted(out.rglob("*")):
            if path.is_file() and path.suffix in KEPT:
                digests[f"{name}/{path.relative_to(out).as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


@pytest.mark.slow
def test_outputs_are_byte_identical_to_the_recorded_digests(tmp_path):
    recorded = json.loads(DIGESTS.read_text(encoding="utf-8"))
    got = produce(tmp_path)
    want = recorded["files"]
    assert sorted(got) == sorted(want), "the set of files changed"
    changed = [name for name in want if got[name] != want[name]]
    assert not changed, f"{len(changed)} files changed bytes, first {changed[:5]} (digests made from {recorded['made_from']})"


def _write(reason: str) -> None:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        files = produce(Path(tmp))
    DIGESTS.parent.mkdir(exist_ok=True)
    DIGESTS.write_text(json.dumps({"made_from": commit, "reason": reason, "files": files}, indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")
    print(f"wrote {len(files)} digests to {DIGESTS}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--write":
        raise SystemExit(f"usage: {sys.argv[0]} --write REASON")
    _write(sys.argv[2])
