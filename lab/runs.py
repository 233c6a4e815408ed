"""Training runs: the course's training routine (train_model), and the record each run leaves.

    result = train_model('configs/config_twolayer.yaml', seed=0, run_name='demo', epochs=1)
    result.test_acc, result.histories, result.best_model, result.run_dir

Each run gets runs/<name>/ with train.log and results.json, rewritten after every
epoch. A run whose loss or weights blow up stops as diverged and says why
(watch_divergence), unless NaN or inf in its data explain it (blame_the_data).
Batches are gathered from the uint8 images one at a time (PixelBatches). A run
that cannot write its files goes on in memory; save_error and log_error say why.
"""
import contextlib
import copy
import errno
import itertools
import json
import math
import os
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import utils
from lab import ROOT, data
from lab.config import build_model, load_config
from lab.files import file_in_the_way, write_atomically
from lab.parameters import whole_number
from optimizer import SGD

RUNS_DIR = ROOT / 'runs'


# ---------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------

class TrainingDiverged(ArithmeticError):
    """Training blew up: the loss or the weights became inf or nan, or the
    loss stayed far above what a uniform guess costs.

    epoch, batch: where it was noticed; loss: that batch's loss; what: what
    happened, in words (default: the loss became inf or nan).
    """

    def __init__(self, epoch, batch, loss, what=None, learning_rate=None):
        self.epoch, self.batch, self.loss = epoch, batch, loss
        self.learning_rate = learning_rate
        what = what or f'the loss became {loss}'
        if learning_rate is None:
            hint = 'Learning rate too high? Try one ten times smaller.'
        else:
            hint = (f'Learning rate too high? It is {learning_rate:g}; '
                    f'try {learning_rate / 10:g}.')
        super().__init__(f'training diverged at epoch {epoch}, batch {batch}: {what}. {hint}')


# A uniform guess over C classes costs ln C per example. Honest runs stay near
# or below that (even lr 10 on the two-layer net peaks at about 5 ln C for
# single batches); a learning rate far too high makes the model confidently
# wrong, e.g. a loss near 40 = 17 ln C for lr 100. Because the loss is clipped
# and the gradients are bounded, such a run can stay finite for hundreds of
# batches, so a loss above DIVERGED_FACTOR * ln C for DIVERGED_PATIENCE
# batches in a row counts as diverged too.
DIVERGED_FACTOR = 10
DIVERGED_PATIENCE = 20


def find_non_finite(batches, count):
    """Where the first NaN or inf in the first count batches of data is, in words
    ('inf at batch 3, row 5, column 7'), or None if they hold none.

    It reads the batches again, as the training loop never does: it is meant
    for a run that has already failed, where it costs one pass over the data.
    """
    for batch, X in enumerate(itertools.islice(batches, count)):
        X = np.asarray(X, dtype=np.float64)
        bad = ~np.isfinite(X)
        if bad.any():
            row, column = np.argwhere(bad)[0]
            return f'{X[row, column]} at batch {batch}, row {row}, column {column}'
    return None


def blame_the_data(batches, count, stopped):
    """Raise ValueError if the first count batches hold NaN or inf: then the data, not
    the learning rate, stopped the run (stopped: how, in words). batches None: no check."""
    found = None if batches is None else find_non_finite(batches, count)
    if found:
        raise ValueError(f'the data holds {found}, and {stopped}: NaN or inf in the input '
                         'makes the loss or the weights NaN at any learning rate. Replace that '
                         'value, or batch the data with utils.generate_batched_data, which '
                         'refuses such values and names them.')


def watch_divergence(model, optimizer, batches=None):
    """A batch_hook for utils.train that raises TrainingDiverged when a batch
    loss is inf or nan, or above DIVERGED_FACTOR * ln(num_classes) for
    DIVERGED_PATIENCE batches in a row (across epochs).

    batches: the batched data train is given, if known; kept as the hook's
    .batches, which a run may set anew each epoch (train_model does). A
    non-finite loss is then first blamed on NaN or inf in the epoch's batches
    up to the current one (blame_the_data): the two-layer net's sigmoid
    saturates, so an inf pixel leaves its own batch's loss finite but turns
    the weights, and the next batch's loss, NaN.
    """
    limit = DIVERGED_FACTOR * math.log(model.num_classes)
    streak = 0

    def hook(epoch, batch, loss, accuracy):
        nonlocal streak
        learning_rate = optimizer.learning_rate
        if not math.isfinite(loss):
            blame_the_data(hook.batches, batch + 1,
                           f'the loss became {loss} at epoch {epoch}, batch {batch}')
            raise TrainingDiverged(epoch, batch, loss, learning_rate=learning_rate)
        streak = streak + 1 if loss > limit else 0
        if streak == DIVERGED_PATIENCE:
            raise TrainingDiverged(
                epoch, batch, loss, learning_rate=learning_rate,
                what=(f'the loss has stayed above {limit:.1f} for {streak} batches in a row '
                      f'(now {loss:.1f}; guessing uniformly among {model.num_classes} classes '
                      f'costs {limit / DIVERGED_FACTOR:.2f})'))
    hook.batches = batches
    return hook


