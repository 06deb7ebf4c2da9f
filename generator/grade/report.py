"""The PDFs of a grading run: one feedback page per student and the class
summary. Many documents go through one TeX run (each writes the page it
starts on to ``JOB.pages``; the PDF is cut there), in batches spread over the
cores."""

from __future__ import annotations

import os
import statistics
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import compile, latex, names, render
from ..errors import TexError
from ..files import ran_out
from ..questions import concepts
from . import credit, judge, pdftext, run
from .run import ClassGrades, StudentGrade

BATCH = 40  # feedback documents per TeX run
MAX_SHOWN = 60  # characters of a response printed in the feedback

def show_response(text: str, limit: int = MAX_SHOWN) -> str:
    """A student's response (or a TA's comment) as safe LaTeX: escaped,
    shortened to ``limit`` characters, every character shown by a font that
    has it or as its code point (:mod:`.pdftext`), with line-break points
    after operators."""
    return pdftext.to_latex(text, limit) or r"\textit{(blank)}"


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


_MARKS = {judge.RIGHT: r"\nnright", judge.FOLLOW: r"\nnright", judge.HAND: r"\nnhand", credit.SLIP: r"\nnright",
          credit.PARTIAL: r"\nnpart"}
MAX_COMMENT = 600  # characters of a TA comment printed
MIN_PIECE = 28  # characters of LaTeX a key formula's line holds at least before it may break


def _share(x: float) -> str:
    return {0.5: "half", 0.25: "a quarter", 0.75: "three quarters"}.get(x, f"{x:g}")


def _comment(v: judge.Verdict, g: StudentGrade | None = None) -> str:
    if v.status == judge.HAND:
        if g is not None and v.part in g.part_marks:
            return r"marked with the part (below)"
        return "marked by hand" if g is None or v.ref in g.hand else r"marked by hand: \textit{mark not yet given}"
    if v.mistake is not None:
        what = v.mistake.text or latex.escape(v.mistake.name)  # the generator's own text
        if v.status == credit.SLIP:
            return latex.escape(v.note)  # "the same slip as 1c#2, counted once in the part"
        if v.status == credit.PARTIAL:
            return r"wrong: " + what + f"; {_share(v.mistake.credit)} of the marks for the method"
        return r"wrong: " + what
    if v.status == judge.BLANK:
        return "no answer"
    return pdftext.to_latex(v.note)  # a note may quote the response ("unexpected character '✓'")


