"""The package as a user installs it: a wheel built with ``pip wheel .``,
installed with its declared dependencies into a fresh virtual environment
outside the repository, makes a version with PDFs and grades a class set
from another folder (the templates and the name box's Lua script travel as
package data)."""

from __future__ import annotations

import csv
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: list[str | Path], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{cmd} exited {result.returncode}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def test_every_package_and_template_folder_is_listed():
    """pyproject.toml lists the packages by name: a new subpackage of
    generator/ or a new folder of templates/ must be listed too, or a wheel
    would lack it."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "generator").rglob("__init__.py")}
    data = {".".join(("generator", "templates") + p.relative_to(ROOT / "templates").parts)
            for p in [ROOT / "templates", *(ROOT / "templates").rglob("*")] if p.is_dir()}
    assert set(settings["packages"]) == code | data
    assert settings["package-dir"] == {"generator.templates": "templates"}
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            package = ".".join(("generator", "templates") + path.parent.relative_to(ROOT / "templates").parts)
            assert any(fnmatch.fnmatch(path.name, g) for g in settings["package-data"].get(package, [])), path


def fill_with_the_key(class_dir: Path, target: Path) -> None:
    """The class set's responses template with every automatically graded
    answer of every student typed in as its key's exact value."""
    manifest = json.loads((class_dir / "manifest.json").read_text(encoding="utf-8"))
    folders = {s["id"]: s["folder"] for s in manifest["students"]}
    with open(class_dir / "responses-template.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames or []), list(reader)
    for row in rows:
        key = json.loads((class_dir / folders[row["id"]] / "answers.json").read_text(encoding="utf-8"))
        for question in key["questions"]:
            for part in question["parts"]:
                for answer in part["answers"]:
                    if answer["graded"] and answer["kind"] != "text":
                        row[answer["ref"]] = answer["exact"]
    with open(target, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
@pytest.mark.pdf
def test_a_built_wheel_works_outside_the_repository(tmp_path):
    source, dist, venv, work = tmp_path / "source", tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    # built from a copy: pip builds in the source folder, and a build/ left from an
    # earlier build could put files that no longer exist into the wheel
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("generator", "templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--quiet", "-w", dist], cwd=tmp_path)
    (wheel,) = dist.glob("nn_problem_set-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    shipped = {"generator/templates/" + p.relative_to(ROOT / "templates").as_posix()
               for p in (ROOT / "templates").rglob("*") if p.is_file()}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "generator").rglob("*.py")}
    assert shipped and shipped <= names, shipped - names
    assert modules <= names, modules - names

    run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)  # with the dependencies it declares
    where = run([python, "-c", "import generator, generator.resources as r; print(generator.__file__); print(r.TEMPLATES)"],
                cwd=work).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # the installed copy, not the repository's

    run([python, "-m", "generator", "--seed", "1"], cwd=work)
    version = work / "output" / "seed-1"
    assert {p.name for p in version.iterdir()} == {"assignment.pdf", "key.pdf", "assignment.tex", "key.tex", "answers.json", "sheet.json"}
    # the same bytes as the source tree's package makes
    run([sys.executable, "-m", "generator", "--seed", "1", "--out", tmp_path / "tree"], cwd=tmp_path)
    for name in ("assignment.tex", "key.tex", "answers.json", "assignment.pdf", "key.pdf", "sheet.json"):
        assert (version / name).read_bytes() == (tmp_path / "tree" / "seed-1" / name).read_bytes(), name

    assert "CLASS_DIR" in run([python, "-m", "generator", "scan", "--help"], cwd=work).stdout  # the scanner is in the wheel too
    run([python, "-m", "generator", "--seed", "5", "--count", "2"], cwd=work)
    class_dir = work / "output" / "class-5"
    assert (class_dir / "handouts.pdf").is_file() and (class_dir / "grading-sheet.pdf").is_file()
    fill_with_the_key(class_dir, work / "responses.csv")
    run([venv / "bin" / "nn-problem-set", "grade", "output/class-5", "--responses", "responses.csv"], cwd=work)
    with open(class_dir / "grading" / "grades.csv", newline="", encoding="utf-8") as f:
        grades = list(csv.DictReader(f))
    assert len(grades) == 2
    for row in grades:
        # every automatic point; the answers marked by hand wait for a marks file (by_hand)
        assert float(row["maximum"]) == 100 and float(row["total"]) + float(row["by_hand"]) == 100, row
    assert (class_dir / "grading" / "summary.pdf").is_file()
    assert len(list((class_dir / "grading" / "feedback").glob("*.pdf"))) == 2
