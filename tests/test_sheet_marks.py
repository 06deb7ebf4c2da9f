"""Every answer-sheet page carries four corner marks and a QR code, laid out
in Python (generator/sheetmarks.py) and placed absolutely by TeX: rasterized,
the marks are where the layout says (within 1 mm) and the code reads back as
its payload."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from generator import classset, pipeline, sheet, sheetmarks
from generator.config import Layout
from generator.model import Student

DPI = 300
PX_PER_BP = DPI / 72.0
MM_PX = DPI / 25.4


def test_payload_names_version_page_and_layout() -> None:
    ps = pipeline.build_problem_set(7)
    layout = sheet.layout(ps)
    marks = sheetmarks.sheet_marks(layout, "a4", ps.version, ps.seed, "seed-7")
    assert len(marks) == len(layout.pages)
    n = len(marks)
    for k, m in enumerate(marks):
        assert m.payload == f"NNS1 {ps.version} 7 seed-7 {k + 1}/{n} {sheetmarks.digest(layout, 'a4')}"
        assert (m.width, m.height) == pytest.approx((595.276, 841.89), abs=0.01)
        # the code and the marks stay inside the paper, clear of one another
        assert m.qr.x > 0 and m.qr.x + m.qr.size < m.corners["br"].x
        assert m.corners["tr"].y + m.corners["tr"].size < m.qr.y and m.qr.y + m.qr.size <= m.height
        assert len(m.modules) * sheetmarks.QR_MODULE_MM * sheetmarks.BP_PER_MM == pytest.approx(m.qr.size)


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("folder", ["seed-7", "x" * 60 + "-abcdef"])
def test_code_clears_the_text_block(compact: bool, paper: str, folder: str) -> None:
    """The code's quiet zone (4 modules) lies below every box of the sheet,
    even for the longest folder name and seed."""
    ps = pipeline.build_problem_set(7)
    m = sheetmarks.sheet_marks(sheet.layout(ps, paper, compact), paper, "ZZZZZZ", 2**32 - 1, folder)[0]
    text_bottom = sheet.PAPER_MM[paper][1] - sheet.MARGIN_MM[compact] - sheet.MARKS_MM[compact]
    assert m.qr.y / sheetmarks.BP_PER_MM - 4 * sheetmarks.QR_MODULE_MM > text_bottom
    assert len(sheetmarks.payload_folder(folder)) <= sheetmarks.FOLDER_CHARS


def _dark_bbox(page: np.ndarray, x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
    """The dark pixels' bounding box (in bp) in a window 2 mm around the expected rectangle."""
    pad = 2 * MM_PX
    x0, y0 = int(x * PX_PER_BP - pad), int(y * PX_PER_BP - pad)
    x1, y1 = int((x + w) * PX_PER_BP + pad), int((y + h) * PX_PER_BP + pad)
    ys, xs = np.nonzero(page[y0:y1, x0:x1])
    assert len(xs), "nothing printed where a mark belongs"
    return (x0 + xs.min()) / PX_PER_BP, (y0 + ys.min()) / PX_PER_BP, (x0 + xs.max() + 1) / PX_PER_BP, (y0 + ys.max() + 1) / PX_PER_BP


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.pdf
def test_rendered_marks_are_where_the_layout_says(tmp_path: Path) -> None:
    ps = pipeline.build_problem_set(7)
    pipeline.write_version(ps, tmp_path / "v")
    pdf = tmp_path / "v" / "assignment.pdf"
    layout = sheet.layout(ps, Layout().paper, Layout().compact)
    marks = sheetmarks.sheet_marks(layout, "a4", ps.version, None, "v")  # the code names the folder written to (no class: "-")
    pages = _pages(pdf)
    first = pages - len(marks) + 1  # the sheet is the handout's last page(s)
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(first), "-l", str(pages), str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(marks)
    one_mm = 72.0 / 25.4
    for image, m in zip(images, marks):
        rgb = Image.open(image)
        assert rgb.size == pytest.approx((m.width * PX_PER_BP, m.height * PX_PER_BP), abs=1)  # poppler rounds up
        page = np.asarray(rgb.convert("L")) < 128
        for c in m.corners.values():
            assert _dark_bbox(page, c.x, c.y, c.size, c.size) == pytest.approx((c.x, c.y, c.x + c.size, c.y + c.size), abs=one_mm)
        codes = zxingcpp.read_barcodes(rgb)
        assert [b.text for b in codes] == [m.payload]
        p = codes[0].position
        corners = [(p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y),
                   (p.bottom_right.x, p.bottom_right.y), (p.bottom_left.x, p.bottom_left.y)]
        q = m.qr
        want = [(q.x, q.y), (q.x + q.size, q.y), (q.x + q.size, q.y + q.size), (q.x, q.y + q.size)]
        for (px, py), (wx, wy) in zip(corners, want):
            assert (px / PX_PER_BP, py / PX_PER_BP) == pytest.approx((wx, wy), abs=one_mm)
        # the module grid: every module's centre is dark exactly when the matrix says
        mod = q.size / len(m.modules)
        for r, row in enumerate(m.modules):
            for col, dark in enumerate(row):
                cx, cy = (q.x + (col + 0.5) * mod) * PX_PER_BP, (q.y + (r + 0.5) * mod) * PX_PER_BP
                assert bool(page[int(cy), int(cx)]) == dark, (r, col)


@pytest.mark.pdf
def test_a_class_sets_codes_name_each_students_folder(tmp_path: Path) -> None:
    """--count students have no printed name or ID; their codes still name the
    folder their version is in, so that a scanned page finds its student."""
    made = classset.make(616, [Student("1"), Student("2")], tmp_path, jobs=1, quiet=True).folder
    for folder in ("1", "2"):
        pdf = made / folder / "assignment.pdf"
        n = len(sheet.layout(pipeline.build_problem_set(classset.derive_seed(616, folder))).pages)
        last = _pages(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", str(last - n + 1), "-l", str(last), str(pdf), str(tmp_path / f"s{folder}")],
                       check=True)
        texts = [b.text for image in sorted(tmp_path.glob(f"s{folder}-*.png")) for b in zxingcpp.read_barcodes(Image.open(image))]
        assert [t.split()[2:5] for t in texts] == [["616", folder, f"{k}/{n}"] for k in range(1, n + 1)]  # the class seed too
