"""Private tests of plot_curves (0 points: the plots are graded with the write-up).

plot_curves runs headless (matplotlib's Agg backend), in an empty working folder of its
own, with histories of one and of five epochs. The handout lets it show its figures or
save them, so either counts: the curves must reach a plt.show() call, stay open after the
call, or land in an image file. plt.show and Figure.savefig are watched, not replaced in
behaviour: under Agg show shows nothing. What the figures hold when shown, saved or left
open is read back: each history drawn as a curve, inside its axes' view, train and
validation against the same epochs, a legend where curves share axes. Every figure is
closed after each test, so none leaks into the next.
"""
import os
import shutil
import tempfile
import unittest

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

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


def axes_drawn(figure):
    """What each axes of figure shows: {'curves': [(x, y) float arrays of each line or
    scatter], 'legend': the number of legend entries that apply to it (its own legend's and
    the figure's), 'xlim', 'ylim': its view, low to high}."""
    figure_entries = sum(len(legend.get_texts()) for legend in figure.legends)
    found = []
    for axes in figure.get_axes():
        curves_ = [(np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float))
                   for line in axes.get_lines()]
        curves_ += [(offsets[:, 0], offsets[:, 1]) for offsets in
                    (np.asarray(c.get_offsets(), float) for c in axes.collections)
                    if offsets.ndim == 2 and len(offsets)]
        legend = axes.get_legend()
        found.append({'curves': curves_,
                      'legend': figure_entries + (len(legend.get_texts()) if legend else 0),
                      'xlim': tuple(sorted(axes.get_xlim())),
                      'ylim': tuple(sorted(axes.get_ylim()))})
    return found


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
            self.seen.extend(axes for number in plt.get_fignums()
                             for axes in axes_drawn(plt.figure(number)))
            return real_show(*args, **kwargs)

        plt.show = watched_show
        self.addCleanup(setattr, plt, 'show', real_show)
        self.seen = []           # axes_drawn() of every figure shown or saved
        real_savefig = Figure.savefig

        def watched_savefig(figure, *args, **kwargs):
            self.seen += axes_drawn(figure)
            return real_savefig(figure, *args, **kwargs)

        Figure.savefig = watched_savefig
        self.addCleanup(setattr, Figure, 'savefig', real_savefig)

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

    def drawn(self, *args, **kwargs):
        """plot_curves(*args, **kwargs), then every axes it showed, saved or left open, and
        the curve drawing each history there: [(axes, {history index: (x, y)})]."""
        histories_ = args
        utils.plot_curves(*args, **kwargs)
        seen = self.seen + [axes for number in plt.get_fignums()
                            for axes in axes_drawn(plt.figure(number))]
        found = []
        for axes in seen:
            mine = {k: (x, y) for x, y in axes['curves'] for k, history in enumerate(histories_)
                    if len(y) == len(history) and np.allclose(y, history)}
            found.append((axes, mine))
        return found

    def test_each_history_is_drawn_as_a_curve_of_its_own(self):
        found = self.drawn(*histories(5))
        drawn = {k for _, mine in found for k in mine}
        self.assertEqual(drawn, {0, 1, 2, 3}, 'histories 0-3 (train loss, train accuracy, '
                         'validation loss, validation accuracy): not all drawn')

    def test_train_and_validation_are_drawn_against_the_same_epochs(self):
        found = self.drawn(*histories(5))
        xs = {k: x for _, mine in found for k, (x, _) in mine.items()}
        for train, valid, what in ((0, 2, 'loss'), (1, 3, 'accuracy')):
            with self.subTest(what=what):
                self.assertIn(train, xs)
                self.assertIn(valid, xs)
                np.testing.assert_allclose(xs[train], xs[valid], err_msg=f'train and '
                                           f'validation {what} against different epochs')

    def test_every_curve_lies_inside_the_view_of_its_axes(self):
        found = self.drawn(*histories(5))
        for axes, mine in found:
            for k, (x, y) in mine.items():
                with self.subTest(history=k):
                    low, high = axes['ylim']
                    self.assertTrue(low <= y.min() and y.max() <= high,
                                    f'values {y.min():.2f}-{y.max():.2f} outside the view '
                                    f'{low:.2f}-{high:.2f}')
                    low, high = axes['xlim']
                    self.assertTrue(low <= x.min() and x.max() <= high)

    def test_curves_sharing_axes_are_told_apart_by_a_legend(self):
        found = self.drawn(*histories(5))
        for axes, mine in found:
            if len(mine) > 1:
                self.assertGreaterEqual(axes['legend'], len(mine),
                                        f'{len(mine)} curves share axes with '
                                        f"{axes['legend']} legend entries")


if __name__ == '__main__':
    unittest.main()
