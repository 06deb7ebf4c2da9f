"""``python -m generator scan``: answer sheets filled, printed to images and
degraded by tests/scansynth.py (rotations, skew, blur, noise, JPEG, 150 to 600
dpi, colour, the other paper size, shuffled, with foreign pages) are read back:
every sheet page identified, no bubble read wrong, every unsure row in the
review list, every crop within 1 mm of its box; batches add up, a rerun
changes nothing, and the marks read grade the class as the same marks typed."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from generator import classset
from generator.model import Student
from generator.scan import images, read, run
from tests import scansynth as ss

ROOT = Path(__file__).resolve().parent.parent
MM_BP = 72.0 / 25.4


def _class(tmp: Path, n: int, seed: int, name: str = "c") -> Path:
    return classset.make(seed, [Student(str(k)) for k in range(1, n + 1)], tmp / name, jobs=2, quiet=True).folder


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _frame_within_1mm(crop: np.ndarray, box: dict[str, Any]) -> None:
    """The box's frame lies within 1 mm of where the crop should have it: its
    rules are the lines dark all along near the crop's margin (writing inside
    the box darkens a row or column only in places)."""
    k = read.CROP_DPI / 72.0
    m = read.CROP_MARGIN_BP
    ink = np.clip(1.0 - crop / max(float(np.percentile(crop, 90)), 1.0), 0.0, 1.0)
    tol = int(np.ceil(MM_BP * k))
    for axis, edges in ((0, (m, m + box["h"])), (1, (m, m + box["w"]))):
        inner = ink[:, int(m * k) : -int(m * k)] if axis == 0 else ink[int(m * k) : -int(m * k), :]  # along the box only
        profile = np.median(inner, axis=1 - axis)  # per row (axis 0) or per column (axis 1): dark all along (a rule, not writing)
        for edge in edges:
            at = int(round(edge * k))
            lo, hi = max(at - 2 * tol, 0), min(at + 2 * tol + 1, len(profile))
            best = lo + int(np.argmax(profile[lo:hi]))
            assert profile[best] > float(np.median(profile)) + 0.04, (box, axis, edge, profile[lo:hi].round(2).tolist())
            assert abs(best - at) <= tol, (box, axis, edge, best, at)


def _check_page(rec: dict[str, Any], truth: ss.PageTruth, layout: dict[str, Any], pages_dir: Path) -> tuple[int, int]:
    """One read page against its truth: (rows read, rows sent to review)."""
    assert rec["status"] == "read", (truth.file, rec["status"], rec.get("detail"), truth.params)
    assert (rec["folder"], rec["sheet_page"]) == (truth.folder, truth.sheet_page), truth.file
    read_rows = reviewed = 0
    for target, t in truth.rows.items():
        row = rec["rows"][target]
        if t["case"] == "filled":
            assert (row["state"], row["value"]) == ("value", t["value"]), (truth.file, target, t, row)
            read_rows += 1
        elif t["case"] == "empty":
            assert row["state"] == "blank", (truth.file, target, row)
            read_rows += 1
        else:  # every unsure case goes to review, never read as a value
            assert row["state"] == "review", (truth.file, target, t, row)
            reviewed += 1
    assert truth.sheet_page is not None
    page = layout["pages"][truth.sheet_page - 1]
    for box in page["boxes"]:
        crop = cv2.imread(str(pages_dir / rec["id"] / rec["crops"][box["ref"]]), cv2.IMREAD_GRAYSCALE)
        assert crop is not None
        _frame_within_1mm(crop, box)
    return read_rows, reviewed


@pytest.mark.pdf
def test_a_shuffled_degraded_pile_is_read_exactly(tmp_path: Path) -> None:
    made = _class(tmp_path, 3, 5)
    pile = tmp_path / "pile"
    truths = ss.make_corpus(made, pile, np.random.default_rng(7), dpi_choices=(150, 200, 300))
    summary = run.scan(made, [pile], jobs=2)
    scans = made / "scans"
    assert summary.new == len(truths) and summary.already == 0
    pages = {r["source"].rsplit("/", 1)[-1]: r for r in _csv(scans / "pages.csv")}
    state = {Path(r["source"]).name: r for r in run.load_state(scans)}
    rescans = {t.rescan_of for t in truths if t.rescan_of}
    for t in truths:
        p = pages[t.file]
        if t.kind == "blank":
            assert p["status"] == "blank"
        elif t.kind == "handout":
            assert p["status"] == "no code"
        else:
            assert p["status"] == ("replaced" if t.file in rescans else "read"), (t.file, p)
            layout = json.loads((made / t.folder / "sheet.json").read_text(encoding="utf-8"))  # type: ignore[operator]
            _check_page(state[t.file], t, layout, scans / "pages")
    # marks.csv holds what every clear row says, review.csv every unsure row of a page kept
    marks = {r["id"]: r for r in _csv(scans / "marks.csv")}
    review = {(r["folder"], r["target"]) for r in _csv(scans / "review.csv") if r["what"] == "unsure read"}
    for t in truths:
        if t.kind != "sheet" or t.file in rescans:
            continue
        row = marks[t.folder]  # type: ignore[index]
        for target, truth in t.rows.items():
            column = next(c for c in row if c.split(" ")[0] == target)
            assert row[column] == (str(truth["value"]) if truth["case"] == "filled" else ""), (t.file, target)
            assert ((t.folder, target) in review) == (truth["case"] in ss.AMBIGUOUS), (t.file, target)
    assert any(r["what"] == "page scanned twice" for r in _csv(scans / "review.csv"))
    for folder in ("1", "2", "3"):  # every box's crop, named by ref and folder
        layout = json.loads((made / folder / "sheet.json").read_text(encoding="utf-8"))
        for page in layout["pages"]:
            for box in page["boxes"]:
                assert (scans / "crops" / box["ref"] / f"{folder}.png").is_file()
    assert (scans / "review.pdf").read_bytes().startswith(b"%PDF-")
    # a rerun reads nothing again and changes no byte
    before = {p: p.read_bytes() for p in scans.rglob("*") if p.is_file()}
    again = run.scan(made, [pile], jobs=1)
    assert again.new == 0 and again.already == len(truths)
    assert {p: p.read_bytes() for p in scans.rglob("*") if p.is_file()} == before


@pytest.mark.pdf
def test_batches_add_up_and_foreign_pages_are_listed(tmp_path: Path) -> None:
    made = _class(tmp_path, 2, 9)
    pile = tmp_path / "pile"
    truths = ss.make_corpus(made, pile, np.random.default_rng(3), dpi_choices=(200, 300), extra_foreign=False)
    other = _class(tmp_path, 1, 10, "other")  # another class: same folder name "1", another version
    foreign = tmp_path / "foreign"
    ss.make_corpus(other, foreign, np.random.default_rng(4), dpi_choices=(200,), extra_foreign=False)
    # the class made again with other marks: every page of `pile` is of an older layout now
    from generator import config

    (tmp_path / "course.toml").write_text('[points]\n"1e" = 3\n"3.2" = 7\n', encoding="utf-8")
    remade = classset.make(9, [Student("1"), Student("2")], tmp_path / "c", jobs=2, quiet=True,
                           config=config.load(tmp_path / "course.toml")).folder
    assert remade == made
    whole = tmp_path / "whole"
    shutil.copytree(made, whole)
    files = sorted(pile.iterdir())
    first, second = tmp_path / "b1", tmp_path / "b2"
    first.mkdir()
    second.mkdir()
    for k, f in enumerate(files):
        shutil.copy(f, (first if k % 2 else second) / f.name)
    run.scan(made, [first])
    s2 = run.scan(made, [second, sorted(foreign.iterdir())[0]])
    pages = _csv(made / "scans" / "pages.csv")
    assert sum(1 for p in pages if p["status"] == "older layout") == len(truths)
    assert [p["status"] for p in pages if Path(p["source"]).parent.name == "foreign"] == ["other class"]
    assert s2.read == 0
    # and the pages printed from the current layout, in one batch into a copy: the same outputs as two batches
    fresh = tmp_path / "fresh"
    new_truths = ss.make_corpus(made, fresh, np.random.default_rng(6), dpi_choices=(200, 300), extra_foreign=False)
    half = len(new_truths) // 2
    a, b = tmp_path / "n1", tmp_path / "n2"
    a.mkdir()
    b.mkdir()
    for k, f in enumerate(sorted(fresh.iterdir())):
        shutil.copy(f, (a if k < half else b) / f.name)
    run.scan(made, [a])
    run.scan(made, [b])
    run.scan(whole, [first, second, sorted(foreign.iterdir())[0]])
    run.scan(whole, [a, b])
    for name in ("marks.csv", "review.csv"):
        assert (made / "scans" / name).read_bytes() == (whole / "scans" / name).read_bytes(), name
    marks = {m["id"]: m for m in _csv(made / "scans" / "marks.csv")}
    for t in new_truths:  # the remade class's score rows: 1e#1 now 0 to 3
        assert t.folder is not None
        if "1e#1" in t.rows:
            want = t.rows["1e#1"]
            assert marks[t.folder]["1e#1 (of 3)"] == (str(want["value"]) if want["case"] == "filled" else "")


def _typed(template: Path, out: Path, cells: dict[str, dict[str, str]]) -> Path:
    """A class template filled in as a TA would type it: each student's cell
    under a column headed by a ref or part (``1e#1 (of 4)``, ``1c mark (of
    15)``, ``2b#3``) from ``cells[id][ref]``, every other cell blank."""
    with template.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0])
        for row in rows[1:]:
            w.writerow(row[:2] + [cells.get(row[0], {}).get(c.split(" ")[0], "") for c in rows[0][2:]])
    return out


