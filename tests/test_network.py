"""SoftmaxRegression and TwoLayerNet: initialisation conventions and forward().

The expected initial weights are re-generated here independently from
``np.random.seed(1024)`` and compared exactly; forward() results are checked
against hand-worked examples and against a small reference forward pass
written in this module; the gradients of both models against hand-worked
numbers. (Finite-difference gradient checks are in test_models.py.)
"""
import math
import unittest

import numpy as np

from models import SoftmaxRegression, TwoLayerNet


def seeded_randn(*shape):
    """0.001 * randn(*shape) drawn from a fresh seed-1024 stream."""
    np.random.seed(1024)
    return 0.001 * np.random.randn(*shape)


def reference_two_layer_forward(X, y, w):
    """Loss and accuracy of FC -> sigmoid -> FC -> softmax -> cross-entropy."""
    h = 1.0 / (1.0 + np.exp(-(X @ w['W1'] + w['b1'])))
    s = h @ w['W2'] + w['b2']
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    acc = np.mean(np.argmax(p, axis=1) == y)
    return loss, acc


class TestSoftmaxRegressionInit(unittest.TestCase):
    def test_default_sizes_are_stored(self):
        model = SoftmaxRegression()
        self.assertEqual(model.input_size, 784)
        self.assertEqual(model.num_classes, 10)

    def test_weights_follow_the_seed_1024_convention(self):
        np.random.seed(7)
        np.random.rand(50)  # disturb the global stream: init must re-seed
        model = SoftmaxRegression()
        np.testing.assert_array_equal(model.weights['W1'], seeded_randn(784, 10))

    def test_weights_follow_the_convention_for_other_sizes(self):
        model = SoftmaxRegression(input_size=7, num_classes=4)
        np.testing.assert_array_equal(model.weights['W1'], seeded_randn(7, 4))

    def test_only_key_is_W1_and_its_gradient_starts_at_zero(self):
        model = SoftmaxRegression(input_size=20, num_classes=3)
        self.assertEqual(set(model.weights), {'W1'})
        self.assertEqual(set(model.gradients), {'W1'})
        self.assertEqual(model.gradients['W1'].shape, (20, 3))
        np.testing.assert_array_equal(model.gradients['W1'], np.zeros((20, 3)))


class TestTwoLayerNetInit(unittest.TestCase):
    def test_default_sizes_are_stored(self):
        model = TwoLayerNet()
        self.assertEqual(model.input_size, 784)
        self.assertEqual(model.num_classes, 10)
        self.assertEqual(model.weights['W1'].shape, (784, 128))
        self.assertEqual(model.weights['W2'].shape, (128, 10))

    def test_W1_follows_the_seed_1024_convention(self):
        np.random.seed(3)
        np.random.rand(10)
        model = TwoLayerNet()
        np.testing.assert_array_equal(model.weights['W1'], seeded_randn(784, 128))

    def test_W2_is_drawn_after_a_reseed(self):
        model = TwoLayerNet()
        expected = seeded_randn(128 * 10).reshape(128, 10)
        np.testing.assert_array_equal(model.weights['W2'], expected)
        # the re-seed makes W2 the first draws of W1's stream too
        np.testing.assert_array_equal(model.weights['W2'].ravel(),
                                      model.weights['W1'].ravel()[:1280])

    def test_init_convention_for_other_sizes(self):
        model = TwoLayerNet(input_size=7, num_classes=4, hidden_size=5)
        np.testing.assert_array_equal(model.weights['W1'], seeded_randn(7, 5))
        np.testing.assert_array_equal(model.weights['W2'], seeded_randn(5, 4))

    def test_biases_start_at_zero(self):
        model = TwoLayerNet(input_size=12, num_classes=3, hidden_size=6)
        np.testing.assert_array_equal(model.weights['b1'], np.zeros(6))
        np.testing.assert_array_equal(model.weights['b2'], np.zeros(3))
        self.assertEqual(model.weights['b1'].shape, (6,))
        self.assertEqual(model.weights['b2'].shape, (3,))

    def test_gradients_start_at_zero_with_matching_keys_and_shapes(self):
        model = TwoLayerNet(input_size=12, num_classes=3, hidden_size=6)
        self.assertEqual(set(model.weights), {'W1', 'b1', 'W2', 'b2'})
        self.assertEqual(set(model.gradients), {'W1', 'b1', 'W2', 'b2'})
        for key, w in model.weights.items():
            self.assertEqual(model.gradients[key].shape, w.shape, key)
            np.testing.assert_array_equal(model.gradients[key], np.zeros(w.shape), key)


