"""generator/pipeline.py: version codes, the problem set of a seed, a preset or
a student, and writing a version folder that is complete and current."""

import json
import os

import pikepdf
import pytest

from generator import compile, pipeline
from generator.errors import TexError, UsageError
from generator.model import Student

THREE = ["answers.json", "assignment.tex", "key.tex"]


def test_version_codes_differ_across_seeds():
    codes = {pipeline.version_code(s) for s in range(20000)}
    assert len(codes) == 20000
    # one-to-one on the whole five-character range: check a block at its end too
    top = 2**25
    assert len({pipeline.version_code(s) for s in range(top - 5000, top)} | codes) == 25000
    assert len(pipeline.version_code(top)) == 7


def test_version_code_width_and_alphabet():
    for seed in (0, 1, 7, 2**25 - 1):
        code = pipeline.version_code(seed)
        assert len(code) == 5 and set(code) <= set(pipeline._CODE_ALPHABET)
    for seed in (2**25, 2**40, pipeline.MAX_SEED):
        code = pipeline.version_code(seed)
        assert len(code) == 7 and set(code) <= set(pipeline._CODE_ALPHABET)
    assert not set(pipeline._CODE_ALPHABET) & set("0O1I")
    # neighbouring seeds do not look alike: no shared first character
    assert len({pipeline.version_code(s)[0] for s in range(10)}) > 1


def test_preset_code_and_no_code_without_a_seed():
    assert pipeline.version_code(None, "original") == "ORIG"
    assert pipeline.version_code(5, "original") == "ORIG"
    with pytest.raises(ValueError, match="needs a seed or a preset"):
        pipeline.version_code(None)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "seed must be an integer from 0 to"),
        ({"seed": -1}, "seed must be an integer from 0 to"),
        ({"seed": pipeline.MAX_SEED + 1}, "seed must be an integer from 0 to"),
        ({"preset": "modified"}, "unknown preset 'modified'; choose from: original"),
        ({"seed": 3, "preset": "modified"}, "unknown preset"),
    ],
)
def test_build_problem_set_refuses_bad_input(kwargs, message):
    with pytest.raises(UsageError, match=message):
        pipeline.build_problem_set(**kwargs)


def test_problem_set_of_a_seed_a_preset_and_a_student():
    ps = pipeline.build_problem_set(seed=7)
    assert (ps.seed, ps.preset, ps.version, ps.student_id) == (7, None, pipeline.version_code(7), None)
    assert len(ps.questions) == len(pipeline.families())
    assert [q.number for q in ps.questions] == list(range(1, len(pipeline.families()) + 1))
    original = pipeline.build_problem_set(preset="original")
    assert (original.seed, original.preset, original.version) == (None, "original", "ORIG")
    named = pipeline.build_problem_set(seed=7, student=Student("1001", "Zoë Ng"))
    assert (named.student_id, named.student_name) == ("1001", "Zoë Ng")
    named_json, plain_json = json.loads(pipeline.answers_json(named)), json.loads(pipeline.answers_json(ps))
    assert named_json.pop("student") == {"id": "1001", "name": "Zoë Ng"} and plain_json.pop("student") is None
    assert named_json == plain_json  # the name changes no answer
    assert pipeline.student_of(named) == Student("1001", "Zoë Ng") and pipeline.student_of(ps) is None


def test_answers_json_is_utf8_text_ending_in_a_newline():
    text = pipeline.answers_json(pipeline.build_problem_set(seed=2))
    assert text.endswith("}\n") and json.loads(text)["seed"] == 2


def test_folder_name():
    assert pipeline.folder_name(pipeline.build_problem_set(seed=7)) == "seed-7"
    assert pipeline.folder_name(pipeline.build_problem_set(preset="original")) == "original"


def test_a_student_in_one_shape():
    s = Student("1001", "Ann", row=3)
    assert s == Student("1001", "Ann")  # the roster row is not part of who the student is
    assert s.where == "student '1001' (row 3)" and Student("7").where == "student '7'"
    assert s.printed is s and Student("7").printed is None  # only a named student is printed
    printed = pipeline.PrintedStudent
    assert printed(s).name_tex == r"\nnname{Ann}" and printed(Student("a_b")).id_tex == r"\nnname{a\_b}"
    with pytest.raises(ValueError, match="student '7' has no name to print"):
        _ = printed(Student("7")).name_tex


