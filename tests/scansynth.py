"""Synthetic scans of answer-sheet pages, with their ground truth, for the
scanner's tests.

A sheet page of a student's ``assignment.pdf`` is rendered (:func:`render_page`),
filled as a student and a TA would fill it (:func:`fill_sheet_page`: handwriting
in the boxes, one bubble per score row or an ambiguous mark, a few stray
strokes), then degraded as a scanner degrades it (:func:`degrade`: a quarter
turn, a few degrees of skew, blur, noise, JPEG, resampling, a tinted colour scan,
a letter page on an A4 glass) and written as PNG, JPEG or TIFF
(:func:`write_image`) or as one multi-page PDF (:func:`pages_pdf`).
:func:`make_corpus` does all of it for a class folder and returns what every
file holds (:class:`PageTruth`).

Positions come from the page's ``sheet.json`` (format ``nn-answer-sheet/1``,
docs/sheet-json.md): bp from the page's top-left corner, y going down; a pixel
of an image rendered at ``dpi`` is ``bp * dpi / 72``.

Everything random is drawn from the :class:`numpy.random.Generator` passed in,
so one seed gives the same images, byte for byte.

The reader's contract: a "filled" row reads as its value, an "empty" row as
blank, and every other case (:data:`AMBIGUOUS`) goes to review.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import cv2  # type: ignore[import-not-found, unused-ignore]
import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium  # type: ignore[import-untyped, import-not-found, unused-ignore]
from PIL import Image

Image8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.float32]

BP_PER_INCH = 72.0
PAPER_IN = {"a4": (210 / 25.4, 297 / 25.4), "letter": (8.5, 11.0)}  # width, height
CASES = ("empty", "filled", "crossed", "double", "half", "erased")
AMBIGUOUS = frozenset({"crossed", "double", "half", "erased"})
# a box's score row (target "1e#1") is marked on most sheets; a part's row
# (target "1c") overrides the automatic mark and is mostly left blank
BOX_WEIGHTS: Mapping[str, float] = {"empty": 0.2, "filled": 0.5, "crossed": 0.075, "double": 0.075, "half": 0.075, "erased": 0.075}
PART_WEIGHTS: Mapping[str, float] = {"empty": 0.7, "filled": 0.2, "crossed": 0.025, "double": 0.025, "half": 0.025, "erased": 0.025}
SUFFIXES = (".png", ".jpg", ".tif")
_FIXED_DATE = time.gmtime(946684800)  # 2000-01-01, a PDF's dates, so that one seed gives the same bytes
_SHIFT = 4  # cv2's fractional bits for sub-pixel drawing
_ONE = 1 << _SHIFT


class RowTruth(TypedDict):
    case: str  # one of CASES
    value: int | None  # the filled bubble's value for "filled", else None


@dataclass(frozen=True)
class Degradation:
    """The arguments of :func:`degrade` a scan went through. ``jpeg_quality`` is
    the JPEG compression it went through, whether in :func:`degrade` or in
    writing a ``.jpg`` file."""

    rotate: int = 0
    skew_deg: float = 0.0
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    jpeg_quality: int | None = None
    scale: float = 1.0
    colour: bool = False
    paper_swap: bool = False
    white: float = 255.0
    black: float = 0.0


@dataclass(frozen=True)
class PageTruth:
    """What one file of a corpus holds. ``kind`` is "sheet" (a filled sheet page),
    "handout" (a page of the handout that is no sheet page) or "blank"; a
    re-scan of a sheet page names the earlier file in ``rescan_of``."""

    file: str
    kind: str
    folder: str | None  # the student folder the page comes from (None for a blank page)
    sheet_page: int | None  # None for a foreign page
    page: int | None  # the page of assignment.pdf
    dpi: float  # the scan's resolution
    params: Degradation
    rows: dict[str, RowTruth] = field(default_factory=dict)
    rescan_of: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- rendering ---------------------------------------------------------------


def px_per_bp(dpi: float) -> float:
    return dpi / BP_PER_INCH


def render_page(pdf: Path, page: int, dpi: float) -> Image8:
    """Page ``page`` (1-based) of ``pdf`` as 8-bit grey, white 255."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        if not 1 <= page <= len(doc):
            raise ValueError(f"{pdf} has {len(doc)} pages, not a page {page}")
        bitmap = doc[page - 1].render(scale=px_per_bp(dpi), grayscale=True)
        grey = np.asarray(bitmap.to_numpy(), dtype=np.uint8)
        return np.ascontiguousarray(grey.reshape(grey.shape[0], grey.shape[1]))
    finally:
        doc.close()


