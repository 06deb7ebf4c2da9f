r"""Answer labels as readable plain text, for CSV headers and typed answers:
``\frac{\partial J}{\partial w_{21}^{[2]}}`` -> ``dJ/dw_21^[2]``,
``\hat y_{\text{after}}`` -> ``y_hat_after``, ``\nabla_w J\big|_{w = (1, 2)^\top}``
-> ``grad_w J at w = (1, 2)``.

Only the LaTeX the question families write for labels is handled; anything
else keeps its letters and loses its backslashes and braces.
"""

from __future__ import annotations

import re

_BRACED = r"([^{}]*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}[^{}]*)*)"  # text with braces nested two deep
_FRAC = re.compile(r"\\frac\{\\partial " + _BRACED + r"\}\{\\partial " + _BRACED + r"\}")
_GROUP = re.compile(r"([_^])\{([^{}]*)\}")


def plain(label: str) -> str:
    s = label.strip()
    s = _FRAC.sub(lambda m: f"d{m.group(1).strip()}/d{m.group(2).strip()}", s)
    s = re.sub(r"\\partial\s*", "d", s)
    s = re.sub(r"\\big\|_\{(.*)\}$", r" at \1", s)
    s = s.replace(r"^\top", "^T")
    s = re.sub(r"\\nabla_(\w)", r"grad_\1", s)
    s = re.sub(r"\\hat\s*\{?(\w)\}?", r"\1_hat", s)
    s = re.sub(r"\\text\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\(?:sigma)\b", "sigma", s)
    for _ in range(3):
        s = _GROUP.sub(lambda m: m.group(1) + m.group(2), s)
    s = re.sub(r"_hat_(\w)", r"_hat_\1", s)
    s = re.sub(r"\\[,;!:]", " ", s)
    s = re.sub(r"\\[a-zA-Z]+\s*", "", s)
    s = s.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", s).strip()
