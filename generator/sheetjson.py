"""``sheet.json``: where everything a scanner reads is on each answer-sheet page
of ``assignment.pdf`` (format ``nn-answer-sheet/1``, documented in
docs/sheet-json.md).

The corner marks and the QR code are placed absolutely (generator/sheetmarks.py),
so their positions come from Python. The boxes and bubbles are placed by TeX
(their lines flow and widen to fill the page): each one that is shipped out
writes its position to ``<job>.nnpos`` (``\\nn@record`` in the preamble), and
:func:`build` reads them back. The two routes are checked against each other:
every box and bubble of the layout (generator/sheet.py) must have been written
exactly once, on its own sheet page, with the size the layout asked for, inside
the page and clear of the marks, and no two may overlap; else the version is
not written (:class:`SheetError`).

Positions are in PDF points (bp) from the page's top-left corner, y going down;
a box is its inside's top-left corner and size, a bubble its centre and radius.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import TexError
from .sheet import PAPER_MM, Sheet
from .sheetmarks import BP_PER_MM, PageMarks, Square

FORMAT = "nn-answer-sheet/1"
NAME = "sheet.json"
POSITIONS = ".nnpos"  # the suffix of the file TeX writes the positions to (after the job's name)
BP_PER_SP = 72.0 / 72.27 / 65536.0
SIZE_TOLERANCE = 0.05  # bp: TeX's sizes are rounded to sp, the layout's to 0.1 mm before TeX reads them
_RECORD = re.compile(r"^(box|bubble) \{(.*?)\} (.*)$")
_ESCAPE = re.compile(r"\\(.)")


class SheetError(TexError):
    """TeX placed the answer sheet other than its layout says."""


@dataclass(frozen=True)
class Placed:
    kind: str  # box | bubble
    target: str
    page: int  # in the PDF TeX wrote (the handout's pages come first)
    x: float  # bp from the page's left edge (a box: its inside's left; a bubble: its centre)
    y: float  # bp from the page's top edge (a box: its inside's top)
    w: float = 0.0  # a box's inside
    h: float = 0.0
    r: float = 0.0  # a bubble's radius
    value: str = ""
    bubble_kind: str = ""  # score | digit
    column: str = "-"  # a digit's place (a power of ten, or "sign")


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def read_positions(text: str, page_height: float) -> list[Placed]:
    """The records TeX wrote, converted to bp from the top-left corner."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _RECORD.match(line.strip())
        if not m:
            raise SheetError(f"the answer sheet's positions, line {n}: cannot read {line[:60]!r}")
        kind, target, rest = m.group(1), _unescape(m.group(2)), m.group(3).split()
        try:
            if kind == "box":
                w, h, x, y, page = (int(v) for v in rest)
                out.append(Placed(kind, target, page, x * BP_PER_SP, page_height - (y + h) * BP_PER_SP, w * BP_PER_SP, h * BP_PER_SP))
            else:
                kind_name, value, column, radius, bx, by, on = rest
                if kind_name not in ("score", "digit"):
                    raise ValueError(kind_name)
                out.append(Placed(kind, target, int(on), int(bx) * BP_PER_SP, page_height - int(by) * BP_PER_SP,
                                  r=int(radius) * BP_PER_SP, value=value, bubble_kind=kind_name, column=column))
        except ValueError:
            raise SheetError(f"the answer sheet's positions, line {n}: cannot read {line[:60]!r}") from None
    return out


