"""The accessible HTML export in a real browser: Debian's Chromium
(/usr/bin/chromium, never a browser Playwright downloads), driven by
Playwright for Python, offline, with a fresh profile. On the handout and the
key of 20 versions:

- axe-core (tests/axe, pinned by its package-lock.json) reports no violation
  of WCAG 2.1 A and AA (tags wcag2a, wcag2aa, wcag21a, wcag21aa) at a desktop
  width, and on two versions also at 200 % zoom of it and at a phone's width;
- the page never scrolls sideways at 200 % zoom or a phone's width (WCAG's
  reflow: only a wide formula or table scrolls, inside its own box);
- Chromium lays out the MathML: a fraction's numerator above its
  denominator, a subscript below and right of its base, a superscript above
  and right of it, a boxed answer inside its border;
- the figure's text alternative, as the accessibility tree exposes it, names
  every weight and bias of that version's network;
- the page asks nothing of the network, and its one button saves what a
  student typed.

``sh scripts/setup.sh`` installs Chromium, npm's axe-core and Playwright; a
machine without them fails here with that instruction (the tests are part of
CI's full run, never skipped)."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from generator.export import figure

pytestmark = pytest.mark.slow  # a browser and 40 pages: the full run, not the fast job

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VERSIONS = 20
WIDTHS = {"desktop": 1280, "200% zoom": 640, "phone": 320}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, Any]]:
    out = tmp_path_factory.mktemp("html")
    assert cli.main(["--seed", "2027", "--count", str(VERSIONS), "--no-pdf", "--quiet", "--out", str(out),
                     "--export", "html"]) == 0
    pages = sorted((out / "class-2027" / "html").iterdir())
    assert len(pages) == 2 * VERSIONS
    answers = {}
    for student in json.loads((out / "class-2027" / "manifest.json").read_text())["students"]:
        data = json.loads((out / "class-2027" / student["folder"] / "answers.json").read_text())
        answers[data["version"]] = data
    return pages, answers


REQUESTS: list[str] = []  # every request a page made beyond itself (refused)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run sh scripts/setup.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="nn-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
                                                        accept_downloads=True)
        def only_the_page(route: Any) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "blob:")):
                route.continue_()
            else:
                REQUESTS.append(url)
                route.abort()

        context.route("**/*", only_the_page)
        yield context
        context.close()


def _open(browser: Any, path: Path, width: int) -> Any:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.as_uri())
    return page


def _axe(browser: Any, paths: list[Path], widths: dict[str, int]) -> dict[str, list[str]]:
    """Every violation axe-core reports on ``paths`` at each width, by page and width."""
    axe = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for path in paths:
        for what, width in widths.items():
            page = _open(browser, path, width)
            page.add_script_tag(content=axe)
            result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
                                   "resultTypes: ['violations']})", TAGS)
            page.close()
            assert result["passes"], "axe ran no rule"
            for v in result["violations"]:
                nodes = "; ".join(n["html"][:80] for n in v["nodes"][:2])
                found.setdefault(f"{path.name} at {what}", []).append(f"{v['id']} ({len(v['nodes'])}: {nodes})")
    return found


def test_axe_finds_no_wcag_21_aa_violation(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    assert _axe(browser, made[0], {"desktop": WIDTHS["desktop"]}) == {}
    assert REQUESTS == []  # nothing but the page itself was loaded


def test_axe_at_200_percent_zoom_and_a_phone(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    """Narrow layouts (a formula or table wider than the screen scrolls in its own box) on two versions'
    handouts and keys: a scrolling box must be reachable by keyboard, nothing may overlap."""
    pages = made[0]
    some = [p for p in pages if p.name.startswith("assignment-")][:2] + [p for p in pages if p.name.startswith("key-")][:2]
    assert _axe(browser, some, {"200% zoom": WIDTHS["200% zoom"], "phone": WIDTHS["phone"]}) == {}


def test_no_sideways_scrolling_at_200_percent_zoom_or_a_phone(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    for path in made[0][:4] + made[0][-4:]:
        for what in ("200% zoom", "phone"):
            page = _open(browser, path, WIDTHS[what])
            sizes = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            page.close()
            assert sizes[0] <= sizes[1], f"{path.name} at {what}: {sizes[0]} px wide in {sizes[1]}"


def _boxes(page: Any, selector: str, index: int = 0) -> list[dict[str, float]]:
    """The bounding boxes of the element's children, as Chromium laid them out."""
    boxes: list[dict[str, float]] = page.evaluate(
        """([sel, k]) => Array.from(document.querySelectorAll(sel)[k].children).map(c => {
             const r = c.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })""",
        [selector, index])
    return boxes


