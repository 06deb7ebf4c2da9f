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
