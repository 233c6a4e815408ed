"""Our further tests of _baseNetwork, SoftmaxRegression and TwoLayerNet, beyond the
course-named test_activation, test_loss and test_network.

Covers: nonsensical sizes refused by the constructors, whole numbers of any type
taken alike; bad batches, and weights of the wrong shape put into model.weights,
refused by forward() with a ValueError that says what is wrong and how to fix it;
gradients computed in 'train' mode only, any other mode computing none without
complaint; huge inputs and weights giving finite gradients; the analytic
gradients of both models (and of the regularized objective) against centred finite
differences (tests.numerical_gradient, eps 1e-6, float64); and properties of
softmax, the activations' derivatives, cross-entropy and accuracy checked by
hypothesis on random inputs (modest example counts, no example database).
"""
import math
import unittest

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD
from optimizer._base_optimizer import _BaseOptimizer
from tests import no_numeric_warnings, numerical_gradient

MODELS = (SoftmaxRegression, TwoLayerNet)
GRADIENT_TOLERANCE = 1e-6
FAST = settings(max_examples=60, deadline=None, database=None)
NET = TwoLayerNet(input_size=4, num_classes=3, hidden_size=2)


def batch(n=8, seed=0):
    """n random images (n, 784) in [0, 1] with labels (n,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)), rng.integers(0, 10, size=n)


class TestForwardRefusesBadBatches(unittest.TestCase):
    def assertRejected(self, X, y, *fragments):
        """Both models' forward(X, y) raise ValueError whose message holds every fragment."""
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                with self.assertRaises(ValueError) as caught:
                    Model().forward(X, y)
                for fragment in fragments:
                    self.assertIn(str(fragment), str(caught.exception))

    def test_one_image_as_a_vector_suggests_reshape_1(self):
        X, y = batch(1)
        self.assertRejected(X[0], y, '(784,)', 'X.reshape(1, -1)')

    def test_unflattened_images_suggest_flattening(self):
        X, y = batch(4)
        self.assertRejected(X.reshape(4, 28, 28), y, '(4, 28, 28)', 'X.reshape(len(X), -1)')

    def test_wrong_feature_count_gives_both_numbers(self):
        X, y = batch(4)
        self.assertRejected(X[:, :100], y, '(4, 100)', '784')

    def test_label_count_differs_from_rows(self):
        X, y = batch(4)
        self.assertRejected(X, y[:3], 'one label per row', '(4,)', '(3,)')

    def test_labels_as_a_column_are_refused(self):
        X, y = batch(4)
        self.assertRejected(X, y.reshape(4, 1), '(4, 1)')

    def test_float_labels_are_refused_with_a_fix(self):
        X, y = batch(4)
        self.assertRejected(X, y.astype(float), 'float64', 'astype(int)')

    def test_label_too_large_gives_value_and_position(self):
        X, y = batch(4)
        y[2] = 10
        self.assertRejected(X, y, 'label 10', 'y[2]', '[0, 10)')

    def test_negative_label_gives_value_and_position(self):
        X, y = batch(4)
        y[1] = -1
        self.assertRejected(X, y, 'label -1', 'y[1]')

    def test_empty_batch_is_refused(self):
        X, y = batch(4)
        self.assertRejected(X[:0], y[:0], 'empty batch')

    def test_non_numeric_X_is_refused_with_a_fix(self):
        X, y = batch(2)
        self.assertRejected(X.astype(str), y, 'dtype', 'np.asarray(X, dtype=float)')


class TestConstructorsRefuseNonsenseSizes(unittest.TestCase):
    def assertRefused(self, Model, name, values):
        """Model(name=value) raises a ValueError naming name and value, for each value."""
        for value in values:
            with self.subTest(model=Model.__name__, **{name: value}):
                with self.assertRaises(ValueError) as caught:
                    Model(**{name: value})
                for fragment in (name, 'whole number', repr(value)):
                    self.assertIn(fragment, str(caught.exception))

    def test_hidden_size_must_be_a_whole_number_of_at_least_1(self):
        # 0 builds a net that cannot learn; -1 and 2.5 fail inside numpy; True would be 1.
        self.assertRefused(TwoLayerNet, 'hidden_size', (0, -1, 2.5, True, np.bool_(True), None,
                                                        '128', float('nan'), np.int64(0)))

    def test_input_size_and_num_classes_must_be_whole_numbers_a_model_can_use(self):
        for Model in MODELS:
            self.assertRefused(Model, 'input_size', (0, -784, 784.5, False, '784'))
            # A classifier needs two classes at least.
            self.assertRefused(Model, 'num_classes', (1, 0, -10, 10.5, True, None))


class TestOptimizerSettings(unittest.TestCase):
    """The optimizers refuse text for a rate at construction, naming it (no update could use
    it), and keep every number the course's code trains with, as it is."""

    def test_text_for_a_rate_is_refused_at_construction_naming_the_setting(self):
        for Optimizer in (SGD, _BaseOptimizer):
            for name, text in (('learning_rate', '0.1'), ('reg', '1e-3'), ('reg', ''),
                               ('learning_rate', np.str_('0.1')), ('learning_rate', b'0.1')):
                with self.subTest(optimizer=Optimizer.__name__, **{name: text}), \
                        self.assertRaises(ValueError) as caught:
                    Optimizer(**{name: text})
                self.assertIn(f'{name} must be a number', str(caught.exception))
                self.assertIn(repr(text[:40]), str(caught.exception))

    def test_a_long_text_is_cut_short_in_the_message(self):
        with self.assertRaises(ValueError) as caught:
            SGD(learning_rate='1' * 10_000)
        self.assertLess(len(str(caught.exception)), 120)

    def test_every_number_is_kept_as_given_negative_and_nan_included(self):
        for rate in (0.1, 1, 0, -0.5, float('nan'), float('inf'), np.float32(0.1), np.int64(2),
                     np.float64(1e-4), True):
            with self.subTest(rate=rate):
                optimizer = SGD(learning_rate=rate, reg=rate)
                self.assertIs(optimizer.learning_rate, rate)
                self.assertIs(optimizer.reg, rate)

    def test_a_negative_rate_still_trains_as_the_course_computes_it(self):
        model = TwoLayerNet(input_size=4, num_classes=3, hidden_size=2)
        model.forward(np.ones((2, 4)), np.array([0, 2]))
        expected = {k: w - -0.5 * (model.gradients[k] + (0.01 * w if k[0] == 'W' else 0))
                    for k, w in model.weights.items()}
        SGD(learning_rate=-0.5, reg=0.01).update(model)
        for name, weight in expected.items():
            np.testing.assert_allclose(model.weights[name], weight)


class TestConstructorsTakeWholeNumbersOfAnyType(unittest.TestCase):
    def test_numpy_integers_and_integral_floats_build_the_same_model(self):
        expected = TwoLayerNet(input_size=20, num_classes=3, hidden_size=8)
        for size in (np.int64(8), np.int32(8), 8.0, np.float32(8.0)):
            with self.subTest(hidden_size=repr(size)):
                model = TwoLayerNet(input_size=np.int16(20), num_classes=3.0, hidden_size=size)
                self.assertEqual((model.input_size, model.num_classes, model.hidden_size),
                                 (20, 3, 8))
                self.assertIs(type(model.hidden_size), int)
                for name, weight in expected.weights.items():
                    np.testing.assert_array_equal(model.weights[name], weight)

    def test_the_defaults_keep_the_courses_initialisation(self):
        np.random.seed(1024)
        softmax_W1 = 0.001 * np.random.randn(784, 10)
        np.testing.assert_array_equal(SoftmaxRegression().weights['W1'], softmax_W1)
        np.random.seed(1024)
        W1 = 0.001 * np.random.randn(784, 128)
        np.random.seed(1024)
        W2 = 0.001 * np.random.randn(128, 10)
        model = TwoLayerNet()
        np.testing.assert_array_equal(model.weights['W1'], W1)
        np.testing.assert_array_equal(model.weights['W2'], W2)
        self.assertEqual(list(model.weights), ['b1', 'b2', 'W1', 'W2'])


class TestForwardRefusesWrongWeights(unittest.TestCase):
    """Weights a user puts into model.weights are checked against the model's sizes."""

    def assertRefused(self, model, *fragments):
        X, y = batch(4)
        for mode in ('train', 'valid'):
            with self.subTest(mode=mode):
                with self.assertRaises(ValueError) as caught:
                    model.forward(X, y, mode=mode)
                for fragment in fragments:
                    self.assertIn(fragment, str(caught.exception))

    def test_a_weight_of_another_hidden_size_names_the_key_and_both_shapes(self):
        model = TwoLayerNet()
        model.weights['W2'] = np.zeros((64, 10))
        self.assertRefused(model, "weights['W2']", '(64, 10)', '(128, 10)')

    def test_a_transposed_weight_names_both_shapes(self):
        model = SoftmaxRegression()
        model.weights['W1'] = model.weights['W1'].T
        self.assertRefused(model, "weights['W1']", '(10, 784)', '(784, 10)')

    def test_a_bias_as_a_row_is_refused(self):
        model = TwoLayerNet()
        model.weights['b1'] = model.weights['b1'].reshape(1, -1)
        self.assertRefused(model, "weights['b1']", '(1, 128)', '(128,)')

    def test_a_missing_weight_is_named(self):
        model = TwoLayerNet()
        del model.weights['b2']
        self.assertRefused(model, "weights['b2'] is missing", '(10,)')


class TestForwardModes(unittest.TestCase):
    """'train' computes gradients; any other mode (the course's tests pass several) none."""

    def test_any_mode_but_train_gives_the_loss_without_gradients_or_errors(self):
        X, y = batch(8)
        for Model in MODELS:
            model = Model()
            zeros = {name: gradient.copy() for name, gradient in model.gradients.items()}
            expected = model.forward(X, y, mode='valid')
            for mode in ('test', 'eval', 'TRAIN', 'training', None, 0):
                with self.subTest(model=Model.__name__, mode=mode):
                    self.assertEqual(model.forward(X, y, mode=mode), expected)
                    for name, gradient in model.gradients.items():
                        np.testing.assert_array_equal(gradient, zeros[name])
            model.forward(X, y, mode='train')
            self.assertTrue(all(np.abs(g).max() > 0 for g in model.gradients.values()))


class TestForwardAcceptsLists(unittest.TestCase):
    def test_lists_give_the_same_loss_and_accuracy_as_arrays(self):
        X, y = batch(8)
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                expected = Model().forward(X, y, mode='valid')
                self.assertEqual(Model().forward(X.tolist(), y.tolist(), mode='valid'), expected)


class TestExtremeValues(unittest.TestCase):
    def test_probabilities_are_floored_at_the_smallest_normal_float_never_shifted(self):
        # test_loss pins that a zero probability gives a finite loss, silently, and a certain
        # correct prediction one within 1e-9 of 0. Here the exact values: a zero costs
        # -log(2.2e-308) = 708.40 (not a cap such as -log(1e-15) ~ 35), and a probability of 1
        # costs exactly 0.0 (no epsilon added inside the log).
        loss = NET.cross_entropy_loss(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]))
        self.assertAlmostEqual(loss, -math.log(np.finfo(np.float64).tiny), places=9)
        self.assertEqual(NET.cross_entropy_loss(np.eye(3), np.arange(3)), 0.0)

    def test_gradients_stay_finite_for_huge_inputs_and_weights(self):
        X, y = batch(16)
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                model = Model()
                for name in model.weights:
                    model.weights[name] = model.weights[name] * 1e4 + 1.0
                with no_numeric_warnings():
                    loss, _ = model.forward(X * 1e4, y)
                self.assertTrue(math.isfinite(loss))
                for name, gradient in model.gradients.items():
                    self.assertTrue(np.isfinite(gradient).all(), name)


