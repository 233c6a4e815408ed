"""The pre-flight grader (lab/grade.py) and the rules it checks on the graded files.

The graded files' import rule is checked here on the project itself. The
grader is tried on a good archive and on archives with each fault the issue
names (no utils.py, a utils.py that reads only the bundle, an import of os),
plus printing and a changed default config.

TestEveryCoursePython grades the archive with Python 3.8, 3.10, 3.12 and
3.13, each in a fresh venv with the numpy, PyYAML and matplotlib pip picks
for it. It needs the package index, so it runs only when HW1_FULL_TESTS=1
(CI sets it), and skips each interpreter this machine lacks.
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

from lab import ROOT, grade
from lab.archive import submission_files
from tests import committed, full_only, needing_mnist, write_course_configs

GRADED = sorted(grade.ALLOWED_IMPORTS)
COURSE_PYTHONS = ('3.8', '3.10', '3.12', '3.13')


class TestImportRule(unittest.TestCase):
    def test_graded_files_import_only_what_the_course_skeleton_imports(self):
        self.assertEqual(grade.check_imports(ROOT, GRADED), [])

    def test_every_graded_file_of_the_archive_is_covered_by_the_rule(self):
        python_files = [name for name in submission_files(ROOT) if name.endswith('.py')]
        self.assertEqual(sorted(python_files), GRADED)

    def test_an_extra_import_is_named_with_what_is_allowed(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(ROOT / 'optimizer', Path(tmp) / 'optimizer')
            sgd = Path(tmp) / 'optimizer' / 'sgd.py'
            sgd.write_text('import os\nfrom collections import deque\n' + sgd.read_text())
            problems = grade.check_imports(tmp, ['optimizer/sgd.py'])
        self.assertEqual(len(problems), 1)
        self.assertIn('collections, os', problems[0])
        self.assertIn('._base_optimizer, numpy', problems[0])

    def test_imports_inside_functions_count_too(self):
        self.assertEqual(grade.imports_of('def f():\n    import gc\n    from . import x\n'),
                         ['gc', '.'])


class TestUnpack(unittest.TestCase):
    def unpack(self, members):
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / 'a.zip'
            with zipfile.ZipFile(archive, 'w') as out:
                for name, info in members:
                    out.writestr(info or name, 'x')
            folder = Path(tmp) / 'out'
            folder.mkdir()
            return grade.unpack(archive, folder), sorted(p.name for p in Path(tmp).iterdir())

    def test_regular_members_are_extracted(self):
        names, _ = self.unpack([('utils.py', None), ('models/a.py', None)])
        self.assertEqual(names, ['models/a.py', 'utils.py'])

    def test_members_leaving_the_folder_are_refused(self):
        for name in ('../evil.py', '/etc/evil.py', 'models/../../evil.py', 'C:evil.py'):
            with self.subTest(name=name), self.assertRaises(grade.GradeError) as caught:
                self.unpack([(name, None)])
            self.assertIn('outside', str(caught.exception))

    def test_a_symbolic_link_is_refused(self):
        link = zipfile.ZipInfo('utils.py')
        link.external_attr = 0o120777 << 16
        with self.assertRaises(grade.GradeError) as caught:
            self.unpack([('utils.py', link)])
        self.assertIn('symbolic link', str(caught.exception))

    def test_a_file_that_is_not_a_zip_is_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            bogus = Path(tmp) / 'a.zip'
            bogus.write_text('not a zip')
            with self.assertRaises(grade.GradeError):
                grade.unpack(bogus, tmp)


class TestCourseConfigs(unittest.TestCase):
    def test_the_projects_defaults_are_the_courses(self):
        # The files as committed: the user's own configs/ may differ (collect's pre-flight
        # grade tells them), but the project's must be the course's.
        with tempfile.TemporaryDirectory() as tmp:
            for name in grade.COURSE_CONFIGS:
                committed(name, tmp)
            self.assertEqual(grade.check_configs(tmp), [])

    def test_a_changed_value_is_named(self):
        with tempfile.TemporaryDirectory() as tmp:
            write_course_configs(tmp)
            path = Path(tmp) / 'configs' / 'config_twolayer.yaml'
            path.write_text(path.read_text().replace('learning_rate: 0.1', 'learning_rate: 0.5'))
            problems = grade.check_configs(tmp)
        self.assertEqual(len(problems), 1)
        self.assertIn('config_twolayer.yaml: Train.learning_rate is 0.5', problems[0])


class TestTable(unittest.TestCase):
    def test_the_table_fits_a_terminal_of_100_columns(self):
        long = 'test_valid_mode_leaves_two_layer_gradients_and_weights_untouched_' * 2
        tests = [{'test': f'tests.test_network.TestValidModeLeavesTheModelAlone.{name}',
                  'outcome': 'pass', 'seconds': 0.5, 'printed': '', 'detail': ''}
                 for name in ('test_short', long)]
        table = grade.Report(Path('hw1_code_submission.zip'), 'python', tests).table()
        self.assertLessEqual(max(len(line) for line in table.splitlines()), grade.TABLE_WIDTH)
        self.assertEqual(grade.TABLE_WIDTH, 100)
        self.assertEqual(table.count('TestValidModeLeavesTheModelAlone'), 1)  # one group heading
        self.assertIn('    test_short', table)


@needing_mnist
class GraderTestCase(unittest.TestCase):
    """Builds the course's CSVs once and makes archives from edited copies of the project."""

    @classmethod
    def setUpClass(cls):
        cls.scratch = Path(tempfile.mkdtemp(prefix='hw1-test-grade-'))
        cls.data_dir = grade.write_course_data(cls.scratch / 'csv')

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch)

    @classmethod
    def archive(cls, name, edit=None, drop=()):
        """An archive of the project's graded files, after edit(folder) and without drop."""
        folder = cls.scratch / name
        for part in ('models', 'optimizer'):
            shutil.copytree(ROOT / part, folder / part,
                            ignore=shutil.ignore_patterns('__pycache__'))
        write_course_configs(folder)
        shutil.copy(ROOT / 'utils.py', folder / 'utils.py')
        if edit is not None:
            edit(folder)
        out = cls.scratch / f'{name}.zip'
        with zipfile.ZipFile(out, 'w') as archive:
            for path in sorted(folder.rglob('*')):
                member = path.relative_to(folder).as_posix()
                if path.is_file() and member not in drop:
                    archive.write(path, member)
        return out