def check_weights(model, epoch, batch, learning_rate, batches=None):
    """Raise TrainingDiverged if any weight of model is inf or nan after that batch.

    batches: the epoch's batched data, if known: NaN or inf in its first batch + 1
    batches is then blamed first, with a ValueError (blame_the_data).
    """
    for name, weight in model.weights.items():
        if not np.isfinite(weight).all():
            blame_the_data(batches, batch + 1,
                           f"the epoch's steps made {name} inf or nan by epoch {epoch}, "
                           f'batch {batch}')
            raise TrainingDiverged(epoch, batch, math.nan, learning_rate=learning_rate,
                                   what=f"the epoch's steps made {name} inf or nan")


# ---------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------

def batch_order(n, batch_size, shuffle):
    """Index arrays (intp) of the batches utils.generate_batched_data makes of n examples.

    It batches the indices 0..n-1, given as the labels of n one-feature examples, so the
    notebook trains on the batches the graded code makes (shuffled by Python's random, as
    seeded by the caller) while the images stay in memory as bytes.
    """
    _, batches = utils.generate_batched_data(np.zeros((n, 1)), np.arange(n), batch_size,
                                             shuffle=shuffle)
    return [np.asarray(batch, dtype=np.intp) for batch in batches]


class Gathered:
    """The batches array[i] for each index array i, gathered when asked for.

    The same batches as generate_batched_data, but an epoch holds one batch at
    a time instead of a shuffled copy of the whole split.
    """

    def __init__(self, array, batch_indices):
        self.array, self.batch_indices = array, batch_indices

    def __len__(self):
        return len(self.batch_indices)

    def __iter__(self):
        return (self.array[i] for i in self.batch_indices)


class PixelBatches(Gathered):
    """Gathered over uint8 images (N, 784), each batch turned into float64
    pixels byte / 255 as it is gathered: the numbers utils.load_mnist_*_arrays
    give, while the split stays in memory as bytes (47 MB, not 376 MB)."""

    def __iter__(self):
        return (np.divide(self.array[i], 255.0, dtype=np.float64) for i in self.batch_indices)


# ---------------------------------------------------------------------------
# The record of a run
# ---------------------------------------------------------------------------

class RunFolderError(OSError):
    """A run's folder cannot be made or written to; the message says why and what to do."""


def write_problem(err, folder):
    """What the OSError err, met while writing into folder, means and how to fix it."""
    if isinstance(err, (FileExistsError, NotADirectoryError)):
        folder = Path(folder)
        file = folder if folder.is_file() else file_in_the_way(folder) or folder
        return f'{file} is a file where the folder belongs: move or rename that file'
    if isinstance(err, FileNotFoundError):
        return f'the folder {folder} is gone (deleted while in use?): create it again'
    if isinstance(err, PermissionError) or err.errno == errno.EROFS:
        return f'{folder} may not be written to: make it writable (chmod u+w {folder})'
    if err.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
        return f'the disk holding {folder} is full: free some space there'
    return f'{folder} cannot be written to ({err.strerror or err}): fix that'


