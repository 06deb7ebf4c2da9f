"""A fourth question family, defined in tests/toy_family.py and registered from
outside the package (generator.questions.register), works end to end: the
handout, the key, answers.json, its points from the configuration (its own
declared defaults, or a configuration file's), a class set, without any change
in generator/."""

import json

import pytest
from toy_family import TEMPLATE_SOURCE, TinySum, registered

from generator import classset, config, pipeline, questions


@pytest.fixture
def toy():
    with registered() as family:
        yield family


def q4_of(ps):
    data = json.loads(pipeline.answers_json(ps))
    return data, data["questions"][3]


def test_the_fourth_family_reaches_answers_json_with_its_declared_points(toy):
    ps = pipeline.build_problem_set(seed=5)
    data, q4 = q4_of(ps)
    assert q4["id"] == "q4" and q4["family"] == "tiny_sum"
    (part,) = q4["parts"]
    assert (part["id"], part["points"], part["skill"]) == ("4a", 5, "integer_addition")  # from TinySum.PARTS
    (answer,) = part["answers"]
    a, b = q4["params"]["a"], q4["params"]["b"]
    assert answer["value"] == a + b and a != b and answer["points"] == 5 and answer["ref"] == "4a#1"
    # the pipeline wrote the mistakes: both, unless they are one value (they never are: b - a != a - b as b != a)
    assert [(m["name"], m["value"]) for m in answer["mistakes"]] == [("subtracted", a - b), ("swapped_sign", b - a)]
    assert data["points_total"] == 105
    sources = pipeline.render_documents(ps)
    assert r"\finalanswer{" + str(answer["value"]) + "}" in sources["key"]
    assert "means a - b \\& co." in sources["key"]  # plain text escaped by the template
    assert r"\finalanswer{" not in sources["assignment"] and "Question 4" in sources["assignment"]


def test_the_catalogue_follows_the_registered_families(toy):
    assert config.QUESTIONS["4"] == ("4a",) and config.PART_IDS[-1] == "4a" and config.DEFAULT_POINTS["4a"] == 5
    text = config.default_toml()
    assert '"4a" = 5' in text and "include = [1, 2, 3, 4]" in text
    assert config.parse(text, config.Path("course.toml")) == config.Config(source="course.toml")
    questions.unregister(TinySum.NAME)
    try:
        assert "4a" not in config.PART_IDS and "4" not in config.QUESTIONS
        assert len(pipeline.build_problem_set(seed=5).questions) == 3
    finally:
        questions.register(TinySum, template=TEMPLATE_SOURCE)


def test_points_and_parts_of_the_fourth_family_from_a_configuration_file(toy, tmp_path):
    path = tmp_path / "course.toml"
    path.write_text('[points]\n"4a" = 7.5\n"1a" = 0\n[questions]\nexclude = [2]\n', encoding="utf-8")
    cfg = config.load(path)
    ps = pipeline.build_problem_set(seed=8, config=cfg)
    data = json.loads(pipeline.answers_json(ps))
    assert [q["id"] for q in data["questions"]] == ["q1", "q3", "q4"]
    q4 = data["questions"][2]
    assert q4["parts"][0]["points"] == 7.5 and q4["parts"][0]["answers"][0]["points"] == 7.5
    assert data["points_total"] == 100 - 22 - 6 + 7.5
    path.write_text('[questions]\ninclude = [4]\n', encoding="utf-8")
    only = pipeline.build_problem_set(seed=8, config=config.load(path))
    assert [q.id for q in only.questions] == ["q4"] and only.points_total == 5
    path.write_text('[points]\n"4b" = 1\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match=r"\[points\] 4b: unknown part id \(part ids are .*3\.6, 4a\)"):
        config.load(path)


def test_a_class_set_with_the_fourth_family(toy, tmp_path):
    result = classset.make(3, classset.count_students(2), tmp_path, jobs=1, pdf=False, quiet=True)
    assert len(result.ok) == 2
    manifest = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["points"]["4a"] == 5 and manifest["config"]["points_total"] == 105
    for o in result.ok:
        data = json.loads((result.folder / o.folder / "answers.json").read_text(encoding="utf-8"))
        assert data["questions"][3]["family"] == "tiny_sum"


def test_registration_refuses_a_taken_name_and_an_incomplete_family(toy):
    with pytest.raises(ValueError, match="registered already"):
        questions.register(TinySum)

    class Incomplete:
        NAME = "incomplete"

    with pytest.raises(ValueError, match="needs TEMPLATE, ORIGINAL, PARTS, MISTAKES, broken_rules"):
        questions.register(Incomplete)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no registered question family"):
        questions.unregister("network")


def test_adding_a_family_changes_no_other_familys_questions(toy):
    four = pipeline.build_problem_set(seed=11).to_json()["questions"]
    questions.unregister(TinySum.NAME)
    try:
        three = pipeline.build_problem_set(seed=11).to_json()["questions"]
    finally:
        questions.register(TinySum, template=TEMPLATE_SOURCE)
    assert four[:3] == three


def test_the_original_preset_of_the_fourth_family(toy):
    q4 = pipeline.build_problem_set(preset="original").questions[3]
    assert q4.params == {"a": 2, "b": 3} and q4.parts[0].answers[0].value == 5


@pytest.mark.pdf
def test_the_fourth_family_compiles(toy, tmp_path):
    from pypdf import PdfReader

    ps = pipeline.build_problem_set(seed=5)
    pipeline.write_version(ps, tmp_path)
    key = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "key.pdf").pages)
    handout = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "assignment.pdf").pages)
    assert "Question 4: A tiny sum" in key and "Question 4: A tiny sum" in handout
    assert "(4a)" in key and "Solution" in key
    assert json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))["questions"][3]["parts"][0]["points"] == 5
