"""Export formats as plug-ins: two formats defined here (a file and a folder),
registered from outside the package with generator.export.register, go end to
end through the command line (a class set and a single version with
``--export``): each version's share is rendered where the version is built,
the export is checked after it is written and put in place only when the
check passes, all without any change to generator/. And nothing in generator/
but a format's own module names a format."""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from generator import cli, pipeline, render
from generator import export as lms
from generator.export import ExportError, Format, Version, Writer, feedback

ROOT = Path(__file__).resolve().parents[1]
CHECKED: list[str] = []  # the exports whose check ran (in this process)
BROKEN: list[str] = []  # names of formats whose check reports a problem


def _keys(version: Version) -> dict[str, float]:
    return {c.ref: c.value for part in version.parts for c in part.components()}


class ToyWriter(Writer[str]):
    """toy.txt: one JSON line per version."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.expected: list[tuple[int, str, dict[str, float]]] = []

    def add(self, version: Version, rendered: str) -> None:
        self.lines.append(rendered)
        self.expected.append((version.index, version.code, _keys(version)))

    def finish(self, target: Path) -> None:
        target.write_text("".join(self.lines), encoding="utf-8")

    def check(self, target: Path) -> list[str]:
        CHECKED.append(target.name)
        got = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
        problems = [f"{len(got)} lines for {len(self.expected)} versions"] if len(got) != len(self.expected) else []
        for line, (k, code, keys) in zip(got, self.expected):
            if (line["variant"], line["version"], line["keys"]) != (k, code, keys):
                problems.append(f"line {k} is not version {code}'s")
        return problems + (["broken on purpose"] if "toy" in BROKEN else [])


class Toy(Format[str]):
    name = "toy"
    target = "toy.txt"
    description = "a toy listing"

    def render(self, version: Version) -> str:
        first = version.parts[0]
        return json.dumps({"variant": version.index, "version": version.code, "keys": _keys(version),
                           "prompt": first.prompt, "pid": os.getpid()}) + "\n"

    def writer(self) -> ToyWriter:
        return ToyWriter()


class PagesWriter(Writer[dict[str, str]]):
    """toy-pages/: one HTML page per part of every version."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}

    def add(self, version: Version, rendered: dict[str, str]) -> None:
        self.pages.update(rendered)

    def finish(self, target: Path) -> None:
        for name, text in self.pages.items():
            (target / name).write_text(text, encoding="utf-8")

    def check(self, target: Path) -> list[str]:
        CHECKED.append(target.name)
        on_disk = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
        return ([] if on_disk == self.pages else ["the pages read back differ"]) + (["broken on purpose"] if "pages" in BROKEN else [])


class Pages(Format[dict[str, str]]):
    name = "pages"
    target = "toy-pages"
    description = "HTML pages"
    folder = True

    def render(self, version: Version) -> dict[str, str]:
        return {f"v{version.index}-{part.id}.html": feedback.question_html(part, "") for part in version.parts}

    def writer(self) -> PagesWriter:
        return PagesWriter()


@pytest.fixture
def toys() -> Iterator[None]:
    lms.register(Toy())
    lms.register(Pages())
    CHECKED.clear()
    BROKEN.clear()
    try:
        yield
    finally:
        lms.unregister("toy")
        lms.unregister("pages")
        BROKEN.clear()


def _answers(folder: Path) -> dict[str, float]:
    data = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    out = {}
    for q in data["questions"]:
        for p in q["parts"]:
            for a in p["answers"]:
                if a["graded"] and a["kind"] == "number":
                    out[a["ref"]] = a["value"]
                elif a["graded"] and a["kind"] == "vector":
                    out.update({f"{a['ref']}[{k}]": v for k, v in enumerate(a["value"], start=1)})
    return out


def test_a_class_set_writes_and_checks_a_registered_format(toys: None, tmp_path: Path) -> None:
    assert cli.main(["--seed", "9", "--count", "3", "--no-pdf", "--quiet", "--export", "toy", "--export", "pages",
                     "--out", str(tmp_path)]) == 0
    class_dir = tmp_path / "class-9"
    manifest = json.loads((class_dir / "manifest.json").read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in (class_dir / "toy.txt").read_text(encoding="utf-8").splitlines()]
    assert [line["variant"] for line in lines] == [1, 2, 3]
    assert [line["version"] for line in lines] == [s["version"] for s in manifest["students"]]
    for line, student in zip(lines, manifest["students"]):
        assert line["keys"] == _answers(class_dir / student["folder"])  # every graded number, from the fragments' version
        assert line["prompt"].startswith("<p><small>[") and "\\(" in line["prompt"]  # the prompt's HTML, marks first
        assert line["pid"] != os.getpid()  # rendered by the worker that made the version
    parts = [p["id"] for q in json.loads((class_dir / "1" / "answers.json").read_text(encoding="utf-8"))["questions"]
             for p in q["parts"]]
    pages = sorted(p.name for p in (class_dir / "toy-pages").iterdir())
    assert pages == sorted(f"v{k}-{part}.html" for k in (1, 2, 3) for part in parts)
    # each checked under its temporary name, before it was put in place
    assert sorted(c.split(".")[1] for c in CHECKED) == ["toy", "toy-pages"] and all(c.endswith(".part") for c in CHECKED)
    # a run without the folder export removes the older one (it would describe an older class)
    assert cli.main(["--seed", "9", "--count", "3", "--no-pdf", "--quiet", "--export", "toy", "--out", str(tmp_path)]) == 0
    assert (class_dir / "toy.txt").is_file() and not (class_dir / "toy-pages").exists()