def edit_utils(old, new):
    def edit(folder):
        path = folder / 'utils.py'
        source = path.read_text()
        assert old in source, old
        path.write_text(source.replace(old, new, 1))
    return edit


def edits(*edits):
    """One edit made of several, in order."""
    def edit(folder):
        for each in edits:
            each(folder)
    return edit


class TestGrade(GraderTestCase):
    """Each archive is graded once, two at a time (each grade runs the course's tests in a
    Python of its own); the tests read the reports."""

    ARCHIVES = {
        'good': {},
        'no-utils': dict(drop=('utils.py',)),
        'bundle-only': dict(edit=edit_utils('csv = _find(CSV_FILES[split])', 'csv = None')),
        # Two faults the grade finds apart, by its import rule and by what a test printed.
        'imports-os-and-prints': dict(edit=edits(
            edit_utils('import random\n', 'import os\nimport random\n'),
            edit_utils('    X, y = _dataset_arrays(data, label)\n',
                       '    print("batching")\n    X, y = _dataset_arrays(data, label)\n'))),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        archives = {name: cls.archive(name, **how) for name, how in cls.ARCHIVES.items()}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            graded = {name: pool.submit(grade.grade, archive, data_dir=cls.data_dir)
                      for name, archive in archives.items()}
        cls.reports = {name: future.result() for name, future in graded.items()}

    def grade(self, name):
        report = self.reports[name]
        return report, report.table()

    def problems(self, report, check):
        return [problem for name, problem in report.problems if name == check]

    def test_a_good_archive_passes_every_test_and_check(self):
        report, table = self.grade('good')
        self.assertTrue(report.ok, table)
        self.assertGreaterEqual(len(report.tests), 40)
        self.assertIn(f'Score: {len(report.tests)}/{len(report.tests)} tests passed', table)
        self.assertIn('necessary, not sufficient', table)

    def test_an_archive_without_utils_fails_and_says_so(self):
        report, table = self.grade('no-utils')
        self.assertFalse(report.ok)
        self.assertIn('utils.py is missing', table)
        self.assertIn("No module named 'utils'", table)

    def test_a_utils_that_reads_only_the_bundle_fails_the_data_tests(self):
        report, table = self.grade('bundle-only')
        self.assertFalse(report.ok)
        failed = [test['test'] for test in report.tests if test['outcome'] != 'pass']
        self.assertTrue(failed, table)
        for name in failed:
            self.assertIn('test_loading.TestLoadMnist', name)
        self.assertIn('MnistDataError', table)

    def test_an_import_of_os_fails_the_import_rule(self):
        report, table = self.grade('imports-os-and-prints')
        self.assertFalse(report.ok)
        self.assertEqual(self.problems(report, 'imports'),
                         ['utils.py imports os; the course allows only matplotlib.pyplot, numpy, '
                          'random, time'])
        self.assertIn('utils.py imports os; the course allows only matplotlib.pyplot, numpy, '
                      'random, time', table)

    def test_printing_during_a_test_is_caught(self):
        report, table = self.grade('imports-os-and-prints')
        self.assertFalse(report.ok)
        printing = self.problems(report, 'printing')
        self.assertTrue(printing, table)
        self.assertTrue(all("printed 'batching\\n" in problem for problem in printing), printing)
        self.assertIn("printed 'batching\\n'", table)


def find_python(version):
    """The interpreter for a version like '3.8', under pyenv or on PATH; None if absent."""
    root = Path(os.environ.get('PYENV_ROOT', Path.home() / '.pyenv')) / 'versions'
    found = sorted(root.glob(f'{version}.*/bin/python{version}'))
    return str(found[-1]) if found else shutil.which(f'python{version}')


@full_only('grades the archive on Python ' + ', '.join(COURSE_PYTHONS) + ', each in a venv '
           'with packages from the index')
class TestEveryCoursePython(GraderTestCase):
    def test_the_archive_passes_on_every_python_the_course_meets(self):
        archive = self.archive('every-python')
        for version in COURSE_PYTHONS:
            with self.subTest(python=version):
                python = find_python(version)
                if python is None:
                    self.skipTest(f'Python {version} is not installed on this machine')
                venv_python = self.venv(python, version)
                report = grade.grade(archive, python=venv_python, data_dir=self.data_dir)
                versions = run(venv_python, '-c', 'import sys, numpy, matplotlib; print('
                               'sys.version.split()[0], numpy.__version__, matplotlib.__version__)')
                print(f'\nPython, numpy, matplotlib {versions.stdout.strip()}: '
                      f'{report.passed}/{len(report.tests)} passed', file=sys.stderr)
                self.assertTrue(report.ok, report.table())

    def venv(self, python, version):
        """A new venv for python with the numpy, PyYAML and matplotlib pip picks for it."""
        venv = self.scratch / f'venv-{version}'
        run(python, '-m', 'venv', str(venv))
        venv_python = str(venv / 'bin' / 'python')
        run(venv_python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
            'numpy', 'pyyaml', 'matplotlib')
        return venv_python


def run(*command):
    """Run a command; on failure, fail with its output (pip's is long, so it is kept quiet)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done


if __name__ == '__main__':
    unittest.main()
