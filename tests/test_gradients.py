"""Analytic gradients of both models against centred finite differences.

Every parameter (W1 of SoftmaxRegression; W1, b1, W2, b2 of TwoLayerNet) is
checked on random small batches in float64 with eps = 1e-6. Weights are set
well above the 0.001 initial scale so gradients are not trivially tiny, and
softmax-regression inputs are chosen so no ReLU pre-activation sits near its
kink. The regularized objective J = L + 0.5 * reg * sum(w^2) is also checked
against the gradients left by the optimizer's apply_regularization.
"""
import unittest

import numpy as np

from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD

EPS = 1e-6
TOLERANCE = 1e-6


def numerical_gradient(f, x, eps=EPS):
    """Centred finite differences of the scalar function f() w.r.t. array x (modified in place, restored)."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        plus = f()
        x[i] = old - eps
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    """max_i |a_i - n_i| / max(|a_i| + |n_i|, floor), the floor being 1e-2 of the largest entry.

    The floor keeps entries that are tiny next to the rest (where finite
    differences only carry rounding noise) from dominating the error.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    floor = max(1e-2 * max(np.abs(analytic).max(), np.abs(numeric).max()), 1e-12)
    return np.max(np.abs(analytic - numeric) / np.maximum(np.abs(analytic) + np.abs(numeric), floor))


class GradientCheckMixin:
    def assertGradientsMatch(self, model, X, y, keys):
        loss_fn = lambda: model.forward(X, y, mode="valid")[0]  # noqa: E731
        model.forward(X, y, mode="train")
        analytic = {k: np.array(model.gradients[k], dtype=np.float64) for k in keys}
        for key in keys:
            self.assertEqual(analytic[key].shape, model.weights[key].shape, key)
            self.assertGreater(np.abs(analytic[key]).max(), 1e-4, f"{key}: gradient suspiciously small")
            numeric = numerical_gradient(loss_fn, model.weights[key])
            err = relative_error(analytic[key], numeric)
            self.assertLess(err, TOLERANCE, f"{key}: relative error {err:.2e}")


def softmax_setup(seed, n=11, d=7, c=4):
    """Random softmax-regression problem whose ReLU inputs all stay >= 0.05 away from zero.

    Inputs are positive and class 0's weights negative, so class 0 is switched
    off by the ReLU for every sample: the check covers the ReLU's zero branch too.
    """
    rng = np.random.RandomState(seed)
    model = SoftmaxRegression(input_size=d, num_classes=c)
    W = rng.randn(d, c)
    W[:, 0] = -np.abs(W[:, 0])
    X = rng.uniform(0.2, 1.0, size=(n, d))
    while True:  # redraw any sample with a score close to the kink
        near_kink = (np.abs(X @ W) < 0.05).any(axis=1)
        if not near_kink.any():
            break
        X[near_kink] = rng.uniform(0.2, 1.0, size=(near_kink.sum(), d))
    model.weights["W1"] = W
    return model, X, rng.randint(0, c, size=n)


class TestSoftmaxRegressionGradients(GradientCheckMixin, unittest.TestCase):
    def test_W1_gradient_matches_finite_differences(self):
        for seed in (0, 1, 2):
            with self.subTest(seed=seed):
                model, X, y = softmax_setup(seed)
                self.assertGradientsMatch(model, X, y, ["W1"])

    def test_W1_gradient_matches_with_mixed_sign_inputs(self):
        rng = np.random.RandomState(10)
        model = SoftmaxRegression(input_size=7, num_classes=4)
        model.weights["W1"] = 0.8 * rng.randn(7, 4)
        X = rng.randn(9, 7)
        self.assertGreater(np.abs(X @ model.weights["W1"]).min(), 1e-3)
        self.assertGradientsMatch(model, X, rng.randint(0, 4, 9), ["W1"])


class TestTwoLayerNetGradients(GradientCheckMixin, unittest.TestCase):
    def make(self, seed, n=10, d=7, h=5, c=4):
        rng = np.random.RandomState(seed)
        model = TwoLayerNet(input_size=d, num_classes=c, hidden_size=h)
        model.weights = {
            "W1": 0.5 * rng.randn(d, h), "b1": 0.3 * rng.randn(h),
            "W2": 0.8 * rng.randn(h, c), "b2": 0.3 * rng.randn(c),
        }
        return model, rng.randn(n, d), rng.randint(0, c, size=n)

    def test_every_gradient_matches_finite_differences(self):
        for seed in (0, 1, 2):
            with self.subTest(seed=seed):
                model, X, y = self.make(seed)
                self.assertGradientsMatch(model, X, y, ["W1", "b1", "W2", "b2"])

    def test_gradients_match_on_a_single_sample(self):
        model, X, y = self.make(5, n=1)
        self.assertGradientsMatch(model, X, y, ["W1", "b1", "W2", "b2"])


class TestRegularizedObjectiveGradient(unittest.TestCase):
    """After apply_regularization, gradients are those of L + 0.5 * reg * sum over weights of w^2."""

    def test_regularized_two_layer_gradients_match_finite_differences(self):
        rng = np.random.RandomState(4)
        reg = 0.3
        model = TwoLayerNet(input_size=6, num_classes=3, hidden_size=4)
        model.weights = {"W1": 0.5 * rng.randn(6, 4), "b1": 0.3 * rng.randn(4),
                         "W2": 0.8 * rng.randn(4, 3), "b2": 0.3 * rng.randn(3)}
        X, y = rng.randn(8, 6), rng.randint(0, 3, 8)

        def objective():
            loss = model.forward(X, y, mode="valid")[0]
            return loss + 0.5 * reg * sum(np.sum(model.weights[k] ** 2) for k in ("W1", "W2"))

        model.forward(X, y, mode="train")
        SGD(learning_rate=0.1, reg=reg).apply_regularization(model)
        for key in ("W1", "b1", "W2", "b2"):
            analytic = np.array(model.gradients[key], dtype=np.float64)
            numeric = numerical_gradient(objective, model.weights[key])
            err = relative_error(analytic, numeric)
            self.assertLess(err, TOLERANCE, f"{key}: relative error {err:.2e}")


if __name__ == "__main__":
    unittest.main()
