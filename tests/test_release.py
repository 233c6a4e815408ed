"""The student release (`python -m lab.release student OUT_DIR`) and the command's usage errors.

The release is built once for the module, from the project as committed in git (outside a
git checkout the module skips: it would read your main.ipynb and configs), into a temporary
folder; tests never write into the project. What runs inside the release runs in a fresh
`python -I -B` with the release as its working folder, so that nothing of the project (its
folder, PYTHONPATH) can stand in for a file the release lacks.
"""
import ast
import contextlib
import io
import json
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

import nbformat

from lab import grade, release, surface, writeup
from tests import ROOT, full_only, needing_mnist

PYTHON = [sys.executable, '-I', '-B']     # isolated, no bytecode written into the release
ENV = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
# Lines of a stripped body too plain to tell anything, wherever they appear: syntax, and a
# statement the kept code needs for its own purpose (the docstrings say forward returns
# (loss, accuracy)). Kept minimal: every other solution line counts.
NOT_DISTINCTIVE = {'else:', 'except OSError as err:', 'except TypeError:',
                   'return loss, accuracy'}
# Solution lines that kept lab/ code has for a purpose of its own, allowed in that file only
# (reported to the lead): plain matplotlib calls of the figures lab draws, iterating the
# model's parameters.
SHARED_WITH_LAB = {
    'plt.show()': {'lab/display.py'},
    'plt.close(fig)': {'lab/display.py', 'lab/sweeps.py'},
    'ax.grid(alpha=0.3)': {'lab/sweeps.py'},
    'ax.legend()': {'lab/sweeps.py'},
    'fig.tight_layout()': {'lab/sweeps.py'},
    'for name, weight in model.weights.items():': {'lab/gradcheck.py', 'lab/runs.py'},
}
# Test classes of what the course's skeleton gives complete: they pass on the release.
COMPLETE = ('tests.test_loading.TestLoadCsv', 'tests.test_network.TestSoftmaxRegressionInit',
            'tests.test_network.TestTwoLayerNetInit')
# The tests of train and evaluate that train a real model: they need its forward pass.
NEED_THE_MODELS = {'test_training_fits_a_separable_synthetic_problem',
                   'test_evaluate_never_changes_weights_or_gradients'}
# Test classes of the stripped surface: each fails at least one test on the release.
STRIPPED = ('TestLoadMnist', 'TestGenerateBatchedData', 'TestSigmoid', 'TestSigmoidDerivative',
            'TestReLU', 'TestSoftmax', 'TestCrossEntropy', 'TestAccuracy',
            'TestSoftmaxRegressionForward', 'TestTwoLayerNetForward', 'TestRegularization',
            'TestSGD', 'TestPlotCurves')
# A hang guard for the subprocesses that grade: the grade's own limit, twice, plus its set-up.
GRADE_TIMEOUT = 2 * grade.GRADE_SECONDS + 60

_built = {}


def setUpModule():
    source = release.Source(ROOT)
    if source.commit is None:     # the release would read the user's files: main.ipynb, configs/
        raise unittest.SkipTest(f'{ROOT} is not a git checkout: the tests build the release '
                                'from the commit, never from your own files')
    scratch = Path(tempfile.mkdtemp(prefix='hw1-release-'))
    _built['scratch'] = scratch
    _built['source'] = source
    _built['folder'] = scratch / 'release'
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        _built['status'] = release.main(['student', str(_built['folder'])])
    _built['printed'] = printed.getvalue()


def tearDownModule():
    shutil.rmtree(_built.pop('scratch'), ignore_errors=True)


def run_in(folder, code, timeout=120):
    """Run Python code with the release's isolation in folder; return the CompletedProcess."""
    return subprocess.run([*PYTHON, '-c', f"import sys; sys.path.insert(0, '.'); {code}"],
                          cwd=folder, env=ENV, capture_output=True, text=True, timeout=timeout)


