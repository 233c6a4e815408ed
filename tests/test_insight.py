"""The notebook's pictures: the numbers behind them, checked by hand; what each
figure shows (read from the figure it saved, its PNG written where its path says);
and the figures' text legible once the PDF has scaled them."""
import unittest
from unittest import mock

import matplotlib

matplotlib.use('Agg')   # no display needed; must precede any pyplot import

import matplotlib.colors  # noqa: E402
import matplotlib.text  # noqa: E402
import numpy as np  # noqa: E402

from lab import insight  # noqa: E402
from models import SoftmaxRegression, TwoLayerNet  # noqa: E402
from tests import TempDirTestCase  # noqa: E402


def hand_softmax_model():
    """2 inputs, 3 classes. On non-negative inputs, class 0's logit is positive,
    class 1's always negative (dead), class 2's positive only for x = (1, 0)."""
    model = SoftmaxRegression(input_size=2, num_classes=3)
    model.weights['W1'] = np.array([[1.0, -1.0, 0.5],
                                    [1.0, -2.0, -1.0]])
    return model


HAND_X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


class TestConfusionMatrix(unittest.TestCase):
    def test_counts_a_hand_made_case(self):
        matrix = insight.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=3)
        np.testing.assert_array_equal(matrix, [[1, 1, 0],
                                               [0, 1, 0],
                                               [1, 0, 2]])

    def test_rows_sum_to_class_sizes_and_trace_to_correct_predictions(self):
        rng = np.random.default_rng(0)
        y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
        matrix = insight.confusion_matrix(y_true, y_pred)
        np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y_true, minlength=10))
        self.assertEqual(np.trace(matrix), np.sum(y_true == y_pred))

    def test_rejects_labels_out_of_range_and_unequal_lengths(self):
        with self.assertRaises(ValueError):
            insight.confusion_matrix([0, 3], [0, 1], num_classes=3)
        with self.assertRaises(ValueError):
            insight.confusion_matrix([0, 1], [0], num_classes=3)


class TestPerClassAccuracy(unittest.TestCase):
    def test_hand_made_case(self):
        matrix = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
        np.testing.assert_allclose(insight.per_class_accuracy(matrix), [0.5, 1.0, 2 / 3])

    def test_a_class_without_examples_is_nan(self):
        accuracy = insight.per_class_accuracy([[2, 0], [0, 0]])
        self.assertEqual(accuracy[0], 1.0)
        self.assertTrue(np.isnan(accuracy[1]))


class TestPredictions(unittest.TestCase):
    def check_against_forward(self, model, X, y):
        prob = insight.class_probabilities(model, X, batch_size=7)    # several chunks
        loss, accuracy = model.forward(X, y, mode='valid')
        self.assertAlmostEqual(-np.mean(np.log(prob[np.arange(len(y)), y])), loss, places=12)
        self.assertEqual(np.mean(insight.predict(model, X) == y), accuracy)

    def test_probabilities_give_the_models_own_loss_and_accuracy(self):
        rng = np.random.default_rng(0)
        X, y = rng.random((20, 784)), rng.integers(0, 10, 20)
        for model in (SoftmaxRegression(), TwoLayerNet(hidden_size=12)):
            for name, weight in model.weights.items():
                model.weights[name] = rng.normal(scale=0.1, size=weight.shape)
            with self.subTest(model=type(model).__name__):
                self.check_against_forward(model, X, y)

    def test_an_all_zero_output_is_a_tie_won_by_class_zero(self):
        model = SoftmaxRegression(input_size=2, num_classes=3)
        model.weights['W1'] = -np.ones((2, 3))
        np.testing.assert_array_equal(insight.predict(model, HAND_X), [0, 0, 0])

    def test_rejects_other_models(self):
        with self.assertRaises(TypeError):
            insight.class_probabilities(object(), HAND_X)

    def test_follow_a_change_to_the_models_forward(self):
        class Doubled(TwoLayerNet):                 # a forward that scores twice as sharply
            def forward(self, X, y, mode='train'):
                self.weights['W2'] *= 2
                try:
                    return super().forward(X, y, mode)
                finally:
                    self.weights['W2'] /= 2

        rng = np.random.default_rng(1)
        X, y = rng.random((9, 784)), rng.integers(0, 10, 9)
        model = Doubled(hidden_size=5)
        model.weights['W2'] = rng.normal(size=(5, 10))
        self.check_against_forward(model, X, y)

    def test_leave_the_model_as_it_was_even_when_forward_fails(self):
        model = TwoLayerNet(hidden_size=4)
        with self.assertRaises(ValueError):
            insight.class_probabilities(model, np.ones((3, 5)))   # 5 features, not 784
        self.assertNotIn('softmax', vars(model))
        self.assertEqual(model.softmax(np.zeros((1, 2))).tolist(), [[0.5, 0.5]])


