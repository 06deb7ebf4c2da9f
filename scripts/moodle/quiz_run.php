<?php
// Builds the quiz of a Moodle XML export in a fresh course of a Moodle site,
// makes students' attempts through Moodle's own quiz and question engine, and
// downloads the quiz's responses report with Moodle's own report code: the
// check that an export, taken by students and read back by `grade`, holds
// together on a real Moodle (and the way the test fixtures of the responses
// report are made).
//
// Usage (on the Moodle server, as the user that runs Moodle's cron):
//   php quiz_run.php --moodle=MOODLE_DIR --xml=moodle.xml [--attempts=FILE.json] [--report=OUT.csv]
//                    [--course=SHORTNAME] [--identity=email,idnumber] [--cleanup]
//
// The quiz: one random slot drawing from the export's category
// "Versions: one per student", with the versions' mark, then every question of
// the category "Written answers: fixed" in a fixed slot with its own mark;
// the quiz's total is the assignment's points (no mark is typed by hand).
//
// FILE.json: {"students": [{"idnumber": "...", "email": "...", "firstname": "...",
//   "lastname": "...", "version": "<name of the version's question>",
//   "numbers": ["8", "17", ...] (one per box, in order),
//   "written": {"<written question's name>": "text", ...}}]}
// Each student is created, enrolled, given that version in the random slot
// (Moodle's "forced random question", as its own tests do) and answers; the
// attempt is submitted and graded by Moodle.
//
// Prints one JSON line: the course, the quiz's slots and marks, each attempt's
// marks per slot as Moodle graded them, the report's file. Exit 0 when all of
// it worked, 1 when Moodle refused something, 3 for a usage error.

define('CLI_SCRIPT', true);

$opts = ['moodle' => '', 'xml' => '', 'attempts' => '', 'report' => '', 'course' => '', 'identity' => '',
    'cleanup' => false];
foreach (array_slice($argv, 1) as $a) {
    if (!preg_match('/^--([a-z]+)(?:=(.*))?$/s', $a, $m) || !array_key_exists($m[1], $opts)) {
        fwrite(STDERR, "quiz_run.php: unexpected argument $a\n");
        exit(3);
    }
    $opts[$m[1]] = $m[2] ?? true;
}
if ($opts['moodle'] === '' || $opts['xml'] === '' || !is_readable($opts['xml'])) {
    fwrite(STDERR, "quiz_run.php: --moodle=DIR and a readable --xml=FILE are needed\n");
    exit(3);
}
$xmlfile = realpath($opts['xml']);
$attempts = ['students' => []];
if ($opts['attempts'] !== '') {
    $attempts = json_decode((string)file_get_contents($opts['attempts']), true);
    if (!is_array($attempts) || !isset($attempts['students'])) {
        fwrite(STDERR, "quiz_run.php: {$opts['attempts']} holds no {\"students\": [...]}\n");
        exit(3);
    }
}
$reportfile = $opts['report'] === '' ? '' : $opts['report'];

ob_start();
require(rtrim($opts['moodle'], '/') . '/config.php');
require_once($CFG->libdir . '/questionlib.php');
require_once($CFG->dirroot . '/question/format.php');
require_once($CFG->dirroot . '/question/format/xml/format.php');
require_once($CFG->dirroot . '/course/lib.php');
require_once($CFG->dirroot . '/mod/quiz/locallib.php');
require_once($CFG->dirroot . '/mod/quiz/report/reportlib.php');
require_once($CFG->dirroot . '/mod/quiz/report/responses/report.php');
require_once($CFG->libdir . '/testing/generator/lib.php');
ob_end_clean();

$result = ['ok' => false, 'moodle_release' => $CFG->release];
$GLOBALS['quizrun'] = ['result' => &$result, 'course' => null, 'cleanup' => (bool)$opts['cleanup'], 'report' => $reportfile,
    'identity' => null, 'done' => false];

