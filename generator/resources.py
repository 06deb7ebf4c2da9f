"""Where the package's data files are: the LaTeX templates and the name box's
Lua script (``templates/``).

In the source tree, and so in an editable install, they are the top-level
``templates/`` folder beside ``generator/``. A built wheel carries the same
files as package data in ``generator/templates/`` (``pyproject.toml`` maps the
one folder onto the other), so an installed package finds them beside its
modules.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _templates() -> Path:
    installed = _PACKAGE / "templates"  # a wheel's package data
    return installed if installed.is_dir() else _PACKAGE.parent / "templates"  # the source tree


TEMPLATES = _templates()