def _number(value: str) -> int | float:
    v = float(value)
    return int(v) if v == int(v) else v


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two rectangles (x, y, w, h) share more than their edges."""
    return a[0] < b[0] + b[2] - 0.01 and b[0] < a[0] + a[2] - 0.01 and a[1] < b[1] + b[3] - 0.01 and b[1] < a[1] + a[3] - 0.01


def _rect(sq: Square) -> tuple[float, float, float, float]:
    return (sq.x, sq.y, sq.size, sq.size)


def build(layout: Sheet, marks: list[PageMarks], placed: list[Placed], pdf_pages: int, *, paper: str, version: str,
          seed: int | None, folder: str, digest: str, source_sha256: str, class_seed: int | None = None) -> dict[str, object]:
    """``sheet.json`` of a handout of ``pdf_pages`` pages whose answer sheet is
    ``layout``, checked against where TeX put it (see the module's text)."""
    n = len(layout.pages)
    first = pdf_pages - n + 1  # the sheet is the handout's last pages
    width, height = (v * BP_PER_MM for v in PAPER_MM[paper])
    where = f"version {version}: the answer sheet"
    boxes: dict[str, list[Placed]] = {}
    bubbles: dict[tuple[str, str, str, str], list[Placed]] = {}
    for p in placed:
        if p.kind == "box":
            boxes.setdefault(p.target, []).append(p)
        else:
            bubbles.setdefault((p.target, p.bubble_kind, p.column, p.value), []).append(p)
    pages: list[dict[str, object]] = []
    expected_bubbles = set(layout.bubbles())
    in_order = sorted(bubbles.items(), key=lambda kv: (kv[1][0].page, kv[1][0].y, kv[1][0].x))  # as read: row by row
    for k, (page, pm) in enumerate(zip(layout.pages, marks, strict=True)):
        number = first + k
        out_boxes, out_bubbles = [], []
        rects: list[tuple[str, tuple[float, float, float, float]]] = [(f"corner mark {c}", _rect(sq)) for c, sq in pm.corners.items()]
        rects.append(("QR code", _rect(pm.qr)))
        for row in page.rows:
            for b in row.boxes:
                got = boxes.pop(b.ref, [])
                if len(got) != 1 or got[0].page != number:
                    raise SheetError(f"{where}: box {b.ref} was placed {len(got)} times"
                                     + (f", on page {got[0].page} instead of {number}" if len(got) == 1 else ""))
                g = got[0]
                want_w, want_h = (float(t.removesuffix("mm")) * BP_PER_MM for t in (b.width_tex, b.height_tex))
                if abs(g.h - want_h) > SIZE_TOLERANCE or g.w < want_w - SIZE_TOLERANCE:
                    raise SheetError(f"{where}: box {b.ref} is {g.w:.2f} x {g.h:.2f} bp, its layout asks for "
                                     f"{want_w:.2f} x {want_h:.2f}")
                rects.append((f"box {b.ref}", (g.x, g.y, g.w, g.h)))
                out_boxes.append({"ref": b.ref, "x": round(g.x, 2), "y": round(g.y, 2), "w": round(g.w, 2), "h": round(g.h, 2)})
        for key, got in in_order:
            target, kind, column, value = key
            on_page = [g for g in got if g.page == number]
            if not on_page:
                continue
            if key not in expected_bubbles or len(got) != 1:
                raise SheetError(f"{where}: the bubble {value} of {target} was placed {len(got)} times")
            g = on_page[0]
            rects.append((f"bubble {value} of {target}", (g.x - g.r, g.y - g.r, 2 * g.r, 2 * g.r)))
            entry: dict[str, object] = {"target": target, "kind": kind, "value": value if value == "-" else _number(value)}
            if kind == "digit":
                entry["column"] = column if column == "sign" else int(column)
            out_bubbles.append({**entry, "x": round(g.x, 2), "y": round(g.y, 2), "r": round(g.r, 2)})
            expected_bubbles.discard(key)
        for name, (x, y, w, h) in rects:
            if x < 0 or y < 0 or x + w > width + 0.01 or y + h > height + 0.01:
                raise SheetError(f"{where}: {name} is off page {number}")
        rects.sort(key=lambda r: r[1][1])  # by top: a rectangle can overlap only those starting above its bottom
        for i, (name, upper) in enumerate(rects):
            for other, lower in rects[i + 1 :]:
                if lower[1] >= upper[1] + upper[3] - 0.01:
                    break
                if _overlap(upper, lower):
                    raise SheetError(f"{where}: {name} overlaps {other} on page {number}")
        pages.append({"page": number, "sheet_page": k + 1, "width": round(width, 2), "height": round(height, 2),
                      "qr": {**pm.qr.to_json(), "text": pm.payload},
                      "corners": {c: sq.to_json() for c, sq in pm.corners.items()},
                      "boxes": out_boxes, "bubbles": out_bubbles})
    if boxes:
        raise SheetError(f"{where}: TeX placed boxes the layout does not have: {', '.join(sorted(boxes))}")
    if expected_bubbles:
        target, _, _, value = sorted(expected_bubbles)[0]
        raise SheetError(f"{where}: the bubble {value} of {target} is not on the sheet's pages")
    return {"format": FORMAT, "generator": __version__, "version": version, "seed": seed, "class_seed": class_seed,
            "folder": folder, "digest": digest,
            "paper": paper, "unit": "bp", "origin": "top-left", "assignment_tex_sha256": source_sha256, "pages": pages}


def text(data: dict[str, object]) -> str:
    """``sheet.json`` as written: a page's corner marks, QR code, each box and
    each bubble one line each."""
    def line(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    head = {k: v for k, v in data.items() if k != "pages"}
    out = ["{"] + [f" {line(k)}: {line(v)}," for k, v in head.items()] + [' "pages": [']
    pages = data["pages"]
    assert isinstance(pages, list)
    for n, page in enumerate(pages):
        fields = [f"  {line(k)}: {line(v)}" for k, v in page.items() if k not in ("corners", "boxes", "bubbles")]
        fields.append('  "corners": {' + ", ".join(f"{line(c)}: {line(sq)}" for c, sq in page["corners"].items()) + "}")
        for key in ("boxes", "bubbles"):
            items = ",\n".join(f"   {line(item)}" for item in page[key])
            fields.append(f"  {line(key)}: [\n{items}\n  ]" if items else f"  {line(key)}: []")
        out.append(" {\n" + ",\n".join(fields) + "\n }" + ("," if n < len(pages) - 1 else ""))
    out += [" ]", "}"]
    return "\n".join(out) + "\n"


def positions_file(workdir: Path, job: str) -> Path:
    return workdir / f"{job}{POSITIONS}"
