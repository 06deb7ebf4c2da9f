"""Canvas QTI 1.2: a zip with imsmanifest.xml, <id>/<id>.xml (the quiz) and
<id>/assessment_meta.xml (Canvas's quiz settings), as Canvas exports and
imports them.

Canvas's numerical question holds a single number, so every number a student
types (a number answer, or one component of a vector) gets its own section
holding that number's variant from every version, with
``<selection_number>1</selection_number>`` and ``points_per_item`` its points
(R/exams writes one section per exercise in the same way). An item is scored
100 when the response equals the key or lies within ``vargte``/``varlte``
bounds of key -/+ tolerance. A choice answer (1d's "did the step lower the
loss?") is a multiple-choice item of its own section, scored 100 for the
right option. Expressions and text become one essay question
per part (a section of their own), marked by hand. A question's figure (the
network) is an SVG file in the zip (``images/``), referenced as Canvas's own
exports do (``$IMS-CC-FILEBASE$/...``). Written with the standard library's ElementTree.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import IO

from .. import key
from . import checks, feedback, formats
from .feedback import clean, number
from .html import escape as html_escape
from .source import Component, Image, PartView, Version

Slot = Component | key.Answer | None  # a number, a choice answer, or None for the part's essay

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so the same class gives the same zip


def _ident(text: str) -> str:
    return "g" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = clean(text)
    return el


def _metadata(item: ET.Element, fields: dict[str, str]) -> None:
    md = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _material(parent: ET.Element, html_text: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html_text, texttype="text/html")


def _img(image: Image) -> str:
    return (f'<img src="$IMS-CC-FILEBASE$/images/{image.name}" alt="{html_escape(image.alt)}" '
            f'style="max-width:100%;height:auto">')


def slots(version: Version) -> list[tuple[PartView, Slot]]:
    """The sections of a version, in order: (part, the number), (part, the choice answer) or (part, None) for its essay."""
    out: list[tuple[PartView, Slot]] = []
    for part in version.parts:
        out += [(part, c) for c in part.components()]
        out += [(part, a) for a in part.choices]
        if part.manual:
            out.append((part, None))
    return out


def section_title(part: PartView, comp: Slot) -> str:
    """The same in every version: the answer's ref (which gradient it is may differ between versions)."""
    if comp is None:
        return f"{part.id}, marked by hand"
    return comp.ref


def item_title(version: Version, part: PartView, comp: Slot) -> str:
    return f"{section_title(part, comp)} v{version.index} {version.code}"


def item(version: Version, part: PartView, comp: Slot) -> tuple[ET.Element, Image | None]:
    """One item (a variant) and the figure it shows, if any."""
    fig = version.figure(part)
    text = feedback.question_html(part, _img(fig) if fig else "")
    title = item_title(version, part, comp)
    el = ET.Element("item", {"ident": _ident(f"{version.index}/{version.code}/{title}"), "title": clean(title)})
    if isinstance(comp, key.Answer):
        _choice_item(el, part, comp, text, title)
        return el, fig
    if comp is not None:
        where = f" (component {comp.position} of the vector)" if comp.position else ""
        text += (f"<p>Enter {feedback.math_html(comp.label)}{where} as a decimal number, "
                 f"{feedback.tolerance_text(comp)}.</p>")
        points = comp.points
        _metadata(el, {"question_type": "numerical_question", "points_possible": number(points),
                       "original_answer_ids": _ident(title + "/a"), "assessment_question_identifierref": _ident(title + "/q")})
    else:
        asked = ", ".join(feedback.math_html(a.label) for a in part.manual)
        text += f"<p>Answer here: {asked}. Show your derivation; this answer is marked by hand.</p>"
        points = sum(a.points for a in part.manual)
        _metadata(el, {"question_type": "essay_question", "points_possible": number(points),
                       "original_answer_ids": "", "assessment_question_identifierref": _ident(title + "/q")})
    pres = _sub(el, "presentation")
    _material(pres, text)
    resp = _sub(pres, "response_str", ident="response1", rcardinality="Single")
    if comp is not None:
        _sub(_sub(resp, "render_fib", fibtype="Decimal"), "response_label", ident=_ident(title + "/a"))
    else:
        _sub(_sub(resp, "render_fib"), "response_label", ident="answer1", rshuffle="No")
    proc = _sub(el, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    if comp is not None:
        cond = _sub(proc, "respcondition", **{"continue": "No"})
        either = _sub(_sub(cond, "conditionvar"), "or")
        _sub(either, "varequal", number(comp.value), respident="response1")
        both = _sub(either, "and")
        _sub(both, "vargte", number(comp.value - comp.tolerance), respident="response1")
        _sub(both, "varlte", number(comp.value + comp.tolerance), respident="response1")
        _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    else:
        cond = _sub(proc, "respcondition", **{"continue": "No"})
        _sub(_sub(cond, "conditionvar"), "other")
    _sub(_sub(proc, "respcondition", **{"continue": "Yes"}), "conditionvar").append(ET.Element("other"))
    proc[-1].append(ET.Element("displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"}))
    fb = feedback.feedback_html(part)
    _material(_sub(_sub(el, "itemfeedback", ident="general_fb"), "flow_mat"), fb)
    return el, fig


