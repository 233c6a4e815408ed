"""Data, batching, the training loop and its plots.

Reading top to bottom:
  1. MNIST from the bundled IDX files (checksummed), as Python lists or arrays;
     the classic CSV reader.
  2. Batching with Python's random.shuffle.
  3. One epoch of training, one pass of evaluation.
  4. Configs: reading and checking them.
  5. The training routine the notebook runs: epochs, best model, test score,
     a log and a results file per run.
  6. Learning-curve plots.
"""
import contextlib
import copy
import difflib
import gc
import gzip
import hashlib
import json
import math
import os
import random
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from models import SoftmaxRegression, TwoLayerNet
from optimizer import SGD

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / 'data'
RUNS_DIR = ROOT / 'runs'
RESTORE_HINT = (f"To restore the data, run `git checkout -- data/` in {ROOT} (a git clone), "
                f"or download it again with `python {ROOT / 'data' / 'download_mnist.py'}`.")

# File name (without .gz) -> shape of its content.
MNIST_FILES = {
    'train-images-idx3-ubyte': (60000, 28, 28),
    'train-labels-idx1-ubyte': (60000,),
    't10k-images-idx3-ubyte': (10000, 28, 28),
    't10k-labels-idx1-ubyte': (10000,),
}
TRAIN_FRACTION = 0.8

# Every pixel is k/255 for a byte k, so 256 float objects serve all 55 million
# pixels of the list-based loaders: each list holds pointers to these.
_PIXEL_FLOATS = [k / 255 for k in range(256)]
_PIXEL_OBJECTS = np.array(_PIXEL_FLOATS, dtype=object)


class MnistDataError(Exception):
    """A data file is missing, damaged or not what it claims to be."""


class ConfigError(ValueError):
    """A config file or dict is missing, misspelt or holds an unusable value."""


class TrainingDiverged(ArithmeticError):
    """Training blew up: the loss or the weights became inf or nan, or the
    loss stayed far above what a uniform guess costs.

    epoch, batch: where it was noticed; loss: that batch's loss;
    what: what happened, in words (default: the loss became inf or nan).
    """

    def __init__(self, epoch, batch, loss, what=None, learning_rate=None):
        self.epoch, self.batch, self.loss = epoch, batch, loss
        self.learning_rate = learning_rate
        what = what or f"the loss became {loss}"
        if learning_rate is None:
            hint = "Learning rate too high? Try one ten times smaller."
        else:
            hint = (f"Learning rate too high? It is {learning_rate:g}; "
                    f"try {learning_rate / 10:g}.")
        super().__init__(f"training diverged at epoch {epoch}, batch {batch}: {what}. {hint}")


# ---------------------------------------------------------------------------
# 1. Loading MNIST
# ---------------------------------------------------------------------------

def read_checksums(path=None):
    """Parse a SHA256SUMS file ('<hex>  <name>' per line) into {name: hex}."""
    path = Path(path) if path is not None else DATA_DIR / 'SHA256SUMS'
    try:
        lines = path.read_text(encoding='ascii').splitlines()
    except FileNotFoundError:
        raise MnistDataError(f"{path} is missing, so the data cannot be verified. "
                             + RESTORE_HINT) from None
    except (OSError, UnicodeDecodeError) as err:
        raise MnistDataError(f"{path} cannot be read ({err}). " + RESTORE_HINT) from None
    sums = {}
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64:
            raise MnistDataError(f"{path}, line {line_number}: expected '<64 hex digits>  <file "
                                 f"name>', found {line.strip()!r}. " + RESTORE_HINT)
        digest, name = parts
        sums[name] = digest
    return sums


def _expected_magic(ndim):
    """The IDX magic number of a uint8 array with ndim dimensions, e.g. 0x00000803."""
    return f"0x{0x800 + ndim:08x}"


