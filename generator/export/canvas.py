"""Canvas QTI 1.2: a zip holding one quiz per version (imsmanifest.xml, and
for each quiz <id>/<id>.xml and <id>/assessment_meta.xml, Canvas's quiz
settings), as Canvas exports and imports them.

Canvas draws each question group on its own, so numbers spread over groups
let one student's numbers come from different versions. Here every version is
a quiz of its own, titled with its version code, holding that version's whole
assignment and nothing else: for each part a text item (the question's
introduction and figure with its first part, then the part's prompt), a
numerical question per number it asks (a number answer, or one component of a
vector: Canvas's numerical question holds one number), scored 100 when the
response equals the key or lies within ``vargte``/``varlte`` bounds of key -/+
tolerance, and an essay question for each answer no box grades (a formula,
an explanation), which ``grade`` can read back one answer each. Each quiz is
then assigned to the students of its version (Canvas's "Assign to"), so a
student sees exactly one version; its items' points reach the gradebook as
the quiz's score and each item's in the Student Analysis report. A figure
(the network) is an SVG file in the zip (``images/``), referenced as Canvas's
own exports do (``$IMS-CC-FILEBASE$/...``). Written with the standard
library's ElementTree.
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

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_DATE = (2020, 1, 1, 0, 0, 0)  # fixed, so the same class gives the same zip
LMS = "Canvas"


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


Slot = tuple[PartView, "Component | key.Answer"]  # a number's box, a choice, or a written answer's essay


def graded(part: PartView) -> list[Slot]:
    """A part's graded items, in order: its numbers, its choices, its written answers."""
    out: list[Slot] = [(part, c) for c in part.components()]
    return out + [(part, a) for a in part.choices] + [(part, a) for a in part.manual]


def slots(version: Version) -> list[Slot]:
    """The graded items of a version, in order."""
    return [slot for part in version.parts for slot in graded(part)]


def slot_title(part: PartView, comp: Component | key.Answer) -> str:
    """The answer's ref ("1c#2", "3.2#2[1]", "1d#5"), or "Written answer 2a#3"."""
    if isinstance(comp, key.Answer) and comp.kind != "choice":
        return f"Written answer {comp.ref}"
    return comp.ref


def item_title(version: Version, part: PartView, comp: Component | key.Answer) -> str:
    return f"{slot_title(part, comp)} v{version.index} {version.code}"


def quiz_title(course: str, version: Version) -> str:
    return f"{course}: version {version.code} (v{version.index})"


def _text_item(version: Version, title: str, text: str) -> ET.Element:
    el = ET.Element("item", {"ident": _ident(f"{version.index}/{version.code}/{title}"), "title": clean(title)})
    _metadata(el, {"question_type": "text_only_question", "points_possible": "0",
                   "original_answer_ids": "", "assessment_question_identifierref": _ident(title + "/q")})
    _material(_sub(el, "presentation"), text)
    return el


def _tag(ref: str, version: Version) -> str:
    """The answer's ref and the version's code, in the item's text: Canvas's Student
    Analysis report heads each answer's column with the text, and ``grade`` reads them there."""
    return f"<p><small>[answer {html_escape(ref)}, version {html_escape(version.code)}]</small></p>"


def item(version: Version, part: PartView, slot: Component | key.Answer, fb: str) -> ET.Element:
    """One graded item: a number's box, or a written answer's essay; ``fb`` its general feedback."""
    title = item_title(version, part, slot)
    el = ET.Element("item", {"ident": _ident(f"{version.index}/{version.code}/{title}"), "title": clean(title)})
    if isinstance(slot, key.Answer) and slot.kind == "choice":
        _choice_item(el, part, slot, version, title, fb)
        return el
    comp = slot if isinstance(slot, Component) else None
    if comp is not None:
        where = f" (component {comp.position} of the vector)" if comp.position else ""
        text = (f"<p>Part {html_escape(part.id)}: {feedback.math_html(comp.label)}{where} \\(=\\) "
                f"<small>({feedback.form_text(comp)}; {feedback.tolerance_text(comp)})</small></p>"
                + _tag(comp.ref, version))
        points = comp.points
        _metadata(el, {"question_type": "numerical_question", "points_possible": number(points),
                       "original_answer_ids": _ident(title + "/a"), "assessment_question_identifierref": _ident(title + "/q")})
    else:
        assert isinstance(slot, key.Answer)
        asked = "your explanation" if slot.kind == "text" else feedback.math_html(slot.label)
        text = (f"<p>Part {html_escape(part.id)}, written answer {html_escape(slot.ref)}: {asked}, as plain text. "
                f"This answer is marked after the quiz.</p>" + _tag(slot.ref, version))
        points = slot.points
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
    if fb:
        _sub(_sub(proc, "respcondition", **{"continue": "Yes"}), "conditionvar").append(ET.Element("other"))
        proc[-1].append(ET.Element("displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"}))
        _material(_sub(_sub(el, "itemfeedback", ident="general_fb"), "flow_mat"), fb)
    return el


