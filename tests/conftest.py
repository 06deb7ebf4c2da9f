import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    """PDF tests need TeX. In CI they must run: a missing pdflatex is a failure
    there, never a skip. Elsewhere they are skipped with a reason."""
    import os

    if shutil.which("pdflatex") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="pdflatex not installed (the README's set-up command installs it)")
    for item in items:
        if "pdf" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tiny_disk(tmp_path):
    """A small tmpfs, mounted for the test (CI runs as root); skipped where it cannot be."""
    import os
    import subprocess

    mounted = []

    def mount(size: str):
        point = tmp_path / f"tiny-{size}"
        point.mkdir()
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
