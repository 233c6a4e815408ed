"""lab/experiments.py: what main.ipynb's cells call. The data and unit-test cells, the
quick and epochs options, a run interrupted mid-way, and sweeps: the sweep is run on the
real data with a learning rate so large that the loss becomes nan, to pin down that a
diverging run is recorded and the sweep goes on."""
import contextlib
import io
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from lab import experiments, progress
from tests.test_progress import epoch_stats


class TestRun(unittest.TestCase):

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


class TestOptions(unittest.TestCase):

    def test_full_runs_override_nothing(self):
        self.assertEqual(experiments.overrides(), {})

    def test_quick_mode_trains_one_epoch(self):
        self.assertEqual(experiments.overrides(quick=True), {'epochs': 1})

    def test_explicit_epochs_win_over_quick_mode(self):
        self.assertEqual(experiments.overrides(quick=True, epochs=3), {'epochs': 3})


class TestDataAndTestsCells(unittest.TestCase):

    def test_data_check_reports_the_three_splits(self):
        report = experiments.check_data()
        self.assertIn('48,000 training, 12,000 validation and 10,000 test', report)

    def test_failing_unit_tests_raise(self):
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            with self.assertRaises(RuntimeError):
                experiments.run_unit_tests(['tests.no_such_module'])
        self.assertIn('no_such_module', printed.getvalue())


class TestSweep(unittest.TestCase):
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


if __name__ == '__main__':
    unittest.main()