def _choice_item(el: ET.Element, part: PartView, a: key.Answer, version: Version, title: str, fb: str) -> None:
    """A multiple-choice item: one option per choice, 100 for the right one."""
    idents = [_ident(f"{title}/{k}") for k in range(len(a.choices))]
    text = (f"<p>Part {html_escape(part.id)}: {feedback.math_html(a.label)} <small>(choose one)</small></p>"
            + _tag(a.ref, version))
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
    if fb:
        _sub(_sub(proc, "respcondition", **{"continue": "Yes"}), "conditionvar").append(ET.Element("other"))
        proc[-1].append(ET.Element("displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"}))
        _material(_sub(_sub(el, "itemfeedback", ident="general_fb"), "flow_mat"), fb)


def items(version: Version) -> tuple[list[ET.Element], list[Image]]:
    """A version's items in the handout's order, and the figures they show."""
    out: list[ET.Element] = []
    figures: list[Image] = []
    seen: set[str] = set()
    for part in version.parts:
        text = ""
        if part.question.id not in seen:
            seen.add(part.question.id)
            fig = version.figure(part)
            if fig and fig not in figures:
                figures.append(fig)
            text = (feedback.HOW_TO_ANSWER if not out else "") + feedback.figure_in(
                feedback.part_heading(part) + feedback.online_text(part.intro, feedback.question_number(part)),
                _img(fig) if fig else "") + "\n"
        out.append(_text_item(version, f"{part.id} v{version.index} {version.code}", text + feedback.part_html(part)))
        fb = feedback.online_marking(LMS) + feedback.feedback_html(part)
        mine = graded(part)
        for n, (p, comp) in enumerate(mine):
            out.append(item(version, p, comp, fb if n == len(mine) - 1 else ""))
    return out, figures


def _meta(aid: str, title: str, points: float) -> bytes:
    q = ET.Element("quiz", {"identifier": aid, "xmlns": "http://canvas.instructure.com/xsd/cccv1p0"})
    for tag, text in (("title", title), ("description", ""), ("shuffle_answers", "false"),
                      ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"), ("points_possible", number(points)),
                      ("show_correct_answers", "false"), ("allowed_attempts", "1"), ("available", "false"),
                      ("only_visible_to_overrides", "true")):
        _sub(q, tag, text)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(q, encoding="unicode").encode("utf-8") + b"\n"


def _write_entry(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


Rendered = tuple[str, dict[str, bytes]]  # a version's items as XML, and the images they use


def render(version: Version) -> Rendered:
    """The XML of a version's items, in order, and their images."""
    els, figures = items(version)
    return "".join(ET.tostring(el, encoding="unicode") + "\n" for el in els), {f.name: f.data for f in figures}


def _manifest(quizzes: list[str], images: list[str]) -> bytes:
    ET.register_namespace("", CP)
    m = ET.Element(f"{{{CP}}}manifest", {"identifier": _ident("/".join(quizzes) + "/manifest")})
    md = ET.SubElement(m, f"{{{CP}}}metadata")
    ET.SubElement(md, f"{{{CP}}}schema").text = "IMS Content"
    ET.SubElement(md, f"{{{CP}}}schemaversion").text = "1.1.3"
    ET.SubElement(m, f"{{{CP}}}organizations")
    res = ET.SubElement(m, f"{{{CP}}}resources")
    for aid in quizzes:
        r = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": aid, "type": "imsqti_xmlv1p2"})
        ET.SubElement(r, f"{{{CP}}}file", {"href": f"{aid}/{aid}.xml"})
        ET.SubElement(r, f"{{{CP}}}dependency", {"identifierref": aid + "_meta"})
        meta = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": aid + "_meta",
                                                        "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
                                                        "href": f"{aid}/assessment_meta.xml"})
        ET.SubElement(meta, f"{{{CP}}}file", {"href": f"{aid}/assessment_meta.xml"})
    for name in images:
        img = ET.SubElement(res, f"{{{CP}}}resource", {"identifier": _ident("image/" + name), "type": "webcontent",
                                                       "href": f"images/{name}"})
        ET.SubElement(img, f"{{{CP}}}file", {"href": f"images/{name}"})
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(m, encoding="unicode").encode("utf-8") + b"\n"