def _choice_item(el: ET.Element, part: PartView, a: key.Answer, text: str, title: str) -> None:
    """A multiple-choice item: one option per choice, 100 for the right one."""
    idents = [_ident(f"{title}/{k}") for k in range(len(a.choices))]
    text += f"<p>Choose for {feedback.math_html(a.label)}.</p>"
    _metadata(el, {"question_type": "multiple_choice_question", "points_possible": number(a.points),
                   "original_answer_ids": ",".join(idents), "assessment_question_identifierref": _ident(title + "/q")})
    pres = _sub(el, "presentation")
    _material(pres, text)
    choice = _sub(_sub(pres, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
    for ident, option in zip(idents, a.choices):
        _sub(_sub(_sub(choice, "response_label", ident=ident), "material"), "mattext", option, texttype="text/plain")
    proc = _sub(el, "resprocessing")
    _sub(_sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    cond = _sub(proc, "respcondition", **{"continue": "No"})
    _sub(_sub(cond, "conditionvar"), "varequal", idents[a.choices.index(a.exact or "")], respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    _sub(_sub(proc, "respcondition", **{"continue": "Yes"}), "conditionvar").append(ET.Element("other"))
    proc[-1].append(ET.Element("displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"}))
    _material(_sub(_sub(el, "itemfeedback", ident="general_fb"), "flow_mat"), feedback.feedback_html(part))


def _manifest(aid: str, title: str, images: list[str]) -> bytes:
    ET.register_namespace("", CP)
    m = ET.Element(f"{{{CP}}}manifest", {"identifier": _ident(aid + "/manifest")})
    md = ET.SubElement(m, f"{{{CP}}}metadata")
    ET.SubElement(md, f"{{{CP}}}schema").text = "IMS Content"
    ET.SubElement(md, f"{{{CP}}}schemaversion").text = "1.1.3"
    ET.SubElement(m, f"{{{CP}}}organizations")
    res = ET.SubElement(m, f"{{{CP}}}resources")
    r = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": aid, "type": "imsqti_xmlv1p2"})
    ET.SubElement(r, f"{{{CP}}}file", {"href": f"{aid}/{aid}.xml"})
    ET.SubElement(r, f"{{{CP}}}dependency", {"identifierref": aid + "_meta"})
    meta = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": aid + "_meta",
                                                    "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
                                                    "href": f"{aid}/assessment_meta.xml"})
    ET.SubElement(meta, f"{{{CP}}}file", {"href": f"{aid}/assessment_meta.xml"})
    for name in images:
        img = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": _ident(aid + "/" + name), "type": "webcontent",
                                                       "href": f"images/{name}"})
        ET.SubElement(img, f"{{{CP}}}file", {"href": f"images/{name}"})
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(m, encoding="unicode").encode("utf-8") + b"\n"


def _meta(aid: str, title: str, points: float) -> bytes:
    q = ET.Element("quiz", {"identifier": aid, "xmlns": "http://canvas.instructure.com/xsd/cccv1p0"})
    for tag, text in (("title", title), ("description", ""), ("shuffle_answers", "false"),
                      ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"), ("points_possible", number(points)),
                      ("show_correct_answers", "false"), ("allowed_attempts", "1"), ("available", "false")):
        _sub(q, tag, text)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(q, encoding="unicode").encode("utf-8") + b"\n"