def blank_page(width_bp: float, height_bp: float, dpi: float) -> Image8:
    s = px_per_bp(dpi)
    return np.full((round(height_bp * s), round(width_bp * s)), 255, np.uint8)


# --- ink ---------------------------------------------------------------------


@dataclass
class _Patch:
    """A window of the page around a mark: an ink layer (alpha 0..1) to draw on
    in the window's pixels, laid on the page by :meth:`apply`."""

    x0: int
    y0: int
    w: int
    h: int
    ink: Mask

    @classmethod
    def around(cls, cx: float, cy: float, half_w: float, half_h: float) -> _Patch:
        x0, y0 = math.floor(cx - half_w), math.floor(cy - half_h)
        w, h = math.ceil(cx + half_w) - x0 + 1, math.ceil(cy + half_h) - y0 + 1
        return cls(x0, y0, w, h, np.zeros((h, w), np.float32))

    def local(self, x: float, y: float) -> tuple[float, float]:
        return x - self.x0, y - self.y0

    def stroke(self, points: npt.ArrayLike, alpha: float, thickness: int, closed: bool = False) -> None:
        """A pen stroke through ``points`` (window pixels); where strokes cross,
        the darker one shows (ink does not add up much)."""
        pts = np.round(np.asarray(points, np.float64) * _ONE).astype(np.int32).reshape(-1, 1, 2)
        layer = np.zeros((self.h, self.w), np.uint8)
        cv2.polylines(layer, [pts], closed, 255, max(1, thickness), cv2.LINE_AA, _SHIFT)
        np.maximum(self.ink, layer.astype(np.float32) * np.float32(alpha / 255.0), out=self.ink)

    def apply(self, img: Image8) -> None:
        """Darken the page under the ink (multiplying: the print shows through)."""
        H, W = img.shape[:2]
        x0, y0 = max(self.x0, 0), max(self.y0, 0)
        x1, y1 = min(self.x0 + self.w, W), min(self.y0 + self.h, H)
        if x1 <= x0 or y1 <= y0:
            return
        ink = self.ink[y0 - self.y0:y1 - self.y0, x0 - self.x0:x1 - self.x0]
        region = img[y0:y1, x0:x1].astype(np.float32) * (1.0 - np.clip(ink, 0.0, 1.0))
        img[y0:y1, x0:x1] = np.clip(np.round(region), 0, 255).astype(np.uint8)


def _thickness(dpi: float, rng: np.random.Generator, low: float = 1.0, high: float = 3.0) -> int:
    """A pen's width: ``low``..``high`` px at 300 dpi, scaled with dpi."""
    return max(1, round(rng.uniform(low, high) * dpi / 300.0))


def _segment_offset(fraction: float) -> float:
    """d in [-1, 1] such that the part x <= d of the unit disk has this area fraction."""
    lo, hi = -1.0, 1.0
    for _ in range(40):
        d = (lo + hi) / 2
        area = (math.pi - math.acos(d) + d * math.sqrt(1 - d * d)) / math.pi
        lo, hi = (d, hi) if area < fraction else (lo, d)
    return (lo + hi) / 2


def _scribble(patch: _Patch, cx: float, cy: float, rp: float, dpi: float, rng: np.random.Generator,
              alpha: float, coverage: float) -> float:
    """Back-and-forth pen strokes over the disk (window pixels) until about
    ``coverage`` of it is inked. Below 0.6 (a half fill) the strokes keep to one
    side of a random chord; above, they spread over the disk. Returns the
    coverage reached."""
    yy, xx = np.mgrid[0:patch.h, 0:patch.w].astype(np.float32)
    disk = (xx - cx) ** 2 + (yy - cy) ** 2 <= rp * rp
    n_disk = max(int(disk.sum()), 1)
    theta = rng.uniform(0, 2 * math.pi)
    u = np.array([math.cos(theta), math.sin(theta)])  # the direction the hatching progresses in
    v = np.array([-u[1], u[0]])  # the direction a stroke runs in
    limit = 1.0 if coverage >= 0.6 else _segment_offset(coverage + 0.02)
    reached = 0.0
    for _ in range(14):
        t = _thickness(dpi, rng)
        step = t * rng.uniform(0.9, 2.2)
        s = -rp * rng.uniform(0.8, 1.0)
        points: list[npt.NDArray[np.float64]] = []
        side = 1.0 if rng.random() < 0.5 else -1.0
        while s <= limit * rp - (t / 2 if limit < 1 else 0.0):
            half = math.sqrt(max(rp * rp - s * s, 0.0))
            reach = half * rng.uniform(0.8, 1.0)
            if rng.random() < 0.08:  # a little outside the ring, now and then
                reach = half + rp * rng.uniform(0.05, 0.25)
            points.append(np.array([cx, cy]) + u * s + v * side * reach + rng.normal(0, 0.15 * t, 2))
            side = -side
            s += step
        if len(points) >= 2:
            patch.stroke(np.array(points), alpha * rng.uniform(0.9, 1.0), t)
        reached = float((patch.ink[disk] >= 0.5 * alpha).sum()) / n_disk
        if reached >= coverage:
            break
    return reached