def read_idx(path, shape=None, sha256=None):
    """Read a gzip-compressed IDX file into a uint8 array.

    path:   the .gz file. shape: the expected shape, checked if given.
    sha256: the expected hex digest of the decompressed content, checked if given.
    Raises MnistDataError naming the file, what was expected and what was found.
    """
    path = Path(path)
    try:
        compressed = path.read_bytes()
    except FileNotFoundError:
        raise MnistDataError(f"{path} is missing. " + RESTORE_HINT) from None
    except OSError as err:
        raise MnistDataError(f"{path} cannot be read ({err}). " + RESTORE_HINT) from None
    try:
        content = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as err:
        raise MnistDataError(f"{path} is not a complete gzip file ({err}); the download was "
                             "truncated or damaged. " + RESTORE_HINT) from None

    expected = (_expected_magic(len(shape)) if shape is not None
                else "0x000008 followed by the number of dimensions")
    if len(content) < 4 or content[0:3] != b'\x00\x00\x08':
        found = f"0x{content[:4].hex()}" if len(content) >= 4 else f"only {len(content)} bytes"
        raise MnistDataError(f"{path} is not an IDX file of bytes: its magic number is {found}, "
                             f"expected {expected}. " + RESTORE_HINT)
    ndim = content[3]
    if shape is not None and ndim != len(shape):
        raise MnistDataError(f"{path} has magic number 0x{content[:4].hex()} ({ndim} dimensions); "
                             f"expected {expected} ({len(shape)} dimensions). " + RESTORE_HINT)
    header = 4 + 4 * ndim
    if len(content) < header:
        raise MnistDataError(f"{path} ends inside its header: {len(content)} bytes, but a "
                             f"{ndim}-dimensional IDX header takes {header}. " + RESTORE_HINT)
    dims = tuple(int(d) for d in np.frombuffer(content[4:header], dtype='>u4'))
    if shape is not None and dims != tuple(shape):
        raise MnistDataError(f"{path} holds an array of shape {dims}; expected {tuple(shape)}. "
                             + RESTORE_HINT)
    if len(content) != header + math.prod(dims):
        raise MnistDataError(f"{path} holds {len(content) - header} data bytes; its header "
                             f"announces shape {dims}, i.e. {math.prod(dims)} bytes. "
                             + RESTORE_HINT)
    if sha256 is not None:
        found = hashlib.sha256(content).hexdigest()
        if found != sha256:
            raise MnistDataError(f"{path} is corrupted: the SHA-256 of its content is {found}, "
                                 f"expected {sha256}. " + RESTORE_HINT)
    array = np.frombuffer(content, dtype=np.uint8, offset=header).reshape(dims)
    return array


_raw_cache = {}


def _mnist_bytes(name):
    """The verified uint8 content of one bundled MNIST file, read once per process.

    The cache is keyed by the file's path, size and modification time, so a
    file replaced on disk (or another data folder) is read and verified again.
    """
    path = DATA_DIR / (name + '.gz')
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise MnistDataError(f"{path} is missing. " + RESTORE_HINT) from None
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _raw_cache:
        sums = read_checksums(DATA_DIR / 'SHA256SUMS')
        if name not in sums:
            raise MnistDataError(f"{DATA_DIR / 'SHA256SUMS'} has no checksum for {name}. "
                                 + RESTORE_HINT)
        _raw_cache[key] = read_idx(path, MNIST_FILES[name], sums[name])
    return _raw_cache[key]


def _images_as_floats(images):
    """uint8 (N, 28, 28) -> float64 (N, 784), each pixel exactly k/255."""
    # One pass: numpy casts and divides chunk by chunk, never holding an unscaled copy.
    return np.divide(images.reshape(len(images), -1), 255.0, dtype=np.float64)


def _split_as_floats(images):
    """_images_as_floats for a whole split, half of the rows in each of two threads."""
    # np.divide releases the GIL, so two cores convert (and first touch) the 300 MB at once.
    flat = images.reshape(len(images), -1)
    floats = np.empty(flat.shape, dtype=np.float64)
    half = len(flat) // 2
    with ThreadPoolExecutor(max_workers=1) as helper:
        second = helper.submit(np.divide, flat[half:], 255.0, out=floats[half:])
        np.divide(flat[:half], 255.0, out=floats[:half])
        second.result()
    return floats


def _images_as_lists(images, rows_per_chunk=512):
    """uint8 (N, 28, 28) -> list of N lists of 784 Python floats k/255.

    Looks each byte up in the 256 shared float objects, a chunk of rows at a
    time so the temporary object array stays small. The garbage collector is
    paused meanwhile: these lists hold only floats, so they cannot form
    cycles, and its passes over tens of thousands of fresh lists would more
    than double the time.
    """
    flat = images.reshape(len(images), -1)
    rows = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for start in range(0, len(flat), rows_per_chunk):
            chunk = flat[start:start + rows_per_chunk].astype(np.intp)
            rows += _PIXEL_OBJECTS[chunk].tolist()
    finally:
        if collecting:
            gc.enable()
    return rows


def _split_point(n):
    return int(TRAIN_FRACTION * n)