def test_chromium_lays_out_the_mathml(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    key_page = next(p for p in made[0] if p.name.startswith("key-"))
    page = _open(browser, key_page, 1280)
    try:
        assert page.evaluate("() => document.querySelectorAll('math').length") > 100
        for k in range(5):
            num, den = _boxes(page, "mfrac", k)
            assert num["bottom"] <= den["top"] + 0.5, "a numerator beside, not above, its denominator"
            assert num["left"] < den["right"] and den["left"] < num["right"]  # one above the other
        for k in range(5):
            base, sub = _boxes(page, "msub", k)
            assert sub["left"] >= base["right"] - 0.5 and sub["bottom"] > base["bottom"]
        for k in range(3):
            base, sup = _boxes(page, "msup", k)
            assert sup["left"] >= base["right"] - 0.5 and sup["top"] < base["top"]
        base, sub, sup = _boxes(page, "msubsup")
        assert sub["top"] > sup["top"] and sup["bottom"] < base["bottom"] and sub["bottom"] > base["bottom"]
        # a final answer in its box: the border drawn around the formula it holds
        border, inner = page.evaluate("""() => { const b = document.querySelector('mrow.boxed');
            const r = b.getBoundingClientRect(), s = getComputedStyle(b);
            let t = null, l = null, bt = 0, rr = 0;
            for (const c of b.children) { const q = c.getBoundingClientRect();
              t = t === null ? q.top : Math.min(t, q.top); l = l === null ? q.left : Math.min(l, q.left);
              bt = Math.max(bt, q.bottom); rr = Math.max(rr, q.right); }
            return [[r.top, r.left, r.bottom, r.right, s.borderTopWidth, s.borderTopStyle], [t, l, bt, rr]]; }""")
        assert border[5] == "solid" and float(border[4].removesuffix("px")) >= 1
        assert border[0] <= inner[0] and border[1] <= inner[1] and border[2] >= inner[2] and border[3] >= inner[3]
        # a display formula is a block of its own, the aligned derivations a table of rows
        rows = page.evaluate("() => Array.from(document.querySelector('math[display=block] mtable').children)"
                             ".map(r => r.getBoundingClientRect().top)")
        assert len(rows) >= 2 and rows == sorted(rows) and rows[0] < rows[-1]
    finally:
        page.close()


def test_the_figure_text_names_every_weight(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    pages, answers = made
    for path in pages:
        code = re.fullmatch(r"(assignment|key)-(\w+)\.html", path.name)
        assert code is not None
        params = answers[code.group(2)]["questions"][0]["params"]
        page = _open(browser, path, 1280)
        figure_el = page.locator("figure").first
        tree = re.sub(r"\s+", "", figure_el.aria_snapshot())  # what assistive technology is given
        alt = page.locator("figure img").first.get_attribute("alt")
        page.close()
        assert alt and "network" in alt
        expected = [f"w{i + 1}{j + 1}[1]={figure.number(w)}" for i, row in enumerate(params["W1"]) for j, w in enumerate(row)]
        expected += [f"w{j + 1}1[2]={figure.number(row[0])}" for j, row in enumerate(params["W2"])]
        expected += [f"b{j + 1}[1]={figure.number(b)}" for j, b in enumerate(params["b1"])]
        expected += [f"b1[2]={figure.number(params['b2'][0])}"]
        missing = [e for e in expected if e not in tree]
        assert not missing, f"{path.name}: the figure's text lacks {missing}"


def test_typed_answers_are_saved_to_a_file(made: tuple[list[Path], dict[str, Any]], browser: Any) -> None:
    handout = next(p for p in made[0] if p.name.startswith("assignment-"))
    page = _open(browser, handout, 1280)
    try:
        page.get_by_label(re.compile(r"^1a#1")).fill("42")
        page.get_by_label("Your working for part 1a").fill("first line\nsecond line")
        with page.expect_download() as info:
            page.get_by_role("button", name="Save my answers to a text file").click()
        text = Path(info.value.path()).read_text(encoding="utf-8")
        assert "1a#1: 42\n" in text and "working 1a: first line / second line\n" in text
        assert info.value.suggested_filename == handout.name.replace("assignment-", "answers-").replace(".html", ".txt")
    finally:
        page.close()