def fill_bubble(img: Image8, x: float, y: float, r: float, dpi: float, rng: np.random.Generator,
                darkness: float = 0.85, coverage: float = 0.85) -> float:
    """Fill the bubble of centre (x, y) and radius r (bp) with pen strokes, in
    place: ink of grey ``255 * (1 - darkness)`` over about ``coverage`` of the
    disk. Returns the fraction of the disk inked."""
    s = px_per_bp(dpi)
    cx, cy, rp = x * s, y * s, r * s
    patch = _Patch.around(cx, cy, 1.5 * rp + 4, 1.5 * rp + 4)
    reached = _scribble(patch, *patch.local(cx, cy), rp, dpi, rng, darkness, coverage)
    patch.apply(img)
    return reached


def cross_out(img: Image8, x: float, y: float, r: float, dpi: float, rng: np.random.Generator, darkness: float = 0.85) -> None:
    """An X over the bubble at (x, y), r in bp, in place; its arms end about
    1.1-1.25 r from the centre, short of the neighbouring bubbles."""
    s = px_per_bp(dpi)
    cx, cy, rp = x * s, y * s, r * s
    patch = _Patch.around(cx, cy, 1.4 * rp + 4, 1.4 * rp + 4)
    lx, ly = patch.local(cx, cy)
    for sx in (1.0, -1.0):
        a, b = rng.uniform(1.05, 1.25, 2) * rp
        start = np.array([lx - sx * a, ly - b]) + rng.normal(0, 0.05 * rp, 2)
        end = np.array([lx + sx * a, ly + b]) + rng.normal(0, 0.05 * rp, 2)
        mid = (start + end) / 2 + rng.normal(0, 0.08 * rp, 2)  # a slightly bent stroke
        patch.stroke(np.array([start, mid, end]), darkness * rng.uniform(0.9, 1.0), _thickness(dpi, rng, 1.5, 3.0))
    patch.apply(img)


def erase_bubble(img: Image8, x: float, y: float, r: float, dpi: float, rng: np.random.Generator, darkness: float = 0.2) -> None:
    """What an eraser leaves of a filled bubble, in place: a light grey smudge
    (at most ``darkness``) with a ghost of the strokes, spread a little past the ring."""
    s = px_per_bp(dpi)
    cx, cy, rp = x * s, y * s, r * s
    patch = _Patch.around(cx, cy, 2.0 * rp + 6, 2.0 * rp + 6)
    lx, ly = patch.local(cx, cy)
    _scribble(patch, lx, ly, rp, dpi, rng, 1.0, rng.uniform(0.7, 0.95))
    ghost = cv2.GaussianBlur(patch.ink, (0, 0), max(0.6, 0.08 * rp))
    smear = np.zeros_like(patch.ink)
    centre = (round(lx * _ONE), round(ly * _ONE))
    axes = (round(rp * rng.uniform(1.0, 1.35) * _ONE), round(rp * rng.uniform(0.7, 1.0) * _ONE))
    cv2.ellipse(smear, centre, axes, float(rng.uniform(0, 180)), 0.0, 360.0, 1.0, -1, cv2.LINE_AA, _SHIFT)
    blurred = cv2.GaussianBlur(smear, (0, 0), max(1.0, 0.3 * rp))
    ink = np.maximum(0.75 * np.asarray(ghost, np.float32), 0.6 * np.asarray(blurred, np.float32))
    patch.ink = (ink * np.float32(darkness / max(float(ink.max()), 1e-6))).astype(np.float32)
    patch.apply(img)


def _rect_px(rect: Mapping[str, float], s: float, pad: float = 0.0) -> tuple[float, float, float, float]:
    return rect["x"] * s - pad, rect["y"] * s - pad, (rect["x"] + rect["w"]) * s + pad, (rect["y"] + rect["h"]) * s + pad


