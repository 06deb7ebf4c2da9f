"""``python -m generator scan``: a pile of scans turned into ``CLASS_DIR/scans/``.

Every page of every file is identified by its QR code, registered and read
(:mod:`generator.scan.read`) in worker processes, one file (or a run of a
PDF's pages) at a time, so memory stays flat however large the pile. What a
page gave is kept in ``scans/pages.json`` (the state), keyed by the SHA-256 of
its file and its page number: a page already read is not read again, so a
second batch adds its pages to the first and rerunning a batch changes
nothing. Each read page's crops go to ``scans/pages/<id>/``; every other
output is made again from the state at the end of each run:

- ``crops/<ref>/<folder>.png``: each answer box of each student (hard links to
  the kept page's crops);
- ``marks.csv``: the columns of ``marks-template.csv``, the scores and part
  marks read from the bubbles (a cell whose row went to review is left blank);
- ``review.csv`` and ``review.pdf``: every read the scanner was not sure of
  (a row with two marks, a half-filled or erased bubble), with its crop, and
  every page it could not use (no code, another class, an older layout, not
  registered, scanned twice, unreadable) and every page missing, per student;
- ``pages.csv``: every page of the pile and what became of it.

A page of a student scanned twice is flagged and the later one kept (later in
the order the files were given, a later batch after an earlier). New pages
are read into ``scans/.incoming/`` and moved into place with the state, which
is written last and atomically: an interrupted run leaves the earlier state
and outputs as they were.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import shutil
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import compile, render
from ..csvcells import text_row
from ..errors import TexError, UsageError
from ..files import replace_atomic, write_atomic
from ..grade import marks as marks_mod
from ..key import Entry, class_refs, read_manifest
from ..render import points_number
from ..sheetjson import FORMAT as SHEET_FORMAT
from ..sheetjson import NAME as SHEET_NAME
from ..sheetmarks import payload_folder
from . import images, read

STATE_FORMAT = "nn-scan-state/1"
FOLDER = "scans"
STATE = "pages.json"
PDF_CHUNK = 8  # a PDF's pages are read this many to a task


# --------------------------------------------------------------------------
# The class as the scanner sees it


@dataclass
class ClassSheets:
    """A class folder's students and their sheet layouts, by the folder name
    their codes carry."""

    class_dir: Path
    by_code: dict[str, Entry]
    class_seed: int | None = None
    _sheets: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, class_dir: Path) -> ClassSheets:
        manifest = read_manifest(class_dir / "manifest.json")
        return cls(class_dir, {payload_folder(e.folder): e for e in manifest.students}, manifest.class_seed)

    def sheet(self, folder: str) -> dict[str, Any] | None:
        """A student folder's sheet.json, None when it has none (or not a readable one)."""
        if folder not in self._sheets:
            try:
                data = json.loads((self.class_dir / folder / SHEET_NAME).read_text(encoding="utf-8"))
                self._sheets[folder] = data if isinstance(data, dict) and data.get("format") == SHEET_FORMAT else None
            except (OSError, ValueError):
                self._sheets[folder] = None
        return self._sheets[folder]


_class: ClassSheets | None = None
_known: frozenset[str] = frozenset()


def _init_worker(class_dir: str, known: frozenset[str], worker: bool = True) -> None:
    global _class, _known
    if worker:  # Ctrl-C is the main process's to handle: it stops the pool and leaves the scans folder as it was
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _class, _known = ClassSheets.load(Path(class_dir)), known


# --------------------------------------------------------------------------
# Reading one page