class TestDeadClasses(unittest.TestCase):
    def test_finds_the_class_negative_on_every_input(self):
        self.assertEqual(insight.dead_classes(hand_softmax_model(), HAND_X), [1])

    def test_a_class_alive_on_one_input_is_not_dead(self):
        self.assertEqual(insight.dead_classes(hand_softmax_model(), HAND_X[1:]), [1, 2])

    def test_a_dead_class_gets_zero_gradient(self):
        model = hand_softmax_model()
        model.forward(HAND_X, np.array([1, 1, 2]))
        np.testing.assert_array_equal(model.gradients['W1'][:, 1], 0.0)
        self.assertTrue(np.all(model.gradients['W1'][:, 0] != 0.0))

    def test_explanation_names_the_dead_classes_and_the_cause(self):
        text = insight.explain_dead_classes([3, 7])
        self.assertIn('classes 3, 7', text)
        self.assertIn('ReLU', text)
        self.assertIn('zero gradient', text)
        self.assertIn('class 3 (red). Its', insight.explain_dead_classes([3]))
        self.assertIn('No dead class', insight.explain_dead_classes([]))


class TestStrongestUnits(unittest.TestCase):
    def test_orders_hidden_units_by_weight_norm(self):
        model = TwoLayerNet(input_size=2, hidden_size=4)
        model.weights['W1'] = np.array([[1.0, 0.0, 3.0, 0.0],
                                        [0.0, 2.0, 4.0, 0.5]])    # norms 1, 2, 5, 0.5
        np.testing.assert_array_equal(insight.strongest_units(model, 3), [2, 1, 0])


class FigureTestCase(TempDirTestCase):
    """Stand-in models of the real sizes, with weights drawn at random."""

    @classmethod
    def setUpClass(cls):
        rng = np.random.default_rng(1)
        cls.X, cls.y = rng.random((40, 784)), rng.integers(0, 10, 40)
        cls.softmax = SoftmaxRegression()
        cls.softmax.weights['W1'] = rng.normal(scale=0.05, size=(784, 10))
        cls.softmax.weights['W1'][:, 4] = -np.abs(cls.softmax.weights['W1'][:, 4])  # dead
        cls.twolayer = TwoLayerNet(hidden_size=20)
        for name, weight in cls.twolayer.weights.items():
            cls.twolayer.weights[name] = rng.normal(scale=0.1, size=weight.shape)
        cls.tuned = TwoLayerNet(hidden_size=256)     # as configs/config_best.yaml
        for name, weight in cls.tuned.weights.items():
            cls.tuned.weights[name] = rng.normal(scale=0.1, size=weight.shape)

    def setUp(self):
        super().setUp()
        self.out = self.tmp / 'figures'    # created on demand


