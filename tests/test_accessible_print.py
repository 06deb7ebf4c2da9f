"""Large print: ``[layout] font_size`` in the course configuration. The value
is checked like every other one (one line naming the file, the line and the
key; exit status 2); the default leaves every document as it was (the
preamble's bytes are compared here, tests/test_bytes.py compares the rest);
and at 12, 14, 17 and 20 pt the handout and the key keep every word inside
the page's margins (pdftotext's bounding boxes), with the type, the answer
space and the answer sheet's boxes larger."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from generator import cli, config, pipeline, sheet

MARGIN = 2.3 / 2.54 * 72  # the documents' margin (2.3 cm), in PDF points
SLACK = 1.0  # points: a glyph's side bearing


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("value, message", [
    ("9", "expected a whole number of points from 10 to 24, not 9"),
    ("25", "expected a whole number of points from 10 to 24, not 25"),
    ("12.5", "expected a whole number of points from 10 to 24, not 12.5"),
    ('"14pt"', "expected a whole number of points from 10 to 24, not the text '14pt'"),
    ("true", "expected a whole number of points from 10 to 24, not true/false"),
    ("nan", "expected a whole number of points from 10 to 24, not nan"),
    ("inf", "expected a whole number of points from 10 to 24, not inf"),
])
def test_a_bad_font_size_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str,
                                                message: str) -> None:
    path = _config(tmp_path, f'[layout]\npaper = "a4"\nfont_size = {value}\n')
    assert cli.main(["--seed", "1", "--config", str(path), "--out", str(tmp_path / "out"), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.endswith(f"{path}, line 3: [layout] font_size: {message}"), err
    assert not (tmp_path / "out").exists()


def test_a_good_font_size_is_read(tmp_path: Path) -> None:
    assert config.load(_config(tmp_path, "[layout]\nfont_size = 17\n")).layout.font_size == 17
    assert config.load(_config(tmp_path, "[layout]\nfont_size = 14.0\n")).layout.font_size == 14
    assert config.default().layout.font_size == 11
    assert config.parse(config.default_toml(), Path("default.toml")).layout == config.default().layout


def test_the_default_size_leaves_the_preamble_as_it_was() -> None:
    for engine in ("pdflatex", "lualatex"):
        for paper in ("a4", "letter"):
            text = pipeline.preamble(engine, paper)
            assert text == pipeline.preamble(engine, paper, 11)
            assert "scrextend" not in text and "nnfit" not in text
            assert "headheight=15pt,headsep=12pt,footskip=28pt]{geometry}" in text
    large = pipeline.preamble("pdflatex", "a4", 20)
    assert "\\usepackage[fontsize=20pt]{scrextend}" in large and "includeheadfoot" in large


def test_the_answer_sheet_scales_through_one_parameter() -> None:
    ps = pipeline.build_problem_set(1)
    normal, large = sheet.layout(ps), sheet.layout(ps, font_pt=20)

    def boxes(s: sheet.Sheet) -> list[sheet.SheetBox]:
        return [b for p in s.pages for r in p.rows for b in r.boxes]

    assert [b.ref for b in boxes(normal)] == [b.ref for b in boxes(large)]
    assert large.line == pytest.approx(normal.line * 20 / 11)
    assert sum(len(p.rows) for p in large.pages) > sum(len(p.rows) for p in normal.pages)  # fewer boxes to a line
    for a, b in zip(boxes(normal), boxes(large)):
        assert b.height > a.height and b.width * b.height > a.width * a.height  # a line-wide box is narrower beside a larger label


def _words(pdf: Path) -> list[tuple[int, float, float, float, float, float, float, str]]:
    """(page, x0, y0, x1, y1, page width, page height, word) of every word, as pdftotext reads them."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = []
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S)
    for n, (w, h, body) in enumerate(pages, start=1):
        for m in re.finditer(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>', body):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append((n, x0, y0, x1, y1, float(w), float(h), m.group(5)))
    return words


def _outside(pdf: Path) -> list[str]:
    bad = []
    for n, x0, y0, x1, y1, w, h, word in _words(pdf):
        if x0 < MARGIN - SLACK or x1 > w - MARGIN + SLACK or y0 < 0 or y1 > h:
            bad.append(f"page {n}: {word!r} at x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f}")
    return bad


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"Pages:\s+(\d+)", info)
    assert m is not None
    return int(m.group(1))


@pytest.fixture(scope="module")
def default_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    out = tmp_path_factory.mktemp("normal")
    assert cli.main(["--seed", "5", "--out", str(out)]) == 0
    for name in ("assignment.pdf", "key.pdf"):
        assert _outside(out / "seed-5" / name) == []  # the check itself holds for today's documents
    return {name: _pages(out / "seed-5" / name) for name in ("assignment.pdf", "key.pdf")}


@pytest.mark.pdf
@pytest.mark.parametrize("size", [12, 14, 17, 20])
def test_large_print_stays_inside_the_margins(tmp_path: Path, size: int, default_pages: dict[str, int]) -> None:
    path = _config(tmp_path, f"[layout]\nfont_size = {size}\n")
    assert cli.main(["--seed", "5", "--config", str(path), "--out", str(tmp_path / "out")]) == 0
    folder = tmp_path / "out" / "seed-5"
    for name in ("assignment.pdf", "key.pdf"):
        pdf = folder / name
        assert _outside(pdf) == [], f"{size} pt, {name}"
        assert _pages(pdf) >= default_pages[name]  # larger type takes more pages, never fewer
    # the body text is set at the size asked (the largest run of words of one height is the body's)
    heights: dict[float, int] = {}
    for _, _, y0, _, y1, _, _, _ in _words(folder / "assignment.pdf"):
        heights[round(y1 - y0)] = heights.get(round(y1 - y0), 0) + 1
    body = max(heights, key=lambda k: heights[k])
    assert body == pytest.approx(size * 1.2, rel=0.25)
    tex = (folder / "assignment.tex").read_text(encoding="utf-8")
    assert f"\\usepackage[fontsize={size}pt]{{scrextend}}" in tex