def show_formula(tex: str) -> str:
    """A key formula that wraps inside its column: split before each + and -
    at the top level (outside braces, brackets, \\left..\\right and environments), each
    piece its own formula that shrinks when it alone is wider than the column."""
    pieces, depth, start, k = [], 0, 0, 0
    while k < len(tex):
        ch = tex[k]
        if tex.startswith((r"\left", r"\bigl", r"\Bigl", r"\begin"), k):
            depth += 1
        elif tex.startswith((r"\right", r"\bigr", r"\Bigr", r"\end"), k):
            depth -= 1
        if ch == "\\":
            k += 2 if k + 1 < len(tex) and not tex[k + 1].isalpha() else 1
            while k < len(tex) and tex[k].isalpha():
                k += 1
            continue
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch in "+-" and depth == 0 and k > start and tex[start:k].strip():
            pieces.append(tex[start:k])
            start = k
        k += 1
    pieces.append(tex[start:])
    lines: list[str] = []  # pieces joined up to a readable length, so that a line never starts a short term
    for p in (p.strip() for p in pieces if p.strip()):
        if lines and (len(lines[-1]) < MIN_PIECE or len(p) < MIN_PIECE // 2):
            lines[-1] += " " + p
        else:
            lines.append(p)
    return r"\allowbreak{}".join(r"\nnfit{$" + p + "$}" for p in lines)


def _model_answer(k: judge.Key) -> str:
    """What the feedback shows for an answer marked by hand: the model answer."""
    if not k.latex:
        return r"\textit{see the key}"
    if k.label == "model answer":  # a text answer: the model answer is text, the generator's own LaTeX
        points = concepts.marking_of(k.latex)
        listed = (r"\par\smallskip\textit{Marking points:} " + "; ".join(points) + ".") if points else ""
        return r"{\footnotesize " + k.latex + listed + "}"
    return r"{\footnotesize model answer: }" + show_formula(k.latex)


def _course_line(result: ClassGrades) -> str:
    c = result.course
    line = " ".join(t for t in (c.code, c.name) if t) if c else ""
    line = line or "Neural Networks"
    if c and c.title:
        line += ", " + c.title
    return latex.escape(line)


def _hand_parts(parts: list[str]) -> str:
    return ", ".join(parts)


def feedback_body(g: StudentGrade, result: ClassGrades, doc: str) -> str:
    keys = {k.ref: k for k in g.student.keys}
    parts = []
    for p in result.parts:
        rows = []
        for v in g.verdicts:
            if v.part != p:
                continue
            k = keys[v.ref]
            if k.kind == "text":
                key_tex = _model_answer(k)
            elif k.latex:
                key_tex = show_formula(k.latex)
            else:
                key_tex = latex.escape(k.exact or "")
            hand = v.status == judge.HAND
            rows.append({
                "mark": _MARKS.get(v.status, r"\nnwrong"), "ref": latex.escape(v.ref),
                "label": f"${k.label}$" if k.label and k.kind != "text" else latex.escape(k.text),
                "response": show_response(v.response) if v.response.strip() else r"\textit{(blank)}",
                "key": key_tex, "points": (_num(g.hand[v.ref]) if hand and v.ref in g.hand else "--") if hand else _num(v.points),
                "max": _num(v.max_points), "comment": _comment(v, g),
            })
        if rows:
            parts.append({"id": latex.escape(p), "rows": rows,
                          "override": (f"{_num(g.part_marks[p])} of {_num(g.part_max(p))}" if p in g.part_marks else ""),
                          "automatic": _num(g.automatic(p))})
    hand_parts = sorted({v.part for v in g.missing()}, key=result.parts.index)
    given = [v for v in g.verdicts if v.status == judge.HAND and v.ref in g.hand and v.part not in g.part_marks]
    follow = [v for v in g.verdicts if v.status == judge.FOLLOW]
    s = g.student
    return render.render(
        "feedback.tex.j2", preamble=False, doc=doc, course_line=_course_line(result), version=latex.escape(s.version),
        student_id=names.to_tex(s.id), student_name=names.to_tex(s.name) if s.name else "",
        total=_num(g.total), maximum=_num(g.maximum), hand=_num(g.hand_max()), hand_parts=_hand_parts(hand_parts),
        hand_given=_num(sum(g.hand[v.ref] for v in given)), hand_given_max=_num(sum(v.max_points for v in given)),
        hand_count=len(given), ta_parts=", ".join(p for p in result.parts if p in g.part_marks),
        comment=show_response(g.comment, MAX_COMMENT) if g.comment.strip() else "",
        follow=(f"{len(follow)} answer{'s' if len(follow) > 1 else ''} earned follow-through credit: right from your own "
                "earlier answer (see the comments).") if follow else "",
        parts=parts,
    )


def summary_body(result: ClassGrades) -> str:
    rows = []
    summaries = run.summarize(result)
    for s in summaries:
        rows.append({
            "part": latex.escape(s.part), "maximum": _num(s.maximum), "mean": f"{s.mean:.2f}", "median": _num(s.median),
            "share": f"{100 * s.share_full:.0f}\\%",
            "mistakes": "; ".join(f"{t or latex.escape(n)} ({run.counted(st, an)})" for n, t, st, an in s.mistakes) or "--",
        })
    totals = [g.total for g in result.grades]
    hand_parts = [p for p in result.parts if any(g.hand_max(p) for g in result.grades)]
    missing = sum(1 for g in result.grades if g.missing())
    unjudged = {g.student.id for g in result.grades for v in g.verdicts if v.check_by_hand and v.part not in g.part_marks}
    return render.render(
        "summary.tex.j2", course_line=_course_line(result), students=len(result.grades),
        mean=f"{statistics.fmean(totals):.1f}" if totals else "--", median=_num(statistics.median(totals)) if totals else "--",
        maximum=_num(result.grades[0].maximum) if result.grades else "0",
        hand=_num(max((g.hand_max() for g in result.grades), default=0.0)), hand_parts=_hand_parts(hand_parts),
        missing=missing, problems=len(result.problems), rows=rows, unjudged=len(unjudged),
        unjudged_answers=sum(s.unjudged_answers for s in summaries), follow_share=f"{result.follow_through:g}",
        follow_partial=result.follow_through < 1,
    )


def preamble() -> str:
    return render.render("feedback.tex.j2", preamble=True, engine="pdflatex")


def _typeset(name: str, documents: list[tuple[str, str]], targets: dict[str, Path], label: str) -> None:
    unit = compile.Unit(name, preamble(), documents, engine="pdflatex", label=label, paged=False)
    with compile.workdir() as tmp:
        pdf = compile.run_unit(unit, Path(tmp))
        starts: dict[str, int] = {}
        for line in (Path(tmp) / f"{name}.pages").read_text(encoding="utf-8").splitlines():
            doc, _, page = line.rpartition(" ")
            starts[doc] = int(page)
        total = sum(unit.pages.values())
        order = [doc for doc, _ in documents]
        unit.pages = {doc: (starts[order[k + 1]] if k + 1 < len(order) else total + 1) - starts[doc]
                      for k, doc in enumerate(order)}
        compile.split(pdf, unit, targets)


def _one_line(exc: BaseException, label: str = "") -> str:
    """A failure as one line: its first line (without ``label``), and a TeX log's first error."""
    first, _, log = str(exc).partition("\n")
    first = first.removeprefix(f"{label}: ") if label else first
    return f"{first} {compile.first_error(log)}" if log.strip() else first


def write_pdfs(result: ClassGrades, folder: Path, jobs: int | None = None, failures: list[str] | None = None) -> int:
    """folder/summary.pdf and folder/feedback/<student folder>.pdf; returns the
    number of PDFs written. With a ``failures`` list, a student whose feedback
    cannot be made (a batch that fails is typeset again one student at a time)
    is one line there naming the row and ID, and every other student's is
    written; without, or when the summary or every student's feedback fails,
    a :class:`TexError`."""
    compile.require_tex("pdflatex")
    feedback = folder / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    rows = {f"fb{k}": g.row for k, g in enumerate(result.grades)}
    who = {f"fb{k}": f"row {g.row} (ID {g.student.id})" for k, g in enumerate(result.grades)}
    lost: dict[str, str] = {}  # document -> the line that says why it is missing
    docs = []
    for k, g in enumerate(result.grades):
        try:
            docs.append((f"fb{k}", feedback_body(g, result, f"fb{k}"), feedback / f"{g.student.folder}.pdf"))
        except Exception as exc:  # one student's page that cannot be made must not stop the others
            lost[f"fb{k}"] = f"{who[f'fb{k}']}: the feedback could not be made: {_one_line(exc) or type(exc).__name__}"
    batches: list[tuple[str, list[tuple[str, str]], dict[str, Path], str]] = [
        ("summary", [("summary", summary_body(result))], {"summary": folder / "summary.pdf"}, "class summary")]
    for start in range(0, len(docs), BATCH):
        chunk = docs[start : start + BATCH]
        batches.append((f"feedback{start // BATCH}", [(d, body) for d, body, _ in chunk], {d: t for d, _, t in chunk},
                        f"feedback of rows {rows[chunk[0][0]]} to {rows[chunk[-1][0]]}"))
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        futures = [pool.submit(_typeset, *b) for b in batches]
        errors = [f.exception() for f in futures]
        for b, error in zip(batches, errors):
            if error is not None and (failures is None or b[0] == "summary" or not isinstance(error, Exception)
                                      or _limit(error)):
                raise error if isinstance(error, TexError) else _limit(error) or TexError(str(error))
        # a batch that failed: each of its students alone, so that one page that cannot be made costs only that page
        alone = {d: pool.submit(_typeset, f"{b[0]}-{d}", [(d, body)], {d: b[2][d]}, f"feedback of {who[d]}")
                 for b, error in zip(batches, errors) if error is not None for d, body in b[1]}
        for d, future in alone.items():
            error = future.exception()
            if error is not None:
                if not isinstance(error, Exception) or _limit(error):
                    raise _limit(error) or error
                lost[d] = f"{who[d]}: the feedback could not be typeset: {_one_line(error, f'feedback of {who[d]}')}"
    if lost and len(lost) == len(result.grades):
        raise TexError(f"no student's feedback could be made ({next(iter(lost.values()))})")
    if failures is not None:
        failures.extend(lost[d] for d in sorted(lost, key=lambda d: rows[d]))
    elif lost:
        raise TexError(next(iter(lost.values())))
    return 1 + sum(1 for d, _, _ in docs if d not in lost)


def _limit(exc: BaseException) -> BaseException | None:
    """An OS limit that ran out (too many open files, a full disk): it stops the run, naming the limit."""
    return ran_out(exc) if isinstance(exc, OSError) else None
