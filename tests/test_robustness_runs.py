"""Nothing is lost: a run's log and results are on disk as it goes, a
diverged or interrupted run says so, and a new run never takes an old run's folder."""
import json
import math
import shutil
import tempfile
import unittest
from pathlib import Path

import utils

SOFTMAX = utils.ROOT / 'configs' / 'config_softmax.yaml'
TWOLAYER = utils.ROOT / 'configs' / 'config_twolayer.yaml'


class RunsTestCase(unittest.TestCase):
    def setUp(self):
        self.runs = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.runs)

    def results(self, run_dir):
        return json.loads((run_dir / 'results.json').read_text())


class TestNewRunDir(RunsTestCase):
    def test_reruns_get_numbered_folders_and_leave_old_files_alone(self):
        first = utils.new_run_dir(self.runs, 'sweep_lr1')
        (first / 'results.json').write_text('{"mine": 1}')
        second = utils.new_run_dir(self.runs, 'sweep_lr1')
        third = utils.new_run_dir(self.runs, 'sweep_lr1')
        self.assertEqual([first.name, second.name, third.name],
                         ['sweep_lr1', 'sweep_lr1-2', 'sweep_lr1-3'])
        self.assertEqual((first / 'results.json').read_text(), '{"mine": 1}')
        self.assertEqual(list(second.iterdir()), [])

    def test_run_name_with_a_slash_is_refused(self):
        for name in ('a/b', '../elsewhere', '', '..'):
            with self.subTest(name=name):
                with self.assertRaises(ValueError):
                    utils.new_run_dir(self.runs, name)


class TestDivergedRun(RunsTestCase):
    def test_diverged_run_is_recorded_and_returns_normally(self):
        result = utils.train_model(TWOLAYER, seed=0, runs_dir=self.runs, run_name='hot',
                                   learning_rate=1e6, epochs=3)
        self.assertEqual(result.status, 'diverged')
        self.assertEqual(result.train_loss_history, [])
        self.assertIsNone(result.test_acc)
        saved = self.results(result.run_dir)
        self.assertEqual(saved['status'], 'diverged')
        for fragment in ('epoch 0', 'Learning rate too high?'):
            self.assertIn(fragment, saved['diverged'])
        self.assertIn('Learning rate too high?', (result.run_dir / 'train.log').read_text())


class TestInterruptedRun(RunsTestCase):
    def test_results_and_log_hold_every_finished_epoch(self):
        seen_in_log, epochs_on_disk = [], []

        def stop_after_two_epochs(figures):
            # While the run is still going, its log and results are already on disk.
            seen_in_log.append((self.runs / 'cut' / 'train.log').read_text())
            epochs_on_disk.append(len(self.results(self.runs / 'cut')['valid_acc']))
            if figures['epoch'] == 1:
                raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt):
            utils.train_model(SOFTMAX, seed=0, runs_dir=self.runs, run_name='cut', epochs=4,
                              batch_size=512, callback=stop_after_two_epochs)
        saved = self.results(self.runs / 'cut')
        self.assertEqual(len(saved['train_loss']), 2)
        self.assertEqual(len(saved['valid_acc']), 2)
        self.assertTrue(all(math.isfinite(v) for v in saved['valid_acc']))
        self.assertEqual(saved['status'], 'interrupted')
        self.assertEqual(saved['interrupted'], 'KeyboardInterrupt')
        self.assertEqual(epochs_on_disk, [1, 2])
        self.assertIn('Average accuracy of epoch 0', seen_in_log[0])
        self.assertIn('stopped early by KeyboardInterrupt',
                      (self.runs / 'cut' / 'train.log').read_text())
        self.assertEqual(sorted(p.name for p in (self.runs / 'cut').iterdir()),
                         ['results.json', 'train.log'])


if __name__ == '__main__':
    unittest.main()
