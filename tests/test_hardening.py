"""Nothing lost, nothing injected: bad input, missing TeX, failed compiles,
hostile names, interrupted runs."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from generator import classset, pipeline
from generator.errors import TexError
from generator.model import Student

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env, cwd=cwd or ROOT)


def snapshot(folder: Path):
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*")) if folder.exists() else None


def bad_inputs(tmp: Path):
    blocker = tmp / "a-file"
    blocker.write_text("not a folder")
    good = tmp / "good.csv"
    good.write_text("id,name\n1,Ann\n")
    (tmp / "dup.csv").write_text("id,name\n1,Ann\n1,Bob\n")
    (tmp / "noname.csv").write_text("id,email\n1,a@b\n")
    (tmp / "empty.csv").write_text("")
    (tmp / "latin1.csv").write_bytes("id,name\n1,Ren\xe9\n".encode("latin-1"))
    (tmp / "folder.csv").mkdir()
    return [
        (["--seed", "x"], "seed must be a non-negative integer"),
        (["--seed", "-1"], "seed must be"),
        (["--seed", "1.5"], "seed must be a non-negative integer"),
        (["--seed", str(2**70)], "seed must be between"),
        (["--preset", "modified"], "invalid choice"),
        (["--seed", "1", "--count", "0"], "expected an integer from 1"),
        (["--seed", "1", "--jobs", "many"], "expected a positive integer"),
        (["--count", "3"], "a class set needs --seed"),
        (["--seed", "1", "--roster", str(good), "--count", "2"], "not allowed with"),
        (["--seed", "1", "--out", str(blocker / "sub")], "cannot create output folder"),
        (["--seed", "1", "--roster", str(tmp / "missing.csv")], "roster file not found"),
        (["--seed", "1", "--roster", str(tmp / "folder.csv")], "is a folder"),
        (["--seed", "1", "--roster", str(tmp / "dup.csv")], "row 3: duplicate id"),
        (["--seed", "1", "--roster", str(tmp / "noname.csv")], "row 1: no 'name' column"),
        (["--seed", "1", "--roster", str(tmp / "empty.csv")], "empty roster"),
        (["--seed", "1", "--roster", str(tmp / "latin1.csv")], "row 2: not valid UTF-8"),
    ]


def test_every_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("untouched")
    before = snapshot(out)
    for args, message in bad_inputs(tmp_path):
        if "--out" not in args:
            args = args + ["--out", str(out)]
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert message in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr
        assert snapshot(out) == before, args


def no_tex_path(tmp_path: Path) -> str:
    """A PATH with the usual tools but no TeX: a folder of links to everything
    on the current PATH except the TeX engines. The virtual environment's
    python is started by its own path, so it keeps the venv (symlinking it
    into another folder would lose it: defect 10 of issue 10)."""
    bindir = tmp_path / "bin-no-tex"
    bindir.mkdir()
    tex = {"pdflatex", "lualatex", "pdftex", "luatex", "latex", "tex", "xelatex", "kpsewhich", "mktexfmt"}
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not os.path.isdir(folder):
            continue
        for entry in os.listdir(folder):
            link = bindir / entry
            if entry not in tex and not link.exists() and not link.is_symlink():
                os.symlink(os.path.join(folder, entry), link)
    return str(bindir)


def test_missing_tex_still_writes_sources_and_says_how_to_install(tmp_path):
    env = dict(os.environ, PATH=no_tex_path(tmp_path))
    assert shutil.which("pdflatex", path=env["PATH"]) is None
    r = subprocess.run([sys.executable, "-m", "generator", "--seed", "3", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 4, r.stderr
    assert "no TeX engine (pdflatex) found" in r.stderr and "scripts/setup.sh" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    folder = tmp_path / "out" / "seed-3"
    assert sorted(p.name for p in folder.iterdir()) == ["answers.json", "assignment.tex", "key.tex"]
    # a class set likewise writes every student's sources and answers, then says how to install TeX
    r = subprocess.run([sys.executable, "-m", "generator", "--seed", "3", "--count", "2", "--quiet", "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 4 and "scripts/setup.sh" in r.stderr
    for student in ("1", "2"):
        folder = tmp_path / "out" / "class-3" / student
        assert sorted(p.name for p in folder.iterdir()) == ["answers.json", "assignment.tex", "key.tex"]
    assert (tmp_path / "out" / "class-3" / "grading-sheet.csv").exists()


HOSTILE = [
    r"\input{/etc/passwd}",
    r"\immediate\write18{touch pwned}",
    r"\catcode`\^^5c=0 x",
    r"^^5cinput{/etc/hostname}",
    "{unbalanced }} braces {",
    "100% ~ tilde # hash & amp _ under $ dollar",
    "dashes -- and --- and ,,quotes''",
    r"\def\x{\x}\x",
    r"\directlua{os.execute('touch pwned')}",
]


@pytest.mark.pdf
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_print_literally_and_run_nothing(tmp_path, name):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    ps = pipeline.build_problem_set(seed=2, student=Student("ID-" + name[:12], name))
    pipeline.write_version(ps, tmp_path / "v")
    text = PdfReader(tmp_path / "v" / "assignment.pdf").pages[0].extract_text()
    flat = "".join(text.split())
    assert "".join(name.split()) in flat
    assert "root:" not in text and "TOP-SECRET" not in text
    assert not list(tmp_path.rglob("pwned")) and not (ROOT / "pwned").exists()


@pytest.mark.pdf
def test_a_character_no_font_has_is_a_clear_error(tmp_path):
    ps = pipeline.build_problem_set(seed=2, student=Student("9", "Ra \U00013000"))  # an Egyptian hieroglyph
    with pytest.raises(TexError, match=r"no installed font can show the character '\U00013000' \(U\+13000\)"):
        pipeline.write_version(ps, tmp_path / "v")
    assert not list((tmp_path / "v").glob("*.pdf"))


LATIN = st.text(alphabet=st.sampled_from(list("abcXYZ019 \\{}$&#^_~%<>|\"'`-.,!?éÉüßøłŁőŞçñÅ")), min_size=1, max_size=24)


@pytest.mark.pdf
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=LATIN.filter(lambda s: s.strip()))
def test_fuzzed_latin_names_compile_and_read_back(tmp_path, name):
    ps = pipeline.build_problem_set(seed=5, student=Student("F1", name))
    folder = tmp_path / f"v{abs(hash(name))}"
    pipeline.write_version(ps, folder)
    text = PdfReader(folder / "assignment.pdf").pages[0].extract_text()
    assert "".join(name.split()) in "".join(text.split())


OTHER = st.text(alphabet=st.sampled_from(list("Αλέξανδρος Иван Петрова ÅØ محمدأسامةالسيد")), min_size=1, max_size=16)


@pytest.mark.pdf
@settings(max_examples=4, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=OTHER.filter(lambda s: s.strip()))
def test_fuzzed_names_in_other_scripts_compile(tmp_path, name):
    ps = pipeline.build_problem_set(seed=5, student=Student("F2", name))
    folder = tmp_path / f"v{abs(hash(name))}"
    pipeline.write_version(ps, folder)
    text = PdfReader(folder / "assignment.pdf").pages[0].extract_text()
    assert "F2" in text


@pytest.mark.pdf
def test_interrupted_class_set_leaves_no_partial_files_and_rerun_completes(tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "generator", "--seed", "77", "--count", "8", "--jobs", "2", "--out", str(out)]
    # SIGINT at its default in the child, also when the tests run as a background job
    # (a shell without job control starts those with SIGINT ignored, and Python then
    # never raises KeyboardInterrupt)
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    d = out / "class-77"
    deadline = time.time() + 240
    while time.time() < deadline:
        done = [p for p in d.glob("[0-9]") if p.is_dir()] if d.exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    finished = [p for p in d.iterdir() if p.is_dir()]
    assert 2 <= len(finished) < 8
    for folder in finished:
        assert sorted(p.name for p in folder.iterdir()) == sorted(classset.FILES)
    assert not (d / "manifest.json").exists()
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len([p for p in d.iterdir() if p.is_dir()]) == 8
    assert (d / "manifest.json").exists() and (d / "handouts.pdf").exists()