class TestSoftmaxRegressionForward(unittest.TestCase):
    def make(self):
        model = SoftmaxRegression(input_size=2, num_classes=2)
        model.weights['W1'] = np.eye(2)
        return model

    def test_forward_matches_a_hand_worked_example(self):
        # scores [ln 2, 0] pass the ReLU -> p = [2/3, 1/3]; label 0 is the argmax
        model = self.make()
        loss, acc = model.forward(np.array([[math.log(2.0), 0.0]]), np.array([0]))
        self.assertAlmostEqual(loss, -math.log(2 / 3), places=12)
        self.assertEqual(acc, 1.0)

    def test_forward_applies_relu_before_softmax(self):
        # scores [-1, 0] become [0, 0] after the ReLU -> p = [1/2, 1/2]
        model = self.make()
        loss, _ = model.forward(np.array([[-1.0, 0.0]]), np.array([0]))
        self.assertAlmostEqual(loss, math.log(2.0), places=12)

    def test_forward_loss_has_no_regularization_term(self):
        model = self.make()
        model.weights['W1'] = np.array([[100.0, 0.0], [0.0, 100.0]])
        loss, _ = model.forward(np.array([[0.0, 0.0]]), np.array([1]))
        self.assertAlmostEqual(loss, math.log(2.0), places=12)

    def test_hand_worked_gradient(self):
        # x = [ln 2, 1], W = I: scores [ln 2, 1] > 0, p = softmax, dW = x^T (p - onehot)
        model = self.make()
        x = np.array([[math.log(2.0), 1.0]])
        model.forward(x, np.array([1]))
        p = np.array([2.0, math.e]) / (2.0 + math.e)
        expected = x.T @ (p - np.array([0.0, 1.0]))[None, :]
        np.testing.assert_allclose(model.gradients['W1'], expected, rtol=1e-12)

    def test_gradient_is_blocked_where_the_relu_is_off(self):
        model = SoftmaxRegression(input_size=3, num_classes=3)
        model.weights['W1'] = np.array([[1.0, -1.0, 0.5], [0.5, -2.0, 1.0], [0.2, -0.1, 0.3]])
        X = np.abs(np.random.RandomState(0).randn(5, 3)) + 0.1  # class 1 score < 0 always
        model.forward(X, np.array([0, 1, 2, 1, 0]))
        np.testing.assert_array_equal(model.gradients['W1'][:, 1], np.zeros(3))
        self.assertTrue(np.all(model.gradients['W1'][:, [0, 2]] != 0))

    def test_gradient_is_a_batch_average(self):
        x = np.array([[0.3, 0.9]])
        one, many = self.make(), self.make()
        loss_one, _ = one.forward(x, np.array([0]))
        loss_many, _ = many.forward(np.repeat(x, 5, axis=0), np.array([0] * 5))
        self.assertAlmostEqual(loss_many, loss_one, places=12)
        np.testing.assert_allclose(many.gradients['W1'], one.gradients['W1'], rtol=1e-12)

    def test_train_mode_overwrites_rather_than_accumulates_gradients(self):
        model = self.make()
        x, y = np.array([[0.3, 0.9]]), np.array([0])
        model.forward(x, y)
        first = model.gradients['W1'].copy()
        model.forward(x, y)
        np.testing.assert_allclose(model.gradients['W1'], first, rtol=1e-12)


