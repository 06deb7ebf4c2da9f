"""The answer sheet's boxes are sized for their answers (generator/sheet.py).

TeX measures: every frame's inside as laid out (a hook the preamble calls for
each box) and every key answer typeset at the handout's size; the key answer
must fit its frame. The table of the families' answers is current, a box
never depends on who else is in a class, and the sheet takes one or two
pages, as planned."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator import pipeline, render, sheet, sheet_table, texrun
from generator.config import Layout
from generator.model import Answer, ProblemSet
from generator.pipeline import build_problem_set

# The preamble's hook, made to write what it gets to measure.txt, and the key
# answers typeset there: a formula as the key prints it (display style, the
# handout's size), an explanation as a paragraph as wide as its frame.
HOOKS = r"""\makeatletter
\newwrite\nnmeasure\immediate\openout\nnmeasure=measure.txt
\newcount\nn@boxno\newcount\nn@keyno
\renewcommand\nnboxmeasured[3]{\global\advance\nn@boxno\@ne
  \expandafter\xdef\csname nnw@\the\nn@boxno\endcsname{\the\dimexpr#2\relax}%
  \immediate\write\nnmeasure{box \the\nn@boxno\space\the\dimexpr#2\relax\space\the\dimexpr#3\relax\space\the\linewidth}}
\newcommand\nnkeymath[1]{\global\advance\nn@keyno\@ne\setbox\z@\hbox{$\displaystyle #1$}\nn@keylog}
\newcommand\nnkeyprose[1]{\global\advance\nn@keyno\@ne
  \setbox\z@\vbox{\hsize\csname nnw@\the\nn@keyno\endcsname\relax\parindent\z@ #1}\nn@keylog}
\def\nn@keylog{\immediate\write\nnmeasure{key \the\nn@keyno\space\the\wd\z@\space\the\ht\z@\space\the\dp\z@}}
\newcommand\nnsheetdone{\immediate\write\nnmeasure{pages \the\numexpr\value{page}-1\relax}}
\makeatother
"""

PT_PER_MM = 72.27 / 25.4


@dataclass
class Fit:
    ref: str
    frame: tuple[float, float]  # inside width, height (pt)
    answer: tuple[float, float]  # typeset width, height + depth (pt)
    prose: bool


def key_answer(a: Answer) -> str:
    """The key's answer as the sheet must hold it: a number asked exactly that
    is not a plain decimal comes with its decimal (2b's exact value and decimal)."""
    if sheet.is_prose(a):
        return rf"\nnkeyprose{{{a.latex}}}"
    latex = a.latex
    if a.kind == "number" and isinstance(a.value, (int, float)) and not re.match(r"^\s*-?\s*\d+(\.\d+)?\s*$", latex):
        latex += rf" \approx {a.value:.4f}"
    return rf"\nnkeymath{{{latex}}}"


def sheet_body(ps: ProblemSet, layout: Layout) -> str:
    config = pipeline.config_of(ps)
    body = render.render("answer-sheet.tex.j2", ps=ps, key=False, student=pipeline.printed_student(ps), course=config.course,
                         layout=layout, sheet=sheet.layout(ps, layout.paper, layout.compact))
    keys = "".join(key_answer(a) + "\n" for p in ps.parts for a in p.graded)
    return f"\\nnbegin{{assignment}}\\renewcommand\\versioncode{{{ps.version}}}\n{body}\\nnend\\nnsheetdone\n{keys}"


A4 = Layout()


def measure(versions: list[ProblemSet], tmp: Path, layout: Layout = A4) -> tuple[list[list[Fit]], list[int], float, str]:
    """Typeset the answer sheets of ``versions`` in one document: per version
    its fits (frame and key answer of every ref) and its page count, the line
    width and the log."""
    pre = pipeline.preamble("pdflatex", layout.paper)
    start = r"\newgeometry{margin=1.7cm,headheight=15pt,headsep=10pt,footskip=24pt}\small" "\n" if layout.compact else ""
    doc = pre + HOOKS + "\\begin{document}\n" + start + "".join(sheet_body(ps, layout) for ps in versions) + "\\end{document}\n"
    (tmp / "sheets.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheets.tex"], cwd=tmp,
                         env=texrun.tex_env(), capture_output=True, timeout=600)
    log = (tmp / "sheets.log").read_text(encoding="latin-1")
    assert run.returncode == 0, texrun.log_excerpt(log, 30)
    boxes, keys, pages = [], [], []
    width = 0.0
    for line in (tmp / "measure.txt").read_text().splitlines():
        kind, *rest = line.split()
        if kind == "box":
            boxes.append((float(rest[1][:-2]), float(rest[2][:-2])))
            width = float(rest[3][:-2])
        elif kind == "key":
            wd, ht, dp = (float(x[:-2]) for x in rest[1:])
            keys.append((wd, ht + dp))
        else:
            pages.append(int(rest[0]))
    assert len(boxes) == len(keys) == sum(len(p.graded) for ps in versions for p in ps.parts)
    fits, k = [], 0
    for ps in versions:
        mine = []
        for a in (a for p in ps.parts for a in p.graded):
            mine.append(Fit(a.ref or "", boxes[k], keys[k], sheet.is_prose(a)))
            k += 1
        fits.append(mine)
    return fits, pages, width, log


def assert_fits(fits: list[Fit], seed: object) -> None:
    for f in fits:
        (fw, fh), (aw, ah) = f.frame, f.answer
        if f.prose:
            assert ah <= fh, (seed, f)  # the paragraph, as wide as the frame, is not taller than it
        else:
            assert aw <= fw and ah <= fh, (seed, f)


@pytest.mark.pdf
def test_fifty_versions_every_key_answer_fits_its_box(tmp_path):
    """For 50 versions (and the original), every key answer typeset at the
    handout's size fits its frame, as TeX measures both; no line of boxes is
    wider than the text; each sheet takes the one or two pages planned."""
    versions = [build_problem_set(preset="original")] + [build_problem_set(seed) for seed in range(1000, 1050)]
    fits, pages, width, log = measure(versions, tmp_path)
    for ps, mine in zip(versions, fits):
        assert_fits(mine, ps.seed)
    assert pages == [len(sheet.layout(ps).pages) for ps in versions]
    assert set(pages) <= {1, 2}
    assert "Overfull \\hbox" not in log
    assert abs(width - sheet.text_block("a4", False)[0] * PT_PER_MM) < 0.5  # the geometry the layout assumes


@pytest.mark.pdf
@pytest.mark.parametrize("layout", [Layout(paper="letter"), Layout(paper="letter", answer_space="compact"),
                                    Layout(paper="a4", answer_space="compact")], ids=["letter", "letter-compact", "a4-compact"])
def test_letter_and_compact_sheets_fit_too(tmp_path, layout):
    seeds = [3, 254, 1007]
    versions = [build_problem_set(s) for s in seeds]
    fits, pages, width, log = measure(versions, tmp_path, layout)
    for seed, mine in zip(seeds, fits):
        assert_fits(mine, seed)
    assert pages == [len(sheet.layout(ps, layout.paper, layout.compact).pages) for ps in versions]
    assert "Overfull \\hbox" not in log
    assert abs(width - sheet.text_block(layout.paper, layout.compact)[0] * PT_PER_MM) < 0.5


@pytest.mark.slow
def test_the_table_is_current():
    """The stored sizes are those of the families as they are now (a changed
    family must remake them: python -m generator.sheet_table --write)."""
    assert sheet.TABLE.read_text(encoding="utf-8") == sheet_table.measured(), \
        "generator/sheet-sizes.json is stale: run python -m generator.sheet_table --write"


def box_sizes(ps: ProblemSet) -> dict[str, tuple[float, float]]:
    return {b.ref: (b.width, b.height) for page in sheet.layout(ps).pages for row in page.rows for b in row.boxes}


def test_a_box_is_never_smaller_than_the_table_nor_than_its_own_answer():
    for seed in (0, 11, 254):
        ps = build_problem_set(seed)
        sizes = box_sizes(ps)
        stored = sheet.table()
        for q in ps.questions:
            for p in q.parts:
                for a in p.graded:
                    w, h = sizes[a.ref or ""]
                    if sheet.is_prose(a):
                        assert h >= sheet.LINES_PER_MARK * (a.points or 0) * sheet.LINE_MM
                        continue
                    n = stored[q.family].get(sheet.table_key(q, p, a), sheet.Need(0.0, 1)) | sheet.need(a)  # a new ref: its own
                    lines = max(1, round(h / sheet.LINE_MM))
                    assert h >= n.lines * sheet.LINE_MM - 1e-9
                    assert w * lines >= n.chars * sheet.HAND_MM - 1e-9 or w >= n.chars * sheet.HAND_MM


def test_two_b_holds_the_exact_value_and_the_decimal():
    ps = build_problem_set(7)
    a = ps.questions[1].part("2b").graded[2]
    exact = sheet.handwritten(a.latex)
    assert sheet.need(a).chars == exact.chars + 2 + len(f"{a.value:.4f}")
    plain = ps.questions[0].part("1a").graded[0]  # an integer: no decimal to add
    assert sheet.need(plain) == sheet.handwritten(plain.latex)


def test_the_explanation_grows_with_its_marks():
    from dataclasses import replace

    from generator.config import default

    base = default()
    heights = []
    for marks in (4, 8):
        config = replace(base, points=tuple((p, marks if p == "1e" else v) for p, v in base.points))
        ps = build_problem_set(5, config=config)
        heights.append(box_sizes(ps)["1e#1"][1])
    assert heights[0] >= 6 * sheet.LINE_MM and heights[1] >= 12 * sheet.LINE_MM  # 1.5 handwritten lines a mark
    assert heights[1] >= heights[0] + 3 * sheet.LINE_MM


def test_a_box_depends_on_its_version_alone():
    """Sizes come from the stored table and the version's own answers: the
    same version gets the same sheet alone or in any class."""
    ps = build_problem_set(42)
    first = sheet.layout(ps)
    for other in (1, 2, 3):
        build_problem_set(other)
    assert sheet.layout(build_problem_set(42)) == first


def test_handwriting_measures():
    assert sheet.handwritten("12").chars == 2 and sheet.handwritten("12").lines == 1
    assert sheet.handwritten(r"\frac{1}{g_{1}}").lines == 2  # a fraction: two lines
    column = sheet.handwritten(r"\begin{pmatrix}3 \\ 8\end{pmatrix}")
    assert column.lines == 2 and column.chars >= 5  # as high as its column, as wide as (3, 8)
    assert sheet.handwritten(r"\sin {2 x_{2}}").chars > sheet.handwritten("2 x_{2}").chars
    long = sheet.handwritten(r"- 3 \left(x_{1} + x_{2}^{2}\right)^{2} - \sin {2 x_{2}} \cos{\left(x_{1} \sin {2 x_{2}} \right)}")
    assert 28 <= long.chars <= 45 and long.lines == 1
    assert sheet.handwritten(r"\text{yes}").chars == 3  # a one-word choice


@pytest.mark.pdf
def test_a_sheet_of_fewer_questions_takes_one_page(tmp_path):
    """Question 3 alone, or Question 2 alone: one page, planned and typeset alike."""
    from dataclasses import replace

    from generator.config import default

    base = default()
    configs = [replace(base, include=tuple(p for p in base.include if p.startswith("3"))),
               replace(base, include=tuple(p for p in base.include if p.startswith("2")))]
    versions = [build_problem_set(seed, config=c) for c in configs for seed in (5, 6)]
    fits, pages, _, log = measure(versions, tmp_path)
    for ps, mine in zip(versions, fits):
        assert_fits(mine, ps.seed)
    assert pages == [1, 1, 1, 1] == [len(sheet.layout(ps).pages) for ps in versions]
    assert "Overfull \\hbox" not in log
