"""Softmax regression as the course builds it: one fully connected layer
without bias, a ReLU, then softmax and cross-entropy.

Forward, for a batch X of N examples with D inputs and C classes:

    z = X W1          (N, C)
    a = ReLU(z)       (N, C)
    p = softmax(a)    (N, C)
    loss = mean_i -log p[i, y_i]

Backward, the same steps in reverse (d stands for dloss/d):

    da = (p - onehot(y)) / N    (N, C)
    dz = da * ReLU'(z)          (N, C)
    dW1 = X.T dz                (D, C)
"""
import numpy as np

from ._base_network import _baseNetwork


class SoftmaxRegression(_baseNetwork):
    """X: (N, input_size) float -> class probabilities over num_classes.

    Notes: the ReLU between the logits and the softmax is a trap. A class
    whose logit z turns negative for every input gets a = 0, so its column of
    W1 receives zero gradient and that class never recovers ("dead class").
    Depending on the shuffle order, the 10-epoch default run ends anywhere
    between about 0.56 and 0.92 test accuracy. This is the course's model,
    kept as it is.
    """

    def __init__(self, input_size=28 * 28, num_classes=10):
        super().__init__(input_size, num_classes)
        self._weight_init()

    def _weight_init(self):
        """W1 = 0.001 * randn(input_size, num_classes) after np.random.seed(1024)."""
        np.random.seed(1024)
        self.weights['W1'] = 0.001 * np.random.randn(self.input_size, self.num_classes)
        self.gradients['W1'] = np.zeros((self.input_size, self.num_classes))

    def _weight_shapes(self):
        return {'W1': (self.input_size, self.num_classes)}

    def forward(self, X, y, mode='train'):
        """Loss and accuracy of one batch; in 'train' mode also gradients['W1'].

        X: (N, input_size) float, y: (N,) int. Returns (loss, accuracy) as floats.
        The loss has no regularization term: the optimizer adds its gradient.
        """
        X, y = self._check_batch(X, y)

        z = X @ self.weights['W1']
        a = self.ReLU(z)
        p = self.softmax(a)
        loss, accuracy = self.cross_entropy_loss(p, y), self.compute_accuracy(p, y)
        if mode != 'train':
            return loss, accuracy

        da = self._dloss_dscores(p, y)
        dz = da * self.ReLU_dev(z)
        self.gradients['W1'] = X.T @ dz
        return loss, accuracy
