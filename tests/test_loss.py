"""Softmax, cross-entropy and accuracy of ``_baseNetwork``.

All expected values are computed by hand: softmax([0, ln 2]) = [1/3, 2/3],
cross-entropy is the batch mean of -log p[i, y_i], and accuracy is the fraction
of rows whose argmax equals the label.
"""
import math
import unittest

import numpy as np

from models._base_network import _baseNetwork
from tests import no_numeric_warnings


class TestSoftmax(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_softmax_matches_hand_values(self):
        scores = np.array([[0.0, math.log(2.0)], [math.log(3.0), 0.0]])
        np.testing.assert_allclose(
            self.net.softmax(scores), [[1 / 3, 2 / 3], [3 / 4, 1 / 4]], rtol=1e-12)

    def test_softmax_works_row_by_row(self):
        scores = np.array([[0.0, 0.0, math.log(2.0)], [5.0, 5.0, 5.0], [-1.0, 1.0, 0.0]])
        out = self.net.softmax(scores)
        self.assertEqual(out.shape, (3, 3))
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)
        np.testing.assert_allclose(out[0], [0.25, 0.25, 0.5], rtol=1e-12)
        np.testing.assert_allclose(out[1], [1 / 3, 1 / 3, 1 / 3], rtol=1e-12)
        e = np.exp([-1.0, 1.0, 0.0])
        np.testing.assert_allclose(out[2], e / e.sum(), rtol=1e-12)

    def test_softmax_is_shift_invariant(self):
        rng = np.random.RandomState(0)
        scores = rng.randn(4, 5)
        shifts = np.array([[-30.0], [0.5], [12.0], [400.0]])
        np.testing.assert_allclose(
            self.net.softmax(scores + shifts), self.net.softmax(scores), rtol=1e-10, atol=1e-15)

    def test_softmax_handles_huge_scores_without_warnings(self):
        scores = np.array([[1000.0, 0.0], [-1000.0, 0.0], [1000.0, 1000.0], [-1000.0, -1000.0]])
        with no_numeric_warnings():
            out = self.net.softmax(scores)
        self.assertTrue(np.all(np.isfinite(out)))
        np.testing.assert_allclose(out, [[1, 0], [0, 1], [0.5, 0.5], [0.5, 0.5]], atol=1e-15)

    def test_softmax_does_not_modify_its_input(self):
        scores = np.array([[3.0, 1.0, -2.0]])
        self.net.softmax(scores)
        np.testing.assert_array_equal(scores, [[3.0, 1.0, -2.0]])


class TestCrossEntropy(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_cross_entropy_is_batch_mean_of_negative_log_probability(self):
        p = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
        y = np.array([0, 1, 1])
        expected = (math.log(2.0) - math.log(0.8) - math.log(0.2)) / 3
        loss = self.net.cross_entropy_loss(p, y)
        self.assertIsInstance(loss, float)
        self.assertAlmostEqual(loss, expected, places=12)

    def test_cross_entropy_is_a_mean_not_a_sum(self):
        row = np.array([[0.25, 0.75]])
        y = np.array([1])
        one = self.net.cross_entropy_loss(row, y)
        many = self.net.cross_entropy_loss(np.repeat(row, 7, axis=0), np.repeat(y, 7))
        self.assertAlmostEqual(one, -math.log(0.75), places=12)
        self.assertAlmostEqual(many, one, places=12)

    def test_cross_entropy_of_a_certain_correct_prediction_is_zero(self):
        p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
        self.assertAlmostEqual(self.net.cross_entropy_loss(p, np.array([1, 0])), 0.0, places=9)

    def test_cross_entropy_is_finite_when_a_probability_is_zero(self):
        p = np.array([[0.0, 1.0], [1.0, 0.0]])
        with no_numeric_warnings():
            loss = self.net.cross_entropy_loss(p, np.array([0, 1]))
        self.assertTrue(math.isfinite(loss))
        self.assertGreater(loss, 10.0)  # a confident wrong answer costs a lot


class TestAccuracy(unittest.TestCase):
    def setUp(self):
        self.net = _baseNetwork()

    def test_accuracy_two_of_three_right(self):
        p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]])
        y = np.array([0, 1, 1])  # rows 0 and 2 right, row 1 wrong
        self.assertAlmostEqual(self.net.compute_accuracy(p, y), 2 / 3, places=12)

    def test_accuracy_all_right_and_all_wrong(self):
        p = np.array([[0.9, 0.1], [0.4, 0.6]])
        self.assertEqual(self.net.compute_accuracy(p, np.array([0, 1])), 1.0)
        self.assertEqual(self.net.compute_accuracy(p, np.array([1, 0])), 0.0)

    def test_accuracy_uses_argmax_on_scores_of_any_scale(self):
        scores = np.array([[-5.0, 2.0, 1.0], [10.0, 20.0, 30.0], [0.0, -1.0, -2.0],
                           [3.0, 4.0, 2.0]])
        y = np.array([1, 2, 0, 0])
        self.assertAlmostEqual(self.net.compute_accuracy(scores, y), 0.75, places=12)


if __name__ == '__main__':
    unittest.main()
