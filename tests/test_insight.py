"""The notebook's pictures: the numbers behind them, checked by hand, and the
figures written as PNG files."""
import unittest
from unittest import mock

import matplotlib

matplotlib.use('Agg')   # no display needed; must precede any pyplot import

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
    def assert_png(self, path, name):
        self.assertEqual(path, self.out / f'{name}.png')
        self.assertEqual(path.read_bytes()[:8], b'\x89PNG\r\n\x1a\n')

    def test_softmax_templates(self):
        self.assert_png(insight.show_softmax_templates(self.softmax, self.out, show=False),
                        'softmax_templates')

    def test_hidden_units(self):
        self.assert_png(insight.show_hidden_units(self.twolayer, self.out, count=6, show=False),
                        'hidden_units')

    def test_confusion_matrix(self):
        path = insight.show_confusion_matrix(self.twolayer, self.X, self.y, self.out,
                                             name='cm_twolayer', show=False)
        self.assert_png(path, 'cm_twolayer')

    def test_misclassified_gallery(self):
        self.assert_png(insight.show_misclassified(self.softmax, self.X, self.y, self.out,
                                                   count=10, show=False), 'misclassified')

    def test_per_class_accuracy_with_a_dead_class(self):
        self.assertIn(4, insight.dead_classes(self.softmax, self.X))
        self.assert_png(insight.show_per_class_accuracy(self.softmax, self.X, self.y, self.out,
                                                        show=False), 'per_class_accuracy')

    def test_per_class_accuracy_of_the_two_layer_net(self):
        self.assert_png(insight.show_per_class_accuracy(self.twolayer, self.X, self.y, self.out,
                                                        name='pc', show=False), 'pc')

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