class TestTwoLayerNetForward(unittest.TestCase):
    def setUp(self):
        rng = np.random.RandomState(1)
        self.model = TwoLayerNet(input_size=6, num_classes=4, hidden_size=5)
        self.model.weights = {
            'W1': rng.randn(6, 5), 'b1': rng.randn(5),
            'W2': rng.randn(5, 4), 'b2': rng.randn(4),
        }
        self.X = rng.randn(9, 6)
        self.y = rng.randint(0, 4, size=9)

    def test_forward_matches_a_hand_worked_example(self):
        model = TwoLayerNet(input_size=2, num_classes=2, hidden_size=2)
        # hidden = sigmoid(0) = [1/2, 1/2]; scores = [ln 2, 0] -> p = [2/3, 1/3]
        model.weights['W2'] = np.array([[math.log(2.0), 0.0], [math.log(2.0), 0.0]])
        model.weights['W1'] = np.zeros((2, 2))
        X = np.array([[5.0, -3.0], [1.0, 2.0]])
        loss, acc = model.forward(X, np.array([0, 1]))
        self.assertAlmostEqual(loss, (-math.log(2 / 3) - math.log(1 / 3)) / 2, places=12)
        self.assertAlmostEqual(acc, 0.5, places=12)

    def test_forward_uses_both_biases(self):
        model = TwoLayerNet(input_size=2, num_classes=2, hidden_size=1)
        model.weights.update(W1=np.zeros((2, 1)), b1=np.array([math.log(3.0)]),
                             W2=np.array([[4.0, 0.0]]), b2=np.array([0.0, 3.0 - math.log(2.0)]))
        # hidden = s(ln 3) = 3/4 -> scores [3, 3 - ln 2] -> p = [2/3, 1/3]
        loss, _ = model.forward(np.array([[1.0, 1.0]]), np.array([1]))
        self.assertAlmostEqual(loss, math.log(3.0), places=12)

    def test_forward_matches_reference_implementation(self):
        loss, acc = self.model.forward(self.X, self.y)
        ref_loss, ref_acc = reference_two_layer_forward(self.X, self.y, self.model.weights)
        self.assertAlmostEqual(loss, ref_loss, places=12)
        self.assertAlmostEqual(acc, ref_acc, places=12)

    def test_valid_mode_gives_the_same_loss_and_accuracy_as_train_mode(self):
        valid = self.model.forward(self.X, self.y, mode='valid')
        train = self.model.forward(self.X, self.y, mode='train')
        self.assertAlmostEqual(valid[0], train[0], places=12)
        self.assertAlmostEqual(valid[1], train[1], places=12)

    def test_train_mode_fills_every_gradient(self):
        self.model.forward(self.X, self.y)
        for key, w in self.model.weights.items():
            self.assertEqual(self.model.gradients[key].shape, w.shape, key)
            self.assertGreater(np.abs(self.model.gradients[key]).max(), 0.0, key)

    def test_hand_worked_gradients_of_all_four_parameters(self):
        # W1 = 0, b1 = 0: every hidden unit is sigmoid(0) = 1/2, whose slope is 1/4
        # (a1 (1 - a1)); a wrong slope such as a1 (1 + a1) or a1 (2 - a1) gives 3/4.
        # W2 = [[2 ln 2, 0], [0, 0]], b2 = 0: scores [ln 2, 0] in both rows, p = [2/3, 1/3].
        model = TwoLayerNet(input_size=2, num_classes=2, hidden_size=2)
        ln2 = math.log(2.0)
        model.weights.update(W1=np.zeros((2, 2)), b1=np.zeros(2),
                             W2=np.array([[2 * ln2, 0.0], [0.0, 0.0]]), b2=np.zeros(2))
        X = np.array([[1.0, 2.0], [3.0, -1.0]])
        model.forward(X, np.array([0, 1]))
        # dz2 = (p - onehot(y)) / N = [[-1/6, 1/6], [1/3, -1/3]]
        # dW2 = a1.T dz2: each hidden row is 1/2 (-1/6 + 1/3, 1/6 - 1/3) = (1/12, -1/12)
        np.testing.assert_allclose(model.gradients['W2'], [[1 / 12, -1 / 12], [1 / 12, -1 / 12]],
                                   rtol=1e-12)
        np.testing.assert_allclose(model.gradients['b2'], [1 / 6, -1 / 6], rtol=1e-12)
        # da1 = dz2 W2.T = [[-ln2 / 3, 0], [2 ln2 / 3, 0]]; dz1 = da1 / 4
        #     = [[-ln2 / 12, 0], [ln2 / 6, 0]]
        # dW1 = X.T dz1 = [[-ln2/12 + 3 ln2/6, 0], [-2 ln2/12 - ln2/6, 0]]
        #     = [[5 ln2 / 12, 0], [-ln2 / 3, 0]];  db1 = [-ln2/12 + ln2/6, 0] = [ln2 / 12, 0]
        np.testing.assert_allclose(model.gradients['W1'], [[5 * ln2 / 12, 0.0], [-ln2 / 3, 0.0]],
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(model.gradients['b1'], [ln2 / 12, 0.0], rtol=1e-12,
                                   atol=1e-15)

    def test_train_mode_overwrites_rather_than_accumulates_gradients(self):
        self.model.forward(self.X, self.y)
        first = {k: v.copy() for k, v in self.model.gradients.items()}
        self.model.forward(self.X, self.y)
        for key in first:
            np.testing.assert_allclose(self.model.gradients[key], first[key], rtol=1e-12,
                                       err_msg=key)


class TestValidModeLeavesTheModelAlone(unittest.TestCase):
    """forward(mode='valid') computes no gradients and never changes weights."""

    def check(self, model, X, y):
        rng = np.random.RandomState(5)
        model.gradients = {k: rng.randn(*np.shape(w)) for k, w in model.weights.items()}
        grads_before = {k: v.copy() for k, v in model.gradients.items()}
        weights_before = {k: v.copy() for k, v in model.weights.items()}
        model.forward(X, y, mode='valid')
        self.assertEqual(set(model.gradients), set(grads_before))
        for key in grads_before:
            np.testing.assert_array_equal(model.gradients[key], grads_before[key], key)
            np.testing.assert_array_equal(model.weights[key], weights_before[key], key)

    def test_valid_mode_leaves_softmax_gradients_and_weights_untouched(self):
        rng = np.random.RandomState(2)
        model = SoftmaxRegression(input_size=8, num_classes=3)
        model.weights['W1'] = rng.randn(8, 3)
        self.check(model, rng.randn(6, 8), rng.randint(0, 3, 6))

    def test_valid_mode_leaves_two_layer_gradients_and_weights_untouched(self):
        rng = np.random.RandomState(3)
        model = TwoLayerNet(input_size=8, num_classes=3, hidden_size=4)
        for key in model.weights:
            model.weights[key] = rng.randn(*model.weights[key].shape)
        self.check(model, rng.randn(6, 8), rng.randint(0, 3, 6))


if __name__ == '__main__':
    unittest.main()
