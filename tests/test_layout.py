"""Page layout of compiled versions: nothing a reader needs together is split
by a page break, and the handout's answer space follows the work of a part."""

import re
import subprocess

import pytest

from generator import cli

pytestmark = pytest.mark.pdf

PART = re.compile(r"^\((\d[a-e]|\d\.\d)\)")
FURNITURE = re.compile(r"^(CSE 616 Neural Networks \u00b7|Version \w+$|Page \d+ of \d+$)")  # header and footer


def page_lines(path):
    """The lines of each page's body (header and footer left out), as pdftotext reads them."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    pages = out.decode("utf-8").split("\f")[:-1]
    return [[line for line in (raw.strip() for raw in page.splitlines()) if line and not FURNITURE.match(line)]
            for page in pages]


@pytest.fixture(scope="module", params=["original", "3"])
def version(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("layout")
    if request.param == "original":
        assert cli.main(["--preset", "original", "--out", str(out)]) == 0
        return out / "original"
    assert cli.main(["--seed", request.param, "--out", str(out)]) == 0
    return out / f"seed-{request.param}"


def test_no_heading_or_grading_note_at_the_foot_of_a_page(version):
    for doc in ("assignment.pdf", "key.pdf"):
        for k, lines in enumerate(page_lines(version / doc), start=1):
            assert not any(line.startswith("Question ") for line in lines[-4:]), (doc, k, lines[-4:])
            assert not lines[-1].startswith("Grading note"), (doc, k)


def test_every_prompt_of_the_key_has_its_solution_on_its_page(version):
    for k, lines in enumerate(page_lines(version / "key.pdf"), start=1):
        prompts = [i for i, line in enumerate(lines) if PART.match(line)]
        if prompts:
            assert any(line.startswith("Solution.") for line in lines[prompts[-1]:]), (k, lines[prompts[-1]])


def test_handout_pages(version):
    """Ten pages: question 1 on four (the marks table and the network on the first,
    1d and 1e sharing the fourth: 1e's prose answer does not get a page of its own),
    question 2 on one, question 3 on three, the answer sheet on the last two."""
    pages = page_lines(version / "assignment.pdf")
    assert len(pages) == 10
    labels = [[m.group(1) for line in lines if (m := PART.match(line))] for lines in pages]
    assert labels[1] == ["1a", "1b"] and labels[3] == ["1d", "1e"]
    assert pages[4][0].startswith("Question 2")
    assert [pages[k][0] for k in (8, 9)] == ["Answer sheet, page 1 of 2", "Answer sheet, page 2 of 2"]
    assert not labels[8] and not labels[9]