def _fill_number(img: np.ndarray, grid: list[Mapping[str, Any]], text: str, dpi: float, rng: np.random.Generator) -> None:
    """Fill a digit grid with ``text`` as a student would: the sign's bubble
    when negative, one digit a place from the first significant digit to the
    last, the places before and after left empty."""
    places = sorted({int(b["column"]) for b in grid if b["column"] != "sign"}, reverse=True)
    negative = text.startswith("-")
    whole, _, frac = text.lstrip("-").partition(".")
    digits = {len(whole) - 1 - k: int(c) for k, c in enumerate(whole)}
    digits.update({-(k + 1): int(c) for k, c in enumerate(frac)})
    assert set(digits) <= set(places), (text, places)
    lit = [p for p in places if p in digits and (p <= 0 or digits[p] != 0 or any(digits.get(q, 0) for q in places if q > p))]
    for b in grid:
        on = (b["column"] == "sign" and negative) or (b["column"] != "sign" and int(b["column"]) in lit
                                                      and digits[int(b["column"])] == b["value"])
        if on:
            ss.fill_bubble(img, b["x"], b["y"], b["r"], dpi, rng, float(rng.uniform(0.7, 1.0)), float(rng.uniform(0.8, 1.0)))


@pytest.mark.pdf
def test_marks_and_numbers_read_from_scans_grade_like_the_same_typed(tmp_path: Path) -> None:
    """A class of 6 with digit grids: the scores, part marks and numbers read
    from the scans give the grades.csv the same marks and numbers typed give."""
    from generator import config

    (tmp_path / "course.toml").write_text("[layout]\ndigit_bubbles = true\n", encoding="utf-8")
    made = classset.make(21, [Student(str(k)) for k in range(1, 7)], tmp_path / "c", jobs=2, quiet=True,
                         config=config.load(tmp_path / "course.toml")).folder
    rng = np.random.default_rng(11)
    pile = tmp_path / "pile"
    pile.mkdir()
    typed: dict[str, dict[str, str]] = {}
    numbers: dict[str, dict[str, str]] = {}
    n = 0
    for folder in ss.student_folders(made):
        key = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
        values = {a["ref"]: a["value"] for q in key["questions"] for p in q["parts"] for a in p["answers"] if a["ref"]}
        layout = json.loads((folder / "sheet.json").read_text(encoding="utf-8"))
        for page in layout["pages"]:
            rows = ss.bubble_rows(page)
            grids = {t: r for t, r in rows.items() if r[0]["kind"] == "digit"}
            choices = {t: ("empty" if t in grids else "filled" if "#" in t or rng.random() < 0.3 else "empty") for t in rows}
            clean = ss.render_page(folder / "assignment.pdf", page["page"], 200)
            filled, truth = ss.fill_sheet_page(clean, page, 200, rng, choices)
            for target, t in truth.items():
                if t["case"] == "filled":
                    typed.setdefault(folder.name, {})[target] = str(t["value"])
            for target, grid in grids.items():
                decimals = -min(int(b["column"]) for b in grid if b["column"] != "sign")
                value = float(values[target]) * (1.0 if rng.random() < 0.7 else 0.5)  # right, or a wrong number (as many places)
                text = f"{value:.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:.0f}"
                text = "0" if text in ("-0", "") else text
                _fill_number(filled, grid, text, 200, rng)
                numbers.setdefault(folder.name, {})[target] = text
            n += 1
            scan = ss.degrade(filled, rng, rotate=int(rng.choice([0, 90, 180, 270])), skew_deg=float(rng.uniform(-2, 2)),
                              blur_sigma=0.5, noise_sigma=2.0)
            ss.write_image(scan, pile / f"p{n:03d}.png", dpi=200)
    assert sum(len(v) for v in numbers.values()) >= 6 * 10
    run.scan(made, [pile])
    assert not [r for r in _csv(made / "scans" / "review.csv")]
    read_back = {r["id"]: r for r in _csv(made / "scans" / "responses.csv")}
    for sid, cells in numbers.items():
        for ref, text in cells.items():
            assert float(read_back[sid][ref]) == float(text), (sid, ref, text, read_back[sid][ref])
    by_hand = _typed(made / "marks-template.csv", tmp_path / "typed.csv", typed)
    typed_numbers = _typed(made / "responses-template.csv", tmp_path / "typed-responses.csv", numbers)
    copy = tmp_path / "copy"
    shutil.copytree(made, copy)

    def grade(class_dir: Path, marks: Path, responses: Path) -> bytes:
        r = subprocess.run([sys.executable, "-m", "generator", "grade", str(class_dir), "--marks", str(marks), "--responses",
                            str(responses), "--no-pdf", "--quiet"], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return (class_dir / "grading" / "grades.csv").read_bytes()

    scanned = grade(made, made / "scans" / "marks.csv", made / "scans" / "responses.csv")
    assert scanned == grade(copy, by_hand, typed_numbers)
    totals = [float(r["total"]) for r in csv.DictReader(scanned.decode("utf-8").splitlines())]
    assert len(totals) == 6 and max(totals) > 30  # numbers right were graded right


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    def scan(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "generator", "scan", *args], cwd=ROOT, capture_output=True, text=True)

    r = scan(str(tmp_path), str(tmp_path))
    assert r.returncode == 2 and "not a class folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = scan(str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_corrupt_and_huge_images_are_one_page_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    pages = list(images.pages_of(bad))
    assert len(pages) == 1 and pages[0].image is None and "decode" in pages[0].problem
    huge = tmp_path / "huge.png"  # 20000 x 20000 pixels claimed: refused before it is decoded
    ok, buf = cv2.imencode(".png", np.full((20000, 20000), 255, np.uint8)[:1, :1])
    assert ok
    raw = bytearray(buf.tobytes())
    raw[16:24] = (20000).to_bytes(4, "big") * 2
    huge.write_bytes(bytes(raw))
    pages = list(images.pages_of(huge))
    assert len(pages) == 1 and pages[0].image is None
    assert list(images.pages_of(tmp_path / "missing.pdf"))[0].problem.startswith("cannot be read")


