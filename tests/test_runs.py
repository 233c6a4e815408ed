"""lab.runs: the notebook's training routine and the record each run leaves.

train_model is the notebook's cell-5 routine written with the course's
functions: it learns, scores its best-validation model on the test set, prints
nothing, writes train.log and results.json into a folder of its own (a rerun
never overwrites one), and a seed fixes it bit for bit, across processes too.
Its batch views (batch_order, Gathered, PixelBatches) give the batches
utils.generate_batched_data gives; watch_divergence and check_weights stop a
diverging run with where and why, and the run records it instead of raising,
unless NaN or inf in the batches explain it: that ValueError names where.
All runs write into temporary folders.
"""
import contextlib
import copy
import errno
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import numpy as np

import utils
from lab.config import load_config
from lab.runs import (
    DIVERGED_PATIENCE,
    Gathered,
    PixelBatches,
    RunFolderError,
    TrainingDiverged,
    batch_order,
    check_weights,
    default_run_name,
    new_run_dir,
    train_model,
    watch_divergence,
)
from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD
from tests import (
    ROOT,
    TempDirTestCase,
    course_config,
    needing_mnist,
    needs_mnist,
    no_numeric_warnings,
)

# The course's configs, whatever the user's files hold now (train_model takes a dict too).
TWOLAYER = course_config('twolayer')
SOFTMAX = course_config('softmax')


def read_results(run_dir):
    """The run's results.json, parsed."""
    return json.loads((Path(run_dir) / 'results.json').read_text())


def shared_folder(cls):
    """A temporary folder for the runs a test class shares, removed after the class."""
    folder = Path(tempfile.mkdtemp(prefix='hw1-test-'))
    cls.addClassCleanup(shutil.rmtree, folder, ignore_errors=True)
    return folder


def random_batches(count, n=64, seed=0):
    """count batches of n random images (n, 784) in [0, 1] and random labels 0..9, as the
    lists utils.train takes; batch i is drawn from default_rng(seed + i)."""
    data, labels = [], []
    for i in range(count):
        rng = np.random.default_rng(seed + i)
        data.append(rng.random((n, 784)))
        labels.append(rng.integers(0, 10, size=n))
    return data, labels


def train_watched(epoch, data, labels, model, optimizer):
    """utils.train with watch_divergence as its batch_hook."""
    return utils.train(epoch, data, labels, model, optimizer, debug=False,
                       batch_hook=watch_divergence(model, optimizer))


# ---------------------------------------------------------------------------
# train_model end to end
# ---------------------------------------------------------------------------

