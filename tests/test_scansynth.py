"""The synthetic scans (tests/scansynth.py) hold what their truth says: a filled
bubble is dark and an empty one is not, the degradations change the image as
they should, a corpus has one file per page with its truth, and one seed gives
the same bytes.

Most tests draw their own small class folder (a two-page handout whose second
and third pages are sheet pages, and its sheet.json), so that they need no TeX;
one runs on a version the generator writes, when it writes a sheet.json."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests import scansynth as ss

DPI = 150  # of the drawn handout
A4_BP = (595.28, 841.89)
ROOT = Path(__file__).resolve().parent.parent


def _row(target: str, n: int, x: float, y: float) -> list[dict[str, Any]]:
    return [{"target": target, "kind": "score", "value": k, "x": x + 11.62 * k, "y": y, "r": 4.54} for k in range(n)]


def _sheet_page(page: int, sheet_page: int) -> dict[str, Any]:
    corners = {name: {"x": x, "y": y, "w": 14.173, "h": 14.173}
               for name, x, y in (("tl", 22.677, 22.677), ("tr", 558.425, 22.677), ("bl", 22.677, 805.039), ("br", 558.425, 805.039))}
    boxes = [{"ref": f"{sheet_page}a#1", "x": 200.0, "y": 150.0, "w": 320.0, "h": 30.0},
             {"ref": f"{sheet_page}a#2", "x": 200.0, "y": 200.0, "w": 320.0, "h": 70.0},
             {"ref": f"{sheet_page}b#1", "x": 200.0, "y": 300.0, "w": 320.0, "h": 20.0}]
    bubbles = (_row(f"{sheet_page}a#1", 5, 101.25, 165.0) + _row(f"{sheet_page}a#2", 5, 101.25, 235.0)
               + _row(f"{sheet_page}b#1", 3, 101.25, 310.0) + _row(f"{sheet_page}a", 7, 101.25, 700.0)
               + _row(f"{sheet_page}b", 16, 101.25, 720.0) + _row(f"{sheet_page}c", 1, 101.25, 740.0))
    qr = {"x": 514.205, "y": 786.331, "w": 32.882, "h": 32.882, "text": f"NNS1 TEST1 1 s 1/{sheet_page} 00000000"}
    return {"page": page, "sheet_page": sheet_page, "width": A4_BP[0], "height": A4_BP[1], "qr": qr, "corners": corners,
            "boxes": boxes, "bubbles": bubbles}


def _draw(page_json: dict[str, Any] | None, rng: np.random.Generator) -> Image.Image:
    """A page as the handout prints it: text lines, or a sheet page's marks, boxes and bubbles."""
    s = DPI / 72
    img = np.full((round(A4_BP[1] * s), round(A4_BP[0] * s)), 255, np.uint8)
    if page_json is None:
        for k in range(30):
            cv2.putText(img, "The derivative of the logistic function, at every point", (int(72 * s), int((90 + 20 * k) * s)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.5, 0, 1, cv2.LINE_AA)
        return Image.fromarray(img)
    for c in page_json["corners"].values():
        cv2.rectangle(img, (int(c["x"] * s), int(c["y"] * s)), (int((c["x"] + c["w"]) * s), int((c["y"] + c["h"]) * s)), 0, -1)
    q = page_json["qr"]
    modules = rng.random((21, 21)) < 0.5
    m = q["w"] * s / 21
    for r, c in zip(*np.nonzero(modules)):
        cv2.rectangle(img, (int(q["x"] * s + c * m), int(q["y"] * s + r * m)), (int(q["x"] * s + (c + 1) * m), int(q["y"] * s + (r + 1) * m)), 0, -1)
    for b in page_json["boxes"]:
        cv2.rectangle(img, (int(b["x"] * s) - 1, int(b["y"] * s) - 1), (int((b["x"] + b["w"]) * s) + 1, int((b["y"] + b["h"]) * s) + 1), 0, 1)
    for u in page_json["bubbles"]:
        cv2.circle(img, (round(u["x"] * s), round(u["y"] * s)), round(u["r"] * s), 60, 1, cv2.LINE_AA)
        cv2.putText(img, str(u["value"]), (round((u["x"] - 2) * s), round((u["y"] + 2) * s)), cv2.FONT_HERSHEY_PLAIN, 0.5, 150, 1)
    return Image.fromarray(img)


def _drawn_class(root: Path, folders: tuple[str, ...] = ("s1", "s2")) -> Path:
    """A class folder of students whose handout is a text page and two sheet pages."""
    rng = np.random.default_rng(0)
    pages = [_sheet_page(2, 1), _sheet_page(3, 2)]
    images = [_draw(None, rng), *(_draw(p, rng) for p in pages)]
    for name in folders:
        folder = root / name
        folder.mkdir(parents=True)
        images[0].save(folder / "assignment.pdf", "PDF", save_all=True, append_images=images[1:], resolution=float(DPI))
        layout = {"format": "nn-answer-sheet/1", "version": "TEST1", "folder": name, "digest": "00000000", "paper": "a4",
                  "unit": "bp", "origin": "top-left", "pages": pages}
        (folder / "sheet.json").write_text(json.dumps(layout), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _drawn_class(tmp_path_factory.mktemp("class"))


def _disk_mean(img: np.ndarray[Any, Any], b: Mapping[str, Any], dpi: float, inner: float = 0.8) -> float:
    """The mean grey of the inner part of a bubble's disk."""
    s = dpi / 72
    cx, cy, r = b["x"] * s, b["y"] * s, inner * b["r"] * s
    x0, y0 = int(cx - r) - 1, int(cy - r) - 1
    window = img[y0:int(cy + r) + 2, x0:int(cx + r) + 2]
    yy, xx = np.mgrid[0:window.shape[0], 0:window.shape[1]]
    return float(window[(xx + x0 - cx) ** 2 + (yy + y0 - cy) ** 2 <= r * r].mean())


def _page(class_dir: Path, folder: str = "s1", k: int = 0) -> tuple[Path, dict[str, Any]]:
    layout = json.loads((class_dir / folder / "sheet.json").read_text(encoding="utf-8"))
    return class_dir / folder / "assignment.pdf", layout["pages"][k]


def test_a_filled_bubble_is_darker_than_an_empty_one(drawn: Path) -> None:
    pdf, page = _page(drawn)
    clean = ss.render_page(pdf, page["page"], 200)
    assert clean.dtype == np.uint8 and clean.ndim == 2 and clean.max() == 255
    rows = ss.bubble_rows(page)
    filled, truth = ss.fill_sheet_page(clean, page, 200, np.random.default_rng(1), dict.fromkeys(rows, "filled"), text_rate=0, strays=0)
    assert clean.min() > 0 or not np.array_equal(filled, clean)  # the clean page is left alone
    for target, row in rows.items():
        assert truth[target]["case"] == "filled"
        value = truth[target]["value"]
        assert value in [b["value"] for b in row]
        for b in row:
            mean = _disk_mean(filled, b, 200)
            if b["value"] == value:
                assert mean < 150, (target, b["value"], mean)
            else:
                assert mean > 215, (target, b["value"], mean)
                assert mean == pytest.approx(_disk_mean(clean, b, 200))


def test_every_case_marks_the_row_as_its_truth_says(drawn: Path) -> None:
    pdf, page = _page(drawn)
    clean = ss.render_page(pdf, page["page"], 300)
    rows = ss.bubble_rows(page)
    many = [t for t, row in rows.items() if len(row) >= 2]
    cases = ["empty", "filled", "crossed", "double", "half", "erased"]
    choices = {t: cases[k % len(cases)] for k, t in enumerate(many)}
    marked, truth = ss.fill_sheet_page(clean, page, 300, np.random.default_rng(2), choices, text_rate=0, strays=0)
    assert {t: truth[t]["case"] for t in many} == choices
    for target in many:
        case = truth[target]["case"]
        means = sorted(_disk_mean(marked, b, 300) for b in rows[target])
        assert (truth[target]["value"] is not None) == (case == "filled")
        if case == "empty":
            assert means[0] > 215
        elif case == "filled":
            assert means[0] < 150 < 215 < means[1]
        elif case in ("crossed", "double"):
            assert means[1] < 150 < 215 < means[2]
        elif case == "half":
            assert 100 < means[0] < 215 < means[1]
        else:  # erased: a light smudge, lighter than any fill
            assert 150 < means[0] < 240 and means[0] < means[1] - 5
    with pytest.raises(ValueError, match="cannot be 'double'"):
        ss.fill_sheet_page(clean, page, 300, np.random.default_rng(0), {next(t for t, row in rows.items() if len(row) == 1): "double"})


def test_writing_stays_inside_its_box(drawn: Path) -> None:
    pdf, page = _page(drawn)
    img = ss.render_page(pdf, page["page"], 300)
    rng = np.random.default_rng(3)
    s = 300 / 72
    for _ in range(10):
        for box in page["boxes"]:
            before = img.copy()
            ink = ss.write_in_box(img, box, 300, rng)
            assert ink is not None
            x0, y0, x1, y1 = ink
            assert box["x"] * s + 2 <= x0 < x1 <= (box["x"] + box["w"]) * s - 2
            assert box["y"] * s + 2 <= y0 < y1 <= (box["y"] + box["h"]) * s - 2
            changed = np.nonzero(before != img)
            assert changed[0].min() >= y0 and changed[0].max() < y1 and changed[1].min() >= x0 and changed[1].max() < x1
            img = before


def test_degradations_change_the_image_as_they_say() -> None:
    rng = np.random.default_rng(4)
    page = ss.blank_page(*A4_BP, 100)
    h, w = page.shape
    assert ss.degrade(page, rng, rotate=90).shape == (w, h)
    assert ss.degrade(page, rng, rotate=180).shape == (h, w)
    skewed = ss.degrade(page, rng, skew_deg=4.0)
    assert skewed.shape[0] > h and skewed.shape[1] > w
    half = ss.degrade(page, rng, scale=0.5, colour=True)
    assert half.shape == (round(h / 2), round(w / 2), 3)
    assert half[..., 0].mean() < half[..., 2].mean()  # a warm paper: less blue than red
    letter = ss.degrade(page, rng, paper_swap=True)
    assert letter.shape == (round(11 * 100), round(8.5 * 100))
    assert ss.degrade(letter, rng, paper_swap=True).shape == (round(297 / 25.4 * 100), round(210 / 25.4 * 100))
    toned = ss.degrade(page, rng, white=240, black=20, noise_sigma=5, jpeg_quality=60)
    assert 236 < toned.mean() < 244 and toned.std() > 2
    with pytest.raises(ValueError):
        ss.degrade(page, rng, rotate=45)
    with pytest.raises(ValueError):
        ss.degrade(page, rng, skew_deg=6)


def test_a_dark_mark_turns_with_the_page() -> None:
    page = ss.blank_page(*A4_BP, 72)
    page[10:20, 30:40] = 0  # near the top-left corner
    turned = ss.degrade(page, np.random.default_rng(0), rotate=90)  # counter-clockwise: the top-left goes to the bottom-left
    ys, xs = np.nonzero(turned < 128)
    assert ys.min() >= turned.shape[0] - 40 and xs.max() < 20


def test_a_corpus_has_a_file_and_a_truth_for_every_page(drawn: Path, tmp_path: Path) -> None:
    truths = ss.make_corpus(drawn, tmp_path, np.random.default_rng(5), dpi_choices=(100, 150), print_dpi=150)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [t.file for t in truths]
    assert [f.split(".")[0] for f in files] == [f"scan-{k:04d}" for k in range(1, 2 * 2 + 3 + 1)]
    sheets = [t for t in truths if t.kind == "sheet"]
    assert sorted((t.folder, t.sheet_page) for t in sheets if t.rescan_of is None) == [("s1", 1), ("s1", 2), ("s2", 1), ("s2", 2)]
    assert sorted(t.kind for t in truths if t.kind != "sheet") == ["blank", "handout"]
    handout = next(t for t in truths if t.kind == "handout")
    assert (handout.page, handout.sheet_page, handout.rows) == (1, None, {})
    again = [t for t in truths if t.rescan_of is not None]
    assert len(again) == 1 and str(again[0].rescan_of) < again[0].file
    first = next(t for t in truths if t.file == again[0].rescan_of)
    assert (first.folder, first.sheet_page, first.rows) == (again[0].folder, again[0].sheet_page, again[0].rows)
    for t in sheets:
        page = json.loads((drawn / str(t.folder) / "sheet.json").read_text(encoding="utf-8"))["pages"][int(t.sheet_page or 0) - 1]
        assert set(t.rows) == set(ss.bubble_rows(page))
        assert all(r["case"] in ss.CASES and (r["value"] is None) == (r["case"] != "filled") for r in t.rows.values())
    assert {t.params.rotate for t in truths} == {0, 90, 180, 270}
    assert all(t.params.jpeg_quality is not None for t in truths if t.file.endswith(".jpg"))
    for t in truths:
        with Image.open(tmp_path / t.file) as im:
            assert im.info["dpi"][0] == pytest.approx(t.dpi, abs=0.5)
            width_bp = im.size[0 if t.params.rotate in (0, 180) else 1] * 72 / t.dpi
            assert width_bp > 0.95 * A4_BP[0]
    json.loads(ss.truths_json(truths))


def test_one_seed_gives_the_same_bytes(drawn: Path, tmp_path: Path) -> None:
    made = []
    for run in ("a", "b"):
        out = tmp_path / run
        truths = ss.make_corpus(drawn, out, np.random.default_rng(6), dpi_choices=(100,), print_dpi=100)
        pages = [np.asarray(Image.open(out / t.file)) for t in truths[:2]]
        ss.pages_pdf(pages, out / "scans.pdf", 100)
        doc = pdfium.PdfDocument(str(out / "scans.pdf"))
        assert [doc[k].get_size() for k in range(len(doc))] == [pytest.approx((p.shape[1] * 0.72, p.shape[0] * 0.72)) for p in pages]
        doc.close()
        made.append((truths, {p.name: p.read_bytes() for p in sorted(out.iterdir())}))
    assert made[0][0] == made[1][0]
    assert made[0][1] == made[1][1]
    other = ss.make_corpus(drawn, tmp_path / "c", np.random.default_rng(7), dpi_choices=(100,), print_dpi=100)
    assert other != made[0][0]


@pytest.mark.pdf
def test_a_generated_version_scans_too(tmp_path: Path) -> None:
    """On the generator's own handout: the sheet pages are found and filled, the
    handout's first page is a foreign page."""
    r = subprocess.run([sys.executable, "-m", "generator", "--seed", "1", "--out", str(tmp_path / "class"), "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    if not (tmp_path / "class" / "seed-1" / "sheet.json").is_file():
        pytest.skip("this generator writes no sheet.json")
    truths = ss.make_corpus(tmp_path / "class", tmp_path / "scans", np.random.default_rng(8), dpi_choices=(150,))
    layout = json.loads((tmp_path / "class" / "seed-1" / "sheet.json").read_text(encoding="utf-8"))
    assert len(truths) == len(layout["pages"]) + 3
    for p in layout["pages"]:
        clean = ss.render_page(tmp_path / "class" / "seed-1" / "assignment.pdf", p["page"], 150)
        filled, truth = ss.fill_sheet_page(clean, p, 150, np.random.default_rng(9), dict.fromkeys(ss.bubble_rows(p), "filled"))
        for target, row in ss.bubble_rows(p).items():
            b = next(b for b in row if b["value"] == truth[target]["value"])
            assert _disk_mean(filled, b, 150) < 150 < 215 < _disk_mean(clean, b, 150)
