"""A pre-flight grader: the submission archive, graded the way the course grades it.

    python -m lab.grade [hw1_code_submission.zip] [--python PYTHON]

It unpacks the archive alone into a temporary folder (no member may land outside it),
writes the course's two CSVs into its data/, and runs the course-named test modules there
with a fresh interpreter. It also checks the handout's rules that cost a whole score: an
import the skeleton does not have, printing that was not asked, a changed default config.
It prints a table and a score, and exits non-zero on any failure. The course grades with
further, private tests: a full score here is necessary, not sufficient.
"""
import argparse
import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import yaml

from lab import ROOT, data

ARCHIVE = ROOT / 'hw1_code_submission.zip'
# The course's test modules, named as the course names them; they test its API only.
COURSE_TESTS = ('tests.test_loading', 'tests.test_activation', 'tests.test_loss',
                'tests.test_network', 'tests.test_training')
RUNNER = Path(__file__).with_name('grade_runner.py')
# What each graded file may import: exactly what the course's skeleton file imports.
ALLOWED_IMPORTS = {
    'utils.py': {'time', 'numpy', 'random', 'matplotlib.pyplot'},
    'models/__init__.py': {'.softmax_regression', '.two_layer_nn', '._base_network'},
    'models/_base_network.py': {'numpy'},
    'models/softmax_regression.py': {'numpy', '._base_network'},
    'models/two_layer_nn.py': {'numpy', '._base_network'},
    'optimizer/__init__.py': {'.sgd', '._base_optimizer'},
    'optimizer/_base_optimizer.py': set(),
    'optimizer/sgd.py': {'numpy', '._base_optimizer'},
}
_COURSE_TRAIN = {'batch_size': 64, 'learning_rate': 0.1, 'reg': 0.001, 'epochs': 10,
                 'momentum': 0.9, 'debug': True}
COURSE_CONFIGS = {
    'configs/config_softmax.yaml': {'Train': _COURSE_TRAIN,
                                    'Model': {'type': 'SoftmaxRegression'}},
    'configs/config_twolayer.yaml': {'Train': _COURSE_TRAIN,
                                     'Model': {'type': 'TwoLayerNet', 'hidden_size': 128}},
}
REQUIRED = sorted([*ALLOWED_IMPORTS, *COURSE_CONFIGS, 'configs/config_exp.yaml'])
TABLE_WIDTH = 100     # the grade table fits a terminal of this many columns
CSV_NAMES = {'train': 'mnist_train.csv', 'test': 'mnist_test.csv'}


class GradeError(Exception):
    """The archive cannot be graded at all: missing, not a zip, or unsafe to unpack."""


# ---------------------------------------------------------------------------
# Setting up the grader's folder
# ---------------------------------------------------------------------------

def unpack(archive, folder):
    """Extract the regular files of a zip archive into folder; return their names.

    Refuses (GradeError) members with absolute paths, '..' parts or drive
    letters, and symbolic links: nothing may land outside folder.
    """
    folder = Path(folder)
    try:
        zipped = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as err:
        raise GradeError(f'{archive} is not a readable zip archive ({err}).') from None
    names = []
    with zipped:
        for member in zipped.infolist():
            name = PurePosixPath(member.filename)
            unsafe = (name.is_absolute() or '..' in name.parts or ':' in member.filename
                      or '\\' in member.filename)
            if unsafe:
                raise GradeError(f'{archive} holds {member.filename!r}, which would land outside '
                                 'the folder it is unpacked into; a grader would refuse it too.')
            if stat.S_ISLNK(member.external_attr >> 16):
                raise GradeError(f'{archive} holds a symbolic link, {member.filename!r}; '
                                 'archive the file itself.')
            if member.is_dir():
                continue
            target = folder.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(member) as source, open(target, 'wb') as out:
                shutil.copyfileobj(source, out)
            names.append(str(name))
    return sorted(names)


_NUMBERS = [str(k) for k in range(256)]


