"""Running a TeX program: a clean, explicit environment, the process itself,
and the lines of its log that explain a failure.

Both TeX steps use it: the documents' pdfLaTeX runs (:mod:`generator.compile`)
and the name boxes' LuaHBTeX run (:mod:`generator.namebox`). TeX always starts
with a clean environment (:func:`tex_env`): none of the user's TeX variables or
trees (``TEXINPUTS``, ``TEXMFHOME``, ``~/texmf``) can change what is compiled.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z, fixed so PDFs are byte-identical
TIMEOUT = 300  # seconds for one TeX run

# Only these variables of the caller's environment reach TeX: what it needs to
# find programs, fonts caches and locale. Everything else (TEXINPUTS, TEXMFHOME,
# TEXMFCNF, TEXFORMATS, ...) is dropped so the user's setup cannot change the output.
PASSED = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "USER", "LOGNAME", "SYSTEMROOT")

_ERROR_LINE = re.compile(r"^[^:\s]+\.tex:\d+: ")


def tex_env(formats: Path | None = None) -> dict[str, str]:
    """The environment of every TeX run: the caller's PATH, HOME and locale only,
    no user tree (``TEXMFHOME`` points nowhere), no format generation on the fly,
    fixed dates, and file access limited to the working folder. With ``formats``
    (a relative folder, normally "."), formats are looked up there alone."""
    env = {k: v for k, v in os.environ.items() if k in PASSED}
    env.update(
        {
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
            "FORCE_SOURCE_DATE": "1",
            "openin_any": "p",  # paranoid: no dot files, no parent folders, no absolute paths
            "openout_any": "p",
            "shell_escape": "f",
            "max_print_line": "1000",
            "TEXMFHOME": "/nonexistent/nn-problem-set/texmf",  # no ~/texmf
            "TEXMFAUXTREES": "",
            "MKTEXFMT": "0",  # a missing format is an error, never a mktexfmt run
        }
    )
    if formats is not None:
        env["TEXFORMATS"] = str(formats)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run one TeX command in ``cwd`` with ``env``, no standard input, its
    output and errors captured together."""
    return subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=TIMEOUT)


def log_excerpt(log: str, lines: int = 10) -> str:
    """The lines of a TeX log that explain an error: from the first '!' or
    'file:line: error' on, else the tail."""
    rows = log.splitlines()
    for k, row in enumerate(rows):
        if row.startswith("!") or _ERROR_LINE.match(row):
            return "\n".join(rows[k : k + lines])
    return "\n".join(rows[-lines:])


def first_error(log: str) -> str:
    """The first error line of a TeX log (or its last line), for one-line messages."""
    rows = [row.strip() for row in log.splitlines() if row.strip()]
    for row in rows:
        if row.startswith("!") or _ERROR_LINE.match(row) or "can't find" in row:
            return row[:300]
    return rows[-1][:300] if rows else "no output"