class TestFigures(FigureTestCase):
    """What each figure shows, read from the figure it saved; the numbers behind it are
    checked above, by the functions that compute them."""

    def drawn(self, draw, name):
        """The figure that draw() saved (closed, still readable), once draw() is seen to
        write out_dir/<name>.png and return that path."""
        figures = []
        finish = insight._finish

        def keep(fig, *args):
            figures.append(fig)
            return finish(fig, *args)

        with mock.patch.object(insight, '_finish', keep):
            path = draw()
        self.assertEqual(path, self.out / f'{name}.png')
        self.assertEqual(path.read_bytes()[:8], b'\x89PNG\r\n\x1a\n')
        self.assertEqual(len(figures), 1)
        return figures[0]

    def assert_weight_images(self, fig, weights, titles):
        """fig shows the columns of weights as 28x28 images titled titles, on one colour
        scale symmetric about 0 (white) that fits the largest weight shown."""
        panels = [ax for ax in fig.axes if ax.images]
        self.assertEqual([ax.get_title() for ax in panels], titles)
        limit = np.abs(weights).max()
        for k, ax in enumerate(panels):
            image = ax.images[0]
            np.testing.assert_array_equal(image.get_array(), weights[:, k].reshape(28, 28))
            self.assertEqual(image.get_clim(), (-limit, limit))

    def test_the_softmax_templates_show_each_class_weights_as_an_image(self):
        fig = self.drawn(lambda: insight.show_softmax_templates(self.softmax, self.out,
                                                                show=False), 'softmax_templates')
        self.assert_weight_images(fig, self.softmax.weights['W1'],
                                  [f'digit {c}' for c in range(10)])

    def test_the_softmax_templates_mark_and_name_the_dead_classes_in_red(self):
        dead = insight.dead_classes(self.softmax, self.X)
        self.assertIn(4, dead)
        fig = self.drawn(lambda: insight.show_softmax_templates(self.softmax, self.out,
                                                                show=False, X=self.X),
                         'softmax_templates')
        panels = [ax for ax in fig.axes if ax.images]
        red = matplotlib.colors.to_rgba('tab:red')
        self.assertEqual([c for c, ax in enumerate(panels)
                          if matplotlib.colors.to_rgba(ax.title.get_color()) == red], dead)
        self.assertEqual([c for c, ax in enumerate(panels) if ax.get_title().endswith('dead')],
                         dead)
        note = [text.get_text() for text in fig.texts if text.get_text() != fig.get_suptitle()]
        self.assertEqual(len(note), 1)
        self.assertIn(insight.explain_dead_classes(dead), note[0])
        self.assertIn('blank', note[0])

    def test_the_hidden_units_shown_are_the_strongest_with_their_input_weights(self):
        fig = self.drawn(lambda: insight.show_hidden_units(self.twolayer, self.out, count=6,
                                                           show=False), 'hidden_units')
        units = insight.strongest_units(self.twolayer, 6)
        self.assert_weight_images(fig, self.twolayer.weights['W1'][:, units],
                                  [f'unit {u}' for u in units])

    def test_the_confusion_matrix_png_is_returned_and_writes_each_count_in_its_cell(self):
        fig = self.drawn(lambda: insight.show_confusion_matrix(
            self.twolayer, self.X, self.y, self.out, name='cm_twolayer', show=False),
            'cm_twolayer')
        matrix = insight.confusion_matrix(self.y, insight.predict(self.twolayer, self.X))
        cells = {}
        for text in fig.axes[0].texts:
            column, row = text.get_position()       # predicted digit, true digit
            cells[int(row), int(column)] = int(text.get_text())
        self.assertEqual(cells, {(t, p): matrix[t, p] for t, p in zip(*np.nonzero(matrix))})

    def test_the_gallery_shows_the_surest_mistakes_titled_with_prediction_and_truth(self):
        fig = self.drawn(lambda: insight.show_misclassified(
            self.softmax, self.X, self.y, self.out, count=10, show=False), 'misclassified')
        prob = insight.class_probabilities(self.softmax, self.X)
        pred, sureness = prob.argmax(axis=1), prob.max(axis=1)
        shown = []      # the row of X each panel shows
        for ax in fig.axes:
            if ax.images:
                pixels = ax.images[0].get_array().reshape(-1)
                i = int(np.flatnonzero((self.X == pixels).all(axis=1))[0])
                self.assertEqual(ax.get_title(),
                                 f'pred {pred[i]} ({sureness[i]:.2f})\ntrue {self.y[i]}')
                shown.append(i)
        self.assertEqual(len(set(shown)), 10)
        self.assertTrue(all(pred[shown] != self.y[shown]))
        wrong = pred != self.y      # the fixture's model errs on more than 10 images
        self.assertEqual(sureness[shown].tolist(), sorted(sureness[wrong], reverse=True)[:10])

    def per_class_bars(self, model, **kwargs):
        """(bars, their labels, the figure's note) of show_per_class_accuracy(model)."""
        fig = self.drawn(lambda: insight.show_per_class_accuracy(
            model, self.X, self.y, self.out, show=False, **kwargs),
            kwargs.get('name', 'per_class_accuracy'))
        ax = fig.axes[0]
        matrix = insight.confusion_matrix(self.y, insight.predict(model, self.X))
        np.testing.assert_array_equal([bar.get_height() for bar in ax.patches],
                                      insight.per_class_accuracy(matrix))
        return ax.patches, [text.get_text() for text in ax.texts], [t.get_text() for t in fig.texts]

    def test_the_per_class_figure_marks_and_names_the_dead_classes_in_red(self):
        dead = insight.dead_classes(self.softmax, self.X)
        self.assertIn(4, dead)
        bars, labels, note = self.per_class_bars(self.softmax)
        red = matplotlib.colors.to_rgba('tab:red')
        self.assertEqual([c for c, bar in enumerate(bars) if bar.get_facecolor() == red], dead)
        self.assertEqual([c for c, label in enumerate(labels) if label.startswith('dead')], dead)
        self.assertEqual(note, [insight.explain_dead_classes(dead)])

    def test_the_two_layer_nets_per_class_figure_marks_no_class_dead(self):
        bars, labels, note = self.per_class_bars(self.twolayer, name='pc')
        blue = matplotlib.colors.to_rgba('tab:blue')
        self.assertEqual({bar.get_facecolor() for bar in bars}, {blue})
        self.assertFalse(any('dead' in label for label in labels))
        self.assertEqual(note, [])

    def test_figures_are_closed_when_not_shown(self):
        import matplotlib.pyplot as plt
        before = len(plt.get_fignums())
        insight.show_softmax_templates(self.softmax, self.out, show=False)
        self.assertEqual(len(plt.get_fignums()), before)


