"""The private tests (tests/private/) tested: they can fail, and only where they should.

The graded files are copied into a temporary folder and changed there: stripped as the
student release strips them (lab.surface.strip), or with one realistic fault. For a run,
utils, models and optimizer are imported from that folder instead of the project, and the
private test classes are loaded afresh from their files and run with unittest, in this
process (a fresh interpreter per run would cost a second each). The release must fail
every private class; each fault must fail a class of its own section and pass every other
section's. The default line runs the issue's five faults, each against the classes whose
module imports the faulty file's package (the others cannot reach it: TestSectionIsolation
pins the imports); of the two classes that cost a second each, the split's runs against
the split's fault only, the plot's against none. @full_only runs every class against the
solution, the release and eight faults, and the private tests in a grader's folder.
"""
import ast
import contextlib
import hashlib
import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lab import data, surface
from lab.grade import ALLOWED_IMPORTS
from tests import ROOT, TempDirTestCase, full_only, needs_mnist

PRIVATE = ROOT / 'tests' / 'private'
GRADED_PACKAGES = ('utils', 'models', 'optimizer')
# Private class -> (its module in tests/private, its section of the handout's rubric).
# lab/points.py holds the points of each section; 'plot' is worth 0 (graded with the
# write-up).
SECTIONS = {
    'TestSplitFacts': ('test_private_loading', 'data loading'),
    'TestBatchingFacts': ('test_private_loading', 'data loading'),
    'TestActivationFacts': ('test_private_utility', 'utility functions'),
    'TestSoftmaxAndLossFacts': ('test_private_utility', 'utility functions'),
    'TestExtremeInputs': ('test_private_utility', 'utility functions'),
    'TestForwardOnOtherShapes': ('test_private_models', 'models'),
    'TestGradientsMatchFiniteDifferences': ('test_private_models', 'models'),
    'TestRegularizationFacts': ('test_private_optimizer', 'optimizer'),
    'TestSGDFacts': ('test_private_optimizer', 'optimizer'),
    'TestPlotCurvesHeadless': ('test_private_plot', 'plot'),
}
# Loading MNIST as lists, and drawing, cost about a second each: the default line runs
# these classes against the one fault named here (None: against none).
EXPENSIVE = {'TestSplitFacts': 'the validation split taken from the wrong end',
             'TestPlotCurvesHeadless': None}


@dataclass(frozen=True)
class Edit:
    """In file, the text old (found exactly once) written as new."""
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Fault(Edit):
    """A realistic mistake, and the section of the rubric whose points it must cost."""
    section: str


