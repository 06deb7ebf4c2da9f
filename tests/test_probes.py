"""Issue 21: nothing run in a spreadsheet, no hang and no traceback. One test
per defect found by probing (items 2, 3, 4, 6, 7, 8, 9, 10 and 11; items 1, 5
and the answers.json and manifest cases of 6 are tested with the grader's key
reading); each failed before its fix."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import cli, config

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, timeout: float = 120, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, **kw)


def one_line(r: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert r.returncode == code, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def graded_numbers(answers: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """ref -> (exact value, points) of every graded integer answer of a version."""
    out = {}
    for q in answers["questions"]:
        for part in q["parts"]:
            for a in part["answers"]:
                if a["graded"] and a["kind"] == "number" and a["exact"].lstrip("-").isdigit():
                    out[a["ref"]] = (a["exact"], a["points"])
    return out


# --- item 2: every CSV the project writes is safe in a spreadsheet, and read back it still matches --

HOSTILE_IDS = ['=HYPERLINK("http://example.com/x")', "@SUM(1+1)", "+1", "-5", "'quoted"]


def test_formula_cells_are_neutralised_in_every_csv_and_undone_when_read_back(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    with roster.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name"])
        for k, sid in enumerate(HOSTILE_IDS):
            w.writerow([sid, "=cmd|' /C calc'!A0" if k == 0 else f"Student {k}"])
    assert cli.main(["--seed", "4", "--roster", str(roster), "--no-pdf", "--quiet", "--out", str(tmp_path / "o")]) == 0
    d = tmp_path / "o" / "class-4"
    dangerous = ("=", "+", "-", "@")
    for name in ("responses-template.csv", "grading-sheet.csv"):
        for row in rows(d / name)[1:]:
            assert not row[0].startswith(dangerous) and not row[1].startswith(dangerous), (name, row[:2])
    template = rows(d / "responses-template.csv")
    assert [r[0] for r in template[1:]] == ["'" + s for s in HOSTILE_IDS]
    # a TA fills the template in: every student's integer answers, typed as numbers (negative ones too)
    header = template[0]
    folders = {s["id"]: s["folder"] for s in json.loads((d / "manifest.json").read_text())["students"]}
    negative, expected = 0, []
    filled = [header]
    for row in template[1:]:
        sid = HOSTILE_IDS[len(filled) - 1]
        exact = graded_numbers(json.loads((d / folders[sid] / "answers.json").read_text()))
        negative += sum(1 for v, _ in exact.values() if v.startswith("-"))
        expected.append(sum(points for _, points in exact.values()))
        filled.append(row[:2] + [exact[ref][0] if ref in exact else "" for ref in header[2:]])
    assert negative  # some typed responses are negative numbers
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(filled)
    (tmp_path / "responses.csv").write_text(buf.getvalue(), encoding="utf-8")
    r = run("grade", str(d), "--responses", str(tmp_path / "responses.csv"), "--no-pdf", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "not a student" not in r.stderr and "no row" not in r.stderr and "unreadable" not in r.stderr, r.stderr
    grades = rows(d / "grading" / "grades.csv")
    assert [g[0] for g in grades[1:]] == ["'" + s for s in HOSTILE_IDS]
    assert grades[1][1] == "'=cmd|' /C calc'!A0"
    col = grades[0].index("total")
    for g, points in zip(grades[1:], expected):
        assert float(g[col]) == pytest.approx(points)  # every typed answer, negative ones too, was read as a number
        assert g[col] == g[col].strip("'")  # numbers stay plain numbers
    for row in rows(d / "grading" / "summary.csv")[1:]:
        assert not any(cell.startswith(dangerous) for cell in row), row


# --- item 3: points with two decimals are exact decimals -------------------------------------


@pytest.mark.parametrize("value", ["0.29", "0.57", "1.13", "2.01", "4.35", "999.99"])
def test_two_decimal_points_are_accepted(value: str) -> None:
    c = config.parse(f'[points]\n"1a" = {value}\n', Path("course.toml"))
    assert c.points_of("1a") == float(value)
    with pytest.raises(config.ConfigError, match="at most two decimals"):
        config.parse(f'[points]\n"1a" = {value}1\n', Path("course.toml"))


# --- item 4: a UTF-16 responses file without a byte-order mark is refused -------------------------


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("probes")
    assert cli.main(["--seed", "3", "--count", "2", "--no-pdf", "--quiet", "--out", str(out)]) == 0
    return out / "class-3"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_responses_without_a_byte_order_mark_are_refused(klass: Path, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "responses.csv"
    path.write_bytes("id,name,1a#1\n1,,\u221210\n2,,4\n".encode(encoding))
    r = run("grade", str(klass), "--responses", str(path), "--no-pdf")
    one_line(r, 2, "UTF-16", "byte-order mark")
    assert not (klass / "grading").exists()


# --- item 6: a configuration nested 5,000 deep; a file where the class folder belongs -------------


def test_deep_configuration_and_a_file_for_the_class_folder_are_one_line(tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("[course]\ncode = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    one_line(run("--seed", "1", "--no-pdf", "--config", str(deep), "--out", str(tmp_path / "o")), 2, str(deep), "nested")
    deep.write_text("[course]\ncode = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n", encoding="utf-8")
    one_line(run("--seed", "1", "--no-pdf", "--config", str(deep), "--out", str(tmp_path / "o")), 2, "nested")
    assert not (tmp_path / "o").exists()
    out = tmp_path / "out"
    out.mkdir()
    (out / "class-3").write_text("mine")
    one_line(run("--seed", "3", "--count", "2", "--no-pdf", "--out", str(out)), 2, "class-3", "in the way")
    assert (out / "class-3").read_text() == "mine" and sorted(p.name for p in out.iterdir()) == ["class-3"]


# --- item 7: /dev/zero and FIFOs are refused at once -----------------------------------------------


def _memory_cap() -> None:  # should the fix fail, /dev/zero must not take the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def test_devices_and_fifos_are_refused_without_reading(tmp_path: Path, klass: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    out = str(tmp_path / "o")
    for special in ("/dev/zero", str(fifo)):
        for args in (["--seed", "1", "--no-pdf", "--config", special, "--out", out],
                     ["--seed", "1", "--no-pdf", "--roster", special, "--out", out],
                     ["grade", str(klass), "--responses", special, "--no-pdf"]):
            start = time.monotonic()
            r = run(*args, timeout=60, preexec_fn=_memory_cap)
            one_line(r, 2, special, "not a regular file")
            assert time.monotonic() - start < 30
    assert not (tmp_path / "o").exists() and not (klass / "grading").exists()
    from generator.errors import UsageError
    from generator.files import read_input

    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 1001)
    with pytest.raises(UsageError, match="larger than"):
        read_input(big, "configuration file", limit=1000)
    assert read_input(big, "configuration file", limit=1001) == b"#" * 1001


# --- item 8: SIGTERM while the modules load is an interrupt like Ctrl-C ---------------------------


def _loading_extensions(pid: int) -> bool:
    """True once the process maps a compiled extension from the installed
    packages: it is then importing the generator's modules (Python's own start-up
    loads none of them)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
    return any("-packages/" in line and ".so" in line for line in maps.splitlines())