@dataclass
class RunResult:
    """What a training run leaves: its histories (one entry per finished
    epoch), the best-validation model and its test score, and its folder.

    save_error, log_error: None, or why results.json (at the last save) or
    train.log (from some line on) could not be written, and the fix. The
    result in memory is whole either way; save() writes results.json again.
    """
    config: dict
    run_dir: Path
    train_loss_history: list = field(default_factory=list)
    train_acc_history: list = field(default_factory=list)
    valid_loss_history: list = field(default_factory=list)
    valid_acc_history: list = field(default_factory=list)
    best_model: object = None
    best_epoch: int = None
    test_loss: float = None
    test_acc: float = None
    seconds: float = 0.0
    seed: int = None
    diverged: str = None
    interrupted: str = None
    save_error: str = None
    log_error: str = None

    @property
    def histories(self):
        """(train_loss, train_acc, valid_loss, valid_acc) histories, in plot_curves' order."""
        return (self.train_loss_history, self.train_acc_history,
                self.valid_loss_history, self.valid_acc_history)

    def epoch_stats(self, epoch):
        """The record of one finished epoch, as train_model's callback gets it: a dict of
        epoch, epochs, train_loss, train_acc, valid_loss, valid_acc."""
        return {'epoch': epoch, 'epochs': self.config['Train']['epochs'],
                'train_loss': self.train_loss_history[epoch],
                'train_acc': self.train_acc_history[epoch],
                'valid_loss': self.valid_loss_history[epoch],
                'valid_acc': self.valid_acc_history[epoch]}

    @property
    def status(self):
        if self.diverged:
            return 'diverged'
        if self.interrupted:
            return 'interrupted'
        return 'finished' if self.test_acc is not None else 'running'

    def summary(self):
        """A JSON-ready dict of everything but the model."""
        return {
            'run_name': self.run_dir.name, 'status': self.status, 'config': self.config,
            'seed': self.seed, 'train_loss': self.train_loss_history,
            'train_acc': self.train_acc_history, 'valid_loss': self.valid_loss_history,
            'valid_acc': self.valid_acc_history, 'best_epoch': self.best_epoch,
            'test_loss': self.test_loss, 'test_acc': self.test_acc,
            'seconds': round(self.seconds, 3), 'diverged': self.diverged,
            'interrupted': self.interrupted, 'save_error': self.save_error,
            'log_error': self.log_error,
        }

    def save(self):
        """Write results.json atomically, so an interrupted run leaves a whole file.

        Returns True if it did. If it could not, save_error says why and how to
        fix that, and nothing is lost but the file: fix the cause, call save() again.
        """
        path = self.run_dir / 'results.json'
        self.save_error = None      # what the file will say if this write works
        try:
            write_atomically(path, json.dumps(self.summary(), indent=2) + '\n')
            return True
        except OSError as err:
            self.save_error = (f'{path} could not be written, as {write_problem(err, self.run_dir)}'
                               '; then call save() on the RunResult, which holds everything.')
            return False


class RunLog:
    """A run's train.log, line-buffered, so it holds every line written so far
    even if the kernel dies. A write that fails (a full disk, say) ends the log,
    not the run: result.log_error says so."""

    def __init__(self, result):
        self.path, self.result = result.run_dir / 'train.log', result
        try:
            self.file = open(self.path, 'w', buffering=1)
        except OSError as err:
            raise RunFolderError(f'cannot create {self.path}: '
                                 f'{write_problem(err, result.run_dir)}.') from None

    def write(self, text):
        if self.file is None:
            return
        try:
            self.file.write(text)
        except OSError as err:
            self.result.log_error = (f'{self.path} holds only the lines before the error: '
                                     f'{write_problem(err, self.result.run_dir)}.')
            self.close()

    def close(self):
        with contextlib.suppress(OSError):    # its last lines may not fit on a full disk
            if self.file is not None:
                self.file.close()
        self.file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def default_run_name(config):
    """A readable name from the settings that matter, e.g. 'TwoLayerNet_lr0.1_reg0.001_...'."""
    train, model = config['Train'], config['Model']
    name = f"{model['type']}_lr{train['learning_rate']:g}_reg{train['reg']:g}"
    name += f"_bs{train['batch_size']}_ep{train['epochs']}"
    if 'hidden_size' in model:
        name += f"_h{model['hidden_size']}"
    if train['lr_decay'] != 1.0:
        name += f"_decay{train['lr_decay']:g}"
    return name


def new_run_dir(runs_dir, run_name):
    """A new, empty folder runs_dir/run_name; if that name is taken, run_name-2, -3, ...
    so a re-run never overwrites an earlier run's files.

    run_name must be a plain name, which stays inside runs_dir: no slashes or
    backslashes (a folder on Windows), not '.' or '..'. A folder that cannot be
    made raises RunFolderError, saying why and what to do.
    """
    if not isinstance(run_name, str) or run_name in ('', '.', '..') \
            or any(c in run_name for c in '/\\\0'):
        raise ValueError(f'run_name must be a plain folder name, without slashes, got '
                         f'{run_name!r}; choose the folder it goes in with runs_dir.')
    if not isinstance(runs_dir, (str, os.PathLike)) or str(runs_dir) == '':
        raise ValueError(f'runs_dir must be the path of a folder, got {runs_dir!r}.')
    runs_dir = Path(runs_dir)
    candidate, n = runs_dir / run_name, 1
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                candidate.mkdir()
                return candidate
            except FileExistsError:
                n += 1
                candidate = runs_dir / f'{run_name}-{n}'
    except OSError as err:
        raise RunFolderError(f'cannot create the run folder {candidate}: '
                             f'{write_problem(err, runs_dir)}, or pass another runs_dir.'
                             ) from None