def stray_mark(img: Image8, page_json: Mapping[str, Any], dpi: float, rng: np.random.Generator, darkness: float = 0.8) -> bool:
    """A short stroke somewhere on the page, in place, clear of every bubble
    (by 3 radii), of the corner marks and of the QR code. False if no place was
    found."""
    s = px_per_bp(dpi)
    H, W = img.shape[:2]
    keep_out = [_rect_px(page_json["qr"], s, 6 * s)] + [_rect_px(c, s, 6 * s) for c in page_json["corners"].values()]
    bubbles = [(b["x"] * s, b["y"] * s, 3 * b["r"] * s + 20 * s) for b in page_json["bubbles"]]
    for _ in range(60):
        length = rng.uniform(5, 25) * s
        cx, cy = rng.uniform(0.04 * W, 0.96 * W), rng.uniform(0.04 * H, 0.96 * H)
        reach = length / 2 + 4
        if any(x0 - reach < cx < x1 + reach and y0 - reach < cy < y1 + reach for x0, y0, x1, y1 in keep_out):
            continue
        if any(math.hypot(cx - bx, cy - by) < br + reach for bx, by, br in bubbles):
            continue
        patch = _Patch.around(cx, cy, reach, reach)
        lx, ly = patch.local(cx, cy)
        angle = rng.uniform(0, math.pi)
        n = int(rng.integers(2, 5))
        along = np.linspace(-length / 2, length / 2, n)
        pts = np.stack([lx + along * math.cos(angle), ly + along * math.sin(angle)], axis=1) + rng.normal(0, 0.06 * length, (n, 2))
        pts = np.clip(pts, 1, [patch.w - 2, patch.h - 2])
        patch.stroke(pts, darkness * rng.uniform(0.6, 1.0), _thickness(dpi, rng))
        patch.apply(img)
        return True
    return False


def _catmull_rom(points: npt.NDArray[np.float64], per: int = 8) -> npt.NDArray[np.float64]:
    """A smooth curve through ``points`` (n x 2), ``per`` samples a span."""
    p = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0, 1, per, endpoint=False)[:, None]
    spans = []
    for k in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[k - 1], p[k], p[k + 1], p[k + 2]
        spans.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (3 * p1 - p0 - 3 * p2 + p3) * t**3))
    spans.append(p[-2:-1])
    return np.vstack(spans)


def _cursive(rng: np.random.Generator, width: float, xh: float) -> list[npt.NDArray[np.float64]]:
    """Pen strokes that look like a line of joined-up handwriting, x from 0, the
    baseline at y = 0 (y down), letters ``xh`` tall, ascenders and descenders
    0.8 xh more: one stroke a word, plus dots and bars. Stops before ``width``."""
    strokes: list[npt.NDArray[np.float64]] = []
    x = 0.0
    for _ in range(12):
        letters = int(rng.integers(1, 8))
        if x + letters * 0.55 * xh > width:
            letters = int((width - x) / (0.75 * xh))
            if letters < 1:
                break
        pts = [(x, -xh * rng.uniform(0.0, 0.3))]
        for _ in range(letters):
            w = xh * rng.uniform(0.6, 1.05)
            kind = rng.random()
            top = -xh * (1.8 if kind < 0.18 else rng.uniform(0.85, 1.05))
            bottom = xh * 0.8 if 0.18 <= kind < 0.28 else 0.0
            pts.append((x + w * rng.uniform(0.15, 0.45), top))
            if rng.random() < 0.3:  # a loop back, as in an o, a or e
                pts.append((x + w * rng.uniform(0.0, 0.2), -xh * rng.uniform(0.3, 0.6)))
            pts.append((x + w * rng.uniform(0.55, 0.8), bottom + rng.normal(0, 0.04 * xh)))
            if kind > 0.9:  # the dot of an i or the bar of a t
                dot = (x + w * 0.4, -xh * 1.45)
                strokes.append(np.array([dot, (dot[0] + 0.12 * xh, dot[1] - 0.05 * xh)]))
            x += w
        pts.append((x + 0.2 * xh, -xh * rng.uniform(0.2, 0.5)))
        strokes.append(_catmull_rom(np.array(pts) + rng.normal(0, 0.03 * xh, (len(pts), 2))))
        x += xh * rng.uniform(0.6, 1.1)
        if x > width:
            break
    return strokes