def write_csv(path, images, labels, rows_per_chunk=2000):
    """The course's CSV: per row the label, then the image's 784 bytes, comma-separated."""
    with open(path, 'w', newline='\n') as out:
        for start in range(0, len(images), rows_per_chunk):
            rows = np.column_stack([labels[start:start + rows_per_chunk],
                                    images[start:start + rows_per_chunk]]).tolist()
            out.write(''.join(','.join(map(_NUMBERS.__getitem__, row)) + '\n' for row in rows))


def write_course_data(folder):
    """Write data/mnist_train.csv and data/mnist_test.csv, the course's layout, under folder."""
    train_images, train_y, val_images, val_y, test_images, test_y = data.splits()
    data_dir = Path(folder) / 'data'
    data_dir.mkdir(parents=True, exist_ok=True)
    write_csv(data_dir / CSV_NAMES['train'], np.concatenate([train_images, val_images]),
              np.concatenate([train_y, val_y]))
    write_csv(data_dir / CSV_NAMES['test'], test_images, test_y)
    return data_dir


def add_course_tests(folder):
    """Copy tests/__init__.py and the course-named test modules into folder/tests."""
    tests = Path(folder) / 'tests'
    tests.mkdir(exist_ok=True)
    for module in ('tests.__init__', *COURSE_TESTS):
        name = module.split('.')[1] + '.py'
        shutil.copyfile(ROOT / 'tests' / name, tests / name)


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------

def imports_of(source):
    """The modules a Python source imports, as written ('numpy', '._base_network', ...)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append('.' * node.level + (node.module or ''))
    return found


def check_imports(folder, names):
    """Problems with the import rule, one line each: a graded file importing
    more than the course's skeleton file does."""
    problems = []
    for name in names:
        if not name.endswith('.py'):
            continue
        allowed = ALLOWED_IMPORTS.get(name)
        source = (Path(folder) / name).read_text(encoding='utf-8', errors='replace')
        try:
            modules = imports_of(source)
        except SyntaxError as err:
            problems.append(f'{name} line {err.lineno}: syntax error ({err.msg})')
            continue
        if allowed is None:
            if modules:
                problems.append(f"{name} is not a file of the course's skeleton, yet imports "
                                f"{', '.join(sorted(set(modules)))}")
            continue
        extra = sorted(set(modules) - allowed)
        if extra:
            problems.append(f"{name} imports {', '.join(extra)}; the course allows only "
                            f"{', '.join(sorted(allowed)) or 'no imports'}")
    return problems


def check_configs(folder):
    """Problems with the default configs: a course value changed, missing or unreadable."""
    problems = []
    for name, expected in COURSE_CONFIGS.items():
        path = Path(folder) / name
        try:
            given = yaml.safe_load(path.read_text(encoding='utf-8'))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            problems.append(f'{name} cannot be read ({type(err).__name__})')
            continue
        for section, values in expected.items():
            for key, value in values.items():
                found = (given or {}).get(section, {}) or {}
                found = found.get(key, '(missing)') if isinstance(found, dict) else '(missing)'
                if not _same(found, value):
                    problems.append(f"{name}: {section}.{key} is {found!r}; the course's value "
                                    f"is {value!r} (the handout: do NOT modify these)")
    return problems


def _same(found, value):
    if isinstance(value, bool) or isinstance(value, str):
        return found == value and type(found) is type(value)
    try:
        return not isinstance(found, bool) and float(found) == value
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------

