<?php
// Imports a gradebook file of the grader (grading/gradebook-moodle.csv) into a
// real Moodle with Moodle's own CSV grade import (grade/import/csv: the
// classes behind Grades > Import > CSV file), then reads the grades back.
//
// Usage (Moodle CLI, as the web server's user):
//   php gradebook_import.php --moodle=MOODLE_DIR [--course=SHORTNAME] FILE.csv
//
// It creates the course SHORTNAME (default nnps-gradebook-<time>), a user per
// row with the row's ID number (unless one has it already), enrols them as
// students, creates a grade
// item named after the file's third column (grademax 100), uploads the file
// as the import form does (UTF-8, comma), maps "ID number" to the user field
// ID number and the grade column to that grade item, runs
// gradeimport_csv_load_data::prepare_import_grade_data and
// grade_import_commit, and prints one JSON line: the import's status and
// errors and, per ID number, the grade in the file and the grade Moodle
// stored. Exit 0 when every grade landed on its user unchanged.

define('CLI_SCRIPT', true);

$opts = ['moodle' => null, 'course' => null];
$file = null;
foreach (array_slice($argv, 1) as $a) {
    if (preg_match('/^--(moodle|course)=(.*)$/s', $a, $m)) {
        $opts[$m[1]] = $m[2];
    } else if ($file === null) {
        $file = $a;
    } else {
        fwrite(STDERR, "gradebook_import.php: unexpected argument $a\n");
        exit(3);
    }
}
if ($opts['moodle'] === null || $file === null || !is_readable($file)) {
    fwrite(STDERR, "usage: php gradebook_import.php --moodle=MOODLE_DIR [--course=SHORTNAME] FILE.csv\n");
    exit(3);
}
require($opts['moodle'] . '/config.php');
require_once($CFG->libdir . '/gradelib.php');
require_once($CFG->libdir . '/csvlib.class.php');
require_once($CFG->libdir . '/enrollib.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/user/lib.php');
require_once($CFG->dirroot . '/grade/lib.php');
require_once($CFG->dirroot . '/grade/import/lib.php');

\core\session\manager::set_user(get_admin());
$text = file_get_contents($file);

// The file as Moodle's import form reads it (encoding UTF-8, separator comma, 10 preview rows).
$loader = new gradeimport_csv_load_data();
$loader->load_csv_content($text, 'UTF-8', 'comma', 10);
if ($loader->get_error()) {
    echo json_encode(['ok' => false, 'error' => (string)$loader->get_error()]) . "\n";
    exit(1);
}
$iid = $loader->get_iid();
$csvimport = new csv_import_reader($iid, 'grade');
$header = $csvimport->get_columns();
$idcol = array_search('ID number', $header);
if ($idcol === false || count($header) < 3) {
    echo json_encode(['ok' => false, 'error' => 'no "ID number" column and grade column', 'header' => $header]) . "\n";
    exit(1);
}
$gradecol = 2;

// The course, its students (one per row, with the row's ID number) and the grade item.
$shortname = $opts['course'] ?: ('nnps-gradebook-' . time() . '-' . getmypid());
$course = $DB->get_record('course', ['shortname' => $shortname]);
if (!$course) {
    $course = create_course((object)['fullname' => 'Gradebook import ' . $shortname, 'shortname' => $shortname,
        'category' => $DB->get_field_select('course_categories', 'MIN(id)', '1=1')]);
}
$studentrole = $DB->get_field('role', 'id', ['shortname' => 'student']);
$rows = [];
$csvimport->init();
while ($line = $csvimport->next()) {
    $rows[] = $line;
}
$expected = [];
foreach ($rows as $k => $line) {
    $idnumber = $line[$idcol];
    $username = 'nnps' . substr(sha1($idnumber), 0, 16);
    // ID numbers are unique on a site: a user who has this one already is that student
    $user = $DB->get_record('user', ['idnumber' => $idnumber, 'deleted' => 0]);
    if (!$user) {
        $uid = user_create_user((object)['username' => $username, 'password' => 'Nnps-' . sha1($username) . '!',
            'firstname' => 'Student', 'lastname' => 'Row ' . ($k + 2), 'email' => $username . '@example.invalid',
            'idnumber' => $idnumber, 'auth' => 'manual', 'confirmed' => 1, 'mnethostid' => $CFG->mnet_localhost_id], false, false);
        $user = $DB->get_record('user', ['id' => $uid]);
    }
    enrol_try_internal_enrol($course->id, $user->id, $studentrole);
    $expected[$idnumber] = ['userid' => (int)$user->id, 'file' => $line[$gradecol]];
}
$item = new grade_item(['courseid' => $course->id, 'itemtype' => 'manual', 'itemname' => $header[$gradecol],
    'grademax' => 100, 'grademin' => 0, 'gradetype' => GRADE_TYPE_VALUE], false);
$item->insert('manual');

// The mapping form's data: ID number identifies the user, the grade column goes to the item.
$formdata = (object)['mapfrom' => $idcol, 'mapto' => 'useridnumber', 'map' => 1, 'id' => $course->id,
    'iid' => $iid, 'importcode' => get_new_importcode(), 'forceimport' => false];
foreach ($header as $i => $h) {
    $formdata->{'mapping_' . $i} = 0;
}
$formdata->{'mapping_' . $gradecol} = $item->id;
$import = new gradeimport_csv_load_data();
$status = $import->prepare_import_grade_data($header, $formdata, $csvimport, $course->id, '', '', 0);
$committed = $status ? grade_import_commit($course->id, $formdata->importcode, false, false) : false;

// The grades as Moodle stored them.
$stored = [];
foreach ($expected as $idnumber => $e) {
    $g = grade_grade::fetch(['itemid' => $item->id, 'userid' => $e['userid']]);
    $stored[$idnumber] = ['file' => $e['file'], 'moodle' => ($g && $g->finalgrade !== null) ? (float)$g->finalgrade : null];
}
$landed = 0;
foreach ($stored as $s) {
    if ($s['moodle'] !== null && abs($s['moodle'] - (float)$s['file']) < 1e-5) {
        $landed++;
    }
}
$ok = $status && $committed && $landed === count($stored);
echo json_encode(['ok' => $ok, 'course' => $shortname, 'grade_item' => $header[$gradecol], 'rows' => count($rows),
    'status' => $status, 'committed' => (bool)$committed, 'errors' => $import->get_gradebookerrors(),
    'landed' => $landed, 'grades' => $stored], JSON_UNESCAPED_UNICODE) . "\n";
exit($ok ? 0 : 1);
