"""The pieces both networks share: softmax, cross-entropy, accuracy and the
two activations with their derivatives.

Every function works on float arrays: scores and probabilities are (N, C),
activations are elementwise and keep their input's shape. All of them stay
finite and silent (no overflow warnings) for inputs in the thousands.
"""
import numpy as np

# The smallest positive normal float64: log(_TINY) is about -708, so a
# probability of exactly 0 costs a large but finite loss.
_TINY = np.finfo(np.float64).tiny


class _baseNetwork:
    """Holds the sizes and the two dictionaries every model fills.

    weights:   name -> parameter array ('W1', 'b1', ...)
    gradients: name -> array of the same shape, written by forward(mode='train')
    """

    def __init__(self, input_size=28 * 28, num_classes=10):
        self.input_size = self._size('input_size', input_size, 1)
        self.num_classes = self._size('num_classes', num_classes, 2)
        self.weights = dict()
        self.gradients = dict()

    @staticmethod
    def _size(name, value, smallest):
        """value as an int; ValueError unless it is a whole number >= smallest: a Python or
        NumPy integer, or a float such as 128.0 (not True, which would be taken as 1)."""
        whole = isinstance(value, (int, np.integer)) or (
            isinstance(value, (float, np.floating)) and float(value).is_integer())
        if not whole or isinstance(value, (bool, np.bool_)) or value < smallest:
            raise ValueError(f'{name} must be a whole number of at least {smallest}, '
                             f'got {value!r}.')
        return int(value)

    def _weight_shapes(self):
        """{name: shape} of every weight the model's sizes call for (each model names its own)."""
        return {}

    def _check_batch(self, X, y):
        """Return X, y as arrays; raise ValueError unless X is (N, input_size)
        numbers with N >= 1, y is (N,) integer labels in [0, num_classes), and
        every weight has the shape the model's sizes give (self.weights is the
        user's to change).

        Called once at the top of each model's forward, so a wrong shape or a
        bad label is reported in the caller's terms, not deep inside numpy.
        Only shapes, dtypes and the labels' min and max are looked at, so the
        check costs nothing next to the forward pass. The values of X are not
        scanned here: utils.generate_batched_data refuses NaN and inf once per
        data set, where they enter.
        """
        for name, shape in self._weight_shapes().items():
            found = np.shape(self.weights[name]) if name in self.weights else None
            if found != shape:
                what = 'is missing' if found is None else f'has shape {found}'
                raise ValueError(f"weights['{name}'] {what}, but this model's sizes call for "
                                 f'{shape}: put an array of shape {shape} there, or build a '
                                 'model of the sizes you need.')
        X = np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2 or X.shape[1] != self.input_size:
            if X.ndim == 1 and X.shape[0] == self.input_size:
                fix = 'For a single image, pass X.reshape(1, -1).'
            elif X.ndim > 2 and X[0].size == self.input_size:
                fix = 'Flatten the images with X.reshape(len(X), -1).'
            else:
                fix = f'This model expects {self.input_size} features per example.'
            raise ValueError(f'X must have shape (N, {self.input_size}), one flattened image '
                             f'per row; got shape {X.shape}. {fix}')
        if X.shape[0] == 0:
            raise ValueError('empty batch: X has 0 rows; every batch needs at least one example.')
        if X.dtype.kind not in 'fiub':
            raise ValueError(f'X must hold numbers, got dtype {X.dtype}; convert it with '
                             'np.asarray(X, dtype=float).')
        if y.shape != (X.shape[0],):
            raise ValueError(f'y must have shape ({X.shape[0]},), one label per row of X '
                             f'(X has shape {X.shape}); got shape {y.shape}.')
        if y.dtype.kind not in 'iu':
            raise ValueError(f'labels must be integers, got dtype {y.dtype}; convert them '
                             'with y.astype(int).')
        low, high = y.min(), y.max()
        if low < 0 or high >= self.num_classes:
            bad = low if low < 0 else high
            where = int(np.flatnonzero(y == bad)[0])
            raise ValueError(f'label {bad} (y[{where}]) is outside [0, {self.num_classes}): '
                             f'this model has {self.num_classes} classes, numbered 0 to '
                             f'{self.num_classes - 1}.')
        return X, y

    def softmax(self, scores):
        """Row-wise softmax. scores: (N, C) -> probabilities (N, C).

        p[i, j] = exp(s[i, j] - max_k s[i, k]) / sum_k exp(s[i, k] - max_k s[i, k]);
        subtracting the row maximum changes nothing mathematically and keeps
        every exponent <= 0, so nothing overflows.
        """
        exp = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def cross_entropy_loss(self, x_pred, y):
        """Mean negative log-likelihood. x_pred: (N, C) probabilities, y: (N,) int.

        loss = -(1/N) * sum_i log p[i, y_i]; a probability of 0 is read as the
        smallest normal float, so the loss stays finite.
        """
        picked = x_pred[np.arange(len(y)), y]
        return float(np.mean(-np.log(np.maximum(picked, _TINY))))

    def _dloss_dscores(self, x_pred, y):
        """The gradient of the mean cross-entropy of p = softmax(s) with respect to the
        scores s: (p - onehot(y)) / N. x_pred: (N, C) probabilities p, y: (N,) int -> (N, C)."""
        dscores = x_pred.copy()
        dscores[np.arange(len(y)), y] -= 1.0
        return dscores / len(y)

    def compute_accuracy(self, x_pred, y):
        """Fraction of rows whose largest entry is the label. x_pred: (N, C), y: (N,)."""
        return float(np.mean(np.argmax(x_pred, axis=1) == y))

    def sigmoid(self, X):
        """s(x) = 1 / (1 + exp(-x)), elementwise.

        Below x = -709, exp(-x) overflows to inf and 1 / (1 + inf) = 0, which
        is s(x) to within 1e-308; that overflow is expected, so it is silenced.
        """
        with np.errstate(over='ignore'):
            return 1.0 / (1.0 + np.exp(-X))

    def sigmoid_dev(self, x):
        """ds/dx = s(x) * (1 - s(x)), evaluated at the pre-activation x."""
        s = self.sigmoid(x)
        return s * (1.0 - s)

    def ReLU(self, X):
        """max(x, 0), elementwise."""
        return np.maximum(X, 0.0)

    def ReLU_dev(self, X):
        """1.0 where x > 0, else 0.0 (the derivative at 0 is taken as 0)."""
        return (X > 0).astype(np.float64)