@pytest.mark.slow
@pytest.mark.pdf
def test_two_hundred_pages_every_one_identified_no_bubble_wrong(tmp_path: Path) -> None:
    made = _class(tmp_path, 10, 31)
    sheets = run.ClassSheets.load(made)
    layouts = {f.name: json.loads((f / "sheet.json").read_text(encoding="utf-8")) for f in ss.student_folders(made)}
    incoming = tmp_path / "pages"
    counted = rows = reviewed = 0
    for k in range(10):
        pile = tmp_path / f"pile{k}"
        truths = ss.make_corpus(made, pile, np.random.default_rng(100 + k),
                                dpi_choices=(150, 200, 300, 600) if k == 0 else (150, 200, 300), extra_foreign=(k < 2))
        for t in truths:
            page = next(images.pages_of(pile / t.file))
            rec = run.read_page(page, sheets, incoming)
            if t.kind == "sheet":
                assert t.folder is not None
                r, v = _check_page(rec, t, layouts[t.folder], incoming)
                rows, reviewed, counted = rows + r, reviewed + v, counted + 1
            else:
                assert rec["status"] in ("blank", "no code"), (t.file, rec)
        shutil.rmtree(pile)
    print(f"{counted} sheet pages identified, {rows} bubble rows read right, {reviewed} unsure rows sent to review")
    assert counted >= 200
    assert rows > 1500 and reviewed > 50  # rows read right, and unsure ones sent to review


