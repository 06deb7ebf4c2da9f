"""Reading one scanned answer-sheet page: its QR code, its registration and
its bubbles.

1. The QR code (zxing-cpp, any orientation) names the version, the student's
   folder, the sheet page and the layout's digest (generator/sheetmarks.py).
2. Its four corners, whose places on the page ``sheet.json`` gives, fix a first
   similarity from page points to pixels; near where it puts each corner mark,
   the mark (a filled square) is found as a dark blob of its size and shape;
   the marks' centres and the code's corners then fix a homography (perspective
   too, so a page photographed or fed in askew still registers). Points it
   maps more than :data:`MAX_RESIDUAL_MM` off what was measured mean the page
   did not register: the page goes to review, nothing on it is read.
3. Each bubble: the share of its inner disk (:data:`INNER`) that is dark
   (below :data:`INK` of the local paper white, so the light printed value
   inside does not count) and the disk's mean darkness. Filled, empty or
   unsure (:func:`bubble_state`); a row with exactly one filled bubble and no
   unsure one is read as that bubble's value, a row with none as blank, and
   every other row goes to review with what was seen: nothing is guessed.
4. Each answer box is cropped (with a margin) by the same homography, so the
   crop is the box as printed whatever the scan's rotation or resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import zxingcpp

from ..render import points_number
from ..sheetmarks import BP_PER_MM, PAYLOAD_FORMAT

INNER = 0.72  # the part of a bubble's radius that is read (the ring and what is printed outside stay out)
INK = 0.65  # a pixel darker than this share of the paper's white is ink (the value printed inside, 30% black, is lighter)
FILLED = 0.70  # filled: at least this share of the inner disk is ink (a pen's fill: 0.88 and more on the tests' scans; a half fill: 0.52 at most)
EMPTY_INK = 0.10  # and empty when at most this share is ink
EMPTY_MEAN = 0.14  # and its mean darkness at most this (an erased mark is light but not white)
MAX_RESIDUAL_MM = 1.5
CROP_DPI = 150
CROP_MARGIN_BP = 4.0  # around a box's inside: its frame shows in the crop
MARK_SEARCH_MM = 14.0  # how far from where the code puts it a corner mark is looked for
_QR = zxingcpp.barcode_formats_from_str("QRCode")


@dataclass(frozen=True)
class Code:
    text: str
    corners: np.ndarray  # 4 x 2, pixels: the symbol's own top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True)
class Payload:
    version: str
    seed: str
    folder: str  # as the code carries it (generator.sheetmarks.payload_folder)
    page: int
    pages: int
    digest: str


def parse_payload(text: str) -> Payload | None:
    """The fields of an answer sheet's code, or None for any other text."""
    parts = text.split(" ")
    if len(parts) < 6 or parts[0] != PAYLOAD_FORMAT:
        return None
    page, _, pages = parts[-2].partition("/")
    if not (page.isdigit() and pages.isdigit()) or not 1 <= int(page) <= int(pages):
        return None
    return Payload(parts[1], parts[2], " ".join(parts[3:-2]), int(page), int(pages), parts[-1])


def _corners(position: Any) -> np.ndarray:
    return np.array([[position.top_left.x, position.top_left.y], [position.top_right.x, position.top_right.y],
                     [position.bottom_right.x, position.bottom_right.y], [position.bottom_left.x, position.bottom_left.y]],
                    dtype=np.float64)


def _decode(img: np.ndarray, binarizer: Any = None) -> list[Any]:
    if binarizer is None:
        return list(zxingcpp.read_barcodes(img, formats=_QR))
    return list(zxingcpp.read_barcodes(img, formats=_QR, binarizer=binarizer))


def _ours(found: list[Any], scale: float, offset: tuple[float, float] = (0.0, 0.0)) -> Code | None:
    for b in found:
        if b.text.startswith(PAYLOAD_FORMAT + " "):
            return Code(b.text, _corners(b.position) / scale + np.array(offset))
    return None