def page_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def read_page(page: images.Page, sheets: ClassSheets, incoming: Path) -> dict[str, Any]:
    """What one page gives: a JSON-able record (see the module's text); its
    crops are written to ``incoming/<id>/``."""
    rec: dict[str, Any] = {"key": page.key, "source": page.source, "index": page.index, "id": page_id(page.key)}
    if page.image is None:
        return {**rec, "status": "unreadable", "detail": page.problem}
    gray = page.image
    here = incoming / rec["id"]

    def thumbnail() -> None:
        here.mkdir(parents=True, exist_ok=True)
        images.write_png(here / "page.png", images.thumbnail(gray))

    dpi = read.estimate_dpi(gray)
    code = read.find_code(gray, dpi)
    if code is None:
        if read.is_blank(gray):
            return {**rec, "status": "blank", "detail": "a blank page"}
        thumbnail()
        return {**rec, "status": "no code", "detail": "no answer-sheet code found (not a sheet page, or the code is unreadable)"}
    payload = read.parse_payload(code.text)
    if payload is None:
        thumbnail()
        return {**rec, "status": "foreign", "detail": f"a code that is not an answer sheet's: {code.text[:40]!r}"}
    entry = sheets.by_code.get(payload.folder)
    rec.update({"code": code.text, "sheet_page": payload.page})
    other_seed = sheets.class_seed is not None and payload.seed not in ("-", str(sheets.class_seed))
    if entry is None or entry.version != payload.version or other_seed:
        thumbnail()
        return {**rec, "status": "other class",
                "detail": f"version {payload.version} of {payload.folder!r}" + (f" of class {payload.seed}" if payload.seed != "-" else "")
                + " is no student's of this class"}
    rec["folder"] = entry.folder
    layout = sheets.sheet(entry.folder)
    if layout is None:
        thumbnail()
        return {**rec, "status": "no layout", "detail": f"{entry.folder}/{SHEET_NAME} is missing (a class set made with --no-pdf?)"}
    if layout.get("digest") != payload.digest or payload.pages != len(layout["pages"]):
        thumbnail()
        return {**rec, "status": "older layout",
                "detail": f"printed from another layout of {entry.folder}'s sheet (code {payload.digest}, sheet.json {layout.get('digest')})"}
    sheet_page = layout["pages"][payload.page - 1]
    try:
        reg = read.register(gray, sheet_page, code)
    except read.NotRegistered as exc:
        thumbnail()
        return {**rec, "status": "not registered", "detail": str(exc)}
    here.mkdir(parents=True, exist_ok=True)
    crops = {}
    for box in sheet_page["boxes"]:
        crops[box["ref"]] = f"{_safe(box['ref'])}.png"
        images.write_png(here / crops[box["ref"]], read.crop(gray, reg, box))
    bubbles = [read.read_bubble(gray, reg, b) for b in sheet_page["bubbles"]]
    rows = read.read_rows(bubbles)
    by_target: dict[str, list[dict[str, Any]]] = {}
    for b in sheet_page["bubbles"]:
        by_target.setdefault(b["target"], []).append(b)

    def row_picture(target: str) -> None:  # a row (or digit grid) to review: its bubbles as scanned
        images.write_png(here / f"row-{_safe(target)}.png", read.crop(gray, reg, read.row_rect(by_target[target]), margin_bp=8.0))

    out_rows = {}
    for target, row in rows.items():
        if "@" in target:
            continue  # a digit grid's place: read as a whole number below
        if row.state == "review":
            row_picture(target)
        out_rows[target] = {"state": row.state, "value": row.value, "reason": row.reason, "seen": row.seen()}
    numbers = {}
    for target in dict.fromkeys(b["target"] for b in sheet_page["bubbles"] if b.get("kind") == "digit"):
        n = read.read_number(target, rows)
        if n.state == "review":
            row_picture(target)
        numbers[target] = {"state": n.state, "text": n.text, "reason": n.reason}
    return {**rec, "status": "read", "detail": f"{reg.marks_found} corner marks, {reg.residual_mm:.2f} mm", "rows": out_rows,
            "numbers": numbers, "crops": crops}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in name)


@dataclass(frozen=True)
class Task:
    path: str
    first: int  # 1-based page range of the file (a PDF's), 0 for every page
    last: int
    order: int


def _run_task(task: Task, incoming: str, dpi: float) -> list[dict[str, Any]]:
    assert _class is not None
    out = []
    for page in images.pages_of(Path(task.path), dpi, task.first, task.last, _known):
        if page.key in _known:
            out.append({"key": page.key, "order": [task.order, page.index]})
            continue
        rec = read_page(page, _class, Path(incoming))
        rec["order"] = [task.order, page.index]
        out.append(rec)
    return out


def tasks_of(files: Sequence[Path]) -> list[Task]:
    """One task per image file, a PDF's pages :data:`PDF_CHUNK` to a task."""
    out = []
    for k, f in enumerate(files):
        n = images.pdf_page_count(f)
        if n > PDF_CHUNK:
            out += [Task(str(f), a, min(a + PDF_CHUNK - 1, n), k) for a in range(1, n + 1, PDF_CHUNK)]
        else:
            out.append(Task(str(f), 0, 0, k))
    return out