@pytest.mark.pdf
def test_a_pdf_of_scans_read_in_chunks_by_two_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scanner's PDF: every page rasterized and read, the file's pages shared
    between the workers a few at a time, in the file's order."""
    made = _class(tmp_path, 2, 13)
    rng = np.random.default_rng(2)
    scans: list[np.ndarray] = []
    truths: list[tuple[str, int, dict[str, ss.RowTruth]]] = []
    for folder in ss.student_folders(made):
        layout = json.loads((folder / "sheet.json").read_text(encoding="utf-8"))
        for page in layout["pages"]:
            clean = ss.render_page(folder / "assignment.pdf", page["page"], 300)
            filled, truth = ss.fill_sheet_page(clean, page, 300, rng)
            scans.append(ss.degrade(filled, rng, rotate=int(rng.choice([0, 90, 180, 270])), skew_deg=1.5, scale=2 / 3, noise_sigma=2))
            truths.append((folder.name, page["sheet_page"], truth))
    ss.pages_pdf(scans, tmp_path / "pile.pdf", 200)
    monkeypatch.setattr(run, "PDF_CHUNK", 2)
    assert len(run.tasks_of([tmp_path / "pile.pdf"])) == (len(scans) + 1) // 2
    summary = run.scan(made, [tmp_path / "pile.pdf"], jobs=2)
    assert summary.read == len(scans) and summary.missing_pages == 0
    pages = _csv(made / "scans" / "pages.csv")
    assert [(p["folder"], int(p["sheet_page"]), int(p["page"])) for p in pages] == \
        [(f, k, n) for n, (f, k, _) in enumerate(truths, 1)]
    marks = {m["id"]: m for m in _csv(made / "scans" / "marks.csv")}
    for name, _, truth in truths:
        for target, t in truth.items():
            column = next(c for c in marks[name] if c.split(" ")[0] == target)
            assert marks[name][column] == (str(t["value"]) if t["case"] == "filled" else "")


