"""generator/compile.py and texrun.py: TeX's environment, its error messages, and cutting one
TeX run's PDF into one file per document."""

import os
import shutil
from pathlib import Path

import pikepdf
import pytest

from generator import compile, pipeline, texrun
from generator.errors import TexError


def test_tex_env_keeps_only_what_tex_needs(monkeypatch):
    monkeypatch.setenv("TEXINPUTS", "/evil//:")
    monkeypatch.setenv("TEXMFCNF", "/evil")
    monkeypatch.setenv("TEXFORMATS", "/evil")
    monkeypatch.setenv("NN_SOMETHING_ELSE", "x")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = texrun.tex_env()
    assert "TEXINPUTS" not in env and "TEXMFCNF" not in env and "TEXFORMATS" not in env
    assert "NN_SOMETHING_ELSE" not in env
    assert set(env) - set(texrun.PASSED) == {"SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE", "openin_any", "openout_any",
                                              "shell_escape", "max_print_line", "TEXMFHOME", "TEXMFAUXTREES", "MKTEXFMT"}
    assert env["PATH"] == os.environ["PATH"] and env["LANG"] == "C.UTF-8" and env["MKTEXFMT"] == "0"
    assert (env["openin_any"], env["openout_any"], env["shell_escape"]) == ("p", "p", "f")
    assert env["SOURCE_DATE_EPOCH"] == texrun.SOURCE_DATE_EPOCH and env["FORCE_SOURCE_DATE"] == "1"
    assert not Path(env["TEXMFHOME"]).exists()
    assert texrun.tex_env(Path("."))["TEXFORMATS"] == "."


LOG = """This is pdfTeX, Version 3.141592653
(./version.tex
LaTeX Warning: Reference `x' on page 1 undefined.
./version.tex:41: Undefined control sequence.
l.41 \\thisisnotacommand
! Emergency stop.
"""


@pytest.mark.parametrize(
    "log, first",
    [
        (LOG, "./version.tex:41: Undefined control sequence."),
        ("(./a.tex\n! LaTeX Error: File `x.sty' not found.\n! Emergency stop.\n", "! LaTeX Error: File `x.sty' not found."),
        ("kpathsea: Running mktexfmt\nI can't find the format file `nnpreamble.fmt'!\n", "I can't find the format file `nnpreamble.fmt'!"),
        ("line one\n   last line   \n\n", "last line"),
        ("", "no output"),
        ("! " + "x" * 500, "! " + "x" * 298),
    ],
)
def test_first_error_is_one_line(log, first):
    assert texrun.first_error(log) == first


def test_log_excerpt_starts_at_the_error():
    assert texrun.log_excerpt(LOG, lines=2) == "./version.tex:41: Undefined control sequence.\nl.41 \\thisisnotacommand"
    assert texrun.log_excerpt("a\nb\nc\nd", lines=2) == "c\nd"  # no error line: the tail


def test_a_missing_character_is_named():
    unit = compile.Unit("version", "", [], label="student '9'")
    err = compile.explain_failure(unit, "Missing character: There is no \U00013000 (U+13000) in font x!")
    assert str(err).startswith("student '9': no installed font can show the character '\U00013000' (U+13000)")
    assert "version.tex did not compile:\n./version.tex:41" in str(compile.explain_failure(unit, LOG))


def test_unit_source_with_and_without_the_preamble():
    unit = compile.Unit("v", "PRE\n", [("assignment", "A\n"), ("key", "K\n")])
    assert unit.source() == "PRE\n\\begin{document}\nA\nK\n\\end{document}\n"
    assert unit.source(with_preamble=False) == "\\begin{document}\nA\nK\n\\end{document}\n"


def sized_pdf(path: Path, widths: list[int]) -> Path:
    """A PDF whose pages are told apart by their widths."""
    pdf = pikepdf.new()
    for w in widths:
        pdf.add_blank_page(page_size=(w, 800))
    pdf.save(path)
    return path


def widths(path: Path) -> list[int]:
    with pikepdf.open(path) as pdf:
        return [int(p.mediabox[2]) for p in pdf.pages]


def test_split_cuts_by_page_counts_and_stamps_each_part(tmp_path):
    src = sized_pdf(tmp_path / "version.pdf", [101, 102, 103, 201, 202])
    unit = compile.Unit("version", "", [("assignment", ""), ("key", "")], label="seed 7")
    unit.pages = {"assignment": 3, "key": 2}
    targets = {"assignment": tmp_path / "assignment.pdf", "key": tmp_path / "key.pdf"}
    assert compile.split(src, unit, targets, {"assignment": "sha-a", "key": "sha-k"}) == list(targets.values())
    assert widths(targets["assignment"]) == [101, 102, 103] and widths(targets["key"]) == [201, 202]
    assert compile.stamp_of(targets["assignment"]) == ("sha-a", 3)
    assert compile.stamp_of(targets["key"]) == ("sha-k", 2)
    # a document without a target is skipped, its pages still counted
    only_key = tmp_path / "only-key.pdf"
    assert compile.split(src, unit, {"key": only_key}) == [only_key]
    assert widths(only_key) == [201, 202] and compile.stamp_of(only_key) == (None, 2)


def test_split_refuses_page_counts_that_do_not_add_up(tmp_path):
    src = sized_pdf(tmp_path / "version.pdf", [101, 102, 103, 201, 202])
    unit = compile.Unit("version", "", [("assignment", ""), ("key", "")], label="seed 7")
    unit.pages = {"assignment": 2, "key": 2}
    with pytest.raises(TexError, match="seed 7: expected 4 pages, TeX wrote 5"):
        compile.split(src, unit, {})


def test_stamp_of_an_unreadable_pdf_is_none(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "cut.pdf").write_bytes(b"%PDF-1.5 truncated")
    for name in ("empty.pdf", "cut.pdf", "absent.pdf"):
        assert compile.stamp_of(tmp_path / name) == (None, 0)


def test_save_pdf_bytes_repeat(tmp_path):
    src = sized_pdf(tmp_path / "src.pdf", [100, 200])
    for target in ("a.pdf", "b.pdf"):
        with pikepdf.open(src) as pdf:
            compile.save_pdf(pdf, tmp_path / target)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_missing_tex_is_a_tex_error_saying_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not compile.tex_available("lualatex")
    with pytest.raises(TexError, match="no TeX engine \\(lualatex\\) found.*sh scripts/setup.sh"):
        compile.require_tex("lualatex")


def test_a_failed_format_build_is_short(tmp_path):
    if not compile.tex_available("pdftex"):
        pytest.skip("pdftex not installed")
    with pytest.raises(TexError) as err:
        compile.build_format("\\documentclass{article}\\usepackage{no-such-package-xyz}\n", tmp_path)
    message = str(err.value)
    assert len(message.splitlines()) == 1 and len(message) < 400 and "no-such-package-xyz" in message


@pytest.mark.pdf
def test_tex_itself_refuses_to_read_outside_or_run_commands(tmp_path):
    """Defence in depth: even unescaped input cannot read absolute paths or run programs."""
    pre = pipeline.preamble("pdflatex")
    for body, what in ((r"\input{/etc/hostname}", "read"), (r"\immediate\write18{touch pwned}x", "shell")):
        work = tmp_path / what
        work.mkdir()
        unit = compile.Unit("probe", pre, [("assignment", r"\nnbegin{assignment}" + body + r"\nnend")], label=what)
        try:
            compile.run_unit(unit, work)
        except TexError as err:
            assert what == "read" and "/etc/hostname" in str(err)
        else:
            assert what == "shell"
        assert not list(tmp_path.rglob("pwned"))
