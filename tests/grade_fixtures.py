"""Small hand-written answers.json (format nn-problem-set/2) versions for the
grader's tests, following the format's specification field by field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def answer(name: str, ref: str | None, kind: str, exact: str | None, value: Any, points: float | None, *,
           tol: float | None = 0.005, variables: list[str] | None = None, depends_on: list[str] | None = None,
           recompute: str | None = None, mistakes: list[dict[str, Any]] | None = None,
           check: dict[str, Any] | None = None) -> dict[str, Any]:
    graded = ref is not None
    return {
        "name": name, "label": name, "text": name, "latex": exact, "exact": exact, "value": value, "check": check,
        "graded": graded, "ref": ref, "points": points, "kind": kind,
        "tolerance": {"abs": tol, "rel": 0.0} if kind in ("number", "vector") and tol is not None else None,
        "variables": variables, "depends_on": depends_on or [], "recompute": recompute, "mistakes": mistakes or [],
    }


def version(y_hat: int = 32, y: int = 30, code: str = "K7Q2", student: dict[str, str] | None = None) -> dict[str, Any]:
    """A small version: ŷ, J = (ŷ - y)^2 and its gradient 2(ŷ - y), an update
    with η = 0.1 from b = 1, a chain-rule derivative and its value, the
    tanh derivative in terms of f, and a text answer."""
    J = (y_hat - y) ** 2
    g = 2 * (y_hat - y)
    f = "-(2*x1**2 + x2)**2 + exp(3*x2*sin(x1))"
    dfdx1 = "-8*x1*(2*x1**2 + x2) + 3*x2*exp(3*x2*sin(x1))*cos(x1)"
    import math

    d_at = -8 * 1 * (2 + 2) + 3 * 2 * math.exp(6 * math.sin(1)) * math.cos(1)
    return {
        "format": "nn-problem-set/2", "generator": "0.1.0", "seed": 7, "version": code,
        "course": {"code": "CSE 616", "name": "Neural Networks", "title": "Assignment 1", "term": None,
                   "instructor": None, "due": None},
        "student": student, "points_total": 30,
        "questions": [
            {"id": "q1", "family": "network", "title": "Network", "params": {}, "parts": [
                {"id": "1a", "skill": "forward_pass", "points": 6, "prompt": "", "answers": [
                    answer("z1[0]", None, "number", "3", 3, None),
                    answer("y_hat", "1a#1", "number", str(y_hat), y_hat, 6),
                ]},
                {"id": "1c", "skill": "backprop_gradients", "points": 6, "prompt": "", "answers": [
                    answer("J", "1c#1", "number", str(J), J, 3, depends_on=["1a#1"], recompute=f"(ref_1a_1 - {y})**2",
                           mistakes=[{"name": "no_square", "text": "forgot to square the error", "value": y_hat - y}]),
                    answer("grad:b2[0]", "1c#2", "number", str(g), g, 3, depends_on=["1a#1"], recompute=f"2*(ref_1a_1 - {y})",
                           mistakes=[{"name": "factor_2_dropped", "text": "dropped the factor 2 of the squared error",
                                      "value": y_hat - y}]),
                ]},
                {"id": "1d", "skill": "gradient_step", "points": 2.5, "prompt": "", "answers": [
                    answer("new:b2[0]", "1d#1", "number", f"1 - {g}/10", 1 - g / 10, 2.5, depends_on=["1c#2"],
                           recompute="1 - ref_1c_2/10"),
                ]},
                {"id": "1e", "skill": "concept", "points": 5, "prompt": "", "answers": [
                    answer("concept", "1e#1", "text", None, None, 5),
                ]},
            ]},
            {"id": "q2", "family": "chain_rule", "title": "Chain rule", "params": {}, "parts": [
                {"id": "2a", "skill": "chain_rule_symbolic", "points": 4, "prompt": "", "answers": [
                    answer("df/dx1", "2a#7", "expression", dfdx1, None, 4, variables=["x1", "x2"],
                           check={"function": f, "wrt": ["x1"], "derivative": [dfdx1], "at": None}),
                ]},
                {"id": "2b", "skill": "chain_rule_numeric", "points": 3, "prompt": "", "answers": [
                    answer("df/dx1", "2b#3", "number", "-32 + 6*exp(6*sin(1))*cos(1)", d_at, 3, tol=0.0001,
                           depends_on=["2a#7"], recompute="ref_2a_7",
                           check={"function": f, "wrt": ["x1"], "derivative": [dfdx1], "at": {"x1": 1, "x2": 2}}),
                ]},
            ]},
            {"id": "q3", "family": "cost_derivatives", "title": "Derivatives", "params": {}, "parts": [
                {"id": "3.1", "skill": "activation_derivative", "points": 6, "prompt": "", "answers": [
                    answer("derivative", "3.1#1", "expression", "1 - tanh(z - 1)**2", None, 4, variables=["z"],
                           check={"function": "tanh(z - 1)", "wrt": ["z"], "derivative": ["1 - tanh(z - 1)**2"], "at": None}),
                    answer("derivative_at", "3.1#2", "number", "4*exp(2)/(1 + exp(2))**2", 4 * math.exp(2) / (1 + math.exp(2)) ** 2,
                           2, tol=0.0001, depends_on=["3.1#1"], recompute="ref_3_1_1",
                           check={"function": "tanh(z - 1)", "wrt": ["z"], "derivative": ["1 - tanh(z - 1)**2"], "at": {"z": 0}}),
                ]},
                {"id": "3.2", "skill": "cost_gradient", "points": 6, "prompt": "", "answers": [
                    answer("grad", "3.2#1", "text", "[2*w1, w2]", None, 4),
                    answer("grad_at", "3.2#2", "vector", "[-1/4, 1/4]", [-0.25, 0.25], 2, tol=0.0001,
                           mistakes=[{"name": "sign", "text": "sign of the gradient flipped", "value": [0.25, -0.25]}]),
                ]},
            ]},
        ],
    }


RIGHT = {"1a#1": "32", "1c#1": "4", "1c#2": "4", "1d#1": "0.6", "2a#7": "-8*x1*(2*x1**2 + x2) + 3*x2*exp(3*x2*sin(x1))*cos(x1)",
         "2b#3": "", "3.1#1": "1 - tanh(z - 1)**2", "3.1#2": "0.42", "3.2#2": "(-1/4, 1/4)", "1e#1": "because"}


def make_class(folder: Path, students: list[tuple[str, str, dict[str, Any]]]) -> Path:
    """A class folder: manifest.json and one folder per student with answers.json."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for sid, name, data in students:
        sub = folder / f"s{sid}"
        sub.mkdir(exist_ok=True)
        text = json.dumps(data)
        (sub / "answers.json").write_text(text, encoding="utf-8")
        entries.append({"id": sid, "name": name, "folder": f"s{sid}", "version": data["version"], "seed": 1,
                        "answers_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    (folder / "manifest.json").write_text(json.dumps({"format": "nn-problem-set-class/1", "students": entries}), encoding="utf-8")
    return folder
