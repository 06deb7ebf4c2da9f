"""The accessible HTML export (--export html), without a browser: one page for
the handout and one for the key per version, every formula MathML, every
figure's values as text, labelled fields, user text escaped, nothing that
reaches out of the page, and the export's own read-back check catching what it
must. tests/test_accessible_browser.py runs the pages in Chromium with axe-core."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import cli, config, pipeline
from generator.export import ExportError, accessible, figure, source

X = "{http://www.w3.org/1999/xhtml}"
M = "{http://www.w3.org/1998/Math/MathML}"


def _version(seed: int = 1, cfg: config.Config | None = None) -> source.Version:
    return source.view(pipeline.build_problem_set(seed, config=cfg), 1)


@pytest.fixture(scope="module")
def seed1() -> tuple[source.Version, dict[str, str]]:
    v = _version(1)
    return v, accessible.pages(v)


def _tree(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def test_a_version_is_two_self_contained_pages(tmp_path: Path) -> None:
    assert cli.main(["--seed", "3", "--no-pdf", "--out", str(tmp_path), "--export", "html"]) == 0
    folder = tmp_path / "seed-3" / "html"
    code = (tmp_path / "seed-3" / "answers.json").read_text().split('"version": "')[1].split('"')[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(accessible.file_names(code))
    for page in folder.iterdir():
        text = page.read_text(encoding="utf-8")
        root = _tree(text)
        assert root.get("lang") == "en"
        assert not re.search(r'(src|href)="(https?:)?//', text)  # no network
        assert "\\(" not in text and "\\[" not in text  # every formula converted
        assert len(list(root.iter(f"{M}math"))) > 50


def test_same_version_same_bytes(seed1: tuple[source.Version, dict[str, str]]) -> None:
    assert accessible.pages(_version(1)) == seed1[1]


def test_every_graded_answer_is_a_labelled_field(seed1: tuple[source.Version, dict[str, str]]) -> None:
    v, pages = seed1
    handout = _tree(pages[accessible.file_names(v.code)[0]])
    labels = {el.get("for"): el for el in handout.iter(f"{X}label")}
    fields = [el for el in handout.iter() if el.tag in (f"{X}input", f"{X}textarea")]
    refs: list[str | None] = []
    for el in fields:
        name = el.get("name")
        if not (name or "").startswith("working ") and not (el.get("type") == "radio" and refs and refs[-1] == name):
            refs.append(name)  # a choice is one group of radio buttons
    assert refs == [a.ref for p in v.parts for a in p.graded]
    choices = [a for p in v.parts for a in p.graded if a.kind == "choice"]
    for a in choices:  # each option a radio button with its own label, the group under its ref
        radios = [el for el in fields if el.get("name") == a.ref]
        assert [el.get("type") for el in radios] == ["radio"] * len(a.choices)
        assert ["".join(labels[el.get("id")].itertext()) for el in radios] == list(a.choices)
    for el in fields:
        label = labels[el.get("id")]
        assert "".join(label.itertext()).strip()
    # a formula answer is a text area, a number a one-line field
    kinds = {a.ref: a.kind for p in v.parts for a in p.graded}
    for el in fields:
        ref = el.get("name") or ""
        if ref in kinds:
            assert (el.tag == f"{X}textarea") == (kinds[ref] in ("expression", "text"))
    # a working area per part
    assert sum(1 for el in fields if (el.get("name") or "").startswith("working ")) == len(v.parts)


def test_headings_and_landmarks_in_reading_order(seed1: tuple[source.Version, dict[str, str]]) -> None:
    v, pages = seed1
    for text in pages.values():
        body = _tree(text).find(f"{X}body")
        assert body is not None
        top = [el.tag.removeprefix(X) for el in body]
        assert top[:4] == ["a", "header", "nav", "main"] and "footer" in top
        heads = [(el.tag[-1], "".join(el.itertext())) for el in body.iter() if re.fullmatch(rf"{re.escape(X)}h[1-6]", el.tag)]
        assert heads[0][0] == "1"
        assert [t.split(":")[0] for lvl, t in heads if lvl == "2"] == ["Question 1", "Question 2", "Question 3"]
        assert [t.split(" ")[1] for lvl, t in heads if lvl == "3"] == [p.id for p in v.parts]


def _caption_text(page: str, index: int) -> str:
    captions = list(_tree(page).iter(f"{X}figcaption"))
    return re.sub(r"\s+", "", "".join(captions[index].itertext()))


def test_the_network_figure_states_every_weight_and_bias(seed1: tuple[source.Version, dict[str, str]]) -> None:
    v, pages = seed1
    params = v.data.questions[0].params
    for page in pages.values():
        text = _caption_text(page, 0)
        for i in range(2):
            for j in range(3):
                assert f"edgefrominputx{i + 1}tohiddenunita{j + 1}:weightw{i + 1}{j + 1}[1]={figure.number(params['W1'][i][j])}" in text
        for j in range(3):
            assert f"edgefromhiddenunita{j + 1}totheoutput" in text and f"w{j + 1}1[2]={figure.number(params['W2'][j][0])}" in text
            assert f"b{j + 1}[1]={figure.number(params['b1'][j])}" in text
        assert f"b1[2]={figure.number(params['b2'][0])}" in text
        assert f"x1={params['x'][0]}" in text and f"x2={params['x'][1]}" in text
        img = next(_tree(page).iter(f"{X}img"))
        assert img.get("alt") and (img.get("src") or "").startswith("data:image/svg+xml;base64,")


def test_the_key_draws_the_computational_graph_with_every_edge(seed1: tuple[source.Version, dict[str, str]]) -> None:
    v, pages = seed1
    key_page = pages[accessible.file_names(v.code)[1]]
    handout = pages[accessible.file_names(v.code)[0]]
    assert len(list(_tree(handout).iter(f"{X}figure"))) == 1  # the handout shows the network only
    assert len(list(_tree(key_page).iter(f"{X}figure"))) == 2
    captions = list(_tree(key_page).iter(f"{X}figcaption"))
    items = ["".join(li.itertext()) for li in captions[1].iter(f"{X}li")]
    assert len(items) == 6
    part = next(p for p in v.parts if p.id == "2a")
    by_name = {a.name: a for a in part.data.answers}
    for item, (a, b, name) in zip(items, accessible._GRAPH_EDGES):
        assert item.startswith(f"edge from {a[0]}{a[1]} to {b[0]}{b[1:]}")
        assert accessible.plain_formula(by_name[name].exact or "") in accessible.graph(part.data).svg


def test_formulas_are_mathml_laid_out_by_a_browser() -> None:
    frac = accessible.mathml(r"\frac{\partial J}{\partial w_{21}^{[2]}}")
    assert "<mfrac>" in frac and "<msubsup>" in frac
    aligned = accessible.mathml(r"\begin{aligned} a &= b \\ &= \finalanswer{c} \end{aligned}", True)
    assert 'display="block"' in aligned and "<mtable" in aligned and '<mrow class="boxed">' in aligned
    assert "menclose" not in aligned and "columnalign" not in aligned and "&" not in aligned.replace("&#x", "")
    assert accessible.with_mathml(r"<p>so \(x^2\) and \[y_1\]</p>").count("<math") == 2


def test_a_formula_that_cannot_be_converted_is_an_error() -> None:
    with pytest.raises(ExportError, match="cannot be converted to MathML"):
        accessible.mathml(r"x^")
    with pytest.raises(ExportError, match=r"'\\\\nnunknown' left after its conversion to MathML"):
        accessible.mathml(r"\nnunknown{x}")
    with pytest.raises(ExportError):
        accessible.with_mathml(r"<p>\(x^2</p>")


def test_user_text_is_escaped(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('[course]\ncode = "<b>EE</b>"\nname = "R&D \\"x\\""\ntitle = "</title><script>alert(1)</script>"\n'
                    'instructions = "Use <i>no</i> notes & be kind"\nterm = "Spring <2027>"\n', encoding="utf-8")
    cfg = config.load(toml)
    v = _version(2, cfg)
    for text in accessible.pages(v).values():
        assert "<script>alert" not in text and "<b>EE" not in text and "<i>no" not in text
        root = _tree(text)
        title = root.find(f"{X}head/{X}title")
        assert title is not None and "</title><script>alert(1)</script>" in (title.text or "")
        h1 = next(root.iter(f"{X}h1"))
        assert "".join(h1.itertext()).startswith('<b>EE</b> R&D "x": </title><script>')


def test_left_out_parts_leave_no_field_and_no_figure(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('[questions]\nexclude = [1, "2a"]\n', encoding="utf-8")
    v = _version(4, config.load(toml))
    for text in accessible.pages(v).values():
        root = _tree(text)
        assert not list(root.iter(f"{X}figure"))
        names = {el.get("name") for el in root.iter() if el.tag in (f"{X}input", f"{X}textarea")}
        assert not any(n and (n.startswith("1") or n.startswith("2a") or n == "working 2a") for n in names)


def test_the_read_back_check_catches_a_broken_page(seed1: tuple[source.Version, dict[str, str]]) -> None:
    v, pages = seed1
    handout_name, key_name = accessible.file_names(v.code)
    exp = accessible._expected(v)
    good = pages[handout_name]
    assert accessible.check_page(good.encode(), exp, False, handout_name) == []
    assert accessible.check_page(pages[key_name].encode(), exp, True, key_name) == []
    broken = {
        "lang": good.replace(' lang="en"', "", 1),
        "label": good.replace('<label for="answer-1">', '<label for="nothing">', 1),
        "weight": re.sub(r"(weight <math.*?</math>)", "weight", good, count=1, flags=re.S),
        "reaches out": good.replace("<body>", '<body><img src="https://example.org/x.png" alt="x"/>', 1),
        "well-formed": good.replace("</main>", "", 1),
        "MathML": re.sub(r"<math .*?</math>", "x", good, flags=re.S),
    }
    for what, page in broken.items():
        problems = accessible.check_page(page.encode(), exp, False, handout_name)
        assert problems, what
    # a field for an answer the version does not ask
    extra = good.replace("</form>", '<label for="z">z</label><input type="text" id="z" name="9z#1" data-ref="9z#1"/></form>')
    assert any("instead of one per answer" in p for p in accessible.check_page(extra.encode(), exp, False, handout_name))


def test_a_class_set_has_a_page_pair_per_version(tmp_path: Path) -> None:
    assert cli.main(["--seed", "11", "--count", "2", "--no-pdf", "--quiet", "--out", str(tmp_path), "--export", "html"]) == 0
    import json
    manifest = json.loads((tmp_path / "class-11" / "manifest.json").read_text())
    codes = [s["version"] for s in manifest["students"]]
    assert sorted(p.name for p in (tmp_path / "class-11" / "html").iterdir()) == sorted(
        n for c in codes for n in accessible.file_names(c))