def find_code(gray: np.ndarray, dpi: float) -> Code | None:
    """The answer sheet's QR code on the page: looked for at about 150 dpi
    first (fast), then at the scan's own resolution, then in each corner of
    the page (where the code is, whatever the page's orientation) enlarged to
    about six pixels a module, which reads a blurred low-resolution scan."""
    small = gray
    f = 1.0
    if dpi > 190:
        f = 150.0 / dpi
        small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        code = _ours(_decode(small), f)
        if code is not None:
            return code
    code = _ours(_decode(gray), 1.0)
    if code is not None:
        return code
    module_px = 0.4 * dpi / 25.4
    grow = max(1.0, 6.0 / module_px)
    h, w = gray.shape
    ch, cw = int(h * 0.3), int(w * 0.4)
    for y0, x0 in ((h - ch, w - cw), (0, 0), (0, w - cw), (h - ch, 0)):
        region = gray[y0 : y0 + ch, x0 : x0 + cw]
        big = cv2.resize(region, None, fx=grow, fy=grow, interpolation=cv2.INTER_CUBIC) if grow > 1.0 else region
        for binarizer in (None, zxingcpp.Binarizer.FixedThreshold):
            code = _ours(_decode(big, binarizer), grow, (float(x0), float(y0)))
            if code is not None:
                return code
    others = _decode(small)
    if others:
        return Code(others[0].text, _corners(others[0].position) / f)
    return None


def estimate_dpi(gray: np.ndarray, paper_bp: tuple[float, float] = (595.28, 841.89)) -> float:
    """A page's resolution from its size, taken to be about the paper's."""
    long_px = float(max(gray.shape))
    return long_px / (max(paper_bp) / 72.0)


def _rect_corners(r: dict[str, float]) -> np.ndarray:
    x, y, w, h = r["x"], r["y"], r["w"], r["h"]
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)


def apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points (n x 2) through a 3 x 3 homography."""
    p: np.ndarray = np.hstack([pts, np.ones((len(pts), 1))]) @ h.T
    out: np.ndarray = p[:, :2] / p[:, 2:3]
    return out


class NotRegistered(Exception):
    """The page's corner marks could not be found where its code says."""


@dataclass(frozen=True)
class Registration:
    h: np.ndarray  # page bp -> image pixels
    scale: float  # pixels per bp, about
    marks_found: int
    residual_mm: float


def _find_mark(gray: np.ndarray, centre: np.ndarray, side_px: float, search_px: float) -> np.ndarray | None:
    x0, y0 = int(max(centre[0] - search_px, 0)), int(max(centre[1] - search_px, 0))
    x1, y1 = int(min(centre[0] + search_px, gray.shape[1])), int(min(centre[1] + search_px, gray.shape[0]))
    if x1 - x0 < side_px or y1 - y0 < side_px:
        return None
    window = gray[y0:y1, x0:x1]
    white = float(np.percentile(window, 90))
    _, binary = cv2.threshold(window, white * 0.5, 255, cv2.THRESH_BINARY_INV)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
    best: tuple[float, np.ndarray] | None = None
    for k in range(1, n):
        x, y, w, h, area = stats[k]
        if not (0.45 * side_px * side_px <= area <= 1.7 * side_px * side_px):
            continue
        if not (0.65 * side_px <= w <= 1.5 * side_px and 0.65 * side_px <= h <= 1.5 * side_px):
            continue
        if area < 0.6 * w * h:
            continue
        c = centroids[k] + np.array([x0, y0])
        d = float(np.hypot(*(c - centre)))
        if best is None or d < best[0]:
            best = (d, c)
    return None if best is None else best[1]


def register(gray: np.ndarray, page: dict[str, Any], code: Code) -> Registration:
    """Fit the page (its ``sheet.json`` entry) to the scan."""
    qr_page = _rect_corners(page["qr"])
    sim, _ = cv2.estimateAffinePartial2D(qr_page, code.corners)
    if sim is None:
        raise NotRegistered("the code's corners give no transform")
    h0 = np.vstack([sim, [0.0, 0.0, 1.0]])
    scale = math.hypot(sim[0, 0], sim[1, 0])
    page_pts, img_pts = [p for p in qr_page], [p for p in code.corners]
    found = 0
    for sq in page["corners"].values():
        centre_page = np.array([sq["x"] + sq["w"] / 2, sq["y"] + sq["h"] / 2])
        predicted = apply(h0, centre_page[None, :])[0]
        got = _find_mark(gray, predicted, sq["w"] * scale, MARK_SEARCH_MM * BP_PER_MM * scale)
        if got is not None:
            page_pts.append(centre_page)
            img_pts.append(got)
            found += 1
    src, dst = np.array(page_pts), np.array(img_pts)
    if found == 4:
        h, _ = cv2.findHomography(src, dst, 0)
    elif found >= 2:
        a, _ = cv2.estimateAffine2D(src, dst, method=cv2.LMEDS)
        h = None if a is None else np.vstack([a, [0.0, 0.0, 1.0]])
    else:
        raise NotRegistered(f"{found} of the 4 corner marks found")
    if h is None:
        raise NotRegistered("the corner marks give no transform")
    residual = float(np.max(np.hypot(*(apply(h, src) - dst).T))) / scale / BP_PER_MM
    if residual > MAX_RESIDUAL_MM:
        raise NotRegistered(f"the corner marks are {residual:.1f} mm off where the code puts them")
    return Registration(h, scale, found, residual)