FAULTS = {
    'softmax without the max shift': Fault(
        'models/_base_network.py', 'np.exp(scores - np.max(scores, axis=1, keepdims=True))',
        'np.exp(scores)', 'utility functions'),
    'sigmoid_dev = s (1 + s)': Fault(
        'models/_base_network.py', 'return s * (1.0 - s)', 'return s * (1.0 + s)',
        'utility functions'),
    'biases regularized': Fault(
        'optimizer/_base_optimizer.py', "if name.startswith('W'):",
        "if name.startswith(('W', 'b')):", 'optimizer'),
    'a transposed gradient (two-layer dW2)': Fault(
        'models/two_layer_nn.py', 'dW2 = a1.T @ dz2', 'dW2 = dz2.T @ a1', 'models'),
    'a transposed gradient (softmax regression dW1)': Fault(
        'models/softmax_regression.py', "self.gradients['W1'] = X.T @ dz",
        "self.gradients['W1'] = dz.T @ X", 'models'),
    'a wrong sigmoid slope in the backward pass': Fault(
        'models/two_layer_nn.py', 'dz1 = da1 * (a1 * (1.0 - a1))',
        'dz1 = da1 * (a1 * (2.0 - a1))', 'models'),
    'the validation split taken from the wrong end': Fault(
        'utils.py', 'return images[:cut], labels[:cut], images[cut:], labels[cut:]',
        'return images[-cut:], labels[-cut:], images[:-cut], labels[:-cut]', 'data loading'),
    'the last batch dropped': Fault(
        'utils.py', 'for start in range(0, len(X), batch_size)',
        'for start in range(0, len(X) - batch_size + 1, batch_size)', 'data loading'),
}
SPLIT_FAULT = EXPENSIVE['TestSplitFacts']
# Right answers written another way the handout allows: the private tests must pass them.
HONEST = (
    Edit('models/_base_network.py',
         'exp = np.exp(scores - np.max(scores, axis=1, keepdims=True))\n'
         '        return exp / exp.sum(axis=1, keepdims=True)',
         'shifted = scores - np.max(scores, axis=1, keepdims=True)\n'
         '        return np.exp(shifted - np.log(np.sum(np.exp(shifted), axis=1, '
         'keepdims=True)))'),
    Edit('models/_base_network.py', 'return float(np.mean(-np.log(np.maximum(picked, _TINY))))',
         'return np.mean(-np.log(picked + 1e-7))'),
    Edit('models/_base_network.py', 'return float(np.mean(np.argmax(x_pred, axis=1) == y))',
         'return np.sum(np.argmax(x_pred, axis=1) == y) / len(y)'),
    Edit('models/_base_network.py', 'return 1.0 / (1.0 + np.exp(-X))',
         'return 0.5 * (1.0 + np.tanh(0.5 * X))'),
    Edit('models/_base_network.py', 'return np.maximum(X, 0.0)', 'return X * (X > 0)'),
    Edit('models/_base_network.py', 'return (X > 0).astype(np.float64)',
         'return (X >= 0).astype(np.float64)'),
    Edit('models/two_layer_nn.py', 'dz1 = da1 * (a1 * (1.0 - a1))',
         'dz1 = da1 * self.sigmoid_dev(z1)'),
    Edit('optimizer/_base_optimizer.py', 'model.gradients[name] += self.reg * weight',
         'model.gradients[name] = model.gradients[name] + self.reg * weight'),
    Edit('optimizer/sgd.py', 'weight -= self.learning_rate * model.gradients[name]',
         'model.weights[name] = weight - self.learning_rate * model.gradients[name]'),
    Edit('utils.py', '    if not save_only:\n        plt.show()\n',
         "    if not save_only:\n        plt.show()\n        plt.close('all')\n"),
)


def write_graded_files(folder, change=None):
    """Copy the project's graded files into folder; change(file, source) -> the source to
    write instead (default: as they are). Returns folder."""
    for file in ALLOWED_IMPORTS:
        source = (ROOT / file).read_text(encoding='utf-8')
        target = Path(folder) / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source if change is None else change(file, source), encoding='utf-8')
    return folder


def stripped(file, source):
    """The file as the student release has it."""
    return surface.strip(source, file) if file in surface.FILES else source


def edited(*edits):
    """change() for write_graded_files that makes the edits."""
    def change(file, source):
        for edit in edits:
            if edit.file == file:
                if source.count(edit.old) != 1:
                    raise AssertionError(f'{file} no longer holds {edit.old!r} exactly once: '
                                         'update tests/test_private_tests.py')
                source = source.replace(edit.old, edit.new)
        return source
    return change


def _graded(name):
    return name.split('.')[0] in GRADED_PACKAGES


