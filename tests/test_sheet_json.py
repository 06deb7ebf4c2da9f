"""sheet.json (docs/sheet-json.md) says where every box and bubble of the
answer sheet is, read back from TeX; rendered, the PDF has a frame exactly
around each box's inside and a ring around each bubble's centre."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest

from generator import config, pipeline, sheet, sheetjson, sheetmarks

DPI = 200
S = DPI / 72.0


def _render(pdf: Path, page: int) -> np.ndarray:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        bitmap = doc[page - 1].render(scale=S, grayscale=True)
        return np.asarray(bitmap.to_numpy()).reshape(bitmap.height, bitmap.width, -1)[:, :, 0].copy()
    finally:
        doc.close()


def _dark(img: np.ndarray, x: float, y: float) -> bool:
    """Whether a pixel near (x, y) bp is dark (the 3 x 3 pixels around it)."""
    i, j = int(round(y * S)), int(round(x * S))
    return bool((img[i - 1 : i + 2, j - 1 : j + 2] < 140).any())


def _check_version(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "sheet.json").read_text(encoding="utf-8"))
    assert data["format"] == sheetjson.FORMAT and data["unit"] == "bp" and data["origin"] == "top-left"
    answers = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    refs = [a["ref"] for q in answers["questions"] for p in q["parts"] for a in p["answers"] if a["ref"]]
    assert [b["ref"] for page in data["pages"] for b in page["boxes"]] == refs  # every graded answer, in ref order
    doc = pdfium.PdfDocument(str(folder / "assignment.pdf"))
    n = len(doc)
    doc.close()
    assert [p["page"] for p in data["pages"]] == list(range(n - len(data["pages"]) + 1, n + 1))
    for page in data["pages"]:
        img = _render(folder / "assignment.pdf", page["page"])
        assert img.shape == pytest.approx((page["height"] * S, page["width"] * S), abs=1.5)
        for b in page["boxes"]:
            x, y, w, h = b["x"], b["y"], b["w"], b["h"]
            for t in np.linspace(0.05, 0.95, 7):  # the frame's rules lie on the inside's edges, within 0.5 bp
                assert _dark(img, x + t * w, y - 0.2) and _dark(img, x + t * w, y + h + 0.2), (b, t)
                assert _dark(img, x - 0.2, y + t * h) and _dark(img, x + w + 0.2, y + t * h), (b, t)
            inside = img[int((y + 2) * S) : int((y + h - 2) * S), int((x + 2) * S) : int((x + w - 2) * S)]
            assert inside.min() > 200, b  # and nothing is printed inside
        for c in page["bubbles"]:
            x, y, r = c["x"], c["y"], c["r"]
            for angle in np.linspace(0, 2 * np.pi, 12, endpoint=False):
                assert _dark(img, x + r * np.cos(angle), y + r * np.sin(angle)), c  # the ring
            for angle in np.linspace(0, 2 * np.pi, 12, endpoint=False):  # and nothing else just outside the ring
                i, j = int(round((y + (r + 1.0) * np.sin(angle)) * S)), int(round((x + (r + 1.0) * np.cos(angle)) * S))
                assert img[i, j] > 160, (c, angle)
        for sq in [*page["corners"].values(), page["qr"]]:
            assert _dark(img, sq["x"] + 1, sq["y"] + 1) and _dark(img, sq["x"] + sq["w"] - 1, sq["y"] + sq["h"] - 1)
    return data


@pytest.mark.pdf
def test_positions_match_the_rendered_page(tmp_path: Path) -> None:
    ps = pipeline.build_problem_set(7)
    pipeline.write_version(ps, tmp_path / "v")
    data = _check_version(tmp_path / "v")
    assert data["digest"] == sheetmarks.digest(sheet.layout(ps), "a4") and data["folder"] == "v"
    bubbles = [(c["target"], c["value"]) for p in data["pages"] for c in p["bubbles"]]
    hand = [a for q in ps.questions for p in q.parts for a in p.graded if a.kind == "text"]
    for a in hand:  # the score bubbles of an answer marked by hand: 0 to its points
        assert [v for t, v in bubbles if t == a.ref] == list(range(int(a.points or 0) + 1))
    for q in ps.questions:  # a part's row: 0 to its marks
        for p in q.parts:
            assert [v for t, v in bubbles if t == p.id] == list(range(int(p.points or 0) + 1))
    again = tmp_path / "again" / "v"
    pipeline.write_version(ps, again)
    assert (again / "sheet.json").read_bytes() == (tmp_path / "v" / "sheet.json").read_bytes()  # same inputs, same bytes


@pytest.mark.pdf
def test_letter_paper_large_print_and_half_marks(tmp_path: Path) -> None:
    cfg_file = tmp_path / "course.toml"
    cfg_file.write_text('[layout]\npaper = "letter"\nfont_size = 12\n[points]\n"1e" = 3.5\n', encoding="utf-8")
    cfg = config.load(cfg_file)
    ps = pipeline.build_problem_set(3, config=cfg)
    pipeline.write_version(ps, tmp_path / "v")
    data = _check_version(tmp_path / "v")
    assert data["paper"] == "letter"
    values = [c["value"] for p in data["pages"] for c in p["bubbles"] if c["target"] == "1e#1"]
    assert values == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]


def test_a_box_placed_twice_or_missing_stops_the_version() -> None:
    ps = pipeline.build_problem_set(7)
    answers = pipeline.answer_sheet(ps, "v")
    assert answers is not None
    layout = answers.layout
    height = sheet.PAPER_MM["a4"][1] * sheetmarks.BP_PER_MM
    first = layout.pages[0].rows[0].boxes[0]
    sp = 65536 * 72.27 / 72.0
    line = f"box {{{first.ref}}} {int(first.width * sp * sheetmarks.BP_PER_MM)} {int(float(first.height_tex[:-2]) * sp * sheetmarks.BP_PER_MM)} " \
           f"{int(100 * sp)} {int(500 * sp)} 9"
    placed = sheetjson.read_positions(line + "\n" + line + "\n", height)
    with pytest.raises(sheetjson.SheetError, match="placed 2 times"):
        sheetjson.build(layout, answers.marks, placed, 10, paper="a4", version=ps.version, seed=7, folder="v",
                        digest=answers.digest, source_sha256="")
    with pytest.raises(sheetjson.SheetError, match="placed 0 times"):
        sheetjson.build(layout, answers.marks, [], 10, paper="a4", version=ps.version, seed=7, folder="v",
                        digest=answers.digest, source_sha256="")
    with pytest.raises(sheetjson.SheetError, match="cannot read"):
        sheetjson.read_positions("box {1a#1} 12 x\n", height)


@pytest.mark.pdf
def test_digit_grids_are_where_sheet_json_says(tmp_path: Path) -> None:
    """[layout] digit_bubbles: every numeric answer's grid has a row of ten
    bubbles per place, the places its table and tolerance need, and a sign
    bubble when it may be negative; rendered, every ring is where it says."""
    (tmp_path / "course.toml").write_text("[layout]\ndigit_bubbles = true\n", encoding="utf-8")
    ps = pipeline.build_problem_set(4, config=config.load(tmp_path / "course.toml"))
    pipeline.write_version(ps, tmp_path / "v")
    data = _check_version(tmp_path / "v")
    digits = [c for p in data["pages"] for c in p["bubbles"] if c["kind"] == "digit"]
    numbers = [a for q in ps.questions for p in q.parts for a in p.graded if sheet.is_number(a)]
    assert {c["target"] for c in digits} == {a.ref for a in numbers} and len(numbers) >= 10
    for a in numbers:
        mine = [c for c in digits if c["target"] == a.ref]
        places = sorted({c["column"] for c in mine if c["column"] != "sign"}, reverse=True)
        assert places[-1] == -sheet.decimals(a)  # 0.005: two decimals, 0.0001: four
        assert 10 ** (places[0] + 1) > abs(round(float(a.value), sheet.decimals(a)))  # the integer places hold its value
        for place in places:
            assert sorted(c["value"] for c in mine if c["column"] == place) == list(range(10))
        assert any(c["column"] == "sign" for c in mine) or float(a.value) >= 0
    assert data["pages"][-1]["boxes"] == []  # the grids have a page of their own


@pytest.mark.pdf
@pytest.mark.parametrize("layout", ['paper = "letter"\nfont_size = 20', 'answer_space = "compact"\npaper = "letter"',
                                    'digit_bubbles = true\nfont_size = 14', 'paper = "letter"'])
def test_tex_places_every_layout_where_python_planned(tmp_path: Path, layout: str) -> None:
    """Large print, compact, letter, digit grids: TeX puts every box and bubble
    on the sheet page its layout planned (else the version stops), and the
    rendered page agrees with sheet.json."""
    (tmp_path / "course.toml").write_text(f"[layout]\n{layout}\n", encoding="utf-8")
    ps = pipeline.build_problem_set(6, config=config.load(tmp_path / "course.toml"))
    pipeline.write_version(ps, tmp_path / "v")
    data = _check_version(tmp_path / "v")
    if layout == 'paper = "letter"':
        assert len(data["pages"]) == 2  # the default sheet keeps to two pages on letter paper too