def _trainval_bytes():
    """The training file split 80/20, images still as stored: train_images
    (48000, 28, 28) uint8, train_y (48000,) int64, val_images, val_y likewise."""
    images = _mnist_bytes('train-images-idx3-ubyte')
    labels = _mnist_bytes('train-labels-idx1-ubyte').astype(np.int64)
    cut = _split_point(len(images))
    return images[:cut], labels[:cut], images[cut:], labels[cut:]


def _test_bytes():
    """The test file: images (10000, 28, 28) uint8, labels (10000,) int64."""
    return (_mnist_bytes('t10k-images-idx3-ubyte'),
            _mnist_bytes('t10k-labels-idx1-ubyte').astype(np.int64))


def load_mnist_trainval_arrays():
    """The 60,000 training images, unshuffled, split 80/20 into train and validation.

    Returns train_X (48000, 784) float64, train_y (48000,) int64,
    val_X (12000, 784) float64, val_y (12000,) int64; pixels are k/255.
    """
    train_images, train_y, val_images, val_y = _trainval_bytes()
    return _split_as_floats(train_images), train_y, _split_as_floats(val_images), val_y


def load_mnist_test_arrays():
    """The 10,000 test images: X (10000, 784) float64, y (10000,) int64."""
    images, y = _test_bytes()
    return _split_as_floats(images), y


def load_mnist_trainval():
    """The course's loader: like load_mnist_trainval_arrays, as Python lists.

    Returns train_data, train_label, val_data, val_label: each image a list of
    784 floats, each label an int; first 48,000 images train, last 12,000 validation.
    """
    train_images, train_y, val_images, val_y = _trainval_bytes()
    return (_images_as_lists(train_images), train_y.tolist(),
            _images_as_lists(val_images), val_y.tolist())


def load_mnist_test():
    """The 10,000 test images as lists of 784 floats, and their int labels."""
    images, y = _test_bytes()
    return _images_as_lists(images), y.tolist()


def _csv_values(path, row_number, fields):
    """The 785 integers of one CSV row, or MnistDataError naming the row and column."""
    try:
        return [int(field) for field in fields]
    except ValueError:
        pass
    for column, field in enumerate(fields, start=1):
        try:
            int(field)
        except ValueError:
            raise MnistDataError(f"{path}, row {row_number}, column {column}: {field.strip()!r} "
                                 "is not a whole number; every value must be an integer "
                                 "(the label 0-9, then pixels 0-255).") from None


def load_csv(path):
    """Read a headerless MNIST CSV: per row the label, then 784 pixel values 0-255.

    Returns data (list of lists of 784 floats, each pixel int(px)/255) and
    labels (list of int). Raises MnistDataError naming the row that is wrong.
    A CSV carries no checksum: a file cut exactly at a row boundary, or inside
    its very last number, still reads as a shorter valid file.
    """
    path = Path(path)
    data, labels = [], []
    try:
        handle = open(path, encoding='utf-8-sig')
    except FileNotFoundError:
        raise MnistDataError(f"{path} is missing. The CSV form is optional: the loaders read "
                             "the bundled IDX files in data/.") from None
    except OSError as err:
        raise MnistDataError(f"{path} cannot be read ({err}).") from None
    with handle:
        row_number = 0
        try:
            for row_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                fields = line.split(',')
                if len(fields) != 785:
                    raise MnistDataError(
                        f"{path}, row {row_number}: expected 785 values (the label, then 784 "
                        f"pixels), found {len(fields)}. The file is truncated or not an MNIST CSV.")
                values = _csv_values(path, row_number, fields)
                label, pixels = values[0], values[1:]
                if not 0 <= label <= 9:
                    raise MnistDataError(f"{path}, row {row_number}: the label (first value) "
                                         f"must be a digit 0-9, found {label}.")
                low, high = min(pixels), max(pixels)
                if not 0 <= low <= high <= 255:
                    bad = low if low < 0 else high
                    raise MnistDataError(
                        f"{path}, row {row_number}, column {pixels.index(bad) + 2}: pixel "
                        f"values must lie in 0..255, found {bad}.")
                labels.append(label)
                data.append([_PIXEL_FLOATS[px] for px in pixels])
        except UnicodeDecodeError as err:
            raise MnistDataError(f"{path}, after row {row_number}: not a text file ({err}); "
                                 "an MNIST CSV holds only digits and commas.") from None
    if not labels:
        raise MnistDataError(f"{path} holds no rows; expected one line per image (the label, "
                             "then 784 pixels).")
    return data, labels


