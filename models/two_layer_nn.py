"""The two-layer perceptron: fully connected (with bias), sigmoid, fully
connected (with bias), then softmax and cross-entropy.

Forward, for a batch X of N examples with D inputs, H hidden units, C classes:

    z1 = X W1 + b1      (N, H)
    a1 = sigmoid(z1)    (N, H)
    z2 = a1 W2 + b2     (N, C)
    p  = softmax(z2)    (N, C)
    loss = mean_i -log p[i, y_i]

Backward, the same steps in reverse (d stands for dloss/d):

    dz2 = (p - onehot(y)) / N    (N, C)
    dW2 = a1.T dz2               (H, C)
    db2 = sum_i dz2[i]           (C,)
    da1 = dz2 W2.T               (N, H)
    dz1 = da1 * a1 (1 - a1)      (N, H)   sigmoid'(z1) = a1 (1 - a1)
    dW1 = X.T dz1                (D, H)
    db1 = sum_i dz1[i]           (H,)
"""
import numpy as np

from ._base_network import _baseNetwork

# The course's module seeds numpy on import; kept, since expected outputs of
# code that draws random numbers after this import depend on it.
np.random.seed(1024)


class TwoLayerNet(_baseNetwork):
    """X: (N, input_size) float -> class probabilities, through hidden_size sigmoid units."""

    def __init__(self, input_size=28 * 28, num_classes=10, hidden_size=128):
        super().__init__(input_size, num_classes)
        self.hidden_size = self._size('hidden_size', hidden_size, 1)
        self._weight_init()

    def _weight_init(self):
        """Zero biases; W1 and W2 are each 0.001 * randn after their own np.random.seed(1024)."""
        self.weights['b1'] = np.zeros(self.hidden_size)
        self.weights['b2'] = np.zeros(self.num_classes)
        np.random.seed(1024)
        self.weights['W1'] = 0.001 * np.random.randn(self.input_size, self.hidden_size)
        np.random.seed(1024)
        self.weights['W2'] = 0.001 * np.random.randn(self.hidden_size, self.num_classes)

        self.gradients['W1'] = np.zeros((self.input_size, self.hidden_size))
        self.gradients['b1'] = np.zeros(self.hidden_size)
        self.gradients['W2'] = np.zeros((self.hidden_size, self.num_classes))
        self.gradients['b2'] = np.zeros(self.num_classes)

    def _weight_shapes(self):
        D, H, C = self.input_size, self.hidden_size, self.num_classes
        return {'W1': (D, H), 'b1': (H,), 'W2': (H, C), 'b2': (C,)}

    def forward(self, X, y, mode='train'):
        """Loss and accuracy of one batch; in 'train' mode also all four gradients.

        X: (N, input_size) float, y: (N,) int. Returns (loss, accuracy) as floats.
        The loss has no regularization term: the optimizer adds its gradient.
        """
        X, y = self._check_batch(X, y)
        W1, b1, W2, b2 = (self.weights[k] for k in ('W1', 'b1', 'W2', 'b2'))

        z1 = X @ W1 + b1
        a1 = self.sigmoid(z1)
        z2 = a1 @ W2 + b2
        p = self.softmax(z2)
        loss, accuracy = self.cross_entropy_loss(p, y), self.compute_accuracy(p, y)
        if mode != 'train':
            return loss, accuracy

        dz2 = self._dloss_dscores(p, y)
        dW2 = a1.T @ dz2
        db2 = dz2.sum(axis=0)
        da1 = dz2 @ W2.T
        dz1 = da1 * (a1 * (1.0 - a1))             # sigmoid_dev(z1), from a1 = sigmoid(z1)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0)

        self.gradients.update(W1=dW1, b1=db1, W2=dW2, b2=db2)
        return loss, accuracy