@needing_mnist
class TestTrainModelOneEpoch(unittest.TestCase):
    """One epoch of the two-layer defaults on the real data (under a second per run)."""

    @classmethod
    def setUpClass(cls):
        cls.runs_dir = shared_folder(cls)
        cls.epochs_seen = []
        cls.stdout = io.StringIO()
        with contextlib.redirect_stdout(cls.stdout):
            cls.first = train_model(TWOLAYER, seed=0, run_name='twolayer', runs_dir=cls.runs_dir,
                                    callback=cls.epochs_seen.append, epochs=1)
            cls.again = train_model(TWOLAYER, seed=0, run_name='twolayer', runs_dir=cls.runs_dir,
                                    epochs=1)
            cls.other_seed = train_model(TWOLAYER, seed=1, run_name='seed1',
                                         runs_dir=cls.runs_dir, epochs=1)

    def test_nothing_is_printed(self):
        self.assertEqual(self.stdout.getvalue(), '')

    def test_histories_have_one_finite_entry_per_epoch(self):
        first = self.first
        self.assertEqual(first.histories, (first.train_loss_history, first.train_acc_history,
                                           first.valid_loss_history, first.valid_acc_history))
        for history in first.histories:
            self.assertEqual(len(history), 1)
            self.assertTrue(math.isfinite(history[0]))

    def test_one_epoch_of_the_two_layer_defaults_learns(self):
        # The faithful model starts slowly (sigmoid, 0.001-scale init): with seed 0
        # one epoch ends at validation accuracy ~0.77 (0.74-0.77 across seeds),
        # mean training accuracy over the epoch ~0.36. Chance is 0.10.
        self.assertGreater(self.first.valid_acc_history[0], 0.70)
        self.assertGreater(self.first.train_acc_history[0], 0.25)
        self.assertLess(self.first.valid_loss_history[0], 1.2)
        self.assertLess(self.first.train_loss_history[0], math.log(10))

    def test_best_model_scores_the_reported_test_accuracy(self):
        self.assertGreater(self.first.test_acc, 0.70)
        self.assertTrue(math.isfinite(self.first.test_loss))
        self.assertIsInstance(self.first.best_model, TwoLayerNet)
        self.assertEqual(self.first.best_epoch, 0)
        X, y = utils.load_mnist_test_arrays()
        batches = utils.generate_batched_data(X, y, batch_size=1000)
        _, acc = utils.evaluate(*batches, self.first.best_model, debug=False)
        self.assertAlmostEqual(acc, self.first.test_acc, places=9)

    def test_result_records_the_config_with_overrides(self):
        self.assertEqual(self.first.config['Train']['epochs'], 1)
        self.assertEqual(self.first.config['Model']['type'], 'TwoLayerNet')

    def test_callback_gets_each_epochs_figures(self):
        first = self.first
        self.assertEqual(self.epochs_seen, [{
            'epoch': 0, 'epochs': 1,
            'train_loss': first.train_loss_history[0], 'train_acc': first.train_acc_history[0],
            'valid_loss': first.valid_loss_history[0], 'valid_acc': first.valid_acc_history[0]}])

    def test_run_files_go_into_the_given_runs_dir(self):
        run_dir = Path(self.first.run_dir)
        self.assertEqual(run_dir.parent.resolve(), self.runs_dir.resolve())
        self.assertTrue((run_dir / 'train.log').is_file())
        self.assertTrue((run_dir / 'results.json').is_file())

    def test_results_json_holds_the_histories_and_the_test_score(self):
        saved = read_results(self.first.run_dir)
        self.assertEqual(saved['status'], 'finished')
        self.assertEqual((saved['train_loss'], saved['train_acc'], saved['valid_loss'],
                          saved['valid_acc']), self.first.histories)
        self.assertEqual(saved['test_acc'], self.first.test_acc)
        self.assertEqual(saved['seed'], 0)

    def test_train_log_has_per_batch_progress_lines(self):
        lines = (Path(self.first.run_dir) / 'train.log').read_text().splitlines()
        # 48000 / 64 = 750 training batches, one line every 10th
        self.assertGreaterEqual(len([line for line in lines if line.strip()]), 75)

    def test_a_rerun_with_the_same_name_does_not_overwrite(self):
        self.assertNotEqual(Path(self.again.run_dir), Path(self.first.run_dir))
        self.assertTrue((Path(self.first.run_dir) / 'results.json').is_file())
        self.assertTrue((Path(self.again.run_dir) / 'results.json').is_file())

    def test_a_second_run_in_the_same_process_repeats_the_first(self):
        # Across processes, TestReproducibility; here: a run leaves nothing behind
        # (cached data, module state) that changes the next run in the same kernel.
        self.assertEqual(self.again.histories, self.first.histories)
        self.assertEqual(self.again.test_acc, self.first.test_acc)

    def test_another_seed_gives_another_shuffle(self):
        # Guards the equalities above and in TestReproducibility: the histories do
        # depend on the seed, so their equality is not a foregone conclusion.
        self.assertNotEqual(self.other_seed.train_loss_history, self.first.train_loss_history)


