"""Properties of the shared pieces, checked on random inputs by hypothesis.

Example counts are kept modest and no example database is written, so the
module runs in a few seconds and leaves nothing behind.
"""
import math
import unittest
import warnings

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from models import TwoLayerNet

NET = TwoLayerNet(input_size=4, num_classes=3, hidden_size=2)
FAST = settings(max_examples=60, deadline=None, database=None)

scores = st.integers(1, 6).flatmap(
    lambda c: arrays(np.float64, st.tuples(st.integers(1, 5), st.just(c)),
                     elements=st.floats(-1e4, 1e4)))
# Away from 0, where ReLU has no derivative and sigmoid's is steepest anyway.
points = st.floats(0.01, 30).flatmap(lambda x: st.sampled_from([x, -x]))


# (N, C) rows of a softmax (often exactly 0 or 1), with N labels in [0, C).
probabilities_and_labels = scores.flatmap(lambda s: st.tuples(
    st.just(NET.softmax(s)),
    arrays(np.int64, s.shape[0], elements=st.integers(0, s.shape[1] - 1))))


class TestSoftmax(unittest.TestCase):
    @FAST
    @given(scores)
    def test_softmax_rows_sum_to_one_and_lie_in_0_1(self, s):
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            p = NET.softmax(s)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
        self.assertTrue(((p >= 0) & (p <= 1)).all())

    @FAST
    @given(scores, st.floats(-1e3, 1e3))
    def test_softmax_is_shift_invariant(self, s, shift):
        np.testing.assert_allclose(NET.softmax(s + shift), NET.softmax(s), atol=1e-10)


class TestDerivatives(unittest.TestCase):
    @staticmethod
    def central_difference(f, x, h=1e-6):
        return (f(np.array([x + h])) - f(np.array([x - h])))[0] / (2 * h)

    @FAST
    @given(points)
    def test_sigmoid_dev_matches_finite_differences(self, x):
        numeric = self.central_difference(NET.sigmoid, x)
        self.assertAlmostEqual(NET.sigmoid_dev(np.array([x]))[0], numeric, delta=1e-8)

    @FAST
    @given(points)
    def test_relu_dev_matches_finite_differences(self, x):
        numeric = self.central_difference(NET.ReLU, x)
        self.assertAlmostEqual(NET.ReLU_dev(np.array([x]))[0], numeric, delta=1e-6)


class TestLossAndAccuracy(unittest.TestCase):
    @FAST
    @given(probabilities_and_labels)
    def test_loss_is_finite_and_non_negative(self, pair):
        p, y = pair
        loss = NET.cross_entropy_loss(p, y)
        self.assertTrue(math.isfinite(loss))
        self.assertGreaterEqual(loss, 0.0)

    @FAST
    @given(probabilities_and_labels)
    def test_accuracy_lies_in_0_1_and_counts_argmax_hits(self, pair):
        p, y = pair
        accuracy = NET.compute_accuracy(p, y)
        self.assertGreaterEqual(accuracy, 0.0)
        self.assertLessEqual(accuracy, 1.0)
        self.assertAlmostEqual(accuracy * len(y), round(accuracy * len(y)))


if __name__ == '__main__':
    unittest.main()
