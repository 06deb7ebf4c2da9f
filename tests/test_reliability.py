"""Issue 10: nothing stale, nothing lost, no tracebacks. One test (or table row)
per defect found by probing the command line; each failed before its fix."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import pytest

from generator import classset, cli, names
from generator.errors import UsageError
from generator.model import Student

ROOT = Path(__file__).resolve().parent.parent
WRITTEN = ["answers.json", "assignment.pdf", "assignment.tex", "key.pdf", "key.tex", "sheet.json"]  # a version with its PDFs
THREE = ["answers.json", "assignment.tex", "key.tex"]


def run(*args, cwd=ROOT, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd, env=env, **kw)


def dot_files(folder: Path):
    return [str(p) for p in Path(folder).rglob("*") if p.name.startswith(".") and p.name != ".gitkeep"]


def pdftext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout.decode()


def write_roster(path: Path, rows) -> Path:
    path.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows), encoding="utf-8")
    return path


# --- defect 1: a PDF of an older name never counts as complete -----------------------------
# (pipeline.current on its own: test_pipeline.py)


@pytest.mark.pdf
def test_stale_pdfs_are_rebuilt_after_a_no_pdf_run_with_a_new_name(tmp_path):
    a = write_roster(tmp_path / "a.csv", [("1001", "Ann Smith")])
    b = write_roster(tmp_path / "b.csv", [("1001", "Ann Smyth")])
    out = tmp_path / "o"
    assert cli.main(["--seed", "8", "--roster", str(a), "--out", str(out), "--quiet"]) == 0
    assert cli.main(["--seed", "8", "--roster", str(b), "--no-pdf", "--out", str(out), "--quiet"]) == 0
    folder = out / "class-8" / "1001"
    assert sorted(p.name for p in folder.iterdir()) == THREE  # the old PDFs went with the old name
    assert cli.main(["--seed", "8", "--roster", str(b), "--out", str(out), "--quiet"]) == 0
    for doc in ("assignment.pdf", "key.pdf"):
        text = pdftext(folder / doc)
        assert "Ann Smyth" in text and "Ann Smith" not in text
    assert "Ann Smyth" in pdftext(out / "class-8" / "handouts.pdf")


# --- defects 0 and 2: the README's commands, from any folder, default and relative --out -------


@pytest.mark.pdf
@pytest.mark.parametrize(
    "where, out",
    [
        ("repo", None),  # the README's own command: default output/ from the repository root
        ("elsewhere", None),
        ("elsewhere", "rel/out dir"),
        ("Spring, 2026 {a};b:c $d", None),  # kpathsea's special characters in the folder name
    ],
)
def test_class_set_with_pdfs_from_any_folder(tmp_path, where, out):
    seed = 910_000 + zlib.crc32(f"{where}/{out}".encode()) % 1000
    if where == "repo":
        cwd, default_out = ROOT, ROOT / "output"
        made = default_out / f"class-{seed}"
        assert not made.exists()
    else:
        cwd = tmp_path / where
        cwd.mkdir()
        made = cwd / (out or "output") / f"class-{seed}"
    args = ["--seed", str(seed), "--count", "2", "--jobs", "2", "--quiet"] + (["--out", out] if out else [])
    try:
        r = run(*args, cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert "format" not in r.stderr and "mktexfmt" not in r.stderr
        for student in ("1", "2"):
            assert sorted(p.name for p in (made / student).iterdir()) == WRITTEN
        assert (made / "handouts.pdf").exists() and (made / "manifest.json").exists()
        r = run("--seed", str(seed), *(["--out", out] if out else []), cwd=cwd)
        assert r.returncode == 0, r.stderr
        assert sorted(p.name for p in (made.parent / f"seed-{seed}").iterdir()) == WRITTEN
        assert not dot_files(made.parent)
    finally:
        if where == "repo":
            import shutil

            shutil.rmtree(made, ignore_errors=True)
            shutil.rmtree(made.parent / f"seed-{seed}", ignore_errors=True)


# --- defect 3: adding a student never changes one already in the class ------------------------


def test_a_newcomer_never_redraws_a_student_already_in_the_class(tmp_path):
    a = write_roster(tmp_path / "A.csv", [("20240889", "A")])
    b = write_roster(tmp_path / "B.csv", [("20240889", "A"), ("20240499", "B")])
    out = tmp_path / "L"
    assert cli.main(["--seed", "9", "--roster", str(a), "--out", str(out), "--no-pdf", "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in (out / "class-9" / "20240889").iterdir()}
    assert cli.main(["--seed", "9", "--roster", str(b), "--out", str(out), "--no-pdf", "--quiet"]) == 0
    after = {p.name: p.read_bytes() for p in (out / "class-9" / "20240889").iterdir()}
    assert after == before
    students = {s["id"]: s for s in json.loads((out / "class-9" / "manifest.json").read_text())["students"]}
    # these two IDs collide at class seed 9: the newcomer is the one redrawn
    assert students["20240889"]["redraws"] == 0 and students["20240499"]["redraws"] == 1
    assert students["20240889"]["version"] != students["20240499"]["version"]


def test_count_folders_and_versions_stay_when_the_class_grows(tmp_path):
    out = tmp_path / "o"
    assert cli.main(["--seed", "4", "--count", "9", "--out", str(out), "--no-pdf", "--quiet"]) == 0
    d = out / "class-4"
    before = {p.relative_to(d): p.read_bytes() for p in d.glob("[0-9]*/*")}
    assert cli.main(["--seed", "4", "--count", "10", "--out", str(out), "--no-pdf", "--quiet"]) == 0
    folders = sorted(p.name for p in d.iterdir() if p.is_dir())
    assert folders == sorted(str(k) for k in range(1, 11))  # no 01 ... 09 beside 1 ... 9
    after = {p.relative_to(d): p.read_bytes() for p in d.glob("[0-9]*/*")}
    assert {k: v for k, v in after.items() if k.parts[0] != "10"} == before


# --- defect 4: a full disk leaves nothing partial and no debris -------------------------------
# (write_atomic on a full disk: test_files.py; the tiny_disk fixture: conftest.py)


@pytest.mark.parametrize(
    "size, args, expect",
    [
        ("60k", ["--seed", "1", "--no-pdf"], "seed-1"),
        pytest.param("400k", ["--seed", "1"], "seed-1", marks=pytest.mark.pdf),
        pytest.param("1500k", ["--seed", "5", "--count", "3", "--jobs", "1"], "class-5", marks=pytest.mark.pdf),
    ],
)
def test_full_disk_is_one_line_exit_4_with_nothing_partial(tiny_disk, size, args, expect):
    disk = tiny_disk(size)
    r = run(*args, "--out", str(disk), "--quiet")
    assert r.returncode == 4, r.stderr
    assert "Traceback" not in r.stderr and "terminate called" not in r.stderr
    assert "No space left on device" in r.stderr
    assert not dot_files(disk), dot_files(disk)
    if expect.startswith("seed"):
        assert not (disk / expect).exists()  # the version folder is whole or absent
    else:
        for folder in (p for p in (disk / expect).iterdir() if p.is_dir()):
            assert sorted(p.name for p in folder.iterdir()) == WRITTEN


# --- defect 5 is in test_roster.py; defect 6: the user's TeX setup changes nothing -------------
# (tex_env on its own: test_compile.py)

POISON = r"\ProvidesPackage{tikz}\AtBeginDocument{\errmessage{the user's tikz.sty was loaded}}" + "\n"


@pytest.mark.pdf
@pytest.mark.parametrize("how", ["TEXINPUTS", "TEXMFHOME", "HOME/texmf"])
def test_user_tex_trees_do_not_reach_tex(tmp_path, how):
    tree = tmp_path / "tree"
    sty = tree / "tex" / "latex" / "tikz" / "tikz.sty"
    env = dict(os.environ)
    if how == "TEXINPUTS":
        sty = tmp_path / "inputs" / "tikz.sty"
        env["TEXINPUTS"] = f"{sty.parent}//:"
    elif how == "TEXMFHOME":
        env["TEXMFHOME"] = str(tree)
    else:
        home = tmp_path / "home"
        sty = home / "texmf" / "tex" / "latex" / "tikz" / "tikz.sty"
        env["HOME"] = str(home)
    sty.parent.mkdir(parents=True)
    sty.write_text(POISON)
    r = run("--seed", "3", "--out", str(tmp_path / "poisoned"), env=env)
    assert r.returncode == 0, r.stderr
    clean = run("--seed", "3", "--out", str(tmp_path / "clean"))
    assert clean.returncode == 0
    for name in WRITTEN:
        assert (tmp_path / "poisoned/seed-3" / name).read_bytes() == (tmp_path / "clean/seed-3" / name).read_bytes(), name


# --- defect 7: one line, never a traceback -------------------------------------------------


def test_a_file_where_the_version_folder_belongs_is_one_line(tmp_path):
    (tmp_path / "seed-1").write_text("mine")
    r = run("--seed", "1", "--no-pdf", "--out", str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "in the way" in r.stderr
    assert (tmp_path / "seed-1").read_text() == "mine" and not dot_files(tmp_path)


def test_a_folder_where_a_file_belongs_is_replaced(tmp_path):
    (tmp_path / "seed-1" / "answers.json").mkdir(parents=True)
    assert cli.main(["--seed", "1", "--no-pdf", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "seed-1").iterdir()) == THREE
    assert (tmp_path / "seed-1" / "answers.json").is_file() and not dot_files(tmp_path)


@pytest.mark.pdf
@pytest.mark.parametrize("damage", [b"", b"%PDF-1.5 truncated"])
def test_an_empty_or_corrupt_pdf_in_a_class_set_is_repaired(tmp_path, damage):
    out = tmp_path / "o"
    assert cli.main(["--seed", "33", "--count", "3", "--out", str(out), "--quiet"]) == 0
    good = (out / "class-33" / "3" / "key.pdf").read_bytes()
    (out / "class-33" / "3" / "key.pdf").write_bytes(damage)
    result = classset.make(33, classset.count_students(3), out, quiet=True)
    assert (result.compiled, result.skipped) == (1, 2)
    assert (out / "class-33" / "3" / "key.pdf").read_bytes() == good


def test_ids_that_once_shared_a_folder_get_two(tmp_path):
    assert classset.safe_folder("a b") == "a_b-c8687a"
    assert classset.safe_folder("a_b-c8687a") != "a_b-c8687a"
    roster = write_roster(tmp_path / "r.csv", [("a b", "One"), ("a_b-c8687a", "Two")])
    assert cli.main(["--seed", "2", "--roster", str(roster), "--out", str(tmp_path / "o"), "--no-pdf", "--quiet"]) == 0
    folders = [f for f in (tmp_path / "o/class-2").iterdir() if f.is_dir()]
    assert len(folders) == 2
    assert sorted(n for f in folders for n in ("One", "Two") if f"{{{n}}}" in (f / "assignment.tex").read_text()) == ["One", "Two"]


def test_two_students_in_one_folder_is_a_clear_error_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(classset, "safe_folder", lambda sid: "same")
    with pytest.raises(UsageError, match=r"student 'x' \(row 3\) and student 'y' \(row 2\) would share the folder 'same'"):
        classset.make(1, [Student("y", "Y", 2), Student("x", "X", 3)], tmp_path / "o", pdf=False, quiet=True)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("delay", [0.2, 0.4, 0.8, 1.2])
def test_ctrl_c_at_start_up_is_one_line(tmp_path, delay):
    proc = subprocess.Popen([sys.executable, "-m", "generator", "--seed", "1", "--no-pdf", "--out", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if "init_import_site" in err:
        # the signal came while Python itself was starting (its site module), before any of the
        # program ran: CPython reports that itself; on a loaded machine even 0.2 s can land there
        return
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130, -signal.SIGINT), err
    if proc.returncode == 130:
        assert len(err.strip().splitlines()) == 1 and "interrupted" in err
    assert not dot_files(tmp_path)


# --- defect 8: whatever a killed run leaves, the next run removes -----------------------------
# (sweep on its own: test_files.py)


@pytest.mark.pdf
def test_the_leftovers_of_a_killed_class_set_are_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "generator", "--seed", "12", "--count", "6", "--jobs", "2", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    d = out / "class-12"
    deadline = time.time() + 120
    while time.time() < deadline and not (d.exists() and any(p.name.endswith(".part") for p in d.iterdir())):
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    assert dot_files(out)  # the kill left temporary folders behind
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert not dot_files(out)
    assert not [p for p in Path(tempfile.gettempdir()).glob(f"nn-problem-set.{proc.pid}.*")]
    assert len([p for p in d.iterdir() if p.is_dir()]) == 6


# --- defect 9: the smaller ones ----------------------------------------------------------------


def test_jobs_is_capped_with_a_clear_message(tmp_path):
    # just above the cap: before the cap existed this forked every worker asked for (100000 of them)
    r = run("--seed", "1", "--count", "2", "--jobs", str(4 * os.cpu_count() + 1), "--no-pdf", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "--jobs" in r.stderr and f"at most {4 * os.cpu_count()}" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_no_pdf_summary_lists_only_what_was_written(tmp_path, capsys):
    assert cli.main(["--seed", "3", "--count", "2", "--no-pdf", "--quiet", "--out", str(tmp_path)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("files:"))
    assert "handouts.pdf" not in line and "grading-sheet.pdf" not in line and "manifest.json" in line
    assert sorted(p.name for p in (tmp_path / "class-3").iterdir() if p.is_file()) == [
        "grading-sheet.csv", "manifest.json", "marks-template.csv", "responses-template.csv"]


def test_students_stream_through_a_bounded_window():
    """A class of any size holds at most ``window`` students in flight."""

    class Pool:
        def __init__(self):
            self.live = self.most = 0

        def submit(self, fn, job):
            from concurrent.futures import Future

            self.live += 1
            self.most = max(self.most, self.live)
            fut = Future()
            fut.add_done_callback(lambda _: setattr(self, "live", self.live - 1))
            fut.set_result(job)
            return fut

    pool = Pool()
    seen = list(classset._stream(pool, iter(range(1000)), 6))
    assert sorted(seen) == list(range(1000)) and pool.most <= 6


def test_interrupted_no_pdf_class_keeps_finished_students(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "generator", "--seed", "6", "--count", "400", "--no-pdf", "--jobs", "2",
                             "--quiet", "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    d = out / "class-6"
    deadline = time.time() + 120
    while time.time() < deadline and len([p for p in d.glob("[0-9]*")] if d.exists() else []) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    done = [p for p in d.iterdir() if p.is_dir()]
    assert 5 <= len(done) < 400  # written as they finished, not all at the end
    for folder in done:
        assert sorted(p.name for p in folder.iterdir()) == THREE
    assert not dot_files(out)


# --- issue 13, item 3: one student never stops the class ---------------------------------------

NO_FONT = "\U000f0041"  # supplementary private use: no installed font will ever have it


@pytest.mark.pdf
def test_one_student_never_stops_the_class(tmp_path):
    bad = write_roster(tmp_path / "bad.csv", [("1001", "Ann Lee"), ("1002", f"Bo{NO_FONT} Kim"), ("1003", "Cy Ode")])
    fixed = write_roster(tmp_path / "fixed.csv", [("1001", "Ann Lee"), ("1002", "Bo Kim"), ("1003", "Cy Ode")])
    out = tmp_path / "o"
    r = run("--seed", "21", "--roster", str(bad), "--out", str(out), "--quiet")
    assert r.returncode == 4, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    failing = [ln for ln in lines if "1002" in ln]
    assert len(failing) == 1 and "row 3" in failing[0] and "U+F0041" in failing[0], r.stderr
    assert not [ln for ln in lines if "1001" in ln or "1003" in ln]
    d = out / "class-21"
    for sid in ("1001", "1003"):
        assert sorted(p.name for p in (d / sid).iterdir()) == WRITTEN
    assert not list((d / "1002").glob("*.pdf"))
    manifest = json.loads((d / "manifest.json").read_text())
    assert [s["id"] for s in manifest["students"]] == ["1001", "1003"]
    assert [(f["id"], f["row"]) for f in manifest["failed"]] == [("1002", 3)]
    rows = (d / "grading-sheet.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["1001", "1003"]
    assert "Ann Lee" in pdftext(d / "handouts.pdf") and "Cy Ode" in pdftext(d / "keys.pdf")
    assert (d / "grading-sheet.pdf").exists()
    # the roster fixed, a rerun completes the set and leaves the others alone
    before = {sid: (d / sid / "key.pdf").stat().st_mtime_ns for sid in ("1001", "1003")}
    r = run("--seed", "21", "--roster", str(fixed), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "1 written, 2 already complete" in r.stdout
    assert {sid: (d / sid / "key.pdf").stat().st_mtime_ns for sid in ("1001", "1003")} == before
    assert sorted(p.name for p in (d / "1002").iterdir()) == WRITTEN
    assert [s["id"] for s in json.loads((d / "manifest.json").read_text())["students"]] == ["1001", "1002", "1003"]


@pytest.mark.parametrize("name, shown", [("Ren\ufffd Roy", "U+FFFD"), ("RenÃ© Roy", "'Ã©'"), ("Ã¼mit â€™s", "'Ã¼'")])
def test_a_broken_encoding_is_named_as_such(tmp_path, capsys, name, shown):
    roster = write_roster(tmp_path / "r.csv", [("1", "Ann"), ("2", name)])
    assert cli.main(["--seed", "3", "--roster", str(roster), "--no-pdf", "--quiet", "--out", str(tmp_path / "o")]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len([ln for ln in err if "'2'" in ln]) == 1
    line = next(ln for ln in err if "'2'" in ln)
    assert "row 3" in line and shown in line and "broken encoding" in line
    assert [s["id"] for s in json.loads((tmp_path / "o/class-3/manifest.json").read_text())["students"]] == ["1"]


def test_real_names_are_not_taken_for_a_broken_encoding():
    for name in ("Zoë Ångström", "José Ñúñez", "Łukasz Śliwa", "محمد", "Ærøskøbing", "Ãngel", "ÂÃÄ"):
        assert names.broken_encoding(name) is None, name
