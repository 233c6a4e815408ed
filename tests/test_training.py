"""Optimizer (L2 regularization, vanilla SGD) and the training helpers in utils.

Covers _BaseOptimizer.apply_regularization and SGD.update against hand-worked
numbers; utils.train / utils.evaluate with stub models whose forward() returns
known values (mean batch loss, sample-weighted accuracy, where progress lines
go); a small end-to-end fit on synthetic data; and utils.plot_curves, called with
the course's parameters only (run_name, save_only), saving its two PNG files in
the working directory and printing nothing (our out_dir: tests/test_plot_curves.py).
"""
import contextlib
import io
import os
import unittest

import numpy as np

import utils
from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD
from optimizer._base_optimizer import _BaseOptimizer
from tests import TempDirTestCase

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def small_two_layer():
    """A 2-3-2 TwoLayerNet with hand-picked weights and gradients."""
    model = TwoLayerNet(input_size=2, num_classes=2, hidden_size=3)
    model.weights = {
        'W1': np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]),
        'b1': np.array([1.0, -1.0, 2.0]),
        'W2': np.array([[2.0, -4.0], [0.0, 1.0], [-1.0, 10.0]]),
        'b2': np.array([5.0, -5.0]),
    }
    model.gradients = {
        'W1': np.array([[0.5, 0.5, 0.5], [-1.0, 2.0, 0.0]]),
        'b1': np.array([0.5, 0.5, -0.5]),
        'W2': np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -2.0]]),
        'b2': np.array([1.0, -3.0]),
    }
    return model


class TestRegularization(unittest.TestCase):
    def test_optimizer_defaults(self):
        base = _BaseOptimizer()
        self.assertEqual((base.learning_rate, base.reg), (1e-4, 1e-3))
        sgd = SGD()
        self.assertEqual((sgd.learning_rate, sgd.reg), (1e-4, 1e-3))
        sgd = SGD(learning_rate=0.25, reg=0.5)
        self.assertEqual((sgd.learning_rate, sgd.reg), (0.25, 0.5))

    def test_regularization_adds_reg_times_weight_to_weight_gradients(self):
        model = small_two_layer()
        _BaseOptimizer(learning_rate=1.0, reg=0.1).apply_regularization(model)
        np.testing.assert_allclose(model.gradients['W1'], [[0.6, 0.3, 0.55], [-0.7, 2.0, -0.1]],
                                   rtol=1e-12)
        np.testing.assert_allclose(model.gradients['W2'], [[1.2, -0.4], [0.0, 1.1], [1.9, -1.0]],
                                   rtol=1e-12)

    def test_regularization_leaves_biases_alone(self):
        model = small_two_layer()
        _BaseOptimizer(learning_rate=1.0, reg=0.1).apply_regularization(model)
        np.testing.assert_array_equal(model.gradients['b1'], [0.5, 0.5, -0.5])
        np.testing.assert_array_equal(model.gradients['b2'], [1.0, -3.0])

    def test_regularization_does_not_change_weights(self):
        model = small_two_layer()
        before = {k: v.copy() for k, v in model.weights.items()}
        _BaseOptimizer(reg=0.5).apply_regularization(model)
        for key in before:
            np.testing.assert_array_equal(model.weights[key], before[key], key)

    def test_regularization_of_softmax_model_touches_only_W1(self):
        model = SoftmaxRegression(input_size=2, num_classes=2)
        model.weights['W1'] = np.array([[1.0, -1.0], [2.0, 0.0]])
        model.gradients['W1'] = np.array([[0.0, 1.0], [1.0, 1.0]])
        _BaseOptimizer(reg=0.5).apply_regularization(model)
        np.testing.assert_allclose(model.gradients['W1'], [[0.5, 0.5], [2.0, 1.0]], rtol=1e-12)
        self.assertEqual(set(model.gradients), {'W1'})