@pytest.mark.parametrize("args", [("--seed", "3", "--no-pdf"), ("grade",)])
def test_sigterm_at_start_up_is_one_line_exit_130(tmp_path: Path, klass: Path, args: tuple[str, ...]) -> None:
    if args == ("grade",):
        (tmp_path / "r.csv").write_text("id,name\n1,\n")
        args = ("grade", str(klass), "--responses", str(tmp_path / "r.csv"), "--no-pdf")
    else:
        args = args + ("--out", str(tmp_path / "o"))
    for delay in (0.0, 0.05, 0.15, 0.3):
        proc = subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not _loading_extensions(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.002)
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        assert proc.returncode in (0, 130), (delay, proc.returncode, err)
        if proc.returncode == 130:
            assert len(err.strip().splitlines()) == 1 and "interrupted" in err, err
    assert not (klass / "grading").exists() or (klass / "grading" / "grades.csv").exists()


# --- item 9: what ran out is named ---------------------------------------------------------------


def _limit(which: int, value: int) -> Callable[[], None]:
    def set_limit() -> None:
        resource.setrlimit(which, (value, resource.getrlimit(which)[1]))

    return set_limit


@pytest.mark.parametrize("case", [pytest.param("open files", marks=pytest.mark.pdf),
                                  pytest.param("file size", marks=pytest.mark.pdf),
                                  pytest.param("disk", marks=pytest.mark.pdf),
                                  "open files, no TeX"])
