"""A part the configuration leaves out leaves no trace: no introduction,
prompt, solution, grading note, table, column heading or answer-sheet line of
the handout or the key names it (read back from the PDFs with pdftotext, and
from the LaTeX sources for every single part), and the class manifest's
fairness spread does not report it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import cli, config, pipeline

MATHS = re.compile(r"\$[^$]*\$|\\\[.*?\\\]|\\begin\{(align\*?|equation\*?)\}.*?\\end\{\1\}", re.S)
RANGE = re.compile(r"(\d+)\.(\d+)\s*[\u2013-]\s*\1\.(\d+)")  # "3.3–3.5"


def traces(text: str, part: str) -> list[str]:
    """Where ``text`` names the part ``part`` (1e, 3.5): the id itself (not a
    decimal such as 3.50 or 13.5), "part (e)" or "part (1e)", or a range of
    parts that spans it ("3.3–3.5")."""
    number, suffix = re.fullmatch(r"(\d+)\.?(\w+)", part).groups()  # type: ignore[union-attr]
    found = [m.group(0) for m in re.finditer(rf"(?<![\w.\u2212-]){re.escape(part)}(?![\w])", text)]
    found += re.findall(rf"part \({re.escape(suffix)}\)|part \({re.escape(part)}\)|parts? \({re.escape(part)}\)", text)
    if "." in part:
        found += [m.group(0) for m in RANGE.finditer(text)
                  if m.group(1) == number and int(m.group(2)) <= int(suffix) <= int(m.group(3))]
    return found


def test_traces_finds_what_it_looks_for() -> None:
    assert traces("for parts 3.3\u20133.5, the data set", "3.4") == ["3.3\u20133.5"]
    assert traces("y in 3.5 (labels)", "3.5") == ["3.5"]
    assert traces("w = 3.50 and 13.5 and -3.5", "3.5") == []
    assert "part (1a)" in traces("the network of part (1a)", "1a")
    assert traces("kept the values of part (e)", "1e") == ["part (e)"]
    assert traces("1e#1 your explanation", "1e") == ["1e"]
    assert traces("2b#3 and 2a", "2b") == ["2b"]


def pdf_text(path: Path) -> str:
    """The PDF's text, its lines joined by single spaces."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(out.split())


def version(tmp_path: Path, exclude: list[str], seed: int, *, pdf: bool) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "course.toml").write_text(f"[questions]\nexclude = {json.dumps(exclude)}\n", encoding="utf-8")
    args = ["--seed", str(seed), "--config", str(tmp_path / "course.toml"), "--quiet", "--out", str(tmp_path / "out")]
    assert cli.main(args + ([] if pdf else ["--no-pdf"])) == 0
    return tmp_path / "out" / f"seed-{seed}"


@pytest.mark.pdf
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("exclude", [["3.5"], ["1e", "2b"]])
@pytest.mark.parametrize("seed", [3, 11])
def test_left_out_parts_leave_no_trace_in_the_pdfs(tmp_path: Path, exclude: list[str], seed: int) -> None:
    folder = version(tmp_path, exclude, seed, pdf=True)
    for doc in ("assignment.pdf", "key.pdf"):
        text = pdf_text(folder / doc)
        for part in exclude:
            assert traces(text, part) == [], (doc, part, traces(text, part))
        # the parts kept are still there, with their own answers on the sheet
        kept = [p for p in config.part_ids() if p not in exclude]
        assert all(traces(text, p) for p in kept), doc
    handout = pdf_text(folder / "assignment.pdf")
    if "3.5" in exclude:  # the data set's heading names the regression parts only, and it has no label column
        assert "3.3, 3.4 (regression)" in handout and "labels in" not in handout
        assert "parts 3.3, 3.4, the data set" in handout


@pytest.mark.parametrize("part", config.part_ids())
def test_no_single_left_out_part_is_named_in_the_sources(tmp_path: Path, part: str) -> None:
    for seed in (0, 5):
        folder = version(tmp_path / str(seed), [part], seed, pdf=False)
        for doc in ("assignment.tex", "key.tex"):
            body = (folder / doc).read_text(encoding="utf-8").split(r"\begin{document}", 1)[1]
            body = body.replace(r"\#", "#").replace("--", "\u2013")
            body = MATHS.sub(" ", body)  # numbers (a value 3.5) are no part ids; \nnref{3.5#1}, \qpart{3.5} and headings are outside maths
            assert traces(body, part) == [], (seed, doc, traces(body, part))
        data = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
        prompts = [p["prompt"] for q in data["questions"] for p in q["parts"]]
        assert not any(traces(t, part) for t in prompts)


@pytest.mark.parametrize("exclude, heading", [
    (["3.3", "3.5"], "3.4 (regression)"),
    (["3.3", "3.4"], "3.5 (labels in"),
])
def test_the_data_set_names_the_parts_that_use_it(exclude: list[str], heading: str) -> None:
    cfg = config.parse(f"[questions]\nexclude = {json.dumps(exclude)}\n", Path("course.toml"))
    tex = pipeline.render_bodies(pipeline.build_problem_set(seed=2, config=cfg))["assignment"]
    assert heading in tex and tex.count("(regression)") + tex.count("(labels in") == 1
    assert ("for part 3.4, the data set" if "3.4" not in exclude else "for part 3.5, the data set") in tex


def test_no_data_part_no_data_set() -> None:
    cfg = config.parse('[questions]\nexclude = ["3.3", "3.4", "3.5"]\n', Path("course.toml"))
    tex = pipeline.render_bodies(pipeline.build_problem_set(seed=2, config=cfg))["key"]
    assert "data set" not in tex and "x^{(i)}" not in tex and r"\begin{tabular}{c" not in tex.split("Question 3")[1]


def test_the_manifest_reports_no_left_out_part(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text('[questions]\nexclude = ["1e", "3.5"]\n', encoding="utf-8")
    assert cli.main(["--seed", "4", "--count", "2", "--no-pdf", "--quiet", "--config", str(tmp_path / "course.toml"),
                     "--out", str(tmp_path)]) == 0
    manifest = (tmp_path / "class-4" / "manifest.json").read_text(encoding="utf-8")
    assert "1e:" not in manifest and "3.5:" not in manifest and "1d:" in manifest and "3.4:" in manifest
