"""CI runs the README's check: .ci/run ends with exactly the lines of the
README's second command, each a command of its own under ``set -e``, so that
any one failing fails CI."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [block.strip().splitlines() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_ci_ends_with_the_readmes_check():
    check = readme_commands()[1]
    lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[-len(check):] == check
    assert "set -euo pipefail" in lines
    # under set -e a failure inside `a && b` (not last) would not stop the script: one command a line
    assert not any("&&" in line or "||" in line or line.rstrip().endswith("\\") for line in check)


def test_the_fast_job_comes_first():
    check = readme_commands()[1]
    assert check[:3] == [".venv/bin/python -m ruff check", ".venv/bin/python -m mypy",
                         '.venv/bin/python -m pytest -m "not slow and not pdf"']
    assert check[-1] == ".venv/bin/python -m pytest"  # then every test


def test_no_tracked_file_holds_a_merge_conflict_marker():
    """A conflict resolved by hand and committed with its markers (in the README, say) passes every other
    check: look for them in every tracked text file."""
    import subprocess

    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    marker = re.compile(rb"^(<{7} |>{7} |={7}$)", re.M)
    found = []
    for name in filter(None, names):
        path = ROOT / name.decode()
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:
            continue  # a binary file (a picture)
        found += [f"{name.decode()}: {m.group(0)[:8]!r}" for m in marker.finditer(data)]
    assert found == []
