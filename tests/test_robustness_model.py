"""Bad batches get a clear ValueError at forward's door; extreme scores stay
finite and silent; a diverging training run is stopped with its epoch, batch
and a hint about the learning rate."""
import math
import unittest
import warnings

import numpy as np

import utils
from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD
from tests import no_numeric_warnings

MODELS = (SoftmaxRegression, TwoLayerNet)


def batch(n=8, seed=0):
    """n random images (n, 784) in [0, 1] with labels (n,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)), rng.integers(0, 10, size=n)


def batches(count, n=64, seed=0):
    """count batches of random data, as the lists train() takes."""
    pairs = [batch(n, seed + i) for i in range(count)]
    return [X for X, _ in pairs], [y for _, y in pairs]


class TestBadBatches(unittest.TestCase):
    def assertRejected(self, X, y, *fragments):
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

    def test_empty_batch(self):
        X, y = batch(4)
        self.assertRejected(X[:0], y[:0], 'empty batch')

    def test_non_numeric_X(self):
        X, y = batch(2)
        self.assertRejected(X.astype(str), y, 'dtype', 'np.asarray(X, dtype=float)')

    def test_lists_are_accepted_and_give_the_same_loss(self):
        X, y = batch(8)
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                expected = Model().forward(X, y, mode='valid')
                self.assertEqual(Model().forward(X.tolist(), y.tolist(), mode='valid'), expected)


class TestBatchingChecksTheDataOnce(unittest.TestCase):
    def assertRejected(self, data, label, *fragments, batch_size=4):
        with self.assertRaises(ValueError) as caught:
            utils.generate_batched_data(data, label, batch_size)
        for fragment in fragments:
            self.assertIn(str(fragment), str(caught.exception))

    def test_infinite_pixel_is_found_with_its_position(self):
        X, y = batch(10)
        X[6, 300] = np.inf
        self.assertRejected(X, y, '1 NaN or infinite', 'row 6', 'column 300')

    def test_nan_pixel_in_lists_is_found(self):
        X, y = batch(10)
        X[2, 0] = np.nan
        self.assertRejected(X.tolist(), y.tolist(), 'row 2', 'column 0')

    def test_ragged_rows_name_the_first_odd_row(self):
        X, y = batch(5)
        rows = X.tolist()
        rows[3] = rows[3][:700]
        self.assertRejected(rows, y, 'row 3 has 700 values, row 0 has 784')

    def test_label_count_must_match_rows(self):
        X, y = batch(10)
        self.assertRejected(X, y[:9], '10 rows', '(9,)')

    def test_fractional_labels_are_not_truncated(self):
        X, y = batch(10)
        self.assertRejected(X, y + 0.5, 'whole numbers')

    def test_whole_float_labels_become_integers(self):
        X, y = batch(10)
        _, labels = utils.generate_batched_data(X, y.astype(float), 4)
        np.testing.assert_array_equal(np.concatenate(labels), y)
        self.assertEqual(labels[0].dtype.kind, 'i')

    def test_batch_size_must_be_positive(self):
        X, y = batch(10)
        for size in (0, -3, 2.5):
            with self.subTest(batch_size=size):
                self.assertRejected(X, y, 'batch_size', repr(size), batch_size=size)


class TestExtremeValues(unittest.TestCase):
    def setUp(self):
        self.net = TwoLayerNet()
        self.enterContext(no_numeric_warnings())    # any numpy warning fails the test

    def test_softmax_of_scores_1e4_is_finite_and_sums_to_one(self):
        scores = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
        p = self.net.softmax(scores)
        self.assertTrue(np.isfinite(p).all())
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
        np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])

    def test_sigmoid_of_1e4_is_0_and_1_without_warnings(self):
        s = self.net.sigmoid(np.array([-1e4, -800.0, 0.0, 800.0, 1e4]))
        np.testing.assert_array_equal(s, [0.0, 0.0, 0.5, 1.0, 1.0])
        self.assertTrue(np.isfinite(self.net.sigmoid_dev(np.array([-1e4, 1e4]))).all())

    def test_probability_zero_gives_a_large_finite_loss(self):
        loss = self.net.cross_entropy_loss(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]))
        self.assertTrue(math.isfinite(loss))
        self.assertGreater(loss, 700)

    def test_probability_one_gives_zero_loss(self):
        self.assertEqual(self.net.cross_entropy_loss(np.eye(3), np.arange(3)), 0.0)

    def test_gradients_stay_finite_for_huge_inputs_and_weights(self):
        X, y = batch(16)
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                model = Model()
                for name in model.weights:
                    model.weights[name] = model.weights[name] * 1e4 + 1.0
                loss, _ = model.forward(X * 1e4, y)
                self.assertTrue(math.isfinite(loss))
                for name, gradient in model.gradients.items():
                    self.assertTrue(np.isfinite(gradient).all(), name)


class TestDivergence(unittest.TestCase):
    def test_huge_learning_rate_is_stopped_within_the_patience(self):
        data, labels = batches(60)
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                with self.assertRaises(utils.TrainingDiverged) as caught:
                    utils.train(3, data, labels, Model(), SGD(learning_rate=1e6), debug=False)
                err = caught.exception
                self.assertEqual(err.epoch, 3)
                self.assertLess(err.batch, utils.DIVERGED_PATIENCE + 5)
                message = str(err)
                for fragment in ('epoch 3', f'batch {err.batch}', 'Learning rate too high?',
                                 'It is 1e+06', 'try 100000'):
                    self.assertIn(fragment, message)

    def test_overflowing_run_raises_no_numpy_warnings(self):
        data, labels = batches(5)
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            with self.assertRaises(utils.TrainingDiverged) as caught:
                utils.train(0, data, labels, TwoLayerNet(), SGD(learning_rate=1e300),
                            debug=False)
        self.assertIn('Learning rate too high?', str(caught.exception))

    def test_nan_loss_is_reported_before_the_step(self):
        data, labels = batches(3)
        model = TwoLayerNet()
        model.weights['b2'][:] = np.nan
        W1 = model.weights['W1'].copy()
        with self.assertRaises(utils.TrainingDiverged) as caught:
            utils.train(0, data, labels, model, SGD(learning_rate=0.1), debug=False)
        self.assertEqual(caught.exception.batch, 0)
        self.assertIn('nan', str(caught.exception))
        np.testing.assert_array_equal(model.weights['W1'], W1)

    def test_weights_made_infinite_by_the_last_step_are_caught(self):
        class Poisoning(SGD):
            def update(self, model):
                super().update(model)
                model.weights['W1'][0, 0] = np.inf

        data, labels = batches(1)
        with self.assertRaises(utils.TrainingDiverged) as caught:
            utils.train(0, data, labels, SoftmaxRegression(), Poisoning(0.1), debug=False)
        self.assertIn('weights', str(caught.exception))

    def test_loss_at_chance_is_not_divergence(self):
        # Random labels: the model can do no better than guessing (loss ~ ln 10).
        data, labels = batches(40)
        loss, _ = utils.train(0, data, labels, TwoLayerNet(), SGD(learning_rate=1.0, reg=1.0),
                              debug=False)
        self.assertLess(abs(loss - math.log(10)), 0.5)

    def test_nan_in_X_is_blamed_on_the_data_with_its_position(self):
        data, labels = batches(3)
        data[1][5, 7] = np.nan
        with self.assertRaises(ValueError) as caught:
            utils.train(0, data, labels, TwoLayerNet(), SGD(learning_rate=0.1), debug=False)
        self.assertNotIsInstance(caught.exception, utils.TrainingDiverged)
        for fragment in ('batch 1', 'row 5', 'column 7', 'NaN'):
            self.assertIn(fragment, str(caught.exception))

    def test_evaluate_refuses_nan_inputs_and_broken_weights(self):
        data, labels = batches(2)
        data[0][0, 0] = np.nan
        with self.assertRaises(ValueError) as caught:
            utils.evaluate(data, labels, TwoLayerNet(), debug=False)
        self.assertIn('row 0, column 0', str(caught.exception))

        data, labels = batches(2)
        model = TwoLayerNet()
        model.weights['W2'][:] = np.inf
        with self.assertRaises(ValueError) as caught:
            utils.evaluate(data, labels, model, debug=False)
        self.assertIn('weights', str(caught.exception))

    def test_no_batches_and_unpaired_batches_are_refused(self):
        data, labels = batches(3)
        for function, args in ((utils.train, (0,)), (utils.evaluate, ())):
            with self.subTest(function=function.__name__):
                extra = (SGD(),) if function is utils.train else ()
                with self.assertRaises(ValueError) as caught:
                    function(*args, [], [], TwoLayerNet(), *extra, debug=False)
                self.assertIn('no batches', str(caught.exception))
                with self.assertRaises(ValueError) as caught:
                    function(*args, data, labels[:2], TwoLayerNet(), *extra, debug=False)
                self.assertIn('3 batches of data but 2 batches of labels', str(caught.exception))


if __name__ == '__main__':
    unittest.main()