# ---------------------------------------------------------------------------
# 2. Batching
# ---------------------------------------------------------------------------

def _batch_order(n, batch_size, shuffle):
    """Index arrays of consecutive batches over n examples, permuted by
    Python's random.shuffle when shuffle is true (numpy's would give other
    orders, and the course's expected outputs depend on this one)."""
    order = list(range(n))
    if shuffle:
        random.shuffle(order)
    order = np.array(order, dtype=np.intp)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def generate_batched_data(data, label, batch_size=32, shuffle=False, seed=None):
    """Cut data and labels into batches, optionally shuffled together.

    data: (N, 784) list of lists or array, label: (N,) list or array.
    seed: if given, seeds Python's random first. The last batch may be smaller;
    nothing is dropped; the caller's data is not modified.
    Returns two equally long lists: float64 arrays (B, 784) and int arrays (B,).
    """
    X, y = _dataset_arrays(data, label)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size!r}.")
    if seed is not None:
        random.seed(seed)
    batches = _batch_order(len(X), batch_size, shuffle)
    return [X[i] for i in batches], [y[i] for i in batches]


def _ragged_row(data):
    """'row i has m values, row 0 has n. ' for the first row of another length, or ''."""
    try:
        lengths = [len(row) for row in data]
    except TypeError:
        return ''
    for i, length in enumerate(lengths):
        if length != lengths[0]:
            return f"row {i} has {length} values, row 0 has {lengths[0]}. "
    return ''


def _non_finite_input(where, X):
    """ValueError describing the NaN or inf entries of X, or None if X is finite."""
    bad = ~np.isfinite(np.asarray(X, dtype=np.float64))
    if not bad.any():
        return None
    row, column = np.argwhere(bad)[0]
    return ValueError(f"{where}: X holds {int(bad.sum())} NaN or infinite values (the first at "
                      f"row {row}, column {column}), so no loss can be computed from it. "
                      "Clean or re-load the data.")


def _dataset_arrays(data, label):
    """data as a float64 (N, D) array and label as an int (N,) array, or a
    ValueError saying what is wrong. Checked once per dataset, here at the
    boundary, so the per-batch code needs no finiteness checks."""
    try:
        X = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"data must be N rows of equally many numbers: {_ragged_row(data)}"
                         f"({type(err).__name__}: {err})") from None
    if X.ndim != 2:
        raise ValueError(f"data must be 2-D, one flattened image per row; got shape {X.shape}.")
    with np.errstate(over='ignore', invalid='ignore'):
        suspicious = not math.isfinite(X.sum())     # one pass, no temporary array
    if suspicious:
        error = _non_finite_input('data', X)        # a sum of huge finite values can overflow
        if error is not None:
            raise error
    y = np.asarray(label)
    if y.shape != (len(X),):
        raise ValueError(f"label must hold one label per row of data: data has {len(X)} rows, "
                         f"label has shape {y.shape}.")
    if y.dtype.kind not in 'iu':
        try:
            as_int = y.astype(np.int64)
        except (TypeError, ValueError):
            as_int = None
        if as_int is None or not np.array_equal(as_int, y):
            raise ValueError(f"labels must be whole numbers, got dtype {y.dtype}, "
                             f"e.g. {y[:3].tolist()!r}.")
        y = as_int
    return X, y


# ---------------------------------------------------------------------------
# 3. One epoch of training, one pass of evaluation
# ---------------------------------------------------------------------------

# Divergence. A uniform guess over C classes costs ln C per example. Honest
# runs stay near or below that (even lr 10 on the two-layer net peaks at
# about 5 ln C for single batches); a learning rate far too high makes the
# model confidently wrong, e.g. a loss near 40 = 17 ln C for lr 100. Because
# the loss is clipped and the gradients are bounded, such a run can stay
# finite for hundreds of batches, so a loss above DIVERGED_FACTOR * ln C for
# DIVERGED_PATIENCE batches in a row counts as diverged too.
DIVERGED_FACTOR = 10
DIVERGED_PATIENCE = 20


def _check_batch_count(data, label):
    """ValueError unless there is at least one batch and as many label batches as data batches."""
    try:
        n_data, n_label = len(data), len(label)
    except TypeError:
        return
    if n_data != n_label:
        raise ValueError(f"got {n_data} batches of data but {n_label} batches of labels; "
                         "they must pair up one to one.")
    if n_data == 0:
        raise ValueError("got no batches: the data is empty.")