class Writer(formats.Writer[Rendered]):
    """Takes versions one at a time (:meth:`add`), then writes the zip
    (:meth:`finish`). Each version's quiz is spooled to a temporary file
    meanwhile, so memory does not grow with the class."""

    def __init__(self) -> None:
        self.spool: IO[str] | None = None
        self.quizzes: list[tuple[str, str, int]] = []  # (ident, title, characters in the spool)
        self.images: dict[str, bytes] = {}
        self.title = ""
        self.layout: list[tuple[str, float]] = []
        self.points = 0.0
        self.expected = checks.Expected()

    def add(self, version: Version, rendered: Rendered) -> None:
        """Add a version and :func:`render` of it."""
        mine = slots(version)
        layout = [(slot_title(part, comp), comp.points) for part, comp in mine]
        if self.spool is None:
            self.title = feedback.course_label(version)
            self.layout = layout
            self.points = sum(points for _, points in layout)
            self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (open until finish; close() closes it)
        if [points for _, points in layout] != [points for _, points in self.layout] or \
                [t.split("#")[0] for t, _ in layout] != [t.split("#")[0] for t, _ in self.layout]:
            raise ValueError(f"version {version.code} has other parts or marks than the first version")
        self.expected.versions += 1
        for part, comp in mine:
            name = item_title(version, part, comp)
            if isinstance(comp, key.Answer) and comp.kind != "choice":
                self.expected.manual.add(name)
            elif isinstance(comp, key.Answer):
                self.expected.numbers[name] = []
                self.expected.choices[name] = [(comp.exact or "", comp.choices)]
            else:
                self.expected.numbers[name] = [(comp.value, comp.tolerance)]
        texts, images = rendered
        self.images.update(images)
        title = quiz_title(self.title, version)
        self.quizzes.append((_ident(f"quiz/{version.index}/{version.code}/{title}"), title, len(texts)))
        self.spool.write(texts)

    def finish(self, target: Path) -> None:
        if self.spool is None:
            raise ValueError("no version was added")
        self.spool.seek(0)
        with target.open("wb") as out, zipfile.ZipFile(out, "w") as z:
            _write_entry(z, "imsmanifest.xml", _manifest([aid for aid, _, _ in self.quizzes], sorted(self.images)))
            for aid, title, size in self.quizzes:
                head = ET.Element("assessment", {"ident": aid, "title": title})
                field = _sub(_sub(head, "qtimetadata"), "qtimetadatafield")
                _sub(field, "fieldlabel", "cc_maxattempts")
                _sub(field, "fieldentry", "1")
                opening = ET.tostring(head, encoding="unicode").replace("</assessment>", "")
                _write_entry(z, f"{aid}/{aid}.xml", (
                    f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop xmlns="{QTI}">\n'
                    + opening + f'\n<section ident="{_ident(aid + "/root_section")}">\n' + self.spool.read(size)
                    + "</section>\n</assessment>\n</questestinterop>\n").encode("utf-8"))
                _write_entry(z, f"{aid}/assessment_meta.xml", _meta(aid, title, self.points))
            for name in sorted(self.images):
                _write_entry(z, f"images/{name}", self.images[name])

    def check(self, target: Path) -> list[str]:
        """The QTI rules Canvas's importer needs, then every key against its item."""
        sections, problems = checks.canvas(str(target))
        quizzes = {sec.assessment for sec in sections}
        if len(quizzes) != self.expected.versions:
            problems.append(f"{len(quizzes)} quizzes for {self.expected.versions} versions")
        graded = {q.name: q for sec in sections for q in sec.items if q.qtype != "text_only_question"}
        return problems + self.expected.problems(graded, {})

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class Canvas(formats.Format[Rendered]):
    """Canvas QTI 1.2: canvas-qti.zip, a quiz per version."""

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