def test_current_means_every_file(tmp_path):
    """The one test of "complete and current": text files by their bytes, PDFs
    by the stamp of the source they were made from, no file missing or extra."""
    files_ = {"answers.json": b"{}", "assignment.tex": b"A", "key.tex": b"K"}
    folder = tmp_path / "v"
    folder.mkdir()
    for name, data in files_.items():
        (folder / name).write_bytes(data)
    assert pipeline.current(folder, files_, pdf=False) == {}
    assert pipeline.current(folder, files_, pdf=True) is None  # PDFs missing
    for doc, src in (("assignment", b"A"), ("key", b"K")):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.docinfo[compile.STAMP] = pipeline._sha(src)
        compile.save_pdf(pdf, folder / f"{doc}.pdf")
    assert pipeline.current(folder, files_, pdf=True) == {"assignment": 1, "key": 1}
    assert pipeline.current(folder, files_, pdf=False) == {"assignment": 1, "key": 1}
    assert pipeline.current(folder, dict(files_, **{"key.tex": b"K2"}), pdf=True) is None  # source changed
    (folder / "key.pdf").write_bytes(b"")  # empty PDF (defect 7)
    assert pipeline.current(folder, files_, pdf=True) is None
    assert pipeline.current(folder, files_, pdf=False) is None


def test_current_refuses_extra_files_links_and_missing_folders(tmp_path):
    files_ = {"answers.json": b"{}", "assignment.tex": b"A", "key.tex": b"K"}
    folder = tmp_path / "v"
    folder.mkdir()
    for name, data in files_.items():
        (folder / name).write_bytes(data)
    link = tmp_path / "link"
    link.symlink_to(folder)
    assert pipeline.current(folder, files_, pdf=False) == {}
    assert pipeline.current(link, files_, pdf=False) is None
    assert pipeline.current(tmp_path / "absent", files_, pdf=False) is None
    (folder / "moodle.xml").write_text("<quiz/>")  # an LMS export of this version is no extra file
    (folder / "canvas-qti.zip").write_bytes(b"PK")
    assert pipeline.current(folder, files_, pdf=False) == {}
    (folder / "notes.txt").write_text("extra")
    assert pipeline.current(folder, files_, pdf=False) is None


def test_export_files_are_the_ones_current_allows(tmp_path):
    """What a version folder may hold beside its files comes from the export registry."""
    from generator import export

    ps = pipeline.build_problem_set(seed=3)
    folder = pipeline.write_version(ps, tmp_path / "v", pdf=False).folder
    files_ = {name: (folder / name).read_bytes() for name in ("answers.json", "assignment.tex", "key.tex")}
    for fmt in export.registered():
        if fmt.folder:
            (folder / fmt.target).mkdir()
        else:
            (folder / fmt.target).write_bytes(b"x")
    assert pipeline.exports_in(folder) == {fmt.target for fmt in export.registered()} == {"moodle.xml", "canvas-qti.zip", "html"}
    assert pipeline.current(folder, files_, pdf=False) == {}


def test_a_rerun_with_export_leaves_the_current_version_alone(tmp_path, capsys):
    from generator import cli

    args = ["--seed", "6", "--no-pdf", "--out", str(tmp_path), "--export", "moodle", "--export", "canvas"]
    assert cli.main(args) == 0
    assert "wrote 3 files" in capsys.readouterr().out
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "seed-6").iterdir()}
    assert {"moodle.xml", "canvas-qti.zip"} <= set(before)
    assert cli.main(args) == 0
    assert "files already complete" in capsys.readouterr().out
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "seed-6").iterdir()}
    assert {n: after[n] for n in ("answers.json", "assignment.tex", "key.tex")} == \
        {n: before[n] for n in ("answers.json", "assignment.tex", "key.tex")}


def test_write_version_without_pdfs_then_leaves_a_current_folder_alone(tmp_path):
    ps = pipeline.build_problem_set(seed=11)
    folder = tmp_path / pipeline.folder_name(ps)
    written = pipeline.write_version(ps, folder, pdf=False)
    assert written.compiled and written.files == THREE and written.pages == {}
    assert sorted(p.name for p in folder.iterdir()) == THREE
    assert (folder / "answers.json").read_text(encoding="utf-8") == pipeline.answers_json(ps)
    assert (folder / "key.tex").read_text(encoding="utf-8") == pipeline.render_documents(ps)["key"]
    assert written.sha256["answers.json"] == pipeline._sha((folder / "answers.json").read_bytes())
    inode = os.stat(folder).st_ino
    again = pipeline.write_version(ps, folder, pdf=False)
    assert not again.compiled and again.sha256 == written.sha256 and os.stat(folder).st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # no staging folder left


@pytest.mark.pdf
def test_failed_compile_quotes_the_log_and_leaves_no_pdf(tmp_path, monkeypatch):
    original = pipeline.render_bodies

    def broken(ps, folder=None, sheet_of=None):
        bodies = original(ps, folder, sheet_of)
        bodies["key"] = bodies["key"].replace(r"\nnend", r"\thisisnotacommand \nnend")
        return bodies

    monkeypatch.setattr(pipeline, "render_bodies", broken)
    ps = pipeline.build_problem_set(seed=4)
    with pytest.raises(TexError) as err:
        pipeline.write_version(ps, tmp_path / "v")
    assert "Undefined control sequence" in str(err.value)
    assert "thisisnotacommand" in str(err.value)
    names = sorted(p.name for p in (tmp_path / "v").iterdir())
    assert names == ["answers.json", "assignment.tex", "key.tex"]  # no PDF, no temporary folder