@contextlib.contextmanager
def graded_code_from(folder):
    """Inside, `import utils` (models, optimizer) imports folder's files; the project's
    modules are put back afterwards. The working folder is the project, where data/ is."""
    saved = {name: module for name, module in sys.modules.items() if _graded(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(folder))
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(here)
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if _graded(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def verdict(result):
    """'pass', 'skip' (every test skipped) or 'fail: <the first problem's last line>'."""
    if result.testsRun and len(result.skipped) == result.testsRun:
        return 'skip'
    problems = result.failures + result.errors
    if problems:
        return 'fail: ' + problems[0][1].strip().splitlines()[-1][:200]
    return 'pass' if result.testsRun else 'fail: no test ran'


def outcomes(folder, classes):
    """{class: verdict} of the private classes run against the graded files in folder."""
    found, modules = {}, {}
    with graded_code_from(folder):
        for name in classes:
            module_name = SECTIONS[name][0]
            if module_name not in modules:
                spec = importlib.util.spec_from_file_location(
                    f'_private_run_{module_name}', PRIVATE / f'{module_name}.py')
                modules[module_name] = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(modules[module_name])
            suite = unittest.defaultTestLoader.loadTestsFromTestCase(
                getattr(modules[module_name], name))
            runner = unittest.TextTestRunner(stream=io.StringIO(), warnings='ignore')
            found[name] = verdict(runner.run(suite))
    return found


def imported_modules(path):
    """The top-level names of the modules a Python file imports."""
    tree = ast.parse(Path(path).read_text(encoding='utf-8'))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split('.')[0])
    return names


class PrivateRunTestCase(TempDirTestCase):
    def run_variant(self, change, classes):
        folder = write_graded_files(self.tmp / 'graded', change)
        return outcomes(folder, classes)

    def assertOnlySectionFails(self, fault_name, classes):
        fault = FAULTS[fault_name]
        found = self.run_variant(edited(fault), classes)
        own = {name: found[name] for name in found if SECTIONS[name][1] == fault.section}
        others = {name: found[name] for name in found if SECTIONS[name][1] != fault.section}
        self.assertTrue(any(v.startswith('fail') for v in own.values()),
                        f'{fault_name}: no {fault.section} class fails: {own}')
        self.assertEqual({name: v for name, v in others.items() if v != 'pass'}, {},
                         f'{fault_name}: classes of other sections lose points')


class TestTheReleaseFailsEveryPrivateClass(PrivateRunTestCase):
    def test_every_private_class_fails_on_the_student_release(self):
        needs_mnist()        # else the split's class skips, as it does on the project
        found = self.run_variant(stripped, SECTIONS)
        self.assertEqual({name: v for name, v in found.items() if not v.startswith('fail')}, {})


def classes_seeing(file):
    """The private classes whose module imports the package that file belongs to: the only
    ones a fault in file can reach (TestSectionIsolation pins that these imports are all)."""
    package = file.split('/')[0].split('.')[0]       # 'utils.py' -> 'utils'
    return [name for name, (module, _) in SECTIONS.items()
            if package in imported_modules(PRIVATE / f'{module}.py')]


class TestEachFaultLosesPointsInItsOwnSectionOnly(PrivateRunTestCase):
    """Each of the issue's realistic faults against every class that can reach it (see
    classes_seeing), but for those that cost a second each (EXPENSIVE): the split's runs
    against the split's fault only, the plot's against none. TestTheWholeMatrix runs
    every class against every fault."""

    def assertOnlyItsSectionFails(self, fault_name):
        classes = [name for name in classes_seeing(FAULTS[fault_name].file)
                   if EXPENSIVE.get(name, fault_name) == fault_name]
        self.assertOnlySectionFails(fault_name, classes)

    def test_softmax_without_the_max_shift_loses_utility_points_only(self):
        self.assertOnlyItsSectionFails('softmax without the max shift')

    def test_a_sigmoid_dev_of_s_times_1_plus_s_loses_utility_points_only(self):
        self.assertOnlyItsSectionFails('sigmoid_dev = s (1 + s)')

    def test_regularized_biases_lose_optimizer_points_only(self):
        self.assertOnlyItsSectionFails('biases regularized')

    def test_a_transposed_gradient_loses_model_points_only(self):
        self.assertOnlyItsSectionFails('a transposed gradient (two-layer dW2)')

    def test_a_validation_split_from_the_wrong_end_loses_data_loading_points_only(self):
        needs_mnist()
        self.assertOnlyItsSectionFails(SPLIT_FAULT)


class TestRightAnswersWrittenOtherWaysPass(PrivateRunTestCase):
    def test_every_class_that_sees_models_or_optimizer_passes_honest_alternatives(self):
        edits = [edit for edit in HONEST if edit.file != 'utils.py']
        classes = [name for name in SECTIONS
                   if name not in EXPENSIVE and SECTIONS[name][0] != 'test_private_loading']
        found = self.run_variant(edited(*edits), classes)
        self.assertEqual({name: v for name, v in found.items() if v != 'pass'}, {})


class TestSectionIsolation(unittest.TestCase):
    """What the runs above leave out, shown by what each module imports and calls."""

    def test_data_and_plot_tests_import_neither_models_nor_optimizer(self):
        for module in ('test_private_loading', 'test_private_plot'):
            with self.subTest(module=module):
                found = imported_modules(PRIVATE / f'{module}.py')
                self.assertEqual(found & {'models', 'optimizer'}, set())

    def test_utility_model_and_optimizer_tests_do_not_import_utils(self):
        for module in ('test_private_utility', 'test_private_models', 'test_private_optimizer'):
            with self.subTest(module=module):
                self.assertNotIn('utils', imported_modules(PRIVATE / f'{module}.py'))

    def test_optimizer_tests_never_run_a_forward_pass(self):
        tree = ast.parse((PRIVATE / 'test_private_optimizer.py').read_text(encoding='utf-8'))
        calls = {node.func.attr for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
        self.assertNotIn('forward', calls)

    def test_the_table_names_every_private_class_and_no_other(self):
        found = set()
        for path in sorted(PRIVATE.glob('test_*.py')):
            tree = ast.parse(path.read_text(encoding='utf-8'))
            found |= {(path.stem, node.name) for node in tree.body
                      if isinstance(node, ast.ClassDef) and node.name.startswith('Test')}
        self.assertEqual(found, {(module, name) for name, (module, _) in SECTIONS.items()})

    def test_every_fault_and_alternative_still_matches_the_code(self):
        for edit in [*FAULTS.values(), *HONEST]:
            with self.subTest(edit=edit.new):
                self.assertEqual((ROOT / edit.file).read_text(encoding='utf-8').count(edit.old),
                                 1)


class TestSplitConstantsAreMnists(unittest.TestCase):
    def test_split_facts_are_those_of_mnists_training_file(self):
        needs_mnist()
        spec = importlib.util.spec_from_file_location('_private_loading_constants',
                                                      PRIVATE / 'test_private_loading.py')
        loading = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loading)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(ROOT)       # where needs_mnist() read it: the same cached copy
        # The whole training file, verified against the SHA-256 of MNIST's original files:
        # the split is cut here with numpy, not by utils.
        images, labels, _, _ = data.originals()
        self.assertEqual(tuple(np.bincount(labels[:48000], minlength=10)),
                         loading.TRAIN_DIGIT_COUNTS)
        self.assertEqual(tuple(np.bincount(labels[48000:], minlength=10)),
                         loading.VAL_DIGIT_COUNTS)
        for row, (label, total, sha256) in loading.BOUNDARY_IMAGES.items():
            self.assertEqual((int(labels[row]), int(images[row].sum()),
                              hashlib.sha256(images[row].tobytes()).hexdigest()),
                             (label, total, sha256), row)
        self.assertEqual(labels[47990:48000].tolist(), loading.LAST_TRAIN_LABELS)
        self.assertEqual(labels[48000:48010].tolist(), loading.FIRST_VAL_LABELS)
        self.assertEqual(labels[59990:].tolist(), loading.LAST_VAL_LABELS)


@full_only('every private class against the solution, the release and every fault '
           '(the default line: TestTheReleaseFailsEveryPrivateClass, '
           'TestEachFaultLosesPointsInItsOwnSectionOnly, TestSectionIsolation)')
class TestTheWholeMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        needs_mnist()
        cls.table = matrix()

    def test_the_solution_passes_every_private_class(self):
        self.assertEqual({name: v for name, v in self.table['solution'].items() if v != 'pass'},
                         {})

    def test_right_answers_written_other_ways_pass_every_private_class(self):
        self.assertEqual({name: v for name, v in self.table['honest alternatives'].items()
                          if v != 'pass'}, {})

    def test_the_release_fails_every_private_class(self):
        self.assertEqual({name: v for name, v in self.table['release stubs'].items()
                          if not v.startswith('fail')}, {})

    def test_every_fault_fails_its_section_and_passes_every_other(self):
        for fault_name, fault in FAULTS.items():
            with self.subTest(fault=fault_name):
                found = self.table[fault_name]
                self.assertTrue(any(v.startswith('fail') for name, v in found.items()
                                    if SECTIONS[name][1] == fault.section), found)
                self.assertEqual({name: v for name, v in found.items()
                                  if SECTIONS[name][1] != fault.section and v != 'pass'}, {})


@full_only("the private tests in a grader's folder, a fresh Python each (the default line: "
           'the private modules themselves; tests.test_grade.'
           'test_a_utils_that_reads_only_the_bundle_fails_the_data_tests, for the '
           "needing_mnist that fails rather than skips in a grader's folder)")
class TestInAGradersFolder(TempDirTestCase):
    """The private tests where the autograder runs them: a folder holding the graded files,
    tests/__init__.py, tests/private/ and, as data, the course's two CSVs only."""

    def graders_folder(self):
        folder = write_graded_files(self.tmp / 'grader')
        (folder / 'tests').mkdir()
        shutil.copyfile(ROOT / 'tests' / '__init__.py', folder / 'tests' / '__init__.py')
        shutil.copytree(PRIVATE, folder / 'tests' / 'private',
                        ignore=shutil.ignore_patterns('__pycache__'))
        return folder

    def run_unittest(self, folder, *names):
        """python -m unittest names, in folder, as the grader runs it; the completed process."""
        env = dict(os.environ, MPLBACKEND='Agg', PYTHONDONTWRITEBYTECODE='1')
        env.pop('PYTHONPATH', None)
        return subprocess.run([sys.executable, '-m', 'unittest', *names], cwd=folder, env=env,
                              capture_output=True, text=True)

    def test_without_data_the_split_facts_fail_rather_than_skip(self):
        # A grader may count a skip as a pass: missing data must cost the points.
        ran = self.run_unittest(self.graders_folder(),
                                'tests.private.test_private_loading.TestSplitFacts')
        self.assertNotEqual(ran.returncode, 0, ran.stderr)
        self.assertIn('ERROR: setUpClass', ran.stderr)
        self.assertNotIn('skipped', ran.stderr)

    def test_with_the_courses_csvs_every_private_test_passes(self):
        from lab.grade import write_course_data
        folder = self.graders_folder()
        write_course_data(folder)
        modules = sorted({f'tests.private.{module}' for module, _ in SECTIONS.values()})
        ran = self.run_unittest(folder, *modules)
        self.assertEqual(ran.returncode, 0, ran.stderr[-3000:])
        self.assertNotIn('skipped', ran.stderr)


def matrix():
    """{variant: {class: verdict}} for the solution, the release and every fault: every
    private class against each (about 40 s; print it with
    `python -c 'import pprint, tests.test_private_tests as t; pprint.pprint(t.matrix())'`)."""
    variants = {'solution': None, 'release stubs': stripped, 'honest alternatives': edited(*HONEST),
                **{name: edited(fault) for name, fault in FAULTS.items()}}
    table = {}
    for variant, change in variants.items():
        with tempfile.TemporaryDirectory(prefix='hw1-private-matrix-') as folder:
            table[variant] = outcomes(write_graded_files(Path(folder), change), SECTIONS)
    return table


if __name__ == '__main__':
    unittest.main()