def test_a_single_version_with_registered_formats(toys: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--seed", "3", "--no-pdf", "--export", "toy", "--export", "pages", "--out", str(tmp_path)]
    assert cli.main(args) == 0
    folder = tmp_path / "seed-3"
    (line,) = (json.loads(t) for t in (folder / "toy.txt").read_text(encoding="utf-8").splitlines())
    assert line["variant"] == 1 and line["keys"] == _answers(folder)
    assert (folder / "toy-pages" / "v1-2b.html").is_file()
    assert "exported toy.txt, toy-pages" in capsys.readouterr().out
    # the exports (a file and a folder) do not make the version folder stale
    assert cli.main(args) == 0
    assert "files already complete in" in capsys.readouterr().out


@pytest.mark.parametrize("broken", ["toy", "pages"])
def test_an_export_that_fails_its_check_is_not_left(toys: None, tmp_path: Path, broken: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "seed-4"
    folder.mkdir()
    (folder / "toy.txt").write_text("an older export\n")
    (folder / "toy-pages").mkdir()
    BROKEN.append(broken)
    assert cli.main(["--seed", "4", "--no-pdf", "--export", "toy", "--export", "pages", "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the {broken} export failed its own import check: broken on purpose" in err
    assert not (folder / "toy-pages").exists()  # neither the broken nor the older one
    if broken == "toy":  # written first: the one that failed, and every one after it, is not left
        assert not (folder / "toy.txt").exists()
    else:  # an export that passed its check before the broken one is in place, and new
        assert json.loads((folder / "toy.txt").read_text(encoding="utf-8"))["variant"] == 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file or folder either


def test_the_command_lines_choices_come_from_the_registry(toys: None, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    help_text = cli.parser().format_help()
    assert "toy.txt" in help_text and "toy-pages" in help_text and "moodle.xml" in help_text
    lms.unregister("pages")
    assert cli.main(["--seed", "4", "--no-pdf", "--export", "pages", "--out", str(tmp_path)]) == 2
    assert "invalid choice: 'pages'" in capsys.readouterr().err
    assert not (tmp_path / "seed-4").exists()


def test_names_and_targets_stay_unique(toys: None) -> None:
    class Clash(Toy):
        name = "moodle"

    class Same(Toy):
        name = "toy2"

    with pytest.raises(ValueError, match="clashes"):
        lms.register(Clash())
    with pytest.raises(ValueError, match="clashes"):
        lms.register(Same())  # the same target as toy
    with pytest.raises(Exception, match="unknown export format 'nope'"):
        lms.named(["nope"])


def test_a_template_without_fragments_cannot_be_exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = render.environment()
    assert env.loader is not None
    monkeypatch.setattr(env, "loader", jinja2.ChoiceLoader([env.loader, jinja2.DictLoader(
        {"questions/bare.tex.j2": r"\qpart{<< q.parts[0].id >>} << q.parts[0].prompt >>"})]))
    ps = pipeline.build_problem_set(seed=2)
    ps.questions[1].template = "questions/bare.tex.j2"
    with pytest.raises(ExportError, match="questions/bare.tex.j2 of family chain_rule defines no intro, prompt, solution"):
        lms.export([ps], ["moodle"], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_no_module_but_a_formats_own_names_it() -> None:
    """The formats' names and file names are strings of their own modules only:
    everything else (the command line, the version folder's list, the class set) asks the registry."""
    words: set[str] = set()
    for fmt in lms.registered():
        words |= {fmt.name, fmt.target}
    own = {Path(__import__(type(fmt).__module__, fromlist=["x"]).__file__ or "").resolve() for fmt in lms.registered()}
    found = []
    for path in sorted((ROOT / "generator").rglob("*.py")):
        if path.resolve() in own:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in words:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []
