"""Private tests of the utility functions section: activations, softmax, loss, accuracy.

Expected values come from the math module, element by element, or are worked out by hand
(sigmoid(ln 3) = 3/4, uniform probabilities cost ln C). Where the handout allows several
answers (ReLU's derivative at 0, the finite value of -log 0, whether huge inputs warn),
the tests accept any of them: they ask for the right value within a tolerance, finite.
Shapes and class counts differ from the public tests' (one row, odd rows, C = 2, 3, 7, 13).
"""
import contextlib
import math
import unittest
import warnings

import numpy as np

from models._base_network import _baseNetwork

SHAPES = ((1, 1), (1, 7), (5, 3), (4, 13))
# Losses here are checked to 1e-5: -log(p + 1e-7), a common guard against log 0, passes.
LOSS_TOLERANCE = 1e-5


def logistic(x):
    """1 / (1 + e^-x) by the math module, for |x| below 700."""
    return 1.0 / (1.0 + math.exp(-x))


def softmax_row(row):
    """The softmax of one row of moderate scores, by the math module."""
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


@contextlib.contextmanager
def quietly():
    """numpy's overflow warnings silenced: a warning is no fault here, a wrong value is."""
    with warnings.catch_warnings(), np.errstate(all='ignore'):
        warnings.simplefilter('ignore')
        yield


class TestActivationFacts(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()
        self.rng = np.random.RandomState(19)

    def test_sigmoid_matches_the_logistic_function_on_every_shape(self):
        for shape in SHAPES:
            x = 6.0 * self.rng.randn(*shape)
            with self.subTest(shape=shape):
                out = np.asarray(self.net.sigmoid(x))
                self.assertEqual(out.shape, shape)
                expected = np.vectorize(logistic)(x)
                np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)

    def test_sigmoid_is_symmetric_about_one_half(self):
        x = np.linspace(-9.0, 9.0, 19).reshape(1, 19)
        np.testing.assert_allclose(self.net.sigmoid(-x), 1.0 - self.net.sigmoid(x), atol=1e-12)

    def test_sigmoid_dev_matches_the_derivative_at_hand_values(self):
        # s(ln 3) = 3/4 -> s' = 3/16; s(ln 4) = 4/5 -> s' = 4/25; s(0) = 1/2 -> s' = 1/4
        x = np.array([[math.log(3.0)], [-math.log(4.0)], [0.0]])
        np.testing.assert_allclose(self.net.sigmoid_dev(x), [[3 / 16], [4 / 25], [1 / 4]],
                                   rtol=1e-12)

    def test_sigmoid_dev_matches_the_derivative_on_every_shape(self):
        for shape in SHAPES:
            x = 4.0 * self.rng.randn(*shape)
            with self.subTest(shape=shape):
                out = np.asarray(self.net.sigmoid_dev(x))
                self.assertEqual(out.shape, shape)
                expected = np.vectorize(lambda v: math.exp(-v) / (1.0 + math.exp(-v)) ** 2)(x)
                np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)

    def test_sigmoid_dev_is_even_and_at_most_one_quarter(self):
        x = np.linspace(-6.0, 6.0, 25).reshape(5, 5)
        out = np.asarray(self.net.sigmoid_dev(x))
        np.testing.assert_allclose(out, self.net.sigmoid_dev(-x), rtol=1e-12)
        self.assertLessEqual(out.max(), 0.25 + 1e-15)
        self.assertGreater(out.min(), 0.0)

    def test_relu_is_the_positive_part_on_every_shape(self):
        for shape in SHAPES:
            x = self.rng.randn(*shape)
            with self.subTest(shape=shape):
                out = np.asarray(self.net.ReLU(x))
                self.assertEqual(out.shape, shape)
                np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))

    def test_relu_dev_is_one_above_zero_and_zero_below_on_every_shape(self):
        # The derivative at exactly 0 is the implementer's choice: no entry here is 0.
        for shape in SHAPES:
            x = self.rng.randn(*shape)
            with self.subTest(shape=shape):
                out = np.asarray(self.net.ReLU_dev(x), dtype=np.float64)
                self.assertEqual(out.shape, shape)
                np.testing.assert_array_equal(out, (x > 0).astype(np.float64))

    def test_activations_leave_their_input_alone(self):
        x = self.rng.randn(3, 4)
        before = x.copy()
        for function in (self.net.sigmoid, self.net.sigmoid_dev, self.net.ReLU,
                         self.net.ReLU_dev):
            function(x)
            np.testing.assert_array_equal(x, before, function.__name__)


class TestSoftmaxAndLossFacts(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()
        self.rng = np.random.RandomState(7643)

    def test_softmax_matches_the_definition_on_every_shape(self):
        for shape in SHAPES[1:]:      # one class: softmax is 1, checked below
            scores = 3.0 * self.rng.randn(*shape)
            with self.subTest(shape=shape):
                out = np.asarray(self.net.softmax(scores))
                self.assertEqual(out.shape, shape)
                np.testing.assert_allclose(out, [softmax_row(row) for row in scores], rtol=1e-9,
                                           atol=1e-15)

    def test_softmax_of_equal_scores_is_uniform(self):
        for classes in (2, 7, 13):
            with self.subTest(classes=classes):
                out = self.net.softmax(np.full((3, classes), -2.5))
                np.testing.assert_allclose(out, 1.0 / classes, rtol=1e-12)

    def test_softmax_of_a_single_class_is_one(self):
        np.testing.assert_allclose(self.net.softmax(np.array([[4.0], [-3.0]])), [[1.0], [1.0]],
                                   rtol=1e-12)

    def test_softmax_keeps_the_order_of_scores_within_a_row(self):
        scores = self.rng.randn(6, 7)
        out = np.asarray(self.net.softmax(scores))
        np.testing.assert_array_equal(np.argsort(out, axis=1), np.argsort(scores, axis=1))

    def test_cross_entropy_of_one_example(self):
        p = np.array([[0.125, 0.5, 0.375]])
        self.assertAlmostEqual(float(self.net.cross_entropy_loss(p, np.array([2]))),
                               -math.log(0.375), delta=LOSS_TOLERANCE)

    def test_cross_entropy_is_the_mean_over_an_odd_batch(self):
        p = np.array([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1],
                      [0.05, 0.05, 0.8, 0.1], [0.5, 0.5, 0.0, 0.0]])
        y = np.array([3, 1, 0, 2, 1])
        expected = -sum(math.log(v) for v in (0.4, 0.25, 0.7, 0.8, 0.5)) / 5
        self.assertAlmostEqual(float(self.net.cross_entropy_loss(p, y)), expected,
                               delta=LOSS_TOLERANCE)

    def test_cross_entropy_of_uniform_probabilities_is_log_c(self):
        for classes in (2, 3, 17):
            with self.subTest(classes=classes):
                p = np.full((5, classes), 1.0 / classes)
                y = np.arange(5) % classes
                self.assertAlmostEqual(float(self.net.cross_entropy_loss(p, y)),
                                       math.log(classes), delta=LOSS_TOLERANCE)

    def test_accuracy_of_one_example_is_zero_or_one(self):
        p = np.array([[0.2, 0.5, 0.3]])
        self.assertEqual(float(self.net.compute_accuracy(p, np.array([1]))), 1.0)
        self.assertEqual(float(self.net.compute_accuracy(p, np.array([2]))), 0.0)

    def test_accuracy_is_the_fraction_right_over_an_odd_batch(self):
        p = np.array([[0.1, 0.6, 0.1, 0.1, 0.1, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.8],
                      [0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0], [0.3, 0.0, 0.0, 0.4, 0.0, 0.3, 0.0],
                      [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
        y = np.array([1, 5, 0, 3, 2])      # rows 0, 2 and 3 right
        self.assertAlmostEqual(float(self.net.compute_accuracy(p, y)), 3 / 5, places=12)


class TestExtremeInputs(unittest.TestCase):
    """Scores of 1e4 and activations at +-1e4: finite and right, however computed."""

    def setUp(self):
        self.net = _baseNetwork()

    def test_softmax_of_huge_scores_is_finite_and_right(self):
        scores = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [-1e4, -1e4, 0.0],
                           [1e4, 1e4 - math.log(3.0), -1e4]])
        with quietly():
            out = np.asarray(self.net.softmax(scores))
        self.assertTrue(np.all(np.isfinite(out)), out)
        np.testing.assert_allclose(out, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.75, 0.25, 0]],
                                   rtol=1e-9, atol=1e-12)

    def test_softmax_of_rows_of_equal_huge_entries_is_uniform(self):
        scores = np.array([[1e4, 1e4, 1e4, 1e4], [-1e4, -1e4, -1e4, -1e4],
                           [1e4, 1e4, -1e4, -1e4]])
        with quietly():
            out = np.asarray(self.net.softmax(scores))
        self.assertTrue(np.all(np.isfinite(out)), out)
        np.testing.assert_allclose(out, [[0.25] * 4, [0.25] * 4, [0.5, 0.5, 0, 0]], atol=1e-12)

    def test_sigmoid_at_plus_and_minus_1e4_is_finite_1_and_0(self):
        with quietly():
            out = np.asarray(self.net.sigmoid(np.array([[1e4, -1e4], [800.0, -800.0]])))
        self.assertTrue(np.all(np.isfinite(out)), out)
        np.testing.assert_allclose(out, [[1.0, 0.0], [1.0, 0.0]], rtol=0, atol=1e-12)

    def test_sigmoid_dev_at_plus_and_minus_1e4_is_finite_and_0(self):
        with quietly():
            out = np.asarray(self.net.sigmoid_dev(np.array([[1e4, -1e4, 800.0, -800.0]])))
        self.assertTrue(np.all(np.isfinite(out)), out)
        np.testing.assert_allclose(out, 0.0, rtol=0, atol=1e-12)

    def test_cross_entropy_is_finite_and_large_when_the_true_class_underflowed_to_0(self):
        p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
        with quietly():
            loss = float(self.net.cross_entropy_loss(p, np.array([1, 2, 2])))
        self.assertTrue(math.isfinite(loss), loss)
        self.assertGreater(loss, 5.0)      # -log of any floor below 1e-7, over the batch of 3

    def test_cross_entropy_ignores_zeros_outside_the_true_class(self):
        p = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
        with quietly():
            loss = float(self.net.cross_entropy_loss(p, np.array([0, 2])))
        self.assertTrue(math.isfinite(loss), loss)
        self.assertAlmostEqual(loss, 0.0, delta=LOSS_TOLERANCE)

    def test_softmax_then_cross_entropy_of_a_confident_wrong_answer_is_finite(self):
        with quietly():
            p = self.net.softmax(np.array([[1e4, 0.0], [0.0, 1e4]]))
            loss = float(self.net.cross_entropy_loss(p, np.array([1, 0])))
        self.assertTrue(math.isfinite(loss), loss)
        self.assertGreater(loss, 10.0)


if __name__ == '__main__':
    unittest.main()
