"""Class sets: named versions for a roster, combined print files, grading sheet, manifest."""

import csv
import json
import shutil

import pytest
from pypdf import PdfReader

from generator import classset, key, marksheet
from generator.model import Student
from generator.roster import read_roster

TRICKY = [
    ("2100966", "محمد أسامة محمد السيد"),
    ("2100967", "Zoë Ångström"),
    ("2100968", "O'Brien & Sons_#1 100%"),
    ("2100969", "Łukasz Ñoño-Şahin"),
    ("2100970", r"\input{/etc/passwd} {unbalanced"),
    ("2100971", "A" * 20 + " Very-Long-Name " * 6),
    ("2100972", "Sam Lee"),
    ("2100973", "Sam Lee"),  # duplicate name, different ID
    ("A/B 12", "Slash In Id"),
    ("2100975", "~tilde^caret$dollar"),
] + [(f"21010{k:02d}", f"Student {k}") for k in range(20)]


def roster(tmp_path, rows, name="students.csv"):
    p = tmp_path / name
    with p.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "email"])
        for sid, nm in rows:
            w.writerow([sid, nm, "x@example.org"])
    return p


def pages(path):
    return len(PdfReader(path).pages)


def test_derived_seed_depends_on_class_seed_and_id_only():
    assert classset.derive_seed(2026, "17") == classset.derive_seed(2026, "17")
    assert classset.derive_seed(2026, "17") != classset.derive_seed(2027, "17")
    assert classset.derive_seed(2026, "17") != classset.derive_seed(2026, "18")
    assert classset.derive_seed(2026, "17", salt=1) != classset.derive_seed(2026, "17")
    assert 0 <= classset.derive_seed(1, "x") < classset.SEED_SPACE


def test_safe_folder_names_are_unique_and_safe():
    ids = ["2100966", "A/B 12", "A_B_12", "../etc", "محمد", ""]
    folders = [classset.safe_folder(i) for i in ids]
    assert len(set(folders)) == len(folders)
    assert folders[0] == "2100966"
    for f in folders:
        assert "/" not in f and not f.startswith(".")


def outcome(sid, seed, params):
    return classset.Outcome(Student(sid), sid, 0, seed, "X", tuple(params))


def test_distinct_redraws_the_later_of_two_equal_versions():
    versions = [outcome("a", 5, ["p", "q"]), outcome("b", 3, ["r", "q"]), outcome("c", 9, ["s", "t"])]
    assert classset._distinct(versions, set()) == [0]  # seed 3 ("b") comes first and keeps its version


def test_distinct_never_redraws_a_student_already_in_the_class():
    versions = [outcome("a", 5, ["p", "q"]), outcome("b", 3, ["r", "q"])]
    assert classset._distinct(versions, {"a"}) == [1]  # "a" was there first: the newcomer is redrawn


@pytest.mark.pdf
def test_tricky_roster_of_30(tmp_path):
    path = roster(tmp_path, TRICKY)
    entries = read_roster(path)
    result = classset.make(2026, entries, tmp_path / "out", jobs=2, quiet=True)
    d = result.folder
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in manifest["students"]] == [sid for sid, _ in TRICKY]
    assert len({s["version"] for s in manifest["students"]}) == 30
    for s in manifest["students"]:
        folder = d / s["folder"]
        assert sorted(p.name for p in folder.iterdir()) == sorted(classset.FILES)
        assert s["pages"]["assignment"] == pages(folder / "assignment.pdf")
        assert s["pages"]["key"] == pages(folder / "key.pdf")
    # combined files: every document starts on an odd page
    for combined, doc in (("handouts.pdf", "assignment"), ("keys.pdf", "key")):
        expected = sum(s["pages"][doc] + s["pages"][doc] % 2 for s in manifest["students"])
        assert pages(d / combined) == expected
    # names print: read back from each handout
    for s, (_sid, name) in zip(manifest["students"], TRICKY):
        text = PdfReader(d / s["folder"] / "assignment.pdf").pages[0].extract_text()
        assert s["version"] in text
        if name.isascii() and "\\" not in name:
            assert " ".join(name.split())[:30] in " ".join(text.split()), name
    # grading sheet: a row per student equal to their answers.json
    rows = list(csv.DictReader((d / "grading-sheet.csv").open(encoding="utf-8")))
    assert [r["id"] for r in rows] == [sid for sid, _ in TRICKY]
    for row, s in zip(rows, manifest["students"]):
        data = json.loads((d / s["folder"] / "answers.json").read_text(encoding="utf-8"))
        assert row["version"] == data["version"]
        cells = {header.split(" ", 1)[0]: cell for header, cell in row.items()}
        for g in marksheet.graded(key.parse(data)):
            assert cells[g.ref] == marksheet.answer_cell(g)
    assert pages(d / "grading-sheet.pdf") >= 1
    assert "shared_answers" in manifest and "fairness" in manifest
    assert set(manifest["fairness"]) >= {"q1:network"}
    # no temporary files anywhere
    assert not [p for p in d.rglob("*") if p.name.startswith(".")]


@pytest.mark.pdf
def test_adding_a_student_changes_nobody_else(tmp_path):
    first = TRICKY[1:4] + TRICKY[10:12]
    out1, out2 = tmp_path / "one", tmp_path / "two"
    classset.make(7, read_roster(roster(tmp_path, first, "a.csv")), out1, quiet=True)
    classset.make(7, read_roster(roster(tmp_path, first[:2] + [("9999", "New Student")] + first[2:], "b.csv")), out2, quiet=True)
    for sid, _ in first:
        folder = classset.safe_folder(sid)
        for name in classset.FILES:
            a = (out1 / "class-7" / folder / name).read_bytes()
            b = (out2 / "class-7" / folder / name).read_bytes()
            assert a == b, (sid, name)


@pytest.mark.pdf
def test_rerun_is_byte_identical_and_completes(tmp_path):
    out = tmp_path / "out"
    classset.make(11, classset.count_students(3), out, quiet=True)
    d = out / "class-11"
    before = {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}
    shutil.rmtree(d / "2")  # as if an earlier run stopped before student 2
    result = classset.make(11, classset.count_students(3), out, quiet=True)
    assert result.compiled == 1 and result.skipped == 2
    after = {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file()}
    assert after == before
