"""Private tests of the optimizer section: L2 regularization and the SGD step.

Each test builds a model of sizes the public tests do not use and sets its weights and
gradients by hand, so nothing here runs a forward pass: a fault in the models or utility
sections costs no optimizer points. Expected values are the handout's formulas, worked
out here with numpy: gradient += reg * W for weights only; then theta -= lr * gradient.
"""
import unittest

import numpy as np

from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD


def two_layer(seed, D=5, H=3, C=4):
    """A TwoLayerNet(D, C, H) whose weights, biases and gradients are random and nonzero;
    returns (model, copies of the weights, copies of the gradients)."""
    rng = np.random.RandomState(seed)
    model = TwoLayerNet(input_size=D, num_classes=C, hidden_size=H)
    shapes = {'W1': (D, H), 'b1': (H,), 'W2': (H, C), 'b2': (C,)}
    model.weights = {key: rng.randn(*shape) for key, shape in shapes.items()}
    model.gradients = {key: rng.randn(*shape) for key, shape in shapes.items()}
    return model, copies(model.weights), copies(model.gradients)


def softmax_regression(seed, D=6, C=3):
    """A SoftmaxRegression(D, C) with random W1 and gradient; (model, weights, gradients)."""
    rng = np.random.RandomState(seed)
    model = SoftmaxRegression(input_size=D, num_classes=C)
    model.weights['W1'] = rng.randn(D, C)
    model.gradients['W1'] = rng.randn(D, C)
    return model, copies(model.weights), copies(model.gradients)


def copies(arrays):
    return {key: np.array(value, dtype=np.float64) for key, value in arrays.items()}


class TestRegularizationFacts(unittest.TestCase):
    def test_weight_gradients_gain_exactly_reg_times_the_weight(self):
        for reg in (0.3, 1e-3, 2.0):
            with self.subTest(reg=reg):
                model, weights, grads = two_layer(1)
                SGD(learning_rate=0.5, reg=reg).apply_regularization(model)
                for key in ('W1', 'W2'):
                    np.testing.assert_allclose(model.gradients[key],
                                               grads[key] + reg * weights[key],
                                               rtol=1e-12, atol=1e-15, err_msg=key)

    def test_bias_gradients_are_left_alone(self):
        model, _, grads = two_layer(2)
        SGD(learning_rate=0.5, reg=0.7).apply_regularization(model)
        for key in ('b1', 'b2'):
            np.testing.assert_array_equal(model.gradients[key], grads[key], key)

    def test_weights_are_left_alone(self):
        model, weights, _ = two_layer(3)
        SGD(learning_rate=0.5, reg=0.7).apply_regularization(model)
        for key in weights:
            np.testing.assert_array_equal(model.weights[key], weights[key], key)

    def test_softmax_regression_regularizes_its_only_weight(self):
        model, weights, grads = softmax_regression(4)
        SGD(learning_rate=0.5, reg=0.25).apply_regularization(model)
        self.assertEqual(set(model.gradients), {'W1'})
        np.testing.assert_allclose(model.gradients['W1'], grads['W1'] + 0.25 * weights['W1'],
                                   rtol=1e-12, atol=1e-15)

    def test_zero_reg_changes_nothing(self):
        model, _, grads = two_layer(5)
        SGD(learning_rate=0.5, reg=0.0).apply_regularization(model)
        for key in grads:
            np.testing.assert_allclose(model.gradients[key], grads[key], rtol=0, atol=0,
                                       err_msg=key)

    def test_regularizing_twice_adds_twice(self):
        model, weights, grads = two_layer(6, D=2, H=7, C=2)
        optimizer = SGD(learning_rate=0.5, reg=0.1)
        optimizer.apply_regularization(model)
        optimizer.apply_regularization(model)
        for key in ('W1', 'W2'):
            np.testing.assert_allclose(model.gradients[key], grads[key] + 0.2 * weights[key],
                                       rtol=1e-12, atol=1e-15, err_msg=key)
        for key in ('b1', 'b2'):
            np.testing.assert_array_equal(model.gradients[key], grads[key], key)


class TestSGDFacts(unittest.TestCase):
    def assertStepped(self, model, weights, grads, lr, reg):
        """Weights W -= lr * (g + reg W); biases b -= lr * g."""
        for key in weights:
            penalty = reg * weights[key] if key.startswith('W') else 0.0
            np.testing.assert_allclose(model.weights[key],
                                       weights[key] - lr * (grads[key] + penalty),
                                       rtol=1e-12, atol=1e-15, err_msg=key)

    def test_update_steps_weights_against_the_regularized_gradient(self):
        for lr, reg in ((0.05, 0.3), (1.0, 0.0), (0.2, 2.0)):
            with self.subTest(lr=lr, reg=reg):
                model, weights, grads = two_layer(10)
                SGD(learning_rate=lr, reg=reg).update(model)
                self.assertStepped(model, weights, grads, lr, reg)

    def test_update_steps_biases_against_their_own_gradient_only(self):
        model, weights, grads = two_layer(11, D=3, H=1, C=2)
        SGD(learning_rate=0.4, reg=5.0).update(model)
        for key in ('b1', 'b2'):
            np.testing.assert_allclose(model.weights[key], weights[key] - 0.4 * grads[key],
                                       rtol=1e-12, atol=1e-15, err_msg=key)

    def test_update_of_softmax_regression(self):
        model, weights, grads = softmax_regression(12, D=2, C=5)
        SGD(learning_rate=0.3, reg=0.1).update(model)
        self.assertEqual(set(model.weights), {'W1'})
        self.assertStepped(model, weights, grads, 0.3, 0.1)

    def test_zero_learning_rate_moves_nothing(self):
        model, weights, _ = two_layer(13)
        SGD(learning_rate=0.0, reg=0.5).update(model)
        for key in weights:
            np.testing.assert_allclose(model.weights[key], weights[key], rtol=0, atol=0,
                                       err_msg=key)

    def test_each_step_uses_only_the_current_gradient(self):
        # No momentum: a second step with new gradients is the formula applied to them alone.
        model, _, _ = two_layer(14)
        optimizer = SGD(learning_rate=0.1, reg=0.05)
        optimizer.update(model)
        rng = np.random.RandomState(15)
        model.gradients = {key: rng.randn(*np.shape(w)) for key, w in model.weights.items()}
        weights, grads = copies(model.weights), copies(model.gradients)
        optimizer.update(model)
        self.assertStepped(model, weights, grads, 0.1, 0.05)


if __name__ == '__main__':
    unittest.main()
