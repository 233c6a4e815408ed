"""What every optimizer shares: a learning rate, an L2 coefficient, and the
gradient of the L2 penalty 0.5 * reg * sum(w**2) over the weights (not biases)."""


def _not_text(name, value):
    """value, unless it is text: a rate written as '0.1' trains nothing (NumPy fails on it
    at the first update), so it is refused here, naming the setting. Any number, even a
    negative or NaN one, is kept as the course keeps it."""
    if isinstance(value, (str, bytes)):
        raise ValueError(f'{name} must be a number such as 0.1, got the text {value[:40]!r}.')
    return value


class _BaseOptimizer:
    def __init__(self, learning_rate=1e-4, reg=1e-3):
        self.learning_rate = _not_text('learning_rate', learning_rate)
        self.reg = _not_text('reg', reg)

    def update(self, model):
        raise NotImplementedError(f'{type(self).__name__} must define update(model)')

    def apply_regularization(self, model):
        """gradients[k] += reg * weights[k] for every weight 'W...', in place.

        Biases ('b1', 'b2') are left alone: penalising them does not reduce
        overfitting and only shifts the decision boundaries.
        """
        for name, weight in model.weights.items():
            if name.startswith('W'):
                model.gradients[name] += self.reg * weight