# Overflow inside a diverging run is expected and is reported as
# TrainingDiverged, so numpy's warnings about it would only be noise.
@np.errstate(over='ignore', invalid='ignore')
def train(epoch, batched_train_data, batched_train_label, model, optimizer, debug=True,
          log_file=None):
    """One pass over the training batches: forward, then an optimizer step, per batch.

    Returns (mean of the batch losses, fraction of examples classified right).
    With debug, every 10th batch and the epoch's accuracy are written to
    log_file (a text file), or to stdout without one.
    Raises TrainingDiverged (before stepping) if a batch loss is inf or nan,
    if the loss stays above DIVERGED_FACTOR * ln(num_classes) for
    DIVERGED_PATIENCE batches in a row, or if the weights end the epoch non-finite;
    ValueError if a batch of X holds NaN or inf.
    """
    _check_batch_count(batched_train_data, batched_train_label)
    learning_rate = getattr(optimizer, 'learning_rate', None)
    num_classes = getattr(model, 'num_classes', 10)
    limit = DIVERGED_FACTOR * math.log(num_classes)
    streak = 0
    losses = []
    correct = 0.0
    seen = 0
    for batch, (X, y) in enumerate(zip(batched_train_data, batched_train_label)):
        loss, accuracy = model.forward(X, y)
        if not math.isfinite(loss):
            raise (_non_finite_input(f"epoch {epoch}, batch {batch}", X)
                   or TrainingDiverged(epoch, batch, loss, learning_rate=learning_rate))
        streak = streak + 1 if loss > limit else 0
        if streak == DIVERGED_PATIENCE:
            raise TrainingDiverged(
                epoch, batch, loss, learning_rate=learning_rate,
                what=(f"the loss has stayed above {limit:.1f} for {streak} batches in a row "
                      f"(now {loss:.1f}; guessing uniformly among {num_classes} classes "
                      f"costs {limit / DIVERGED_FACTOR:.2f})"))
        optimizer.update(model)
        losses.append(loss)
        correct += accuracy * len(y)
        seen += len(y)
        if debug and batch % 10 == 0:
            print(f"Epoch {epoch}, batch {batch}: loss {loss:.4f}, accuracy {accuracy:.4f}",
                  file=log_file)
    if not losses:
        raise ValueError("got no batches: the data is empty.")
    if not all(np.isfinite(w).all() for w in model.weights.values()):
        raise TrainingDiverged(epoch, batch, loss, learning_rate=learning_rate,
                               what="the last step made the weights inf or nan")
    epoch_loss = sum(losses) / len(losses)
    epoch_acc = correct / seen
    if debug:
        print(f"* Average accuracy of epoch {epoch}: {epoch_acc:.4f}", file=log_file)
    return epoch_loss, epoch_acc


@np.errstate(over='ignore', invalid='ignore')
def evaluate(batched_test_data, batched_test_label, model, debug=True, log_file=None):
    """Loss and accuracy over the batches, with forward(mode='valid'): no
    gradients, no weight changes. Same accumulation and logging as train.
    Raises ValueError if a batch's loss is inf or nan (NaN in X, or a model
    whose weights are no longer finite)."""
    _check_batch_count(batched_test_data, batched_test_label)
    losses = []
    correct = 0.0
    seen = 0
    for batch, (X, y) in enumerate(zip(batched_test_data, batched_test_label)):
        loss, accuracy = model.forward(X, y, mode='valid')
        if not math.isfinite(loss):
            raise (_non_finite_input(f"evaluation batch {batch}", X)
                   or ValueError(f"evaluation batch {batch}: the loss is {loss} because the "
                                 "model's weights hold inf or nan values; its training diverged."))
        losses.append(loss)
        correct += accuracy * len(y)
        seen += len(y)
        if debug and batch % 10 == 0:
            print(f"Evaluate, batch {batch}: loss {loss:.4f}, accuracy {accuracy:.4f}",
                  file=log_file)
    if not losses:
        raise ValueError("got no batches: the data is empty.")
    loss = sum(losses) / len(losses)
    acc = correct / seen
    if debug:
        print(f"* Evaluation accuracy: {acc:.4f}", file=log_file)
    return loss, acc


# ---------------------------------------------------------------------------
# 4. Configs
# ---------------------------------------------------------------------------

MODELS = {'SoftmaxRegression': SoftmaxRegression, 'TwoLayerNet': TwoLayerNet}

