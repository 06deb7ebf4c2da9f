"""What makes an answer-sheet page machine-readable: four corner marks and a
QR code, laid out here in PDF points (bp) from the page's top-left corner and
placed absolutely on the page (``\\nnsheetmarks``, the page's
``shipout/foreground`` picture), so their positions are known before TeX runs
and do not move with what TeX does to the page's text.

The corner marks are filled squares :data:`CORNER_MM` wide, :data:`INSET_MM`
in from the paper's edges; the QR code sits in the bottom margin, left of the
bottom-right mark, its modules drawn as TeX rules (one rule per run of dark
modules in a row). Its payload is :func:`payload`: a short versioned string
naming the version, the sheet page and a digest of the sheet's layout.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import segno

from .sheet import PAPER_MM, Sheet

BP_PER_MM = 72.0 / 25.4
CORNER_MM = 5.0  # a corner mark's side
INSET_MM = 8.0  # from the paper's edges to a corner mark (a page of the other size scanned centred may lose 0.8 mm of it)
QR_MODULE_MM = 0.4  # one module of the QR code (4.7 pixels at 300 dpi)
QR_GAP_MM = 4.0  # between the QR code and the bottom-right corner mark
QR_BOTTOM_MM = 10.0  # from the paper's bottom edge to the code's (a page of the other paper size scanned centred loses 9 mm there)
PAYLOAD_FORMAT = "NNS1"
FOLDER_CHARS = 20  # a longer folder name is shortened in the payload (its start and a hash), so the code stays small


@dataclass(frozen=True)
class Square:
    """A square's top-left corner and side, in bp from the page's top-left corner."""

    x: float
    y: float
    size: float

    def to_json(self) -> dict[str, float]:
        return {"x": round(self.x, 3), "y": round(self.y, 3), "w": round(self.size, 3), "h": round(self.size, 3)}


@dataclass(frozen=True)
class PageMarks:
    width: float  # bp
    height: float
    corners: dict[str, Square]  # tl, tr, bl, br
    qr: Square  # the symbol without its quiet zone
    payload: str
    modules: list[list[bool]]  # dark modules, row by row

    def tex(self) -> str:
        """The picture commands that draw the marks (unitlength 1bp, origin
        at the page's top-left corner, y going up)."""
        out = []
        for sq in self.corners.values():
            out.append(rf"\put({sq.x:.3f},{-(sq.y + sq.size):.3f}){{\rule{{{sq.size:.3f}\unitlength}}{{{sq.size:.3f}\unitlength}}}}")
        m = self.qr.size / len(self.modules)
        for r, row in enumerate(self.modules):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                out.append(rf"\put({self.qr.x + start * m:.3f},{-(self.qr.y + (r + 1) * m):.3f})"
                           rf"{{\rule{{{(c - start) * m:.3f}\unitlength}}{{{m:.3f}\unitlength}}}}")
        return "%\n".join(out)


def digest(sheet: Sheet, paper: str) -> str:
    """8 hex digits of the sheet's layout: the paper and everything TeX places
    the boxes and bubbles from (each page's boxes, their sizes and score
    values, the gaps, the part rows, the handwriting line, the font's scale and
    the foot kept free). Two sheets with one digest are placed alike."""
    pages = [{"gap": p.gap, "rows": [[b.ref, round(b.width, 1), round(b.height, 1), list(b.scores), r.new_question, r.column]
                                     for r in p.rows for b in r.boxes],
              "grids": [[[g.ref, list(g.places), g.sign] for g in line] for line in p.grids], "grader": p.grader}
             for p in sheet.pages]
    layout = {"paper": paper, "line": round(sheet.line, 1), "scale": sheet.scale, "reserve": sheet.reserve, "pages": pages,
              "grader": [[[e.part, list(e.values), e.span] for e in line] for line in sheet.grader]}
    return hashlib.sha256(json.dumps(layout, sort_keys=True).encode("utf-8")).hexdigest()[:8]


def payload_folder(folder: str) -> str:
    """The folder as the payload names it: itself when at most
    :data:`FOLDER_CHARS` long, else its first 13 characters, ``~`` and 6 hex
    digits of its SHA-256."""
    if len(folder) <= FOLDER_CHARS:
        return folder
    return folder[:13] + "~" + hashlib.sha256(folder.encode("utf-8")).hexdigest()[:6]


def payload(version: str, seed: int | None, folder: str, page: int, pages: int, layout_digest: str) -> str:
    """The QR code's text: ``NNS1 <version> <class seed or -> <folder> <page>/<pages> <digest>``
    (``seed`` the class set's, None for a version made alone; the folder as
    :func:`payload_folder` shortens it)."""
    return f"{PAYLOAD_FORMAT} {version} {'-' if seed is None else seed} {payload_folder(folder)} {page}/{pages} {layout_digest}"


def page_marks(paper: str, text: str) -> PageMarks:
    """The marks of one page of ``paper`` with the QR code of ``text``."""
    w_mm, h_mm = PAPER_MM[paper]
    width, height = w_mm * BP_PER_MM, h_mm * BP_PER_MM
    inset, side = INSET_MM * BP_PER_MM, CORNER_MM * BP_PER_MM
    corners = {"tl": Square(inset, inset, side), "tr": Square(width - inset - side, inset, side),
               "bl": Square(inset, height - inset - side, side), "br": Square(width - inset - side, height - inset - side, side)}
    symbol = segno.make(text, error="m", micro=False, boost_error=False)
    modules = [[bool(v) for v in row] for row in symbol.matrix]
    size = len(modules) * QR_MODULE_MM * BP_PER_MM
    br = corners["br"]
    qr = Square(br.x - QR_GAP_MM * BP_PER_MM - size, height - QR_BOTTOM_MM * BP_PER_MM - size, size)
    return PageMarks(width, height, corners, qr, text, modules)


def sheet_marks(sheet: Sheet, paper: str, version: str, seed: int | None, folder: str,
                layout_digest: str | None = None) -> list[PageMarks]:
    """The marks of every page of ``sheet`` (``seed``: the class set's, None
    for a version made alone; ``layout_digest`` its :func:`digest`, when known)."""
    d, n = layout_digest or digest(sheet, paper), len(sheet.pages)
    return [page_marks(paper, payload(version, seed, folder, k + 1, n, d)) for k in range(n)]
