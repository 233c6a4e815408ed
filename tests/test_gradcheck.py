"""The gradient checker: it measures what it claims, passes the homework's two
models, and catches the classic back-propagation mistakes."""
import unittest

import numpy as np

from lab.gradcheck import (
    check_both_models,
    check_gradients,
    numerical_gradient,
    relative_error,
    report,
    small_models,
)
from models import SoftmaxRegression, TwoLayerNet


class Quadratic:
    """loss = sum_ij c_ij * w_ij**2 / 2, so dloss/dw = c * w exactly."""

    def __init__(self, w, c, wrong_by=1.0):
        self.weights = {'w': w}
        self.gradients = {'w': np.zeros_like(w)}
        self.c, self.wrong_by = c, wrong_by
        self.calls = 0

    def forward(self, X, y, mode='train'):
        self.calls += 1
        w = self.weights['w']
        if mode == 'train':
            self.gradients['w'] = self.wrong_by * self.c * w
        return float(np.sum(self.c * w ** 2) / 2), 0.0


class DoubledW1(TwoLayerNet):
    """A classic slip: dW1 twice too large (say, a missing 1/2 somewhere)."""

    def forward(self, X, y, mode='train'):
        out = super().forward(X, y, mode)
        if mode == 'train':
            self.gradients['W1'] = 2.0 * self.gradients['W1']
        return out


class NoSigmoidDerivative(TwoLayerNet):
    """Another classic slip: back-propagating through the sigmoid as if it were the identity."""

    def forward(self, X, y, mode='train'):
        out = super().forward(X, y, mode)
        if mode == 'train':
            X = np.asarray(X)
            a1 = self.sigmoid(X @ self.weights['W1'] + self.weights['b1'])
            p = self.softmax(a1 @ self.weights['W2'] + self.weights['b2'])
            dz2 = p.copy()
            dz2[np.arange(len(y)), y] -= 1.0
            dz1 = dz2 / len(y) @ self.weights['W2'].T       # no * s'(z1)
            self.gradients['W1'] = X.T @ dz1
            self.gradients['b1'] = dz1.sum(axis=0)
        return out


class NoReLUDerivative(SoftmaxRegression):
    """Softmax regression back-propagating through its ReLU as if it were the identity."""

    def forward(self, X, y, mode='train'):
        out = super().forward(X, y, mode)
        if mode == 'train':
            p = self.softmax(self.ReLU(X @ self.weights['W1']))
            p[np.arange(len(y)), y] -= 1.0
            self.gradients['W1'] = X.T @ p / len(y)
        return out


def random_batch(seed, n=6, input_size=15, num_classes=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, input_size)), rng.integers(0, num_classes, size=n)


class TestRelativeError(unittest.TestCase):
    def test_hand_computed_values(self):
        np.testing.assert_allclose(relative_error([3.0, -1.0, 2.0], [1.0, 1.0, 2.0]),
                                   [2 / 4, 2 / 2, 0.0])

    def test_two_zeros_agree_perfectly(self):
        self.assertEqual(relative_error(0.0, 0.0), 0.0)

    def test_below_the_floor_the_error_is_absolute_in_floor_units(self):
        self.assertAlmostEqual(float(relative_error(1e-9, 0.0, floor=1e-8)), 0.1)


class TestNumericalGradient(unittest.TestCase):
    def test_matches_the_exact_derivative_of_a_quadratic(self):
        rng = np.random.default_rng(0)
        w, c = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
        model = Quadratic(w.copy(), c)
        numeric = numerical_gradient(model, None, None, 'w', np.arange(12))
        np.testing.assert_allclose(numeric, (c * w).ravel(), rtol=1e-8)

    def test_perturbs_a_non_contiguous_weight_in_place(self):
        w = np.asfortranarray(np.arange(6.0).reshape(2, 3))
        model = Quadratic(w, np.ones((2, 3)))
        numeric = numerical_gradient(model, None, None, 'w', np.arange(6))
        np.testing.assert_allclose(numeric, np.arange(6.0), atol=1e-8)