def _write_entry(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


Rendered = tuple[list[str], dict[str, bytes]]  # the items' XML in slot order, and the images they use


def render(version: Version) -> Rendered:
    """The XML of each of a version's items, in slot order, and their images."""
    texts, images = [], {}
    for part, comp in slots(version):
        el, fig = item(version, part, comp)
        if fig:
            images[fig.name] = fig.data
        texts.append(ET.tostring(el, encoding="unicode") + "\n")
    return texts, images


class Writer(formats.Writer[Rendered]):
    """Takes versions one at a time (:meth:`add`), then writes the zip
    (:meth:`finish`). Items are spooled per section to temporary files
    meanwhile, so memory does not grow with the class."""

    def __init__(self) -> None:
        self.count = 0
        self.spools: list[tuple[str, float, IO[str]]] = []
        self.images: dict[str, bytes] = {}
        self.title = ""
        self.codes = hashlib.sha256()
        self.points = 0.0
        self.expected = checks.Expected()

    def add(self, version: Version, rendered: Rendered) -> None:
        """Add a version and :func:`render` of it."""
        self.count += 1
        self.codes.update(version.code.encode("utf-8") + b"/")
        mine = slots(version)
        if not self.spools:
            self.title = feedback.course_label(version)
            for part, comp in mine:
                ppi = comp.points if comp is not None else sum(a.points for a in part.manual)
                self.points += ppi
                self.spools.append((section_title(part, comp), ppi, tempfile.TemporaryFile("w+", encoding="utf-8")))  # noqa: SIM115 (open until finish; close() closes it)
        if [title for title, _, _ in self.spools] != [section_title(part, comp) for part, comp in mine]:
            raise ValueError(f"version {version.code} has other parts than the first version")
        self.expected.versions += 1
        for part, comp in mine:
            name = item_title(version, part, comp)
            if comp is None:
                self.expected.manual.add(name)
            elif isinstance(comp, key.Answer):
                self.expected.numbers[name] = []
                self.expected.choices[name] = [(comp.exact or "", comp.choices)]
            else:
                self.expected.numbers[name] = [(comp.value, comp.tolerance)]
        texts, images = rendered
        self.images.update(images)
        for text, (_, _, spool) in zip(texts, self.spools):
            spool.write(text)

    def finish(self, target: Path) -> None:
        aid = _ident(f"{self.title}/{self.codes.hexdigest()}")
        head = ET.Element("assessment", {"ident": aid, "title": self.title})
        field = _sub(_sub(head, "qtimetadata"), "qtimetadatafield")
        _sub(field, "fieldlabel", "cc_maxattempts")
        _sub(field, "fieldentry", "1")
        opening = ET.tostring(head, encoding="unicode").replace("</assessment>", "")
        with target.open("wb") as out, zipfile.ZipFile(out, "w") as z:
            _write_entry(z, "imsmanifest.xml", _manifest(aid, self.title, sorted(self.images)))
            info = zipfile.ZipInfo(f"{aid}/{aid}.xml", _DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with z.open(info, "w") as dest:
                dest.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop xmlns="{QTI}">\n'.encode())
                dest.write((opening + '\n<section ident="root_section">\n').encode("utf-8"))
                for k, (name, ppi, spool) in enumerate(self.spools):
                    dest.write((f'<section ident="{_ident(aid + "/" + str(k))}" title="{_attr(name)}">\n'
                                f"<selection_ordering><selection><selection_number>1</selection_number>"
                                f"<selection_extension><points_per_item>{number(ppi)}</points_per_item>"
                                f"</selection_extension></selection></selection_ordering>\n").encode())
                    spool.seek(0)
                    while chunk := spool.read(1 << 20):
                        dest.write(chunk.encode("utf-8"))
                    dest.write(b"</section>\n")
                dest.write(b"</section>\n</assessment>\n</questestinterop>\n")
            _write_entry(z, f"{aid}/assessment_meta.xml", _meta(aid, self.title, self.points))
            for name in sorted(self.images):
                _write_entry(z, f"images/{name}", self.images[name])

    def check(self, target: Path) -> list[str]:
        """The QTI rules Canvas's importer needs, then every key against its item."""
        sections, problems = checks.canvas(str(target))
        per_section = {sec.title: len(sec.items) for sec in sections}
        return problems + self.expected.problems({q.name: q for sec in sections for q in sec.items}, per_section)

    def close(self) -> None:
        for _, _, spool in self.spools:
            spool.close()


class Canvas(formats.Format[Rendered]):
    """Canvas QTI 1.2: canvas-qti.zip, a quiz with a question group per number."""

    name = "canvas"
    target = "canvas-qti.zip"
    description = "Canvas QTI 1.2"

    def render(self, version: Version) -> Rendered:
        return render(version)

    def writer(self) -> Writer:
        return Writer()


def _attr(text: str) -> str:
    return re.sub(r'[&<>"]', lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[m.group(0)], clean(text))


FORMAT = Canvas()