def test_resource_exhaustion_is_named(tmp_path: Path, tiny_disk: Any, case: str) -> None:
    env, limit, extra = dict(os.environ), None, ["--jobs", "1"]
    if case == "open files":
        limit, words = _limit(resource.RLIMIT_NOFILE, 12), ("too many open files", "ulimit -n")
    elif case == "file size":
        limit, words = _limit(resource.RLIMIT_FSIZE, 200 * 1024), ("file-size limit", "ulimit -f")
    elif case == "disk":
        env["TMPDIR"] = str(tiny_disk("2m"))
        words = ("disk is full", env["TMPDIR"])
    else:  # the workers cannot be started (they need pipes): a traceback before
        limit, words, extra = _limit(resource.RLIMIT_NOFILE, 12), ("limit of open files", "ulimit -n"), ["--no-pdf"]
    r = run("--seed", "5", "--count", "3", *extra, "--quiet", "--out", str(tmp_path / "o"), env=env, preexec_fn=limit)
    assert r.returncode == 4, r.stderr
    assert "Traceback" not in r.stderr and "strings of total length" not in r.stderr, r.stderr
    for word in words:
        assert word in r.stderr, (word, r.stderr)


# --- item 10: one line means one line ------------------------------------------------------------


def test_control_characters_in_messages_are_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "two\nlines\x1b[31m.csv"
    line = one_line(run("--seed", "1", "--no-pdf", "--roster", str(missing), "--out", str(tmp_path / "o")), 2,
                    "roster file not found")
    assert "two\\nlines\\x1b[31m.csv" in line
    bad = tmp_path / "bad\rname.toml"
    bad.write_text("[course]\ncode = 1\n")
    line = one_line(run("--seed", "1", "--no-pdf", "--config", str(bad), "--out", str(tmp_path / "o")), 2, "code")
    assert "bad\\rname.toml" in line and "\r" not in line
    folder = tmp_path / "out\u2028put"
    r = run("--seed", "1", "--no-pdf", "--out", str(folder))
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 1 and "\\u2028" in r.stdout, r.stdout
    r = run("--seed", "1", "--count", "1", "--no-pdf", "--quiet", "--out", str(tmp_path / "class\nset"))
    assert r.returncode == 0, r.stderr
    assert all(line.startswith(("class set:", "time:", "files:", "distinct:", "shared answers:", "fairness "))
               for line in r.stdout.splitlines()), r.stdout
    assert "files: " + str(tmp_path) + "/class\\nset/class-1/" in r.stdout


# --- item 11: ASCII digits only; no write through a dangling link; short header texts ------------


def test_smaller_probes(tmp_path: Path) -> None:
    for args in (["--seed", "\u0663"], ["--seed", "1_0"], ["--seed", " 3"], ["--seed", "\uff13"],
                 ["--seed", "1", "--count", "\u0662"], ["--seed", "1", "--count", "1_0"],
                 ["--seed", "1", "--count", "2", "--jobs", "1_0"]):
        one_line(run(*args, "--no-pdf", "--out", str(tmp_path / "o")), 2, "ASCII digits")
    assert not (tmp_path / "o").exists()
    link = tmp_path / "course.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    one_line(run("--write-config", str(link)), 2, "already exists")
    assert link.is_symlink() and not (tmp_path / "elsewhere.toml").exists()
    for key in ("code", "name", "title", "term", "instructor"):
        with pytest.raises(config.ConfigError, match=rf"\[course\] {key}: .*at most \d+ characters"):
            config.parse(f'[course]\n{key} = "{"W" * 2000}"\n', Path("course.toml"))
    with pytest.raises(config.ConfigError, match="page header"):
        config.parse('[course]\ncode = "ABCD 1234"\nname = "' + "N" * 40 + '"\ntitle = "' + "T" * 40 + '"\n',
                     Path("course.toml"))
    long = config.parse('[course]\ninstructions = "' + "Show your work. " * 100 + '"\n', Path("course.toml"))
    assert len(long.course.instructions) > 1500