@dataclass
class Report:
    """The outcome: one row per test, and the problems the rule checks found."""
    archive: Path
    python: str
    tests: list = field(default_factory=list)     # dicts: test, outcome, seconds, printed, detail
    problems: list = field(default_factory=list)  # (check, problem)
    seconds: float = 0.0

    @property
    def passed(self):
        return sum(test['outcome'] == 'pass' for test in self.tests)

    @property
    def ok(self):
        return bool(self.tests) and self.passed == len(self.tests) and not self.problems

    def table(self):
        """The report as text, at most TABLE_WIDTH columns: per-test table grouped by test
        class, rule checks, score and the caveat."""
        name_width = TABLE_WIDTH - len('    ') - len('  result  seconds')
        lines = [f'Pre-flight grade of {self.archive.name} with {self.python}', '',
                 f"{'test':<{name_width + 4}}  result  seconds", '-' * TABLE_WIDTH]
        group = None
        for test in self.tests:
            test_class, _, method = test['test'].rpartition('.')
            if test_class != group:
                group = test_class
                lines.append(_clipped(test_class, TABLE_WIDTH))
            lines.append(f"    {_clipped(method, name_width):<{name_width}}  "
                         f"{test['outcome']:<6}  {test['seconds']:7.2f}")
        lines.append('')
        for check in ('files', 'imports', 'printing', 'configs', 'tests'):
            found = [problem for name, problem in self.problems if name == check]
            lines.append(f"{check + ':':<10}{'ok' if not found else 'FAILED'}")
            lines += [f'  - {problem}' for problem in found]
        for test in self.tests:
            if test['detail']:
                lines += ['', f"{test['test']} ({test['outcome']}):", test['detail'].rstrip()]
        lines += ['', f"Score: {self.passed}/{len(self.tests)} tests passed, "
                      f"{len(self.problems)} problem(s) -> {'PASS' if self.ok else 'FAIL'} "
                      f"({self.seconds:.0f} s)",
                  'The course grades with further, private tests: a full score here is '
                  'necessary, not sufficient.']
        return '\n'.join(lines)


def _clipped(text, width):
    """text, cut to width characters with an ellipsis if longer."""
    return text if len(text) <= width else text[:width - 1] + '\u2026'


def run_tests(folder, python=sys.executable, timeout=1200):
    """Run the course-named test modules in folder with a fresh interpreter; return
    (per-test dicts, problems). What the graded code prints is caught per test."""
    results = Path(folder).parent / 'results.json'
    env = dict(os.environ, MPLBACKEND='Agg', OPENBLAS_NUM_THREADS='1', PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONPATH', None)
    try:
        done = subprocess.run([python, '-I', str(RUNNER), str(results), *COURSE_TESTS],
                              cwd=folder, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], [('tests', f'the tests did not finish within {timeout} s')]
    except OSError as err:
        return [], [('tests', f'cannot run {python} ({err.strerror})')]
    if not results.is_file():
        return [], [('tests', 'the test runner stopped before reporting (exit code '
                              f'{done.returncode}): {done.stderr.strip()[-1500:]}')]
    tests = json.loads(results.read_text())
    problems = [('printing', f"{test['test']} printed {test['printed'][:200]!r}")
                for test in tests if test['printed']]
    if done.stdout.strip():
        problems.append(('printing', f'printed outside any test: {done.stdout.strip()[:200]!r}'))
    return tests, problems


def grade(archive=ARCHIVE, python=sys.executable, data_dir=None):
    """Grade an archive as the course would; return a Report.

    data_dir: a folder already holding the course's two CSVs, to reuse
    (writing them takes a few seconds); by default they are written afresh.
    """
    started = time.perf_counter()
    archive = Path(archive)
    if not archive.is_file():
        raise GradeError(f'{archive} does not exist. Build it first: run collect_submission.ipynb, '
                         'or `python -c "from lab import archive; archive.make_archive()"`.')
    report = Report(archive=archive, python=str(python))
    with tempfile.TemporaryDirectory(prefix='hw1-grade-') as scratch:
        folder = Path(scratch) / 'submission'
        folder.mkdir()
        names = unpack(archive, folder)
        report.problems += [('files', f'{name} is missing') for name in REQUIRED
                            if name not in names]
        report.problems += [('imports', problem) for problem in check_imports(folder, names)]
        report.problems += [('configs', problem) for problem in check_configs(folder)]
        if data_dir is None:
            write_course_data(folder)
        else:
            shutil.copytree(data_dir, folder / 'data')
        add_course_tests(folder)
        report.tests, problems = run_tests(folder, python)
        report.problems += problems
    report.seconds = time.perf_counter() - started
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('archive', nargs='?', type=Path, default=ARCHIVE,
                        help=f'the archive to grade (default {ARCHIVE.name})')
    parser.add_argument('--python', default=sys.executable,
                        help='the interpreter that runs the tests (default: this one)')
    args = parser.parse_args(argv)
    try:
        report = grade(args.archive, args.python)
    except GradeError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(report.table())
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())