class TestSGD(unittest.TestCase):
    def test_sgd_updates_weights_with_regularized_gradient(self):
        # W -= lr * (g + reg * W) with lr = 0.1, reg = 0.1
        model = small_two_layer()
        SGD(learning_rate=0.1, reg=0.1).update(model)
        np.testing.assert_allclose(model.weights['W1'], [[0.94, -2.03, 0.445], [3.07, -0.2, -0.99]],
                                   rtol=1e-12)
        np.testing.assert_allclose(model.weights['W2'], [[1.88, -3.96], [0.0, 0.89], [-1.19, 10.1]],
                                   rtol=1e-12)

    def test_sgd_updates_biases_without_regularization(self):
        # b -= lr * g
        model = small_two_layer()
        SGD(learning_rate=0.1, reg=0.1).update(model)
        np.testing.assert_allclose(model.weights['b1'], [0.95, -1.05, 2.05], rtol=1e-12)
        np.testing.assert_allclose(model.weights['b2'], [4.9, -4.7], rtol=1e-12)

    def test_sgd_has_no_momentum(self):
        model = small_two_layer()
        sgd = SGD(learning_rate=0.1, reg=0.0)
        sgd.update(model)
        after_first = {k: v.copy() for k, v in model.weights.items()}
        for key in model.gradients:
            model.gradients[key] = np.zeros_like(model.gradients[key])
        sgd.update(model)  # zero gradient, zero reg: nothing may move
        for key in after_first:
            np.testing.assert_array_equal(model.weights[key], after_first[key], key)

    def test_sgd_second_step_depends_only_on_current_gradient(self):
        model = small_two_layer()
        sgd = SGD(learning_rate=0.1, reg=0.2)
        sgd.update(model)
        w1 = model.weights['W1'].copy()
        b1 = model.weights['b1'].copy()
        for key in model.gradients:
            model.gradients[key] = np.zeros_like(model.gradients[key])
        sgd.update(model)
        np.testing.assert_allclose(model.weights['W1'], w1 * (1 - 0.1 * 0.2), rtol=1e-12)
        np.testing.assert_array_equal(model.weights['b1'], b1)

    def test_sgd_on_softmax_model_updates_W1_only_key(self):
        model = SoftmaxRegression(input_size=2, num_classes=2)
        model.weights['W1'] = np.array([[1.0, -1.0], [2.0, 0.0]])
        model.gradients['W1'] = np.array([[0.0, 1.0], [1.0, 1.0]])
        SGD(learning_rate=0.5, reg=0.5).update(model)
        np.testing.assert_allclose(model.weights['W1'], [[0.75, -1.25], [1.0, -0.5]], rtol=1e-12)
        self.assertEqual(set(model.weights), {'W1'})


class ScriptedModel:
    """Stand-in model: forward() returns scripted (loss, acc) pairs and records calls."""

    def __init__(self, results, events):
        self.results = list(results)
        self.events = events
        self.weights = {'W1': np.ones((2, 2))}
        self.gradients = {'W1': np.zeros((2, 2))}

    def forward(self, X, y, mode='train'):
        self.events.append(('forward', mode, len(y)))
        return self.results.pop(0)


class RecordingOptimizer:
    def __init__(self, events):
        self.events = events

    def update(self, model):
        self.events.append(('update',))


def synthetic_batches(sizes, dim=4):
    rng = np.random.RandomState(0)
    data = [rng.rand(n, dim) for n in sizes]
    labels = [rng.randint(0, 3, n) for n in sizes]
    return data, labels


@contextlib.contextmanager
def captured_stdout():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield buf


