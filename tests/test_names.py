"""Names in every script: routing to pdfLaTeX or a name box, font choice, clear
errors, and a roster of one name per script typeset and read back."""

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from generator import fonts, namebox, names, pipeline
from generator.errors import TexError
from generator.model import Student

# one name per script or case of issue 13, item 1
ROSTER = [
    ("AR-1", "محمد أسامة السيد", "Arabic"),
    ("HE-1", "דוד בן גוריון", "Hebrew"),
    ("FA-1", "مریم میرزاخانی", "Persian"),
    ("UR-1", "فیض احمد فیض", "Urdu"),
    ("ZH-1", "李小龍", "Chinese"),
    ("JA-1", "山田 はなこ カタカナ", "Japanese"),
    ("KO-1", "김민준", "Korean"),
    ("HI-1", "प्रियंका चोपड़ा", "Devanagari"),
    ("BN-1", "রবীন্দ্রনাথ ঠাকুর", "Bengali"),
    ("TA-1", "சுப்பிரமணிய பாரதி", "Tamil"),
    ("TH-1", "สมชาย ใจดี", "Thai"),
    ("EL-1", "Αλέξανδρος Παπαδόπουλος", "Greek"),
    ("RU-1", "Иван Петрович Сидоров", "Cyrillic"),
    ("HY-1", "Արամ Խաչատրյան", "Armenian"),
    ("KA-1", "ნინო ბერიძე", "Georgian"),
    ("AM-1", "አበበ ቢቂላ", "Ethiopic"),
    ("VI-1", "Nguyễn Thị Minh Khai", "Latin, precomposed (Vietnamese)"),
    ("MT-1", "Ħanna Ġużeppi ħ", "Latin, Maltese (T1 lacks Ħ ħ)"),
    ("SE-1", "Ŧuomas Ŋŋ ŧ ĸ Ŀŀ ŉ ſ", "Latin, Sámi and other letters T1 lacks"),
    ("CM-1", "Zoe\u0308 Ma\u0304ori Q\u0323uy\u0300", "Latin, combining marks"),
    ("EM-1", "Ana 😀", "emoji"),
    ("MX-1", "Ahmed محمد", "mixed Latin and Arabic"),
    ("ID-日本", "Sam Lee", "an ID in another script"),
    ("HX-1", "李 \\input{/etc/passwd} 100% $x^2$ \\directlua{os.exit(1)}", "TeX and Lua specials in a name box"),
]

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def flat(text: str) -> str:
    """NFC, no direction marks, no white space: what the comparisons use."""
    return "".join(_BIDI.sub("", unicodedata.normalize("NFC", text)).split())


# --------------------------------------------------------------------------
# Routing, fonts and errors (no TeX)


def test_pdflatex_set_is_what_t1_and_ts1_define():
    """The inline (pdfLaTeX) set is a subset of what inputenc's T1 and TS1 tables define."""
    kpsewhich = shutil.which("kpsewhich")
    if not kpsewhich:
        pytest.skip("TeX not installed")
    defined = set()
    for table in ("t1enc.dfu", "ts1enc.dfu"):
        path = subprocess.run([kpsewhich, table], capture_output=True, text=True).stdout.strip()
        defined |= {int(h, 16) for h in re.findall(r"\\DeclareUnicodeCharacter\{([0-9A-F]+)\}", Path(path).read_text())}
    for lo, hi in names.PDFLATEX_RANGES:
        for cp in range(lo, hi + 1):
            assert cp < 0x7F or cp in defined, hex(cp)


@pytest.mark.parametrize("ch", list("ĦħŦŧĸĿŀŉſ"))
def test_latin_letters_t1_lacks_go_to_a_name_box(ch):
    assert names.needs_box("Ab" + ch)
    assert names.source_engine_for("Ab" + ch) == "lualatex"
    assert names.engine_for("Ab" + ch) == "pdflatex"


def test_combining_marks_are_normalized_first():
    assert not names.needs_box("Zoe\u0308")  # NFC: Zoë, which T1 has
    assert "Zoë" in names.to_tex("Zoe\u0308")
    assert names.needs_box("Q\u0323")  # no precomposed form: a name box with the mark placed by HarfBuzz
    assert not names.needs_box("Łukasz Ñoño-Şahin ß ő")


def test_name_box_markup_round_trips_and_escapes():
    name = "李 {\\x} 100%"
    tex = names.to_tex(name)
    assert names.foreign_texts(tex) == [fonts.clean(name)]
    assert "\\textbackslash{}" in tex and "\\%" in tex and "\\x}" not in tex
    assert names.to_tex("محمد").startswith(r"\nnarabic{\nnforeign{")
    assert names.to_tex("דוד").startswith(r"\nnrtl{\nnforeign{")