# ---------------------------------------------------------------------------
# Analytic gradients against finite differences
# ---------------------------------------------------------------------------

def relative_error(analytic, numeric):
    """max_i |a_i - n_i| / max(|a_i| + |n_i|, floor), the floor being 1e-2 of the largest entry.

    The floor keeps entries that are tiny next to the rest (where finite
    differences only carry rounding noise) from dominating the error.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    floor = max(1e-2 * max(np.abs(analytic).max(), np.abs(numeric).max()), 1e-12)
    return np.max(np.abs(analytic - numeric)
                  / np.maximum(np.abs(analytic) + np.abs(numeric), floor))


def assert_gradients_match(test, model, X, y, keys):
    """forward(X, y)'s gradients[k] for each key are not tiny and match finite differences
    of the loss within GRADIENT_TOLERANCE."""
    model.forward(X, y, mode='train')
    analytic = {k: np.array(model.gradients[k], dtype=np.float64) for k in keys}
    for key in keys:
        test.assertEqual(analytic[key].shape, model.weights[key].shape, key)
        test.assertGreater(np.abs(analytic[key]).max(), 1e-4, f'{key}: gradient suspiciously small')
        numeric = numerical_gradient(lambda: model.forward(X, y, mode='valid')[0],
                                     model.weights[key])
        err = relative_error(analytic[key], numeric)
        test.assertLess(err, GRADIENT_TOLERANCE, f'{key}: relative error {err:.2e}')


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
    model.weights['W1'] = W
    return model, X, rng.randint(0, c, size=n)


def two_layer_setup(seed, n=10, d=7, h=5, c=4):
    """Random two-layer problem, weights well above the 0.001 initial scale."""
    rng = np.random.RandomState(seed)
    model = TwoLayerNet(input_size=d, num_classes=c, hidden_size=h)
    model.weights = {'W1': 0.5 * rng.randn(d, h), 'b1': 0.3 * rng.randn(h),
                     'W2': 0.8 * rng.randn(h, c), 'b2': 0.3 * rng.randn(c)}
    return model, rng.randn(n, d), rng.randint(0, c, size=n)


class TestSoftmaxRegressionGradients(unittest.TestCase):
    def test_W1_gradient_matches_finite_differences(self):
        for seed in (0, 1, 2):
            with self.subTest(seed=seed):
                model, X, y = softmax_setup(seed)
                assert_gradients_match(self, model, X, y, ['W1'])

    def test_W1_gradient_matches_with_mixed_sign_inputs(self):
        rng = np.random.RandomState(10)
        model = SoftmaxRegression(input_size=7, num_classes=4)
        model.weights['W1'] = 0.8 * rng.randn(7, 4)
        X = rng.randn(9, 7)
        self.assertGreater(np.abs(X @ model.weights['W1']).min(), 1e-3)
        assert_gradients_match(self, model, X, rng.randint(0, 4, 9), ['W1'])


class TestTwoLayerNetGradients(unittest.TestCase):
    def test_every_gradient_matches_finite_differences(self):
        for seed in (0, 1, 2):
            with self.subTest(seed=seed):
                model, X, y = two_layer_setup(seed)
                assert_gradients_match(self, model, X, y, ['W1', 'b1', 'W2', 'b2'])

    def test_gradients_match_on_a_single_sample(self):
        model, X, y = two_layer_setup(5, n=1)
        assert_gradients_match(self, model, X, y, ['W1', 'b1', 'W2', 'b2'])

    def test_regularized_gradients_are_those_of_loss_plus_half_reg_sum_of_squared_weights(self):
        # After SGD's apply_regularization: gradients of L + 0.5 * reg * (|W1|^2 + |W2|^2).
        reg = 0.3
        model, X, y = two_layer_setup(4, n=8, d=6, h=4, c=3)

        def objective():
            loss = model.forward(X, y, mode='valid')[0]
            return loss + 0.5 * reg * sum(np.sum(model.weights[k] ** 2) for k in ('W1', 'W2'))

        model.forward(X, y, mode='train')
        SGD(learning_rate=0.1, reg=reg).apply_regularization(model)
        for key in ('W1', 'b1', 'W2', 'b2'):
            analytic = np.array(model.gradients[key], dtype=np.float64)
            numeric = numerical_gradient(objective, model.weights[key])
            err = relative_error(analytic, numeric)
            self.assertLess(err, GRADIENT_TOLERANCE, f'{key}: relative error {err:.2e}')


# ---------------------------------------------------------------------------
# Properties, on random inputs
# ---------------------------------------------------------------------------

scores = st.integers(1, 6).flatmap(
    lambda c: arrays(np.float64, st.tuples(st.integers(1, 5), st.just(c)),
                     elements=st.floats(-1e4, 1e4)))
# Scores with one shift per row.
scores_and_row_shifts = scores.flatmap(lambda s: st.tuples(
    st.just(s), arrays(np.float64, (s.shape[0], 1), elements=st.floats(-1e3, 1e3))))
# Away from 0, where ReLU has no derivative and sigmoid's is steepest anyway.
points = st.floats(0.01, 30).flatmap(lambda x: st.sampled_from([x, -x]))
# (N, C) rows of a softmax (often exactly 0 or 1), with N labels in [0, C).
probabilities_and_labels = scores.flatmap(lambda s: st.tuples(
    st.just(NET.softmax(s)),
    arrays(np.int64, s.shape[0], elements=st.integers(0, s.shape[1] - 1))))


def derivative_at(f, x):
    """Finite-difference derivative of the elementwise f at the float x."""
    point = np.array([x])
    return numerical_gradient(lambda: f(point)[0], point)[0]


class TestSoftmaxProperties(unittest.TestCase):
    @FAST
    @given(scores)
    def test_softmax_rows_sum_to_one_and_lie_in_0_1_silently(self, s):
        with no_numeric_warnings():
            p = NET.softmax(s)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
        self.assertTrue(((p >= 0) & (p <= 1)).all())

    @FAST
    @given(scores_and_row_shifts)
    def test_softmax_is_invariant_to_a_shift_of_each_row_for_scores_up_to_1e4(self, pair):
        # Beyond test_loss's example (scores near 0 shifted by at most 400): here the shifted
        # scores reach 1.1e4, past exp's overflow at 709, so a softmax that does not subtract
        # each row's own maximum (none, the row mean, the batch maximum) fails; so does one
        # computed in float32. No nan may pass for equal either.
        s, shifts = pair
        np.testing.assert_allclose(NET.softmax(s + shifts), NET.softmax(s), atol=1e-10,
                                   equal_nan=False)


class TestActivationDerivativeProperties(unittest.TestCase):
    @FAST
    @given(points)
    def test_sigmoid_dev_matches_finite_differences(self, x):
        self.assertAlmostEqual(NET.sigmoid_dev(np.array([x]))[0], derivative_at(NET.sigmoid, x),
                               delta=1e-8)

    @FAST
    @given(points)
    def test_relu_dev_matches_finite_differences(self, x):
        self.assertAlmostEqual(NET.ReLU_dev(np.array([x]))[0], derivative_at(NET.ReLU, x),
                               delta=1e-6)


class TestLossAndAccuracyProperties(unittest.TestCase):
    @FAST
    @given(probabilities_and_labels)
    def test_loss_is_finite_and_non_negative(self, pair):
        p, y = pair
        with no_numeric_warnings():
            loss = NET.cross_entropy_loss(p, y)
        self.assertTrue(math.isfinite(loss))
        self.assertGreaterEqual(loss, 0.0)

    @FAST
    @given(probabilities_and_labels)
    def test_accuracy_lies_in_0_1_and_counts_whole_rows(self, pair):
        p, y = pair
        accuracy = NET.compute_accuracy(p, y)
        self.assertGreaterEqual(accuracy, 0.0)
        self.assertLessEqual(accuracy, 1.0)
        self.assertAlmostEqual(accuracy * len(y), round(accuracy * len(y)))


if __name__ == '__main__':
    unittest.main()
