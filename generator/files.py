"""Files appear whole or not at all: write to a temporary name in the same
folder, then rename into place. A folder (a version) is assembled the same way,
aside under a temporary name, and renamed into place as a whole.

Temporary names carry the writer's process id (``.NAME.PID.XXXX.part``), so the
next run can tell the leftovers of a killed run from the work of a run that is
still going, and :func:`sweep` removes them.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import OutputError, UsageError

MAX_INPUT = 200 * 1024 * 1024  # bytes of a file the user names, unless the reader gives its own cap


def read_input(path: Path, what: str, label: str | None = None, error: type[UsageError] = UsageError,
               limit: int = MAX_INPUT) -> bytes:
    """The bytes of a file the user names (a roster, a configuration, responses),
    or one clear line: ``<label>: <what> not found``, ``is a folder``, ``not a
    regular file``, ``larger than``, ``cannot read``.

    Only a regular file is read: a device (``/dev/zero``) or a FIFO is refused
    before reading (opened without blocking, so a FIFO nobody writes cannot hang
    the run), and at most ``limit`` + 1 bytes are read whatever the file's
    reported size, so a file that grows or lies about its size cannot take the
    machine's memory."""
    label = label or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{label}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{label}: is a folder, not a {what}") from None
    except OSError as exc:
        raise error(f"{label}: cannot read the {what}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise error(f"{label}: is a folder, not a {what}")
        if not stat.S_ISREG(mode):
            raise error(f"{label}: not a regular file (a device, FIFO or socket); give the {what} itself")
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise error(f"{label}: cannot read the {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise error(f"{label}: larger than {_size(limit)}; is this the {what}?")
    return b"".join(chunks)


def wide_encoding(raw: bytes) -> str | None:
    """How a file in UTF-16 or UTF-32 shows itself (a byte-order mark, or the NUL
    bytes between ASCII characters of UTF-16 without one), or None: such a file
    decodes as UTF-8 with NULs dropped and must be refused, never read."""
    for bom, name in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                      (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if raw.startswith(bom):
            return f"{name} (it starts with a {name} byte-order mark)"
    if raw[:200].count(b"\x00") >= 2 and (raw[1:2] == b"\x00" or raw[0:1] == b"\x00"):
        return "UTF-16 without a byte-order mark"
    return None


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n // 1024} kB" if n >= 1024 else f"{n} bytes"


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import, before any worker thread exists: os.umask can only be
# read by setting it, which is not safe while threads create files.
_UMASK = _read_umask()
_TEMP_RE = re.compile(r"^\..*\.(\d+)\.[^.]+\.(part|old)$")


def _limit(code: int | None) -> str | None:
    """What ran out, for the OS errors that mean a limit of the machine or the user."""
    if code == errno.EFBIG:
        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if soft == resource.RLIM_INFINITY:
            return "a file grew larger than the file system allows"
        return f"the file-size limit (ulimit -f, now {soft // 1024} kB) was reached"
    if code == errno.EMFILE:
        return f"the limit of open files (ulimit -n, now {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}) was reached"
    if code == errno.ENFILE:
        return "the system's limit of open files was reached"
    if code == errno.EDQUOT:
        return "the disk quota is used up"
    return None


def _failed(path: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    limit = _limit(exc.errno)
    if limit:
        reason += f": {limit}"
    return OutputError(f"cannot write {path}: {reason}; nothing partial was left")


def ran_out(exc: OSError) -> OutputError | None:
    """An OS error that means a limit ran out (open files, file size, disk,
    quota) anywhere in a run, as one line; None for any other error."""
    if exc.errno == errno.ENOSPC:
        return OutputError(f"the disk is full ({exc.strerror}); free some space and run again")
    limit = _limit(exc.errno)
    return OutputError(f"{limit} ({exc.strerror}); raise it and run again") if limit else None


def exhausted(returncode: int, folder: Path, log: str) -> str | None:
    """What a failed TeX run in ``folder`` ran out of, as the rest of a
    sentence, or None when it failed for another reason: the file-size limit
    (TeX is stopped by SIGXFSZ), the disk of the temporary folder (TeX's log
    then ends with a line such as "35961 strings of total length 688385"), or
    open files (TeX then stops in the middle of reading its input)."""
    if returncode == -signal.SIGXFSZ:
        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        return (f"TeX reached the file-size limit ({soft // 1024} kB, ulimit -f); raise it "
                "(ulimit -f unlimited) and run again")
    try:
        info = os.statvfs(folder)
        full = info.f_bavail * info.f_frsize < 1024 * 1024
    except OSError:
        full = False
    if full or "Could not write" in log or "I can't write on file" in log:
        return (f"the disk is full: no space left for TeX's files in the temporary folder {tempfile.gettempdir()} "
                "(TMPDIR); free some space or set TMPDIR to a folder on a disk with room, and run again")
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    stopped = not any(row.startswith("!") for row in log.splitlines())  # no error of TeX's own
    if stopped and soft != resource.RLIM_INFINITY and soft < 64:
        return f"too many open files: TeX needs more than the limit of {soft} (ulimit -n); raise it to 1024 and run again"
    return None


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def replace_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)`` and rename the result onto ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise _failed(path, exc) from None
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _failed(path, exc) from None
        raise
    return path


def write_atomic(path: Path, data: str | bytes) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return replace_atomic(path, lambda tmp: tmp.write_bytes(raw))


def staging_folder(target: Path) -> Path:
    """A fresh, empty folder next to ``target`` to assemble it in."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".part", dir=target.parent))
    except OSError as exc:
        raise _failed(target, exc) from None


def install_folder(staging: Path, target: Path) -> None:
    """Rename an assembled folder onto ``target``, replacing what was there."""
    try:
        os.chmod(staging, 0o777 & ~_UMASK)
        if target.is_symlink() or target.exists():
            if not target.is_dir() or target.is_symlink():
                raise UsageError(f"cannot write {target}/: a file of that name is in the way; move it and run again")
            old = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".old", dir=target.parent))
            os.replace(target, old / "x")
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, target)
    except OSError as exc:
        raise _failed(target, exc) from None


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return True


TEMP_PREFIX = "nn-problem-set."


def private_temp(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A private folder in the system's temporary folder, named with this
    process's id (``nn-problem-set.PID.KIND-XXXX``) so that :func:`sweep_temp`
    can remove it should this process be killed."""
    return tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}.{kind}-")


def sweep_temp() -> list[Path]:
    """Remove the private temporary folders of killed runs."""
    removed: list[Path] = []
    try:
        entries = list(Path(tempfile.gettempdir()).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = re.match(re.escape(TEMP_PREFIX) + r"(\d+)\.", entry.name)
        if m and not _alive(int(m.group(1))) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files and folders that a killed run left in
    ``folder`` (those of processes that no longer exist); returns them."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m or _alive(int(m.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                entry.unlink()
            except OSError:
                continue
        removed.append(entry)
    return removed


_HASHED = re.compile(r"-[0-9a-f]{6}$")


def safe_folder(student_id: str) -> str:
    """A filesystem-safe folder name for an ID: the ID itself when it is safe,
    else a safe form plus a short hash of the ID. An ID that merely looks like
    such a form (ends in ``-`` and six hex digits) gets a hash too, so a safe
    ID can never take another ID's folder."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._")[:60] or "student"
    if safe != student_id or _HASHED.search(student_id):
        safe += "-" + hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:6]
    return safe