def test_foreign_texts_once_each_in_order_of_first_use():
    a, b = names.to_tex("李雷"), names.to_tex("김민")
    source = f"{a} and {b}, again {a}, and a broken one \\nnforeign{{zz}}{{?}}"
    assert names.foreign_texts(source) == ["李雷", "김민"]
    assert names.foreign_texts(names.to_tex("Ann Smith")) == []  # no name box


def test_direction_follows_most_letters():
    assert fonts.is_rtl("Ann محمد") and fonts.is_arabic("Ann محمد")  # four Arabic letters to three Latin
    assert not fonts.is_rtl("Annabel محمد")
    assert names.to_tex("Annabel محمد").startswith(r"\nnname{\nnforeign{")
    assert not fonts.is_arabic("דוד")


def test_source_engine_ignores_missing_names():
    assert names.source_engine_for(None, "1001") == "pdflatex"
    assert names.source_engine_for(None, "李雷") == "lualatex"
    assert names.engine_for(None, "李雷") == "pdflatex"


def test_each_script_gets_its_font():
    installed = fonts.installed_fonts()
    expect = {"Arabic": "Amiri", "Hebrew": "Hebrew", "Chinese": "wqy", "Korean": "wqy", "Devanagari": "Devanagari",
              "Bengali": "Bengali", "Tamil": "Tamil", "Thai": "Thai", "Armenian": "Armenian", "Georgian": "Georgian",
              "Ethiopic": "Ethiopic", "Greek": "NotoSerif-", "Cyrillic": "NotoSerif-"}
    for _, name, script in ROSTER:
        assert fonts.missing_character(name) is None, script
        if script in expect:
            files = {Path(installed[k].file).name for k, text in fonts.runs(name) if text != " "}
            assert all(expect[script] in f for f in files), (script, files)


def test_emoji_is_a_glyph_or_a_placeholder():
    assert fonts.runs("😀")[0][1] == "😀"  # Symbola or DejaVu has it
    assert fonts.runs("\U0001F9FF")[0][1] == fonts.EMOJI_PLACEHOLDER  # newer than every installed font


def test_a_character_no_font_has_names_it():
    with pytest.raises(TexError, match=r"^student 7: no installed font can show the character '\U00013000' \(U\+13000\)"):
        names.check("Ra \U00013000", "student 7")


@pytest.mark.parametrize("text, what", [("Jos\ufffd", "U+FFFD"), ("JosÃ©", "'José'"), ("FranÃ§ois", "'François'")])
def test_broken_encodings_say_so(text, what):
    assert names.needs_box(text)  # routed to the check that runs before TeX
    with pytest.raises(TexError, match="looks like a broken encoding") as err:
        names.check(text, "student 1")
    assert what in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("text", ["SÃO PAULO", "José", "Zoë", "Ahmed"])
def test_good_names_are_not_called_broken(text):
    assert names.broken_encoding(text) is None


# --------------------------------------------------------------------------
# Typeset and read back


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def name_words_left_to_right(path: Path) -> list[str]:
    """The words between "Name:" and "ID:" on page 1, in visual order (left to right)."""
    xml = pdftotext(path, "-bbox")
    words = [(float(x), float(y), w) for x, y, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', xml)]
    label = next((x, y) for x, y, w in words if w == "Name:")
    return [w for x, y, w in sorted(words) if abs(y - label[1]) < 4 and x > label[0] and w not in ("Name:", "ID:")
            and not w.isascii()]


@pytest.mark.pdf
def test_roster_of_every_script_reads_back_from_handout_and_key(tmp_path):
    made = {}
    for sid, name, script in ROSTER:
        ps = pipeline.build_problem_set(seed=11, student=Student(sid, name))
        folder = tmp_path / sid
        pipeline.write_version(ps, folder)
        assert pipeline.engine_for(ps) == "pdflatex"
        made[sid] = folder
        for doc in ("assignment.pdf", "key.pdf"):
            text = flat(pdftotext(folder / doc))
            assert flat(name) in text, (script, doc, text[:300])
            assert flat(sid) in text, (script, doc)
    # right to left: the first word of the name is the rightmost on the page
    for sid, name in (("AR-1", "محمد أسامة السيد"), ("HE-1", "דוד בן גוריון")):
        visual = name_words_left_to_right(made[sid] / "assignment.pdf")
        assert [w[::-1] for w in reversed(visual)] == name.split(), (sid, visual)
    # the same inputs give the same bytes, also when the name box is made afresh
    namebox._cache.clear()
    ps = pipeline.build_problem_set(seed=11, student=Student("AR-1", "محمد أسامة السيد"))
    again = tmp_path / "again" / "AR-1"  # a folder of the same name: the answer sheet's code names it
    pipeline.write_version(ps, again)
    for doc in ("assignment.pdf", "key.pdf"):
        assert (again / doc).read_bytes() == (made["AR-1"] / doc).read_bytes()
