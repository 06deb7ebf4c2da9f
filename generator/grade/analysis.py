"""analysis.csv: item analysis of a graded class, from the same ClassGrades
as grades.csv and summary.csv. One row per part and per graded answer (ref):
students, mean, maximum, share of full marks, corrected item-total
discrimination (Pearson correlation of the item's marks with the total minus
that item; empty when undefined), the most frequent named mistake and its
count; then one row for the whole test: mean total and Cronbach's alpha over
the parts (empty when undefined)."""

from __future__ import annotations

import csv
import io
from collections import Counter

import numpy as np

from .run import ClassGrades, _num

HEADER = ["kind", "item", "students", "mean", "maximum", "share_full_marks", "discrimination",
          "most_frequent_mistake", "mistake_count", "cronbach_alpha"]


def _corr(x: np.ndarray, y: np.ndarray) -> str:
    if len(x) < 2 or float(np.std(x)) == 0.0 or float(np.std(y)) == 0.0:
        return ""
    return f"{float(np.corrcoef(x, y)[0, 1]):.3f}"


def _alpha(matrix: np.ndarray) -> str:
    n, k = matrix.shape
    if n < 2 or k < 2:
        return ""
    total_var = float(np.var(matrix.sum(axis=1), ddof=1))
    if total_var == 0.0:
        return ""
    item_var = float(np.var(matrix, axis=0, ddof=1).sum())
    return f"{k / (k - 1) * (1 - item_var / total_var):.3f}"


def analysis_csv(result: ClassGrades) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    grades = result.grades
    totals = np.array([g.total for g in grades], dtype=float)
    refs = list(dict.fromkeys(v.ref for g in grades for v in g.verdicts))
    by_ref = [{v.ref: v for v in g.verdicts} for g in grades]  # each student's verdicts by ref, looked up per item
    items: list[tuple[str, str]] = [("part", p) for p in result.parts] + [("answer", r) for r in refs]
    for kind, item in items:
        marks: list[float] = []
        tot: list[float] = []
        maxima: list[float] = []
        mistakes: Counter[str] = Counter()
        for g, t, verdicts in zip(grades, totals, by_ref):
            if kind == "part":
                if item not in g.parts:
                    continue
                m, mx = g.part_points(item), g.part_max(item)
                mistakes.update(v.mistake.name for v in g.verdicts if v.part == item and v.mistake)
            else:
                if item not in verdicts:
                    continue
                v = verdicts[item]
                m, mx = g.answer_points(v), v.max_points
                if v.mistake:
                    mistakes[v.mistake.name] += 1
            marks.append(m)
            tot.append(float(t) - m)
            maxima.append(mx)
        x = np.array(marks, dtype=float)
        mx_all = max(maxima) if maxima else 0.0
        full = sum(1 for m, mx in zip(marks, maxima) if mx and m >= mx)
        top = sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:1]
        w.writerow([kind, item, len(marks), f"{float(x.mean()):.2f}" if len(marks) else "", _num(mx_all),
                    f"{full / len(marks):.3f}" if len(marks) else "", _corr(x, np.array(tot, dtype=float)),
                    top[0][0] if top else "", top[0][1] if top else "", ""])
    parts_matrix = np.array([[g.part_points(p) if p in g.parts else 0.0 for p in result.parts] for g in grades],
                            dtype=float).reshape(len(grades), len(result.parts))
    w.writerow(["test", "total", len(grades), f"{float(totals.mean()):.2f}" if len(grades) else "", "", "", "", "",
                "", _alpha(parts_matrix)])
    return buf.getvalue()