# --------------------------------------------------------------------------
# The state and the outputs


def load_state(folder: Path) -> list[dict[str, Any]]:
    path = folder / STATE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not a readable scan state ({exc}); remove the scans folder to read the pile again") from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or not isinstance(data.get("pages"), list):
        raise UsageError(f"{path}: not a scan state of this tool (format {STATE_FORMAT})")
    return list(data["pages"])


def _state_text(pages: list[dict[str, Any]]) -> str:
    return json.dumps({"format": STATE_FORMAT, "pages": pages}, indent=0, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass
class Outcome:
    pages: list[dict[str, Any]]  # every page ever read, in reading order
    kept: dict[tuple[str, int], dict[str, Any]]  # (folder, sheet page) -> the page kept
    review: list[dict[str, str]] = field(default_factory=list)
    missing: dict[str, list[int]] = field(default_factory=dict)


def assemble(pages: list[dict[str, Any]], sheets: ClassSheets) -> Outcome:
    """Which page is kept for each student's sheet page, and everything to review."""
    kept: dict[tuple[str, int], dict[str, Any]] = {}
    status: dict[str, str] = {}
    for rec in pages:
        if rec["status"] == "read":
            slot = (rec["folder"], rec["sheet_page"])
            if slot in kept:
                status[kept[slot]["key"]] = f"scanned again: {_where(rec)} is kept"
            kept[slot] = rec
    out = Outcome(pages, kept)
    students = {e.folder: e for e in sheets.by_code.values()}
    for rec in pages:
        e = students.get(rec.get("folder", ""))
        who = {"id": e.student.id if e else "", "name": (e.student.name or "") if e else "", "folder": rec.get("folder", "")}
        if rec["key"] in status:
            out.review.append({**who, "what": "page scanned twice", "target": "", "detail": status[rec["key"]],
                               "sheet_page": str(rec.get("sheet_page", "")), "page": _where(rec), "image": ""})
        elif rec["status"] != "read":
            if rec["status"] == "blank":
                continue
            out.review.append({**who, "what": rec["status"], "target": "", "detail": rec["detail"],
                               "sheet_page": str(rec.get("sheet_page", "")), "page": _where(rec), "image": _image(rec, "page")})
    for e in students.values():  # in the manifest's order
        layout = sheets.sheet(e.folder)
        n = len(layout["pages"]) if layout else 0
        missing = [k for k in range(1, n + 1) if (e.folder, k) not in kept]
        who = {"id": e.student.id, "name": e.student.name or "", "folder": e.folder}
        if missing:
            out.missing[e.folder] = missing
        for k in missing:
            out.review.append({**who, "what": "page missing", "target": "", "detail": f"sheet page {k} of {n} not in the scans",
                               "sheet_page": str(k), "page": "", "image": ""})
        for k in range(1, n + 1):
            page = kept.get((e.folder, k))
            if page is None:
                continue
            for target, row in sorted(page["rows"].items()):
                if row["state"] == "review":
                    box = page.get("crops", {}).get(target)  # an answer's score: its box beside the bubbles, in review.pdf
                    out.review.append({**who, "what": "unsure read", "target": target, "detail": f"{row['reason']} [{row['seen']}]",
                                       "sheet_page": str(k), "page": _where(page), "image": _image(page, f"row-{_safe(target)}"),
                                       "box": f"pages/{page['id']}/{box}" if box else ""})
            for target, number in page.get("numbers", {}).items():
                if number["state"] == "review":
                    out.review.append({**who, "what": "unsure number", "target": target, "detail": number["reason"],
                                       "sheet_page": str(k), "page": _where(page), "image": _image(page, f"row-{_safe(target)}")})
    return out


def _where(rec: dict[str, Any]) -> str:
    return f"{rec['source']} page {rec['index']}"


def _image(rec: dict[str, Any], stem: str) -> str:
    return f"pages/{rec['id']}/{stem}.png" if rec["status"] not in ("unreadable", "blank") else ""


def marks_csv(out: Outcome, sheets: ClassSheets) -> str:
    """``marks.csv``: the marks template's columns with what the bubbles say."""
    manifest = read_manifest(sheets.class_dir / "manifest.json")
    cols = marks_mod.columns_of(v for _, v in manifest.read_keys())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(cols.header()))
    for e in manifest.students:
        rows: dict[str, dict[str, Any]] = {}
        for (folder, _), rec in sorted(out.kept.items()):
            if folder == e.folder:
                rows.update(rec["rows"])
        cells = []
        for target in [*cols.hand, *cols.parts]:
            row = rows.get(target)
            cells.append(points_number(row["value"]) if row and row["state"] == "value" else "")
        w.writerow(text_row([e.student.id, e.student.name or ""]) + cells + [""])
    return buf.getvalue()


