"""The notebooks' helpers in lab/: progress display, runs and sweeps, packaging.

The progress display is checked both as a terminal bar (a text stream) and in
a real Jupyter kernel, where a saved notebook must keep only its final state.
The sweep is run on the real data with a learning rate so large that the loss
becomes nan, to pin down that a diverging run is recorded and the sweep goes on.
"""
import contextlib
import io
import shutil
import tempfile
import unittest
import zipfile
from pathlib import Path
from unittest import mock

from lab import experiments, progress, submission
from tests import ROOT

GRADED = sorted(submission.REQUIRED)


def epoch_stats(epoch, epochs, valid_acc=0.5):
    return {'epoch': epoch, 'epochs': epochs, 'train_loss': 1.25, 'train_acc': 0.375,
            'valid_loss': 1.5, 'valid_acc': valid_acc}


class ProgressBarTest(unittest.TestCase):

    def test_bar_fills_in_proportion(self):
        self.assertEqual(progress.bar(0, 4, width=8), '[--------]')
        self.assertEqual(progress.bar(1, 4, width=8), '[##------]')
        self.assertEqual(progress.bar(4, 4, width=8), '[########]')

    def test_epoch_line_numbers_epochs_from_one(self):
        line = progress.epoch_line(epoch_stats(2, 10, valid_acc=0.9123))
        self.assertTrue(line.startswith('epoch  3/10:'), line)
        self.assertIn('val loss 1.5000 acc 0.9123', line)
        self.assertIn('train loss 1.2500 acc 0.3750', line)

    def test_terminal_display_ends_with_full_bar_and_one_line_per_epoch(self):
        stream = io.StringIO()
        bar = progress.Progress('demo', 3, stream=stream)
        for epoch in range(3):
            bar(epoch_stats(epoch, 3))
        bar.finish('test acc 0.9000')
        text = stream.getvalue()
        lines = [part.split('\r')[-1].strip() for part in text.split('\n')]
        epoch_lines = [line for line in lines if line.startswith('epoch ')]
        self.assertEqual([line[:11] for line in epoch_lines], ['epoch  1/3:', 'epoch  2/3:',
                                                               'epoch  3/3:'])
        final = text.rstrip('\n').split('\r')[-1]
        self.assertIn('[' + '#' * progress.BAR_WIDTH + ']', final)
        self.assertIn('3/3 epochs', final)
        self.assertIn('test acc 0.9000', final)
        self.assertTrue(text.endswith('\n'))

    def test_in_a_kernel_the_saved_output_holds_only_the_final_bar(self):
        import nbformat
        from nbclient import NotebookClient
        source = ("from lab.progress import Progress\n"
                  "bar = Progress('demo', 3)\n"
                  "for epoch in range(3):\n"
                  "    bar({'epoch': epoch, 'epochs': 3, 'train_loss': 1.0, 'train_acc': 0.5,\n"
                  "         'valid_loss': 1.0, 'valid_acc': 0.5})\n"
                  "bar.finish('all done')\n")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        NotebookClient(nb, kernel_name='python3', timeout=120,
                       resources={'metadata': {'path': str(ROOT)}}).execute()
        outputs = nb.cells[0].outputs
        displays = [o for o in outputs if o.output_type == 'display_data']
        self.assertEqual(len(displays), 1, outputs)
        final = displays[0].data['text/plain']
        self.assertIn('3/3 epochs', final)
        self.assertIn('all done', final)
        self.assertIn('<progress value="3" max="3"', displays[0].data['text/html'])
        printed = ''.join(o.text for o in outputs if o.output_type == 'stream')
        self.assertEqual(printed.count('epoch '), 3, printed)
        self.assertNotIn('\r', printed)


