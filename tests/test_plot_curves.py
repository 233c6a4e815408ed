"""Our further tests of utils.plot_curves, beyond the course-named test_training.

Covers what plot_curves refuses before it draws anything, each with a clear error
of ours rather than matplotlib's or a file written somewhere else: a run_name that
is not a plain file name ('../x' would write outside out_dir), histories of
different lengths (naming the lengths), an out_dir that does not exist or is a
file (naming it). Plain names, including the run folders' names, still save; the
two PNGs go into out_dir and nowhere else, and without run_name nothing is saved.
(The course's parameters alone, saving into the working folder: test_training.)
"""
import contextlib
import io
import os
import tempfile
import unittest
from unittest import mock

import matplotlib.pyplot as plt

import utils
from tests import TempDirTestCase

HISTORIES = ([1.0, 0.6, 0.4], [0.5, 0.8, 0.9], [1.1, 0.7, 0.5], [0.45, 0.75, 0.85])


class TestPlotCurvesRefusesBadInput(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.out = self.tmp / 'out'
        self.out.mkdir()
        self.addCleanup(plt.close, 'all')

    def assertRefused(self, error, *fragments, histories=HISTORIES, **kwargs):
        """plot_curves raises error naming every fragment, and leaves no file and no figure."""
        kwargs.setdefault('out_dir', str(self.out))
        with self.assertRaises(error) as caught, \
                contextlib.redirect_stdout(io.StringIO()) as out:
            utils.plot_curves(*histories, save_only=True, **kwargs)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertEqual(plt.get_fignums(), [], 'a figure was left open')
        self.assertEqual(sorted(str(p.relative_to(self.tmp)) for p in self.tmp.rglob('*')),
                         ['out'], 'a file was written')
        self.assertEqual(out.getvalue(), '')

    def test_a_run_name_with_a_folder_is_refused(self):
        for name in ('../x', 'a/b', 'a\\b', '/tmp/x', '', '.', '..'):
            with self.subTest(run_name=name):
                self.assertRefused(ValueError, 'run_name', repr(name), 'out_dir', run_name=name)

    def test_histories_of_different_lengths_name_the_lengths(self):
        histories = HISTORIES[:3] + (HISTORIES[3][:2],)
        self.assertRefused(ValueError, '[3, 3, 3, 2]', 'validation accuracy',
                           histories=histories, run_name='demo')
        self.assertRefused(ValueError, '[3, 3, 3, 2]', histories=histories)  # also unsaved

    def test_a_missing_out_dir_is_named(self):
        missing = str(self.out / 'missing')
        self.assertRefused(FileNotFoundError, repr(missing), 'existing folder', run_name='demo',
                           out_dir=missing)

    def test_a_file_as_out_dir_is_named(self):
        self.out.rmdir()
        self.out.write_text('')
        self.assertRefused(NotADirectoryError, repr(str(self.out / 'x')), run_name='demo',
                           out_dir=str(self.out / 'x'))


class TestPlotCurvesOutDir(TempDirTestCase):
    def test_out_dir_gets_exactly_the_two_pngs_and_the_working_folder_nothing(self):
        self.addCleanup(plt.close, 'all')
        work, out, unused = self.tmp / 'work', self.tmp / 'out', self.tmp / 'unused'
        for folder in (work, out, unused):
            folder.mkdir()
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(work)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            utils.plot_curves(*HISTORIES, run_name='demo', save_only=True, out_dir=str(out))
            utils.plot_curves(*HISTORIES, save_only=True, out_dir=str(unused))  # no run_name
        self.assertEqual(sorted(os.listdir(out)), ['demo_accuracy.png', 'demo_loss.png'])
        for name in os.listdir(out):
            self.assertEqual((out / name).read_bytes()[:8], b'\x89PNG\r\n\x1a\n', name)
        self.assertEqual(os.listdir(work), [])
        self.assertEqual(os.listdir(unused), [])
        self.assertEqual(printed.getvalue(), '')


class TestPlotCurvesSavesPlainNames(TempDirTestCase):
    def test_names_of_runs_save_both_pngs(self):
        self.addCleanup(plt.close, 'all')
        for name in ('TwoLayerNet_lr0.1_reg0.001_bs64_ep10_h128', 'sweep_lr1-2', 'x y', 7):
            with self.subTest(run_name=name):
                utils.plot_curves(*HISTORIES, run_name=name, save_only=True, out_dir=str(self.tmp))
                for suffix in ('loss', 'accuracy'):
                    self.assertTrue(os.path.getsize(self.tmp / f'{name}_{suffix}.png') > 0)


class TestPlotCurvesFigures(unittest.TestCase):
    """What a grader reads at a glance: the run in words, accuracy on a fixed 0-1 axis."""

    def figures(self, histories=HISTORIES, **kwargs):
        """The (loss, accuracy) axes plot_curves draws, shown (here: left open)."""
        plt.close('all')
        self.addCleanup(plt.close, 'all')
        with mock.patch.object(plt, 'show'):
            utils.plot_curves(*histories, **kwargs)
        loss, accuracy = (plt.figure(number).axes[0] for number in plt.get_fignums())
        return loss, accuracy

    def test_a_title_in_words_heads_both_figures(self):
        loss, accuracy = self.figures(run_name=None, title='learning rate 0.1')
        self.assertEqual(loss.get_title(), 'Loss per epoch, learning rate 0.1')
        self.assertEqual(accuracy.get_title(), 'Accuracy per epoch, learning rate 0.1')

    def test_without_a_title_the_run_name_heads_them_as_before(self):
        with tempfile.TemporaryDirectory() as folder:
            loss, _ = self.figures(run_name='reg_0.1', out_dir=folder)
        self.assertEqual(loss.get_title(), 'Loss per epoch (reg_0.1)')

    def test_the_accuracy_axis_runs_from_0_to_1_even_for_a_run_stuck_low(self):
        stuck = ([2.3, 2.2], [0.10, 0.38], [2.3, 2.2], [0.11, 0.37])
        _, accuracy = self.figures(histories=stuck)
        self.assertEqual(accuracy.get_ylim(), (0, 1))


if __name__ == '__main__':
    unittest.main()
