"""Our further tests of utils.train and utils.evaluate, beyond the course-named test_training.

Covers: batch_hook, called as batch_hook(epoch, batch, loss, accuracy) once per batch
after that batch's forward and optimizer step, and able to stop training by raising;
without a hook, train and evaluate behave as the course's and return a NaN loss
rather than raise; batches that do not pair up, or none at all, are refused with a
ValueError; an overflowing model trains and evaluates without numpy warnings.
(Divergence detection is lab/runs.py's watch_divergence, tested in test_runs.)
"""
import math
import unittest

import numpy as np

import utils
from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD
from tests import no_numeric_warnings
from tests.test_training import RecordingOptimizer, ScriptedModel

MODELS = (SoftmaxRegression, TwoLayerNet)


def batches(count, n=16, seed=0):
    """count batches of n random images (n, 784) in [0, 1] and labels (n,) in 0..9,
    as the lists train() takes."""
    rng = np.random.default_rng(seed)
    return ([rng.random((n, 784)) for _ in range(count)],
            [rng.integers(0, 10, size=n) for _ in range(count)])


class Stop(Exception):
    """Raised by a test's hook."""


class TestBatchHook(unittest.TestCase):
    def train(self, events, hook):
        """train epoch 4 on three scripted batches of 2, 4 and 2 examples, recording events."""
        data = [np.zeros((n, 2)) for n in (2, 4, 2)]
        labels = [np.zeros(n, dtype=int) for n in (2, 4, 2)]
        model = ScriptedModel([(1.0, 0.5), (2.0, 0.25), (3.0, 0.0)], events)
        return utils.train(4, data, labels, model, RecordingOptimizer(events), debug=False,
                           batch_hook=hook)

    def test_hook_gets_epoch_batch_loss_and_accuracy_after_each_step_in_order(self):
        events = []
        self.train(events, lambda *args: events.append(('hook',) + args))
        self.assertEqual(events, [
            ('forward', 'train', 2), ('update',), ('hook', 4, 0, 1.0, 0.5),
            ('forward', 'train', 4), ('update',), ('hook', 4, 1, 2.0, 0.25),
            ('forward', 'train', 2), ('update',), ('hook', 4, 2, 3.0, 0.0)])

    def test_hook_raising_stops_training_at_that_batch_and_its_exception_propagates(self):
        events, stop = [], Stop('enough')

        def hook(epoch, batch, loss, accuracy):
            events.append(('hook', batch))
            if batch == 1:
                raise stop

        with self.assertRaises(Stop) as caught:
            self.train(events, hook)
        self.assertIs(caught.exception, stop)
        self.assertEqual(events, [('forward', 'train', 2), ('update',), ('hook', 0),
                                  ('forward', 'train', 4), ('update',), ('hook', 1)])


class TestNonFiniteLossIsReturned(unittest.TestCase):
    """Without a hook, as in the course: a NaN loss is returned, not raised."""

    def test_train_returns_a_nan_loss_and_still_steps_every_batch(self):
        events = []
        results = [(1.0, 0.5), (float('nan'), 0.0), (2.0, 0.5)]
        loss, _ = utils.train(0, *batches(3), ScriptedModel(results, events),
                              RecordingOptimizer(events), debug=False)
        self.assertTrue(math.isnan(loss))
        self.assertEqual(events.count(('update',)), 3)

    def test_evaluate_returns_a_nan_loss(self):
        results = [(float('nan'), 0.0), (2.0, 0.5)]
        loss, _ = utils.evaluate(*batches(2), ScriptedModel(results, []), debug=False)
        self.assertTrue(math.isnan(loss))


class TestBatchCountsAreChecked(unittest.TestCase):
    def call(self, function, data, labels):
        if function is utils.train:
            return utils.train(0, data, labels, TwoLayerNet(), SGD(), debug=False)
        return utils.evaluate(data, labels, TwoLayerNet(), debug=False)

    def test_no_batches_are_refused(self):
        for function in (utils.train, utils.evaluate):
            with self.subTest(function=function.__name__):
                with self.assertRaises(ValueError) as caught:
                    self.call(function, [], [])
                self.assertIn('no batches', str(caught.exception))

    def test_unpaired_batches_are_refused_with_both_counts(self):
        data, labels = batches(3)
        for function in (utils.train, utils.evaluate):
            with self.subTest(function=function.__name__):
                with self.assertRaises(ValueError) as caught:
                    self.call(function, data, labels[:2])
                self.assertIn('3 batches of data but 2 batches of labels', str(caught.exception))


class TestOverflowIsSilent(unittest.TestCase):
    def test_training_with_a_huge_learning_rate_raises_no_numpy_warnings(self):
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                with no_numeric_warnings():
                    loss, _ = utils.train(0, *batches(5), Model(), SGD(learning_rate=1e300),
                                          debug=False)
                self.assertFalse(math.isfinite(loss))   # it did overflow

    def test_evaluating_an_overflowed_model_raises_no_numpy_warnings(self):
        for Model in MODELS:
            with self.subTest(model=Model.__name__):
                model = Model()
                for name in model.weights:
                    model.weights[name] = np.full_like(model.weights[name], 1e307)
                with no_numeric_warnings():
                    loss, _ = utils.evaluate(*batches(2), model, debug=False)
                self.assertFalse(math.isfinite(loss))


if __name__ == '__main__':
    unittest.main()