/** At the end, however it comes (the report's download ends with exit()): the report's file, the JSON line, cleanup. */
function quizrun_finish(): void {
    global $DB;
    $state = &$GLOBALS['quizrun'];
    if ($state['report'] !== '' && isset($state['downloading'])) {
        $csv = '';
        while (ob_get_level() > 0) {
            $csv = ob_get_clean() . $csv;
        }
        file_put_contents($state['report'], $csv);
        $state['result']['report'] = ['file' => basename($state['report']), 'bytes' => strlen($csv),
            'lines' => substr_count($csv, "\n")];
        $state['result']['ok'] = $state['result']['ok_before_report'] ?? false;
    }
    unset($state['result']['ok_before_report']);
    if ($state['identity'] !== null) {
        set_config('showuseridentity', $state['identity']);
    }
    if ($state['cleanup'] && $state['course']) {
        ob_start();
        delete_course($state['course'], false);
        ob_end_clean();
        $state['result']['course']['deleted'] = true;
    }
    echo json_encode($state['result'], JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
}
register_shutdown_function('quizrun_finish');

try {
    \core\session\manager::set_user(get_admin());
    if ($opts['identity'] !== '') {
        $GLOBALS['quizrun']['identity'] = (string)get_config('core', 'showuseridentity');
        set_config('showuseridentity', $opts['identity']);
    }
    $shortname = $opts['course'] !== '' ? $opts['course'] : 'quizrun-' . time() . '-' . getmypid();
    if ($DB->record_exists('course', ['shortname' => $shortname])) {
        throw new moodle_exception('generalexceptionmessage', 'error', '', "course $shortname exists already");
    }
    ob_start();
    $course = create_course((object)['fullname' => 'Quiz run ' . $shortname, 'shortname' => $shortname,
        'category' => core_course_category::get_default()->id]);
    ob_end_clean();
    $GLOBALS['quizrun']['course'] = $course;
    $result['course'] = ['id' => (int)$course->id, 'shortname' => $shortname];
    $coursecontext = context_course::instance($course->id);

    // The import, as question/bank/importquestions/import.php does it.
    $contexts = new core_question\local\bank\question_edit_contexts($coursecontext);
    $qformat = new qformat_xml();
    $qformat->setCategory(question_make_default_categories($contexts->all()));
    $qformat->setContexts($contexts->having_one_edit_tab_cap('import'));
    $qformat->setCourse($course);
    $qformat->setFilename($xmlfile);
    $qformat->setRealfilename(basename($xmlfile));
    $qformat->setMatchgrades('error');
    $qformat->setCatfromfile(true);
    $qformat->setContextfromfile(true);
    $qformat->setStoponerror(true);
    $qformat->set_display_progress(false);
    $started = microtime(true);
    ob_start();
    $ok = $qformat->importpreprocess() && $qformat->importprocess() && $qformat->importpostprocess();
    $printed = ob_get_clean();
    $result['import'] = ['ok' => (bool)$ok, 'seconds' => round(microtime(true) - $started, 2),
        'questions' => count($qformat->questionids), 'errors' => (int)$qformat->importerrors];
    if (!$ok || $qformat->importerrors) {
        $result['import']['output'] = mb_substr(trim(strip_tags($printed)), 0, 2000);
        exit(1);
    }

    // The categories the export made, by name.
    [$insql, $params] = $DB->get_in_or_equal($qformat->questionids);
    $rows = $DB->get_records_sql("SELECT q.id, q.name, q.defaultmark, q.qtype, qc.id AS categoryid, qc.name AS category
                                    FROM {question} q
                                    JOIN {question_versions} qv ON qv.questionid = q.id
                                    JOIN {question_bank_entries} qbe ON qbe.id = qv.questionbankentryid
                                    JOIN {question_categories} qc ON qc.id = qbe.questioncategoryid
                                   WHERE q.id $insql AND q.parent = 0 ORDER BY q.id", $params);
    $versions = array_values(array_filter($rows, fn($r) => strpos($r->category, 'Versions: one per student') === 0));
    $written = array_values(array_filter($rows, fn($r) => $r->category === 'Written answers: fixed'));
    if (!$versions) {
        throw new moodle_exception('generalexceptionmessage', 'error', '', 'the export has no category "Versions: one per student"');
    }
    $marks = array_unique(array_map(fn($r) => (float)$r->defaultmark, $versions));
    if (count($marks) !== 1) {
        throw new moodle_exception('generalexceptionmessage', 'error', '', 'the versions carry different marks');
    }

    // The quiz: a random slot over the versions with their mark, the written answers fixed.
    $generator = new testing_data_generator();
    $quiz = $generator->create_module('quiz', ['course' => $course->id, 'name' => 'Assignment',
        'questionsperpage' => 0, 'preferredbehaviour' => 'deferredfeedback', 'grade' => 100]);
    $quizsettings = mod_quiz\quiz_settings::create($quiz->id);
    $structure = mod_quiz\structure::create_for_quiz($quizsettings);
    $structure->add_random_questions(1, 1, ['filter' => ['category' => [
        'jointype' => \qbank_managecategories\category_condition::JOINTYPE_DEFAULT,
        'values' => [(int)$versions[0]->categoryid], 'filteroptions' => ['includesubcategories' => false]]]]);
    $structure = mod_quiz\structure::create_for_quiz(mod_quiz\quiz_settings::create($quiz->id));
    $structure->update_slot_maxmark($structure->get_slot_by_number(1), reset($marks));
    foreach ($written as $w) {
        quiz_add_quiz_question($w->id, $quiz, 1, (float)$w->defaultmark);
    }
    $quizsettings = mod_quiz\quiz_settings::create($quiz->id);
    quiz_update_sumgrades($quizsettings->get_quiz());
    $quiz = $DB->get_record('quiz', ['id' => $quiz->id]);
    $DB->set_field('quiz', 'grade', $quiz->sumgrades, ['id' => $quiz->id]);  // the quiz's grade is its points
    $quiz = $DB->get_record('quiz', ['id' => $quiz->id]);
    $cm = get_coursemodule_from_instance('quiz', $quiz->id, $course->id);
    $slots = $DB->get_records('quiz_slots', ['quizid' => $quiz->id], 'slot');
    $result['quiz'] = ['id' => (int)$quiz->id, 'sumgrades' => (float)$quiz->sumgrades, 'grade' => (float)$quiz->grade,
        'slots' => array_values(array_map(fn($s) => ['slot' => (int)$s->slot, 'maxmark' => (float)$s->maxmark], $slots)),
        'versions' => count($versions), 'written' => array_map(fn($w) => $w->name, $written)];

    // The students' attempts, through the quiz's own attempt API.
    $byname = [];
    foreach ($versions as $v) {
        $byname[$v->name] = $v;
    }
    $quizgen = $generator->get_plugin_generator('mod_quiz');
    $result['attempts'] = [];
    foreach ($attempts['students'] as $k => $s) {
        if (!isset($byname[$s['version'] ?? ''])) {
            throw new moodle_exception('generalexceptionmessage', 'error', '', "student $k: no version question " .
                json_encode($s['version'] ?? null));
        }
        $user = $generator->create_user(['idnumber' => $s['idnumber'] ?? '', 'email' => $s['email'],
            'firstname' => $s['firstname'], 'lastname' => $s['lastname']]);
        $generator->enrol_user($user->id, $course->id, 'student');
        \core\session\manager::set_user($user);
        $attempt = $quizgen->create_attempt($quiz->id, $user->id, [1 => (int)$byname[$s['version']]->id]);
        $attemptobj = mod_quiz\quiz_attempt::create($attempt->id);
        $responses = [];
        foreach ($attemptobj->get_slots() as $slot) {
            $qa = $attemptobj->get_question_attempt($slot);
            $question = $qa->get_question();
            if ($question->get_type_name() === 'multianswer') {
                $subs = [];
                foreach ($s['numbers'] as $i => $value) {
                    $subs[$i + 1] = ['answer' => (string)$value];
                }
                $responses[$slot] = $subs;
            } else if ($question->get_type_name() === 'essay' && isset($s['written'][$question->name])) {
                $responses[$slot] = ['answer' => (string)$s['written'][$question->name], 'answerformat' => FORMAT_HTML];
            }
        }
        $attemptobj->process_submitted_actions(time(), false, $responses);
        $attemptobj->process_finish(time(), false);
        $attemptobj = mod_quiz\quiz_attempt::create($attempt->id);
        $perslot = [];
        foreach ($attemptobj->get_slots() as $slot) {
            $qa = $attemptobj->get_question_attempt($slot);
            $perslot[] = ['slot' => $slot, 'question' => $qa->get_question()->name, 'mark' => $qa->get_mark(),
                'maxmark' => $qa->get_max_mark(), 'state' => (string)$qa->get_state()->get_state_class(true),
                'summary' => $qa->get_response_summary()];
        }
        $result['attempts'][] = ['email' => $s['email'], 'state' => $attemptobj->get_state(),
            'sumgrades' => (float)$attemptobj->get_sum_marks(), 'slots' => $perslot];
    }
    \core\session\manager::set_user(get_admin());

    // The responses report, downloaded as CSV with Moodle's own report code (question text and responses).
    $result['ok_before_report'] = true;
    if ($reportfile !== '') {
        $_GET = ['download' => 'csv', 'qtext' => 1, 'resp' => 1, 'right' => 0, 'attempts' => 'enrolled_with',
            'whichtries' => 'lasttry'];
        $report = new quiz_responses_report();
        $GLOBALS['quizrun']['downloading'] = true;
        ob_start();
        $report->display($quiz, $cm, $course);  // ends with exit() once the file is written
        $GLOBALS['quizrun']['result']['report_error'] = 'the report returned without downloading';
    }
    $result['ok'] = true;
    unset($result['ok_before_report']);
} catch (Throwable $e) {
    while (ob_get_level() > 0) {
        ob_end_clean();
    }
    unset($GLOBALS['quizrun']['downloading']);
    $result['ok'] = false;
    $result['exception'] = get_class($e) . ': ' . $e->getMessage() . ' at ' . basename($e->getFile()) . ':' . $e->getLine();
    if (property_exists($e, 'debuginfo') && $e->debuginfo) {
        $result['exception'] .= ' (' . mb_substr((string)$e->debuginfo, 0, 500) . ')';
    }
    exit(1);
}