@needing_mnist
class TestTrainModelSoftmax(TempDirTestCase):
    def test_softmax_config_trains_a_softmax_model(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            result = train_model(SOFTMAX, seed=0, runs_dir=self.tmp, epochs=1)
        self.assertEqual(out.getvalue(), '')
        self.assertEqual(Path(result.run_dir).parent, self.tmp)
        self.assertIsInstance(result.best_model, SoftmaxRegression)
        self.assertEqual(set(result.best_model.weights), {'W1'})
        for history in result.histories:
            self.assertEqual(len(history), 1)
        # better than chance, despite dead classes
        self.assertGreater(result.valid_acc_history[0], 0.1)
        self.assertTrue(0.0 <= result.test_acc <= 1.0)


def notebook_routine(arrays, seed, hidden_size, batch_size, rates):
    """The notebook's routine written out with the course's public pieces
    (generate_batched_data, train, evaluate, a plain SGD) on the float arrays
    (train_X, train_y, val_X, val_y, test_X, test_y), with rates[e] in epoch e.
    Returns the four histories, the best epoch and the best model's test loss and accuracy."""
    train_X, train_y, val_X, val_y, test_X, test_y = arrays
    random.seed(seed)
    model = TwoLayerNet(hidden_size=hidden_size)
    optimizer = SGD(learning_rate=rates[0], reg=1e-3)
    val_batches = utils.generate_batched_data(val_X, val_y, batch_size)
    histories, best_acc, best_epoch, best_model = ([], [], [], []), -1.0, None, None
    for epoch, rate in enumerate(rates):
        optimizer.learning_rate = rate
        batches = utils.generate_batched_data(train_X, train_y, batch_size, shuffle=True)
        figures = utils.train(epoch, *batches, model, optimizer, debug=False)
        figures += utils.evaluate(*val_batches, model, debug=False)
        for history, value in zip(histories, figures):
            history.append(value)
        if figures[3] > best_acc:
            best_acc, best_epoch, best_model = figures[3], epoch, copy.deepcopy(model)
    test = utils.evaluate(*utils.generate_batched_data(test_X, test_y, batch_size), best_model,
                          debug=False)
    return histories, best_epoch, test


@needing_mnist
class TestTrainModelIsTheNotebookRoutine(TempDirTestCase):
    """train_model's uint8 batch views, learning-rate schedule and bookkeeping change
    no number: its run equals the routine written with the course's functions."""

    # The course's batches of 64: the last validation and test batches are partial.
    SMALL = dict(hidden_size=16, epochs=2, debug=False)

    @classmethod
    def setUpClass(cls):
        cls.arrays = utils.load_mnist_trainval_arrays() + utils.load_mnist_test_arrays()

    def assertRunEquals(self, result, expected):
        histories, best_epoch, (test_loss, test_acc) = expected
        self.assertEqual(result.histories, tuple(histories))
        self.assertEqual(result.best_epoch, best_epoch)
        self.assertEqual((result.test_loss, result.test_acc), (test_loss, test_acc))

    def test_default_is_bit_identical_to_a_constant_rate(self):
        result = train_model(TWOLAYER, seed=3, runs_dir=self.tmp, **self.SMALL)
        self.assertRunEquals(result, notebook_routine(self.arrays, 3, 16, 64, [0.1, 0.1]))

    def test_lr_decay_multiplies_the_rate_once_per_epoch(self):
        result = train_model(TWOLAYER, seed=3, runs_dir=self.tmp, lr_decay=0.5, **self.SMALL)
        self.assertRunEquals(result, notebook_routine(self.arrays, 3, 16, 64, [0.1, 0.1 * 0.5]))


# Trains a short run in a fresh interpreter and prints its record as JSON;
# json.dumps writes floats with repr, which round-trips every bit.
SCRIPT = """
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
from lab.runs import train_model
with tempfile.TemporaryDirectory() as runs:
    result = train_model(json.loads(sys.argv[3]), seed=int(sys.argv[2]),
                         runs_dir=runs, epochs=2, hidden_size=32, debug=False)
print(json.dumps({'histories': result.histories, 'best_epoch': result.best_epoch,
                  'test_loss': result.test_loss, 'test_acc': result.test_acc}))
"""


def runs_in_fresh_processes(*runs):
    """The records of runs, (seed, hash_seed) each, every one from a new Python process
    started in a temporary folder; the processes run side by side."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1')
    with contextlib.ExitStack() as stack:
        started = []
        for seed, hash_seed in runs:
            cwd = stack.enter_context(tempfile.TemporaryDirectory())
            started.append(stack.enter_context(subprocess.Popen(
                [sys.executable, '-c', SCRIPT, str(ROOT), str(seed), json.dumps(TWOLAYER)],
                cwd=cwd, env=dict(env, PYTHONHASHSEED=str(hash_seed)), stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, universal_newlines=True)))
        records = []
        for process in started:
            stdout, stderr = process.communicate(timeout=600)
            if process.returncode != 0:
                raise AssertionError(f'the training subprocess failed:\n{stderr}')
            records.append(stdout)
    return records


@needing_mnist
class TestReproducibility(unittest.TestCase):
    def test_same_seed_gives_bit_identical_runs_in_fresh_processes(self):
        first, second = runs_in_fresh_processes((7, 1), (7, 2))
        self.assertEqual(first, second)
        record = json.loads(first)
        self.assertEqual([len(h) for h in record['histories']], [2, 2, 2, 2])
        self.assertIsNotNone(record['test_acc'])


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

class TestBatchViews(unittest.TestCase):
    def test_give_the_batches_of_generate_batched_data(self):
        rng = np.random.default_rng(7)
        images = rng.integers(0, 256, size=(23, 784), dtype=np.uint8)
        labels = rng.integers(0, 10, size=23)
        pixels = [[int(k) / 255 for k in row] for row in images]    # the course's floats
        for shuffle in (False, True):
            with self.subTest(shuffle=shuffle):
                random.seed(5)
                order = batch_order(len(images), 5, shuffle)
                random.seed(5)
                expected_X, expected_y = utils.generate_batched_data(pixels, labels.tolist(), 5,
                                                                     shuffle=shuffle)
                X_batches, y_batches = PixelBatches(images, order), Gathered(labels, order)
                self.assertEqual((len(X_batches), len(y_batches)), (5, 5))   # the last holds 3
                for X, y, want_X, want_y in zip(X_batches, y_batches, expected_X, expected_y):
                    self.assertEqual(X.dtype, np.float64)
                    np.testing.assert_array_equal(X, want_X)
                    np.testing.assert_array_equal(y, want_y)

    def test_the_batches_are_the_ones_the_graded_generate_batched_data_makes(self):
        # The notebook must train on the student's own batching, whatever it does.
        def reversed_pairs(data, label, batch_size=32, shuffle=False, seed=None):
            label = list(label)[::-1]
            return ([None] * 2, [label[:2], label[2:]])
        with mock.patch.object(utils, 'generate_batched_data', reversed_pairs):
            order = batch_order(4, 2, shuffle=True)
        self.assertEqual([batch.tolist() for batch in order], [[3, 2], [1, 0]])
        self.assertEqual(order[0].dtype, np.intp)

    def test_pixel_batches_are_exactly_byte_over_255_for_every_byte(self):
        every_byte = (np.arange(784) % 256).astype(np.uint8).reshape(1, 784)
        (batch,) = PixelBatches(every_byte, [np.array([0])])
        self.assertEqual(batch.shape, (1, 784))
        self.assertEqual(batch[0].tolist(), [k % 256 / 255 for k in range(784)])


# ---------------------------------------------------------------------------
# Run folders and names
# ---------------------------------------------------------------------------

class TestNewRunDir(TempDirTestCase):
    def test_reruns_get_numbered_folders_and_leave_old_files_alone(self):
        first = new_run_dir(self.tmp, 'sweep_lr1')
        (first / 'results.json').write_text('{"mine": 1}')
        second = new_run_dir(self.tmp, 'sweep_lr1')
        third = new_run_dir(self.tmp, 'sweep_lr1')
        self.assertEqual([first.name, second.name, third.name],
                         ['sweep_lr1', 'sweep_lr1-2', 'sweep_lr1-3'])
        self.assertEqual((first / 'results.json').read_text(), '{"mine": 1}')
        self.assertEqual(list(second.iterdir()), [])

    def test_run_names_that_would_leave_the_runs_folder_are_refused(self):
        runs = self.tmp / 'runs'
        for name in ('a/b', '../elsewhere', '/tmp/x', 'a\\b', '..\\x', '', '.', '..', 'a\0b',
                     None, 3):
            with self.subTest(name=name):
                with self.assertRaises(ValueError) as caught:
                    new_run_dir(runs, name)
                self.assertIn(repr(name), str(caught.exception))
        self.assertEqual(list(self.tmp.iterdir()), [])

    def test_runs_dir_must_be_a_path(self):
        for runs_dir in ('', 3, None):
            with self.subTest(runs_dir=runs_dir):
                with self.assertRaises(ValueError) as caught:
                    new_run_dir(runs_dir, 'run')
                self.assertIn('runs_dir', str(caught.exception))

    def test_train_model_refuses_a_name_leaving_its_folder_before_training(self):
        needs_mnist()      # train_model reads the data first
        runs = self.tmp / 'runs'
        with mock.patch.object(utils, 'train') as train, self.assertRaises(ValueError):
            train_model(SOFTMAX, runs_dir=runs, run_name='../escaped')
        train.assert_not_called()
        self.assertEqual(list(self.tmp.iterdir()), [])

    def test_a_file_above_the_runs_folder_is_named_as_the_file(self):
        (self.tmp / 'notes.txt').write_text('my notes')
        with self.assertRaises(RunFolderError) as caught:
            new_run_dir(self.tmp / 'notes.txt' / 'runs', 'run')
        self.assertIn(f"{self.tmp / 'notes.txt'} is a file where the folder belongs",
                      str(caught.exception))
        self.assertEqual((self.tmp / 'notes.txt').read_text(), 'my notes')


class TestDefaultRunName(unittest.TestCase):
    def test_names_the_settings_that_matter(self):
        self.assertEqual(default_run_name(load_config(TWOLAYER)),
                         'TwoLayerNet_lr0.1_reg0.001_bs64_ep10_h128')

    def test_lr_decay_appears_in_the_name_only_when_used(self):
        self.assertNotIn('decay', default_run_name(load_config(TWOLAYER)))
        self.assertTrue(default_run_name(load_config(TWOLAYER, lr_decay=0.8))
                        .endswith('_decay0.8'))


# ---------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------

class TestWatchDivergence(unittest.TestCase):
    """watch_divergence(model, optimizer) as utils.train's batch_hook."""

    def test_huge_learning_rate_is_stopped_within_the_patience(self):
        data, labels = random_batches(60)
        for Model in (SoftmaxRegression, TwoLayerNet):
            with self.subTest(model=Model.__name__):
                with self.assertRaises(TrainingDiverged) as caught:
                    train_watched(3, data, labels, Model(), SGD(learning_rate=1e6))
                err = caught.exception
                self.assertEqual(err.epoch, 3)
                self.assertLess(err.batch, DIVERGED_PATIENCE + 5)
                message = str(err)
                for fragment in ('epoch 3', f'batch {err.batch}', 'Learning rate too high?',
                                 'It is 1e+06', 'try 100000'):
                    self.assertIn(fragment, message)

    def test_overflowing_run_raises_no_numpy_warnings(self):
        data, labels = random_batches(5)
        with no_numeric_warnings(), self.assertRaises(TrainingDiverged) as caught:
            train_watched(0, data, labels, TwoLayerNet(), SGD(learning_rate=1e300))
        self.assertIn('Learning rate too high?', str(caught.exception))

    def test_nan_loss_stops_at_its_batch(self):
        data, labels = random_batches(3)
        model = TwoLayerNet()
        model.weights['b2'][:] = np.nan
        with self.assertRaises(TrainingDiverged) as caught:
            train_watched(0, data, labels, model, SGD(learning_rate=0.1))
        self.assertEqual(caught.exception.batch, 0)
        self.assertIn('nan', str(caught.exception))

    def test_loss_at_chance_is_not_divergence(self):
        # Random labels: the model can do no better than guessing (loss ~ ln 10).
        data, labels = random_batches(40)
        loss, _ = train_watched(0, data, labels, TwoLayerNet(), SGD(learning_rate=1.0, reg=1.0))
        self.assertLess(abs(loss - math.log(10)), 0.5)

    def test_only_an_unbroken_streak_of_high_losses_is_divergence(self):
        hook = watch_divergence(SoftmaxRegression(), SGD(learning_rate=0.1))
        high = 100.0      # above DIVERGED_FACTOR * ln 10 = 23.0
        losses = [high] * (DIVERGED_PATIENCE - 1) + [1.0] + [high] * (DIVERGED_PATIENCE - 1)
        for batch, loss in enumerate(losses):
            hook(0, batch, loss, 0.0)
        with self.assertRaises(TrainingDiverged) as caught:
            hook(0, len(losses), high, 0.0)
        self.assertEqual(caught.exception.batch, len(losses))
        self.assertIn(f'for {DIVERGED_PATIENCE} batches in a row', str(caught.exception))


class TestCheckWeights(unittest.TestCase):
    def test_weights_made_infinite_by_the_last_step_are_caught(self):
        class Poisoning(SGD):
            def update(self, model):
                super().update(model)
                model.weights['W1'][0, 0] = np.inf

        data, labels = random_batches(1)
        model, optimizer = SoftmaxRegression(), Poisoning(0.1)
        train_watched(0, data, labels, model, optimizer)    # the loss came before the step
        with self.assertRaises(TrainingDiverged) as caught:
            check_weights(model, 0, 0, optimizer.learning_rate)
        for fragment in ('epoch 0, batch 0', 'W1', 'inf or nan', 'It is 0.1'):
            self.assertIn(fragment, str(caught.exception))

    def test_finite_weights_pass(self):
        check_weights(TwoLayerNet(hidden_size=4), 0, 0, 0.1)


class TestDataIsBlamedBeforeTheLearningRate(unittest.TestCase):
    """NaN or inf in the batches just trained are named, with their position, instead of
    'learning rate too high'; the watch looks at the data only once a run has failed."""

    def assertBlamesTheData(self, fragments, call, *args):
        """call(*args) raises a ValueError (not TrainingDiverged) holding every fragment."""
        with self.assertRaises(ValueError) as caught:
            call(*args)
        self.assertNotIsInstance(caught.exception, TrainingDiverged)
        for fragment in ('the data holds',) + tuple(fragments):
            self.assertIn(fragment, str(caught.exception))
        self.assertNotIn('Learning rate too high', str(caught.exception))

    def train(self, data, labels, model, learning_rate=0.1):
        optimizer = SGD(learning_rate=learning_rate)
        return utils.train(0, data, labels, model, optimizer, debug=False,
                           batch_hook=watch_divergence(model, optimizer, data))

    def test_nan_in_X_is_blamed_on_the_data_with_its_position(self):
        data, labels = random_batches(3)
        data[1][5, 7] = np.nan
        for Model in (SoftmaxRegression, TwoLayerNet):
            with self.subTest(model=Model.__name__):
                self.assertBlamesTheData(['nan at batch 1, row 5, column 7'],
                                         self.train, data, labels, Model())

    def test_an_inf_pixel_whose_own_loss_stays_finite_is_found_from_the_next_batch(self):
        # The sigmoid saturates: batch 2's loss is finite, its step turns W1 NaN, and the
        # loss turns NaN at batch 3, a batch without any bad value.
        data, labels = random_batches(5, n=16)
        data[2][3, 100] = np.inf
        self.assertBlamesTheData(['inf at batch 2, row 3, column 100', 'batch 3'],
                                 self.train, data, labels, TwoLayerNet())

    def test_inf_in_the_last_batch_is_blamed_when_the_weights_are_checked(self):
        data, labels = random_batches(3, n=16)
        data[2][0, 0] = -np.inf
        model = TwoLayerNet()
        self.train(data, labels, model)         # each batch's own loss stayed finite
        self.assertBlamesTheData(['-inf at batch 2, row 0, column 0', 'W1'],
                                 check_weights, model, 0, 2, 0.1, data)

    def test_clean_data_leaves_the_blame_on_the_learning_rate(self):
        data, labels = random_batches(5)
        with no_numeric_warnings(), self.assertRaises(TrainingDiverged) as caught:
            self.train(data, labels, TwoLayerNet(), learning_rate=1e300)
        self.assertIn('Learning rate too high?', str(caught.exception))

    def test_the_data_is_not_read_while_the_loss_is_finite(self):
        class Counted(list):
            reads = 0

            def __iter__(self):
                Counted.reads += 1
                return super().__iter__()

        data, labels = random_batches(4)
        self.train(Counted(data), labels, TwoLayerNet())
        self.assertEqual(Counted.reads, 1)      # train's own pass, no other


@needing_mnist
class TestTrainModelBlamesTheData(TempDirTestCase):
    def test_inf_in_the_training_images_stops_the_run_naming_it(self):
        # lab.data verifies MNIST, so only stand-in data can hold an inf: 10 batches of 64.
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, size=(640, 784)).astype(np.float64)
        images[100, 7] = np.inf
        labels = rng.integers(0, 10, size=640)
        splits = (images, labels, images[:64] * 0, labels[:64], images[:64] * 0, labels[:64])
        random.seed(0)              # the order train_model's epoch 0 will draw
        batch, row = next((b, list(rows).index(100)) for b, rows in
                          enumerate(batch_order(640, 64, shuffle=True)) if 100 in rows)
        with mock.patch('lab.data.splits', return_value=splits), \
                self.assertRaises(ValueError) as caught:
            train_model(TWOLAYER, seed=0, runs_dir=self.tmp, run_name='inf', epochs=1,
                        hidden_size=16)
        where = f'inf at batch {batch}, row {row}, column 7'
        self.assertIn(where, str(caught.exception))
        self.assertIn(where, read_results(self.tmp / 'inf')['interrupted'])

    def test_no_model_with_non_finite_weights_is_ever_evaluated(self):
        # Epoch 1's weights go inf: the run stops before evaluating them, and scores
        # epoch 0's best model on the test set.
        real_train, real_evaluate, evaluated = utils.train, utils.evaluate, []

        def weights_blow_up_in_epoch_1(epoch, data, labels, model, *args, **kwargs):
            figures = real_train(epoch, data, labels, model, *args, **kwargs)
            if epoch == 1:
                model.weights['W1'][0, 0] = np.inf
            return figures

        def evaluate(data, labels, model, *args, **kwargs):
            evaluated.append(all(np.isfinite(w).all() for w in model.weights.values()))
            return real_evaluate(data, labels, model, *args, **kwargs)

        with mock.patch.object(utils, 'train', weights_blow_up_in_epoch_1), \
                mock.patch.object(utils, 'evaluate', evaluate):
            result = train_model(SOFTMAX, seed=0, runs_dir=self.tmp, epochs=3, batch_size=512)
        self.assertEqual(result.status, 'diverged')
        self.assertEqual(evaluated, [True, True])   # validation after epoch 0, then test