# section -> key -> (type, lowest allowed value, whether the lowest is excluded,
#                    highest allowed value)
CONFIG_KEYS = {
    'Train': {
        'batch_size': (int, 1, False, None),
        'learning_rate': (float, 0.0, True, None),
        'reg': (float, 0.0, False, None),
        'epochs': (int, 1, False, None),
        'momentum': (float, 0.0, False, None),
        'debug': (bool, None, False, None),
        'lr_decay': (float, 0.0, True, 1.0),
    },
    'Model': {
        'type': (str, None, False, None),
        'hidden_size': (int, 1, False, None),
    },
}
# The optional keys and their values when left out. lr_decay is ours, not the
# course's: epoch e trains with learning_rate * lr_decay**e (1.0 leaves the
# rate exactly as the course has it; 0.9 shrinks it by 10% per epoch).
DEFAULTS = {'momentum': 0.9, 'debug': True, 'hidden_size': 128, 'lr_decay': 1.0}


def _section_of(key):
    return next((s for s, keys in CONFIG_KEYS.items() if key in keys), None)


def _unknown_key_message(where, key, known):
    """'unknown key', with the closest known key as a likely typo, or the known keys."""
    home = _section_of(key)
    if home is not None and key not in known:
        return f"{where}: the key {key!r} belongs in the section {home!r}."
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else f" Known keys: {', '.join(sorted(known))}."
    return f"{where}: unknown key {key!r}.{hint}"


def _coerce(source, key, value, kind, low, exclusive, high):
    """Check one value's type and range; accept a numeric string for a float
    (PyYAML reads 1e-1 as the string '1e-1')."""
    name = f"{source}: {key}"
    if value is None:
        raise ConfigError(f"{name} has no value (nothing after the colon); give it one, "
                          f"as in the files in {ROOT / 'configs'}.")
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be True or False, got {value!r}.")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be a name, got {value!r}.")
        return value
    if kind is int:
        # 10.0 is the whole number the user meant; 10.5 or '10' are not accepted.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            raise ConfigError(f"{name} must be a whole number such as 64, got the text "
                              f"{value!r}; write it without quotes or exponent.")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{name} must be a whole number, got {value!r}.")
    if kind is float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got the text {value!r}.") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name} must be a number, got {value!r}.")
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be finite, got {value!r}.")
    if low is not None and (value < low or (exclusive and value == low)):
        bound = f"greater than {low}" if exclusive else f"at least {low}"
        raise ConfigError(f"{name} must be {bound}, got {value!r}.")
    if high is not None and value > high:
        raise ConfigError(f"{name} must be at most {high}, got {value!r}.")
    return value


def load_config(config, **overrides):
    """Read and check a config: a YAML path or a dict with sections 'Train' and 'Model'.

    overrides: flat key names (learning_rate=0.5, hidden_size=256, ...), each
    put into its section. Returns a new nested dict with every key checked,
    numeric strings turned into floats and optional keys filled in.
    Raises ConfigError naming the file, the key and the problem.
    """
    if isinstance(config, dict):
        source, raw = 'config', copy.deepcopy(config)
    elif isinstance(config, (str, os.PathLike)):
        source = str(config)
        try:
            with open(config, encoding='utf-8') as handle:
                raw = yaml.safe_load(handle)
        except FileNotFoundError:
            raise ConfigError(f"config file {source} does not exist; the defaults live in "
                              f"{ROOT / 'configs'}.") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"config file {source} cannot be read ({err}).") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"{source} is not valid YAML: {err}") from None
    else:
        raise ConfigError(f"a config is a YAML file's path or a dict, got {type(config).__name__}.")
    if raw is None:
        raise ConfigError(f"{source} is empty; it needs the sections 'Train:' and 'Model:'.")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must hold the sections 'Train:' and 'Model:', each with "
                          f"keys indented under it; found a {type(raw).__name__} instead.")
    for section in raw:
        if section not in CONFIG_KEYS:
            raise ConfigError(_unknown_key_message(source, section, CONFIG_KEYS))
    for section in CONFIG_KEYS:
        if section not in raw:
            raise ConfigError(f"{source} has no section {section!r}.")
        if not isinstance(raw[section], dict):
            found = 'nothing' if raw[section] is None else repr(raw[section])
            raise ConfigError(f"{source}: the section {section!r} must hold keys indented under "
                              f"it, found {found}.")

    for key, value in overrides.items():
        section = _section_of(key)
        if section is None:
            known = [k for keys in CONFIG_KEYS.values() for k in keys]
            raise ConfigError(_unknown_key_message('override', key, known))
        raw[section][key] = value

    checked = {}
    for section, keys in CONFIG_KEYS.items():
        given = raw[section]
        for key in given:
            if key not in keys:
                raise ConfigError(_unknown_key_message(f"{source}, section {section}", key, keys))
        checked[section] = {}
        for key, (kind, low, exclusive, high) in keys.items():
            if key not in given:
                if key in DEFAULTS:
                    checked[section][key] = DEFAULTS[key]
                    continue
                raise ConfigError(f"{source}: section {section} lacks the key {key!r}.")
            origin = 'override' if key in overrides else source
            checked[section][key] = _coerce(origin, key, given[key], kind, low, exclusive, high)

    model_type = checked['Model']['type']
    if model_type not in MODELS:
        close = difflib.get_close_matches(model_type, MODELS, n=1)
        hint = f"Did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{source}: unknown model type {model_type!r}. {hint}"
                          f"The models are {', '.join(MODELS)}.")
    if model_type != 'TwoLayerNet' and 'hidden_size' not in raw['Model']:
        del checked['Model']['hidden_size']
    return checked