class TestTrainAndEvaluate(unittest.TestCase):
    SIZES = [4, 4, 2]
    RESULTS = [(1.0, 0.5), (2.0, 1.0), (3.0, 0.0)]

    def test_train_returns_mean_batch_loss_and_sample_weighted_accuracy(self):
        events = []
        data, labels = synthetic_batches(self.SIZES)
        model = ScriptedModel(self.RESULTS, events)
        with captured_stdout():
            loss, acc = utils.train(1, data, labels, model, RecordingOptimizer(events), debug=False)
        self.assertAlmostEqual(loss, 2.0, places=12)
        self.assertAlmostEqual(acc, (2 + 4 + 0) / 10, places=12)  # not the plain mean 0.5

    def test_train_updates_once_after_each_forward_in_train_mode(self):
        events = []
        data, labels = synthetic_batches(self.SIZES)
        with captured_stdout():
            utils.train(1, data, labels, ScriptedModel(self.RESULTS, events),
                        RecordingOptimizer(events), debug=False)
        self.assertEqual(events, [('forward', 'train', 4), ('update',),
                                  ('forward', 'train', 4), ('update',),
                                  ('forward', 'train', 2), ('update',)])

    def test_evaluate_uses_valid_mode_and_never_updates(self):
        events = []
        data, labels = synthetic_batches(self.SIZES)
        with captured_stdout():
            loss, acc = utils.evaluate(data, labels, ScriptedModel(self.RESULTS, events),
                                       debug=False)
        self.assertEqual(events, [('forward', 'valid', 4), ('forward', 'valid', 4),
                                  ('forward', 'valid', 2)])
        self.assertAlmostEqual(loss, 2.0, places=12)
        self.assertAlmostEqual(acc, 0.6, places=12)

    @staticmethod
    def run_logged(function, batches=25, debug=True, log=None, epoch=1):
        """Run utils.train (epoch given) or utils.evaluate on batches scripted batches of 3;
        return what went to stdout."""
        data, labels = synthetic_batches([3] * batches)
        model = ScriptedModel([(0.5, 1 / 3)] * batches, [])
        args = (epoch, data, labels, model, RecordingOptimizer([])) if function is utils.train \
            else (data, labels, model)
        with captured_stdout() as out:
            function(*args, debug=debug, log_file=log)
        return out.getvalue()

    def test_train_debug_writes_progress_to_log_file_and_nothing_to_stdout(self):
        log = io.StringIO()
        self.assertEqual(self.run_logged(utils.train, log=log, epoch=37), '')
        lines = [line for line in log.getvalue().splitlines() if line.strip()]
        # every 10th of 25 batches (2 or 3 lines) plus the epoch's average accuracy
        self.assertGreaterEqual(len(lines), 3, log.getvalue())
        self.assertLessEqual(len(lines), 6, log.getvalue())
        self.assertIn('37', lines[0])

    def test_train_debug_without_log_file_prints_progress(self):
        self.assertGreaterEqual(len(self.run_logged(utils.train, batches=12).splitlines()), 2)

    def test_evaluate_with_log_file_prints_nothing_to_stdout(self):
        log = io.StringIO()
        self.assertEqual(self.run_logged(utils.evaluate, log=log), '')
        self.assertGreaterEqual(len(log.getvalue().splitlines()), 3)   # batches 0, 10, 20 + total

    def test_without_debug_train_and_evaluate_write_nothing(self):
        for function in (utils.train, utils.evaluate):
            with self.subTest(function=function.__name__):
                log = io.StringIO()
                self.assertEqual(self.run_logged(function, debug=False, log=log), '')
                self.assertEqual(log.getvalue(), '')

    def test_evaluate_never_changes_weights_or_gradients(self):
        rng = np.random.RandomState(0)
        model = TwoLayerNet(input_size=4, num_classes=3, hidden_size=5)
        model.weights = {k: rng.randn(*v.shape) for k, v in model.weights.items()}
        model.gradients = {k: rng.randn(*v.shape) for k, v in model.weights.items()}
        weights = {k: v.copy() for k, v in model.weights.items()}
        grads = {k: v.copy() for k, v in model.gradients.items()}
        data, labels = synthetic_batches([5, 5, 3])
        with captured_stdout():
            utils.evaluate(data, labels, model, debug=False)
        for key in weights:
            np.testing.assert_array_equal(model.weights[key], weights[key], key)
            np.testing.assert_array_equal(model.gradients[key], grads[key], key)

    def test_training_fits_a_separable_synthetic_problem(self):
        rng = np.random.RandomState(0)
        centres = 3.0 * rng.randn(3, 784)
        y = rng.randint(0, 3, 150)
        X = (centres[y] + rng.randn(150, 784)) / 10.0
        model = TwoLayerNet(input_size=784, num_classes=3, hidden_size=16)
        optimizer = SGD(learning_rate=1.0, reg=1e-4)
        losses = []
        with captured_stdout() as out:
            for epoch in range(15):
                data, labels = utils.generate_batched_data(X, y, batch_size=16, shuffle=True,
                                                           seed=epoch)
                losses.append(utils.train(epoch, data, labels, model, optimizer, debug=False)[0])
            batches = utils.generate_batched_data(X, y, batch_size=50)
            _, acc = utils.evaluate(*batches, model, debug=False)
        self.assertEqual(out.getvalue(), '')
        self.assertLess(losses[-1], 0.5 * losses[0])
        self.assertGreater(acc, 0.95)


class TestPlotCurves(TempDirTestCase):
    """plot_curves with the course's parameters only, run in an empty working folder."""

    HISTORIES = ([1.0, 0.6, 0.4], [0.5, 0.8, 0.9], [1.1, 0.7, 0.5], [0.45, 0.75, 0.85])

    def setUp(self):
        super().setUp()
        self.addCleanup(os.chdir, os.getcwd())     # runs before the folder is removed
        os.chdir(self.tmp)

    def tearDown(self):
        import matplotlib.pyplot as plt
        plt.close('all')

    def assertIsPng(self, path):
        self.assertTrue(os.path.isfile(path), f'{path} was not written')
        with open(path, 'rb') as f:
            self.assertEqual(f.read(8), PNG_SIGNATURE, path)

    def test_plot_curves_saves_loss_and_accuracy_png_in_the_working_directory(self):
        with captured_stdout() as out:
            utils.plot_curves(*self.HISTORIES, run_name='demo', save_only=True)
        self.assertIsPng(self.tmp / 'demo_loss.png')
        self.assertIsPng(self.tmp / 'demo_accuracy.png')
        self.assertEqual(out.getvalue(), '')

    def test_plot_curves_without_run_name_saves_nothing(self):
        with captured_stdout():
            utils.plot_curves(*self.HISTORIES, save_only=True)
        self.assertEqual(os.listdir(self.tmp), [])


if __name__ == '__main__':
    unittest.main()