@needing_mnist
class TestDivergedRun(TempDirTestCase):
    def test_diverged_run_is_recorded_and_returns_normally(self):
        result = train_model(TWOLAYER, seed=0, runs_dir=self.tmp, run_name='hot',
                             learning_rate=1e6, epochs=3, hidden_size=16)
        self.assertEqual(result.status, 'diverged')
        self.assertEqual(result.histories, ([], [], [], []))
        self.assertIsNone(result.test_acc)
        saved = read_results(result.run_dir)
        self.assertEqual(saved['status'], 'diverged')
        for fragment in ('epoch 0', 'Learning rate too high?'):
            self.assertIn(fragment, saved['diverged'])
        self.assertIn('Learning rate too high?', (result.run_dir / 'train.log').read_text())

    def test_a_run_diverging_later_keeps_its_finished_epochs(self):
        real_train = utils.train

        def weights_blow_up_in_epoch_1(epoch, data, labels, model, *args, **kwargs):
            figures = real_train(epoch, data, labels, model, *args, **kwargs)
            if epoch == 1:
                model.weights['W1'][0, 0] = np.inf
            return figures

        with mock.patch.object(utils, 'train', weights_blow_up_in_epoch_1):
            result = train_model(SOFTMAX, seed=0, runs_dir=self.tmp, run_name='late', epochs=3,
                                 batch_size=512)
        self.assertEqual(result.status, 'diverged')
        self.assertIn('epoch 1', result.diverged)
        self.assertIn('W1', result.diverged)
        for history in result.histories:
            self.assertEqual(len(history), 1)
        saved = read_results(result.run_dir)
        self.assertEqual(saved['status'], 'diverged')
        self.assertEqual(saved['valid_acc'], result.valid_acc_history)
        # The best model of the finished epochs is still scored on the test set.
        self.assertEqual(result.best_epoch, 0)
        self.assertIsNotNone(result.test_acc)


