"""Running TeX: in a private temporary folder, without shell escape, with file
access restricted to that folder, and with fixed dates so the bytes repeat.

The documents print "page i of n"; ``n`` travels through the ``.aux`` file.
Instead of always running TeX twice, the ``.aux`` is seeded with a guess of the
page count (the count of the last document compiled from the same template);
TeX runs a second time only when the guess was wrong. The PDF is the same
either way: TeX's output depends only on its input.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import TexError

ENGINE = "pdflatex"
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z, fixed so PDFs are byte-identical
INSTALL_HINT = "install TeX with the README's set-up command (it runs apt-get install texlive-latex-base ...)"

_TOTAL_RE = re.compile(r"\\gdef\s*\\totalpages\{(\d+)\}")
_page_guess: dict[str, int] = {}


@dataclass
class Job:
    name: str  # stem of the document, e.g. "assignment"
    source: str  # LaTeX text
    kind: str = ""  # documents of one kind share a page-count guess


def tex_available() -> bool:
    return shutil.which(ENGINE) is not None


def tex_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
            "FORCE_SOURCE_DATE": "1",
            "openin_any": "p",  # paranoid: no reading of dot files or outside the folder tree
            "openout_any": "p",
            "shell_escape": "f",
            "TEXMFOUTPUT": "",
            "max_print_line": "1000",
        }
    )
    return env


def _run_tex(folder: Path, name: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ENGINE, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", f"{name}.tex"],
        cwd=folder,
        env=tex_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
    )


def log_excerpt(log: str, lines: int = 12) -> str:
    """The lines of a TeX log that explain an error: from the first '!' or
    'file:line: error' on, else the tail."""
    rows = log.splitlines()
    for k, row in enumerate(rows):
        if row.startswith("!") or re.match(r"^[^:\s]+\.tex:\d+: ", row):
            return "\n".join(rows[k : k + lines])
    return "\n".join(rows[-lines:])


def _total_pages(aux: Path) -> int | None:
    try:
        m = _TOTAL_RE.search(aux.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return None
    return int(m.group(1)) if m else None


def compile_one(job: Job, workdir: Path) -> Path:
    """Compile one document in ``workdir``; return the PDF's path there."""
    tex = workdir / f"{job.name}.tex"
    tex.write_text(job.source, encoding="utf-8")
    aux = workdir / f"{job.name}.aux"
    guess = _page_guess.get(job.kind or job.name)
    if guess is not None:
        aux.write_text(f"\\relax\n\\gdef\\totalpages{{{guess}}}\n", encoding="utf-8")
    for _ in range(3):
        before = _total_pages(aux)
        result = _run_tex(workdir, job.name)
        if result.returncode != 0:
            log_path = workdir / f"{job.name}.log"
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else result.stdout.decode("utf-8", "replace")
            raise TexError(f"{job.name}.tex did not compile:\n{log_excerpt(log)}")
        after = _total_pages(aux)
        if after is not None and after == before:
            _page_guess[job.kind or job.name] = after
            return workdir / f"{job.name}.pdf"
    raise TexError(f"{job.name}.tex: the page count did not settle after three TeX runs")


def compile_all(jobs: list[Job], dest: Path, *, parallel: int = 2) -> list[Path]:
    """Compile every job in a private temporary folder beside ``dest`` and move
    each PDF into ``dest`` only when all of them compiled."""
    if not tex_available():
        raise TexError(f"no TeX engine ({ENGINE}) found; the .tex sources and answers.json were written; {INSTALL_HINT}")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tex-", dir=dest) as tmp:
        folders = []
        for job in jobs:
            folder = Path(tmp) / job.name
            folder.mkdir()
            folders.append(folder)
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            pdfs = list(pool.map(compile_one, jobs, folders))
        out = []
        for job, pdf in zip(jobs, pdfs):
            target = dest / f"{job.name}.pdf"
            os.replace(pdf, target)
            out.append(target)
        return out