@dataclass(frozen=True)
class BubbleRead:
    target: str
    value: float  # a score's marks, a digit (-1 for a sign bubble)
    ink: float  # share of the inner disk that is ink
    mean: float  # its mean darkness, 0 white to 1 black
    state: str  # filled | empty | unsure
    column: str = ""  # a digit's place (a power of ten, or "sign"); "" for a score

    @property
    def row(self) -> str:
        """The row it belongs to: a score's target, a digit's target@place."""
        return f"{self.target}@{self.column}" if self.column else self.target


def bubble_state(ink: float, mean: float) -> str:
    if ink >= FILLED:
        return "filled"
    if ink <= EMPTY_INK and mean <= EMPTY_MEAN:
        return "empty"
    return "unsure"


def read_bubble(gray: np.ndarray, reg: Registration, b: dict[str, Any]) -> BubbleRead:
    c = apply(reg.h, np.array([[b["x"], b["y"]], [b["x"] + b["r"], b["y"]]]))
    cx, cy = c[0]
    rp = float(np.hypot(*(c[1] - c[0])))
    half = int(math.ceil(1.7 * rp)) + 1
    x0, y0 = int(round(cx)) - half, int(round(cy)) - half
    value = -1.0 if b["value"] == "-" else float(b["value"])
    column = str(b["column"]) if b.get("kind") == "digit" else ""
    if x0 < 0 or y0 < 0 or x0 + 2 * half + 1 > gray.shape[1] or y0 + 2 * half + 1 > gray.shape[0]:
        return BubbleRead(b["target"], value, 0.0, 1.0, "unsure", column)  # off the scan
    window = gray[y0 : y0 + 2 * half + 1, x0 : x0 + 2 * half + 1].astype(np.float64)
    yy, xx = np.mgrid[0 : 2 * half + 1, 0 : 2 * half + 1]
    d = np.hypot(xx + x0 - cx, yy + y0 - cy)
    disk = window[d <= INNER * rp]
    white = max(float(np.percentile(window[d >= 1.2 * rp], 90)), 60.0)
    norm = disk / white
    ink = float(np.mean(norm < INK))
    mean = float(np.mean(np.clip(1.0 - norm, 0.0, 1.0)))
    return BubbleRead(b["target"], value, ink, mean, bubble_state(ink, mean), column)


@dataclass
class RowRead:
    """What one row of bubbles (a target) says."""

    target: str
    state: str  # value | blank | review
    value: float | None = None
    reason: str = ""
    bubbles: list[BubbleRead] = field(default_factory=list)

    def seen(self) -> str:
        """The row's bubbles as read, for the review list: value=ink share."""
        return " ".join(f"{points_number(b.value)}:{b.ink:.2f}{'*' if b.state == 'filled' else '?' if b.state == 'unsure' else ''}"
                        for b in self.bubbles)