@pytest.mark.pdf
def test_an_interrupted_scan_leaves_the_scans_folder_as_it_was(tmp_path: Path) -> None:
    import signal
    import time

    made = _class(tmp_path, 1, 17)
    pile = tmp_path / "pile"
    ss.make_corpus(made, pile, np.random.default_rng(1), dpi_choices=(300,), extra_foreign=False)
    first = sorted(pile.iterdir())[0]
    run.scan(made, [first])  # an earlier batch: its outputs must survive the interrupted one
    before = {p: p.read_bytes() for p in (made / "scans").rglob("*") if p.is_file()}
    many = tmp_path / "many"
    many.mkdir()
    for k in range(200):  # pages of their own (each file's bytes differ), enough to be stopped half-way
        data = bytearray(sorted(pile.iterdir())[k % 2].read_bytes())
        (many / f"s{k:03d}.png").write_bytes(bytes(data) + k.to_bytes(2, "big"))
    # SIGINT at its default in the child, also when the tests run as a background job (a shell
    # without job control starts those with SIGINT ignored, and Python then keeps it ignored)
    proc = subprocess.Popen([sys.executable, "-m", "generator", "scan", str(made), str(many), "--jobs", "2", "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    incoming = made / "scans" / ".incoming"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:  # until a few pages are read into .incoming
        if incoming.is_dir() and sum(1 for _ in incoming.iterdir()) >= 4:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    after = {p: p.read_bytes() for p in (made / "scans").rglob("*") if p.is_file()}
    assert after == before
    assert not (made / "scans" / ".incoming").exists()