class FullDisk(io.StringIO):
    """A text file on a disk that fills up after a few hundred characters."""

    def write(self, text):
        if self.tell() + len(text) > 300:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return super().write(text)


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, 'No space left on device')


@needing_mnist
class TestEnvironmentFaults(TempDirTestCase):
    """Faults of the machine get a message of ours naming the folder and the fix; a run
    that cannot write its files keeps everything in memory, says so, and returns."""

    def run_softmax(self, **kwargs):
        return train_model(SOFTMAX, seed=0, runs_dir=self.tmp / 'runs', run_name='run',
                           epochs=2, batch_size=512, **kwargs)

    def assertFolderError(self, *fragments):
        with mock.patch.object(utils, 'train') as train, \
                self.assertRaises(RunFolderError) as caught:
            self.run_softmax()
        train.assert_not_called()      # before any training
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertIsInstance(caught.exception, OSError)   # still caught as one

    def test_a_file_where_the_runs_folder_should_be_is_named_with_the_fix(self):
        (self.tmp / 'runs').write_text('my notes')
        self.assertFolderError(f"{self.tmp / 'runs'} is a file where the folder belongs",
                               'move or rename', 'runs_dir')
        self.assertEqual((self.tmp / 'runs').read_text(), 'my notes')

    def test_an_unwritable_runs_folder_is_named_with_the_fix(self):
        denied = PermissionError(errno.EACCES, 'Permission denied')
        with mock.patch.object(Path, 'mkdir', side_effect=denied):
            self.assertFolderError(str(self.tmp / 'runs'), 'may not be written',
                                   f"chmod u+w {self.tmp / 'runs'}")

    def test_a_full_disk_before_training_is_named_with_the_fix(self):
        with mock.patch.object(Path, 'mkdir', side_effect=no_space):
            self.assertFolderError(str(self.tmp / 'runs'), 'is full', 'free some space')

    def test_a_full_disk_mid_run_keeps_the_run_in_memory_and_says_so(self):
        # results.json goes through lab.files' atomic write, train.log through lab.runs' own.
        with mock.patch('lab.files.open', create=True, side_effect=no_space), \
                mock.patch('lab.runs.open', create=True, side_effect=lambda *a, **k: FullDisk()):
            result = self.run_softmax()
        self.assertEqual(result.status, 'finished')
        self.assertEqual([len(history) for history in result.histories], [2, 2, 2, 2])
        self.assertIsInstance(result.best_model, SoftmaxRegression)
        self.assertIsNotNone(result.test_acc)
        for fragment in ('results.json', str(result.run_dir), 'is full', 'call save()'):
            self.assertIn(fragment, result.save_error)
        for fragment in ('train.log', 'only the lines before', 'is full'):
            self.assertIn(fragment, result.log_error)
        self.assertEqual(result.summary()['save_error'], result.save_error)
        # The fix the message gives, once there is space again:
        self.assertTrue(result.save())
        saved = read_results(result.run_dir)
        self.assertEqual((saved['status'], saved['test_acc']), ('finished', result.test_acc))
        self.assertIsNone(saved['save_error'])
        self.assertEqual(saved['log_error'], result.log_error)

    def test_a_run_folder_deleted_mid_run_is_named_and_the_run_returns(self):
        run_dir = self.tmp / 'runs' / 'run'
        result = self.run_softmax(callback=lambda figures: shutil.rmtree(run_dir, True))
        self.assertEqual(result.status, 'finished')
        for fragment in (str(run_dir), 'is gone', 'create it again', 'call save()'):
            self.assertIn(fragment, result.save_error)
        # The fix the message gives:
        result.run_dir.mkdir(parents=True)
        self.assertTrue(result.save())
        self.assertEqual(read_results(run_dir)['valid_acc'], result.valid_acc_history)

    def test_an_interrupted_run_on_a_full_disk_still_raises_the_interrupt(self):
        def interrupt(figures):
            raise KeyboardInterrupt

        with mock.patch.object(Path, 'write_text', no_space), \
                self.assertRaises(KeyboardInterrupt):
            self.run_softmax(callback=interrupt)


