"""Private tests of the models section: forward and backward of both networks.

Loss and accuracy are compared with a reference forward pass written here; every gradient
with central finite differences of that reference loss, in float64, on random small
problems of several shapes (one example, odd batches, H = C, input sizes other than 784,
hidden sizes other than 128). Scores stay moderate (|s| < 30), so that these tests do not
depend on how softmax handles extreme inputs: that belongs to the utility section.
"""
import math
import unittest

import numpy as np

from models import SoftmaxRegression, TwoLayerNet

# (D, C, N): input size, classes, batch size
SOFTMAX_SHAPES = ((5, 3, 1), (5, 3, 7), (1, 2, 3), (3, 7, 5), (9, 13, 4))
# (D, H, C, N): input size, hidden units, classes, batch size
TWO_LAYER_SHAPES = ((6, 3, 4, 1), (6, 3, 4, 9), (1, 1, 2, 3), (3, 3, 3, 5), (2, 6, 4, 3),
                    (4, 7, 13, 2))
TWO_LAYER_KEYS = ('W1', 'b1', 'W2', 'b2')


def mean_cross_entropy(scores, y):
    """Loss and accuracy of scores (N, C) and labels y (N,), written out independently."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(len(y)), y].mean()
    return loss, np.mean(np.argmax(scores, axis=1) == y)


def softmax_regression_reference(X, y, w):
    """FC without bias -> ReLU -> softmax -> mean cross-entropy; returns (loss, accuracy)."""
    return mean_cross_entropy(np.maximum(X @ w['W1'], 0.0), y)


def two_layer_reference(X, y, w):
    """FC -> sigmoid -> FC -> softmax -> mean cross-entropy; returns (loss, accuracy)."""
    hidden = 1.0 / (1.0 + np.exp(-(X @ w['W1'] + w['b1'])))
    return mean_cross_entropy(hidden @ w['W2'] + w['b2'], y)


def finite_differences(loss, weights, eps=1e-6):
    """{key: central differences (loss(w + eps) - loss(w - eps)) / 2 eps of loss(weights)
    with respect to each entry of weights[key]}; the weights are restored."""
    grads = {}
    for key, w in weights.items():
        grad = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            old = w[i]
            w[i] = old + eps
            plus = loss(weights)
            w[i] = old - eps
            minus = loss(weights)
            w[i] = old
            grad[i] = (plus - minus) / (2 * eps)
        grads[key] = grad
    return grads


def softmax_problem(D, C, N, seed):
    """A SoftmaxRegression(D, C) with random weights, and a batch X (N, D), y (N,) in which
    every row has a positive score: a row of scores all cut to 0 by the ReLU would be a tie,
    and how accuracy breaks ties is the implementer's choice."""
    rng = np.random.RandomState(seed)
    model = SoftmaxRegression(input_size=D, num_classes=C)
    model.weights['W1'] = rng.randn(D, C)
    X = rng.randn(N, D)
    X[(X @ model.weights['W1']).max(axis=1) <= 0] *= -1.0
    return model, X, rng.randint(0, C, N)


def two_layer_problem(D, H, C, N, seed):
    """A TwoLayerNet(D, C, H) with random weights and biases, and a batch X (N, D), y (N,)."""
    rng = np.random.RandomState(seed)
    model = TwoLayerNet(input_size=D, num_classes=C, hidden_size=H)
    model.weights.update(W1=rng.randn(D, H), b1=rng.randn(H), W2=0.5 * rng.randn(H, C),
                         b2=rng.randn(C))
    return model, rng.randn(N, D), rng.randint(0, C, N)


