#!/bin/sh
# Remakes the LMS fixtures of tests/test_grade_lms.py (tests/data/lms/) on a
# Moodle site: a class of three students (seed 2301), its Moodle and Canvas
# exports, the students' attempts (make_attempts.py), the quiz built and
# attempted on the Moodle site with Moodle's own quiz and question engine and
# its responses report downloaded with Moodle's own report code
# (quiz_run.php), and Canvas's Student Analysis of the same attempts written
# to Canvas's columns (canvas_student_analysis.py; Canvas itself cannot run
# here).
#
#   MOODLE=/path/to/moodle sh scripts/moodle/make_fixtures.sh
set -eu
: "${MOODLE:?set MOODLE to the folder of the Moodle site (holding config.php)}"
here=$(cd "$(dirname "$0")/../.." && pwd)
py="$here/.venv/bin/python"
out="$here/tests/data/lms"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$out/roster.csv" "$work/roster.csv"
(cd "$here" && "$py" -m generator --seed 2301 --roster "$work/roster.csv" --no-pdf --quiet \
    --export moodle --export canvas --out "$work" >/dev/null)
class="$work/class-2301"
"$py" "$here/scripts/moodle/make_attempts.py" "$class" "$work/roster.csv" > "$out/attempts.json"
php "$here/scripts/moodle/quiz_run.php" --moodle="$MOODLE" --xml="$class/moodle.xml" --attempts="$out/attempts.json" \
    --report="$out/moodle-responses.csv" --identity=idnumber,email --cleanup > "$out/moodle-run.json"
"$py" "$here/scripts/canvas_student_analysis.py" "$class/canvas-qti.zip" "$out/attempts.json" \
    > "$out/canvas-student-analysis.csv"
rm -rf "$out/class"
mkdir -p "$out/class"
cp "$class/manifest.json" "$out/class/"
for s in "$class"/*/answers.json; do
    d="$out/class/$(basename "$(dirname "$s")")"
    mkdir -p "$d"
    cp "$s" "$d/"
done
"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['ok'] else 1)" "$out/moodle-run.json"
echo "fixtures written to $out"
