"""The command line: options, one-line errors, exit codes, files written."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator import cli


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd)


def test_help_explains_every_option():
    r = run("--help")
    assert r.returncode == 0
    for opt in ("--seed", "--preset", "--out", "--no-pdf", "examples:", "exit status"):
        assert opt in r.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seed", "abc"], "seed must be a non-negative integer"),
        (["--seed", "-3"], "seed must be"),
        (["--seed", str(2**64)], "seed must be between"),
        (["--preset", "nope"], "invalid choice"),
        (["--seed", "1", "--preset", "original"], "not allowed with"),
        ([], "give --seed N or --preset original"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, message, tmp_path):
    r = run(*args, "--out", str(tmp_path / "out"))
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run("--seed", "1", "--no-pdf", "--out", str(blocker / "sub"))
    assert r.returncode == 2
    assert "cannot create output folder" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_no_pdf_writes_sources_and_answers(tmp_path):
    assert cli.main(["--seed", "7", "--no-pdf", "--out", str(tmp_path)]) == 0
    folder = tmp_path / "seed-7"
    assert sorted(p.name for p in folder.iterdir()) == ["answers.json", "assignment.tex", "key.tex"]
    data = json.loads((folder / "answers.json").read_text())
    assert data["seed"] == 7 and data["format"] == "nn-problem-set/3"


def test_preset_original_folder(tmp_path):
    assert cli.main(["--preset", "original", "--no-pdf", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "original" / "answers.json").read_text())
    assert data["seed"] is None and data["version"] == "ORIG"


def test_same_seed_same_sources(tmp_path):
    for sub in ("a", "b"):
        assert cli.main(["--seed", "11", "--no-pdf", "--out", str(tmp_path / sub)]) == 0
    for name in ("answers.json", "assignment.tex", "key.tex"):
        assert (tmp_path / "a/seed-11" / name).read_bytes() == (tmp_path / "b/seed-11" / name).read_bytes()


def test_console_script_is_the_same_command():
    import shutil

    exe = shutil.which("nn-problem-set", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the project"
    r = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "--seed" in r.stdout