def read_rows(bubbles: list[BubbleRead]) -> dict[str, RowRead]:
    """Each row's read, by :attr:`BubbleRead.row` (a digit grid: a row per place, and its sign)."""
    rows: dict[str, list[BubbleRead]] = {}
    for b in bubbles:
        rows.setdefault(b.row, []).append(b)
    out = {}
    for target, row in rows.items():
        filled = [b for b in row if b.state == "filled"]
        unsure = [b for b in row if b.state == "unsure"]
        if len(filled) == 1 and not unsure:
            out[target] = RowRead(target, "value", filled[0].value, bubbles=row)
        elif not filled and not unsure:
            out[target] = RowRead(target, "blank", bubbles=row)
        else:
            why = []
            if len(filled) > 1:
                why.append(f"{len(filled)} bubbles filled ({', '.join(points_number(b.value) for b in filled)})")
            if unsure:
                why.append(f"bubble {', '.join(points_number(b.value) for b in unsure)} half filled, light or erased")
            out[target] = RowRead(target, "review", None, "; ".join(why), row)
    return out


@dataclass
class NumberRead:
    """What a digit grid says: a number as typed (``-12.5``), blank, or review."""

    target: str
    state: str  # value | blank | review
    text: str = ""
    reason: str = ""


def read_number(target: str, rows: dict[str, RowRead]) -> NumberRead:
    """The number a digit grid's rows give. Every place must be clear; the
    places filled must run without a gap (empty places before the first and
    after the last are left out: ``0.50`` is ``0.5``); a sign with no digit, or
    digits with a gap, goes to review."""
    sign = rows.get(f"{target}@sign")
    places = sorted(((int(k.split("@", 1)[1]), r) for k, r in rows.items()
                     if k.startswith(target + "@") and not k.endswith("@sign")), key=lambda pr: -pr[0])
    unsure = [p for p, r in places if r.state == "review"] + ([] if sign is None or sign.state != "review" else ["sign"])
    if unsure:
        return NumberRead(target, "review", reason="the place " + ", ".join(str(p) for p in unsure) + " is not clear")
    filled = [(p, int(r.value or 0)) for p, r in places if r.state == "value"]
    negative = sign is not None and sign.state == "value"
    if not filled:
        return NumberRead(target, "review", reason="a sign and no digit") if negative else NumberRead(target, "blank")
    top, bottom = filled[0][0], filled[-1][0]
    if len(filled) != top - bottom + 1:
        gaps = [p for p, r in places if bottom < p < top and r.state == "blank"]
        return NumberRead(target, "review", reason=f"no digit at the place {', '.join(str(p) for p in gaps)} between digits")
    digits = {p: d for p, d in filled}
    whole = "".join(str(digits.get(p, 0)) for p in range(max(top, 0), -1, -1)).lstrip("0") or "0"
    frac = "".join(str(digits.get(p, 0)) for p in range(-1, bottom - 1, -1)).rstrip("0") if bottom < 0 else ""
    text = whole + ("." + frac if frac else "")
    if negative and text != "0":
        text = "-" + text
    return NumberRead(target, "value", text)


def crop(gray: np.ndarray, reg: Registration, rect: dict[str, float], margin_bp: float = CROP_MARGIN_BP,
         dpi: float = CROP_DPI) -> np.ndarray:
    """The region ``rect`` (bp, page coordinates) plus ``margin_bp`` around it,
    as an image at ``dpi`` aligned with the page."""
    k = dpi / 72.0
    x0, y0 = rect["x"] - margin_bp, rect["y"] - margin_bp
    w, h = int(round((rect["w"] + 2 * margin_bp) * k)), int(round((rect["h"] + 2 * margin_bp) * k))
    to_page = np.array([[1 / k, 0, x0], [0, 1 / k, y0], [0, 0, 1]], dtype=np.float64)
    m = reg.h @ to_page
    out: np.ndarray = cv2.warpPerspective(gray, m, (max(w, 1), max(h, 1)), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP,
                                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out


def row_rect(bubbles: list[dict[str, Any]]) -> dict[str, float]:
    """The rectangle around a row of bubbles (for its crop in the review list)."""
    x0 = min(b["x"] - b["r"] for b in bubbles)
    x1 = max(b["x"] + b["r"] for b in bubbles)
    y0 = min(b["y"] - b["r"] for b in bubbles)
    y1 = max(b["y"] + b["r"] for b in bubbles)
    return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}


def is_blank(gray: np.ndarray) -> bool:
    """A page with (almost) nothing on it."""
    small = cv2.resize(gray, (400, int(400 * gray.shape[0] / max(gray.shape[1], 1))), interpolation=cv2.INTER_AREA)
    white = float(np.percentile(small, 95))
    return float(np.mean(small < 0.6 * white)) < 0.002
