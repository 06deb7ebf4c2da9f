"""Students' quiz attempts for ``quiz_run.php``: which version each student
draws and what they type, made from a class folder's keys.

    python scripts/moodle/make_attempts.py CLASS_DIR ROSTER.csv > attempts.json

The roster is the class's (columns id, name, email). The attempts, in roster
order, cover what grading the responses report must get right:

1. the first student types every key, on the version the roster gave them;
2. the second draws the *first* student's version (Moodle draws at random; the
   report, not the roster, says which version was taken), types 1c with the
   common mistake "forgot the 2" and 1d computed correctly from those wrong
   1c values (follow-through), and a formula of 2a in the plain notation;
3. the third types decimals with a comma ("0,5"), which Moodle reads as a
   different number, and leaves the written answers blank;
4. a student on no roster row (an e-mail and ID number the class does not know).

Nothing here is graded: Moodle grades the attempts, ``grade`` the report.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from generator import key
from generator.export import moodle
from generator.grade import judge


def _components(version: key.Version) -> list[tuple[str, float | str]]:
    """(ref, value) of every box of a version, in the export's order (per part its numbers, then
    its choices, whose value is the right option)."""
    out: list[tuple[str, float | str]] = []
    for q in version.questions:
        for p in q.parts:
            for a in p.answers:
                if a.graded and a.kind in ("number", "vector"):
                    values = a.value if isinstance(a.value, tuple) else (a.value,)
                    out += [(a.ref, float(v)) for v in values]  # type: ignore[arg-type]
            out += [(a.ref, a.exact or "") for a in p.answers if a.graded and a.kind == "choice"]
    return out


def _text(x: float | str) -> str:
    return x if isinstance(x, str) else f"{x:.6f}".rstrip("0").rstrip(".")


def main(argv: list[str]) -> int:
    class_dir, roster_path = Path(argv[0]), Path(argv[1])
    manifest = key.read_manifest(class_dir / "manifest.json")
    entries = list(manifest.read_keys())
    with roster_path.open(encoding="utf-8-sig", newline="") as fh:
        roster = {r["id"]: r for r in csv.DictReader(fh)}

    def name_of(version: key.Version, index: int) -> str:
        return f"Version {version.version} (v{index})"

    index = {v.version: k for k, (_, v) in enumerate(entries, start=1)}
    students: list[dict[str, Any]] = []
    for n, (entry, version) in enumerate(entries[:3]):
        row = roster[entry.student.id]
        first, _, last = (row["name"] or "Student").partition(" ")
        drawn = entries[0][1] if n == 1 else version
        comps = _components(drawn)
        numbers = [_text(v) for _, v in comps]
        written: dict[str, str] = {}
        keys = {k.ref: k for k in judge.keys_of(drawn)}
        if n == 0:
            for k in judge.keys_of(drawn):
                if k.kind == "text":
                    written[moodle.essay_title(k.ref)] = "The function is differentiable everywhere."
        if n == 1:
            # 1c with "forgot the 2" (half of each gradient), 1d from those wrong values
            cells: dict[str, str] = {}
            for i, (ref, value) in enumerate(comps):
                if ref.startswith("1c#") and ref != "1c#1" and isinstance(value, float):
                    numbers[i] = _text(value / 2)
                cells.setdefault(ref, numbers[i])
            done: dict[str, judge.Verdict] = {}
            for k in judge.keys_of(drawn):
                if k.part == "1d":
                    target = judge.recomputed(k, done, keys)
                    if target is not None:
                        numbers[[r for r, _ in comps].index(k.ref)] = _text(target)
                        cells[k.ref] = _text(target)
                done[k.ref] = judge.judge(cells.get(k.ref, ""), k, done, keys)
            for k in judge.keys_of(drawn):
                if k.kind == "expression" and k.check and k.part == "2a":
                    written[moodle.essay_title(k.ref)] = k.check.derivative[0].replace("**", "^")
        if n == 2:
            numbers = [t.replace(".", ",") for t in numbers]  # a choice has no point: unchanged
        students.append({"idnumber": entry.student.id, "email": row["email"], "firstname": first, "lastname": last or "-",
                         "version": name_of(drawn, index[drawn.version]), "numbers": numbers, "written": written})
    students.append({"idnumber": "X999", "email": "nobody@example.edu", "firstname": "Nora", "lastname": "Body",
                     "version": name_of(entries[0][1], 1), "numbers": ["1"] * len(_components(entries[0][1])),
                     "written": {}})
    json.dump({"students": students}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