class TestForwardOnOtherShapes(unittest.TestCase):
    def assertMatchesReference(self, model, X, y, reference):
        expected_loss, expected_accuracy = reference(X, y, model.weights)
        for mode in ('train', 'valid'):
            loss, accuracy = model.forward(X, y, mode=mode)
            # Within 1e-4: a loss of -log(p + 1e-7), a common guard against log 0, passes.
            self.assertAlmostEqual(float(loss), expected_loss, delta=1e-4, msg=mode)
            self.assertAlmostEqual(float(accuracy), expected_accuracy, places=12, msg=mode)

    def test_softmax_regression_loss_and_accuracy_on_other_shapes(self):
        for seed, shape in enumerate(SOFTMAX_SHAPES):
            with self.subTest(D_C_N=shape):
                model, X, y = softmax_problem(*shape, seed)
                self.assertMatchesReference(model, X, y, softmax_regression_reference)

    def test_two_layer_loss_and_accuracy_on_other_shapes(self):
        for seed, shape in enumerate(TWO_LAYER_SHAPES):
            with self.subTest(D_H_C_N=shape):
                model, X, y = two_layer_problem(*shape, seed)
                self.assertMatchesReference(model, X, y, two_layer_reference)

    def test_softmax_regression_gradient_has_the_weight_shape(self):
        for seed, (D, C, N) in enumerate(SOFTMAX_SHAPES):
            with self.subTest(D_C_N=(D, C, N)):
                model, X, y = softmax_problem(D, C, N, seed)
                model.forward(X, y)
                self.assertEqual(np.shape(model.gradients['W1']), (D, C))

    def test_two_layer_gradients_have_the_weights_shapes(self):
        for seed, (D, H, C, N) in enumerate(TWO_LAYER_SHAPES):
            with self.subTest(D_H_C_N=(D, H, C, N)):
                model, X, y = two_layer_problem(D, H, C, N, seed)
                model.forward(X, y)
                shapes = {key: np.shape(model.gradients[key]) for key in TWO_LAYER_KEYS}
                self.assertEqual(shapes, {'W1': (D, H), 'b1': (H,), 'W2': (H, C), 'b2': (C,)})

    def test_one_mnist_sized_example_at_initialisation_costs_about_log_10(self):
        # Initial weights of 0.001 * randn give near-equal scores, so p is near 1/10.
        x = np.random.RandomState(0).rand(1, 784)
        for model in (SoftmaxRegression(), TwoLayerNet(hidden_size=32), TwoLayerNet()):
            with self.subTest(model=type(model).__name__):
                loss, accuracy = model.forward(x, np.array([3]))
                self.assertAlmostEqual(float(loss), math.log(10.0), delta=0.05)
                self.assertIn(float(accuracy), (0.0, 1.0))


class TestGradientsMatchFiniteDifferences(unittest.TestCase):
    def assertGradientsMatch(self, model, X, y, reference):
        model.forward(X, y, mode='train')
        expected = finite_differences(lambda w: reference(X, y, w)[0], model.weights)
        for key, grad in expected.items():
            np.testing.assert_allclose(model.gradients[key], grad, rtol=1e-5, atol=1e-8,
                                       err_msg=f"gradients['{key}']")

    def test_softmax_regression_gradient_matches_finite_differences(self):
        for seed, shape in enumerate(SOFTMAX_SHAPES):
            with self.subTest(D_C_N=shape):
                model, X, y = softmax_problem(*shape, 100 + seed)
                self.assertGradientsMatch(model, X, y, softmax_regression_reference)

    def test_two_layer_gradients_match_finite_differences(self):
        for seed, shape in enumerate(TWO_LAYER_SHAPES):
            with self.subTest(D_H_C_N=shape):
                model, X, y = two_layer_problem(*shape, 200 + seed)
                self.assertGradientsMatch(model, X, y, two_layer_reference)

    def test_two_layer_bias_gradients_match_finite_differences_with_large_biases(self):
        # Biases far from 0 put the hidden units where sigmoid' is small and asymmetric.
        model, X, y = two_layer_problem(3, 4, 3, 5, 300)
        model.weights['b1'] = np.array([3.0, -2.5, 1.5, -4.0])
        model.weights['b2'] = np.array([2.0, -1.0, 0.5])
        self.assertGradientsMatch(model, X, y, two_layer_reference)

    def test_gradients_are_recomputed_for_each_batch(self):
        model, X, y = two_layer_problem(4, 3, 3, 6, 400)
        model.forward(X[:2], y[:2])
        self.assertGradientsMatch(model, X[2:], y[2:], two_layer_reference)


if __name__ == '__main__':
    unittest.main()