class RunTest(unittest.TestCase):

    def test_an_interrupted_run_leaves_its_bar_saying_so(self):
        def interrupt(*args, **kwargs):
            kwargs['callback'](epoch_stats(0, 10))
            raise KeyboardInterrupt
        stream = io.StringIO()
        with mock.patch.object(experiments, 'train_model', interrupt), \
                mock.patch.object(experiments, 'Progress',
                                  lambda name, epochs: progress.Progress(name, epochs, stream)):
            with self.assertRaises(KeyboardInterrupt):
                experiments.run('configs/config_twolayer.yaml', 'demo')
        final = stream.getvalue().rstrip('\n').split('\r')[-1]
        self.assertIn('1/10 epochs', final)
        self.assertIn('stopped by KeyboardInterrupt', final)


class OptionsTest(unittest.TestCase):

    def test_full_runs_override_nothing(self):
        self.assertEqual(experiments.overrides(), {})

    def test_quick_mode_trains_one_epoch(self):
        self.assertEqual(experiments.overrides(quick=True), {'epochs': 1})

    def test_explicit_epochs_win_over_quick_mode(self):
        self.assertEqual(experiments.overrides(quick=True, epochs=3), {'epochs': 3})


class DataAndTestsCellsTest(unittest.TestCase):

    def test_data_check_reports_the_three_splits(self):
        report = experiments.check_data()
        self.assertIn('48,000 training, 12,000 validation and 10,000 test', report)

    def test_failing_unit_tests_raise(self):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            with self.assertRaises(RuntimeError):
                experiments.run_unit_tests(['tests.no_such_module'])
        self.assertIn('no_such_module', printed.getvalue())


