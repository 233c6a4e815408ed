"""Private tests of plot_curves (0 points: the plots are graded with the write-up).

plot_curves runs headless (matplotlib's Agg backend), in an empty working folder of its
own, with histories of one and of five epochs. The handout lets it show its figures or
save them, so either counts: the curves must reach a plt.show() call, stay open after the
call, or land in an image file. plt.show is watched, not replaced in behaviour: under Agg
it shows nothing. Every figure is closed after each test, so none leaks into the next.
"""
import os
import shutil
import tempfile
import unittest

import matplotlib
import matplotlib.pyplot as plt

import utils

HISTORY_LENGTHS = (1, 5)
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.pdf', '.svg')


def histories(epochs):
    """Four histories of epochs values each: train loss, train accuracy, validation loss,
    validation accuracy."""
    return ([2.0 / (e + 1) for e in range(epochs)], [0.5 + 0.08 * e for e in range(epochs)],
            [2.2 / (e + 1) for e in range(epochs)], [0.45 + 0.08 * e for e in range(epochs)])


def curves(figure_numbers):
    """The lengths of the lines drawn on the axes of the given open figures."""
    return [len(line.get_xdata()) for number in figure_numbers
            for axes in plt.figure(number).get_axes() for line in axes.get_lines()]


class TestPlotCurvesHeadless(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if matplotlib.get_backend().lower() != 'agg':
            plt.switch_backend('Agg')

    def setUp(self):
        plt.close('all')
        self.folder = tempfile.mkdtemp(prefix='hw1-private-plot-')
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.addCleanup(os.chdir, os.getcwd())       # runs before the folder is removed
        os.chdir(self.folder)
        self.shown = []          # the lengths of the curves open at each plt.show() call
        real_show = plt.show

        def watched_show(*args, **kwargs):
            self.shown.append(curves(plt.get_fignums()))
            return real_show(*args, **kwargs)

        plt.show = watched_show
        self.addCleanup(setattr, plt, 'show', real_show)

    def tearDown(self):
        plt.close('all')
        self.assertEqual(plt.get_fignums(), [])

    def saved_images(self):
        return sorted(name for name in os.listdir(self.folder)
                      if name.lower().endswith(IMAGE_SUFFIXES))

    def assertCurvesDrawn(self, epochs):
        """Four curves of epochs points were shown or left open, or an image was saved."""
        drawn = [length for lengths in self.shown for length in lengths]
        drawn += curves(plt.get_fignums())
        if not self.saved_images():
            self.assertGreaterEqual(drawn.count(epochs), 4,
                                    f'expected 4 curves of {epochs} points to be shown or '
                                    f'saved; found curves of {drawn} points and no image')

    def test_plots_histories_of_one_and_of_five_epochs(self):
        for epochs in HISTORY_LENGTHS:
            with self.subTest(epochs=epochs):
                self.shown.clear()
                utils.plot_curves(*histories(epochs))
                self.assertCurvesDrawn(epochs)
                plt.close('all')

    def test_save_only_leaves_no_figure_open_unless_it_showed_them(self):
        before = plt.get_fignums()
        utils.plot_curves(*histories(5), run_name='private', save_only=True)
        if not self.shown:
            self.assertEqual(plt.get_fignums(), before, 'figures saved but left open')
        self.assertTrue(self.saved_images() or self.shown, 'nothing shown and nothing saved')


if __name__ == '__main__':
    unittest.main()