def responses_csv(out: Outcome, sheets: ClassSheets) -> str | None:
    """``responses.csv``: the columns of ``responses-template.csv``, each number
    read from its digit grid (every other cell blank, to be typed); None when
    no sheet of the class has digit grids."""
    if not any(rec.get("numbers") for rec in out.kept.values()):
        return None
    manifest = read_manifest(sheets.class_dir / "manifest.json")
    refs = class_refs(v for _, v in manifest.read_keys())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(text_row(["id", "name"] + refs))
    for e in manifest.students:
        numbers: dict[str, dict[str, Any]] = {}
        for (folder, _), rec in sorted(out.kept.items()):
            if folder == e.folder:
                numbers.update(rec.get("numbers", {}))
        cells = [numbers[r]["text"] if r in numbers and numbers[r]["state"] == "value" else "" for r in refs]
        w.writerow(text_row([e.student.id, e.student.name or ""]) + cells)
    return buf.getvalue()


REVIEW_COLUMNS = ["id", "name", "folder", "sheet_page", "what", "target", "detail", "page", "image"]


def review_csv(out: Outcome) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REVIEW_COLUMNS)
    for r in out.review:
        w.writerow(text_row([r[c] for c in REVIEW_COLUMNS]))
    return buf.getvalue()


def pages_csv(out: Outcome) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["source", "page", "status", "folder", "sheet_page", "detail"])
    kept_keys = {rec["key"] for rec in out.kept.values()}
    for rec in out.pages:
        state = rec["status"]
        if state == "read" and rec["key"] not in kept_keys:
            state = "replaced"
        w.writerow(text_row([rec["source"], str(rec["index"]), state, rec.get("folder", ""), str(rec.get("sheet_page", "")),
                             rec.get("detail", "")]))
    return buf.getvalue()


def review_pdf(out: Outcome, scans: Path, class_name: str) -> bytes:
    """``review.pdf``: one entry per line of review.csv, with its image."""
    with compile.workdir() as tmp:
        work = Path(tmp)
        entries = []
        for k, r in enumerate(out.review):
            files = {}
            for key, name in (("image", f"img{k}.png"), ("box", f"box{k}.png")):
                if r.get(key) and (scans / r[key]).exists():
                    shutil.copyfile(scans / r[key], work / name)
                    files[key] = name
            entries.append({**r, "file": files.get("image", ""), "box_file": files.get("box", "")})
        body = render.render("scan-review.tex.j2", entries=entries, class_name=class_name, count=len(out.review),
                             fonts=render.render("fonts.tex.j2", engine="pdflatex"))
        head, doc = body.split("\\begin{document}", 1)
        doc = doc.rsplit("\\end{document}", 1)[0]
        unit = compile.Unit("review", head, [("review", doc)], engine="pdflatex", label="scan review", paged=False)
        pdf = compile.run_unit(unit, work)
        compile.split(pdf, unit, {"review": work / "out.pdf"})
        return (work / "out.pdf").read_bytes()


def _write_if_changed(path: Path, data: str | bytes) -> bool:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return False
    except OSError:
        pass
    write_atomic(path, raw)
    return True


def _link(src: Path, tmp: Path) -> None:
    """``tmp`` (made empty by :func:`replace_atomic`) as a hard link to ``src``, else a copy."""
    tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)


def _link_crops(out: Outcome, scans: Path) -> None:
    """crops/<ref>/<folder>.png for every box of every page kept."""
    for (folder, _), rec in sorted(out.kept.items()):
        for ref, name in sorted(rec["crops"].items()):
            src = scans / "pages" / rec["id"] / name
            target = scans / "crops" / ref / f"{folder}.png"
            try:
                if target.exists() and os.path.samefile(target, src):
                    continue
            except OSError:
                pass
            replace_atomic(target, functools.partial(_link, src))


