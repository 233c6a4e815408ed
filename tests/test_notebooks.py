"""main.ipynb and collect_submission.ipynb, executed end to end by a real kernel.

Both run in a temporary copy of the repository, so nothing lands in the
working tree. main.ipynb runs in quick mode (one epoch per training run) on
the real data; its cell 3 runs the four fast course test modules (this suite
runs tests.test_loading itself), never this module, which would run the
notebook inside itself. collect_submission.ipynb then builds the archive and
exports the executed notebook to PDF.

The PDF test needs pandoc and XeLaTeX; without them it is skipped, unless
HW1_REQUIRE_TEX=1 (as in CI) makes their absence a failure.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from lab import grade, submission
from tests import ROOT

NOT_COPIED = shutil.ignore_patterns('.git', 'runs', '__pycache__', '.hypothesis', '*.pdf',
                                    '*.zip', '.ipynb_checkpoints')
# Cell 3's course modules, but test_loading: this suite runs it already, and it loads
# MNIST as lists (the notebook's slowest cell).
FAST_COURSE_TESTS = [module for module in grade.COURSE_TESTS if module != 'tests.test_loading']
TRAINING_CELLS = {6: 'softmax', 8: 'twolayer', 10: 'learning_rate_1', 12: 'learning_rate_0.1',
                  14: 'learning_rate_0.01', 16: 'learning_rate_0.05', 18: 'reg_0.1',
                  20: 'reg_0.01', 22: 'reg_0.001', 24: 'reg_0.0001', 26: 'reg_1', 28: 'best'}
# Cell 29 also shows the tuned net's hidden units, confusion matrix and mistakes.
EXTRA_FIGURES = {29: 3}
TEX_REQUIRED = os.environ.get('HW1_REQUIRE_TEX') == '1'


def cell_number(cell):
    match = re.match(r'# Cell (\d+):', cell.source)
    return int(match.group(1)) if match else None


def execute(notebook, output, cwd, **parameters):
    import papermill
    env = {'OPENBLAS_NUM_THREADS': '1'}
    with mock.patch.dict(os.environ, env):
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                   cwd=str(cwd), kernel_name='python3', progress_bar=False,
                                   log_output=False)
    import nbformat
    return nbformat.read(str(output), as_version=4)


def texts(cell, kind):
    """The plain-text outputs of a cell of one output type, joined."""
    parts = []
    for output in cell.outputs:
        if output.output_type == kind == 'stream':
            parts.append(output.text)
        elif output.output_type == kind:
            parts.append(output.data.get('text/plain', ''))
    return ''.join(parts)


class TestNotebooks(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.repo = Path(cls.tmp.name) / 'hw1'
        shutil.copytree(ROOT, cls.repo, ignore=NOT_COPIED)
        (cls.repo / 'runs').mkdir()
        cls.main = execute(cls.repo / 'main.ipynb', cls.repo / 'runs' / 'main.ipynb', cls.repo,
                           QUICK=True, UNIT_TESTS=FAST_COURSE_TESTS)
        cls.cells = {cell_number(c): c for c in cls.main.cells
                     if c.cell_type == 'code' and cell_number(c) is not None}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # -- main.ipynb ------------------------------------------------------------

    def test_committed_notebooks_hold_no_outputs(self):
        for name in ('main.ipynb', 'collect_submission.ipynb'):
            self.assertFalse(submission.has_outputs(ROOT / name), name)

    def test_code_cells_are_numbered_1_to_29_in_order(self):
        import nbformat
        committed = nbformat.read(str(ROOT / 'main.ipynb'), as_version=4)
        numbers = [cell_number(c) for c in committed.cells
                   if c.cell_type == 'code' and cell_number(c) is not None]
        self.assertEqual(numbers, list(range(1, 30)))

    def test_one_cell_is_tagged_parameters(self):
        tagged = [c for c in self.main.cells if 'parameters' in c.metadata.get('tags', [])]
        self.assertEqual(len(tagged), 1)
        self.assertIn('QUICK = False', tagged[0].source)

    def test_data_check_and_unit_tests_pass(self):
        self.assertIn('present and intact', texts(self.cells[2], 'stream'))
        report = texts(self.cells[3], 'stream')
        self.assertRegex(report, r'Ran \d+ tests')
        self.assertTrue(report.rstrip().endswith('OK'), report)
        self.assertNotIn('test_notebooks', report)

    def test_each_training_cell_shows_one_final_bar_and_its_epoch_line(self):
        for number, name in TRAINING_CELLS.items():
            cell = self.cells[number]
            bars = [o for o in cell.outputs if o.output_type == 'display_data']
            self.assertEqual(len(bars), 1, f'cell {number}')
            final = bars[0].data['text/plain']
            self.assertTrue(final.startswith(name + ' ['), final)
            self.assertIn('1/1 epochs', final)
            self.assertIn('test acc', final)
            printed = texts(cell, 'stream')
            self.assertEqual(printed.count('epoch  1/1:'), 1, printed)
            self.assertNotIn('batch', printed)   # per-batch lines go to train.log

    def test_each_plot_cell_shows_loss_and_accuracy_figures(self):
        for number in [n + 1 for n in TRAINING_CELLS]:
            images = [o for o in self.cells[number].outputs if 'image/png' in o.get('data', {})]
            self.assertEqual(len(images), 2 + EXTRA_FIGURES.get(number, 0), f'cell {number}')

    def test_no_cell_echoes_a_file_path(self):
        echoed = [c.source.splitlines()[0] for c in self.main.cells if c.cell_type == 'code'
                  for o in c.outputs if o.output_type == 'execute_result'
                  and 'Path(' in o.data.get('text/plain', '')]
        self.assertEqual(echoed, [])

    def test_gradient_check_reports_every_parameter_ok(self):
        cell = next(c for c in self.main.cells if 'gradcheck.report()' in c.source)
        report = texts(cell, 'stream')
        rows = [line.split() for line in report.splitlines()[1:] if line.strip()]
        self.assertEqual([row[1] for row in rows], ['W1', 'b1', 'b2', 'W1', 'W2'])
        for row in rows:
            self.assertLess(float(row[2]), 1e-6, report)
            self.assertEqual(row[3], 'ok')

    def test_softmax_insight_shows_two_figures_and_prints_nothing(self):
        # the dead classes are explained once, in the text above the cell, and named on
        # the per-class figure: the cell prints nothing of its own
        cell = next(c for c in self.main.cells if 'show_softmax_templates' in c.source)
        images = [o for o in cell.outputs if 'image/png' in o.get('data', {})]
        self.assertEqual(len(images), 2)
        self.assertEqual(len(cell.outputs), 2, cell.outputs)

    def test_each_sweep_ends_with_an_overlay_and_a_table(self):
        summaries = [c for c in self.main.cells if c.source.rstrip().endswith('.summary()')]
        self.assertEqual(len(summaries), 2)
        for cell, values in zip(summaries, (['1', '0.1', '0.01', '0.05'],
                                            ['0.1', '0.01', '0.001', '0.0001', '1'])):
            images = [o for o in cell.outputs if 'image/png' in o.get('data', {})]
            self.assertEqual(len(images), 1)
            rows = texts(cell, 'stream').splitlines()[2:2 + len(values)]
            self.assertEqual([row.split('|')[0].strip() for row in rows], values)
            self.assertTrue(all(row.rstrip().endswith('finished') for row in rows), rows)

    def test_runs_and_plots_are_saved_under_runs(self):
        runs = self.repo / 'runs'
        self.assertTrue((runs / 'softmax' / 'softmax_loss.png').is_file())
        self.assertTrue((runs / 'twolayer' / 'twolayer_accuracy.png').is_file())
        self.assertTrue((runs / 'sweep_learning_rate' / 'sweep_learning_rate.png').is_file())
        self.assertTrue((runs / 'sweep_reg' / 'reg_1' / 'train.log').is_file())
        self.assertTrue((runs / 'best' / 'results.json').is_file())
        self.assertTrue((runs / 'best' / 'confusion_matrix.png').is_file())
        self.assertTrue((runs / 'softmax' / 'softmax_templates.png').is_file())
        self.assertEqual(list(self.repo.glob('*.png')), [])

    # -- collect_submission.ipynb ----------------------------------------------

    def test_collect_submission_builds_the_archive_and_the_pdf(self):
        missing = submission.missing_tex_tools()
        if missing and not TEX_REQUIRED:
            self.skipTest(f"{', '.join(missing)} not installed: cannot make a PDF")
        execute(self.repo / 'collect_submission.ipynb', self.repo / 'runs' / 'collect.ipynb',
                self.repo)
        archive = self.repo / submission.ARCHIVE_NAME
        self.assertEqual(submission.archive_contents(archive), sorted(submission.REQUIRED))
        pdf = self.repo / 'main.pdf'   # made from runs/main.ipynb: main.ipynb holds no outputs
        self.assertTrue(pdf.is_file(), 'no PDF was written')
        self.assertEqual(pdf.read_bytes()[:5], b'%PDF-')
        if shutil.which('pdfinfo') is None and not TEX_REQUIRED:
            return
        info = subprocess.run(['pdfinfo', str(pdf)], capture_output=True, text=True, check=True)
        pages = int(re.search(r'^Pages:\s+(\d+)', info.stdout, re.M).group(1))
        self.assertGreater(pages, 5)
        listing = subprocess.run(['pdfimages', '-list', str(pdf)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        images = [row for row in listing if row.split()[2] == 'image']   # not their masks
        # two learning-curve figures per training run, one overlay per sweep, the softmax
        # model's templates and per-class accuracy, and the tuned net's extra figures
        expected = 2 * len(TRAINING_CELLS) + 2 + 2 + sum(EXTRA_FIGURES.values())
        self.assertEqual(len(images), expected)


if __name__ == '__main__':
    unittest.main()