def write_in_box(img: Image8, box: Mapping[str, float], dpi: float, rng: np.random.Generator,
                 darkness: float = 0.9) -> tuple[int, int, int, int] | None:
    """Handwriting-like strokes (one or two lines of joined-up scribble, slanted)
    inside a box (its inside in bp), in place, kept 2 px inside the box's edge.
    Returns the ink's bounding box in pixels (x0, y0, x1, y1, exclusive), or None
    if the box was too small to write in."""
    s = px_per_bp(dpi)
    x0, y0 = math.ceil(box["x"] * s) + 2, math.ceil(box["y"] * s) + 2
    x1, y1 = math.floor((box["x"] + box["w"]) * s) - 2, math.floor((box["y"] + box["h"]) * s) - 2
    w, h = x1 - x0, y1 - y0
    if w < 8 or h < 8:
        return None
    xh = min(h * rng.uniform(0.18, 0.26), 6.0 * s * rng.uniform(0.75, 1.1))  # a letter's body: about 1.5-2 mm
    lines = 2 if h > 7.5 * xh and rng.random() < 0.5 else 1
    thick = _thickness(dpi, rng, 2.0, 4.0)
    slant = rng.uniform(-0.35, 0.05)  # leaning right, mostly
    patch = _Patch(x0, y0, w, h, np.zeros((h, w), np.float32))
    left = w * rng.uniform(0.02, 0.12)
    gap = (h - lines * 2.6 * xh) / (lines + 1)
    for k in range(lines):
        baseline = gap * (k + 1) + 2.6 * xh * k + 1.8 * xh + rng.uniform(-0.2, 0.2) * gap
        line_width = (w - left - 2.0 * xh) * rng.uniform(0.25, 0.9)
        drift = rng.uniform(-0.03, 0.03)  # a line not quite level
        for stroke in _cursive(rng, line_width, xh):
            pts = np.stack([left + stroke[:, 0] - slant * stroke[:, 1], baseline + stroke[:, 1] + drift * stroke[:, 0]], axis=1)
            pts = np.clip(pts, thick, [w - 1 - thick, h - 1 - thick])
            patch.stroke(pts, darkness * rng.uniform(0.92, 1.0), thick)
    ys, xs = np.nonzero(patch.ink > 0)
    patch.apply(img)
    if not len(xs):
        return None
    return x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()) + 1, y0 + int(ys.max()) + 1


# --- a whole page ------------------------------------------------------------