def text_lines(path):
    """The lines of a text file, the cells' source lines for a notebook; [] if binary."""
    if path.suffix == '.ipynb':
        nb = nbformat.read(str(path), as_version=4)
        return [line for cell in nb.cells for line in cell.source.splitlines()]
    try:
        return path.read_text(encoding='utf-8').splitlines()
    except UnicodeDecodeError:
        return []


class TestContents(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.folder = _built['folder']
        cls.names = {path.relative_to(cls.folder).as_posix()
                     for path in cls.folder.rglob('*') if path.is_file()}

    def test_nothing_staff_only_ships(self):
        for module in release.STAFF_ONLY:
            self.assertNotIn(module.replace('.', '/') + '.py', self.names)
        self.assertFalse([name for name in self.names
                          if name.startswith(('benchmarks/', 'tests/private/', 'tests/fixtures/'))])

    def test_tests_are_the_course_named_public_ones_only(self):
        expected = {'tests/__init__.py'} | {module.replace('.', '/') + '.py'
                                            for module in grade.COURSE_TESTS}
        self.assertEqual({name for name in self.names if name.startswith('tests/')}, expected)

    def test_configs_data_and_requirements_are_the_projects_as_committed(self):
        source = _built['source']
        shared = [*source.names('configs'), 'data/mnist.npz', 'data/download_mnist.py',
                  'requirements.txt', 'requirements-dev.txt', 'jupyter/kernels/python3/kernel.json']
        self.assertEqual(len(source.names('configs')), 4)
        for name in shared:
            with self.subTest(name=name):
                self.assertEqual((self.folder / name).read_bytes(), source.read(name))

    def test_graded_files_are_all_there_and_only_the_surface_is_stripped(self):
        source = _built['source']
        for name in grade.ALLOWED_IMPORTS:
            with self.subTest(name=name):
                shipped = (self.folder / name).read_text()
                if name in surface.FILES:
                    self.assertNotEqual(shipped, source.text(name))
                else:
                    self.assertEqual(shipped, source.text(name))

    def test_each_stripped_body_is_a_todo_naming_its_handout_section_and_a_placeholder(self):
        for part in surface.SURFACE:
            with self.subTest(function=part.function):
                text = (self.folder / part.file).read_text()
                node = surface.find(ast.parse(text), part.function)
                first, last = surface.body_span(node, text.splitlines())
                body = text.splitlines()[first - 1:last]
                self.assertIn(f'# TODO (handout {part.section}):', body[0])
                statements = [line.strip() for line in body if not line.strip().startswith('#')]
                self.assertEqual(statements, [f'return {part.placeholder}' if part.placeholder
                                              else 'pass'])

    def test_no_marker_in_any_file(self):
        marker = re.compile(r'(BEGIN|END)\s+SOLUTION|SOLUTION\s+(BEGIN|END)', re.IGNORECASE)
        for name in sorted(self.names):
            found = [line for line in text_lines(self.folder / name) if marker.search(line)]
            self.assertEqual(found, [], name)

    def test_no_solution_line_appears_anywhere_in_the_release(self):
        source = _built['source']
        solution = {line.strip() for name in surface.FILES
                    for line in surface.solution_lines(source.text(name), name)}
        solution -= NOT_DISTINCTIVE | {''}
        leaks = [f'{name}: {line.strip()}' for name in sorted(self.names)
                 for line in text_lines(self.folder / name)
                 if line.strip() in solution
                 and name not in SHARED_WITH_LAB.get(line.strip(), ())]
        self.assertEqual(leaks, [])

    def test_readme_lists_every_part_of_the_surface_with_its_section(self):
        readme = (self.folder / 'README.md').read_text()
        for part in surface.SURFACE:
            with self.subTest(function=part.function):
                row = f'| `{part.file}` | `{part.function}` | {part.section} |'
                self.assertIn(row, readme)
        for module in grade.COURSE_TESTS:
            self.assertIn(f'python -m unittest {module}', readme)
        self.assertIn('python -m lab.grade', readme)



class TestSource(unittest.TestCase):
    """Outside a git checkout the release reads the folder; staff-only code never ships."""

    def setUp(self):
        self.root = Path(tempfile.mkdtemp(prefix='hw1-release-source-'))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        for name in ('lab/__init__.py', 'lab/surface.py', 'lab/runs.py', 'lab/tex-packages.txt'):
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_text('')
        (self.root / 'lab' / '__pycache__').mkdir()
        (self.root / 'lab' / '__pycache__' / 'runs.cpython-311.pyc').write_bytes(b'\0')

    def test_outside_git_the_folder_is_read_as_it_is(self):
        source = release.Source(self.root)
        self.assertIn('not a git checkout', source.origin())
        self.assertEqual(source.names('lab'), ['lab/__init__.py', 'lab/runs.py', 'lab/surface.py',
                                               'lab/tex-packages.txt'])
        self.assertEqual(source.uncommitted(['lab/runs.py']), [])
        with self.assertRaisesRegex(release.ReleaseError, 'cannot read .*missing.py'):
            source.read('lab/missing.py')

    def test_kept_lab_follows_imports_and_names_and_refuses_staff_only_modules(self):
        source = release.Source(self.root)
        (self.root / 'lab' / 'grade.py').write_text("PACKAGES = 'tex-packages.txt'\n")
        kept = release.kept_lab(source, ['from lab.runs import train_model'])
        self.assertEqual(sorted(kept), ['lab/__init__.py', 'lab/grade.py', 'lab/runs.py',
                                        'lab/tex-packages.txt'])
        (self.root / 'lab' / 'runs.py').write_text('from . import surface\n')
        with self.assertRaisesRegex(release.ReleaseError, 'lab.surface, which is for staff'):
            release.kept_lab(source, ['import lab.runs'])

class TestNotebooks(unittest.TestCase):

    def assert_template(self, folder):
        for name in release.NOTEBOOKS:
            nb = nbformat.read(str(folder / name), as_version=4)
            code = [cell for cell in nb.cells if cell.cell_type == 'code']
            self.assertTrue(code, name)
            self.assertEqual([cell for cell in code if cell.outputs], [], name)
            self.assertEqual({cell.execution_count for cell in code}, {None}, name)
            self.assertEqual(writeup.missing_identity(nb), list(writeup.IDENTITY), name)
        main = nbformat.read(str(folder / writeup.MAIN), as_version=4)
        self.assertEqual(len(writeup.questions_of(main)), 3)
        self.assertEqual(len(writeup.unanswered_questions(main)), 3)

    def test_the_release_notebooks_are_the_empty_template(self):
        self.assert_template(_built['folder'])

    def test_answers_and_outputs_in_the_working_copy_never_ship(self):
        clone = _built['scratch'] / 'clone'
        cloned = subprocess.run(['git', 'clone', '-q', '--no-hardlinks', str(ROOT), str(clone)],
                                capture_output=True)
        if cloned.returncode != 0:
            self.skipTest(f'{ROOT} cannot be cloned with git: {cloned.stderr[-200:]!r}')
        nb = nbformat.read(str(clone / writeup.MAIN), as_version=4)
        nb.cells[0].source = '- **Name:** Ada\n- **Student ID:** 42\n- **Collaborators:**'
        for k in writeup.questions_of(nb):
            nb.cells[k + 1].source = '**Answer:** my own answer'
        code = next(cell for cell in nb.cells if cell.cell_type == 'code')
        code.execution_count = 3
        code.outputs = [nbformat.v4.new_output('stream', name='stdout', text='trained\n')]
        nbformat.write(nb, str(clone / writeup.MAIN))
        (clone / 'configs' / 'config_exp.yaml').write_text('Train: {epochs: 99}\n')

        source, _ = release.student(_built['scratch'] / 'from-clone', root=clone)
        self.assert_template(_built['scratch'] / 'from-clone')
        self.assertEqual((_built['scratch'] / 'from-clone/configs/config_exp.yaml').read_bytes(),
                         _built['source'].read('configs/config_exp.yaml'))
        self.assertEqual(source.uncommitted([writeup.MAIN, 'utils.py', 'configs/config_exp.yaml']),
                         ['configs/config_exp.yaml', writeup.MAIN])

    def test_outputs_execution_counts_and_run_traces_are_cleared(self):
        nb = nbformat.reads(_built['source'].text(writeup.MAIN), as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == 'code']
        for count, cell in enumerate(code, 1):
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output('stream', name='stdout', text='epoch 1\n')]
            cell.metadata['execution'] = {'iopub.status.busy': '2026-12-01T10:00:00'}
        nb.metadata['papermill'] = {'parameters': {'QUICK': True}}
        cleared = nbformat.reads(release.template_notebook(nbformat.writes(nb).encode(),
                                                           writeup.MAIN), as_version=4)
        code = [cell for cell in cleared.cells if cell.cell_type == 'code']
        self.assertEqual([(cell.outputs, cell.execution_count) for cell in code],
                         [([], None)] * len(code))
        self.assertFalse([cell for cell in code if 'execution' in cell.metadata])
        self.assertNotIn('papermill', cleared.metadata)
        self.assertEqual([cell.source for cell in cleared.cells],
                         [cell.source for cell in nb.cells])

    def test_a_filled_in_template_is_refused_naming_what_is_filled(self):
        raw = _built['source'].read(writeup.MAIN)
        nb = nbformat.reads(raw.decode(), as_version=4)
        nb.cells[writeup.questions_of(nb)[1] + 1].source = '**Answer:** it overfits'
        with self.assertRaisesRegex(release.ReleaseError, r'5\(b\) Regularization'):
            release.template_notebook(nbformat.writes(nb).encode(), writeup.MAIN)
        nb = nbformat.reads(raw.decode(), as_version=4)
        nb.cells[0].source = nb.cells[0].source.replace('**Student ID:**', '**Student ID:** 7')
        with self.assertRaisesRegex(release.ReleaseError, 'Student ID filled in'):
            release.template_notebook(nbformat.writes(nb).encode(), writeup.MAIN)


