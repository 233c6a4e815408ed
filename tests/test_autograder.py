"""The Gradescope autograder (lab.autograder, lab.points), in a simulated /autograder root.

The zip is built once per module and unpacked to ROOT/source; setup.sh's CSV step runs once
there (not its pip installs). Each grade runs the zip's run_autograder with bash, `python3`
standing for this interpreter, AUTOGRADER_ROOT a folder of its own whose source is the
shared one. Grades run two at a time; a hang costs no CPU and runs alongside. Every
results.json is checked against Gradescope's fields. The points and results' rules are
tested on made-up outcomes, without a grade.
"""
import concurrent.futures
import contextlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path
from unittest import mock

from lab import autograder, grade, points, surface
from tests import ROOT, find_python, full_only, needs_mnist, write_course_configs

VISIBILITIES = {'hidden', 'after_due_date', 'after_published', 'visible'}
FULL_MARKS = sum(points.SECTIONS.values())
SCRATCH = {}      # 'root': the module's folder, holding source/ (the unpacked zip)


def setUpModule():
    needs_mnist()
    scratch = Path(tempfile.mkdtemp(prefix='hw1-test-autograder-'))
    SCRATCH['root'] = scratch
    SCRATCH['built'] = autograder.build(scratch / 'autograder.zip')
    with zipfile.ZipFile(scratch / 'autograder.zip') as zipped:
        zipped.extractall(scratch / 'source')
    # setup.sh's last step, as setup.sh runs it: in source, with the zip's own code.
    subprocess.run([sys.executable, '-m', 'lab.autograder', 'data'], cwd=scratch / 'source',
                   check=True, capture_output=True)
    bin_dir = scratch / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'python3').write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    (bin_dir / 'python3').chmod(0o755)


def tearDownModule():
    shutil.rmtree(SCRATCH.pop('root'), ignore_errors=True)


# ---------------------------------------------------------------------------
# Submissions, grades and what results.json must hold
# ---------------------------------------------------------------------------

def submission(name, edits=(), strip=False, layout=''):
    """A submission folder of the project's graded files (the course's configs), in a root
    of its own: strip makes it the student release, edits are (file, old, new) replacements
    (after the strip), layout a folder the files sit in. Returns the root."""
    root = SCRATCH['root'] / 'runs' / name
    folder = root / 'submission' / layout
    for part in ('models', 'optimizer'):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copy(ROOT / 'utils.py', folder / 'utils.py')
    write_course_configs(folder)
    if strip:
        for file in surface.FILES:
            (folder / file).write_text(surface.strip((folder / file).read_text(), file))
    for file, old, new in edits:
        source = (folder / file).read_text()
        assert old in source, (file, old)
        (folder / file).write_text(source.replace(old, new, 1))
    (root / 'source').symlink_to(SCRATCH['root'] / 'source')
    return root


def run_autograder(root, *args, python_dir=None):
    """Run the zip's run_autograder for root (AUTOGRADER_ROOT); return results.json's content."""
    env = dict(os.environ, AUTOGRADER_ROOT=str(root),
               PATH=f"{python_dir or SCRATCH['root'] / 'bin'}{os.pathsep}{os.environ['PATH']}")
    subprocess.run(['bash', str(root / 'source' / 'run_autograder'), *args], env=env,
                   stdin=subprocess.DEVNULL, capture_output=True, check=True)
    return json.loads((root / 'results' / 'results.json').read_text())


