"""Maths that reads back: w^T, primes and fractions copy out of every document
as sensible text, whichever engine made it (ToUnicode maps for the maths fonts)."""

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from generator import pipeline, texrun
from generator.model import Student


def text_of(pdf: Path) -> str:
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(unicodedata.normalize("NFC", raw).split())


def assert_maths_reads_back(text: str, key: bool) -> None:
    flat = text.replace(" ", "")
    assert "w⊤x" in flat  # w^T x, not "w>x"
    assert "f′(z)" in flat  # f'(z), not "f0(z)"
    assert "σ(w⊤x)" in flat and "∇wJ" in flat and "ŷ" in flat
    assert "1+e−z" in flat  # the denominator of 1/(1+e^-z), with a real minus sign
    if key:
        assert "∂J" in flat and "∂ŷ" in flat  # the parts of dJ/dy_hat
    assert not re.search(r"w>|f0\(|\ufffd|[\ue000-\uf8ff]", text), re.search(r".{20}(w>|f0\(|\ufffd|[\ue000-\uf8ff]).{20}", text)


@pytest.mark.pdf
def test_maths_reads_back_from_pdflatex_handout_and_key(tmp_path):
    ps = pipeline.build_problem_set(preset="original")
    pipeline.write_version(ps, tmp_path)
    assert_maths_reads_back(text_of(tmp_path / "assignment.pdf"), key=False)
    assert_maths_reads_back(text_of(tmp_path / "key.pdf"), key=True)


@pytest.mark.pdf
def test_standalone_lualatex_source_reads_back_maths_and_name(tmp_path):
    """A student whose name needs a name box gets a .tex file that names LuaLaTeX
    and compiles on its own; its maths and name read back too."""
    name = "李小龍 Ħanna"
    ps = pipeline.build_problem_set(preset="original", student=Student("7", name))
    pipeline.write_version(ps, tmp_path, pdf=False)
    source = (tmp_path / "assignment.tex").read_text(encoding="utf-8")
    assert source.startswith("% !TEX program = lualatex")
    result = subprocess.run(["lualatex", "-interaction=nonstopmode", "-halt-on-error", "assignment.tex"], cwd=tmp_path,
                            env=texrun.tex_env(), capture_output=True)
    assert result.returncode == 0, result.stdout[-2000:]
    text = text_of(tmp_path / "assignment.pdf")
    assert_maths_reads_back(text, key=False)
    assert "".join(name.split()) in text.replace(" ", "")