def build_model(config):
    """The model a checked config describes, freshly initialised."""
    model = config['Model']
    if model['type'] == 'TwoLayerNet':
        return TwoLayerNet(hidden_size=model['hidden_size'])
    return MODELS[model['type']]()


# ---------------------------------------------------------------------------
# 5. The training routine
# ---------------------------------------------------------------------------

@dataclass
class RunResult:
    """What a training run leaves: its histories (one entry per finished
    epoch), the best-validation model and its test score, and where the run's
    log and results file are."""
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

    @property
    def histories(self):
        """(train_loss, train_acc, valid_loss, valid_acc) histories, in plot_curves' order."""
        return (self.train_loss_history, self.train_acc_history,
                self.valid_loss_history, self.valid_acc_history)

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
            'interrupted': self.interrupted,
        }

    def save(self):
        """Write results.json atomically, so an interrupted run leaves a whole file."""
        path = self.run_dir / 'results.json'
        partial = path.with_suffix('.json.part')
        partial.write_text(json.dumps(self.summary(), indent=2) + '\n')
        os.replace(partial, path)


def default_run_name(config):
    """A readable name from the settings that matter, e.g. 'TwoLayerNet_lr0.1_reg0.001'."""
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
    so a re-run never overwrites an earlier run's files."""
    if not run_name or run_name in ('.', '..') or Path(run_name).name != run_name:
        raise ValueError(f"run_name must be a plain folder name without slashes, "
                         f"got {run_name!r}.")
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    candidate, n = runs_dir / run_name, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = runs_dir / f"{run_name}-{n}"


@contextlib.contextmanager
def _record_if_stopped(result, log):
    """Let the run's body execute; if it stops with an exception (Ctrl-C, a
    callback raising), note why in results.json and train.log, then re-raise."""
    try:
        yield
    except BaseException as err:
        result.interrupted = type(err).__name__ + (f": {err}" if str(err) else "")
        print(f"Run stopped early by {result.interrupted}", file=log)
        result.save()
        raise


class _Gathered:
    """The batches array[i] for each index array i, gathered when asked for.

    Same batches as generate_batched_data, but an epoch holds one batch at a
    time instead of a shuffled copy of the whole split.
    """

    def __init__(self, array, batch_indices):
        self.array, self.batch_indices = array, batch_indices

    def __len__(self):
        return len(self.batch_indices)

    def __iter__(self):
        return (self.array[i] for i in self.batch_indices)


class _PixelBatches(_Gathered):
    """Like _Gathered over uint8 images (N, 28, 28), each batch converted to
    float64 (B, 784), pixels k/255, as it is gathered: the same numbers as
    gathering from load_mnist_*_arrays. The split stays in memory as bytes
    (47 MB instead of 376 MB of floats, which would cost about 0.3 s to make
    per run); converting costs about 0.35 us more per image, 17 ms per epoch."""

    def __iter__(self):
        return (_images_as_floats(self.array[i]) for i in self.batch_indices)