class TestCheckGradients(unittest.TestCase):
    def test_both_homework_models_agree_with_finite_differences(self):
        for seed in range(3):
            for model_name, errors in check_both_models(seed).items():
                for param, error in errors.items():
                    with self.subTest(seed=seed, model=model_name, param=param):
                        self.assertLess(error, 1e-6)

    def test_reports_every_parameter_of_the_two_layer_net(self):
        errors = check_both_models(0)
        self.assertEqual(set(errors['TwoLayerNet']), {'W1', 'b1', 'W2', 'b2'})
        self.assertEqual(set(errors['SoftmaxRegression']), {'W1'})

    def test_full_size_models_pass_on_real_shaped_input_with_sampling(self):
        rng = np.random.default_rng(3)
        X = rng.random((4, 784))
        y = rng.integers(0, 10, size=4)
        model = TwoLayerNet(hidden_size=16)
        for name, weight in model.weights.items():
            model.weights[name] = rng.normal(scale=0.3, size=weight.shape)
        errors = check_gradients(model, X, y, max_entries=40)
        self.assertLess(max(errors.values()), 1e-5)

    def test_a_doubled_gradient_is_caught(self):
        _, model = small_models(0)
        doubled = DoubledW1(input_size=15, num_classes=5, hidden_size=8)
        doubled.weights = model.weights
        errors = check_gradients(doubled, *random_batch(1))
        self.assertAlmostEqual(errors['W1'], 1 / 3, places=4)      # |2a - a| / (2|a| + |a|)
        self.assertLess(errors['W2'], 1e-6)

    def test_a_forgotten_sigmoid_derivative_is_caught(self):
        _, model = small_models(0)
        wrong = NoSigmoidDerivative(input_size=15, num_classes=5, hidden_size=8)
        wrong.weights = model.weights
        errors = check_gradients(wrong, *random_batch(1))
        self.assertGreater(errors['W1'], 0.1)
        self.assertGreater(errors['b1'], 0.1)

    def test_a_forgotten_relu_derivative_is_caught(self):
        model, _ = small_models(0)
        wrong = NoReLUDerivative(input_size=15, num_classes=5)
        wrong.weights = model.weights
        self.assertGreater(check_gradients(wrong, *random_batch(1))['W1'], 0.5)

    def test_a_wrong_quadratic_gradient_is_caught_and_a_right_one_passes(self):
        w = np.random.default_rng(0).normal(size=(2, 2))
        self.assertLess(check_gradients(Quadratic(w.copy(), 1.0), None, None)['w'], 1e-8)
        self.assertAlmostEqual(
            check_gradients(Quadratic(w.copy(), 1.0, wrong_by=1.1), None, None)['w'], 0.1 / 2.1)

    def test_leaves_the_weights_bit_for_bit_unchanged(self):
        _, model = small_models(0)
        before = {k: v.copy() for k, v in model.weights.items()}
        check_gradients(model, *random_batch(1))
        for name in before:
            np.testing.assert_array_equal(model.weights[name], before[name])

    def test_sampling_checks_only_max_entries_per_parameter(self):
        model = Quadratic(np.ones((10, 10)), 1.0)
        check_gradients(model, None, None, max_entries=7)
        self.assertEqual(model.calls, 1 + 2 * 7 + 1)   # analytic, 7 centred pairs, restore

    def test_sampling_leaves_numpy_global_random_state_alone(self):
        np.random.seed(5)
        expected = np.random.rand()
        np.random.seed(5)
        check_gradients(Quadratic(np.ones((10, 10)), 1.0), None, None, max_entries=3, seed=9)
        self.assertEqual(np.random.rand(), expected)

    def test_rejects_a_step_that_is_not_positive(self):
        with self.assertRaises(ValueError):
            check_gradients(Quadratic(np.ones(2), 1.0), None, None, eps=0.0)


class TestReport(unittest.TestCase):
    def test_lists_every_parameter_of_both_models_as_ok(self):
        lines = report().splitlines()
        self.assertEqual(len(lines), 1 + 1 + 4)     # header, softmax W1, four two-layer ones
        self.assertTrue(all(line.endswith('ok') for line in lines[1:]))
