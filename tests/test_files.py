"""generator/files.py: whole files and folders or nothing, and the sweep of
what a killed run left behind."""

import os
import subprocess
import sys
import tempfile

import pytest

from generator import files
from generator.errors import OutputError, UsageError


@pytest.fixture(scope="module")
def dead_pid():
    """The id of a process that has exited (and been reaped)."""
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith((".part", ".old"))]


def test_write_atomic_writes_text_as_utf8_and_bytes_as_they_are(tmp_path):
    assert files.write_atomic(tmp_path / "sub" / "a.txt", "Zoë ∂J") == tmp_path / "sub" / "a.txt"
    assert (tmp_path / "sub" / "a.txt").read_bytes() == "Zoë ∂J".encode()
    files.write_atomic(tmp_path / "b.bin", b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert oct((tmp_path / "b.bin").stat().st_mode & 0o777) == oct(0o666 & ~files._UMASK)
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "sub") == []


def test_a_failing_writer_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "answers.json"
    target.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        files.replace_atomic(target, half_then_fail)
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_an_os_error_while_writing_is_one_output_error(tmp_path):
    def fail(tmp):
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"cannot write .*x\.tex: No space left on device; nothing partial was left"):
        files.replace_atomic(tmp_path / "x.tex", fail)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_an_output_error_and_leaves_no_temporary_file(tiny_disk):
    disk = tiny_disk("64k")
    with pytest.raises(OutputError, match="No space left on device"):
        files.write_atomic(disk / "big.bin", b"x" * 200_000)
    assert list(disk.iterdir()) == []


def test_a_folder_is_installed_whole_replacing_the_old_one(tmp_path):
    target = tmp_path / "seed-1"
    target.mkdir()
    (target / "stale.txt").write_text("old")
    staging = files.staging_folder(target)
    assert staging.parent == tmp_path and staging.name.startswith(f".seed-1.{os.getpid()}.") and staging.name.endswith(".part")
    (staging / "new.txt").write_text("new")
    files.install_folder(staging, target)
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed-1"]


def test_a_file_in_the_way_of_a_folder_is_a_usage_error(tmp_path):
    target = tmp_path / "seed-1"
    target.write_text("mine")
    staging = files.staging_folder(target)
    with pytest.raises(UsageError, match="a file of that name is in the way"):
        files.install_folder(staging, target)
    assert target.read_text() == "mine"


def test_sweep_removes_only_the_leftovers_of_dead_processes(tmp_path, dead_pid):
    (tmp_path / f".3.{dead_pid}.abc123.part").mkdir()
    (tmp_path / f".answers.json.{dead_pid}.x1y2.part").write_text("{")
    (tmp_path / f".7.{dead_pid}.q.old").mkdir()
    live = tmp_path / f".4.{os.getpid()}.zz.part"
    live.mkdir()
    (tmp_path / ".hidden-by-user").write_text("keep")
    (tmp_path / f"seed-{dead_pid}.part").write_text("not hidden: not ours")
    assert len(files.sweep(tmp_path)) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, ".hidden-by-user", f"seed-{dead_pid}.part"])


def test_sweep_of_a_missing_folder_removes_nothing(tmp_path):
    assert files.sweep(tmp_path / "absent") == []


def test_sweep_temp_removes_only_dead_processes_private_folders(tmp_path, monkeypatch, dead_pid):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with files.private_temp("tex") as mine:
        assert os.path.basename(mine).startswith(f"nn-problem-set.{os.getpid()}.tex-")
        dead = tmp_path / f"nn-problem-set.{dead_pid}.tex-abcd"
        (dead / "inner").mkdir(parents=True)
        other = tmp_path / f"someone-else.{dead_pid}.tex-abcd"
        other.mkdir()
        assert files.sweep_temp() == [dead]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([os.path.basename(mine), other.name])
    assert not os.path.exists(mine)