# lab/pdf.tex.j2 prints each figure at 0.8 of the size it was drawn at, and at most 0.9 of
# the 6.5 in text width of a letter page.
PDF_FIGURE_SCALE = 0.8
PDF_FIGURE_WIDTH = 0.9 * 6.5    # inches
SMALLEST_READABLE = 7.0         # points, once scaled to the page


class TestLegibleInThePdf(FigureTestCase):
    """Every text of every figure, once the PDF has scaled the figure to the page's width,
    is at least 7 pt (footnote text is 8 pt)."""

    def smallest_text_on_the_page(self, draw):
        measured = []

        def measure(fig, out_dir, name, show):
            width = fig.get_tightbbox(fig.canvas.get_renderer()).width   # as saved
            sizes = [text.get_fontsize() for text in fig.findobj(matplotlib.text.Text)
                     if text.get_visible() and text.get_text().strip()]
            measured.append(min(sizes) * min(PDF_FIGURE_SCALE, PDF_FIGURE_WIDTH / width))
            return finish(fig, out_dir, name, show)

        finish = insight._finish
        with mock.patch.object(insight, '_finish', measure):
            draw()
        return measured[0]

    def test_every_figure_of_the_notebook(self):
        figures = {
            'softmax templates': lambda: insight.show_softmax_templates(
                self.softmax, self.out, show=False),
            'hidden units': lambda: insight.show_hidden_units(self.tuned, self.out, show=False),
            'confusion matrix': lambda: insight.show_confusion_matrix(
                self.tuned, self.X, self.y, self.out, show=False),
            'mistakes': lambda: insight.show_misclassified(
                self.tuned, np.tile(self.X, (2, 1)), np.tile(self.y, 2), self.out, show=False),
            'per-class accuracy': lambda: insight.show_per_class_accuracy(
                self.softmax, self.X, self.y, self.out, show=False),
        }
        for name, draw in figures.items():
            with self.subTest(figure=name):
                self.assertGreaterEqual(self.smallest_text_on_the_page(draw), SMALLEST_READABLE)


if __name__ == '__main__':
    unittest.main()