class TestImports(unittest.TestCase):
    """One fresh interpreter in the release: first what the notebooks, the tests and the
    pre-flight grader import, then every module the release ships."""

    PROBE = """
import ast, importlib, json, pathlib, sys
import nbformat
roots = ['lab.grade', 'tests']
for name in ('main.ipynb', 'collect_submission.ipynb'):
    for cell in nbformat.read(name, as_version=4).cells:
        if cell.cell_type == 'code':
            code = '\\n'.join(l for l in cell.source.splitlines() if not l.lstrip().startswith('%'))
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    roots += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module.startswith('lab'):
                    roots += [node.module] + [node.module + '.' + a.name for a in node.names]
for root in roots:
    if root.split('.')[0] in ('lab', 'utils', 'models', 'optimizer', 'tests'):
        try:
            importlib.import_module(root)
        except ModuleNotFoundError as err:
            if err.name != root:
                raise
reached = sorted(name for name in sys.modules if name.split('.')[0] == 'lab')
shipped = ['lab.' + path.stem for path in pathlib.Path('lab').glob('*.py')]
files = {}
for name in ['utils', 'models', 'optimizer'] + shipped:
    files[name] = str(pathlib.Path(importlib.import_module(name).__file__).resolve())
print(json.dumps({'reached': reached, 'files': files}))
"""

    @classmethod
    def setUpClass(cls):
        cls.folder = _built['folder'].resolve()
        done = run_in(cls.folder, cls.PROBE)
        cls.error = done.stderr if done.returncode else None
        cls.found = json.loads(done.stdout.splitlines()[-1]) if not cls.error else {}

    def test_every_module_of_the_release_imports_from_the_release(self):
        self.assertIsNone(self.error)
        for module, file in self.found['files'].items():
            with self.subTest(module=module):
                self.assertIn(self.folder, Path(file).parents, file)

    def test_kept_lab_is_what_the_notebooks_tests_and_grader_import(self):
        self.assertIsNone(self.error)
        shipped = sorted(f'lab.{path.stem}' if path.stem != '__init__' else 'lab'
                         for path in (self.folder / 'lab').glob('*.py')
                         if path.name != 'grade_runner.py')   # a script lab.grade runs
        self.assertEqual(self.found['reached'], shipped)


