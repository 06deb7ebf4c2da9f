"""The pages of a pile of scans: PDFs rasterized with PDFium, PNG, JPEG and
(multi-page) TIFF images decoded with OpenCV, each page as an 8-bit grayscale
array. A file that cannot be read, or a page too large to decode safely, is
one :class:`Page` without its image, with the reason; the rest of the pile is
read. (OpenCV's limit on an image's pixels is set where the package starts,
``generator/scan/__init__.py``.)"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from . import MAX_PIXELS

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
SUFFIXES = (".pdf", *IMAGE_SUFFIXES)
PDF_DPI = 200  # a scanned PDF's pages are rasterized at this resolution
MAX_FILE_BYTES = 1 << 30
KNOWN = "read before"


@dataclass(frozen=True)
class Page:
    """One page of the pile."""

    source: str  # the file's name as given
    index: int  # 1-based page number within the file
    key: str  # SHA-256 of the file's bytes, ":" and the page's number: the same page of the same file has the same key
    image: np.ndarray | None  # 8-bit grayscale, white 255; None when unreadable
    problem: str = ""  # why it could not be read

    @property
    def name(self) -> str:
        return self.source if self.index == 1 and not self.source.lower().endswith((".pdf", ".tif", ".tiff")) \
            else f"{self.source} page {self.index}"


def write_png(path: Path, img: np.ndarray) -> None:
    """An 8-bit image as PNG (the scanner's crops and thumbnails)."""
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise OSError(f"{path}: cannot encode the image")
    path.write_bytes(buf.tobytes())


def thumbnail(gray: np.ndarray, longest: int = 600) -> np.ndarray:
    """``gray`` scaled down so that its longer side is ``longest`` pixels."""
    f = longest / max(gray.shape)
    small: np.ndarray = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return small


def files_of(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The files to read: each file given, and a folder's files with a known
    suffix (sorted by name, not descending further); and one line for each
    path that is neither."""
    out: list[Path] = []
    problems: list[str] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
            if not found:
                problems.append(f"{p}: no PDF or PNG/JPEG/TIFF image in this folder")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            problems.append(f"{p}: no such file or folder")
    return out, problems


def _gray(img: np.ndarray) -> np.ndarray:
    if img.dtype != np.uint8:
        img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if img.ndim == 2:
        return img
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def pdf_page_count(path: Path) -> int:
    """A PDF's page count (0 for any other file, or one PDFium cannot open)."""
    if path.suffix.lower() != ".pdf":
        return 0
    try:
        doc = pdfium.PdfDocument(str(path))
    except Exception:
        return 0
    try:
        return len(doc)
    finally:
        doc.close()


def _pdf_pages(path: Path, data: bytes, digest: str, dpi: float, first: int, last: int, skip: frozenset[str]) -> Iterator[Page]:
    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:  # PDFium raises its own error types for every kind of damage
        yield Page(str(path), 1, f"{digest}:1", None, f"not a readable PDF ({str(exc)[:80]})")
        return
    try:
        for k in range(len(doc)) if not first else range(first - 1, min(last, len(doc))):
            key = f"{digest}:{k + 1}"
            if key in skip:
                yield Page(str(path), k + 1, key, None, KNOWN)
                continue
            try:
                page = doc[k]
                w, h = page.get_size()
                scale = dpi / 72.0
                if w * h * scale * scale > MAX_PIXELS:
                    yield Page(str(path), k + 1, key, None, f"the page is too large ({w / 72:.0f} x {h / 72:.0f} inches)")
                    continue
                bitmap = page.render(scale=scale, grayscale=True)
                arr = bitmap.to_numpy()
                yield Page(str(path), k + 1, key, np.ascontiguousarray(arr if arr.ndim == 2 else arr[:, :, 0]))
            except Exception as exc:
                yield Page(str(path), k + 1, key, None, f"the page cannot be rendered ({str(exc)[:80]})")
    finally:
        doc.close()


def pages_of(path: Path, dpi: float = PDF_DPI, first: int = 0, last: int = 0, skip: frozenset[str] = frozenset()) -> Iterator[Page]:
    """Every page of one file (of a PDF, pages ``first`` to ``last`` when
    given); a page whose key is in ``skip`` (read before) is neither decoded
    nor rendered: it comes without its image, its problem :data:`KNOWN`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            yield Page(str(path), 1, f"size:{path.stat().st_size}", None, "larger than 1 GB")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Page(str(path), 1, f"unreadable:{path}", None, f"cannot be read ({exc.strerror or exc})")
        return
    digest = hashlib.sha256(data).hexdigest()
    if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf":
        yield from _pdf_pages(path, data, digest, dpi, first, last, skip)
        return
    if f"{digest}:1" in skip and data[:4] not in (b"II*\x00", b"MM\x00*"):
        yield Page(str(path), 1, f"{digest}:1", None, KNOWN)
        return
    buf = np.frombuffer(data, dtype=np.uint8)
    images: list[np.ndarray] = []
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        ok, decoded = cv2.imdecodemulti(buf, cv2.IMREAD_UNCHANGED)
        images = list(decoded) if ok else []
    else:
        one = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        images = [one] if one is not None else []
    if not images:
        yield Page(str(path), 1, f"{digest}:1", None, "not an image OpenCV can decode (PNG, JPEG, TIFF), or too large")
        return
    for k, img in enumerate(images):
        yield Page(str(path), k + 1, f"{digest}:{k + 1}", _gray(img))
