"""A Canvas quiz "Student Analysis" CSV for the quizzes of a class's Canvas
export, answered by the students of an attempts file (the one
``scripts/moodle/make_attempts.py`` writes): the stand-in for the report a
real Canvas writes, which cannot run here.

    python scripts/canvas_student_analysis.py canvas-qti.zip attempts.json > student-analysis.csv

The columns are those of Canvas's own writer (app/models/quizzes/
quiz_statistics/student_analysis.rb, ``to_csv``, with SIS IDs and without
"all versions"): name, id, sis_id, section, section_id, section_sis_id,
submitted; then per question of the quiz "<question id>: <question text with
its tags stripped>" and its points possible, the response and the points
scored; then n correct, n incorrect, score. Text-only items have columns with
empty cells, as Canvas writes them. A number is scored as the export's
scoring bounds say (the key, or within key -/+ tolerance); an essay scores
nothing until marked. Canvas writes one report per quiz, that is per
version: with ``--out DIR`` this writes student-analysis-<version>.csv for
every version the attempts take, else the first one's to stdout.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

from generator.export import checks

_Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def _strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def quizzes(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Version code -> the quiz's items: title, type, text, points, bounds."""
    out: dict[str, list[dict[str, Any]]] = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml") or name.endswith("assessment_meta.xml") or "/" not in name:
                continue
            root = ET.fromstring(z.read(name))
            assessment = root.find(f"{_Q}assessment")
            if assessment is None:
                continue
            code = re.search(r"version (\S+) \(v\d+\)$", assessment.get("title", ""))
            if not code:
                continue
            items = []
            for item in assessment.iter(f"{_Q}item"):
                qtype = checks._meta(item, "question_type") or ""
                bounds = None
                for cond in item.iter(f"{_Q}respcondition"):
                    lo, hi = cond.find(f".//{_Q}vargte"), cond.find(f".//{_Q}varlte")
                    if lo is not None and hi is not None:
                        bounds = (float(lo.text or "nan"), float(hi.text or "nan"))
                chosen = checks._canvas_choice(item)[0] if qtype == "multiple_choice_question" else []
                items.append({"type": qtype, "points": float(checks._meta(item, "points_possible") or 0),
                              "text": item.findtext(f"{_Q}presentation/{_Q}material/{_Q}mattext") or "", "bounds": bounds,
                              "right": chosen[0].right if chosen else None})
            out[code.group(1)] = items
    return out


def report(items: list[dict[str, Any]], students: list[dict[str, Any]], first_id: int) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted"]
    for k, item in enumerate(items):
        header += [f"{first_id + k}: {_strip_tags(item['text'])}", f"{item['points']:.1f}"]
    w.writerow(header + ["n correct", "n incorrect", "score"])
    for n, s in enumerate(students):
        numbers = iter(s["numbers"])
        row = [f"{s['firstname']} {s['lastname']}", str(1000 + n), s["idnumber"], "Section 1", "1", "", "2026-12-07 00:00:00 UTC"]
        right = wrong = 0
        score = 0.0
        for item in items:
            if item["type"] == "text_only_question":
                row += ["", ""]
                continue
            if item["type"] == "multiple_choice_question":
                typed = next(numbers, "")
                ok = typed == item["right"]
                right, wrong = right + ok, wrong + (not ok)
                score += item["points"] if ok else 0.0
                row += [typed, f"{item['points'] if ok else 0.0:g}"]
                continue
            if item["type"] == "numerical_question":
                typed = next(numbers, "")
                try:
                    ok = item["bounds"][0] <= float(typed) <= item["bounds"][1]
                except ValueError:  # Canvas's numerical box takes no "0,5"
                    ok, typed = False, ""
                points = item["points"] if ok else 0.0
                right, wrong = right + ok, wrong + (not ok)
                score += points
                row += [typed, f"{points:g}"]
            else:
                ref = re.search(r"\[answer (\S+),", item["text"])
                text = s["written"].get(f"Written answer {ref.group(1)}", "") if ref else ""
                row += [text, "0"]
                wrong += 1
        w.writerow(row + [str(right), str(wrong), f"{score:g}"])
    return buf.getvalue()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("zip", type=Path)
    p.add_argument("attempts", type=Path)
    p.add_argument("--out", type=Path, help="a folder: one student-analysis-<version>.csv per version drawn")
    args = p.parse_args(argv)
    quiz = quizzes(args.zip)
    students = json.loads(args.attempts.read_text(encoding="utf-8"))["students"]
    drawn: dict[str, list[dict[str, Any]]] = {}
    for s in students:
        code = re.search(r"Version (\S+) \(v\d+\)", s["version"])
        if code and code.group(1) in quiz:
            drawn.setdefault(code.group(1), []).append(s)
    for k, (code, group) in enumerate(drawn.items()):
        text = report(quiz[code], group, 5000 + 100 * k)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"student-analysis-{code}.csv").write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            break
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