@needing_mnist
class TestGrades(unittest.TestCase):
    """The release's own grader (lab.grade, run inside the release), with the course's CSVs
    written once: on the release's archive, and on one with the solution pasted back."""

    GRADE = """
import json
from concurrent.futures import ThreadPoolExecutor
from lab import archive, grade
data = grade.write_course_data('{scratch}/csv')
def graded(name, root):
    archive.make_archive(root, '{scratch}/' + name + '.zip', verbose=False)
    report = grade.grade('{scratch}/' + name + '.zip', data_dir=data)
    return {{'tests': [[t['test'], t['outcome']] for t in report.tests],
            'problems': report.problems}}
with ThreadPoolExecutor(2) as pool:    # the two grades side by side, as tests.test_grade's
    out = {{name: pool.submit(graded, name, root)
           for name, root in (('release', '.'), ('pasted', '{scratch}/pasted'))}}
print(json.dumps({{name: future.result() for name, future in out.items()}}))
"""

    @classmethod
    def setUpClass(cls):
        folder, source = _built['folder'], _built['source']
        cls.scratch = _built['scratch'] / 'grades'
        pasted = cls.scratch / 'pasted'
        for name in [*grade.ALLOWED_IMPORTS, *source.names('configs')]:
            (pasted / name).parent.mkdir(parents=True, exist_ok=True)
            text = (folder / name).read_text()
            if name in surface.FILES:
                text = surface.paste(text, source.text(name), name)
            (pasted / name).write_text(text)
        done = run_in(folder, cls.GRADE.format(scratch=cls.scratch.resolve()), GRADE_TIMEOUT)
        cls.error = done.stderr if done.returncode else None
        cls.reports = json.loads(done.stdout.splitlines()[-1]) if not cls.error else {}

    def outcomes(self, name):
        self.assertIsNone(self.error)
        return {test: outcome for test, outcome in self.reports[name]['tests']}

    def test_release_grade_passes_what_the_skeleton_gives_complete(self):
        outcomes = self.outcomes('release')
        for test_class in COMPLETE:
            found = {test: outcome for test, outcome in outcomes.items()
                     if test.startswith(test_class + '.')}
            self.assertTrue(found, test_class)
            self.assertEqual(set(found.values()), {'pass'}, test_class)
        train = {test.rpartition('.')[2]: outcome for test, outcome in outcomes.items()
                 if '.TestTrainAndEvaluate.' in test}
        self.assertGreater(len(train), len(NEED_THE_MODELS))
        self.assertEqual({test for test, outcome in train.items() if outcome != 'pass'},
                         NEED_THE_MODELS)

    def test_release_grade_fails_a_test_of_each_stripped_part(self):
        outcomes = self.outcomes('release')
        for test_class in STRIPPED:
            with self.subTest(test_class=test_class):
                failed = [test for test, outcome in outcomes.items()
                          if f'.{test_class}' in test and outcome != 'pass']
                self.assertTrue(failed)

    def test_release_grade_keeps_the_rules(self):
        self.assertEqual(self.reports['release']['problems'], [])

    def test_solution_pasted_back_scores_full_marks(self):
        outcomes = self.outcomes('pasted')
        self.assertGreater(len(outcomes), 80)
        self.assertEqual({test for test, outcome in outcomes.items() if outcome != 'pass'}, set())
        self.assertEqual(self.reports['pasted']['problems'], [])

    def test_solution_pasted_back_gives_the_projects_graded_files(self):
        for name in surface.FILES:
            with self.subTest(name=name):
                self.assertEqual((self.scratch / 'pasted' / name).read_text(),
                                 _built['source'].text(name))

    @full_only('python -m lab.grade in the release, as a student runs it (its grade: '
               'test_release_grade_fails_a_test_of_each_stripped_part)')
    def test_python_m_lab_grade_in_the_release_runs_to_the_end_and_exits_1(self):
        folder = self.scratch / 'cli'
        shutil.copytree(_built['folder'], folder)
        made = run_in(folder, 'from lab.archive import make_archive; make_archive(verbose=False)')
        self.assertEqual(made.returncode, 0, made.stderr)
        done = subprocess.run([sys.executable, '-B', '-m', 'lab.grade'], cwd=folder, env=ENV,
                              capture_output=True, text=True, timeout=GRADE_TIMEOUT)
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertRegex(done.stdout, r'Score: \d+/\d+ tests passed, 0 problem\(s\) -> FAIL')
        with zipfile.ZipFile(folder / 'hw1_code_submission.zip') as zipped:
            self.assertIn('utils.py', zipped.namelist())