def grade_all(runs):
    """{name: results} for {name: (submission root, run_autograder's arguments)}: two at a
    time, and the runs given --grade-seconds (hangs, costing no CPU) in a thread of their own."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool, \
            concurrent.futures.ThreadPoolExecutor(1) as waits:
        futures = {name: (waits if args else pool).submit(run_autograder, root, *args)
                   for name, (root, args) in runs.items()}
        return {name: future.result() for name, future in futures.items()}


def problems_with(results):
    """What makes results not a valid results.json for Gradescope, one line each."""
    found = []
    number = (int, float)

    def check(where, value, kind):
        if not isinstance(value, kind) or isinstance(value, bool) or (
                isinstance(value, float) and not math.isfinite(value)):
            found.append(f'{where} is {value!r}')
    check('score', results.get('score'), number)
    check('output', results.get('output'), str)
    if not isinstance(results.get('tests'), list):
        return found + ['tests is not a list']
    for index, test in enumerate(results['tests']):
        for key, kind in (('name', str), ('score', number), ('max_score', number),
                          ('output', str), ('visibility', str)):
            check(f'tests[{index}].{key}', test.get(key), kind)
        if test.get('visibility') not in VISIBILITIES:
            found.append(f"tests[{index}].visibility is {test.get('visibility')!r}")
        if not found and (test['score'] > test['max_score'] or test['max_score'] < 0):
            found.append(f"tests[{index}] scores {test['score']} of {test['max_score']}")
    if not found and not 0 <= results['score'] <= FULL_MARKS:
        found.append(f"score {results['score']} is outside 0..{FULL_MARKS}")
    return found


def sections(results):
    """{section: (score, max)} over every test row (public and private), rules left out."""
    totals = {section: [0.0, 0.0] for section in points.SECTIONS}
    for test in results['tests']:
        if not test['name'].startswith('Rule:'):
            section = points.CLASSES.get(test['name'].split('.')[-2])
            if section is not None:
                totals[section][0] += test['score']
                totals[section][1] += test['max_score']
    return {section: (round(score, 6), round(most, 6)) for section, (score, most)
            in totals.items()}


def rule(results, start):
    """The rule row whose name starts with start."""
    return next(test for test in results['tests'] if test['name'].startswith(start))


class GradedTestCase(unittest.TestCase):
    def assert_valid(self, results):
        self.assertEqual(problems_with(json.loads(json.dumps(results))), [], results)

    def assert_loses_only_in(self, results, section):
        self.assert_valid(results)
        scores = sections(results)
        for name, (score, most) in scores.items():
            if name == section:
                self.assertLess(score, most, f'{section} lost nothing: {results["output"]}')
            else:
                self.assertEqual(score, most, f'{name} lost points: {results["output"]}')
        self.assertAlmostEqual(results['score'], sum(score for score, _ in scores.values()))


# The faults: (section that must lose points, [(file, old, new)]).
FAULTS = {
    'biases_regularized': ('optimizer', [(
        'optimizer/_base_optimizer.py',
        "            if name.startswith('W'):\n                model.gradients[name] += "
        'self.reg * weight', '            model.gradients[name] += self.reg * weight')]),
    'softmax_without_the_max_shift': ('utility functions', [(
        'models/_base_network.py',
        'exp = np.exp(scores - np.max(scores, axis=1, keepdims=True))',
        'exp = np.exp(scores)')]),
    'transposed_gradient': ('models', [(
        'models/softmax_regression.py', "self.gradients['W1'] = X.T @ dz",
        "self.gradients['W1'] = dz.T @ X")]),
    'validation_split_from_the_wrong_end': ('data loading', [(
        'utils.py', 'return images[:cut], labels[:cut], images[cut:], labels[cut:]',
        'held = len(images) - cut\n'
        '    return images[held:], labels[held:], images[:held], labels[:held]')]),
    'sigmoid_derivative_with_plus_in_the_backward_pass': ('models', [(
        'models/two_layer_nn.py', 'dz1 = da1 * (a1 * (1.0 - a1))',
        'dz1 = da1 * (a1 * (1.0 + a1))')]),
    'sigmoid_dev_at_the_activation': ('utility functions', [(
        'models/_base_network.py', 's = self.sigmoid(x)\n        return s * (1.0 - s)',
        'return x * (1.0 - x)')]),
    'last_batch_dropped': ('data loading', [(
        'utils.py', 'range(0, len(X), batch_size)',
        'range(0, len(X) - batch_size + 1, batch_size)')]),
    'sgd_leaves_the_biases': ('optimizer', [(
        'optimizer/sgd.py', '            weight -= self.learning_rate * model.gradients[name]',
        "            if name.startswith('W'):\n"
        '                weight -= self.learning_rate * model.gradients[name]')]),
}
DEFAULT_FAULT = 'biases_regularized'
# Faults only a private module catches (the public tests pass them; the issue measured it).
CAUGHT_BY = {'sigmoid_derivative_with_plus_in_the_backward_pass':
             'tests.private.test_private_models'}
# utils.py waiting forever at import, costing no CPU.
HANG = 'import threading\nthreading.Event().wait()\n'


class TestGrades(GradedTestCase):
    """Our solution, the student release, one fault, a submission that prints and imports os
    (the release with a print in a stub: quick), one that hangs: each graded once by
    run_autograder."""

    @classmethod
    def setUpClass(cls):
        hang = submission('hangs')
        (hang / 'submission' / 'utils.py').write_text(
            HANG + (hang / 'submission' / 'utils.py').read_text())
        cls.results = grade_all({
            'solution': (submission('solution'), ()),
            'release': (submission('release', strip=True), ()),
            'fault': (submission('fault', FAULTS[DEFAULT_FAULT][1]), ()),
            'prints-and-imports-os': (submission('prints-and-imports-os', strip=True, edits=[
                ('utils.py', 'import random\n', 'import os\nimport random\n'),
                ('models/_base_network.py', '        # TODO (handout 2.1 (b)): Turn each row',
                 "        print('softmax', scores.shape)\n"
                 '        # TODO (handout 2.1 (b)): Turn each row')]), ()),
            'hangs': (hang, ('--module-seconds', '3', '--grade-seconds', '5')),
        })

    def test_every_results_json_is_valid(self):
        for name, results in self.results.items():
            with self.subTest(name):
                self.assert_valid(results)

    def test_our_solution_scores_14_of_14(self):
        results = self.results['solution']
        self.assertEqual(results['score'], FULL_MARKS, results['output'])
        self.assertNotIn('Total', results['output'])    # it would tell of the private tests
        self.assertIn('your total shows when grades are published', results['output'])
        self.assertTrue(all(test['score'] == test['max_score'] for test in results['tests']))
        self.assertIn('Rules: all kept.', results['output'])

    def test_the_student_release_scores_0_of_14_and_keeps_every_rule(self):
        results = self.results['release']
        self.assertEqual(results['score'], 0, results['output'])
        self.assertEqual({score for score, _ in sections(results).values()}, {0})
        self.assertIn('Rules: all kept.', results['output'])   # the stubs import, silently

    def test_regularized_biases_lose_points_in_optimizer_only(self):
        self.assert_loses_only_in(self.results['fault'], FAULTS[DEFAULT_FAULT][0])

    def test_a_submission_that_prints_scores_0_saying_so(self):
        results = self.results['prints-and-imports-os']
        self.assertEqual(results['score'], 0)
        printing = rule(results, 'Rule: your code prints nothing')
        self.assertEqual(printing['visibility'], 'visible')
        self.assertIn("printed 'softmax", printing['output'])
        self.assertIn('a rule of the handout sets it to 0', results['output'])

    def test_an_import_of_os_is_a_visible_rule_worth_0_points(self):
        imports = rule(self.results['prints-and-imports-os'], 'Rule: the graded files import')
        self.assertEqual((imports['score'], imports['max_score'], imports['visibility']),
                         (0, 0, 'visible'))
        self.assertIn('utils.py imports os', imports['output'])

    def test_a_submission_that_hangs_scores_0_saying_where(self):
        results = self.results['hangs']
        self.assertEqual(results['score'], 0)
        runs = rule(results, 'Rule: your code runs')
        self.assertIn(f'{autograder.IMPORT_CHECK} did not finish within', runs['output'])
        self.assertIn(f'(in {autograder.IMPORT_CHECK}.TestGradedFilesImport.test_utils_imports)',
                      runs['output'])
        self.assertIn("tests.test_training was not run: the grade's limit of 5 s was used up",
                      runs['output'])


@full_only('the other seeded faults, a grade each; test_autograder.TestGrades.'
           'test_regularized_biases_lose_points_in_optimizer_only runs one by default')
class TestMoreFaults(GradedTestCase):
    @classmethod
    def setUpClass(cls):
        cls.results = grade_all({name: (submission(name, edits), ())
                                 for name, (_, edits) in FAULTS.items()
                                 if name != DEFAULT_FAULT})

    def test_each_fault_loses_points_only_in_its_section(self):
        present, _ = autograder.private_modules()
        for name, results in self.results.items():
            with self.subTest(name):
                needed = CAUGHT_BY.get(name)
                if needed is not None and needed not in present:
                    self.skipTest(f'{name} is caught by {needed}, not here yet')
                self.assert_loses_only_in(results, FAULTS[name][0])


@full_only('the solution zipped inside one folder, a grade; '
           'test_autograder.TestCopySubmission.test_files_inside_one_folder_are_graded_from_there '
           'covers the copy')
class TestOneFolderSubmission(GradedTestCase):
    def test_files_inside_one_folder_score_14_of_14(self):
        results = run_autograder(submission('one-folder', layout='hw1'))
        self.assert_valid(results)
        self.assertEqual(results['score'], FULL_MARKS, results['output'])
        self.assertIn('Your files sat in the folder hw1/', results['output'])


@full_only("Gradescope's default Python (3.10) in a venv with setup.sh's pins from the "
           "index, setup's CSV step and a grade; test_autograder.TestGrades covers the grade")
class TestOnGradescopesPython(GradedTestCase):
    def test_setup_sh_s_pins_install_and_grade_the_solution_14_of_14_on_python_3_10(self):
        python = find_python('3.10')
        if python is None:
            self.skipTest('Python 3.10 is not installed on this machine')
        scratch = SCRATCH['root'] / 'python-3.10'
        venv = scratch / 'venv'
        pins = [f'{name}=={version}' for name, version in autograder.PINS.items()]
        for command in ([python, '-m', 'venv', str(venv)],
                        [str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '--quiet',
                         '--disable-pip-version-check', *pins]):
            done = subprocess.run(command, capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        root = submission('python-3.10')
        (root / 'source').unlink()       # a source of its own, its CSVs written by this Python
        with zipfile.ZipFile(SCRATCH['root'] / 'autograder.zip') as zipped:
            zipped.extractall(root / 'source')
        subprocess.run([str(venv / 'bin' / 'python'), '-m', 'lab.autograder', 'data'],
                       cwd=root / 'source', check=True, capture_output=True)
        bin_dir = scratch / 'bin'
        bin_dir.mkdir()
        (bin_dir / 'python3').write_text(f"#!/bin/sh\nexec {venv / 'bin' / 'python'} \"$@\"\n")
        (bin_dir / 'python3').chmod(0o755)
        results = run_autograder(root, python_dir=bin_dir)
        self.assert_valid(results)
        self.assertEqual(results['score'], FULL_MARKS, results['output'])


class TestWhenPythonFails(GradedTestCase):
    def test_a_python_that_cannot_start_still_leaves_a_valid_results_json(self):
        broken = SCRATCH['root'] / 'broken-bin'
        broken.mkdir(exist_ok=True)
        (broken / 'python3').write_text('#!/bin/sh\nexit 3\n')
        (broken / 'python3').chmod(0o755)
        results = run_autograder(submission('no-python'), python_dir=broken)
        self.assert_valid(results)
        self.assertIn('could not start (exit code 3)', results['output'])

    def test_an_unexpected_error_still_writes_a_valid_results_json_saying_so(self):
        root = SCRATCH['root'] / 'runs' / 'unexpected'
        (root / 'submission').mkdir(parents=True)
        with mock.patch.object(autograder, 'read_manifest', return_value=(LISTED, [])), \
                mock.patch.object(autograder, 'run', side_effect=KeyError('boom')), \
                contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            autograder.grade_main(root, None, autograder.GRADE_SECONDS)
        results = json.loads((root / 'results' / 'results.json').read_text())
        self.assert_valid(results)
        self.assertIn('The autograder hit an unexpected error', results['output'])
        self.assertIn("KeyError: 'boom'", results['output'])


# ---------------------------------------------------------------------------
# The zip, setup.sh, the points table
# ---------------------------------------------------------------------------

class TestZip(unittest.TestCase):
    def test_setup_sh_and_run_autograder_sit_at_the_root_with_what_grading_needs(self):
        with zipfile.ZipFile(SCRATCH['root'] / 'autograder.zip') as zipped:
            names = set(zipped.namelist())
            modes = {info.filename: info.external_attr >> 16 for info in zipped.infolist()}
        self.assertLessEqual({'setup.sh', 'run_autograder', 'data/mnist.npz', 'utils.py',
                              'tests/__init__.py', autograder.MANIFEST, *autograder.ENGINE,
                              *(grade.module_file(m) for m in grade.COURSE_TESTS)}, names)
        self.assertTrue(modes['run_autograder'] & 0o111 and modes['setup.sh'] & 0o111)
        self.assertFalse([name for name in names if name.startswith(('models/', 'optimizer/'))])

    def test_no_solution_line_is_in_the_zip_for_submitted_code_to_read(self):
        # Submitted code can open any file of Gradescope's image, /autograder/source too.
        with zipfile.ZipFile(SCRATCH['root'] / 'autograder.zip') as zipped:
            texts = [zipped.read(name).decode('utf-8', 'replace') for name in zipped.namelist()
                     if name.endswith('.py')]
        for file in surface.FILES:
            solution = (ROOT / file).read_text(encoding='utf-8')
            for line in surface.solution_lines(solution, file):
                if len(line.strip()) > 30:      # a distinctive line, not 'else:' or ')'
                    with self.subTest(file=file, line=line.strip()):
                        self.assertFalse([text for text in texts if line in text])

    def test_setup_sh_is_valid_bash_and_pins_every_package(self):
        for script in ('setup.sh', 'run_autograder'):
            checked = subprocess.run(['bash', '-n', str(SCRATCH['root'] / 'source' / script)],
                                     capture_output=True, text=True)
            self.assertEqual(checked.returncode, 0, checked.stderr)
        setup = (SCRATCH['root'] / 'source' / 'setup.sh').read_text()
        installs = re.findall(r'^python3 -m pip install (.*)$', setup, re.MULTILINE)
        self.assertEqual(len(installs), 1, setup)
        packages = [word for word in installs[0].split() if not word.startswith('-')]
        self.assertEqual({package.split('==')[0] for package in packages},
                         {'numpy', 'matplotlib', 'PyYAML'})
        for package in packages:
            self.assertRegex(package, r'^[A-Za-z]+==\d+(\.\d+)+$')
        self.assertIn('python3 -m lab.autograder data', setup)

    def test_a_folder_or_a_missing_folder_is_refused_saying_what_to_give(self):
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaisesRegex(autograder.BuildError, 'is a folder: give the zip'):
                autograder.build(Path(tmp))
            with self.assertRaisesRegex(autograder.BuildError, r'does not exist: make it first'):
                autograder.build(Path(tmp) / 'nowhere' / 'autograder.zip')
            self.assertEqual(os.listdir(tmp), [])

    def test_missing_data_is_refused_saying_how_to_restore_it(self):
        with tempfile.TemporaryDirectory() as tmp, \
                mock.patch.object(autograder, 'BUNDLE', 'data/no-such-bundle.npz'):
            with self.assertRaisesRegex(autograder.BuildError, 'is missing: restore it'):
                autograder.build(Path(tmp) / 'autograder.zip')
            self.assertEqual(os.listdir(tmp), [])


class TestPoints(unittest.TestCase):
    def test_every_test_class_of_the_public_and_private_modules_is_in_the_table(self):
        present, _ = autograder.private_modules()
        for module in [*points.PUBLIC_TESTS, *present]:
            for test_id in autograder.test_ids(module):
                self.assertIn(test_id.split('.')[-2], points.CLASSES, test_id)

    def test_a_full_pass_scores_exactly_14_and_each_section_its_points(self):
        listed, passes = autograder.read_manifest(SCRATCH['root'] / 'source')
        ids = autograder.every_id(listed)
        scores = points.max_scores(ids, passes)
        self.assertEqual(round(sum(scores.values()), 9), FULL_MARKS)
        for section, total in points.SECTIONS.items():
            self.assertEqual(round(sum(score for test_id, score in scores.items()
                                       if points.section_of(test_id) == section), 9), total)
        self.assertEqual(len(ids), SCRATCH['built'].tests)

    def test_tests_the_student_release_passes_score_nothing(self):
        listed, passes = autograder.read_manifest(SCRATCH['root'] / 'source')
        # The stubs change no input: the tests that say so pass on them.
        self.assertIn('tests.test_loss.TestSoftmax.test_softmax_does_not_modify_its_input',
                      passes)
        self.assertNotIn('tests.test_loss.TestSoftmax.test_softmax_matches_hand_values', passes)
        scores = points.max_scores(autograder.every_id(listed), passes)
        self.assertEqual({scores[test_id] for test_id in passes}, {0})
        self.assertGreater(scores['tests.test_loss.TestSoftmax.test_softmax_matches_hand_values'],
                           0)

    def test_the_stubs_pass_few_of_the_scored_tests_so_points_measure_what_students_write(self):
        # The release's 0/14 follows from the rule above; what makes it mean something is
        # that most scored tests fail on the stubs, in every section.
        listed, passes = autograder.read_manifest(SCRATCH['root'] / 'source')
        scored = [test_id for test_id in autograder.every_id(listed)
                  if points.section_of(test_id)]
        passing = [test_id for test_id in scored if test_id in passes]
        self.assertLess(len(passing), len(scored) / 4, passing)
        for section in points.SECTIONS:
            with self.subTest(section):
                failing = [test_id for test_id in scored if test_id not in passes
                           and points.section_of(test_id) == section]
                self.assertGreaterEqual(len(failing), 5)

    def test_what_the_skeleton_gives_and_plot_curves_score_nothing(self):
        for name in ('TestLoadCsv', 'TestSoftmaxRegressionInit', 'TestTwoLayerNetInit',
                     'TestTrainAndEvaluate', 'TestPlotCurves', 'TestPlotCurvesHeadless'):
            self.assertIsNone(points.CLASSES[name], name)

    def test_a_test_class_missing_from_the_table_stops_the_build(self):
        classes = {name: section for name, section in points.CLASSES.items()
                   if name != 'TestSoftmax'}
        with mock.patch.object(points, 'CLASSES', classes):
            with self.assertRaisesRegex(autograder.BuildError, r'tests\.test_loss\.TestSoftmax'):
                autograder.manifest(('tests.test_loss',))


# ---------------------------------------------------------------------------
# results.json from made-up outcomes; the copy of a submission
# ---------------------------------------------------------------------------

# One test per section and one of 0 points; the models' test is private.
LISTED = {'public': {'tests.test_loading': ['tests.test_loading.TestLoadMnist.test_a',
                                            'tests.test_loading.TestLoadCsv.test_b'],
                     'tests.test_loss': ['tests.test_loss.TestSoftmax.test_c',
                                         'tests.test_loss.TestSoftmax.test_f'],
                     'tests.test_training': ['tests.test_training.TestSGD.test_d']},
          'private': {'tests.private.test_private_models': [
              'tests.private.test_private_models.TestForwardOnOtherShapes.test_e']}}
EVERY_ID = [test_id for kind in LISTED.values() for ids in kind.values() for test_id in ids]


def outcome(failed=(), problems=(), missing=(), absent=()):
    """An Outcome where every test of LISTED passed but failed, and absent did not run."""
    records = [{'test': test_id, 'outcome': 'FAIL' if test_id in failed else 'pass',
                'seconds': 0.1, 'printed': '', 'detail': 'AssertionError: no'
                if test_id in failed else ''} for test_id in EVERY_ID if test_id not in absent]
    return autograder.Outcome(records, list(problems), list(missing),
                              autograder.Copied([], []))


class TestResults(GradedTestCase):
    def row(self, results, name):
        return next(test for test in results['tests'] if test['name'] == name)

    def test_private_tests_are_hidden_until_published_and_public_ones_visible(self):
        results = autograder.results(LISTED, outcome())
        self.assert_valid(results)
        self.assertEqual(results['score'], FULL_MARKS)
        self.assertEqual(self.row(results, 'private.test_private_models.TestForwardOnOtherShapes'
                                           '.test_e')['visibility'], 'after_published')
        self.assertEqual({test['visibility'] for test in results['tests']
                          if not test['name'].startswith('private.')}, {'visible'})

    def test_a_test_the_release_passes_is_worth_0_saying_why(self):
        results = autograder.results(LISTED, outcome(), ['tests.test_loss.TestSoftmax.test_f'])
        self.assert_valid(results)
        self.assertEqual(results['score'], FULL_MARKS)
        row = self.row(results, 'test_loss.TestSoftmax.test_f')
        self.assertEqual(row['max_score'], 0)
        self.assertIn("the skeleton's stubs pass this test too", row['output'])
        self.assertEqual(self.row(results, 'test_loss.TestSoftmax.test_c')['max_score'], 4)

    def test_the_summary_shows_public_points_only(self):
        results = autograder.results(LISTED, outcome(
            failed=['tests.private.test_private_models.TestForwardOnOtherShapes.test_e']))
        self.assertEqual(results['score'], FULL_MARKS - 4)
        self.assertIn('models: 0 / 0', results['output'])   # its only test is private
        self.assertIn('total shows when grades are published', results['output'])
        self.assertNotIn(f'{FULL_MARKS - 4} / {FULL_MARKS}', results['output'])

    def test_a_zero_score_rule_zeroes_every_test_saying_why(self):
        for problems, missing in ((), ['utils.py']), ([('printing', 'x printed')], ()):
            with self.subTest(problems=problems, missing=missing):
                results = autograder.results(LISTED, outcome(problems=problems, missing=missing))
                self.assert_valid(results)
                self.assertEqual(results['score'], 0)
                self.assertEqual({test['score'] for test in results['tests']}, {0})
                self.assertIn('a rule above sets the total to 0',
                              self.row(results, 'test_loss.TestSoftmax.test_c')['output'])

    def test_a_rule_penalty_set_in_the_table_costs_its_points(self):
        broken = [('imports', 'utils.py imports os'), ('configs', 'a value changed')]
        self.assertEqual(autograder.results(LISTED, outcome(problems=broken))['score'],
                         FULL_MARKS)
        with mock.patch.dict(points.RULE_PENALTIES, {'imports': 2, 'configs': 1}):
            results = autograder.results(LISTED, outcome(problems=broken))
        self.assert_valid(results)
        self.assertEqual(results['score'], FULL_MARKS - 3)
        self.assertIn('This costs 2 points', rule(results, 'Rule: the graded files')['output'])

    def test_a_failed_set_up_is_shown_on_each_test_it_kept_from_running(self):
        made = outcome(absent=['tests.test_loading.TestLoadMnist.test_a'])
        made.records.append({'test': 'setUpClass (tests.test_loading.TestLoadMnist)',
                             'outcome': 'ERROR', 'seconds': 0.0, 'printed': '',
                             'detail': 'TypeError: cannot unpack non-iterable NoneType object'})
        results = autograder.results(LISTED, made)
        self.assert_valid(results)
        output = self.row(results, 'test_loading.TestLoadMnist.test_a')['output']
        self.assertIn('setUpClass failed, so this test could not run', output)
        self.assertIn('cannot unpack non-iterable NoneType', output)
        self.assertFalse([row for row in results['tests'] if 'setUpClass' in row['name']])

    def test_visible_rules_name_no_private_test_and_show_none_of_its_code(self):
        stopped = ('tests.private.test_private_models: the test runner stopped while importing '
                   'it (exit code 1): Traceback ... secret_expected = [0.25, 0.75]')
        printed = ("tests.private.test_private_models.TestForwardOnOtherShapes.test_e printed "
                   "'hello'")
        results = autograder.results(LISTED, outcome(
            problems=[('tests', stopped), ('printing', printed)]))
        self.assert_valid(results)
        visible = json.dumps([row for row in results['tests']
                              if row['visibility'] == 'visible'])
        self.assertNotIn('tests.private', visible)
        self.assertNotIn('secret_expected', visible)
        self.assertIn("a private test printed 'hello'", visible)
        self.assertIn('a private test: the test runner stopped while importing it (exit code 1)',
                      visible)

    def test_tests_of_a_module_that_did_not_finish_score_0_saying_why(self):
        hung = 'tests.test_loss did not finish within its limit of 120 s (in a test)'
        results = autograder.results(LISTED, outcome(
            problems=[('tests', hung)], absent=['tests.test_loss.TestSoftmax.test_c']))
        self.assert_valid(results)
        self.assertEqual(results['score'], 0)
        self.assertIn(hung, self.row(results, 'test_loss.TestSoftmax.test_c')['output'])
        self.assertIn(hung, rule(results, 'Rule: your code runs')['output'])


class TestMissingFiles(unittest.TestCase):
    def test_missing_configs_are_the_configs_rules_not_code_that_cannot_run(self):
        code = sorted(grade.ALLOWED_IMPORTS)
        self.assertEqual(autograder.missing_code(code), [])
        self.assertEqual(autograder.missing_code(code[1:]), code[:1])
        with tempfile.TemporaryDirectory() as folder:
            self.assertIn("configs/config_softmax.yaml is missing: submit configs/ with the "
                          "course's default configs", grade.check_configs(folder))



    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix='hw1-test-'))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def files(self, names, top=''):
        for name in names:
            path = self.tmp / 'in' / top / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(name)
        return autograder.copy_submission(self.tmp / 'in', self.tmp / 'out')

    def test_files_inside_one_folder_are_graded_from_there(self):
        copied = self.files(grade.REQUIRED, top='hw1')
        self.assertEqual((copied.names, copied.top), (grade.REQUIRED, 'hw1'))
        self.assertEqual((self.tmp / 'out' / 'models' / 'two_layer_nn.py').read_text(),
                         'models/two_layer_nn.py')

    def test_os_extras_and_the_graders_folders_are_left_out(self):
        copied = self.files(['utils.py', '__MACOSX/._utils.py', '.DS_Store',
                             'models/__pycache__/x.pyc', 'data/mnist_train.csv',
                             'tests/test_loss.py'])
        self.assertEqual(copied.names, ['utils.py'])
        self.assertEqual(len(copied.ignored), 5)

    def test_a_submission_over_the_size_limit_is_refused(self):
        with mock.patch.object(grade, 'MAX_TOTAL_BYTES', 10):
            with self.assertRaisesRegex(grade.GradeError, 'over the limit of 10'):
                self.files(['utils.py', 'models/two_layer_nn.py'])


if __name__ == '__main__':
    unittest.main()