class SweepTest(unittest.TestCase):
    """One real sweep: a learning rate that diverges at once, then a sane one."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = Path(cls.tmp.name)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            cls.sweep = experiments.sweep('configs/config_twolayer.yaml', 'learning_rate',
                                          [1e300, 0.5], show=False, runs_dir=cls.runs, seed=0,
                                          epochs=1)
        cls.printed = printed.getvalue()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_diverged_run_is_recorded_and_the_sweep_goes_on(self):
        (_, diverged), (_, sane) = self.sweep.results
        self.assertEqual(diverged.status, 'diverged')
        self.assertIn('nan', diverged.diverged)
        self.assertEqual(sane.status, 'finished')
        self.assertGreater(sane.test_acc, 0.8)
        self.assertIn('DIVERGED', self.printed)

    def test_table_marks_the_diverged_run(self):
        rows = self.sweep.table().splitlines()
        self.assertEqual(len(rows), 4)
        self.assertIn('diverged (epoch 1)', rows[2])
        self.assertTrue(rows[2].split('|')[3].strip() == '-', rows[2])
        self.assertIn('finished', rows[3])

    def test_outputs_land_in_one_sweep_folder(self):
        folder = self.runs / 'sweep_learning_rate'
        self.assertEqual(self.sweep.folder, folder)
        self.assertEqual(self.sweep.figure, folder / 'sweep_learning_rate.png')
        self.assertEqual(self.sweep.figure.read_bytes()[:8], b'\x89PNG\r\n\x1a\n')
        self.assertTrue((folder / 'learning_rate_0.5' / 'train.log').is_file())
        self.assertTrue((folder / 'learning_rate_1e+300' / 'results.json').is_file())
        self.assertIn('diverged', (folder / 'results.txt').read_text())

    def test_debug_lines_go_to_the_log_not_the_notebook(self):
        self.assertNotIn('Epoch 0, batch', self.printed)
        log = (self.sweep.folder / 'learning_rate_0.5' / 'train.log').read_text()
        self.assertIn('Epoch 0, batch 0:', log)


def copy_graded_files(destination):
    for name in GRADED:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, target)


class ArchiveTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)
        copy_graded_files(self.root)

    def tearDown(self):
        self.tmp.cleanup()

    def build(self):
        with contextlib.redirect_stdout(io.StringIO()):
            return submission.make_archive(self.root)

    def test_archive_holds_exactly_the_graded_code(self):
        (self.root / 'models' / '__pycache__').mkdir()
        (self.root / 'models' / '__pycache__' / 'two_layer_nn.cpython-311.pyc').write_bytes(b'x')
        (self.root / 'models' / '.ipynb_checkpoints').mkdir()
        (self.root / 'models' / '.ipynb_checkpoints' / 'sgd-checkpoint.py').write_text('')
        (self.root / 'models' / 'weights.npy').write_bytes(b'x')
        (self.root / 'data').mkdir()
        (self.root / 'data' / 'train-images-idx3-ubyte.gz').write_bytes(b'x')
        (self.root / 'main.ipynb').write_text('{}')
        names = self.build()
        self.assertEqual(names, GRADED)
        archive = self.root / submission.ARCHIVE_NAME
        self.assertEqual(submission.archive_contents(archive), GRADED)
        with zipfile.ZipFile(archive) as zipped:
            self.assertEqual(zipped.read('utils.py'), (ROOT / 'utils.py').read_bytes())

    def test_a_missing_required_file_is_named_and_nothing_is_written(self):
        (self.root / 'models' / 'two_layer_nn.py').unlink()
        with self.assertRaises(submission.SubmissionError) as caught:
            self.build()
        self.assertIn('models/two_layer_nn.py', str(caught.exception))
        self.assertFalse((self.root / submission.ARCHIVE_NAME).exists())

    def test_a_syntax_error_is_named_with_its_line(self):
        (self.root / 'optimizer' / 'sgd.py').write_text('x = 1\ndef broken(:\n')
        with self.assertRaises(submission.SubmissionError) as caught:
            self.build()
        self.assertIn('optimizer/sgd.py line 2', str(caught.exception))


class PdfChoiceTest(unittest.TestCase):

    def setUp(self):
        import nbformat
        self.nbformat = nbformat
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, path, with_output):
        cell = self.nbformat.v4.new_code_cell('print(1)')
        if with_output:
            cell.outputs = [self.nbformat.v4.new_output('stream', text='1\n')]
        path.parent.mkdir(parents=True, exist_ok=True)
        self.nbformat.write(self.nbformat.v4.new_notebook(cells=[cell]), str(path))

    def test_an_executed_main_notebook_is_exported(self):
        self.write(self.root / 'main.ipynb', with_output=True)
        self.write(self.root / 'runs' / 'main.ipynb', with_output=True)
        self.assertEqual(submission.notebook_to_export(self.root), self.root / 'main.ipynb')

    def test_a_headless_run_is_exported_when_main_was_not_run(self):
        self.write(self.root / 'main.ipynb', with_output=False)
        self.write(self.root / 'runs' / 'main.ipynb', with_output=True)
        self.assertEqual(submission.notebook_to_export(self.root),
                         self.root / 'runs' / 'main.ipynb')

    def test_consecutive_prints_become_one_block_for_the_pdf(self):
        new_output = self.nbformat.v4.new_output
        cell = self.nbformat.v4.new_code_cell('')
        cell.outputs = [new_output('stream', name='stdout', text='a\n'),
                        new_output('stream', name='stdout', text='b\n'),
                        new_output('stream', name='stderr', text='c\n'),
                        new_output('display_data', data={'text/plain': 'bar'}),
                        new_output('stream', name='stdout', text='d\n')]
        nb = submission.coalesce_streams(self.nbformat.v4.new_notebook(cells=[cell]))
        merged = nb.cells[0].outputs
        self.assertEqual([o.get('text') for o in merged], ['a\nb\n', 'c\n', None, 'd\n'])

    def test_missing_tex_gives_the_install_command_not_a_traceback(self):
        self.write(self.root / 'main.ipynb', with_output=True)
        with mock.patch('shutil.which', return_value=None), \
                contextlib.redirect_stdout(io.StringIO()) as printed:
            pdf = submission.export_pdf(root=self.root)
        self.assertIsNone(pdf)
        self.assertIn('apt-get install -y pandoc texlive-xetex texlive-fonts-recommended '
                      'texlive-plain-generic', printed.getvalue())
        self.assertEqual(list(self.root.glob('*.pdf')), [])


if __name__ == '__main__':
    unittest.main()
