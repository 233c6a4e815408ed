"""main.ipynb and collect_submission.ipynb, executed end to end by a real kernel.

Both run in a temporary copy of the repository (copy_repo), so nothing lands in
the working tree, and none of the user's files takes part: main.ipynb is the
template of tests/fixtures/main.ipynb, configs/ holds the course's values. The
kernel is the one the project ships for headless runs
(jupyter/kernels/python3, found through JUPYTER_PATH as the README's lines
set it). main.ipynb runs in quick mode (one epoch per training run) on the
real data; its cell 3 runs one fast course test module, tests.test_loss
(this suite runs all five itself), never this module, which would run the
notebook inside itself.

collect_submission.ipynb is then run as the README runs it, from the
command line, with answers written into main.ipynb after the headless run
(they must reach the PDF, with the run's plots, one question per page
start). With HW1_FULL_TESTS=1 it also runs where it cannot finish (its exit
code and stderr must say why), and with ARCHIVE_ONLY, which needs no TeX:
tests.test_collect tests both on small fixtures.

The PDF test needs pandoc and XeLaTeX; without them it is skipped, unless
HW1_REQUIRE_TEX=1 (as in CI) makes their absence a failure.

The fixture is main.ipynb as committed (no outputs, no answers); when the
notebook's code cells change, make it again from the repository's root with
    git show HEAD:main.ipynb > tests/fixtures/main.ipynb
(TestFixture says so when they differ).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import nbformat

from lab import grade, writeup
from lab.archive import ARCHIVE_NAME
from lab.pdf import TEX_INSTALL, missing_tex_tools
from tests import ROOT, full_only, needs_mnist, write_course_configs
from tests.test_archive import zip_names
from tests.test_writeup import answered

NOT_COPIED = shutil.ignore_patterns('.git', '.venv', 'runs', '__pycache__', '.hypothesis', '*.pdf',
                                    '*.zip', '.ipynb_checkpoints')
# The user's own files at the top of the folder, which copy_repo replaces or leaves out:
# the notebook they answer in, the configs they tune, figures they saved by hand.
USERS_OWN = shutil.ignore_patterns('main.ipynb', 'configs', '*.png')
FIXTURE = ROOT / 'tests' / 'fixtures' / 'main.ipynb'
REGENERATE = 'git show HEAD:main.ipynb > tests/fixtures/main.ipynb'
# Cell 3's course modules, but test_loading: this suite runs it already, and it loads
# MNIST as lists (the notebook's slowest cell).
FAST_COURSE_TESTS = [module for module in grade.COURSE_TESTS if module != 'tests.test_loading']
TRAINING_CELLS = {6: 'softmax', 8: 'twolayer', 10: 'learning_rate_1', 12: 'learning_rate_0.1',
                  14: 'learning_rate_0.01', 16: 'learning_rate_0.05', 18: 'reg_0.1',
                  20: 'reg_0.01', 22: 'reg_0.001', 24: 'reg_0.0001', 26: 'reg_1', 28: 'best'}
# Cell 29 also shows the tuned net's hidden units, confusion matrix and mistakes.
EXTRA_FIGURES = {29: 3}
# two learning-curve figures per training run, one overlay per sweep, the softmax model's
# templates and per-class accuracy, and the tuned net's extra figures
PLOTS = 2 * len(TRAINING_CELLS) + 2 + 2 + sum(EXTRA_FIGURES.values())
TEX_REQUIRED = os.environ.get('HW1_REQUIRE_TEX') == '1'
# The README's collect line, as a list (its JUPYTER_PATH goes into the environment).
COLLECT = ['-m', 'papermill', 'collect_submission.ipynb', 'runs/collect_submission.ipynb',
           '--log-output']
# What collect must not print, whatever the machine's speed: the kernel's log ('[IPKernelApp]
# WARNING | ...'), a Jupyter application's log line ('... WARNING | ...') and a Python warning
# as the warnings module prints it ('file.py:12: UserWarning: ...'), each at the start of a line.
# Not the bare word: a message that merely holds it is not a stray warning.
STRAY = re.compile(r'^\[IPKernelApp\]|\bWARNING \||^\S+:\d+: \w*Warning: ', re.M)
# A PATH without pandoc or XeLaTeX: Python, the kernel and the grader still run.
NO_TEX = str(Path(sys.executable).parent)


def cell_number(cell):
    match = re.match(r'# Cell (\d+):', cell.source)
    return int(match.group(1)) if match else None


def headless_env(repo, **extra):
    """The environment of the README's headless lines: the project's kernel for them."""
    return dict(os.environ, JUPYTER_PATH=str(repo / 'jupyter'), OPENBLAS_NUM_THREADS='1',
                **extra)


def execute(notebook, output, cwd, **parameters):
    import papermill
    with mock.patch.dict(os.environ, headless_env(Path(cwd))):
        papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                                   cwd=str(cwd), progress_bar=False, log_output=False)
    return nbformat.read(str(output), as_version=4)


def collect(repo, *parameters, **env):
    """collect_submission.ipynb run by the README's line in repo; the finished process."""
    return subprocess.run([sys.executable, *COLLECT, *parameters], cwd=repo,
                          env=headless_env(repo, **env), capture_output=True, text=True)