class TestCommandLine(unittest.TestCase):

    def run_main(self, *argv):
        """(exit status, stderr) of release.main(argv)."""
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                status = release.main(list(argv))
            except SystemExit as exit_:
                status = exit_.code
        return status, err.getvalue()

    def assert_one_line_error(self, argv, pattern):
        status, err = self.run_main(*argv)
        self.assertEqual(status, 2)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertRegex(err, pattern)

    def test_usage_errors_are_one_line_and_exit_2(self):
        self.assert_one_line_error([], 'required: COMMAND')
        self.assert_one_line_error(['student'], 'required: OUT_DIR')
        self.assert_one_line_error(['autograder'], 'required: OUT_ZIP')
        self.assert_one_line_error(['teacher', 'out'], "invalid choice: 'teacher'")
        self.assert_one_line_error(['student', 'a', 'b'], 'unrecognized arguments: b')

    def test_student_refuses_a_folder_that_is_not_empty_a_file_or_inside_the_project(self):
        scratch = Path(tempfile.mkdtemp(prefix='hw1-release-cli-'))
        self.addCleanup(shutil.rmtree, scratch, ignore_errors=True)
        (scratch / 'full').mkdir()
        (scratch / 'full' / 'notes.txt').write_text('mine')
        (scratch / 'file').write_text('mine')
        self.assert_one_line_error(['student', str(scratch / 'full')], 'is not empty')
        self.assert_one_line_error(['student', str(scratch / 'file')], 'is a file, not a folder')
        self.assert_one_line_error(['student', str(scratch / 'file' / 'out')],
                                   'is a file where a folder belongs')
        self.assert_one_line_error(['student', str(ROOT / 'release-out')], 'inside the project')
        self.assertFalse((ROOT / 'release-out').exists())
        self.assertEqual((scratch / 'full' / 'notes.txt').read_text(), 'mine')

    def test_student_writes_the_release_and_says_where_from(self):
        self.assertEqual(_built['status'], 0)       # the module's release, made by main()
        folder = re.escape(str(_built['folder']))
        self.assertRegex(_built['printed'], rf'^Student release in {folder}: \d+ files, '
                                            r'[\d.]+ MB, from git HEAD [0-9a-f]+ ')
        self.assertTrue((_built['folder'] / 'utils.py').is_file())

    def test_autograder_says_what_it_wrote_and_which_uncommitted_changes_it_took(self):
        built = mock.Mock(**{'summary.return_value': 'x.zip: 10 test modules'})
        printed = io.StringIO()
        with mock.patch.object(release.autograder, 'build', return_value=built), \
                mock.patch.object(release.Source, 'uncommitted', return_value=['utils.py']), \
                contextlib.redirect_stdout(printed):
            self.assertEqual(release.main(['autograder', 'x.zip']), 0)
        self.assertIn('Wrote the Gradescope autograder x.zip: 10 test modules.', printed.getvalue())
        self.assertIn('Built with the uncommitted changes to utils.py: a student release takes '
                      'the commit', printed.getvalue())


if __name__ == '__main__':
    unittest.main()