def bubble_rows(page_json: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """The page's bubbles by target, in the order of the layout."""
    rows: dict[str, list[Mapping[str, Any]]] = {}
    for b in page_json["bubbles"]:
        rows.setdefault(b["target"], []).append(b)
    return rows


def _feasible(case: str, n: int) -> bool:
    return n >= 2 if case in ("crossed", "double") else n >= 1


def _clear_fill(img: Image8, b: Mapping[str, Any], dpi: float, rng: np.random.Generator) -> None:
    fill_bubble(img, b["x"], b["y"], b["r"], dpi, rng, rng.uniform(0.6, 1.0), rng.uniform(0.7, 1.0))


def fill_sheet_page(img: Image8, page_json: Mapping[str, Any], dpi: float, rng: np.random.Generator,
                    choices: Mapping[str, str] | None = None, *, weights: Mapping[str, float] | None = None,
                    text_rate: float = 0.85, strays: int | None = None) -> tuple[Image8, dict[str, RowTruth]]:
    """A copy of a sheet page (rendered at ``dpi``) filled in, and the truth of
    every bubble row. A row's case is ``choices[target]`` where given, else drawn
    from ``weights`` (default :data:`BOX_WEIGHTS` for a box's row,
    :data:`PART_WEIGHTS` for a part's). About ``text_rate`` of the boxes get
    writing; ``strays`` stray strokes (default 0-3)."""
    img = img.copy()
    truth: dict[str, RowTruth] = {}
    for target, row in bubble_rows(page_json).items():
        if row[0].get("kind") == "digit":
            continue  # a digit grid is a student's number: its tests fill it themselves
        table = weights if weights is not None else (BOX_WEIGHTS if "#" in target else PART_WEIGHTS)
        if choices is not None and target in choices:
            case = choices[target]
            if case not in CASES:
                raise ValueError(f"{target}: no case {case!r} (one of {', '.join(CASES)})")
            if not _feasible(case, len(row)):
                raise ValueError(f"{target}: a row of {len(row)} bubble(s) cannot be {case!r}")
        else:
            cases = [c for c in CASES if _feasible(c, len(row)) and table.get(c, 0.0) > 0]
            p = np.array([table[c] for c in cases], np.float64)
            case = cases[int(rng.choice(len(cases), p=p / p.sum()))]
        value: int | None = None
        picks = [row[int(i)] for i in rng.permutation(len(row))[:2]]
        if case == "filled":
            _clear_fill(img, picks[0], dpi, rng)
            value = int(picks[0]["value"])
        elif case == "crossed":
            _clear_fill(img, picks[0], dpi, rng)
            cross_out(img, picks[0]["x"], picks[0]["y"], picks[0]["r"], dpi, rng, rng.uniform(0.7, 1.0))
            _clear_fill(img, picks[1], dpi, rng)
        elif case == "double":
            _clear_fill(img, picks[0], dpi, rng)
            _clear_fill(img, picks[1], dpi, rng)
        elif case == "half":
            b = picks[0]
            fill_bubble(img, b["x"], b["y"], b["r"], dpi, rng, rng.uniform(0.6, 1.0), rng.uniform(0.25, 0.45))
        elif case == "erased":
            b = picks[0]
            erase_bubble(img, b["x"], b["y"], b["r"], dpi, rng, rng.uniform(0.15, 0.25))
        truth[target] = {"case": case, "value": value}
    for box in page_json["boxes"]:
        if rng.random() < text_rate:
            write_in_box(img, box, dpi, rng, darkness=rng.uniform(0.75, 1.0))
    for _ in range(int(rng.integers(0, 4)) if strays is None else strays):
        stray_mark(img, page_json, dpi, rng)
    return img, truth


# --- scanning ----------------------------------------------------------------


def _paper_of(w: int, h: int) -> str:
    ratio = max(w, h) / min(w, h)
    return min(PAPER_IN, key=lambda p: abs(ratio - PAPER_IN[p][1] / PAPER_IN[p][0]))


def _fit_centre(img: Image8, h: int, w: int) -> Image8:
    """``img`` centred on a white h x w canvas: padded or cropped on each side."""
    out = np.full((h, w, *img.shape[2:]), 255, np.uint8)
    ih, iw = img.shape[:2]
    sy, dy = max((ih - h) // 2, 0), max((h - ih) // 2, 0)
    sx, dx = max((iw - w) // 2, 0), max((w - iw) // 2, 0)
    ch, cw = min(ih, h), min(iw, w)
    out[dy:dy + ch, dx:dx + cw] = img[sy:sy + ch, sx:sx + cw]
    return out


def swap_paper(img: Image8) -> Image8:
    """An A4 page as scanned on a letter glass, or a letter page on an A4 glass:
    the same resolution, the other paper's size, the page centred (padded white
    where the glass is larger, cropped where smaller)."""
    ih, iw = img.shape[:2]
    paper = _paper_of(iw, ih)
    other = "letter" if paper == "a4" else "a4"
    dpi = min(iw, ih) / PAPER_IN[paper][0]
    w, h = (round(v * dpi) for v in PAPER_IN[other])
    if iw > ih:
        w, h = h, w
    return _fit_centre(img, h, w)


def skew(img: Image8, degrees: float) -> Image8:
    """Turned by ``degrees`` counter-clockwise about its centre, on a white canvas
    enlarged so that nothing is cut."""
    ih, iw = img.shape[:2]
    m = cv2.getRotationMatrix2D((iw / 2, ih / 2), degrees, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    w, h = math.ceil(iw * c + ih * s), math.ceil(iw * s + ih * c)
    m[0, 2] += w / 2 - iw / 2
    m[1, 2] += h / 2 - ih / 2
    white = (255, 255, 255) if img.ndim == 3 else 255
    return np.asarray(cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=white), np.uint8)


def jpeg_roundtrip(img: Image8, quality: int) -> Image8:
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    flag = cv2.IMREAD_COLOR if img.ndim == 3 else cv2.IMREAD_GRAYSCALE
    return np.asarray(cv2.imdecode(data, flag), np.uint8)


def degrade(img: Image8, rng: np.random.Generator, *, rotate: int = 0, skew_deg: float = 0.0, blur_sigma: float = 0.0,
            noise_sigma: float = 0.0, jpeg_quality: int | None = None, scale: float = 1.0, colour: bool = False,
            paper_swap: bool = False, white: float = 255.0, black: float = 0.0) -> Image8:
    """A grey page as a scanner returns it, in this order: on the other paper's
    glass (``paper_swap``), skewed (``skew_deg``, |.| <= 5), turned by ``rotate``
    degrees counter-clockwise (0, 90, 180, 270), resampled (``scale``), blurred
    (``blur_sigma``, px after resampling), its tones mapped to paper ``white``
    and ink ``black``, tinted as a colour scan (``colour``: 3-channel BGR), with
    Gaussian noise (``noise_sigma``, grey levels) and a JPEG round trip
    (``jpeg_quality``)."""
    if rotate % 90 or not 0 <= rotate < 360:
        raise ValueError(f"rotate is 0, 90, 180 or 270, not {rotate}")
    if abs(skew_deg) > 5:
        raise ValueError(f"a skew of {skew_deg} degrees is more than a scan's 5")
    if img.ndim != 2:
        raise ValueError("degrade takes a grey page")
    out = img
    if paper_swap:
        out = swap_paper(out)
    if skew_deg:
        out = skew(out, skew_deg)
    if rotate:
        out = np.ascontiguousarray(np.rot90(out, rotate // 90))
    if scale != 1.0:
        h, w = out.shape[:2]
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        out = np.asarray(cv2.resize(out, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC), np.uint8)
    page = out.astype(np.float32)
    if blur_sigma > 0:
        page = np.asarray(cv2.GaussianBlur(page, (0, 0), blur_sigma), np.float32)
    page = np.float32(black) + page * np.float32((white - black) / 255.0)
    if colour:
        tint = np.array([rng.uniform(0.9, 0.97), rng.uniform(0.95, 0.99), 1.0], np.float32)  # B, G, R: a warm paper
        page = page[:, :, None] * tint[None, None, :]
    if noise_sigma > 0:
        page = page + rng.normal(0.0, noise_sigma, page.shape).astype(np.float32)
    out = np.clip(np.round(page), 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        out = jpeg_roundtrip(out, jpeg_quality)
    return out


# --- files -------------------------------------------------------------------


def _pil(img: Image8) -> Image.Image:
    if img.ndim == 3:
        return Image.fromarray(np.ascontiguousarray(img[:, :, ::-1]), "RGB")
    return Image.fromarray(img, "L")


def write_image(img: Image8, path: Path, *, dpi: float | None = None, quality: int = 95) -> None:
    """A grey or BGR image as PNG, JPEG (``quality``) or TIFF (deflate), by the
    path's suffix, with its resolution when ``dpi`` is given."""
    suffix = path.suffix.lower()
    extra: dict[str, Any] = {} if dpi is None else {"dpi": (dpi, dpi)}
    image = _pil(img)
    if suffix == ".png":
        image.save(path, "PNG", **extra)
    elif suffix in (".jpg", ".jpeg"):
        image.save(path, "JPEG", quality=int(quality), **extra)
    elif suffix in (".tif", ".tiff"):
        image.save(path, "TIFF", compression="tiff_adobe_deflate", **extra)
    else:
        raise ValueError(f"no image format for {path.name} (.png, .jpg, .jpeg, .tif, .tiff)")


def pages_pdf(images: Sequence[Image8], path: Path, dpi: float) -> None:
    """The scans as one PDF, a page each, at ``dpi`` (the same bytes for the same images)."""
    if not images:
        raise ValueError("a PDF needs at least one page")
    pil = [_pil(i) for i in images]
    buf = io.BytesIO()
    pil[0].save(buf, "PDF", save_all=True, append_images=pil[1:], resolution=float(dpi),
                creationDate=_FIXED_DATE, modDate=_FIXED_DATE)
    path.write_bytes(buf.getvalue())


# --- a corpus ----------------------------------------------------------------


def random_degradation(rng: np.random.Generator, scale: float, rotate: int, *, jpeg: bool = False) -> Degradation:
    """A scan's degradation drawn at random: mostly small skews, now and then up
    to 5 degrees; some blur and noise; JPEG quality 50-95 (always when ``jpeg``);
    some colour scans and some on the other paper's glass."""
    skew_deg = float(np.clip(rng.normal(0, 1.0), -5, 5)) if rng.random() < 0.7 else float(rng.uniform(-5, 5))
    quality = int(rng.integers(50, 96)) if jpeg or rng.random() < 0.3 else None
    return Degradation(rotate=rotate, skew_deg=round(skew_deg, 3), blur_sigma=round(float(rng.uniform(0, 1.0)), 3),
                       noise_sigma=round(float(rng.uniform(0, 5)), 3), jpeg_quality=quality, scale=scale,
                       colour=bool(rng.random() < 0.3), paper_swap=bool(rng.random() < 0.15),
                       white=round(float(rng.uniform(228, 255)), 2), black=round(float(rng.uniform(0, 40)), 2))


def student_folders(class_dir: Path) -> list[Path]:
    """The folders of ``class_dir`` that hold a ``sheet.json`` and an ``assignment.pdf``, sorted."""
    return sorted(p for p in class_dir.iterdir() if p.is_dir() and (p / "sheet.json").is_file() and (p / "assignment.pdf").is_file())


@dataclass
class _Job:
    kind: str  # sheet | handout | blank | rescan
    folder: Path | None = None
    page_json: Mapping[str, Any] | None = None
    page: int | None = None
    size_bp: tuple[float, float] = (0.0, 0.0)
    original: _Job | None = None  # what a re-scan scans again
    filled: Image8 | None = None  # a sheet page once filled
    filled_dpi: float = 0.0  # the resolution it was filled at
    rows: dict[str, RowTruth] = field(default_factory=dict)
    file: str = ""


def make_corpus(class_dir: Path, out: Path, rng: np.random.Generator, *, dpi_choices: Sequence[float] = (150, 200, 300, 600),
                extra_foreign: bool = True, print_dpi: float = 300.0, suffixes: Sequence[str] = SUFFIXES) -> list[PageTruth]:
    """Every sheet page of every student folder of ``class_dir``, filled and
    scanned with random degradations, written into ``out`` as ``scan-0001.png``,
    ``scan-0002.jpg``... in a shuffled order; with ``extra_foreign`` also a blank
    page, the handout's page 1 and one sheet page scanned a second time (the
    later file). A page is filled at ``max(print_dpi, dpi)`` and resampled to
    the scan's dpi. The rotations cycle through all four in a shuffled order.
    Returns the truth of every file, in file-name order."""
    folders = student_folders(class_dir)
    if not folders:
        raise ValueError(f"{class_dir} has no folder with a sheet.json and an assignment.pdf")
    jobs: list[_Job] = []
    for folder in folders:
        layout = json.loads((folder / "sheet.json").read_text(encoding="utf-8"))
        for page_json in layout["pages"]:
            jobs.append(_Job("sheet", folder, page_json, int(page_json["page"]), (page_json["width"], page_json["height"])))
    if extra_foreign:
        first = jobs[0]
        sheet_pages = {j.page for j in jobs if j.folder == first.folder}
        jobs.append(_Job("blank", None, None, None, first.size_bp))
        if 1 not in sheet_pages:
            jobs.append(_Job("handout", first.folder, None, 1, first.size_bp))
    order = [jobs[int(i)] for i in rng.permutation(len(jobs))]
    rescanned: _Job | None = None
    if extra_foreign:
        sheets = [k for k, j in enumerate(order) if j.kind == "sheet"]
        k = sheets[int(rng.integers(len(sheets)))]
        rescanned = order[k]
        order.insert(int(rng.integers(k + 1, len(order) + 1)), _Job("rescan", original=rescanned))
    rotations = [(0, 90, 180, 270)[int(i) % 4] for i in range(len(order))]
    rotations = [rotations[int(i)] for i in rng.permutation(len(rotations))]
    out.mkdir(parents=True, exist_ok=True)
    truths: list[PageTruth] = []
    for n, (job, rotate) in enumerate(zip(order, rotations), start=1):
        suffix = suffixes[int(rng.integers(len(suffixes)))]
        job.file = f"scan-{n:04d}{suffix}"
        source = job.original if job.kind == "rescan" else job
        assert source is not None
        # a re-scan is of the page already filled, at no finer a resolution than it was filled at
        allowed = [d for d in dpi_choices if source.filled is None or d <= source.filled_dpi] or [min(dpi_choices)]
        dpi = float(allowed[int(rng.integers(len(allowed)))])
        render_dpi = max(print_dpi, dpi)
        if source.kind == "sheet":
            if source.filled is None:
                assert source.folder is not None and source.page is not None and source.page_json is not None
                clean = render_page(source.folder / "assignment.pdf", source.page, render_dpi)
                source.filled, source.rows = fill_sheet_page(clean, source.page_json, render_dpi, rng)
                source.filled_dpi = render_dpi
            page, render_dpi = source.filled, source.filled_dpi
        elif source.kind == "handout":
            assert source.folder is not None and source.page is not None
            page = render_page(source.folder / "assignment.pdf", source.page, render_dpi)
        else:
            page = blank_page(*source.size_bp, render_dpi)
        is_jpeg = suffix.lower() in (".jpg", ".jpeg")
        params = random_degradation(rng, round(dpi / render_dpi, 6), rotate, jpeg=is_jpeg)
        scan = degrade(page, rng, rotate=params.rotate, skew_deg=params.skew_deg, blur_sigma=params.blur_sigma,
                       noise_sigma=params.noise_sigma, jpeg_quality=None if is_jpeg else params.jpeg_quality,
                       scale=params.scale, colour=params.colour, paper_swap=params.paper_swap,
                       white=params.white, black=params.black)
        write_image(scan, out / job.file, dpi=dpi, quality=params.jpeg_quality or 95)
        folder_name = source.folder.name if source.folder is not None else None
        truths.append(PageTruth(file=job.file, kind=source.kind, folder=folder_name,
                                sheet_page=int(source.page_json["sheet_page"]) if source.page_json is not None else None,
                                page=source.page, dpi=dpi, params=params, rows=dict(source.rows),
                                rescan_of=source.file if job.kind == "rescan" else None))
        if source is not rescanned or job.kind == "rescan":
            source.filled = None  # done with: only a page to be scanned again is kept
    return truths


def truths_json(truths: Sequence[PageTruth]) -> str:
    """The truths as JSON, for a corpus written to be looked at by hand."""
    return json.dumps([t.as_dict() for t in truths], indent=1, sort_keys=True)