@needing_mnist
class TestInterruptedRun(TempDirTestCase):
    def test_results_and_log_hold_every_finished_epoch(self):
        seen_in_log, epochs_on_disk = [], []

        def stop_after_two_epochs(figures):
            # While the run is still going, its log and results are already on disk.
            seen_in_log.append((self.tmp / 'cut' / 'train.log').read_text())
            epochs_on_disk.append(len(read_results(self.tmp / 'cut')['valid_acc']))
            if figures['epoch'] == 1:
                raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt):
            train_model(SOFTMAX, seed=0, runs_dir=self.tmp, run_name='cut', epochs=4,
                        batch_size=512, callback=stop_after_two_epochs)
        saved = read_results(self.tmp / 'cut')
        self.assertEqual(len(saved['train_loss']), 2)
        self.assertEqual(len(saved['valid_acc']), 2)
        self.assertTrue(all(math.isfinite(v) for v in saved['valid_acc']))
        self.assertEqual(saved['status'], 'interrupted')
        self.assertEqual(saved['interrupted'], 'KeyboardInterrupt')
        self.assertEqual(epochs_on_disk, [1, 2])
        self.assertIn('Average accuracy of epoch 0', seen_in_log[0])
        self.assertIn('stopped early by KeyboardInterrupt',
                      (self.tmp / 'cut' / 'train.log').read_text())
        self.assertEqual(sorted(p.name for p in (self.tmp / 'cut').iterdir()),
                         ['results.json', 'train.log'])


if __name__ == '__main__':
    unittest.main()
