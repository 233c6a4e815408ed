"""The course's data loading, batching, training loop and learning curves.

Reading top to bottom:
  1. MNIST: found in data/ (the course's two CSVs, which win, or the bundled
     mnist.npz), checked, and returned as bytes, as float arrays or as the course's lists.
  2. Batching, shuffled with Python's random.shuffle.
  3. One epoch of training, one pass of evaluation.
  4. Learning curves.

A grader runs this file on its own, so it imports only what the course's
skeleton imports and prints only train's and evaluate's progress lines.
Paths are plain strings: 'data/...' is read relative to the working folder,
as the course's code reads it, and then beside this file.
"""
import random

import matplotlib.pyplot as plt
import numpy as np

BUNDLE = 'mnist.npz'
CSV_FILES = {'train': 'mnist_train.csv', 'test': 'mnist_test.csv'}
# How many images of each digit 0-9 the MNIST files hold: the bundle must hold exactly these.
DIGIT_COUNTS = {
    'train': (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    'test': (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
}
TRAIN_FRACTION = 0.8
IMAGE_SIZE = 28 * 28


def _folder_of(path):
    """'/a/b/utils.py' -> '/a/b' (and the same with Windows' backslashes); 'utils.py' -> '.'."""
    cut = max(path.rfind('/'), path.rfind('\\'))
    return path[:cut] if cut > 0 else '.'


DATA_FOLDERS = ('data', _folder_of(__file__) + '/data')
GET_DATA_HINT = ("The project ships data/mnist.npz: rebuild it with "
                 "`python data/download_mnist.py` (or, in a git clone, restore it with "
                 "`git checkout -- data/`). A grader's folder holds the course's "
                 "data/mnist_train.csv and data/mnist_test.csv instead.")


class MnistDataError(Exception):
    """The MNIST data is missing, damaged or not what it claims to be."""


# ---------------------------------------------------------------------------
# 1. Loading MNIST
# ---------------------------------------------------------------------------

def _through_a_file(path):
    """The first folder of path ('data' of 'data/mnist.npz') that is a file, or None.
    open() tells them apart without os: it opens a file, and refuses a folder (Windows
    says PermissionError, others IsADirectoryError) and a path that does not exist."""
    for cut, char in enumerate(path):
        if char in '/\\' and cut > 0:
            try:
                with open(path[:cut], 'rb'):
                    return path[:cut]
            except OSError:
                continue
    return None


def _open(path):
    """path opened for reading bytes, or MnistDataError saying why not, naming a folder
    where the file belongs and a file where a folder belongs as such."""
    try:
        return open(path, 'rb')
    except IsADirectoryError:
        raise MnistDataError(f'{path} is a folder, not a file: move or rename that folder. '
                             + GET_DATA_HINT) from None
    except (FileNotFoundError, NotADirectoryError) as err:
        through = _through_a_file(path)
        if through is None:
            raise MnistDataError(f'{path} cannot be read ({err.strerror}).') from None
        raise MnistDataError(f'{path} cannot be read: {through} is a file where the folder '
                             'belongs; move or rename that file.') from None
    except OSError as err:
        # Windows refuses to open a folder with PermissionError, as it does an unreadable file.
        raise MnistDataError(f'{path} cannot be read ({err.strerror}; is it a folder?).') from None


def _exists(path):
    """True if path names something to read (a file, or a folder to refuse by name);
    False if there is nothing there, or a file where one of its folders belongs."""
    try:
        with open(path, 'rb'):
            return True
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True      # there but unreadable (a folder, say): _open says why


def _read_split(split):
    """The images (N, 784) uint8 and labels (N,) int64 of MNIST's 'train' or 'test' file:
    the first of the course's CSV and the bundle found in data/ under the working folder,
    then in data/ beside this file."""
    places = []
    for folder in DATA_FOLDERS:
        for name in (CSV_FILES[split], BUNDLE):
            path = folder + '/' + name
            if _exists(path):
                return _read_csv(path) if name != BUNDLE else _read_bundle(path, split)
            places.append(path)
    files = {_through_a_file(folder + '/' + BUNDLE) for folder in DATA_FOLDERS} - {None}
    wrong = ''.join(f' {file} is a file where the folder belongs: move or rename it.'
                    for file in sorted(files))
    raise MnistDataError(f"no MNIST {split} data found; looked for {', '.join(places)}.{wrong} "
                         + GET_DATA_HINT)


def _read_bundle(path, split):
    """One split of the bundle, checked: uint8 images, one label per image, exact digit counts."""
    # Opened here, so the file is closed even when np.load fails half-way.
    with _open(path) as file:
        try:
            with np.load(file) as bundle:
                images, labels = bundle[split + '_images'], bundle[split + '_labels']
        except Exception as err:    # a damaged zip raises any of several library errors
            raise MnistDataError(f'{path} cannot be read ({type(err).__name__}: {err}). '
                                 + GET_DATA_HINT) from None
    counts = None
    if labels.dtype == np.uint8 and labels.ndim == 1:
        counts = tuple(np.bincount(labels, minlength=10).tolist())
    if (images.dtype != np.uint8 or images.shape[1:] != (28, 28)
            or images.shape[:1] != labels.shape or counts != DIGIT_COUNTS[split]):
        raise MnistDataError(
            f"{path} does not hold MNIST's {split} set: expected {sum(DIGIT_COUNTS[split])} "
            f"uint8 images of 28x28 and their digits {DIGIT_COUNTS[split]} times each, found "
            f"images {images.dtype} {images.shape}, labels {labels.dtype} {labels.shape}"
            f"{f' with digit counts {counts}' if counts else ''}. " + GET_DATA_HINT)
    return images.reshape(len(images), IMAGE_SIZE), labels.astype(np.int64)


VALUES_PER_ROW = 785  # the label, then 28 * 28 pixels
RANGES = 'the label 0-9, then 784 pixels 0-255'


# A longer row is read as it is cut, and refused: no MNIST row is this long, even with
# spaces around its values, and the file may not be text at all.
MAX_ROW_BYTES = 1 << 24


def _line_ends(text):
    r"""text with '\r\n' and a lone '\r' turned into '\n', as Python's text files read them."""
    return text.replace(b'\r\n', b'\n').replace(b'\r', b'\n') if b'\r' in text else text


def _pieces(file, rest, size):
    r"""Yield (row, text): rest and then the file's bytes, about size at a time, each piece
    cut after a line end and its line ends made '\n'; row is the file's line number where
    text starts."""
    row = 1
    for block in iter(lambda: file.read(size), b''):
        text = rest + block
        # A '\r' last in the block waits for the next one: a '\n' may follow it.
        cut = max(text.rfind(b'\n'), text.rfind(b'\r', 0, len(text) - 1)) + 1
        if not cut and len(text) < MAX_ROW_BYTES:
            rest = text  # a row longer than a block (spaces around its values): read on
            continue
        cut = cut or len(text)
        piece = _line_ends(text[:cut])
        yield row, piece
        row, rest = row + piece.count(b'\n'), text[cut:]
    if rest:
        yield row, _line_ends(rest)


def _error(path, text, row, pos, problem, name_value=True):
    """MnistDataError naming the row (and column and value) at byte pos of text, whole lines
    from file line `row` on. Raises instead any error in the lines before, as it comes first."""
    line = text.rfind(b'\n', 0, pos) + 1
    _parse_rows(path, text[:line], row)
    row += text.count(b'\n', 0, line)
    if not name_value:
        return MnistDataError(f'{path}, row {row}: {problem}')
    start = max(line, text.rfind(b',', 0, pos) + 1)
    value = text[start:text.find(b'\n', pos)].split(b',')[0][:20].decode('utf-8', 'replace')
    column = text.count(b',', line, start) + 1
    return MnistDataError(f'{path}, row {row}, column {column}: {value!r} {problem}')


def _values(b, ends, lengths):
    """The numbers ending just before the separators b[ends], lengths digits long.

    b: uint8 (bytes,); ends, lengths: (n,) -> uint16 (n,). Reads only the last three digits
    (the caller rejects longer numbers); ends - k < 0 wraps around, but only in masked digits."""
    digits = b - np.uint8(ord('0'))
    values = digits[ends - 1].astype(np.uint16)
    for k, scale in ((2, 10), (3, 100)):
        values += (digits[ends - k] * (lengths >= k)).astype(np.uint16) * scale
    return values


def _without_blanks(path, text, row, b, blank):
    """text (b its bytes) without the spaces and tabs (blank) around its values, which
    int() ignores. One between two digits is refused, as int('1 2') is."""
    at = np.arange(len(b))
    # The nearest byte before and after each one that is not blank; text ends in '\n', which
    # also stands for "none before" (index -1).
    before = np.maximum.accumulate(np.where(blank, -1, at))
    after = np.minimum.accumulate(np.where(blank, len(b) - 1, at)[::-1])[::-1]
    digit = (b >= ord('0')) & (b <= ord('9'))
    inside = blank & digit[before] & digit[after]
    if inside.any():
        raise _error(path, text, row, int(inside.argmax()), 'has a space or tab inside the '
                     f'number; expected a whole number ({RANGES}).')
    return b[~blank].tobytes()


MAX_DIGITS = 4300  # Python 3.11's int() refuses longer numbers; older ones take seconds


def _as_int_reads(path, text, row):
    r"""Whole lines of text with each value as the course's int() reads it, in plain digits:
    '+7', '007', '7_0', '\u2007\uff17' -> '7', '7', '70', '7'. A value int() refuses, or a
    negative one, raises MnistDataError (int('-0') is 0, and kept)."""
    lines, start = [], 0
    for line in text.split(b'\n')[:-1]:
        values = line.decode('utf-8', 'replace').split(',')
        if len(values) > 1 or values[0].strip():
            values = [_int_read(path, text, row, start, line, column, value)
                      for column, value in enumerate(values)]
        else:
            values = []    # a line of white space only: left empty, to be skipped
        lines.append(','.join(values))
        start += len(line) + 1
    return ('\n'.join(lines) + '\n').encode()


def _int_read(path, text, row, start, line, column, value):
    """int(value) in plain digits; value is column (from 0) of line, at byte start of text."""
    try:
        number = int(value) if len(value) <= MAX_DIGITS else None
    except ValueError:
        number = None
    if number is not None and number >= 0:
        return str(number)
    pos = start + sum(len(field) + 1 for field in line.split(b',')[:column])
    if number is None:
        raise _error(path, text, row, pos, f'is not a whole number; expected {RANGES}.')
    what = 'the label 0-9' if column == 0 else 'a pixel value 0-255'
    raise _error(path, text, row, pos, f'is out of range; expected {what}.')


def _parse_rows(path, text, row, as_int_reads=False):
    r"""Whole lines of the CSV ('\n' line ends), the first being file line `row` -> pixels
    uint8 (n, 784) and labels int64 (n,).

    NumPy reads values of at most three digits, spaces and tabs around them; text holding
    anything else (signs, underscores, other digits or spaces, longer numbers) is first
    rewritten by _as_int_reads, as_int_reads then being True."""
    text += b'' if text.endswith(b'\n') else b'\n'
    b = np.frombuffer(text, dtype=np.uint8)
    plain = ((b >= ord('0')) & (b <= ord('9'))) | (b == ord(',')) | (b == ord('\n'))
    if not plain.all():
        blank = (b == ord(' ')) | (b == ord('\t'))
        if not (plain | blank).all():
            return _parse_rows(path, _as_int_reads(path, text, row), row, True)
        text = _without_blanks(path, text, row, b, blank)
        b = np.frombuffer(text, dtype=np.uint8)
    ends = np.flatnonzero(b < ord('0'))  # each value ends at a comma or a line feed
    lengths = ends - np.r_[0, ends[:-1] + 1]
    is_lf = b[ends] == ord('\n')
    if lengths.min() == 0:  # blank lines, or empty values
        # a blank line is an empty value ending at a line feed, just after another one
        keep = (lengths > 0) | ~is_lf | ~np.r_[True, is_lf[:-1]]
        ends, lengths, is_lf = ends[keep], lengths[keep], is_lf[keep]
        if len(ends) and lengths.min() == 0:
            raise _error(path, text, row, int(ends[lengths.argmin()]), 'is empty (two commas in '
                         f'a row, or a comma ending the line); expected a whole number ({RANGES}).')
    rows = int(is_lf.sum())
    if len(ends) != rows * VALUES_PER_ROW or not is_lf[VALUES_PER_ROW - 1::VALUES_PER_ROW].all():
        row_ends = np.flatnonzero(is_lf)  # index of each row's last value
        counts = np.diff(row_ends, prepend=-1)
        first = int(np.argmax(counts != VALUES_PER_ROW))
        start = np.r_[0, row_ends + 1][first]  # index of that row's first value
        raise _error(path, text, row, int(ends[start] - lengths[start]), f'expected '
                     f'{VALUES_PER_ROW} values ({RANGES}), found {counts[first]}.', False)
    table = _values(b, ends, lengths).reshape(rows, VALUES_PER_ROW)
    if rows and lengths.max() > 3 and not as_int_reads:  # leading zeros, as int('0007') reads
        return _parse_rows(path, _as_int_reads(path, text, row), row, True)
    if rows and (lengths.max() > 3 or table[:, 0].max() > 9 or table[:, 1:].max() > 255):
        first = int(np.argmax((lengths > 3) | (table > np.r_[9, [255] * 784]).ravel()))
        what = 'the label 0-9' if first % VALUES_PER_ROW == 0 else 'a pixel value 0-255'
        raise _error(path, text, row, int(ends[first] - lengths[first]),
                     f'is out of range; expected {what}.')
    return table[:, 1:].astype(np.uint8), table[:, 0].astype(np.int64)


def _read_csv(path, block_size=1 << 18):
    """Read a headerless MNIST CSV: per row the label, then 784 pixel values 0-255.

    Returns pixels (N, 784) uint8 and labels (N,) int64. Blank lines are skipped; anything
    else that is not such a row raises MnistDataError naming the row. Values are read as
    the course's int() reads them ('+7', ' 07 ', '7_0'). Reads block_size bytes at a time,
    so memory stays low."""
    with _open(path) as file:
        start = file.read(3)
        if not start:
            raise MnistDataError(f'{path} is empty; expected one line per image ({RANGES}).')
        rest = b'' if start == b'\xef\xbb\xbf' else start  # skip a UTF-8 byte order mark
        parts = [_parse_rows(path, text, row) for row, text in _pieces(file, rest, block_size)]
    if not sum(len(labels) for _, labels in parts):
        raise MnistDataError(f'{path} holds no rows, only blank lines; expected one line per '
                             f'image ({RANGES}).')
    return tuple(np.concatenate(columns) for columns in zip(*parts))


def load_mnist_train_bytes():
    """The 60,000 training images (60000, 784) uint8 and their labels (60000,) int64."""
    return _read_split('train')


def load_mnist_trainval_bytes():
    """The training file split into its first 80% (train) and last 20% (validation), unshuffled.

    Returns train_images (48000, 784) uint8, train_y (48000,) int64, val_images
    (12000, 784) uint8, val_y (12000,) int64; each pixel is byte / 255.
    """
    images, labels = load_mnist_train_bytes()
    cut = int(TRAIN_FRACTION * len(images))
    return images[:cut], labels[:cut], images[cut:], labels[cut:]


def load_mnist_test_bytes():
    """The 10,000 test images (10000, 784) uint8 and their labels (10000,) int64."""
    return _read_split('test')


def _as_floats(images):
    """uint8 (N, 784) -> float64 (N, 784), each pixel exactly byte / 255."""
    return np.divide(images, 255.0, dtype=np.float64)


def load_mnist_trainval_arrays():
    """As load_mnist_trainval_bytes, the images as float64 (N, 784) in [0, 1]."""
    train_images, train_y, val_images, val_y = load_mnist_trainval_bytes()
    return _as_floats(train_images), train_y, _as_floats(val_images), val_y


def load_mnist_test_arrays():
    """The test images as float64 (10000, 784) in [0, 1], and their labels (10000,) int64."""
    images, labels = load_mnist_test_bytes()
    return _as_floats(images), labels


# Every pixel is byte / 255 for one of 256 bytes, so 256 float objects serve all
# the pixels of the list loaders: each image's list holds references to these.
_PIXEL_FLOATS = np.array([k / 255 for k in range(256)], dtype=object)


def _as_lists(images, rows_per_chunk=512):
    """uint8 (N, 784) -> a list of N lists of 784 Python floats, byte / 255."""
    lists = []
    floats = np.empty((rows_per_chunk, IMAGE_SIZE), dtype=object)
    for start in range(0, len(images), rows_per_chunk):
        chunk = images[start:start + rows_per_chunk]
        # Into one reused buffer; mode='clip' (every byte is a valid index) skips a check.
        _PIXEL_FLOATS.take(chunk, out=floats[:len(chunk)], mode='clip')
        lists += floats[:len(chunk)].tolist()
    return lists


def load_mnist_trainval():
    """The course's loader: train_data, train_label, val_data, val_label as Python lists.

    Each image is a list of 784 floats in [0, 1], each label an int; the first
    48,000 training images are train, the last 12,000 validation.
    """
    train_images, train_y, val_images, val_y = load_mnist_trainval_bytes()
    return _as_lists(train_images), train_y.tolist(), _as_lists(val_images), val_y.tolist()


def load_mnist_test():
    """The course's loader: the 10,000 test images as lists of 784 floats, and int labels."""
    images, labels = load_mnist_test_bytes()
    return _as_lists(images), labels.tolist()


def load_csv(path):
    """Read a headerless MNIST CSV: per row the label, then 784 pixel values 0-255.

    Returns data (a list of lists of 784 floats, each pixel / 255) and labels
    (a list of int). Raises MnistDataError naming the row and column that is wrong.
    """
    images, labels = _read_csv(path)
    return _as_lists(images), labels.tolist()


# ---------------------------------------------------------------------------
# 2. Batching
# ---------------------------------------------------------------------------

def _ragged_rows(data):
    """'row i has m values, row 0 has n' for the first row of another length, or ''."""
    try:
        lengths = [len(row) for row in data]
    except TypeError:
        return ''
    odd = next((i for i, n in enumerate(lengths) if n != lengths[0]), None)
    return '' if odd is None else f': row {odd} has {lengths[odd]} values, row 0 has {lengths[0]}'


def _dataset_arrays(data, label):
    """data as float64 (N, D) and label as int (N,), or a ValueError saying what is wrong.

    Checked once per data set, here at the boundary, so the per-batch code needs no checks.
    """
    try:
        X = np.asarray(data)
    except ValueError:
        X = None
    if X is None or X.dtype.kind not in 'fiub':
        found = _ragged_rows(data) or f"; got {'rows of other lengths' if X is None else X.dtype}"
        raise ValueError(f'data must be N rows of equally many real numbers{found}.')
    X = X.astype(np.float64, copy=False)
    if X.ndim != 2:
        raise ValueError(f'data must be 2-D, one flattened image per row; got shape {X.shape}.')
    # NaN or inf makes its row's sum NaN or inf (so may huge values): one BLAS pass over X
    # finds the rows to scan, a third faster than scanning it all for every data set.
    with np.errstate(over='ignore', invalid='ignore'):
        suspects = np.flatnonzero(~np.isfinite(X @ np.ones(X.shape[1])))
    bad = ~np.isfinite(X[suspects])
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise ValueError(f'data holds {np.count_nonzero(bad)} NaN or infinite values, the '
                         f'first at row {suspects[row]}, column {column}.')
    y = np.asarray(label)
    if y.shape != (len(X),):
        raise ValueError(f'label must hold one label per row of data: data has {len(X)} rows, '
                         f'label has shape {y.shape}.')
    if y.dtype.kind not in 'iu':
        # NaN, inf and floats beyond 2**53 are not whole numbers an integer can hold.
        whole = y.dtype.kind == 'f' and np.all((y == np.round(y)) & (np.abs(y) < 2 ** 53))
        if not whole:
            raise ValueError(f'labels must be whole numbers, got {y.dtype}: {y[:3].tolist()}.')
        y = y.astype(np.int64)
    return X, y


def generate_batched_data(data, label, batch_size=32, shuffle=False, seed=None):
    """Cut data and labels into batches, optionally shuffled together.

    data: (N, 784) list of lists or array, label: (N,) list or array.
    batch_size: a whole number, as an int, a NumPy integer or a float such as 32.0.
    seed: if given, seeds Python's random first. shuffle uses Python's
    random.shuffle (the course's expected batches depend on it, not numpy's).
    The last batch may be smaller; nothing is dropped; the caller's data is not modified.
    Returns two equally long lists: float64 arrays (B, 784) and int arrays (B,).
    """
    X, y = _dataset_arrays(data, label)
    if isinstance(batch_size, (float, np.floating)) and float(batch_size).is_integer():
        batch_size = int(batch_size)    # 32.0 is the 32 meant
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f'batch_size must be a whole number of at least 1, got {batch_size!r}.')
    if seed is not None:
        try:    # Python 3.11+ refuses numpy's integers; older ones seed them as ints
            random.seed(int(seed) if isinstance(seed, np.integer) else seed)
        except TypeError:
            raise ValueError(f'seed must be a whole number or None, got {seed!r}.') from None
    order = list(range(len(X)))
    if shuffle:
        random.shuffle(order)
    batches = [order[start:start + batch_size] for start in range(0, len(X), batch_size)]
    return [X[rows] for rows in batches], [y[rows] for rows in batches]


# ---------------------------------------------------------------------------
# 3. One epoch of training, one pass of evaluation
# ---------------------------------------------------------------------------

def _run_batches(batched_data, batched_label, step, debug, log_file, name, batch_hook=None):
    """step(X, y) -> (loss, accuracy) on each batch, in order; returns the mean of the batch
    losses and the fraction of examples classified right. With debug, every 10th batch's
    figures are printed as '<name>, batch <b>: ...'; batch_hook(batch, loss, accuracy), if
    given, is called after each step."""
    if len(batched_data) != len(batched_label):
        raise ValueError(f'got {len(batched_data)} batches of data but {len(batched_label)} '
                         'batches of labels; they must pair up one to one.')
    if len(batched_data) == 0:
        raise ValueError('got no batches: the data is empty.')
    total_loss, correct, seen = 0.0, 0.0, 0
    for batch, (X, y) in enumerate(zip(batched_data, batched_label)):
        loss, accuracy = step(X, y)
        total_loss += loss
        correct += accuracy * len(y)
        seen += len(y)
        if debug and batch % 10 == 0:
            print(f'{name}, batch {batch}: loss {loss:.4f}, accuracy {accuracy:.4f}',
                  file=log_file)
        if batch_hook is not None:
            batch_hook(batch, loss, accuracy)
    return total_loss / len(batched_data), correct / seen


# A diverging run overflows on purpose; numpy's warnings about it would only be noise.
@np.errstate(over='ignore', invalid='ignore')
def train(epoch, batched_train_data, batched_train_label, model, optimizer, debug=True,
          log_file=None, batch_hook=None):
    """One pass over the training batches: per batch, forward (which fills the
    model's gradients), then one optimizer step.

    Returns (mean of the batch losses, fraction of examples classified right).
    With debug, every 10th batch's loss and accuracy, and at the end the
    epoch's accuracy, are printed, to log_file (a text file) if one is given.
    batch_hook: called as batch_hook(epoch, batch, loss, accuracy) after each
    step, e.g. to watch the loss; it may raise to stop training. None: no hook.
    """
    def step(X, y):
        loss, accuracy = model.forward(X, y)
        optimizer.update(model)
        return loss, accuracy

    def hook(batch, loss, accuracy):
        batch_hook(epoch, batch, loss, accuracy)

    epoch_loss, epoch_acc = _run_batches(batched_train_data, batched_train_label, step, debug,
                                         log_file, f'Epoch {epoch}',
                                         None if batch_hook is None else hook)
    if debug:
        print(f'* Average accuracy of epoch {epoch}: {epoch_acc:.4f}', file=log_file)
    return epoch_loss, epoch_acc


@np.errstate(over='ignore', invalid='ignore')
def evaluate(batched_test_data, batched_test_label, model, debug=True, log_file=None):
    """Loss and accuracy over the batches, with forward(mode='valid'): no
    gradients, no weight changes. Same averages and progress lines as train."""
    def step(X, y):
        return model.forward(X, y, mode='valid')

    loss, acc = _run_batches(batched_test_data, batched_test_label, step, debug, log_file,
                             'Evaluate')
    if debug:
        print(f'* Evaluation accuracy: {acc:.4f}', file=log_file)
    return loss, acc


# ---------------------------------------------------------------------------
# 4. Learning curves
# ---------------------------------------------------------------------------

def plot_curves(train_loss_history, train_acc_history, valid_loss_history, valid_acc_history,
                run_name=None, save_only=False, out_dir='.', title=None):
    """Two figures against epoch: train and validation loss; train and validation accuracy.

    The four histories hold one value per epoch each. With run_name (a file
    name, without folders), both are also saved as <run_name>_loss.png and
    <run_name>_accuracy.png in out_dir, the current folder or one that exists.
    With save_only, they are saved and closed instead of shown. title: what
    the run is, in words, for the figures' titles (default: the run_name).
    The accuracy axis runs from 0 to 1, so that a run stuck low looks it.
    """
    lengths = [len(history) for history in (train_loss_history, train_acc_history,
                                            valid_loss_history, valid_acc_history)]
    if len(set(lengths)) > 1:
        raise ValueError(f'the histories must hold one value per epoch each; got {lengths} values '
                         '(train loss, train accuracy, validation loss, validation accuracy).')
    if run_name is not None:
        name = str(run_name)
        if name in ('', '.', '..') or '/' in name or '\\' in name:
            raise ValueError(f'run_name must be a plain file name, got {run_name!r}; give the '
                             'folder as out_dir.')
        try:    # the file savefig will write, opened now: out_dir may be missing or read-only
            open(f'{out_dir}/{run_name}_loss.png', 'ab').close()
        except OSError as err:
            raise type(err)(f'cannot save the curves: {err.strerror}. out_dir {out_dir!r} '
                            'must be an existing folder you may write to, and run_name '
                            f'{run_name!r} a name your system allows for a file.') from None
    epochs = np.arange(1, lengths[0] + 1)
    if title is not None:
        title = f', {title}'
    else:
        title = f' ({run_name})' if run_name is not None else ''
    panels = [('loss', 'Loss', train_loss_history, valid_loss_history),
              ('accuracy', 'Accuracy', train_acc_history, valid_acc_history)]
    for suffix, label, train_values, valid_values in panels:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(epochs, train_values, marker='o', label=f'train {suffix}')
        ax.plot(epochs, valid_values, marker='s', label=f'validation {suffix}')
        ax.set_title(f'{label} per epoch{title}')
        ax.set_xlabel('epoch')
        ax.set_ylabel(label.lower())
        ax.locator_params(axis='x', integer=True)     # epochs are whole numbers
        if suffix == 'accuracy':
            ax.set_ylim(0, 1)
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        if run_name is not None:
            fig.savefig(f'{out_dir}/{run_name}_{suffix}.png', dpi=100)
        if save_only:
            plt.close(fig)
    if not save_only:
        plt.show()
