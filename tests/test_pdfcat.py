"""The combined print files: every page as in its own document, duplex starts,
and memory that does not grow with the number of documents."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from generator import classset, pdfcat
from generator.model import Student

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cat")
    result = classset.make(616, [Student(f"S{i}", f"Student {i}") for i in range(3)], out, jobs=2, quiet=True)
    return result.folder


def pngs(pdf: Path, prefix: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-r", "36", "-png", str(pdf), str(prefix)], check=True)
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]


def test_every_page_renders_as_in_its_own_document(made: Path, tmp_path: Path) -> None:
    sources = sorted(made.glob("*/key.pdf")) + sorted(made.glob("*/assignment.pdf"))
    expected: list[str | None] = []
    for k, src in enumerate(sources):
        own = pngs(src, tmp_path / f"src{k}")
        expected += own + ([None] if len(own) % 2 else [])
    target = tmp_path / "all.pdf"
    assert pdfcat.concatenate(sources, target) == len(expected)
    with pikepdf.open(target) as pdf:
        assert len(pdf.pages) == len(expected)
        assert pdf.check_pdf_syntax() == []
    got = pngs(target, tmp_path / "all")
    assert len(got) == len(expected)
    for page, (a, b) in enumerate(zip(got, expected)):
        if b is not None:
            assert a == b, f"page {page + 1} differs from its source"
    # a blank page after each odd document, none without odd_starts
    assert pdfcat.concatenate(sources, tmp_path / "tight.pdf", odd_starts=False) == len([e for e in expected if e])


def test_same_inputs_same_bytes(made: Path, tmp_path: Path) -> None:
    sources = sorted(made.glob("*/assignment.pdf"))
    pdfcat.concatenate(sources, tmp_path / "a.pdf")
    pdfcat.concatenate(sources, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


PEAK = """
import json, resource, sys
from pathlib import Path
from generator import pdfcat
paths = [Path(p) for p in json.loads(sys.argv[1])]
pdfcat.concatenate(paths * int(sys.argv[2]), Path(sys.argv[3]))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_memory_does_not_grow_with_the_documents(made: Path, tmp_path: Path) -> None:
    """Five documents and sixty: the peak differs by far less than the sixty
    documents' size (the merge this replaced held them all: about 2 MB each)."""
    sources = json.dumps([str(p) for p in sorted(made.glob("*/key.pdf"))])

    def peak_kb(copies: int) -> int:
        run = subprocess.run([sys.executable, "-c", PEAK, sources, str(copies), str(tmp_path / f"m{copies}.pdf")],
                             capture_output=True, text=True, check=True)
        return int(run.stdout.split()[-1])

    size_kb = sum(Path(p).stat().st_size for p in json.loads(sources)) * 20 // 1024
    small, large = peak_kb(2), peak_kb(20)  # 6 and 60 documents
    assert large - small < max(size_kb // 4, 8 * 1024), (small, large, size_kb)