@contextlib.contextmanager
def _record_if_stopped(result, log):
    """Let the run's body execute; if it stops with an exception (Ctrl-C, a
    callback raising), note why in results.json and train.log, then re-raise."""
    try:
        yield
    except BaseException as err:
        result.interrupted = type(err).__name__ + (f': {err}' if str(err) else '')
        print(f'Run stopped early by {result.interrupted}', file=log)
        result.save()
        raise


# ---------------------------------------------------------------------------
# The routine
# ---------------------------------------------------------------------------

def train_model(config, seed=None, run_name=None, runs_dir=None, callback=None, **overrides):
    """Train a model as the course's training routine does, and keep the record.

    config:    a YAML path or a config dict; overrides (learning_rate=..., epochs=...) apply on top.
    seed:      seeds Python's random once, making the run reproducible bit for bit; None
               draws one. Either way the result records it, so any run can be replayed.
               (The shuffles are the only randomness: the initialisation is seeded by the model.)
    run_name:  the run's folder name under runs_dir (default: derived from the config);
               a plain name, which stays inside runs_dir.
    runs_dir:  the folder of the run folders (default: the project's runs/).
    callback:  called after each epoch with a dict of that epoch's figures.

    Per epoch: set the learning rate (learning_rate * lr_decay**epoch; the
    optional lr_decay defaults to 1.0, a constant rate as in the course),
    reshuffle and batch the training split, train, evaluate on validation,
    keep a copy of the best-validation model. At the end, evaluate that model
    on the test set. If the run diverges, it stops there and the result says
    so; if it is stopped by an exception (Ctrl-C, a callback), results.json
    and train.log record that before the exception goes on. A run folder that
    cannot be made raises RunFolderError before any training; files that
    cannot be written later (a full disk, say) do not stop the run: it goes
    on, and its result says what was not written (save_error, log_error).
    Returns a RunResult.
    """
    started = time.perf_counter()
    config = load_config(config, **overrides)
    settings = config['Train']
    train_images, train_y, val_images, val_y, test_images, test_y = data.splits()

    if seed is None:
        seed = secrets.randbelow(2 ** 31)
    if whole_number(seed) is None:
        raise ValueError(f'seed must be a whole number (or None to draw one), got {seed!r}.')
    seed = whole_number(seed)
    random.seed(seed)
    model = build_model(config)
    optimizer = SGD(learning_rate=settings['learning_rate'], reg=settings['reg'])
    batch_size, debug = settings['batch_size'], settings['debug']
    val_batches = batch_order(len(val_images), batch_size, shuffle=False)

    run_dir = new_run_dir(RUNS_DIR if runs_dir is None else runs_dir,
                          run_name or default_run_name(config))
    result = RunResult(config=config, run_dir=run_dir, seed=seed)
    watch = watch_divergence(model, optimizer)
    best_acc = -1.0
    with RunLog(result) as log, _record_if_stopped(result, log):
        for epoch in range(settings['epochs']):
            # lr_decay**0 == 1.0 and the default 1.0**e == 1.0 exactly, so
            # without a schedule every step uses the configured rate unchanged.
            optimizer.learning_rate = settings['learning_rate'] * settings['lr_decay'] ** epoch
            order = batch_order(len(train_images), batch_size, shuffle=True)
            train_batches = PixelBatches(train_images, order)
            watch.batches = train_batches   # where a non-finite loss looks for NaN or inf first
            try:
                train_loss, train_acc = utils.train(
                    epoch, train_batches, Gathered(train_y, order), model, optimizer, debug,
                    log, batch_hook=watch)
                check_weights(model, epoch, len(order) - 1, optimizer.learning_rate,
                              train_batches)
            except TrainingDiverged as err:
                result.diverged = str(err)
                print(err, file=log)
                break
            valid_loss, valid_acc = utils.evaluate(PixelBatches(val_images, val_batches),
                                                   Gathered(val_y, val_batches), model, debug, log)
            result.train_loss_history.append(train_loss)
            result.train_acc_history.append(train_acc)
            result.valid_loss_history.append(valid_loss)
            result.valid_acc_history.append(valid_acc)
            if valid_acc > best_acc:
                best_acc, result.best_epoch = valid_acc, epoch
                result.best_model = copy.deepcopy(model)
            result.seconds = time.perf_counter() - started
            result.save()
            if callback is not None:
                callback(result.epoch_stats(epoch))

        if result.best_model is not None:
            test_batches = batch_order(len(test_images), batch_size, shuffle=False)
            result.test_loss, result.test_acc = utils.evaluate(
                PixelBatches(test_images, test_batches), Gathered(test_y, test_batches),
                result.best_model, debug, log)
    result.seconds = time.perf_counter() - started
    result.save()
    return result
