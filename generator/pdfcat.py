"""Concatenate PDFs in the memory of one document.

A class's combined print files (``handouts.pdf``, ``keys.pdf``) hold every
student's pages. Merging them in one pikepdf document kept every source
document's objects in memory until the end, so the class set's largest
process grew by about 2 MB a student. Here each source is opened, its pages
and everything they reference are written out, and it is closed before the
next is opened; the output is written as it goes and only the object offsets
and the page list stay in memory.

The objects are copied, never re-encoded: streams keep their raw (compressed)
data and filters. Each page gets the attributes it inherited from its own
page tree (``/Resources``, ``/MediaBox``, ``/CropBox``, ``/Rotate``), since
its parent is the new page tree. Documents are not linked to each other
(each source's objects are numbered anew), like the pikepdf merge this
replaces, and as there the catalog's own entries (outlines, names) are not
carried over: the combined files are for printing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pikepdf

from .files import replace_atomic

INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
CATALOG, PAGES = 1, 2


class _Writer:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.next = PAGES + 1
        self.kids: list[int] = []
        self.digest = hashlib.md5(usedforsecurity=False)
        self.pos = 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)
        self.pos += len(data)

    def number(self) -> int:
        n, self.next = self.next, self.next + 1
        return n

    def start(self, num: int) -> None:
        self.offsets[num] = self.pos
        self.write(b"%d 0 obj\n" % num)

    def direct(self, num: int, body: bytes) -> None:
        self.start(num)
        self.write(body + b"\nendobj\n")


class _Document:
    """One source document being copied: its object numbers in the output."""

    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.numbers: dict[tuple[int, int], int] = {}
        self.queue: list[tuple[int, pikepdf.Object]] = []

    def ref(self, obj: pikepdf.Object) -> bytes:
        key = obj.objgen
        if key not in self.numbers:
            self.numbers[key] = self.w.number()
            self.queue.append((self.numbers[key], obj))
        return b"%d 0 R" % self.numbers[key]

    def value(self, obj: object, top: bool = False) -> bytes:
        """PDF syntax of ``obj``; indirect objects below the top are references."""
        if isinstance(obj, pikepdf.Object) and not top and obj.is_indirect:
            return self.ref(obj)
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            return self.dictionary(obj, {})
        if isinstance(obj, pikepdf.Array):
            return b"[" + b" ".join(self.value(item) for item in obj) + b"]"
        if isinstance(obj, bool):
            return b"true" if obj else b"false"
        if isinstance(obj, int):
            return b"%d" % obj
        if isinstance(obj, Decimal):
            text = format(obj, "f")
            return (text.rstrip("0").rstrip(".") if "." in text else text).encode("ascii") or b"0"
        if obj is None:
            return b"null"
        if isinstance(obj, pikepdf.Object):  # a name, a string, or an operator
            return obj.unparse()
        raise TypeError(f"cannot copy a PDF value of type {type(obj).__name__}")

    def dictionary(self, obj: pikepdf.Object, replace: dict[str, bytes]) -> bytes:
        items = []
        for name in sorted(obj.keys()):
            text = replace[name] if name in replace else self.value(obj[name])
            items.append(pikepdf.Name(name).unparse() + b" " + text)
        for name in sorted(set(replace) - set(obj.keys())):
            items.append(pikepdf.Name(name).unparse() + b" " + replace[name])
        return b"<<" + b" ".join(items) + b">>"

    def number_pages(self, pages: Sequence[pikepdf.Object]) -> None:
        """Number a document's pages before copying any, so that a link or an
        annotation that points at a later page finds it as a page."""
        for page in pages:
            self.numbers[page.objgen] = self.w.number()

    def page(self, page: pikepdf.Object) -> None:
        num = self.numbers[page.objgen]
        replace = {"/Parent": b"%d 0 R" % PAGES}
        for name in INHERITED:
            if name not in page:
                found = _inherited(page, name)
                if found is not None:
                    replace[name] = self.value(found)
        self.w.kids.append(num)
        self.w.direct(num, self.dictionary(page, replace))
        self.drain()

    def blank(self, width: object, height: object) -> None:
        num = self.w.number()
        self.w.kids.append(num)
        box = b"[0 0 " + self.value(width) + b" " + self.value(height) + b"]"
        self.w.direct(num, b"<</Type /Page /Parent %d 0 R /MediaBox " % PAGES + box + b" /Resources <<>>>>")

    def drain(self) -> None:
        while self.queue:
            num, obj = self.queue.pop(0)
            if isinstance(obj, pikepdf.Stream):
                raw = obj.read_raw_bytes()
                head = self.dictionary(obj, {"/Length": b"%d" % len(raw)})
                self.w.start(num)
                self.w.write(head + b"\nstream\n" + raw + b"\nendstream\nendobj\n")
            else:
                self.w.direct(num, self.value(obj, top=True))


def _inherited(page: pikepdf.Object, name: str) -> object:
    node = page.get("/Parent")
    seen = 0
    while isinstance(node, pikepdf.Dictionary) and seen < 64:
        if name in node:
            return node[name]
        node, seen = node.get("/Parent"), seen + 1
    return None


def concatenate(paths: Iterable[Path], target: Path, *, odd_starts: bool = True) -> int:
    """Write ``paths`` one after another to ``target`` (atomically); with
    ``odd_starts`` a blank page follows every document of odd length, so that
    each starts on a right-hand page in duplex printing. Returns the page count."""
    pages = 0

    def write(tmp: Path) -> None:
        nonlocal pages
        with tmp.open("wb") as out:
            w = _Writer(out)
            w.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
            for path in paths:
                with pikepdf.open(path) as src:
                    doc = _Document(w)
                    objs = [page.obj for page in src.pages]
                    doc.number_pages(objs)
                    for obj in objs:
                        doc.page(obj)
                    if odd_starts and len(src.pages) % 2:
                        box = src.pages[-1].mediabox
                        doc.blank(box[2], box[3])
            w.direct(PAGES, b"<</Type /Pages /Count %d /Kids [" % len(w.kids)
                     + b" ".join(b"%d 0 R" % k for k in w.kids) + b"]>>")
            w.direct(CATALOG, b"<</Type /Catalog /Pages %d 0 R>>" % PAGES)
            ident = w.digest.hexdigest().encode("ascii")
            xref = w.pos
            size = w.next
            table = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
            table += [b"%010d 00000 n \n" % w.offsets[n] for n in range(1, size)]
            w.write(b"".join(table))
            w.write(b"trailer\n<</Size %d /Root %d 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, CATALOG, ident, ident, xref))
        pages = len(w.kids)

    replace_atomic(target, write)
    return pages