@dataclass
class Summary:
    pages: int
    new: int
    already: int
    read: int
    students: int
    review: int
    missing_pages: int
    unusable: int
    written: list[str]
    unreadable: list[str] = field(default_factory=list)  # a line for each new page that could not be read


def _move_in(incoming: Path, pages_dir: Path) -> None:
    if not incoming.exists():
        return
    pages_dir.mkdir(parents=True, exist_ok=True)
    for d in sorted(incoming.iterdir()):
        target = pages_dir / d.name
        if target.exists():
            shutil.rmtree(target)
        os.replace(d, target)
    shutil.rmtree(incoming, ignore_errors=True)


def scan(class_dir: Path, inputs: Sequence[Path], *, jobs: int = 2, dpi: float = images.PDF_DPI,
         problems: list[str] | None = None, progress: Any = None) -> Summary:
    """Read the pile ``inputs`` into ``class_dir``/scans (see the module's text)."""
    if not (class_dir / "manifest.json").is_file():
        raise UsageError(f"{class_dir}: not a class folder (no manifest.json); make one with --roster or --count")
    sheets = ClassSheets.load(class_dir)
    scans = class_dir / FOLDER
    state = load_state(scans)
    files, bad = images.files_of(list(inputs))
    if problems is not None:
        problems += bad
    if not files:
        raise UsageError("no scans to read: " + ("; ".join(bad) if bad else "give PDF files, images or folders of them"))
    known = {rec["key"] for rec in state}
    incoming = scans / ".incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir(parents=True, exist_ok=True)
    new: list[dict[str, Any]] = []
    already = 0
    todo = tasks_of(files)
    results: list[list[dict[str, Any]]] = []
    try:
        if jobs <= 1 or len(todo) == 1:
            _init_worker(str(class_dir), frozenset(known), worker=False)
            for t in todo:
                results.append(_run_task(t, str(incoming), dpi))
                if progress:
                    progress(len(results), len(todo))
        else:
            pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(str(class_dir), frozenset(known)))
            try:
                for r in pool.map(_run_task, todo, [str(incoming)] * len(todo), [dpi] * len(todo)):
                    results.append(r)
                    if progress:
                        progress(len(results), len(todo))
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    for recs in results:
        for rec in sorted(recs, key=lambda r: r["order"]):
            rec.pop("order", None)
            if rec["key"] in known:  # read by an earlier run, or given twice in this one (the same crops)
                already += 1
                continue
            known.add(rec["key"])
            new.append(rec)
    pages = state + new
    _move_in(incoming, scans / "pages")
    if new or not (scans / STATE).exists():
        write_atomic(scans / STATE, _state_text(pages))
    out = assemble(pages, sheets)
    _link_crops(out, scans)
    written = []
    for name, data in (("marks.csv", marks_csv(out, sheets)), ("responses.csv", responses_csv(out, sheets)),
                       ("review.csv", review_csv(out)), ("pages.csv", pages_csv(out))):
        if data is not None:
            _write_if_changed(scans / name, data)
            written.append(name)
    if not compile.tex_available("pdflatex"):
        raise TexError(f"no TeX engine (pdflatex) found: {scans}/review.pdf was not made (marks.csv, review.csv and "
                       f"pages.csv were written); {compile.INSTALL_HINT}")
    review_bytes = review_pdf(out, scans, class_dir.name)
    _write_if_changed(scans / "review.pdf", review_bytes)
    written.append("review.pdf")
    unusable = sum(1 for r in pages if r["status"] not in ("read", "blank"))
    return Summary(len(pages), len(new), already, sum(1 for r in pages if r["status"] == "read"),
                   len({f for f, _ in out.kept}), sum(1 for r in out.review if r["what"] in ("unsure read", "unsure number")),
                   sum(len(v) for v in out.missing.values()), unusable, written,
                   [f"{_where(r)}: {r['detail']}" for r in new if r["status"] == "unreadable"])


def iter_lines(summary: Summary) -> Iterator[str]:
    yield (f"{_count(summary.new, 'new page')} read ({summary.already} already read), {summary.pages} in all: "
           f"{_count(summary.read, 'sheet page')} of {_count(summary.students, 'student')}, {summary.unusable} not usable")
    yield f"{_count(summary.review, 'read')} to review, {_count(summary.missing_pages, 'sheet page')} missing"
    if "responses.csv" in summary.written:
        yield "the numbers of the digit grids in responses.csv"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"