def train_model(config, seed=None, run_name=None, runs_dir=None, callback=None, **overrides):
    """Train a model as the notebook's cell 5 does, and keep the record.

    config:    a YAML path or a config dict; overrides (learning_rate=..., epochs=...) apply on top.
    seed:      if given, seeds Python's random once, making the run reproducible bit for bit.
               (The shuffles are the only randomness: the initialisation is seeded by the model.)
    run_name:  the run's folder name under runs_dir (default: derived from the config).
    callback:  called after each epoch with a dict of that epoch's figures.

    Per epoch: set the learning rate (learning_rate * lr_decay**epoch; the
    optional lr_decay defaults to 1.0, a constant rate as in the course),
    reshuffle and batch the training split, train, evaluate on
    validation, keep a copy of the best-validation model. At the end, evaluate
    that model on the test set. With the config's debug flag, per-batch lines
    go to run_dir/train.log; results.json is rewritten after every epoch.
    If the loss diverges, the run stops there and the result says so; if the
    run is stopped by an exception (Ctrl-C, a callback), results.json and
    train.log record that before the exception goes on.
    Returns a RunResult.
    """
    started = time.perf_counter()
    config = load_config(config, **overrides)
    settings = config['Train']
    train_images, train_y, val_images, val_y = _trainval_bytes()   # uint8: see _PixelBatches
    test_images, test_y = _test_bytes()

    if seed is not None:
        random.seed(seed)
    model = build_model(config)
    optimizer = SGD(learning_rate=settings['learning_rate'], reg=settings['reg'])
    batch_size, debug = settings['batch_size'], settings['debug']
    val_batches = _batch_order(len(val_images), batch_size, shuffle=False)

    run_dir = new_run_dir(runs_dir or RUNS_DIR, run_name or default_run_name(config))
    result = RunResult(config=config, run_dir=run_dir, seed=seed)
    best_acc = -1.0
    # Line-buffered, so train.log holds every line written so far even if the kernel dies.
    with open(run_dir / 'train.log', 'w', buffering=1) as log, _record_if_stopped(result, log):
        for epoch in range(settings['epochs']):
            # lr_decay**0 == 1.0 and the default 1.0**e == 1.0 exactly, so
            # without a schedule every step uses the configured rate unchanged.
            optimizer.learning_rate = settings['learning_rate'] * settings['lr_decay'] ** epoch
            order = _batch_order(len(train_images), batch_size, shuffle=True)
            try:
                train_loss, train_acc = train(epoch, _PixelBatches(train_images, order),
                                              _Gathered(train_y, order), model, optimizer,
                                              debug, log)
            except TrainingDiverged as err:
                result.diverged = str(err)
                print(err, file=log)
                break
            valid_loss, valid_acc = evaluate(_PixelBatches(val_images, val_batches),
                                             _Gathered(val_y, val_batches), model, debug, log)
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
                callback({'epoch': epoch, 'epochs': settings['epochs'],
                          'train_loss': train_loss, 'train_acc': train_acc,
                          'valid_loss': valid_loss, 'valid_acc': valid_acc})

        if result.best_model is not None:
            test_batches = _batch_order(len(test_images), batch_size, shuffle=False)
            result.test_loss, result.test_acc = evaluate(
                _PixelBatches(test_images, test_batches), _Gathered(test_y, test_batches),
                result.best_model, debug, log)
    result.seconds = time.perf_counter() - started
    result.save()
    return result


# ---------------------------------------------------------------------------
# 6. Learning curves
# ---------------------------------------------------------------------------

def plot_curves(train_loss_history, train_acc_history, valid_loss_history, valid_acc_history,
                run_name=None, save_only=False, out_dir=None):
    """Two figures against epoch: train and validation loss; train and validation accuracy.

    With run_name, both are also saved as <run_name>_loss.png and
    <run_name>_accuracy.png in out_dir (default: the current folder).
    With save_only, they are saved and closed instead of shown.
    """
    # Imported here so that importing utils (tests, autograders) needs no display.
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(train_loss_history) + 1)
    title = f" ({run_name})" if run_name else ""
    panels = [('loss', 'Loss', train_loss_history, valid_loss_history),
              ('accuracy', 'Accuracy', train_acc_history, valid_acc_history)]
    for suffix, label, train_values, valid_values in panels:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(epochs, train_values, marker='o', label=f'train {suffix}')
        ax.plot(epochs, valid_values, marker='s', label=f'validation {suffix}')
        ax.set_title(f"{label} per epoch{title}")
        ax.set_xlabel('epoch')
        ax.set_ylabel(label.lower())
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        if run_name:
            folder = Path(out_dir) if out_dir is not None else Path.cwd()
            folder.mkdir(parents=True, exist_ok=True)
            fig.savefig(folder / f"{run_name}_{suffix}.png", dpi=100)
        if save_only:
            plt.close(fig)
    if not save_only:
        plt.show()