def _not_copied(folder, names):
    ignored = NOT_COPIED(folder, names)
    if Path(folder) == ROOT:
        ignored |= USERS_OWN(folder, names)
    return ignored


def copy_repo(destination):
    """A copy of the project in destination (a Path), as a fresh clone has it: the template
    notebook (tests/fixtures/main.ipynb), the course's configs, an empty runs/, no archive
    or PDF; the user's main.ipynb, configs/ and runs/ are never read. Returns destination."""
    needs_mnist()
    shutil.copytree(ROOT, destination, ignore=_not_copied)
    shutil.copyfile(FIXTURE, destination / 'main.ipynb')
    write_course_configs(destination)
    (destination / 'runs').mkdir()
    return destination


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
        cls.repo = copy_repo(Path(cls.tmp.name) / 'hw1')
        cls.main = execute(cls.repo / 'main.ipynb', cls.repo / 'runs' / 'main.ipynb', cls.repo,
                           QUICK=True, UNIT_TESTS='tests.test_loss')
        cls.cells = {cell_number(c): c for c in cls.main.cells
                     if c.cell_type == 'code' and cell_number(c) is not None}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # -- main.ipynb ------------------------------------------------------------

    def test_committed_notebooks_hold_no_outputs(self):
        for path in (FIXTURE, ROOT / 'collect_submission.ipynb'):
            self.assertFalse(writeup.has_outputs(writeup.read_notebook(path)), path.name)

    def test_code_cells_are_numbered_1_to_29_in_order(self):
        committed = nbformat.read(str(FIXTURE), as_version=4)
        numbers = [cell_number(c) for c in committed.cells
                   if c.cell_type == 'code' and cell_number(c) is not None]
        self.assertEqual(numbers, list(range(1, 30)))

    def test_papermill_reads_every_parameter(self):
        import papermill
        found = papermill.inspect_notebook(str(FIXTURE))
        self.assertEqual(set(found), {'QUICK', 'EPOCHS', 'SEED', 'WORKERS', 'UNIT_TESTS',
                                      'SWEEP_CONFIG', 'TUNING_CONFIG'})

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

    def test_no_output_shows_the_local_folder(self):
        folders = {str(self.repo), str(self.repo.resolve()), self.tmp.name}
        shown = [c.source.splitlines()[0] for c in self.main.cells if c.cell_type == 'code'
                 for o in c.outputs for text in [o.get('text', ''), *o.get('data', {}).values()]
                 if isinstance(text, str) and any(folder in text for folder in folders)]
        self.assertEqual(shown, [])
        self.assertIn("Working in the assignment folder 'hw1'", texts(self.cells[1], 'stream'))

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

    @full_only('collect end to end from the quick run, with answers written afterwards, through '
               'the pre-flight grade and LaTeX (about 20 s; tests.test_writeup, test_pdf and '
               'test_collect test its steps)')
    def test_collect_merges_answers_written_after_the_headless_run(self):
        missing = missing_tex_tools()
        if missing and not TEX_REQUIRED:
            self.skipTest(f"{', '.join(missing)} not installed: cannot make a PDF")
        # The student answers in main.ipynb (which holds no outputs) after the headless run.
        main = self.repo / 'main.ipynb'
        nbformat.write(answered(nbformat.read(str(main), as_version=4)), str(main))
        written = main.read_bytes()
        done = collect(self.repo, '-p', 'PARTIAL_RUN', 'True')   # a quick run
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIsNone(STRAY.search(done.stderr), done.stderr)
        said = done.stderr
        self.assertIn('with the outputs of runs/main.ipynb', said)
        self.assertIn(f'Kept: {PLOTS} plots. Left out', said)
        self.assertNotIn('WARNING: ', said)           # the write-up is filled in
        self.assertEqual(main.read_bytes(), written)   # the student's notebook is untouched
        archive = self.repo / ARCHIVE_NAME
        self.assertEqual(zip_names(archive),
                         sorted(grade.REQUIRED + ['configs/config_best.yaml']))
        pdf = self.repo / 'main.pdf'
        pages = int(re.search(r'Wrote main\.pdf: (\d+) pages', said).group(1))
        self.assertEqual(pdf.read_bytes()[:5], b'%PDF-')
        if shutil.which('pdftotext') is None and not TEX_REQUIRED:
            return
        self.check_pdf(pdf, pages)

    def check_pdf(self, pdf, pages):
        info = subprocess.run(['pdfinfo', str(pdf)], capture_output=True, text=True, check=True)
        self.assertEqual(int(re.search(r'^Pages:\s+(\d+)', info.stdout, re.M).group(1)), pages)
        listing = subprocess.run(['pdfimages', '-list', str(pdf)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        self.assertEqual(len([row for row in listing if row.split()[2] == 'image']), PLOTS)
        text = subprocess.run(['pdftotext', '-layout', str(pdf), '-'], capture_output=True,
                              text=True, check=True).stdout
        page_lines = [[line.strip() for line in page.splitlines() if line.strip()]
                      for page in text.split('\f')[:pages]]
        # the name block on the first page, the title once, no local folder, no printout
        self.assertIn('• Name: Ada Lovelace', page_lines[0])
        self.assertIn('• Student ID: 90312', page_lines[0])
        # collected from a quick run with PARTIAL_RUN, which the first page says
        self.assertIn('Note: This PDF comes from a quick run (QUICK=True', ' '.join(page_lines[0]))
        self.assertEqual(text.count('HW1: softmax regression and a two-layer network'), 1)
        self.assertNotIn(self.tmp.name, text)
        self.assertNotIn('epoch  1/1:', text)
        # each question starts a page (the first right under the write-up's heading),
        # headed as in the handout, without a second number
        first = {lines[0]: number for number, lines in enumerate(page_lines) if lines}
        self.assertIn('5(a) Learning rate [2 points]', page_lines[first['Write-up']])
        for question in ('5(b) Regularization', '5(c) Hyper-parameter tuning'):
            self.assertIn(f'{question} [2 points]', first)
        for answer in ('A rate of 1 converges fastest.', 'Answer: L2 shrinks the weights.',
                       'Answer: I chose 256 hidden units because they fit.'):
            self.assertIn(answer, text)

    # The two collects below repeat, end to end, what tests.test_collect's TestCollection
    # tests on small fixtures (test_a_failed_pre_flight_grade_is_a_problem_and_the_end_fails_
    # saying_so, test_without_tex_the_archive_is_still_written_and_the_end_fails,
    # test_archive_only_makes_no_pdf_and_succeeds); the collect above runs the README's line.
    @full_only('collect end to end with a failing pre-flight grade and no TeX (a second '
               'collect run, with its grade)')
    def test_a_collect_that_cannot_finish_writes_what_it_can_then_fails_saying_why(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            shutil.copy(self.repo / 'runs' / 'main.ipynb', repo / 'runs' / 'main.ipynb')
            utils = repo / 'utils.py'
            utils.write_text('import os\n' + utils.read_text())      # breaks the import rule
            done = collect(repo, '-p', 'PARTIAL_RUN', 'True', PATH=NO_TEX)
            self.assertNotEqual(done.returncode, 0)
            failure = done.stderr[done.stderr.rindex('CollectError'):]
            self.assertIn('the pre-flight grade failed', failure)
            self.assertIn('no PDF: cannot make the PDF: xelatex and pandoc not found', failure)
            self.assertIn('ARCHIVE_ONLY = True', failure)
            self.assertIn('utils.py', zip_names(repo / ARCHIVE_NAME))

    @full_only('collect end to end with ARCHIVE_ONLY and no TeX (a third collect run, with '
               'its grade)')
    def test_archive_only_needs_no_tex_and_succeeds(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            done = collect(repo, '-p', 'ARCHIVE_ONLY', 'True', PATH=NO_TEX)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn('ARCHIVE_ONLY = True: no PDF is made.', done.stderr)
            self.assertTrue((repo / ARCHIVE_NAME).is_file())
            self.assertEqual(list(repo.glob('*.pdf')), [])


def only_cells(numbers, path):
    """The notebook at path reduced to its parameters cell and the code cells of these
    numbers (with the cells they build on, the test chooses which), written back to path."""
    nb = nbformat.read(str(path), as_version=4)
    nb.cells = [cell for cell in nb.cells if cell.cell_type == 'code' and (
        'parameters' in cell.metadata.get('tags', []) or cell_number(cell) in numbers)]
    nbformat.write(nb, str(path))


class TestNotebookSurvivesADivergedRun(unittest.TestCase):
    """A tuning config that diverges in its first epoch: cells 28-29 say so, and go on.
    They run after the cells they build on (set-up, data and plan, imports), without the
    other training cells, which the shared run of TestNotebooks covers."""

    def test_cells_28_and_29_report_the_divergence_instead_of_failing(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            config = (repo / 'configs' / 'config_exp.yaml').read_text()
            (repo / 'configs' / 'diverging.yaml').write_text(
                config.replace('learning_rate: 0.1', 'learning_rate: 1000000.0'))
            only_cells({1, 2, 4, 28, 29}, repo / 'main.ipynb')
            main = execute(repo / 'main.ipynb', repo / 'runs' / 'main.ipynb', repo, QUICK=True,
                           WORKERS=1, TUNING_CONFIG='configs/diverging.yaml')
        cells = {cell_number(c): c for c in main.cells if cell_number(c) is not None}
        self.assertEqual(sorted(cells), [1, 2, 4, 28, 29])
        self.assertIn('DIVERGED', texts(cells[28], 'display_data'))
        self.assertIn('no finished epoch', texts(cells[28], 'stream'))
        self.assertIn('no finished epoch to plot', texts(cells[29], 'stream'))
        self.assertEqual([o for c in main.cells for o in c.get('outputs', [])
                          if o.output_type == 'error'], [])


class TestATunedSoftmaxModel(unittest.TestCase):
    """config_exp.yaml is the student's: set to SoftmaxRegression, cell 29 shows its digit
    templates, not a two-layer net's hidden units."""

    def test_cell_29_draws_the_softmax_templates(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            only_cells({1, 2, 4, 28, 29}, repo / 'main.ipynb')
            main = execute(repo / 'main.ipynb', repo / 'runs' / 'main.ipynb', repo, QUICK=True,
                           WORKERS=1, TUNING_CONFIG='configs/config_softmax.yaml')
            saved = sorted(path.name for path in (repo / 'runs' / 'best').glob('*.png'))
        self.assertIn('softmax_templates.png', saved)
        self.assertNotIn('hidden_units.png', saved)
        self.assertEqual([o for c in main.cells for o in c.get('outputs', [])
                          if o.output_type == 'error'], [])


def code_sources(path):
    """The sources of a notebook's code cells, in order."""
    return [cell.source for cell in nbformat.read(str(path), as_version=4).cells
            if cell.cell_type == 'code']


def fixture_mismatch(main):
    """How the fixture's code cells differ from those of the notebook at main, and how to
    make the fixture again; None when they are the same."""
    fixture, theirs = code_sources(FIXTURE), code_sources(main)
    differ = [number for number, (a, b) in enumerate(zip(fixture, theirs), start=1) if a != b]
    if len(fixture) == len(theirs) and not differ:
        return None
    return (f'tests/fixtures/main.ipynb has {len(fixture)} code cells, main.ipynb {len(theirs)}; '
            f'code cells that differ: {differ or "none"}. If main.ipynb changed on purpose, make '
            f'the fixture again, from the repository root and main.ipynb as committed: '
            f'{REGENERATE}')


class TestFixture(unittest.TestCase):
    """tests/fixtures/main.ipynb is the template main.ipynb; the user's copy holds their
    answers and outputs, but its code cells are the template's (no one edits them)."""

    def test_the_fixtures_code_cells_are_main_ipynbs(self):
        try:
            code_sources(ROOT / 'main.ipynb')
        except (OSError, ValueError) as err:     # nbformat's read errors are ValueErrors
            self.skipTest(f'main.ipynb cannot be read ({type(err).__name__}): nothing to compare')
        mismatch = fixture_mismatch(ROOT / 'main.ipynb')
        self.assertIsNone(mismatch, mismatch)

    def test_a_changed_code_cell_is_found_and_the_fix_named(self):
        nb = nbformat.read(str(FIXTURE), as_version=4)
        [cell for cell in nb.cells if cell.cell_type == 'code'][3].source += '\nprint(1)'
        with tempfile.TemporaryDirectory() as tmp:
            nbformat.write(nb, str(Path(tmp) / 'main.ipynb'))
            mismatch = fixture_mismatch(Path(tmp) / 'main.ipynb')
        self.assertIn('code cells that differ: [4]', mismatch)
        self.assertIn(REGENERATE, mismatch)

    def test_answers_and_outputs_in_the_users_notebook_do_not_count(self):
        nb = answered(nbformat.read(str(FIXTURE), as_version=4))
        code = next(cell for cell in nb.cells if cell.cell_type == 'code')
        code.outputs = [nbformat.v4.new_output('stream', text='a run of the student\n')]
        code.execution_count = 1
        with tempfile.TemporaryDirectory() as tmp:
            nbformat.write(nb, str(Path(tmp) / 'main.ipynb'))
            self.assertIsNone(fixture_mismatch(Path(tmp) / 'main.ipynb'))

    def test_copy_repo_never_copies_the_users_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            self.assertEqual((repo / 'main.ipynb').read_bytes(), FIXTURE.read_bytes())
            self.assertEqual(list((repo / 'runs').iterdir()), [])
            self.assertEqual(grade.check_configs(repo), [])
            exp = (repo / 'configs' / 'config_exp.yaml').read_text()
            self.assertEqual(exp, (repo / 'configs' / 'config_twolayer.yaml').read_text())
            self.assertEqual(sorted(p.name for p in (repo / 'configs').iterdir()),
                             ['config_best.yaml', 'config_exp.yaml', 'config_softmax.yaml',
                              'config_twolayer.yaml'])
            self.assertEqual(list(repo.glob('*.zip')) + list(repo.glob('*.pdf')), [])


class TestStray(unittest.TestCase):
    """STRAY finds the kernel's log, a Jupyter log line and a Python warning, and no more."""

    def test_it_finds_warnings_in_their_printed_forms(self):
        for line in ('[IPKernelApp] WARNING | Could not bind', '[W 10:00 NotebookApp] WARNING | x',
                     '/x/y.py:12: UserWarning: a warning', 'lab/z.py:3: Warning: bare'):
            with self.subTest(line):
                self.assertIsNotNone(STRAY.search(f'Kept: 3 plots.\n{line}\nDone\n'))

    def test_it_leaves_text_that_merely_holds_the_word(self):
        said = ('Kept: 3 plots.\nLaTeX Warning: Label(s) may have changed.\n'
                'Answer: a Warning: sign on the curve\n')
        self.assertIsNone(STRAY.search(said))


class TestReadme(unittest.TestCase):
    """The README's lines are the ones CI and these tests run."""

    def setUp(self):
        self.readme = (ROOT / 'README.md').read_text()

    def test_the_test_line_is_cis(self):
        ci = (ROOT / '.ci' / 'run').read_text().rstrip().splitlines()[-1]
        self.assertIn(ci, self.readme)
        self.assertIn('.venv/bin/python -m unittest', ci)

    def test_the_headless_lines_use_the_quiet_kernel(self):
        self.assertIn('JUPYTER_PATH=jupyter .venv/bin/python -m papermill main.ipynb '
                      'runs/main.ipynb', self.readme)
        self.assertIn('JUPYTER_PATH=jupyter .venv/bin/python ' + ' '.join(COLLECT), self.readme)

    def test_the_tex_line_is_the_one_collect_gives(self):
        self.assertIn(TEX_INSTALL, self.readme)
        self.assertIn('python3-venv', self.readme)


if __name__ == '__main__':
    unittest.main()


class TestATypoInThePlaygroundStopsCellOne(unittest.TestCase):
    """The default headless run trains configs/config_exp.yaml (cells 28-29): a typo there
    stops it in cell 1, before any training, with one message naming the file, line and key."""

    def test_the_run_stops_in_cell_1_naming_the_file_the_line_and_the_key(self):
        import papermill
        with tempfile.TemporaryDirectory() as tmp:
            repo = copy_repo(Path(tmp) / 'hw1')
            config = repo / 'configs' / 'config_exp.yaml'
            config.write_text(config.read_text().replace('learning_rate: 0.1',
                                                         'learning_rate: 0.1.'))
            line = config.read_text().splitlines().index('  learning_rate: 0.1.') + 1
            with self.assertRaises(papermill.PapermillExecutionError) as caught:
                execute(repo / 'main.ipynb', repo / 'runs' / 'main.ipynb', repo)
            trained = sorted(path.name for path in (repo / 'runs').iterdir())
            main = nbformat.read(str(repo / 'runs' / 'main.ipynb'), as_version=4)
        errors = [(cell_number(cell), output) for cell in main.cells if cell.cell_type == 'code'
                  for output in cell.outputs if output.output_type == 'error']
        self.assertEqual([number for number, _ in errors], [1])
        shown = errors[0][1].traceback
        self.assertEqual(shown[0], f'Cell 1 stopped: configs/config_exp.yaml, line {line}: '
                                   "learning_rate must be a number, got the text '0.1.'.")
        self.assertEqual(len(shown), 2, shown)      # the message, not a page of traceback
        self.assertEqual(caught.exception.ename, 'NotebookStop')
        self.assertEqual(trained, ['main.ipynb'])   # nothing trained
