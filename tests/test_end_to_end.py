"""End to end: real PDFs compiled by TeX, read back as text."""

import json
import re
import subprocess

import pytest
from pypdf import PdfReader

from generator import cli

pytestmark = pytest.mark.pdf


def pages_text(path):
    """Text of each page as poppler's pdftotext reads it (it draws form objects,
    such as the late-bound page total, where they stand)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    texts = out.decode("utf-8").split("\f")
    assert texts[-1].strip() == ""
    assert len(texts) - 1 == len(PdfReader(path).pages)
    return texts[:-1]


def tokens(text):
    # pdf text uses U+2212 for minus signs
    return set(re.findall(r"-?\d+(?:\.\d+)?", text.replace("\u2212", "-")))


@pytest.fixture(scope="module")
def seed7(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e")
    assert cli.main(["--seed", "7", "--out", str(out)]) == 0
    return out / "seed-7"


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    out = tmp_path_factory.mktemp("orig")
    assert cli.main(["--preset", "original", "--out", str(out)]) == 0
    return out / "original"


def test_all_files_written(seed7):
    names = sorted(p.name for p in seed7.iterdir())
    assert names == ["answers.json", "assignment.pdf", "assignment.tex", "key.pdf", "key.tex", "sheet.json"]


def test_version_code_on_every_page_of_both(seed7):
    code = json.loads((seed7 / "answers.json").read_text())["version"]
    for doc in ("assignment.pdf", "key.pdf"):
        texts = pages_text(seed7 / doc)
        assert len(texts) >= 2
        for k, text in enumerate(texts, start=1):
            assert f"Version {code}" in text, (doc, k)
            assert f"Page {k} of {len(texts)}" in text, (doc, k)


def test_key_holds_answers_handout_does_not(original):
    key = "\n".join(pages_text(original / "key.pdf"))
    handout = "\n".join(pages_text(original / "assignment.pdf"))
    finals = {"36", "38", "5776", "-29", "-16"}
    assert finals <= tokens(key)
    assert not finals & tokens(handout)
    assert "Solution" in key and "Solution" not in handout
    assert "Instructor key" in key and "Instructor key" not in handout
    assert "Model answer" in key and "Model answer" not in handout
    assert "Name:" in handout


def test_key_shows_every_final_answer_of_seed(seed7):
    data = json.loads((seed7 / "answers.json").read_text())
    key_tokens = tokens("\n".join(pages_text(seed7 / "key.pdf")))
    net = data["questions"][0]
    for part in net["parts"]:
        for a in part["answers"]:
            if a["exact"] is not None and re.fullmatch(r"-?\d+(\.\d+)?", a["latex"]):
                assert a["latex"] in key_tokens, (part["id"], a["name"], a["latex"])


def test_same_seed_gives_identical_bytes_anywhere(seed7, tmp_path):
    out = tmp_path / "elsewhere" / "deeper"
    assert cli.main(["--seed", "7", "--out", str(out)]) == 0
    for name in ("assignment.pdf", "key.pdf", "assignment.tex", "key.tex", "answers.json"):
        assert (out / "seed-7" / name).read_bytes() == (seed7 / name).read_bytes(), name


def test_no_temporary_files_left(seed7):
    leftovers = [p.name for p in seed7.parent.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
